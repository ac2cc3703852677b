//! BCD stores of the corpus (MANIFEST.md `## bcd/`).

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use vhdlint_registry::bcd::{BOOTMGR_GUID, OBJECT_TYPE_BOOTMGR, OBJECT_TYPE_OS_LOADER};
use vhdlint_registry::{BcdStore, Hive, HiveLogs, HiveOptions};

#[test]
fn regipy_bcd_default_is_windows_10_uefi() {
    let Some(hive) = open("bcd/regipy/BCD.xz") else {
        return;
    };
    let store = BcdStore::read(&hive).unwrap();
    assert_eq!(store.objects.len(), 17);
    let bootmgr = store.boot_manager().unwrap();
    assert_eq!(bootmgr.object_type, Some(OBJECT_TYPE_BOOTMGR));
    assert_eq!(bootmgr.description(), Some("Windows Boot Manager"));
    assert_eq!(
        store.default_guid(),
        Some("{733b62e5-f608-11eb-825c-c112f60133ab}")
    );
    let def = store.default_entry().unwrap();
    assert_eq!(def.object_type, Some(OBJECT_TYPE_OS_LOADER));
    assert_eq!(def.description(), Some("Windows 10"));
    assert_eq!(
        def.application_path(),
        Some(r"\Windows\system32\winload.efi")
    );
    assert_eq!(def.testsigning(), None);
    assert_eq!(def.nointegritychecks(), None);
    // Types as regipy read them.
    for (guid, ty) in [
        ("{733b62de-f608-11eb-825c-c112f60133ab}", 0x101F_FFFF),
        ("{733b62e4-f608-11eb-825c-c112f60133ab}", 0x1020_0004),
        ("{733b62e7-f608-11eb-825c-c112f60133ab}", 0x3000_0000),
        ("{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}", 0x1010_0001),
        ("{b2721d73-1db4-4c62-bf78-c548a880142d}", 0x1020_0005),
    ] {
        assert_eq!(store.object(guid).unwrap().object_type, Some(ty), "{guid}");
    }
    assert_eq!(
        store
            .object("{733b62de-f608-11eb-825c-c112f60133ab}")
            .unwrap()
            .description(),
        Some("Linux Boot Manager")
    );
}

#[test]
fn win7_install_media_bcd_default_is_windows_setup() {
    let Some(hive) = open("bcd/museum-win7/BCD.xz") else {
        return;
    };
    let store = BcdStore::read(&hive).unwrap();
    assert_eq!(store.objects.len(), 9);
    assert_eq!(
        store.default_guid(),
        Some("{7619dcc9-fafe-11d9-b411-000476eba25f}")
    );
    let def = store.default_entry().unwrap();
    assert_eq!(def.description(), Some("Windows Setup"));
    assert_eq!(
        def.application_path(),
        Some(r"\windows\system32\boot\winload.efi")
    );
    assert_eq!(
        store
            .object("{7ff607e0-4395-11db-b0de-0800200c9a66}")
            .unwrap()
            .description(),
        Some("Hypervisor Settings")
    );
}

#[test]
fn bcd_templates_default_entry() {
    for dir in ["bcd/museum-win10", "bcd/museum-win11"] {
        let Some(src) = corpus(&format!("{dir}/BCD-Template")) else {
            return;
        };
        let logs = HiveLogs {
            log: corpus(&format!("{dir}/BCD-Template.LOG")),
            log1: None,
            log2: None,
        };
        let hive = Hive::open(src, logs, HiveOptions::default()).unwrap();
        assert!(
            !hive.status().dirty && !hive.status().logs_replayed,
            "{dir}: clean, log unused"
        );
        let store = BcdStore::read(&hive).unwrap();
        assert_eq!(store.objects.len(), 16, "{dir}");
        assert_eq!(
            store.object(BOOTMGR_GUID).unwrap().description(),
            Some("Windows Boot Manager")
        );
        assert_eq!(
            store.default_guid(),
            Some("{cbd971bf-b7b8-4885-951a-fa03044f5d71}"),
            "{dir}"
        );
        let def = store.default_entry().unwrap();
        assert_eq!(def.object_type, Some(OBJECT_TYPE_OS_LOADER), "{dir}");
        // hivexsh lists these elements for the template's default entry; it has no path.
        let ids: Vec<u32> = def.elements.iter().map(|e| e.element_type).collect();
        assert_eq!(
            ids,
            vec![
                0x1200_0005,
                0x1400_0006,
                0x1700_0077,
                0x2200_0002,
                0x2500_0020,
                0x2500_00c2,
                0x2600_0022,
                0x4200_0002,
                0x4200_0003,
                0x4500_0001,
                0x4700_0005
            ],
            "{dir}"
        );
        assert_eq!(def.application_path(), None, "{dir}");
        assert_eq!(
            def.string(0x2200_0002),
            Some(r"\windows"),
            "{dir}: SystemRoot"
        );
    }
}

#[test]
fn a_hive_without_default_gives_none() {
    // The SYSTEM hive has no Objects key: an error, not a panic; a store without bootmgr: None.
    let Some(hive) = open("hives/nt-hive/testhive") else {
        return;
    };
    assert!(BcdStore::read(&hive).is_err());
    let empty = BcdStore {
        objects: Vec::new(),
    };
    assert!(empty.default_entry().is_none());
    assert!(empty.boot_manager().is_none());
}

#[test]
fn hivex_written_bcd_fixture_reads_back() {
    let path = vhdlint_testkit::testdata_file("hives/bcd-fixture.hive.xz");
    let src = std::sync::Arc::new(vhdlint_container::FileSource::open(&path).unwrap());
    let hive = Hive::open(src, HiveLogs::none(), HiveOptions::default()).unwrap();
    let store = BcdStore::read(&hive).unwrap();
    assert_eq!(store.objects.len(), 2);
    assert_eq!(
        store.default_guid(),
        Some("{11111111-2222-3333-4444-555555555555}")
    );
    let def = store.default_entry().unwrap();
    assert_eq!(def.object_type, Some(OBJECT_TYPE_OS_LOADER));
    assert_eq!(
        def.application_path(),
        Some(r"\Windows\system32\winload.exe")
    );
    assert_eq!(def.description(), Some("Windows Server"));
    assert_eq!(def.testsigning(), Some(true));
    assert_eq!(def.nointegritychecks(), Some(false));
    // A default naming a missing object, and a store without a boot manager: None.
    let mut broken = store.clone();
    broken
        .objects
        .retain(|o| o.guid != "{11111111-2222-3333-4444-555555555555}");
    assert!(broken.default_guid().is_some());
    assert!(broken.default_entry().is_none());
    broken.objects.clear();
    assert!(broken.default_guid().is_none());
}
