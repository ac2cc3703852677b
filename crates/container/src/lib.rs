//! Virtual-disk containers for vhdlint: raw, VHD and VHDX, read byte-exactly by offset.
//!
//! This is the bottom of vhdlint's pipeline. It presents any image a Windows admin, Hyper-V,
//! Disk2vhd or qemu-img produces as its **virtual disk**: bytes by offset, exactly as Hyper-V would
//! see them, through the positional-read trait [`ReadAt`] that every higher layer reads through.
//! Images are opened read-only; a VHDX log is replayed into memory, never into the file.
//!
//! # Getting started
//! 1. [`open`] a path: the format is detected from content, never from the file name.
//! 2. Look at [`Container::info`]: format, disk type, virtual size, sector sizes, diagnostics.
//! 3. Read the virtual disk with [`ReadAt::read_at`]; wrap it in [`Window`] for a partition or
//!    [`Cursor`] for crates that want `Read + Seek`.
//!
//! ```no_run
//! use vhdlint_container::{open, ReadAt};
//! let disk = open(std::path::Path::new("disk.vhdx"))?;
//! let mut mbr = [0u8; 512];
//! disk.read_at(0, &mut mbr)?;
//! println!("{} bytes, {:?}", disk.info().virtual_size, disk.info().format);
//! # Ok::<(), vhdlint_container::ContainerError>(())
//! ```

#![deny(missing_docs)]

pub mod bytes;
pub mod cache;
pub mod diag;
pub mod error;
pub mod foreign;
#[doc(hidden)]
pub mod fuzzing;
pub mod guid;
pub mod hash;
pub mod input;
pub mod read;
pub mod vhd;
pub mod vhdx;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use diag::Diagnostic;
pub use error::{ContainerError, Result};
pub use guid::Guid;
pub use read::{Counted, Cursor, FileSource, ReadAt, ReadError, ReadStats, Window, Zeros};

/// The container format, detected from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A plain disk image: file offset = disk offset.
    Raw,
    /// Virtual PC / Hyper-V VHD (footer cookie `conectix`).
    Vhd,
    /// Hyper-V VHDX (MS-VHDX, file identifier `vhdxfile`).
    Vhdx,
}

impl Format {
    /// Stable name used in JSON (`raw`, `vhd`, `vhdx`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Raw => "raw",
            Format::Vhd => "vhd",
            Format::Vhdx => "vhdx",
        }
    }
}

/// How the virtual disk is laid out in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskType {
    /// Every block allocated, in order (raw, fixed VHD, fixed VHDX).
    Fixed,
    /// Blocks allocated on demand through a block allocation table.
    Dynamic,
    /// Blocks this file does not hold come from a parent disk.
    Differencing,
}

impl DiskType {
    /// Stable name used in JSON (`fixed`, `dynamic`, `differencing`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiskType::Fixed => "fixed",
            DiskType::Dynamic => "dynamic",
            DiskType::Differencing => "differencing",
        }
    }
}

/// The parent of a differencing disk, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentInfo {
    /// The file opened as the parent.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
}

/// What the container says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Detected format.
    pub format: Format,
    /// Fixed, dynamic or differencing.
    pub disk_type: DiskType,
    /// Size of the virtual disk in bytes (VHD: the footer's CurrentSize).
    pub virtual_size: u64,
    /// Logical sector size (512 or 4096).
    pub logical_sector_size: u32,
    /// Physical sector size (512 or 4096).
    pub physical_sector_size: u32,
    /// Block size of dynamic and differencing disks (and fixed VHDX); `None` for raw and fixed VHD.
    pub block_size: Option<u32>,
    /// Size of the container file in bytes.
    pub file_size: u64,
    /// The parent of a differencing disk.
    pub parent: Option<ParentInfo>,
    /// True when a VHDX log was replayed (into memory) to read the disk.
    pub log_replayed: bool,
    /// The identity a child names its parent by: a VHD footer's UniqueId, a VHDX DataWriteGuid.
    pub identity: Option<Guid>,
    /// The creator the file names (VHD creator application, VHDX creator string).
    pub creator: Option<String>,
    /// VHD only: the size the footer's CHS geometry gives (cylinders × heads × sectors × 512).
    pub chs_size: Option<u64>,
    /// Anomalies read past.
    pub diagnostics: Vec<Diagnostic>,
}

impl ContainerInfo {
    /// Info for a raw image of `len` bytes (512-byte sectors, no diagnostics).
    pub fn raw(len: u64) -> Self {
        ContainerInfo {
            format: Format::Raw,
            disk_type: DiskType::Fixed,
            virtual_size: len,
            logical_sector_size: 512,
            physical_sector_size: 512,
            block_size: None,
            file_size: len,
            parent: None,
            log_replayed: false,
            identity: None,
            creator: None,
            chs_size: None,
            diagnostics: Vec::new(),
        }
    }
}

/// An opened container: its info, and its virtual disk as a [`ReadAt`] source.
pub struct Container {
    info: ContainerInfo,
    disk: Arc<dyn ReadAt>,
    parent: Option<Arc<Container>>,
    path: Option<PathBuf>,
    file: Option<Arc<Counted<FileSource>>>,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("parent", &self.parent)
            .finish_non_exhaustive()
    }
}

impl Container {
    /// Assembles a container from a format reader's parts.
    pub fn new(info: ContainerInfo, disk: Arc<dyn ReadAt>, parent: Option<Arc<Container>>) -> Self {
        Container {
            info,
            disk,
            parent,
            path: None,
            file: None,
        }
    }

    /// What the container says about itself.
    pub fn info(&self) -> &ContainerInfo {
        &self.info
    }

    /// The parent of a differencing disk.
    pub fn parent(&self) -> Option<&Arc<Container>> {
        self.parent.as_ref()
    }

    /// The file this container was opened from, when it was opened by path.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The virtual disk.
    pub fn disk(&self) -> &Arc<dyn ReadAt> {
        &self.disk
    }

    /// Reads made from this container's file and its parents' files so far.
    pub fn file_stats(&self) -> ReadStats {
        let own = self.file.as_ref().map(|f| f.stats()).unwrap_or_default();
        let parent = self
            .parent
            .as_ref()
            .map(|p| p.file_stats())
            .unwrap_or_default();
        ReadStats {
            calls: own.calls + parent.calls,
            bytes: own.bytes + parent.bytes,
        }
    }
}

impl ReadAt for Container {
    fn len(&self) -> u64 {
        self.disk.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        self.disk.read_at(offset, buf)
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        self.disk.borrow_at(offset, max_len)
    }
}

/// A parent locator entry as stored in a differencing disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentLocator {
    /// What kind of path this is: a VHDX key (`relative_path`, `absolute_win32_path`,
    /// `volume_path`) or a VHD platform code (`W2ru`, `W2ku`, `Wi2r`, `Wi2k`).
    pub key: String,
    /// The path as stored.
    pub path: String,
}

impl ParentLocator {
    /// True when the path is relative to the child's folder.
    pub fn is_relative(&self) -> bool {
        matches!(self.key.as_str(), "relative_path" | "W2ru" | "Wi2r")
    }
}

/// Opens the parent of a differencing disk, given the locators the child stores.
pub trait ParentOpener {
    /// Opens the first locator that names an existing disk; fails with
    /// [`ContainerError::ParentNotFound`] listing every place tried.
    fn open_parent(&mut self, locators: &[ParentLocator]) -> Result<Arc<Container>>;
}

/// A [`ParentOpener`] that finds no parent (in-memory images, fuzzing).
#[derive(Debug, Default)]
pub struct NoParents;

impl ParentOpener for NoParents {
    fn open_parent(&mut self, locators: &[ParentLocator]) -> Result<Arc<Container>> {
        Err(ContainerError::ParentNotFound {
            child: "<in-memory image>".into(),
            tried: locators
                .iter()
                .map(|l| format!("{} ({})", l.path, l.key))
                .collect(),
        })
    }
}

/// Longest differencing chain followed: Hyper-V checkpoint trees stay far shorter.
pub const MAX_CHAIN_DEPTH: usize = 64;

/// How [`open_with`] opens image files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Also map the files read-only into memory, so whole-disk reads (hashing) can use the page
    /// cache in place. Checks and listings do not need it.
    pub map_files: bool,
}

/// Opens parents on the file system, relative to the child's folder, with loop and depth guards.
#[derive(Debug)]
struct FsParentOpener {
    child: PathBuf,
    /// Canonical paths of the chain so far, child last.
    chain: Vec<PathBuf>,
    options: OpenOptions,
}

impl FsParentOpener {
    fn candidates(&self, loc: &ParentLocator) -> Vec<(PathBuf, String)> {
        let dir = self.child.parent().unwrap_or(Path::new("."));
        let native = loc.path.replace('\\', std::path::MAIN_SEPARATOR_STR);
        let mut out = Vec::new();
        let windows_absolute =
            loc.path.starts_with("\\\\") || loc.path.as_bytes().get(1) == Some(&b':');
        if loc.is_relative() {
            let rel = native
                .strip_prefix(&format!(".{}", std::path::MAIN_SEPARATOR))
                .unwrap_or(&native);
            out.push((dir.join(rel), loc.key.clone()));
        } else if cfg!(windows) || !windows_absolute {
            out.push((PathBuf::from(&native), loc.key.clone()));
        }
        if windows_absolute && !cfg!(windows) {
            // A Windows path cannot be opened here; look for the same file name beside the child.
            if let Some(name) = loc
                .path
                .rsplit(['\\', '/'])
                .next()
                .filter(|n| !n.is_empty())
            {
                out.push((dir.join(name), format!("file name of {}", loc.key)));
            }
        }
        out
    }
}

impl ParentOpener for FsParentOpener {
    fn open_parent(&mut self, locators: &[ParentLocator]) -> Result<Arc<Container>> {
        let mut tried = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        for loc in locators {
            for (path, how) in self.candidates(loc) {
                if seen.contains(&path) {
                    continue;
                }
                seen.push(path.clone());
                if !path.is_file() {
                    tried.push(format!("{} ({how})", path.display()));
                    continue;
                }
                let canonical = path
                    .canonicalize()
                    .map_err(|e| ContainerError::open(&path, &e))?;
                if self.chain.contains(&canonical) {
                    return Err(ContainerError::ChainLoop {
                        path: path.display().to_string(),
                        message: "this disk is already in its own parent chain".into(),
                    });
                }
                if self.chain.len() >= MAX_CHAIN_DEPTH {
                    return Err(ContainerError::ChainLoop {
                        path: path.display().to_string(),
                        message: format!("chain deeper than {MAX_CHAIN_DEPTH} disks"),
                    });
                }
                let mut chain = self.chain.clone();
                chain.push(canonical);
                return open_in_chain(&path, chain, self.options).map(Arc::new);
            }
        }
        Err(ContainerError::ParentNotFound {
            child: self.child.display().to_string(),
            tried,
        })
    }
}

/// Opens the image at `path` read-only and detects its format from content.
///
/// Differencing disks have their parent chain opened too (relative locators resolved against the
/// child's folder, each parent's identity verified).
pub fn open(path: &Path) -> Result<Container> {
    open_with(path, OpenOptions::default())
}

/// [`open`] with options.
///
/// A pipe, socket, character device or directory is refused from its file type before it is
/// opened ([`input::check_path`]); a foreign format (qcow2, VMDK, ISO, gzip, …) is
/// [`ContainerError::Foreign`], never a raw disk.
pub fn open_with(path: &Path, options: OpenOptions) -> Result<Container> {
    input::check_path(path)?;
    let canonical = path
        .canonicalize()
        .map_err(|e| ContainerError::open(path, &e))?;
    open_in_chain(path, vec![canonical], options)
}

fn open_in_chain(path: &Path, chain: Vec<PathBuf>, options: OpenOptions) -> Result<Container> {
    let file = if options.map_files {
        FileSource::open_mapped(path)
    } else {
        FileSource::open(path)
    }
    .map_err(|e| ContainerError::open(path, &e))?;
    let file = Arc::new(Counted::new(file));
    let mut parents = FsParentOpener {
        child: path.to_path_buf(),
        chain,
        options,
    };
    let source: Arc<dyn ReadAt> = Arc::new(read::PageCache::new(file.clone()));
    let mut container = open_source(source, &mut parents).map_err(|e| e.with_image(path))?;
    footer_lost(path, &mut container.info);
    container.path = Some(path.to_path_buf());
    container.file = Some(file);
    Ok(container)
}

/// Diagnostic code: a file named `.vhd`/`.avhd` holds no VHD footer (read as raw): the copy
/// probably lost its last bytes.
pub const DIAG_VHD_FOOTER_LOST: &str = "vhdFooterLost";

/// Adds [`DIAG_VHD_FOOTER_LOST`] when a file named like a VHD was read as raw.
fn footer_lost(path: &Path, info: &mut ContainerInfo) {
    let vhd_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("vhd") || e.eq_ignore_ascii_case("avhd"));
    if vhd_name
        && info.format == Format::Raw
        && !info.diagnostics.iter().any(|d| d.code == "vhdFooterStray")
    {
        let at = info.file_size.saturating_sub(512);
        info.diagnostics.push(
            Diagnostic::at(
                DIAG_VHD_FOOTER_LOST,
                at,
                format!(
                    "the file is named like a VHD but its last 512 bytes (at {at:#x}) hold no VHD \
                 footer (cookie `conectix`): the file is truncated or is not a VHD; read as a \
                 raw disk of {} bytes",
                    info.file_size
                ),
            )
            .needing(info.file_size.saturating_add(512)),
        );
    }
}

/// Opens a container from any source (in-memory bytes, a partition…), with `parents` finding
/// the parent of a differencing disk.
pub fn open_source(source: Arc<dyn ReadAt>, parents: &mut dyn ParentOpener) -> Result<Container> {
    match detect(&*source)? {
        Format::Vhdx => vhdx::open(source, parents),
        Format::Vhd => vhd::open(source, parents),
        Format::Raw => {
            if let Some(found) = foreign::recognise(&*source)? {
                return Err(ContainerError::Foreign {
                    image: "IMAGE".into(),
                    found,
                });
            }
            let mut info = ContainerInfo::raw(source.len());
            if let Some(at) = vhd::stray_footer(&*source)? {
                info.diagnostics.push(Diagnostic::at(
                    "vhdFooterStray",
                    at,
                    "a fixed-VHD footer ends the file but its CurrentSize is not the data before \
                     it: read as raw (a disk carved out of a VHD?)",
                ));
            }
            Ok(Container::new(info, source, None))
        }
    }
}

/// Detects the format from content: `vhdxfile` at 0 is VHDX; a `conectix` footer at the end
/// (512 bytes, or 511 from old tools) or a dynamic disk's copy at 0 is VHD; anything else is raw.
pub fn detect(source: &dyn ReadAt) -> Result<Format> {
    let len = source.len();
    if len >= 8 {
        let sig: [u8; 8] = read::read_array(source, 0)?;
        if &sig == vhdx::FILE_SIGNATURE {
            return Ok(Format::Vhdx);
        }
    }
    if vhd::probe(source)? {
        return Ok(Format::Vhd);
    }
    Ok(Format::Raw)
}
