//! Differential test against nt-hive (GPL, a dev-dependency only, used as an oracle): for every
//! corpus hive nt-hive can read (as stored, logs not replayed: nt-hive has no log replay), both
//! readers see the same tree, value names, types, data bytes and decoded data. The hivex
//! differential (`crates/gather/tests/hivex_differential.rs`) covers log replay.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use nt_hive::{KeyNode, KeyValueData};
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key, ValueData};

/// Every corpus hive but regipy's corrupted_system_hive (hivex refuses it; nt-hive reads keys
/// through unallocated cells there, which ours refuses by design).
const HIVES: &[&str] = &[
    "hives/nt-hive/testhive",
    "hives/regipy/SYSTEM_B.xz",
    "hives/regipy/SYSTEM_WIN_10_1709.xz",
    "hives/regipy/transactions_NTUSER.DAT.xz",
    "hives/museum-win10/SAM.xz",
    "hives/museum-win10/SECURITY.xz",
    "hives/museum-win11/SAM.xz",
    "hives/museum-win11/SECURITY",
    "hives/museum-win11/DEFAULT.xz",
    "hives/museum-amcache-win10/Amcache.hve.xz",
    "hives/yarp/NewDirtyHive1/NewDirtyHive.xz",
    "hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz",
    "hives/yarp/NewDirtyHive2/NewDirtyHive.xz",
    "hives/yarp/OldDirtyHive/OldDirtyHive.xz",
    "hives/yarp/OldDirtyHive/RecoveredHive_Windows7.xz",
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
    decoded: usize,
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
        // Decoded data: nt-hive's own decoding where it has one.
        let ours = o.data().unwrap();
        match &ours {
            ValueData::Dword(d) | ValueData::DwordBigEndian(d) => {
                assert_eq!(Some(*d), n.dword_data().ok(), "{path}\\{their_name}")
            }
            ValueData::Qword(q) => {
                assert_eq!(Some(*q), n.qword_data().ok(), "{path}\\{their_name}")
            }
            ValueData::MultiSz(list) => {
                // nt-hive stops at the first empty string (the bug issue 11 fixed here): its
                // list is the part of ours before the first empty string.
                let theirs: Vec<String> =
                    n.multi_string_data().unwrap().map(|s| s.unwrap()).collect();
                let prefix: Vec<String> =
                    list.iter().take_while(|s| !s.is_empty()).cloned().collect();
                assert_eq!(prefix, theirs, "{path}\\{their_name}");
            }
            ValueData::Malformed { bytes, .. } => assert_eq!(bytes, &our_data),
            _ => {}
        }
        t.decoded += 1;
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
fn every_hive_nt_hive_reads_reads_alike() {
    let mut total = (0, Tally::default());
    for rel in HIVES {
        let Some(bytes) = common::corpus_bytes(rel) else {
            return;
        };
        // Dirty hives (sequence numbers differ) are read as stored, as ours is here.
        let theirs = match nt_hive::Hive::new(bytes.as_slice())
            .or_else(|_| nt_hive::Hive::without_validation(bytes.as_slice()))
        {
            Ok(h) => h,
            Err(e) => {
                panic!("{rel}: nt-hive {e}");
            }
        };
        let ours = Hive::open(
            std::sync::Arc::new(bytes.clone()),
            HiveLogs::none(),
            HiveOptions::default(),
        )
        .unwrap();
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
        total.0 += 1;
        total.1.keys += t.keys;
        total.1.values += t.values;
        total.1.decoded += t.decoded;
    }
    eprintln!("nt-hive differential: {} hives, {:?}", total.0, total.1);
    assert_eq!(total.0, HIVES.len());
}
