//! Hive opening with and without log replay, on a real dirty Windows 11 SECURITY hive with its
//! logs (corpus `hives/museum-win11`), served from an in-memory file system.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::Arc;

use vhdlint_facts::ProblemKind;
use vhdlint_filesystems::{DirEntry, FileData, FileSystem, FsError, FsKind, ReadAt};
use vhdlint_gather::hives::{hive_facts, open_windows_hives};
use vhdlint_gather::GatherOptions;

/// Files by lower-case `\`-separated path.
struct MemFs(HashMap<String, Arc<Vec<u8>>>);

fn key(path: &str) -> String {
    path.replace('/', "\\")
        .trim_start_matches('\\')
        .to_ascii_lowercase()
}

impl FileSystem for MemFs {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }
    fn label(&self) -> Option<String> {
        None
    }
    fn list(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        Err(FsError::NotFound { path: path.into() })
    }
    fn stat(&self, path: &str) -> Result<DirEntry, FsError> {
        let data = self
            .0
            .get(&key(path))
            .ok_or_else(|| FsError::NotFound { path: path.into() })?;
        Ok(DirEntry {
            name: path.rsplit('\\').next().unwrap_or("").into(),
            is_dir: false,
            size: data.len(),
            attributes: 0,
            created: None,
            modified: None,
            accessed: None,
            reparse_tag: None,
            streams: vec![],
            special: None,
            cloud: None,
        })
    }
    fn open(&self, path: &str, _stream: Option<&str>) -> Result<FileData, FsError> {
        let data = self
            .0
            .get(&key(path))
            .ok_or_else(|| FsError::NotFound { path: path.into() })?;
        Ok(FileData::Content(Arc::clone(data) as Arc<dyn ReadAt>))
    }
}

#[test]
fn dirty_security_hive_is_replayed_unless_disabled() {
    let mut files = HashMap::new();
    for name in ["SECURITY", "SECURITY.LOG1", "SECURITY.LOG2"] {
        let Some(path) = vhdlint_testkit::corpus_file(&format!("hives/museum-win11/{name}")) else {
            return;
        };
        files.insert(
            key(&format!(r"Windows\System32\config\{name}")),
            Arc::new(std::fs::read(path).unwrap()),
        );
    }
    let fs = MemFs(files);

    let opened = open_windows_hives(&fs, Some(3), &GatherOptions::default());
    let security = opened.security.as_ref().unwrap();
    let h = hive_facts("SECURITY", security, Some(3));
    assert!(h.dirty && h.logs_replayed, "{h:#?}");
    assert!(
        h.evidence
            .iter()
            .any(|e| e.to_string().contains("SECURITY.LOG1")),
        "the replayed log is evidence: {:#?}",
        h.evidence
    );
    // SYSTEM and SOFTWARE are missing: hive problems naming the file.
    let p = opened.system.as_ref().unwrap_err();
    assert_eq!(p.kind, ProblemKind::Hive);
    assert!(p.message.contains("SYSTEM"), "{}", p.message);

    let opened = open_windows_hives(&fs, Some(3), &GatherOptions { replay_logs: false });
    let h = hive_facts("SECURITY", opened.security.as_ref().unwrap(), Some(3));
    assert!(h.dirty && !h.logs_replayed, "{h:#?}");
}
