//! Hostile bytes: clean errors naming the structure and the hive offset, never a panic or hang.

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use vhdlint_container::ReadAt;
use vhdlint_registry::{Hive, HiveLogs, HiveOptions, Key, RegistryError};

/// Builds a tiny hive: one hive bin whose cells are appended in order.
struct Builder {
    bins: Vec<u8>,
}

const NIL: u32 = u32::MAX;

impl Builder {
    fn new() -> Self {
        let mut bins = vec![0u8; 32];
        bins[..4].copy_from_slice(b"hbin");
        Builder { bins }
    }

    /// Appends an allocated cell holding `data`; returns its hive-bins offset.
    fn cell(&mut self, data: &[u8]) -> u32 {
        let off = self.bins.len() as u32;
        let size = (4 + data.len()).div_ceil(8) * 8;
        self.bins.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.bins.extend_from_slice(data);
        self.bins.resize(off as usize + size, 0);
        off
    }

    /// Appends a cell whose size field is `raw`, followed by `data`.
    fn raw_cell(&mut self, raw: u32, data: &[u8]) -> u32 {
        let off = self.bins.len() as u32;
        self.bins.extend_from_slice(&raw.to_le_bytes());
        self.bins.extend_from_slice(data);
        self.bins.resize(self.bins.len().div_ceil(8) * 8, 0);
        off
    }

    fn finish(mut self, root: u32) -> Vec<u8> {
        let len = self.bins.len().div_ceil(4096) * 4096;
        self.bins.resize(len, 0);
        self.bins[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        let mut bb = vec![0u8; 4096];
        bb[..4].copy_from_slice(b"regf");
        bb[4..8].copy_from_slice(&1u32.to_le_bytes());
        bb[8..12].copy_from_slice(&1u32.to_le_bytes());
        bb[20..24].copy_from_slice(&1u32.to_le_bytes());
        bb[24..28].copy_from_slice(&5u32.to_le_bytes());
        bb[32..36].copy_from_slice(&1u32.to_le_bytes());
        bb[36..40].copy_from_slice(&root.to_le_bytes());
        bb[40..44].copy_from_slice(&(len as u32).to_le_bytes());
        bb[44..48].copy_from_slice(&1u32.to_le_bytes());
        let c = vhdlint_registry::base_block::checksum(&bb);
        bb[508..512].copy_from_slice(&c.to_le_bytes());
        bb.extend_from_slice(&self.bins);
        bb
    }
}

fn nk(name: &str, subkeys: u32, list: u32, values: u32, value_list: u32) -> Vec<u8> {
    let mut d = vec![0u8; 76];
    d[..2].copy_from_slice(b"nk");
    d[2..4].copy_from_slice(&0x20u16.to_le_bytes());
    d[20..24].copy_from_slice(&subkeys.to_le_bytes());
    d[28..32].copy_from_slice(&list.to_le_bytes());
    d[32..36].copy_from_slice(&NIL.to_le_bytes());
    d[36..40].copy_from_slice(&values.to_le_bytes());
    d[40..44].copy_from_slice(&value_list.to_le_bytes());
    d[44..48].copy_from_slice(&NIL.to_le_bytes());
    d[48..52].copy_from_slice(&NIL.to_le_bytes());
    d[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

fn vk(name: &str, size: u32, data_off: u32, ty: u32) -> Vec<u8> {
    let mut d = vec![0u8; 20];
    d[..2].copy_from_slice(b"vk");
    d[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    d[4..8].copy_from_slice(&size.to_le_bytes());
    d[8..12].copy_from_slice(&data_off.to_le_bytes());
    d[12..16].copy_from_slice(&ty.to_le_bytes());
    d[16..18].copy_from_slice(&1u16.to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

fn list(sig: &[u8; 2], entries: &[u32]) -> Vec<u8> {
    let mut d = sig.to_vec();
    d.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for e in entries {
        d.extend_from_slice(&e.to_le_bytes());
        if sig == b"lf" || sig == b"lh" {
            d.extend_from_slice(&0u32.to_le_bytes());
        }
    }
    d
}

fn open(bytes: Vec<u8>) -> Result<Hive, RegistryError> {
    Hive::open(Arc::new(bytes), HiveLogs::none(), HiveOptions::default())
}

#[test]
fn builder_makes_a_valid_hive() {
    let mut b = Builder::new();
    let data = b.cell(b"h\0i\0\0\0");
    let v = b.cell(&vk("v", 6, data, 1));
    let vl = b.cell(&v.to_le_bytes());
    let child = b.cell(&nk("child", 0, NIL, 1, vl));
    let l = b.cell(&list(b"lh", &[child]));
    let root = b.cell(&nk("ROOT", 1, l, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    let c = hive.key("CHILD").unwrap().unwrap();
    assert_eq!(
        c.value("V").unwrap().unwrap().data().unwrap(),
        vhdlint_registry::ValueData::Sz("hi".into())
    );
}

#[test]
fn index_roots_of_leaves_are_followed_in_order() {
    let mut b = Builder::new();
    let mut leaves = Vec::new();
    let mut n = 0;
    for (sig, count) in [(b"li", 3), (b"lf", 2), (b"lh", 4)] {
        let mut kids = Vec::new();
        for _ in 0..count {
            kids.push(b.cell(&nk(&format!("K{n}"), 0, NIL, 0, NIL)));
            n += 1;
        }
        leaves.push(b.cell(&list(sig, &kids)));
    }
    let ri = b.cell(&list(b"ri", &leaves));
    let root = b.cell(&nk("R", n, ri, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    let names: Vec<String> = hive
        .root()
        .unwrap()
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(names, (0..n).map(|i| format!("K{i}")).collect::<Vec<_>>());
    // Lookups through lists whose hints are absent (zero) compare every entry by name.
    assert!(hive.key("k8").unwrap().is_some());
    assert!(hive.key("k4").unwrap().is_some());
}

/// An `lh` list with the hashes Windows writes (uppercase name, `h * 37 + c`).
fn lh_list(entries: &[(u32, &str)]) -> Vec<u8> {
    let mut d = b"lh".to_vec();
    d.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (off, name) in entries {
        let hash = name.bytes().fold(0u32, |h, c| {
            h.wrapping_mul(37)
                .wrapping_add(u32::from(c.to_ascii_uppercase()))
        });
        d.extend_from_slice(&off.to_le_bytes());
        d.extend_from_slice(&hash.to_le_bytes());
    }
    d
}

/// Like Windows, a lookup trusts a present `lh` hash: a key node whose hash rules it out is not
/// read (here a corrupt one, which would fail the lookup if it were), a matching one is, and a
/// key whose stored hash is wrong is not found by name (as Windows would not find it) though
/// listing the subkeys shows it.
#[test]
fn lookups_skip_key_nodes_their_hash_rules_out() {
    let mut b = Builder::new();
    let good = b.cell(&nk("Tcpip", 0, NIL, 0, NIL));
    let mut corrupt = nk("Dhcp", 0, NIL, 0, NIL);
    corrupt[0..2].copy_from_slice(b"xx");
    let corrupt = b.cell(&corrupt);
    let misfiled = b.cell(&nk("Netbt", 0, NIL, 0, NIL));
    let l = b.cell(&lh_list(&[
        (corrupt, "Dhcp"),
        (misfiled, "Other"),
        (good, "Tcpip"),
    ]));
    let root = b.cell(&nk("Services", 3, l, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    assert!(hive.key("NoSuchService").unwrap().is_none());
    assert_eq!(hive.key("tcpip").unwrap().unwrap().name(), "Tcpip");
    assert!(hive.key("Netbt").unwrap().is_none(), "its hash says Other");
    assert!(
        hive.key("Dhcp").is_err(),
        "the corrupt node is read when its hash matches"
    );
    assert!(
        hive.root().unwrap().subkeys().is_err(),
        "listing reads every node"
    );
}

#[test]
fn hive_keys_and_values_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Hive>();
    check::<Key>();
    check::<vhdlint_registry::Value>();
}

#[test]
fn truncated_and_bad_base_blocks() {
    assert!(matches!(
        open(vec![0u8; 100]),
        Err(RegistryError::Truncated {
            offset: 0,
            needed: 512,
            available: 100,
            ..
        })
    ));
    let mut b = Builder::new();
    let root = b.cell(&nk("R", 0, NIL, 0, NIL));
    let good = b.finish(root);
    assert!(matches!(
        open(good[..2000].to_vec()),
        Err(RegistryError::Truncated {
            offset: 0,
            needed: 4096,
            available: 2000,
            ..
        })
    ));
    let mut bad = good.clone();
    bad[..4].copy_from_slice(b"regF");
    assert_eq!(
        open(bad).unwrap_err(),
        RegistryError::InvalidSignature {
            structure: "regf base block",
            offset: 0,
            expected: "regf",
            actual: "regF".into()
        }
    );
    // Base block claims more hive bins than the file holds: the root read fails cleanly.
    let mut short = good.clone();
    short.truncate(4096 + 4096);
    short[40..44].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let c = vhdlint_registry::base_block::checksum(&short);
    short[508..512].copy_from_slice(&c.to_le_bytes());
    let hive = open(short).unwrap();
    assert!(hive.key("x").unwrap().is_none());
}

#[test]
fn huge_cell_sizes_are_refused_without_allocating() {
    // A free cell claiming 0x7fffffff bytes, used as the root.
    let mut b = Builder::new();
    let root = b.raw_cell(0x7FFF_FFFF, &nk("R", 0, NIL, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    assert_eq!(
        hive.root().unwrap_err(),
        RegistryError::UnallocatedCell {
            structure: "key node (nk)",
            offset: 4096 + 32,
            size: 0x7FFF_FFFF
        }
    );
    // An allocated cell claiming 2 GiB.
    let mut b = Builder::new();
    let root = b.raw_cell(0x8000_0000, &nk("R", 0, NIL, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    assert!(matches!(
        hive.root().unwrap_err(),
        RegistryError::TooLarge {
            what: "cell size",
            offset: 0x1020,
            actual: 0x8000_0000,
            ..
        }
    ));
    // A cell running past the hive bins.
    let mut b = Builder::new();
    let root = b.raw_cell((-0x10000i32) as u32, &nk("R", 0, NIL, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    assert!(matches!(
        hive.root().unwrap_err(),
        RegistryError::Truncated {
            offset: 0x1020,
            needed: 0x10000,
            ..
        }
    ));
    // Root offset nil or misaligned.
    let mut b = Builder::new();
    b.cell(&nk("R", 0, NIL, 0, NIL));
    let hive = open(b.finish(33)).unwrap();
    assert!(matches!(
        hive.root().unwrap_err(),
        RegistryError::Invalid { offset: 0x1021, .. }
    ));
}

#[test]
fn subkey_lists_pointing_back_are_loops() {
    // An lh list whose entry is the key itself.
    let mut b = Builder::new();
    let l_off = 32 + 80 + 8; // Where the list lands: after the 80+8-byte nk cell below.
    let root = b.cell(&nk("R", 1, l_off, 0, NIL));
    let l = b.cell(&list(b"lh", &[root]));
    assert_eq!(l, l_off);
    let hive = open(b.finish(root)).unwrap();
    let r = hive.root().unwrap();
    assert_eq!(
        r.subkeys().unwrap_err(),
        RegistryError::LoopDetected {
            structure: "subkey list entry",
            offset: 4096 + u64::from(root)
        }
    );
    assert!(matches!(
        r.subkey("R").unwrap_err(),
        RegistryError::LoopDetected { .. }
    ));

    // An ri index root listing itself.
    let mut b = Builder::new();
    let ri_off = 32 + 88;
    let root = b.cell(&nk("R", 1, ri_off, 0, NIL));
    assert_eq!(b.cell(&list(b"ri", &[ri_off])), ri_off);
    let hive = open(b.finish(root)).unwrap();
    assert_eq!(
        hive.root().unwrap().subkeys().unwrap_err(),
        RegistryError::LoopDetected {
            structure: "subkey list",
            offset: 4096 + u64::from(ri_off)
        }
    );

    // A grandchild listing the root: caught through the ancestor chain.
    let mut b = Builder::new();
    let root_off = 32u32;
    let lroot_off = root_off + 88;
    let child_off = lroot_off + 16;
    let lchild_off = child_off + 88;
    assert_eq!(b.cell(&nk("R", 1, lroot_off, 0, NIL)), root_off);
    assert_eq!(b.cell(&list(b"lf", &[child_off])), lroot_off);
    assert_eq!(b.cell(&nk("C", 1, lchild_off, 0, NIL)), child_off);
    assert_eq!(b.cell(&list(b"li", &[root_off])), lchild_off);
    let hive = open(b.finish(root_off)).unwrap();
    let c = hive.key("C").unwrap().unwrap();
    assert!(matches!(
        c.subkeys().unwrap_err(),
        RegistryError::LoopDetected { .. }
    ));
    assert!(matches!(
        hive.key(r"C\R").unwrap_err(),
        RegistryError::LoopDetected { .. }
    ));

    // A list cell that is not a list.
    let mut b = Builder::new();
    let root = b.cell(&nk("R", 1, 32, 0, NIL));
    let hive = open(b.finish(root)).unwrap();
    assert!(matches!(
        hive.root().unwrap().subkeys().unwrap_err(),
        RegistryError::InvalidSignature {
            structure: "subkey list",
            offset: 0x1020,
            ..
        }
    ));
}

#[test]
fn value_list_of_two_to_the_31_is_refused() {
    let mut b = Builder::new();
    let vl = b.cell(&[0u8; 8]);
    let root = b.cell(&nk("R", 0, NIL, 1 << 31, vl));
    let hive = open(b.finish(root)).unwrap();
    let r = hive.root().unwrap();
    assert_eq!(
        r.values().unwrap_err(),
        RegistryError::TooLarge {
            structure: "value list",
            offset: 4096 + u64::from(vl),
            what: "value count",
            actual: 1 << 31,
            limit: 1 << 20
        }
    );
    // A count within the limit but beyond its cell.
    let mut b = Builder::new();
    let vl = b.cell(&[0u8; 8]);
    let root = b.cell(&nk("R", 0, NIL, 1000, vl));
    let hive = open(b.finish(root)).unwrap();
    assert!(matches!(
        hive.root().unwrap().value("x").unwrap_err(),
        RegistryError::Truncated {
            structure: "value list",
            needed: 4000,
            ..
        }
    ));
}

#[test]
fn big_data_beyond_limits_is_refused() {
    let db = |count: u16, list: u32| {
        let mut d = b"db".to_vec();
        d.extend_from_slice(&count.to_le_bytes());
        d.extend_from_slice(&list.to_le_bytes());
        d
    };
    // Too many segments.
    let mut b = Builder::new();
    let seglist = b.cell(&[0u8; 8]);
    let dbc = b.cell(&db(0xFFFF, seglist));
    let v = b.cell(&vk("big", 40000, dbc, 3));
    let vl = b.cell(&v.to_le_bytes());
    let root = b.cell(&nk("R", 0, NIL, 1, vl));
    let hive = open(b.finish(root)).unwrap();
    let val = hive.root().unwrap().value("big").unwrap().unwrap();
    assert!(matches!(
        val.data().unwrap_err(),
        RegistryError::TooLarge {
            structure: "big data (db)",
            what: "segment count",
            actual: 0xFFFF,
            ..
        }
    ));
    // Too few segments for the size, and a segment list shorter than its count.
    let mut b = Builder::new();
    let seglist = b.cell(&[0u8; 4]);
    let few = b.cell(&db(1, seglist));
    let short = b.cell(&db(3, seglist));
    let v1 = b.cell(&vk("few", 40000, few, 3));
    let v2 = b.cell(&vk("short", 40000, short, 3));
    let huge = b.cell(&vk("huge", 0x7FFF_FFFF, few, 3));
    let resident = b.cell(&vk("resident", 0x8000_0008, 0, 4));
    let vl = b.cell(
        &[v1, v2, huge, resident]
            .iter()
            .flat_map(|o| o.to_le_bytes())
            .collect::<Vec<_>>(),
    );
    let root = b.cell(&nk("R", 0, NIL, 4, vl));
    let hive = open(b.finish(root)).unwrap();
    let r = hive.root().unwrap();
    let err = |n: &str| r.value(n).unwrap().unwrap().data().unwrap_err();
    assert!(matches!(
        err("few"),
        RegistryError::Invalid {
            structure: "big data (db)",
            ..
        }
    ));
    assert!(matches!(
        err("short"),
        RegistryError::Truncated {
            structure: "big data segment list",
            ..
        }
    ));
    assert!(matches!(
        err("huge"),
        RegistryError::TooLarge {
            what: "data size",
            actual: 0x7FFF_FFFF,
            ..
        }
    ));
    assert!(matches!(
        err("resident"),
        RegistryError::Invalid {
            structure: "key value (vk)",
            ..
        }
    ));
}

/// Reads every key and value reachable, within a budget; returns how many keys were read.
fn walk(key: &Key, budget: &mut usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let _ = key.name();
    let _ = key.class_name();
    if let Ok(values) = key.values() {
        for v in values {
            let _ = v.data();
        }
    }
    if let Ok(subkeys) = key.subkeys() {
        for k in subkeys {
            walk(&k, budget);
        }
    }
}

/// Flips each of the first `n` bytes (of the hive, or of the log given) in turn, opens the
/// hive and runs `probe` on it.
fn sweep(
    base: &[u8],
    logs: impl Fn() -> HiveLogs,
    flip_in_log: Option<&[u8]>,
    n: usize,
    probe: &dyn Fn(&Hive),
) {
    let n = n.min(flip_in_log.map_or(base.len(), <[u8]>::len));
    for i in 0..n {
        let (hive_bytes, log_bytes) = match flip_in_log {
            None => {
                let mut h = base.to_vec();
                h[i] ^= 0xFF;
                (h, None)
            }
            Some(l) => {
                let mut l = l.to_vec();
                l[i] ^= 0xFF;
                (base.to_vec(), Some(l))
            }
        };
        let mut logs = logs();
        if let Some(l) = log_bytes {
            logs.log1 = Some(Arc::new(l));
        }
        if let Ok(hive) = Hive::open(Arc::new(hive_bytes), logs, HiveOptions::default()) {
            let _ = hive.status();
            probe(&hive);
            let r = hive.recovered_bytes();
            let mut buf = vec![0u8; 4096.min(r.len() as usize)];
            let _ = r.read_at(0, &mut buf);
        }
    }
}

/// Reads every key and value (within a budget far above the hives' key counts).
fn read_all(hive: &Hive) {
    if let Ok(root) = hive.root() {
        let mut budget = 1000;
        walk(&root, &mut budget);
    }
}

#[test]
fn byte_flip_sweep_of_a_small_hive_never_panics() {
    let Some(hive) = common::corpus_bytes("hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz")
    else {
        return;
    };
    sweep(&hive, HiveLogs::none, None, 8192, &read_all);
}

#[test]
fn byte_flip_sweep_of_a_dirty_hive_and_its_log_never_panics() {
    let dir = "hives/yarp/NewDirtyHive1";
    let Some(hive) = common::corpus_bytes(&format!("{dir}/NewDirtyHive.xz")) else {
        return;
    };
    let log1 = common::corpus_bytes(&format!("{dir}/NewDirtyHive.LOG1.xz")).unwrap();
    let log2 = common::corpus_bytes(&format!("{dir}/NewDirtyHive.LOG2.xz")).unwrap();
    let logs = || HiveLogs::dual(Arc::new(log1.clone()), Arc::new(log2.clone()));
    // Each open replays both logs (Marvin32 over 88 KiB): sweep the base block the replay
    // decisions read, and the log's base block, first entry header and page references.
    sweep(&hive, logs, None, 512, &read_all);
    sweep(&hive, logs, Some(&log1), 2048, &read_all);
    let old = common::corpus_bytes("hives/yarp/OldDirtyHive/OldDirtyHive.xz").unwrap();
    let old_log = common::corpus_bytes("hives/yarp/OldDirtyHive/OldDirtyHive.LOG1.xz").unwrap();
    // The old log's base block and dirty vector (its sectors start at 0x400). The hive holds
    // 5000 keys in index lists without hints, so the probe reads the top two levels only.
    let top = |hive: &Hive| {
        if let Ok(root) = hive.root() {
            for k in root.subkeys().unwrap_or_default() {
                for v in k.values().unwrap_or_default() {
                    let _ = v.data();
                }
            }
        }
    };
    sweep(&old, HiveLogs::none, Some(&old_log), 1024, &top);
}
