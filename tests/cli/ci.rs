//! `check --format sarif|junit|github` on the whole fixture matrix, read back by third-party
//! readers: the official SARIF validator (`@microsoft/sarif-multitool validate`, npm) and
//! `junitparser` (PyPI), both installed by `.ci/run` under `target/ci-tools/`. Without them
//! the test fails, unless `VHDLINT_SKIP_TOOLS=1` (then it says so and checks the rest).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vhdlint_testkit::{scratch_dir, target_dir, testdata_file, workspace_root};

use crate::vhdlint;

const AS_OF: &str = "2026-12-01";

/// Every fixture image, plus a qcow2 (a foreign format: one error finding).
fn images() -> Vec<String> {
    let dir = workspace_root().join("testdata/images");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xz"))
        .collect();
    names.sort();
    let mut out: Vec<String> = names
        .iter()
        .map(|n| testdata_file(&format!("images/{n}")).display().to_string())
        .collect();
    out.push(testdata_file("foreign/disk.qcow2.xz").display().to_string());
    out
}

fn check(format: &str, images: &[String]) -> (i32, Vec<u8>) {
    let mut args = vec!["check", "--format", format, "--as-of", AS_OF];
    args.extend(images.iter().map(String::as_str));
    let out = vhdlint(&args);
    (out.status.code().unwrap(), out.stdout)
}

/// The findings per image as `check --format json` reports them: (rule, severity).
pub(crate) fn json_findings(images: &[String]) -> BTreeMap<String, Vec<(String, String)>> {
    let (_, stdout) = check("json", images);
    let docs: Vec<Value> = serde_json::from_slice(&stdout).unwrap();
    docs.iter()
        .map(|d| {
            let findings = d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["severity"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (d["image"].as_str().unwrap().to_string(), findings)
        })
        .collect()
}

/// A tool installed by `.ci/run`, or `None` when absent and `VHDLINT_SKIP_TOOLS=1`.
pub(crate) fn ci_tool(rel: &str, what: &str) -> Option<PathBuf> {
    let path = target_dir().join("ci-tools").join(rel);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "{what} not found at {} (bash .ci/run installs it; VHDLINT_SKIP_TOOLS=1 skips)",
        path.display()
    );
    assert!(std::env::var_os("VHDLINT_SKIP_TOOLS").is_some(), "{msg}");
    eprintln!("TOOL ABSENT: {msg} — skipped");
    None
}

#[test]
fn sarif_for_the_fixture_matrix_is_what_code_scanning_reads_and_validates() {
    let images = images();
    let expected = json_findings(&images);
    let (code, stdout) = check("sarif", &images);
    assert_eq!(code, 1, "some fixtures fail");
    let doc: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "vhdlint");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    let rules_out = vhdlint(&["rules", "--format", "json"]);
    let listed: Value = serde_json::from_slice(&rules_out.stdout).unwrap();
    assert_eq!(rules.len(), listed.as_array().unwrap().len(), "every rule");
    for r in rules {
        for field in ["id", "name"] {
            assert!(r[field].is_string(), "{r}");
        }
        assert!(r["shortDescription"]["text"].is_string(), "{r}");
        assert!(r["fullDescription"]["text"].is_string(), "{r}");
        let help = r["help"]["text"].as_str().unwrap();
        assert!(
            help.contains("Fix: ") && help.contains("https://"),
            "{help}"
        );
        assert!(r["defaultConfiguration"]["level"].is_string(), "{r}");
    }
    let results = run["results"].as_array().unwrap();
    let total: usize = expected.values().map(Vec::len).sum();
    assert_eq!(results.len(), total, "one result per finding");
    let mut seen = HashSet::new();
    for res in results {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[i]["id"], res["ruleId"],
            "ruleIndex points at its rule"
        );
        let image = res["properties"]["image"].as_str().unwrap();
        let want = &expected[image];
        let level = match res["level"].as_str().unwrap() {
            "note" => "info",
            l => l,
        };
        assert!(
            want.iter()
                .any(|(r, s)| r == res["ruleId"].as_str().unwrap() && s == level),
            "{image}: {res}"
        );
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with(Path::new(image).file_name().unwrap().to_str().unwrap()));
        let fp = res["partialFingerprints"]["vhdlintFinding/v1"]
            .as_str()
            .unwrap();
        assert!(seen.insert(fp.to_string()), "fingerprint {fp} repeated");
        if res["level"] == "error" {
            assert!(res["properties"]["errorCode"].is_string(), "{res}");
        }
    }
    // Registry evidence becomes a logical location with the full key path.
    assert!(results.iter().any(|r| r["locations"][0]["logicalLocations"]
        .as_array()
        .is_some_and(|l| l.iter().any(|l| l["fullyQualifiedName"]
            .as_str()
            .is_some_and(|n| n.starts_with("SYSTEM\\"))))));
    // Fingerprints are stable from run to run.
    let (_, again) = check("sarif", &images);
    assert_eq!(stdout, again, "SARIF is deterministic");

    let dir = scratch_dir("ci-sarif");
    let file = dir.join("check.sarif");
    std::fs::write(&file, &stdout).unwrap();
    validate_sarif(&file);
}

/// Runs the official validator on `file` and fails on any error it reports (nothing when the
/// tool is absent and `VHDLINT_SKIP_TOOLS=1`).
pub(crate) fn validate_sarif(file: &Path) {
    let Some(multitool) = ci_tool("npm/node_modules/.bin/sarif-multitool", "sarif-multitool")
    else {
        return;
    };
    let report = file.with_extension("validation.sarif");
    let out = Command::new(&multitool)
        .arg("validate")
        .arg(file)
        .arg("--output")
        .arg(&report)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let validation: Value = serde_json::from_slice(&std::fs::read(&report).unwrap())
        .unwrap_or_else(|e| {
            panic!("validator wrote no report ({e}): {log}");
        });
    let errors: Vec<&Value> = validation["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["level"] == "error").collect())
        .unwrap_or_default();
    assert!(
        errors.is_empty(),
        "{}: SARIF validation errors: {errors:#?}\n{log}",
        file.display()
    );
}

/// A JUnit file as junitparser reads it: per suite name, `tests`, `failures`, the failed rule
/// ids (sorted) and the count of skipped cases. `None` when the tool is absent and
/// `VHDLINT_SKIP_TOOLS=1`.
pub(crate) fn junit_parse(file: &Path) -> Option<BTreeMap<String, Value>> {
    let python = ci_tool("venv/bin/python", "the junitparser venv")?;
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = {}
for suite in xml:
    failed = sorted(c.name.split()[0] for c in suite if any(isinstance(r, Failure) for r in c.result))
    skipped = sum(1 for c in suite if any(isinstance(r, Skipped) for r in c.result))
    out[suite.name] = {"tests": suite.tests, "failures": suite.failures, "failed": failed, "skipped": skipped}
print(json.dumps(out))
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "junitparser: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn junit_has_a_suite_per_image_and_a_failure_per_failing_rule() {
    let images = images();
    let expected = json_findings(&images);
    let (code, stdout) = check("junit", &images);
    assert_eq!(code, 1);
    let dir = scratch_dir("ci-junit");
    let file = dir.join("check.xml");
    std::fs::write(&file, &stdout).unwrap();
    let Some(parsed) = junit_parse(&file) else {
        return;
    };
    assert_eq!(parsed.len(), expected.len(), "one suite per image");
    for (image, findings) in &expected {
        let suite = &parsed[image];
        let mut want: Vec<&str> = findings
            .iter()
            .filter(|(_, s)| s == "error")
            .map(|(r, _)| r.as_str())
            .collect();
        want.sort();
        want.dedup();
        assert_eq!(suite["failures"], want.len(), "{image}");
        let got: Vec<&str> = suite["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{image}");
        assert!(
            suite["tests"].as_u64().unwrap() >= 10,
            "{image}: a case per rule"
        );
    }
}

#[test]
fn junit_skips_rules_the_profile_allows() {
    let image = testdata_file("images/multi-session.vhdx.xz")
        .display()
        .to_string();
    let out = vhdlint(&[
        "check",
        "--format",
        "junit",
        "--profile",
        "avd",
        "--as-of",
        AS_OF,
        &image,
    ]);
    let xml = String::from_utf8(out.stdout).unwrap();
    // AVD allows multi-session Windows: the rule is not applicable there.
    assert!(
        xml.contains("<testcase name=\"VL0302 multi-session\"")
            && xml.contains(
                "<skipped message=\"not applicable: profile avd allows multi-session\"/>"
            ),
        "{xml}"
    );
}

#[test]
fn github_annotations_are_one_escaped_command_per_finding() {
    let images = images();
    let expected = json_findings(&images);
    let (code, stdout) = check("github", &images);
    assert_eq!(code, 1);
    let text = String::from_utf8(stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let total: usize = expected.values().map(Vec::len).sum();
    assert_eq!(lines.len(), total, "one command per finding");
    for line in &lines {
        let (head, message) = line
            .split_once("::")
            .map(|(_, rest)| rest)
            .unwrap()
            .split_once("::")
            .unwrap();
        let (command, props) = head.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&command), "{line}");
        let title = props
            .strip_prefix("title=")
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        assert!(title.starts_with("VL") && title.contains(' '), "{line}");
        // The message carries evidence and the fix on %0A-joined lines.
        assert!(message.contains("%0Afix: "), "{line}");
        assert!(!message.contains('\r'), "{line}");
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::error title=VL0401 not-generalized,file=")));
}

#[test]
fn an_image_that_cannot_be_opened_is_in_every_ci_output() {
    let missing = Path::new("no/such/image.vhdx").display().to_string();
    for format in ["sarif", "junit", "github"] {
        let (code, stdout) = check(format, std::slice::from_ref(&missing));
        assert_eq!(code, 2, "{format}");
        let text = String::from_utf8(stdout).unwrap();
        assert!(text.contains("image.vhdx"), "{format}: {text}");
    }
}
