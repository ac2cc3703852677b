//! Errors of the file-system layer.

use vhdlint_container::ReadError;

use crate::Special;

/// Why a volume could not be mounted or a path could not be listed or opened.
///
/// Offsets are bytes from the start of the volume.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// Reading the volume failed.
    #[error("reading the volume: {0}")]
    Read(#[from] ReadError),

    /// A field lies outside the bytes of its structure.
    #[error(transparent)]
    Field(#[from] vhdlint_container::bytes::OutOfRange),

    /// The volume is BitLocker-encrypted (`-FVE-FS-` at offset 3): its file system cannot be read
    /// without the key.
    #[error(
        "the volume is BitLocker-encrypted (-FVE-FS- signature); its files cannot be read offline"
    )]
    BitLocker,

    /// The boot sector names no file system vhdlint reads (or a recognised one it does not read,
    /// such as exFAT).
    #[error("unrecognised file system (boot sector OEM id {oem:?})")]
    UnknownFileSystem {
        /// The OEM id at offset 3, printable.
        oem: String,
    },

    /// A boot-sector field is invalid (checked before any parser sees the volume).
    #[error("{fs} boot sector: {field} = {actual:#x} is invalid: {reason}")]
    InvalidBootSector {
        /// `"NTFS"` or `"FAT"`.
        fs: &'static str,
        /// The field, as the spec names it.
        field: &'static str,
        /// The value found.
        actual: u64,
        /// Why it is refused.
        reason: String,
    },

    /// The NTFS parser refused the structure it met.
    #[error("NTFS {}: {message}", crate::path::shown(path))]
    Ntfs {
        /// The path being resolved (`"/"` for the volume itself).
        path: String,
        /// The parser's error message (with its byte position).
        message: String,
    },

    /// The FAT parser refused the structure it met.
    #[error("FAT {}: {message}", crate::path::shown(path))]
    Fat {
        /// The path being resolved (`"/"` for the volume itself).
        path: String,
        /// The parser's error message.
        message: String,
    },

    /// A third-party parser panicked; the panic was caught.
    #[error("parser panic while {what}")]
    ParserPanic {
        /// What was being done, and the panic message.
        what: String,
    },

    /// One call read more than [`MAX_READ_PER_CALL`](crate::MAX_READ_PER_CALL) bytes of metadata:
    /// a loop in on-disk structures, or a volume too big to walk.
    #[error("{what}: read budget of {limit} bytes exhausted (loop in on-disk structures?)")]
    ReadBudgetExhausted {
        /// What was being done.
        what: String,
        /// The budget.
        limit: u64,
    },

    /// No entry of that name.
    #[error("{} not found", crate::path::shown(path))]
    NotFound {
        /// The path asked for.
        path: String,
    },

    /// A path component that should be a directory is a file.
    #[error("{} is not a directory", crate::path::shown(path))]
    NotADirectory {
        /// The path up to the offending component.
        path: String,
    },

    /// `open` on a directory.
    #[error("{} is a directory", crate::path::shown(path))]
    IsADirectory {
        /// The path asked for.
        path: String,
    },

    /// The file has no data stream of that name.
    #[error("{} has no data stream {stream:?}", crate::path::shown(path))]
    StreamNotFound {
        /// The file.
        path: String,
        /// The stream asked for.
        stream: String,
    },

    /// The file's content cannot be read as plain bytes (compressed, encrypted, a reparse point).
    #[error("{} cannot be read as content: {special:?}", crate::path::shown(path))]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        special: Special,
    },

    /// A count or size is larger than the named bound vhdlint accepts.
    #[error(
        "{}: {what} {actual} exceeds the limit of {limit}",
        crate::path::shown(path)
    )]
    TooLarge {
        /// The path.
        path: String,
        /// What was counted (`"directory entries"`, `"data runs"`, `"file size"`…).
        what: &'static str,
        /// The value met (at least).
        actual: u64,
        /// The bound.
        limit: u64,
    },

    /// A path vhdlint refuses (`..`, too deep).
    #[error("invalid path {}: {reason}", crate::path::shown(path))]
    InvalidPath {
        /// The path asked for.
        path: String,
        /// Why.
        reason: String,
    },

    /// An NTFS file record or index block is corrupt: a wrong signature, a torn write (update
    /// sequence mismatch), an attribute or index entry out of bounds (MS-FSCC / NTFS on-disk
    /// format; offsets are bytes from the start of the volume).
    #[error("NTFS {structure} {number}{}: {message}", AtVolumeOffset(*.offset))]
    InvalidNtfsRecord {
        /// `"file record"` or `"index block"`.
        structure: &'static str,
        /// The file record number, or the index block's VCN.
        number: u64,
        /// Where the structure (or the offending byte) is on the volume; `None` when not known
        /// (a record past the end of `$MFT` has no place).
        offset: Option<u64>,
        /// What is wrong.
        message: String,
    },

    /// A walk over linked on-disk structures met one of them twice.
    #[error("{what} at {offset:#x}: loop detected")]
    LoopDetected {
        /// What was being walked.
        what: &'static str,
        /// Where the repeated structure is (volume offset or VCN).
        offset: u64,
    },

    /// One on-disk thing is reached twice where the format forbids sharing (NTFS runs mapping
    /// a cluster twice, `$MFT` extents that overlap, index entries naming one record beyond the
    /// hard-link limit): refused, not re-read. Both places are named (volume offsets or VCNs).
    #[error(
        "{structure} of {path:?}: {what} at {second:#x} aliases the one at {first:#x}; refused"
    )]
    Aliased {
        /// What holds the aliasing (`"NTFS run list"`, `"$MFT extents"`, `"NTFS $I30 index"`…).
        structure: &'static str,
        /// The file or record.
        path: String,
        /// What is referenced twice (`"volume bytes"`, `"file record"`…).
        what: &'static str,
        /// Where the first reference lies (volume offset, VCN or record number).
        first: u64,
        /// Where the second one lies.
        second: u64,
    },

    /// A file's data runs are inconsistent (gaps, past the end of the volume).
    #[error("{}: corrupt data runs: {message}", crate::path::shown(path))]
    CorruptRuns {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// `" at volume offset 0x…"` for a known offset, nothing otherwise.
struct AtVolumeOffset(Option<u64>);

impl std::fmt::Display for AtVolumeOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(o) => write!(f, " at volume offset {o:#x}"),
            None => Ok(()),
        }
    }
}

/// Result with [`FsError`].
pub type Result<T, E = FsError> = std::result::Result<T, E>;
