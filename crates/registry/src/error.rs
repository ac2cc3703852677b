//! The registry crate's error type: every variant names the on-disk structure and where it is.

use vhdlint_container::ReadError;

/// Result of registry operations.
pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

/// Why a hive, a key, a value or a log could not be read.
///
/// `offset` is always a byte offset **in the hive file** (the base block is at 0, the hive bins
/// start at 4096, so a cell at hive-bins offset `c` is reported at `4096 + c`), or in the log file
/// for log structures (the structure name then says "log").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A read of the hive or log source failed (I/O, or a corrupt structure below it).
    #[error(transparent)]
    Read(#[from] ReadError),

    /// A field lies outside the bytes of its structure.
    #[error(transparent)]
    Field(#[from] vhdlint_container::bytes::OutOfRange),

    /// A signature is not what the structure requires.
    #[error("{structure} at {offset:#x}: signature {actual:?}, expected {expected:?}")]
    InvalidSignature {
        /// The on-disk structure, e.g. `"key node (nk)"`.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// The signature required.
        expected: &'static str,
        /// What is there (lossy text).
        actual: String,
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

    /// A size or count exceeds a named limit of this reader (or the space that holds it).
    #[error("{structure} at {offset:#x}: {what} {actual:#x} exceeds the limit {limit:#x}")]
    TooLarge {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// Which quantity, e.g. `"cell size"`.
        what: &'static str,
        /// The value found.
        actual: u64,
        /// The largest value accepted.
        limit: u64,
    },

    /// A structure runs past the end of its cell, of the hive bins data or of the file.
    #[error("{structure} at {offset:#x}: needs {needed:#x} bytes, only {available:#x} available")]
    Truncated {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// Bytes the structure needs.
        needed: u64,
        /// Bytes there are.
        available: u64,
    },

    /// A walk over linked cells came back to a cell it had visited, or went deeper than any
    /// real hive does.
    #[error("{structure} at {offset:#x}: loop detected")]
    LoopDetected {
        /// The on-disk structure.
        structure: &'static str,
        /// The cell met again.
        offset: u64,
    },

    /// A cell the format gives to one owner is referenced by two (a subkey list shared by two
    /// keys, a value list naming one value twice, a big-data segment reused): refused rather
    /// than read again.
    #[error("{structure} at {offset:#x}: {what} {first:#x} (aliasing: refused)")]
    Aliased {
        /// The on-disk structure referenced twice.
        structure: &'static str,
        /// Where it is (hive-file offset).
        offset: u64,
        /// Who references it.
        what: &'static str,
        /// The first referrer (hive-file offset).
        first: u64,
    },

    /// A cell referenced as data is free (its size field is positive).
    #[error("{structure} at {offset:#x}: cell is not allocated (size field {size:#x})")]
    UnallocatedCell {
        /// The structure expected in the cell.
        structure: &'static str,
        /// Where the cell is.
        offset: u64,
        /// The size field found.
        size: u32,
    },

    /// A version, type or format this reader does not know.
    #[error("{structure} at {offset:#x}: unsupported {what} {actual:#x}")]
    Unsupported {
        /// The on-disk structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// Which field, e.g. `"major version"`.
        what: &'static str,
        /// The value found.
        actual: u64,
    },
}
