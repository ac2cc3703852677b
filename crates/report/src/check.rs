//! The `check` document: findings with evidence, the facts, and Graph's `cloudPcDeviceImage`.

use std::fmt::Write as _;

use serde::Serialize;
use vhdlint_facts::ImageFacts;
use vhdlint_policy::{CloudPcDeviceImage, Date, Evaluation, Finding, Profile, Severity};

use crate::batch::{paint, TextStyle, GREEN, RED, YELLOW};
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
    /// For an image read over HTTP(S): the requests it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteStatsJson>,
}

/// The requests a check of an image read over HTTP(S) made (`--stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStatsJson {
    /// HTTP requests sent (retries and redirects included).
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Sequential round trips (waves of parallel requests; a retry is one more).
    pub round_trips: u64,
    /// Requests retried after a transient failure.
    pub retries: u64,
}

impl RemoteStatsJson {
    /// The `--stats` line of `inspect`, `hash` (stderr) and of `check`'s text.
    pub fn line(&self) -> String {
        format!(
            "over HTTP: {} requests, {} bytes, {} round trips, {} retries",
            self.requests, self.bytes, self.round_trips, self.retries
        )
    }
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
    /// `passed` or `failed` (an image that could not be opened is an entry with status
    /// `error`, [`crate::batch::UnopenedJson`]).
    pub status: &'static str,
    /// The findings, most severe first, then in rule-id order.
    pub findings: Vec<Finding>,
    /// Every fact gathered, each with its evidence.
    pub facts: ImageFacts,
    /// What Graph would report for the image.
    pub cloud_pc_device_image: CloudPcDeviceImage,
    /// Reads and time, with `--stats`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<StatsJson>,
    /// `audit` when this is a `vhdlint audit` document (findings are `VS…` with a
    /// `securitySeverity`); absent for `check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<&'static str>,
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
        let mut findings = evaluation.findings;
        // Stable: a rule's findings keep their order.
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(b.rule)));
        CheckJson {
            schema_version: SCHEMA_VERSION,
            image: image.to_string(),
            profile: evaluation.profile,
            as_of: evaluation.as_of,
            passed: evaluation.passed,
            status: if evaluation.passed {
                "passed"
            } else {
                "failed"
            },
            findings,
            facts,
            cloud_pc_device_image: graph,
            stats,
            command: None,
        }
    }

    /// Assembles the `audit` document of one image: findings most severe first
    /// (`securitySeverity`), `passed` when none reaches `--fail-on`.
    pub fn audit(
        image: &str,
        display_name: &str,
        facts: ImageFacts,
        evaluation: Evaluation,
        stats: Option<StatsJson>,
    ) -> Self {
        let mut doc = CheckJson::new(image, display_name, facts, evaluation, stats);
        doc.findings.sort_by(|a, b| {
            b.security_severity
                .cmp(&a.security_severity)
                .then(a.rule.cmp(b.rule))
        });
        doc.command = Some("audit");
        doc
    }

    /// True for a `vhdlint audit` document.
    pub fn is_audit(&self) -> bool {
        self.command == Some("audit")
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
    check_text_styled(doc, TextStyle::default())
}

/// [`check_text`] coloured (`style.color`) or cut to the error findings (`style.quiet`).
pub fn check_text_styled(doc: &CheckJson, style: TextStyle) -> String {
    let mut out = String::new();
    let g = &doc.cloud_pc_device_image;
    let verdict = if doc.passed {
        paint(style.color, GREEN, "PASS")
    } else {
        paint(style.color, RED, "FAIL")
    };
    if doc.is_audit() {
        let _ = writeln!(out, "{}: {} (audit)", doc.image, verdict);
    } else {
        let _ = writeln!(
            out,
            "{}: {} (profile {}, as of {})",
            doc.image, verdict, doc.profile, doc.as_of
        );
    }
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
    if !style.quiet {
        // The same diagnostics `inspect` lists: what the readers tolerated.
        let container = doc.facts.container.iter().flat_map(|c| &c.diagnostics);
        let table = doc.facts.partitions.iter().flat_map(|p| &p.diagnostics);
        for d in container.chain(table) {
            let _ = writeln!(out, "  diagnostic: {}: {}", d.code, d.message);
        }
    }
    if doc.findings.is_empty() {
        let _ = writeln!(out, "  no findings");
    }
    let shown: Vec<_> = doc
        .findings
        .iter()
        .filter(|f| !style.quiet || f.severity == Severity::Error)
        .collect();
    for (i, f) in shown.iter().enumerate() {
        let code = f.error_code.map(|c| format!(" [{c}]")).unwrap_or_default();
        let label = match f.security_severity {
            Some(s) => format!("{:<8}", s.as_str()),
            None => format!("{:<7}", severity_label(f.severity)),
        };
        let label = match f.severity {
            Severity::Error => paint(style.color, RED, &label),
            Severity::Warning => paint(style.color, YELLOW, &label),
            Severity::Info => label,
        };
        let _ = writeln!(out, "  {label} {} {}{code}: {}", f.rule, f.name, f.message);
        for e in &f.evidence {
            let _ = writeln!(out, "          evidence: {e}");
        }
        // One fix per run of findings of the same rule with the same remediation.
        let same_next = shown
            .get(i + 1)
            .is_some_and(|n| n.rule == f.rule && n.remediation == f.remediation);
        if !same_next {
            let _ = writeln!(out, "          fix: {}", f.remediation);
        }
    }
    if style.quiet {
        return out;
    }
    if doc.is_audit() {
        if let Some(s) = doc.stats {
            let _ = writeln!(
                out,
                "  read {} bytes in {} reads, {} ms",
                s.bytes, s.reads, s.millis
            );
        }
        return out;
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
    // `--stats` goes to stderr (`stats_line`), as for every command.
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

/// How `check` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    /// For people.
    Text,
    /// One JSON object (an array for several images).
    Json,
    /// One JSON object per line, per image.
    Jsonl,
    /// GitHub Actions workflow commands, one per finding ([`crate::ci::github`]).
    Github,
    /// Nothing per image: the caller renders every image at once (SARIF, JUnit).
    None,
}

/// One image's document as `format` prints it: for JSON of several images (`single` false),
/// the array element ([`array_element`]); otherwise the whole output for that image, newline
/// included.
pub fn render(doc: &CheckJson, format: CheckFormat, single: bool) -> Result<String, String> {
    let json = |r: serde_json::Result<String>| r.map_err(|e| format!("JSON output: {e}"));
    Ok(match format {
        CheckFormat::Json if single => json(serde_json::to_string_pretty(doc))? + "\n",
        CheckFormat::Json => {
            let mut pretty = Vec::with_capacity(RENDER_CAPACITY);
            serde_json::to_writer_pretty(&mut pretty, doc)
                .map_err(|e| format!("JSON output: {e}"))?;
            array_element(&String::from_utf8_lossy(&pretty))
        }
        CheckFormat::Jsonl => json(serde_json::to_string(doc))? + "\n",
        CheckFormat::Text => check_text(doc),
        CheckFormat::Github => crate::ci::github(doc),
        CheckFormat::None => String::new(),
    })
}

/// Room reserved for one image's rendered document (a check of the gold image prints ~32 KiB):
/// growing the buffer by doubling cost more than the rendering, and staying under glibc's
/// 128 KiB mmap threshold keeps parallel renders from contending in the kernel.
const RENDER_CAPACITY: usize = 96 << 10;

/// A pretty JSON document as an element of a pretty array: every line indented by two spaces
/// (exact, since pretty JSON holds no raw newline inside a string). Done per image, in
/// parallel; [`write_json_array`] then only writes.
pub fn array_element(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len() + pretty.len() / 8);
    for (i, line) in pretty.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(line);
    }
    out
}

/// [`array_element`]s written as a pretty array, byte for byte what `serde_json` prints.
pub fn write_json_array<'a>(
    out: &mut impl std::io::Write,
    elements: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut empty = true;
    for e in elements {
        out.write_all(if empty { b"\n" } else { b",\n" })?;
        empty = false;
        out.write_all(e.as_bytes())?;
    }
    out.write_all(if empty { b"]\n" } else { b"\n]\n" })
}

#[cfg(test)]
mod tests {
    use super::{array_element, write_json_array};
    use serde_json::json;

    #[test]
    fn the_array_is_what_serde_json_prints() {
        let docs = [
            json!({"a": 1, "b": [1, 2, {"c": "x\ny"}], "d": {}}),
            json!({"e": [], "f": "  indented  "}),
        ];
        for n in 0..=docs.len() {
            let docs = &docs[..n];
            let parts: Vec<String> = docs
                .iter()
                .map(|d| array_element(&serde_json::to_string_pretty(d).unwrap()))
                .collect();
            let mut ours = Vec::new();
            write_json_array(&mut ours, parts.iter().map(String::as_str)).unwrap();
            let want = serde_json::to_string_pretty(docs).unwrap() + "\n";
            assert_eq!(String::from_utf8(ours).unwrap(), want);
        }
    }
}
