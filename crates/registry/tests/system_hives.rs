//! Values MANIFEST.md records for the corpus SYSTEM hives, read identically; control sets;
//! laziness.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use common::*;
use vhdlint_container::{Counted, FileSource, ReadAt};
use vhdlint_registry::{
    current_control_set, ControlSetSource, Hive, HiveLogs, HiveOptions, ValueData,
};

struct Expect {
    rel: &'static str,
    select: (u32, u32, u32, u32),
    computer: &'static str,
    cloud_domain_join: bool,
    generalization: Option<u32>,
    root_keys: &'static [&'static str],
}

const SYSTEMS: &[Expect] = &[
    Expect {
        rel: "hives/regipy/SYSTEM.xz",
        select: (1, 1, 2, 0),
        computer: "WKS-WIN732BITA",
        cloud_domain_join: false,
        generalization: Some(7),
        root_keys: &[
            "ControlSet001",
            "ControlSet002",
            "MountedDevices",
            "RNG",
            "Select",
            "Setup",
            "Software",
            "WPA",
        ],
    },
    Expect {
        rel: "hives/dissect.regf/SYSTEM.gz",
        select: (1, 1, 1, 0),
        computer: "DESKTOP-M3OSHQU",
        cloud_domain_join: true,
        generalization: Some(7),
        root_keys: &[
            "ActivationBroker",
            "ControlSet001",
            "DriverDatabase",
            "HardwareConfig",
            "Input",
            "Keyboard Layout",
            "Maps",
            "MountedDevices",
            "ResourceManager",
            "ResourcePolicyStore",
            "RNG",
            "Select",
            "Setup",
            "Software",
            "State",
            "WaaS",
            "WPA",
        ],
    },
    Expect {
        rel: "hives/regipy/SYSTEM_WIN_10_1709.xz",
        select: (1, 1, 1, 0),
        computer: "DESKTOP-2KGM189",
        cloud_domain_join: true,
        generalization: Some(7),
        root_keys: &[
            "ActivationBroker",
            "ControlSet001",
            "DriverDatabase",
            "HardwareConfig",
            "Input",
            "Keyboard Layout",
            "Maps",
            "MountedDevices",
            "ResourceManager",
            "ResourcePolicyStore",
            "RNG",
            "Select",
            "Setup",
            "Software",
            "State",
            "WaaS",
            "WPA",
        ],
    },
    Expect {
        rel: "hives/regipy/SYSTEM_B.xz",
        select: (1, 1, 1, 0),
        computer: "DESKTOP-PM6C56D",
        cloud_domain_join: false,
        generalization: Some(7),
        root_keys: &[
            "ActivationBroker",
            "ControlSet001",
            "DriverDatabase",
            "HardwareConfig",
            "Input",
            "Keyboard Layout",
            "Maps",
            "MountedDevices",
            "ResourceManager",
            "ResourcePolicyStore",
            "RNG",
            "Select",
            "Setup",
            "Software",
            "WPA",
        ],
    },
];

fn dword(hive: &Hive, path: &str, name: &str) -> Option<u32> {
    match value(hive, path, name)? {
        ValueData::Dword(d) => Some(d),
        other => panic!("{path}\\{name} is {other:?}"),
    }
}

#[test]
fn manifest_values_read_identically() {
    for e in SYSTEMS {
        let Some(hive) = open(e.rel) else { return };
        let sel = (
            dword(&hive, "Select", "Current").unwrap(),
            dword(&hive, "Select", "Default").unwrap(),
            dword(&hive, "Select", "LastKnownGood").unwrap(),
            dword(&hive, "Select", "Failed").unwrap(),
        );
        assert_eq!(sel, e.select, "{}", e.rel);
        assert_eq!(
            value(
                &hive,
                r"ControlSet001\Control\ComputerName\ComputerName",
                "ComputerName"
            ),
            Some(ValueData::Sz(e.computer.into())),
            "{}",
            e.rel
        );
        assert_eq!(
            hive.key(r"ControlSet001\Control\CloudDomainJoin")
                .unwrap()
                .is_some(),
            e.cloud_domain_join,
            "{}",
            e.rel
        );
        assert_eq!(
            dword(&hive, r"Setup\Status\SysprepStatus", "GeneralizationState"),
            e.generalization,
            "{}",
            e.rel
        );
        for (name, want) in [
            ("OOBEInProgress", 0),
            ("RestartSetup", 0),
            ("SetupPhase", 0),
            ("SetupType", 0),
            ("SystemSetupInProgress", 0),
        ] {
            assert_eq!(dword(&hive, "Setup", name), Some(want), "{} {name}", e.rel);
        }
        assert_eq!(
            value(&hive, "Setup", "CmdLine"),
            Some(ValueData::Sz(String::new())),
            "{}",
            e.rel
        );
        let mut names = subkey_names(&hive.root().unwrap());
        let mut want: Vec<String> = e.root_keys.iter().map(|s| s.to_string()).collect();
        names.sort_by_key(|n| n.to_uppercase());
        want.sort_by_key(|n| n.to_uppercase());
        assert_eq!(names, want, "{}", e.rel);
        let cs = current_control_set(&hive).unwrap().unwrap();
        assert_eq!(cs.name, "ControlSet001", "{}", e.rel);
        assert_eq!((cs.number, cs.source), (1, ControlSetSource::SelectCurrent));
        assert_eq!(cs.evidence_path, r"Select\Current");
    }
}

#[test]
fn win7_system_extra_facts() {
    let Some(hive) = open("hives/regipy/SYSTEM.xz") else {
        return;
    };
    assert_eq!(
        dword(&hive, r"ControlSet001\Control\Windows", "CSDVersion"),
        Some(0x100)
    );
    assert_eq!(
        dword(&hive, r"Setup\Status\SysprepStatus", "CleanupState"),
        Some(2)
    );
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\Session Manager\Environment",
            "PROCESSOR_ARCHITECTURE"
        ),
        Some(ValueData::Sz("x86".into()))
    );
    // Case-insensitive paths.
    assert_eq!(
        value(
            &hive,
            r"controlset001\CONTROL\computername\ComputerName",
            "computername"
        ),
        Some(ValueData::Sz("WKS-WIN732BITA".into()))
    );
    assert!(hive.key(r"ControlSet001\NoSuchKey\X").unwrap().is_none());
    assert_eq!(hive.status().base_block.primary_sequence, 13983);
    assert!(!hive.status().dirty);
    assert!(hive.status().diagnostics.is_empty());
}

#[test]
fn lookups_read_a_small_fraction_of_the_hive() {
    let Some(path) = vhdlint_testkit::corpus_file("hives/dissect.regf/SYSTEM.gz") else {
        return;
    };
    let counted = Arc::new(Counted::new(FileSource::open(&path).unwrap()));
    let total = counted.len();
    assert!(total > 11_000_000);
    let hive = Hive::open(counted.clone(), HiveLogs::none(), HiveOptions::default()).unwrap();
    assert_eq!(dword(&hive, "Select", "Current"), Some(1));
    assert_eq!(
        value(
            &hive,
            r"ControlSet001\Control\ComputerName\ComputerName",
            "ComputerName"
        ),
        Some(ValueData::Sz("DESKTOP-M3OSHQU".into()))
    );
    let stats = counted.stats();
    eprintln!(
        "read {} bytes in {} calls of a {total}-byte hive",
        stats.bytes, stats.calls
    );
    assert!(stats.bytes < 256 * 1024, "{stats:?}");
}
