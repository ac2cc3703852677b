//! Opening hive files with the logs found beside them (`open_hive_file`, `open_hive_in`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use vhdlint_gather::{open_hive_file, open_hive_in};
use vhdlint_registry::{HiveOptions, LogSlot};

#[test]
fn logs_beside_a_hive_file_are_found_and_replayed_unless_disabled() {
    let Some(hive) = vhdlint_testkit::corpus_file("hives/yarp/NewDirtyHive1/NewDirtyHive.xz")
    else {
        return;
    };
    vhdlint_testkit::corpus_file("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1.xz").unwrap();
    vhdlint_testkit::corpus_file("hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2.xz").unwrap();
    let replayed = open_hive_file(&hive, HiveOptions::default()).unwrap();
    assert!(replayed.status().dirty && replayed.status().logs_replayed);
    assert_eq!(
        replayed.status().logs_applied,
        [LogSlot::Log1, LogSlot::Log2]
    );
    let names: Vec<String> = replayed
        .root()
        .unwrap()
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(names, ["Key3"]);

    let raw = open_hive_file(&hive, HiveOptions::replay(false)).unwrap();
    assert!(raw.status().dirty && !raw.status().logs_replayed);
    let names: Vec<String> = raw
        .root()
        .unwrap()
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(names, ["Key1", "Key2"]);
}

#[test]
fn log_names_are_matched_case_insensitively() {
    // regipy ships transactions_NTUSER.DAT with lower-case transactions_ntuser.dat.log1/.log2.
    let Some(hive) = vhdlint_testkit::corpus_file("hives/regipy/transactions_NTUSER.DAT.xz") else {
        return;
    };
    vhdlint_testkit::corpus_file("hives/regipy/transactions_ntuser.dat.log1.xz").unwrap();
    vhdlint_testkit::corpus_file("hives/regipy/transactions_ntuser.dat.log2.xz").unwrap();
    let h = open_hive_file(&hive, HiveOptions::default()).unwrap();
    assert!(h.status().logs_replayed);
    assert_eq!(
        h.status().last_sequence,
        Some(588),
        "as yarp recovers it (MANIFEST)"
    );
}

#[test]
fn a_missing_hive_file_is_an_io_error_naming_it() {
    let err = open_hive_file(
        std::path::Path::new("/nonexistent/SYSTEM"),
        HiveOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/SYSTEM"), "{err}");
}

#[test]
fn a_hive_inside_a_volume_is_read_lazily_from_it() {
    // The hivexregedit fixture hive, copied into an NTFS volume made by mkntfs + ntfs-3g is the
    // image-level test (tests/cli.rs); here a FAT volume is enough: the ESP fixture holds no hive,
    // so opening a non-hive file must give a located hive error, not a panic.
    let esp = vhdlint_testkit::testdata_file("filesystems/esp-fat32.img.xz");
    let fs =
        vhdlint_filesystems::mount(Arc::new(vhdlint_container::FileSource::open(&esp).unwrap()))
            .unwrap();
    let err = open_hive_in(&*fs, "EFI/Microsoft/Boot/BCD", HiveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("EFI/Microsoft/Boot/BCD"), "{err}");
    let err = open_hive_in(&*fs, "EFI/none", HiveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}
