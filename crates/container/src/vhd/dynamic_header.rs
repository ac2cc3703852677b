//! The VHD dynamic disk header (VHD spec, "Dynamic Disk Header Format"): 1024 big-endian bytes
//! at the footer's DataOffset in dynamic and differencing disks. On-disk cookie: `cxsparse`.

use super::footer::vhd_checksum;
use crate::bytes::{utf16be, Fields};
use crate::guid::Guid;
use crate::read::ReadAt;
use crate::{ContainerError, Result};

/// Size of the dynamic disk header.
pub const HEADER_SIZE: usize = 1024;
/// The header cookie (VHD spec, "Cookie").
pub const HEADER_COOKIE: &[u8; 8] = b"cxsparse";
/// Header version 1.0 (VHD spec, "Header Version").
pub const HEADER_VERSION: u32 = 0x0001_0000;
/// Number of parent locator entries (VHD spec, "Parent Locator Entries": 8 × 24 bytes).
pub const LOCATOR_COUNT: usize = 8;
/// Smallest block size read: one full sector-bitmap byte (8 sectors). The spec only asks for a
/// power of two; every known writer uses 512 KiB or 2 MiB.
pub const MIN_BLOCK_SIZE: u32 = 512 * 8;
/// Largest block size read: 256 MiB (a 64 KiB sector bitmap), the VHDX maximum. The spec's
/// default is 2 MiB; larger blocks are not produced by any known tool.
pub const MAX_BLOCK_SIZE: u32 = 256 << 20;

const STRUCTURE: &str = "VHD dynamic header";

/// Field offsets within the header (VHD spec, "Dynamic Disk Header Format" table).
mod at {
    pub const TABLE_OFFSET: usize = 16;
    pub const HEADER_VERSION: usize = 24;
    pub const MAX_TABLE_ENTRIES: usize = 28;
    pub const BLOCK_SIZE: usize = 32;
    pub const CHECKSUM: usize = 36;
    pub const PARENT_UNIQUE_ID: usize = 40;
    pub const PARENT_TIMESTAMP: usize = 56;
    pub const PARENT_UNICODE_NAME: usize = 64;
    pub const PARENT_UNICODE_NAME_LEN: usize = 512;
    pub const LOCATORS: usize = 576;
    pub const LOCATOR_SIZE: usize = 24;
}

/// One parent locator entry (VHD spec, "Parent Locator Entries").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VhdParentLocatorEntry {
    /// Platform code (`W2ru`, `W2ku`, `Wi2r`, `Wi2k`, `Mac `, `MacX`; 0 = unused).
    pub platform_code: [u8; 4],
    /// Space reserved for the locator (sectors per the spec; Windows writes bytes).
    pub data_space: u32,
    /// Length of the locator data in bytes.
    pub data_length: u32,
    /// Absolute file offset of the locator data.
    pub data_offset: u64,
}

/// A dynamic disk header as stored, cookie, version and checksum checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhdDynamicHeader {
    /// Where it was read, in the container file.
    pub offset: u64,
    /// Absolute offset of the block allocation table.
    pub table_offset: u64,
    /// Number of BAT entries.
    pub max_table_entries: u32,
    /// Bytes of data per block (the sector bitmap not included).
    pub block_size: u32,
    /// Checksum as stored.
    pub checksum: u32,
    /// The parent's footer UniqueId (differencing disks).
    pub parent_unique_id: Guid,
    /// The parent's modification time (seconds since 2000-01-01 UTC).
    pub parent_timestamp: u32,
    /// The parent's file name (UTF-16BE in the file).
    pub parent_unicode_name: String,
    /// The eight parent locator entries.
    pub locators: [VhdParentLocatorEntry; LOCATOR_COUNT],
}

impl VhdDynamicHeader {
    /// Reads and validates the header at `offset` (cookie, checksum, version, block size).
    pub fn read(source: &dyn ReadAt, offset: u64) -> Result<Self> {
        let file_size = source.len();
        let fits = offset
            .checked_add(HEADER_SIZE as u64)
            .is_some_and(|end| end <= file_size);
        if !fits {
            return Err(ContainerError::Truncated {
                structure: STRUCTURE,
                offset,
                needed: HEADER_SIZE as u64,
                file_size,
            });
        }
        let mut raw = [0u8; HEADER_SIZE];
        source.read_at(offset, &mut raw)?;
        Self::parse(&raw, offset)
    }

    /// Parses and validates a header already read.
    pub fn parse(raw: &[u8; HEADER_SIZE], offset: u64) -> Result<Self> {
        let f = Fields::new(raw, STRUCTURE, offset);
        let cookie: [u8; 8] = f.array(0)?;
        if &cookie != HEADER_COOKIE {
            return Err(ContainerError::InvalidSignature {
                structure: STRUCTURE,
                offset,
                expected: "cxsparse",
                actual: crate::bytes::lossy(&cookie),
            });
        }
        let checksum = f.be_u32(at::CHECKSUM)?;
        let computed = vhd_checksum(raw, at::CHECKSUM);
        if checksum != computed {
            return Err(ContainerError::ChecksumMismatch {
                structure: STRUCTURE,
                offset,
                expected: computed,
                actual: checksum,
            });
        }
        let version = f.be_u32(at::HEADER_VERSION)?;
        if version != HEADER_VERSION {
            return Err(ContainerError::Unsupported {
                structure: STRUCTURE,
                offset,
                message: format!("header version {version:#010x} (only 0x00010000 is defined)"),
            });
        }
        let block_size = f.be_u32(at::BLOCK_SIZE)?;
        if !block_size.is_power_of_two() {
            return Err(ContainerError::Invalid {
                structure: STRUCTURE,
                offset,
                message: format!("block size {block_size} is not a power of two"),
            });
        }
        if !(MIN_BLOCK_SIZE..=MAX_BLOCK_SIZE).contains(&block_size) {
            return Err(ContainerError::Unsupported {
                structure: STRUCTURE,
                offset,
                message: format!(
                    "block size {block_size} outside {MIN_BLOCK_SIZE}..={MAX_BLOCK_SIZE}"
                ),
            });
        }
        let mut locators = [VhdParentLocatorEntry::default(); LOCATOR_COUNT];
        for (i, loc) in locators.iter_mut().enumerate() {
            let base = at::LOCATORS + i * at::LOCATOR_SIZE;
            *loc = VhdParentLocatorEntry {
                platform_code: f.array(base)?,
                data_space: f.be_u32(base + 4)?,
                data_length: f.be_u32(base + 8)?,
                data_offset: f.be_u64(base + 16)?,
            };
        }
        Ok(VhdDynamicHeader {
            offset,
            table_offset: f.be_u64(at::TABLE_OFFSET)?,
            max_table_entries: f.be_u32(at::MAX_TABLE_ENTRIES)?,
            block_size,
            checksum,
            parent_unique_id: Guid(f.array(at::PARENT_UNIQUE_ID)?),
            parent_timestamp: f.be_u32(at::PARENT_TIMESTAMP)?,
            parent_unicode_name: utf16be(
                f.slice(at::PARENT_UNICODE_NAME, at::PARENT_UNICODE_NAME_LEN)?,
            ),
            locators,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[..8].copy_from_slice(HEADER_COOKIE);
        b[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        b[16..24].copy_from_slice(&1536u64.to_be_bytes());
        b[24..28].copy_from_slice(&HEADER_VERSION.to_be_bytes());
        b[28..32].copy_from_slice(&5u32.to_be_bytes());
        b[32..36].copy_from_slice(&(2u32 << 20).to_be_bytes());
        b[64..68].copy_from_slice(&[0, b'p', 0, b'a']);
        b[576..580].copy_from_slice(b"W2ru");
        b[584..588].copy_from_slice(&20u32.to_be_bytes());
        b[592..600].copy_from_slice(&4096u64.to_be_bytes());
        let c = vhd_checksum(&b, 36);
        b[36..40].copy_from_slice(&c.to_be_bytes());
        b
    }

    fn reseal(b: &mut [u8; HEADER_SIZE]) {
        b[36..40].fill(0);
        let c = vhd_checksum(b, 36);
        b[36..40].copy_from_slice(&c.to_be_bytes());
    }

    #[test]
    fn parses_fields() {
        let h = VhdDynamicHeader::parse(&sample(), 512).unwrap();
        assert_eq!(h.table_offset, 1536);
        assert_eq!(h.max_table_entries, 5);
        assert_eq!(h.block_size, 2 << 20);
        assert_eq!(h.parent_unicode_name, "pa");
        assert_eq!(&h.locators[0].platform_code, b"W2ru");
        assert_eq!(h.locators[0].data_length, 20);
        assert_eq!(h.locators[0].data_offset, 4096);
    }

    #[test]
    fn each_error_variant() {
        let mut b = sample();
        b[0] = b'X';
        assert!(matches!(
            VhdDynamicHeader::parse(&b, 512),
            Err(ContainerError::InvalidSignature { offset: 512, .. })
        ));
        let mut b = sample();
        b[100] ^= 0x40;
        assert!(matches!(
            VhdDynamicHeader::parse(&b, 512),
            Err(ContainerError::ChecksumMismatch { offset: 512, .. })
        ));
        for (bs, bad_pow2) in [
            (0u32, true),
            (3 << 20, true),
            (512, false),
            (1 << 31, false),
        ] {
            let mut b = sample();
            b[32..36].copy_from_slice(&bs.to_be_bytes());
            reseal(&mut b);
            let r = VhdDynamicHeader::parse(&b, 512);
            if bad_pow2 {
                assert!(
                    matches!(r, Err(ContainerError::Invalid { offset: 512, .. })),
                    "{bs}"
                );
            } else {
                assert!(
                    matches!(r, Err(ContainerError::Unsupported { offset: 512, .. })),
                    "{bs}"
                );
            }
        }
        let mut b = sample();
        b[24..28].copy_from_slice(&0x0002_0000u32.to_be_bytes());
        reseal(&mut b);
        assert!(matches!(
            VhdDynamicHeader::parse(&b, 512),
            Err(ContainerError::Unsupported { offset: 512, .. })
        ));
        let short = vec![0u8; 1000];
        assert!(matches!(
            VhdDynamicHeader::read(&short, 512),
            Err(ContainerError::Truncated {
                offset: 512,
                needed: 1024,
                file_size: 1000,
                ..
            })
        ));
    }
}
