//! Issue 12, registry and gatherer: each crafted worst case of the table built in code,
//! run through the library, asserting the user-visible outcome (an error naming the aliasing, or
//! a bounded result), a work bound (cell bytes read, overlay bytes: `Hive::work`,
//! `Hive::overlay_bytes`) proportional to the file, and the peak heap (counting allocator).
//! No wall-clock assertion; the time is printed (and the hang detector of `measure` stays).

use std::sync::Arc;

use vhdlint_registry::base_block::checksum;
use vhdlint_registry::log_replay::{OVERLAY_PER_LOG_BYTE, OVERLAY_SLACK};
use vhdlint_registry::marvin::{marvin32, REGISTRY_SEED};
use vhdlint_registry::{BcdStore, ByteBudget, Hive, HiveLogs, HiveOptions, ReadAt, RegistryError};

use crate::{measure, mib, serial};

/// Peak heap a worst case may take (issue 12: ≤ 64 MiB).
const PEAK_LIMIT: usize = 64 << 20;
const NIL: u32 = u32::MAX;

/// Hive bins being written: one hbin, cells appended at 8-aligned offsets.
struct Bins(Vec<u8>);

impl Bins {
    fn new() -> Bins {
        let mut b = vec![0u8; 32];
        b[..4].copy_from_slice(b"hbin");
        Bins(b)
    }
    /// Appends a cell holding `data`; its hive-bins offset.
    fn cell(&mut self, data: &[u8]) -> u32 {
        let off = self.0.len();
        let size = (4 + data.len()).div_ceil(8) * 8;
        self.0.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.0.extend_from_slice(data);
        self.0.resize(off + size, 0);
        off as u32
    }
    /// Offset the next cell will get.
    fn next(&self) -> u32 {
        self.0.len() as u32
    }
    /// The hive file (clean, sequence `seq1`/`seq2`) with root `root`.
    fn hive(mut self, root: u32, seq1: u32, seq2: u32) -> Vec<u8> {
        let len = self.0.len().div_ceil(4096) * 4096;
        self.0.resize(len, 0);
        self.0[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        let mut f = base_block(4096, seq1, seq2, 0, root, len as u32);
        f.extend_from_slice(&self.0);
        f
    }
}

fn base_block(len: usize, seq1: u32, seq2: u32, file_type: u32, root: u32, hbins: u32) -> Vec<u8> {
    let mut bb = vec![0u8; len];
    bb[..4].copy_from_slice(b"regf");
    bb[4..8].copy_from_slice(&seq1.to_le_bytes());
    bb[8..12].copy_from_slice(&seq2.to_le_bytes());
    bb[20..24].copy_from_slice(&1u32.to_le_bytes());
    bb[24..28].copy_from_slice(&5u32.to_le_bytes());
    bb[28..32].copy_from_slice(&file_type.to_le_bytes());
    bb[32..36].copy_from_slice(&1u32.to_le_bytes());
    bb[36..40].copy_from_slice(&root.to_le_bytes());
    bb[40..44].copy_from_slice(&hbins.to_le_bytes());
    bb[44..48].copy_from_slice(&1u32.to_le_bytes());
    let c = checksum(&bb);
    bb[508..512].copy_from_slice(&c.to_le_bytes());
    bb
}

/// A key node: `name`, `subkeys` in `list`, `values` in `vlist`.
fn nk(name: &str, subkeys: u32, list: u32, values: u32, vlist: u32) -> Vec<u8> {
    let mut d = vec![0u8; 76];
    d[..2].copy_from_slice(b"nk");
    d[2..4].copy_from_slice(&0x20u16.to_le_bytes());
    d[20..24].copy_from_slice(&subkeys.to_le_bytes());
    d[28..32].copy_from_slice(&list.to_le_bytes());
    d[32..36].copy_from_slice(&NIL.to_le_bytes());
    d[36..40].copy_from_slice(&values.to_le_bytes());
    d[40..44].copy_from_slice(&vlist.to_le_bytes());
    d[44..48].copy_from_slice(&NIL.to_le_bytes());
    d[48..52].copy_from_slice(&NIL.to_le_bytes());
    d[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

/// A value node: `name`, type `t`, `size` bytes of data at `data`.
fn vk(name: &str, t: u32, size: u32, data: u32) -> Vec<u8> {
    let mut d = vec![0u8; 20];
    d[..2].copy_from_slice(b"vk");
    d[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    d[4..8].copy_from_slice(&size.to_le_bytes());
    d[8..12].copy_from_slice(&data.to_le_bytes());
    d[12..16].copy_from_slice(&t.to_le_bytes());
    d[16..18].copy_from_slice(&1u16.to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

/// An `lh` list of (key offset, hash) entries.
fn lh(entries: impl ExactSizeIterator<Item = (u32, u32)>) -> Vec<u8> {
    let mut l = b"lh".to_vec();
    l.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (off, hash) in entries {
        l.extend_from_slice(&off.to_le_bytes());
        l.extend_from_slice(&hash.to_le_bytes());
    }
    l
}

fn lh_hash(name: &str) -> u32 {
    name.bytes().fold(0u32, |h, c| {
        h.wrapping_mul(37)
            .wrapping_add(u32::from(c.to_ascii_uppercase()))
    })
}

fn u32s(v: impl Iterator<Item = u32>) -> Vec<u8> {
    v.flat_map(u32::to_le_bytes).collect()
}

/// Runs `f` measured, prints the figures, asserts no panic and the peak bound.
fn case<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let _g = serial();
    let (r, cost) = measure(what, f);
    eprintln!("worst_reg {what}: {:?}, peak {}", cost.time, mib(cost.peak));
    let r = r.unwrap_or_else(|p| panic!("{what}: panic: {p}"));
    assert!(
        cost.peak <= PEAK_LIMIT,
        "{what}: peak {} over {}",
        mib(cost.peak),
        mib(PEAK_LIMIT)
    );
    r
}

pub(crate) fn open(file: Vec<u8>) -> Hive {
    Hive::open_plain(Arc::new(file)).unwrap()
}

/// Asserts the hive read at most `k` × its length in cells.
fn assert_work(what: &str, hive: &Hive, len: usize, k: u64) {
    let w = hive.work();
    eprintln!(
        "worst_reg {what}: {} cells, {} cell bytes read",
        w.cells, w.cell_bytes
    );
    assert!(
        w.cell_bytes <= k * len as u64,
        "{what}: read {} cell bytes of a {len}-byte hive",
        w.cell_bytes
    );
}

/// 511 levels `a000\a001\…\a510`, every key's subkey list the one 65,535-entry list (an `lh`
/// holds at most 65,535 entries; the 1 M comes from an `ri` of such lists: the same
/// reading per step). The 511 keys are distinct nodes at the end of the list, so no key node
/// repeats on the path (the old reader read the whole list at every level).
pub(crate) fn deep_shared_list() -> (Vec<u8>, String) {
    let mut b = Bins::new();
    let n = 65_535u32;
    let levels = 511u32;
    let filler = b.cell(&nk("zzzz", 0, NIL, 0, NIL));
    let list_len = (4 + 4 + 8 * n).div_ceil(8) * 8;
    let first_level = b.next() + list_len;
    let level_len = (4 + 76 + 4u32).div_ceil(8) * 8;
    let name = |i: u32| format!("a{i:03}");
    let list = lh((0..n).map(|i| match i.checked_sub(n - levels) {
        Some(k) => (first_level + k * level_len, lh_hash(&name(k))),
        None => (filler, lh_hash("zzzz")),
    }));
    let list_off = b.cell(&list);
    assert_eq!(b.next(), first_level);
    for k in 0..levels {
        let at = b.cell(&nk(&name(k), n, list_off, 0, NIL));
        assert_eq!(at, first_level + k * level_len);
    }
    let root = b.cell(&nk("root", n, list_off, 0, NIL));
    let path = (0..levels).map(name).collect::<Vec<_>>().join("\\");
    (b.hive(root, 1, 1), path)
}

#[test]
fn deep_keys_sharing_one_subkey_list_are_refused_after_one_read_of_the_list() {
    let _whole = crate::serial();
    let (file, path) = deep_shared_list();
    let len = file.len();
    let hive = open(file);
    let r = case("511 levels sharing one subkey list", || hive.key(&path));
    assert!(
        matches!(
            r,
            Err(RegistryError::Aliased {
                structure: "subkey list",
                ..
            })
        ),
        "{r:?}"
    );
    assert_work("shared subkey list", &hive, len, 4);
}

/// A key whose value list names one `vk` 1 M times.
pub(crate) fn repeated_values() -> Vec<u8> {
    let mut b = Bins::new();
    let v = b.cell(&vk("v", 4, 0x8000_0004, 1));
    let n = 1u32 << 20;
    let vlist = b.cell(&u32s(std::iter::repeat_n(v, n as usize)));
    let root = b.cell(&nk("root", 0, NIL, n, vlist));
    b.hive(root, 1, 1)
}

#[test]
fn a_value_list_of_one_million_repeats_is_refused() {
    let _whole = crate::serial();
    let file = repeated_values();
    let len = file.len();
    let hive = open(file);
    let r = case("1 M references to one value", || {
        hive.root().and_then(|k| k.values()).map(|v| v.len())
    });
    assert!(
        matches!(
            r,
            Err(RegistryError::Aliased {
                structure: "key value (vk)",
                ..
            })
        ),
        "{r:?}"
    );
    let r = case("1 M references to one value, by name", || {
        hive.root()
            .and_then(|k| k.value("missing"))
            .map(|v| v.is_some())
    });
    assert!(matches!(r, Err(RegistryError::Aliased { .. })), "{r:?}");
    assert_work("repeated values", &hive, len, 4);
}

/// Four values of 64 MiB whose big-data segment lists name one segment cell 4,107 times.
pub(crate) fn shared_segments() -> Vec<u8> {
    let mut b = Bins::new();
    let seg = b.cell(&vec![0x41u8; 16344]);
    let size = 64u32 << 20;
    let count = size.div_ceil(16344);
    let list = b.cell(&u32s(std::iter::repeat_n(seg, count as usize)));
    let mut db = b"db".to_vec();
    db.extend_from_slice(&(count as u16).to_le_bytes());
    db.extend_from_slice(&list.to_le_bytes());
    let db = b.cell(&db);
    let vks: Vec<u32> = (0..4)
        .map(|i| b.cell(&vk(&format!("v{i}"), 3, size, db)))
        .collect();
    let vlist = b.cell(&u32s(vks.into_iter()));
    let root = b.cell(&nk("root", 0, NIL, 4, vlist));
    b.hive(root, 1, 1)
}

#[test]
fn big_data_segments_reused_are_refused() {
    let _whole = crate::serial();
    let file = shared_segments();
    let len = file.len();
    let hive = open(file);
    let r = case("4 × 64 MiB values on one segment", || {
        let values = hive.root()?.values()?;
        values
            .iter()
            .map(|v| v.raw_data().map(|d| d.len()))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
    });
    assert!(
        matches!(
            r,
            Err(RegistryError::Aliased {
                structure: "big data segment",
                ..
            })
        ),
        "{r:?}"
    );
    assert_work("shared segments", &hive, len, 4);
}

/// A dirty hive and a log of one entry writing 65,536 one-byte dirty pages, one per page.
pub(crate) fn one_byte_pages() -> (Vec<u8>, Vec<u8>) {
    let mut b = Bins::new();
    let root = b.cell(&nk("root", 0, NIL, 0, NIL));
    let primary = b.hive(root, 2, 1);
    let pages = 65_536u32;
    let hbins = pages * 4096;
    let size = (40 + 9 * pages as usize).div_ceil(512) * 512;
    let mut e = vec![0u8; size];
    e[..4].copy_from_slice(b"HvLE");
    e[4..8].copy_from_slice(&(size as u32).to_le_bytes());
    e[12..16].copy_from_slice(&2u32.to_le_bytes());
    e[16..20].copy_from_slice(&hbins.to_le_bytes());
    e[20..24].copy_from_slice(&pages.to_le_bytes());
    for i in 0..pages as usize {
        // Page 0 keeps the root: the byte lands past its cells.
        e[40 + 8 * i..44 + 8 * i].copy_from_slice(&(i as u32 * 4096 + 4000).to_le_bytes());
        e[44 + 8 * i..48 + 8 * i].copy_from_slice(&1u32.to_le_bytes());
    }
    let h1 = marvin32(&e[40..], REGISTRY_SEED);
    e[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = marvin32(&e[..32], REGISTRY_SEED);
    e[32..40].copy_from_slice(&h2.to_le_bytes());
    let mut log = base_block(512, 2, 2, 6, root, 4096);
    log.extend_from_slice(&e);
    (primary, log)
}

pub(crate) fn logs(log: &Arc<Vec<u8>>) -> HiveLogs {
    HiveLogs {
        log: None,
        log1: Some(Arc::clone(log) as Arc<dyn ReadAt>),
        log2: None,
    }
}

#[test]
fn a_log_of_one_byte_dirty_pages_costs_overlay_by_log_bytes() {
    let _whole = crate::serial();
    let (primary, log) = one_byte_pages();
    let log_len = log.len() as u64;
    let log = Arc::new(log);
    let hive = case("65,536 one-byte dirty pages", || {
        Hive::open(Arc::new(primary), logs(&log), HiveOptions::default())
    })
    .unwrap();
    let bound = OVERLAY_PER_LOG_BYTE * log_len + OVERLAY_SLACK;
    eprintln!(
        "worst_reg one-byte pages: overlay {} (log {log_len} bytes)",
        hive.overlay_bytes()
    );
    assert!(
        hive.overlay_bytes() <= bound,
        "{} > {bound}",
        hive.overlay_bytes()
    );
    assert!(
        hive.status()
            .diagnostics
            .iter()
            .any(|d| d.message.contains("overlay budget")),
        "the stop is said: {:?}",
        hive.status().diagnostics
    );
    assert!(hive.root().is_ok(), "the hive still reads");
}

#[test]
fn the_hives_of_one_check_share_one_overlay_budget() {
    let _whole = crate::serial();
    let (primary, log) = one_byte_pages();
    let log = Arc::new(log);
    let primary = Arc::new(primary);
    let budget = ByteBudget::new(1 << 20);
    let hives = case("three hives on one log, one budget", || {
        (0..3)
            .map(|_| {
                Hive::open(
                    Arc::clone(&primary) as Arc<dyn ReadAt>,
                    logs(&log),
                    HiveOptions {
                        replay_logs: true,
                        overlay_budget: Some(Arc::clone(&budget)),
                    },
                )
                .unwrap()
            })
            .collect::<Vec<_>>()
    });
    let total: u64 = hives.iter().map(Hive::overlay_bytes).sum();
    assert!(total <= budget.limit(), "{total} > {}", budget.limit());
    assert_eq!(budget.used(), total);
    drop(hives);
    assert_eq!(budget.used(), 0, "released when the hives go");
}

/// 16 JoinInfo-like keys sharing one value list of 65,536 distinct values.
pub(crate) fn join_keys_sharing_values() -> Vec<u8> {
    let mut b = Bins::new();
    let n = 65_536u32;
    let vks: Vec<u32> = (0..n)
        .map(|i| b.cell(&vk(&format!("v{i}"), 4, 0x8000_0004, i)))
        .collect();
    let vlist = b.cell(&u32s(vks.into_iter()));
    let keys: Vec<u32> = (0..16)
        .map(|i| b.cell(&nk(&format!("thumb{i:02}"), 0, NIL, n, vlist)))
        .collect();
    let list = b.cell(&lh(keys
        .iter()
        .enumerate()
        .map(|(i, &k)| (k, lh_hash(&format!("thumb{i:02}"))))));
    let root = b.cell(&nk("JoinInfo", 16, list, 0, NIL));
    b.hive(root, 1, 1)
}

#[test]
fn join_keys_sharing_one_value_list_are_refused() {
    let _whole = crate::serial();
    let file = join_keys_sharing_values();
    let len = file.len();
    let hive = open(file);
    let r = case("16 join keys × one shared value list", || {
        let joins = hive.root()?.subkeys()?;
        for j in &joins {
            for name in ["TenantId", "UserEmail", "IdpDomain"] {
                j.value(name)?;
            }
        }
        Ok::<_, RegistryError>(joins.len())
    });
    assert!(
        matches!(
            r,
            Err(RegistryError::Aliased {
                structure: "value list",
                ..
            })
        ),
        "{r:?}"
    );
    assert_work("join keys", &hive, len, 4);
}

/// A BCD store of 4,096 objects, each with its own subkey list, all naming one `Elements` key
/// of 1,024 element keys.
pub(crate) fn bcd_sharing_elements() -> Vec<u8> {
    let mut b = Bins::new();
    let v = b.cell(&vk("Element", 3, 0x8000_0001, 1));
    let vlist = b.cell(&u32s(std::iter::once(v)));
    let elements: Vec<(u32, String)> = (0..1024u32)
        .map(|i| {
            let name = format!("{:08x}", 0x1600_0000 + i);
            (b.cell(&nk(&name, 0, NIL, 1, vlist)), name)
        })
        .collect();
    // Element keys share the value list: siblings, so give each its own one-entry list.
    let elements: Vec<(u32, String)> = elements
        .into_iter()
        .map(|(_, name)| {
            let vl = b.cell(&u32s(std::iter::once(v)));
            (b.cell(&nk(&name, 0, NIL, 1, vl)), name)
        })
        .collect();
    let el_list = b.cell(&lh(elements.iter().map(|(o, n)| (*o, lh_hash(n)))));
    let els = b.cell(&nk("Elements", 1024, el_list, 0, NIL));
    let objects: Vec<(u32, String)> = (0..4096u32)
        .map(|i| {
            let name = format!("{{{i:08x}-0000-0000-0000-000000000000}}");
            let l = b.cell(&lh(std::iter::once((els, lh_hash("Elements")))));
            (b.cell(&nk(&name, 1, l, 0, NIL)), name)
        })
        .collect();
    let obj_list = b.cell(&lh(objects.iter().map(|(o, n)| (*o, lh_hash(n)))));
    let objs = b.cell(&nk("Objects", 4096, obj_list, 0, NIL));
    let root_list = b.cell(&lh(std::iter::once((objs, lh_hash("Objects")))));
    let root = b.cell(&nk("root", 1, root_list, 0, NIL));
    b.hive(root, 1, 1)
}

#[test]
fn a_bcd_store_whose_objects_share_their_elements_is_refused() {
    let _whole = crate::serial();
    let file = bcd_sharing_elements();
    let len = file.len();
    let hive = open(file);
    let r = case("BCD 4,096 objects × 1,024 shared elements", || {
        BcdStore::read(&hive).map(|s| s.objects.len())
    });
    assert!(matches!(r, Err(RegistryError::Aliased { .. })), "{r:?}");
    assert_work("BCD shared elements", &hive, len, 4);
}

#[test]
fn an_answer_file_of_one_mib_of_ampersands_reads_in_linear_time() {
    let _whole = crate::serial();
    let text = format!(
        "<unattend><ComputerName>{}</ComputerName></unattend>",
        "&".repeat(1 << 20)
    );
    let r = case("unattend.xml of 1 MiB of &", || {
        vhdlint_gather::unattend::specialize_computer_name(&text)
    });
    assert!(r.is_none(), "no specialize pass: no name");
}

/// Writes the worst cases that fit a fuzz input (≤ 2 MiB) into `$VHDLINT_WORST_SEEDS` when set
/// (fuzz/run.sh seeds `registry_hive`, `registry_log` and `bcd` with them); without it, checks
/// that each one fits.
#[test]
fn write_worst_case_seeds() {
    let _whole = crate::serial();
    let seeds = [
        ("worst-deep-shared-list.hive", deep_shared_list().0),
        ("worst-shared-segments.hive", shared_segments()),
        ("worst-bcd-shared-elements.hive", bcd_sharing_elements()),
    ];
    for (name, bytes) in &seeds {
        assert!(bytes.len() <= 2 << 20, "{name}: {} bytes", bytes.len());
    }
    if let Some(dir) = std::env::var_os("VHDLINT_WORST_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Writes every registry worst case to `$VHDLINT_WORST_DIR` when set (hives, and the log beside
/// the one-byte-pages hive as `.LOG1`), for measuring `vhdlint reg` on the release binary.
#[test]
fn worst_reg_files() {
    let _whole = crate::serial();
    let Some(dir) = std::env::var_os("VHDLINT_WORST_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (deep, path) = deep_shared_list();
    std::fs::write(dir.join("reg-deep-shared-list.hive"), deep).unwrap();
    std::fs::write(dir.join("reg-deep-shared-list.path"), path).unwrap();
    std::fs::write(dir.join("reg-repeated-values.hive"), repeated_values()).unwrap();
    std::fs::write(dir.join("reg-shared-segments.hive"), shared_segments()).unwrap();
    let (hive, log) = one_byte_pages();
    std::fs::write(dir.join("reg-one-byte-pages.hive"), hive).unwrap();
    std::fs::write(dir.join("reg-one-byte-pages.hive.LOG1"), log).unwrap();
    std::fs::write(dir.join("reg-join-keys.hive"), join_keys_sharing_values()).unwrap();
    std::fs::write(
        dir.join("reg-bcd-shared-elements.hive"),
        bcd_sharing_elements(),
    )
    .unwrap();
}
