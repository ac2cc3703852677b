//! Transaction-log replay into an in-memory overlay (spec §Transaction log files; algorithm as
//! in yarp's `recover_auto`): the new format (file type 6, `HvLE` log entries hashed with
//! Marvin32, dual logging) and the old format (file type 1/2, a `DIRT` dirty vector of 512-byte
//! sectors). Nothing is ever written to a source.

use std::collections::BTreeMap;
use std::sync::Arc;

use vhdlint_container::bytes::{Fields, OutOfRange};
use vhdlint_container::{Diagnostic, ReadAt, ReadError};

use crate::base_block::{
    HiveBaseBlock, BASE_BLOCK_LEN, FILE_TYPE_LOG_NEW, FILE_TYPE_LOG_OLD, FILE_TYPE_LOG_VERY_OLD,
    HBIN_ALIGNMENT, LOG_BASE_BLOCK_LEN,
};
use crate::hive::{ByteBudget, HiveLogs, CACHE_PAGE};
use crate::marvin::{marvin32, REGISTRY_SEED};
use crate::RegistryError;

/// Why a log cannot be used, or a replayed page not taken into the overlay. The replay turns
/// each into a diagnostic: a bad log is skipped, never fatal to the hive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LogError {
    /// The log is larger than [`MAX_LOG_SIZE`].
    #[error("{len:#x} bytes exceeds the {MAX_LOG_SIZE:#x}-byte log limit")]
    TooLarge { len: u64 },
    /// The log cannot hold its base block.
    #[error("{len} bytes is shorter than a log base block")]
    TooShort { len: u64 },
    /// A new-format log with room for no entry.
    #[error("too short to hold a log entry")]
    NoEntry,
    /// An old-format log too short for its dirty vector and one sector.
    #[error("{len:#x} bytes cannot hold the dirty vector and one sector ({needed:#x})")]
    NoDirtyVector { len: u64, needed: u64 },
    /// An old-format log without the `DIRT` signature.
    #[error("no DIRT signature at 0x200")]
    NoDirtSignature,
    /// The log's base block checksum is wrong.
    #[error("log base block checksum mismatch")]
    BaseBlockChecksum,
    /// The log's base block sequence numbers differ (a torn log write).
    #[error("log base block sequence numbers differ ({primary}/{secondary})")]
    SequenceMismatch { primary: u32, secondary: u32 },
    /// The base block is not a log's (signature, version, type).
    #[error(transparent)]
    BaseBlock(#[from] RegistryError),
    /// Reading the log failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A field lies outside its structure.
    #[error(transparent)]
    Field(#[from] OutOfRange),
    /// A replayed page's hive offset overflows.
    #[error("page offset overflows")]
    PageOffsetOverflow,
    /// The overlay would pass [`MAX_OVERLAY_BYTES`], [`OVERLAY_PER_LOG_BYTE`] × the log bytes
    /// read, or the byte budget it shares with the other hives of a check.
    #[error(
        "replayed pages exceed the overlay budget ({MAX_OVERLAY_BYTES:#x} bytes, \
         {OVERLAY_PER_LOG_BYTE} overlay bytes per log byte read, or the budget shared by the \
         hives of this check)"
    )]
    OverlayFull,
    /// Reading the primary's page under a replayed one failed.
    #[error("reading the primary page at {start:#x}: {source}")]
    PrimaryPage { start: u64, source: ReadError },
}

/// Largest log file replayed. Windows resets a log once it passes about 1 MiB of pending
/// writes, and real logs reach a few MiB (SYSTEM logs of 3 MiB in the corpus); 256 MiB bounds
/// what a hostile log can make us read and hold.
pub const MAX_LOG_SIZE: u64 = 256 << 20;

/// Most bytes the overlay of replayed pages may hold (it holds whole 4096-byte pages, each
/// filled from a log): bounded like a log. The default of a hive's own overlay budget
/// ([`crate::hive::ByteBudget`]); the hives of one check share a smaller one.
pub const MAX_OVERLAY_BYTES: u64 = 256 << 20;
/// Overlay bytes one byte of log may cost: a 512-byte old-format sector fills a 4096-byte page
/// (8); new-format dirty pages are whole pages (1). A log of one-byte dirty pages at distinct
/// offsets, each growing the overlay by a page, stops at this ratio.
pub const OVERLAY_PER_LOG_BYTE: u64 = 8;
/// Overlay bytes allowed on top of [`OVERLAY_PER_LOG_BYTE`] × log bytes read.
pub const OVERLAY_SLACK: u64 = 64 << 10;

/// Header of a new-format log entry (spec §Log entries): signature … hash-2, 40 bytes.
const ENTRY_HEADER: u64 = 40;
/// Log entries and old-format dirty sectors are 512-byte aligned (spec §Log entries, §Dirty vector).
const SECTOR: u64 = 512;

/// Format of the transaction logs replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Windows 8.1+ `HvLE` log entries (file type 6).
    New,
    /// Older `DIRT` dirty vector plus dirty sectors (file type 1 or 2).
    Old,
}

impl LogFormat {
    /// `"new"` or `"old"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::New => "new",
            LogFormat::Old => "old",
        }
    }
}

/// Which of the hive's logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSlot {
    /// `.LOG`.
    Log,
    /// `.LOG1`.
    Log1,
    /// `.LOG2`.
    Log2,
}

impl LogSlot {
    /// `"LOG"`, `"LOG1"` or `"LOG2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogSlot::Log => "LOG",
            LogSlot::Log1 => "LOG1",
            LogSlot::Log2 => "LOG2",
        }
    }
}

/// Replayed pages of the hive file, keyed by 4096-byte file page index; each page starts as the
/// primary's bytes (zeros past its end) and takes the log's bytes over them.
#[derive(Default)]
pub(crate) struct Overlay {
    pages: BTreeMap<u64, Vec<u8>>,
    bytes: u64,
    end: u64,
    /// Log bytes the replay read (entries, sectors): the overlay grows at most
    /// [`OVERLAY_PER_LOG_BYTE`] times that.
    log_bytes: u64,
    /// Where `bytes` are charged (released on drop).
    budget: Option<Arc<ByteBudget>>,
}

impl Drop for Overlay {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.release(self.bytes);
        }
    }
}

impl Overlay {
    /// An empty overlay charged to `budget`.
    pub(crate) fn with_budget(budget: Arc<ByteBudget>) -> Overlay {
        Overlay {
            pages: BTreeMap::new(),
            bytes: 0,
            end: 0,
            log_bytes: 0,
            budget: Some(budget),
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Counts `n` bytes read from a log (what the overlay may grow by).
    fn read_log(&mut self, n: u64) {
        self.log_bytes = self.log_bytes.saturating_add(n);
    }

    pub(crate) fn get(&self, page: u64) -> Option<&[u8]> {
        self.pages.get(&page).map(Vec::as_slice)
    }

    /// One past the last byte written.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    fn write(&mut self, primary: &dyn ReadAt, file_off: u64, data: &[u8]) -> Result<(), LogError> {
        let mut done = 0usize;
        while done < data.len() {
            let pos = file_off
                .checked_add(done as u64)
                .ok_or(LogError::PageOffsetOverflow)?;
            let page = pos / CACHE_PAGE;
            let in_page = (pos % CACHE_PAGE) as usize;
            let n = (data.len() - done).min(CACHE_PAGE as usize - in_page);
            if !self.pages.contains_key(&page) {
                let ratio_cap = self
                    .log_bytes
                    .saturating_mul(OVERLAY_PER_LOG_BYTE)
                    .saturating_add(OVERLAY_SLACK);
                if self.bytes + CACHE_PAGE > MAX_OVERLAY_BYTES.min(ratio_cap) {
                    return Err(LogError::OverlayFull);
                }
                if let Some(b) = &self.budget {
                    if !b.charge(CACHE_PAGE) {
                        return Err(LogError::OverlayFull);
                    }
                }
                let start = page * CACHE_PAGE;
                let avail = primary.len().saturating_sub(start).min(CACHE_PAGE) as usize;
                let mut base = vec![0u8; CACHE_PAGE as usize];
                if let Some(head) = base.get_mut(..avail).filter(|h| !h.is_empty()) {
                    primary
                        .read_at(start, head)
                        .map_err(|source| LogError::PrimaryPage { start, source })?;
                }
                self.pages.insert(page, base);
                self.bytes += CACHE_PAGE;
            }
            let src = data.get(done..done + n).unwrap_or(&[]);
            if let Some(dst) = self
                .pages
                .get_mut(&page)
                .and_then(|p| p.get_mut(in_page..in_page + n))
            {
                dst.copy_from_slice(src);
            }
            done += n;
        }
        self.end = self.end.max(file_off.saturating_add(data.len() as u64));
        Ok(())
    }
}

/// What a replay did.
#[derive(Default)]
pub(crate) struct ReplayOutcome {
    pub(crate) overlay: Overlay,
    pub(crate) applied: Vec<LogSlot>,
    pub(crate) format: Option<LogFormat>,
    pub(crate) entries: u32,
    pub(crate) pages: u32,
    pub(crate) last_sequence: Option<u32>,
    pub(crate) hive_bins_size: Option<u32>,
    pub(crate) root_cell: Option<u32>,
    pub(crate) minor_version: Option<u32>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

struct LogFile<'a> {
    slot: LogSlot,
    src: &'a dyn ReadAt,
    bb: HiveBaseBlock,
    len: u64,
}

/// Opens a log's base block: checksum good, sequences equal, one of `types`.
fn open_log<'a>(
    slot: LogSlot,
    src: &'a dyn ReadAt,
    types: &[u32],
) -> Result<LogFile<'a>, LogError> {
    let len = src.len();
    if len > MAX_LOG_SIZE {
        return Err(LogError::TooLarge { len });
    }
    if len < LOG_BASE_BLOCK_LEN {
        return Err(LogError::TooShort { len });
    }
    let mut head = vec![0u8; LOG_BASE_BLOCK_LEN as usize];
    src.read_at(0, &mut head)?;
    let bb = HiveBaseBlock::parse(&head)?;
    if !bb.checksum_ok() {
        return Err(LogError::BaseBlockChecksum);
    }
    if !bb.sequences_match() {
        return Err(LogError::SequenceMismatch {
            primary: bb.primary_sequence,
            secondary: bb.secondary_sequence,
        });
    }
    bb.validate(types)?;
    Ok(LogFile { slot, src, bb, len })
}

fn open_new(slot: LogSlot, src: &dyn ReadAt) -> Result<LogFile<'_>, LogError> {
    let log = open_log(slot, src, &[FILE_TYPE_LOG_NEW])?;
    if log.len <= LOG_BASE_BLOCK_LEN + ENTRY_HEADER {
        return Err(LogError::NoEntry);
    }
    Ok(log)
}

/// An old-format log with its dirty vector (`DIRT` + one bit per 512-byte sector).
struct OldLog<'a> {
    log: LogFile<'a>,
    bitmap: Vec<u8>,
    sectors_start: u64,
}

fn open_old(slot: LogSlot, src: &dyn ReadAt) -> Result<OldLog<'_>, LogError> {
    let log = open_log(slot, src, &[FILE_TYPE_LOG_OLD, FILE_TYPE_LOG_VERY_OLD])?;
    let vector_len = u64::from(log.bb.hive_bins_size) / HBIN_ALIGNMENT;
    let unaligned = LOG_BASE_BLOCK_LEN + 4 + vector_len;
    let sectors_start = unaligned.div_ceil(SECTOR) * SECTOR;
    if log.len < sectors_start + SECTOR {
        return Err(LogError::NoDirtyVector {
            len: log.len,
            needed: sectors_start + SECTOR,
        });
    }
    let mut vector = vec![0u8; (4 + vector_len) as usize];
    src.read_at(LOG_BASE_BLOCK_LEN, &mut vector)?;
    if vector.get(..4) != Some(b"DIRT") {
        return Err(LogError::NoDirtSignature);
    }
    let bitmap = vector.get(4..).unwrap_or(&[]).to_vec();
    Ok(OldLog {
        log,
        bitmap,
        sectors_start,
    })
}

/// Replays the logs of the dirty hive whose base block is `bb`, choosing format and order as
/// Windows does (yarp's `recover_auto`): prefer new-format dual logging, then a single new log,
/// then old format (the most recently written).
pub(crate) fn replay(
    primary: &dyn ReadAt,
    bb: &HiveBaseBlock,
    logs: &HiveLogs,
    budget: Arc<ByteBudget>,
) -> ReplayOutcome {
    let mut r = Replayer {
        primary,
        bb,
        out: ReplayOutcome {
            overlay: Overlay::with_budget(budget),
            ..ReplayOutcome::default()
        },
    };
    let slots: Vec<(LogSlot, &dyn ReadAt)> = [
        (LogSlot::Log, logs.log.as_deref()),
        (LogSlot::Log1, logs.log1.as_deref()),
        (LogSlot::Log2, logs.log2.as_deref()),
    ]
    .into_iter()
    .filter_map(|(s, l)| l.map(|l| (s, l)))
    .collect();

    let mut new_logs = Vec::new();
    let mut old_logs = Vec::new();
    for (slot, src) in &slots {
        match open_new(*slot, *src) {
            Ok(l) => new_logs.push(l),
            Err(new_err) => match open_old(*slot, *src) {
                Ok(l) => old_logs.push(l),
                Err(old_err) => r.out.diagnostics.push(Diagnostic::whole(
                    "hiveLogUnusable",
                    format!(
                        "{}: not a usable new-format log ({new_err}) nor old-format log ({old_err})",
                        slot.as_str()
                    ),
                )),
            },
        }
    }
    let take_new = |slot: LogSlot, v: &mut Vec<LogFile<'_>>| -> Option<usize> {
        v.iter().position(|l| l.slot == slot)
    };
    let n1 = take_new(LogSlot::Log1, &mut new_logs);
    let n2 = take_new(LogSlot::Log2, &mut new_logs);
    let nl = take_new(LogSlot::Log, &mut new_logs);
    match (n1, n2, nl) {
        (Some(a), Some(b), _) => {
            if let (Some(l1), Some(l2)) = (new_logs.get(a), new_logs.get(b)) {
                r.dual(l1, l2);
            }
        }
        (Some(i), None, _) | (None, Some(i), _) | (None, None, Some(i)) => {
            if let Some(l) = new_logs.get(i) {
                if !r.apply_new(l) {
                    r.skipped(l);
                }
            }
        }
        (None, None, None) => {
            let pos = |slot| {
                old_logs
                    .iter()
                    .position(|l: &OldLog<'_>| l.log.slot == slot)
            };
            let chosen = match (pos(LogSlot::Log1), pos(LogSlot::Log2), pos(LogSlot::Log)) {
                (Some(a), Some(b), _) => {
                    let (ta, tb) = (
                        old_logs.get(a).map_or(0, |l| l.log.bb.last_written),
                        old_logs.get(b).map_or(0, |l| l.log.bb.last_written),
                    );
                    Some(if ta >= tb { a } else { b })
                }
                (Some(i), None, _) | (None, Some(i), _) | (None, None, Some(i)) => Some(i),
                (None, None, None) => None,
            };
            if let Some(l) = chosen.and_then(|i| old_logs.get(i)) {
                r.apply_old(l);
            }
        }
    }
    r.out
}

struct Replayer<'a> {
    primary: &'a dyn ReadAt,
    bb: &'a HiveBaseBlock,
    out: ReplayOutcome,
}

/// True when the log with sequence `this` comes before the one with `other`, allowing for a
/// 32-bit wrap (yarp `is_starting_log`).
fn is_starting_log(this: u32, other: u32) -> bool {
    let (delta, starting) = if this >= other {
        (this - other, false)
    } else {
        (other - this, true)
    };
    if delta <= 0x7FFF_FFFF {
        starting
    } else {
        !starting
    }
}

impl Replayer<'_> {
    fn skipped(&mut self, log: &LogFile<'_>) {
        self.out.diagnostics.push(Diagnostic::whole(
            "hiveLogSkipped",
            format!(
                "{} (sequence {}) is older than the hive (secondary sequence {}): not applied",
                log.slot.as_str(),
                log.bb.primary_sequence,
                self.bb.secondary_sequence
            ),
        ));
    }

    fn dual(&mut self, l1: &LogFile<'_>, l2: &LogFile<'_>) {
        let (first, second) = if is_starting_log(l1.bb.primary_sequence, l2.bb.primary_sequence) {
            (l1, l2)
        } else {
            (l2, l1)
        };
        if !self.bb.checksum_ok() {
            // Windows applies only the later log when the primary base block is not trusted.
            if !self.apply_new(second) {
                self.skipped(second);
            }
            return;
        }
        if !self.apply_new(first) {
            self.skipped(first);
            if !self.apply_new(second) {
                self.skipped(second);
            }
            return;
        }
        match self.out.last_sequence {
            Some(last) if second.bb.primary_sequence == last.wrapping_add(1) => {
                if !self.apply_new(second) {
                    self.skipped(second);
                }
            }
            _ => self.skipped(second),
        }
    }

    /// Applies one new-format log; false when it is not eligible (older than the hive).
    fn apply_new(&mut self, log: &LogFile<'_>) -> bool {
        if let Some(last) = self.out.last_sequence {
            if last >= log.bb.primary_sequence {
                return false;
            }
        }
        if self.bb.checksum_ok() && log.bb.primary_sequence < self.bb.secondary_sequence {
            return false;
        }
        self.out.root_cell = Some(log.bb.root_cell);
        self.out.minor_version = Some(log.bb.minor_version);
        self.out.format = Some(LogFormat::New);
        self.out.applied.push(log.slot);
        let mut expected = log.bb.primary_sequence;
        let mut pos = LOG_BASE_BLOCK_LEN;
        while pos + ENTRY_HEADER <= log.len {
            let mut head = [0u8; ENTRY_HEADER as usize];
            if log.src.read_at(pos, &mut head).is_err() || head.get(..4) != Some(b"HvLE") {
                break; // The end of the entries (remnants may follow): normal.
            }
            let hf = Fields::new(&head, "hive log entry header", pos);
            let header = (|| -> Result<_, OutOfRange> {
                Ok((
                    u64::from(hf.le_u32(4)?),
                    hf.le_u32(16)?,
                    u64::from(hf.le_u32(20)?),
                    hf.le_u32(12)?,
                ))
            })();
            let (size, hbins, count, seq) = match header {
                Ok(h) => h,
                Err(e) => return self.stop(log, pos, &e.to_string()),
            };
            if size < SECTOR
                || size % SECTOR != 0
                || pos + size > log.len
                || u64::from(hbins) < HBIN_ALIGNMENT
                || u64::from(hbins) % HBIN_ALIGNMENT != 0
                || count == 0
                || ENTRY_HEADER + count * 8 > size
                || seq != expected
            {
                break;
            }
            let mut entry = vec![0u8; size as usize];
            if log.src.read_at(pos, &mut entry).is_err() {
                break;
            }
            self.out.overlay.read_log(size);
            let hash1 = marvin32(
                entry.get(ENTRY_HEADER as usize..).unwrap_or(&[]),
                REGISTRY_SEED,
            );
            let ef = Fields::new(&entry, "hive log entry", pos);
            let hashes = (|| -> Result<_, OutOfRange> {
                Ok((
                    marvin32(ef.slice(0, 32)?, REGISTRY_SEED),
                    ef.le_u64(24)?,
                    ef.le_u64(32)?,
                ))
            })();
            let (hash2, stored1, stored2) = match hashes {
                Ok(h) => h,
                Err(e) => return self.stop(log, pos, &e.to_string()),
            };
            if hash1 != stored1 || hash2 != stored2 {
                self.out.diagnostics.push(Diagnostic::at(
                    "hiveLogEntryInvalid",
                    pos,
                    format!(
                        "{} entry with sequence {seq}: hash mismatch, replay stops here",
                        log.slot.as_str()
                    ),
                ));
                break;
            }
            let mut data_pos = ENTRY_HEADER + count * 8;
            for i in 0..count {
                let at = (ENTRY_HEADER + i * 8) as usize;
                let (page_off, page_size) = match (ef.le_u32(at), ef.le_u32(at + 4)) {
                    (Ok(o), Ok(s)) => (u64::from(o), u64::from(s)),
                    (Err(e), _) | (_, Err(e)) => return self.stop(log, pos, &e.to_string()),
                };
                let data = data_pos
                    .checked_add(page_size)
                    .and_then(|end| entry.get(data_pos as usize..end as usize));
                let Some(data) = data else {
                    return self.stop(log, pos, "dirty page runs past the end of its entry");
                };
                if page_off + page_size > u64::from(hbins) {
                    return self.stop(log, pos, "dirty page lies past the hive bins size");
                }
                if let Err(msg) =
                    self.out
                        .overlay
                        .write(self.primary, BASE_BLOCK_LEN + page_off, data)
                {
                    return self.stop(log, pos, &msg.to_string());
                }
                self.out.pages += 1;
                data_pos += page_size;
            }
            self.out.entries += 1;
            self.out.last_sequence = Some(seq);
            self.out.hive_bins_size = Some(hbins);
            expected = seq.wrapping_add(1);
            pos += size;
        }
        true
    }

    fn stop(&mut self, log: &LogFile<'_>, pos: u64, why: &str) -> bool {
        self.out.diagnostics.push(Diagnostic::at(
            "hiveLogEntryInvalid",
            pos,
            format!("{} entry: {why}; replay stops here", log.slot.as_str()),
        ));
        true
    }

    fn apply_old(&mut self, old: &OldLog<'_>) {
        let log = &old.log;
        let primary_written = if self.bb.checksum_ok() {
            self.bb.last_written
        } else {
            // An untrusted base block: the first hive bin's timestamp stands in (spec, yarp).
            let mut ts = [0u8; 8];
            match self.primary.read_at(BASE_BLOCK_LEN + 20, &mut ts) {
                Ok(()) => u64::from_le_bytes(ts),
                Err(_) => 0,
            }
        };
        if log.bb.last_written < primary_written {
            self.out.diagnostics.push(Diagnostic::whole(
                "hiveLogSkipped",
                format!(
                    "{} was written before the hive: not applied",
                    log.slot.as_str()
                ),
            ));
            return;
        }
        self.out.root_cell = Some(log.bb.root_cell);
        self.out.minor_version = Some(log.bb.minor_version);
        self.out.hive_bins_size = Some(log.bb.hive_bins_size);
        self.out.format = Some(LogFormat::Old);
        self.out.applied.push(log.slot);
        let mut k = 0u64;
        for (byte_i, byte) in old.bitmap.iter().enumerate() {
            for bit in 0..8u64 {
                if byte >> bit & 1 == 0 {
                    continue;
                }
                let sector = byte_i as u64 * 8 + bit;
                let from = old.sectors_start + k * SECTOR;
                let mut data = [0u8; SECTOR as usize];
                if log.src.read_at(from, &mut data).is_err() {
                    self.out.diagnostics.push(Diagnostic::at(
                        "hiveLogEntryInvalid",
                        from,
                        format!(
                            "{}: dirty sector past the end of the log; replay stops",
                            log.slot.as_str()
                        ),
                    ));
                    return;
                }
                self.out.overlay.read_log(SECTOR);
                if let Err(msg) =
                    self.out
                        .overlay
                        .write(self.primary, BASE_BLOCK_LEN + sector * SECTOR, &data)
                {
                    self.out.diagnostics.push(Diagnostic::at(
                        "hiveLogEntryInvalid",
                        from,
                        msg.to_string(),
                    ));
                    return;
                }
                self.out.pages += 1;
                k += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starting_log_handles_wrap() {
        assert!(is_starting_log(2, 3));
        assert!(!is_starting_log(3, 2));
        assert!(
            is_starting_log(u32::MAX, 1),
            "1 follows 0xffffffff after a wrap"
        );
        assert!(!is_starting_log(1, u32::MAX));
    }

    #[test]
    fn overlay_fills_from_primary_and_bounds() {
        let primary: Vec<u8> = (0..8192u32).map(|i| i as u8).collect();
        let mut o = Overlay::default();
        o.write(&primary, 4096 + 10, &[0xAA; 4]).unwrap();
        let page = o.get(1).unwrap();
        assert_eq!(
            page[9],
            (4096 + 9) as u8,
            "unchanged byte comes from the primary"
        );
        assert_eq!(&page[10..14], &[0xAA; 4]);
        o.write(&primary, 3 * 4096 - 2, &[1, 2, 3, 4]).unwrap();
        assert_eq!(o.get(2).unwrap()[4094..], [1, 2]);
        assert_eq!(o.get(3).unwrap()[..3], [3, 4, 0], "past the primary: zeros");
        assert_eq!(o.end(), 3 * 4096 + 2);
    }
}
