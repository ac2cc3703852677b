//! The container crate's error type: every variant says which structure and where.

use std::io;
use std::path::PathBuf;

use crate::read::ReadError;

/// Result of container operations.
pub type Result<T, E = ContainerError> = std::result::Result<T, E>;

/// Why a container could not be opened or read.
///
/// Variants about image bytes carry the absolute `offset` in the container file and the name of
/// the on-disk `structure` (e.g. `"VHDX header 1"`, `"VHD footer"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// A read failed (I/O, past the end, or a corrupt structure met lazily).
    #[error(transparent)]
    Read(#[from] ReadError),

    /// A field lies outside the bytes of its structure.
    #[error(transparent)]
    Field(#[from] crate::bytes::OutOfRange),

    /// The operating system would not open a file.
    #[error("cannot open {path}: {message}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The error kind the OS reported.
        kind: io::ErrorKind,
        /// The OS's message.
        message: String,
    },

    /// A signature is not what the structure requires.
    #[error("{structure} at {offset:#x}: signature {actual:?}, expected {expected:?}")]
    InvalidSignature {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// The signature required.
        expected: &'static str,
        /// What is there (lossy text).
        actual: String,
    },

    /// A checksum does not match the bytes it covers.
    #[error("{structure} at {offset:#x}: checksum {actual:#010x}, expected {expected:#010x}")]
    ChecksumMismatch {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// The checksum computed over the bytes.
        expected: u32,
        /// The checksum stored.
        actual: u32,
    },

    /// A field holds a value the format forbids.
    #[error("{structure} at {offset:#x}: {message}")]
    Invalid {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// What is wrong.
        message: String,
    },

    /// A legal feature vhdlint does not read.
    #[error("{structure} at {offset:#x}: unsupported: {message}")]
    Unsupported {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// What is not supported.
        message: String,
    },

    /// A size or count beyond a named limit (never allocated).
    #[error("{structure} at {offset:#x}: {what} is {value}, more than the limit {limit}")]
    TooLarge {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// The quantity (e.g. `"BAT entry count"`).
        what: &'static str,
        /// Its value.
        value: u64,
        /// The limit.
        limit: u64,
    },

    /// The file ends before a structure it needs.
    #[error("{structure} at {offset:#x}: needs {needed} bytes but the file is {file_size} bytes")]
    Truncated {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it starts.
        offset: u64,
        /// Bytes it needs from `offset`.
        needed: u64,
        /// Size of the file.
        file_size: u64,
    },

    /// A differencing disk's parent was not found at any place its locators name.
    #[error("parent disk of {child} not found; {}", looked_for(tried))]
    ParentNotFound {
        /// The child disk.
        child: String,
        /// Every place looked at, with the locator that named it.
        tried: Vec<String>,
    },

    /// A parent was found but is not the disk the child was made from.
    #[error("parent {path} does not match its child: {message}")]
    ParentMismatch {
        /// The parent file.
        path: String,
        /// What differs (identifier, size).
        message: String,
    },

    /// The input is not a file that can be read by offset (a pipe, a socket, a character
    /// device, a directory): refused from its type, before it is opened or read.
    #[error("cannot read {}: it is {what}: {advice}", path.display())]
    NotRandomAccess {
        /// The path given.
        path: PathBuf,
        /// What it is (`"a pipe (FIFO)"`, `"a socket"`, `"a character device"`, `"a directory"`).
        what: &'static str,
        /// What to do instead.
        advice: &'static str,
    },

    /// The file is an image or archive in a format vhdlint does not read (qcow2, VMDK, ISO,
    /// gzip, …), recognised by content: it is never read as a raw disk.
    #[error("{}", found.message(image))]
    Foreign {
        /// The image as the user named it (`IMAGE` when opened from memory).
        image: String,
        /// What was recognised, where, and how to get a disk vhdlint reads.
        found: crate::foreign::Recognised,
    },

    /// A chain of differencing disks loops or is deeper than the limit.
    #[error("differencing chain at {path}: {message}")]
    ChainLoop {
        /// The disk where the walk stopped.
        path: String,
        /// A loop, or the depth limit.
        message: String,
    },
}

impl ContainerError {
    /// An OS error opening `path`.
    pub fn open(path: impl Into<PathBuf>, err: &io::Error) -> Self {
        ContainerError::Open {
            path: path.into(),
            kind: err.kind(),
            message: err.to_string(),
        }
    }

    /// The format name (`"qcow2"`, `"gzip"`, …) when the input is a recognised foreign format.
    pub fn foreign_format(&self) -> Option<&'static str> {
        match self {
            ContainerError::Foreign { found, .. } => Some(found.format.id()),
            _ => None,
        }
    }

    /// Names the image in a [`ContainerError::Foreign`] error (its advice quotes the path).
    pub fn with_image(self, path: &std::path::Path) -> Self {
        match self {
            ContainerError::Foreign { found, .. } => ContainerError::Foreign {
                image: path.display().to_string(),
                found,
            },
            other => other,
        }
    }

    /// True when the OS refused to open a file (as opposed to a corrupt image).
    pub fn is_os_error(&self) -> bool {
        matches!(
            self,
            ContainerError::Open { .. }
                | ContainerError::NotRandomAccess { .. }
                | ContainerError::Read(ReadError::Io { .. })
        )
    }
}

/// The places a parent was looked for, or that the locators name none.
fn looked_for(tried: &[String]) -> String {
    if tried.is_empty() {
        "its locators name no path".to_string()
    } else {
        format!("looked for: {}", tried.join(", "))
    }
}
