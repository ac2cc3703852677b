//! The corrupted-image sweep: thousands of deterministic mutants of every fixture kind, each run
//! through the whole pipeline in-process (container → partitions → volumes → gather → evaluate)
//! or through the layer's own API (hives, BCD, a dirty VHDX log), checked for panics, hangs and
//! allocation; then a sample through the `vhdlint` binary checked for its exit code and message.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use vhdlint_container::{open_source, NoParents, ReadAt};
use vhdlint_filesystems::image::Image;
use vhdlint_filesystems::{mount, FileData};
use vhdlint_gather::{gather, GatherOptions};
use vhdlint_policy::{evaluate, CloudPcDeviceImage, Date, Options, Profile, Severity};
use vhdlint_registry::{BcdStore, Hive, HiveLogs, HiveOptions};

use crate::mutant::{be32, be64, le16, le32, le64, mutants, Mutant, Region, Seal};
use crate::{measure, mib, serial, TIME_LIMIT};

/// Most heap one mutant may take.
const MEMORY_LIMIT: usize = 256 << 20;
const KIB: u64 = 1 << 10;

fn load(rel: &str) -> Arc<Vec<u8>> {
    Arc::new(std::fs::read(vhdlint_testkit::testdata_file(rel)).unwrap())
}

// ---------------------------------------------------------------------------------------------
// Locating structures by parsing.

/// VHDX: file identifier, both headers, both region tables, metadata table and items, the used
/// part of the BAT, the log.
fn vhdx_regions(f: &[u8]) -> Vec<Region> {
    let mut r = vec![Region::new("VHDX file identifier", 0, 512, Seal::None)];
    for (name, at) in [("VHDX header 1", 64 * KIB), ("VHDX header 2", 128 * KIB)] {
        r.push(Region::new(name, at, 80, Seal::Crc32c { at: 4, len: 4096 }));
    }
    let current = [64 * KIB, 128 * KIB]
        .into_iter()
        .max_by_key(|&h| le64(f, h as usize + 8))
        .unwrap();
    let (log_len, log_off) = (
        le32(f, current as usize + 68),
        le64(f, current as usize + 72),
    );
    r.push(Region::new(
        "VHDX log",
        log_off,
        log_len.min(8192),
        Seal::None,
    ));
    let rt = 192 * KIB as usize;
    let count = le32(f, rt + 8);
    for (name, at) in [
        ("VHDX region table 1", 192 * KIB),
        ("VHDX region table 2", 256 * KIB),
    ] {
        r.push(Region::new(
            name,
            at,
            16 + 32 * count,
            Seal::Crc32c {
                at: 4,
                len: 64 * KIB,
            },
        ));
    }
    for i in 0..count as usize {
        let e = rt + 16 + 32 * i;
        let (off, len) = (le64(f, e + 16), le32(f, e + 24));
        if f[e] == 0x66 {
            // BAT region 2DC27766-…: mutate the entries in use.
            let used = (0..len / 8)
                .filter(|k| le64(f, (off + 8 * k) as usize) != 0)
                .max()
                .map_or(8, |k| 8 * (k + 1));
            r.push(Region::new("VHDX BAT", off, used, Seal::None));
        } else {
            let n = le16(f, off as usize + 10);
            r.push(Region::new(
                "VHDX metadata table",
                off,
                32 + 32 * n,
                Seal::None,
            ));
            for k in 0..n as usize {
                let m = off as usize + 32 + 32 * k;
                let (io, il) = (le32(f, m + 16), le32(f, m + 20));
                r.push(Region::new(
                    format!("VHDX metadata item {k}"),
                    off + io,
                    il,
                    Seal::None,
                ));
            }
        }
    }
    r
}

/// VHD footer (and, for dynamic disks, the footer copy, dynamic header, BAT, first bitmap).
fn vhd_regions(f: &[u8]) -> Vec<Region> {
    let end = f.len() as u64 - 512;
    let footer = Seal::VhdSum { at: 64, len: 512 };
    let mut r = vec![Region::new("VHD footer", end, 512, footer)];
    if be32(f, end as usize + 60) == 2 {
        return r;
    }
    r.push(Region::new("VHD footer copy", 0, 512, footer));
    let h = be64(f, end as usize + 16);
    r.push(Region::new(
        "VHD dynamic header",
        h,
        1024,
        Seal::VhdSum { at: 36, len: 1024 },
    ));
    let (bat, entries) = (be64(f, h as usize + 16), be32(f, h as usize + 28));
    r.push(Region::new("VHD BAT", bat, 4 * entries, Seal::None));
    let first = be32(f, bat as usize);
    if first != 0xFFFF_FFFF {
        r.push(Region::new(
            "VHD block 0 bitmap",
            first * 512,
            512,
            Seal::None,
        ));
    }
    r
}

/// A disk laid out from offset 0: MBR, GPT headers and entries, and each partition's file system.
fn disk_regions(f: &[u8], base: u64) -> Vec<Region> {
    let b = |o: u64| &f[(base + o) as usize..];
    let mut r = vec![Region::new("MBR", base, 512, Seal::None)];
    if &b(512)[..8] != b"EFI PART" {
        // MBR partitions.
        for i in 0..4 {
            let e = 446 + 16 * i;
            let (lba, kind) = (le32(b(0), e + 8), b(0)[e + 4]);
            if kind != 0 && lba != 0 {
                let len = le32(b(0), e + 12) * 512;
                r.extend(volume_regions(
                    f,
                    base + lba * 512,
                    len,
                    &format!("MBR partition {i}"),
                ));
            }
        }
        return r;
    }
    let gpt = |r: &mut Vec<Region>, at: u64, name: &str| -> (u64, u64, u64) {
        let h = &f[(base + at) as usize..];
        let size = le32(h, 12);
        r.push(Region::new(
            name,
            base + at,
            size,
            Seal::GptHeader { len: size },
        ));
        (le64(h, 72), le32(h, 80), le32(h, 84))
    };
    let (entries_lba, n, size) = gpt(&mut r, 512, "GPT header");
    let backup = le64(b(512), 32);
    // Entries: the CRC in the header is stale after a mutation, which is one of the cases.
    let used = (0..n)
        .filter(|k| b(entries_lba * 512 + k * size)[..16] != [0; 16])
        .count() as u64;
    r.push(Region::new(
        "GPT entries",
        base + entries_lba * 512,
        used * size,
        Seal::None,
    ));
    if (backup + 1) * 512 <= f.len() as u64 - base {
        gpt(&mut r, backup * 512, "backup GPT header");
    }
    for k in 0..used {
        let e = b(entries_lba * 512 + k * size);
        let (start, end) = (le64(e, 32), le64(e, 40));
        let len = (end + 1).saturating_sub(start) * 512;
        r.extend(volume_regions(
            f,
            base + start * 512,
            len,
            &format!("partition {}", k + 1),
        ));
    }
    r
}

/// A volume's file system structures (NTFS or FAT) and the hives in it.
fn volume_regions(f: &[u8], p: u64, len: u64, name: &str) -> Vec<Region> {
    let end = (p + len).min(f.len() as u64);
    let v = &f[p as usize..end as usize];
    let mut r = Vec::new();
    if &v[3..11] == b"NTFS    " {
        let bps = le16(v, 0x0B);
        let cluster = bps * u64::from(v[0x0D]);
        let record = match v[0x40] as i8 {
            x if x < 0 => 1u64 << (-x),
            x => x as u64 * cluster,
        };
        let mft = p + le64(v, 0x30) * cluster;
        r.push(Region::new(
            format!("{name} NTFS boot sector"),
            p,
            512,
            Seal::None,
        ));
        for k in [0u64, 1, 2, 3, 5, 6, 8, 9, 11] {
            let at = mft + k * record;
            r.push(Region::new(
                format!("{name} $MFT record {k}"),
                at,
                record,
                Seal::None,
            ));
        }
        r.push(Region::new(
            format!("{name} $MFT records 16..64"),
            mft + 16 * record,
            48 * record,
            Seal::None,
        ));
        // Index blocks of directories (root, Windows, System32, config…): the first few.
        let indx = scan(v, b"INDX", cluster).into_iter().take(8);
        for at in indx {
            r.push(Region::new(
                format!("{name} INDX block"),
                p + at,
                4096,
                Seal::None,
            ));
        }
        for at in scan(v, b"regf", cluster).into_iter().take(6) {
            r.extend(hive_regions(f, p + at, &format!("{name} hive")));
        }
    } else if &v[0x52..0x57] == b"FAT32" || &v[0x36..0x39] == b"FAT" {
        let bps = le16(v, 0x0B);
        let reserved = le16(v, 0x0E);
        let fats = u64::from(v[0x10]);
        let fat32 = &v[0x52..0x57] == b"FAT32";
        let fat_sectors = if fat32 { le32(v, 0x24) } else { le16(v, 0x16) };
        let cluster = bps * u64::from(v[0x0D]);
        r.push(Region::new(
            format!("{name} FAT boot sector"),
            p,
            512,
            Seal::None,
        ));
        if fat32 {
            r.push(Region::new(
                format!("{name} FSInfo"),
                p + le16(v, 0x30) * bps,
                512,
                Seal::None,
            ));
            r.push(Region::new(
                format!("{name} backup boot sector"),
                p + le16(v, 0x32) * bps,
                512,
                Seal::None,
            ));
        }
        let fat = p + reserved * bps;
        for i in 0..fats {
            let at = fat + i * fat_sectors * bps;
            r.push(Region::new(
                format!("{name} FAT {i}"),
                at,
                (fat_sectors * bps).min(16 * KIB),
                Seal::None,
            ));
        }
        let data = fat + fats * fat_sectors * bps;
        let root = if fat32 {
            data + (le32(v, 0x2C).saturating_sub(2)) * cluster
        } else {
            data
        };
        r.push(Region::new(
            format!("{name} root directory"),
            root,
            cluster.max(512),
            Seal::None,
        ));
        // Directory clusters near the root (EFI/Microsoft/Boot) and the BCD hive.
        r.push(Region::new(
            format!("{name} first data clusters"),
            root,
            16 * cluster,
            Seal::None,
        ));
        for at in scan(v, b"regf", 512).into_iter().take(2) {
            r.extend(hive_regions(f, p + at, &format!("{name} BCD hive")));
        }
    }
    r
}

/// Offsets of `sig` at multiples of `step` in `v` (first 256 MiB).
fn scan(v: &[u8], sig: &[u8], step: u64) -> Vec<u64> {
    let step = step.max(512) as usize;
    (0..v.len().min(256 << 20))
        .step_by(step)
        .filter(|&o| v.get(o..o + sig.len()) == Some(sig))
        .map(|o| o as u64)
        .collect()
}

/// A hive: base block, root key cell, the first hbin headers, the first cells.
fn hive_regions(f: &[u8], h: u64, name: &str) -> Vec<Region> {
    let b = &f[h as usize..];
    let bins = le32(b, 0x28);
    let root = le32(b, 0x24);
    let name = format!("{name}@{h:#x}");
    let mut r = vec![
        Region::new(format!("{name} base block"), h, 512, Seal::HiveXor),
        Region::new(
            format!("{name} root key"),
            h + 4096 + root,
            0x60,
            Seal::None,
        ),
    ];
    let mut at = 4096u64;
    let mut k = 0;
    while at < 4096 + bins && k < 8 && &b[at as usize..at as usize + 4] == b"hbin" {
        r.push(Region::new(
            format!("{name} hbin {k} header"),
            h + at,
            32,
            Seal::None,
        ));
        at += le32(b, at as usize + 8).max(4096);
        k += 1;
    }
    r.push(Region::new(
        format!("{name} cells"),
        h + 4096 + 32,
        bins.min(256 * KIB),
        Seal::None,
    ));
    r
}

/// Hive regions of a hive file, plus the dirty-log VHDX's log entries.
fn log_regions(f: &[u8]) -> Vec<Region> {
    let mut r = vhdx_regions(f);
    let current = [64 * KIB, 128 * KIB]
        .into_iter()
        .max_by_key(|&h| le64(f, h as usize + 8))
        .unwrap();
    let (log_len, log_off) = (
        le32(f, current as usize + 68),
        le64(f, current as usize + 72),
    );
    let log = &f[log_off as usize..(log_off + log_len) as usize];
    for at in scan(log, b"loge", 4096).into_iter().take(8) {
        let len = le32(log, at as usize + 8);
        let n = le32(log, at as usize + 24);
        r.push(Region::new(
            format!("VHDX log entry @{:#x}", log_off + at),
            log_off + at,
            (64 + 32 * n).min(len),
            Seal::Crc32c { at: 4, len },
        ));
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Running mutants.

/// What a mutant's run ended with.
fn pipeline(m: Mutant) -> Result<String, String> {
    let source: Arc<dyn ReadAt> = Arc::new(m);
    let container = match open_source(source, &mut NoParents) {
        Ok(c) => c,
        Err(e) => return Err(format!("container: {e}")),
    };
    let image = match Image::from_container(Arc::new(container)) {
        Ok(i) => i,
        Err(e) => return Err(format!("image: {e}")),
    };
    let facts = gather(&image, &GatherOptions::default());
    let options = Options::new(Profile::Windows365, Date::parse("2025-06-01").unwrap());
    let evaluation = evaluate(&facts, &options);
    let _ = serde_json::to_string(&CloudPcDeviceImage::new("sweep", &facts, &evaluation)).unwrap();
    let _ = serde_json::to_string(&facts).unwrap();
    if !evaluation.passed {
        let clear = evaluation
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error && !f.message.trim().is_empty());
        assert!(
            clear,
            "a failed image must carry an error finding with a message"
        );
    }
    let caught: Vec<&str> = facts
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .filter(|m| m.contains("parser panic"))
        .collect();
    Ok(if caught.is_empty() {
        format!("passed={}", evaluation.passed)
    } else {
        format!("caught third-party panic: {}", caught.join("; "))
    })
}

/// Mounts a bare volume and walks it (list, stat, open, read), bounded.
fn walk_volume(m: Mutant) -> Result<String, String> {
    let fs = mount(Arc::new(m)).map_err(|e| e.to_string())?;
    let _ = fs.label();
    let mut queue = vec![String::new()];
    let mut visits = 0;
    let mut caught = String::new();
    while let Some(dir) = queue.pop() {
        let entries = match fs.list(&dir) {
            Ok(e) => e,
            Err(e) => {
                if e.to_string().contains("parser panic") {
                    caught = e.to_string();
                }
                continue;
            }
        };
        for e in entries {
            visits += 1;
            if visits > 300 {
                return Ok(caught);
            }
            let path = format!("{dir}/{}", e.name);
            let _ = fs.stat(&path);
            if e.is_dir {
                queue.push(path);
            } else if let Ok(FileData::Content(d)) = fs.open(&path, None) {
                let mut buf = vec![0u8; 4096.min(usize::try_from(d.len()).unwrap_or(0))];
                let _ = d.read_at(0, &mut buf);
            }
        }
    }
    Ok(caught)
}

/// Opens a hive (no logs) and walks it as the fuzz targets do: control set, BCD, every key.
fn walk_hive(m: Mutant) -> Result<String, String> {
    let hive = Hive::open(Arc::new(m), HiveLogs::none(), HiveOptions::default())
        .map_err(|e| e.to_string())?;
    hive.root().map_err(|e| e.to_string())?;
    let seen = vhdlint_registry::fuzzing::walk(&hive);
    let _ = BcdStore::read(&hive).map(|s| s.default_entry().map(|e| e.elements.len()));
    Ok(format!("{seen} keys"))
}

/// A VHDX (dirty log) opened and read through the container API.
fn read_container(m: Mutant) -> Result<String, String> {
    let c = open_source(Arc::new(m), &mut NoParents).map_err(|e| e.to_string())?;
    let len = c.len();
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..64u64 {
        let _ = c.read_at(
            (len / 64 * i).min(len.saturating_sub(buf.len() as u64)),
            &mut buf,
        );
    }
    Ok(format!("replayed={}", c.info().log_replayed))
}

/// The tally of one kind.
#[derive(Default)]
struct Tally {
    mutants: usize,
    caught: usize,
    max_time: std::time::Duration,
    max_peak: usize,
    failures: Vec<String>,
    /// How many mutants ended each way (the first words of the outcome).
    outcomes: std::collections::BTreeMap<String, usize>,
}

fn sweep(kind: &str, all: Vec<Mutant>, run: fn(Mutant) -> Result<String, String>) -> Tally {
    let mut t = Tally::default();
    let started = Instant::now();
    for m in all {
        let what = m.what.clone();
        let (r, cost) = measure(&what, || run(m));
        t.mutants += 1;
        t.max_time = t.max_time.max(cost.time);
        t.max_peak = t.max_peak.max(cost.peak);
        let outcome = match &r {
            Err(_) => "panic".to_string(),
            Ok(Ok(s)) => format!("ok {}", s.chars().take(40).collect::<String>()),
            Ok(Err(s)) => format!("err {}", s.chars().take(40).collect::<String>()),
        };
        *t.outcomes.entry(outcome).or_default() += 1;
        match r {
            Err(panic) => t.failures.push(format!("PANIC {what}: {panic}")),
            Ok(Ok(s)) | Ok(Err(s)) if s.contains("parser panic") => t.caught += 1,
            Ok(_) => {}
        }
        if cost.time > TIME_LIMIT {
            t.failures.push(format!("SLOW {what}: {:?}", cost.time));
        }
        if cost.peak > MEMORY_LIMIT {
            t.failures
                .push(format!("MEMORY {what}: {}", mib(cost.peak)));
        }
    }
    println!(
        "sweep {kind}: {} mutants in {:.1?}; slowest {:.1?}, largest peak {}, third-party panics caught \
         (reported as findings) {}",
        t.mutants,
        started.elapsed(),
        t.max_time,
        mib(t.max_peak),
        t.caught
    );
    let mut top: Vec<(&String, &usize)> = t.outcomes.iter().collect();
    top.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
    for (o, n) in top.iter().take(6) {
        println!("    {n:5} × {o}");
    }
    t
}

fn assert_clean(t: &Tally) {
    let mut msg = String::new();
    for f in t.failures.iter().take(30) {
        let _ = writeln!(msg, "{f}");
    }
    assert!(
        t.failures.is_empty(),
        "{} failures:\n{msg}",
        t.failures.len()
    );
}

// ---------------------------------------------------------------------------------------------
// One test per fixture kind.

#[test]
fn sweep_gold_vhdx() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("images/gold.vhdx.xz");
    let regions = vhdx_regions(&base);
    let mut all = mutants("gold.vhdx", &base, &regions, 400, 1);
    // A log GUID in the current header: the (empty) log must be replayed or refused cleanly.
    for h in [64 * KIB, 128 * KIB] {
        let mut m = Mutant::new(
            Arc::clone(&base),
            format!("gold.vhdx: log GUID set in header @{h:#x}"),
        );
        m.patch(h + 48, vec![0x5A; 16]);
        m.patch(h + 8, vec![0xFF, 0xFF, 0, 0, 0, 0, 0, 0]);
        m.seal(&Region::new("", h, 4096, Seal::Crc32c { at: 4, len: 4096 }));
        all.push(m);
    }
    assert_clean(&sweep("gold.vhdx", all, pipeline));
}

#[test]
fn sweep_gold_fixed_vhd() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("images/gold-fixed.vhd.xz");
    let mut regions = vhd_regions(&base);
    regions.extend(disk_regions(&base, 0));
    let all = mutants("gold-fixed.vhd", &base, &regions, 100, 2);
    assert_clean(&sweep("gold-fixed.vhd", all, pipeline));
}

#[test]
fn sweep_gold_raw() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("images/gold.raw.xz");
    let regions = disk_regions(&base, 0);
    let all = mutants("gold.raw", &base, &regions, 150, 3);
    assert_clean(&sweep("gold.raw", all, pipeline));
}

#[test]
fn sweep_dynamic_vhd() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("container/pattern-dynamic.vhd.xz");
    let regions = vhd_regions(&base);
    let all = mutants("pattern-dynamic.vhd", &base, &regions, 1000, 4);
    assert_clean(&sweep("pattern-dynamic.vhd", all, pipeline));
}

#[test]
fn sweep_ntfs_volume() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("filesystems/ntfs-3g.img.xz");
    let regions = volume_regions(&base, 0, base.len(), "volume");
    let all = mutants("ntfs-3g.img", &base, &regions, 400, 5);
    assert_clean(&sweep("ntfs-3g.img", all, walk_volume));
}

#[test]
fn sweep_esp() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("filesystems/esp-fat32.img.xz");
    let regions = volume_regions(&base, 0, base.len(), "ESP");
    let all = mutants("esp-fat32.img", &base, &regions, 500, 6);
    assert_clean(&sweep("esp-fat32.img", all, walk_volume));
}

#[test]
fn sweep_hive() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("hives/fixture.hive.xz");
    let regions = hive_regions(&base, 0, "fixture.hive");
    let all = mutants("fixture.hive", &base, &regions, 600, 7);
    assert_clean(&sweep("fixture.hive", all, walk_hive));
}

#[test]
fn sweep_bcd() {
    let _whole = crate::serial();
    let _g = serial();
    let base = load("hives/bcd-fixture.hive.xz");
    let regions = hive_regions(&base, 0, "bcd-fixture.hive");
    let all = mutants("bcd-fixture.hive", &base, &regions, 1000, 8);
    assert_clean(&sweep("bcd-fixture.hive", all, walk_hive));
}

#[test]
fn sweep_dirty_log_vhdx() {
    let _whole = crate::serial();
    let Some(path) = vhdlint_testkit::corpus_file("vhdx/qemu/iotest-dirtylog-10G-4M.vhdx.bz2")
    else {
        return;
    };
    let _g = serial();
    let base = Arc::new(std::fs::read(path).unwrap());
    let regions = log_regions(&base);
    let all = mutants("dirtylog.vhdx", &base, &regions, 300, 9);
    assert_clean(&sweep("dirtylog.vhdx", all, read_container));
}

// ---------------------------------------------------------------------------------------------
// A sample through the binary.

/// Writes `bytes` as a sparse file (zero runs are holes).
fn write_sparse(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::create(path).unwrap();
    f.set_len(bytes.len() as u64).unwrap();
    for (i, chunk) in bytes.chunks(64 * 1024).enumerate() {
        if chunk.iter().any(|&b| b != 0) {
            f.write_all_at(chunk, (i * 64 * 1024) as u64).unwrap();
        }
    }
}

/// Finds the metadata structures of a fixture.
type Locate = fn(&[u8]) -> Vec<Region>;

#[test]
fn sweep_sample_through_the_binary() {
    let _whole = crate::serial();
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-sweep-cli");
    let kinds: [(&str, Locate, u64); 4] = [
        ("images/gold.vhdx.xz", vhdx_regions, 11),
        (
            "images/gold-fixed.vhd.xz",
            |f| {
                let mut r = vhd_regions(f);
                r.extend(disk_regions(f, 0));
                r
            },
            12,
        ),
        ("container/pattern-dynamic.vhd.xz", vhd_regions, 13),
        ("images/gold.raw.xz", |f| disk_regions(f, 0), 14),
    ];
    let mut ran = 0;
    let mut failures = Vec::new();
    for (rel, regions, seed) in kinds {
        let base = load(rel);
        let all = mutants(rel, &base, &regions(&base), 3, seed);
        let step = (all.len() / 13).max(1);
        let picked: Vec<&Mutant> = all.iter().step_by(step).take(13).collect();
        let name = Path::new(rel)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".xz", "");
        for (i, m) in picked.into_iter().enumerate() {
            let path = dir.join(format!("{i:02}-{name}"));
            write_sparse(&path, &m.materialize());
            let out = Command::new(env!("CARGO_BIN_EXE_vhdlint"))
                .args(["check", "--format", "json", "--as-of", "2025-06-01"])
                .arg(&path)
                .output()
                .unwrap();
            ran += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
            let clear = match (&json, code) {
                (Ok(doc), Some(1)) => doc["findings"].as_array().is_some_and(|f| {
                    f.iter()
                        .any(|f| f["message"].as_str().is_some_and(|s| !s.is_empty()))
                }),
                (Ok(_), Some(0)) => true,
                _ => false,
            };
            if !matches!(code, Some(0 | 1)) || !clear || stderr.contains("panicked") {
                failures.push(format!(
                    "{}: exit {code:?}, json {}, stderr: {stderr}",
                    m.what,
                    json.is_ok()
                ));
            }
            std::fs::remove_file(&path).unwrap();
        }
    }
    println!("sweep through the binary: {ran} mutants");
    assert!(ran >= 50, "only {ran} mutants went through the binary");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Compact fuzz seeds.

/// A source that records which 4 KiB blocks were read.
struct Traced {
    bytes: Arc<Vec<u8>>,
    read: std::sync::Mutex<std::collections::BTreeSet<u64>>,
}

impl ReadAt for Traced {
    fn len(&self) -> u64 {
        Vec::len(&self.bytes) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), vhdlint_container::ReadError> {
        self.bytes.as_slice().read_at(offset, buf)?;
        let mut read = self.read.lock().unwrap();
        for b in offset / 4096..(offset + buf.len() as u64).div_ceil(4096) {
            read.insert(b);
        }
        Ok(())
    }
}

/// A dynamic VHD with 4 KiB blocks holding only the blocks `check` reads of `raw`: the same
/// facts as the fixture in a file of a few hundred KiB, so the `pipeline` fuzz target runs
/// thousands of times faster than on the 128 MiB fixture.
fn compact_vhd(raw: &Arc<Vec<u8>>) -> Vec<u8> {
    let traced = Arc::new(Traced {
        bytes: Arc::clone(raw),
        read: Default::default(),
    });
    let source: Arc<dyn ReadAt> = traced.clone();
    let image =
        Image::from_container(Arc::new(open_source(source, &mut NoParents).unwrap())).unwrap();
    let _ = gather(&image, &GatherOptions::default());
    let mut vhd = crate::vhd_writer::Sparse::dynamic(Vec::len(raw) as u64, 4096, [0x5E; 16]);
    for &b in traced.read.lock().unwrap().iter() {
        let at = (b * 4096) as usize;
        let block = &raw[at..(at + 4096).min(Vec::len(raw))];
        if block.iter().any(|&x| x != 0) {
            vhd.write(b * 8, block);
        }
    }
    vhd.to_bytes()
}

#[test]
fn compact_seed_gives_the_fixtures_facts() {
    let _whole = crate::serial();
    let _g = serial();
    let raw = load("images/gold.raw.xz");
    let seed = compact_vhd(&raw);
    let facts = |source: Arc<dyn ReadAt>| {
        let c = open_source(source, &mut NoParents).unwrap();
        let f = gather(
            &Image::from_container(Arc::new(c)).unwrap(),
            &GatherOptions::default(),
        );
        serde_json::to_value(&f).unwrap()
    };
    let (a, b) = (facts(Arc::new(seed.clone())), facts(raw));
    assert_eq!(a["windows"], b["windows"]);
    assert_eq!(a["boot"], b["boot"]);
    assert!(seed.len() < 4 << 20, "{} bytes", seed.len());
    // `fuzz/run.sh` asks for the seeds here.
    if let Some(dir) = std::env::var_os("VHDLINT_FUZZ_SEEDS") {
        std::fs::write(Path::new(&dir).join("gold-compact.vhd"), &seed).unwrap();
    }
}
