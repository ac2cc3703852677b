//! VHDX block mapping: small reads through the BAT of a large, sparsely-allocated dynamic VHDX,
//! beside the same reads of a raw file with the same content, so the mapping overhead shows.
//!
//! Setup builds (once, cached in `target/bench-scratch/`) a 64 GiB dynamic VHDX with third-party
//! writers — `qemu-img create -f vhdx -o subformat=dynamic` (qemu's default block size for this
//! size: 16 MiB, 4096 blocks), then 64 scattered 1 MiB extents of `0xAB` written by `qemu-io` —
//! and converts it with `qemu-img convert -O raw` to a sparse raw file. Without `qemu-img` and
//! `qemu-io` (Debian `qemu-utils`) the bench says so and measures nothing. Setup checks once that
//! both read back the pattern where it was written and zeros around it.
//!
//! Both files are opened once per benchmark with `vhdlint_container::open` (warm BAT and page
//! caches, as during a check), then, for `raw` and `vhdx`:
//! - `random_data`: 1,024 reads of 4 KiB at random 4 KiB-aligned offsets inside the written
//!   extents (BAT lookup + payload read),
//! - `random_hot`: the same, inside 512 KiB of 8 extents that the container's page cache holds
//!   (BAT lookup + a copy: the mapping's own cost, no system call),
//! - `random_sparse`: 1,024 reads of 4 KiB at random offsets anywhere on the disk (mostly
//!   unallocated blocks: BAT lookup + zero fill),
//! - `sweep`: one 4 KiB read at the start of every block, in order (every BAT entry once).
//!
//! The file bytes that opening and a few cold reads cost are printed once. Run:
//! `cargo bench --bench vhdx_mapping`.

// Bench code: a panic is how a setup failure shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use vhdlint_container::{open, Container, ReadAt};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
const VIRTUAL_SIZE: u64 = 64 * GIB;
/// Extents of 1 MiB written with the pattern.
const EXTENTS: u64 = 64;
const PATTERN: u8 = 0xAB;
const READ: usize = 4096;
/// Reads per iteration of the random benchmarks.
const RANDOM_READS: usize = 1024;

/// Where extent `i` starts: one per GiB, at varying offsets inside (and across) 16 MiB blocks.
fn extent(i: u64) -> u64 {
    i * GIB + (i * 7 % 13) * 17 * MIB + MIB
}

struct Images {
    vhdx: PathBuf,
    raw: PathBuf,
}

fn images() -> Option<&'static Images> {
    static IMAGES: OnceLock<Option<Images>> = OnceLock::new();
    IMAGES
        .get_or_init(|| {
            let dir = vhdlint_testkit::target_dir().join("bench-scratch");
            std::fs::create_dir_all(&dir).ok()?;
            let vhdx = dir.join("sparse-64g.vhdx");
            let raw = dir.join("sparse-64g.raw");
            if !(vhdx.is_file() && raw.is_file()) {
                if let Err(e) = build(&vhdx, &raw) {
                    eprintln!("vhdx_mapping: cannot build the images ({e}); nothing measured");
                    return None;
                }
            }
            let images = Images { vhdx, raw };
            verify(&images);
            Some(images)
        })
        .as_ref()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("{cmd:?}: {e} (qemu-img and qemu-io are in qemu-utils)"))?;
    status
        .success()
        .then_some(())
        .ok_or(format!("{cmd:?} failed"))
}

fn build(vhdx: &Path, raw: &Path) -> Result<(), String> {
    let tmp = vhdx.with_extension("vhdx.tmp");
    let tmp_raw = raw.with_extension("raw.tmp");
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(&tmp_raw);
    run(Command::new("qemu-img")
        .args(["create", "-q", "-f", "vhdx", "-o", "subformat=dynamic"])
        .arg(&tmp)
        .arg(VIRTUAL_SIZE.to_string()))?;
    let mut io = Command::new("qemu-io");
    io.args(["-f", "vhdx"]);
    for i in 0..EXTENTS {
        io.arg("-c")
            .arg(format!("write -q -P {PATTERN:#x} {} 1M", extent(i)));
    }
    run(io.arg(&tmp))?;
    run(Command::new("qemu-img")
        .args(["convert", "-f", "vhdx", "-O", "raw"])
        .arg(&tmp)
        .arg(&tmp_raw))?;
    std::fs::rename(&tmp_raw, raw).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, vhdx).map_err(|e| e.to_string())
}

/// Both images hold the pattern in every extent and zeros right around it.
fn verify(images: &Images) {
    for path in [&images.vhdx, &images.raw] {
        let disk = open(path).expect("open image");
        assert_eq!(disk.len(), VIRTUAL_SIZE, "{}", path.display());
        let mut buf = vec![0u8; MIB as usize];
        let mut edge = [0xFFu8; 512];
        for i in 0..EXTENTS {
            let at = extent(i);
            disk.read_at(at, &mut buf).expect("read extent");
            assert!(
                buf.iter().all(|&b| b == PATTERN),
                "{}: extent {i} at {at:#x} does not read back as {PATTERN:#x}",
                path.display()
            );
            for around in [at - 512, at + MIB] {
                disk.read_at(around, &mut edge).expect("read around extent");
                assert!(
                    edge.iter().all(|&b| b == 0),
                    "{}: bytes at {around:#x} beside extent {i} are not zero",
                    path.display()
                );
            }
        }
    }
}

/// A fixed xorshift stream, so every run reads the same offsets.
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

fn random_data_offsets() -> Vec<u64> {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    let pages = MIB / READ as u64;
    (0..RANDOM_READS)
        .map(|_| extent(next() % EXTENTS) + (next() % pages) * READ as u64)
        .collect()
}

/// Offsets inside 16 pages of each of 8 extents (8 blocks): 512 KiB, which the container's
/// page cache holds, so the reads cost the mapping and a copy, not a system call.
fn random_hot_offsets() -> Vec<u64> {
    let mut next = xorshift(0x2545_F491_4F6C_DD1D);
    (0..RANDOM_READS)
        .map(|_| extent(next() % 8) + (next() % 16) * READ as u64)
        .collect()
}

fn random_sparse_offsets() -> Vec<u64> {
    let mut next = xorshift(0xD1B5_4A32_D192_ED03);
    let pages = VIRTUAL_SIZE / READ as u64;
    (0..RANDOM_READS)
        .map(|_| (next() % pages) * READ as u64)
        .collect()
}

fn block_size(disk: &Container) -> u64 {
    u64::from(
        disk.info()
            .block_size
            .expect("a dynamic VHDX has a block size"),
    )
}

fn sweep_offsets(block: u64) -> Vec<u64> {
    (0..VIRTUAL_SIZE / block).map(|b| b * block).collect()
}

fn read_all(disk: &Container, offsets: &[u64], buf: &mut [u8]) -> u8 {
    let mut x = 0u8;
    for &at in offsets {
        disk.read_at(at, buf).expect("read");
        x ^= buf[0];
    }
    x
}

fn file_bytes(disk: &Container) -> u64 {
    disk.file_stats().bytes
}

fn main() {
    if let Some(img) = images() {
        let disk = open(&img.vhdx).expect("open vhdx");
        let bs = block_size(&disk);
        let opened = file_bytes(&disk);
        let mut buf = vec![0u8; READ];
        let data = random_data_offsets();
        let before = file_bytes(&disk);
        read_all(&disk, &data[..1], &mut buf);
        let first = file_bytes(&disk) - before;
        let before = file_bytes(&disk);
        read_all(&disk, &data[1..2], &mut buf);
        let second = file_bytes(&disk) - before;
        let before = file_bytes(&disk);
        let sweep = sweep_offsets(bs);
        read_all(&disk, &sweep, &mut buf);
        let swept = file_bytes(&disk) - before;
        let file_len = std::fs::metadata(&img.vhdx).expect("stat").len();
        println!(
            "vhdx_mapping: {} GiB dynamic VHDX, {} MiB blocks ({} blocks, {EXTENTS} x 1 MiB \
             written), file {} MiB; open read {opened} bytes of it; then a first 4 KiB data \
             read {first} bytes, the next one {second}, and a sweep of every block {swept} bytes",
            VIRTUAL_SIZE / GIB,
            bs / MIB,
            sweep.len(),
            file_len / MIB,
        );
    }
    divan::main();
}

fn path_of<'a>(img: &'a Images, format: &str) -> &'a Path {
    match format {
        "raw" => &img.raw,
        _ => &img.vhdx,
    }
}

/// Times reading `offsets(images)` through the `format` file; `warm` reads them once first.
fn bench_reads(
    b: divan::Bencher,
    format: &str,
    warm: bool,
    offsets: impl FnOnce(&Images) -> Vec<u64>,
) {
    let Some(img) = images() else { return };
    let offsets = offsets(img);
    let disk = open(path_of(img, format)).expect("open");
    let mut buf = vec![0u8; READ];
    if warm {
        read_all(&disk, &offsets, &mut buf);
    }
    b.counter(divan::counter::ItemsCount::new(offsets.len()))
        .bench_local(|| read_all(&disk, &offsets, &mut buf));
}

#[divan::bench(args = ["raw", "vhdx"], sample_count = 50)]
fn random_data(b: divan::Bencher, format: &str) {
    bench_reads(b, format, false, |_| random_data_offsets());
}

#[divan::bench(args = ["raw", "vhdx"], sample_count = 50)]
fn random_hot(b: divan::Bencher, format: &str) {
    bench_reads(b, format, true, |_| random_hot_offsets());
}

#[divan::bench(args = ["raw", "vhdx"], sample_count = 50)]
fn random_sparse(b: divan::Bencher, format: &str) {
    bench_reads(b, format, false, |_| random_sparse_offsets());
}

#[divan::bench(args = ["raw", "vhdx"], sample_count = 20)]
fn sweep(b: divan::Bencher, format: &str) {
    bench_reads(b, format, false, |img| {
        sweep_offsets(block_size(&open(&img.vhdx).expect("open vhdx")))
    });
}
