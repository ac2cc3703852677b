//! The artifacts crate's error type: every variant names the structure and where it is.

use vhdlint_container::ReadError;

/// Result of artifact parsing.
pub type Result<T, E = ArtifactError> = std::result::Result<T, E>;

/// Why a file's content could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// A read of the source failed (I/O, or a corrupt structure below it).
    #[error(transparent)]
    Read(#[from] ReadError),

    /// A field holds a value the format forbids, or the bytes end early.
    #[error("{structure} at {offset:#x}: {message}")]
    Invalid {
        /// The structure, e.g. `"PE optional header"`.
        structure: &'static str,
        /// Byte offset in the file (or in the DER blob for `"PKCS#7 ..."` structures).
        offset: u64,
        /// What is wrong.
        message: String,
    },

    /// A size or count is over its named budget.
    #[error("{structure} at {offset:#x}: {what} {actual} is over the limit of {limit}")]
    TooLarge {
        /// The structure.
        structure: &'static str,
        /// Where it is.
        offset: u64,
        /// What was counted.
        what: &'static str,
        /// The value found.
        actual: u64,
        /// The budget.
        limit: u64,
    },
}

impl ArtifactError {
    pub(crate) fn invalid(
        structure: &'static str,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        ArtifactError::Invalid {
            structure,
            offset,
            message: message.into(),
        }
    }
}

/// Little-endian field readers over a byte slice that return an error instead of panicking.
pub(crate) mod le {
    use super::ArtifactError;

    pub(crate) fn u16_at(
        b: &[u8],
        at: usize,
        structure: &'static str,
        base: u64,
    ) -> Result<u16, ArtifactError> {
        b.get(at..)
            .and_then(|s| s.get(..2))
            .and_then(|s| s.try_into().ok())
            .map(u16::from_le_bytes)
            .ok_or_else(|| short(structure, base, at))
    }

    pub(crate) fn u32_at(
        b: &[u8],
        at: usize,
        structure: &'static str,
        base: u64,
    ) -> Result<u32, ArtifactError> {
        b.get(at..)
            .and_then(|s| s.get(..4))
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| short(structure, base, at))
    }

    fn short(structure: &'static str, base: u64, at: usize) -> ArtifactError {
        ArtifactError::invalid(structure, base, format!("ends before field at +{at:#x}"))
    }
}
