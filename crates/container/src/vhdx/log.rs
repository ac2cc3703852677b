//! The metadata log (MS-VHDX 2.3) and its replay into an in-memory overlay.
//!
//! The log is a circular buffer of 4 KiB sectors. Each entry is a header (`loge`), descriptors
//! (`desc` for a 4 KiB data sector, `zero` for a zeroed range), then one `data` sector per data
//! descriptor. The **active sequence** is found as MS-VHDX 2.3.3 says: runs of valid entries with
//! consecutive sequence numbers, each entry's Tail inside the run; the run whose last entry has
//! the highest sequence number wins, and its entries from that last entry's Tail onwards are
//! applied in order. The result is an overlay over the file: the file itself is never written.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bytes::Fields;
use crate::diag::Diagnostic;
use crate::read::{check_bounds, ReadError};
use crate::{ContainerError, Guid, ReadAt, Result};

use super::header::VhdxHeader;
use super::{checksum, read_struct, MIB};

/// Log sector size (MS-VHDX 2.3).
const SECTOR: u64 = 4096;
/// Size of a log entry header (MS-VHDX 2.3.1.1).
const ENTRY_HEADER_SIZE: u64 = 64;
/// Size of a descriptor (MS-VHDX 2.3.1.2, 2.3.1.3).
const DESCRIPTOR_SIZE: u64 = 32;
/// Bytes of a data sector's payload (MS-VHDX 2.3.1.4).
const DATA_PAYLOAD: usize = 4084;

/// Largest log read into memory for replay. The spec allows up to 4 GiB, Hyper-V and qemu write
/// 1 MiB; a larger log is refused rather than allocated.
pub const MAX_LOG_LENGTH: u64 = 256 << 20;

/// Work budget for the log search: bytes checksummed, as a multiple of the log length. A crafted
/// log of overlapping would-be entries cannot make the search quadratic beyond this.
const SCAN_BUDGET_FACTOR: u64 = 16;

/// Diagnostic code: a log was replayed into memory.
pub(crate) const DIAG_LOG_REPLAYED: &str = "vhdxLogReplayed";
/// Diagnostic code: the header names a log but no active sequence was found; nothing replayed.
pub(crate) const DIAG_LOG_NO_SEQUENCE: &str = "vhdxLogNoActiveSequence";

/// A descriptor of a validated entry.
#[derive(Debug, Clone)]
enum Descriptor {
    /// A `desc` descriptor: 4096 bytes at `file_offset`.
    Data {
        file_offset: u64,
        leading: [u8; 8],
        trailing: [u8; 4],
        /// Position of the data sector in the log.
        sector_pos: u64,
    },
    /// A `zero` descriptor: `length` zero bytes at `file_offset`.
    Zero { file_offset: u64, length: u64 },
}

/// A validated log entry.
#[derive(Debug, Clone)]
struct Entry {
    pos: u64,
    length: u64,
    sequence: u64,
    tail: u64,
    flushed_file_offset: u64,
    last_file_offset: u64,
    descriptors: Vec<Descriptor>,
}

/// The log region read into memory.
struct LogBuf<'a> {
    bytes: &'a [u8],
    len: u64,
    file_offset: u64,
    guid: Guid,
    budget: u64,
}

impl<'a> LogBuf<'a> {
    /// The 4 KiB sector at circular position `pos` (a multiple of 4 KiB).
    fn sector(&self, pos: u64) -> Fields<'a> {
        let bytes: &'a [u8] = self.bytes;
        let p = if self.len == 0 { 0 } else { pos % self.len };
        let at = self.file_offset.saturating_add(p);
        let sector = usize::try_from(p)
            .ok()
            .and_then(|p| p.checked_add(SECTOR as usize).and_then(|e| bytes.get(p..e)))
            .unwrap_or_default();
        Fields::new(sector, "VHDX log sector", at)
    }

    /// Validates the entry at `pos`; `None` when it is not a valid entry.
    fn entry_at(&mut self, pos: u64) -> Result<Option<Entry>> {
        let hdr = self.sector(pos);
        if hdr.bytes().get(..4) != Some(b"loge") {
            return Ok(None);
        }
        let length = u64::from(hdr.le_u32(8)?);
        let tail = u64::from(hdr.le_u32(12)?);
        let sequence = hdr.le_u64(16)?;
        let count = u64::from(hdr.le_u32(24)?);
        let guid = Guid(hdr.array(32)?);
        let flushed_file_offset = hdr.le_u64(48)?;
        let last_file_offset = hdr.le_u64(56)?;
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
        let desc_area = desc_end.div_ceil(SECTOR) * SECTOR;
        let mut descriptors = Vec::new();
        let mut data_sectors = 0u64;
        let log_start = self.file_offset;
        let log_end = self.file_offset.saturating_add(self.len);
        for i in 0..count {
            let at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE;
            let sector = self.sector(pos + at / SECTOR * SECTOR);
            let d = sector.sub(
                (at % SECTOR) as usize,
                DESCRIPTOR_SIZE as usize,
                "VHDX log descriptor",
            )?;
            let file_offset = d.le_u64(16)?;
            if d.le_u64(24)? != sequence || file_offset % SECTOR != 0 {
                return Ok(None);
            }
            let (desc, write_len) = match d.bytes().get(..4) {
                Some(b"desc") => {
                    let sector_pos = pos + desc_area + data_sectors * SECTOR;
                    data_sectors += 1;
                    (
                        Descriptor::Data {
                            file_offset,
                            leading: d.array(8)?,
                            trailing: d.array(4)?,
                            sector_pos,
                        },
                        SECTOR,
                    )
                }
                Some(b"zero") => {
                    let zl = d.le_u64(8)?;
                    if zl % SECTOR != 0 {
                        return Ok(None);
                    }
                    (
                        Descriptor::Zero {
                            file_offset,
                            length: zl,
                        },
                        zl,
                    )
                }
                _ => return Ok(None),
            };
            // The write must not overflow nor touch the log itself.
            let Some(end) = file_offset.checked_add(write_len) else {
                return Ok(None);
            };
            if write_len > 0 && file_offset < log_end && end > log_start {
                return Ok(None);
            }
            descriptors.push(desc);
        }
        if desc_area + data_sectors * SECTOR > length {
            return Ok(None);
        }
        for d in &descriptors {
            if let Descriptor::Data { sector_pos, .. } = d {
                let s = self.sector(*sector_pos);
                let seq = u64::from(s.le_u32(4)?) << 32 | u64::from(s.le_u32(4092)?);
                if s.bytes().get(..4) != Some(b"data") || seq != sequence {
                    return Ok(None);
                }
            }
        }
        // Checksum over the whole entry with the checksum field zeroed.
        if self.budget < length {
            return Err(ContainerError::TooLarge {
                structure: "VHDX log",
                offset: self.file_offset,
                what: "bytes checksummed while searching the log",
                value: self.len.saturating_mul(SCAN_BUDGET_FACTOR),
                limit: self.len.saturating_mul(SCAN_BUDGET_FACTOR),
            });
        }
        self.budget -= length;
        let mut crc = checksum(self.sector(pos).bytes(), 4);
        let mut at = SECTOR;
        while at < length {
            crc = crc32c::crc32c_append(crc, self.sector(pos + at).bytes());
            at += SECTOR;
        }
        if crc != hdr.le_u32(4)? {
            return Ok(None);
        }
        Ok(Some(Entry {
            pos: pos % self.len,
            length,
            sequence,
            tail,
            flushed_file_offset,
            last_file_offset,
            descriptors,
        }))
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
}

/// Searches the log for the active sequence; returns its entries to apply, oldest first.
fn active_sequence(log: &mut LogBuf<'_>) -> Result<Vec<Entry>> {
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

/// The file as it is after replaying the log: the file's bytes, overwritten by replayed data
/// sectors and zeroed ranges, extended with zeros to the log's LastFileOffset.
pub(crate) struct LogOverlay {
    inner: Arc<dyn ReadAt>,
    len: u64,
    /// Replayed 4 KiB data sectors by file offset (later writes replace earlier ones).
    pages: BTreeMap<u64, Box<[u8]>>,
    /// Zeroed ranges `[start, end)`, sorted and disjoint; pages take precedence over them.
    zeros: Vec<(u64, u64)>,
}

impl ReadAt for LogOverlay {
    fn len(&self) -> u64 {
        self.len
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
        for (&po, page) in self.pages.range(from..end) {
            let s = po.max(offset);
            let e = (po + SECTOR).min(end);
            if s >= e {
                continue;
            }
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
    // Cannot truncate: len <= MAX_LOG_LENGTH.
    let mut bytes = vec![0u8; len as usize];
    read_struct(&**source, header.log_offset, &mut bytes, "VHDX log")?;
    let mut log = LogBuf {
        bytes: &bytes,
        len,
        file_offset: header.log_offset,
        guid: header.log_guid,
        budget: len.saturating_mul(SCAN_BUDGET_FACTOR),
    };
    let entries = active_sequence(&mut log)?;
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
    let mut pages: BTreeMap<u64, Box<[u8]>> = BTreeMap::new();
    let mut zeros: Vec<(u64, u64)> = Vec::new();
    let mut descriptors = 0usize;
    for e in &entries {
        let entry_offset = header.log_offset + e.pos;
        if e.flushed_file_offset > file_len {
            return Err(ContainerError::Truncated {
                structure: "VHDX log entry (FlushedFileOffset)",
                offset: entry_offset,
                needed: e.flushed_file_offset,
                file_size: file_len,
            });
        }
        overlay_len = overlay_len.max(e.last_file_offset);
        for d in &e.descriptors {
            descriptors += 1;
            match d {
                Descriptor::Data {
                    file_offset,
                    leading,
                    trailing,
                    sector_pos,
                } => {
                    let s = log.sector(*sector_pos);
                    let mut page = Vec::with_capacity(SECTOR as usize);
                    page.extend_from_slice(leading);
                    page.extend_from_slice(s.slice(8, DATA_PAYLOAD)?);
                    page.extend_from_slice(trailing);
                    page.resize(SECTOR as usize, 0);
                    overlay_len = overlay_len.max(file_offset + SECTOR);
                    pages.insert(*file_offset, page.into_boxed_slice());
                }
                Descriptor::Zero {
                    file_offset,
                    length,
                } => {
                    if *length == 0 {
                        continue;
                    }
                    let zend = file_offset + length;
                    let covered: Vec<u64> =
                        pages.range(*file_offset..zend).map(|(k, _)| *k).collect();
                    for k in covered {
                        pages.remove(&k);
                    }
                    zeros.push((*file_offset, zend));
                    overlay_len = overlay_len.max(zend);
                }
            }
        }
    }
    zeros.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(zeros.len());
    for (s, e) in zeros {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
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
        zeros: merged,
    }))
}
