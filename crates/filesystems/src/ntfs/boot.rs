//! The NTFS boot sector (BIOS parameter block at 0x0B; NTFS on-disk format, "NTFS Boot
//! Sector", as documented by the Linux-NTFS project and MS "NTFS Technical Reference").

use vhdlint_container::bytes::Fields;

use crate::{FsError, Result};

/// Largest NTFS cluster: 2 MiB (Windows 10 1709 and later; `format /A:2M`).
pub const MAX_CLUSTER_SIZE: u64 = 2 << 20;

/// Largest file record or index block accepted: 64 KiB (NTFS uses 1 KiB or 4 KiB records and
/// 4 KiB index blocks; the boot-sector encoding allows up to 2^31, which vhdlint refuses).
pub const MAX_RECORD_SIZE: u64 = 64 << 10;

/// Geometry from an NTFS boot sector, checked by vhdlint before the parser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtfsGeometry {
    /// BytesPerSector.
    pub sector_size: u32,
    /// Cluster size in bytes.
    pub cluster_size: u64,
    /// Byte offset of `$MFT`.
    pub mft_offset: u64,
    /// File record size in bytes.
    pub record_size: u64,
    /// TotalSectors × BytesPerSector.
    pub volume_size: u64,
    /// Index block ($I30 INDX record) size in bytes, from the boot sector (the index root of
    /// each directory repeats it and wins).
    pub index_block_size: u64,
    /// Volume serial number.
    pub serial: u64,
}

fn invalid(field: &'static str, actual: u64, reason: impl Into<String>) -> FsError {
    FsError::InvalidBootSector {
        fs: "NTFS",
        field,
        actual,
        reason: reason.into(),
    }
}

/// Checks an NTFS boot sector (BIOS parameter block at 0x0B) against `volume_len`.
pub fn check_boot_sector(boot: &[u8], volume_len: u64) -> Result<NtfsGeometry> {
    let f = Fields::new(boot, "NTFS boot sector", 0);
    let bps = f.le_u16(0x0B)?;
    if !(256..=4096).contains(&bps) || !bps.is_power_of_two() {
        return Err(invalid(
            "BytesPerSector",
            bps.into(),
            "must be a power of two from 256 to 4096",
        ));
    }
    let spc = f.u8(0x0D)?;
    let sectors_per_cluster: u64 = match spc {
        0 => return Err(invalid("SectorsPerCluster", 0, "must not be zero")),
        1..=0x80 if spc.is_power_of_two() => spc.into(),
        1..=0x80 => {
            return Err(invalid(
                "SectorsPerCluster",
                spc.into(),
                "must be a power of two",
            ))
        }
        // Values above 0x80 are a negative binary exponent: 0xF4 = 2^12 sectors.
        _ => 1u64.checked_shl(256 - u32::from(spc)).unwrap_or(u64::MAX),
    };
    let cluster_size = sectors_per_cluster.saturating_mul(bps.into());
    if cluster_size > MAX_CLUSTER_SIZE {
        return Err(invalid(
            "SectorsPerCluster",
            spc.into(),
            format!("cluster size {cluster_size:#x} exceeds the NTFS maximum of 2 MiB"),
        ));
    }
    let total_sectors = f.le_u64(0x28)?;
    let volume_size = total_sectors.saturating_mul(bps.into());
    let mft_lcn = f.le_u64(0x30)?;
    let record_raw = f.u8(0x40)? as i8;
    let record_size = if record_raw > 0 {
        u64::from(record_raw.unsigned_abs()).saturating_mul(cluster_size)
    } else {
        1u64.checked_shl(u32::from(record_raw.unsigned_abs()))
            .unwrap_or(u64::MAX)
    };
    if !(512..=MAX_RECORD_SIZE).contains(&record_size) || !record_size.is_power_of_two() {
        return Err(invalid(
            "ClustersPerFileRecordSegment",
            record_raw as u8 as u64,
            format!(
                "file record size {record_size:#x} is not a power of two from 512 bytes to 64 KiB"
            ),
        ));
    }
    let index_raw = f.u8(0x44)? as i8;
    let index_block_size = if index_raw > 0 {
        u64::from(index_raw.unsigned_abs()).saturating_mul(cluster_size)
    } else {
        1u64.checked_shl(u32::from(index_raw.unsigned_abs()))
            .unwrap_or(u64::MAX)
    };
    let mft_offset = mft_lcn
        .checked_mul(cluster_size)
        .filter(|o| {
            o.checked_add(record_size)
                .is_some_and(|end| end <= volume_len)
        })
        .ok_or_else(|| {
            invalid(
                "MftClusterNumber",
                mft_lcn,
                format!("$MFT lies past the end of the {volume_len:#x}-byte volume"),
            )
        })?;
    Ok(NtfsGeometry {
        sector_size: bps.into(),
        cluster_size,
        mft_offset,
        record_size,
        volume_size,
        index_block_size,
        serial: f.le_u64(0x48)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[3..11].copy_from_slice(b"NTFS    ");
        b[0x0B..0x0D].copy_from_slice(&512u16.to_le_bytes());
        b[0x0D] = 8;
        b[0x28..0x30].copy_from_slice(&20_000u64.to_le_bytes());
        b[0x30..0x38].copy_from_slice(&4u64.to_le_bytes());
        b[0x40] = 0xF6; // 2^10 = 1024-byte records
        b[510] = 0x55;
        b[511] = 0xAA;
        b
    }

    #[test]
    fn boot_sector_checks() {
        let g = check_boot_sector(&boot(), 20_000 * 512).unwrap();
        assert_eq!(
            (g.cluster_size, g.mft_offset, g.record_size),
            (4096, 16384, 1024)
        );
        let mut b = boot();
        b[0x0B] = 0;
        b[0x0C] = 0;
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "BytesPerSector",
                actual: 0,
                ..
            })
        ));
        let mut b = boot();
        b[0x0D] = (256 - 40) as u8; // 2^40 sectors per cluster
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "SectorsPerCluster",
                ..
            })
        ));
        let mut b = boot();
        b[0x0D] = 0xF4; // 2^12 × 512 = 2 MiB clusters: allowed
        assert_eq!(
            check_boot_sector(&b, 1 << 40).unwrap().cluster_size,
            2 << 20
        );
        let mut b = boot();
        b[0x30..0x38].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "MftClusterNumber",
                ..
            })
        ));
    }
}
