//! Device elements of the corpus BCD stores, decoded; values cross-checked with regipy 6.5's
//! `boot_entry_list` plugin (GPT disk/partition) and hivex dumps of the element bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use vhdlint_container::Guid;
use vhdlint_registry::bcd_device::{ELEMENT_APPLICATION_DEVICE, ELEMENT_OS_DEVICE};
use vhdlint_registry::{BcdStore, Device, PartitionId};

fn gpt(disk: &str, partition: &str) -> Device {
    Device::Partition(PartitionId::Gpt {
        disk: Guid::parse(disk).unwrap(),
        partition: Guid::parse(partition).unwrap(),
    })
}

#[test]
fn regipy_store_devices() {
    let Some(hive) = open("bcd/regipy/BCD.xz") else {
        return;
    };
    let store = BcdStore::read(&hive).unwrap();
    let def = store.default_entry().unwrap();
    let windows = gpt(
        "0b2394a9-095e-487d-8d48-719ecd4d78ca",
        "8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b",
    );
    assert_eq!(
        def.device(ELEMENT_APPLICATION_DEVICE)
            .unwrap()
            .unwrap()
            .device,
        windows
    );
    assert_eq!(
        def.device(ELEMENT_OS_DEVICE).unwrap().unwrap().device,
        windows
    );
    // The boot manager lives on the ESP of the same disk (regipy: partition 36be3955-…).
    let bm = store
        .boot_manager()
        .unwrap()
        .device(ELEMENT_APPLICATION_DEVICE)
        .unwrap()
        .unwrap();
    assert_eq!(
        bm.device,
        gpt(
            "0b2394a9-095e-487d-8d48-719ecd4d78ca",
            "36be3955-63bf-4068-a6ab-00195cca3a22"
        )
    );
    // Every device element of every object decodes.
    let mut n = 0;
    for o in &store.objects {
        for e in &o.elements {
            if e.element_type >> 24 & 0xf == 1 {
                o.device(e.element_type).unwrap().unwrap();
                n += 1;
            }
        }
    }
    // As many as the hivex dump of the store lists (11000001, 21000001, 31000003: 12 in all).
    assert_eq!(n, 12);
}

#[test]
fn win7_media_store_is_a_ramdisk_on_the_boot_device() {
    let Some(hive) = open("bcd/museum-win7/BCD.xz") else {
        return;
    };
    let store = BcdStore::read(&hive).unwrap();
    let def = store.default_entry().unwrap();
    let d = def.device(ELEMENT_OS_DEVICE).unwrap().unwrap();
    assert_eq!(d.device.to_string(), r"ramdisk=[boot]\sources\boot.wim");
    assert_eq!(
        d.options.as_deref(),
        Some("{7619dcc8-fafe-11d9-b411-000476eba25f}")
    );
}

#[test]
fn every_device_element_of_the_templates_decodes() {
    for rel in [
        "bcd/museum-win10/BCD-Template",
        "bcd/museum-win11/BCD-Template",
    ] {
        let Some(hive) = open(rel) else { return };
        let store = BcdStore::read(&hive).unwrap();
        for o in &store.objects {
            for e in o
                .elements
                .iter()
                .filter(|e| e.element_type >> 24 & 0xf == 1)
            {
                let d = o.device(e.element_type).unwrap();
                assert!(d.is_ok(), "{rel} {} {:#x}: {d:?}", o.guid, e.element_type);
            }
        }
    }
}
