//! The gatherer on the fixture images of `testdata/images/` (built by third-party writers:
//! sgdisk/sfdisk, mkfs.fat + mtools, mkntfs + ntfs-3g, hivexregedit, qemu-img; see the
//! README there): the gold image's facts, the one fact each variant changes, laziness, corrupt
//! inputs, and the policy rules on the gathered facts.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use vhdlint_facts::{
    ContainerFormat, DiskType, Evidence, Generation, ImageFacts, ImageState, PartitionKind,
    PartitionScheme, ProblemKind, ReservedStorage, WindowsFacts,
};
use vhdlint_filesystems::image::Image;
use vhdlint_gather::{gather, gather_path, GatherOptions};
use vhdlint_policy::{evaluate, Date, Options, Profile, RuleId, Severity};

/// Path of fixture image `name` (decompressed into the cache).
fn image(name: &str) -> PathBuf {
    vhdlint_testkit::testdata_file(&format!("images/{name}"))
}

fn facts_of(path: &Path) -> ImageFacts {
    gather_path(path, &GatherOptions::default()).expect("the OS opens the fixture")
}

fn facts(name: &str) -> ImageFacts {
    facts_of(&image(name))
}

fn windows(f: &ImageFacts) -> &WindowsFacts {
    f.windows.as_ref().expect("a Windows installation")
}

/// Asserts every fact (an object with `value` and `evidence`) below `json` carries evidence,
/// and that each piece names its hive + key (+ value), file path, partition entry, container
/// field or reason.
fn assert_evidence_everywhere(json: &Json, at: &str) {
    match json {
        Json::Object(map) => {
            if let (Some(_), Some(ev)) = (map.get("value"), map.get("evidence")) {
                let ev = ev.as_array().expect("evidence is a list");
                assert!(!ev.is_empty(), "{at}: no evidence");
            }
            if let Some(ev) = map.get("evidence").and_then(Json::as_array) {
                for e in ev {
                    assert_evidence_names_its_source(e, at);
                }
            }
            for (k, v) in map {
                if k != "evidence" {
                    assert_evidence_everywhere(v, &format!("{at}.{k}"));
                }
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_evidence_everywhere(v, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

fn assert_evidence_names_its_source(e: &Json, at: &str) {
    let s = |k: &str| e.get(k).and_then(Json::as_str).unwrap_or("");
    match s("source") {
        "registry" => {
            assert!(
                !s("hive").is_empty(),
                "{at}: registry evidence without hive: {e}"
            );
            assert!(
                !s("key").is_empty(),
                "{at}: registry evidence without key: {e}"
            );
            assert!(
                !s("key").to_ascii_lowercase().contains("currentcontrolset"),
                "{at}: CurrentControlSet does not exist offline: {e}"
            );
        }
        "file" => assert!(s("path").starts_with('\\'), "{at}: file evidence path: {e}"),
        "partitionEntry" => assert!(e["index"].as_u64().is_some(), "{at}: {e}"),
        "container" => assert!(!s("field").is_empty(), "{at}: {e}"),
        "derived" => assert!(!s("reason").is_empty(), "{at}: {e}"),
        other => panic!("{at}: unknown evidence source {other:?}: {e}"),
    }
}

/// True when some evidence of `ev` is registry value `hive\key value` (key compared at the end).
fn has_registry(ev: &[Evidence], hive: &str, key_suffix: &str, value: &str) -> bool {
    ev.iter().any(|e| match e {
        Evidence::Registry {
            hive: h,
            key,
            value: v,
            ..
        } => h == hive && key.ends_with(key_suffix) && v.as_deref() == Some(value),
        _ => false,
    })
}

/// True when some evidence of `ev` is the file `path`.
fn has_file(ev: &[Evidence], path: &str) -> bool {
    ev.iter()
        .any(|e| matches!(e, Evidence::File { path: p, .. } if p.eq_ignore_ascii_case(path)))
}

/// The gold image's facts, whatever its container.
fn assert_gold(f: &ImageFacts) {
    assert!(
        f.problems.is_empty(),
        "gold has no problem: {:#?}",
        f.problems
    );
    let p = f.partitions.as_ref().expect("partitions");
    assert_eq!(p.scheme.value, PartitionScheme::Gpt);
    assert!(p.entries.iter().any(|e| e.kind == PartitionKind::EfiSystem));
    assert!(!p
        .entries
        .iter()
        .any(|e| e.kind == PartitionKind::WindowsRecovery));
    for e in &p.entries {
        assert!(
            matches!(e.evidence.first(), Some(Evidence::PartitionEntry { index, .. }) if *index == e.index),
            "partition {} evidence names its entry: {:?}",
            e.index,
            e.evidence
        );
    }

    assert_eq!(f.generation.value, Some(Generation::Gen2));
    assert!(
        f.generation.reason.contains("winload.efi"),
        "{}",
        f.generation.reason
    );
    assert!(has_file(
        &f.generation.evidence,
        r"\EFI\Microsoft\Boot\bootmgfw.efi"
    ));
    let boot = f.boot.as_ref().expect("boot facts");
    assert_eq!(boot.esp_has_bootmgfw.value, Some(true));
    assert!(boot
        .default_application_path
        .value
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(r"\Windows\system32\winload.efi")));
    assert_eq!(boot.testsigning.value, Some(false));
    assert_ne!(boot.nointegritychecks.value, Some(true));

    let w = windows(f);
    assert_eq!(w.system_root.value, r"\Windows");
    assert_eq!(w.os_name.value.as_deref(), Some("Windows 11 Enterprise"));
    assert_eq!(
        w.product_name.value.as_deref(),
        Some("Windows 10 Enterprise")
    );
    assert_eq!(w.edition_id.value.as_deref(), Some("Enterprise"));
    assert_eq!(w.installation_type.value.as_deref(), Some("Client"));
    assert_eq!(w.product_type.value.as_deref(), Some("WinNT"));
    assert_eq!(w.current_build.value, Some(22631));
    assert_eq!(w.ubr.value, Some(4460));
    assert_eq!(w.version.value.as_deref(), Some("10.0.22631.4460"));
    assert_eq!(w.display_version.value.as_deref(), Some("23H2"));
    assert_eq!(w.version_label.value.as_deref(), Some("23H2"));
    assert!(!w.multi_session.value);
    assert_eq!(
        w.image_state.value,
        Some(ImageState::GeneralizeResealToOobe)
    );
    assert!(w.generalized.value, "{:#?}", w.generalized.evidence);
    assert!(!w.azure_ad_joined.value);
    assert!(!w.aad_login_for_windows.value);
    assert!(!w.domain_joined.value);
    assert!(!w.mdm_enrolled.value);
    assert!(!w.cdrom_disabled.value);
    assert_eq!(w.control_set.value.as_deref(), Some("ControlSet001"));
    assert_eq!(w.computer_name.value.as_deref(), Some("VHDLINT-GOLD"));
    assert_eq!(w.reserved_storage.value, ReservedStorage::Disabled);
    assert!(w.answer_files.is_empty(), "{:#?}", w.answer_files);
    let names: Vec<&str> = w.hives.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["SYSTEM", "SOFTWARE", "SECURITY"]);
    assert!(w.hives.iter().all(|h| !h.dirty && !h.logs_replayed));

    // Evidence names the hive, key and value each fact came from.
    let cv = r"Microsoft\Windows NT\CurrentVersion";
    assert!(has_registry(
        &w.current_build.evidence,
        "SOFTWARE",
        cv,
        "CurrentBuildNumber"
    ));
    assert!(has_registry(&w.ubr.evidence, "SOFTWARE", cv, "UBR"));
    assert!(has_registry(
        &w.edition_id.evidence,
        "SOFTWARE",
        cv,
        "EditionID"
    ));
    assert!(has_registry(
        &w.display_version.evidence,
        "SOFTWARE",
        cv,
        "DisplayVersion"
    ));
    assert!(has_registry(
        &w.image_state.evidence,
        "SOFTWARE",
        r"Setup\State",
        "ImageState"
    ));
    assert!(has_registry(
        &w.control_set.evidence,
        "SYSTEM",
        "Select",
        "Current"
    ));
    assert!(has_registry(
        &w.computer_name.evidence,
        "SYSTEM",
        r"ControlSet001\Control\ComputerName\ComputerName",
        "ComputerName"
    ));
    assert!(has_registry(
        &w.cdrom_disabled.evidence,
        "SYSTEM",
        r"ControlSet001\Services\cdrom",
        "Start"
    ));
    assert!(has_registry(
        &w.reserved_storage.evidence,
        "SOFTWARE",
        "ReserveManager",
        "ShippedWithReserves"
    ));
    assert!(has_file(
        &w.generalized.evidence,
        r"\Windows\System32\Sysprep\Sysprep_succeeded.tag"
    ));
    assert!(has_file(
        &w.generalized.evidence,
        r"\Windows\Setup\State\State.ini"
    ));
    assert!(w
        .azure_ad_joined
        .evidence
        .iter()
        .any(|e| matches!(e, Evidence::Registry { key, .. } if key.ends_with(r"CloudDomainJoin\JoinInfo"))));
    assert!(w
        .domain_joined
        .evidence
        .iter()
        .any(|e| matches!(e, Evidence::Registry { hive, key, .. } if hive == "SECURITY" && key == r"Policy\PolPrDmS")));

    let json = serde_json::to_value(f).unwrap();
    assert_evidence_everywhere(&json, "facts");
}

#[test]
fn gold_vhdx() {
    let f = facts("gold.vhdx.xz");
    assert_gold(&f);
    let c = f.container.as_ref().unwrap();
    assert_eq!(c.format.value, ContainerFormat::Vhdx);
    assert!(!c.format.evidence.is_empty());
}

#[test]
fn gold_raw() {
    let f = facts("gold.raw.xz");
    assert_gold(&f);
    assert_eq!(
        f.container.as_ref().unwrap().format.value,
        ContainerFormat::Raw
    );
}

#[test]
fn gold_fixed_vhd() {
    let f = facts("gold-fixed.vhd.xz");
    assert_gold(&f);
    let c = f.container.as_ref().unwrap();
    assert_eq!(c.format.value, ContainerFormat::Vhd);
    assert_eq!(c.disk_type.value, DiskType::Fixed);
    assert!(c.is_upload_ready_vhd());
}

#[test]
fn gathering_is_lazy() {
    let path = image("gold.vhdx.xz");
    let img = Image::open(&path).unwrap();
    let before = img.container().file_stats();
    let f = gather(&img, &GatherOptions::default());
    assert!(f.problems.is_empty(), "{:#?}", f.problems);
    let after = img.container().file_stats();
    let bytes = after.bytes - before.bytes;
    let size = img.container().info().virtual_size;
    println!(
        "gather of gold.vhdx read {bytes} bytes in {} reads (virtual size {size}, file size {})",
        after.calls - before.calls,
        img.container().info().file_size
    );
    assert!(bytes < 4 << 20, "gather read {bytes} bytes");
    assert!(
        bytes * 8 < size,
        "gather read {bytes} of a {size}-byte disk"
    );
}

// ---------------------------------------------------------------------------------------------
// Variants: the one fact each changes.

#[test]
fn not_generalized() {
    let f = facts("not-generalized.vhdx.xz");
    let w = windows(&f);
    assert_eq!(w.image_state.value, Some(ImageState::Complete));
    assert!(!w.generalized.value);
}

#[test]
fn aad_joined() {
    let f = facts("aad-joined.vhdx.xz");
    let w = windows(&f);
    assert!(w.azure_ad_joined.value);
    assert!(w
        .azure_ad_joined
        .evidence
        .iter()
        .any(|e| matches!(e, Evidence::Registry { key, .. } if key.contains(r"CloudDomainJoin\JoinInfo\"))));
    assert!(!w.domain_joined.value);
}

#[test]
fn pro_edition() {
    let f = facts("pro-edition.vhdx.xz");
    let w = windows(&f);
    assert_eq!(w.edition_id.value.as_deref(), Some("Professional"));
    assert_eq!(w.os_name.value.as_deref(), Some("Windows 11 Pro"));
}

#[test]
fn win10_1909() {
    let f = facts("win10-1909.vhdx.xz");
    let w = windows(&f);
    assert_eq!(w.current_build.value, Some(18363));
    assert_eq!(w.version.value.as_deref(), Some("10.0.18363.1912"));
    assert_eq!(w.os_name.value.as_deref(), Some("Windows 10 Enterprise"));
    assert_eq!(w.version_label.value.as_deref(), Some("1909"));
    assert_eq!(w.display_version.value, None);
}

#[test]
fn multi_session() {
    let f = facts("multi-session.vhdx.xz");
    let w = windows(&f);
    assert!(w.multi_session.value);
    assert_eq!(w.edition_id.value.as_deref(), Some("ServerRdsh"));
}

#[test]
fn recovery_partition() {
    let f = facts("recovery-partition.vhdx.xz");
    let p = f.partitions.as_ref().unwrap();
    let r = p
        .entries
        .iter()
        .find(|e| e.kind == PartitionKind::WindowsRecovery)
        .expect("a recovery partition");
    assert_eq!(
        r.type_guid.as_deref(),
        Some("DE94BBA4-06D1-4D40-A16A-BFD50179D6AC")
    );
    assert!(f.problems.is_empty(), "{:#?}", f.problems);
}

#[test]
fn gen1_mbr() {
    let f = facts("gen1-mbr.vhdx.xz");
    assert_eq!(
        f.partitions.as_ref().unwrap().scheme.value,
        PartitionScheme::Mbr
    );
    assert_eq!(f.generation.value, Some(Generation::Gen1));
    assert!(
        f.generation.reason.contains("winload.exe"),
        "{}",
        f.generation.reason
    );
    assert!(f.problems.is_empty(), "{:#?}", f.problems);
}

#[test]
fn stale_unattend() {
    let f = facts("stale-unattend.vhdx.xz");
    let w = windows(&f);
    let a = w
        .answer_files
        .iter()
        .find(|a| a.computer_name.is_some())
        .expect("an answer file fixing the name");
    assert_eq!(a.computer_name.as_deref(), Some("FIXED-NAME"));
    assert!(
        a.path.to_ascii_lowercase().contains(r"\panther\"),
        "{}",
        a.path
    );
    assert!(has_file(&a.evidence, &a.path));
}

#[test]
fn cdrom_disabled() {
    let f = facts("cdrom-disabled.vhdx.xz");
    assert!(windows(&f).cdrom_disabled.value);
}

#[test]
fn domain_joined() {
    let f = facts("domain-joined.vhdx.xz");
    let w = windows(&f);
    assert!(w.domain_joined.value);
    let texts: Vec<String> = w
        .domain_joined
        .evidence
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("S-1-5-21-1111111111-2222222222-3333333333")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("CONTOSO")), "{texts:?}");
}

#[test]
fn mdm_enrolled() {
    let f = facts("mdm-enrolled.vhdx.xz");
    let w = windows(&f);
    assert!(w.mdm_enrolled.value);
    assert!(has_registry(
        &w.mdm_enrolled.evidence,
        "SOFTWARE",
        "",
        "ProviderID"
    ));
}

#[test]
fn reserved_storage() {
    let f = facts("reserved-storage.vhdx.xz");
    assert_eq!(windows(&f).reserved_storage.value, ReservedStorage::Enabled);
}

#[test]
fn dirty_hive() {
    // SYSTEM's primary sequence number was bumped (checksum kept valid) and no log written:
    // dirty, nothing to replay, and still read.
    let f = facts("dirty-hive.vhdx.xz");
    let w = windows(&f);
    let system = w.hives.iter().find(|h| h.name == "SYSTEM").unwrap();
    assert!(system.dirty && !system.logs_replayed, "{system:#?}");
    assert!(w
        .hives
        .iter()
        .filter(|h| h.name != "SYSTEM")
        .all(|h| !h.dirty));
    assert_eq!(w.computer_name.value.as_deref(), Some("VHDLINT-GOLD"));
    assert!(f.problems.is_empty(), "{:#?}", f.problems);
}

#[test]
fn workgroup_with_an_empty_domain_sid_is_not_joined() {
    let f = facts("workgroup-empty-sid.vhdx.xz");
    let w = windows(&f);
    assert!(!w.domain_joined.value, "{:#?}", w.domain_joined);
    assert!(has_registry(
        &w.domain_joined.evidence,
        "SECURITY",
        r"Policy\PolPrDmS",
        ""
    ));
}

// ---------------------------------------------------------------------------------------------
// Corrupt inputs: problems, not panics.

fn scratch_copy(src: &Path, dir: &str, name: &str) -> (vhdlint_testkit::Scratch, PathBuf) {
    let dir = vhdlint_testkit::scratch_dir(dir);
    let dest = dir.join(name);
    std::fs::copy(src, &dest).unwrap();
    (dir, dest)
}

#[test]
fn truncated_vhdx_gives_problems() {
    let src = image("gold.vhdx.xz");
    let len = std::fs::metadata(&src).unwrap().len();
    for keep in [len / 2, len / 8, 300 * 1024, 1000] {
        let (_dir, dest) = scratch_copy(&src, &format!("facts-truncated-{keep}"), "gold.vhdx");
        let file = std::fs::OpenOptions::new().write(true).open(&dest).unwrap();
        file.set_len(keep).unwrap();
        drop(file);
        let f = facts_of(&dest);
        assert!(
            !f.problems.is_empty(),
            "a gold.vhdx cut to {keep} of {len} bytes gives problems"
        );
        println!(
            "cut to {keep}: {:?}",
            f.problems.iter().map(|p| p.kind).collect::<Vec<_>>()
        );
    }
}

#[test]
fn zeroed_ntfs_boot_sector_gives_problems() {
    let src = image("gold.raw.xz");
    let start = {
        let img = Image::open(&src).unwrap();
        let v = vhdlint_gather::windows_volume(&img).expect("gold has a Windows volume");
        v.partition.as_ref().unwrap().start_offset
    };
    let (_dir, dest) = scratch_copy(&src, "facts-zeroed-boot", "gold.raw");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = std::fs::OpenOptions::new().write(true).open(&dest).unwrap();
        file.seek(SeekFrom::Start(start)).unwrap();
        file.write_all(&[0u8; 512]).unwrap();
    }
    let f = facts_of(&dest);
    let kinds: Vec<ProblemKind> = f.problems.iter().map(|p| p.kind).collect();
    // An all-zero boot sector reads as no file system (not a corrupt one).
    assert!(kinds.contains(&ProblemKind::Unformatted), "{kinds:?}");
    assert!(kinds.contains(&ProblemKind::NoWindowsVolume), "{kinds:?}");
    assert!(f.windows.is_none());
    // The rest is still gathered.
    assert!(f.container.is_some() && f.partitions.is_some());
    assert_eq!(f.generation.value, Some(Generation::Gen2));
}

#[test]
fn garbage_is_a_container_problem_and_a_missing_file_an_error() {
    let dir = vhdlint_testkit::scratch_dir("facts-gather-garbage");
    let p = dir.join("garbage.vhdx");
    let mut bytes = b"vhdxfile".to_vec();
    bytes.resize(4096, 0xA5);
    std::fs::write(&p, &bytes).unwrap();
    let f = facts_of(&p);
    assert_eq!(
        f.problems.first().map(|p| p.kind),
        Some(ProblemKind::Container)
    );
    let err = gather_path(&dir.join("absent.vhdx"), &GatherOptions::default()).unwrap_err();
    assert!(err.is_os_error());
}

// ---------------------------------------------------------------------------------------------
// The rules on gathered facts.

fn findings(f: &ImageFacts, profile: Profile) -> Vec<(RuleId, Severity)> {
    let opts = Options::new(profile, Date::parse("2025-06-01").unwrap());
    evaluate(f, &opts)
        .findings
        .iter()
        .map(|x| (x.id, x.severity))
        .collect()
}

#[test]
fn policy_gold_passes_and_each_variant_fires_its_rule() {
    let gold = facts("gold.vhdx.xz");
    let gold_rules = findings(&gold, Profile::Windows365);
    assert!(
        gold_rules.iter().all(|(_, s)| *s != Severity::Error),
        "gold passes windows365: {gold_rules:?}"
    );
    let opts = Options::new(Profile::Windows365, Date::parse("2025-06-01").unwrap());
    assert!(evaluate(&gold, &opts).passed);
    let gold_fixed = facts("gold-fixed.vhd.xz");
    assert!(
        findings(&gold_fixed, Profile::Windows365).is_empty(),
        "the fixed VHD gold image has no finding at all"
    );

    for (variant, rule) in [
        ("not-generalized", RuleId::NotGeneralized),
        ("aad-joined", RuleId::EntraJoined),
        ("pro-edition", RuleId::UnsupportedOsEdition),
        ("win10-1909", RuleId::EndOfServicing),
        ("multi-session", RuleId::MultiSession),
        ("recovery-partition", RuleId::RecoveryPartition),
        ("gen1-mbr", RuleId::Generation1),
        ("stale-unattend", RuleId::AnswerFileFixesComputerName),
        ("cdrom-disabled", RuleId::CdromDisabled),
        ("domain-joined", RuleId::DomainJoinedOrMdmEnrolled),
        ("mdm-enrolled", RuleId::DomainJoinedOrMdmEnrolled),
        ("reserved-storage", RuleId::ReservedStorageEnabled),
        ("dirty-hive", RuleId::DirtyHive),
    ] {
        let f = facts(&format!("{variant}.vhdx.xz"));
        let got = findings(&f, Profile::Windows365);
        let new: Vec<RuleId> = got
            .iter()
            .filter(|(r, _)| !gold_rules.iter().any(|(g, _)| g == r))
            .map(|(r, _)| *r)
            .collect();
        assert_eq!(new, [rule], "{variant}: findings {got:?}");
    }
    let f = facts("workgroup-empty-sid.vhdx.xz");
    assert_eq!(
        findings(&f, Profile::Windows365),
        gold_rules,
        "workgroup-empty-sid is gold"
    );
}
