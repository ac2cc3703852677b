//! The VHD hard disk footer (VHD spec, "Hard Disk Footer Format"): 512 big-endian bytes at the
//! end of every VHD (511 from some old tools), with a copy at offset 0 in dynamic and
//! differencing disks. On-disk cookie: `conectix`.

use crate::bytes::Fields;
use crate::guid::Guid;
use crate::read::ReadAt;
use crate::{ContainerError, Result};

/// Size of the footer as the spec defines it.
pub const FOOTER_SIZE: usize = 512;
/// Size of the footer some pre-Virtual PC 2004 tools wrote (the last reserved byte missing).
pub const LEGACY_FOOTER_SIZE: usize = 511;
/// The footer cookie (VHD spec, "Cookie").
pub const FOOTER_COOKIE: &[u8; 8] = b"conectix";
/// File format version 1.0 (VHD spec, "File Format Version"): major 1 in the high 16 bits.
pub const FOOTER_VERSION: u32 = 0x0001_0000;
/// The "reserved" feature bit the spec says must always be set (VHD spec, "Features").
pub const FEATURE_RESERVED: u32 = 0x2;
/// DataOffset of a fixed disk: no further structure (VHD spec, "Data Offset").
pub const FIXED_DATA_OFFSET: u64 = u64::MAX;

/// Field offsets within the footer (VHD spec, "Hard Disk Footer Format" table).
mod at {
    pub const FEATURES: usize = 8;
    pub const VERSION: usize = 12;
    pub const DATA_OFFSET: usize = 16;
    pub const TIMESTAMP: usize = 24;
    pub const CREATOR_APP: usize = 28;
    pub const CREATOR_VERSION: usize = 32;
    pub const CREATOR_HOST_OS: usize = 36;
    pub const ORIGINAL_SIZE: usize = 40;
    pub const CURRENT_SIZE: usize = 48;
    pub const CYLINDERS: usize = 56;
    pub const HEADS: usize = 58;
    pub const SECTORS_PER_TRACK: usize = 59;
    pub const DISK_TYPE: usize = 60;
    pub const CHECKSUM: usize = 64;
    pub const UNIQUE_ID: usize = 68;
    pub const SAVED_STATE: usize = 84;
}

/// The VHD checksum (VHD spec, "Checksum"): the one's complement of the sum of all bytes of the
/// structure, the 4-byte checksum field at `checksum_at` taken as zero.
pub fn vhd_checksum(buf: &[u8], checksum_at: usize) -> u32 {
    let field = checksum_at..checksum_at.saturating_add(4);
    let sum = buf
        .iter()
        .enumerate()
        .filter(|(i, _)| !field.contains(i))
        .fold(0u32, |s, (_, &b)| s.wrapping_add(u32::from(b)));
    !sum
}

/// VHD disk types (VHD spec, "Disk Type"); the others (None, Reserved) are not readable disks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VhdDiskType {
    /// 2: data followed by the footer.
    Fixed,
    /// 3: blocks allocated through a BAT.
    Dynamic,
    /// 4: blocks not in this file come from a parent.
    Differencing,
}

impl VhdDiskType {
    /// The type for an on-disk value, `None` for values the spec marks none/reserved/deprecated.
    pub fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            2 => Some(VhdDiskType::Fixed),
            3 => Some(VhdDiskType::Dynamic),
            4 => Some(VhdDiskType::Differencing),
            _ => None,
        }
    }
}

/// A VHD footer as stored (VHD spec, "Hard Disk Footer Format"), cookie already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhdFooter {
    /// Where it was read, in the container file.
    pub offset: u64,
    /// Features (bit 0x2 must be set).
    pub features: u32,
    /// File format version (0x00010000).
    pub version: u32,
    /// Offset of the dynamic disk header; all ones for fixed disks.
    pub data_offset: u64,
    /// Seconds since 2000-01-01 00:00:00 UTC.
    pub timestamp: u32,
    /// Creator application (`win `, `vpc `, `d2v\0`, `qemu`…).
    pub creator_app: [u8; 4],
    /// Creator application version.
    pub creator_version: u32,
    /// Creator host OS (`Wi2k`, `Mac `).
    pub creator_host_os: [u8; 4],
    /// Size of the disk at creation.
    pub original_size: u64,
    /// Current size of the virtual disk (the size Hyper-V presents).
    pub current_size: u64,
    /// CHS geometry: cylinders.
    pub cylinders: u16,
    /// CHS geometry: heads.
    pub heads: u8,
    /// CHS geometry: sectors per track.
    pub sectors_per_track: u8,
    /// Disk type as stored.
    pub disk_type_raw: u32,
    /// Checksum as stored.
    pub checksum: u32,
    /// Checksum computed over the bytes read.
    pub computed_checksum: u32,
    /// The disk's unique id (what a child's ParentUniqueId names).
    pub unique_id: Guid,
    /// Saved-state flag.
    pub saved_state: u8,
    raw: [u8; FOOTER_SIZE],
}

impl VhdFooter {
    /// Reads `len` bytes (512, or 511 for a legacy footer) at `offset` and parses them.
    ///
    /// Fails with `InvalidSignature` when the cookie is not `conectix`; the checksum is recorded,
    /// not enforced (see [`VhdFooter::checksum_valid`]).
    pub fn read(source: &dyn ReadAt, offset: u64, len: usize) -> Result<Self> {
        let mut raw = [0u8; FOOTER_SIZE];
        let dst = raw
            .get_mut(..len.min(FOOTER_SIZE))
            .ok_or(ContainerError::Invalid {
                structure: "VHD footer",
                offset,
                message: "footer length out of range".into(),
            })?;
        source.read_at(offset, dst)?;
        Self::parse(raw, offset)
    }

    /// Parses a footer already read.
    pub fn parse(raw: [u8; FOOTER_SIZE], offset: u64) -> Result<Self> {
        let f = Fields::new(&raw, "VHD footer", offset);
        let cookie: [u8; 8] = f.array(0)?;
        if &cookie != FOOTER_COOKIE {
            return Err(ContainerError::InvalidSignature {
                structure: "VHD footer",
                offset,
                expected: "conectix",
                actual: crate::bytes::lossy(&cookie),
            });
        }
        Ok(VhdFooter {
            offset,
            features: f.be_u32(at::FEATURES)?,
            version: f.be_u32(at::VERSION)?,
            data_offset: f.be_u64(at::DATA_OFFSET)?,
            timestamp: f.be_u32(at::TIMESTAMP)?,
            creator_app: f.array(at::CREATOR_APP)?,
            creator_version: f.be_u32(at::CREATOR_VERSION)?,
            creator_host_os: f.array(at::CREATOR_HOST_OS)?,
            original_size: f.be_u64(at::ORIGINAL_SIZE)?,
            current_size: f.be_u64(at::CURRENT_SIZE)?,
            cylinders: f.be_u16(at::CYLINDERS)?,
            heads: f.u8(at::HEADS)?,
            sectors_per_track: f.u8(at::SECTORS_PER_TRACK)?,
            disk_type_raw: f.be_u32(at::DISK_TYPE)?,
            checksum: f.be_u32(at::CHECKSUM)?,
            computed_checksum: vhd_checksum(&raw, at::CHECKSUM),
            unique_id: Guid(f.array(at::UNIQUE_ID)?),
            saved_state: f.u8(at::SAVED_STATE)?,
            raw,
        })
    }

    /// True when the stored checksum matches the bytes.
    pub fn checksum_valid(&self) -> bool {
        self.checksum == self.computed_checksum
    }

    /// The checksum error for this footer.
    pub fn checksum_error(&self) -> ContainerError {
        ContainerError::ChecksumMismatch {
            structure: "VHD footer",
            offset: self.offset,
            expected: self.computed_checksum,
            actual: self.checksum,
        }
    }

    /// The disk type, `None` when the value is not fixed/dynamic/differencing.
    pub fn disk_type(&self) -> Option<VhdDiskType> {
        VhdDiskType::from_raw(self.disk_type_raw)
    }

    /// The size the CHS geometry gives: cylinders × heads × sectors per track × 512.
    pub fn chs_size(&self) -> u64 {
        u64::from(self.cylinders) * u64::from(self.heads) * u64::from(self.sectors_per_track) * 512
    }

    /// The creator application as text, trailing NULs removed (`"win "`, `"d2v"`).
    pub fn creator(&self) -> String {
        let end = self
            .creator_app
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        crate::bytes::lossy(self.creator_app.get(..end).unwrap_or_default())
    }

    /// True when both footers hold the same bytes (the 511 bytes a legacy footer has).
    pub fn same_bytes(&self, other: &VhdFooter) -> bool {
        self.raw.get(..LEGACY_FOOTER_SIZE) == other.raw.get(..LEGACY_FOOTER_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; FOOTER_SIZE] {
        let mut b = [0u8; FOOTER_SIZE];
        b[..8].copy_from_slice(FOOTER_COOKIE);
        b[8..12].copy_from_slice(&2u32.to_be_bytes());
        b[12..16].copy_from_slice(&FOOTER_VERSION.to_be_bytes());
        b[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
        b[28..32].copy_from_slice(b"d2v\0");
        b[48..56].copy_from_slice(&(10u64 << 20).to_be_bytes());
        b[56..60].copy_from_slice(&[0x01, 0x2d, 4, 17]);
        b[60..64].copy_from_slice(&2u32.to_be_bytes());
        b[68] = 0xAB;
        let c = vhd_checksum(&b, 64);
        b[64..68].copy_from_slice(&c.to_be_bytes());
        b
    }

    #[test]
    fn parses_fields_and_checksum() {
        let f = VhdFooter::parse(sample(), 100).unwrap();
        assert!(f.checksum_valid());
        assert_eq!(f.disk_type(), Some(VhdDiskType::Fixed));
        assert_eq!(f.current_size, 10 << 20);
        assert_eq!(f.chs_size(), 301 * 4 * 17 * 512);
        assert_eq!(f.creator(), "d2v");
        assert_eq!(f.unique_id.0[0], 0xAB);
    }

    #[test]
    fn bad_cookie_and_checksum() {
        let mut b = sample();
        b[70] ^= 1;
        let f = VhdFooter::parse(b, 0).unwrap();
        assert!(!f.checksum_valid());
        assert!(matches!(
            f.checksum_error(),
            ContainerError::ChecksumMismatch { offset: 0, .. }
        ));
        b[0] = b'x';
        assert!(matches!(
            VhdFooter::parse(b, 7),
            Err(ContainerError::InvalidSignature { offset: 7, .. })
        ));
    }

    #[test]
    fn checksum_matches_a_real_footer() {
        // A footer of zeros except the cookie: the byte sum of "conectix" is 861 = 0x35d.
        let mut b = [0u8; FOOTER_SIZE];
        b[..8].copy_from_slice(FOOTER_COOKIE);
        assert_eq!(vhd_checksum(&b, 64), !0x35du32);
    }
}
