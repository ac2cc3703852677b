//! The regf base block (msuhanov "Windows registry file format specification", §Base block):
//! the first 4096 bytes of a primary file, the first 512 of a transaction log.

use vhdlint_container::bytes::{lossy, utf16le, Fields};

use crate::error::{RegistryError, Result};

/// Length of a primary file's base block; the hive bins start right after it (spec §Base block).
pub const BASE_BLOCK_LEN: u64 = 4096;
/// Length of a transaction log's base block (the checksummed part of a primary's; spec §Base block).
pub const LOG_BASE_BLOCK_LEN: u64 = 512;
/// Hive bins are aligned to and sized in multiples of 4096 bytes (spec §Hive bin).
pub const HBIN_ALIGNMENT: u64 = 4096;

/// File type of a primary file (spec §Base block, offset 28).
pub const FILE_TYPE_PRIMARY: u32 = 0;
/// File type of an old-format transaction log (spec §Base block, offset 28).
pub const FILE_TYPE_LOG_OLD: u32 = 1;
/// File type of a very old transaction log, same format as [`FILE_TYPE_LOG_OLD`].
pub const FILE_TYPE_LOG_VERY_OLD: u32 = 2;
/// File type of a new-format (`HvLE`) transaction log, Windows 8.1 and later.
pub const FILE_TYPE_LOG_NEW: u32 = 6;

const STRUCTURE: &str = "regf base block";

/// A parsed regf base block (signature `regf`). Fields are as stored; [`checksum_ok`] says
/// whether the XOR-32 of bytes 0..508 matches the stored checksum.
///
/// [`checksum_ok`]: HiveBaseBlock::checksum_ok
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiveBaseBlock {
    /// Primary sequence number (offset 4), incremented when a write starts.
    pub primary_sequence: u32,
    /// Secondary sequence number (offset 8), set equal to the primary when a write ends.
    pub secondary_sequence: u32,
    /// Last-written FILETIME (offset 12).
    pub last_written: u64,
    /// Major version (offset 20), 1.
    pub major_version: u32,
    /// Minor version (offset 24), 1..=6 (big data needs ≥ 4).
    pub minor_version: u32,
    /// File type (offset 28): 0 primary, 1/2 old log, 6 new log.
    pub file_type: u32,
    /// File format (offset 32): 1 = direct memory load.
    pub file_format: u32,
    /// Root cell offset (offset 36), relative to the start of the hive bins.
    pub root_cell: u32,
    /// Hive bins data size (offset 40).
    pub hive_bins_size: u32,
    /// Clustering factor (offset 44), 1.
    pub clustering_factor: u32,
    /// The last 32 UTF-16 characters of the hive's path (offset 48, 64 bytes).
    pub file_name: String,
    /// Flags (offset 144): bit 0 KTM locked, bit 1 defragmented / layered keys.
    pub flags: u32,
    /// Checksum stored at offset 508.
    pub stored_checksum: u32,
    /// Checksum computed over bytes 0..508.
    pub computed_checksum: u32,
}

impl HiveBaseBlock {
    /// Parses the first 512 bytes of a primary file or a log, at file offset 0.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        if buf.len() < LOG_BASE_BLOCK_LEN as usize {
            return Err(RegistryError::Truncated {
                structure: STRUCTURE,
                offset: 0,
                needed: LOG_BASE_BLOCK_LEN,
                available: buf.len() as u64,
            });
        }
        let f = Fields::new(buf, STRUCTURE, 0);
        let sig = f.slice(0, 4)?;
        if sig != b"regf" {
            return Err(RegistryError::InvalidSignature {
                structure: STRUCTURE,
                offset: 0,
                expected: "regf",
                actual: lossy(sig),
            });
        }
        Ok(HiveBaseBlock {
            primary_sequence: f.le_u32(4)?,
            secondary_sequence: f.le_u32(8)?,
            last_written: f.le_u64(12)?,
            major_version: f.le_u32(20)?,
            minor_version: f.le_u32(24)?,
            file_type: f.le_u32(28)?,
            file_format: f.le_u32(32)?,
            root_cell: f.le_u32(36)?,
            hive_bins_size: f.le_u32(40)?,
            clustering_factor: f.le_u32(44)?,
            file_name: utf16le(f.slice(48, 64)?),
            flags: f.le_u32(144)?,
            stored_checksum: f.le_u32(508)?,
            computed_checksum: checksum(buf),
        })
    }

    /// True when the stored checksum matches bytes 0..508.
    pub fn checksum_ok(&self) -> bool {
        self.stored_checksum == self.computed_checksum
    }

    /// True when the sequence numbers agree (the last write finished).
    pub fn sequences_match(&self) -> bool {
        self.primary_sequence == self.secondary_sequence
    }

    /// A hive is dirty (needs recovery) when its checksum is wrong or its sequence numbers
    /// differ (spec §Base block, "dirty state").
    pub fn is_dirty(&self) -> bool {
        !self.checksum_ok() || !self.sequences_match()
    }

    /// The checks a trusted base block (good checksum) must pass: major version 1, a known minor
    /// version, the expected file types, format 1, clustering factor 1 and an aligned, non-zero
    /// hive bins size.
    pub fn validate(&self, file_types: &[u32]) -> Result<()> {
        let unsupported = |what, actual: u32, at| RegistryError::Unsupported {
            structure: STRUCTURE,
            offset: at,
            what,
            actual: u64::from(actual),
        };
        if self.major_version != 1 {
            return Err(unsupported("major version", self.major_version, 20));
        }
        if self.minor_version > 6 {
            return Err(unsupported("minor version", self.minor_version, 24));
        }
        if !file_types.contains(&self.file_type) {
            return Err(unsupported("file type", self.file_type, 28));
        }
        if self.file_format != 1 {
            return Err(unsupported("file format", self.file_format, 32));
        }
        if self.clustering_factor != 1 {
            return Err(unsupported("clustering factor", self.clustering_factor, 44));
        }
        let size = u64::from(self.hive_bins_size);
        if size < HBIN_ALIGNMENT || size % HBIN_ALIGNMENT != 0 {
            return Err(RegistryError::Invalid {
                structure: STRUCTURE,
                offset: 40,
                message: format!(
                    "hive bins data size {size:#x} is not a non-zero multiple of 4096"
                ),
            });
        }
        Ok(())
    }
}

/// XOR-32 of the 127 dwords at 0..508, with 0 mapped to 1 and 0xFFFFFFFF to 0xFFFFFFFE
/// (spec §Base block, "Checksum").
pub fn checksum(buf: &[u8]) -> u32 {
    let x = buf
        .chunks_exact(4)
        .take(127)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .fold(0u32, |acc, d| acc ^ u32::from_le_bytes(d));
    match x {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        b[..4].copy_from_slice(b"regf");
        b[4..8].copy_from_slice(&5u32.to_le_bytes());
        b[8..12].copy_from_slice(&5u32.to_le_bytes());
        b[20..24].copy_from_slice(&1u32.to_le_bytes());
        b[24..28].copy_from_slice(&5u32.to_le_bytes());
        b[32..36].copy_from_slice(&1u32.to_le_bytes());
        b[36..40].copy_from_slice(&0x20u32.to_le_bytes());
        b[40..44].copy_from_slice(&4096u32.to_le_bytes());
        b[44..48].copy_from_slice(&1u32.to_le_bytes());
        let c = checksum(&b);
        b[508..512].copy_from_slice(&c.to_le_bytes());
        b
    }

    #[test]
    fn parses_and_validates() {
        let bb = HiveBaseBlock::parse(&block()).unwrap();
        assert!(bb.checksum_ok());
        assert!(!bb.is_dirty());
        assert_eq!(bb.root_cell, 0x20);
        bb.validate(&[FILE_TYPE_PRIMARY]).unwrap();
    }

    #[test]
    fn each_error_names_offset() {
        assert_eq!(
            HiveBaseBlock::parse(&block()[..100]),
            Err(RegistryError::Truncated {
                structure: STRUCTURE,
                offset: 0,
                needed: 512,
                available: 100
            })
        );
        let mut b = block();
        b[0] = b'x';
        assert!(matches!(
            HiveBaseBlock::parse(&b),
            Err(RegistryError::InvalidSignature { offset: 0, .. })
        ));
        let mut b = block();
        b[20] = 2;
        let bb = HiveBaseBlock::parse(&b).unwrap();
        assert!(bb.is_dirty(), "checksum no longer matches");
        assert!(matches!(
            bb.validate(&[0]),
            Err(RegistryError::Unsupported { offset: 20, .. })
        ));
        let mut b = block();
        b[40..44].copy_from_slice(&100u32.to_le_bytes());
        let bb = HiveBaseBlock::parse(&b).unwrap();
        assert!(matches!(
            bb.validate(&[0]),
            Err(RegistryError::Invalid { offset: 40, .. })
        ));
    }

    #[test]
    fn checksum_special_values() {
        let zero = vec![0u8; 512];
        assert_eq!(checksum(&zero), 1);
        let mut ff = vec![0u8; 512];
        ff[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(checksum(&ff), u32::MAX - 1);
    }
}
