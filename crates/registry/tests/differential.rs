//! Differential test against nt-hive (GPL, a dev-dependency only, used as an oracle): for every
//! clean corpus hive, both readers see the same tree, value names, types and data bytes.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use nt_hive::{KeyNode, KeyValueData};
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key};

const CLEAN_HIVES: &[&str] = &[
    "hives/nt-hive/testhive",
    "hives/regipy/SYSTEM.xz",
    "hives/dissect.regf/SYSTEM.gz",
    "hives/hivex-minimal.hive",
    "hives/yarp/System_Delta.xz",
    "bcd/regipy/BCD.xz",
    "bcd/museum-win7/BCD.xz",
    "bcd/museum-win10/BCD-Template",
    "bcd/museum-win11/BCD-Template",
];

/// Bound on the walk: more keys than any corpus hive holds.
const MAX_KEYS: usize = 500_000;

#[derive(Default, Debug)]
struct Tally {
    keys: usize,
    values: usize,
    data_bytes: usize,
}

fn compare(ours: &Key, theirs: &KeyNode<&[u8]>, path: &str, depth: usize, t: &mut Tally) {
    assert!(t.keys < MAX_KEYS && depth < 512, "walk bound hit at {path}");
    t.keys += 1;
    // Values.
    let our_values = ours.values().unwrap_or_else(|e| panic!("{path}: {e}"));
    let their_values: Vec<_> = match theirs.values() {
        None => Vec::new(),
        Some(r) => r.unwrap().map(|v| v.unwrap()).collect(),
    };
    assert_eq!(our_values.len(), their_values.len(), "{path}: value count");
    for (o, n) in our_values.iter().zip(&their_values) {
        let their_name = n.name().unwrap().to_string_lossy();
        assert_eq!(o.name(), their_name, "{path}: value name");
        let their_type = match n.data_type() {
            Ok(ty) => ty as u32,
            Err(nt_hive::NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
            Err(e) => panic!("{path}\\{their_name}: nt-hive {e}"),
        };
        assert_eq!(o.value_type(), their_type, "{path}\\{their_name}: type");
        if n.data_size() == 0 {
            // nt-hive asserts on the nil data offset such values carry (a known nt-hive panic).
            assert_eq!(
                o.raw_data().unwrap(),
                Vec::<u8>::new(),
                "{path}\\{their_name}"
            );
            t.values += 1;
            continue;
        }
        let their_data = match n.data().unwrap() {
            KeyValueData::Small(s) => s.to_vec(),
            big @ KeyValueData::Big(_) => big.into_vec().unwrap(),
        };
        let our_data = o
            .raw_data()
            .unwrap_or_else(|e| panic!("{path}\\{their_name}: {e}"));
        assert_eq!(our_data, their_data, "{path}\\{their_name}: data");
        // Decoding never fails on what nt-hive reads, except fixed-size types that are short.
        let _ = o.data();
        t.values += 1;
        t.data_bytes += our_data.len();
    }
    // Subkeys, in list order.
    let our_subkeys = ours.subkeys().unwrap_or_else(|e| panic!("{path}: {e}"));
    let their_subkeys: Vec<_> = match theirs.subkeys() {
        None => Vec::new(),
        Some(r) => r.unwrap().map(|k| k.unwrap()).collect(),
    };
    let our_names: Vec<&str> = our_subkeys.iter().map(Key::name).collect();
    let their_names: Vec<String> = their_subkeys
        .iter()
        .map(|k| k.name().unwrap().to_string_lossy())
        .collect();
    assert_eq!(our_names, their_names, "{path}: subkeys");
    for (o, n) in our_subkeys.iter().zip(&their_subkeys) {
        compare(o, n, &format!("{path}\\{}", o.name()), depth + 1, t);
    }
}

#[test]
fn every_clean_hive_reads_like_nt_hive() {
    for rel in CLEAN_HIVES {
        let Some(bytes) = common::corpus_bytes(rel) else {
            return;
        };
        let theirs =
            nt_hive::Hive::new(bytes.as_slice()).unwrap_or_else(|e| panic!("{rel}: nt-hive {e}"));
        let ours = Hive::open(
            std::sync::Arc::new(bytes.clone()),
            HiveLogs::none(),
            HiveOptions::default(),
        )
        .unwrap();
        assert!(!ours.status().dirty, "{rel}");
        let mut t = Tally::default();
        let root = ours.root().unwrap();
        assert_eq!(
            root.name(),
            theirs
                .root_key_node()
                .unwrap()
                .name()
                .unwrap()
                .to_string_lossy()
        );
        compare(&root, &theirs.root_key_node().unwrap(), "", 0, &mut t);
        eprintln!("{rel}: {t:?}");
        assert!(t.keys >= 1);
    }
}
