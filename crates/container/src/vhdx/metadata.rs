//! The metadata region (MS-VHDX 2.6): table of items, the system items, the parent locator.

use crate::bytes::{lossy, utf16le, Fields};
use crate::diag::Diagnostic;
use crate::{ContainerError, Guid, ParentLocator, ReadAt, Result};

use super::region_table::Region;
use super::{guid, read_struct};

/// Size of the metadata table at the start of the metadata region (MS-VHDX 2.6.1).
const TABLE_SIZE: usize = 64 << 10;

/// Most entries the metadata table may hold (MS-VHDX 2.6.1.1: EntryCount ≤ 2047).
pub const MAX_METADATA_ENTRIES: u16 = 2047;

/// Largest metadata item read (MS-VHDX 2.6.1.2: Length ≤ 1 MiB).
pub const MAX_METADATA_ITEM_LENGTH: u32 = 1 << 20;

/// Largest virtual disk (MS-VHDX 2.6.2.2: VirtualDiskSize ≤ 64 TiB).
pub const MAX_VIRTUAL_DISK_SIZE: u64 = 64 << 40;

/// Smallest and largest block sizes (MS-VHDX 2.6.2.1: 1 MiB ..= 256 MiB, a power of two).
const BLOCK_SIZE_RANGE: std::ops::RangeInclusive<u32> = (1 << 20)..=(256 << 20);

/// File Parameters item CAA16737-FA36-4D43-B3B6-33F0AA44E76B (MS-VHDX 2.6.2.1).
const FILE_PARAMETERS: Guid = guid(
    0xCAA16737,
    0xFA36,
    0x4D43,
    [0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B],
);
/// Virtual Disk Size item 2FA54224-CD1B-4876-B211-5DBED83BF4B8 (MS-VHDX 2.6.2.2).
const VIRTUAL_DISK_SIZE: Guid = guid(
    0x2FA54224,
    0xCD1B,
    0x4876,
    [0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8],
);
/// Page 83 Data item BECA12AB-B2E6-4523-93EF-C309E000C746 (MS-VHDX 2.6.2.3).
const PAGE83_DATA: Guid = guid(
    0xBECA12AB,
    0xB2E6,
    0x4523,
    [0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46],
);
/// Logical Sector Size item 8141BF1D-A96F-4709-BA47-F233A8FAAB5F (MS-VHDX 2.6.2.4).
const LOGICAL_SECTOR_SIZE: Guid = guid(
    0x8141BF1D,
    0xA96F,
    0x4709,
    [0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F],
);
/// Physical Sector Size item CDA348C7-445D-4471-9CC9-E9885251C556 (MS-VHDX 2.6.2.5).
const PHYSICAL_SECTOR_SIZE: Guid = guid(
    0xCDA348C7,
    0x445D,
    0x4471,
    [0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56],
);
/// Parent Locator item A8D35F2D-B30B-454D-ABF7-D3D84834AB0C (MS-VHDX 2.6.2.6).
const PARENT_LOCATOR: Guid = guid(
    0xA8D35F2D,
    0xB30B,
    0x454D,
    [0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34, 0xAB, 0x0C],
);
/// VHDX parent locator type B04AEFB7-D19E-4A81-B789-25B8E9445913 (MS-VHDX 2.6.2.6.3).
const VHDX_LOCATOR_TYPE: Guid = guid(
    0xB04AEFB7,
    0xD19E,
    0x4A81,
    [0xB7, 0x89, 0x25, 0xB8, 0xE9, 0x44, 0x59, 0x13],
);

/// The parent locator keys that hold paths, in the order they are tried.
const PATH_KEYS: [&str; 3] = ["relative_path", "volume_path", "absolute_win32_path"];

/// A parent locator item (MS-VHDX 2.6.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VhdxParentLocator {
    /// `parent_linkage`: the parent's DataWriteGuid.
    pub linkage: Option<Guid>,
    /// `parent_linkage2`: an alternative accepted DataWriteGuid.
    pub linkage2: Option<Guid>,
    /// All key/value pairs, as stored.
    pub entries: Vec<(String, String)>,
}

impl VhdxParentLocator {
    /// The path entries, relative first, as [`ParentLocator`]s.
    pub fn path_locators(&self) -> Vec<ParentLocator> {
        PATH_KEYS
            .iter()
            .flat_map(|key| {
                self.entries
                    .iter()
                    .filter(move |(k, v)| k == key && !v.is_empty())
                    .map(|(k, v)| ParentLocator {
                        key: k.clone(),
                        path: v.clone(),
                    })
            })
            .collect()
    }
}

/// The metadata vhdlint needs (MS-VHDX 2.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metadata {
    /// BlockSize: a power of two, 1 MiB ..= 256 MiB.
    pub block_size: u32,
    /// LeaveBlocksAllocated: a fixed disk.
    pub leave_blocks_allocated: bool,
    /// HasParent: a differencing disk.
    pub has_parent: bool,
    /// VirtualDiskSize in bytes.
    pub virtual_size: u64,
    /// LogicalSectorSize: 512 or 4096.
    pub logical_sector_size: u32,
    /// PhysicalSectorSize: 512 or 4096.
    pub physical_sector_size: u32,
    /// The parent locator of a differencing disk.
    pub parent_locator: Option<VhdxParentLocator>,
}

/// One metadata table entry (MS-VHDX 2.6.1.2).
struct Item {
    id: Guid,
    /// Absolute offset in the file.
    file_offset: u64,
    length: u32,
    entry_offset: u64,
}

/// Reads the metadata table and its system items.
pub(crate) fn read_metadata(
    src: &dyn ReadAt,
    region: &Region,
    _diags: &mut Vec<Diagnostic>,
) -> Result<Metadata> {
    const S: &str = "VHDX metadata table";
    let offset = region.offset;
    if region.length < TABLE_SIZE as u64 {
        return Err(ContainerError::Invalid {
            structure: S,
            offset,
            message: format!(
                "metadata region length {:#x} cannot hold the 64 KiB table",
                region.length
            ),
        });
    }
    let mut buf = vec![0u8; TABLE_SIZE];
    read_struct(src, offset, &mut buf, S)?;
    let f = Fields::new(&buf, S, offset);
    let sig: [u8; 8] = f.array(0)?;
    if &sig != b"metadata" {
        return Err(ContainerError::InvalidSignature {
            structure: S,
            offset,
            expected: "metadata",
            actual: lossy(&sig),
        });
    }
    let count = f.le_u16(10)?;
    if count > MAX_METADATA_ENTRIES {
        return Err(ContainerError::TooLarge {
            structure: S,
            offset,
            what: "metadata entry count",
            value: count.into(),
            limit: MAX_METADATA_ENTRIES.into(),
        });
    }
    let mut items: Vec<Item> = Vec::new();
    let mut seen: Vec<(Guid, bool)> = Vec::new();
    for i in 0..usize::from(count) {
        let at = 32 + i * 32;
        let entry_offset = offset + at as u64;
        let id = Guid(f.array(at)?);
        let item_offset = f.le_u32(at + 16)?;
        let length = f.le_u32(at + 20)?;
        let flags = f.le_u32(at + 24)?;
        let is_user = flags & 1 != 0;
        let is_required = flags & 4 != 0;
        let invalid = |message: String| ContainerError::Invalid {
            structure: "VHDX metadata table entry",
            offset: entry_offset,
            message,
        };
        if seen.contains(&(id, is_user)) {
            return Err(invalid(format!("item {id:?} is listed twice")));
        }
        seen.push((id, is_user));
        if length > 0
            && (u64::from(item_offset) < TABLE_SIZE as u64
                || u64::from(item_offset) + u64::from(length) > region.length)
        {
            return Err(invalid(format!(
                "item {id:?} at {item_offset:#x}, length {length:#x} lies outside the metadata \
                 region's item area (64 KiB..{:#x})",
                region.length
            )));
        }
        let known = !is_user
            && [
                FILE_PARAMETERS,
                VIRTUAL_DISK_SIZE,
                PAGE83_DATA,
                LOGICAL_SECTOR_SIZE,
                PHYSICAL_SECTOR_SIZE,
                PARENT_LOCATOR,
            ]
            .contains(&id);
        if !known {
            if is_required {
                return Err(ContainerError::Unsupported {
                    structure: "VHDX metadata table entry",
                    offset: entry_offset,
                    message: format!(
                        "unknown {} metadata item {id:?} is marked required",
                        if is_user { "user" } else { "system" }
                    ),
                });
            }
            continue;
        }
        items.push(Item {
            id,
            file_offset: offset + u64::from(item_offset),
            length,
            entry_offset,
        });
    }

    let find = |id: Guid| items.iter().find(|it| it.id == id);
    let read_item =
        |id: Guid, name: &'static str, min_len: u32| -> Result<Option<(Vec<u8>, u64)>> {
            let Some(it) = find(id) else {
                return Ok(None);
            };
            if it.length < min_len || it.length > MAX_METADATA_ITEM_LENGTH {
                return Err(ContainerError::Invalid {
                    structure: "VHDX metadata table entry",
                    offset: it.entry_offset,
                    message: format!(
                        "{name} item is {} bytes, expected {min_len}..={MAX_METADATA_ITEM_LENGTH}",
                        it.length
                    ),
                });
            }
            // Cannot truncate: length <= MAX_METADATA_ITEM_LENGTH.
            let mut data = vec![0u8; it.length as usize];
            read_struct(src, it.file_offset, &mut data, name)?;
            Ok(Some((data, it.file_offset)))
        };
    let required = |v: Option<(Vec<u8>, u64)>, name: &str| {
        v.ok_or_else(|| ContainerError::Invalid {
            structure: S,
            offset,
            message: format!("required item {name} is missing"),
        })
    };

    let (fp, fp_off) = required(
        read_item(FILE_PARAMETERS, "VHDX File Parameters", 8)?,
        "File Parameters",
    )?;
    let fpf = Fields::new(&fp, "VHDX File Parameters", fp_off);
    let block_size = fpf.le_u32(0)?;
    let fp_flags = fpf.le_u32(4)?;
    if !BLOCK_SIZE_RANGE.contains(&block_size) || !block_size.is_power_of_two() {
        return Err(ContainerError::Invalid {
            structure: "VHDX File Parameters",
            offset: fp_off,
            message: format!(
                "BlockSize {block_size:#x} is not a power of two between 1 MiB and 256 MiB"
            ),
        });
    }

    let (ls, ls_off) = required(
        read_item(LOGICAL_SECTOR_SIZE, "VHDX Logical Sector Size", 4)?,
        "Logical Sector Size",
    )?;
    let lsf = Fields::new(&ls, "VHDX Logical Sector Size", ls_off);
    let logical_sector_size = lsf.le_u32(0)?;
    check_sector_size(logical_sector_size, "VHDX Logical Sector Size", ls_off)?;
    let (ps, ps_off) = required(
        read_item(PHYSICAL_SECTOR_SIZE, "VHDX Physical Sector Size", 4)?,
        "Physical Sector Size",
    )?;
    let psf = Fields::new(&ps, "VHDX Physical Sector Size", ps_off);
    let physical_sector_size = psf.le_u32(0)?;
    check_sector_size(physical_sector_size, "VHDX Physical Sector Size", ps_off)?;

    let (vs, vs_off) = required(
        read_item(VIRTUAL_DISK_SIZE, "VHDX Virtual Disk Size", 8)?,
        "Virtual Disk Size",
    )?;
    let vsf = Fields::new(&vs, "VHDX Virtual Disk Size", vs_off);
    let virtual_size = vsf.le_u64(0)?;
    if virtual_size > MAX_VIRTUAL_DISK_SIZE {
        return Err(ContainerError::TooLarge {
            structure: "VHDX Virtual Disk Size",
            offset: vs_off,
            what: "virtual disk size",
            value: virtual_size,
            limit: MAX_VIRTUAL_DISK_SIZE,
        });
    }
    if virtual_size % u64::from(logical_sector_size) != 0 {
        return Err(ContainerError::Invalid {
            structure: "VHDX Virtual Disk Size",
            offset: vs_off,
            message: format!(
                "VirtualDiskSize {virtual_size} is not a multiple of the logical sector size \
                 {logical_sector_size}"
            ),
        });
    }

    let has_parent = fp_flags & 2 != 0;
    let parent_locator = if has_parent {
        match read_item(PARENT_LOCATOR, "VHDX parent locator", 20)? {
            Some((data, off)) => Some(parse_parent_locator(&data, off)?),
            None => {
                return Err(ContainerError::Invalid {
                    structure: S,
                    offset,
                    message: "HasParent is set but the Parent Locator item is missing".into(),
                })
            }
        }
    } else {
        None
    };

    Ok(Metadata {
        block_size,
        leave_blocks_allocated: fp_flags & 1 != 0,
        has_parent,
        virtual_size,
        logical_sector_size,
        physical_sector_size,
        parent_locator,
    })
}

fn check_sector_size(v: u32, structure: &'static str, offset: u64) -> Result<()> {
    if v == 512 || v == 4096 {
        Ok(())
    } else {
        Err(ContainerError::Invalid {
            structure,
            offset,
            message: format!("sector size {v} is neither 512 nor 4096"),
        })
    }
}

/// Parses a parent locator item (MS-VHDX 2.6.2.6) read at file offset `offset`.
fn parse_parent_locator(data: &[u8], offset: u64) -> Result<VhdxParentLocator> {
    const S: &str = "VHDX parent locator";
    let d = Fields::new(data, S, offset);
    let invalid = |message: String| ContainerError::Invalid {
        structure: S,
        offset,
        message,
    };
    let kind = Guid(d.array(0)?);
    if kind != VHDX_LOCATOR_TYPE {
        return Err(ContainerError::Unsupported {
            structure: S,
            offset,
            message: format!("locator type {kind:?} is not the VHDX parent locator type"),
        });
    }
    let count = usize::from(d.le_u16(18)?);
    // Bounded: each entry takes 12 bytes of an item of at most MAX_METADATA_ITEM_LENGTH.
    if 20 + count * 12 > data.len() {
        return Err(invalid(format!(
            "{count} key/value entries do not fit in the {}-byte item",
            data.len()
        )));
    }
    let field = |off: u32, len: u16, what: &str, i: usize| -> Result<String> {
        let (o, l) = (off as usize, usize::from(len));
        if o.checked_add(l).is_none_or(|e| e > data.len()) || l % 2 != 0 {
            return Err(invalid(format!(
                "entry {i}: {what} at {o:#x}, {l} bytes lies outside the item"
            )));
        }
        Ok(utf16le(d.slice(o, l)?))
    };
    // Budget: the strings decoded are at most the item's bytes after its entry table. Keys and
    // values that overlap (65,535 entries naming one 64 KiB string) would otherwise decode
    // gigabytes from a 1 MiB item (issue 12: aliasing is not new data).
    let room = data.len() - (20 + count * 12);
    let mut strings = 0usize;
    for i in 0..count {
        let at = 20 + i * 12;
        strings += usize::from(d.le_u16(at + 8)?) + usize::from(d.le_u16(at + 10)?);
    }
    if strings > room {
        return Err(invalid(format!(
            "its {count} keys and values take {strings} bytes but the item holds {room} \
             after its entry table: entries overlap"
        )));
    }
    let mut entries = Vec::with_capacity(count);
    // Duplicate keys found by set, not by scanning the entries so far (issue 12: quadratic).
    let mut keys = std::collections::HashSet::with_capacity(count);
    for i in 0..count {
        let at = 20 + i * 12;
        let key = field(d.le_u32(at)?, d.le_u16(at + 8)?, "key", i)?;
        let value = field(d.le_u32(at + 4)?, d.le_u16(at + 10)?, "value", i)?;
        if !keys.insert(key.clone()) {
            return Err(invalid(format!("key {key:?} is listed twice")));
        }
        entries.push((key, value));
    }
    let linkage = |key: &str| -> Result<Option<Guid>> {
        match entries.iter().find(|(k, _)| k == key) {
            None => Ok(None),
            Some((_, v)) => Guid::parse(v)
                .map(Some)
                .ok_or_else(|| invalid(format!("{key} {v:?} is not a GUID"))),
        }
    };
    let l1 = linkage("parent_linkage")?;
    let l2 = linkage("parent_linkage2")?.filter(|g| !g.is_zero());
    if l1.is_none() {
        return Err(invalid("the parent_linkage key is missing".into()));
    }
    Ok(VhdxParentLocator {
        linkage: l1,
        linkage2: l2,
        entries,
    })
}
