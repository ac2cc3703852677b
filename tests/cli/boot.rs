//! One boot-path decision: `inspect`, `reg HKLM\BCD` and `check` read the same BCD store.

use serde_json::Value;
use vhdlint_testkit::testdata_file;

use crate::{run_json, vhdlint};

/// The loader element of the fixture BCD stores' Windows Boot Loader object.
const LOADER_PATH: &str =
    r"HKLM\BCD\Objects\{6a6c1f1b-59d4-11ea-9438-9d1b7e0c1a30}\Elements\12000002";

/// `a\b` and `/a/b` name the same volume path.
fn norm(path: &str) -> String {
    path.trim_start_matches(['\\', '/'])
        .replace('\\', "/")
        .to_ascii_lowercase()
}

#[test]
fn inspect_reg_and_check_read_the_same_bcd_store_of_a_disk_with_two() {
    // An MBR disk whose 0xEF partition 1 holds EFI/Microsoft/Boot/BCD (winload.efi) and whose
    // active NTFS partition 2 holds Boot/BCD (winload.exe): BIOS boots partition 2.
    let image = testdata_file("images/two-bcd-mbr.vhdx.xz");
    let image = image.to_str().unwrap();

    let inspected = run_json(&["inspect", image, "--format", "json"]);
    let bcd = &inspected["bcd"];
    let out = vhdlint(&["check", image, "--format", "json", "--as-of", "2026-12-01"]);
    let checked: Value = serde_json::from_slice(&out.stdout).unwrap();
    let boot = &checked["facts"]["boot"]["defaultApplicationPath"];
    let store = boot["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "file")
        .expect("check names the BCD store it read");

    assert_eq!(
        bcd["partition"], store["partitionIndex"],
        "{bcd} vs {store}"
    );
    assert_eq!(
        norm(bcd["path"].as_str().unwrap()),
        norm(store["path"].as_str().unwrap())
    );
    assert_eq!(bcd["applicationPath"], boot["value"]);
    // ... and it is the active partition's store, the one BIOS boots.
    assert_eq!(bcd["partition"], 2);
    assert_eq!(norm(bcd["path"].as_str().unwrap()), "boot/bcd");
    assert_eq!(boot["value"], r"\Windows\system32\winload.exe");
    assert_eq!(checked["facts"]["generation"]["value"], 1);

    let key = run_json(&["reg", image, LOADER_PATH, "--format", "json"]);
    let source = key["hive"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        source.contains("partition 2") && source.ends_with(r"\boot\bcd"),
        "reg HKLM\\BCD read {source}"
    );
}
