//! VHD images from the test writer read back byte-exactly: fixed, dynamic with partial blocks,
//! differencing chains of 2 and 3, parent location, identity checks, loops, and qemu agreeing.

// Test helpers outside #[test] fns: a panic is a failing test, never a hostile input.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/vhd_writer.rs"]
mod vhd_writer;

use std::path::Path;
use std::sync::Arc;

use vhd_writer::{fixed, id, model, noise, Sparse, SECTOR};
use vhdlint_container::{
    hash::hash_virtual, open, open_source, ContainerError, DiskType, Format, Guid, NoParents,
    ReadAt,
};

const BLOCK: u32 = 4096;
const SPB: u64 = BLOCK as u64 / 512;

fn open_mem(img: Vec<u8>) -> vhdlint_container::Container {
    open_source(Arc::new(img), &mut NoParents).unwrap()
}

/// Reads `disk` whole and at unaligned ranges crossing blocks, comparing with `want`.
fn assert_reads(disk: &dyn ReadAt, want: &[u8]) {
    assert_eq!(disk.len(), want.len() as u64);
    let mut all = vec![0u8; want.len()];
    disk.read_at(0, &mut all).unwrap();
    assert!(all == want, "whole-disk read differs from the model");
    let len = want.len();
    for (i, (start, n)) in [
        (1usize, 1usize),
        (511, 2),
        (4095, 4098),
        (BLOCK as usize * 3 - 7, BLOCK as usize + 100),
        (len - 1, 1),
        (len - 3000, 3000),
        (100, len - 200),
    ]
    .into_iter()
    .enumerate()
    {
        let mut buf = vec![0u8; n];
        disk.read_at(start as u64, &mut buf).unwrap();
        assert!(buf == want[start..start + n], "range {i} at {start}+{n}");
    }
    let mut one = [0u8; 1];
    assert!(disk.read_at(len as u64, &mut one).is_err());
}

/// A disk with partially written blocks: mixed bitmap bits, runs of both kinds.
fn scribble(d: &mut Sparse, seed: u64) {
    let spb = u64::from(d.block_size) / 512;
    // Block 0: every other sector.
    for s in (0..spb).step_by(2) {
        d.write(s, &noise(seed + s, SECTOR));
    }
    // Block 2: a run in the middle.
    d.write(2 * spb + 3, &noise(seed ^ 0x55, 4 * SECTOR));
    // Last block: the last sector only.
    let last = d.size / 512 - 1;
    d.write(last, &noise(seed ^ 0x77, SECTOR));
}

#[test]
fn fixed_reads_back_and_reports_info() {
    let data = noise(1, 64 * 1024);
    let img = fixed(&data, id(0x11));
    let c = open_mem(img.clone());
    let info = c.info();
    assert_eq!(info.format, Format::Vhd);
    assert_eq!(info.disk_type, DiskType::Fixed);
    assert_eq!(info.virtual_size, 65536);
    assert_eq!(info.block_size, None);
    assert_eq!(info.file_size, 65536 + 512);
    assert_eq!(info.identity, Some(Guid(id(0x11))));
    assert_eq!(info.creator.as_deref(), Some("vltw"));
    assert_eq!(
        (info.logical_sector_size, info.physical_sector_size),
        (512, 512)
    );
    assert!(!info.log_replayed);
    assert_eq!(hash_virtual(&c).unwrap(), blake3::hash(&data));
    assert_reads(&c, &data);
}

#[test]
fn dynamic_with_partial_blocks_reads_clear_bits_as_zero() {
    let mut d = Sparse::dynamic(16 * u64::from(BLOCK), BLOCK, id(0x22));
    d.filler = 0xEE; // stale bytes behind clear bits must not show
    scribble(&mut d, 7);
    let c = open_mem(d.to_bytes());
    assert_eq!(c.info().disk_type, DiskType::Dynamic);
    assert_eq!(c.info().block_size, Some(BLOCK));
    // Only the CHS rounding of a tiny disk is odd about it.
    let codes: Vec<_> = c.info().diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["vhdChsSizeMismatch"]);
    let (cyl, h, s) = vhd_writer::chs(d.size);
    assert_eq!(
        c.info().chs_size,
        Some(u64::from(cyl) * u64::from(h) * u64::from(s) * 512)
    );
    assert_reads(&c, &model(&[&d]));
}

#[test]
fn chain_of_two_reads_back_through_relative_locator() {
    let dir = vhdlint_testkit::scratch_dir("vhd-chain2");
    let size = 16 * u64::from(BLOCK);
    let mut base = Sparse::dynamic(size, BLOCK, id(0xB0));
    base.write(0, &noise(2, size as usize)); // base full of data
    let mut child = Sparse::differencing(size, BLOCK, id(0xC1), id(0xB0), "base.vhd");
    child.filler = 0xEE;
    scribble(&mut child, 9);
    std::fs::write(dir.join("base.vhd"), base.to_bytes()).unwrap();
    std::fs::write(dir.join("child.vhd"), child.to_bytes()).unwrap();
    let c = open(&dir.join("child.vhd")).unwrap();
    let info = c.info();
    assert_eq!(info.disk_type, DiskType::Differencing);
    let parent = info.parent.as_ref().unwrap();
    assert_eq!(parent.format, Format::Vhd);
    assert_eq!(parent.path.file_name().unwrap(), "base.vhd");
    assert_eq!(c.parent().unwrap().info().identity, Some(Guid(id(0xB0))));
    assert_reads(&c, &model(&[&base, &child]));
    assert_eq!(
        hash_virtual(&c).unwrap(),
        blake3::hash(&model(&[&base, &child]))
    );
}

#[test]
fn chain_of_three_reads_back() {
    let dir = vhdlint_testkit::scratch_dir("vhd-chain3");
    let size = 24 * u64::from(BLOCK) + 1024; // last block partial
    let mut base = Sparse::dynamic(size, BLOCK, id(1));
    scribble(&mut base, 100);
    base.write(5 * SPB, &noise(3, 3 * BLOCK as usize));
    let mut mid = Sparse::differencing(size, BLOCK, id(2), id(1), "base.vhd");
    scribble(&mut mid, 200);
    mid.write(6 * SPB + 1, &noise(4, 10 * SECTOR));
    let mut top = Sparse::differencing(size, BLOCK, id(3), id(2), "mid.vhd");
    top.filler = 0x5A;
    scribble(&mut top, 300);
    top.write(7 * SPB - 2, &noise(5, 5 * SECTOR));
    for (name, d) in [("base.vhd", &base), ("mid.vhd", &mid), ("top.vhd", &top)] {
        std::fs::write(dir.join(name), d.to_bytes()).unwrap();
    }
    let c = open(&dir.join("top.vhd")).unwrap();
    let mid_c = c.parent().unwrap();
    assert_eq!(mid_c.info().disk_type, DiskType::Differencing);
    assert_eq!(mid_c.parent().unwrap().info().disk_type, DiskType::Dynamic);
    assert_reads(&c, &model(&[&base, &mid, &top]));
}

#[test]
fn relative_locator_is_resolved_against_the_childs_folder() {
    let dir = vhdlint_testkit::scratch_dir("vhd-relative");
    let sub = dir.join("vms");
    std::fs::create_dir_all(&sub).unwrap();
    let size = 8 * u64::from(BLOCK);
    let mut base = Sparse::dynamic(size, BLOCK, id(0x41));
    base.write(3, &noise(6, SECTOR));
    let mut child = Sparse::differencing(size, BLOCK, id(0x42), id(0x41), "base.vhd");
    // Only the relative locator can find it: the absolute one names another file.
    child.locators = vec![
        (*b"W2ku", "C:\\elsewhere\\other.vhd".into()),
        (*b"W2ru", ".\\base.vhd".into()),
    ];
    child.parent_name = "other.vhd".into();
    std::fs::write(sub.join("base.vhd"), base.to_bytes()).unwrap();
    std::fs::write(sub.join("child.vhd"), child.to_bytes()).unwrap();
    // A decoy with the same name beside the working directory's idea of "." must not matter.
    let c = open(&sub.join("child.vhd")).unwrap();
    assert_eq!(c.info().parent.as_ref().unwrap().path, sub.join("base.vhd"));
    assert_reads(&c, &model(&[&base, &child]));
}

#[test]
fn wrong_parent_unique_id_is_a_mismatch() {
    let dir = vhdlint_testkit::scratch_dir("vhd-mismatch");
    let size = 8 * u64::from(BLOCK);
    let base = Sparse::dynamic(size, BLOCK, id(0x51));
    let child = Sparse::differencing(size, BLOCK, id(0x52), id(0x99), "base.vhd");
    std::fs::write(dir.join("base.vhd"), base.to_bytes()).unwrap();
    std::fs::write(dir.join("child.vhd"), child.to_bytes()).unwrap();
    match open(&dir.join("child.vhd")) {
        Err(ContainerError::ParentMismatch { path, message }) => {
            assert!(path.ends_with("base.vhd"), "{path}");
            assert!(message.contains(&Guid(id(0x99)).to_string()), "{message}");
            assert!(message.contains(&Guid(id(0x51)).to_string()), "{message}");
        }
        other => panic!("expected ParentMismatch, got {other:?}"),
    }
    // Same id, other size: also a mismatch.
    let base = Sparse::dynamic(2 * size, BLOCK, id(0x51));
    let child = Sparse::differencing(size, BLOCK, id(0x52), id(0x51), "base.vhd");
    std::fs::write(dir.join("base.vhd"), base.to_bytes()).unwrap();
    std::fs::write(dir.join("child.vhd"), child.to_bytes()).unwrap();
    match open(&dir.join("child.vhd")) {
        Err(ContainerError::ParentMismatch { message, .. }) => {
            assert!(message.contains("size"), "{message}")
        }
        other => panic!("expected ParentMismatch, got {other:?}"),
    }
}

#[test]
fn absent_parent_names_the_paths_looked_for() {
    let dir = vhdlint_testkit::scratch_dir("vhd-absent");
    let child = Sparse::differencing(8 * u64::from(BLOCK), BLOCK, id(2), id(1), "gone.vhd");
    std::fs::write(dir.join("child.vhd"), child.to_bytes()).unwrap();
    match open(&dir.join("child.vhd")) {
        Err(ContainerError::ParentNotFound { child, tried }) => {
            assert!(child.ends_with("child.vhd"), "{child}");
            let want = dir.join("gone.vhd").display().to_string();
            assert!(
                tried
                    .iter()
                    .any(|t| t.starts_with(&want) && t.contains("W2ru")),
                "{tried:?}"
            );
        }
        other => panic!("expected ParentNotFound, got {other:?}"),
    }
    // In memory, NoParents reports the locators it was given, relative first.
    match open_source(Arc::new(child.to_bytes()), &mut NoParents) {
        Err(ContainerError::ParentNotFound { tried, .. }) => assert_eq!(
            tried,
            vec![
                ".\\gone.vhd (W2ru)".to_string(),
                "C:\\vms\\gone.vhd (W2ku)".to_string()
            ]
        ),
        other => panic!("expected ParentNotFound, got {other:?}"),
    }
}

#[test]
fn cyclic_chain_is_a_chain_loop() {
    let dir = vhdlint_testkit::scratch_dir("vhd-loop");
    let size = 8 * u64::from(BLOCK);
    let a = Sparse::differencing(size, BLOCK, id(0xAA), id(0xBB), "b.vhd");
    let b = Sparse::differencing(size, BLOCK, id(0xBB), id(0xAA), "a.vhd");
    std::fs::write(dir.join("a.vhd"), a.to_bytes()).unwrap();
    std::fs::write(dir.join("b.vhd"), b.to_bytes()).unwrap();
    match open(&dir.join("a.vhd")) {
        Err(ContainerError::ChainLoop { path, .. }) => assert!(path.ends_with("a.vhd"), "{path}"),
        other => panic!("expected ChainLoop, got {other:?}"),
    }
}

#[test]
fn legacy_511_byte_footer_reads() {
    let data = noise(8, 32 * 1024);
    let mut img = fixed(&data, id(3));
    img.pop(); // the last reserved byte is zero: the checksum still holds
    let c = open_mem(img);
    assert_eq!(c.info().format, Format::Vhd);
    assert_eq!(c.info().virtual_size, data.len() as u64);
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdFooterLegacy511"));
    assert_reads(&c, &data);

    let mut d = Sparse::dynamic(16 * u64::from(BLOCK), BLOCK, id(4));
    scribble(&mut d, 11);
    let mut img = d.to_bytes();
    img.pop();
    let c = open_mem(img);
    assert_eq!(c.info().disk_type, DiskType::Dynamic);
    assert_reads(&c, &model(&[&d]));
}

/// qemu-img agrees with the writer: a third-party reader of our dynamic output.
#[test]
fn qemu_reads_the_writers_dynamic_disk_the_same() {
    let Some(qemu) = vhdlint_testkit::qemu_img() else {
        println!("QEMU-IMG ABSENT: writer cross-check skipped");
        return;
    };
    let dir = vhdlint_testkit::scratch_dir("vhd-qemu-writer");
    let mut d = Sparse::dynamic(32 * 65536, 65536, id(0x77));
    d.filler = 0; // qemu ignores dynamic disks' bitmaps: stale bytes must be zero to agree
    scribble(&mut d, 12);
    d.write(300, &noise(13, 40 * SECTOR));
    let vhd = dir.join("w.vhd");
    let raw = dir.join("w.raw");
    std::fs::write(&vhd, d.to_bytes()).unwrap();
    convert(&qemu, &vhd, &raw);
    let want = model(&[&d]);
    assert!(
        std::fs::read(&raw).unwrap() == want,
        "qemu-img read differs from the model"
    );
    let c = open(&vhd).unwrap();
    assert_reads(&c, &want);
}

fn convert(qemu: &Path, vhd: &Path, raw: &Path) {
    let status = std::process::Command::new(qemu)
        .arg("convert")
        .arg("--image-opts")
        .arg(format!(
            "driver=vpc,force_size_calc=current_size,file.filename={}",
            vhd.display()
        ))
        .args(["-O", "raw"])
        .arg(raw)
        .status()
        .unwrap();
    assert!(status.success());
}
