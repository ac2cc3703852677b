//! One vocabulary across commands (issue 13 item 5): Windows-style paths inside an image with
//! single backslashes, `--stats` on stderr with one wording, exit 2 naming the image for a
//! missing hive, file or partition, the MSR named as such, drive letters resolved or refused.

use crate::{stdout, vhdlint};
use vhdlint_testkit::testdata_file;

fn gold() -> String {
    testdata_file("images/gold.vhdx.xz").display().to_string()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn stats_go_to_stderr_with_one_wording() {
    let img = gold();
    for cmd in ["check", "inspect"] {
        let out = vhdlint(&[cmd, "--stats", &img]);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("vhdlint: stats: {img}: ")) && err.contains(" reads, "),
            "{cmd}: {err}"
        );
        assert!(!stdout(&out).contains(" reads"), "{cmd} stats on stdout");
    }
}

#[test]
fn missing_hive_file_and_partition_exit_2_naming_the_image_in_windows_style() {
    let img = gold();
    // Gold has SYSTEM, SOFTWARE, SECURITY and SAM but no DEFAULT hive.
    let out = vhdlint(&["reg", &img, r"HKU\.DEFAULT"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&img) && err.contains(r"\Windows\System32\config\DEFAULT not found"),
        "{err}"
    );
    assert!(!err.contains("Windows/") && !err.contains(r"\\"), "{err}");

    let out = vhdlint(&["cat", &img, r"\Windows\nope.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&img) && err.contains(r"\Windows\nope.txt not found"),
        "{err}"
    );
    assert!(!err.contains(r"\\"), "{err}");

    let out = vhdlint(&["reg", &img]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a KEY"), "{}", stderr(&out));

    let out = vhdlint(&["ls", "--partition", "9", &img]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no partition 9"), "{}", stderr(&out));
}

#[test]
fn the_msr_is_named_not_missing() {
    let out = vhdlint(&["ls", "--partition", "2", &gold()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("partition 2 is the Microsoft Reserved partition")
            && err.contains("no file system"),
        "{err}"
    );
    assert!(!err.contains("no partition 2"), "{err}");
}

#[test]
fn drive_letters_are_resolved_or_refused_never_ignored() {
    let img = gold();
    // The fixture's SYSTEM has no MountedDevices: C: is the Windows volume, D: is refused.
    let c = vhdlint(&["ls", &img, r"C:\Windows"]);
    assert_eq!(c.status.code(), Some(0), "{}", stderr(&c));
    assert!(stdout(&c).contains("System32/"));
    let d = vhdlint(&["ls", &img, r"D:\Windows"]);
    assert_eq!(d.status.code(), Some(2));
    let err = stderr(&d);
    assert!(
        err.contains(&img) && err.contains(r"drive D: is not assigned"),
        "{err}"
    );
    assert!(stdout(&d).is_empty(), "D: must not list C:");
    let both = vhdlint(&["ls", "--partition", "1", &img, r"C:\"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("not partition 1"),
        "{}",
        stderr(&both)
    );
}

#[test]
fn drive_letters_follow_the_images_mounted_devices() {
    // drive-letters.vhdx: MountedDevices written by hivexregedit as Windows writes it on GPT
    // (testdata/images/overrides/drive-letters.system.reg): C: the Windows partition, E: the
    // ESP, F: a partition of another disk, D: a CD-ROM.
    let img = testdata_file("images/drive-letters.vhdx.xz");
    let img = img.to_str().unwrap();
    let e = vhdlint(&["ls", img, r"E:\EFI\Microsoft\Boot"]);
    assert_eq!(e.status.code(), Some(0), "{}", stderr(&e));
    assert!(stdout(&e).contains("BCD"), "E: is the ESP: {}", stdout(&e));
    let bcd = vhdlint(&["cat", img, r"E:\EFI\Microsoft\Boot\BCD"]);
    assert_eq!(bcd.status.code(), Some(0), "{}", stderr(&bcd));
    assert_eq!(&bcd.stdout[..4], b"regf", "E: reads the ESP's BCD hive");
    let c = vhdlint(&["ls", img, r"C:\Windows"]);
    assert_eq!(c.status.code(), Some(0), "{}", stderr(&c));
    assert!(stdout(&c).contains("System32/"));
    // The same letter with the partition it names is fine; with another one it is refused.
    let agree = vhdlint(&["ls", "--partition", "1", img, r"E:\"]);
    assert_eq!(agree.status.code(), Some(0), "{}", stderr(&agree));
    let clash = vhdlint(&["ls", "--partition", "3", img, r"E:\"]);
    assert_eq!(clash.status.code(), Some(2));
    assert!(
        stderr(&clash).contains("not partition 3"),
        "{}",
        stderr(&clash)
    );
    for (path, words) in [
        (
            r"F:\",
            "drive F: is GPT partition 76686C74-0000-4000-8000-000000000099",
        ),
        (r"D:\", "drive D: is not a partition"),
        (r"G:\", "drive G: is not assigned"),
    ] {
        let out = vhdlint(&["ls", img, path]);
        assert_eq!(out.status.code(), Some(2), "{path}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(img) && err.contains(words), "{path}: {err}");
        assert!(stdout(&out).is_empty(), "{path}: nothing listed");
    }
}

#[test]
fn raw_container_evidence_is_neither_repeated_nor_garbled() {
    let raw = testdata_file("images/gold.raw.xz");
    let out = vhdlint(&["check", raw.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(!text.contains("raw images are fixed"), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("evidence: container"))
        .collect();
    let mut unique = lines.clone();
    unique.dedup();
    assert_eq!(lines, unique, "{text}");
    assert!(text.contains("container diskType = fixed"), "{text}");
}

#[test]
fn bcd_path_is_windows_style_beside_the_deprecated_slash_form() {
    let out = vhdlint(&["inspect", "--format", "json", &gold()]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["bcd"]["volumePath"], r"\EFI\Microsoft\Boot\BCD");
    assert_eq!(doc["bcd"]["path"], "EFI/Microsoft/Boot/BCD");
}
