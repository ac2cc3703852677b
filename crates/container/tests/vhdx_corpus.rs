//! VHDX reader against the shared corpus: facts from MANIFEST.md and byte-exact agreement with
//! `qemu-img convert -f vhdx -O raw`.

// Test code: panicking on a broken expectation is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use vhdlint_container::hash::{hash_file, hash_virtual};
use vhdlint_container::{open, ContainerError, DiskType, Format, ReadAt};

fn corpus(rel: &str) -> Option<PathBuf> {
    vhdlint_testkit::corpus_file(rel)
}

fn qemu_img() -> PathBuf {
    vhdlint_testkit::qemu_img().expect("qemu-img must be installed for the VHDX corpus tests")
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run qemu-img");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// BLAKE3 of what `qemu-img convert -f vhdx -O raw` makes of `image`.
fn qemu_raw_hash(image: &Path, scratch: &str) -> blake3::Hash {
    let dir = vhdlint_testkit::scratch_dir(scratch);
    let raw = dir.join("out.raw");
    run(Command::new(qemu_img())
        .args(["convert", "-f", "vhdx", "-O", "raw"])
        .arg(image)
        .arg(&raw));
    let h = hash_file(&raw).expect("hash raw");
    std::fs::remove_dir_all(&dir).ok();
    h
}

struct Expect {
    rel: &'static str,
    virtual_size: u64,
    block_size: u32,
    logical: u32,
    physical: u32,
    disk_type: DiskType,
    creator: &'static str,
}

fn check_against_qemu(e: &Expect) {
    let Some(path) = corpus(e.rel) else { return };
    let c = open(&path).unwrap_or_else(|err| panic!("{}: {err}", e.rel));
    let info = c.info();
    assert_eq!(info.format, Format::Vhdx);
    assert_eq!(info.virtual_size, e.virtual_size, "{}", e.rel);
    assert_eq!(info.block_size, Some(e.block_size), "{}", e.rel);
    assert_eq!(info.logical_sector_size, e.logical, "{}", e.rel);
    assert_eq!(info.physical_sector_size, e.physical, "{}", e.rel);
    assert_eq!(info.disk_type, e.disk_type, "{}", e.rel);
    assert_eq!(info.creator.as_deref(), Some(e.creator), "{}", e.rel);
    assert_eq!(info.file_size, std::fs::metadata(&path).unwrap().len());
    assert!(!info.log_replayed);
    assert!(info.identity.is_some_and(|g| !g.is_zero()));
    assert!(info.parent.is_none());
    let ours = hash_virtual(&c).unwrap();
    let scratch = format!("vhdx-corpus-{}", e.rel.replace('/', "_"));
    assert_eq!(
        ours,
        qemu_raw_hash(&path, &scratch),
        "{}: virtual disk differs from qemu-img's",
        e.rel
    );
}

#[test]
fn qemu_dynamic_1g_matches_qemu() {
    check_against_qemu(&Expect {
        rel: "vhdx/qemu/iotest-dynamic-1G.vhdx.bz2",
        virtual_size: 1 << 30,
        block_size: 32 << 20,
        logical: 512,
        physical: 4096,
        disk_type: DiskType::Dynamic,
        creator: "Microsoft Windows 6.2.9200.16384",
    });
}

#[test]
fn dynamic_1g_data_pattern() {
    let Some(path) = corpus("vhdx/qemu/iotest-dynamic-1G.vhdx.bz2") else {
        return;
    };
    let c = open(&path).unwrap();
    let mut b = [0u8; 4096];
    for (off, val) in [
        (0u64, 0xa5u8),
        ((33 << 20) - 4096, 0xa5),
        (33 << 20, 0x96),
        ((66 << 20) - 4096, 0x96),
        (66 << 20, 0),
        ((1 << 30) - 4096, 0),
    ] {
        c.read_at(off, &mut b).unwrap();
        assert!(b.iter().all(|&x| x == val), "at {off:#x} expected {val:#x}");
    }
    // A read spanning the 32 MiB block boundary.
    let mut span = vec![0u8; 2 << 20];
    c.read_at((32 << 20) - (1 << 20), &mut span).unwrap();
    assert!(span.iter().all(|&x| x == 0xa5));
    // `check`-style opening reads little.
    assert!(c.file_stats().bytes < 64 << 20);
}

#[test]
fn disk2vhd_equal_sequence_numbers_open_and_match_qemu() {
    check_against_qemu(&Expect {
        rel: "vhdx/qemu/test-disk2vhd.vhdx.bz2",
        virtual_size: 256 << 20,
        block_size: 2 << 20,
        logical: 512,
        physical: 512,
        disk_type: DiskType::Dynamic,
        creator: "d2v",
    });
    let Some(path) = corpus("vhdx/qemu/test-disk2vhd.vhdx.bz2") else {
        return;
    };
    let c = open(&path).unwrap();
    assert!(
        c.info()
            .diagnostics
            .iter()
            .all(|d| d.code != "vhdxHeaderInvalid"),
        "{:?}",
        c.info().diagnostics
    );
    let mut mbr = [0u8; 512];
    c.read_at(0, &mut mbr).unwrap();
    assert_eq!(&mbr[510..], &[0x55, 0xaa]);
    assert_eq!(
        u32::from_le_bytes(mbr[440..444].try_into().unwrap()),
        0x192a32ad
    );
}

#[test]
fn dissect_fixed_matches_qemu() {
    check_against_qemu(&Expect {
        rel: "vhdx/dissect.hypervisor/fixed.vhdx.gz",
        virtual_size: 10 << 20,
        block_size: 2 << 20,
        logical: 512,
        physical: 4096,
        disk_type: DiskType::Fixed,
        creator: "Microsoft Windows 10.0.18363.0",
    });
}

#[test]
fn dissect_dynamic_matches_qemu() {
    check_against_qemu(&Expect {
        rel: "vhdx/dissect.hypervisor/dynamic.vhdx.gz",
        virtual_size: 10 << 20,
        block_size: 32 << 20,
        logical: 512,
        physical: 4096,
        disk_type: DiskType::Dynamic,
        creator: "Microsoft Windows 10.0.18363.0",
    });
}

#[test]
fn dirty_log_is_replayed_in_memory_and_matches_qemu_repair() {
    let rel = "vhdx/qemu/iotest-dirtylog-10G-4M.vhdx.bz2";
    let Some(path) = corpus(rel) else { return };
    let before = hash_file(&path).unwrap();
    let len_before = std::fs::metadata(&path).unwrap().len();

    let c = open(&path).unwrap();
    let info = c.info().clone();
    assert!(info.log_replayed);
    assert!(
        info.diagnostics.iter().any(|d| d.code == "vhdxLogReplayed"),
        "{:?}",
        info.diagnostics
    );
    assert_eq!(info.virtual_size, 10 << 30);
    assert_eq!(info.block_size, Some(1 << 20));
    assert_eq!(
        (info.logical_sector_size, info.physical_sector_size),
        (512, 512)
    );
    assert_eq!(info.creator.as_deref(), Some("QEMU v1.6.50"));
    assert_eq!(info.disk_type, DiskType::Dynamic);
    let mut b = vec![0u8; 1 << 20];
    c.read_at(0, &mut b).unwrap();
    assert!(b.iter().all(|&x| x == 0xa5));
    c.read_at(17 << 20, &mut b).unwrap();
    assert!(b.iter().all(|&x| x == 0xa5));
    c.read_at(18 << 20, &mut b).unwrap();
    assert!(b.iter().all(|&x| x == 0));
    let ours = hash_virtual(&c).unwrap();
    drop(c);

    // qemu refuses the dirty image read-only: repair a scratch copy, then convert that.
    let dir = vhdlint_testkit::scratch_dir("vhdx-dirtylog-repair");
    let copy = dir.join("copy.vhdx");
    std::fs::copy(&path, &copy).unwrap();
    let out = Command::new(qemu_img())
        .args(["check", "-r", "all", "-f", "vhdx"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status
            .code()
            .is_some_and(|c| c == 0 || c == 1 || c == 3),
        "qemu-img check: {out:?}"
    );
    let theirs = qemu_raw_hash(&copy, "vhdx-dirtylog-convert");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        ours, theirs,
        "replayed virtual disk differs from qemu's repaired copy"
    );

    assert_eq!(
        hash_file(&path).unwrap(),
        before,
        "the original image was modified"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len_before);
}

#[test]
fn differencing_without_parent_names_the_relative_path() {
    let Some(path) = corpus("vhdx/dissect.hypervisor/differencing.avhdx.gz") else {
        return;
    };
    let err = open(&path).unwrap_err();
    let ContainerError::ParentNotFound { child, tried } = &err else {
        panic!("expected ParentNotFound, got {err:?}");
    };
    assert!(child.ends_with("differencing.avhdx"), "{child}");
    let expected = path
        .parent()
        .unwrap()
        .join("Generation 1_49C4BAF3-4B25-4406-8C4B-D39E65C32385.avhdx");
    assert!(
        tried.first().is_some_and(
            |t| t.starts_with(&expected.display().to_string()) && t.contains("relative_path")
        ),
        "{tried:?}"
    );
    assert!(err
        .to_string()
        .contains("Generation 1_49C4BAF3-4B25-4406-8C4B-D39E65C32385.avhdx"));
}
