//! Issue 12, containers and partition tables: each crafted worst case built in code, run through
//! the library, asserting the outcome a user expects, a work bound (bytes read through a
//! [`Counted`] source, proportional to the file) and the peak heap (counting allocator). No
//! wall-clock assertion; the time is printed (and the hang detector of `measure` stays).
//!
//! `VHDLINT_WORST_DIR=dir cargo test --release --test hostile worst_container_files` writes the
//! images to `dir` (for measuring the release binary with `/usr/bin/time -v`).

use std::sync::Arc;

use vhdlint_container::{open_source, ContainerError, Counted, NoParents, ReadAt};
use vhdlint_filesystems::image::Image;
use vhdlint_gather::{gather, GatherOptions};

use crate::vhdx_writer::{self as vx, LogDesc, VhdxBuilder};
use crate::{measure, mib, serial};
use vhdlint_volumes::gpt::crc32;

/// Peak heap a worst case may take (issue 12: ≤ 64 MiB).
const PEAK_LIMIT: usize = 64 << 20;
const MIB: u64 = 1 << 20;
const LOG_GUID: &str = "c0ffee00-1111-4222-8333-777777777777";

/// Runs `f` measured, prints the figures, asserts no panic and the peak bound. The caller holds
/// [`serial`] for the whole test, so building another test's 256 MiB fixture does not count.
fn case<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (r, cost) = measure(what, f);
    eprintln!(
        "worst_container {what}: {:?}, peak {}",
        cost.time,
        mib(cost.peak)
    );
    let r = r.unwrap_or_else(|p| panic!("{what}: panic: {p}"));
    assert!(
        cost.peak <= PEAK_LIMIT,
        "{what}: peak {} over {}",
        mib(cost.peak),
        mib(PEAK_LIMIT)
    );
    r
}

/// A dynamic VHDX (8 MiB disk, 1 MiB blocks, block 0 written) whose headers name a log of
/// `log_len` bytes at the end of the file holding `entries` (log position, bytes).
fn vhdx_with_log(log_len: u64, entries: impl FnOnce(u64, u64) -> Vec<(u64, Vec<u8>)>) -> Vec<u8> {
    let mut b = VhdxBuilder::new(8 * MIB, MIB as u32, 512);
    b.write(0, &vec![0x11; MIB as usize]);
    let (mut f, layout) = b.build();
    let block0 = layout.blocks[&0];
    let log_at = f.len() as u64;
    f.resize((log_at + log_len) as usize, 0);
    for (pos, e) in entries(block0, log_at) {
        vx::put(&mut f, log_at + pos, &e);
    }
    for h in [vx::HEADER1, vx::HEADER2] {
        vx::put(&mut f, h + 48, &vx::g(LOG_GUID).0);
        vx::put_u32(&mut f, h + 68, log_len as u32);
        vx::put_u64(&mut f, h + 72, log_at);
        vx::reseal(&mut f, h, 4096);
    }
    f
}

/// 256 MiB of log: 32,768 entries of one data sector each (sequence 1…32,768, tails at the
/// first entry), each writing its own sector of block 0. Before: the whole log read into memory
/// and every page copied (650 MiB).
pub(crate) fn vhdx_big_log() -> Vec<u8> {
    let log_len = 256 * MIB;
    vhdx_with_log(log_len, |block0, log_at| {
        let file_len = log_at + log_len;
        (0..32_768u64)
            .map(|i| {
                let mut page = vec![(i % 251) as u8; 4096];
                page[..8].copy_from_slice(&i.to_le_bytes());
                let e = vx::log_entry(
                    i + 1,
                    0,
                    vx::g(LOG_GUID),
                    &[LogDesc::Data {
                        file_offset: block0 + (i % 256) * 4096,
                        page,
                    }],
                    file_len,
                    file_len,
                );
                (i * 8192, e)
            })
            .collect()
    })
}

/// 256 MiB of log: 65,534 header-only entries (a 4 KiB zero descriptor each, tail at itself) and
/// a last entry of 8 KiB whose tail points at its own second sector, not at an entry: every start
/// is a run that is not an active sequence, and a search restarting at each sector walked the log
/// quadratically.
pub(crate) fn vhdx_log_restarts() -> Vec<u8> {
    let log_len = 256 * MIB;
    vhdx_with_log(log_len, |block0, log_at| {
        let file_len = log_at + log_len;
        let n = log_len / 4096 - 2;
        let mut v: Vec<(u64, Vec<u8>)> = (0..n)
            .map(|i| {
                let e = vx::log_entry(
                    i + 1,
                    (i * 4096) as u32,
                    vx::g(LOG_GUID),
                    &[LogDesc::Zero {
                        file_offset: block0 + (i % 256) * 4096,
                        length: 4096,
                    }],
                    file_len,
                    file_len,
                );
                (i * 4096, e)
            })
            .collect();
        let last_pos = n * 4096;
        let mut e = vec![0u8; 8192];
        vx::put(&mut e, 0, b"loge");
        vx::put_u32(&mut e, 8, 8192);
        vx::put_u32(&mut e, 12, (last_pos + 4096) as u32);
        vx::put_u64(&mut e, 16, n + 1);
        vx::put(&mut e, 32, &vx::g(LOG_GUID).0);
        vx::put_u64(&mut e, 48, file_len);
        vx::put_u64(&mut e, 56, file_len);
        vx::seal(&mut e);
        v.push((last_pos, e));
        v
    })
}

#[test]
fn a_256_mib_vhdx_log_replays_by_ranges_in_bounded_memory() {
    let _whole = crate::serial();
    let _g = serial();
    let file = Arc::new(Counted::new(vhdx_big_log()));
    let len = file.len();
    let src = Arc::clone(&file);
    let c = case("VHDX log of 256 MiB, 32,768 entries", move || {
        open_source(src, &mut NoParents)
    })
    .unwrap();
    assert!(c.info().log_replayed);
    let d = c
        .info()
        .diagnostics
        .iter()
        .find(|d| d.code == "vhdxLogReplayed")
        .unwrap();
    assert!(d.message.contains("32768 entries"), "{}", d.message);
    // The last write to each of block 0's first 256 sectors wins: entry 32,512 + k for sector k.
    for k in [0u64, 1, 255] {
        let i = 32_768 - 256 + k;
        let mut got = [0u8; 4096];
        c.read_at(k * 4096, &mut got).unwrap();
        assert_eq!(&got[..8], &i.to_le_bytes(), "sector {k}");
        assert!(got[8..].iter().all(|&b| b == (i % 251) as u8), "sector {k}");
    }
    let mut rest = [0xFFu8; 4096];
    c.read_at(MIB, &mut rest).unwrap();
    assert!(rest.iter().all(|&b| b == 0), "block 1 was never written");
    let read = file.stats().bytes;
    eprintln!("worst_container big log: {read} bytes read of {len}");
    assert!(
        read <= 2 * 256 * MIB,
        "the log is read about once: {read} bytes"
    );
}

#[test]
fn a_log_search_restarting_at_every_sector_stops_at_its_budget() {
    let _whole = crate::serial();
    let _g = serial();
    let file = Arc::new(Counted::new(vhdx_log_restarts()));
    let src = Arc::clone(&file);
    let r = case("VHDX log restarting at every sector", move || {
        open_source(src, &mut NoParents).map(|c| c.info().log_replayed)
    });
    let read = file.stats().bytes;
    eprintln!("worst_container log restarts: {read} bytes read, {r:?}");
    match r {
        Err(ContainerError::TooLarge {
            structure: "VHDX log",
            ..
        }) => {}
        other => panic!("expected the log search budget to trip: {other:?}"),
    }
    assert!(read <= 2 * 256 * MIB, "each entry read once: {read} bytes");
}

/// A raw disk: protective MBR, a GPT of `n` entries of 128 bytes, every one naming the same
/// 24 MiB NTFS volume (the `ntfs-3g` fixture) at 1 MiB past the entries.
pub(crate) fn gpt_overlapping(n: u32) -> Vec<u8> {
    let ntfs = std::fs::read(vhdlint_testkit::testdata_file("filesystems/ntfs-3g.img.xz")).unwrap();
    gpt_overlapping_on(n, &ntfs)
}

/// A GPT of `n` entries all naming `ntfs` (any volume bytes), placed right after the array.
pub(crate) fn gpt_overlapping_on(n: u32, ntfs: &[u8]) -> Vec<u8> {
    let entries_bytes = u64::from(n) * 128;
    let entries_lbas = entries_bytes.div_ceil(512);
    let vol_lba = 2 + entries_lbas;
    let vol_lbas = ntfs.len() as u64 / 512;
    let backup_entries = vol_lba + vol_lbas;
    let last = backup_entries + entries_lbas;
    let len = (last + 1) * 512;
    let mut f = vec![0u8; len as usize];
    f[446 + 4] = 0xEE;
    f[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
    f[446 + 12..446 + 16].copy_from_slice(&((last) as u32).to_le_bytes());
    f[510..512].copy_from_slice(&[0x55, 0xAA]);
    let mut arr = vec![0u8; entries_bytes as usize];
    let basic = vx::g("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7").0;
    for i in 0..n as usize {
        let e = &mut arr[i * 128..(i + 1) * 128];
        e[..16].copy_from_slice(&basic);
        e[16..20].copy_from_slice(&(i as u32).to_le_bytes());
        e[20..32].copy_from_slice(&[0x5A; 12]);
        e[32..40].copy_from_slice(&vol_lba.to_le_bytes());
        e[40..48].copy_from_slice(&(vol_lba + vol_lbas - 1).to_le_bytes());
        for (k, u) in "shared".encode_utf16().enumerate() {
            e[56 + 2 * k..58 + 2 * k].copy_from_slice(&u.to_le_bytes());
        }
    }
    let arr_crc = crc32(&arr);
    let header = |lba: u64, other: u64, entries_lba: u64| {
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&lba.to_le_bytes());
        h[32..40].copy_from_slice(&other.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + entries_lbas).to_le_bytes());
        h[48..56].copy_from_slice(&(backup_entries - 1).to_le_bytes());
        h[56..72].copy_from_slice(&[0x42; 16]);
        h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
        h[80..84].copy_from_slice(&n.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&arr_crc.to_le_bytes());
        let crc = crc32(&h[..92]);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        h
    };
    f[512..1024].copy_from_slice(&header(1, last, 2));
    f[1024..1024 + arr.len()].copy_from_slice(&arr);
    let b = (backup_entries * 512) as usize;
    f[b..b + arr.len()].copy_from_slice(&arr);
    f[(last * 512) as usize..].copy_from_slice(&header(last, 1, backup_entries));
    let v = (vol_lba * 512) as usize;
    f[v..v + ntfs.len()].copy_from_slice(ntfs);
    f
}

#[test]
fn a_gpt_of_1024_overlapping_entries_mounts_one_volume() {
    let _whole = crate::serial();
    let _g = serial();
    let file = Arc::new(Counted::new(gpt_overlapping(1024)));
    let len = file.len();
    let src = Arc::clone(&file);
    let (problems, overlaps, volumes) = case("GPT of 1,024 entries on one volume", move || {
        let c = open_source(src, &mut NoParents).unwrap();
        let image = Image::from_container(Arc::new(c)).unwrap();
        let facts = gather(&image, &GatherOptions::default());
        let diags: Vec<String> = image
            .partitions()
            .diagnostics
            .iter()
            .filter(|d| d.code == "partitionOverlap")
            .map(|d| d.message.clone())
            .collect();
        (
            facts
                .problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>(),
            diags,
            image.volumes().len(),
        )
    });
    eprintln!("worst_container gpt: {problems:?} {overlaps:?}");
    assert_eq!(volumes, 1, "the 1,023 overlapping entries are not volumes");
    assert_eq!(
        overlaps.len(),
        vhdlint_volumes::MAX_DIAGNOSTICS_PER_CODE + 1,
        "overlaps named by the first entries and a count: {overlaps:?}"
    );
    assert!(overlaps[0].contains("partition 2 "), "{overlaps:?}");
    assert!(
        overlaps.last().unwrap().contains("1007 more"),
        "{overlaps:?}"
    );
    // The fixture's NTFS holds a `Windows\System32\config` of placeholder files: the Windows
    // volume is found (on partition 1) and its hives are judged, once.
    assert_eq!(
        problems
            .iter()
            .filter(|m| m.starts_with("SYSTEM hive"))
            .count(),
        1,
        "{problems:?}"
    );
    let read = file.stats().bytes;
    eprintln!("worst_container gpt 1024: {read} bytes read of {len}");
    assert!(read <= 2 << 20, "{read} bytes read of a {len}-byte disk");
}

#[test]
fn a_gpt_of_131072_used_entries_is_refused_naming_the_budget() {
    let _whole = crate::serial();
    let _g = serial();
    let file = Arc::new(Counted::new(gpt_overlapping(131_072)));
    let src = Arc::clone(&file);
    let r = case("GPT of 131,072 entries on one volume", move || {
        let c = open_source(src, &mut NoParents).unwrap();
        Image::from_container(Arc::new(c)).map(|i| i.volumes().len())
    });
    let e = r.unwrap_err().to_string();
    assert!(e.contains("used entries") && e.contains("1024"), "{e}");
    let read = file.stats().bytes;
    assert!(read <= 2 << 20, "stops at the budget: {read} bytes read");
}

/// A differencing VHDX whose parent locator holds `parent_linkage` (as the builder wrote it) and
/// `keys` more entries with empty values. `key_len` 0: each key its own non-overlapping string
/// (one or two UTF-16 units, all distinct); otherwise key *j* starts 2 bytes after key *j − 1* and
/// is `key_len` bytes long, so the keys overlap.
pub(crate) fn vhdx_with_locator(keys: usize, key_len: u16) -> Vec<u8> {
    let le16 = |b: &[u8], at: usize| u64::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let le32 = |b: &[u8], at: usize| {
        u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
    };
    let b =
        VhdxBuilder::new(8 * MIB, MIB as u32, 512).differencing(vx::g(LOG_GUID), ".\\parent.vhdx");
    let (mut f, _) = b.build();
    let m = vx::METADATA_OFFSET;
    let items = le16(&f, m as usize + 10);
    let entry = (0..items)
        .map(|i| m + 32 + 32 * i)
        .find(|&at| le32(&f, at as usize + 16) == vx::ITEM_PARENT_LOCATOR)
        .unwrap();
    let at = (m + vx::ITEM_PARENT_LOCATOR) as usize;
    let old = f[at..at + le32(&f, entry as usize + 20) as usize].to_vec();
    let span = |o: usize, l: usize| old[o..o + l].to_vec();
    let linkage_key = span(le32(&old, 20) as usize, le16(&old, 28) as usize);
    let linkage_value = span(le32(&old, 24) as usize, le16(&old, 30) as usize);

    let total = 1 + keys;
    assert!(
        total <= usize::from(u16::MAX),
        "a locator counts its entries in 16 bits"
    );
    let mut loc = old[..20].to_vec();
    loc[18..20].copy_from_slice(&(total as u16).to_le_bytes());
    loc.resize(20 + 12 * total, 0);
    let entry_at = |loc: &mut Vec<u8>, i: usize, ko: usize, kl: usize, vo: usize, vl: usize| {
        let e = 20 + 12 * i;
        loc[e..e + 4].copy_from_slice(&(ko as u32).to_le_bytes());
        loc[e + 4..e + 8].copy_from_slice(&(vo as u32).to_le_bytes());
        loc[e + 8..e + 10].copy_from_slice(&(kl as u16).to_le_bytes());
        loc[e + 10..e + 12].copy_from_slice(&(vl as u16).to_le_bytes());
    };
    let (ko, vo) = (loc.len(), loc.len() + linkage_key.len());
    loc.extend_from_slice(&linkage_key);
    loc.extend_from_slice(&linkage_value);
    entry_at(&mut loc, 0, ko, linkage_key.len(), vo, linkage_value.len());
    // Distinct characters, no surrogates: U+0100..U+D7FF, U+E000..U+FFFD.
    let chars: Vec<char> = ('\u{100}'..='\u{D7FF}')
        .chain('\u{E000}'..='\u{FFFD}')
        .collect();
    let base = loc.len();
    if key_len == 0 {
        for j in 0..keys {
            let key: String = if j < chars.len() {
                chars[j].to_string()
            } else {
                format!("a{}", chars[j - chars.len()])
            };
            let units: Vec<u8> = key.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let ko = loc.len();
            loc.extend_from_slice(&units);
            entry_at(&mut loc, 1 + j, ko, units.len(), base, 0);
        }
    } else {
        for c in chars.iter().cycle().take(keys + usize::from(key_len) / 2) {
            loc.extend(
                c.encode_utf16(&mut [0; 2])
                    .iter()
                    .flat_map(|u| u.to_le_bytes()),
            );
        }
        for j in 0..keys {
            entry_at(&mut loc, 1 + j, base + 2 * j, usize::from(key_len), base, 0);
        }
    }
    assert!(
        (at + loc.len()) as u64 <= m + MIB,
        "the locator fits the metadata region"
    );
    vx::put(&mut f, at as u64, &loc);
    vx::put_u32(&mut f, entry + 20, loc.len() as u32);
    f
}

#[test]
fn a_vhdx_parent_locator_of_65535_distinct_keys_is_read_in_linear_time() {
    let _whole = crate::serial();
    let _g = serial();
    let file = Arc::new(Counted::new(vhdx_with_locator(65_534, 0)));
    let len = file.len();
    let src = Arc::clone(&file);
    let r = case(
        "VHDX parent locator with 65,535 distinct keys (parent_linkage and 65,534 more)",
        move || open_source(src, &mut NoParents).map(|_| ()),
    );
    // The locator is read whole and accepted; the parent is what is missing.
    let e = r.unwrap_err().to_string();
    assert!(
        !e.contains("parent locator") && e.contains("parent"),
        "the locator parses, the parent is missing: {e}"
    );
    let read = file.stats().bytes;
    assert!(read <= 2 << 20, "{read} bytes read of {len}");
}

#[test]
fn a_vhdx_parent_locator_whose_keys_overlap_is_refused_before_decoding() {
    let _whole = crate::serial();
    let _g = serial();
    // 65,534 keys of 60,000 bytes over one 190 KiB string: 3.9 GB of UTF-16 to decode.
    let file = Arc::new(Counted::new(vhdx_with_locator(65_534, 60_000)));
    let src = Arc::clone(&file);
    let r = case(
        "VHDX parent locator of 65,534 overlapping keys",
        move || open_source(src, &mut NoParents).map(|_| ()),
    );
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("VHDX parent locator") && e.contains("overlap"),
        "{e}"
    );
}

/// Writes the images to `$VHDLINT_WORST_DIR` when set (for the release-binary figures).
#[test]
fn worst_container_files() {
    let _whole = crate::serial();
    let Some(dir) = std::env::var_os("VHDLINT_WORST_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vhdx-big-log.vhdx"), vhdx_big_log()).unwrap();
    std::fs::write(dir.join("vhdx-log-restarts.vhdx"), vhdx_log_restarts()).unwrap();
    std::fs::write(dir.join("gpt-overlapping.raw"), gpt_overlapping(131_072)).unwrap();
    std::fs::write(
        dir.join("vhdx-locator-keys.vhdx"),
        vhdx_with_locator(65_534, 0),
    )
    .unwrap();
    std::fs::write(
        dir.join("vhdx-locator-overlap.vhdx"),
        vhdx_with_locator(65_534, 60_000),
    )
    .unwrap();
}

/// Writes the worst cases in sizes that fit a fuzz input into `$VHDLINT_WORST_SEEDS` when set
/// (fuzz/run.sh seeds `container`, `vhdx` and `volumes` with them): a 1 MiB VHDX log restarting
/// at every sector, a 1 MiB log of 128 data entries, GPTs of 1,024 and 2,048 entries naming one
/// range. Without it, checks that each fits its target's input size.
#[test]
fn write_worst_container_seeds() {
    let _whole = crate::serial();
    let small_log = |restart: bool| {
        vhdx_with_log(MIB, |block0, log_at| {
            let file_len = log_at + MIB;
            let n = if restart { 254u64 } else { 128 };
            let step = if restart { 4096 } else { 8192 };
            let mut v: Vec<(u64, Vec<u8>)> = (0..n)
                .map(|i| {
                    let d = if restart {
                        LogDesc::Zero {
                            file_offset: block0 + i * 4096,
                            length: 4096,
                        }
                    } else {
                        LogDesc::Data {
                            file_offset: block0 + i * 4096,
                            page: vec![i as u8; 4096],
                        }
                    };
                    let tail = if restart { (i * 4096) as u32 } else { 0 };
                    let e = vx::log_entry(i + 1, tail, vx::g(LOG_GUID), &[d], file_len, file_len);
                    (i * step, e)
                })
                .collect();
            if restart {
                let last_pos = n * 4096;
                let mut e = vec![0u8; 8192];
                vx::put(&mut e, 0, b"loge");
                vx::put_u32(&mut e, 8, 8192);
                vx::put_u32(&mut e, 12, (last_pos + 4096) as u32);
                vx::put_u64(&mut e, 16, n + 1);
                vx::put(&mut e, 32, &vx::g(LOG_GUID).0);
                vx::put_u64(&mut e, 48, file_len);
                vx::put_u64(&mut e, 56, file_len);
                vx::seal(&mut e);
                v.push((last_pos, e));
            }
            v
        })
    };
    let vhdx = [
        ("worst-log-restarts.vhdx", small_log(true)),
        ("worst-log-128-entries.vhdx", small_log(false)),
    ];
    let gpt = [
        (
            "worst-gpt-1024-overlapping.raw",
            gpt_overlapping_on(1024, &[0u8; 64 << 10]),
        ),
        (
            "worst-gpt-2048-used.raw",
            gpt_overlapping_on(2048, &[0u8; 64 << 10]),
        ),
    ];
    for (name, bytes) in &vhdx {
        assert!(bytes.len() <= 8 << 20, "{name}: {} bytes", bytes.len());
    }
    for (name, bytes) in &gpt {
        assert!(bytes.len() <= 1 << 20, "{name}: {} bytes", bytes.len());
    }
    if let Some(dir) = std::env::var_os("VHDLINT_WORST_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in vhdx.into_iter().chain(gpt) {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}
