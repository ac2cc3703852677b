//! VHD (Virtual PC / Hyper-V VHD v1): fixed, dynamic and differencing disks.
//!
//! Reference: Microsoft "Virtual Hard Disk Image Format Specification" v1.0 (2006).
//!
//! - [`footer`]: the 512-byte footer (`conectix`) at the end, copied at offset 0 in dynamic and
//!   differencing disks.
//! - [`dynamic_header`]: the `cxsparse` header with the BAT location, block size and parent
//!   locators.
//! - [`disk`]: [`disk::VhdDisk`], the virtual disk read through the BAT.
//!
//! # Choices
//! - The virtual size is the footer's **CurrentSize**, as Hyper-V presents it. The CHS geometry's
//!   size goes to [`ContainerInfo::chs_size`]; when it differs, diagnostic `vhdChsSizeMismatch`
//!   (qemu uses the CHS size for some creators).
//! - The end footer is authoritative. When its checksum is wrong, a dynamic or differencing disk
//!   uses the copy at offset 0 if that is valid (diagnostic `vhdFooterChecksum`). A **fixed** disk
//!   with a bad footer checksum is still read (diagnostic `vhdFooterChecksum`): its data is plain
//!   bytes and the sizes are checked against the file; Azure would reject the upload, and later
//!   rules report that from the diagnostic.
//! - A missing or unrecognised end footer is tolerated when the copy at 0 is a valid dynamic or
//!   differencing footer (diagnostic `vhdFooterMissing`). A legacy 511-byte footer is read
//!   (diagnostic `vhdFooterLegacy511`).

pub mod disk;
pub mod dynamic_header;
pub mod footer;

use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::read::ReadAt;
use crate::{
    Container, ContainerError, ContainerInfo, DiskType, Format, ParentInfo, ParentLocator,
    ParentOpener, Result,
};
use disk::{Bat, VhdDisk, BAT_ENTRY_SIZE, SECTOR};
use dynamic_header::VhdDynamicHeader;
use footer::{VhdDiskType, VhdFooter, FOOTER_COOKIE, FOOTER_SIZE, LEGACY_FOOTER_SIZE};

/// Largest virtual size read: 64 TiB, the VHDX maximum. The VHD spec caps dynamic disks near
/// 2040 GiB; Azure accepts fixed VHDs up to 32 TiB.
pub const MAX_VIRTUAL_SIZE: u64 = 64 << 40;
/// Most BAT entries accepted: 2^24 (a 64 MiB table, 32 TiB at 2 MiB blocks). Far above what a
/// 2040 GiB VHD needs (1 Mi entries at 2 MiB blocks); the table is read lazily regardless.
pub const MAX_BAT_ENTRIES: u64 = 1 << 24;
/// Longest parent locator read: 64 KiB holds any Windows path (32767 UTF-16 units).
pub const MAX_LOCATOR_LEN: u32 = 64 << 10;

/// Platform codes of parent locators vhdlint reads (VHD spec, "Parent Locator Entries"), in the
/// order they are tried: relative before absolute, UTF-16 before the deprecated ASCII forms.
const LOCATOR_ORDER: [&[u8; 4]; 4] = [b"W2ru", b"Wi2r", b"W2ku", b"Wi2k"];

/// True when `source` carries a VHD footer (end, legacy 511-byte end, or the copy at 0).
pub fn probe(source: &dyn ReadAt) -> Result<bool> {
    let len = source.len();
    for size in [FOOTER_SIZE, LEGACY_FOOTER_SIZE] {
        if let Some(at) = len.checked_sub(size as u64) {
            let cookie: [u8; 8] = crate::read::read_array(source, at)?;
            if &cookie == FOOTER_COOKIE {
                return Ok(stray_footer(source)? != Some(at));
            }
        }
    }
    // A dynamic or differencing disk whose end footer is damaged still has its copy at 0.
    if len >= FOOTER_SIZE as u64 {
        if let Ok(copy) = VhdFooter::read(source, 0, FOOTER_SIZE) {
            return Ok(matches!(
                copy.disk_type(),
                Some(VhdDiskType::Dynamic | VhdDiskType::Differencing)
            ));
        }
    }
    Ok(false)
}

/// The offset of a `conectix` footer at the end of `source` that cannot describe it: a valid
/// fixed-disk footer whose CurrentSize is not the length of the data before it. Such a file (a
/// disk or volume carved out of a VHD, say) is raw data with a stale footer, not a VHD.
pub fn stray_footer(source: &dyn ReadAt) -> Result<Option<u64>> {
    let len = source.len();
    for size in [FOOTER_SIZE, LEGACY_FOOTER_SIZE] {
        let Some(at) = len.checked_sub(size as u64) else {
            continue;
        };
        let cookie: [u8; 8] = crate::read::read_array(source, at)?;
        if &cookie != FOOTER_COOKIE {
            continue;
        }
        if let Ok(f) = VhdFooter::read(source, at, size) {
            if f.disk_type() == Some(VhdDiskType::Fixed)
                && f.checksum_valid()
                && f.current_size != at
            {
                return Ok(Some(at));
            }
        }
        return Ok(None);
    }
    Ok(None)
}

/// The end footer or its stand-in, and where the file's data ends.
struct Located {
    footer: VhdFooter,
    /// Offset of the end footer (the end of data for a fixed disk).
    end: u64,
}

/// Finds the footer to use: the end footer (512 or 511 bytes), or the copy at 0.
fn locate_footer(source: &dyn ReadAt, diags: &mut Vec<Diagnostic>) -> Result<Located> {
    let len = source.len();
    let mut end_footer = None;
    let mut first_err = None;
    for size in [FOOTER_SIZE, LEGACY_FOOTER_SIZE] {
        let Some(at) = len.checked_sub(size as u64) else {
            continue;
        };
        match VhdFooter::read(source, at, size) {
            Ok(f) => {
                if size == LEGACY_FOOTER_SIZE {
                    diags.push(Diagnostic::at(
                        "vhdFooterLegacy511",
                        at,
                        "the footer is 511 bytes (written by a pre-2004 tool), not 512",
                    ));
                }
                end_footer = Some(f);
                break;
            }
            Err(e @ ContainerError::InvalidSignature { .. }) => {
                first_err.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    let copy = if len >= FOOTER_SIZE as u64 {
        VhdFooter::read(source, 0, FOOTER_SIZE)
            .ok()
            .filter(|f| f.checksum_valid())
            .filter(|f| {
                matches!(
                    f.disk_type(),
                    Some(VhdDiskType::Dynamic | VhdDiskType::Differencing)
                )
            })
    } else {
        None
    };
    let end_at = len.saturating_sub(FOOTER_SIZE as u64);
    let Some(end_footer) = end_footer else {
        return match copy {
            Some(footer) => {
                diags.push(Diagnostic::at(
                    "vhdFooterMissing",
                    end_at,
                    "no footer at the end of the file; using the copy at offset 0",
                ));
                Ok(Located {
                    footer,
                    end: end_at,
                })
            }
            None => Err(first_err.unwrap_or(ContainerError::Truncated {
                structure: "VHD footer",
                offset: 0,
                needed: FOOTER_SIZE as u64,
                file_size: len,
            })),
        };
    };
    let end = end_footer.offset;
    if !end_footer.checksum_valid() {
        let message = format!(
            "footer checksum {:#010x}, expected {:#010x}",
            end_footer.checksum, end_footer.computed_checksum
        );
        if let Some(footer) = copy {
            diags.push(Diagnostic::at(
                "vhdFooterChecksum",
                end,
                format!("{message}; using the valid copy at offset 0"),
            ));
            return Ok(Located { footer, end });
        }
        if end_footer.disk_type() == Some(VhdDiskType::Fixed) {
            diags.push(Diagnostic::at(
                "vhdFooterChecksum",
                end,
                format!("{message}; fixed disk read anyway (Azure rejects such a VHD)"),
            ));
            return Ok(Located {
                footer: end_footer,
                end,
            });
        }
        return Err(end_footer.checksum_error());
    }
    if matches!(
        end_footer.disk_type(),
        Some(VhdDiskType::Dynamic | VhdDiskType::Differencing)
    ) {
        match &copy {
            Some(c) if c.same_bytes(&end_footer) => {}
            Some(_) => diags.push(Diagnostic::at(
                "vhdFooterCopyMismatch",
                0,
                "the footer copy at offset 0 differs from the footer at the end",
            )),
            None => diags.push(Diagnostic::at(
                "vhdFooterCopyMismatch",
                0,
                "no valid footer copy at offset 0 (dynamic and differencing disks keep one)",
            )),
        }
    }
    Ok(Located {
        footer: end_footer,
        end,
    })
}

/// Opens a VHD.
pub fn open(source: Arc<dyn ReadAt>, parents: &mut dyn ParentOpener) -> Result<Container> {
    let file_size = source.len();
    let mut diagnostics = Vec::new();
    let Located { footer, end } = locate_footer(&*source, &mut diagnostics)?;
    let foff = footer.offset;
    if footer.version >> 16 != 1 {
        return Err(ContainerError::Unsupported {
            structure: "VHD footer",
            offset: foff,
            message: format!("file format version {:#010x}", footer.version),
        });
    }
    if footer.features & footer::FEATURE_RESERVED == 0 {
        diagnostics.push(Diagnostic::at(
            "vhdFooterFeatures",
            foff,
            format!(
                "features {:#010x} lack the reserved bit 0x2 the spec requires",
                footer.features
            ),
        ));
    }
    let Some(disk_type) = footer.disk_type() else {
        return Err(ContainerError::Unsupported {
            structure: "VHD footer",
            offset: foff,
            message: format!(
                "disk type {} (only 2 fixed, 3 dynamic, 4 differencing are disks)",
                footer.disk_type_raw
            ),
        });
    };
    let size = footer.current_size;
    if size > MAX_VIRTUAL_SIZE {
        return Err(ContainerError::TooLarge {
            structure: "VHD footer",
            offset: foff,
            what: "CurrentSize",
            value: size,
            limit: MAX_VIRTUAL_SIZE,
        });
    }
    if size % SECTOR != 0 {
        return Err(ContainerError::Invalid {
            structure: "VHD footer",
            offset: foff,
            message: format!("CurrentSize {size} is not a multiple of 512"),
        });
    }
    let chs_size = footer.chs_size();
    if chs_size != size {
        diagnostics.push(Diagnostic::at(
            "vhdChsSizeMismatch",
            foff,
            format!(
                "CurrentSize is {size} bytes but the CHS geometry {}/{}/{} gives {chs_size} bytes; \
                 vhdlint (like Hyper-V) uses CurrentSize, some tools use the CHS size",
                footer.cylinders, footer.heads, footer.sectors_per_track
            ),
        ));
    }
    let mut info = ContainerInfo {
        format: Format::Vhd,
        disk_type: DiskType::Fixed,
        virtual_size: size,
        logical_sector_size: 512,
        physical_sector_size: 512,
        block_size: None,
        file_size,
        parent: None,
        log_replayed: false,
        identity: Some(footer.unique_id),
        creator: Some(footer.creator()),
        chs_size: Some(chs_size),
        diagnostics,
    };
    match disk_type {
        VhdDiskType::Fixed => {
            if size > end {
                // Data and footer: CurrentSize bytes, then the footer found at `end`.
                return Err(ContainerError::Truncated {
                    structure: "VHD fixed disk data",
                    offset: 0,
                    needed: size.saturating_add(file_size.saturating_sub(end)),
                    file_size,
                });
            }
            let disk = VhdDisk::fixed(Arc::clone(&source), size);
            Ok(Container::new(info, Arc::new(disk), None))
        }
        VhdDiskType::Dynamic | VhdDiskType::Differencing => {
            let header = VhdDynamicHeader::read(&*source, footer.data_offset)?;
            let bat = open_bat(&source, &header, size)?;
            info.block_size = Some(header.block_size);
            let mut parent = None;
            if disk_type == VhdDiskType::Differencing {
                info.disk_type = DiskType::Differencing;
                let p = open_parent(&*source, &header, size, parents, &mut info.diagnostics)?;
                info.parent = Some(ParentInfo {
                    path: p.path().map(|p| p.to_path_buf()).unwrap_or_default(),
                    format: p.info().format,
                });
                parent = Some(p);
            } else {
                info.disk_type = DiskType::Dynamic;
            }
            let parent_disk = parent.clone().map(|p| p as Arc<dyn ReadAt>);
            let disk = VhdDisk::sparse(
                Arc::clone(&source),
                size,
                bat,
                header.block_size,
                parent_disk,
            );
            Ok(Container::new(info, Arc::new(disk), parent))
        }
    }
}

/// Checks the BAT's size against the limits, the disk and the file.
fn open_bat(source: &Arc<dyn ReadAt>, header: &VhdDynamicHeader, size: u64) -> Result<Bat> {
    let entries = u64::from(header.max_table_entries);
    if entries > MAX_BAT_ENTRIES {
        return Err(ContainerError::TooLarge {
            structure: "VHD dynamic header",
            offset: header.offset,
            what: "MaxTableEntries",
            value: entries,
            limit: MAX_BAT_ENTRIES,
        });
    }
    let needed = size.div_ceil(u64::from(header.block_size));
    if needed > entries {
        return Err(ContainerError::Invalid {
            structure: "VHD dynamic header",
            offset: header.offset,
            message: format!(
                "MaxTableEntries {entries} cannot cover CurrentSize {size} at block size {} \
                 ({needed} blocks needed)",
                header.block_size
            ),
        });
    }
    let bat_len = entries * BAT_ENTRY_SIZE;
    let file_size = source.len();
    let fits = header
        .table_offset
        .checked_add(bat_len)
        .is_some_and(|e| e <= file_size);
    if !fits {
        return Err(ContainerError::Truncated {
            structure: "VHD BAT",
            offset: header.table_offset,
            needed: bat_len,
            file_size,
        });
    }
    Ok(Bat::new(Arc::clone(source), header.table_offset, entries))
}

/// Decodes the parent locators, in the order they are tried.
fn parent_locators(
    source: &dyn ReadAt,
    header: &VhdDynamicHeader,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ParentLocator> {
    let mut out = Vec::new();
    for code in LOCATOR_ORDER {
        for (i, loc) in header.locators.iter().enumerate() {
            if &loc.platform_code != code {
                continue;
            }
            let key = crate::bytes::lossy(code);
            let entry_at = header.offset + 576 + 24 * i as u64;
            let bad = |why: String| {
                Diagnostic::at(
                    "vhdParentLocatorInvalid",
                    entry_at,
                    format!("parent locator {i} ({key}): {why}; skipped"),
                )
            };
            if loc.data_length == 0 || loc.data_length > MAX_LOCATOR_LEN {
                diags.push(bad(format!(
                    "data length {} outside 1..={MAX_LOCATOR_LEN}",
                    loc.data_length
                )));
                continue;
            }
            let len = u64::from(loc.data_length);
            if loc
                .data_offset
                .checked_add(len)
                .is_none_or(|e| e > source.len())
            {
                diags.push(bad(format!(
                    "data at {:#x} ({len} bytes) lies past the end of the file",
                    loc.data_offset
                )));
                continue;
            }
            // data_length <= MAX_LOCATOR_LEN (64 KiB).
            let mut raw = vec![0u8; usize::try_from(len).unwrap_or(0)];
            if let Err(e) = source.read_at(loc.data_offset, &mut raw) {
                diags.push(bad(e.to_string()));
                continue;
            }
            let path = if code.starts_with(b"W2") {
                crate::bytes::utf16le(&raw)
            } else {
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).into_owned()
            };
            let path = path.trim().to_string();
            if path.is_empty() {
                diags.push(bad("empty path".into()));
                continue;
            }
            out.push(ParentLocator { key, path });
        }
    }
    if out.is_empty() && !header.parent_unicode_name.trim().is_empty() {
        out.push(ParentLocator {
            key: "relative_path".into(),
            path: header.parent_unicode_name.trim().to_string(),
        });
    }
    out
}

/// Finds the parent of a differencing disk and checks it is the disk this child was made from.
fn open_parent(
    source: &dyn ReadAt,
    header: &VhdDynamicHeader,
    size: u64,
    parents: &mut dyn ParentOpener,
    diags: &mut Vec<Diagnostic>,
) -> Result<Arc<Container>> {
    let locators = parent_locators(source, header, diags);
    let parent = parents.open_parent(&locators)?;
    let path = || {
        parent
            .path()
            .map_or_else(|| "<in-memory parent>".into(), |p| p.display().to_string())
    };
    let want = header.parent_unique_id;
    if parent.info().identity != Some(want) {
        let got = parent
            .info()
            .identity
            .map_or_else(|| "none".to_string(), |g| g.to_string());
        return Err(ContainerError::ParentMismatch {
            path: path(),
            message: format!(
                "the child's ParentUniqueId is {want} but the parent's identity is {got}"
            ),
        });
    }
    let parent_size = parent.info().virtual_size;
    if parent_size != size {
        return Err(ContainerError::ParentMismatch {
            path: path(),
            message: format!(
                "the parent's virtual size is {parent_size} bytes, the child's {size} bytes"
            ),
        });
    }
    Ok(parent)
}
