//! BCD device elements (`BcdLibraryDevice_ApplicationDevice` 0x11000001 "device",
//! `BcdOSLoaderDevice_OSDevice` 0x21000001 "osdevice", `BcdDeviceDevice_SdiDevice` 0x31000003,
//! …): the REG_BINARY `Element` value decoded fully.
//!
//! # Layout (all integers little-endian)
//! ```text
//! +0x00 GUID    options object (e.g. the ramdisk-options entry; zero when none)
//! +0x10 device descriptor:
//!       +0x00 u32 device type   0 disk/local, 5 boot, 6 partition, 8 locate (others kept raw)
//!       +0x04 u32 flags
//!       +0x08 u32 size          bytes of the descriptor, these 16 included
//!       +0x0c u32 reserved
//!       +0x10 payload (size - 16 bytes)
//! partition (6):  +0x00 16 bytes  GPT partition GUID | MBR partition offset (u64 bytes)
//!                 +0x10 u32       local-device type (0 disk; 6 inside a virtual disk)
//!                 +0x14 u32       partition style: 0 GPT, 1 MBR
//!                 +0x18 16 bytes  GPT disk GUID      | MBR disk signature (u32)
//! boot (5):       no payload used: "the device the boot manager was loaded from"
//! disk (0):       +0x00 u32 local type: 3 ramdisk, 6 virtual disk (VHD boot), 5 file, …
//!                 ramdisk / virtual disk: +0x04 20 bytes (image base, size, offset: zero on
//!                 disk), then a file path: u32 version (1), u32 length (these 12 bytes
//!                 included), u32 path type, a nested device descriptor (the partition or boot
//!                 device the file lives on), then the NUL-terminated UTF-16 path.
//! locate (8):     +0x00 u32 locate type, +0x04 u32 element type whose path to locate,
//!                 +0x08 u32 parent-device offset (0: none), +0x0c UTF-16 path (may be empty)
//! ```
//! Cross-checked against the real stores in `../shared/corpus/bcd`: regipy's BCD plugin reads
//! the GPT partition GUID at element bytes 32..48 and the disk GUID at 56..72 (our partition
//! payload +0x00 and +0x18), and hivex dumps of the Windows 7 media store's ramdisk
//! `[boot]\sources\boot.wim` and the regipy store's `\Recovery\WindowsRE\Winre.wim` entries
//! match the ramdisk layout byte for byte (lengths 0xa0/0x78 and 0xb8/0x90 add up). The MBR,
//! virtual-disk and locate payloads follow the same descriptor shapes; no corpus store holds
//! one (tests build them by hand), so those three are the least proven.
//!
//! Nesting (a file path's device) is bounded by [`MAX_DEVICE_NESTING`]; a descriptor whose size
//! runs past its element, or is shorter than its header, is an error naming the element offset.

use vhdlint_container::Guid;

use crate::bcd::BcdObject;
use crate::error::{RegistryError, Result};
use crate::value::ValueData;

/// Element `BcdLibraryDevice_ApplicationDevice` ("device").
pub const ELEMENT_APPLICATION_DEVICE: u32 = 0x1100_0001;
/// Element `BcdOSLoaderDevice_OSDevice` ("osdevice").
pub const ELEMENT_OS_DEVICE: u32 = 0x2100_0001;
/// Element `BcdDeviceDevice_SdiDevice` (ramdisk options: the boot.sdi device).
pub const ELEMENT_SDI_DEVICE: u32 = 0x3100_0003;

/// Most nested device descriptors followed (ramdisk → file → partition is 2).
pub const MAX_DEVICE_NESTING: usize = 4;
/// Longest path kept, in UTF-16 code units.
pub const MAX_DEVICE_PATH_UNITS: usize = 1024;

const STRUCTURE: &str = "BCD device element";

/// How a partition is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionId {
    /// GPT: the disk's GUID and the partition's unique GUID.
    Gpt {
        /// Disk GUID (GPT header).
        disk: Guid,
        /// Partition unique GUID (GPT entry).
        partition: Guid,
    },
    /// MBR: the disk signature (MBR offset 0x1b8) and the partition's byte offset.
    Mbr {
        /// Disk signature.
        signature: u32,
        /// Byte offset of the partition from the start of the disk.
        offset: u64,
    },
    /// Another partition style (raw value).
    Other {
        /// The style field.
        style: u32,
    },
}

/// A decoded device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A partition of a disk.
    Partition(PartitionId),
    /// `boot`: the device the boot manager was started from.
    Boot,
    /// `locate`: search the disks for the path an element (or `path`) names.
    Locate {
        /// The locate type.
        kind: u32,
        /// The element type whose path is looked for (0: use `path`).
        element_type: u32,
        /// The explicit path, if any.
        path: Option<String>,
    },
    /// `ramdisk=[device]path`: a WIM or SDI loaded into memory.
    Ramdisk {
        /// Where the image file lives.
        device: Box<Device>,
        /// The image's path on that device.
        path: String,
    },
    /// `vhd=[device]path`: native VHD boot.
    VirtualDisk {
        /// Where the virtual disk file lives.
        device: Box<Device>,
        /// Its path on that device.
        path: String,
    },
    /// Another device or local type (raw values).
    Other {
        /// The descriptor's device type.
        device_type: u32,
        /// For disk devices, the local type.
        local_type: Option<u32>,
    },
}

impl Device {
    /// The partition the device finally lives on (through ramdisk / VHD files), if it names one.
    pub fn partition(&self) -> Option<&PartitionId> {
        match self {
            Device::Partition(p) => Some(p),
            Device::Ramdisk { device, .. } | Device::VirtualDisk { device, .. } => {
                device.partition()
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Device {
    /// `bcdedit`-like text: `partition=gpt disk {…} partition {…}`, `boot`, `ramdisk=[…]\path`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Partition(PartitionId::Gpt { disk, partition }) => {
                write!(f, "partition=gpt disk {disk:?} partition {partition:?}")
            }
            Device::Partition(PartitionId::Mbr { signature, offset }) => write!(
                f,
                "partition=mbr signature {signature:#010x} offset {offset}"
            ),
            Device::Partition(PartitionId::Other { style }) => write!(f, "partition=style {style}"),
            Device::Boot => write!(f, "boot"),
            Device::Locate {
                kind,
                element_type,
                path,
            } => write!(
                f,
                "locate type {kind} element {element_type:#010x} path {}",
                path.as_deref().unwrap_or("")
            ),
            Device::Ramdisk { device, path } => write!(f, "ramdisk=[{device}]{path}"),
            Device::VirtualDisk { device, path } => write!(f, "vhd=[{device}]{path}"),
            Device::Other {
                device_type,
                local_type: Some(l),
            } => write!(f, "device type {device_type} local type {l}"),
            Device::Other {
                device_type,
                local_type: None,
            } => write!(f, "device type {device_type}"),
        }
    }
}

/// A device element: its options object and its device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcdDevice {
    /// The associated options object (braced GUID), when not zero.
    pub options: Option<String>,
    /// The device descriptor's flags.
    pub flags: u32,
    /// The device.
    pub device: Device,
}

fn invalid(offset: usize, message: impl Into<String>) -> RegistryError {
    RegistryError::Invalid {
        structure: STRUCTURE,
        offset: offset as u64,
        message: message.into(),
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..)
        .and_then(|s| s.get(..4))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| invalid(at, "ends inside a 4-byte field"))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64> {
    b.get(at..)
        .and_then(|s| s.get(..8))
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| invalid(at, "ends inside an 8-byte field"))
}

fn guid_at(b: &[u8], at: usize) -> Result<Guid> {
    b.get(at..)
        .and_then(|s| s.get(..16))
        .and_then(|s| <[u8; 16]>::try_from(s).ok())
        .map(Guid)
        .ok_or_else(|| invalid(at, "ends inside a GUID"))
}

/// UTF-16LE up to the first NUL (or the end), at most [`MAX_DEVICE_PATH_UNITS`] units.
fn utf16z(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .take_while(|&u| u != 0)
        .take(MAX_DEVICE_PATH_UNITS)
        .collect();
    String::from_utf16_lossy(&units)
}

/// Decodes an element's bytes (the REG_BINARY data of `Elements\<type>\Element`).
pub fn parse_device_element(bytes: &[u8]) -> Result<BcdDevice> {
    let options = guid_at(bytes, 0)?;
    let flags = u32_at(bytes, 0x14)?;
    let (device, _) = descriptor(bytes, 0x10, 0)?;
    Ok(BcdDevice {
        options: (!options.is_zero()).then(|| format!("{options:?}")),
        flags,
        device,
    })
}

/// Decodes the descriptor at `at`; returns it and its size.
fn descriptor(b: &[u8], at: usize, depth: usize) -> Result<(Device, usize)> {
    if depth > MAX_DEVICE_NESTING {
        return Err(RegistryError::TooLarge {
            structure: STRUCTURE,
            offset: at as u64,
            what: "device nesting",
            actual: depth as u64,
            limit: MAX_DEVICE_NESTING as u64,
        });
    }
    let device_type = u32_at(b, at)?;
    let size = u32_at(b, at + 8)? as usize;
    if size < 16 {
        return Err(invalid(
            at,
            format!("descriptor size {size} is shorter than its 16-byte header"),
        ));
    }
    let body = b.get(at + 16..at.saturating_add(size)).ok_or_else(|| {
        invalid(
            at,
            format!(
                "descriptor size {size} runs past the element's {} bytes",
                b.len()
            ),
        )
    })?;
    let base = at + 16;
    let device = match device_type {
        5 => Device::Boot,
        6 => {
            // ReactOS BL_PARTITION_DEVICE: the partition id, then BL_LOCAL_DEVICE { Type at
            // +0x10; BL_HARDDISK_DEVICE { PartitionType at +0x14, signature at +0x18 } }.
            let style = u32_at(body, 0x14)
                .map_err(|_| invalid(base, "partition payload shorter than 0x18 bytes"))?;
            Device::Partition(match style {
                0 => PartitionId::Gpt {
                    partition: guid_at(body, 0).map_err(|_| invalid(base, "short"))?,
                    disk: guid_at(body, 0x18).map_err(|_| {
                        invalid(
                            base + 0x18,
                            "GPT partition payload ends before the disk GUID",
                        )
                    })?,
                },
                1 => PartitionId::Mbr {
                    offset: u64_at(body, 0).map_err(|_| invalid(base, "short"))?,
                    signature: u32_at(body, 0x18).map_err(|_| {
                        invalid(
                            base + 0x18,
                            "MBR partition payload ends before the disk signature",
                        )
                    })?,
                },
                style => PartitionId::Other { style },
            })
        }
        8 => {
            let kind = u32_at(body, 0)
                .map_err(|_| invalid(base, "locate payload shorter than 4 bytes"))?;
            let element_type = u32_at(body, 4).unwrap_or(0);
            let path = body.get(0x0c..).map(utf16z).filter(|p| !p.is_empty());
            Device::Locate {
                kind,
                element_type,
                path,
            }
        }
        0 => {
            let local_type =
                u32_at(body, 0).map_err(|_| invalid(base, "disk payload shorter than 4 bytes"))?;
            match local_type {
                3 | 6 => {
                    // 20 bytes of image base/size/offset, then the file path.
                    let fp = 4 + 20;
                    let version =
                        u32_at(body, fp).map_err(|_| invalid(base + fp, "file path missing"))?;
                    let length = u32_at(body, fp + 4)? as usize;
                    if version != 1 || length < 12 || fp.saturating_add(length) > body.len() {
                        return Err(invalid(base + fp, format!("file path version {version} length {length} does not fit the {}-byte payload", body.len())));
                    }
                    let inner_at = base + fp + 12;
                    let (inner, inner_size) = descriptor(b, inner_at, depth + 1)?;
                    let path_start = inner_at + inner_size;
                    let path_end = base + fp + length;
                    let path = b.get(path_start..path_end).map(utf16z).ok_or_else(|| {
                        invalid(path_start, "nested device runs past its file path")
                    })?;
                    if local_type == 3 {
                        Device::Ramdisk {
                            device: Box::new(inner),
                            path,
                        }
                    } else {
                        Device::VirtualDisk {
                            device: Box::new(inner),
                            path,
                        }
                    }
                }
                other => Device::Other {
                    device_type,
                    local_type: Some(other),
                },
            }
        }
        other => Device::Other {
            device_type: other,
            local_type: None,
        },
    };
    Ok((device, size))
}

impl BcdObject {
    /// The device element `element_type` decoded; `None` when the object has no such element
    /// or it is not binary.
    pub fn device(&self, element_type: u32) -> Option<Result<BcdDevice>> {
        match &self.element(element_type)?.value {
            ValueData::Binary(b) | ValueData::None(b) => Some(parse_device_element(b)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
