//! The block allocation table (MS-VHDX 2.5): geometry, lazily read entries, a bounded cache.

use std::sync::Arc;

use crate::bytes::Fields;
use crate::cache::ByteCache;
use crate::diag::Diagnostic;
use crate::read::ReadError;
use crate::{ContainerError, ReadAt, Result};

use super::metadata::Metadata;
use super::region_table::Region;
use super::MIB;

/// Payload block state: not present (differencing: read the parent) (MS-VHDX 2.5.1.1).
pub(crate) const PAYLOAD_BLOCK_NOT_PRESENT: u64 = 0;
/// Payload block state: contents undefined (read as zeros).
pub(crate) const PAYLOAD_BLOCK_UNDEFINED: u64 = 1;
/// Payload block state: zeros.
pub(crate) const PAYLOAD_BLOCK_ZERO: u64 = 2;
/// Payload block state: unmapped (trimmed; read as zeros).
pub(crate) const PAYLOAD_BLOCK_UNMAPPED: u64 = 3;
/// Payload block state: all data in this file at FileOffsetMB.
pub(crate) const PAYLOAD_BLOCK_FULLY_PRESENT: u64 = 6;
/// Payload block state (differencing only): the sector bitmap says which sectors are here.
pub(crate) const PAYLOAD_BLOCK_PARTIALLY_PRESENT: u64 = 7;
/// Sector bitmap block state: present at FileOffsetMB (MS-VHDX 2.5.1.2).
pub(crate) const SB_BLOCK_PRESENT: u64 = 6;

/// Bits 0–2 of a BAT entry: the state.
const STATE_MASK: u64 = 0b111;

/// Size of a sector bitmap block: one bit per sector of a chunk, 2^23 sectors (MS-VHDX 2.5).
pub(crate) const SECTOR_BITMAP_BLOCK: u64 = MIB;

/// Bytes of BAT read and cached per page.
const PAGE_BYTES: u64 = 4096;

/// Most BAT pages cached at once (256 × 4 KiB = 1 MiB), whatever the BAT size (up to ~513 MiB).
pub const MAX_CACHED_BAT_PAGES: usize = 256;
/// Budget of the BAT page cache in bytes: [`MAX_CACHED_BAT_PAGES`] pages with their overhead.
pub const BAT_CACHE_BUDGET: u64 =
    MAX_CACHED_BAT_PAGES as u64 * (PAGE_BYTES + crate::cache::ENTRY_OVERHEAD);

/// Largest BAT scanned whole at open for diagnostics (8192 entries); larger ones are only read
/// where the disk is read, so `check` stays cheap.
pub const MAX_BAT_SCAN_BYTES: u64 = 64 << 10;

/// Diagnostic code: a present block lies (partly) past the end of the file.
pub(crate) const DIAG_BLOCK_BEYOND_EOF: &str = "vhdxBlockBeyondEof";
/// Diagnostic code: a BAT entry holds a state the format forbids (4, 5, or 7 outside a
/// differencing disk).
pub(crate) const DIAG_BAT_ENTRY_INVALID: &str = "vhdxBatEntryInvalid";
/// Diagnostic code: payload blocks in the UNDEFINED state (read as zeros; implementations differ).
pub(crate) const DIAG_BLOCK_UNDEFINED: &str = "vhdxBlockUndefined";

/// The BAT's shape, from the metadata (MS-VHDX 2.5, 2.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// BlockSize.
    pub block_size: u64,
    /// LogicalSectorSize.
    pub sector_size: u64,
    /// VirtualDiskSize.
    pub virtual_size: u64,
    /// Payload blocks per chunk: 2^23 · LogicalSectorSize / BlockSize.
    pub chunk_ratio: u64,
    /// Number of payload blocks: ceil(VirtualDiskSize / BlockSize).
    pub data_blocks: u64,
    /// Number of BAT entries.
    pub entries: u64,
    /// File offset of the BAT.
    pub bat_offset: u64,
    /// A differencing disk (sector bitmaps interleaved in every chunk).
    pub differencing: bool,
}

impl Geometry {
    /// Computes the geometry and checks that the BAT region, and the file, hold every entry.
    pub fn new(meta: &Metadata, region: &Region, file_len: u64) -> Result<Self> {
        let block_size = u64::from(meta.block_size);
        let sector_size = u64::from(meta.logical_sector_size);
        // Cannot be zero nor overflow: block_size ≤ 2^28 and sector_size ≥ 512.
        let chunk_ratio = ((1u64 << 23) * sector_size / block_size).max(1);
        let data_blocks = meta.virtual_size.div_ceil(block_size);
        let entries = if meta.has_parent {
            data_blocks.div_ceil(chunk_ratio) * (chunk_ratio + 1)
        } else if data_blocks == 0 {
            0
        } else {
            data_blocks + (data_blocks - 1) / chunk_ratio
        };
        // Cannot overflow: virtual_size ≤ 64 TiB, so entries < 2^27.
        let bytes = entries * 8;
        if bytes > region.length {
            return Err(ContainerError::Invalid {
                structure: "VHDX BAT region",
                offset: region.offset,
                message: format!(
                    "{entries} BAT entries ({bytes} bytes) do not fit in the {}-byte BAT region",
                    region.length
                ),
            });
        }
        if region
            .offset
            .checked_add(bytes)
            .is_none_or(|e| e > file_len)
        {
            return Err(ContainerError::Truncated {
                structure: "VHDX BAT",
                offset: region.offset,
                needed: bytes,
                file_size: file_len,
            });
        }
        Ok(Geometry {
            block_size,
            sector_size,
            virtual_size: meta.virtual_size,
            chunk_ratio,
            data_blocks,
            entries,
            bat_offset: region.offset,
            differencing: meta.has_parent,
        })
    }

    /// BAT index of payload block `block`.
    pub fn payload_index(&self, block: u64) -> u64 {
        block + block / self.chunk_ratio
    }

    /// BAT index of the sector bitmap block of chunk `chunk`.
    pub fn bitmap_index(&self, chunk: u64) -> u64 {
        chunk * (self.chunk_ratio + 1) + self.chunk_ratio
    }

    /// File offset of BAT entry `index`.
    pub fn entry_offset(&self, index: u64) -> u64 {
        self.bat_offset.saturating_add(index.saturating_mul(8))
    }
}

/// A BAT entry: state bits 0–2 and FileOffsetMB bits 20–63 (MS-VHDX 2.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatEntry {
    /// The raw 64-bit value.
    pub raw: u64,
    /// Where the entry is in the file.
    pub offset: u64,
}

impl BatEntry {
    /// Bits 0–2.
    pub fn state(self) -> u64 {
        self.raw & STATE_MASK
    }
    /// FileOffsetMB × 1 MiB.
    pub fn file_offset(self) -> u64 {
        (self.raw >> 20) << 20
    }
}

/// The BAT, read lazily through the (replayed) file view, with a bounded page cache.
pub(crate) struct Bat {
    src: Arc<dyn ReadAt>,
    pub geo: Geometry,
    cache: ByteCache<u64, Arc<[u8]>>,
}

impl Bat {
    pub fn new(src: Arc<dyn ReadAt>, geo: Geometry) -> Self {
        Bat {
            src,
            geo,
            cache: ByteCache::new(BAT_CACHE_BUDGET),
        }
    }

    /// The file view the BAT points into.
    pub fn src(&self) -> &dyn ReadAt {
        &*self.src
    }

    /// Entry `index` of the BAT.
    pub fn entry(&self, index: u64) -> Result<BatEntry, ReadError> {
        let offset = self.geo.entry_offset(index);
        if index >= self.geo.entries {
            return Err(ReadError::Corrupt {
                structure: "VHDX BAT entry",
                offset,
                message: format!("index {index} is past the {} entries", self.geo.entries),
            });
        }
        let byte = index * 8;
        let page_no = byte / PAGE_BYTES;
        let page = self.page(page_no)?;
        let in_page = byte % PAGE_BYTES;
        let fields = Fields::new(&page, "VHDX BAT page", offset.saturating_sub(in_page));
        let raw = fields.le_u64(usize::try_from(in_page).unwrap_or(usize::MAX))?;
        Ok(BatEntry { raw, offset })
    }

    fn page(&self, page_no: u64) -> Result<Arc<[u8]>, ReadError> {
        if let Some(p) = self.cache.get(&page_no) {
            return Ok(p);
        }
        let start = page_no * PAGE_BYTES;
        let len = (self.geo.entries * 8).saturating_sub(start).min(PAGE_BYTES);
        let mut buf = vec![0u8; len as usize];
        self.src.read_at(self.geo.bat_offset + start, &mut buf)?;
        let page: Arc<[u8]> = buf.into();
        self.cache
            .insert(page_no, Arc::clone(&page), page.len() as u64);
        Ok(page)
    }

    /// The payload BAT entry of block `block`.
    pub fn payload(&self, block: u64) -> Result<BatEntry, ReadError> {
        self.entry(self.geo.payload_index(block))
    }

    /// The sector bitmap BAT entry of chunk `chunk`.
    pub fn bitmap(&self, chunk: u64) -> Result<BatEntry, ReadError> {
        self.entry(self.geo.bitmap_index(chunk))
    }

    /// Bytes of payload block `block` inside the virtual disk (the last block may be short).
    pub fn block_span(&self, block: u64) -> u64 {
        let start = block * self.geo.block_size;
        self.geo
            .virtual_size
            .saturating_sub(start)
            .min(self.geo.block_size)
    }

    /// When the BAT is small, checks every payload entry once and reports anomalies.
    pub fn scan_small(&self, diags: &mut Vec<Diagnostic>) {
        if self.geo.entries * 8 > MAX_BAT_SCAN_BYTES {
            return;
        }
        let file_len = self.src.len();
        let mut beyond: Vec<u64> = Vec::new();
        let mut furthest_end: u64 = 0;
        let mut invalid: Vec<u64> = Vec::new();
        let mut undefined: Vec<u64> = Vec::new();
        // Bounded: at most MAX_BAT_SCAN_BYTES / 8 entries.
        for block in 0..self.geo.data_blocks {
            let Ok(e) = self.payload(block) else {
                return;
            };
            match e.state() {
                PAYLOAD_BLOCK_FULLY_PRESENT | PAYLOAD_BLOCK_PARTIALLY_PRESENT => {
                    if e.state() == PAYLOAD_BLOCK_PARTIALLY_PRESENT && !self.geo.differencing {
                        invalid.push(e.offset);
                        continue;
                    }
                    let end = e.file_offset().checked_add(self.block_span(block));
                    if e.file_offset() < MIB || end.is_none_or(|x| x > file_len) {
                        beyond.push(e.offset);
                        furthest_end = furthest_end.max(end.unwrap_or(u64::MAX));
                    }
                }
                PAYLOAD_BLOCK_UNDEFINED => undefined.push(e.offset),
                PAYLOAD_BLOCK_NOT_PRESENT | PAYLOAD_BLOCK_ZERO | PAYLOAD_BLOCK_UNMAPPED => {}
                _ => invalid.push(e.offset),
            }
        }
        let mut report = |code: &'static str, v: &[u64], what: &str| {
            if let Some(first) = v.first() {
                diags.push(Diagnostic::at(
                    code,
                    *first,
                    format!(
                        "{} BAT entr{} {what}; first at {first:#x}",
                        v.len(),
                        if v.len() == 1 { "y" } else { "ies" }
                    ),
                ));
            }
        };
        report(
            DIAG_BLOCK_BEYOND_EOF,
            &beyond,
            "point at data past the end of the file (or into the header section)",
        );
        report(
            DIAG_BAT_ENTRY_INVALID,
            &invalid,
            "hold a state this disk type forbids",
        );
        report(
            DIAG_BLOCK_UNDEFINED,
            &undefined,
            "are UNDEFINED (read as zeros)",
        );
        if furthest_end > file_len {
            if let Some(d) = diags
                .iter_mut()
                .rev()
                .find(|d| d.code == DIAG_BLOCK_BEYOND_EOF)
            {
                d.message.push_str(&format!(
                    "; the furthest block ends at byte {furthest_end}, the file has {file_len} bytes"
                ));
                d.needs_file_size = Some(furthest_end);
            }
        }
    }
}
