//! Resource bounds: crafted worst cases each end with a clean error (or a bounded result), in
//! little time and with a small peak heap, measured by the counting allocator.

use std::path::Path;
use std::sync::Arc;

use vhdlint_container::{ContainerInfo, ReadAt, ReadError};
use vhdlint_filesystems::image::Image;
use vhdlint_gather::{gather, GatherOptions};
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key};

use crate::mutant::{crc32, le32, Mutant, Region, Seal};
use crate::vhd_writer::{self, Sparse};
use crate::vhdx_writer::{self as vx, VhdxBuilder};
use crate::{measure, mib, serial, Cost, TIME_LIMIT};

/// Most heap a crafted worst case may take.
const LIMIT: usize = 64 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;

/// Runs `f`, prints its cost, and asserts no panic, the time bound and the memory bound;
/// returns what `f` returned.
fn bounded<T: std::fmt::Debug>(what: &str, f: impl FnOnce() -> T) -> (T, Cost) {
    let (r, cost) = measure(what, f);
    let r = r.unwrap_or_else(|panic| panic!("{what}: panicked: {panic}"));
    println!(
        "bounds {what}: peak {}, {:.1?}: {r:?}",
        mib(cost.peak),
        cost.time
    );
    assert!(cost.time < TIME_LIMIT, "{what}: took {:?}", cost.time);
    assert!(cost.peak < LIMIT, "{what}: peak heap {}", mib(cost.peak));
    (r, cost)
}

/// Checks `path` with the library's `check` (what the binary runs) and returns the problems.
fn check_problems(path: &Path) -> Vec<String> {
    let as_of = vhdlint_policy::Date::parse("2025-06-01").unwrap();
    let policy = vhdlint_policy::Options::new(vhdlint_policy::Profile::Windows365, as_of);
    match vhdlint::check(path, &vhdlint::Options::new(policy)) {
        Ok(doc) => doc.facts.problems.into_iter().map(|p| p.message).collect(),
        Err(e) => vec![format!("OS error: {e}")],
    }
}

// ---------------------------------------------------------------------------------------------
// VHDX: a 64 TiB disk whose BAT region claims 512 MiB.

/// A small VHDX rewritten to claim a 64 TiB disk of `block` blocks and a 512 MiB BAT region.
fn huge_vhdx(block: u32) -> Vec<u8> {
    let mut b = VhdxBuilder::new(64 << 20, 32 << 20, 512);
    b.write(0, &[0x55; 4096]);
    let (mut f, _) = b.build();
    vx::put_u64(
        &mut f,
        vx::METADATA_OFFSET + vx::ITEM_VIRTUAL_SIZE,
        64 * TIB,
    );
    vx::put_u32(
        &mut f,
        vx::METADATA_OFFSET + vx::ITEM_FILE_PARAMETERS,
        block,
    );
    for rt in [vx::REGION1, vx::REGION2] {
        vx::put_u32(&mut f, rt + 40, 512 << 20);
        vx::reseal(&mut f, rt, 64 * vx::KIB);
    }
    f
}

#[test]
fn vhdx_64_tib_with_a_512_mib_bat_region_past_the_end_of_the_file() {
    let _whole = crate::serial();
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-bounds-vhdx-truncated");
    let path = dir.join("huge.vhdx");
    std::fs::write(&path, huge_vhdx(2 << 20)).unwrap();
    let (problems, _) = bounded("64 TiB VHDX, 256 MiB BAT beyond EOF", || {
        check_problems(&path)
    });
    assert!(
        problems.iter().any(|p| p.contains("BAT")),
        "a clear BAT error: {problems:?}"
    );
}

#[test]
fn vhdx_64_tib_whose_bat_does_not_fit_its_512_mib_region() {
    let _whole = crate::serial();
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-bounds-vhdx-region");
    let path = dir.join("huge.vhdx");
    std::fs::write(&path, huge_vhdx(1 << 20)).unwrap();
    let (problems, _) = bounded("64 TiB VHDX, 1 MiB blocks", || check_problems(&path));
    assert!(
        problems.iter().any(|p| p.contains("BAT region")),
        "a clear BAT region error: {problems:?}"
    );
}

#[test]
fn vhdx_64_tib_with_a_whole_512_mib_bat_in_a_sparse_file() {
    let _whole = crate::serial();
    // The BAT really is there (a sparse file): opening and checking read it lazily, bounded by
    // the BAT page cache, never the whole BAT.
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-bounds-vhdx-sparse");
    let path = dir.join("huge.vhdx");
    let bytes = huge_vhdx(2 << 20);
    let f = std::fs::File::create(&path).unwrap();
    use std::os::unix::fs::FileExt;
    f.write_all_at(&bytes[..(vx::BAT_OFFSET + 4096) as usize], 0)
        .unwrap();
    f.set_len(vx::BAT_OFFSET + (512 << 20)).unwrap();
    drop(f);
    let (problems, _) = bounded("64 TiB VHDX, sparse 512 MiB BAT", || check_problems(&path));
    assert!(!problems.is_empty(), "an empty 64 TiB disk has no Windows");
    let (r, _) = bounded("64 TiB VHDX, container open and spread reads", || {
        let c = vhdlint_container::open(&path).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 1 << 16];
        for i in 0..256u64 {
            c.read_at(i * (c.len() / 256), &mut buf)
                .map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(c.len())
    });
    assert_eq!(r, Ok(64 * TIB));
}

// ---------------------------------------------------------------------------------------------
// GPT: 2^31 entries, with valid CRCs.

/// A disk of `len` bytes: zeros except the given sectors.
struct SparseDisk {
    len: u64,
    chunks: Vec<(u64, Vec<u8>)>,
}

impl ReadAt for SparseDisk {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        vhdlint_container::read::check_bounds(offset, buf.len(), self.len)?;
        buf.fill(0);
        for (at, c) in &self.chunks {
            let (s, e) = (
                (*at).max(offset),
                (at + c.len() as u64).min(offset + buf.len() as u64),
            );
            if s < e {
                buf[(s - offset) as usize..(e - offset) as usize]
                    .copy_from_slice(&c[(s - at) as usize..(e - at) as usize]);
            }
        }
        Ok(())
    }
}

/// CRC-32 of `n` zero bytes, in O(log n) (zlib's GF(2) operator squaring).
fn crc32_of_zeros(n: u64) -> u32 {
    fn times(m: &[u32; 32], mut v: u32) -> u32 {
        let mut s = 0;
        let mut i = 0;
        while v != 0 {
            if v & 1 != 0 {
                s ^= m[i];
            }
            v >>= 1;
            i += 1;
        }
        s
    }
    fn square(m: &[u32; 32]) -> [u32; 32] {
        let mut sq = [0u32; 32];
        for (i, s) in sq.iter_mut().enumerate() {
            *s = times(m, m[i]);
        }
        sq
    }
    // The operator for one zero bit, then for one zero byte.
    let mut op = [0u32; 32];
    op[0] = 0xEDB8_8320;
    for (i, o) in op.iter_mut().enumerate().skip(1) {
        *o = 1 << (i - 1);
    }
    for _ in 0..3 {
        op = square(&op);
    }
    let mut state = !0u32;
    let mut n = n;
    while n != 0 {
        if n & 1 != 0 {
            state = times(&op, state);
        }
        op = square(&op);
        n >>= 1;
    }
    !state
}

#[test]
fn crc_of_zeros_matches_the_bitwise_crc() {
    let _whole = crate::serial();
    for n in [0u64, 1, 7, 128, 1000, 4096] {
        assert_eq!(crc32_of_zeros(n), crc32(&vec![0u8; n as usize]), "{n}");
    }
}

/// A GPT header at `lba` claiming `entries` entries of 128 bytes at `entries_lba`.
fn gpt_header(lba: u64, other: u64, entries_lba: u64, entries: u32, entries_crc: u32) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..8].copy_from_slice(b"EFI PART");
    h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
    h[12..16].copy_from_slice(&92u32.to_le_bytes());
    h[24..32].copy_from_slice(&lba.to_le_bytes());
    h[32..40].copy_from_slice(&other.to_le_bytes());
    h[40..48].copy_from_slice(&(2 + (1u64 << 29)).to_le_bytes());
    h[48..56].copy_from_slice(&(lba.max(other) - 1 - (1u64 << 29)).to_le_bytes());
    h[56..72].copy_from_slice(&[0x42; 16]);
    h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
    h[80..84].copy_from_slice(&entries.to_le_bytes());
    h[84..88].copy_from_slice(&128u32.to_le_bytes());
    h[88..92].copy_from_slice(&entries_crc.to_le_bytes());
    let crc = crc32(&h[..92]);
    h[16..20].copy_from_slice(&crc.to_le_bytes());
    h
}

#[test]
fn gpt_claiming_2_pow_31_entries_with_valid_crcs() {
    let _whole = crate::serial();
    let _g = serial();
    let entries = 1u32 << 31;
    let array = u64::from(entries) * 128; // 256 GiB of entries
    let len = 600 * GIB;
    let last = len / 512 - 1;
    let crc = crc32_of_zeros(array);
    let mut mbr = vec![0u8; 512];
    mbr[446 + 4] = 0xEE;
    mbr[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
    mbr[446 + 12..446 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    mbr[510..].copy_from_slice(&[0x55, 0xAA]);
    let disk = Arc::new(SparseDisk {
        len,
        chunks: vec![
            (0, mbr),
            (512, gpt_header(1, last, 2, entries, crc)),
            (
                last * 512,
                gpt_header(last, 1, last - (array / 512), entries, crc),
            ),
        ],
    });
    let d = Arc::clone(&disk);
    let (r, _) = bounded("GPT with 2^31 entries: read_partitions", move || {
        vhdlint_volumes::read_partitions(&*d, 512)
            .map(|t| t.entries.len())
            .map_err(|e| e.to_string())
    });
    if let Err(e) = &r {
        assert!(!e.is_empty());
    }
    let (problems, _) = bounded("GPT with 2^31 entries: whole pipeline", move || {
        let info = ContainerInfo::raw(len);
        let c = vhdlint_container::Container::new(info, disk, None);
        match Image::from_container(Arc::new(c)) {
            Ok(image) => gather(&image, &GatherOptions::default())
                .problems
                .into_iter()
                .map(|p| p.message)
                .collect(),
            Err(e) => vec![e.to_string()],
        }
    });
    assert!(!problems.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Hives: cells and bins claiming gigabytes, cyclic subkey lists.

fn fixture_hive() -> Arc<Vec<u8>> {
    Arc::new(std::fs::read(vhdlint_testkit::testdata_file("hives/fixture.hive.xz")).unwrap())
}

/// Opens the hive and reads every key and value (bounded), returning how many keys or the error.
fn walk(m: Mutant) -> Result<usize, String> {
    let hive = Hive::open(Arc::new(m), HiveLogs::none(), HiveOptions::default())
        .map_err(|e| e.to_string())?;
    let mut stack: Vec<Key> = vec![hive.root().map_err(|e| e.to_string())?];
    let mut seen = 0;
    let mut first_error = None;
    while let Some(key) = stack.pop() {
        seen += 1;
        assert!(seen < 100_000, "walk did not end");
        for v in key.values().unwrap_or_default() {
            if let Err(e) = v.data() {
                first_error.get_or_insert(e.to_string());
            }
        }
        match key.subkeys() {
            Ok(s) => stack.extend(s),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    match first_error {
        Some(e) => Err(format!("{seen} keys, then {e}")),
        None => Ok(seen),
    }
}

/// File offset of the root key's cell.
fn root_cell(h: &[u8]) -> u64 {
    4096 + le32(h, 0x24)
}

/// File offsets of the first value cells (`vk`) of the hive.
fn value_cells(h: &[u8]) -> Vec<u64> {
    (4096..h.len() - 8)
        .step_by(8)
        .filter(|&o| &h[o + 4..o + 6] == b"vk" && (h[o + 3] & 0x80) != 0)
        .take(50)
        .map(|o| o as u64)
        .collect()
}

#[test]
fn hive_cells_and_bins_claiming_gigabytes() {
    let _whole = crate::serial();
    let _g = serial();
    let base = fixture_hive();
    let root = root_cell(&base);
    let mut cases = Vec::new();
    let mut m = Mutant::new(
        Arc::clone(&base),
        "root key cell claiming 2 GiB (size i32::MIN)",
    );
    m.patch(root, i32::MIN.to_le_bytes().to_vec());
    cases.push(m);
    let mut m = Mutant::new(
        Arc::clone(&base),
        "hive bins size 4 GiB (base block re-sealed)",
    );
    m.patch(0x28, 0xFFFF_F000u32.to_le_bytes().to_vec());
    m.seal(&Region::new("base block", 0, 512, Seal::HiveXor));
    cases.push(m);
    let mut m = Mutant::new(Arc::clone(&base), "first hbin claiming 4 GiB");
    m.patch(4096 + 8, 0xFFFF_F000u32.to_le_bytes().to_vec());
    cases.push(m);
    let vks = value_cells(&base);
    assert!(!vks.is_empty(), "the fixture has values");
    for (size, label) in [
        (0x7FFF_FFF0u32, "values with data claiming 2 GiB"),
        (
            0xFFFF_FFF0,
            "values with data claiming 4 GiB (resident flag set)",
        ),
        (0x8000_0000 - 1, "values with data claiming 2^31 - 1 bytes"),
    ] {
        let mut m = Mutant::new(Arc::clone(&base), label);
        for &vk in &vks {
            m.patch(vk + 8, size.to_le_bytes().to_vec());
        }
        cases.push(m);
    }
    for m in cases {
        let what = format!("hive: {}", m.what);
        let _ = bounded(&what, move || walk(m));
    }
}

#[test]
fn cyclic_subkey_lists_end_with_a_loop_error() {
    let _whole = crate::serial();
    let _g = serial();
    let base = fixture_hive();
    let root = root_cell(&base);
    let root_off = le32(&base, 0x24);
    let list = 4096 + le32(&base, root as usize + 4 + 0x1C);
    let list_off = list - 4096;
    assert!(
        matches!(
            &base[list as usize + 4..list as usize + 6],
            b"lf" | b"lh" | b"li" | b"ri"
        ),
        "root subkey list"
    );
    let entry = if &base[list as usize + 4..list as usize + 6] == b"li" {
        4
    } else {
        8
    };
    let count = u64::from(u16::from_le_bytes([
        base[list as usize + 6],
        base[list as usize + 7],
    ]));

    // Every entry of the root's list names the root itself.
    let mut m = Mutant::new(Arc::clone(&base), "root subkey list naming the root");
    for i in 0..count {
        m.patch(list + 8 + i * entry, root_off.to_le_bytes().to_vec());
    }
    let (r, _) = bounded("cyclic subkey list (root → root)", move || walk(m));
    assert!(
        r.is_err_and(|e| e.contains("loop") || e.contains("Loop")),
        "a loop error"
    );

    // An index root (ri) naming itself.
    let mut m = Mutant::new(Arc::clone(&base), "ri list naming itself");
    let mut ri = b"ri".to_vec();
    ri.extend_from_slice(&1u16.to_le_bytes());
    ri.extend_from_slice(&list_off.to_le_bytes()[..4]);
    m.patch(list + 4, ri);
    let (r, _) = bounded("cyclic index root (ri → ri)", move || walk(m));
    assert!(r.is_err(), "a loop error");

    // A child's list naming the root (a cycle two levels deep), for every child.
    let mut m = Mutant::new(Arc::clone(&base), "children's subkey lists naming the root");
    for i in 0..count {
        let child = 4096 + le32(&base, (list + 8 + i * entry) as usize);
        m.patch(child + 4 + 0x14, 1u32.to_le_bytes().to_vec());
        m.patch(child + 4 + 0x1C, list_off.to_le_bytes()[..4].to_vec());
    }
    let (r, _) = bounded("cyclic subkey lists (root → child → root)", move || {
        walk(m)
    });
    assert!(r.is_err(), "a loop error");

    // A path lookup through the cycle ends too.
    let mut m = Mutant::new(Arc::clone(&base), "root subkey list naming the root");
    for i in 0..count {
        m.patch(list + 8 + i * entry, root_off.to_le_bytes().to_vec());
    }
    let _ = bounded("path lookup through a cyclic list", move || {
        let hive = Hive::open(Arc::new(m), HiveLogs::none(), HiveOptions::default()).unwrap();
        let path = vec!["x"; 2000].join("\\");
        hive.key(&path)
            .map(|k| k.is_some())
            .map_err(|e| e.to_string())
    });
}

// ---------------------------------------------------------------------------------------------
// Differencing chains.

#[test]
fn cyclic_vhdx_parent_chain() {
    let _whole = crate::serial();
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-bounds-vhdx-cycle");
    let (ga, gb) = (
        vx::g("aaaaaaaa-0000-0000-0000-00000000000a"),
        vx::g("bbbbbbbb-0000-0000-0000-00000000000b"),
    );
    let a = VhdxBuilder::new(8 << 20, 1 << 20, 512)
        .identity(ga)
        .differencing(gb, ".\\b.vhdx");
    let b = VhdxBuilder::new(8 << 20, 1 << 20, 512)
        .identity(gb)
        .differencing(ga, ".\\a.vhdx");
    std::fs::write(dir.join("a.vhdx"), a.build().0).unwrap();
    std::fs::write(dir.join("b.vhdx"), b.build().0).unwrap();
    let s = VhdxBuilder::new(8 << 20, 1 << 20, 512)
        .identity(ga)
        .differencing(ga, ".\\self.vhdx");
    std::fs::write(dir.join("self.vhdx"), s.build().0).unwrap();
    for name in ["a.vhdx", "self.vhdx"] {
        let path = dir.join(name);
        let (r, _) = bounded(&format!("cyclic VHDX chain from {name}"), || {
            vhdlint_container::open(&path)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        let e = r.unwrap_err();
        assert!(e.contains("parent chain"), "{e}");
        let (problems, _) = bounded(&format!("check of {name}"), || check_problems(&path));
        assert!(
            problems.iter().any(|p| p.contains("parent chain")),
            "{problems:?}"
        );
    }
}

#[test]
fn cyclic_and_too_deep_vhd_parent_chains() {
    let _whole = crate::serial();
    let _g = serial();
    let dir = vhdlint_testkit::scratch_dir("hostile-bounds-vhd-chain");
    let size = 1 << 20;
    // a.vhd ↔ b.vhd.
    let a = Sparse::differencing(
        size,
        1 << 16,
        vhd_writer::id(0xA),
        vhd_writer::id(0xB),
        "b.vhd",
    );
    let b = Sparse::differencing(
        size,
        1 << 16,
        vhd_writer::id(0xB),
        vhd_writer::id(0xA),
        "a.vhd",
    );
    std::fs::write(dir.join("a.vhd"), a.to_bytes()).unwrap();
    std::fs::write(dir.join("b.vhd"), b.to_bytes()).unwrap();
    let path = dir.join("a.vhd");
    let (r, _) = bounded("cyclic VHD chain", || {
        vhdlint_container::open(&path)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    assert!(r.unwrap_err().contains("parent chain"));

    // d000.vhd ← d001.vhd ← … ← d100.vhd: deeper than MAX_CHAIN_DEPTH.
    let depth = 100u8;
    std::fs::write(
        dir.join("d000.vhd"),
        Sparse::dynamic(size, 1 << 16, vhd_writer::id(0)).to_bytes(),
    )
    .unwrap();
    for i in 1..=depth {
        let d = Sparse::differencing(
            size,
            1 << 16,
            vhd_writer::id(i),
            vhd_writer::id(i - 1),
            &format!("d{:03}.vhd", i - 1),
        );
        std::fs::write(dir.join(format!("d{i:03}.vhd")), d.to_bytes()).unwrap();
    }
    let path = dir.join(format!("d{depth:03}.vhd"));
    let (r, _) = bounded("VHD chain 100 deep", || {
        vhdlint_container::open(&path)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    let e = r.unwrap_err();
    assert!(
        e.contains(&vhdlint_container::MAX_CHAIN_DEPTH.to_string()),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the sweep.

/// NTFS: a root directory whose `$INDEX_ROOT` claims 0xFB8A7DA4-byte index records made the
/// `ntfs` crate allocate that much (4 GiB) before reading one record (found by the sweep of
/// ntfs-3g.img; reproducer in fuzz/regressions/filesystems/).
#[test]
fn ntfs_index_root_claiming_4_gib_index_records_stays_bounded() {
    let _whole = crate::serial();
    let _g = serial();
    let path = vhdlint_testkit::workspace_root()
        .join("fuzz/regressions/filesystems/ntfs-index-root-record-size-4gib.img.xz");
    let out = std::process::Command::new("xz")
        .arg("-dc")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let bytes = out.stdout;
    bounded("NTFS $INDEX_ROOT claiming 4 GiB index records", || {
        vhdlint_filesystems::fuzzing::exercise(&bytes)
    });
}
