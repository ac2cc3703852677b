//! NTFS path lookup in a directory of 100,000 entries costs a few index reads, not a scan.
//!
//! Setup builds (once, cached in `target/bench-scratch/`) an NTFS volume with mkntfs and the
//! ntfs-3g FUSE driver holding `big/` with 100,000 empty files — third-party writers, as for the
//! fixtures. It needs `mkntfs`, `ntfs-3g`, `/dev/fuse` and root; without them the bench says so
//! and measures nothing. Each benchmark mounts the volume afresh (cold caches), then:
//! - `lookup`: one `stat` of a name in `big/` (an `$I30` B+tree descent),
//! - `list`: the whole listing of `big/` (what a linear scan would have to read).
//!
//! The bytes each reads are printed from a `Counted` source. Run: `cargo bench --bench ntfs_lookup`.

// Bench code: a panic is how a setup failure shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use vhdlint_container::{Counted, FileSource, ReadAt};
use vhdlint_filesystems::{mount, FileSystem};

const ENTRIES: usize = 100_000;

fn volume() -> Option<&'static PathBuf> {
    static VOLUME: OnceLock<Option<PathBuf>> = OnceLock::new();
    VOLUME
        .get_or_init(|| {
            let dir = vhdlint_testkit::target_dir().join("bench-scratch");
            std::fs::create_dir_all(&dir).ok()?;
            let img = dir.join(format!("ntfs-{ENTRIES}.img"));
            if img.is_file() {
                return Some(img);
            }
            match build(&dir, &img) {
                Ok(()) => Some(img),
                Err(e) => {
                    eprintln!("ntfs_lookup: cannot build the volume ({e}); nothing measured");
                    None
                }
            }
        })
        .as_ref()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or(format!("{cmd:?} failed"))
}

fn build(dir: &Path, img: &Path) -> Result<(), String> {
    let tmp = img.with_extension("tmp");
    let mnt = dir.join("ntfs-mnt");
    let _ = std::fs::remove_file(&tmp);
    std::fs::create_dir_all(&mnt).map_err(|e| e.to_string())?;
    run(Command::new("truncate").args(["-s", "512M"]).arg(&tmp))?;
    run(Command::new("mkntfs")
        .args(["-F", "-Q", "-q", "-L", "bench"])
        .arg(&tmp))?;
    run(Command::new("ntfs-3g").arg(&tmp).arg(&mnt))?;
    let made = (|| -> std::io::Result<()> {
        let big = mnt.join("big");
        std::fs::create_dir_all(&big)?;
        for i in 0..ENTRIES {
            std::fs::File::create(big.join(format!("file-{i:06}.txt")))?;
        }
        Ok(())
    })();
    let _ = run(Command::new("umount").arg(&mnt));
    made.map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, img).map_err(|e| e.to_string())
}

type Mounted = (Box<dyn FileSystem>, Arc<Counted<FileSource>>);

fn fresh_mount(img: &Path) -> Mounted {
    let source = Arc::new(Counted::new(FileSource::open(img).expect("open volume")));
    let fs = mount(source.clone() as Arc<dyn ReadAt>).expect("mount");
    (fs, source)
}

fn main() {
    if let Some(img) = volume() {
        let (fs, src) = fresh_mount(img);
        let before = src.stats();
        fs.stat("big/file-054321.txt").expect("lookup");
        let lookup = src.stats().bytes - before.bytes;
        let before = src.stats();
        let n = fs.list("big").expect("list").len();
        let list = src.stats().bytes - before.bytes;
        println!(
            "ntfs_lookup: {n} entries; one lookup read {lookup} bytes, the listing {list} bytes \
             ({}x more)",
            list / lookup.max(1)
        );
    }
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn lookup(b: divan::Bencher) {
    let Some(img) = volume() else { return };
    let next = std::sync::atomic::AtomicUsize::new(0);
    b.with_inputs(|| {
        let i = next.fetch_add(7919, std::sync::atomic::Ordering::Relaxed) % ENTRIES;
        (fresh_mount(img), format!("big/file-{i:06}.txt"))
    })
    .bench_values(|((fs, _), name)| fs.stat(&name).expect("lookup"));
}

#[divan::bench(sample_count = 5)]
fn list(b: divan::Bencher) {
    let Some(img) = volume() else { return };
    b.with_inputs(|| fresh_mount(img))
        .bench_values(|(fs, _)| fs.list("big").expect("list").len());
}
