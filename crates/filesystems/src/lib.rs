//! File systems inside a Windows image, read-only: NTFS (OS volume) and FAT (EFI system
//! partition), behind one project-owned trait, [`FileSystem`].
//!
//! NTFS is read by vhdlint's own read-only reader ([`ntfs`]): positional `&self` reads shared by
//! any number of threads, `$MFT` assembled from every `$DATA` piece its `$ATTRIBUTE_LIST` names,
//! `$I30` lookups by B+tree descent with `$UpCase` collation, bounded caches and bounded walks,
//! LZNT1 decompression. FAT goes through `fatfs`, isolated: every call runs inside
//! `catch_unwind` (a panic is [`FsError::ParserPanic`]) and metadata reads per call are budgeted
//! ([`MAX_READ_PER_CALL`]). Boot sectors are checked by vhdlint before anything else reads them.
//!
//! File content is never handed out as if it were plain when it is not: WOF/CompactOS,
//! EFS-encrypted and reparse-point (symlink, junction, dehydrated cloud placeholder) files open
//! as [`FileData::Unreadable`] with the reason; LZNT1-compressed files are decompressed; a cloud
//! placeholder whose content is on the volume opens as content ([`CloudState`]).
//!
//! # Getting started
//! 1. Read the partition table (`vhdlint_volumes::read_partitions`) and take a partition as a
//!    [`Window`](vhdlint_container::Window) of the disk.
//! 2. [`mount`] it: NTFS, FAT12/16/32 or a clear [`FsError::BitLocker`].
//! 3. [`FileSystem::list`], [`FileSystem::stat`], [`FileSystem::open`] paths such as
//!    `Windows/System32/config/SYSTEM` (either separator, case-insensitive).
//!
//! ```no_run
//! use std::sync::Arc;
//! use vhdlint_container::{ReadAt, Window};
//! use vhdlint_filesystems::{mount, FileData};
//! let disk = vhdlint_container::open(std::path::Path::new("disk.vhdx"))?;
//! let volume = Window::new(disk.disk().clone(), 1 << 20, 100 << 20)?;
//! let fs = mount(Arc::new(volume))?;
//! if let FileData::Content(data) = fs.open("EFI/Microsoft/Boot/BCD", None)? {
//!     let mut head = [0u8; 4];
//!     data.read_at(0, &mut head)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod budget;
pub mod error;
pub mod extents;
pub mod fat;
#[doc(hidden)]
pub mod fuzzing;
mod guard;
pub use guard::panic_text;
pub mod image;
pub mod ntfs;
pub mod path;

use std::sync::Arc;

pub use error::{FsError, Result};
pub use extents::{Extent, Extents};
pub use vhdlint_container::ReadAt;

use vhdlint_container::bytes;

/// Most metadata bytes one call ([`FileSystem::list`], `stat`, `open`, `mount`) may read through
/// a third-party parser (`fatfs`): 1 GiB. A parser looping over cyclic on-disk structures hits
/// this bound and stops with [`FsError::ReadBudgetExhausted`]. The NTFS reader bounds each walk
/// itself instead.
pub const MAX_READ_PER_CALL: u64 = 1 << 30;

/// Most entries one directory listing returns (NTFS index entries counted before the DOS-name
/// duplicates are dropped). `System32` holds about 5,000; `WinSxS` about 20,000.
pub const MAX_DIR_ENTRIES: usize = 200_000;

/// Which file system a volume holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsKind {
    /// NTFS (`NTFS    ` OEM id).
    Ntfs,
    /// FAT12, FAT16 or FAT32.
    Fat,
}

impl FsKind {
    /// Stable name used in JSON (`ntfs`, `fat`).
    pub fn as_str(self) -> &'static str {
        match self {
            FsKind::Ntfs => "ntfs",
            FsKind::Fat => "fat",
        }
    }
}

/// What kind of reparse point a tag names (MS-FSCC 2.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReparseKind {
    /// IO_REPARSE_TAG_SYMLINK, 0xA000000C.
    Symlink,
    /// IO_REPARSE_TAG_MOUNT_POINT, 0xA0000003 (junction or volume mount point).
    Junction,
    /// IO_REPARSE_TAG_WOF, 0x80000017 (Windows Overlay Filter: CompactOS, WIMBoot).
    Wof,
    /// IO_REPARSE_TAG_CLOUD and CLOUD_1..F, 0x9000x01A (OneDrive / cloud files placeholders).
    Cloud,
    /// IO_REPARSE_TAG_DEDUP, 0x80000013 (data deduplication: data in the chunk store).
    Dedup,
    /// Any other tag.
    Other,
}

/// IO_REPARSE_TAG_MOUNT_POINT.
pub const TAG_MOUNT_POINT: u32 = 0xA000_0003;
/// IO_REPARSE_TAG_SYMLINK.
pub const TAG_SYMLINK: u32 = 0xA000_000C;
/// IO_REPARSE_TAG_WOF.
pub const TAG_WOF: u32 = 0x8000_0017;
/// IO_REPARSE_TAG_DEDUP.
pub const TAG_DEDUP: u32 = 0x8000_0013;
/// IO_REPARSE_TAG_CLOUD; CLOUD_1..CLOUD_F set bits 12–15 (0x9000101A … 0x9000F01A).
pub const TAG_CLOUD: u32 = 0x9000_001A;
/// Mask that maps every IO_REPARSE_TAG_CLOUD_n onto [`TAG_CLOUD`].
pub const TAG_CLOUD_MASK: u32 = 0xFFFF_0FFF;

impl ReparseKind {
    /// The kind a reparse tag names.
    pub fn from_tag(tag: u32) -> Self {
        match tag {
            TAG_SYMLINK => ReparseKind::Symlink,
            TAG_MOUNT_POINT => ReparseKind::Junction,
            TAG_WOF => ReparseKind::Wof,
            TAG_DEDUP => ReparseKind::Dedup,
            t if t & TAG_CLOUD_MASK == TAG_CLOUD => ReparseKind::Cloud,
            _ => ReparseKind::Other,
        }
    }

    /// Stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReparseKind::Symlink => "symlink",
            ReparseKind::Junction => "junction",
            ReparseKind::Wof => "wof",
            ReparseKind::Cloud => "cloud",
            ReparseKind::Dedup => "dedup",
            ReparseKind::Other => "other",
        }
    }
}

/// Compression algorithm of a WOF-compressed file (FILE_PROVIDER_EXTERNAL_INFO_V1.Algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WofAlgorithm {
    /// FILE_PROVIDER_COMPRESSION_XPRESS4K (0).
    Xpress4k,
    /// FILE_PROVIDER_COMPRESSION_LZX (1).
    Lzx,
    /// FILE_PROVIDER_COMPRESSION_XPRESS8K (2).
    Xpress8k,
    /// FILE_PROVIDER_COMPRESSION_XPRESS16K (3).
    Xpress16k,
    /// WIM-backed file (WOF provider 1, WIMBoot): data lives in a WIM file.
    Wim,
    /// Any other value.
    Unknown(u32),
}

/// Why a file's bytes are not its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    /// NTFS LZNT1 compression (attribute flag 0x0001 / file attribute 0x800).
    Compressed,
    /// WOF / CompactOS compression: reparse tag 0x80000017, data in ADS `WofCompressedData`.
    WofCompressed {
        /// The algorithm.
        algorithm: WofAlgorithm,
    },
    /// EFS encryption (file attribute 0x4000).
    Encrypted,
    /// Another reparse point (symlink, junction, cloud placeholder, dedup…).
    Reparse {
        /// The reparse tag.
        tag: u32,
        /// What the tag names.
        kind: ReparseKind,
    },
}

/// FILE_ATTRIBUTE_OFFLINE: the data is not on the volume.
pub const ATTR_OFFLINE: u32 = 0x0000_1000;
/// FILE_ATTRIBUTE_RECALL_ON_OPEN: the file must be fetched from its provider to open.
pub const ATTR_RECALL_ON_OPEN: u32 = 0x0004_0000;
/// FILE_ATTRIBUTE_PINNED: the user asked to always keep the content on the device.
pub const ATTR_PINNED: u32 = 0x0008_0000;
/// FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS: the data must be fetched from its provider to read.
pub const ATTR_RECALL_ON_DATA_ACCESS: u32 = 0x0040_0000;

/// State of a cloud-files placeholder (OneDrive; reparse tag IO_REPARSE_TAG_CLOUD_n).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloudState {
    /// The content is on the volume (none of FILE_ATTRIBUTE_OFFLINE, RECALL_ON_OPEN,
    /// RECALL_ON_DATA_ACCESS): the unnamed stream is the file's bytes and opens as content, as
    /// ntfs-3g reads it. `pinned`: FILE_ATTRIBUTE_PINNED ("always keep on this device").
    Local {
        /// FILE_ATTRIBUTE_PINNED is set.
        pinned: bool,
    },
    /// Dehydrated: the content lives with the cloud provider (one of the attributes above is
    /// set); the stream on the volume is not the content and opening refuses it.
    NotLocal,
}

impl CloudState {
    /// The state a cloud placeholder's FILE_ATTRIBUTE_* bits give.
    pub fn from_attributes(attributes: u32) -> CloudState {
        if attributes & (ATTR_OFFLINE | ATTR_RECALL_ON_OPEN | ATTR_RECALL_ON_DATA_ACCESS) != 0 {
            CloudState::NotLocal
        } else {
            CloudState::Local {
                pinned: attributes & ATTR_PINNED != 0,
            }
        }
    }

    /// `local`, `local-pinned` or `not-local`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloudState::Local { pinned: false } => "local",
            CloudState::Local { pinned: true } => "local-pinned",
            CloudState::NotLocal => "not-local",
        }
    }
}

/// One directory entry, or the result of [`FileSystem::stat`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The long (Win32) name; the root is `""`.
    pub name: String,
    /// True for directories.
    pub is_dir: bool,
    /// Size of the unnamed data stream in bytes (0 for directories).
    pub size: u64,
    /// Raw FILE_ATTRIBUTE_* bits (NTFS `$STANDARD_INFORMATION`, FAT attribute byte).
    pub attributes: u32,
    /// Creation time, FILETIME (100 ns since 1601-01-01 UTC; FAT: local time as stored).
    pub created: Option<u64>,
    /// Last write time, FILETIME.
    pub modified: Option<u64>,
    /// Last access time, FILETIME.
    pub accessed: Option<u64>,
    /// Reparse tag, when the file is a reparse point (NTFS).
    pub reparse_tag: Option<u32>,
    /// Names of alternate data streams (NTFS).
    pub streams: Vec<String>,
    /// Why the content cannot be read as plain bytes, if so.
    pub special: Option<Special>,
    /// For a cloud-files placeholder (OneDrive): whether its content is on the volume. A local
    /// placeholder has `special: None` (its bytes are its content); one that is not local has
    /// `special: Some(Special::Reparse { kind: Cloud, .. })`.
    pub cloud: Option<CloudState>,
}

/// What [`FileSystem::open`] gives.
#[derive(Clone)]
pub enum FileData {
    /// The stream's bytes, read lazily.
    Content(Arc<dyn ReadAt>),
    /// The bytes on disk are not the content (compressed, encrypted, a reparse point).
    Unreadable(Special),
}

impl std::fmt::Debug for FileData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileData::Content(d) => write!(f, "Content({} bytes)", d.len()),
            FileData::Unreadable(s) => write!(f, "Unreadable({s:?})"),
        }
    }
}

impl FileData {
    /// The content, or [`FsError::Unreadable`] naming `path`.
    pub fn content(self, path: &str) -> Result<Arc<dyn ReadAt>> {
        match self {
            FileData::Content(d) => Ok(d),
            FileData::Unreadable(special) => Err(FsError::Unreadable {
                path: path.into(),
                special,
            }),
        }
    }
}

/// A mounted, read-only file system. Paths use `/` or `\`, are case-insensitive, and `""` or
/// `"/"` is the root.
pub trait FileSystem: Send + Sync {
    /// Which file system this is.
    fn kind(&self) -> FsKind;
    /// The volume label.
    fn label(&self) -> Option<String>;
    /// The volume's state flags (NTFS `$VOLUME_INFORMATION`), when the file system has them.
    fn volume_flags(&self) -> Option<VolumeFlags> {
        None
    }
    /// The entries of the directory at `path` (no `.`/`..`, no DOS 8.3 duplicates).
    fn list(&self, path: &str) -> Result<Vec<DirEntry>>;
    /// The entry at `path`.
    fn stat(&self, path: &str) -> Result<DirEntry>;
    /// The bytes of `path`'s unnamed stream (or of the named alternate data stream `stream`).
    fn open(&self, path: &str, stream: Option<&str>) -> Result<FileData>;
}

/// A volume's state flags (NTFS `$Volume` `$VOLUME_INFORMATION` flags, linux
/// `fs/ntfs/layout.h` VOLUME_FLAGS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFlags {
    /// The raw u16.
    pub raw: u16,
    /// Where it was read (structure and offset).
    pub location: String,
}

impl VolumeFlags {
    /// VOLUME_IS_DIRTY (0x0001): chkdsk runs at the next mount. (0x0080, set on every clean
    /// Windows-formatted volume, is not dirt.)
    pub const DIRTY: u16 = 0x0001;

    /// The dirty bit is set.
    pub fn dirty(&self) -> bool {
        self.raw & Self::DIRTY != 0
    }
}

/// What a boot sector says the volume holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// NTFS.
    Ntfs,
    /// FAT12/16/32.
    Fat,
    /// BitLocker (`-FVE-FS-`).
    BitLocker,
    /// exFAT (recognised, not read).
    ExFat,
    /// Nothing recognised; the OEM id found.
    Unknown(String),
}

/// Recognises the file system from a volume's first sector.
pub fn detect(boot: &[u8]) -> Detected {
    let oem = boot.get(3..11).unwrap_or_default();
    match oem {
        b"NTFS    " => return Detected::Ntfs,
        b"-FVE-FS-" => return Detected::BitLocker,
        b"EXFAT   " => return Detected::ExFat,
        _ => {}
    }
    if fat::looks_like_fat(boot) {
        return Detected::Fat;
    }
    Detected::Unknown(bytes::lossy(oem))
}

/// Mounts the file system on `volume` (a partition), read-only.
pub fn mount(volume: Arc<dyn ReadAt>) -> Result<Box<dyn FileSystem>> {
    let mut boot = [0u8; 512];
    volume.read_at(0, &mut boot)?;
    match detect(&boot) {
        Detected::Ntfs => Ok(Box::new(ntfs::NtfsFileSystem::mount(volume)?)),
        Detected::Fat => Ok(Box::new(fat::FatFileSystem::mount(volume)?)),
        Detected::BitLocker => Err(FsError::BitLocker),
        Detected::ExFat => Err(FsError::UnknownFileSystem {
            oem: "EXFAT   ".into(),
        }),
        Detected::Unknown(oem) => Err(FsError::UnknownFileSystem { oem }),
    }
}
