//! `check`'s output flags (a public contract, README "Output"): one run, several outputs
//! (`--output`, `--sarif`, `--junit`, `--json`), the JSON envelope of the same shape for any
//! number of images, an image that cannot be opened as an entry of every output (exit 2),
//! `--quiet`, the summary line, `--color`, `--files-from`, findings ordered by severity.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use vhdlint_testkit::{scratch_dir, testdata_file};

use crate::{stdout, vhdlint};

const AS_OF: &str = "2026-12-01";

fn image(name: &str) -> String {
    testdata_file(&format!("images/{name}.vhdx.xz"))
        .display()
        .to_string()
}

fn args<'a>(extra: &[&'a str], images: &'a [String]) -> Vec<&'a str> {
    let mut a = vec!["check", "--as-of", AS_OF];
    a.extend_from_slice(extra);
    a.extend(images.iter().map(String::as_str));
    a
}

#[test]
fn one_run_writes_every_output_each_as_its_format_alone_prints_it() {
    let dir = scratch_dir("output-one-run");
    let missing = dir.join("missing.vhdx").display().to_string();
    let images = vec![image("gold"), image("not-generalized"), missing.clone()];
    let f = |n: &str| dir.join(n).display().to_string();
    let (main, sarif, junit, json) = (f("main.txt"), f("a.sarif"), f("a.xml"), f("a.json"));
    let out = vhdlint(&args(
        &[
            "--output", &main, "--sarif", &sarif, "--junit", &junit, "--json", &json,
        ],
        &images,
    ));
    // An image that cannot be opened: exit 2, whatever the others did.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "--output takes the main output off stdout"
    );
    for (format, file) in [
        ("text", &main),
        ("sarif", &sarif),
        ("junit", &junit),
        ("json-envelope", &json),
    ] {
        let alone = vhdlint(&args(&["--format", format], &images));
        assert_eq!(alone.status.code(), Some(2), "{format}");
        assert_eq!(
            std::fs::read(file).unwrap(),
            alone.stdout,
            "{file} is not what --format {format} prints"
        );
    }
    let env: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(env["summary"]["images"], 3);
    assert_eq!(env["summary"]["passed"], 1);
    assert_eq!(env["summary"]["failed"], 1);
    assert_eq!(env["summary"]["unopened"], 1);
    let third = &env["images"][2];
    assert_eq!(third["status"], "error");
    assert_eq!(third["image"], missing.as_str());
    assert!(third["reason"].as_str().unwrap().contains("No such file"));
    assert_eq!(env["images"][0]["status"], "passed");
    assert_eq!(env["images"][1]["status"], "failed");
    // The same file named twice is refused before anything is written.
    let twice = vhdlint(&args(&["--sarif", &sarif, "--json", &sarif], &images));
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("named by two output flags"));
}

#[test]
fn the_envelope_has_one_shape_whatever_the_number_of_images() {
    for images in [
        vec![image("gold")],
        vec![image("gold"), image("pro-edition")],
    ] {
        let out = vhdlint(&args(&["--format", "json-envelope"], &images));
        let env: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(env["kind"], "vhdlint.check");
        assert_eq!(env["schemaVersion"], 1);
        let list = env["images"].as_array().unwrap();
        assert_eq!(list.len(), images.len());
        for (doc, name) in list.iter().zip(&images) {
            assert_eq!(doc["image"], name.as_str());
            assert!(doc["findings"].is_array());
        }
    }
}

#[test]
fn legacy_json_and_jsonl_carry_the_unopened_image_as_an_entry() {
    let dir = scratch_dir("output-legacy-json");
    let missing = dir.join("gone.vhd").display().to_string();
    let one = vhdlint(&args(&["--format", "json"], std::slice::from_ref(&missing)));
    assert_eq!(one.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(doc["status"], "error");
    assert_eq!(doc["image"], missing.as_str());
    let images = vec![image("gold"), missing.clone()];
    let lines = vhdlint(&args(&["--format", "jsonl"], &images));
    assert_eq!(lines.status.code(), Some(2));
    let docs: Vec<Value> = stdout(&lines)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["status"], "passed");
    assert_eq!(docs[1]["status"], "error");
}

#[test]
fn quiet_prints_failed_images_their_errors_and_the_summary() {
    let images = vec![
        image("gold"),
        image("not-generalized"),
        image("pro-edition"),
    ];
    let full = stdout(&vhdlint(&args(&[], &images)));
    let quiet = vhdlint(&args(&["--quiet"], &images));
    assert_eq!(quiet.status.code(), Some(1));
    let quiet = stdout(&quiet);
    let env: Value =
        serde_json::from_slice(&vhdlint(&args(&["--format", "json-envelope"], &images)).stdout)
            .unwrap();
    let s = &env["summary"];
    let line = format!(
        "3 images: {} passed, {} failed — {} error{}, {} warning{}\n",
        s["passed"],
        s["failed"],
        s["errors"],
        if s["errors"] == 1 { "" } else { "s" },
        s["warnings"],
        if s["warnings"] == 1 { "" } else { "s" }
    );
    assert!(full.ends_with(&line), "{full}");
    assert!(quiet.ends_with(&line), "{quiet}");
    assert!(!quiet.contains(&format!("{}: PASS", image("gold"))));
    assert!(quiet.contains(&format!("{}: FAIL", image("not-generalized"))));
    assert!(quiet.contains("VL0401"));
    assert!(
        !quiet.contains("warning "),
        "quiet shows errors only:\n{quiet}"
    );
    assert!(full.contains("warning "), "the fixtures have warnings");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let images = vec![image("not-generalized")];
    let always = stdout(&vhdlint(&args(&["--color", "always"], &images)));
    assert!(always.contains("\x1b[31mFAIL\x1b[0m"), "{always}");
    for flags in [&["--color", "never"][..], &["--color", "auto"][..], &[][..]] {
        // Not a terminal: auto is off.
        assert!(!stdout(&vhdlint(&args(flags, &images))).contains('\x1b'));
    }
}

#[test]
fn files_from_a_file_or_stdin_checks_the_same_images_as_the_command_line() {
    let dir = scratch_dir("output-files-from");
    let images = vec![image("gold"), image("pro-edition")];
    let want = vhdlint(&args(&["--format", "jsonl"], &images)).stdout;
    let list = dir.join("list.txt");
    std::fs::write(
        &list,
        format!("# images\n{}\r\n\n{}\n", images[0], images[1]),
    )
    .unwrap();
    let from_file = vhdlint(&args(
        &["--format", "jsonl", "--files-from", list.to_str().unwrap()],
        &[],
    ));
    assert_eq!(from_file.stdout, want);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args(&["--format", "jsonl", "--files-from", "-"], &[]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n{}\n", images[0], images[1]).as_bytes())
        .unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert_eq!(from_stdin.stdout, want);
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let none = vhdlint(&args(&["--files-from", empty.to_str().unwrap()], &[]));
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn findings_come_most_severe_first_then_by_rule_id() {
    let dir = vhdlint_testkit::workspace_root().join("testdata/images");
    let images: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".vhdx.xz").map(str::to_string))
        .map(|n| image(&n))
        .collect();
    let out = vhdlint(&args(&["--format", "json-envelope"], &images));
    let env: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let mut mixed = false;
    for doc in env["images"].as_array().unwrap() {
        let keys: Vec<(i32, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    rank(f["severity"].as_str().unwrap()),
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{}", doc["image"]);
        mixed |= keys.first().map(|k| k.0) != keys.last().map(|k| k.0);
    }
    assert!(mixed, "some fixture has findings of two severities");
}

#[test]
fn one_vocabulary_new_names_beside_the_deprecated_ones() {
    // `rules --format json`: `errorCode` as findings say, `graphCode` kept with the same value.
    let rules: Value =
        serde_json::from_slice(&vhdlint(&["rules", "--format", "json"]).stdout).unwrap();
    let mut coded = 0;
    for r in rules.as_array().unwrap() {
        if r.get("levels").is_some() {
            assert_eq!(r["errorCode"], r["graphCode"], "{}", r["id"]);
            coded += usize::from(!r["errorCode"].is_null());
        }
    }
    assert!(coded > 0, "some rules have a Graph code");
    // `inspect --format json`: `image` as check and ls say, `path` kept.
    let img = image("gold");
    let doc = crate::inspect_json(std::path::Path::new(&img));
    assert_eq!(doc["image"], img.as_str());
    assert_eq!(doc["path"], img.as_str());
}

#[test]
fn reg_on_an_image_without_the_hive_or_without_a_key_is_a_usage_error_naming_the_image() {
    let img = image("gold");
    // Gold has a SAM since issue 15; a user hive it does not have is the missing hive here.
    let no_hive = vhdlint(&["reg", &img, "HKU\\nosuchuser"]);
    assert_eq!(no_hive.status.code(), Some(2));
    let err = String::from_utf8_lossy(&no_hive.stderr);
    assert!(
        err.contains(&img) && err.contains("nosuchuser") && err.contains("not found"),
        "{err}"
    );
    let no_key = vhdlint(&["reg", &img]);
    assert_eq!(no_key.status.code(), Some(2));
    let err = String::from_utf8_lossy(&no_key.stderr);
    assert!(err.contains(&img) && err.contains("needs a KEY"), "{err}");
}
