//! An opened image: its container, its partition table, and its volumes mounted on demand.
//!
//! Generic: it knows partitions and file systems, not where Windows keeps anything. Which
//! volume is the Windows volume, the EFI system partition or the boot volume is decided in
//! `vhdlint-gather` (`layout`), the one place that knows the Windows image layout.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use vhdlint_container::{Container, ContainerError, ReadAt, Window};
use vhdlint_volumes::{read_partitions, Partition, PartitionKind, PartitionTable, VolumeError};

use crate::{mount, FileSystem, FsError};

/// Why an image could not be opened down to its volumes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The container (raw, VHD, VHDX) could not be read.
    #[error("container: {0}")]
    Container(#[from] ContainerError),
    /// The partition table could not be read.
    #[error("partition table: {0}")]
    Partitions(#[from] VolumeError),
    /// No partition has that index.
    #[error("no partition {index}; partitions: {available}")]
    NoSuchPartition {
        /// The index asked for.
        index: u32,
        /// The indexes there are.
        available: String,
    },
    /// The partition exists but holds no file system to read (the Microsoft Reserved partition,
    /// LDM metadata, a partition past the end of the disk…).
    #[error("partition {index} is {what}: it holds no file system vhdlint reads; partitions with a volume: {available}")]
    NoVolume {
        /// The index asked for.
        index: u32,
        /// What it is (`the Microsoft Reserved partition (MSR)`).
        what: String,
        /// The indexes of volumes there are.
        available: String,
    },
    /// A volume could not be mounted.
    #[error("{volume}: {source}")]
    Mount {
        /// Which volume (`partition 3`, `the disk`).
        volume: String,
        /// Why.
        source: FsError,
    },
    /// No volume holds a file system vhdlint reads.
    #[error("no readable file system on the disk{details}")]
    NoFileSystem {
        /// Why each volume was refused.
        details: String,
    },
    /// Several volumes hold file systems and none is the Windows volume: the caller must choose.
    #[error("several file systems and no Windows volume; choose one with --partition ({choices})")]
    Ambiguous {
        /// The candidate partitions.
        choices: String,
    },
}

/// One volume: a partition (or the whole disk when there is no partition table).
pub struct Volume {
    /// The partition, or `None` for a bare volume (file system at LBA 0).
    pub partition: Option<Partition>,
    /// The volume's bytes.
    pub source: Arc<dyn ReadAt>,
    fs: OnceLock<Result<Arc<dyn FileSystem>, FsError>>,
}

impl std::fmt::Debug for Volume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Volume")
            .field("partition", &self.partition)
            .field("len", &self.source.len())
            .finish_non_exhaustive()
    }
}

impl Volume {
    /// The partition index, or `None` for a bare volume.
    pub fn index(&self) -> Option<u32> {
        self.partition.as_ref().map(|p| p.index)
    }

    /// `partition N` or `the disk`, for messages.
    pub fn describe(&self) -> String {
        match &self.partition {
            Some(p) => format!("partition {} ({})", p.index, p.kind.as_str()),
            None => "the disk (no partition table)".into(),
        }
    }

    /// The mounted file system (mounted on first use, then kept).
    pub fn fs(&self) -> Result<&Arc<dyn FileSystem>, ImageError> {
        self.fs
            .get_or_init(|| mount(self.source.clone()).map(Arc::from))
            .as_ref()
            .map_err(|e| ImageError::Mount {
                volume: self.describe(),
                source: e.clone(),
            })
    }
}

/// An image opened down to its volumes.
pub struct Image {
    container: Arc<Container>,
    table: PartitionTable,
    volumes: Vec<Volume>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("container", &self.container)
            .field("table", &self.table)
            .field("volumes", &self.volumes)
            .finish_non_exhaustive()
    }
}

/// Partition kinds that never hold a file system vhdlint reads.
fn never_mounted(kind: PartitionKind) -> bool {
    matches!(
        kind,
        PartitionKind::MicrosoftReserved
            | PartitionKind::LdmMetadata
            | PartitionKind::LdmData
            | PartitionKind::StorageSpaces
            | PartitionKind::BiosBoot
    )
}

impl Image {
    /// Opens the image at `path` read-only and reads its partition table.
    pub fn open(path: &Path) -> Result<Image, ImageError> {
        let container = vhdlint_container::open(path)?;
        Image::from_container(Arc::new(container))
    }

    /// Reads the partition table of an opened container.
    pub fn from_container(container: Arc<Container>) -> Result<Image, ImageError> {
        let disk: Arc<dyn ReadAt> = container.clone();
        let table = read_partitions(&*disk, container.info().logical_sector_size)?;
        let mut volumes = Vec::new();
        if table.entries.is_empty() {
            volumes.push(Volume {
                partition: None,
                source: disk.clone(),
                fs: OnceLock::new(),
            });
        }
        // A partition whose bytes overlap an earlier one's (by start, then index) is not a
        // volume: the table's `partitionOverlap` diagnostics name it, and its bytes are the other
        // volume's. So a table of 131,072 entries naming one range mounts one volume, not
        // 131,072 (nor keeps them).
        let mut order: Vec<&Partition> = table
            .entries
            .iter()
            .filter(|p| !never_mounted(p.kind))
            .collect();
        order.sort_by_key(|p| (p.start_offset, p.index));
        let mut furthest = 0u64;
        let mut overlapped = std::collections::HashSet::new();
        for (i, p) in order.iter().enumerate() {
            if i > 0 && p.size > 0 && p.start_offset < furthest {
                overlapped.insert(p.index);
            } else {
                furthest = furthest.max(p.end_offset());
            }
        }
        drop(order);
        for p in &table.entries {
            if never_mounted(p.kind) || overlapped.contains(&p.index) {
                continue;
            }
            // A partition reaching past the disk is diagnosed by the table reader; read what is there.
            let len = p.size.min(disk.len().saturating_sub(p.start_offset));
            let Ok(window) = Window::new(disk.clone(), p.start_offset, len) else {
                continue;
            };
            volumes.push(Volume {
                partition: Some(p.clone()),
                source: Arc::new(window),
                fs: OnceLock::new(),
            });
        }
        Ok(Image {
            container,
            table,
            volumes,
        })
    }

    /// The container.
    pub fn container(&self) -> &Arc<Container> {
        &self.container
    }

    /// The partition table.
    pub fn partitions(&self) -> &PartitionTable {
        &self.table
    }

    /// Every volume that may hold a file system, in table order (a partition overlapping an
    /// earlier one is none: see the table's `partitionOverlap` diagnostics).
    pub fn volumes(&self) -> &[Volume] {
        &self.volumes
    }

    /// The volume of partition `index`.
    pub fn volume(&self, index: u32) -> Result<&Volume, ImageError> {
        let available = || {
            self.volumes
                .iter()
                .filter_map(Volume::index)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(v) = self.volumes.iter().find(|v| v.index() == Some(index)) {
            return Ok(v);
        }
        match self.table.entries.iter().find(|p| p.index == index) {
            Some(p) => {
                let disk = self.container.info().virtual_size;
                let what = if p.start_offset.saturating_add(p.size) > disk {
                    format!(
                        "a {} partition past the end of the {disk}-byte disk (a truncated image)",
                        p.kind.as_str()
                    )
                } else if p.kind == vhdlint_volumes::PartitionKind::MicrosoftReserved {
                    "the Microsoft Reserved partition (MSR, type E3C9E316-0B5C-4DB8-817D-F92DF00215AE)"
                        .to_owned()
                } else {
                    format!("a {} partition", p.kind.as_str())
                };
                Err(ImageError::NoVolume {
                    index,
                    what,
                    available: available(),
                })
            }
            None => Err(ImageError::NoSuchPartition {
                index,
                available: available(),
            }),
        }
    }
}

/// Strips a drive letter (`C:`) from a Windows path; `C:\Windows` and `/Windows` name the same
/// folder of the volume.
pub fn volume_path(path: &str) -> &str {
    let b = path.as_bytes();
    if b.len() >= 2 && b.first().is_some_and(u8::is_ascii_alphabetic) && b.get(1) == Some(&b':') {
        path.get(2..).unwrap_or("")
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_letters_are_stripped() {
        assert_eq!(volume_path(r"C:\Windows\System32"), r"\Windows\System32");
        assert_eq!(volume_path("/Windows"), "/Windows");
        assert_eq!(volume_path("c:"), "");
        assert_eq!(volume_path("x"), "x");
    }
}
