//! The region table (MS-VHDX 2.2.3): where the BAT and metadata regions are.

use crate::bytes::Fields;
use crate::diag::Diagnostic;
use crate::{ContainerError, Guid, ReadAt, Result};

use super::{guid, read_struct, MIB};

/// Offsets of region table 1 and its copy, region table 2 (MS-VHDX 2.2.3).
pub(crate) const REGION_TABLE_OFFSETS: [u64; 2] = [192 << 10, 256 << 10];

/// Size of a region table, all covered by its checksum (MS-VHDX 2.2.3.1).
const REGION_TABLE_SIZE: usize = 64 << 10;

/// Most entries a region table may hold (MS-VHDX 2.2.3.1: EntryCount ≤ 2047).
pub const MAX_REGION_ENTRIES: u32 = 2047;

/// BAT region GUID 2DC27766-F623-4200-9D64-115E9BFD4A08 (MS-VHDX 2.2.3.2), on-disk bytes.
pub(crate) const BAT_REGION: Guid = guid(
    0x2DC27766,
    0xF623,
    0x4200,
    [0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08],
);

/// Metadata region GUID 8B7CA206-4790-4B9A-B8FE-575F050F886E (MS-VHDX 2.2.3.2), on-disk bytes.
pub(crate) const METADATA_REGION: Guid = guid(
    0x8B7CA206,
    0x4790,
    0x4B9A,
    [0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E],
);

/// Diagnostic code: one region table copy is invalid or differs from the one used.
pub(crate) const DIAG_REGION_TABLE_INVALID: &str = "vhdxRegionTableInvalid";

/// A region of the file (MS-VHDX 2.2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    /// FileOffset: a multiple of 1 MiB, at least 1 MiB.
    pub offset: u64,
    /// Length: a multiple of 1 MiB.
    pub length: u64,
}

/// The regions vhdlint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Regions {
    /// The BAT region.
    pub bat: Region,
    /// The metadata region.
    pub metadata: Region,
}

/// Parses and validates one region table from its 64 KiB.
fn parse_table(buf: &[u8], offset: u64) -> Result<Regions> {
    const S: &str = "VHDX region table";
    super::check_signed(buf, offset, S, "regi")?;
    let f = Fields::new(buf, S, offset);
    let count = f.le_u32(8)?;
    if count > MAX_REGION_ENTRIES {
        return Err(ContainerError::TooLarge {
            structure: S,
            offset,
            what: "region table entry count",
            value: count.into(),
            limit: MAX_REGION_ENTRIES.into(),
        });
    }
    let mut bat = None;
    let mut metadata = None;
    let mut seen: Vec<(Guid, Region, u64)> = Vec::new();
    for i in 0..count as usize {
        let at = 16 + i * 32;
        let entry_offset = offset + at as u64;
        let guid = Guid(f.array(at)?);
        let region = Region {
            offset: f.le_u64(at + 16)?,
            length: u64::from(f.le_u32(at + 24)?),
        };
        let required = f.le_u32(at + 28)? & 1 != 0;
        let invalid = |message: String| ContainerError::Invalid {
            structure: "VHDX region table entry",
            offset: entry_offset,
            message,
        };
        if region.offset % MIB != 0 || region.offset < MIB || region.length % MIB != 0 {
            return Err(invalid(format!(
                "region {guid:?} at {:#x}, length {:#x}: offset and length must be 1 MiB multiples \
                 and the offset at least 1 MiB",
                region.offset, region.length
            )));
        }
        let Some(end) = region.offset.checked_add(region.length) else {
            return Err(invalid(format!("region {guid:?} ends past 2^64 bytes")));
        };
        for (g, r, _) in &seen {
            if *g == guid {
                return Err(invalid(format!("region {guid:?} is listed twice")));
            }
            if region.length > 0
                && r.length > 0
                && region.offset < r.offset + r.length
                && r.offset < end
            {
                return Err(invalid(format!(
                    "region {guid:?} at {:#x} overlaps region {g:?} at {:#x}",
                    region.offset, r.offset
                )));
            }
        }
        seen.push((guid, region, entry_offset));
        if guid == BAT_REGION {
            bat = Some(region);
        } else if guid == METADATA_REGION {
            metadata = Some(region);
        } else if required {
            return Err(ContainerError::Unsupported {
                structure: "VHDX region table entry",
                offset: entry_offset,
                message: format!("unknown region {guid:?} is marked required"),
            });
        }
    }
    let missing = |what: &str| ContainerError::Invalid {
        structure: S,
        offset,
        message: format!("no {what} region"),
    };
    Ok(Regions {
        bat: bat.ok_or_else(|| missing("BAT"))?,
        metadata: metadata.ok_or_else(|| missing("metadata"))?,
    })
}

/// Reads both region tables and uses the first valid one; a bad or different second copy is
/// a diagnostic, two bad copies are the first copy's error.
pub(crate) fn read_regions(src: &dyn ReadAt, diags: &mut Vec<Diagnostic>) -> Result<Regions> {
    let mut results = Vec::with_capacity(2);
    for offset in REGION_TABLE_OFFSETS {
        let mut buf = vec![0u8; REGION_TABLE_SIZE];
        results.push(
            read_struct(src, offset, &mut buf, "VHDX region table")
                .and_then(|()| parse_table(&buf, offset)),
        );
    }
    let mut it = results.into_iter();
    let (Some(first), Some(second)) = (it.next(), it.next()) else {
        return Err(ContainerError::Invalid {
            structure: "VHDX region table",
            offset: REGION_TABLE_OFFSETS[0],
            message: "region tables unreadable".into(),
        });
    };
    let [off1, off2] = REGION_TABLE_OFFSETS;
    match (first, second) {
        (Ok(a), Ok(b)) => {
            if a != b {
                diags.push(Diagnostic::at(
                    DIAG_REGION_TABLE_INVALID,
                    off2,
                    "region table 2 differs from region table 1; table 1 used",
                ));
            }
            Ok(a)
        }
        (Ok(a), Err(e)) => {
            diags.push(Diagnostic::at(
                DIAG_REGION_TABLE_INVALID,
                off2,
                format!("region table 2 is invalid ({e}); table 1 used"),
            ));
            Ok(a)
        }
        (Err(e), Ok(b)) => {
            diags.push(Diagnostic::at(
                DIAG_REGION_TABLE_INVALID,
                off1,
                format!("region table 1 is invalid ({e}); table 2 used"),
            ));
            Ok(b)
        }
        (Err(e), Err(_)) => Err(e),
    }
}
