//! Entry point of the whole-pipeline fuzz target (`fuzz/fuzz_targets/pipeline.rs`), shared with
//! the test that replays its inputs (`tests/fuzz_replay.rs`), so both run exactly the same code.
//!
//! Bytes → in-memory container (format detected from content) → [`Image`] (partition table,
//! volumes) → [`gather`] → [`evaluate`] → the Graph view and the JSON of the facts: what
//! `vhdlint check` does, without the file system. Errors are ignored; only a panic, a hang or an
//! unbounded allocation is a finding.

use std::sync::Arc;

use vhdlint_container::{open_source, NoParents, ReadAt};
use vhdlint_facts::{gather, GatherOptions, ImageFacts};
use vhdlint_filesystems::image::Image;

use crate::{evaluate, CloudPcDeviceImage, Date, Evaluation, Options, Profile};

/// The date rules are judged at, fixed so a fuzz input always takes the same path.
const AS_OF: &str = "2025-06-01";

/// Runs `data` through the whole pipeline as `vhdlint check` does, ignoring errors.
pub fn exercise_pipeline(data: &[u8]) {
    if let Some((facts, evaluation)) = pipeline(data) {
        let graph = CloudPcDeviceImage::new("fuzz", &facts, &evaluation);
        let _ = serde_json::to_string(&graph);
        let _ = serde_json::to_string(&facts);
        let _ = evaluation.findings.len();
    }
}

/// Opens `data` as an image and gathers and evaluates it (Windows 365 profile, as of
/// 2025-06-01); `None` when the container or the partition table cannot be read (the CLI then
/// reports that as a failed image).
pub fn pipeline(data: &[u8]) -> Option<(ImageFacts, Evaluation)> {
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    let container = open_source(source, &mut NoParents).ok()?;
    let image = Image::from_container(Arc::new(container)).ok()?;
    let facts = gather(&image, &GatherOptions::default());
    let options = Options::new(Profile::Windows365, Date::parse(AS_OF).ok()?);
    let evaluation = evaluate(&facts, &options);
    Some((facts, evaluation))
}
