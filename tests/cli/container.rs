//! Containers: inspect, hash, exit codes, read-only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use vhdlint_testkit::{scratch_dir, testdata_file};

use crate::{fixtures, inspect_json, stdout, vhdlint};

#[test]
fn inspect_reports_the_container_contract_for_every_format() {
    for (path, format, disk_type) in fixtures() {
        let doc = inspect_json(&path);
        assert_eq!(doc["schemaVersion"], 1);
        let c = &doc["container"];
        assert_eq!(c["format"], format, "{}", path.display());
        assert_eq!(c["diskType"], disk_type, "{}", path.display());
        assert_eq!(c["virtualSize"], 8u64 << 20, "{}", path.display());
        assert_eq!(c["logicalSectorSize"], 512);
        assert!(c["physicalSectorSize"] == 512 || c["physicalSectorSize"] == 4096);
        assert_eq!(c["fileSize"], std::fs::metadata(&path).unwrap().len());
        assert_eq!(c["parent"], serde_json::Value::Null);
        assert_eq!(c["logReplayed"], false);
        assert!(c["diagnostics"].is_array());
        assert_eq!(
            c["blockSize"].is_null(),
            disk_type == "fixed" && format != "vhdx"
        );
        assert!(doc["error"].is_null());
    }
}

#[test]
fn hash_virtual_is_format_independent_and_equals_the_raw_disk() {
    let raw = testdata_file("container/pattern.raw.xz");
    let expected = blake3::hash(&std::fs::read(&raw).unwrap())
        .to_hex()
        .to_string();
    for (path, ..) in fixtures() {
        let out = vhdlint(&["hash", "--virtual", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            stdout(&out),
            format!("{expected}  {}\n", path.display()),
            "{}",
            path.display()
        );
    }
}

#[test]
fn hash_of_the_file_prints_like_b3sum() {
    let path = testdata_file("container/pattern-dynamic.vhdx.xz");
    let expected = blake3::hash(&std::fs::read(&path).unwrap())
        .to_hex()
        .to_string();
    let out = vhdlint(&["hash", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{expected}  {}\n", path.display()));
}

#[test]
fn a_corrupt_image_is_a_failed_image_with_exit_1_and_a_located_error() {
    let dir = scratch_dir("cli-corrupt");
    let src = std::fs::read(testdata_file("container/pattern-dynamic.vhdx.xz")).unwrap();
    // Keep the file identifier but cut the file inside the first header.
    let path = dir.join("truncated.vhdx");
    std::fs::write(&path, &src[..70_000]).unwrap();
    let out = vhdlint(&["inspect", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["container"].is_null());
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(msg.contains("0x"), "error names an offset: {msg}");
    let out = vhdlint(&["hash", "--virtual", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn os_and_usage_errors_exit_2() {
    let out = vhdlint(&["inspect", "/nonexistent/disk.vhdx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/disk.vhdx"));
    assert_eq!(vhdlint(&["inspect"]).status.code(), Some(2));
    assert_eq!(vhdlint(&["frobnicate", "x"]).status.code(), Some(2));
    assert_eq!(vhdlint(&["--help"]).status.code(), Some(0));
}

#[test]
fn reading_never_writes_the_image_or_beside_it() {
    let dir = scratch_dir("cli-readonly");
    for (src, ..) in fixtures() {
        let path = dir.join(src.file_name().unwrap());
        std::fs::copy(&src, &path).unwrap();
    }
    let before: Vec<_> = listing(&dir);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let p = p.to_str().unwrap();
        assert_eq!(
            vhdlint(&["inspect", p, "--format", "json"]).status.code(),
            Some(0)
        );
        assert_eq!(vhdlint(&["hash", "--virtual", p]).status.code(), Some(0));
    }
    assert_eq!(
        listing(&dir),
        before,
        "bytes, mtimes and the folder's files are unchanged"
    );
}

fn listing(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime, blake3::Hash)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let m = std::fs::metadata(&p).unwrap().modified().unwrap();
            let h = blake3::hash(&std::fs::read(&p).unwrap());
            (p, m, h)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn stats_report_reads() {
    let path = testdata_file("container/pattern-dynamic.vhdx.xz");
    let out = vhdlint(&["inspect", path.to_str().unwrap(), "--stats"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vhdlint: stats: ") && err.contains(" reads, ") && err.contains("bytes"),
        "{err}"
    );
}
