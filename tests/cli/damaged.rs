//! Container diagnostics become findings (issue 13 item 4): a broken VHD footer checksum, a
//! truncated copy, a `.vhd` without its footer, a VHDX cut short, a blank disk and an unformatted
//! partition each fail with the right words (fixtures: testdata/container/generate-damaged.sh).

use crate::{stdout, vhdlint};
use vhdlint_testkit::testdata_file;

/// `check --strict` text and the JSON findings' rule ids of a damaged fixture; exit code 1.
fn check(rel: &str) -> (String, Vec<String>, serde_json::Value) {
    let path = testdata_file(&format!("container/{rel}"));
    let p = path.to_str().unwrap();
    let text = vhdlint(&["check", "--strict", "--as-of", "2026-12-01", p]);
    assert_eq!(text.status.code(), Some(1), "{rel}: {}", stdout(&text));
    let json = vhdlint(&["check", "--format", "json", "--as-of", "2026-12-01", p]);
    assert_eq!(json.status.code(), Some(1), "{rel}");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let rules = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    (stdout(&text), rules, doc)
}

#[test]
fn a_fixed_vhd_with_a_broken_footer_checksum_is_an_error() {
    let (text, rules, doc) = check("damaged-badsum.vhd.xz");
    assert!(rules.contains(&"VL0104".to_owned()), "{rules:?}");
    assert!(
        text.contains("error   VL0104 vhd-footer-checksum [sourceImageInvalid]"),
        "{text}"
    );
    assert!(text.contains("footer checksum"), "{text}");
    assert_eq!(doc["status"], "failed");
    assert_eq!(doc["cloudPcDeviceImage"]["errorCode"], "sourceImageInvalid");
    // The text shows the diagnostic `inspect` shows.
    assert!(text.contains("diagnostic: vhdFooterChecksum:"), "{text}");
}

/// The `truncated` facts of a check document.
fn truncations(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["facts"]["container"]["truncated"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_copy_cut_to_10_mib_says_truncated_with_both_sizes() {
    let (text, rules, doc) = check("damaged-first10m.vhd.xz");
    assert!(rules.contains(&"VL0105".to_owned()), "{rules:?}");
    assert!(text.contains("image-truncated"), "{text}");
    let t = truncations(&doc);
    let full = 128u64 << 20;
    // The backup GPT header sits in the last sector of the 128 MiB disk; the footer after it.
    assert!(
        t.iter()
            .any(|t| t["expectedSize"] == full && t["actualSize"] == 10u64 << 20),
        "{t:?}"
    );
    assert!(
        t.iter()
            .any(|t| t["structure"] == "VHD footer" && t["expectedSize"] == full + 512),
        "{t:?}"
    );
    assert!(
        text.contains(&format!("needs {full} bytes, there are {}", 10u64 << 20)),
        "{text}"
    );
    // Not "no data partition": the partitions lie past the end.
    assert!(!text.contains("no data partition"), "{text}");
    assert!(text.contains("past the end"), "{text}");
}

#[test]
fn a_vhd_without_its_footer_is_truncated_not_a_passing_raw_disk() {
    let (text, rules, doc) = check("damaged-nofooter.vhd.xz");
    assert!(rules.contains(&"VL0105".to_owned()), "{rules:?}");
    assert_eq!(doc["status"], "failed");
    let t = truncations(&doc);
    let size = 128u64 << 20;
    assert!(
        t.iter().any(|t| t["structure"] == "VHD footer"
            && t["expectedSize"] == size + 512
            && t["actualSize"] == size),
        "{t:?}"
    );
    assert!(
        text.contains("truncated") && text.contains("512 bytes missing"),
        "{text}"
    );
}

#[test]
fn a_vhdx_whose_bat_points_past_the_end_is_truncated() {
    let (text, rules, doc) = check("damaged-cut.vhdx.xz");
    assert!(rules.contains(&"VL0105".to_owned()), "{rules:?}");
    let t = truncations(&doc);
    assert!(
        t.iter()
            .any(|t| t["structure"] == "VHDX block allocation table"
                && t["actualSize"] == 20u64 << 20
                && t["expectedSize"].as_u64().unwrap() > 20u64 << 20),
        "{t:?}"
    );
    assert!(
        text.contains("The image is truncated: VHDX block allocation table needs"),
        "{text}"
    );
}

#[test]
fn a_blank_disk_and_an_unformatted_partition_say_so_not_corrupt() {
    let (text, _, doc) = check("blank.raw.xz");
    assert!(text.contains("the disk is blank"), "{text}");
    assert!(!text.contains("corrupt"), "{text}");
    assert_eq!(doc["facts"]["problems"][0]["kind"], "blankDisk");

    let (text, _, doc) = check("unformatted.raw.xz");
    assert!(
        text.contains("partition 1 (basicData) is not formatted"),
        "{text}"
    );
    assert!(!text.contains("corrupt"), "{text}");
    assert!(doc["facts"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["kind"] == "unformatted"));
}

#[test]
fn a_foreign_format_is_a_fact_and_the_fix_is_its_conversion() {
    let path = testdata_file("foreign/disk.qcow2.xz");
    let out = vhdlint(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["facts"]["foreignFormat"]["value"]["id"], "qcow2");
    let fix = doc["findings"][0]["remediation"].as_str().unwrap();
    assert!(
        fix.contains("qemu-img convert -f qcow2 -O vpc -o subformat=fixed,force_size"),
        "{fix}"
    );
    assert!(!fix.contains("BitLocker"), "{fix}");
}

#[test]
fn a_good_image_has_no_truncation_and_one_fix_per_rule() {
    let path = testdata_file("container/damaged-first10m.vhd.xz");
    let out = vhdlint(&["check", path.to_str().unwrap()]);
    let text = stdout(&out);
    // VL0101 fires twice here and VL0105 twice; each rule's fix prints once.
    for rule in ["VL0101", "VL0105"] {
        let fix = text
            .lines()
            .skip_while(|l| !l.contains(rule))
            .find(|l| l.trim_start().starts_with("fix:"))
            .unwrap()
            .to_owned();
        assert_eq!(text.matches(fix.as_str()).count(), 1, "{rule}: {text}");
    }
    let gold = testdata_file("images/gold-fixed.vhd.xz");
    let out = vhdlint(&["check", "--format", "json", gold.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["facts"]["container"]["truncated"],
        serde_json::json!([])
    );
    assert!(!doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "VL0104" || f["rule"] == "VL0105"));
}
