//! Outputs CI systems read: SARIF 2.1.0 (GitHub code scanning), JUnit XML (Azure DevOps
//! `PublishTestResults`, GitLab, Jenkins) and GitHub Actions workflow commands.
//!
//! Each renderer takes the `check` documents of one run ([`CheckJson`]), the rule table
//! ([`Rule`], so a rule that found nothing still appears: a SARIF `rules[]` entry, a passing
//! JUnit `testcase`) and the images that could not be opened (`(image, reason)`), which appear too:
//! a SARIF tool-execution notification, a JUnit `error`, an `::error` command.
//!
//! Hand-written over `serde_json` and a small XML writer rather than `serde-sarif` /
//! `quick-junit`: the documents are a few dozen fields, validated in the tests by the official
//! SARIF validator and a third-party JUnit reader, and those crates would add ~20 crates
//! (typed-builder, strum, chrono, uuid, quick-xml, indexmap) to a tool that needs none of them.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use vhdlint_facts::Evidence;
use vhdlint_policy::{Finding, Level, Profile, Rule, Severity};

use crate::check::CheckJson;

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The SARIF 2.1.0 schema URI.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is documented (SARIF `tool.driver.informationUri`).
pub const INFORMATION_URI: &str = "https://example.invalid/vhdlint";
/// Key of vhdlint's stable fingerprint in SARIF `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "vhdlintFinding/v1";

/// The tool as SARIF and JUnit name it.
#[derive(Debug, Clone, Copy)]
pub struct Tool<'a> {
    /// `vhdlint`.
    pub name: &'a str,
    /// Its version (`0.1.0`).
    pub version: &'a str,
}

/// An image that could not be opened, and why.
pub type OpenFailure<'a> = (&'a str, &'a str);

/// SARIF `level` of a finding.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF `defaultConfiguration.level` of a rule in a profile (`none` when allowed).
fn sarif_rule_level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
        Level::Allowed => "none",
    }
}

/// An image path as a SARIF URI: relative paths stay relative (`uriBaseId`-free, as GitHub
/// resolves them against the checkout), absolute ones become `file://` URIs; bytes outside
/// RFC 3986's unreserved set and `/` are percent-encoded. An image read over HTTP(S) (shown
/// without its query) keeps its scheme and port (`:` is not encoded).
pub fn image_uri(path: &str) -> String {
    let mut out = String::new();
    let absolute = path.starts_with('/');
    if absolute {
        out.push_str("file://");
    }
    let lower = path
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let url = lower.starts_with("http://") || lower.starts_with("https://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || (url && b == b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits (fingerprints must not change between runs,
/// platforms or Rust versions, so `std`'s hasher will not do).
fn fnv1a_hex(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The fingerprint of a finding: image + rule + its evidence (not its message, which may be
/// reworded between versions).
pub fn fingerprint(image: &str, finding: &Finding) -> String {
    let evidence: Vec<String> = finding.evidence.iter().map(|e| e.to_string()).collect();
    let mut parts = vec![image, finding.rule];
    parts.extend(evidence.iter().map(String::as_str));
    fnv1a_hex(&parts)
}

/// A byte range of the image file an evidence item points at, when it has one: a container
/// field's offset (file offsets), or a partition entry's offset when the container is raw (disk
/// offset = file offset).
fn byte_region(evidence: &Evidence, raw: bool) -> Option<(u64, u64)> {
    match evidence {
        Evidence::Container {
            offset: Some(at), ..
        } => Some((*at, 1)),
        // An MBR entry is 16 bytes, a GPT entry 128; the entry offset says which table.
        Evidence::PartitionEntry { offset, .. } if raw => {
            Some((*offset, if *offset < 512 { 16 } else { 128 }))
        }
        _ => None,
    }
}

/// SARIF logical locations for registry keys and values, files and partitions.
fn logical_location(evidence: &Evidence) -> Option<Value> {
    match evidence {
        Evidence::Registry {
            hive, key, value, ..
        } => {
            let key_path = format!("{hive}\\{key}");
            Some(match value {
                Some(v) => json!({
                    "name": if v.is_empty() { "(Default)" } else { v.as_str() },
                    "fullyQualifiedName": format!("{key_path}\\{v}"),
                    "kind": "value",
                }),
                None => json!({
                    "name": key.rsplit('\\').next().unwrap_or(key),
                    "fullyQualifiedName": key_path,
                    "kind": "namespace",
                }),
            })
        }
        Evidence::File {
            partition_index,
            path,
            ..
        } => Some(json!({
            "name": path.rsplit('\\').next().filter(|n| !n.is_empty()).unwrap_or(path),
            "fullyQualifiedName": match partition_index {
                Some(i) => format!("partition {i}:{path}"),
                None => path.clone(),
            },
            "kind": "resource",
        })),
        Evidence::PartitionEntry { index, .. } => Some(json!({
            "name": format!("partition {index}"),
            "fullyQualifiedName": format!("partition {index}"),
            "kind": "element",
        })),
        Evidence::Container { field, .. } => Some(json!({
            "name": field,
            "fullyQualifiedName": format!("container:{field}"),
            "kind": "member",
        })),
        Evidence::Derived { .. } => None,
    }
}

fn rule_help(meta: &Rule) -> (String, String) {
    let links: Vec<&str> = meta.references.to_vec();
    let mut text = format!("{}\n\nFix: {}", meta.message, meta.remediation);
    let mut markdown = format!("{}\n\n**Fix:** {}", meta.message, meta.remediation);
    if !links.is_empty() {
        text.push_str("\n\nSee:");
        markdown.push_str("\n\n**See:**");
        for l in &links {
            let _ = write!(text, "\n- {l}");
            let _ = write!(markdown, "\n- <{l}>");
        }
    }
    (text, markdown)
}

/// SARIF 2.1.0 for one run of `check` over `docs` (one `run`, results of every image).
///
/// `profile` sets each rule's `defaultConfiguration.level`; every level is also under the
/// rule's `properties.levels`.
pub fn sarif(
    tool: Tool<'_>,
    profile: Profile,
    rules: &[Rule],
    docs: &[&CheckJson],
    failures: &[OpenFailure<'_>],
) -> Value {
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|m| {
            let (help_text, help_markdown) = rule_help(m);
            let level = match m.audit_severity() {
                Some(s) => sarif_level(s.level()),
                None => sarif_rule_level(m.level(profile)),
            };
            let mut rule = json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": { "text": m.title },
                "fullDescription": { "text": m.message },
                "help": { "text": help_text, "markdown": help_markdown },
                "defaultConfiguration": { "level": level },
                "properties": {
                    "errorCode": m.graph_code().map(|c| c.to_string()),
                    "levels": m.levels(),
                    "tags": ["windows-image", profile.as_str()],
                },
            });
            if let (Some(sev), Some(props)) = (
                m.audit_severity(),
                rule.get_mut("properties").and_then(Value::as_object_mut),
            ) {
                // GitHub code scanning reads the rule's security-severity (a number as text).
                props.insert("security-severity".into(), json!(sev.score()));
                props.insert("severity".into(), json!(sev.as_str()));
                props.insert("tags".into(), json!(["windows-image", "security"]));
            }
            if let (Some(uri), Some(obj)) = (
                m.references.iter().find(|r| r.starts_with("https://")),
                rule.as_object_mut(),
            ) {
                obj.insert("helpUri".into(), Value::String((*uri).to_string()));
            }
            rule
        })
        .collect();
    let mut results = Vec::new();
    for doc in docs {
        let raw = doc
            .facts
            .container
            .as_ref()
            .is_some_and(|c| c.format.value == vhdlint_facts::ContainerFormat::Raw);
        let uri = image_uri(&doc.image);
        let file_size = doc.facts.container.as_ref().map(|c| c.file_size.value);
        for f in &doc.findings {
            let rule_index = rules.iter().position(|m| m.id == f.id);
            // SARIF requires logical locations to be unique items.
            let mut logical: Vec<Value> = Vec::new();
            for l in f.evidence.iter().filter_map(logical_location) {
                if !logical.contains(&l) {
                    logical.push(l);
                }
            }
            let mut locations = Vec::new();
            for e in &f.evidence {
                if let Some((offset, len)) = byte_region(e, raw) {
                    locations.push(json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": { "byteOffset": offset, "byteLength": len },
                        },
                    }));
                }
            }
            if locations.is_empty() {
                // A whole-image finding: the whole file, when its size is known.
                let whole = match file_size {
                    Some(len) if len > 0 => json!({
                        "artifactLocation": { "uri": uri },
                        "region": { "byteOffset": 0, "byteLength": len },
                    }),
                    _ => json!({ "artifactLocation": { "uri": uri } }),
                };
                locations.push(json!({ "physicalLocation": whole }));
            }
            if !logical.is_empty() {
                if let Some(first) = locations.first_mut().and_then(Value::as_object_mut) {
                    first.insert("logicalLocations".into(), Value::Array(logical));
                }
            }
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(f.rule));
            if let Some(i) = rule_index {
                result.insert("ruleIndex".into(), json!(i));
            }
            result.insert("level".into(), json!(sarif_level(f.severity)));
            result.insert("message".into(), json!({ "text": f.message }));
            result.insert("locations".into(), Value::Array(locations));
            result.insert(
                "partialFingerprints".into(),
                json!({ FINGERPRINT_KEY: fingerprint(&doc.image, f) }),
            );
            let mut props = json!({
                "image": doc.image,
                "ruleName": f.name,
                "errorCode": f.error_code.map(|c| c.to_string()),
                "evidence": f.evidence.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
                "remediation": f.remediation,
            });
            if let (Some(sev), Some(obj)) = (f.security_severity, props.as_object_mut()) {
                obj.insert("security-severity".into(), json!(sev.score()));
                obj.insert("securitySeverity".into(), json!(sev.as_str()));
            }
            result.insert("properties".into(), props);
            results.push(Value::Object(result));
        }
    }
    let notifications: Vec<Value> = failures
        .iter()
        .map(|(image, reason)| {
            json!({
                "level": "error",
                "message": { "text": format!("{image}: {reason}") },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": image_uri(image) } } }],
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": tool.name,
                "version": tool.version,
                "semanticVersion": tool.version,
                "informationUri": INFORMATION_URI,
                "rules": rules_json,
            }},
            "invocations": [{
                "executionSuccessful": failures.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": { "profile": profile.as_str() },
        }],
    })
}

/// Text valid in XML 1.0 and escaped for an attribute or element body: `& < > " '` escaped,
/// characters XML 1.0 forbids (controls other than tab, LF, CR) written as `\u{..}`.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn finding_body(f: &Finding) -> String {
    let mut body = format!(
        "{} {} [{}]: {}\n",
        f.rule,
        f.name,
        f.severity.as_str(),
        f.message
    );
    for e in &f.evidence {
        let _ = writeln!(body, "evidence: {e}");
    }
    let _ = writeln!(body, "fix: {}", f.remediation);
    body
}

/// An image's file name as a JUnit class-name part (dots would read as packages).
fn junit_class(image: &str) -> String {
    let name = image.rsplit(['/', '\\']).next().unwrap_or(image);
    name.replace('.', "_")
}

/// JUnit XML: one `testsuite` per image, one `testcase` per rule — a `failure` when the rule
/// found an error (or a warning with `strict`), `skipped` when the profile allows the condition
/// (the rule is not applicable), passing otherwise (warnings and notes in `system-out`). An
/// image that could not be opened is a suite with one `error` test case.
pub fn junit(
    tool: Tool<'_>,
    profile: Profile,
    strict: bool,
    rules: &[Rule],
    docs: &[&CheckJson],
    failures: &[OpenFailure<'_>],
) -> String {
    let fails = |s: Severity| s == Severity::Error || (strict && s == Severity::Warning);
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_skipped) = (0usize, 0usize, 0usize);
    for doc in docs {
        let mut cases = String::new();
        let (mut failed, mut skipped) = (0usize, 0usize);
        for m in rules {
            let found: Vec<&Finding> = doc.findings.iter().filter(|f| f.id == m.id).collect();
            let _ = write!(
                cases,
                "    <testcase name=\"{} {}\" classname=\"{}.{}.{}\">",
                xml_escape(m.id.as_str()),
                xml_escape(m.name),
                xml_escape(tool.name),
                profile.as_str(),
                xml_escape(&junit_class(&doc.image))
            );
            if m.audit_severity().is_none() && m.level(profile) == Level::Allowed {
                skipped += 1;
                let _ = write!(
                    cases,
                    "<skipped message=\"not applicable: profile {} allows {}\"/>",
                    profile.as_str(),
                    xml_escape(m.name)
                );
            } else if let Some(first) = found.iter().find(|f| fails(f.severity)) {
                failed += 1;
                let body: String = found.iter().map(|f| finding_body(f)).collect();
                let _ = write!(
                    cases,
                    "<failure message=\"{}\" type=\"{}\">{}</failure>",
                    xml_escape(&first.message),
                    first.severity.as_str(),
                    xml_escape(&body)
                );
            } else if !found.is_empty() {
                let body: String = found.iter().map(|f| finding_body(f)).collect();
                let _ = write!(cases, "<system-out>{}</system-out>", xml_escape(&body));
            }
            cases.push_str("</testcase>\n");
        }
        all_tests += rules.len();
        all_failures += failed;
        all_skipped += skipped;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">\n    <properties>\n      <property name=\"profile\" value=\"{}\"/>\n      <property name=\"passed\" value=\"{}\"/>\n      <property name=\"errorCode\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
            xml_escape(&doc.image),
            rules.len(),
            profile.as_str(),
            doc.passed,
            doc.cloud_pc_device_image
                .error_code
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
    }
    for (image, reason) in failures {
        all_tests += 1;
        let _ = write!(
            suites,
            "  <testsuite name=\"{i}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase name=\"open\" classname=\"{t}.{p}\"><error message=\"{r}\" type=\"open\">{i}: {r}</error></testcase>\n  </testsuite>\n",
            i = xml_escape(image),
            r = xml_escape(reason),
            t = xml_escape(tool.name),
            p = profile.as_str(),
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{} {} check\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{}\" skipped=\"{all_skipped}\">\n{suites}</testsuites>\n",
        xml_escape(tool.name),
        xml_escape(tool.version),
        failures.len()
    )
}

/// Escapes a workflow command's message as `@actions/core` does (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value as `@actions/core` does (`%`, CR, LF, `:`, `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands for one image: `::error`, `::warning` or `::notice` per
/// finding, titled `VL0401 not-generalized`, with the evidence and the fix in the message.
pub fn github(doc: &CheckJson) -> String {
    let mut out = String::new();
    for f in &doc.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{}: {}", doc.image, f.message);
        for e in &f.evidence {
            let _ = write!(message, "\nevidence: {e}");
        }
        let _ = write!(message, "\nfix: {}", f.remediation);
        let _ = writeln!(
            out,
            "::{command} title={},file={}::{}",
            escape_property(&format!("{} {}", f.rule, f.name)),
            escape_property(&doc.image),
            escape_data(&message)
        );
    }
    out
}

/// The workflow command for an image that could not be opened.
pub fn github_open_failure(image: &str, reason: &str) -> String {
    format!(
        "::error title={},file={}::{}\n",
        escape_property("vhdlint cannot open the image"),
        escape_property(image),
        escape_data(&format!("{image}: {reason}"))
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn workflow_commands_escape_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // Message data keeps `:` and `,` (the toolkit's escapeData leaves them).
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn xml_escape_keeps_documents_well_formed() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(xml_escape("bell\u{7}"), "bell\\u{7}");
    }

    #[test]
    fn uris_are_percent_encoded_and_absolute_paths_are_file_uris() {
        assert_eq!(image_uri("images/my disk.vhdx"), "images/my%20disk.vhdx");
        assert_eq!(image_uri("/srv/a#b.vhd"), "file:///srv/a%23b.vhd");
        assert_eq!(
            image_uri("https://acct.blob.core.windows.net:443/c/my disk.vhd"),
            "https://acct.blob.core.windows.net:443/c/my%20disk.vhd"
        );
    }

    #[test]
    fn fingerprints_are_stable_and_tell_findings_apart() {
        assert_eq!(fnv1a_hex(&["a", "b"]), fnv1a_hex(&["a", "b"]));
        assert_ne!(fnv1a_hex(&["ab", ""]), fnv1a_hex(&["a", "b"]));
        // FNV-1a of the empty input is its offset basis: the constant is right.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        h ^= 0x1f;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        assert_eq!(fnv1a_hex(&[""]), format!("{h:016x}"));
    }
}
