//! Entry point of the whole-pipeline fuzz target (`fuzz/fuzz_targets/pipeline.rs`), shared with
//! the test that replays its inputs (`tests/fuzz_replay.rs`), so both run exactly the same code.
//!
//! Bytes → in-memory container (format detected from content) → [`crate::check_source`]
//! (partition table, volumes, gather, evaluate, the `check` document) → JSON: what
//! `vhdlint check` does, without the file system. Errors are ignored; only a panic, a hang or
//! an unbounded allocation is a finding.

use std::sync::Arc;

use vhdlint_container::ReadAt;
use vhdlint_policy::{Date, Profile};

use crate::{check_source, Options};

/// The date rules are judged at, fixed so a fuzz input always takes the same path.
const AS_OF: &str = "2025-06-01";

/// Runs `data` through the whole pipeline as `vhdlint check` does (Windows 365 profile, as of
/// 2025-06-01), ignoring errors.
pub fn exercise_pipeline(data: &[u8]) {
    let Ok(as_of) = Date::parse(AS_OF) else {
        return;
    };
    let options = Options::new(vhdlint_policy::Options::new(Profile::Windows365, as_of));
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    let doc = check_source("fuzz", source, &options);
    let _ = serde_json::to_string(&doc);
    let _ = doc.findings.len();
}
