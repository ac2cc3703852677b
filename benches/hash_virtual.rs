//! `hash --virtual` throughput against BLAKE3 of the equivalent raw file, in the same run.
//!
//! Setup writes a 256 MiB raw disk of non-zero bytes (every block allocated) and converts it with
//! qemu-img to dynamic VHDX and VHD. Target: `hash_virtual` on the containers at ≥ 80 % of
//! `hash_file` on the raw file. Run: `cargo bench --bench hash_virtual`.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use vhdlint_container::hash::{hash_file, hash_virtual};

const SIZE: usize = 256 << 20;

struct Images {
    raw: PathBuf,
    vhdx: PathBuf,
    vhd: PathBuf,
}

fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let dir = vhdlint_testkit::target_dir().join("bench-scratch");
        std::fs::create_dir_all(&dir).expect("bench dir");
        let raw = dir.join("bench.raw");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let data: Vec<u8> = (0..SIZE / 8)
            .flat_map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()
            })
            .collect();
        std::fs::write(&raw, &data).expect("write raw");
        let vhdx = convert(
            &raw,
            &dir.join("bench.vhdx"),
            &["-O", "vhdx", "-o", "subformat=dynamic"],
        );
        let vhd = convert(
            &raw,
            &dir.join("bench.vhd"),
            &["-O", "vpc", "-o", "subformat=dynamic,force_size=on"],
        );
        Images { raw, vhdx, vhd }
    })
}

fn convert(raw: &Path, out: &Path, args: &[&str]) -> PathBuf {
    let status = Command::new("qemu-img")
        .args(["convert", "-f", "raw"])
        .args(args)
        .arg(raw)
        .arg(out)
        .status()
        .expect("qemu-img is needed for this bench");
    assert!(status.success());
    out.to_path_buf()
}

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn raw_file_b3sum(b: divan::Bencher) {
    let img = images();
    b.counter(divan::counter::BytesCount::new(SIZE))
        .bench(|| hash_file(&img.raw).expect("hash"));
}

/// What `hash_file` did before it streamed: the whole file mapped (RSS = file size).
#[divan::bench(sample_count = 10)]
fn raw_file_mmap_before(b: divan::Bencher) {
    let img = images();
    b.counter(divan::counter::BytesCount::new(SIZE)).bench(|| {
        let mut h = blake3::Hasher::new();
        h.update_mmap_rayon(&img.raw).expect("hash");
        h.finalize()
    });
}

/// `hash --virtual` as it runs now: positional reads, no mapping (bounded memory).
#[divan::bench(args = ["raw", "vhd", "vhdx"], sample_count = 10)]
fn virtual_disk_streamed(b: divan::Bencher, format: &str) {
    bench_virtual(b, format, false);
}

/// `hash --virtual` through a mapping, as it ran before.
#[divan::bench(args = ["raw", "vhd", "vhdx"], sample_count = 10)]
fn virtual_disk(b: divan::Bencher, format: &str) {
    bench_virtual(b, format, true);
}

fn bench_virtual(b: divan::Bencher, format: &str, map_files: bool) {
    let img = images();
    let path = match format {
        "raw" => &img.raw,
        "vhd" => &img.vhd,
        _ => &img.vhdx,
    };
    let options = vhdlint_container::OpenOptions { map_files };
    let disk = vhdlint_container::open_with(path, options).expect("open");
    let expected = blake3::hash(&std::fs::read(&img.raw).expect("read raw"));
    assert_eq!(
        hash_virtual(&disk).expect("hash"),
        expected,
        "{format} hashes like the raw disk"
    );
    b.counter(divan::counter::BytesCount::new(SIZE))
        .bench(|| hash_virtual(&disk).expect("hash"));
}
