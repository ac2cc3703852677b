//! Differential test against hivex (libguestfs' reader, through Debian's `python3-hivex`): every
//! real hive of the shared corpus (`hives/` and `bcd/`, each file that is not a log) is walked
//! by both readers, and every key's subkey names (in order), value names, types, raw data bytes
//! and decoded data must agree. Hives with transaction logs are compared a second time with the
//! logs replayed: against the hive Windows itself recovered where the corpus has it (yarp's
//! `RecoveredHive_Windows*`), else against hivex reading our recovered bytes (whose sha256 the
//! log-replay tests hold to yarp's).
//!
//! hivex is run as `/usr/bin/python3 tests/support/hivex_walk.py HIVE` (`.ci/run` installs
//! `python3-hivex`); without it the test prints a clear SKIPPED line and passes.
//!
//! Decoding is compared where hivex decodes: REG_SZ/REG_EXPAND_SZ (hivex's `value_string`),
//! REG_MULTI_SZ (`value_multiple_strings`, minus the empty strings hivex reports for the list's
//! final terminators), REG_DWORD/REG_DWORD_BIG_ENDIAN/REG_QWORD; where hivex refuses to decode
//! (a REG_DWORD with zero bytes) our value must be `ValueData::Malformed` with the same bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as J;
use vhdlint_gather::open_hive_file;
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key, ValueData};

const PYTHON: &str = "/usr/bin/python3";
/// Bound on one walk: more keys than any corpus hive holds.
const MAX_KEYS: usize = 1_000_000;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/hivex_walk.py")
}

fn hivex_available() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import hivex"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_log(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n
        .strip_suffix(".xz")
        .or_else(|| n.strip_suffix(".gz"))
        .unwrap_or(&n);
    n.ends_with(".log") || n.ends_with(".log1") || n.ends_with(".log2")
}

/// Every hive of the corpus (relative paths with their compression suffix), and the logs beside each.
fn corpus_hives() -> Vec<(String, Vec<String>)> {
    let root = vhdlint_testkit::corpus_root();
    let mut out = Vec::new();
    for top in ["hives", "bcd"] {
        let mut dirs = vec![root.join(top)];
        while let Some(dir) = dirs.pop() {
            let mut files = Vec::new();
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    files.push(p);
                }
            }
            files.sort();
            for f in &files {
                let name = f.file_name().unwrap().to_str().unwrap();
                if is_log(name) || name.ends_with(".md") {
                    continue;
                }
                let stem = base_name(name).to_ascii_lowercase();
                let logs = files
                    .iter()
                    .map(|l| l.file_name().unwrap().to_str().unwrap())
                    .filter(|l| is_log(l) && base_name(l).to_ascii_lowercase().starts_with(&stem))
                    .filter(|l| {
                        let rest = &base_name(l)[stem.len()..];
                        rest.eq_ignore_ascii_case(".log")
                            || rest.eq_ignore_ascii_case(".log1")
                            || rest.eq_ignore_ascii_case(".log2")
                    })
                    .map(|l| rel(&root, &dir.join(l)))
                    .collect();
                out.push((rel(&root, f), logs));
            }
        }
    }
    out.sort();
    out
}

fn base_name(name: &str) -> &str {
    name.strip_suffix(".xz")
        .or_else(|| name.strip_suffix(".gz"))
        .unwrap_or(name)
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap().to_str().unwrap().to_string()
}

/// What we decode, in the shape hivex's Python binding gives (None where hivex does not decode).
fn our_decoded(d: &ValueData) -> Option<J> {
    match d {
        ValueData::Sz(s) | ValueData::ExpandSz(s) => Some(J::from(s.clone())),
        ValueData::MultiSz(v) => Some(J::from(v.clone())),
        ValueData::Dword(n) | ValueData::DwordBigEndian(n) => Some(J::from(*n)),
        ValueData::Qword(n) => Some(J::from(*n)),
        _ => None,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    keys: usize,
    values: usize,
    decoded: usize,
    malformed: usize,
}

/// Compares one hivex line with our key; `Err` names the key and what differs.
fn compare_key(ours: &Key, line: &J, path: &str, t: &mut Tally) -> Result<Vec<Key>, String> {
    let at = |what: String| format!("key {path:?}: {what}");
    if line["path"].as_str() != Some(path) {
        return Err(at(format!("hivex is at key {:?} instead", line["path"])));
    }
    let subkeys = ours.subkeys().map_err(|e| at(format!("subkeys: {e}")))?;
    let names: Vec<&str> = subkeys.iter().map(Key::name).collect();
    let theirs: Vec<&str> = line["subkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    if names != theirs {
        return Err(at(format!("subkeys {names:?}, hivex {theirs:?}")));
    }
    let values = ours.values().map_err(|e| at(format!("values: {e}")))?;
    let their_values = line["values"].as_array().unwrap();
    if values.len() != their_values.len() {
        return Err(at(format!(
            "{} values, hivex {}",
            values.len(),
            their_values.len()
        )));
    }
    for (v, tv) in values.iter().zip(their_values) {
        let name = tv[0].as_str().unwrap();
        let at = |what: String| format!("key {path:?} value {name:?}: {what}");
        if v.name() != name {
            return Err(at(format!("name {:?}", v.name())));
        }
        if u64::from(v.value_type()) != tv[1].as_u64().unwrap() {
            return Err(at(format!("type {}, hivex {}", v.value_type(), tv[1])));
        }
        let raw = v.raw_data().map_err(|e| at(format!("data: {e}")))?;
        if hex(&raw) != tv[2].as_str().unwrap() {
            return Err(at(format!("{} data bytes differ from hivex's", raw.len())));
        }
        let data = v.data().map_err(|e| at(format!("decoding: {e}")))?;
        let mut expected = tv[3].clone();
        if v.value_type() == 7 {
            // hivex lists the empty strings of the list's final terminators; Windows does not.
            if let J::Array(a) = &mut expected {
                while a.last().is_some_and(|s| s.as_str() == Some("")) {
                    a.pop();
                }
            }
        }
        match (our_decoded(&data), expected) {
            (ours, J::Null) => {
                if let ValueData::Malformed { bytes, .. } = &data {
                    assert_eq!(bytes, &raw);
                    t.malformed += 1;
                } else if ours.is_some() && matches!(v.value_type(), 4 | 5 | 11) {
                    return Err(at(format!("decoded as {data:?}; hivex refuses it")));
                }
            }
            (Some(ours), theirs) if ours == theirs => t.decoded += 1,
            (ours, theirs) => return Err(at(format!("decoded {ours:?}, hivex {theirs}"))),
        }
        t.values += 1;
    }
    t.keys += 1;
    Ok(subkeys)
}

/// Walks `ours` in pre-order beside hivex's walk of `hivex_file`.
fn compare(ours: &Hive, hivex_file: &Path) -> Result<Tally, String> {
    let root = ours.root().map_err(|e| format!("root: {e}"))?;
    let mut child = Command::new(PYTHON)
        .arg(script())
        .arg(hivex_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut t = Tally::default();
    let mut stack = vec![(root, String::new())];
    let result = loop {
        let Some((key, path)) = stack.pop() else {
            break match lines.next() {
                None => Ok(t),
                Some(l) => Err(format!("hivex has more keys: {}", l.unwrap())),
            };
        };
        let Some(line) = lines.next() else {
            let err = String::from_utf8_lossy(&{
                let mut e = Vec::new();
                std::io::Read::read_to_end(child.stderr.as_mut().unwrap(), &mut e).unwrap();
                e
            })
            .to_string();
            break Err(format!("hivex stopped before key {path:?}: {err}"));
        };
        let line: J = serde_json::from_str(&line.unwrap()).unwrap();
        match compare_key(&key, &line, &path, &mut t) {
            Ok(subkeys) => {
                assert!(t.keys < MAX_KEYS, "walk bound");
                for k in subkeys.into_iter().rev() {
                    let p = if path.is_empty() {
                        k.name().to_string()
                    } else {
                        format!("{path}\\{}", k.name())
                    };
                    stack.push((k, p));
                }
            }
            Err(e) => break Err(e),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Opens `file` as the corpus gives it, logs off, with hivex's verdict on whether it is a hive.
fn hivex_opens(file: &Path) -> bool {
    Command::new(PYTHON)
        .arg("-c")
        .arg("import hivex, sys; hivex.Hivex(sys.argv[1])")
        .arg(file)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn every_corpus_hive_reads_like_hivex() {
    // Fails loudly when the corpus is absent (unless VHDLINT_SKIP_CORPUS=1 says to skip).
    if vhdlint_testkit::corpus_file("hives/hivex-minimal.hive").is_none() {
        return;
    }
    if !hivex_available() {
        let msg = "SKIPPED hivex differential test: /usr/bin/python3 cannot import hivex \
                   (apt-get install python3-hivex; .ci/run does)";
        println!("{msg}");
        eprintln!("{msg}");
        return;
    }
    let scratch = vhdlint_testkit::scratch_dir("hivex-differential");
    let mut failures = Vec::new();
    let mut total = [Tally::default(); 2];
    let mut hives = [0usize; 2];
    for (rel, logs) in corpus_hives() {
        let file = vhdlint_testkit::corpus_file(&rel).unwrap();
        if !hivex_opens(&file) {
            // regipy's corrupted_system_hive: hivex refuses it (MANIFEST); we must not panic.
            let ours = open_hive_file(&file, HiveOptions::replay(false));
            eprintln!(
                "{rel}: hivex cannot open it; ours: {}",
                match &ours {
                    Ok(h) => format!("opens, {} keys walked", vhdlint_registry::fuzzing::walk(h)),
                    Err(e) => format!("{e}"),
                }
            );
            continue;
        }
        let ours = Hive::open(
            std::sync::Arc::new(vhdlint_container::FileSource::open(&file).unwrap()),
            HiveLogs::none(),
            HiveOptions::replay(false),
        )
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
        match compare(&ours, &file) {
            Ok(t) => {
                eprintln!("{rel}: as stored: {t:?}");
                add(&mut total[0], t);
                hives[0] += 1;
            }
            Err(e) => failures.push(format!("{rel} (as stored): {e}")),
        }
        if logs.is_empty() {
            continue;
        }
        for l in &logs {
            vhdlint_testkit::corpus_file(l).unwrap();
        }
        let replayed = open_hive_file(&file, HiveOptions::replay(true))
            .unwrap_or_else(|e| panic!("{rel} with logs: {e}"));
        if !replayed.status().logs_replayed {
            eprintln!("{rel}: logs {logs:?} not applied (hive clean or logs stale)");
            continue;
        }
        let reference = windows_recovered(&rel).unwrap_or_else(|| {
            let out = scratch.join(rel.replace('/', "_"));
            let r = replayed.recovered_bytes();
            let mut buf = vec![0u8; vhdlint_registry::ReadAt::len(&r) as usize];
            vhdlint_registry::ReadAt::read_at(&r, 0, &mut buf).unwrap();
            saved_as_clean(&mut buf, replayed.status().hive_bins_size);
            std::fs::write(&out, buf).unwrap();
            out
        });
        match compare(&replayed, &reference) {
            Ok(t) => {
                eprintln!(
                    "{rel}: logs replayed, against {}: {t:?}",
                    reference.display()
                );
                add(&mut total[1], t);
                hives[1] += 1;
            }
            Err(e) => failures.push(format!("{rel} (logs replayed): {e}")),
        }
    }
    println!(
        "hivex differential: as stored {} hives {:?}; logs replayed {} hives {:?}",
        hives[0], total[0], hives[1], total[1]
    );
    eprintln!(
        "hivex differential: as stored {} hives {:?}; logs replayed {} hives {:?}",
        hives[0], total[0], hives[1], total[1]
    );
    assert!(
        failures.is_empty(),
        "differs from hivex:\n{}",
        failures.join("\n")
    );
    assert!(hives[0] >= 20 && hives[1] >= 8, "{hives:?}");
}

fn add(a: &mut Tally, b: Tally) {
    a.keys += b.keys;
    a.values += b.values;
    a.decoded += b.decoded;
    a.malformed += b.malformed;
}

/// The hive as Windows recovered it, where the corpus has it (yarp's test data).
fn windows_recovered(rel: &str) -> Option<PathBuf> {
    let r = match rel {
        "hives/yarp/NewDirtyHive1/NewDirtyHive.xz" | "hives/yarp/NewDirtyHive2/NewDirtyHive.xz" => {
            "hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz"
        }
        "hives/yarp/OldDirtyHive/OldDirtyHive.xz" => {
            "hives/yarp/OldDirtyHive/RecoveredHive_Windows7.xz"
        }
        _ => return None,
    };
    vhdlint_testkit::corpus_file(r)
}

/// Makes recovered bytes a file hivex accepts, as yarp's `save_recovered_hive` does: the base
/// block's sequence numbers equal, its hive-bins size the replayed one, checksum updated.
fn saved_as_clean(buf: &mut [u8], bins: u32) {
    let le = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let primary = le(buf, 4);
    buf[8..12].copy_from_slice(&primary.to_le_bytes());
    buf[0x28..0x2c].copy_from_slice(&bins.to_le_bytes());
    let sum = (0..508).step_by(4).fold(0u32, |x, at| x ^ le(buf, at));
    buf[0x1fc..0x200].copy_from_slice(&sum.to_le_bytes());
}
