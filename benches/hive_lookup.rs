//! Registry hive lookups with vhdlint's lazy reader: time, and bytes read from the hive file.
//!
//! Setup decompresses (once, into `target/bench-scratch/`) the real x64 Windows 10/11 SYSTEM
//! hive `hives/dissect.regf/SYSTEM.gz` of the shared corpus (11 MiB, clean; see its MANIFEST.md)
//! and checks its ComputerName. Without the corpus the bench says so and measures nothing.
//! Each benchmark opens the hive afresh (cold cell cache; the OS page cache stays warm), then:
//! - `open_deep_lookup`: `Hive::open` (base block), the key
//!   `ControlSet001\Control\ComputerName\ComputerName` and its `ComputerName` value (the open is
//!   timed too),
//! - `current_control_set`: `Select\Current` → `ControlSet001`,
//! - `missing_key`: `ControlSet001\Services\NoSuchService` (a miss in a large key),
//! - `large_key_hit`: `ControlSet001\Services\Tcpip` (a hit in the same key, to compare),
//! - `enumerate_services`: every subkey of `ControlSet001\Services`.
//!
//! The bytes each reads from a `Counted` source are printed once ("read only the bytes you
//! need"). Run: `cargo bench --bench hive_lookup`.

// Bench code: a panic is how a setup failure shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use vhdlint_container::{Counted, FileSource, ReadAt};
use vhdlint_registry::{current_control_set, Hive, ValueData};

const CORPUS_FILE: &str = "hives/dissect.regf/SYSTEM.gz";
const DEEP_KEY: &str = r"ControlSet001\Control\ComputerName\ComputerName";
const COMPUTER_NAME: &str = "DESKTOP-M3OSHQU";
const MISSING_KEY: &str = r"ControlSet001\Services\NoSuchService";
const SERVICES: &str = r"ControlSet001\Services";
const SERVICE: &str = r"ControlSet001\Services\Tcpip";

fn hive_file() -> Option<&'static PathBuf> {
    static HIVE: OnceLock<Option<PathBuf>> = OnceLock::new();
    HIVE.get_or_init(|| {
        let src = vhdlint_testkit::corpus_root().join(CORPUS_FILE);
        if !src.is_file() {
            eprintln!(
                "hive_lookup: CORPUS ABSENT: {} not found (set VHDLINT_CORPUS); nothing measured",
                src.display()
            );
            return None;
        }
        let dir = vhdlint_testkit::target_dir().join("bench-scratch");
        std::fs::create_dir_all(&dir).expect("bench dir");
        let dest = dir.join("dissect-SYSTEM");
        if !dest.is_file() {
            decompress(&src, &dest);
        }
        check(&dest);
        Some(dest)
    })
    .as_ref()
}

fn decompress(src: &Path, dest: &Path) {
    let tmp = dest.with_extension("tmp");
    let out = std::fs::File::create(&tmp).expect("create hive");
    let status = Command::new("gzip")
        .arg("-dc")
        .arg(src)
        .stdout(out)
        .status()
        .expect("gzip is needed to decompress the hive");
    assert!(status.success(), "gzip -dc {} failed", src.display());
    std::fs::rename(&tmp, dest).expect("rename hive");
}

/// The hive is the one the MANIFEST describes: clean, with the ComputerName regipy and hivex read.
fn check(path: &Path) {
    let (hive, _) = fresh(path);
    assert!(!hive.status().dirty, "the hive is clean");
    assert_eq!(computer_name(&hive), COMPUTER_NAME);
    assert_eq!(current_control_set(&hive).unwrap().unwrap().number, 1);
    assert!(hive.key(MISSING_KEY).unwrap().is_none());
}

type Source = Arc<Counted<FileSource>>;

fn source(path: &Path) -> Source {
    Arc::new(Counted::new(
        FileSource::open(path).expect("open hive file"),
    ))
}

fn open(src: &Source) -> Hive {
    Hive::open_plain(src.clone() as Arc<dyn ReadAt>).expect("open hive")
}

fn fresh(path: &Path) -> (Hive, Source) {
    let src = source(path);
    (open(&src), src)
}

fn computer_name(hive: &Hive) -> String {
    let key = hive.key(DEEP_KEY).unwrap().expect("ComputerName key");
    match key.value("ComputerName").unwrap().expect("value").data() {
        Ok(ValueData::Sz(s)) => s,
        other => panic!("ComputerName is {other:?}"),
    }
}

fn services(hive: &Hive) -> usize {
    let key = hive.key(SERVICES).unwrap().expect("Services key");
    key.subkeys().unwrap().len()
}

/// Bytes and calls `f` reads from a fresh hive (opened before counting).
fn cost<T>(path: &Path, f: impl FnOnce(&Hive) -> T) -> (T, u64, u64) {
    let (hive, src) = fresh(path);
    let before = src.stats();
    let out = f(&hive);
    let after = src.stats();
    (out, after.bytes - before.bytes, after.calls - before.calls)
}

fn main() {
    if let Some(path) = hive_file() {
        let len = std::fs::metadata(path).expect("stat").len();
        let src = source(path);
        let _hive = open(&src);
        let open_bytes = src.stats().bytes;
        let (_, deep, deep_calls) = cost(path, computer_name);
        let (_, ccs, ccs_calls) = cost(path, |h| current_control_set(h).unwrap());
        let (_, missing, missing_calls) = cost(path, |h| h.key(MISSING_KEY).unwrap());
        let (_, hit, hit_calls) = cost(path, |h| h.key(SERVICE).unwrap().expect("Tcpip"));
        let (n, list, list_calls) = cost(path, services);
        println!(
            "hive_lookup: SYSTEM hive of {len} bytes; bytes read (calls): open {open_bytes}, \
             deep lookup + value {deep} ({deep_calls}), current_control_set {ccs} ({ccs_calls}), \
             missing key {missing} ({missing_calls}), hit in the same key {hit} ({hit_calls}), \
             {n} Services subkeys {list} ({list_calls})"
        );
    }
    divan::main();
}

#[divan::bench(sample_count = 100)]
fn open_deep_lookup(b: divan::Bencher) {
    let Some(path) = hive_file() else { return };
    // The hive is returned so that dropping it is not timed.
    b.with_inputs(|| source(path)).bench_local_values(|src| {
        let hive = open(&src);
        let name = computer_name(&hive);
        (hive, name)
    });
}

#[divan::bench(name = "current_control_set", sample_count = 100)]
fn control_set(b: divan::Bencher) {
    let Some(path) = hive_file() else { return };
    b.with_inputs(|| fresh(path))
        .bench_local_refs(|(hive, _)| current_control_set(hive).unwrap().unwrap().number);
}

#[divan::bench(sample_count = 100)]
fn missing_key(b: divan::Bencher) {
    let Some(path) = hive_file() else { return };
    b.with_inputs(|| fresh(path))
        .bench_local_refs(|(hive, _)| hive.key(MISSING_KEY).unwrap().is_none());
}

#[divan::bench(sample_count = 100)]
fn large_key_hit(b: divan::Bencher) {
    let Some(path) = hive_file() else { return };
    b.with_inputs(|| fresh(path))
        .bench_local_refs(|(hive, _)| hive.key(SERVICE).unwrap().is_some());
}

#[divan::bench(sample_count = 30)]
fn enumerate_services(b: divan::Bencher) {
    let Some(path) = hive_file() else { return };
    b.with_inputs(|| fresh(path))
        .bench_local_refs(|(hive, _)| services(hive));
}
