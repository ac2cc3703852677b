//! New-format log replay on hand-built logs: order, hash and sequence checks, and a log that
//! grows the hive past the end of its primary file.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use vhdlint_registry::base_block::checksum;
use vhdlint_registry::marvin::{marvin32, REGISTRY_SEED};
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, LogSlot};

const NIL: u32 = u32::MAX;

fn nk(name: &str, subkeys: u32, list: u32) -> Vec<u8> {
    let mut d = vec![0u8; 76];
    d[..2].copy_from_slice(b"nk");
    d[2..4].copy_from_slice(&0x20u16.to_le_bytes());
    d[20..24].copy_from_slice(&subkeys.to_le_bytes());
    d[28..32].copy_from_slice(&list.to_le_bytes());
    for at in [32, 40, 44, 48] {
        d[at..at + 4].copy_from_slice(&NIL.to_le_bytes());
    }
    d[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

/// Hive bins of `size` bytes (one hbin) holding `cells` at the given offsets.
fn bins(size: usize, cells: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut b = vec![0u8; size];
    b[..4].copy_from_slice(b"hbin");
    b[8..12].copy_from_slice(&(size as u32).to_le_bytes());
    for (off, data) in cells {
        let off = *off as usize;
        let cell = (4 + data.len()).div_ceil(8) * 8;
        b[off..off + 4].copy_from_slice(&(-(cell as i32)).to_le_bytes());
        b[off + 4..off + 4 + data.len()].copy_from_slice(data);
    }
    b
}

fn base_block(len: usize, seq1: u32, seq2: u32, file_type: u32, root: u32, hbins: u32) -> Vec<u8> {
    let mut bb = vec![0u8; len];
    bb[..4].copy_from_slice(b"regf");
    bb[4..8].copy_from_slice(&seq1.to_le_bytes());
    bb[8..12].copy_from_slice(&seq2.to_le_bytes());
    bb[20..24].copy_from_slice(&1u32.to_le_bytes());
    bb[24..28].copy_from_slice(&5u32.to_le_bytes());
    bb[28..32].copy_from_slice(&file_type.to_le_bytes());
    bb[32..36].copy_from_slice(&1u32.to_le_bytes());
    bb[36..40].copy_from_slice(&root.to_le_bytes());
    bb[40..44].copy_from_slice(&hbins.to_le_bytes());
    bb[44..48].copy_from_slice(&1u32.to_le_bytes());
    let c = checksum(&bb);
    bb[508..512].copy_from_slice(&c.to_le_bytes());
    bb
}

/// One `HvLE` entry writing `pages` (hive-bins offset, bytes).
fn entry(seq: u32, hbins: u32, pages: &[(u32, &[u8])]) -> Vec<u8> {
    let data_len: usize = pages.iter().map(|(_, p)| p.len()).sum();
    let size = (40 + 8 * pages.len() + data_len).div_ceil(512) * 512;
    let mut e = vec![0u8; size];
    e[..4].copy_from_slice(b"HvLE");
    e[4..8].copy_from_slice(&(size as u32).to_le_bytes());
    e[12..16].copy_from_slice(&seq.to_le_bytes());
    e[16..20].copy_from_slice(&hbins.to_le_bytes());
    e[20..24].copy_from_slice(&(pages.len() as u32).to_le_bytes());
    let mut at = 40 + 8 * pages.len();
    for (i, (off, p)) in pages.iter().enumerate() {
        e[40 + 8 * i..44 + 8 * i].copy_from_slice(&off.to_le_bytes());
        e[44 + 8 * i..48 + 8 * i].copy_from_slice(&(p.len() as u32).to_le_bytes());
        e[at..at + p.len()].copy_from_slice(p);
        at += p.len();
    }
    let h1 = marvin32(&e[40..], REGISTRY_SEED);
    e[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = marvin32(&e[..32], REGISTRY_SEED);
    e[32..40].copy_from_slice(&h2.to_le_bytes());
    e
}

/// The stale primary: root "R" without subkeys, sequence 2/1, 4096 bytes of hive bins.
fn primary() -> Vec<u8> {
    let mut f = base_block(4096, 2, 1, 0, 32, 4096);
    f.extend(bins(4096, &[(32, nk("R", 0, NIL))]));
    f
}

/// The new hive bins: root "R" with subkey "Grown" in the second page (past the primary's end).
fn grown_bins(child_name: &str) -> Vec<u8> {
    let list = {
        let mut l = b"lh".to_vec();
        l.extend_from_slice(&1u16.to_le_bytes());
        l.extend_from_slice(&4200u32.to_le_bytes());
        l.extend_from_slice(&0u32.to_le_bytes());
        l
    };
    bins(
        8192,
        &[
            (32, nk("R", 1, 128)),
            (128, list),
            (4200, nk(child_name, 0, NIL)),
        ],
    )
}

fn log(seq: u32, entries: &[Vec<u8>]) -> Arc<dyn vhdlint_container::ReadAt> {
    let mut l = base_block(512, seq, seq, 6, 32, 4096);
    for e in entries {
        l.extend_from_slice(e);
    }
    Arc::new(l)
}

fn open_with(log1: Arc<dyn vhdlint_container::ReadAt>) -> Hive {
    let logs = HiveLogs {
        log: None,
        log1: Some(log1),
        log2: None,
    };
    Hive::open(Arc::new(primary()), logs, HiveOptions::default()).unwrap()
}

fn names(hive: &Hive) -> Vec<String> {
    hive.root()
        .unwrap()
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect()
}

#[test]
fn a_log_grows_the_hive_past_its_file() {
    use vhdlint_container::ReadAt;
    let new = grown_bins("Grown");
    let e = entry(2, 8192, &[(0, &new[..4096]), (4096, &new[4096..])]);
    let hive = open_with(log(2, &[e]));
    let st = hive.status();
    assert_eq!(st.logs_applied, vec![LogSlot::Log1]);
    assert_eq!((st.entries_applied, st.pages_applied), (1, 2));
    assert_eq!(st.last_sequence, Some(2));
    assert_eq!(st.hive_bins_size, 8192);
    assert_eq!(names(&hive), vec!["Grown"]);
    let r = hive.recovered_bytes();
    assert_eq!(r.len(), 4096 + 8192, "grown past the 8192-byte primary");
    let mut tail = vec![0u8; 8192];
    r.read_at(4096, &mut tail).unwrap();
    assert_eq!(tail, new);
    let mut bb = vec![0u8; 512];
    r.read_at(0, &mut bb).unwrap();
    assert_eq!(
        bb,
        primary()[..512],
        "the stored base block is served as is"
    );
}

#[test]
fn entries_apply_in_sequence_and_stop_at_a_bad_hash_or_a_gap() {
    let first = grown_bins("First");
    let second = grown_bins("Second");
    let e2 = entry(2, 8192, &[(0, &first[..4096]), (4096, &first[4096..])]);
    let e3 = entry(3, 8192, &[(4096, &second[4096..])]);
    // Both entries apply, in order: the later one renames the child.
    let hive = open_with(log(2, &[e2.clone(), e3.clone()]));
    assert_eq!(hive.status().last_sequence, Some(3));
    assert_eq!(names(&hive), vec!["Second"]);

    // A corrupted second entry (hash mismatch) is not applied, and says so.
    let mut bad = e3.clone();
    let at = bad.len() - 100;
    bad[at] ^= 1;
    let hive = open_with(log(2, &[e2.clone(), bad]));
    assert_eq!(hive.status().last_sequence, Some(2));
    assert_eq!(names(&hive), vec!["First"]);
    assert!(hive
        .status()
        .diagnostics
        .iter()
        .any(|d| d.code == "hiveLogEntryInvalid" && d.offset == Some(512 + e2.len() as u64)));

    // A gap in the sequence ends the replay (remnants are normal: no diagnostic).
    let e4 = entry(4, 8192, &[(4096, &second[4096..])]);
    let hive = open_with(log(2, &[e2, e4]));
    assert_eq!(hive.status().last_sequence, Some(2));
    assert_eq!(names(&hive), vec!["First"]);
    assert!(!hive
        .status()
        .diagnostics
        .iter()
        .any(|d| d.code == "hiveLogEntryInvalid"));
}

#[test]
fn an_older_log_is_skipped_and_the_hive_read_as_stored() {
    let new = grown_bins("Grown");
    // The log starts at sequence 0, before the primary's secondary sequence (1).
    let e = entry(0, 8192, &[(0, &new[..4096]), (4096, &new[4096..])]);
    let hive = open_with(log(0, &[e]));
    let st = hive.status();
    assert!(st.dirty && !st.logs_replayed);
    let codes: Vec<&str> = st.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"hiveLogSkipped"), "{codes:?}");
    assert!(codes.contains(&"hiveDirtyNoLogs"), "{codes:?}");
    assert!(names(&hive).is_empty());
}

#[test]
fn a_log_that_is_not_a_log_is_reported_unusable() {
    let hive = open_with(Arc::new(vec![0u8; 4096]));
    let codes: Vec<&str> = hive.status().diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"hiveLogUnusable"), "{codes:?}");
    assert!(codes.contains(&"hiveDirtyNoLogs"), "{codes:?}");
}
