//! Partitions and files: inspect partitions, ls, cat.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use vhdlint_testkit::testdata_file;

use crate::{pattern, run_json, stdout, vhdlint};

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
    // One GUID casing (issue 13): upper-case, as `check`'s facts print the same GUIDs.
    assert_eq!(recovery["typeGuid"], "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC");
    for key in ["uniqueGuid", "typeGuid"] {
        for e in p["entries"].as_array().unwrap() {
            let g = e[key].as_str().unwrap();
            assert_eq!(g, g.to_ascii_uppercase(), "{key} {g}");
        }
    }
    let disk = p["diskGuid"].as_str().unwrap();
    assert_eq!(disk, disk.to_ascii_uppercase());
    // `check` fails this image (no Windows on it) but still prints its facts.
    let out = vhdlint(&["check", img.to_str().unwrap(), "--format", "json"]);
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked: Vec<&str> = check["facts"]["partitions"]["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("check facts.partitions: {check}"))
        .iter()
        .filter_map(|e| e["typeGuid"].as_str())
        .collect();
    let inspected: Vec<&str> = p["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["typeGuid"].as_str())
        .collect();
    assert_eq!(
        checked, inspected,
        "check and inspect print one GUID casing"
    );
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
fn cat_decompresses_lznt1_and_refuses_missing_paths_with_distinct_exit_codes() {
    let img = testdata_file("filesystems/ntfs-3g.img.xz");
    let img = img.to_str().unwrap();
    // Issue 6: LZNT1-compressed files read back as Windows (and ntfscat) return them.
    let out = vhdlint(&["cat", img, "/Compressed/big.txt"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == pattern("compressible text line for LZNT1 ", 262144),
        "big.txt differs from what the generator wrote"
    );
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
