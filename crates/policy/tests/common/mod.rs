//! Facts values for the policy tests: a good Windows 11 23H2 Enterprise image, and one mutation
//! per rule.

#![allow(dead_code)]
// Test code: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use vhdlint_facts::*;
use vhdlint_policy::{Date, Options, Profile, RuleId};

pub const CV: &str = r"Microsoft\Windows NT\CurrentVersion";

/// The date the matrix is judged at: 23H2 in servicing, Windows 11 21H2 past it.
pub fn as_of() -> Date {
    Date::parse("2025-06-01").unwrap()
}

pub fn options(profile: Profile) -> Options {
    Options::new(profile, as_of())
}

fn sz(key: &str, value: &str, data: &str) -> Evidence {
    Evidence::registry("SOFTWARE", key, value, Some(data.to_owned()))
}

fn sys(key: &str, value: &str, data: &str) -> Evidence {
    Evidence::registry("SYSTEM", key, value, Some(data.to_owned()))
}

/// A good Windows 11 23H2 Enterprise, generalized, fixed 64 GiB VHD, Gen2 image: no rule fires.
pub fn good() -> ImageFacts {
    let virtual_size = 64 * GIB;
    let container = ContainerFacts {
        format: Fact::new(
            ContainerFormat::Vhd,
            Evidence::container("footer.cookie", Some(virtual_size), "conectix"),
        ),
        disk_type: Fact::new(
            DiskType::Fixed,
            Evidence::container("footer.diskType", Some(virtual_size + 60), "2"),
        ),
        virtual_size: Fact::new(
            virtual_size,
            Evidence::container(
                "footer.currentSize",
                Some(virtual_size + 48),
                virtual_size.to_string(),
            ),
        ),
        file_size: Fact::new(
            virtual_size + 512,
            Evidence::container("fileSize", None, (virtual_size + 512).to_string()),
        ),
        logical_sector_size: Fact::bare(512),
        diagnostics: vec![],
        truncated: vec![],
    };
    let gpt = |index: u32, kind: PartitionKind, guid: &str, start: u64, size: u64| PartitionEntry {
        index,
        kind,
        type_guid: Some(guid.to_owned()),
        mbr_type: None,
        start_offset: start,
        size,
        active: false,
        evidence: vec![Evidence::PartitionEntry {
            index,
            offset: 1024 + u64::from(index - 1) * 128,
            detail: Some(format!("type {guid}")),
        }],
    };
    let partitions = PartitionFacts {
        scheme: Fact::new(
            PartitionScheme::Gpt,
            Evidence::PartitionEntry {
                index: 0,
                offset: 512,
                detail: Some("EFI PART".into()),
            },
        ),
        entries: vec![
            gpt(
                1,
                PartitionKind::EfiSystem,
                "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
                MIB,
                100 * MIB,
            ),
            gpt(
                2,
                PartitionKind::MicrosoftReserved,
                "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
                101 * MIB,
                16 * MIB,
            ),
            gpt(
                3,
                PartitionKind::BasicData,
                "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
                117 * MIB,
                64 * GIB - 118 * MIB,
            ),
        ],
        diagnostics: vec![],
    };
    let esp = Evidence::file(Some(1), r"\EFI\Microsoft\Boot\bootmgfw.efi");
    let generation = GenerationFact {
        value: Some(Generation::Gen2),
        reason: "GPT, ESP partition 1 with bootmgfw.efi, default loader winload.efi".into(),
        evidence: vec![esp.clone()],
    };
    let boot = BootFacts {
        default_application_path: Fact::new(
            Some(r"\Windows\system32\winload.efi".into()),
            Evidence::registry(
                "BCD",
                r"Objects\{default}\Elements\12000002",
                "Element",
                Some(r"\Windows\system32\winload.efi".into()),
            ),
        ),
        testsigning: Fact::bare(Some(false)),
        nointegritychecks: Fact::bare(Some(false)),
        esp_has_bootmgfw: Fact::new(Some(true), esp),
        debug: Fact::bare(None),
        bootdebug: Fact::bare(None),
        devices: vec![
            device(BcdDeviceRole::BootManagerDevice, 1),
            device(BcdDeviceRole::LoaderDevice, 3),
            device(BcdDeviceRole::LoaderOsDevice, 3),
        ],
        boot_manager: Some(BootManagerFacts {
            file: pe(r"\EFI\Microsoft\Boot\bootmgfw.efi", 1, 10),
            signature: BootSignatureFact {
                status: SignatureStatus::Trusted,
                signer: Some("CN=Microsoft Windows UEFI Driver Publisher".into()),
                chain: vec![],
                anchor: Some("Microsoft Corporation UEFI CA 2011".into()),
                digest_algorithm: None,
                error: None,
                evidence: vec![Evidence::file(Some(1), r"\EFI\Microsoft\Boot\bootmgfw.efi")],
            },
        }),
    };
    let setup_state = r"Microsoft\Windows\CurrentVersion\Setup\State";
    let mut w = WindowsFacts {
        system_root: Fact::new(
            r"\Windows".into(),
            Evidence::file(Some(3), r"\Windows\System32\config\SOFTWARE"),
        ),
        partition_index: Fact::bare(3),
        product_name: Fact::new(
            Some("Windows 10 Enterprise".into()),
            sz(CV, "ProductName", "Windows 10 Enterprise"),
        ),
        edition_id: Fact::new(Some("Enterprise".into()), sz(CV, "EditionID", "Enterprise")),
        installation_type: Fact::new(Some("Client".into()), sz(CV, "InstallationType", "Client")),
        product_type: Fact::new(
            Some("WinNT".into()),
            sys(
                r"ControlSet001\Control\ProductOptions",
                "ProductType",
                "WinNT",
            ),
        ),
        major_version: Fact::new(Some(10), sz(CV, "CurrentMajorVersionNumber", "0xa")),
        minor_version: Fact::new(Some(0), sz(CV, "CurrentMinorVersionNumber", "0x0")),
        current_version: Fact::new(Some("6.3".into()), sz(CV, "CurrentVersion", "6.3")),
        current_build: Fact::new(Some(22631), sz(CV, "CurrentBuildNumber", "22631")),
        ubr: Fact::new(Some(4460), sz(CV, "UBR", "0x116c")),
        display_version: Fact::new(Some("23H2".into()), sz(CV, "DisplayVersion", "23H2")),
        release_id: Fact::new(Some("2009".into()), sz(CV, "ReleaseId", "2009")),
        image_state: Fact::new(
            Some(ImageState::GeneralizeResealToOobe),
            sz(setup_state, "ImageState", IMAGE_STATE_GENERALIZED_OOBE),
        ),
        generalized: Fact::with_evidence(
            true,
            vec![
                sz(setup_state, "ImageState", IMAGE_STATE_GENERALIZED_OOBE),
                Evidence::file(Some(3), r"\Windows\System32\Sysprep\Sysprep_succeeded.tag"),
            ],
        ),
        azure_ad_joined: Fact::new(
            false,
            Evidence::registry_key(
                "SYSTEM",
                r"ControlSet001\Control\CloudDomainJoin\JoinInfo",
                false,
            ),
        ),
        aad_login_for_windows: Fact::bare(false),
        domain_joined: Fact::new(
            false,
            Evidence::registry_key("SECURITY", r"Policy\PolPrDmS", false),
        ),
        mdm_enrolled: Fact::bare(false),
        reserved_storage: Fact::new(
            ReservedStorage::Disabled,
            sz(
                r"Microsoft\Windows\CurrentVersion\ReserveManager",
                "ShippedWithReserves",
                "0x0",
            ),
        ),
        computer_name: Fact::bare(Some("BUILD-VM".into())),
        control_set: Fact::new(
            Some("ControlSet001".into()),
            sys("Select", "Current", "0x1"),
        ),
        answer_files: vec![],
        cdrom_disabled: Fact::new(false, sys(r"ControlSet001\Services\cdrom", "Start", "0x1")),
        kernel: KernelFacts {
            files: ["winload.efi", "winload.exe", "ntoskrnl.exe", "hal.dll"]
                .into_iter()
                .map(|n| pe(&format!(r"\Windows\System32\{n}"), 3, 1))
                .collect(),
            architecture: Fact::new(
                Some("AMD64".into()),
                Evidence::file(Some(3), r"\Windows\System32\ntoskrnl.exe"),
            ),
            processor_architecture: Fact::new(
                Some("AMD64".into()),
                sys(
                    r"ControlSet001\Control\Session Manager\Environment",
                    "PROCESSOR_ARCHITECTURE",
                    "AMD64",
                ),
            ),
            boot_drivers: [
                "vmbus", "storvsc", "disk", "partmgr", "volmgr", "pci", "netvsc",
            ]
            .into_iter()
            .map(|n| BootDriverFact {
                name: n.into(),
                present: true,
                start: Some(if n == "netvsc" { 3 } else { 0 }),
                start_override: None,
                evidence: vec![sys(&format!(r"ControlSet001\Services\{n}"), "Start", "0x0")],
            })
            .collect(),
        },
        hives: ["SYSTEM", "SOFTWARE", "SECURITY"]
            .into_iter()
            .map(|name| HiveFacts {
                name: name.into(),
                dirty: false,
                logs_replayed: false,
                evidence: vec![],
            })
            .collect(),
        ..WindowsFacts::default()
    };
    w.fill_identity();
    ImageFacts {
        container: Some(container),
        partitions: Some(partitions),
        generation,
        boot: Some(boot),
        windows: Some(w),
        problems: vec![],
        foreign_format: None,
        audit: None,
    }
}

/// A BCD device of the good image: a partition of this disk.
pub fn device(role: BcdDeviceRole, index: u32) -> BcdDeviceFact {
    BcdDeviceFact {
        role: Some(role),
        object: "{default}".into(),
        element: "11000001".into(),
        device: Some(format!("partition {index}")),
        options: None,
        partition_index: Some(index),
        resolution: Fact::decided(
            DeviceResolution::ThisDisk,
            format!("partition {index} of this disk"),
            vec![Evidence::registry(
                "BCD",
                r"Objects\{default}\Elements\11000001",
                "Element",
                None,
            )],
        ),
    }
}

/// An x64 PE file present on partition `index`.
pub fn pe(path: &str, index: u32, subsystem: u16) -> PeFileFact {
    PeFileFact {
        path: path.into(),
        partition_index: Some(index),
        present: true,
        machine: Some("AMD64".into()),
        pe32_plus: Some(true),
        subsystem: Some(subsystem),
        error: None,
        evidence: vec![Evidence::file(Some(index), path)],
    }
}

pub fn boot(f: &mut ImageFacts) -> &mut BootFacts {
    f.boot.as_mut().unwrap()
}

pub fn driver<'a>(f: &'a mut ImageFacts, name: &str) -> &'a mut BootDriverFact {
    windows(f)
        .kernel
        .boot_drivers
        .iter_mut()
        .find(|d| d.name == name)
        .unwrap()
}

pub fn windows(f: &mut ImageFacts) -> &mut WindowsFacts {
    f.windows.as_mut().unwrap()
}

/// Sets the OS identity values and re-derives the identity facts.
pub fn set_os(f: &mut ImageFacts, product: &str, edition: &str, build: u32, display: Option<&str>) {
    let w = windows(f);
    w.product_name = Fact::new(Some(product.into()), sz(CV, "ProductName", product));
    w.edition_id = Fact::new(Some(edition.into()), sz(CV, "EditionID", edition));
    w.current_build = Fact::new(
        Some(build),
        sz(CV, "CurrentBuildNumber", &build.to_string()),
    );
    w.display_version = Fact::bare(display.map(str::to_owned));
    w.fill_identity();
}

/// One facts value per rule, named by the rule it triggers.
pub fn cases() -> Vec<(RuleId, ImageFacts)> {
    let mut cases = Vec::new();

    let mut f = good();
    f.windows = None;
    f.problems.push(Problem {
        kind: ProblemKind::BitLocker,
        message: "partition 3 boot sector OEM id is -FVE-FS-".into(),
        evidence: vec![Evidence::file(Some(3), r"\ (boot sector offset 3)")],
    });
    cases.push((RuleId::ImageUnreadable, f));

    let mut f = good();
    let c = f.container.as_mut().unwrap();
    c.format.value = ContainerFormat::Vhdx;
    c.disk_type.value = DiskType::Dynamic;
    c.file_size.value = 9 * GIB;
    cases.push((RuleId::NotUploadReadyVhd, f));

    let mut f = good();
    let c = f.container.as_mut().unwrap();
    c.virtual_size.value = 127 * GIB;
    c.file_size.value = 127 * GIB + 512;
    cases.push((RuleId::OsDiskTooLarge, f));

    let mut f = good();
    let c = f.container.as_mut().unwrap();
    c.diagnostics.push(vhdlint_facts::ContainerDiagnostic {
        code: "vhdFooterChecksum".into(),
        message: "footer checksum 0xffffe8b8, expected 0xffffe9b8".into(),
        offset: Some(64 * GIB),
    });
    cases.push((RuleId::VhdFooterChecksum, f));

    let mut f = good();
    let c = f.container.as_mut().unwrap();
    c.truncated.push(vhdlint_facts::Truncation {
        structure: "partition 3".into(),
        expected_size: 64 * GIB,
        actual_size: 10 * MIB,
        message: "partition 3 ends past the end of the disk".into(),
        evidence: vec![],
    });
    cases.push((RuleId::ImageTruncated, f));

    let mut f = good();
    f.generation = GenerationFact {
        value: Some(Generation::Gen1),
        reason: "MBR, active partition 1 with \\bootmgr, loader winload.exe".into(),
        evidence: vec![Evidence::file(Some(1), r"\bootmgr")],
    };
    let p = f.partitions.as_mut().unwrap();
    p.scheme.value = PartitionScheme::Mbr;
    p.entries = vec![PartitionEntry {
        index: 1,
        kind: PartitionKind::BasicData,
        type_guid: None,
        mbr_type: Some(0x07),
        start_offset: MIB,
        size: 64 * GIB - MIB,
        active: true,
        evidence: vec![Evidence::PartitionEntry {
            index: 1,
            offset: 446,
            detail: Some("type 0x07, active".into()),
        }],
    }];
    cases.push((RuleId::Generation1, f));

    let mut f = good();
    f.partitions.as_mut().unwrap().entries.push(PartitionEntry {
        index: 4,
        kind: PartitionKind::WindowsRecovery,
        type_guid: Some("DE94BBA4-06D1-4D40-A16A-BFD50179D6AC".into()),
        mbr_type: None,
        start_offset: 64 * GIB - 700 * MIB,
        size: 699 * MIB,
        active: false,
        evidence: vec![Evidence::PartitionEntry {
            index: 4,
            offset: 1408,
            detail: None,
        }],
    });
    cases.push((RuleId::RecoveryPartition, f));

    let mut f = good();
    set_os(
        &mut f,
        "Windows 10 Pro",
        "Professional",
        22631,
        Some("23H2"),
    );
    cases.push((RuleId::UnsupportedOsEdition, f));

    let mut f = good();
    set_os(
        &mut f,
        "Windows 10 Enterprise multi-session",
        "ServerRdsh",
        22631,
        Some("23H2"),
    );
    windows(&mut f).product_type = Fact::new(
        Some("ServerNT".into()),
        sys(
            r"ControlSet001\Control\ProductOptions",
            "ProductType",
            "ServerNT",
        ),
    );
    windows(&mut f).fill_identity();
    cases.push((RuleId::MultiSession, f));

    let mut f = good();
    set_os(&mut f, "Windows 10 Enterprise", "Enterprise", 17763, None);
    windows(&mut f).release_id.value = Some("1809".into());
    windows(&mut f).fill_identity();
    cases.push((RuleId::OsVersionBelowMinimum, f));

    let mut f = good();
    set_os(&mut f, "Windows 10 Enterprise", "Enterprise", 22000, None);
    cases.push((RuleId::EndOfServicing, f));

    let mut f = good();
    let w = windows(&mut f);
    w.image_state = Fact::new(
        Some(ImageState::Complete),
        sz(
            r"Microsoft\Windows\CurrentVersion\Setup\State",
            "ImageState",
            "IMAGE_STATE_COMPLETE",
        ),
    );
    w.generalized = Fact::bare(false);
    cases.push((RuleId::NotGeneralized, f));

    let mut f = good();
    windows(&mut f).azure_ad_joined = Fact::new(
        true,
        Evidence::registry_key(
            "SYSTEM",
            r"ControlSet001\Control\CloudDomainJoin\JoinInfo\0A1B2C",
            true,
        ),
    );
    cases.push((RuleId::EntraJoined, f));

    let mut f = good();
    windows(&mut f).domain_joined = Fact::new(
        true,
        Evidence::registry(
            "SECURITY",
            r"Policy\PolPrDmS",
            "",
            Some("S-1-5-21-1-2-3".into()),
        ),
    );
    cases.push((RuleId::DomainJoinedOrMdmEnrolled, f));

    let mut f = good();
    windows(&mut f).answer_files.push(AnswerFile {
        path: r"\Windows\Panther\unattend.xml".into(),
        computer_name: Some("BUILD01".into()),
        evidence: vec![Evidence::File {
            partition_index: Some(3),
            path: r"\Windows\Panther\unattend.xml".into(),
            detail: Some("<ComputerName>BUILD01</ComputerName> in specialize".into()),
        }],
    });
    cases.push((RuleId::AnswerFileFixesComputerName, f));

    let mut f = good();
    windows(&mut f).cdrom_disabled =
        Fact::new(true, sys(r"ControlSet001\Services\cdrom", "Start", "0x4"));
    cases.push((RuleId::CdromDisabled, f));

    let mut f = good();
    windows(&mut f).reserved_storage = Fact::new(
        ReservedStorage::Enabled,
        sz(
            r"Microsoft\Windows\CurrentVersion\ReserveManager",
            "ShippedWithReserves",
            "0x1",
        ),
    );
    cases.push((RuleId::ReservedStorageEnabled, f));

    let mut f = good();
    let h = &mut windows(&mut f).hives[0];
    h.dirty = true;
    h.logs_replayed = true;
    cases.push((RuleId::DirtyHive, f));

    let mut f = good();
    let d = &mut boot(&mut f).devices[2];
    d.resolution.value = DeviceResolution::Foreign;
    d.resolution.reason = "default loader osdevice names another disk".into();
    cases.push((RuleId::BcdDeviceNotOnDisk, f));

    let mut f = good();
    let k = &mut windows(&mut f).kernel.files[0];
    k.present = false;
    k.machine = None;
    cases.push((RuleId::BootFilesMissing, f));

    let mut f = good();
    windows(&mut f).kernel.processor_architecture.value = Some("x86".into());
    cases.push((RuleId::ArchitectureNotAccepted, f));

    let mut f = good();
    let s = &mut boot(&mut f).boot_manager.as_mut().unwrap().signature;
    s.status = SignatureStatus::Unsigned;
    s.signer = None;
    s.anchor = None;
    cases.push((RuleId::BootManagerNotTrusted, f));

    let mut f = good();
    boot(&mut f).testsigning.value = Some(true);
    cases.push((RuleId::BootSigningOrDebugEnabled, f));

    let mut f = good();
    driver(&mut f, "storvsc").start = Some(4);
    cases.push((RuleId::BootDriverDisabled, f));

    let mut f = good();
    let d = driver(&mut f, "vmbus");
    d.present = false;
    d.start = None;
    cases.push((RuleId::BootDriverAbsent, f));

    let mut f = good();
    driver(&mut f, "netvsc").start = Some(4);
    cases.push((RuleId::NetvscDisabled, f));
    // Issue 14 items 5–14 (windows.provision).
    let file = |path: &str, detail: &str| Evidence::File {
        partition_index: Some(3),
        path: path.into(),
        detail: Some(detail.into()),
    };
    let mut f = good();
    windows(&mut f).provision.pending_servicing = Fact::new(
        true,
        sys(
            r"ControlSet001\Control\Session Manager",
            "PendingFileRenameOperations",
            r"\??\C:\Windows\Temp\x.tmp; ",
        ),
    );
    cases.push((RuleId::PendingServicing, f));

    let mut f = good();
    windows(&mut f).provision.volume_dirty =
        Fact::new(Some(true), file(r"\$Volume", "flags 0x0081"));
    cases.push((RuleId::VolumeDirty, f));

    let mut f = good();
    windows(&mut f).provision.hibernated =
        Fact::new(true, file(r"\hiberfil.sys", "header signature \"HIBR\""));
    cases.push((RuleId::Hibernated, f));

    let mut f = good();
    windows(&mut f).provision.sysprep = Fact::new(
        SysprepRunFacts {
            outcome: SysprepOutcome::Generalized,
            vm_mode: Some(false),
            ..SysprepRunFacts::default()
        },
        file(
            r"\Windows\System32\Sysprep\Panther\setupact.log",
            "options GENERALIZE, OOBE, SHUTDOWN",
        ),
    );
    cases.push((RuleId::SysprepNotVmMode, f));

    for (id, set) in [
        (
            RuleId::FslogixInstalled,
            (|p: &mut ProvisionFacts, e| p.fslogix = Fact::new(true, e))
                as fn(&mut ProvisionFacts, Evidence),
        ),
        (RuleId::AvdAgentInstalled, |p, e| {
            p.avd_agent = Fact::new(true, e)
        }),
        (RuleId::ConfigMgrClient, |p, e| {
            p.configmgr_client = Fact::new(true, e)
        }),
        (RuleId::UwfEnabled, |p, e| {
            p.uwf_enabled = Fact::new(true, e)
        }),
        (RuleId::RdpDisabled, |p, e| {
            p.rdp_denied = Fact::new(true, e)
        }),
        (RuleId::RdpPortChanged, |p, e| {
            p.rdp_port = Fact::new(Some(3390), e)
        }),
        (RuleId::SanPolicyNotOnlineAll, |p, e| {
            p.san_policy = Fact::new(Some(3), e)
        }),
        (RuleId::FirewallProfileOff, |p, e| {
            p.firewall_profiles_off = Fact::new(vec!["PublicProfile".into()], e)
        }),
        (RuleId::MaintenanceTasksEnabled, |p, e| {
            p.maintenance_tasks_enabled = Fact::new(vec![r"\Windows\System32\Tasks\x".into()], e)
        }),
        (RuleId::StartMenuTooManyApps, |p, e| {
            p.start_menu_apps = Fact::new(3_001, e)
        }),
    ] {
        let mut f = good();
        set(
            &mut windows(&mut f).provision,
            sys(r"ControlSet001\Services\x", "Start", "0x2"),
        );
        cases.push((id, f));
    }

    cases
}
