//! The pipeline recipes run as written: the `check` step of `action.yml` (with its inputs as
//! the Actions runner passes them: environment variables from the step's `env:`), and every
//! `run:` / `script:` command line of `docs/ci.md`, each with a fixture image in place of
//! `out/windows.vhdx`, run by bash against the built binary. Exit codes must be what `check`
//! gives the image, and the SARIF / JUnit / JSON files the lines name must exist and read back
//! with the third-party readers of `ci.rs`. Also: the shell completions parse and the manual
//! page names every subcommand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use vhdlint_testkit::{scratch_dir, testdata_file, workspace_root};

use crate::ci::{junit_parse, validate_sarif};
use crate::{stdout, vhdlint};

/// The placeholder image of the recipes.
const PLACEHOLDER: &str = "out/windows.vhdx";

/// A passing and a failing fixture, and one that cannot be opened (exit 2).
fn cases() -> Vec<(String, PathBuf)> {
    vec![
        ("gold".into(), testdata_file("images/gold.vhdx.xz")),
        (
            "not-generalized".into(),
            testdata_file("images/not-generalized.vhdx.xz"),
        ),
        ("missing".into(), PathBuf::from("/nonexistent/windows.vhdx")),
    ]
}

/// The exit code `vhdlint check IMAGE` gives (what every recipe must pass through).
fn direct_code(image: &Path) -> i32 {
    vhdlint(&["check", image.to_str().unwrap()])
        .status
        .code()
        .unwrap()
}

/// A PATH with the binary under test first.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_vhdlint")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// A step of action.yml: its `env:` (name → `${{ … }}` expression) and its `run:` script.
struct Step {
    env: Vec<(String, String)>,
    run: String,
}

/// The steps of action.yml's `runs.steps` (a YAML subset: block scalars `run: |`, plain
/// one-line values), by id (steps without an id are keyed by their position).
fn action_steps(text: &str) -> (BTreeMap<String, String>, Vec<(String, Step)>) {
    let lines: Vec<&str> = text.lines().collect();
    // Input defaults.
    let mut defaults = BTreeMap::new();
    let mut i = lines.iter().position(|l| *l == "inputs:").unwrap() + 1;
    let mut input = String::new();
    while i < lines.len() && (lines[i].starts_with(' ') || lines[i].is_empty()) {
        let l = lines[i];
        if indent(l) == 2 {
            input = l.trim().trim_end_matches(':').to_string();
        } else if let Some(v) = l.trim().strip_prefix("default:") {
            defaults.insert(input.clone(), v.trim().trim_matches('"').to_string());
        }
        i += 1;
    }
    let start = lines.iter().position(|l| l.trim() == "steps:").unwrap() + 1;
    let mut steps = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let l = lines[i];
        if !l.trim_start().starts_with("- ") {
            i += 1;
            continue;
        }
        let base = indent(l) + 2;
        let mut id = format!("#{}", steps.len());
        let mut step = Step {
            env: Vec::new(),
            run: String::new(),
        };
        let mut j = i;
        let mut first = true;
        while j < lines.len() {
            let raw = lines[j];
            let l = if first {
                raw.replacen("- ", "  ", 1)
            } else {
                raw.to_string()
            };
            if !first && !raw.trim().is_empty() && indent(raw) < base {
                break;
            }
            first = false;
            let t = l.trim();
            if indent(&l) == base {
                if let Some(v) = t.strip_prefix("id:") {
                    id = v.trim().to_string();
                } else if t == "env:" {
                    let mut k = j + 1;
                    while k < lines.len() && indent(lines[k]) > base {
                        let (name, value) = lines[k].trim().split_once(':').unwrap();
                        step.env.push((name.to_string(), value.trim().to_string()));
                        k += 1;
                    }
                } else if t == "run: |" {
                    let mut k = j + 1;
                    while k < lines.len() && (lines[k].trim().is_empty() || indent(lines[k]) > base)
                    {
                        let body = lines[k].get(base + 2..).unwrap_or("");
                        step.run.push_str(body);
                        step.run.push('\n');
                        k += 1;
                    }
                } else if let Some(v) = t.strip_prefix("run:") {
                    step.run = v.trim().to_string();
                }
            }
            j += 1;
        }
        steps.push((id, step));
        i = j;
    }
    (defaults, steps)
}

/// The value the runner would give `${{ inputs.NAME }}` / `${{ steps.check.outputs.NAME }}`.
fn resolve(
    expr: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, String>,
) -> String {
    let inner = expr
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or_else(|| panic!("env value {expr} is not an expression"))
        .trim();
    if let Some(name) = inner.strip_prefix("inputs.") {
        return inputs.get(name).cloned().unwrap_or_default();
    }
    if let Some(name) = inner.strip_prefix("steps.check.outputs.") {
        return outputs.get(name).cloned().unwrap_or_default();
    }
    if inner == "github.action_path" {
        return workspace_root().display().to_string();
    }
    panic!("unknown expression {inner}");
}

/// Runs bash on `script` in `cwd` with `env`; returns the exit code and stderr.
fn bash(script: &str, cwd: &Path, env: &[(String, String)]) -> (i32, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("PATH", path_with_binary())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The files a check writes are there and read back: SARIF validated, JUnit parsed with one
/// suite and a failure per error finding, JSON an envelope with the expected status.
fn assert_outputs(dir: &Path, sarif: &Path, junit: Option<&Path>, code: i32, what: &str) {
    let sarif = dir.join(sarif);
    assert!(sarif.is_file(), "{what}: no SARIF at {}", sarif.display());
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0", "{what}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors > 0, code == 1, "{what}: error results iff failed");
    // An image that could not be opened is a failed invocation with its notification.
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(
        invocation["executionSuccessful"] == false,
        code == 2,
        "{what}: {invocation}"
    );
    // The official validator is slow to start: run it on the failed image's file (the richest).
    if code == 1 {
        validate_sarif(&sarif);
    }
    if let Some(junit) = junit {
        let junit = dir.join(junit);
        assert!(junit.is_file(), "{what}: no JUnit at {}", junit.display());
        if let Some(suites) = junit_parse(&junit) {
            assert_eq!(suites.len(), 1, "{what}: one suite");
            let failures = suites.values().next().unwrap()["failures"]
                .as_u64()
                .unwrap();
            assert_eq!(failures > 0, code == 1, "{what}: failures iff failed");
        }
    }
}

#[test]
fn the_action_check_step_passes_the_exit_code_through_and_writes_sarif() {
    let text = std::fs::read_to_string(workspace_root().join("action.yml")).unwrap();
    let (defaults, steps) = action_steps(&text);
    let step = |id: &str| {
        &steps
            .iter()
            .find(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("action.yml has no step {id}"))
            .1
    };
    let check = step("check");
    let last = &steps.last().unwrap().1;
    assert!(
        check.run.contains("vhdlint \"${args[@]}\""),
        "{}",
        check.run
    );
    assert_eq!(defaults["sarif-file"], "vhdlint.sarif");
    assert!(text.contains("uses: github/codeql-action/upload-sarif@v3"));
    for (name, image) in cases() {
        let want = direct_code(&image);
        let dir = scratch_dir(&format!("pipeline-action-{name}"));
        let mut inputs = defaults.clone();
        inputs.insert("images".into(), image.display().to_string());
        inputs.insert("junit-file".into(), "vhdlint-junit.xml".into());
        let output_file = dir.join("github-output");
        std::fs::write(&output_file, "").unwrap();
        let mut env: Vec<(String, String)> = check
            .env
            .iter()
            .map(|(k, v)| (k.clone(), resolve(v, &inputs, &BTreeMap::new())))
            .collect();
        env.push(("GITHUB_OUTPUT".into(), output_file.display().to_string()));
        let (code, log) = bash(&check.run, &dir, &env);
        assert_eq!(
            code, 0,
            "{name}: the check step records, then succeeds\n{log}"
        );
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(outputs["exit-code"], want.to_string(), "{name}\n{log}");
        // Annotations (the default console format) on the console.
        if want == 1 {
            assert!(log.contains("::error title=VL"), "{name}: {log}");
        }
        assert_eq!(outputs["sarif-file"], "vhdlint.sarif", "{name}");
        assert_outputs(
            &dir,
            Path::new("vhdlint.sarif"),
            Some(Path::new("vhdlint-junit.xml")),
            want,
            &format!("action, {name}"),
        );
        // The last step ends the job with that code.
        let env: Vec<(String, String)> = last
            .env
            .iter()
            .map(|(k, v)| (k.clone(), resolve(v, &inputs, &outputs)))
            .collect();
        let (code, _) = bash(&last.run, &dir, &env);
        assert_eq!(code, want, "{name}: the action's exit code");
    }
}

/// The command lines of docs/ci.md's YAML blocks: `run: X`, `- script: X`, and the items of a
/// `script:` list.
fn doc_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_yaml = false;
    let mut script_list: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with("```") {
            in_yaml = line == "```yaml";
            script_list = None;
            continue;
        }
        if !in_yaml {
            continue;
        }
        let t = line.trim_start();
        if let Some(n) = script_list {
            match t.strip_prefix("- ") {
                Some(cmd) if indent(line) >= n => {
                    out.push(cmd.to_string());
                    continue;
                }
                _ => script_list = None,
            }
        }
        let t = t.strip_prefix("- ").unwrap_or(t);
        if t == "script:" {
            script_list = Some(indent(line));
        } else if let Some(cmd) = t
            .strip_prefix("run: ")
            .or_else(|| t.strip_prefix("script: "))
        {
            out.push(cmd.to_string());
        }
    }
    out
}

/// The value of `--flag VALUE` in a command line.
fn flag<'a>(cmd: &'a str, name: &str) -> Option<&'a str> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let i = words.iter().position(|w| *w == name)?;
    words.get(i + 1).copied()
}

#[test]
fn every_command_line_of_docs_ci_runs_as_written() {
    let text = std::fs::read_to_string(workspace_root().join("docs/ci.md")).unwrap();
    let commands = doc_commands(&text);
    let checks: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("vhdlint "))
        .collect();
    // GitHub, Azure DevOps and GitLab each have one.
    assert_eq!(checks.len(), 3, "{commands:#?}");
    // The rest installs the binary under test, as the README says.
    for c in commands.iter().filter(|c| !c.starts_with("vhdlint ")) {
        assert_eq!(c, "cargo install --locked --path .", "{commands:#?}");
    }
    assert!(text.contains("PublishTestResults@2") && text.contains("testResultsFormat: JUnit"));
    assert!(text.contains("PublishBuildArtifacts@1"));
    assert!(text.contains("reports:\n      junit: vhdlint-junit.xml"));
    for (name, image) in cases() {
        let want = direct_code(&image);
        for (n, cmd) in checks.iter().enumerate() {
            let dir = scratch_dir(&format!("pipeline-doc-{name}-{n}"));
            let staging = dir.join("staging");
            std::fs::create_dir_all(&staging).unwrap();
            let line = cmd
                .replace(PLACEHOLDER, &image.display().to_string())
                .replace(
                    "$(Build.ArtifactStagingDirectory)",
                    &staging.display().to_string(),
                );
            assert_ne!(&line, *cmd, "{cmd}: names the placeholder image");
            let (code, log) = bash(&line, &dir, &[]);
            assert_eq!(code, want, "{name}: {line}\n{log}");
            let sarif = flag(&line, "--sarif").expect("every recipe writes SARIF");
            let junit = flag(&line, "--junit").expect("every recipe writes JUnit");
            assert_outputs(
                &dir,
                Path::new(sarif),
                Some(Path::new(junit)),
                want,
                &format!("{name}: {line}"),
            );
            if let Some(json) = flag(&line, "--json") {
                let doc: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(dir.join(json)).unwrap()).unwrap();
                let status = doc["images"][0]["status"].as_str().unwrap();
                let expected = match want {
                    0 => "passed",
                    1 => "failed",
                    _ => "error",
                };
                assert_eq!(status, expected, "{name}: {line}");
            }
        }
    }
}

#[test]
fn completions_parse_in_their_shells() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = vhdlint(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        for sub in ["check", "inspect", "hash", "reg", "completions"] {
            assert!(script.contains(sub), "{shell}: completes {sub}");
        }
    }
    let dir = scratch_dir("pipeline-completions");
    let file = dir.join("vhdlint.bash");
    std::fs::write(&file, stdout(&vhdlint(&["completions", "bash"]))).unwrap();
    let n = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(n.status.success(), "{}", String::from_utf8_lossy(&n.stderr));
    // Sourced, it completes the subcommands and `check`'s flags.
    let probe = format!(
        "source {}; COMP_WORDS=(vhdlint ch); COMP_CWORD=1; _vhdlint vhdlint ch vhdlint; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"; COMP_WORDS=(vhdlint check --sa); COMP_CWORD=2; \
         _vhdlint vhdlint --sa check; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "check"), "{words}");
    assert!(words.lines().any(|w| w == "--sarif"), "{words}");
    assert_eq!(vhdlint(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn the_manual_page_names_every_subcommand_and_renders() {
    let out = vhdlint(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let roff = stdout(&out);
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH vhdlint"),
        "{roff}"
    );
    let dir = scratch_dir("pipeline-man");
    let pages = dir.join("pages");
    assert_eq!(
        vhdlint(&["man", "--out-dir", pages.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    for sub in [
        "check",
        "rules",
        "inspect",
        "hash",
        "ls",
        "cat",
        "reg",
        "completions",
        "man",
    ] {
        assert!(
            roff.contains(&format!("vhdlint\\-{sub}")) || roff.contains(sub),
            "{sub}"
        );
        let page = pages.join(format!("vhdlint-{sub}.1"));
        assert!(page.is_file(), "{}", page.display());
    }
    let check_page = std::fs::read_to_string(pages.join("vhdlint-check.1")).unwrap();
    for flag in [
        "\\-\\-sarif",
        "\\-\\-junit",
        "\\-\\-profile",
        "\\-\\-files\\-from",
    ] {
        assert!(check_page.contains(flag), "check page documents {flag}");
    }
    let file = dir.join("vhdlint.1");
    std::fs::write(&file, &roff).unwrap();
    // Rendered by man(1) when present (.ci/run installs man-db).
    let Ok(rendered) = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
    else {
        assert!(
            std::env::var_os("VHDLINT_SKIP_TOOLS").is_some(),
            "man is not installed (.ci/run installs man-db; VHDLINT_SKIP_TOOLS=1 skips)"
        );
        return;
    };
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert!(
        text.contains("SYNOPSIS") && text.contains("vhdlint-check"),
        "{text}"
    );
}
