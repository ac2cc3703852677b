//! Replays every committed fuzz input and crash reproducer (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the same entry points the fuzz targets call, so a plain
//! `cargo test` proves none of them panics any more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vhdlint_container::fuzzing::{exercise, Entry};

/// A fuzz target's name and the function it calls.
type Target = (&'static str, fn(&[u8]));

/// Every fuzz target.
const TARGETS: [Target; 21] = [
    ("container", |d| exercise(Entry::Detect, d)),
    ("vhd", |d| exercise(Entry::Vhd, d)),
    ("vhdx", |d| exercise(Entry::Vhdx, d)),
    ("volumes", vhdlint_volumes::fuzzing::exercise),
    ("filesystems", vhdlint_filesystems::fuzzing::exercise),
    ("registry_hive", vhdlint_registry::fuzzing::exercise_hive),
    (
        "registry_log",
        vhdlint_registry::fuzzing::exercise_log_replay,
    ),
    ("bcd", vhdlint_registry::fuzzing::exercise_bcd),
    ("pipeline", vhdlint::fuzzing::exercise_pipeline),
    ("unattend", vhdlint_gather::fuzzing::exercise_unattend),
    ("text", vhdlint_gather::fuzzing::exercise_text),
    ("state_ini", vhdlint_gather::fuzzing::exercise_state_ini),
    ("sid", vhdlint_gather::fuzzing::exercise_sid),
    ("sam", vhdlint_registry::fuzzing::exercise_sam),
    (
        "answer_file",
        vhdlint_artifacts::fuzzing::exercise_answer_file,
    ),
    ("bcd_device", vhdlint_registry::fuzzing::exercise_bcd_device),
    ("pe", vhdlint_artifacts::fuzzing::exercise_pe),
    (
        "authenticode",
        vhdlint_artifacts::fuzzing::exercise_authenticode,
    ),
    ("panther", vhdlint_artifacts::fuzzing::exercise_panther),
    ("task_xml", vhdlint_artifacts::fuzzing::exercise_task),
    ("hiberfil", vhdlint_artifacts::fuzzing::exercise_hiberfil),
];

#[test]
fn every_fuzz_target_has_an_entry_here() {
    let root = vhdlint_testkit::workspace_root().join("fuzz/fuzz_targets");
    let mut on_disk: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    on_disk.sort();
    let mut here: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    here.sort();
    assert_eq!(
        on_disk, here,
        "fuzz/fuzz_targets and this replay list must agree"
    );
}

/// A committed input's bytes; `.xz` reproducers (large disk images that are mostly zeros) are
/// decompressed.
fn input(path: &std::path::Path) -> Vec<u8> {
    if path.extension().is_some_and(|e| e == "xz") {
        let out = std::process::Command::new("xz")
            .arg("-dc")
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success(), "xz -dc {}", path.display());
        return out.stdout;
    }
    std::fs::read(path).unwrap()
}

#[test]
fn committed_fuzz_inputs_do_not_panic() {
    let fuzz = vhdlint_testkit::workspace_root().join("fuzz");
    let mut replayed = 0;
    for (target, run) in TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(files) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
                continue;
            };
            for f in files {
                let path = f.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy();
                if path.is_file() && !name.starts_with('.') && !name.ends_with(".md") {
                    run(&input(&path));
                    replayed += 1;
                }
            }
        }
    }
    println!("replayed {replayed} committed fuzz inputs");
}

#[test]
fn fixtures_go_through_every_entry_point_without_panicking() {
    // The committed fixtures are the fuzz seeds: every entry point must take each of them (and
    // each truncated to a few sizes) without a panic.
    let seeds = [
        "container/pattern-dynamic.vhdx.xz",
        "container/pattern-dynamic.vhd.xz",
        "filesystems/ntfs-3g.img.xz",
        "filesystems/esp-fat32.img.xz",
        "volumes/gpt-windows.img.xz",
        "hives/fixture.hive.xz",
        "hives/bcd-fixture.hive.xz",
        "images/stale-unattend.xml",
        "authenticode/selfsigned-sbsign.p7",
        "authenticode/chain-osslsigncode.p7",
        "artifacts/setupact-appx.log",
        "artifacts/ScheduledDefrag.xml",
        "artifacts/hiberfil-header.bin",
    ];
    for seed in seeds {
        let bytes = std::fs::read(vhdlint_testkit::testdata_file(seed)).unwrap();
        for len in [bytes.len(), bytes.len() / 2, 70_000, 4096, 512, 0] {
            let cut = &bytes[..len.min(bytes.len())];
            for (_, run) in TARGETS {
                run(cut);
            }
        }
    }
}
