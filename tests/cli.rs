//! End-to-end tests of the `vhdlint` binary: JSON fields, hashes and exit codes on fixtures.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vhdlint_testkit::{scratch_dir, testdata_file};

fn vhdlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args)
        .output()
        .expect("run vhdlint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn inspect_json(path: &Path) -> serde_json::Value {
    let out = vhdlint(&["inspect", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "inspect {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect prints JSON")
}

/// The pattern disk in every container format qemu-img writes, with what each must report.
fn fixtures() -> Vec<(PathBuf, &'static str, &'static str)> {
    vec![
        (testdata_file("container/pattern.raw.xz"), "raw", "fixed"),
        (
            testdata_file("container/pattern-fixed.vhd.xz"),
            "vhd",
            "fixed",
        ),
        (
            testdata_file("container/pattern-dynamic.vhd.xz"),
            "vhd",
            "dynamic",
        ),
        (
            testdata_file("container/pattern-fixed.vhdx.xz"),
            "vhdx",
            "fixed",
        ),
        (
            testdata_file("container/pattern-dynamic.vhdx.xz"),
            "vhdx",
            "dynamic",
        ),
    ]
}

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
    assert!(err.contains("reads:") && err.contains("bytes"), "{err}");
}

/// `pattern` of testdata/filesystems/generate.sh: `text` repeated and cut to `n` bytes.
fn pattern(text: &str, n: usize) -> Vec<u8> {
    text.bytes().cycle().take(n).collect()
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let out = vhdlint(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn inspect_lists_gpt_partitions_written_by_sgdisk() {
    let img = testdata_file("volumes/gpt-windows.img.xz");
    let doc = run_json(&["inspect", img.to_str().unwrap(), "--format", "json"]);
    let p = &doc["partitions"];
    assert_eq!(p["scheme"], "gpt");
    let kinds: Vec<&str> = p["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "efiSystem",
            "microsoftReserved",
            "basicData",
            "windowsRecovery"
        ]
    );
    let recovery = &p["entries"][3];
    assert_eq!(recovery["typeGuid"], "de94bba4-06d1-4d40-a16a-bfd50179d6ac");
    assert_eq!(recovery["attributes"], 0x8000_0000_0000_0001u64);
    assert_eq!(p["entries"][0]["startOffset"], 1u64 << 20);
    assert_eq!(p["entries"][0]["index"], 1);
}

#[test]
fn inspect_lists_mbr_primary_and_logical_partitions_written_by_sfdisk() {
    let img = testdata_file("volumes/mbr-extended.img.xz");
    let doc = run_json(&["inspect", img.to_str().unwrap(), "--format", "json"]);
    let p = &doc["partitions"];
    assert_eq!(p["scheme"], "mbr");
    let entries = p["entries"].as_array().unwrap();
    let idx: Vec<u64> = entries
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(idx, [1, 2, 5, 6]);
    assert_eq!(entries[0]["active"], true);
    assert_eq!(entries[1]["mbrType"], 0x27);
    assert_eq!(entries[1]["kind"], "windowsRecovery");
}

#[test]
fn ls_lists_what_ntfs3g_wrote_with_windows_and_posix_paths() {
    let img = testdata_file("filesystems/ntfs-3g.img.xz");
    let img = img.to_str().unwrap();
    for path in [r"C:\Windows\System32\config", "/windows/system32/CONFIG"] {
        let doc = run_json(&["ls", img, path, "--format", "json"]);
        assert_eq!(doc["filesystem"], "ntfs");
        assert_eq!(doc["partition"], serde_json::Value::Null, "a bare volume");
        let names: Vec<&str> = doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["SOFTWARE", "SYSTEM"], "{path}");
        assert_eq!(doc["entries"][1]["size"], 524288);
        assert_eq!(doc["entries"][1]["type"], "file");
    }
    let root = run_json(&["ls", img, "--format", "json"]);
    let compressed = root["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Compressed")
        .unwrap();
    assert_eq!(compressed["type"], "dir");
    let public = run_json(&["ls", img, "/Users/Public", "--format", "json"]);
    assert_eq!(public["entries"][0]["name"], "download.bin");
    assert_eq!(
        public["entries"][0]["streams"],
        serde_json::json!(["Zone.Identifier"])
    );
    let text = stdout(&vhdlint(&["ls", img, "/Users/Public"]));
    assert!(
        text.contains("download.bin") && text.contains(":Zone.Identifier"),
        "{text}"
    );
}

#[test]
fn cat_reproduces_files_streams_and_sparse_data_byte_for_byte() {
    let img = testdata_file("filesystems/ntfs-3g.img.xz");
    let img = img.to_str().unwrap();
    let system: Vec<u8> = (0..8)
        .flat_map(|i| pattern(&format!("SYSTEM hive fixture block {i} "), 65536))
        .collect();
    let out = vhdlint(&["cat", img, r"C:\Windows\System32\config\SYSTEM"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == system,
        "SYSTEM differs from what the generator wrote"
    );
    let out = vhdlint(&[
        "cat",
        img,
        "/Users/Public/download.bin",
        "--stream",
        "Zone.Identifier",
    ]);
    assert_eq!(out.stdout, b"[ZoneTransfer]\r\nZoneId=3\r\n");
    let out = vhdlint(&["cat", img, "/sparse.bin"]);
    assert_eq!(out.stdout.len(), 8 << 20);
    assert_eq!(&out.stdout[4 << 20..(4 << 20) + 14], b"MARKER-AT-4MiB");
    assert!(out.stdout[..4 << 20].iter().all(|&b| b == 0));
}

#[test]
fn cat_refuses_compressed_bytes_and_missing_paths_with_distinct_exit_codes() {
    let img = testdata_file("filesystems/ntfs-3g.img.xz");
    let img = img.to_str().unwrap();
    let out = vhdlint(&["cat", img, "/Compressed/big.txt"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "compressed content is not handed out raw"
    );
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("compressed"));
    let out = vhdlint(&["cat", img, "/no/such/file"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

#[test]
fn cat_reads_the_esp_written_by_mtools() {
    let img = testdata_file("filesystems/esp-fat32.img.xz");
    let img = img.to_str().unwrap();
    let out = vhdlint(&["cat", img, "EFI/Microsoft/Boot/bootmgfw.efi"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        pattern("MZ vhdlint bootmgfw.efi fixture ", 131072)
    );
    let out = vhdlint(&["cat", img, r"\efi\boot\BOOTX64.EFI"]);
    assert_eq!(
        out.stdout,
        pattern("MZ vhdlint bootx64.efi fixture ", 65536)
    );
}

#[test]
fn ls_on_a_partitioned_disk_needs_a_mountable_volume_or_a_partition_number() {
    let img = testdata_file("volumes/gpt-windows.img.xz");
    let out = vhdlint(&["ls", img.to_str().unwrap(), "--partition", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no partition 9"));
}
