//! `ls` and `cat` on the corpus NTFS volumes formatted by Windows (MANIFEST.md `## ntfs/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use vhdlint_testkit::{corpus_file, corpus_file_scoped};

use crate::vhdlint;

fn names(doc: &Value) -> Vec<String> {
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .filter(|n| !n.starts_with('$'))
        .collect()
}

fn ls(image: &str, path: &str) -> Value {
    let out = vhdlint(&["ls", image, path, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ls {image} {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ls_lists_the_root_entries_the_manifest_records() {
    for (rel, expected) in [
        (
            "ntfs/dissect.ntfs/ntfs.bin.gz",
            &[
                "Directory",
                "File.txt",
                "Large Directory",
                "Large.txt",
                "Random.bin",
                "System Volume Information",
            ][..],
        ),
        (
            "ntfs/ntfs-samples/ntfs-ptrn.raw.gz",
            &[
                "1.txt",
                "2.txt",
                "os_version.txt",
                "System Volume Information",
            ][..],
        ),
        (
            "ntfs/ntfs-samples/ntfs-lastaccess.raw.gz",
            &["System Volume Information", "test"][..],
        ),
        (
            "ntfs/ColinFinck-ntfs/testfs1.xz",
            &[
                "1000-bytes-file",
                "empty-file",
                "file-with-12345",
                "many_subdirs",
                "sparse-file",
            ][..],
        ),
        (
            "ntfs/ntfs-samples/ntfs-2m.raw.gz",
            &["System Volume Information"][..],
        ),
        (
            "ntfs/dissect.ntfs/ntfs-cloud.bin.gz",
            &["OneDrive", "OneDriveTemp", "System Volume Information"][..],
        ),
    ] {
        let Some(path) = corpus_file_scoped(rel) else {
            return;
        };
        let doc = ls(path.to_str().unwrap(), "/");
        let mut got = names(&doc);
        got.sort_by_key(|n| n.to_lowercase());
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort_by_key(|n| n.to_lowercase());
        assert_eq!(got, want, "{rel}");
        assert_eq!(doc["filesystem"], "ntfs");
    }
}

#[test]
fn cat_reproduces_files_windows_wrote() {
    let Some(ptrn) = corpus_file_scoped("ntfs/ntfs-samples/ntfs-ptrn.raw.gz") else {
        return;
    };
    let out = vhdlint(&["cat", ptrn.to_str().unwrap(), r"C:\os_version.txt"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Microsoft Windows [Version 10.0.18348.1]"
    );
    let bin = corpus_file("ntfs/dissect.ntfs/ntfs.bin.gz").unwrap();
    let out = vhdlint(&["cat", bin.to_str().unwrap(), "/File.txt"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"Contents here");
}

#[test]
fn cat_reads_local_cloud_placeholders_as_ntfs_3g_does() {
    let Some(img) = corpus_file("ntfs/dissect.ntfs/ntfs-cloud.bin.gz") else {
        return;
    };
    let img = img.to_str().unwrap();
    let ntfscat = std::process::Command::new("ntfscat")
        .arg("--version")
        .output()
        .is_ok();
    if !ntfscat {
        println!(
            "ntfscat (ntfs-3g) not installed: comparing with dissect.ntfs' expected bytes only"
        );
    }
    for (file, local) in [
        ("OneDrive/example.txt", true),
        ("OneDrive/always-keep-on-device.txt", true),
        ("OneDrive/created-from-desktop-while-online.txt", true),
        ("OneDrive/Personal Vault.lnk", true),
        ("OneDrive/created-online.txt", false),
    ] {
        let out = vhdlint(&["cat", img, file]);
        let err = String::from_utf8_lossy(&out.stderr);
        if !local {
            assert_eq!(out.status.code(), Some(1), "{file}");
            assert!(
                err.contains("reparse:cloud") && err.contains("not on the volume"),
                "{err}"
            );
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{file}: {err}");
        assert!(
            err.contains("cloud placeholder") && err.contains("local"),
            "{err}"
        );
        if file.ends_with("example.txt") {
            assert_eq!(
                out.stdout,
                b"This is an example file in the OneDrive folder!\r\n"
            );
        }
        if ntfscat {
            let theirs = std::process::Command::new("ntfscat")
                .args([img, file])
                .output()
                .unwrap();
            assert!(theirs.status.success(), "ntfscat {file}");
            assert_eq!(
                out.stdout, theirs.stdout,
                "{file}: ntfs-3g reads other bytes"
            );
        }
    }
    let out = vhdlint(&["ls", img, "OneDrive", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = |n: &str| {
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(entry("example.txt")["cloud"], "local");
    assert_eq!(entry("example.txt")["special"], serde_json::Value::Null);
    assert_eq!(entry("always-keep-on-device.txt")["cloud"], "local-pinned");
    assert_eq!(entry("created-online.txt")["cloud"], "not-local");
    assert_eq!(entry("created-online.txt")["special"], "reparse:cloud");
    assert_eq!(entry("desktop.ini")["cloud"], serde_json::Value::Null);
}
