//! Log replay against yarp's and Windows' recoveries (MANIFEST.md `## hives/`).

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, LogFormat, LogSlot, ValueData};

#[test]
fn new_dirty_hive1_replays_both_logs_like_windows() {
    let dir = "hives/yarp/NewDirtyHive1";
    let Some(hive) = open_with_logs(
        &format!("{dir}/NewDirtyHive.xz"),
        &format!("{dir}/NewDirtyHive.LOG1.xz"),
        Some(&format!("{dir}/NewDirtyHive.LOG2.xz")),
    ) else {
        return;
    };
    let st = hive.status();
    eprintln!("{st:#?}");
    assert!(st.dirty);
    assert!(st.logs_replayed);
    assert_eq!(st.log_format, Some(LogFormat::New));
    assert_eq!(st.logs_applied, vec![LogSlot::Log1, LogSlot::Log2]);
    assert_eq!(st.entries_applied, 4);
    assert_eq!(st.last_sequence, Some(5));
    assert!(st.diagnostics.iter().any(|d| d.code == "hiveLogsReplayed"));
    let root = hive.root().unwrap();
    assert_eq!(subkey_names(&root), vec!["Key3"]);
    let key3 = hive.key("Key3").unwrap().unwrap();
    assert_eq!(subkey_names(&key3), vec!["Key3_1", "Key3_2", "Key3_3"]);
    let mut expected = "1".repeat(1440);
    assert_eq!(
        key3.value("").unwrap().unwrap().data().unwrap(),
        ValueData::Sz(expected.clone())
    );
    expected.push('\0');
    let tail = recovered_tail(&hive);
    assert_eq!(
        sha256_hex(&tail),
        "3940b4f1dacacd2a05204200f7e39967950fad0611bec1abaf2b1f3010e94215"
    );
    let windows = corpus_bytes(&format!("{dir}/RecoveredHive_Windows10.xz")).unwrap();
    assert_eq!(
        tail,
        windows[4096..],
        "byte-identical to Windows 10's own recovery"
    );
}

#[test]
fn new_dirty_hive1_without_replay_is_stale_and_flagged() {
    let dir = "hives/yarp/NewDirtyHive1";
    let Some(src) = corpus(&format!("{dir}/NewDirtyHive.xz")) else {
        return;
    };
    let hive = Hive::open(src, HiveLogs::none(), HiveOptions::default()).unwrap();
    let st = hive.status();
    assert!(st.dirty && !st.logs_replayed);
    assert_eq!(st.base_block.primary_sequence, 3);
    assert_eq!(st.base_block.secondary_sequence, 2);
    assert!(st.diagnostics.iter().any(|d| d.code == "hiveDirtyNoLogs"));
    assert_eq!(subkey_names(&hive.root().unwrap()), vec!["Key1", "Key2"]);
    assert_eq!(
        value(&hive, "Key1", ""),
        Some(ValueData::Sz("1".repeat(6000)))
    );
    assert_eq!(
        value(&hive, "Key2", "v"),
        Some(ValueData::Sz("testTEST".into()))
    );
}

#[test]
fn new_dirty_hive2_applies_only_log2() {
    let dir = "hives/yarp/NewDirtyHive2";
    let Some(hive) = open_with_logs(
        &format!("{dir}/NewDirtyHive.xz"),
        &format!("{dir}/NewDirtyHive.LOG1.xz"),
        Some(&format!("{dir}/NewDirtyHive.LOG2.xz")),
    ) else {
        return;
    };
    let st = hive.status();
    assert_eq!(st.logs_applied, vec![LogSlot::Log2]);
    assert_eq!(st.last_sequence, Some(5));
    assert_eq!(subkey_names(&hive.root().unwrap()), vec!["Key3"]);
    assert_eq!(
        sha256_hex(&recovered_tail(&hive)),
        "3940b4f1dacacd2a05204200f7e39967950fad0611bec1abaf2b1f3010e94215"
    );
}

#[test]
fn old_dirty_hive_replays_dirt_log_like_windows7() {
    let dir = "hives/yarp/OldDirtyHive";
    let Some(before) = open(&format!("{dir}/OldDirtyHive.xz")) else {
        return;
    };
    assert!(before.key(r"key_with_many_subkeys\1").unwrap().is_some());
    assert!(before
        .key(r"key_with_many_subkeys\5000\find_me_in_log")
        .unwrap()
        .is_none());
    assert!(before
        .key(r"key_with_many_subkeys\4500")
        .unwrap()
        .unwrap()
        .value("v")
        .unwrap()
        .is_none());

    let hive = open_with_logs(
        &format!("{dir}/OldDirtyHive.xz"),
        &format!("{dir}/OldDirtyHive.LOG1.xz"),
        None,
    )
    .unwrap();
    let st = hive.status();
    assert!(st.dirty && st.logs_replayed);
    assert_eq!(st.log_format, Some(LogFormat::Old));
    assert_eq!(st.logs_applied, vec![LogSlot::Log1]);
    assert!(st.pages_applied > 0);
    assert_eq!(
        sha256_hex(&recovered_tail(&hive)),
        "b8ea59c596ca1390a4c8674a8b7dd0f93add167009e6ccbf838e91d4964e1a5a",
        "yarp's recover_old result"
    );
    assert!(hive.key(r"key_with_many_subkeys\1").unwrap().is_none());
    let found = hive
        .key(r"key_with_many_subkeys\5000\find_me_in_log")
        .unwrap()
        .expect("key recovered from the log");
    assert_eq!(
        value(&hive, r"key_with_many_subkeys\4500", "v"),
        Some(ValueData::MultiSz(vec![
            "a".into(),
            "bb".into(),
            "ccc".into()
        ]))
    );

    let win7 = open(&format!("{dir}/RecoveredHive_Windows7.xz")).unwrap();
    let win7_found = win7
        .key(r"key_with_many_subkeys\5000\find_me_in_log")
        .unwrap()
        .unwrap();
    assert_eq!(found.last_written(), win7_found.last_written());
    let ours = hive.key("key_with_many_subkeys").unwrap().unwrap();
    let theirs = win7.key("key_with_many_subkeys").unwrap().unwrap();
    assert_eq!(
        subkey_names(&hive.root().unwrap()),
        subkey_names(&win7.root().unwrap())
    );
    assert_eq!(
        subkey_names(&ours),
        subkey_names(&theirs),
        "same subkeys as Windows 7 recovered"
    );
    assert!(subkey_names(&ours).len() > 4000);
}

/// (hive, log1, log2, applied, last sequence, sha256 of the recovered bytes from 4096).
type Recovery = (
    &'static str,
    &'static str,
    &'static str,
    &'static [LogSlot],
    u32,
    &'static str,
);

const YARP_RECOVERIES: &[Recovery] = &[
    (
        "hives/museum-win11/SECURITY",
        "hives/museum-win11/SECURITY.LOG1",
        "hives/museum-win11/SECURITY.LOG2",
        &[LogSlot::Log1],
        115,
        "8f46683d1a4d2033131456a09aadfafb86f7aed1b39acd52845a9c8bc4923fa0",
    ),
    (
        "hives/museum-win11/DEFAULT.xz",
        "hives/museum-win11/DEFAULT.LOG1.xz",
        "hives/museum-win11/DEFAULT.LOG2.xz",
        &[LogSlot::Log2, LogSlot::Log1],
        107,
        "557667ef191e4ff18678b4e307ed8c54577c689122acf6bbecfd58561ad00176",
    ),
    (
        "hives/regipy/SYSTEM_B.xz",
        "hives/regipy/SYSTEM_B.LOG1.xz",
        "hives/regipy/SYSTEM_B.LOG2.xz",
        &[LogSlot::Log1, LogSlot::Log2],
        2130,
        "18df453410086f0eee8ed7161a9e8f63b2977225aab5d30e5894eda30e0d882d",
    ),
    (
        "hives/regipy/transactions_NTUSER.DAT.xz",
        "hives/regipy/transactions_ntuser.dat.log1.xz",
        "hives/regipy/transactions_ntuser.dat.log2.xz",
        &[LogSlot::Log1],
        588,
        "2414c9b55b5011712c0cc83b0dd9f880304a53d79a06e9fb84ad2cf5be2e6531",
    ),
];

#[test]
fn real_dirty_hives_match_yarp_recovery() {
    for (hive_rel, l1, l2, applied, last, sha) in YARP_RECOVERIES {
        let Some(hive) = open_with_logs(hive_rel, l1, Some(l2)) else {
            return;
        };
        let st = hive.status();
        assert!(st.dirty, "{hive_rel}");
        assert_eq!(st.log_format, Some(LogFormat::New), "{hive_rel}");
        assert_eq!(&st.logs_applied, applied, "{hive_rel}");
        assert_eq!(st.last_sequence, Some(*last), "{hive_rel}");
        assert_eq!(sha256_hex(&recovered_tail(&hive)), *sha, "{hive_rel}");
        // The recovered tree reads.
        assert!(!hive.root().unwrap().subkeys().unwrap().is_empty());
    }
}

#[test]
fn system_b_after_replay_keeps_its_facts() {
    let Some(hive) = open_with_logs(
        "hives/regipy/SYSTEM_B.xz",
        "hives/regipy/SYSTEM_B.LOG1.xz",
        Some("hives/regipy/SYSTEM_B.LOG2.xz"),
    ) else {
        return;
    };
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\ComputerName\ComputerName",
            "ComputerName"
        ),
        Some(ValueData::Sz("DESKTOP-PM6C56D".into()))
    );
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\Session Manager\Environment",
            "PROCESSOR_ARCHITECTURE"
        ),
        Some(ValueData::Sz("AMD64".into()))
    );
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\ProductOptions",
            "ProductType"
        ),
        Some(ValueData::Sz("WinNT".into()))
    );
}

#[test]
fn dirty_hive_without_logs_is_read_and_flagged() {
    let Some(hive) = open("hives/regipy/SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    let st = hive.status();
    assert!(st.dirty && !st.logs_replayed && st.checksum_ok);
    assert_eq!(
        (
            st.base_block.primary_sequence,
            st.base_block.secondary_sequence
        ),
        (4317, 4316)
    );
    assert!(st.diagnostics.iter().any(|d| d.code == "hiveDirtyNoLogs"));
    assert_eq!(hive.root().unwrap().subkeys().unwrap().len(), 17);
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\ComputerName\ComputerName",
            "ComputerName"
        ),
        Some(ValueData::Sz("DESKTOP-2KGM189".into()))
    );
}

#[test]
fn replay_off_reads_the_stale_primary() {
    let dir = "hives/yarp/NewDirtyHive1";
    let Some(src) = corpus(&format!("{dir}/NewDirtyHive.xz")) else {
        return;
    };
    let logs = HiveLogs::dual(
        corpus(&format!("{dir}/NewDirtyHive.LOG1.xz")).unwrap(),
        corpus(&format!("{dir}/NewDirtyHive.LOG2.xz")).unwrap(),
    );
    let hive = Hive::open(src, logs, HiveOptions::replay(false)).unwrap();
    assert!(!hive.status().logs_replayed);
    assert!(hive
        .status()
        .diagnostics
        .iter()
        .any(|d| d.code == "hiveDirtyNotReplayed"));
    assert_eq!(subkey_names(&hive.root().unwrap()), vec!["Key1", "Key2"]);
}
