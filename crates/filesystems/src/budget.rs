//! The budgets of the file-system layer, in one place, and the per-call read budget in front of
//! the volume a third-party parser (`fatfs`) reads.
//!
//! # The budget principle
//! Every loop over on-disk structure and every allocation sized by an on-disk field is bounded
//! by a **named budget**: a constant below, or an amount proportional to the bytes actually read
//! (decoded LZNT1 output ≤ [`MAX_LZNT1_EXPANSION`] × stored bytes read; decoded run lists ≤ the
//! record bytes they were decoded from, shared by `Arc`, never copied per use; caches by bytes:
//! [`FILE_CACHE_BUDGET`](crate::ntfs::volume::FILE_CACHE_BUDGET) and its siblings). Aliasing the
//! format forbids — a run list mapping a cluster twice, `$MFT` extents that overlap, index
//! entries naming one record past the hard-link limit — is refused with
//! [`FsError::Aliased`](crate::FsError::Aliased) naming both places, not re-read. A budget that
//! trips is an error naming the structure (`TooLarge`, `LoopDetected`, `ReadBudgetExhausted`),
//! never a silent truncation. The older bounds keep their public paths
//! ([`MAX_DIR_ENTRIES`](crate::MAX_DIR_ENTRIES), [`MAX_EXTENTS`](crate::extents::MAX_EXTENTS),
//! the `ntfs::*::MAX_*`); the ones added for issue 12 live here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use vhdlint_container::{ReadAt, ReadError};

use crate::MAX_READ_PER_CALL;

/// Most index entries of one directory listing that may name the same file record: 1,024, the
/// NTFS hard-link limit. More is aliasing (one record listed over and over) and is refused.
pub const MAX_HARD_LINKS: u64 = 1024;

/// Most alternate-data-stream names one directory listing reports over all its entries:
/// 262,144 (a real directory has a handful; a file with 65,535 named streams listed once fits).
pub const MAX_LISTED_STREAMS: u64 = 1 << 18;

/// Most attribute records one listing may walk while describing its entries (over all entries):
/// 4 Mi. `WinSxS` (20,000 entries of ~6 attributes) needs 120,000.
pub const MAX_LISTING_ATTRIBUTES: u64 = 4 << 20;

/// Most bytes of extension records one NTFS file may load through its `$ATTRIBUTE_LIST`: 16 MiB
/// (4,096 records of 4 KiB). `$MFT` of a huge volume uses dozens of 1 KiB records.
pub const MAX_EXTENSION_BYTES: u64 = 16 << 20;

/// LZNT1 expansion cap: a compression unit decodes to at most this many times the stored
/// bytes read for it (Windows' 16-cluster units give at most 16), and a stream's decoded total
/// stays within this ratio of its stored bytes read plus one unit. Trips as a read error naming
/// the unit.
pub const MAX_LZNT1_EXPANSION: u64 = 16;

/// Most bytes read while walking one FAT directory (deleted entries and FAT reads included):
/// 4 MiB. A FAT directory holds at most 65,536 entries of 32 bytes (2 MiB); a chain that loops
/// back on itself trips this instead of running to [`MAX_READ_PER_CALL`].
pub const MAX_FAT_DIRECTORY_READ: u64 = 4 << 20;

/// Refuses reads once [`MAX_READ_PER_CALL`] bytes were read since the last [`reset`](Self::reset).
pub(crate) struct Budgeted {
    inner: Arc<dyn ReadAt>,
    /// The two [`BLOCK`]-sized blocks small reads came from last, most recent first: `fatfs`
    /// reads the FAT one entry (4 bytes) and directories one entry (32 bytes) at a time, and a
    /// seek walks the cluster chain from its start, so without them every entry costs a trip
    /// through the page cache. Two: a directory walk alternates between its cluster and the
    /// FAT. Below the accounting: every read still counts against the budgets.
    blocks: std::sync::Mutex<Blocks>,
    used: AtomicU64,
    /// While a directory is walked: `used` may not pass this ([`MAX_FAT_DIRECTORY_READ`] on).
    scope_end: AtomicU64,
    /// Set once a read was refused by the directory scope.
    scope_tripped: std::sync::atomic::AtomicBool,
}

impl Budgeted {
    pub(crate) fn new(inner: Arc<dyn ReadAt>) -> Self {
        Budgeted {
            inner,
            blocks: std::sync::Mutex::new(Blocks::default()),
            used: AtomicU64::new(0),
            scope_end: AtomicU64::new(u64::MAX),
            scope_tripped: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(crate) fn reset(&self) {
        self.used.store(0, Ordering::Relaxed);
        self.scope_end.store(u64::MAX, Ordering::Relaxed);
        self.scope_tripped.store(false, Ordering::Relaxed);
    }

    /// Starts walking one directory: at most [`MAX_FAT_DIRECTORY_READ`] more bytes until
    /// [`end_directory`](Self::end_directory).
    pub(crate) fn begin_directory(&self) {
        let now = self.used.load(Ordering::Relaxed);
        self.scope_end.store(
            now.saturating_add(MAX_FAT_DIRECTORY_READ),
            Ordering::Relaxed,
        );
    }

    /// Ends the directory walk begun last.
    pub(crate) fn end_directory(&self) {
        self.scope_end.store(u64::MAX, Ordering::Relaxed);
    }

    /// True once a directory walk read more than [`MAX_FAT_DIRECTORY_READ`] since the reset.
    pub(crate) fn directory_tripped(&self) -> bool {
        self.scope_tripped.load(Ordering::Relaxed)
    }

    /// True once a read was refused since the last reset.
    pub(crate) fn exhausted(&self) -> bool {
        self.used.load(Ordering::Relaxed) > MAX_READ_PER_CALL
    }
}

impl ReadAt for Budgeted {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let before = self.used.fetch_add(buf.len() as u64, Ordering::Relaxed);
        if before.saturating_add(buf.len() as u64) > self.scope_end.load(Ordering::Relaxed) {
            self.scope_tripped.store(true, Ordering::Relaxed);
            return Err(ReadError::Corrupt {
                structure: "FAT directory",
                offset,
                message: format!(
                    "more than {MAX_FAT_DIRECTORY_READ} bytes read walking one directory \
                     (deleted entries included): its cluster chain loops or is too long"
                ),
            });
        }
        if before.saturating_add(buf.len() as u64) > MAX_READ_PER_CALL {
            self.used.store(MAX_READ_PER_CALL + 1, Ordering::Relaxed);
            return Err(ReadError::Corrupt {
                structure: "file-system metadata",
                offset,
                message: format!("read budget of {MAX_READ_PER_CALL} bytes per call exhausted"),
            });
        }
        self.read_through_block(offset, buf)
    }
}

/// A block of the volume: its offset and bytes.
type Block = (u64, Box<[u8]>);

/// [`Budgeted`]'s two blocks, the most recently used first.
#[derive(Default)]
pub(crate) struct Blocks {
    recent: Option<Block>,
    older: Option<Block>,
}

/// Size of [`Budgeted`]'s blocks: a sector, so a block read is never more than 512 bytes for
/// the 4 or 32 a small read asks (a walk reads a sector's entries in order).
const BLOCK: u64 = 512;
/// Reads up to this size go through the blocks; larger ones straight to the source.
const SMALL_READ: usize = 64;

impl Budgeted {
    fn read_through_block(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        // In bounds from here on: `start <= offset < len` for a non-empty read.
        vhdlint_container::read::check_bounds(offset, buf.len(), self.inner.len())?;
        if buf.is_empty() {
            return Ok(());
        }
        let start = offset - offset % BLOCK;
        let end = offset + buf.len() as u64;
        if buf.len() > SMALL_READ || end > start + BLOCK {
            return self.inner.read_at(offset, buf);
        }
        let mut guard = self
            .blocks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let blocks = &mut *guard;
        let is = |b: &Option<Block>| b.as_ref().is_some_and(|(at, _)| *at == start);
        if !is(&blocks.recent) {
            if is(&blocks.older) {
                std::mem::swap(&mut blocks.recent, &mut blocks.older);
            } else {
                // Cannot truncate: at most BLOCK bytes; a block stops at the end of the source.
                let n = (self.inner.len() - start).min(BLOCK) as usize;
                // The older block's buffer is reused.
                let mut data = match blocks.older.take() {
                    Some((_, d)) if <[u8]>::len(&d) == n => d,
                    _ => vec![0u8; n].into_boxed_slice(),
                };
                self.inner.read_at(start, &mut data)?;
                blocks.older = blocks.recent.replace((start, data));
            }
        }
        let from = (offset - start) as usize;
        let src = blocks
            .recent
            .as_ref()
            .and_then(|(_, d)| d.get(from..from + buf.len()))
            .ok_or(ReadError::Corrupt {
                structure: "FAT block",
                offset,
                message: "read past the end of the volume".into(),
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}
