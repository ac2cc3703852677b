//! Where things live in a Windows image: the Windows volume, the EFI system partition, and the
//! boot volume whose BCD store the firmware's boot manager reads.
//!
//! Every command that needs one of these asks here (`check` through [`crate::gather`],
//! `inspect` and `reg HKLM\BCD` through [`crate::locate`], `ls`/`cat` through
//! [`default_volume`]), so no two commands can disagree about which BCD store an image boots
//! from.
//!
//! # The boot volume
//!
//! The partition *scheme* decides the firmware, as Hyper-V and Azure do (windows-image-facts
//! §7): a GPT disk boots through UEFI, whose boot manager `\EFI\Microsoft\Boot\bootmgfw.efi`
//! on the EFI system partition reads `\EFI\Microsoft\Boot\BCD` there; an MBR disk boots
//! through BIOS, whose boot code jumps to the *active* partition, where `\bootmgr` reads
//! `\Boot\BCD`. So an MBR disk's BCD store is the active partition's even when the disk also
//! has a partition of type 0xEF, and a GPT disk's is the ESP's even when the Windows volume
//! holds a `\Boot\BCD` left over from a conversion; a disk without a partition table boots
//! neither way. (Before, `inspect`/`reg` took any ESP, else the active partition, else the
//! Windows volume, and could show another store than the one `check` judged.)

use vhdlint_filesystems::image::{Image, ImageError, Volume};
use vhdlint_volumes::{Partition, PartitionKind, Scheme};

use crate::boot::{BIOS_BCD, BOOTMGFW, BOOTMGR, ESP_BCD};

/// The folder whose presence marks a Windows system root (libguestfs and dissect do the same).
pub const WINDOWS_MARKER: &str = "Windows/System32/config";

/// True for the EFI system partition (by type; on MBR disks, type 0xEF).
pub fn is_esp(volume: &Volume) -> bool {
    volume
        .partition
        .as_ref()
        .is_some_and(|p| p.kind == PartitionKind::EfiSystem)
}

/// The volume holding `Windows\System32\config`, if any: the first in table order (the ESP
/// never is one). Mounts data volumes in table order until one holds Windows.
pub fn windows_volume(image: &Image) -> Option<&Volume> {
    image.volumes().iter().find(|v| {
        !is_esp(v)
            && v.fs()
                .ok()
                .and_then(|fs| fs.stat(WINDOWS_MARKER).ok())
                .is_some_and(|e| e.is_dir)
    })
}

/// The EFI system partition (by type; on MBR disks, type 0xEF), if any.
pub fn esp(image: &Image) -> Option<&Volume> {
    image.volumes().iter().find(|v| is_esp(v))
}

/// The volume `ls` and `cat` use when none is named: the Windows volume, else the only
/// volume that mounts.
pub fn default_volume(image: &Image) -> Result<&Volume, ImageError> {
    if let Some(v) = windows_volume(image) {
        return Ok(v);
    }
    let volumes = image.volumes();
    let mounted: Vec<&Volume> = volumes.iter().filter(|v| v.fs().is_ok()).collect();
    match mounted.as_slice() {
        [only] => Ok(only),
        [] => Err(ImageError::NoFileSystem {
            details: volumes
                .iter()
                .filter_map(|v| v.fs().err())
                .map(|e| format!("; {e}"))
                .collect(),
        }),
        many => Err(ImageError::Ambiguous {
            choices: many
                .iter()
                .map(|v| v.describe())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The volume the firmware boots from, decided by the partition scheme (see the module docs).
#[derive(Debug)]
pub enum BootChoice<'a> {
    /// A GPT disk: UEFI boots its EFI system partition.
    Uefi(&'a Volume),
    /// A GPT disk without an EFI system partition: UEFI cannot boot it.
    NoEsp,
    /// An MBR disk: BIOS boots its active partition, whose volume may not be readable.
    Bios(&'a Partition, Result<&'a Volume, ImageError>),
    /// An MBR disk without an active partition: BIOS cannot boot it.
    NoActive,
    /// No partition table: neither firmware boots it.
    NoTable,
}

impl BootChoice<'_> {
    /// The boot manager and the BCD store the firmware reads on the boot volume, as volume
    /// paths; `None` when nothing boots.
    pub fn paths(&self) -> Option<(&'static str, &'static str)> {
        match self {
            BootChoice::Uefi(_) => Some((BOOTMGFW, ESP_BCD)),
            BootChoice::Bios(..) => Some((BOOTMGR, BIOS_BCD)),
            _ => None,
        }
    }

    /// Why no BCD store can be read, for messages (`None` when there is a boot volume).
    pub fn missing(&self) -> Option<&'static str> {
        match self {
            BootChoice::NoEsp => Some("no BCD store: a GPT disk without an EFI system partition"),
            BootChoice::NoActive => Some("no BCD store: an MBR disk without an active partition"),
            BootChoice::NoTable => Some("no BCD store: the disk has no partition table"),
            _ => None,
        }
    }
}

/// The boot volume of `image`: the ESP of a GPT disk, the active partition of an MBR disk.
pub fn boot_volume(image: &Image) -> BootChoice<'_> {
    match image.partitions().scheme {
        Scheme::Gpt => esp(image).map_or(BootChoice::NoEsp, BootChoice::Uefi),
        Scheme::Mbr => match image.partitions().entries.iter().find(|p| p.active) {
            Some(active) => BootChoice::Bios(active, image.volume(active.index)),
            None => BootChoice::NoActive,
        },
        Scheme::None => BootChoice::NoTable,
    }
}

/// The volume a drive letter names in this image, through `SYSTEM\MountedDevices`
/// (windows-image-facts §14.1.4): the value `\DosDevices\X:` holds `DMIO:ID:` + the GPT
/// partition's unique GUID (24 bytes), or the MBR disk signature + the partition's byte offset
/// (12 bytes). `Ok(None)` when the hive assigns no such letter (no `MountedDevices` key or no
/// value for it); `Err` says why the letter names no partition of this disk.
pub fn drive_volume(image: &Image, letter: char) -> Result<Option<&Volume>, String> {
    let letter = letter.to_ascii_uppercase();
    let name = format!(r"\DosDevices\{letter}:");
    if windows_volume(image).is_none() {
        // No Windows installation, so no drive letters assigned.
        return Ok(None);
    }
    let (hive, _) = crate::locate::open_image_hive(
        image,
        &crate::locate::HiveName::Config("SYSTEM"),
        vhdlint_registry::HiveOptions::default(),
    )
    .map_err(|e| format!("drive {letter}: cannot be resolved: SYSTEM hive: {e}"))?;
    let Some(key) = hive
        .key("MountedDevices")
        .map_err(|e| format!("drive {letter}: SYSTEM\\MountedDevices: {e}"))?
    else {
        return Ok(None);
    };
    let Some(value) = key
        .value(&name)
        .map_err(|e| format!("drive {letter}: SYSTEM\\MountedDevices {name}: {e}"))?
    else {
        return Ok(None);
    };
    let data = value
        .raw_data()
        .map_err(|e| format!("drive {letter}: SYSTEM\\MountedDevices {name}: {e}"))?;
    let table = image.partitions();
    let found = if let Some(guid) = data.strip_prefix(b"DMIO:ID:").filter(|g| g.len() == 16) {
        let mut g = [0u8; 16];
        g.copy_from_slice(guid);
        let guid = vhdlint_container::Guid(g);
        image
            .volumes()
            .iter()
            .find(|v| v.partition.as_ref().and_then(|p| p.unique_guid) == Some(guid))
            .ok_or_else(|| {
                format!(
                    "drive {letter}: is GPT partition {} (SYSTEM\\MountedDevices {name}), which is \
                     not a volume of this disk",
                    guid.to_string().to_ascii_uppercase()
                )
            })
    } else if let (12, Some(sig), Some(off)) = (
        data.len(),
        data.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()),
        data.get(4..12).and_then(|b| <[u8; 8]>::try_from(b).ok()),
    ) {
        let (sig, off) = (u32::from_le_bytes(sig), u64::from_le_bytes(off));
        if table.mbr_signature != Some(sig) {
            return Err(format!(
                "drive {letter}: is on disk {sig:#010x} (SYSTEM\\MountedDevices {name}), not on \
                 this disk ({})",
                table
                    .mbr_signature
                    .map_or_else(|| "no MBR signature".to_owned(), |s| format!("{s:#010x}"))
            ));
        }
        image
            .volumes()
            .iter()
            .find(|v| v.partition.as_ref().map(|p| p.start_offset) == Some(off))
            .ok_or_else(|| {
                format!(
                    "drive {letter}: is the partition at byte {off:#x} (SYSTEM\\MountedDevices \
                     {name}), which is not a volume of this disk"
                )
            })
    } else {
        Err(format!(
            "drive {letter}: is not a partition (SYSTEM\\MountedDevices {name} names a device: a \
             CD, USB or network drive)"
        ))
    }?;
    Ok(Some(found))
}
