//! `ls` and `cat` on the corpus NTFS volumes formatted by Windows (MANIFEST.md `## ntfs/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use vhdlint_testkit::corpus_file;

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
        let Some(path) = corpus_file(rel) else {
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
    let Some(ptrn) = corpus_file("ntfs/ntfs-samples/ntfs-ptrn.raw.gz") else {
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
fn the_onedrive_placeholder_is_reported_not_returned() {
    let Some(cloud) = corpus_file("ntfs/dissect.ntfs/ntfs-cloud.bin.gz") else {
        return;
    };
    let cloud = cloud.to_str().unwrap();
    let doc = ls(cloud, "/OneDrive");
    let example = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "example.txt")
        .unwrap();
    assert_eq!(example["special"], "reparse:cloud");
    let out = vhdlint(&["cat", cloud, "/OneDrive/example.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
