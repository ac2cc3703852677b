//! Opening a hive: the base block, the effective (log-replayed) view of the hive bins, and lazy,
//! cached reads of single cells (spec §Hive bins, §Cells).
//!
//! # Budgets
//! Every loop over on-disk structure and every allocation of this crate is bounded by a named
//! budget: a constant (the `MAX_*` of each module, e.g. [`MAX_CELL_SIZE`],
//! [`crate::key::MAX_SUBKEYS`], [`crate::log_replay::MAX_OVERLAY_BYTES`]) or a bound
//! proportional to the bytes actually read. Above them all, one hive reads at most
//! [`WORK_PER_HIVE_BYTE`] × its length + [`WORK_BASE`] bytes of cells in its lifetime
//! ([`Hive::work`]), so a structure the format forbids to share (a subkey list, value list or
//! big-data segment referenced twice) can never turn a small file into unbounded work even where
//! the aliasing itself is not detected; where it is detected (a subkey list shared along a
//! path or by siblings, a value list with repeats, a reused big-data segment) it is refused
//! with an error naming the offsets. The overlays of replayed logs are charged by bytes against
//! a [`ByteBudget`] that the hives of one check share ([`HiveOptions::overlay_budget`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use vhdlint_container::bytes::Fields;
use vhdlint_container::cache::{ByteCache, ENTRY_OVERHEAD};
use vhdlint_container::{Diagnostic, ReadAt, ReadError};

use crate::base_block::{HiveBaseBlock, BASE_BLOCK_LEN, FILE_TYPE_PRIMARY, HBIN_ALIGNMENT};
use crate::error::{RegistryError, Result};
use crate::key::Key;
use crate::log_replay::{self, LogFormat, LogSlot, Overlay};

/// The "no cell" offset (spec §Cells: `0xFFFFFFFF`).
pub const CELL_NIL: u32 = u32::MAX;

/// Largest cell this reader accepts. Windows keeps values above 16344 bytes in big-data
/// segments (hive 1.4+) and caps a single value at 1 MiB in the 1.3 format (Microsoft, "Registry
/// element size limits"); no real cell comes near 16 MiB, while a hostile size field can claim
/// 2 GiB.
pub const MAX_CELL_SIZE: u64 = 16 << 20;

/// Size of the pages the read cache holds (one hive-bin alignment unit).
pub const CACHE_PAGE: u64 = 4096;
/// Number of pages the read cache holds (128 KiB): enough for the cells of one path lookup.
pub const CACHE_PAGES: usize = 32;
/// Budget of the read cache in bytes: [`CACHE_PAGES`] pages with their per-entry overhead.
pub const CACHE_BUDGET: u64 = CACHE_PAGES as u64 * (CACHE_PAGE + ENTRY_OVERHEAD);

/// Cell bytes one hive may read in its lifetime, per byte of the (recovered) hive: a real walk
/// reads each cell a few times at most; aliased structure would re-read the same bytes without
/// end.
pub const WORK_PER_HIVE_BYTE: u64 = 16;
/// Cell bytes any hive may read in its lifetime on top of [`WORK_PER_HIVE_BYTE`] × its length.
pub const WORK_BASE: u64 = 64 << 20;

/// A byte budget shared by several users (the log-replay overlays of the hives of one check):
/// `charge` takes bytes from it, `release` gives them back. `Send + Sync`.
#[derive(Debug)]
pub struct ByteBudget {
    limit: u64,
    used: AtomicU64,
}

impl ByteBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Arc<ByteBudget> {
        Arc::new(ByteBudget {
            limit,
            used: AtomicU64::new(0),
        })
    }

    /// Takes `n` bytes; false (and nothing taken) when that would pass the limit.
    pub fn charge(&self, n: u64) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                u.checked_add(n).filter(|&t| t <= self.limit)
            })
            .is_ok()
    }

    /// Gives `n` bytes back.
    pub fn release(&self, n: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                Some(u.saturating_sub(n))
            });
    }

    /// Bytes taken now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// The limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// What a hive has read so far (a work counter: tests assert bounds on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiveWork {
    /// Cells read.
    pub cells: u64,
    /// Cell bytes read.
    pub cell_bytes: u64,
    /// Most cell bytes the hive may read ([`WORK_PER_HIVE_BYTE`], [`WORK_BASE`]).
    pub cell_byte_budget: u64,
}

/// Which transaction logs lie beside the hive (`.LOG`, `.LOG1`, `.LOG2`), as sources.
#[derive(Clone, Default)]
pub struct HiveLogs {
    /// The single `.LOG` of older Windows (and of BCD stores).
    pub log: Option<Arc<dyn ReadAt>>,
    /// `.LOG1`.
    pub log1: Option<Arc<dyn ReadAt>>,
    /// `.LOG2`.
    pub log2: Option<Arc<dyn ReadAt>>,
}

impl HiveLogs {
    /// No logs.
    pub fn none() -> Self {
        HiveLogs::default()
    }

    /// The usual pair `.LOG1` and `.LOG2`.
    pub fn dual(log1: Arc<dyn ReadAt>, log2: Arc<dyn ReadAt>) -> Self {
        HiveLogs {
            log: None,
            log1: Some(log1),
            log2: Some(log2),
        }
    }

    /// True when no log is given.
    pub fn is_empty(&self) -> bool {
        self.log.is_none() && self.log1.is_none() && self.log2.is_none()
    }
}

impl std::fmt::Debug for HiveLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HiveLogs")
            .field("log", &self.log.as_ref().map(|l| l.len()))
            .field("log1", &self.log1.as_ref().map(|l| l.len()))
            .field("log2", &self.log2.as_ref().map(|l| l.len()))
            .finish()
    }
}

/// How to open a hive.
#[derive(Debug, Clone)]
pub struct HiveOptions {
    /// Replay the transaction logs of a dirty hive into the in-memory overlay (default: yes).
    pub replay_logs: bool,
    /// The byte budget the replayed overlay is charged to; `None`: a budget of its own of
    /// [`crate::log_replay::MAX_OVERLAY_BYTES`]. The hives of one check share one.
    pub overlay_budget: Option<Arc<ByteBudget>>,
}

impl HiveOptions {
    /// Log replay on or off, with a budget of its own.
    pub fn replay(replay_logs: bool) -> Self {
        HiveOptions {
            replay_logs,
            overlay_budget: None,
        }
    }
}

impl Default for HiveOptions {
    fn default() -> Self {
        HiveOptions::replay(true)
    }
}

/// What opening the hive found: dirty state, which logs were replayed, diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiveStatus {
    /// The primary file's base block, as stored.
    pub base_block: HiveBaseBlock,
    /// Sequence numbers differ or the checksum is wrong.
    pub dirty: bool,
    /// The base block checksum matches.
    pub checksum_ok: bool,
    /// At least one log was applied.
    pub logs_replayed: bool,
    /// Format of the logs applied.
    pub log_format: Option<LogFormat>,
    /// The logs applied, in order.
    pub logs_applied: Vec<LogSlot>,
    /// New-format log entries applied.
    pub entries_applied: u32,
    /// Dirty pages (new format) or 512-byte sectors (old format) written into the overlay.
    pub pages_applied: u32,
    /// Sequence number of the last log entry applied (new format).
    pub last_sequence: Option<u32>,
    /// Hive bins data size in effect (after replay).
    pub hive_bins_size: u32,
    /// Root cell offset in effect (after replay).
    pub root_cell: u32,
    /// Anomalies met and read past.
    pub diagnostics: Vec<Diagnostic>,
}

/// A registry hive opened read-only; cheap to clone, `Send + Sync`.
///
/// Only the cells a lookup touches are read, through a small page cache; a replayed log lives
/// in an in-memory overlay of pages and the source is never written.
#[derive(Clone)]
pub struct Hive {
    pub(crate) inner: Arc<HiveInner>,
}

impl std::fmt::Debug for Hive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hive")
            .field("len", &self.inner.src_len)
            .field("status", &self.inner.status)
            .finish()
    }
}

pub(crate) struct HiveInner {
    source: Arc<dyn ReadAt>,
    src_len: u64,
    overlay: Overlay,
    logical_len: u64,
    pub(crate) minor_version: u32,
    root_cell: u32,
    hive_bins_size: u64,
    cell_header: u64,
    cache: ByteCache<u64, Arc<Vec<u8>>>,
    status: HiveStatus,
    cells_read: AtomicU64,
    cell_bytes_read: AtomicU64,
    cell_byte_budget: u64,
}

impl Hive {
    /// Opens a hive: checks the base block, replays the logs of a dirty hive when `opts` asks,
    /// and reads nothing else until asked.
    pub fn open(source: Arc<dyn ReadAt>, logs: HiveLogs, opts: HiveOptions) -> Result<Hive> {
        let src_len = source.len();
        let head_len = src_len.min(BASE_BLOCK_LEN);
        let mut head = vec![0u8; usize::try_from(head_len).unwrap_or(0)];
        source.read_at(0, &mut head)?;
        let bb = HiveBaseBlock::parse(&head)?;
        if src_len < BASE_BLOCK_LEN {
            return Err(RegistryError::Truncated {
                structure: "regf base block",
                offset: 0,
                needed: BASE_BLOCK_LEN,
                available: src_len,
            });
        }
        let checksum_ok = bb.checksum_ok();
        let mut diagnostics = Vec::new();
        let hive_bins_size = if checksum_ok {
            bb.validate(&[FILE_TYPE_PRIMARY])?;
            u64::from(bb.hive_bins_size)
        } else {
            diagnostics.push(Diagnostic::at(
                "hiveBaseBlockChecksum",
                508,
                format!(
                    "base block checksum {:#010x}, computed {:#010x}: the hive is dirty and its \
                     base block is not trusted",
                    bb.stored_checksum, bb.computed_checksum
                ),
            ));
            if bb.file_type != FILE_TYPE_PRIMARY {
                return Err(RegistryError::Unsupported {
                    structure: "regf base block",
                    offset: 28,
                    what: "file type",
                    actual: u64::from(bb.file_type),
                });
            }
            // The spec's fallback: the hive bins run to the end of the file (aligned down).
            (src_len - BASE_BLOCK_LEN) / HBIN_ALIGNMENT * HBIN_ALIGNMENT
        };
        let dirty = bb.is_dirty();
        let mut status = HiveStatus {
            base_block: bb.clone(),
            dirty,
            checksum_ok,
            logs_replayed: false,
            log_format: None,
            logs_applied: Vec::new(),
            entries_applied: 0,
            pages_applied: 0,
            last_sequence: None,
            hive_bins_size: u32::try_from(hive_bins_size).unwrap_or(u32::MAX),
            root_cell: bb.root_cell,
            diagnostics: Vec::new(),
        };
        let mut overlay = Overlay::default();
        let mut minor_version = bb.minor_version;
        let mut root_cell = bb.root_cell;
        let mut effective_bins = hive_bins_size;
        if dirty {
            if !opts.replay_logs {
                diagnostics.push(Diagnostic::whole(
                    "hiveDirtyNotReplayed",
                    format!(
                        "hive is dirty (sequence {}/{}) and log replay is off: read as stored",
                        bb.primary_sequence, bb.secondary_sequence
                    ),
                ));
            } else if logs.is_empty() {
                diagnostics.push(Diagnostic::whole(
                    "hiveDirtyNoLogs",
                    format!(
                        "hive is dirty (sequence {}/{}) and no transaction log was given: read \
                         as stored, possibly stale",
                        bb.primary_sequence, bb.secondary_sequence
                    ),
                ));
            } else {
                let budget = opts
                    .overlay_budget
                    .clone()
                    .unwrap_or_else(|| ByteBudget::new(log_replay::MAX_OVERLAY_BYTES));
                let outcome = log_replay::replay(source.as_ref(), &bb, &logs, budget);
                diagnostics.extend(outcome.diagnostics);
                if outcome.applied.is_empty() {
                    diagnostics.push(Diagnostic::whole(
                        "hiveDirtyNoLogs",
                        format!(
                            "hive is dirty (sequence {}/{}) and no given log could be applied: \
                             read as stored, possibly stale",
                            bb.primary_sequence, bb.secondary_sequence
                        ),
                    ));
                } else {
                    overlay = outcome.overlay;
                    if let Some(s) = outcome.hive_bins_size {
                        effective_bins = u64::from(s);
                    }
                    if let Some(r) = outcome.root_cell {
                        root_cell = r;
                    }
                    if let Some(m) = outcome.minor_version {
                        minor_version = m;
                    }
                    status.logs_replayed = true;
                    status.log_format = outcome.format;
                    status.logs_applied = outcome.applied;
                    status.entries_applied = outcome.entries;
                    status.pages_applied = outcome.pages;
                    status.last_sequence = outcome.last_sequence;
                    let names: Vec<&str> = status.logs_applied.iter().map(|l| l.as_str()).collect();
                    diagnostics.push(Diagnostic::whole(
                        "hiveLogsReplayed",
                        format!(
                            "dirty hive recovered from {} ({} format, {} entries, {} pages{})",
                            names.join(" then "),
                            outcome.format.map_or("?", LogFormat::as_str),
                            status.entries_applied,
                            status.pages_applied,
                            status
                                .last_sequence
                                .map(|s| format!(", last sequence {s}"))
                                .unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        status.hive_bins_size = u32::try_from(effective_bins).unwrap_or(u32::MAX);
        status.root_cell = root_cell;
        status.diagnostics = diagnostics;
        let logical_len = src_len.max(overlay.end());
        Ok(Hive {
            inner: Arc::new(HiveInner {
                source,
                src_len,
                overlay,
                logical_len,
                minor_version,
                root_cell,
                hive_bins_size: effective_bins,
                cell_header: if minor_version <= 1 { 8 } else { 4 },
                cache: ByteCache::new(CACHE_BUDGET),
                status,
                cells_read: AtomicU64::new(0),
                cell_bytes_read: AtomicU64::new(0),
                cell_byte_budget: logical_len
                    .saturating_mul(WORK_PER_HIVE_BYTE)
                    .saturating_add(WORK_BASE),
            }),
        })
    }

    /// Opens a hive without logs, replaying nothing.
    pub fn open_plain(source: Arc<dyn ReadAt>) -> Result<Hive> {
        Hive::open(source, HiveLogs::none(), HiveOptions::default())
    }

    /// What the hive has read so far, and its budget.
    pub fn work(&self) -> HiveWork {
        HiveWork {
            cells: self.inner.cells_read.load(Ordering::Relaxed),
            cell_bytes: self.inner.cell_bytes_read.load(Ordering::Relaxed),
            cell_byte_budget: self.inner.cell_byte_budget,
        }
    }

    /// Bytes the replayed overlay holds.
    pub fn overlay_bytes(&self) -> u64 {
        self.inner.overlay.bytes()
    }

    /// Dirty state, replay outcome and diagnostics.
    pub fn status(&self) -> &HiveStatus {
        &self.inner.status
    }

    /// The hive's minor version in effect (big data needs ≥ 4).
    pub fn minor_version(&self) -> u32 {
        self.inner.minor_version
    }

    /// The root key.
    pub fn root(&self) -> Result<Key> {
        Key::read(&self.inner, self.inner.root_cell, Arc::new(Vec::new()))
    }

    /// The key at `path` below the root (case-insensitive, never naming the root itself);
    /// `Ok(None)` when a component does not exist. Only `\` separates: `/` is part of a key
    /// name ([`crate::path`]).
    pub fn key(&self, path: &str) -> Result<Option<Key>> {
        let mut key = self.root()?;
        for part in crate::path::key_names(path) {
            match key.subkey(part)? {
                Some(k) => key = k,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    /// The hive file as recovered, as a source: the stored base block, then the hive bins with
    /// the replayed pages over them (length: the file's, or more when the log grew the hive).
    pub fn recovered_bytes(&self) -> RecoveredHive {
        RecoveredHive {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// The recovered hive file (stored base block + replayed hive bins) as a [`ReadAt`] source.
#[derive(Clone)]
pub struct RecoveredHive {
    inner: Arc<HiveInner>,
}

impl ReadAt for RecoveredHive {
    fn len(&self) -> u64 {
        self.inner.logical_len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        self.inner.read_file(offset, buf)
    }
}

impl HiveInner {
    /// Reads the effective file bytes at `off`: overlay pages over the source, zeros where a
    /// replayed log grew the hive past the end of the file.
    pub(crate) fn read_file(&self, off: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        vhdlint_container::read::check_bounds(off, buf.len(), self.logical_len)?;
        let small = buf.len() as u64 <= CACHE_PAGE;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = off + done as u64;
            let page = pos / CACHE_PAGE;
            let in_page = pos % CACHE_PAGE;
            let remaining = buf.len() - done;
            if let Some(data) = self.overlay.get(page) {
                let n = remaining.min((CACHE_PAGE - in_page) as usize);
                let src = data.get(in_page as usize..in_page as usize + n).ok_or(
                    ReadError::OutOfBounds {
                        offset: pos,
                        len: n as u64,
                        size: self.logical_len,
                    },
                )?;
                let dst = buf.get_mut(done..done + n).ok_or(ReadError::OutOfBounds {
                    offset: pos,
                    len: n as u64,
                    size: self.logical_len,
                })?;
                dst.copy_from_slice(src);
                done += n;
                continue;
            }
            // A run of pages the overlay does not hold (one page at a time for cached reads).
            let mut run = (CACHE_PAGE - in_page) as usize;
            while !small
                && run < remaining
                && self.overlay.get((pos + run as u64) / CACHE_PAGE).is_none()
            {
                run += CACHE_PAGE as usize;
            }
            let n = run.min(remaining);
            let dst = buf.get_mut(done..done + n).ok_or(ReadError::OutOfBounds {
                offset: pos,
                len: n as u64,
                size: self.logical_len,
            })?;
            self.read_source(pos, dst, small)?;
            done += n;
        }
        Ok(())
    }

    /// Source bytes at `pos`, zeros past the end of the source (only reachable when a replay
    /// grew the hive).
    fn read_source(&self, pos: u64, dst: &mut [u8], small: bool) -> Result<(), ReadError> {
        let in_src = usize::try_from(self.src_len.saturating_sub(pos))
            .unwrap_or(usize::MAX)
            .min(dst.len());
        let (head, tail) = dst.split_at_mut(in_src);
        tail.fill(0);
        if head.is_empty() {
            return Ok(());
        }
        if small {
            self.read_cached(pos, head)
        } else {
            self.source.read_at(pos, head)
        }
    }

    /// Reads `dst` (within one cache page, within the source) through the page cache.
    fn read_cached(&self, pos: u64, dst: &mut [u8]) -> Result<(), ReadError> {
        let page = pos / CACHE_PAGE;
        let in_page = (pos % CACHE_PAGE) as usize;
        let data = self.cached_page(page)?;
        let src = data
            .get(in_page..in_page + dst.len())
            .ok_or(ReadError::OutOfBounds {
                offset: pos,
                len: dst.len() as u64,
                size: self.src_len,
            })?;
        dst.copy_from_slice(src);
        Ok(())
    }

    fn cached_page(&self, page: u64) -> Result<Arc<Vec<u8>>, ReadError> {
        if let Some(p) = self.cache.get(&page) {
            return Ok(p);
        }
        let start = page * CACHE_PAGE;
        let len = self.src_len.saturating_sub(start).min(CACHE_PAGE);
        let mut data = vec![0u8; len as usize];
        self.source.read_at(start, &mut data)?;
        let data = Arc::new(data);
        self.cache.insert(page, Arc::clone(&data), len);
        Ok(data)
    }

    /// The data of the allocated cell at `cell`, which must start with the 2-byte `signature`
    /// and hold at least `min_len` bytes (nk, vk cells).
    pub(crate) fn signed_cell(
        &self,
        cell: u32,
        structure: &'static str,
        signature: &'static str,
        min_len: usize,
    ) -> Result<Vec<u8>> {
        let file_off = BASE_BLOCK_LEN + u64::from(cell);
        let d = self.cell(cell, structure)?;
        if d.len() < min_len {
            return Err(RegistryError::Truncated {
                structure,
                offset: file_off,
                needed: min_len as u64,
                available: d.len() as u64,
            });
        }
        let sig = self.fields(&d, cell, structure).slice(0, 2)?;
        if sig != signature.as_bytes() {
            return Err(RegistryError::InvalidSignature {
                structure,
                offset: file_off,
                expected: signature,
                actual: vhdlint_container::bytes::lossy(sig),
            });
        }
        Ok(d)
    }

    /// The data `data` of the cell at hive-bins offset `cell`, as a field view placed in the
    /// hive file (errors name `structure` and the field's file offset).
    pub(crate) fn fields<'a>(
        &self,
        data: &'a [u8],
        cell: u32,
        structure: &'static str,
    ) -> Fields<'a> {
        Fields::new(
            data,
            structure,
            BASE_BLOCK_LEN + u64::from(cell) + self.cell_header,
        )
    }

    /// The data of the allocated cell at hive-bins offset `cell` (its size field stripped).
    pub(crate) fn cell(&self, cell: u32, structure: &'static str) -> Result<Vec<u8>> {
        let file_off = BASE_BLOCK_LEN + u64::from(cell);
        if cell == CELL_NIL {
            return Err(RegistryError::Invalid {
                structure,
                offset: file_off,
                message: "cell offset is nil (0xffffffff)".into(),
            });
        }
        if cell % 8 != 0 {
            return Err(RegistryError::Invalid {
                structure,
                offset: file_off,
                message: format!("cell offset {cell:#x} is not 8-byte aligned"),
            });
        }
        let bins = self.hive_bins_size;
        let cell64 = u64::from(cell);
        if cell64 + 8 > bins {
            return Err(RegistryError::Truncated {
                structure,
                offset: file_off,
                needed: 8,
                available: bins.saturating_sub(cell64),
            });
        }
        let mut head = [0u8; 4];
        self.read_file(file_off, &mut head)
            .map_err(|e| truncated(e, structure, file_off, 4))?;
        let raw = u32::from_le_bytes(head);
        let size = raw as i32;
        if size >= 0 {
            return Err(RegistryError::UnallocatedCell {
                structure,
                offset: file_off,
                size: raw,
            });
        }
        let abs = i64::from(size).unsigned_abs();
        if abs > MAX_CELL_SIZE {
            return Err(RegistryError::TooLarge {
                structure,
                offset: file_off,
                what: "cell size",
                actual: abs,
                limit: MAX_CELL_SIZE,
            });
        }
        if abs < 8 {
            return Err(RegistryError::Invalid {
                structure,
                offset: file_off,
                message: format!("cell size {abs:#x} is below the 8-byte minimum"),
            });
        }
        if cell64 + abs > bins {
            return Err(RegistryError::Truncated {
                structure,
                offset: file_off,
                needed: abs,
                available: bins - cell64,
            });
        }
        let hdr = self.cell_header.min(abs);
        let total = self.cell_bytes_read.fetch_add(abs, Ordering::Relaxed) + abs;
        self.cells_read.fetch_add(1, Ordering::Relaxed);
        if total > self.cell_byte_budget {
            return Err(RegistryError::TooLarge {
                structure,
                offset: file_off,
                what: "cell bytes read from this hive (work budget: aliased structure?)",
                actual: total,
                limit: self.cell_byte_budget,
            });
        }
        let mut data = vec![0u8; (abs - hdr) as usize];
        self.read_file(file_off + hdr, &mut data)
            .map_err(|e| truncated(e, structure, file_off, abs))?;
        Ok(data)
    }
}

/// Turns a read past the end into `Truncated` for `structure`.
pub(crate) fn truncated(
    e: ReadError,
    structure: &'static str,
    offset: u64,
    needed: u64,
) -> RegistryError {
    match e {
        ReadError::OutOfBounds { size, .. } => RegistryError::Truncated {
            structure,
            offset,
            needed,
            available: size.saturating_sub(offset),
        },
        other => RegistryError::Read(other),
    }
}
