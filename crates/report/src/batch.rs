//! Several images, several outputs: the entries of one `check` run (an image checked, or one
//! that could not be opened), the summary line, the always-the-same-shape JSON envelope, the
//! `--quiet` and coloured text. The binary only picks files and terminals; everything it writes
//! is rendered here.

use std::fmt::Write as _;

use serde::Serialize;
use vhdlint_policy::{Profile, Rule, Severity};

use crate::check::{check_text_styled, CheckJson};
use crate::ci;
use crate::wire::SCHEMA_VERSION;

/// One image of a run.
#[derive(Debug, Clone)]
pub enum Entry {
    /// The image was read and judged (passed or failed).
    Checked(Box<CheckJson>),
    /// The image could not be opened (the OS refused it, or it does not exist): exit 2.
    Unopened(UnopenedJson),
}

impl Entry {
    /// The image as named on the command line.
    pub fn image(&self) -> &str {
        match self {
            Entry::Checked(d) => &d.image,
            Entry::Unopened(u) => &u.image,
        }
    }
}

/// An image that could not be opened, as an entry of every output (`status: "error"`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnopenedJson {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The image as named on the command line.
    pub image: String,
    /// Always `error`.
    pub status: &'static str,
    /// Why it could not be opened.
    pub reason: String,
}

impl UnopenedJson {
    /// The entry of `image`, refused for `reason`.
    pub fn new(image: &str, reason: &str) -> Self {
        UnopenedJson {
            schema_version: SCHEMA_VERSION,
            image: image.to_string(),
            status: "error",
            reason: reason.to_string(),
        }
    }
}

/// Counts of a run: what the summary line says and the envelope's `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Images named.
    pub images: usize,
    /// Images that passed.
    pub passed: usize,
    /// Images that failed.
    pub failed: usize,
    /// Images that could not be opened (`status: "error"`).
    pub unopened: usize,
    /// Findings at error severity, over every image.
    pub errors: usize,
    /// Findings at warning severity, over every image.
    pub warnings: usize,
}

impl Summary {
    /// Counts `entries`.
    pub fn of(entries: &[Entry]) -> Self {
        let mut s = Summary {
            images: entries.len(),
            ..Summary::default()
        };
        for e in entries {
            match e {
                Entry::Checked(d) => {
                    if d.passed {
                        s.passed += 1;
                    } else {
                        s.failed += 1;
                    }
                    for f in &d.findings {
                        match f.severity {
                            Severity::Error => s.errors += 1,
                            Severity::Warning => s.warnings += 1,
                            Severity::Info => {}
                        }
                    }
                }
                Entry::Unopened(_) => s.unopened += 1,
            }
        }
        s
    }

    /// `3 images: 2 passed, 1 failed — 4 errors, 2 warnings` (`, 1 not opened` when some could
    /// not be), newline included.
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = format!(
            "{}: {} passed, {} failed",
            plural(self.images, "image", "images"),
            self.passed,
            self.failed
        );
        if self.unopened > 0 {
            let _ = write!(out, ", {} not opened", self.unopened);
        }
        let _ = writeln!(
            out,
            " — {}, {}",
            plural(self.errors, "error", "errors"),
            plural(self.warnings, "warning", "warnings")
        );
        out
    }
}

/// How the text format looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    /// ANSI colours (severity labels, PASS/FAIL).
    pub color: bool,
    /// `--quiet`: only images that failed or could not be opened, with their error findings,
    /// and the summary line.
    pub quiet: bool,
}

/// One entry as text: the check's text ([`check_text_styled`]), or the line of an image that
/// could not be opened. Empty for a passed image under `--quiet`.
pub fn entry_text(entry: &Entry, style: TextStyle) -> String {
    match entry {
        Entry::Checked(d) if style.quiet && d.passed => String::new(),
        Entry::Checked(d) => check_text_styled(d, style),
        Entry::Unopened(u) => {
            let label = paint(style.color, RED, "ERROR");
            format!("{}: {label} (not opened: {})\n", u.image, u.reason)
        }
    }
}

/// Whether the text format ends with the summary line: several images, or `--quiet`.
pub fn text_has_summary(entries: &[Entry], style: TextStyle) -> bool {
    entries.len() > 1 || style.quiet
}

pub(crate) const RED: &str = "\x1b[31m";
pub(crate) const YELLOW: &str = "\x1b[33m";
pub(crate) const GREEN: &str = "\x1b[32m";

/// `text` in `colour` when `on`.
pub(crate) fn paint(on: bool, colour: &str, text: &str) -> String {
    if on {
        format!("{colour}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The JSON envelope (`--format json-envelope`, `--json FILE`): one object whatever the number
/// of images, `{"schemaVersion", "kind": "vhdlint.check", "summary", "images": [...]}`; each
/// element of `images` is the `--format json` document of one image (`status` `passed` or
/// `failed`) or an [`UnopenedJson`] (`status` `error`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `vhdlint.check`.
    pub kind: &'static str,
    /// The run's counts.
    pub summary: Summary,
    /// Every image, in command-line order.
    pub images: Vec<EntryJson<'a>>,
}

/// An element of the envelope's `images`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EntryJson<'a> {
    /// An image read and judged.
    Checked(&'a CheckJson),
    /// An image that could not be opened.
    Unopened(&'a UnopenedJson),
}

/// The envelope of `entries`.
pub fn envelope(entries: &[Entry]) -> Envelope<'_> {
    let audit = entries
        .iter()
        .any(|e| matches!(e, Entry::Checked(d) if d.is_audit()));
    Envelope {
        schema_version: SCHEMA_VERSION,
        kind: if audit {
            "vhdlint.audit"
        } else {
            "vhdlint.check"
        },
        summary: Summary::of(entries),
        images: entries
            .iter()
            .map(|e| match e {
                Entry::Checked(d) => EntryJson::Checked(d),
                Entry::Unopened(u) => EntryJson::Unopened(u),
            })
            .collect(),
    }
}

/// The envelope as pretty JSON, newline included.
pub fn envelope_json(entries: &[Entry]) -> Result<String, String> {
    serde_json::to_string_pretty(&envelope(entries))
        .map(|s| s + "\n")
        .map_err(|e| format!("JSON output: {e}"))
}

/// What the SARIF and JUnit renderers need beside the entries.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The tool's name and version.
    pub tool: ci::Tool<'a>,
    /// The profile checked against.
    pub profile: Profile,
    /// `--strict`: warnings fail.
    pub strict: bool,
    /// The rule table.
    pub rules: &'a [Rule],
}

fn split(entries: &[Entry]) -> (Vec<&CheckJson>, Vec<ci::OpenFailure<'_>>) {
    let docs = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Checked(d) => Some(&**d),
            Entry::Unopened(_) => None,
        })
        .collect();
    let failures = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Unopened(u) => Some((u.image.as_str(), u.reason.as_str())),
            Entry::Checked(_) => None,
        })
        .collect();
    (docs, failures)
}

/// SARIF 2.1.0 of every entry ([`ci::sarif`]), pretty, newline included.
pub fn sarif(run: Run<'_>, entries: &[Entry]) -> Result<String, String> {
    let (docs, failures) = split(entries);
    let doc = ci::sarif(run.tool, run.profile, run.rules, &docs, &failures);
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("SARIF output: {e}"))
}

/// JUnit XML of every entry ([`ci::junit`]).
pub fn junit(run: Run<'_>, entries: &[Entry]) -> String {
    let (docs, failures) = split(entries);
    ci::junit(
        run.tool,
        run.profile,
        run.strict,
        run.rules,
        &docs,
        &failures,
    )
}

/// GitHub workflow commands of one entry.
pub fn entry_github(entry: &Entry) -> String {
    match entry {
        Entry::Checked(d) => ci::github(d),
        Entry::Unopened(u) => ci::github_open_failure(&u.image, &u.reason),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_summary_line_counts_and_pluralises() {
        let s = Summary {
            images: 3,
            passed: 2,
            failed: 1,
            unopened: 0,
            errors: 4,
            warnings: 2,
        };
        assert_eq!(
            s.line(),
            "3 images: 2 passed, 1 failed — 4 errors, 2 warnings\n"
        );
        let s = Summary {
            images: 1,
            passed: 0,
            failed: 0,
            unopened: 1,
            errors: 1,
            warnings: 0,
        };
        assert_eq!(
            s.line(),
            "1 image: 0 passed, 0 failed, 1 not opened — 1 error, 0 warnings\n"
        );
    }

    #[test]
    fn an_unopened_image_is_an_envelope_entry_with_status_error() {
        let entries = [Entry::Unopened(UnopenedJson::new("a.vhd", "No such file"))];
        let v: serde_json::Value = serde_json::from_str(&envelope_json(&entries).unwrap()).unwrap();
        assert_eq!(v["kind"], "vhdlint.check");
        assert_eq!(v["summary"]["unopened"], 1);
        assert_eq!(v["images"][0]["status"], "error");
        assert_eq!(v["images"][0]["reason"], "No such file");
        assert_eq!(v["images"][0]["image"], "a.vhd");
    }
}
