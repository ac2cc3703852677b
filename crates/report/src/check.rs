//! The `check` document: findings with evidence, the facts, and Graph's `cloudPcDeviceImage`.

use std::fmt::Write as _;

use serde::Serialize;
use vhdlint_facts::ImageFacts;
use vhdlint_policy::{CloudPcDeviceImage, Date, Evaluation, Finding, Profile, Severity};

use crate::text::human;
use crate::wire::SCHEMA_VERSION;

/// Reads a check made of the image (`--stats`).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsJson {
    /// `read_at` calls on the image files.
    pub reads: u64,
    /// Bytes read from the image files.
    pub bytes: u64,
    /// Wall time of the check in milliseconds.
    pub millis: u64,
}

/// One image's check.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckJson {
    /// Schema version.
    pub schema_version: u32,
    /// The image as named on the command line.
    pub image: String,
    /// The profile checked against.
    pub profile: Profile,
    /// The date end of servicing was judged at.
    pub as_of: Date,
    /// True when the image passes (exit code 0).
    pub passed: bool,
    /// The findings, in rule-id order.
    pub findings: Vec<Finding>,
    /// Every fact gathered, each with its evidence.
    pub facts: ImageFacts,
    /// What Graph would report for the image.
    pub cloud_pc_device_image: CloudPcDeviceImage,
    /// Reads and time, with `--stats`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<StatsJson>,
}

impl CheckJson {
    /// Assembles the document of one evaluated image.
    pub fn new(
        image: &str,
        display_name: &str,
        facts: ImageFacts,
        evaluation: Evaluation,
        stats: Option<StatsJson>,
    ) -> Self {
        let graph = CloudPcDeviceImage::new(display_name, &facts, &evaluation);
        CheckJson {
            schema_version: SCHEMA_VERSION,
            image: image.to_string(),
            profile: evaluation.profile,
            as_of: evaluation.as_of,
            passed: evaluation.passed,
            findings: evaluation.findings,
            facts,
            cloud_pc_device_image: graph,
            stats,
        }
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// The check as text for people: a summary line, each finding with its evidence and fix, and
/// the Graph verdict.
pub fn check_text(doc: &CheckJson) -> String {
    let mut out = String::new();
    let g = &doc.cloud_pc_device_image;
    let _ = writeln!(
        out,
        "{}: {} (profile {}, as of {})",
        doc.image,
        if doc.passed { "PASS" } else { "FAIL" },
        doc.profile,
        doc.as_of
    );
    let os = match (
        &g.operating_system,
        &g.os_build_number,
        &g.os_version_number,
    ) {
        (Some(name), label, version) => format!(
            "{name}{}{}",
            label
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default(),
            version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default()
        ),
        _ => "no Windows found".into(),
    };
    let size = doc
        .facts
        .container
        .as_ref()
        .map(|c| format!(", {} virtual disk", human(c.virtual_size.value)))
        .unwrap_or_default();
    let _ = writeln!(out, "  {os}{size}");
    if doc.findings.is_empty() {
        let _ = writeln!(out, "  no findings");
    }
    for f in &doc.findings {
        let code = f.error_code.map(|c| format!(" [{c}]")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<7} {} {}{code}: {}",
            severity_label(f.severity),
            f.rule,
            f.name,
            f.message
        );
        for e in &f.evidence {
            let _ = writeln!(out, "          evidence: {e}");
        }
        let _ = writeln!(out, "          fix: {}", f.remediation);
    }
    let _ = writeln!(
        out,
        "  graph: status {}, errorCode {}, osStatus {}, sizeInGB {}",
        serde_plain(&g.status),
        g.error_code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "null".into()),
        serde_plain(&g.os_status),
        g.size_in_gb
            .map(|s| s.to_string())
            .unwrap_or_else(|| "null".into())
    );
    if let Some(s) = doc.stats {
        let _ = writeln!(
            out,
            "  read {} bytes in {} reads, {} ms",
            s.bytes, s.reads, s.millis
        );
    }
    out
}

/// A unit enum's serde name (`ready`, `supportedWithWarning`).
fn serde_plain<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}
