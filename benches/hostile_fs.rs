//! Issue 12's file-system worst cases (built by `tests/hostile/worst_fs.rs`): time and peak heap
//! of each, and what the reader answers. Run: `cargo bench --bench hostile_fs`.
//! The bounds themselves are asserted (by bytes read and the counting allocator, not by time)
//! in `cargo test --release --test hostile worst_fs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

#[path = "../tests/hostile/alloc.rs"]
mod alloc;

/// What `worst_fs.rs` takes from the test binary's root module.
mod support {
    pub struct Cost {
        pub time: std::time::Duration,
        pub peak: usize,
    }
    pub fn serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn measure<T>(_what: &str, f: impl FnOnce() -> T) -> (Result<T, String>, Cost) {
        let base = super::alloc::reset_peak();
        let started = std::time::Instant::now();
        let r = f();
        let time = started.elapsed();
        let peak = super::alloc::peak().saturating_sub(base);
        (Ok(r), Cost { time, peak })
    }
    pub fn mib(n: usize) -> String {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    }
}
use support::{measure, mib, serial};

#[allow(unused_imports)]
#[path = "../tests/hostile/worst_fs.rs"]
mod worst_fs;

use std::sync::Arc;

use vhdlint_filesystems::fat::FatFileSystem;
use vhdlint_filesystems::ntfs::NtfsFileSystem;
use vhdlint_filesystems::{FileData, FileSystem, ReadAt};

fn row<T: std::fmt::Debug>(what: &str, f: impl FnOnce() -> T) {
    let _g = serial();
    let (r, c) = measure(what, f);
    let outcome = format!("{:?}", r.unwrap());
    let outcome: String = outcome.chars().take(110).collect();
    println!(
        "{what:<46} {:>10.2?} {:>10}  {outcome}",
        c.time,
        mib(c.peak)
    );
}

fn ntfs(img: Vec<u8>) -> Arc<dyn ReadAt> {
    Arc::new(img)
}

fn main() {
    println!("{:<46} {:>10} {:>10}  outcome", "case", "time", "peak heap");
    let v = ntfs(worst_fs::named_streams());
    row("65,535 named streams: mount + ls", || {
        NtfsFileSystem::mount(v.clone())
            .and_then(|fs| fs.list("/"))
            .map(|l| l.iter().map(|e| e.streams.len()).sum::<usize>())
    });
    let v = ntfs(worst_fs::mft_aliased_extents());
    row("$MFT: 4,096 extents aliasing one cluster", || {
        NtfsFileSystem::mount(v.clone()).map(|fs| fs.mft_records())
    });
    let v = ntfs(worst_fs::aliased_big_records());
    row("8,192 aliased 64 KiB-runlist records", || {
        NtfsFileSystem::mount(v.clone()).map(|fs| fs.mft_records())
    });
    let v = ntfs(worst_fs::shared_runlist(199_999));
    row("ls of 199,999 entries on one 32,000-run list", || {
        NtfsFileSystem::mount(v.clone())
            .and_then(|fs| fs.list("/"))
            .map(|l| l.len())
    });
    let v = ntfs(worst_fs::shared_runlist(1024));
    row("ls of 1,024 hard links to a 32,000-run list", || {
        NtfsFileSystem::mount(v.clone())
            .and_then(|fs| fs.list("/"))
            .map(|l| l.len())
    });
    let v = ntfs(worst_fs::lznt1_bomb());
    row("LZNT1 4 GiB from one 64 KiB cluster (cat)", || {
        NtfsFileSystem::mount(v.clone())
            .and_then(|fs| fs.open("big", None))
            .map(|d| matches!(d, FileData::Content(_)))
    });
    let v = ntfs(worst_fs::fat_self_loop());
    row("FAT directory chained to itself, all deleted", || {
        FatFileSystem::mount(v.clone())
            .and_then(|fs| fs.list("LOOP"))
            .map(|l| l.len())
    });
}
