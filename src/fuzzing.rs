//! Entry point of the whole-pipeline fuzz target (`fuzz/fuzz_targets/pipeline.rs`), shared with
//! the test that replays its inputs (`tests/fuzz_replay.rs`), so both run exactly the same code.
//!
//! Bytes → in-memory container (format detected from content) → [`crate::check_source`]
//! (partition table, volumes, gather, evaluate, the `check` document) → JSON: what
//! `vhdlint check` does, without the file system. Errors are ignored; only a panic, a hang or
//! an unbounded allocation is a finding. The audit step (`vhdlint audit`) runs on the same
//! bytes after the check.

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
    let doc = check_source("fuzz", Arc::clone(&source), &options);
    let _ = serde_json::to_string(&doc);
    let _ = doc.findings.len();
    // The audit step too (`vhdlint audit`): SAM, LSA, profiles, tasks on hostile bytes.
    if let Ok(c) = vhdlint_container::open_source(source, &mut vhdlint_container::NoParents) {
        let facts = vhdlint_gather::gather_container_audit(&Arc::new(c), &options.gather);
        let audit = vhdlint_policy::audit(
            &facts,
            &vhdlint_policy::AuditOptions::new(options.policy.clone()),
        );
        let _ = serde_json::to_string(&facts);
        let _ = audit.findings.len();
    }
}
