//! End-to-end tests of the `vhdlint` binary (one test binary, a module per area, as ripgrep does):
//! JSON fields, bytes and exit codes on fixtures and on the shared corpus.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vhdlint_testkit::testdata_file;

mod audit;
mod azurite;
mod boot;
mod check;
mod ci;
mod container;
mod damaged;
mod files;
mod hashing;
mod inputs;
mod ntfs_corpus;
mod output;
mod pipeline;
mod registry;
mod remote;
mod vocabulary;

/// Runs the binary.
pub fn vhdlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args)
        .output()
        .expect("run vhdlint")
}

/// Its stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `inspect --format json`, which must succeed.
pub fn inspect_json(path: &Path) -> serde_json::Value {
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
pub fn fixtures() -> Vec<(PathBuf, &'static str, &'static str)> {
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

/// `pattern` of testdata/filesystems/generate.sh: `text` repeated and cut to `n` bytes.
pub fn pattern(text: &str, n: usize) -> Vec<u8> {
    text.bytes().cycle().take(n).collect()
}

/// A command printing JSON, which must succeed.
pub fn run_json(args: &[&str]) -> serde_json::Value {
    let out = vhdlint(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
