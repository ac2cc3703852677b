//! VHDX (MS-VHDX): fixed, dynamic and differencing disks, with log replay into memory.
//!
//! ```text
//!  file ──► header (file identifier, two headers) ──► current header
//!    │                                                   │ LogGuid ≠ 0
//!    └──────────────► log::LogOverlay (replay in memory) ◄┘
//!                          │  everything below reads through the overlay
//!                          ├─► region_table (BAT + metadata regions)
//!                          ├─► metadata (block size, sizes, parent locator)
//!                          └─► bat (lazy, cached) ──► disk::VhdxDisk: ReadAt
//! ```
//!
//! Nothing is ever written to the file: a dirty log is applied to an in-memory overlay.

use std::sync::Arc;

use crate::read::ReadError;
use crate::Guid;
use crate::{
    Container, ContainerError, ContainerInfo, DiskType, Format, ParentInfo, ParentLocator,
    ParentOpener, ReadAt, Result,
};

mod bat;
mod disk;
mod header;
mod log;
mod metadata;
mod region_table;

pub use disk::VhdxDisk;

/// File type identifier signature at offset 0 (MS-VHDX 2.2.1).
pub const FILE_SIGNATURE: &[u8; 8] = b"vhdxfile";

/// One mebibyte: the alignment of regions, the log and payload blocks (MS-VHDX 2.1).
pub(crate) const MIB: u64 = 1 << 20;

/// How much of the BAT [`open`] asks an HTTP source to fetch ahead (one remote page).
const BAT_PREFETCH: u64 = 64 << 10;

/// Opens a VHDX.
///
/// Reads the file identifier and both headers from `source`, replays a dirty log into memory,
/// then reads the region table, metadata and (lazily) the BAT through the replayed view. A
/// differencing disk's parent is opened with `parents` and checked against the child's
/// `parent_linkage` and virtual size.
pub fn open(source: Arc<dyn ReadAt>, parents: &mut dyn ParentOpener) -> Result<Container> {
    let file_size = source.len();
    let mut diagnostics = Vec::new();

    let creator = header::read_file_identifier(&*source)?;
    let current = header::read_headers(&*source, &mut diagnostics)?;

    // Everything after the headers is read through the (possibly replayed) view of the file.
    let mut log_replayed = false;
    let view: Arc<dyn ReadAt> = match log::replay(&source, &current, &mut diagnostics)? {
        Some(overlay) => {
            log_replayed = true;
            Arc::new(overlay)
        }
        None => Arc::clone(&source),
    };

    let regions = region_table::read_regions(&*view, &mut diagnostics)?;
    // The BAT's location is known from the region table: over HTTP its first page is fetched
    // while the metadata (a dependent pair of reads) is parsed, saving a round trip; a local
    // file ignores the hint.
    let (meta, ()) = rayon::join(
        || metadata::read_metadata(&*view, &regions.metadata, &mut diagnostics),
        || view.prefetch(regions.bat.offset, regions.bat.length.min(BAT_PREFETCH)),
    );
    let meta = meta?;
    let geometry = bat::Geometry::new(&meta, &regions.bat, view.len())?;
    let bat = bat::Bat::new(Arc::clone(&view), geometry);
    bat.scan_small(&mut diagnostics);

    let disk_type = if meta.has_parent {
        DiskType::Differencing
    } else if meta.leave_blocks_allocated {
        DiskType::Fixed
    } else {
        DiskType::Dynamic
    };

    let mut parent_info = None;
    let mut parent = None;
    if meta.has_parent {
        let loc = meta
            .parent_locator
            .as_ref()
            .ok_or(ContainerError::Invalid {
                structure: "VHDX metadata table",
                offset: regions.metadata.offset,
                message: "HasParent is set but there is no parent locator".into(),
            })?;
        let locators: Vec<ParentLocator> = loc.path_locators();
        let p = parents.open_parent(&locators)?;
        let p_path = p
            .path()
            .map(|x| x.display().to_string())
            .unwrap_or_else(|| "<parent>".into());
        let pinfo = p.info();
        let matches = pinfo
            .identity
            .is_some_and(|id| Some(id) == loc.linkage || Some(id) == loc.linkage2);
        if !matches {
            return Err(ContainerError::ParentMismatch {
                path: p_path,
                message: format!(
                    "the child's parent_linkage is {}{} but the parent's identity (DataWriteGuid) \
                     is {}",
                    loc.linkage.map(|g| format!("{g:?}")).unwrap_or_default(),
                    loc.linkage2
                        .map(|g| format!(" (parent_linkage2 {g:?})"))
                        .unwrap_or_default(),
                    pinfo
                        .identity
                        .map(|g| format!("{g:?}"))
                        .unwrap_or_else(|| "absent".into()),
                ),
            });
        }
        if pinfo.virtual_size != meta.virtual_size {
            return Err(ContainerError::ParentMismatch {
                path: p_path,
                message: format!(
                    "the parent's virtual size is {} bytes but the child's is {}",
                    pinfo.virtual_size, meta.virtual_size
                ),
            });
        }
        parent_info = Some(ParentInfo {
            path: p.path().map(|x| x.to_path_buf()).unwrap_or_default(),
            format: pinfo.format,
        });
        parent = Some(p);
    }

    let disk = VhdxDisk::new(
        bat,
        parent.as_ref().map(|p| Arc::clone(p) as Arc<dyn ReadAt>),
    );
    let info = ContainerInfo {
        format: Format::Vhdx,
        disk_type,
        virtual_size: meta.virtual_size,
        logical_sector_size: meta.logical_sector_size,
        physical_sector_size: meta.physical_sector_size,
        block_size: Some(meta.block_size),
        file_size,
        parent: parent_info,
        log_replayed,
        identity: Some(current.data_write_guid),
        creator: Some(creator).filter(|c| !c.is_empty()),
        chs_size: None,
        diagnostics,
    };
    Ok(Container::new(info, Arc::new(disk), parent))
}

/// Reads `buf.len()` bytes of `structure` at `offset`; a read past the end is `Truncated`.
pub(crate) fn read_struct(
    src: &dyn ReadAt,
    offset: u64,
    buf: &mut [u8],
    structure: &'static str,
) -> Result<()> {
    match src.read_at(offset, buf) {
        Ok(()) => Ok(()),
        Err(ReadError::OutOfBounds { .. }) => Err(ContainerError::Truncated {
            structure,
            offset,
            needed: buf.len() as u64,
            file_size: src.len(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Checks a structure that starts with a 4-byte signature and a CRC-32C at offset 4 (headers,
/// region tables): the signature first, then the checksum.
pub(crate) fn check_signed(
    buf: &[u8],
    offset: u64,
    structure: &'static str,
    signature: &'static str,
) -> Result<()> {
    let f = crate::bytes::Fields::new(buf, structure, offset);
    let sig: [u8; 4] = f.array(0)?;
    if sig != signature.as_bytes() {
        return Err(ContainerError::InvalidSignature {
            structure,
            offset,
            expected: signature,
            actual: crate::bytes::lossy(&sig),
        });
    }
    let stored = f.le_u32(4)?;
    let computed = checksum(buf, 4);
    if stored != computed {
        return Err(ContainerError::ChecksumMismatch {
            structure,
            offset,
            expected: computed,
            actual: stored,
        });
    }
    Ok(())
}

/// CRC-32C of `buf` with the 4-byte checksum field at `at` taken as zero (MS-VHDX 2.2.2).
pub(crate) fn checksum(buf: &[u8], at: usize) -> u32 {
    let head = buf.get(..at).unwrap_or(buf);
    let tail = at
        .checked_add(4)
        .and_then(|end| buf.get(end..))
        .unwrap_or(&[]);
    let crc = crc32c::crc32c(head);
    let crc = crc32c::crc32c_append(crc, &[0u8; 4]);
    crc32c::crc32c_append(crc, tail)
}

/// A GUID constant from its textual parts (`d1-d2-d3-d4[0..2]-d4[2..8]`), stored MS-DTYP style.
pub(crate) const fn guid(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Guid {
    let a = d1.to_le_bytes();
    let b = d2.to_le_bytes();
    let c = d3.to_le_bytes();
    Guid([
        a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4], d4[5],
        d4[6], d4[7],
    ])
}
