//! Diagnostics: anomalies a reader tolerated, kept as structured facts for `inspect` and rules.

/// Something odd the reader met and read past (one bad header copy, a replayed log, a size
/// ambiguity, a block beyond EOF…). Errors stop a read; diagnostics do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier, camelCase (e.g. `vhdxHeaderInvalid`). Part of the JSON contract.
    pub code: &'static str,
    /// What was found, for people.
    pub message: String,
    /// Where in the container file, when it is a place.
    pub offset: Option<u64>,
    /// For a diagnostic saying the file is too short: the file size its structures need.
    pub needs_file_size: Option<u64>,
}

impl Diagnostic {
    /// A diagnostic at a file offset.
    pub fn at(code: &'static str, offset: u64, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            offset: Some(offset),
            needs_file_size: None,
        }
    }

    /// Records the file size the structure needs (a truncated file).
    pub fn needing(mut self, file_size: u64) -> Self {
        self.needs_file_size = Some(file_size);
        self
    }

    /// A diagnostic about the whole file.
    pub fn whole(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            offset: None,
            needs_file_size: None,
        }
    }
}
