// Test helpers: a failed unwrap is a failed test (clippy's in-test allowances cover #[test]
// functions only).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use vhdlint_container::{FileSource, ReadAt};
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key, ValueData};

/// A corpus file as a source; `None` only when the corpus is absent and skipping is allowed.
pub fn corpus(rel: &str) -> Option<Arc<dyn ReadAt>> {
    let path: PathBuf = vhdlint_testkit::corpus_file(rel)?;
    Some(Arc::new(FileSource::open(&path).expect("open corpus file")))
}

pub fn corpus_bytes(rel: &str) -> Option<Vec<u8>> {
    let path = vhdlint_testkit::corpus_file(rel)?;
    Some(std::fs::read(path).expect("read corpus file"))
}

pub fn open(rel: &str) -> Option<Hive> {
    Some(Hive::open(corpus(rel)?, HiveLogs::none(), HiveOptions::default()).expect("open hive"))
}

pub fn open_with_logs(rel: &str, log1: &str, log2: Option<&str>) -> Option<Hive> {
    let logs = HiveLogs {
        log: None,
        log1: Some(corpus(log1)?),
        log2: match log2 {
            Some(l) => Some(corpus(l)?),
            None => None,
        },
    };
    Some(Hive::open(corpus(rel)?, logs, HiveOptions::default()).expect("open hive"))
}

pub fn subkey_names(key: &Key) -> Vec<String> {
    key.subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect()
}

pub fn value(hive: &Hive, path: &str, name: &str) -> Option<ValueData> {
    hive.key(path)
        .unwrap()?
        .value(name)
        .unwrap()
        .map(|v| v.data().unwrap())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The recovered hive's bytes from offset 4096 to its end.
pub fn recovered_tail(hive: &Hive) -> Vec<u8> {
    let r = hive.recovered_bytes();
    let mut buf = vec![0u8; (r.len() - 4096) as usize];
    r.read_at(4096, &mut buf).unwrap();
    buf
}
