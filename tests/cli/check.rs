//! `check` on the fixture matrix (testdata/images, built by third-party writers): each rule fires
//! on its image and on no other, good images pass, and the output keeps its contract.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use serde_json::Value;
use vhdlint_policy::RuleId;
use vhdlint_testkit::testdata_file;

use crate::{stdout, vhdlint};

/// End of servicing is judged at a fixed date so the matrix does not change with the calendar.
const AS_OF: &str = "2025-06-01";

/// Every whole-image fixture and the error/warning rules it must fire (windows365), beyond the
/// VL0102 warning every VHDX gets (not a fixed VHD).
const MATRIX: &[(&str, &[RuleId])] = &[
    ("gold.vhdx.xz", &[]),
    ("not-generalized.vhdx.xz", &[RuleId::NotGeneralized]),
    ("aad-joined.vhdx.xz", &[RuleId::EntraJoined]),
    ("pro-edition.vhdx.xz", &[RuleId::UnsupportedOsEdition]),
    ("win10-1909.vhdx.xz", &[RuleId::EndOfServicing]),
    ("multi-session.vhdx.xz", &[RuleId::MultiSession]),
    ("recovery-partition.vhdx.xz", &[RuleId::RecoveryPartition]),
    ("gen1-mbr.vhdx.xz", &[RuleId::Generation1]),
    (
        "stale-unattend.vhdx.xz",
        &[RuleId::AnswerFileFixesComputerName],
    ),
    ("cdrom-disabled.vhdx.xz", &[RuleId::CdromDisabled]),
    (
        "domain-joined.vhdx.xz",
        &[RuleId::DomainJoinedOrMdmEnrolled],
    ),
    ("workgroup-empty-sid.vhdx.xz", &[]),
    ("mdm-enrolled.vhdx.xz", &[RuleId::DomainJoinedOrMdmEnrolled]),
    (
        "reserved-storage.vhdx.xz",
        &[RuleId::ReservedStorageEnabled],
    ),
    ("dirty-hive.vhdx.xz", &[RuleId::DirtyHive]),
    ("win10-22h2.vhdx.xz", &[]),
    ("win11-24h2.vhdx.xz", &[]),
    ("server-2022.vhdx.xz", &[RuleId::UnsupportedOsEdition]),
    ("aad-login-residue.vhdx.xz", &[RuleId::EntraJoined]),
    ("too-large.vhdx.xz", &[RuleId::OsDiskTooLarge]),
    ("bitlocker.vhdx.xz", &[RuleId::ImageUnreadable]),
    ("corrupt-gpt.vhdx.xz", &[RuleId::ImageUnreadable]),
    ("bcd-foreign-device.vhdx.xz", &[RuleId::BcdDeviceNotOnDisk]),
    ("missing-loader.vhdx.xz", &[RuleId::BootFilesMissing]),
    ("unsigned-bootmgr.vhdx.xz", &[RuleId::BootManagerNotTrusted]),
    ("testsigning.vhdx.xz", &[RuleId::BootSigningOrDebugEnabled]),
    ("storvsc-disabled.vhdx.xz", &[RuleId::BootDriverDisabled]),
    ("vmbus-absent.vhdx.xz", &[RuleId::BootDriverAbsent]),
    ("netvsc-disabled.vhdx.xz", &[RuleId::NetvscDisabled]),
    ("arch-mismatch.vhdx.xz", &[RuleId::ArchitectureNotAccepted]),
    // Issue 14 (clean state, refused software, reachability).
    ("pending-reboot.vhdx.xz", &[RuleId::PendingServicing]),
    ("hibernated.vhdx.xz", &[RuleId::Hibernated]),
    ("volume-dirty.vhdx.xz", &[RuleId::VolumeDirty]),
    ("sysprep-appx-failure.vhdx.xz", &[RuleId::NotGeneralized]),
    ("sysprep-no-vm-mode.vhdx.xz", &[]),
    ("fslogix.vhdx.xz", &[RuleId::FslogixInstalled]),
    ("avd-agent.vhdx.xz", &[RuleId::AvdAgentInstalled]),
    ("configmgr.vhdx.xz", &[RuleId::ConfigMgrClient]),
    ("uwf.vhdx.xz", &[RuleId::UwfEnabled]),
    ("rdp-disabled.vhdx.xz", &[RuleId::RdpDisabled]),
    ("maintenance-tasks.vhdx.xz", &[]),
    ("drive-letters.vhdx.xz", &[]),
];

/// The issue-14 fixtures and the rule each one is built for, judged in every profile: the rule
/// fires wherever its level is not `allowed`, and no other rule does.
const PROVISION_MATRIX: &[(&str, Option<RuleId>)] = &[
    ("gold.vhdx.xz", None),
    ("pending-reboot.vhdx.xz", Some(RuleId::PendingServicing)),
    ("hibernated.vhdx.xz", Some(RuleId::Hibernated)),
    ("volume-dirty.vhdx.xz", Some(RuleId::VolumeDirty)),
    ("sysprep-appx-failure.vhdx.xz", Some(RuleId::NotGeneralized)),
    ("sysprep-no-vm-mode.vhdx.xz", Some(RuleId::SysprepNotVmMode)),
    ("fslogix.vhdx.xz", Some(RuleId::FslogixInstalled)),
    ("avd-agent.vhdx.xz", Some(RuleId::AvdAgentInstalled)),
    ("configmgr.vhdx.xz", Some(RuleId::ConfigMgrClient)),
    ("uwf.vhdx.xz", Some(RuleId::UwfEnabled)),
    ("rdp-disabled.vhdx.xz", Some(RuleId::RdpDisabled)),
    (
        "maintenance-tasks.vhdx.xz",
        Some(RuleId::MaintenanceTasksEnabled),
    ),
];

fn image(name: &str) -> String {
    testdata_file(&format!("images/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json", "--as-of", AS_OF];
    all.extend_from_slice(args);
    let out = vhdlint(&all);
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), doc)
}

fn rules(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .filter(|r| r != RuleId::NotUploadReadyVhd.as_str())
        .collect()
}

#[test]
fn each_rule_fires_on_its_image_and_on_no_other() {
    let paths: Vec<String> = MATRIX.iter().map(|(n, _)| image(n)).collect();
    let mut args: Vec<&str> = vec!["check", "--format", "jsonl", "--as-of", AS_OF];
    args.extend(paths.iter().map(String::as_str));
    let out = vhdlint(&args);
    assert_eq!(out.status.code(), Some(1), "some images fail");
    let docs: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), MATRIX.len(), "one line per image, in order");
    for ((name, expected), (doc, path)) in MATRIX.iter().zip(docs.iter().zip(&paths)) {
        assert_eq!(doc["image"], path.as_str());
        let expected: BTreeSet<String> = expected.iter().map(|r| r.as_str().to_owned()).collect();
        assert_eq!(rules(doc), expected, "{name}");
        let errors = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error");
        assert_eq!(doc["passed"], !errors, "{name}");
        assert_eq!(
            doc["cloudPcDeviceImage"]["status"],
            if errors { "failed" } else { "ready" },
            "{name}"
        );
    }
}

/// The boot-chain rules (VL08xx) in every profile: each fires on its image (wherever its level
/// is not `allowed`) and on no other image of the matrix. (Other rules' sets differ by profile
/// beyond their levels, e.g. Dev Box's higher minimum version; the windows365 test above
/// covers them.)
#[test]
fn boot_chain_rules_fire_on_their_image_in_every_profile() {
    let paths: Vec<String> = MATRIX.iter().map(|(n, _)| image(n)).collect();
    for profile in vhdlint_policy::Profile::ALL {
        let mut args: Vec<&str> = vec!["check", "--format", "jsonl", "--as-of", AS_OF];
        let p = profile.as_str();
        args.extend(["--profile", p]);
        args.extend(paths.iter().map(String::as_str));
        let out = vhdlint(&args);
        let docs: Vec<Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(docs.len(), MATRIX.len(), "{p}: one line per image");
        for ((name, expected), doc) in MATRIX.iter().zip(&docs) {
            let boot_chain = |r: &str| r.starts_with("VL08");
            let expected: BTreeSet<String> = expected
                .iter()
                .filter(|r| r.rule().level(profile) != vhdlint_policy::Level::Allowed)
                .map(|r| r.as_str().to_owned())
                .filter(|r| boot_chain(r))
                .collect();
            let fired: BTreeSet<String> =
                rules(doc).into_iter().filter(|r| boot_chain(r)).collect();
            assert_eq!(fired, expected, "{name} in {p}");
        }
    }
}

#[test]
fn good_images_pass_in_every_container_format() {
    for name in [
        "gold.vhdx.xz",
        "gold.raw.xz",
        "gold-fixed.vhd.xz",
        "gold-dynamic.vhd.xz",
    ] {
        let (code, doc) = check_json(&[&image(name)]);
        assert_eq!(code, 0, "{name}: {doc}");
        assert_eq!(doc["passed"], true);
        let g = &doc["cloudPcDeviceImage"];
        assert_eq!(g["@odata.type"], "#microsoft.graph.cloudPcDeviceImage");
        assert_eq!(g["operatingSystem"], "Windows 11 Enterprise");
        assert_eq!(g["osBuildNumber"], "23H2");
        assert_eq!(g["osVersionNumber"], "10.0.22631.4460");
        assert_eq!(g["osStatus"], "supported");
        assert_eq!(g["status"], "ready");
        assert_eq!(g["errorCode"], Value::Null);
        assert_eq!(g["sizeInGB"], 1);
        let w = &doc["facts"]["windows"];
        assert_eq!(w["generalized"]["value"], true, "{name}");
        assert_eq!(w["computerName"]["value"], "VHDLINT-GOLD");
        assert_eq!(w["controlSet"]["value"], "ControlSet001");
    }
    for (name, os, label) in [
        ("win10-22h2.vhdx.xz", "Windows 10 Enterprise", "22H2"),
        ("win11-24h2.vhdx.xz", "Windows 11 Enterprise", "24H2"),
    ] {
        let (code, doc) = check_json(&[&image(name)]);
        assert_eq!(code, 0, "{name}");
        assert_eq!(doc["cloudPcDeviceImage"]["operatingSystem"], os);
        assert_eq!(doc["cloudPcDeviceImage"]["osBuildNumber"], label);
    }
    // Only the fixed VHD is upload-ready: the others carry the VL0102 warning, which --strict fails.
    let (_, fixed) = check_json(&[&image("gold-fixed.vhd.xz")]);
    assert_eq!(fixed["findings"].as_array().unwrap().len(), 0);
    let (code, _) = check_json(&["--strict", &image("gold.vhdx.xz")]);
    assert_eq!(code, 1);
    let (code, _) = check_json(&["--strict", &image("gold-fixed.vhd.xz")]);
    assert_eq!(code, 0);
}

#[test]
fn error_codes_are_graph_spellings_and_profiles_change_severity() {
    let (_, aad) = check_json(&[&image("aad-joined.vhdx.xz")]);
    assert_eq!(
        aad["cloudPcDeviceImage"]["errorCode"],
        "vmAlreadyAzureAdjoined"
    );
    let (_, ng) = check_json(&[&image("not-generalized.vhdx.xz")]);
    assert_eq!(
        ng["cloudPcDeviceImage"]["errorCode"],
        "sourceImageNotGeneralized"
    );
    let finding = ng["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "VL0401")
        .unwrap();
    // Most severe first: the error comes before the warnings.
    assert_eq!(ng["findings"][0]["rule"], "VL0401");
    assert!(!finding["evidence"].as_array().unwrap().is_empty());
    assert!(finding["remediation"].as_str().unwrap().contains("sysprep"));

    // AVD allows multi-session and takes Gen1 as information only.
    let (code, _) = check_json(&["--profile", "avd", &image("multi-session.vhdx.xz")]);
    assert_eq!(code, 0);
    let (code, gen1) = check_json(&["--profile", "avd", &image("gen1-mbr.vhdx.xz")]);
    assert_eq!(code, 0);
    let vl0201 = gen1["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == RuleId::Generation1.as_str())
        .unwrap();
    assert_eq!(vl0201["severity"], "info");
    // Dev Box warns on reserved storage; Windows 365 only informs.
    let (_, w365) = check_json(&[&image("reserved-storage.vhdx.xz")]);
    let (_, devbox) = check_json(&["--profile", "devbox", &image("reserved-storage.vhdx.xz")]);
    let sev = |d: &Value| {
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == RuleId::ReservedStorageEnabled.as_str())
            .unwrap()["severity"]
            .clone()
    };
    assert_eq!(sev(&w365), "info");
    assert_eq!(sev(&devbox), "warning");
}

#[test]
fn end_of_servicing_follows_the_as_of_date() {
    let gold = image("gold.vhdx.xz");
    let out = vhdlint(&["check", "--format", "json", "--as-of", "2027-01-01", &gold]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["cloudPcDeviceImage"]["osStatus"],
        "supportedWithWarning"
    );
    assert!(rules(&doc).contains(RuleId::EndOfServicing.as_str()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning does not fail the image"
    );
}

#[test]
fn corrupt_and_missing_images_get_distinct_exit_codes() {
    let dir = vhdlint_testkit::scratch_dir("cli-check-corrupt");
    let gold = std::fs::read(image("gold.vhdx.xz")).unwrap();
    let cut = dir.join("cut.vhdx");
    std::fs::write(&cut, &gold[..300 * 1024]).unwrap();
    let (code, doc) = check_json(&[cut.to_str().unwrap()]);
    assert_eq!(code, 1, "a corrupt image is a failed image");
    assert_eq!(doc["cloudPcDeviceImage"]["errorCode"], "sourceImageInvalid");
    assert!(rules(&doc).contains(RuleId::ImageUnreadable.as_str()));
    let out = vhdlint(&["check", "/nonexistent.vhdx"]);
    assert_eq!(out.status.code(), Some(2));
    let out = vhdlint(&["check", "--as-of", "yesterday", &image("gold.vhdx.xz")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_reads_kilobytes_not_the_image_and_prints_text() {
    let gold = image("gold.vhdx.xz");
    let (_, doc) = check_json(&["--stats", &gold]);
    let bytes = doc["stats"]["bytes"].as_u64().unwrap();
    assert!(bytes < 2 << 20, "a check read {bytes} bytes");
    let out = vhdlint(&["check", "--as-of", AS_OF, &image("not-generalized.vhdx.xz")]);
    let text = stdout(&out);
    assert!(
        text.contains("FAIL")
            && text.contains(RuleId::NotGeneralized.as_str())
            && text.contains("evidence:"),
        "{text}"
    );
}

/// Issue 14's constraint: with the boot chain read (PE headers, the boot manager's certificate
/// table, not whole files), a check of any matrix image reads at most 1 MiB.
#[test]
fn a_check_of_any_matrix_image_reads_at_most_one_mib() {
    for (name, _) in MATRIX {
        let (_, doc) = check_json(&["--stats", &image(name)]);
        let bytes = doc["stats"]["bytes"].as_u64().unwrap();
        assert!(bytes <= 1 << 20, "{name}: a check read {bytes} bytes");
    }
}

#[test]
fn rules_lists_the_registry_with_profiles_and_graph_codes() {
    let out = vhdlint(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "ids are unique");
    let ng = rules
        .iter()
        .find(|r| r["name"] == "not-generalized")
        .unwrap();
    assert_eq!(ng["graphCode"], "sourceImageNotGeneralized");
    let ms = rules.iter().find(|r| r["name"] == "multi-session").unwrap();
    assert_eq!(ms["levels"]["avd"], "allowed");
    assert_eq!(ms["levels"]["windows365"], "error");
    let text = stdout(&vhdlint(&["rules"]));
    assert!(
        text.contains(RuleId::EntraJoined.as_str()) && text.contains("vmAlreadyAzureAdjoined"),
        "{text}"
    ); // Every rule once in each listing; the Markdown is the README's table (checked there).
    let markdown = vhdlint(&["rules", "--format", "markdown"]);
    assert_eq!(markdown.status.code(), Some(0));
    assert_eq!(stdout(&markdown), vhdlint_report::rules::markdown());
    assert_eq!(rules.len(), vhdlint_policy::RULES.len());
    for id in RuleId::ALL {
        assert!(
            ids.contains(id.as_str()),
            "{id} missing from rules --format json"
        );
        assert_eq!(text.matches(id.as_str()).count(), 1, "{id} in rules");
    }
}

#[test]
fn provisioning_rules_fire_on_their_images_in_every_profile() {
    let paths: Vec<String> = PROVISION_MATRIX.iter().map(|(n, _)| image(n)).collect();
    for profile in ["windows365", "devbox", "avd"] {
        let p: vhdlint_policy::Profile = profile.parse().unwrap();
        let mut args: Vec<&str> = vec![
            "check",
            "--format",
            "jsonl",
            "--as-of",
            AS_OF,
            "--profile",
            profile,
        ];
        args.extend(paths.iter().map(String::as_str));
        let out = vhdlint(&args);
        let docs: Vec<Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(docs.len(), PROVISION_MATRIX.len());
        for ((name, rule), doc) in PROVISION_MATRIX.iter().zip(&docs) {
            let expected: BTreeSet<String> = rule
                .iter()
                .filter(|r| r.rule().level(p) != vhdlint_policy::Level::Allowed)
                .map(|r| r.as_str().to_owned())
                .collect();
            assert_eq!(rules(doc), expected, "{name} in {profile}");
        }
    }
}

#[test]
fn a_failed_sysprep_names_the_appx_package_and_its_fix() {
    let (_, doc) = check_json(&[&image("sysprep-appx-failure.vhdx.xz")]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == RuleId::NotGeneralized.as_str())
        .unwrap();
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("NotepadPlusPlus_1.0.0.0_neutral__7njy0v32s6xk6")
            && message.contains("Remove-AppxPackage")
            && message.contains("failed"),
        "{message}"
    );
    let s = &doc["facts"]["windows"]["provision"]["sysprep"];
    assert_eq!(s["value"]["outcome"], "failed");
    assert_eq!(
        s["value"]["appxPackage"],
        "NotepadPlusPlus_1.0.0.0_neutral__7njy0v32s6xk6"
    );
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| e["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("setupact.log"))
        && e["detail"]
            .as_str()
            .is_some_and(|d| d.contains("NotepadPlusPlus"))));
    // The gold image's log records a /mode:vm generalize; not-generalized was booted again
    // after that run.
    let (_, gold) = check_json(&[&image("gold.vhdx.xz")]);
    let s = &gold["facts"]["windows"]["provision"]["sysprep"]["value"];
    assert_eq!(
        (s["outcome"].as_str(), s["vmMode"].as_bool()),
        (Some("generalized"), Some(true))
    );
    let (_, ng) = check_json(&[&image("not-generalized.vhdx.xz")]);
    let s = &ng["facts"]["windows"]["provision"]["sysprep"]["value"];
    assert_eq!(s["outcome"], "generalizedThenBootedAgain");
}

#[test]
fn provisioning_facts_name_what_they_read() {
    let (_, gold) = check_json(&[&image("gold.vhdx.xz")]);
    let p = &gold["facts"]["windows"]["provision"];
    assert_eq!(p["volumeDirty"]["value"], false);
    assert!(p["volumeDirty"]["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("VOLUME_IS_DIRTY 0x0001 clear"));
    assert_eq!(p["rdpDenied"]["value"], false);
    assert_eq!(p["rdpPort"]["value"], 3389);
    assert_eq!(p["sanPolicy"]["value"], 1);
    assert_eq!(p["realTimeIsUniversal"]["value"], 1);
    assert_eq!(p["firewallProfilesOff"]["value"], serde_json::json!([]));
    assert_eq!(p["startMenuApps"]["value"], 0);
    assert_eq!(p["startMenuCapped"], false);
    // Absence is evidence too: the places looked at are named.
    let pending = p["pendingServicing"]["evidence"].to_string();
    assert!(pending.contains("PendingFileRenameOperations") && pending.contains("pending.xml"));
    let (_, tasks) = check_json(&["--profile", "devbox", &image("maintenance-tasks.vhdx.xz")]);
    let t = &tasks["facts"]["windows"]["provision"]["maintenanceTasksEnabled"]["value"];
    assert_eq!(t.as_array().unwrap().len(), 2, "{t}");
}
