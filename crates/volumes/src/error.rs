//! Errors of the partition-table reader.

use vhdlint_container::ReadError;

/// Why a partition table could not be read at all.
///
/// Anomalies the reader can read past (a bad backup GPT, an overlap, a misaligned partition) are
/// [`Diagnostic`](vhdlint_container::Diagnostic)s in the [`PartitionTable`](crate::PartitionTable)
/// instead. Offsets are bytes from the start of the disk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VolumeError {
    /// Reading the disk failed.
    #[error("reading the partition table: {0}")]
    Read(#[from] ReadError),

    /// A field lies outside the bytes of its structure.
    #[error(transparent)]
    Field(#[from] vhdlint_container::bytes::OutOfRange),

    /// The caller asked for a logical sector size vhdlint does not support.
    #[error("unsupported logical sector size {actual} (expected 512 or 4096)")]
    UnsupportedSectorSize {
        /// The sector size asked for.
        actual: u32,
    },

    /// A structure's signature is not the one its spec requires.
    #[error("{structure} at {offset:#x}: signature {actual:?}, expected {expected:?}")]
    InvalidSignature {
        /// The on-disk structure, e.g. `"GPT header"`.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// The signature its spec requires.
        expected: String,
        /// The bytes found (printable).
        actual: String,
    },

    /// A checksum does not match its data.
    #[error("{structure} at {offset:#x}: CRC32 {actual:#010x}, expected {expected:#010x}")]
    ChecksumMismatch {
        /// `"GPT header"` or `"GPT partition entry array"`.
        structure: &'static str,
        /// Where the checksummed data starts.
        offset: u64,
        /// The checksum stored.
        expected: u32,
        /// The checksum computed.
        actual: u32,
    },

    /// A field holds a value its spec does not allow.
    #[error("{structure} at {offset:#x}: {field} {actual:#x} is invalid: {reason}")]
    InvalidField {
        /// The on-disk structure.
        structure: &'static str,
        /// Where the structure is.
        offset: u64,
        /// The field name as the spec spells it, e.g. `"SizeOfPartitionEntry"`.
        field: &'static str,
        /// The value found.
        actual: u64,
        /// Why it is refused.
        reason: String,
    },

    /// The GPT partition entry array is larger than vhdlint reads.
    #[error(
        "GPT header at {offset:#x}: {count} entries of {entry_size} bytes exceed the \
         {max}-byte entry array limit"
    )]
    EntryArrayTooLarge {
        /// Where the header is.
        offset: u64,
        /// NumberOfPartitionEntries.
        count: u32,
        /// SizeOfPartitionEntry.
        entry_size: u32,
        /// [`MAX_ENTRY_ARRAY_BYTES`](crate::gpt::MAX_ENTRY_ARRAY_BYTES).
        max: u64,
    },

    /// The protective MBR announces a GPT, but neither GPT header is valid.
    #[error("no valid GPT: primary: {primary}; backup: {backup}")]
    GptUnreadable {
        /// Why the primary header (LBA 1) was refused.
        primary: Box<VolumeError>,
        /// Why the backup header was refused.
        backup: Box<VolumeError>,
    },
}

/// Result with [`VolumeError`].
pub type Result<T, E = VolumeError> = std::result::Result<T, E>;
