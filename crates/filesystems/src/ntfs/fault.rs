//! Typed faults of the NTFS reader's inner parsers (run lists, attribute records, attribute
//! lists, LZNT1 units, attribute merging). Each names the byte where the structure is wrong,
//! relative to the structure; the caller wraps it in an [`FsError`](crate::FsError) with the
//! record number and the volume offset.

use vhdlint_container::bytes::OutOfRange;

use super::runlist::MAX_RUNS_PER_ATTRIBUTE;
use crate::extents::MAX_EXTENTS;

/// Why a run list ("mapping pairs") cannot be decoded. `at` is the byte of the run list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RunlistError {
    /// A header byte with a zero or over-long length or offset size.
    #[error("run header {header:#04x} at byte {at:#x} is invalid")]
    InvalidHeader { header: u8, at: usize },
    /// The run's length or offset bytes lie past the attribute.
    #[error("run at byte {at:#x} runs past the attribute")]
    Truncated { at: usize },
    /// A run of zero or negative length.
    #[error("run at byte {at:#x} has length {len}")]
    InvalidLength { at: usize, len: i64 },
    /// The LCN delta takes the run before cluster 0 (or overflows).
    #[error("run at byte {at:#x} starts before cluster 0")]
    BeforeClusterZero { at: usize },
    /// More runs than [`MAX_RUNS_PER_ATTRIBUTE`].
    #[error("more than {MAX_RUNS_PER_ATTRIBUTE} runs")]
    TooManyRuns,
    /// The VCN range overflows.
    #[error("run at byte {at:#x}: VCN overflows")]
    VcnOverflow { at: usize },
}

/// Why an attribute record cannot be parsed. `at` is the byte of the attribute record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AttributeError {
    /// The attribute's name lies outside the record.
    #[error("name at {at:#x} runs past the attribute")]
    NameOutside { at: usize },
    /// A non-resident record shorter than its 0x40-byte header.
    #[error("non-resident header is truncated")]
    TruncatedHeader,
    /// The run list offset points outside the attribute (or into its header).
    #[error("run list at {at:#x} is outside the attribute")]
    RunListOutside { at: usize },
    /// The resident value lies outside the attribute.
    #[error("resident value ({len} bytes at {at:#x}) runs past the attribute")]
    ValueOutside { len: usize, at: usize },
    /// The run list is wrong.
    #[error(transparent)]
    Runs(#[from] RunlistError),
    /// A header field lies outside the attribute.
    #[error(transparent)]
    Field(#[from] OutOfRange),
}

/// Why an `$ATTRIBUTE_LIST` value cannot be parsed. `at` is the byte of the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AttrListError {
    /// An entry whose length is below the minimum or past the value.
    #[error("entry at byte {at:#x} has length {len}")]
    InvalidLength { at: usize, len: usize },
    /// An entry's name lies outside the entry.
    #[error("entry at byte {at:#x}: name outside the entry")]
    NameOutside { at: usize },
    /// A field lies outside the value.
    #[error(transparent)]
    Field(#[from] OutOfRange),
}

/// Why the attribute records of one attribute cannot be merged into a stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MergeError {
    /// No record at all.
    #[error("no attribute record")]
    Empty,
    /// A resident value split over several records.
    #[error("a resident value has several attribute records")]
    SplitResident,
    /// Resident and non-resident records of one attribute.
    #[error("resident and non-resident records mixed")]
    Mixed,
    /// The first piece does not start at VCN 0.
    #[error("first piece starts at VCN {vcn}")]
    FirstVcn { vcn: u64 },
    /// A gap or overlap between pieces.
    #[error("piece starts at VCN {vcn}, expected {expected}")]
    Discontiguous { vcn: u64, expected: u64 },
    /// More runs than [`MAX_EXTENTS`] over all pieces.
    #[error("more than {MAX_EXTENTS} runs")]
    TooManyRuns,
}

/// Why an LZNT1 compression unit cannot be decompressed. `at` is the byte of the unit's stored
/// bytes where the chunk starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Lznt1Error {
    /// The chunk's bytes run past the stored unit.
    #[error("chunk at byte {at:#x} ({size} bytes) runs past the unit")]
    ChunkTruncated { at: usize, size: usize },
    /// More chunks than the unit has room for.
    #[error("chunk at byte {at:#x} past the unit")]
    ChunkPastUnit { at: usize },
    /// A back-reference in a compressed chunk points before its output.
    #[error("chunk at byte {at:#x}: {fault}")]
    Chunk { at: usize, fault: ChunkFault },
}

/// A fault inside one compressed LZNT1 chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChunkFault {
    /// A back-reference as the first token.
    #[error("back-reference before any output")]
    BeforeOutput,
    /// A back-reference further back than the output written.
    #[error("back-reference {offset} bytes before output byte {op}")]
    TooFarBack { offset: usize, op: usize },
}
