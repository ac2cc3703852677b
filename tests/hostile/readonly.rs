//! Never write: every command that opens an image leaves the image's bytes and mtime unchanged
//! and creates nothing beside it, including for a VHDX with a dirty log (replayed in memory) and
//! dirty hives with transaction logs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::serial;

/// Each file of a folder: BLAKE3, length, mtime.
type Listing = BTreeMap<String, (String, u64, SystemTime)>;

fn listing(dir: &Path) -> Listing {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let mut h = blake3::Hasher::new();
            h.update_reader(std::fs::File::open(e.path()).unwrap())
                .unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (
                    h.finalize().to_hex().to_string(),
                    meta.len(),
                    meta.modified().unwrap(),
                ),
            )
        })
        .collect()
}

/// Copies `files` (path, name) into a fresh scratch folder `name` with an old mtime, so that a
/// write would show even within the file system's mtime granularity.
fn stage(name: &str, files: &[(PathBuf, &str)]) -> vhdlint_testkit::Scratch {
    let dir = vhdlint_testkit::scratch_dir(name);
    let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for (src, to) in files {
        let dest = dir.join(to);
        std::fs::copy(src, &dest).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&dest)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    dir
}

/// Runs every command in `runs` (arguments after `vhdlint`) and checks the folder afterwards.
fn assert_untouched(dir: &Path, runs: &[Vec<String>]) {
    let before = listing(dir);
    for args in runs {
        let out = Command::new(env!("CARGO_BIN_EXE_vhdlint"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0..=2)) && !stderr.contains("panicked"),
            "vhdlint {args:?}: {:?}\n{stderr}",
            out.status
        );
        println!(
            "readonly: vhdlint {} → {:?}",
            args.join(" "),
            out.status.code()
        );
    }
    let after = listing(dir);
    assert_eq!(
        before, after,
        "the folder changed (bytes, mtime, or files created)"
    );
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Every command on image `name`.
fn image_commands(name: &str) -> Vec<Vec<String>> {
    vec![
        args(&["check", name, "--format", "json"]),
        args(&["check", name, "--no-logs"]),
        args(&["audit", name, "--format", "json"]),
        args(&["audit", name, "--format", "sarif", "--no-logs"]),
        args(&["inspect", name, "--format", "json"]),
        args(&["ls", name, "/Windows/System32/config"]),
        args(&["cat", name, "/Windows/System32/config/SYSTEM"]),
        args(&["reg", name, r"HKLM\SYSTEM\Select"]),
        args(&[
            "reg",
            name,
            r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
        ]),
        args(&["hash", name]),
        args(&["hash", "--virtual", name]),
    ]
}

#[test]
fn dirty_log_vhdx_is_never_written() {
    let _whole = crate::serial();
    let Some(src) = vhdlint_testkit::corpus_file("vhdx/qemu/iotest-dirtylog-10G-4M.vhdx.bz2")
    else {
        return;
    };
    let _g = serial();
    let dir = stage("hostile-readonly-dirtylog", &[(src, "dirty.vhdx")]);
    assert_untouched(&dir, &image_commands("dirty.vhdx"));
}

#[test]
fn dirty_hive_file_with_logs_is_never_written() {
    let _whole = crate::serial();
    let corpus = "hives/yarp/NewDirtyHive1/";
    let Some(hive) = vhdlint_testkit::corpus_file(&format!("{corpus}NewDirtyHive.xz")) else {
        return;
    };
    let log1 = vhdlint_testkit::corpus_file(&format!("{corpus}NewDirtyHive.LOG1.xz")).unwrap();
    let log2 = vhdlint_testkit::corpus_file(&format!("{corpus}NewDirtyHive.LOG2.xz")).unwrap();
    let _g = serial();
    let dir = stage(
        "hostile-readonly-dirty-hive-file",
        &[
            (hive, "NewDirtyHive"),
            (log1, "NewDirtyHive.LOG1"),
            (log2, "NewDirtyHive.LOG2"),
        ],
    );
    assert_untouched(
        &dir,
        &[
            args(&["reg", "NewDirtyHive"]),
            args(&["reg", "NewDirtyHive", "--format", "json"]),
            args(&["reg", "NewDirtyHive", "Key3"]),
            args(&["reg", "NewDirtyHive", "--no-logs"]),
            args(&["check", "NewDirtyHive"]),
            args(&["inspect", "NewDirtyHive"]),
            args(&["hash", "NewDirtyHive"]),
        ],
    );
}

#[test]
fn dirty_hive_image_is_never_written() {
    let _whole = crate::serial();
    let _g = serial();
    let src = vhdlint_testkit::testdata_file("images/dirty-hive.vhdx.xz");
    let dir = stage(
        "hostile-readonly-dirty-hive-image",
        &[(src, "dirty-hive.vhdx")],
    );
    assert_untouched(&dir, &image_commands("dirty-hive.vhdx"));
}
