//! The virtual disk of a VHD: fixed data, or blocks through the block allocation table
//! (VHD spec, "Block Allocation Table and Data Blocks", "Implementing a Dynamic Disk",
//! "Read Operation for a Differencing Hard Disk").
//!
//! The BAT is read lazily, one page at a time, into a small bounded cache, so a `check` that
//! reads a few sectors reads kilobytes of BAT, not the whole table.
//!
//! **Sector bitmaps.** In an allocated block a set bit means the sector is in this file. A clear
//! bit reads from the parent (differencing) or as zeros (dynamic: the spec says such a sector
//! "has never been modified"; VirtualBox reads it as free). qemu ignores dynamic disks' bitmaps
//! and reads the block's data; the two agree whenever the unwritten data of a block is zero,
//! which is how every known writer allocates blocks (all corpus images agree).

use std::sync::Arc;

use crate::cache::ByteCache;
use crate::read::{ReadAt, ReadError};

/// Sector size of every VHD (VHD spec: "Sector length is always 512 bytes").
pub const SECTOR: u64 = 512;
/// BAT entry marking an unallocated block (VHD spec, "Block Allocation Table").
pub const UNALLOCATED: u32 = 0xFFFF_FFFF;
/// Size of one BAT entry.
pub const BAT_ENTRY_SIZE: u64 = 4;
/// BAT entries read per page (4 KiB of table, 8 GiB of disk at 2 MiB blocks).
pub const BAT_PAGE_ENTRIES: u64 = 1024;
/// BAT pages kept in memory (256 KiB at most): enough for sequential hashing and metadata reads.
pub const BAT_CACHE_PAGES: usize = 64;
/// Budget of the BAT page cache in bytes: [`BAT_CACHE_PAGES`] pages with their overhead.
pub const BAT_CACHE_BUDGET: u64 =
    BAT_CACHE_PAGES as u64 * (BAT_PAGE_ENTRIES * BAT_ENTRY_SIZE + crate::cache::ENTRY_OVERHEAD);

/// The block allocation table, read lazily by page.
pub(crate) struct Bat {
    source: Arc<dyn ReadAt>,
    /// Absolute file offset of the table.
    offset: u64,
    /// Entries in the table (MaxTableEntries, checked against the file at open).
    entries: u64,
    cache: ByteCache<u64, Arc<Vec<u32>>>,
}

impl Bat {
    /// A table of `entries` entries at `offset`; the caller has checked it lies inside the file.
    pub(crate) fn new(source: Arc<dyn ReadAt>, offset: u64, entries: u64) -> Self {
        Bat {
            source,
            offset,
            entries,
            cache: ByteCache::new(BAT_CACHE_BUDGET),
        }
    }

    /// File offset of entry `index`.
    pub(crate) fn entry_offset(&self, index: u64) -> u64 {
        self.offset
            .saturating_add(index.saturating_mul(BAT_ENTRY_SIZE))
    }

    /// Entry `index` (a sector number, or [`UNALLOCATED`]).
    pub(crate) fn entry(&self, index: u64) -> Result<u32, ReadError> {
        if index >= self.entries {
            return Err(ReadError::Corrupt {
                structure: "VHD BAT",
                offset: self.offset,
                message: format!(
                    "block {index} is beyond the table's {} entries",
                    self.entries
                ),
            });
        }
        let page_no = index / BAT_PAGE_ENTRIES;
        let in_page = usize::try_from(index % BAT_PAGE_ENTRIES).unwrap_or(0);
        let page = match self.cache.get(&page_no) {
            Some(p) => p,
            None => {
                let page = Arc::new(self.read_page(page_no)?);
                let bytes = (page.len() as u64).saturating_mul(BAT_ENTRY_SIZE);
                self.cache.insert(page_no, Arc::clone(&page), bytes);
                page
            }
        };
        page.get(in_page)
            .copied()
            .ok_or_else(|| ReadError::Corrupt {
                structure: "VHD BAT",
                offset: self.entry_offset(index),
                message: format!("entry {index} is missing from its page"),
            })
    }

    fn read_page(&self, page_no: u64) -> Result<Vec<u32>, ReadError> {
        let first = page_no.saturating_mul(BAT_PAGE_ENTRIES);
        let count = self.entries.saturating_sub(first).min(BAT_PAGE_ENTRIES);
        // count <= BAT_PAGE_ENTRIES, so the buffer is at most 4 KiB.
        let mut raw = vec![0u8; usize::try_from(count * BAT_ENTRY_SIZE).unwrap_or(0)];
        self.source.read_at(self.entry_offset(first), &mut raw)?;
        Ok(raw
            .chunks_exact(4)
            .filter_map(|c| <[u8; 4]>::try_from(c).ok())
            .map(u32::from_be_bytes)
            .collect())
    }
}

/// How the virtual disk maps onto the file.
enum Layout {
    /// Virtual offset = file offset, for `size` bytes.
    Fixed,
    /// Blocks through the BAT.
    Sparse(Sparse),
}

struct Sparse {
    bat: Bat,
    block_size: u64,
    /// Sector bitmap bytes before each block's data (a multiple of 512).
    bitmap_len: u64,
    /// Where clear bitmap bits and unallocated blocks read from: `None` reads zeros.
    parent: Option<Arc<dyn ReadAt>>,
}

/// A VHD's virtual disk: `read_at` translates virtual offsets to the file (and the parent).
pub struct VhdDisk {
    source: Arc<dyn ReadAt>,
    size: u64,
    layout: Layout,
}

impl std::fmt::Debug for VhdDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VhdDisk")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl VhdDisk {
    /// A fixed disk: the first `size` bytes of `source` (checked by the caller to lie before the
    /// footer).
    pub(crate) fn fixed(source: Arc<dyn ReadAt>, size: u64) -> Self {
        VhdDisk {
            source,
            size,
            layout: Layout::Fixed,
        }
    }

    /// A dynamic (`parent` = `None`) or differencing disk of `size` bytes.
    pub(crate) fn sparse(
        source: Arc<dyn ReadAt>,
        size: u64,
        bat: Bat,
        block_size: u32,
        parent: Option<Arc<dyn ReadAt>>,
    ) -> Self {
        let block_size = u64::from(block_size);
        VhdDisk {
            source,
            size,
            layout: Layout::Sparse(Sparse {
                bat,
                block_size,
                bitmap_len: bitmap_len(block_size),
                parent,
            }),
        }
    }
}

/// Bytes of sector bitmap before a block of `block_size` data bytes: one bit per sector,
/// rounded up to a whole sector (VHD spec, "Block Allocation Table and Data Blocks").
pub fn bitmap_len(block_size: u64) -> u64 {
    let bytes = (block_size / SECTOR).div_ceil(8);
    bytes.div_ceil(SECTOR).saturating_mul(SECTOR)
}

fn check_bounds(offset: u64, len: usize, size: u64) -> Result<(), ReadError> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(ReadError::OutOfBounds {
            offset,
            len: len as u64,
            size,
        }),
    }
}

impl ReadAt for VhdDisk {
    fn len(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.size)?;
        match &self.layout {
            Layout::Fixed => self.source.read_at(offset, buf),
            Layout::Sparse(sparse) => sparse.read(&*self.source, offset, buf),
        }
    }

    /// Lends file bytes in place when the file is memory-mapped: the data of a fixed disk, or of
    /// an allocated block whose sector bitmap marks every sector asked for.
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let room = usize::try_from(self.size.checked_sub(offset)?).unwrap_or(usize::MAX);
        let max_len = max_len.min(room);
        match &self.layout {
            Layout::Fixed => self.source.borrow_at(offset, max_len),
            Layout::Sparse(sparse) => sparse.borrow(&*self.source, offset, max_len),
        }
    }
}

impl Sparse {
    /// Reads `buf` at virtual `offset` (in bounds), block by block.
    fn read(&self, file: &dyn ReadAt, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let mut pos = offset;
        let mut rest = buf;
        // Each step consumes at least one byte up to a block boundary: bounded by buf's blocks.
        while !rest.is_empty() {
            let block = pos / self.block_size;
            let in_block = pos % self.block_size;
            let room = self.block_size - in_block;
            let n = usize::try_from(room).map_or(rest.len(), |r| r.min(rest.len()));
            let (chunk, tail) = std::mem::take(&mut rest).split_at_mut(n);
            self.read_in_block(file, block, in_block, pos, chunk)?;
            rest = tail;
            pos += n as u64;
        }
        Ok(())
    }

    /// The file bytes of virtual `offset..`, up to the block's end and `max_len`, when the
    /// block is allocated and its bitmap marks every sector of that range present.
    fn borrow<'a>(&self, file: &'a dyn ReadAt, offset: u64, max_len: usize) -> Option<&'a [u8]> {
        let block = offset / self.block_size;
        let in_block = offset % self.block_size;
        let entry = self.bat.entry(block).ok()?;
        let n = usize::try_from(self.block_size - in_block).map_or(max_len, |r| r.min(max_len));
        if entry == UNALLOCATED {
            // No parent: an unallocated block reads as zeros, lent without a copy.
            return match self.parent {
                None => crate::read::lend_zeros(n),
                Some(_) => None,
            };
        }
        let block_start = u64::from(entry) * SECTOR;
        let data_start = block_start.checked_add(self.bitmap_len)?;
        if data_start.checked_add(self.block_size)? > file.len() {
            return None;
        }
        let first_sector = in_block / SECTOR;
        let end_sector = (in_block + n as u64).div_ceil(SECTOR);
        let first_byte = first_sector / 8;
        let end_byte = end_sector.div_ceil(8);
        // At most bitmap_len (<= 64 KiB) bytes.
        let mut bitmap = vec![0u8; usize::try_from(end_byte - first_byte).ok()?];
        file.read_at(block_start + first_byte, &mut bitmap).ok()?;
        let all_present = (first_sector..end_sector).all(|sector| {
            let idx = usize::try_from(sector / 8 - first_byte).unwrap_or(usize::MAX);
            bitmap
                .get(idx)
                .is_some_and(|b| b & (0x80 >> (sector % 8)) != 0)
        });
        if !all_present {
            return None;
        }
        file.borrow_at(data_start + in_block, n)
    }

    /// Fills `out` from the parent, or with zeros.
    fn read_absent(&self, pos: u64, out: &mut [u8]) -> Result<(), ReadError> {
        match &self.parent {
            Some(parent) => parent.read_at(pos, out),
            None => {
                out.fill(0);
                Ok(())
            }
        }
    }

    fn read_in_block(
        &self,
        file: &dyn ReadAt,
        block: u64,
        in_block: u64,
        pos: u64,
        out: &mut [u8],
    ) -> Result<(), ReadError> {
        let entry = self.bat.entry(block)?;
        if entry == UNALLOCATED {
            return self.read_absent(pos, out);
        }
        let entry_offset = self.bat.entry_offset(block);
        let corrupt = |message: String| ReadError::Corrupt {
            structure: "VHD BAT entry",
            offset: entry_offset,
            message,
        };
        let block_start = u64::from(entry) * SECTOR;
        let data_start = block_start + self.bitmap_len;
        // The block's bitmap and the bytes asked for must lie inside the file.
        let needed_end = data_start
            .checked_add(in_block)
            .and_then(|o| o.checked_add(out.len() as u64));
        match needed_end {
            Some(end) if end <= file.len() => {}
            _ => {
                return Err(corrupt(format!(
                    "block {block} at sector {entry} (file offset {block_start:#x}) lies past the \
                     end of the {:#x}-byte file",
                    file.len()
                )))
            }
        }
        // Sector bitmap bytes covering the sectors asked for.
        let first_sector = in_block / SECTOR;
        let end_sector = (in_block + out.len() as u64).div_ceil(SECTOR);
        let first_byte = first_sector / 8;
        let end_byte = end_sector.div_ceil(8);
        // end_byte - first_byte <= bitmap_len <= 64 KiB (MAX_BLOCK_SIZE / 512 / 8).
        let mut bitmap = vec![0u8; usize::try_from(end_byte - first_byte).unwrap_or(0)];
        file.read_at(block_start + first_byte, &mut bitmap)?;
        let bit = |sector: u64| -> bool {
            let idx = usize::try_from(sector / 8 - first_byte).unwrap_or(usize::MAX);
            bitmap
                .get(idx)
                .is_some_and(|b| b & (0x80 >> (sector % 8)) != 0)
        };
        // Runs of equal bits, each read in one go.
        let mut sector = first_sector;
        let mut done = 0usize;
        while sector < end_sector && done < out.len() {
            let present = bit(sector);
            let mut run_end = sector + 1;
            while run_end < end_sector && bit(run_end) == present {
                run_end += 1;
            }
            // Byte range of this run inside `out`.
            let run_end_byte = (run_end * SECTOR).saturating_sub(in_block);
            let upto = usize::try_from(run_end_byte).map_or(out.len(), |e| e.min(out.len()));
            let part = out
                .get_mut(done..upto)
                .ok_or_else(|| corrupt("internal range error".into()))?;
            let here = in_block + done as u64;
            if present {
                file.read_at(data_start + here, part)?;
            } else {
                self.read_absent(pos + done as u64, part)?;
            }
            done = upto;
            sector = run_end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_lengths() {
        assert_eq!(bitmap_len(2 << 20), 512);
        assert_eq!(bitmap_len(4096), 512);
        assert_eq!(bitmap_len(256 << 20), 65536);
    }

    #[test]
    fn bat_pages_and_bounds() {
        let mut file = vec![0u8; 8192];
        for i in 0..2000u32 {
            file[i as usize * 4..i as usize * 4 + 4].copy_from_slice(&i.to_be_bytes());
        }
        let bat = Bat::new(Arc::new(file), 0, 2000);
        assert_eq!(bat.entry(0).unwrap(), 0);
        assert_eq!(bat.entry(1500).unwrap(), 1500);
        assert_eq!(bat.entry(1999).unwrap(), 1999);
        assert!(matches!(bat.entry(2000), Err(ReadError::Corrupt { .. })));
    }
}
