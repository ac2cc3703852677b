//! `reg` on the shared corpus hives: every value MANIFEST.md records comes out identically, dirty
//! hives are replayed (or not, with `--no-logs`), BCD stores name their default loader.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::{json, Value};
use vhdlint_testkit::corpus_file;

use crate::{stdout, vhdlint};

/// `vhdlint reg HIVE KEY --format json`, the corpus file decompressed first (with its logs).
fn reg(rel: &str, logs: &[&str], key: &str, extra: &[&str]) -> Option<(i32, Value)> {
    let hive = corpus_file(rel)?;
    for l in logs {
        corpus_file(l)?;
    }
    let mut args = vec!["reg", hive.to_str().unwrap(), key, "--format", "json"];
    args.extend_from_slice(extra);
    let out = vhdlint(&args);
    let code = out.status.code().unwrap();
    let doc = if code == 0 {
        serde_json::from_slice(&out.stdout).unwrap()
    } else {
        json!({ "stderr": String::from_utf8_lossy(&out.stderr) })
    };
    Some((code, doc))
}

fn value<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .map(|v| &v["data"])
        .unwrap_or_else(|| panic!("no value {name} in {doc}"))
}

struct SystemCase {
    rel: &'static str,
    logs: &'static [&'static str],
    select: [u64; 4],
    computer_name: &'static str,
    cloud_domain_join: bool,
    generalization_state: Option<u64>,
    dirty: bool,
}

/// The four corpus SYSTEM hives and what MANIFEST.md records of them (regipy, hivex, yarp).
const SYSTEMS: [SystemCase; 4] = [
    SystemCase {
        rel: "hives/regipy/SYSTEM.xz",
        logs: &[],
        select: [1, 1, 2, 0],
        computer_name: "WKS-WIN732BITA",
        cloud_domain_join: false,
        generalization_state: Some(7),
        dirty: false,
    },
    SystemCase {
        rel: "hives/dissect.regf/SYSTEM.gz",
        logs: &[],
        select: [1, 1, 1, 0],
        computer_name: "DESKTOP-M3OSHQU",
        cloud_domain_join: true,
        generalization_state: Some(7),
        dirty: false,
    },
    SystemCase {
        rel: "hives/regipy/SYSTEM_WIN_10_1709.xz",
        logs: &[],
        select: [1, 1, 1, 0],
        computer_name: "DESKTOP-2KGM189",
        cloud_domain_join: true,
        generalization_state: Some(7),
        dirty: true,
    },
    SystemCase {
        rel: "hives/regipy/SYSTEM_B.xz",
        logs: &[
            "hives/regipy/SYSTEM_B.LOG1.xz",
            "hives/regipy/SYSTEM_B.LOG2.xz",
        ],
        select: [1, 1, 1, 0],
        computer_name: "DESKTOP-PM6C56D",
        cloud_domain_join: false,
        generalization_state: Some(7),
        dirty: true,
    },
];

#[test]
fn system_hive_values_match_the_manifest() {
    for case in &SYSTEMS {
        let Some((code, select)) = reg(case.rel, case.logs, "Select", &[]) else {
            return;
        };
        assert_eq!(code, 0, "{}", case.rel);
        assert_eq!(select["dirty"], case.dirty, "{}", case.rel);
        let got: Vec<u64> = ["Current", "Default", "LastKnownGood", "Failed"]
            .iter()
            .map(|n| value(&select, n).as_u64().unwrap())
            .collect();
        assert_eq!(got, case.select, "{}", case.rel);

        // CurrentControlSet is resolved offline from Select\Current.
        let (_, name) = reg(
            case.rel,
            case.logs,
            r"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName",
            &[],
        )
        .unwrap();
        assert_eq!(
            value(&name, "ComputerName"),
            case.computer_name,
            "{}",
            case.rel
        );
        assert_eq!(
            name["key"], r"\ControlSet001\Control\ComputerName\ComputerName",
            "{}",
            case.rel
        );

        let (code, _) = reg(
            case.rel,
            case.logs,
            r"ControlSet001\Control\CloudDomainJoin",
            &[],
        )
        .unwrap();
        assert_eq!(
            code == 0,
            case.cloud_domain_join,
            "{} CloudDomainJoin",
            case.rel
        );

        let (code, sysprep) = reg(case.rel, case.logs, r"Setup\Status\SysprepStatus", &[]).unwrap();
        assert_eq!(code, 0, "{}", case.rel);
        assert_eq!(
            value(&sysprep, "GeneralizationState").as_u64(),
            case.generalization_state,
            "{}",
            case.rel
        );

        let (_, setup) = reg(case.rel, case.logs, "Setup", &[]).unwrap();
        for n in [
            "SetupType",
            "SystemSetupInProgress",
            "OOBEInProgress",
            "RestartSetup",
            "SetupPhase",
        ] {
            assert_eq!(value(&setup, n), 0, "{} Setup\\{n}", case.rel);
        }
        assert_eq!(value(&setup, "CmdLine"), "", "{}", case.rel);
    }
}

#[test]
fn dirty_hives_are_replayed_as_windows_did_unless_logs_are_refused() {
    let logs = [
        "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG1.xz",
        "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG2.xz",
    ];
    let Some((code, root)) = reg("hives/yarp/NewDirtyHive1/NewDirtyHive.xz", &logs, "", &[]) else {
        return;
    };
    assert_eq!(code, 0);
    assert_eq!(
        root["subkeys"],
        json!(["Key3"]),
        "the keys Windows 10 recovered"
    );
    assert_eq!(
        (root["dirty"].clone(), root["logsReplayed"].clone()),
        (json!(true), json!(true))
    );
    let (_, key3) = reg(
        "hives/yarp/NewDirtyHive1/NewDirtyHive.xz",
        &logs,
        "Key3",
        &[],
    )
    .unwrap();
    assert_eq!(key3["subkeys"], json!(["Key3_1", "Key3_2", "Key3_3"]));
    let default = value(&key3, "").as_str().unwrap();
    assert_eq!(default, "1".repeat(1440));

    let (_, raw) = reg(
        "hives/yarp/NewDirtyHive1/NewDirtyHive.xz",
        &logs,
        "",
        &["--no-logs"],
    )
    .unwrap();
    assert_eq!(raw["subkeys"], json!(["Key1", "Key2"]));
    assert_eq!(raw["logsReplayed"], false);

    // Old-format log (Windows 7 DIRT vector).
    let old = ["hives/yarp/OldDirtyHive/OldDirtyHive.LOG1.xz"];
    let (code, _) = reg(
        "hives/yarp/OldDirtyHive/OldDirtyHive.xz",
        &old,
        r"key_with_many_subkeys\5000\find_me_in_log",
        &[],
    )
    .unwrap();
    assert_eq!(code, 0, "replay adds the key Windows 7 recovered");
    let (code, _) = reg(
        "hives/yarp/OldDirtyHive/OldDirtyHive.xz",
        &old,
        r"key_with_many_subkeys\1",
        &[],
    )
    .unwrap();
    assert_eq!(code, 2, "and removes the one it dropped");
}

#[test]
fn bcd_stores_name_their_default_loader() {
    let bootmgr = r"Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements\23000003";
    for (rel, default, path) in [
        (
            "bcd/regipy/BCD.xz",
            "{733b62e5-f608-11eb-825c-c112f60133ab}",
            r"\Windows\system32\winload.efi",
        ),
        (
            "bcd/museum-win7/BCD.xz",
            "{7619dcc9-fafe-11d9-b411-000476eba25f}",
            r"\windows\system32\boot\winload.efi",
        ),
    ] {
        let Some((code, doc)) = reg(rel, &[], bootmgr, &[]) else {
            return;
        };
        assert_eq!(code, 0, "{rel}");
        assert_eq!(value(&doc, "Element"), default, "{rel}");
        let (_, loader) = reg(
            rel,
            &[],
            &format!(r"Objects\{default}\Elements\12000002"),
            &[],
        )
        .unwrap();
        assert_eq!(value(&loader, "Element"), path, "{rel}");
    }
}

#[test]
fn reg_prints_values_as_text_and_fails_cleanly() {
    let Some(hive) = corpus_file("hives/regipy/SYSTEM.xz") else {
        return;
    };
    let hive = hive.to_str().unwrap();
    let out = vhdlint(&["reg", hive, "Select"]);
    let text = stdout(&out);
    assert!(
        text.contains("LastKnownGood") && text.contains("REG_DWORD") && text.contains("2 (0x2)"),
        "{text}"
    );
    let out = vhdlint(&["reg", hive, r"No\Such\Key"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    let out = vhdlint(&["reg", "/nonexistent/SYSTEM", "Select"]);
    assert_eq!(out.status.code(), Some(2), "a file the OS will not open");
    // A hive whose base block is garbage: a failed image (exit 1), the structure named.
    let dir = vhdlint_testkit::scratch_dir("cli-bad-hive");
    let bad = dir.join("SYSTEM");
    let mut bytes = b"regf".to_vec();
    bytes.resize(8192, 0xEE);
    std::fs::write(&bad, &bytes).unwrap();
    let out = vhdlint(&["reg", bad.to_str().unwrap(), "Select"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0x"), "names an offset: {err}");
}

/// The value object (not only its data) named `name`.
fn value_obj<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no value {name} in {doc}"))
}

#[test]
fn zero_byte_dwords_of_sam_and_security_keep_their_keys() {
    let cases = [
        (
            "hives/museum-win10/SAM.xz",
            r"SAM\Domains\Account\Users",
            "000001F4",
        ),
        (
            "hives/museum-win11/SAM.xz",
            r"SAM\Domains\Account\Users",
            "000003E9",
        ),
        (
            "hives/museum-win10/SECURITY.xz",
            r"Policy\Secrets\DefaultPassword",
            "CurrVal",
        ),
        (
            "hives/museum-win11/SECURITY",
            r"Policy\Secrets\DPAPI_SYSTEM",
            "CurrVal",
        ),
    ];
    for (rel, key, subkey) in cases {
        let Some((code, doc)) = reg(rel, &[], key, &[]) else {
            return;
        };
        assert_eq!(code, 0, "{rel} {key}: {doc}");
        assert!(
            doc["subkeys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == subkey),
            "{rel} {key}: {doc}"
        );
        let v = value_obj(&doc, "");
        assert_eq!(v["type"], "REG_DWORD");
        if key.contains("Secrets") {
            // LSA secret keys: never the value, its length only (see the redaction test).
            assert_eq!(
                v["data"],
                json!("<redacted: 0 bytes>"),
                "{rel} {key}: {doc}"
            );
            continue;
        }
        assert_eq!(v["data"], Value::Null);
        assert_eq!(v["raw"], "", "the bytes as stored: none");
        assert!(
            v["problem"].as_str().unwrap().starts_with("malformed"),
            "{v}"
        );
        // Text: the key is listed with its problem, not an error.
        let hive = corpus_file(rel).unwrap();
        let out = vhdlint(&["reg", hive.to_str().unwrap(), key]);
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        assert!(
            text.contains("REG_DWORD") && text.contains("malformed"),
            "{text}"
        );
    }
}

#[test]
fn key_names_with_slashes_are_reachable_and_slash_only_separates_the_prefix() {
    let rel = "hives/museum-amcache-win10/Amcache.hve.xz";
    let logs = [
        "hives/museum-amcache-win10/Amcache.hve.LOG1.xz",
        "hives/museum-amcache-win10/Amcache.hve.LOG2.xz",
    ];
    let key = r"Root\InventoryDriverBinary\c:/windows/system32/drivers/1394ohci.sys";
    let Some((code, doc)) = reg(rel, &logs, key, &[]) else {
        return;
    };
    assert_eq!(code, 0, "{doc}");
    assert_eq!(value(&doc, "DriverName"), "1394ohci.sys");
    let (_, parent) = reg(rel, &logs, r"Root\InventoryDriverBinary", &[]).unwrap();
    assert!(parent["subkeys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "c:/windows/system32/drivers/1394ohci.sys"));
    // The `/` convenience is only after the root key and the hive name.
    let (code, doc) = reg(rel, &logs, &format!("HKLM/SOFTWARE/{key}"), &[]).unwrap();
    assert_eq!(code, 0, "{doc}");
    // Everywhere else `/` is part of the name: a clear not-found naming the rule.
    let (code, doc) = reg(rel, &logs, "Root/InventoryDriverBinary", &[]).unwrap();
    assert_eq!(code, 2);
    let err = doc["stderr"].as_str().unwrap();
    assert!(
        err.contains("not found") && err.contains("only `\\` separates"),
        "{err}"
    );
}

#[test]
fn multi_sz_keeps_empty_strings_and_json_keeps_raw_bytes() {
    let rel = "hives/regipy/SYSTEM_WIN_10_1709.xz";
    let Some((code, doc)) = reg(rel, &[], r"ControlSet001\Control\Session Manager", &[]) else {
        return;
    };
    assert_eq!(code, 0);
    let list = value(&doc, "PendingFileRenameOperations")
        .as_array()
        .unwrap();
    assert_eq!(
        list.len(),
        201,
        "every string (hivex: 203 with the two terminators)"
    );
    assert_eq!(list[1], "", "the delete marker after the first source");
    // Every value carries its raw bytes (hex) beside the decoded data.
    for v in doc["values"].as_array().unwrap() {
        let raw = v["raw"].as_str().unwrap_or_else(|| panic!("{v}"));
        assert!(
            raw.len() % 2 == 0 && raw.bytes().all(|b| b.is_ascii_hexdigit()),
            "{v}"
        );
    }
    let pending = value_obj(&doc, "PendingFileRenameOperations");
    assert!(pending["raw"]
        .as_str()
        .unwrap()
        .ends_with("340034003200000000000000"));
}

#[test]
fn binary_values_print_as_hex_bytes() {
    let Some(hive) = corpus_file("hives/nt-hive/testhive") else {
        return;
    };
    let out = vhdlint(&["reg", hive.to_str().unwrap(), "data-test"]);
    let text = stdout(&out);
    let line = text.lines().find(|l| l.contains("REG_BINARY")).unwrap();
    assert!(line.ends_with("01 02 03 04 05"), "{line}");
    assert!(text.contains("REG_QWORD") && text.contains("REG_DWORD_BIG_ENDIAN"));
    let (_, doc) = reg("hives/nt-hive/testhive", &[], "data-test", &[]).unwrap();
    let binary = value_obj(&doc, "binary");
    assert_eq!(
        binary["data"], "0102030405",
        "data stays hex (unchanged contract)"
    );
    assert_eq!(binary["raw"], "0102030405");
}

/// LSA secrets are never printed, not even encrypted: `reg` shows their length and a marker,
/// in text and JSON, and no byte of the stored value (the real DefaultPassword secret of the
/// museum Windows 10 SECURITY hive, 92 bytes).
#[test]
fn lsa_secret_values_are_redacted_in_every_reg_output() {
    let Some(hive) = corpus_file("hives/museum-win10/SECURITY.xz") else {
        return;
    };
    let key = r"Policy\Secrets\DefaultPassword\CurrVal";
    let h = hive.to_str().unwrap();
    let json = vhdlint(&["reg", h, key, "--no-logs", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{json:?}");
    let doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let v = &doc["values"][0];
    assert_eq!(v["data"], json!("<redacted: 92 bytes>"));
    assert!(v["raw"].is_null(), "raw bytes of a secret printed: {v}");
    let text = vhdlint(&["reg", h, key, "--no-logs"]);
    assert_eq!(text.status.code(), Some(0));
    let text = stdout(&text);
    assert!(text.contains("<redacted: 92 bytes>"), "{text}");
    // The stored bytes, read by hivex's Python binding where installed, appear in neither.
    let py = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import hivex,sys;h=hivex.Hivex(sys.argv[1]);n=h.root()\nfor p in ['Policy','Secrets','DefaultPassword','CurrVal']: n=h.node_get_child(n,p)\nprint(h.value_value(h.node_values(n)[0])[1].hex())", h])
        .output();
    if let Some(out) = py.ok().filter(|o| o.status.success()) {
        let secret_hex = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(secret_hex.len() >= 32);
        let needle = &secret_hex[..32];
        assert!(!stdout(&json).contains(needle) && !text.contains(needle));
        let spaced: String = needle
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!text.contains(&spaced), "hex bytes of the secret printed");
    } else {
        println!("hivex (python3-hivex) absent: the stored-bytes cross-check is skipped");
    }
}
