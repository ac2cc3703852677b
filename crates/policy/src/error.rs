//! Errors of the policy crate: only its embedded data and user-supplied option text can fail.

use thiserror::Error;

/// A policy error.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A date was not `YYYY-MM-DD` or named a day that does not exist.
    #[error("invalid date {text:?}: expected YYYY-MM-DD")]
    InvalidDate {
        /// The text given.
        text: String,
    },
    /// A profile name was not `windows365`, `devbox` or `avd`.
    #[error("unknown profile {text:?}: expected windows365, devbox or avd")]
    UnknownProfile {
        /// The text given.
        text: String,
    },
    /// The end-of-servicing table could not be parsed.
    #[error("end-of-servicing table: {message}")]
    InvalidServicingTable {
        /// What was wrong (the JSON error, or the duplicate row).
        message: String,
    },
}

/// A result with [`PolicyError`].
pub type Result<T, E = PolicyError> = std::result::Result<T, E>;
