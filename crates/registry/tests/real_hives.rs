//! The real SAM, SECURITY, Amcache and SYSTEM hives of the corpus (MANIFEST.md, "Real SAM,
//! SECURITY and Amcache hives"), read as Windows wrote them: zero-byte REG_DWORDs do not fail
//! their key, names with `/` are reachable, REG_MULTI_SZ keeps every string.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use vhdlint_registry::value::REG_DWORD;
use vhdlint_registry::ValueData;

fn malformed_default(hive: &vhdlint_registry::Hive, path: &str) {
    let key = hive
        .key(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing"));
    let values = key.values().unwrap();
    let default = values.iter().find(|v| v.name().is_empty()).unwrap();
    assert_eq!(default.value_type(), REG_DWORD, "{path}");
    assert_eq!(default.raw_data().unwrap(), Vec::<u8>::new(), "{path}");
    assert_eq!(
        default.data().unwrap(),
        ValueData::Malformed {
            value_type: REG_DWORD,
            bytes: vec![],
            needed: 4
        },
        "{path}"
    );
    // Every sibling still decodes.
    for v in &values {
        v.data().unwrap();
    }
}

#[test]
fn sam_users_and_alias_members_read_with_their_zero_byte_dwords() {
    for rel in ["hives/museum-win10/SAM.xz", "hives/museum-win11/SAM.xz"] {
        let Some(hive) = open(rel) else { return };
        malformed_default(&hive, r"SAM\Domains\Account\Users");
        let users = hive.key(r"SAM\Domains\Account\Users").unwrap().unwrap();
        // MANIFEST: Administrator 500, Guest 501, DefaultAccount 503, WDAGUtilityAccount 504, 1001.
        assert_eq!(
            subkey_names(&users),
            ["000001F4", "000001F5", "000001F7", "000001F8", "000003E9", "Names"],
            "{rel}"
        );
        // Below `Members` (SID, then RID keys) every key and value reads; some values are
        // zero-byte REG_DWORDs.
        let members = hive
            .key(r"SAM\Domains\Builtin\Aliases\Members")
            .unwrap()
            .unwrap();
        let sids = subkey_names(&members);
        assert!(sids.iter().any(|s| s == "S-1-5"), "{rel}: {sids:?}");
        let (mut keys, mut malformed) = (0, 0);
        let mut stack = vec![members];
        while let Some(k) = stack.pop() {
            keys += 1;
            for v in k.values().unwrap() {
                if matches!(v.data().unwrap(), ValueData::Malformed { .. }) {
                    malformed += 1;
                }
            }
            stack.extend(k.subkeys().unwrap());
        }
        assert!(
            keys > sids.len() && malformed >= 1,
            "{rel}: {keys} keys, {malformed}"
        );
    }
}

#[test]
fn every_lsa_secret_key_reads() {
    for rel in [
        "hives/museum-win10/SECURITY.xz",
        "hives/museum-win11/SECURITY",
    ] {
        let Some(hive) = open(rel) else { return };
        let secrets = hive.key(r"Policy\Secrets").unwrap().unwrap();
        let names = subkey_names(&secrets);
        assert!(
            names.iter().any(|n| n == "DPAPI_SYSTEM"),
            "{rel}: {names:?}"
        );
        for name in names {
            let path = format!(r"Policy\Secrets\{name}");
            malformed_default(&hive, &path);
            let key = hive.key(&path).unwrap().unwrap();
            assert!(subkey_names(&key).iter().any(|s| s == "CurrVal"), "{path}");
        }
    }
}

#[test]
fn amcache_keys_named_with_slashes_are_reachable() {
    let Some(hive) = open("hives/museum-amcache-win10/Amcache.hve.xz") else {
        return;
    };
    let parent = hive.key(r"Root\InventoryDriverBinary").unwrap().unwrap();
    let names = subkey_names(&parent);
    let slashed: Vec<_> = names.iter().filter(|n| n.contains('/')).collect();
    assert!(slashed.len() > 300, "{}", slashed.len());
    for name in &slashed {
        let key = hive
            .key(&format!(r"Root\InventoryDriverBinary\{name}"))
            .unwrap()
            .unwrap_or_else(|| panic!("{name} not reachable"));
        assert_eq!(&key.name(), name);
    }
    let one = r"Root\InventoryDriverBinary\c:/windows/system32/drivers/1394ohci.sys";
    assert!(value(&hive, one, "DriverName").is_some());
    // `/` never separates: the same path with `/` is another (absent) name.
    assert!(hive.key("Root/InventoryDriverBinary").unwrap().is_none());
}

#[test]
fn pending_file_renames_keep_every_string() {
    let Some(hive) = open("hives/regipy/SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    let Some(ValueData::MultiSz(list)) = value(
        &hive,
        r"ControlSet001\Control\Session Manager",
        "PendingFileRenameOperations",
    ) else {
        panic!("not a REG_MULTI_SZ");
    };
    // hivex: 203 strings, the last two the list's terminators; pairs of (source, "" = delete).
    assert_eq!(list.len(), 201);
    assert_eq!(list[0], r"\??\C:\WINDOWS\System32\drivers\SETEAC4.tmp");
    assert_eq!(list[1], "");
    assert_eq!(list[2], r"\??\C:\WINDOWS\System32\drivers\SETEAD5.tmp");
    assert_eq!(
        list[200],
        r"\??\C:\Program Files (x86)\Google\Update\1.3.35.442"
    );
    assert_eq!(list.iter().filter(|s| s.is_empty()).count(), 64);
}
