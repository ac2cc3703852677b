//! Partition kinds from GPT type GUIDs and MBR type bytes (windows-image-facts §6.1).

use vhdlint_container::Guid;

/// What a partition's type identifier says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionKind {
    /// EFI system partition (GPT C12A7328-…, MBR 0xEF).
    EfiSystem,
    /// Microsoft reserved partition (GPT E3C9E316-…).
    MicrosoftReserved,
    /// Basic data (GPT EBD0A0A2-…, MBR 0x07 and the FAT ids).
    BasicData,
    /// Windows recovery environment (GPT DE94BBA4-…, MBR 0x27).
    WindowsRecovery,
    /// Logical Disk Manager metadata (GPT 5808C8AA-…).
    LdmMetadata,
    /// Logical Disk Manager data (GPT AF9B60A0-…, MBR 0x42).
    LdmData,
    /// Storage Spaces (GPT E75CAF8F-…).
    StorageSpaces,
    /// BIOS boot partition (GPT 21686148-…, GRUB).
    BiosBoot,
    /// A Linux partition (file system, swap, LVM, RAID, root; MBR 0x82/0x83/0x8E/0xFD).
    Linux,
    /// Anything else.
    Unknown,
}

impl PartitionKind {
    /// Stable camelCase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionKind::EfiSystem => "efiSystem",
            PartitionKind::MicrosoftReserved => "microsoftReserved",
            PartitionKind::BasicData => "basicData",
            PartitionKind::WindowsRecovery => "windowsRecovery",
            PartitionKind::LdmMetadata => "ldmMetadata",
            PartitionKind::LdmData => "ldmData",
            PartitionKind::StorageSpaces => "storageSpaces",
            PartitionKind::BiosBoot => "biosBoot",
            PartitionKind::Linux => "linux",
            PartitionKind::Unknown => "unknown",
        }
    }

    /// The kind a GPT partition type GUID names.
    pub fn from_gpt(type_guid: &Guid) -> Self {
        GPT_TYPES
            .iter()
            .find(|(g, _)| g == type_guid)
            .map_or(PartitionKind::Unknown, |(_, k)| *k)
    }

    /// The kind an MBR partition type byte names.
    pub fn from_mbr(id: u8) -> Self {
        match id {
            0x07 | 0x01 | 0x04 | 0x06 | 0x0B | 0x0C | 0x0E => PartitionKind::BasicData,
            0x27 => PartitionKind::WindowsRecovery,
            0xEF => PartitionKind::EfiSystem,
            0x42 => PartitionKind::LdmData,
            0x82 | 0x83 | 0x8E | 0xFD => PartitionKind::Linux,
            _ => PartitionKind::Unknown,
        }
    }
}

/// Builds a GUID from its textual fields (`d1-d2-d3-d4`), stored mixed-endian as on disk.
pub const fn guid(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Guid {
    let [a0, a1, a2, a3] = d1.to_le_bytes();
    let [b0, b1] = d2.to_le_bytes();
    let [c0, c1] = d3.to_le_bytes();
    let [e0, e1, e2, e3, e4, e5, e6, e7] = d4;
    Guid([
        a0, a1, a2, a3, b0, b1, c0, c1, e0, e1, e2, e3, e4, e5, e6, e7,
    ])
}

/// EFI system partition, C12A7328-F81F-11D2-BA4B-00A0C93EC93B (UEFI spec table 5.7).
pub const EFI_SYSTEM: Guid = guid(
    0xC12A7328,
    0xF81F,
    0x11D2,
    [0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B],
);
/// Microsoft reserved, E3C9E316-0B5C-4DB8-817D-F92DF00215AE.
pub const MICROSOFT_RESERVED: Guid = guid(
    0xE3C9E316,
    0x0B5C,
    0x4DB8,
    [0x81, 0x7D, 0xF9, 0x2D, 0xF0, 0x02, 0x15, 0xAE],
);
/// Basic data, EBD0A0A2-B9E5-4433-87C0-68B6B72699C7.
pub const BASIC_DATA: Guid = guid(
    0xEBD0A0A2,
    0xB9E5,
    0x4433,
    [0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7],
);
/// Windows recovery environment, DE94BBA4-06D1-4D40-A16A-BFD50179D6AC.
pub const WINDOWS_RECOVERY: Guid = guid(
    0xDE94BBA4,
    0x06D1,
    0x4D40,
    [0xA1, 0x6A, 0xBF, 0xD5, 0x01, 0x79, 0xD6, 0xAC],
);
/// LDM metadata, 5808C8AA-7E8F-42E0-85D2-E1E90434CFB3.
pub const LDM_METADATA: Guid = guid(
    0x5808C8AA,
    0x7E8F,
    0x42E0,
    [0x85, 0xD2, 0xE1, 0xE9, 0x04, 0x34, 0xCF, 0xB3],
);
/// LDM data, AF9B60A0-1431-4F62-BC68-3311714A69AD.
pub const LDM_DATA: Guid = guid(
    0xAF9B60A0,
    0x1431,
    0x4F62,
    [0xBC, 0x68, 0x33, 0x11, 0x71, 0x4A, 0x69, 0xAD],
);
/// Storage Spaces, E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D.
pub const STORAGE_SPACES: Guid = guid(
    0xE75CAF8F,
    0xF680,
    0x4CEE,
    [0xAF, 0xA3, 0xB0, 0x01, 0xE5, 0x6E, 0xFC, 0x2D],
);
/// BIOS boot partition, 21686148-6449-6E6F-744E-656564454649 ("Hah!IdontNeedEFI").
pub const BIOS_BOOT: Guid = guid(
    0x21686148,
    0x6449,
    0x6E6F,
    [0x74, 0x4E, 0x65, 0x65, 0x64, 0x45, 0x46, 0x49],
);
/// Linux file system data, 0FC63DAF-8483-4772-8E79-3D69D8477DE4.
pub const LINUX_FILESYSTEM: Guid = guid(
    0x0FC63DAF,
    0x8483,
    0x4772,
    [0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4],
);

/// Linux swap, LVM, RAID and x86-64 root (Discoverable Partitions Specification).
const LINUX_OTHERS: [Guid; 4] = [
    guid(
        0x0657FD6D,
        0xA4AB,
        0x43C4,
        [0x84, 0xE5, 0x09, 0x33, 0xC8, 0x4B, 0x4F, 0x4F],
    ),
    guid(
        0xE6D6D379,
        0xF507,
        0x44C2,
        [0xA2, 0x3C, 0x23, 0x8F, 0x2A, 0x3D, 0xF9, 0x28],
    ),
    guid(
        0xA19D880F,
        0x05FC,
        0x4D3B,
        [0xA0, 0x06, 0x74, 0x3F, 0x0F, 0x84, 0x91, 0x1E],
    ),
    guid(
        0x4F68BCE3,
        0xE8CD,
        0x4DB1,
        [0x96, 0xE7, 0xFB, 0xCA, 0xF9, 0x84, 0xB7, 0x09],
    ),
];

const GPT_TYPES: [(Guid, PartitionKind); 13] = [
    (EFI_SYSTEM, PartitionKind::EfiSystem),
    (MICROSOFT_RESERVED, PartitionKind::MicrosoftReserved),
    (BASIC_DATA, PartitionKind::BasicData),
    (WINDOWS_RECOVERY, PartitionKind::WindowsRecovery),
    (LDM_METADATA, PartitionKind::LdmMetadata),
    (LDM_DATA, PartitionKind::LdmData),
    (STORAGE_SPACES, PartitionKind::StorageSpaces),
    (BIOS_BOOT, PartitionKind::BiosBoot),
    (LINUX_FILESYSTEM, PartitionKind::Linux),
    (LINUX_OTHERS[0], PartitionKind::Linux),
    (LINUX_OTHERS[1], PartitionKind::Linux),
    (LINUX_OTHERS[2], PartitionKind::Linux),
    (LINUX_OTHERS[3], PartitionKind::Linux),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_their_text() {
        for (g, text) in [
            (EFI_SYSTEM, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
            (MICROSOFT_RESERVED, "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"),
            (BASIC_DATA, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"),
            (WINDOWS_RECOVERY, "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"),
            (LDM_METADATA, "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3"),
            (LDM_DATA, "AF9B60A0-1431-4F62-BC68-3311714A69AD"),
            (STORAGE_SPACES, "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D"),
            (BIOS_BOOT, "21686148-6449-6E6F-744E-656564454649"),
            (LINUX_FILESYSTEM, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
            (LINUX_OTHERS[0], "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"),
        ] {
            assert_eq!(Some(g), Guid::parse(text), "{text}");
        }
        assert_eq!(
            PartitionKind::from_gpt(&WINDOWS_RECOVERY).as_str(),
            "windowsRecovery"
        );
        assert_eq!(
            PartitionKind::from_mbr(0x27),
            PartitionKind::WindowsRecovery
        );
        assert_eq!(PartitionKind::from_mbr(0x99), PartitionKind::Unknown);
    }
}
