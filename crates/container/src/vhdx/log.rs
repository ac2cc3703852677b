//! The metadata log (MS-VHDX 2.3) and its replay into an in-memory overlay.
//!
//! The log is a circular buffer of 4 KiB sectors. Each entry is a header (`loge`), descriptors
//! (`desc` for a 4 KiB data sector, `zero` for a zeroed range), then one `data` sector per data
//! descriptor. The **active sequence** is found as MS-VHDX 2.3.3 says: runs of valid entries with
//! consecutive sequence numbers, each entry's Tail inside the run; the run whose last entry has
//! the highest sequence number wins, and its entries from that last entry's Tail onwards are
//! applied in order. The result is an overlay over the file: the file itself is never written.
//!
//! # Budgets
//!
//! The log is read from the file by ranges ([`CHUNK`] bytes at a time), never whole. An entry is
//! validated once per position (the result is remembered, [`MAX_LOG_LENGTH`] / 4 KiB positions at
//! most); the search checksums at most [`SCAN_BUDGET_FACTOR`] × the log length and visits at most
//! [`VISIT_BUDGET_FACTOR`] × its sector count entries. Only the active sequence's entries are kept,
//! without their descriptors; the overlay keeps, per replayed sector, where its data lies in the
//! log (not the data), and zeroed ranges merged, together at most [`MAX_REPLAY_INDEX_BYTES`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::bytes::Fields;
use crate::diag::Diagnostic;
use crate::read::{check_bounds, ReadError};
use crate::{ContainerError, Guid, ReadAt, Result};

use super::header::VhdxHeader;
use super::{read_struct, MIB};

/// Log sector size (MS-VHDX 2.3).
const SECTOR: u64 = 4096;
/// Size of a log entry header (MS-VHDX 2.3.1.1).
const ENTRY_HEADER_SIZE: u64 = 64;
/// Size of a descriptor (MS-VHDX 2.3.1.2, 2.3.1.3).
const DESCRIPTOR_SIZE: u64 = 32;
/// Bytes of a data sector's payload (MS-VHDX 2.3.1.4).
const DATA_PAYLOAD: usize = 4084;

/// Largest log replayed. The spec allows up to 4 GiB, Hyper-V and qemu write 1 MiB; a larger
/// log is refused.
pub const MAX_LOG_LENGTH: u64 = 256 << 20;

/// Bytes of the log read by one read while validating or replaying an entry.
pub const CHUNK: usize = 64 << 10;

/// Work budget for the log search: bytes checksummed, as a multiple of the log length. A crafted
/// log of overlapping would-be entries cannot make the search quadratic beyond this.
pub const SCAN_BUDGET_FACTOR: u64 = 4;

/// Work budget for the log search: entries visited (validated or remembered), as a multiple of
/// the log's sector count. Runs restarted at every sector cannot walk the log quadratically.
pub const VISIT_BUDGET_FACTOR: u64 = 4;

/// Memory the replay may hold besides the entries: remembered validations, the index of replayed
/// sectors (file offset → where the data lies in the log) and the zeroed ranges, in bytes (each
/// item counted at [`INDEX_ITEM_BYTES`]).
pub const MAX_REPLAY_INDEX_BYTES: u64 = 16 << 20;

/// What one remembered validation, replayed sector or zeroed range is counted at.
const INDEX_ITEM_BYTES: u64 = 64;

/// Diagnostic code: a log was replayed into memory.
pub(crate) const DIAG_LOG_REPLAYED: &str = "vhdxLogReplayed";
/// Diagnostic code: the header names a log but no active sequence was found; nothing replayed.
pub(crate) const DIAG_LOG_NO_SEQUENCE: &str = "vhdxLogNoActiveSequence";

/// A validated log entry (its descriptors are re-read from the file when it is applied).
#[derive(Debug, Clone, Copy)]
struct Entry {
    pos: u64,
    length: u64,
    sequence: u64,
    tail: u64,
    flushed_file_offset: u64,
    last_file_offset: u64,
    count: u64,
}

impl Entry {
    /// Bytes of header and descriptors, rounded up to whole sectors.
    fn desc_area(&self) -> u64 {
        (ENTRY_HEADER_SIZE + self.count * DESCRIPTOR_SIZE).div_ceil(SECTOR) * SECTOR
    }
}

/// A descriptor read from an entry.
#[derive(Debug, Clone, Copy)]
enum Descriptor {
    /// A `desc` descriptor: 4096 bytes at `file_offset`.
    Data {
        file_offset: u64,
        leading: [u8; 8],
        trailing: [u8; 4],
    },
    /// A `zero` descriptor: `length` zero bytes at `file_offset`.
    Zero { file_offset: u64, length: u64 },
}

/// Parses descriptor `d` of an entry of `sequence`; `None` when invalid.
fn descriptor(d: &Fields<'_>, sequence: u64, log_start: u64, log_end: u64) -> Option<Descriptor> {
    let file_offset = d.le_u64(16).ok()?;
    if d.le_u64(24).ok()? != sequence || file_offset % SECTOR != 0 {
        return None;
    }
    let (desc, write_len) = match d.bytes().get(..4) {
        Some(b"desc") => (
            Descriptor::Data {
                file_offset,
                leading: d.array(8).ok()?,
                trailing: d.array(4).ok()?,
            },
            SECTOR,
        ),
        Some(b"zero") => {
            let zl = d.le_u64(8).ok()?;
            if zl % SECTOR != 0 {
                return None;
            }
            (
                Descriptor::Zero {
                    file_offset,
                    length: zl,
                },
                zl,
            )
        }
        _ => return None,
    };
    // The write must not overflow nor touch the log itself.
    let end = file_offset.checked_add(write_len)?;
    if write_len > 0 && file_offset < log_end && end > log_start {
        return None;
    }
    Some(desc)
}

/// The log region, read from the file by ranges.
struct LogReader<'a> {
    src: &'a dyn ReadAt,
    len: u64,
    file_offset: u64,
    guid: Guid,
    /// Bytes that may still be checksummed.
    budget: u64,
    /// Entries that may still be visited.
    visits: u64,
    /// Validations done, by position.
    seen: HashMap<u64, Option<Entry>>,
    buf: Vec<u8>,
}

impl LogReader<'_> {
    /// File offset of circular log position `pos`.
    fn at(&self, pos: u64) -> u64 {
        self.file_offset
            .saturating_add(if self.len == 0 { 0 } else { pos % self.len })
    }

    /// Reads `dst.len()` bytes at circular position `pos` (wrapping at the log's end).
    fn read(&self, pos: u64, dst: &mut [u8]) -> Result<()> {
        let mut done = 0usize;
        // Bounded: each step reads at least one byte (len >= 1 MiB).
        while done < dst.len() {
            let p = (pos + done as u64) % self.len.max(1);
            let room = usize::try_from(self.len - p).unwrap_or(usize::MAX);
            let n = (dst.len() - done).min(room);
            let Some(part) = dst.get_mut(done..done + n) else {
                break;
            };
            read_struct(self.src, self.file_offset + p, part, "VHDX log")?;
            done += n;
        }
        Ok(())
    }

    fn too_much(&self, what: &'static str, limit: u64) -> ContainerError {
        ContainerError::TooLarge {
            structure: "VHDX log",
            offset: self.file_offset,
            what,
            value: limit,
            limit,
        }
    }

    /// The entry at `pos` (validated once, then remembered); `None` when it is not valid.
    fn entry_at(&mut self, pos: u64) -> Result<Option<Entry>> {
        let pos = pos % self.len.max(1);
        if self.visits == 0 {
            return Err(self.too_much(
                "entries visited while searching the log",
                self.len / SECTOR * VISIT_BUDGET_FACTOR,
            ));
        }
        self.visits -= 1;
        if let Some(e) = self.seen.get(&pos) {
            return Ok(*e);
        }
        let e = self.validate(pos)?;
        // Bounded: at most len / SECTOR positions (MAX_LOG_LENGTH / 4 KiB = 65,536 items).
        self.seen.insert(pos, e);
        Ok(e)
    }

    /// Validates the entry at `pos`, reading it once, front to back, by chunks.
    fn validate(&mut self, pos: u64) -> Result<Option<Entry>> {
        let mut hdr = [0u8; SECTOR as usize];
        self.read(pos, &mut hdr)?;
        let h = Fields::new(&hdr, "VHDX log sector", self.at(pos));
        if hdr.get(..4) != Some(b"loge") {
            return Ok(None);
        }
        let length = u64::from(h.le_u32(8)?);
        let tail = u64::from(h.le_u32(12)?);
        let sequence = h.le_u64(16)?;
        let count = u64::from(h.le_u32(24)?);
        let guid = Guid(h.array(32)?);
        let flushed_file_offset = h.le_u64(48)?;
        let last_file_offset = h.le_u64(56)?;
        let stored_crc = h.le_u32(4)?;
        if length == 0
            || length % SECTOR != 0
            || length > self.len
            || sequence == 0
            || guid != self.guid
            || tail % SECTOR != 0
            || tail >= self.len
        {
            return Ok(None);
        }
        // Cannot overflow: count < 2^32.
        let desc_end = ENTRY_HEADER_SIZE + count * DESCRIPTOR_SIZE;
        if desc_end > length {
            return Ok(None);
        }
        let entry = Entry {
            pos,
            length,
            sequence,
            tail,
            flushed_file_offset,
            last_file_offset,
            count,
        };
        let desc_area = entry.desc_area();
        let log_start = self.file_offset;
        let log_end = self.file_offset.saturating_add(self.len);
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut data_sectors = 0u64;
        let mut crc = 0u32;
        let mut at = 0u64;
        let mut ok = true;
        // Bounded: `at` grows by one chunk per step up to `length` <= the log length.
        'chunks: while at < length {
            let n = usize::try_from((length - at).min(CHUNK as u64)).unwrap_or(CHUNK);
            if self.budget < n as u64 {
                self.buf = buf;
                return Err(self.too_much(
                    "bytes checksummed while searching the log",
                    self.len.saturating_mul(SCAN_BUDGET_FACTOR),
                ));
            }
            self.budget -= n as u64;
            let Some(chunk) = buf.get_mut(..n) else {
                break;
            };
            if at == 0 {
                if let Some(c) = chunk.get_mut(..SECTOR as usize) {
                    c.copy_from_slice(&hdr);
                }
                if let Some(rest) = chunk.get_mut(SECTOR as usize..) {
                    self.read(pos + SECTOR, rest)?;
                }
                crc = super::checksum(chunk, 4);
            } else {
                self.read(pos + at, chunk)?;
                crc = crc32c::crc32c_append(crc, chunk);
            }
            let chunk: &[u8] = chunk;
            let base = self.at(pos + at);
            for (k, sector) in chunk.chunks(SECTOR as usize).enumerate() {
                let s_at = at + k as u64 * SECTOR;
                let fields = Fields::new(sector, "VHDX log sector", base + k as u64 * SECTOR);
                if s_at < desc_area {
                    // The descriptors that lie in this sector.
                    let first = s_at
                        .saturating_sub(ENTRY_HEADER_SIZE)
                        .div_ceil(DESCRIPTOR_SIZE);
                    let last = ((s_at + SECTOR).saturating_sub(ENTRY_HEADER_SIZE)
                        / DESCRIPTOR_SIZE)
                        .min(count);
                    for i in first..last {
                        let d_at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE - s_at;
                        let d = fields.sub(
                            d_at as usize,
                            DESCRIPTOR_SIZE as usize,
                            "VHDX log descriptor",
                        )?;
                        match descriptor(&d, sequence, log_start, log_end) {
                            Some(Descriptor::Data { .. }) => data_sectors += 1,
                            Some(Descriptor::Zero { .. }) => {}
                            None => {
                                ok = false;
                                break 'chunks;
                            }
                        }
                    }
                    if s_at + SECTOR == desc_area && desc_area + data_sectors * SECTOR > length {
                        ok = false;
                        break 'chunks;
                    }
                } else if s_at < desc_area + data_sectors * SECTOR {
                    let seq = u64::from(fields.le_u32(4)?) << 32 | u64::from(fields.le_u32(4092)?);
                    if sector.get(..4) != Some(b"data") || seq != sequence {
                        ok = false;
                        break 'chunks;
                    }
                }
            }
            at += n as u64;
        }
        self.buf = buf;
        if !ok || crc != stored_crc {
            return Ok(None);
        }
        Ok(Some(entry))
    }

    /// Circular distance from `from` to `to`.
    fn distance(&self, from: u64, to: u64) -> u64 {
        if to >= from {
            to - from
        } else {
            to + self.len - from
        }
    }

    /// The longest valid sequence starting at `start`, and the bytes it covers.
    fn sequence_from(&mut self, start: u64) -> Result<Option<(Vec<Entry>, u64)>> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut consumed = 0u64;
        // Bounded: every entry consumes at least one sector of the log.
        while consumed < self.len {
            let Some(e) = self.entry_at(start + consumed)? else {
                break;
            };
            if let Some(last) = entries.last() {
                if Some(e.sequence) != last.sequence.checked_add(1) {
                    break;
                }
            }
            let new_consumed = consumed + e.length;
            if new_consumed > self.len || self.distance(start, e.tail) >= new_consumed {
                break;
            }
            consumed = new_consumed;
            entries.push(e);
        }
        Ok((!entries.is_empty()).then_some((entries, consumed)))
    }

    /// Reads the descriptors of `e` in order, calling `f` with each and its data sector's
    /// circular log position.
    fn descriptors(
        &mut self,
        e: &Entry,
        mut f: impl FnMut(Descriptor, u64) -> Result<()>,
    ) -> Result<()> {
        let entry_offset = self.at(e.pos);
        let invalid = || ContainerError::Invalid {
            structure: "VHDX log entry",
            offset: entry_offset,
            message: "a descriptor changed between the search and the replay".into(),
        };
        let desc_end = ENTRY_HEADER_SIZE + e.count * DESCRIPTOR_SIZE;
        let desc_area = e.desc_area();
        let log_start = self.file_offset;
        let log_end = self.file_offset.saturating_add(self.len);
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut data_sectors = 0u64;
        let mut at = 0u64;
        let mut i = 0u64;
        let mut r = Ok(());
        // Bounded: `at` grows by one chunk per step up to the descriptor area of the entry.
        while at < desc_end && r.is_ok() {
            let n = usize::try_from((desc_end - at).min(CHUNK as u64)).unwrap_or(CHUNK);
            let Some(chunk) = buf.get_mut(..n) else {
                break;
            };
            if let Err(err) = self.read(e.pos + at, chunk) {
                r = Err(err);
                break;
            }
            let fields = Fields::new(chunk, "VHDX log descriptor", self.at(e.pos + at));
            // Descriptors wholly inside this chunk (CHUNK is a multiple of 32, 64 = 2 × 32).
            while i < e.count {
                let d_at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE;
                if d_at + DESCRIPTOR_SIZE > at + n as u64 {
                    break;
                }
                let d = match fields.sub(
                    (d_at - at) as usize,
                    DESCRIPTOR_SIZE as usize,
                    "VHDX log descriptor",
                ) {
                    Ok(d) => d,
                    Err(err) => {
                        r = Err(err.into());
                        break;
                    }
                };
                let Some(desc) = descriptor(&d, e.sequence, log_start, log_end) else {
                    r = Err(invalid());
                    break;
                };
                let sector_pos = e.pos + desc_area + data_sectors * SECTOR;
                if matches!(desc, Descriptor::Data { .. }) {
                    data_sectors += 1;
                }
                if let Err(err) = f(desc, sector_pos) {
                    r = Err(err);
                    break;
                }
                i += 1;
            }
            at += n as u64;
        }
        self.buf = buf;
        r
    }
}

/// Searches the log for the active sequence; returns its entries to apply, oldest first.
fn active_sequence(log: &mut LogReader<'_>) -> Result<Vec<Entry>> {
    let mut best: Option<(u64, Vec<Entry>)> = None;
    let mut start = 0u64;
    // Bounded: `start` only grows, by at least one sector per step, up to the log length.
    while start < log.len {
        let step = match log.sequence_from(start)? {
            Some((entries, consumed)) => {
                let head_seq = entries.last().map_or(0, |e| e.sequence);
                let tail = entries.last().map_or(start, |e| e.tail);
                // The tail must be the start of one of the run's entries.
                if let Some(k) = entries.iter().position(|e| e.pos == tail) {
                    if best.as_ref().is_none_or(|(s, _)| head_seq > *s) {
                        let applied = entries.into_iter().skip(k).collect();
                        best = Some((head_seq, applied));
                    }
                    consumed
                } else {
                    SECTOR
                }
            }
            None => SECTOR,
        };
        start += step;
    }
    Ok(best.map(|(_, e)| e).unwrap_or_default())
}

/// Where a replayed sector's bytes are: its data sector in the log, and the 12 bytes the
/// descriptor holds.
#[derive(Debug, Clone, Copy)]
struct PageRef {
    /// File offset of the data sector (in the log region of the file).
    data_at: u64,
    leading: [u8; 8],
    trailing: [u8; 4],
}

/// The file as it is after replaying the log: the file's bytes, overwritten by replayed data
/// sectors and zeroed ranges, extended with zeros to the log's LastFileOffset.
pub(crate) struct LogOverlay {
    inner: Arc<dyn ReadAt>,
    len: u64,
    /// Replayed 4 KiB data sectors by file offset (later writes replace earlier ones): where
    /// their bytes lie in the (unmodified) log.
    pages: BTreeMap<u64, PageRef>,
    /// Zeroed ranges `[start, end)`, sorted and disjoint; pages take precedence over them.
    zeros: Vec<(u64, u64)>,
}

impl LogOverlay {
    /// The 4096 bytes of a replayed sector.
    fn page(&self, p: &PageRef) -> Result<[u8; SECTOR as usize], ReadError> {
        let mut page = [0u8; SECTOR as usize];
        let (lead, rest) = page.split_at_mut(8);
        lead.copy_from_slice(&p.leading);
        let (payload, trail) = rest.split_at_mut(DATA_PAYLOAD);
        self.inner.read_at(p.data_at + 8, payload)?;
        trail.copy_from_slice(&p.trailing);
        Ok(page)
    }
}

impl ReadAt for LogOverlay {
    fn len(&self) -> u64 {
        self.len
    }

    fn prefetch(&self, offset: u64, len: u64) {
        self.inner.prefetch(offset, len);
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        let end = offset + buf.len() as u64;
        // The file's own bytes, zeros past its end.
        let inner_len = self.inner.len();
        let from_file = inner_len.saturating_sub(offset).min(buf.len() as u64) as usize;
        let (head, rest) = buf.split_at_mut(from_file);
        if !head.is_empty() {
            self.inner.read_at(offset, head)?;
        }
        rest.fill(0);
        // Zeroed ranges.
        let first = self.zeros.partition_point(|&(_, e)| e <= offset);
        for &(zs, ze) in self.zeros.get(first..).unwrap_or(&[]) {
            if zs >= end {
                break;
            }
            let a = (zs.max(offset) - offset) as usize;
            let b = (ze.min(end) - offset) as usize;
            if let Some(dst) = buf.get_mut(a..b) {
                dst.fill(0);
            }
        }
        // Replayed sectors.
        let from = offset / SECTOR * SECTOR;
        for (&po, p) in self.pages.range(from..end) {
            let s = po.max(offset);
            let e = (po + SECTOR).min(end);
            if s >= e {
                continue;
            }
            let page = self.page(p)?;
            let src = page.get((s - po) as usize..(e - po) as usize);
            let dst = buf.get_mut((s - offset) as usize..(e - offset) as usize);
            if let (Some(src), Some(dst)) = (src, dst) {
                dst.copy_from_slice(src);
            }
        }
        Ok(())
    }
}

/// Replays the log named by `header` into an overlay; `None` when there is nothing to replay.
pub(crate) fn replay(
    source: &Arc<dyn ReadAt>,
    header: &VhdxHeader,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<LogOverlay>> {
    if header.log_guid.is_zero() || header.log_length == 0 {
        return Ok(None);
    }
    let len = u64::from(header.log_length);
    if header.log_offset < MIB {
        return Err(ContainerError::Invalid {
            structure: "VHDX header",
            offset: header.offset,
            message: format!(
                "LogOffset {:#x} lies inside the 1 MiB header section",
                header.log_offset
            ),
        });
    }
    if len > MAX_LOG_LENGTH {
        return Err(ContainerError::TooLarge {
            structure: "VHDX header",
            offset: header.offset,
            what: "log length",
            value: len,
            limit: MAX_LOG_LENGTH,
        });
    }
    let end = header.log_offset.checked_add(len);
    if end.is_none_or(|e| e > source.len()) {
        return Err(ContainerError::Truncated {
            structure: "VHDX log",
            offset: header.log_offset,
            needed: len,
            file_size: source.len(),
        });
    }
    let mut log = LogReader {
        src: &**source,
        len,
        file_offset: header.log_offset,
        guid: header.log_guid,
        budget: len.saturating_mul(SCAN_BUDGET_FACTOR),
        visits: (len / SECTOR).saturating_mul(VISIT_BUDGET_FACTOR),
        seen: HashMap::new(),
        buf: Vec::new(),
    };
    let entries = active_sequence(&mut log)?;
    log.seen = HashMap::new();
    if entries.is_empty() {
        diags.push(Diagnostic::at(
            DIAG_LOG_NO_SEQUENCE,
            header.log_offset,
            format!(
                "LogGuid {:?} is set but the log holds no active sequence; nothing replayed",
                header.log_guid
            ),
        ));
        return Ok(None);
    }

    let file_len = source.len();
    let mut overlay_len = file_len;
    let mut pages: BTreeMap<u64, PageRef> = BTreeMap::new();
    let mut zeros: BTreeMap<u64, u64> = BTreeMap::new();
    let mut descriptors = 0usize;
    let budget_error = || ContainerError::TooLarge {
        structure: "VHDX log",
        offset: header.log_offset,
        what: "bytes of the replay index (replayed sectors and zeroed ranges)",
        value: MAX_REPLAY_INDEX_BYTES,
        limit: MAX_REPLAY_INDEX_BYTES,
    };
    for e in &entries {
        let entry_offset = log.at(e.pos);
        if e.flushed_file_offset > file_len {
            return Err(ContainerError::Truncated {
                structure: "VHDX log entry (FlushedFileOffset)",
                offset: entry_offset,
                needed: e.flushed_file_offset,
                file_size: file_len,
            });
        }
        overlay_len = overlay_len.max(e.last_file_offset);
        let log_at = |pos: u64| header.log_offset + pos % len;
        log.descriptors(e, |d, sector_pos| {
            descriptors += 1;
            match d {
                Descriptor::Data {
                    file_offset,
                    leading,
                    trailing,
                } => {
                    overlay_len = overlay_len.max(file_offset + SECTOR);
                    let p = PageRef {
                        data_at: log_at(sector_pos),
                        leading,
                        trailing,
                    };
                    if pages.insert(file_offset, p).is_none()
                        && (pages.len() + zeros.len()) as u64 * INDEX_ITEM_BYTES
                            > MAX_REPLAY_INDEX_BYTES
                    {
                        return Err(budget_error());
                    }
                }
                Descriptor::Zero {
                    file_offset,
                    length,
                } => {
                    if length == 0 {
                        return Ok(());
                    }
                    let zend = file_offset + length;
                    // Bounded: each replayed sector is removed at most once after its insert.
                    while let Some(k) = pages.range(file_offset..zend).next().map(|(k, _)| *k) {
                        pages.remove(&k);
                    }
                    insert_range(&mut zeros, file_offset, zend);
                    if (pages.len() + zeros.len()) as u64 * INDEX_ITEM_BYTES
                        > MAX_REPLAY_INDEX_BYTES
                    {
                        return Err(budget_error());
                    }
                    overlay_len = overlay_len.max(zend);
                }
            }
            Ok(())
        })?;
    }
    let first = entries.first().map_or(0, |e| e.sequence);
    let last = entries.last().map_or(0, |e| e.sequence);
    diags.push(Diagnostic::at(
        super::log::DIAG_LOG_REPLAYED,
        header.log_offset,
        format!(
            "the log was not empty: replayed {} entries (sequence {first}..={last}, {descriptors} \
             descriptors) in memory; the file was not modified",
            entries.len()
        ),
    ));
    Ok(Some(LogOverlay {
        inner: Arc::clone(source),
        len: overlay_len,
        pages,
        zeros: zeros.into_iter().collect(),
    }))
}

/// Adds `[s, e)` to the disjoint ranges `zeros` (start → end), merging what it touches.
fn insert_range(zeros: &mut BTreeMap<u64, u64>, mut s: u64, mut e: u64) {
    // A range starting at or before `s` that reaches `s`.
    if let Some((&ps, &pe)) = zeros.range(..=s).next_back() {
        if pe >= s {
            s = ps;
            e = e.max(pe);
            zeros.remove(&ps);
        }
    }
    // Ranges starting inside `[s, e]`. Bounded: each is removed once.
    while let Some((&ns, &ne)) = zeros.range(s..=e).next() {
        e = e.max(ne);
        zeros.remove(&ns);
    }
    zeros.insert(s, e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_ranges_merge() {
        let mut z = BTreeMap::new();
        insert_range(&mut z, 10, 20);
        insert_range(&mut z, 30, 40);
        insert_range(&mut z, 50, 60);
        insert_range(&mut z, 15, 35);
        assert_eq!(z.into_iter().collect::<Vec<_>>(), vec![(10, 40), (50, 60)]);
        let mut z = BTreeMap::new();
        insert_range(&mut z, 10, 20);
        insert_range(&mut z, 20, 30);
        insert_range(&mut z, 0, 5);
        assert_eq!(z.into_iter().collect::<Vec<_>>(), vec![(0, 5), (10, 30)]);
    }
}
