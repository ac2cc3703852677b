//! The virtual disk of a VHDX: virtual offset → BAT entry → file offset, parent or zeros.

use std::sync::Arc;

use crate::read::{check_bounds, ReadError};
use crate::ReadAt;

use super::bat::{
    Bat, BatEntry, PAYLOAD_BLOCK_FULLY_PRESENT, PAYLOAD_BLOCK_NOT_PRESENT,
    PAYLOAD_BLOCK_PARTIALLY_PRESENT, PAYLOAD_BLOCK_UNDEFINED, PAYLOAD_BLOCK_UNMAPPED,
    PAYLOAD_BLOCK_ZERO, SB_BLOCK_PRESENT, SECTOR_BITMAP_BLOCK,
};
use super::MIB;

/// The virtual disk of a VHDX (MS-VHDX 2.5), read through its BAT.
///
/// Reads take `&self` and may span blocks; differencing disks read what they do not hold from
/// their parent, sector by sector as the chunk's sector bitmap says.
pub struct VhdxDisk {
    bat: Bat,
    parent: Option<Arc<dyn ReadAt>>,
}

impl std::fmt::Debug for VhdxDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VhdxDisk")
            .field("geometry", &self.bat.geo)
            .field("has_parent", &self.parent.is_some())
            .finish_non_exhaustive()
    }
}

fn corrupt(e: BatEntry, message: String) -> ReadError {
    ReadError::Corrupt {
        structure: "VHDX BAT entry",
        offset: e.offset,
        message,
    }
}

impl VhdxDisk {
    pub(crate) fn new(bat: Bat, parent: Option<Arc<dyn ReadAt>>) -> Self {
        VhdxDisk { bat, parent }
    }

    /// Reads from the file at `e`'s block plus `in_block`, checking the block lies in the file.
    /// The whole block (its part inside the virtual disk) must lie in the file, so a truncated
    /// block fails the same way whichever part of it is read.
    fn read_present(
        &self,
        block: u64,
        e: BatEntry,
        in_block: u64,
        dst: &mut [u8],
    ) -> Result<(), ReadError> {
        let base = e.file_offset();
        if base < MIB {
            return Err(corrupt(
                e,
                format!(
                    "present block at file offset {base:#x} lies in the header section (entry \
                     {:#018x})",
                    e.raw
                ),
            ));
        }
        let file_len = self.bat.src().len();
        let block_end = base.checked_add(self.bat.block_span(block));
        let at = base.checked_add(in_block);
        let end = at.and_then(|a| a.checked_add(dst.len() as u64));
        match (at, end, block_end) {
            (Some(at), Some(end), Some(block_end)) if end <= block_end && block_end <= file_len => {
                self.bat.src().read_at(at, dst)
            }
            _ => Err(corrupt(
                e,
                format!(
                    "payload block {block} at file offset {base:#x} ({} bytes) lies past the end \
                     of the {file_len}-byte file",
                    self.bat.block_span(block)
                ),
            )),
        }
    }

    fn read_parent(&self, pos: u64, dst: &mut [u8]) -> Result<(), ReadError> {
        match &self.parent {
            Some(p) => p.read_at(pos, dst),
            None => {
                dst.fill(0);
                Ok(())
            }
        }
    }

    /// Reads `dst` at virtual `pos`, all inside payload block `block`.
    fn read_block(&self, block: u64, pos: u64, dst: &mut [u8]) -> Result<(), ReadError> {
        let geo = &self.bat.geo;
        let in_block = pos - block * geo.block_size;
        let e = self.bat.payload(block)?;
        match e.state() {
            PAYLOAD_BLOCK_FULLY_PRESENT => self.read_present(block, e, in_block, dst),
            PAYLOAD_BLOCK_NOT_PRESENT if geo.differencing => self.read_parent(pos, dst),
            PAYLOAD_BLOCK_NOT_PRESENT
            | PAYLOAD_BLOCK_UNDEFINED
            | PAYLOAD_BLOCK_ZERO
            | PAYLOAD_BLOCK_UNMAPPED => {
                dst.fill(0);
                Ok(())
            }
            PAYLOAD_BLOCK_PARTIALLY_PRESENT if geo.differencing => {
                self.read_partial(block, e, pos, in_block, dst)
            }
            s => Err(corrupt(
                e,
                format!(
                    "payload block {block} has state {s}, invalid {}",
                    if geo.differencing {
                        "in any disk"
                    } else {
                        "outside a differencing disk"
                    }
                ),
            )),
        }
    }

    /// A PARTIALLY_PRESENT block: runs of sectors from this file (bit 1) or the parent (bit 0).
    fn read_partial(
        &self,
        block: u64,
        e: BatEntry,
        pos: u64,
        in_block: u64,
        dst: &mut [u8],
    ) -> Result<(), ReadError> {
        let geo = &self.bat.geo;
        let chunk = block / geo.chunk_ratio;
        let sb = self.bat.bitmap(chunk)?;
        if sb.state() != SB_BLOCK_PRESENT || sb.file_offset() < MIB {
            return Err(ReadError::Corrupt {
                structure: "VHDX sector bitmap BAT entry",
                offset: sb.offset,
                message: format!(
                    "payload block {block} is partially present but its chunk's sector bitmap \
                     entry {:#018x} is not a present block",
                    sb.raw
                ),
            });
        }
        let ss = geo.sector_size;
        let chunk_start = chunk * geo.chunk_ratio * geo.block_size;
        let end = pos + dst.len() as u64;
        let first_sector = (pos - chunk_start) / ss;
        let last_sector = (end - 1 - chunk_start) / ss;
        let byte0 = first_sector / 8;
        let byte1 = last_sector / 8 + 1;
        // Bounded: one block of at most 256 MiB has at most 2^19 sectors, 64 KiB of bitmap.
        let mut bits = vec![0u8; (byte1 - byte0) as usize];
        let bm_at = sb.file_offset() + byte0;
        let bm_end = bm_at.checked_add(bits.len() as u64);
        if byte1 > SECTOR_BITMAP_BLOCK || bm_end.is_none_or(|x| x > self.bat.src().len()) {
            return Err(ReadError::Corrupt {
                structure: "VHDX sector bitmap BAT entry",
                offset: sb.offset,
                message: format!(
                    "sector bitmap at {:#x} lies past the end of the file",
                    sb.file_offset()
                ),
            });
        }
        self.bat.src().read_at(bm_at, &mut bits)?;
        let bit = |sector: u64| -> bool {
            let i = sector - byte0 * 8;
            bits.get((i / 8) as usize)
                .is_some_and(|b| b >> (i % 8) & 1 == 1)
        };
        let mut s = first_sector;
        // Bounded: each run advances `s` by at least one sector, up to last_sector.
        while s <= last_sector {
            let here = bit(s);
            let mut t = s + 1;
            while t <= last_sector && bit(t) == here {
                t += 1;
            }
            let run_start = (chunk_start + s * ss).max(pos);
            let run_end = (chunk_start + t * ss).min(end);
            let a = (run_start - pos) as usize;
            let b = (run_end - pos) as usize;
            if let Some(part) = dst.get_mut(a..b) {
                if here {
                    self.read_present(block, e, in_block + a as u64, part)?;
                } else {
                    self.read_parent(run_start, part)?;
                }
            }
            s = t;
        }
        Ok(())
    }
}

impl ReadAt for VhdxDisk {
    fn len(&self) -> u64 {
        self.bat.geo.virtual_size
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len())?;
        let bs = self.bat.geo.block_size;
        let mut done = 0usize;
        // Bounded: each step reads at least one byte.
        while done < buf.len() {
            let pos = offset + done as u64;
            let block = pos / bs;
            let room = bs - pos % bs;
            let n = (buf.len() - done).min(usize::try_from(room).unwrap_or(usize::MAX));
            let Some(dst) = buf.get_mut(done..done + n) else {
                break;
            };
            self.read_block(block, pos, dst)?;
            done += n;
        }
        Ok(())
    }

    /// Lends the bytes of a FULLY_PRESENT block when the file is memory-mapped; anything else
    /// (absent, zero, partial, corrupt) goes through `read_at`.
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let bs = self.bat.geo.block_size;
        let block = offset / bs;
        let in_block = offset % bs;
        let span = self.bat.block_span(block);
        if in_block >= span {
            return None;
        }
        let e = self.bat.payload(block).ok()?;
        let room = usize::try_from(span - in_block).map_or(max_len, |r| r.min(max_len));
        match e.state() {
            PAYLOAD_BLOCK_FULLY_PRESENT => {}
            PAYLOAD_BLOCK_ZERO | PAYLOAD_BLOCK_UNMAPPED => return crate::read::lend_zeros(room),
            PAYLOAD_BLOCK_NOT_PRESENT if !self.bat.geo.differencing => {
                return crate::read::lend_zeros(room)
            }
            _ => return None,
        }
        if e.file_offset() < MIB {
            return None;
        }
        let base = e.file_offset();
        if base.checked_add(span)? > self.bat.src().len() {
            return None;
        }
        let n = usize::try_from(span - in_block).map_or(max_len, |r| r.min(max_len));
        self.bat.src().borrow_at(base + in_block, n)
    }
}
