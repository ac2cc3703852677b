//! Every corpus VHD (`../shared/corpus/vhd/`, MANIFEST.md `## vhd/`): detected as VHD, sized by
//! CurrentSize, CHS size reported, and the virtual disk's BLAKE3 equal to that of the raw disk
//! `qemu-img convert --image-opts driver=vpc,force_size_calc=current_size,file.filename=X -O raw`
//! produces (qemu-img 10.0.2; hashes recorded below, re-checked live when qemu-img is present).

// Test helpers outside #[test] fns: a panic is a failing test, never a hostile input.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use vhdlint_container::{
    detect, hash::hash_virtual, open, DiskType, FileSource, Format, Guid, ReadAt,
};

struct Case {
    rel: &'static str,
    creator: &'static str,
    disk_type: DiskType,
    current_size: u64,
    chs: (u64, u64, u64),
    block_size: Option<u32>,
    /// BLAKE3 of qemu-img's raw output.
    blake3: &'static str,
}

/// 127 GiB of zeros (both 127 GiB images hold no data).
const ZEROS_127G: &str = "cbeaac76163b43397591cca026f04dc36fc4c78e7805c16cda29a9ebec3bf076";

const HYPERV: Case = Case {
    rel: "vhd/qemu/hyperv2012r2-dynamic.vhd.bz2",
    creator: "win ",
    disk_type: DiskType::Dynamic,
    current_size: 136_365_211_648,
    chs: (65278, 16, 255),
    block_size: Some(2 << 20),
    blake3: ZEROS_127G,
};
const VIRTUALPC: Case = Case {
    rel: "vhd/qemu/virtualpc-dynamic.vhd.bz2",
    creator: "vpc ",
    disk_type: DiskType::Dynamic,
    current_size: 136_365_211_648,
    chs: (65278, 16, 255),
    block_size: Some(2 << 20),
    blake3: ZEROS_127G,
};
const D2V: Case = Case {
    rel: "vhd/qemu/d2v-zerofilled.vhd.bz2",
    creator: "d2v",
    disk_type: DiskType::Dynamic,
    current_size: 263_454_720,
    chs: (65535, 16, 255),
    block_size: Some(2 << 20),
    blake3: "0b2a1e1b41b7664446690f5ba184df92d3e4d3f39f7762fbd15a0fb6aeb5b4ae",
};
const FIXED: Case = Case {
    rel: "vhd/dissect.hypervisor/fixed.vhd.gz",
    creator: "win ",
    disk_type: DiskType::Fixed,
    current_size: 10_485_760,
    chs: (301, 4, 17),
    block_size: None,
    blake3: "11e4abfbd6f42312721069f0849840ff715eb8d6972f1b7aaf6dc9b2c22f70e4",
};
const DYNAMIC: Case = Case {
    rel: "vhd/dissect.hypervisor/dynamic.vhd.gz",
    creator: "win ",
    disk_type: DiskType::Dynamic,
    current_size: 10_485_760,
    chs: (301, 4, 17),
    block_size: Some(2 << 20),
    blake3: "e1b4968a21f7ed7fc660281be81857e80ac4b8d2ea4b5dd0c71c30f1226f6cd0",
};

/// Opens the case, checks its info and hash; returns the container for further checks.
fn check(case: &Case) -> Option<vhdlint_container::Container> {
    let path = vhdlint_testkit::corpus_file(case.rel)?;
    let src = FileSource::open(&path).unwrap();
    assert_eq!(detect(&src).unwrap(), Format::Vhd, "{}", case.rel);
    let c = open(&path).unwrap();
    let info = c.info();
    assert_eq!(info.format, Format::Vhd, "{}", case.rel);
    assert_eq!(info.disk_type, case.disk_type, "{}", case.rel);
    assert_eq!(info.virtual_size, case.current_size, "{}", case.rel);
    assert_eq!(c.len(), case.current_size);
    assert_eq!(info.file_size, src.len());
    assert_eq!(info.block_size, case.block_size, "{}", case.rel);
    assert_eq!(info.creator.as_deref(), Some(case.creator), "{}", case.rel);
    let (cy, h, s) = case.chs;
    let chs = cy * h * s * 512;
    assert_eq!(info.chs_size, Some(chs), "{}", case.rel);
    // Every corpus image's CHS size differs from CurrentSize (MANIFEST: the size ambiguity).
    assert_ne!(chs, case.current_size);
    let mismatch: Vec<_> = info
        .diagnostics
        .iter()
        .filter(|d| d.code == "vhdChsSizeMismatch")
        .collect();
    assert_eq!(mismatch.len(), 1, "{}: {:?}", case.rel, info.diagnostics);
    assert!(mismatch[0].message.contains(&case.current_size.to_string()));
    assert!(mismatch[0].message.contains(&chs.to_string()));
    assert_eq!(
        info.diagnostics.len(),
        1,
        "{}: {:?}",
        case.rel,
        info.diagnostics
    );
    assert!(info.parent.is_none());
    assert!(!info.log_replayed);
    // The identity is the footer's UniqueId (at end − 512 + 68).
    let mut uid = [0u8; 16];
    src.read_at(src.len() - 512 + 68, &mut uid).unwrap();
    assert_eq!(info.identity, Some(Guid(uid)));

    let got = hash_virtual(&c).unwrap();
    assert_eq!(got.to_hex().as_str(), case.blake3, "{}", case.rel);
    if let Some(qemu) = vhdlint_testkit::qemu_img() {
        if case.current_size <= 1 << 30 {
            assert_eq!(
                got,
                qemu_raw_hash(&qemu, &path, case.rel),
                "{} live",
                case.rel
            );
        }
    }
    Some(c)
}

/// BLAKE3 of qemu-img's raw conversion, made now.
fn qemu_raw_hash(qemu: &Path, vhd: &Path, rel: &str) -> blake3::Hash {
    let dir = vhdlint_testkit::scratch_dir(&format!("vhd-corpus-{}", rel.replace('/', "_")));
    let raw = dir.join("out.raw");
    let status = std::process::Command::new(qemu)
        .arg("convert")
        .arg("--image-opts")
        .arg(format!(
            "driver=vpc,force_size_calc=current_size,file.filename={}",
            vhd.display()
        ))
        .args(["-O", "raw"])
        .arg(&raw)
        .status()
        .unwrap();
    assert!(status.success());
    let h = vhdlint_container::hash::hash_file(&raw).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    h
}

#[test]
fn fixed_vhd_from_windows() {
    let Some(c) = check(&FIXED) else { return };
    // qemu's probe calls it raw; the footer is not part of the disk.
    assert_eq!(c.info().file_size, 10_486_272);
    let mut mbr = [0u8; 512];
    c.read_at(0, &mut mbr).unwrap();
    assert_eq!(&mbr[510..], &[0x55, 0xAA]);
}

#[test]
fn dynamic_vhd_from_windows() {
    let Some(c) = check(&DYNAMIC) else { return };
    let mut mbr = [0u8; 512];
    c.read_at(0, &mut mbr).unwrap();
    assert_eq!(&mbr[510..], &[0x55, 0xAA]);
    // The NTFS boot sector at LBA 128 (MANIFEST).
    let mut vbr = [0u8; 512];
    c.read_at(128 * 512, &mut vbr).unwrap();
    assert_eq!(&vbr[3..11], b"NTFS    ");
}

#[test]
fn disk2vhd_zero_filled() {
    check(&D2V);
}

#[test]
fn hyperv_2012r2_127gib_reads_no_absent_block() {
    let Some(c) = check(&HYPERV) else { return };
    // Hashing 127 GiB read only BAT pages and headers from the file, no block.
    let stats = c.file_stats();
    assert!(stats.bytes < 1 << 20, "{stats:?}");
}

#[test]
fn virtual_pc_127gib_uses_current_size() {
    let Some(c) = check(&VIRTUALPC) else { return };
    assert!(c.file_stats().bytes < 1 << 20, "{:?}", c.file_stats());
}
