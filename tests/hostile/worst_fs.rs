//! Issue 12, file systems: each crafted worst case of the table (NTFS and FAT) built in
//! code by a small test-only writer (no third-party writer makes these), run through the
//! library, asserting the user-visible outcome (an error naming the aliasing or the budget, or a
//! bounded result), the bytes read from the volume (a `Counted` source: work proportional to the
//! image) and the peak heap (counting allocator). No wall-clock assertion; the time is printed.

use std::sync::Arc;

use vhdlint_container::{Counted, ReadAt};
use vhdlint_filesystems::fat::FatFileSystem;
use vhdlint_filesystems::ntfs::NtfsFileSystem;
use vhdlint_filesystems::{FileData, FileSystem, FsError};

use crate::{measure, mib, serial};

/// Peak heap a worst case may take (issue 12: ≤ 64 MiB).
const PEAK_LIMIT: usize = 64 << 20;

/// Runs `f` measured, prints the figures, asserts no panic and the peak bound.
fn case<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let _g = serial();
    let (r, cost) = measure(what, f);
    eprintln!("worst_fs {what}: {:?}, peak {}", cost.time, mib(cost.peak));
    let r = r.unwrap_or_else(|p| panic!("{what}: panic: {p}"));
    assert!(
        cost.peak <= PEAK_LIMIT,
        "{what}: peak {} over {}",
        mib(cost.peak),
        mib(PEAK_LIMIT)
    );
    r
}

/// Asserts the volume served at most `k` × its length in reads.
fn assert_read(what: &str, vol: &Counted<Vec<u8>>, k: u64) {
    let s = vol.stats();
    let len = vol.inner().len() as u64;
    eprintln!(
        "worst_fs {what}: {} reads, {} bytes of a {len}-byte volume",
        s.calls, s.bytes
    );
    assert!(s.bytes <= k * len, "{what}: read {} bytes", s.bytes);
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Applies update-sequence fixups (USN 1) to a record or index block whose array is at `usa`.
fn fixups(b: &mut [u8], usa: usize) {
    let count = b.len() / 512 + 1;
    put(b, 4, &(usa as u16).to_le_bytes());
    put(b, 6, &(count as u16).to_le_bytes());
    put(b, usa, &1u16.to_le_bytes());
    for i in 1..count {
        let at = i * 512 - 2;
        let keep = [b[at], b[at + 1]];
        put(b, usa + 2 * i, &keep);
        put(b, at, &1u16.to_le_bytes());
    }
}

/// Bytes of the smallest signed little-endian field holding `v`.
fn signed(v: i64) -> Vec<u8> {
    let mut w = 1;
    while w < 8 && !(-(1i64 << (8 * w - 1))..(1i64 << (8 * w - 1))).contains(&v) {
        w += 1;
    }
    v.to_le_bytes()[..w].to_vec()
}

/// Mapping pairs of `(clusters, lcn)` runs (`None`: sparse), fields as small as they go.
pub(crate) fn runs(list: &[(u64, Option<u64>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0i64;
    for &(len, lcn) in list {
        let l = signed(len as i64);
        let d = match lcn {
            None => Vec::new(),
            Some(x) => {
                let d = signed(x as i64 - prev);
                prev = x as i64;
                d
            }
        };
        out.push((d.len() as u8) << 4 | l.len() as u8);
        out.extend_from_slice(&l);
        out.extend_from_slice(&d);
    }
    out.push(0);
    out
}

/// A resident attribute record.
fn resident(ty: u32, name: &str, id: u16, value: &[u8]) -> Vec<u8> {
    let n = utf16(name);
    let voff = align8(0x18 + n.len());
    let len = align8(voff + value.len());
    let mut a = vec![0u8; len];
    put(&mut a, 0, &ty.to_le_bytes());
    put(&mut a, 4, &(len as u32).to_le_bytes());
    a[9] = name.encode_utf16().count() as u8;
    put(&mut a, 0x0A, &0x18u16.to_le_bytes());
    put(&mut a, 0x0E, &id.to_le_bytes());
    put(&mut a, 0x10, &(value.len() as u32).to_le_bytes());
    put(&mut a, 0x14, &(voff as u16).to_le_bytes());
    put(&mut a, 0x18, &n);
    put(&mut a, voff, value);
    a
}

/// A non-resident attribute record: its piece from `start_vcn`, the stream's `size`.
#[allow(clippy::too_many_arguments)]
fn nonresident(
    ty: u32,
    name: &str,
    id: u16,
    flags: u16,
    start_vcn: u64,
    last_vcn: u64,
    mapping: &[u8],
    size: u64,
    unit: u16,
) -> Vec<u8> {
    let n = utf16(name);
    let roff = align8(0x40 + n.len());
    let len = align8(roff + mapping.len());
    let mut a = vec![0u8; len];
    put(&mut a, 0, &ty.to_le_bytes());
    put(&mut a, 4, &(len as u32).to_le_bytes());
    a[8] = 1;
    a[9] = name.encode_utf16().count() as u8;
    put(&mut a, 0x0A, &0x40u16.to_le_bytes());
    put(&mut a, 0x0C, &flags.to_le_bytes());
    put(&mut a, 0x0E, &id.to_le_bytes());
    put(&mut a, 0x10, &start_vcn.to_le_bytes());
    put(&mut a, 0x18, &last_vcn.to_le_bytes());
    put(&mut a, 0x20, &(roff as u16).to_le_bytes());
    put(&mut a, 0x22, &unit.to_le_bytes());
    for at in [0x28, 0x30, 0x38] {
        put(&mut a, at, &size.to_le_bytes());
    }
    put(&mut a, 0x40, &n);
    put(&mut a, roff, mapping);
    a
}

/// A `$FILE_NAME` value (Win32 namespace).
fn file_name(name: &str, dir: bool, size: u64) -> Vec<u8> {
    let n = utf16(name);
    let mut v = vec![0u8; 0x42 + n.len()];
    put(&mut v, 0, &(5u64 | 5 << 48).to_le_bytes());
    put(&mut v, 0x30, &size.to_le_bytes());
    put(
        &mut v,
        0x38,
        &(if dir { 0x1000_0000u32 } else { 0x20 }).to_le_bytes(),
    );
    v[0x40] = name.encode_utf16().count() as u8;
    v[0x41] = 1;
    put(&mut v, 0x42, &n);
    v
}

/// An index entry naming record `record` (`None`: the last entry), with an optional sub-node.
fn index_entry(record: u64, name: Option<&str>, child: Option<u64>) -> Vec<u8> {
    let key = name.map(|n| file_name(n, false, 0)).unwrap_or_default();
    let len = align8(16 + key.len()) + if child.is_some() { 8 } else { 0 };
    let mut e = vec![0u8; len];
    put(&mut e, 0, &(record | 1 << 48).to_le_bytes());
    put(&mut e, 8, &(len as u16).to_le_bytes());
    put(&mut e, 10, &(key.len() as u16).to_le_bytes());
    let flags = u16::from(child.is_some()) | if name.is_none() { 2 } else { 0 };
    put(&mut e, 12, &flags.to_le_bytes());
    put(&mut e, 16, &key);
    if let Some(c) = child {
        put(&mut e, len - 8, &c.to_le_bytes());
    }
    e
}

/// An `$INDEX_ROOT` value of `$I30` holding `entries` (blocks of `block` bytes).
fn index_root(entries: &[u8], block: u32) -> Vec<u8> {
    let mut v = vec![0u8; 0x20];
    put(&mut v, 0, &0x30u32.to_le_bytes());
    put(&mut v, 4, &1u32.to_le_bytes());
    put(&mut v, 8, &block.to_le_bytes());
    v[0x0C] = 1;
    put(&mut v, 0x10, &0x10u32.to_le_bytes());
    let end = (0x10 + entries.len()) as u32;
    put(&mut v, 0x14, &end.to_le_bytes());
    put(&mut v, 0x18, &end.to_le_bytes());
    v[0x1C] = 1;
    v.extend_from_slice(entries);
    v
}

/// An INDX block of `size` bytes at `vcn` holding `entries`.
fn indx_block(vcn: u64, entries: &[u8], size: usize) -> Vec<u8> {
    let mut b = vec![0u8; size];
    put(&mut b, 0, b"INDX");
    let usa = 0x28;
    let start = align8(usa + 2 * (size / 512 + 1));
    put(&mut b, 0x10, &vcn.to_le_bytes());
    put(&mut b, 0x18, &((start - 0x18) as u32).to_le_bytes());
    let end = (start + entries.len() - 0x18) as u32;
    put(&mut b, 0x1C, &end.to_le_bytes());
    put(&mut b, 0x20, &((size - 0x18) as u32).to_le_bytes());
    put(&mut b, start, entries);
    fixups(&mut b, usa);
    b
}

/// An NTFS volume being written: boot sector, `$MFT` of `records` records at cluster
/// `mft_lcn`, data clusters handed out after it.
pub(crate) struct Ntfs {
    pub img: Vec<u8>,
    cluster: usize,
    record: usize,
    mft_lcn: u64,
    next_lcn: u64,
}

impl Ntfs {
    pub(crate) fn new(cluster: usize, record: usize, records: usize, size: usize) -> Ntfs {
        let mut img = vec![0u8; size];
        put(&mut img, 3, b"NTFS    ");
        put(&mut img, 0x0B, &512u16.to_le_bytes());
        img[0x0D] = (cluster / 512) as u8;
        put(&mut img, 0x28, &((size / 512) as u64).to_le_bytes());
        let mft_lcn = 1u64.max((16384 / cluster) as u64);
        put(&mut img, 0x30, &mft_lcn.to_le_bytes());
        img[0x40] = (256 - record.trailing_zeros()) as u8;
        img[0x44] = (256 - 12u32) as u8;
        img[510] = 0x55;
        img[511] = 0xAA;
        let mft_clusters = (records * record).div_ceil(cluster) as u64;
        let mut v = Ntfs {
            img,
            cluster,
            record,
            mft_lcn,
            next_lcn: mft_lcn + mft_clusters,
        };
        v.mft_record(records, &[]);
        v
    }

    /// Writes record 0 with `$MFT`'s `$DATA` mapping its `records` records contiguously, plus
    /// `extra` attributes.
    pub(crate) fn mft_record(&mut self, records: usize, extra: &[Vec<u8>]) {
        let clusters = (records * self.record).div_ceil(self.cluster) as u64;
        let mut attrs = vec![nonresident(
            0x80,
            "",
            1,
            0,
            0,
            clusters - 1,
            &runs(&[(clusters, Some(self.mft_lcn))]),
            (records * self.record) as u64,
            0,
        )];
        attrs.extend_from_slice(extra);
        self.write_record(0, 0, 1, &attrs);
    }

    /// Hands out `n` data clusters; their first LCN.
    pub(crate) fn alloc(&mut self, n: u64) -> u64 {
        let l = self.next_lcn;
        self.next_lcn += n;
        assert!(
            (self.next_lcn as usize) * self.cluster <= self.img.len(),
            "volume full"
        );
        l
    }

    pub(crate) fn write_cluster(&mut self, lcn: u64, data: &[u8]) {
        let at = lcn as usize * self.cluster;
        put(&mut self.img, at, data);
    }

    /// Writes record `n` (in use; `flags` | 1), base reference `base`, `attrs` in order.
    pub(crate) fn write_record(&mut self, n: u64, base: u64, flags: u16, attrs: &[Vec<u8>]) {
        let mut r = vec![0u8; self.record];
        put(&mut r, 0, b"FILE");
        let usa = 0x30;
        let first = align8(usa + 2 * (self.record / 512 + 1));
        put(&mut r, 0x10, &1u16.to_le_bytes());
        put(&mut r, 0x14, &(first as u16).to_le_bytes());
        put(&mut r, 0x16, &(flags | 1).to_le_bytes());
        put(
            &mut r,
            0x20,
            &(if base == 0 { 0 } else { base | 1 << 48 }).to_le_bytes(),
        );
        let mut pos = first;
        for a in attrs {
            put(&mut r, pos, a);
            pos += a.len();
        }
        put(&mut r, pos, &u32::MAX.to_le_bytes());
        assert!(pos + 8 <= self.record - 8, "record {n} overflows");
        put(&mut r, 0x18, &((pos + 8) as u32).to_le_bytes());
        put(&mut r, 0x1C, &(self.record as u32).to_le_bytes());
        fixups(&mut r, usa);
        let at = self.mft_lcn as usize * self.cluster + n as usize * self.record;
        put(&mut self.img, at, &r);
    }

    /// Writes a non-resident value into fresh clusters; its mapping pairs and size.
    pub(crate) fn value(&mut self, data: &[u8]) -> (Vec<u8>, u64, u64) {
        let n = (data.len().div_ceil(self.cluster)).max(1) as u64;
        let lcn = self.alloc(n);
        self.write_cluster(lcn, data);
        (runs(&[(n, Some(lcn))]), n, data.len() as u64)
    }

    /// Writes the root directory (record 5) with `entries` in its root and, when given, the
    /// INDX `blocks` (of `block` bytes, VCN = cluster index) in `$INDEX_ALLOCATION`.
    pub(crate) fn root(&mut self, entries: &[u8], blocks: &[Vec<u8>], block: usize) {
        let mut attrs = vec![resident(
            0x90,
            "$I30",
            1,
            &index_root(entries, block as u32),
        )];
        if !blocks.is_empty() {
            let all: Vec<u8> = blocks.concat();
            let (map, clusters, size) = self.value(&all);
            attrs.push(nonresident(
                0xA0,
                "$I30",
                2,
                0,
                0,
                clusters - 1,
                &map,
                size,
                0,
            ));
        }
        self.write_record(5, 0, 3, &attrs);
    }
}

/// Root entries naming `(record, name)` pairs, then the last entry.
fn root_entries(named: &[(u64, &str)]) -> Vec<u8> {
    let mut e: Vec<u8> = named
        .iter()
        .flat_map(|(r, n)| index_entry(*r, Some(n), None))
        .collect();
    e.extend(index_entry(0, None, None));
    e
}

/// An `$ATTRIBUTE_LIST` entry for attribute `ty`/`name` (instance `id`) in record `record`.
fn list_entry(ty: u32, name: &str, start_vcn: u64, record: u64, id: u16) -> Vec<u8> {
    let n = utf16(name);
    let len = align8(0x1A + n.len());
    let mut e = vec![0u8; len];
    put(&mut e, 0, &ty.to_le_bytes());
    put(&mut e, 4, &(len as u16).to_le_bytes());
    e[6] = name.encode_utf16().count() as u8;
    e[7] = 0x1A;
    put(&mut e, 8, &start_vcn.to_le_bytes());
    put(&mut e, 0x10, &(record | 1 << 48).to_le_bytes());
    put(&mut e, 0x18, &id.to_le_bytes());
    put(&mut e, 0x1A, &n);
    e
}

/// A file (record 16, `many` in the root) with 65,535 named resident `$DATA` streams held in
/// 2,731 extension records that its (non-resident) `$ATTRIBUTE_LIST` names one by one.
pub(crate) fn named_streams() -> Vec<u8> {
    let per = 23u64;
    let streams = 65_535u64;
    let ext = streams.div_ceil(per);
    let records = (17 + ext) as usize;
    let mut v = Ntfs::new(4096, 1024, records, 12 << 20);
    let mut list = Vec::new();
    for r in 0..ext {
        let rec = 17 + r;
        let attrs: Vec<Vec<u8>> = (0..per)
            .map(|i| r * per + i)
            .filter(|s| *s < streams)
            .map(|s| {
                let id = (s % per) as u16;
                list.extend(list_entry(0x80, &format!("s{s:05}"), 0, rec, id));
                resident(0x80, &format!("s{s:05}"), id, &[])
            })
            .collect();
        v.write_record(rec, 16, 1, &attrs);
    }
    let (map, clusters, size) = v.value(&list);
    let al = nonresident(0x20, "", 0, 0, 0, clusters - 1, &map, size, 0);
    v.write_record(16, 0, 1, &[al]);
    v.root(&root_entries(&[(16, "many")]), &[], 4096);
    v.img
}

#[test]
fn a_file_with_65535_named_streams_is_listed_in_linear_time() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(named_streams()));
    let fs = NtfsFileSystem::mount(vol.clone()).unwrap();
    let n = case("65,535 named streams (stat)", || {
        fs.stat("many").map(|e| e.streams.len())
    });
    assert_eq!(n, Ok(65_535), "every stream named once");
    let l = case("65,535 named streams (ls)", || {
        fs.list("/")
            .map(|l| l.iter().map(|e| e.streams.len()).sum::<usize>())
    });
    assert_eq!(l, Ok(65_535));
    let d = case("65,535 named streams (open one)", || {
        fs.open("many", Some("s65534"))
            .map(|d| matches!(d, FileData::Content(_)))
    });
    assert_eq!(d, Ok(true));
    assert_read("named streams", &vol, 4);
}

/// `$MFT` whose attribute list names 4,096 `$DATA` pieces (in 256 extension records), every
/// piece mapping the one cluster of the first records.
pub(crate) fn mft_aliased_extents() -> Vec<u8> {
    let pieces = 4096u64;
    let per = 8u64;
    let ext = pieces / per;
    let records = (16 + ext) as usize;
    let mut v = Ntfs::new(4096, 1024, records, 4 << 20);
    let first_clusters = (records * 1024).div_ceil(4096) as u64;
    let mut list = list_entry(0x80, "", 0, 0, 1);
    for r in 0..ext {
        let rec = 16 + r;
        let attrs: Vec<Vec<u8>> = (0..per)
            .map(|i| {
                let k = r * per + i;
                let vcn = first_clusters + k;
                list.extend(list_entry(0x80, "", vcn, rec, i as u16));
                nonresident(
                    0x80,
                    "",
                    i as u16,
                    0,
                    vcn,
                    vcn,
                    &runs(&[(1, Some(v.mft_lcn))]),
                    0,
                    0,
                )
            })
            .collect();
        v.write_record(rec, 0, 1, &attrs);
    }
    let (map, clusters, size) = v.value(&list);
    let al = nonresident(0x20, "", 7, 0, 0, clusters - 1, &map, size, 0);
    // Record 0: its own first piece (VCN 0, with the stream's full size) and the list.
    let total = (first_clusters + pieces) * 4096;
    let data = nonresident(
        0x80,
        "",
        1,
        0,
        0,
        first_clusters - 1,
        &runs(&[(first_clusters, Some(v.mft_lcn))]),
        total,
        0,
    );
    v.write_record(0, 0, 1, &[al, data]);
    v.root(&root_entries(&[]), &[], 4096);
    v.img
}

#[test]
fn mft_extents_aliasing_one_cluster_are_refused_at_mount() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(mft_aliased_extents()));
    let r = case("$MFT: 4,096 extents on one cluster", || {
        NtfsFileSystem::mount(vol.clone()).map(|fs| fs.mft_records())
    });
    assert!(
        matches!(&r, Err(FsError::Aliased { structure: "NTFS run list", path, .. }) if path == "$MFT"),
        "{r:?}"
    );
    assert_read("$MFT aliased extents", &vol, 2);
}

/// 64 KiB records: record 16 holds a `$DATA` of 32,000 sparse runs (the run list of a 64 KiB
/// record, ~260 KiB decoded); `$MFT`'s run list maps records 17..17+8,192 onto record 16's
/// cluster range, 8,192 times; the root names all 8,192.
pub(crate) fn aliased_big_records() -> Vec<u8> {
    let mut v = Ntfs::new(4096, 64 << 10, 17, 8 << 20);
    let aliases = 8192u64;
    let per_record = (64 << 10) / 4096;
    let rec16_lcn = v.mft_lcn + 16 * per_record;
    let mut map = vec![(17 * per_record, Some(v.mft_lcn))];
    map.extend((0..aliases).map(|_| (per_record, Some(rec16_lcn))));
    let clusters = 17 * per_record + aliases * per_record;
    let mft = nonresident(
        0x80,
        "",
        1,
        0,
        0,
        clusters - 1,
        &runs(&map),
        clusters * 4096,
        0,
    );
    v.write_record(0, 0, 1, &[mft]);
    v.write_record(16, 0, 1, &[big_sparse_data()]);
    let names: Vec<String> = (0..aliases).map(|i| format!("f{i:05}")).collect();
    let named: Vec<(u64, &str)> = (0..aliases)
        .map(|i| (17 + i, names[i as usize].as_str()))
        .collect();
    let blocks = leaf_blocks(&named, 64 << 10);
    let root = parent_entries(&named, &blocks, 64 << 10);
    let blocks: Vec<Vec<u8>> = blocks.into_iter().map(|(b, _)| b).collect();
    v.root(&root, &blocks, 64 << 10);
    v.img
}

/// A `$DATA` of 32,000 sparse runs: as many as a 64 KiB record holds (~770 KiB decoded).
fn big_sparse_data() -> Vec<u8> {
    let n = 32_000u64;
    let map = runs(&vec![(1, None); n as usize]);
    nonresident(0x80, "", 1, 0x8000, 0, n - 1, &map, n * 4096, 0)
}

/// Leaf INDX blocks of `size` bytes over `named`, each with the name that follows it (kept for
/// the parent); VCN = block index × clusters per block.
/// An INDX block and the separator (record, name) its parent entry carries.
type Block = (Vec<u8>, Option<(u64, String)>);

fn leaf_blocks(named: &[(u64, &str)], size: usize) -> Vec<Block> {
    let room = size - 0x400;
    let mut out = Vec::new();
    let mut i = 0;
    while i < named.len() {
        let mut e = Vec::new();
        while i < named.len() && e.len() + 0x80 < room {
            e.extend(index_entry(named[i].0, Some(named[i].1), None));
            i += 1;
        }
        e.extend(index_entry(0, None, None));
        let vcn = (out.len() * size / 4096) as u64;
        // The parent's separator: the next name (it sorts after this block's keys).
        let sep = named.get(i).map(|(r, n)| (*r, n.to_string()));
        if sep.is_some() {
            i += 1;
        }
        out.push((indx_block(vcn, &e, size), sep));
    }
    out
}

/// Root entries pointing at `blocks`: each block's separator with the block as its sub-node,
/// the last entry pointing at the last block.
fn parent_entries(_named: &[(u64, &str)], blocks: &[Block], size: usize) -> Vec<u8> {
    let mut e = Vec::new();
    let last = blocks.len() - 1;
    for (k, (_, sep)) in blocks.iter().enumerate() {
        let vcn = (k * size / 4096) as u64;
        match sep {
            Some((r, n)) if k < last => e.extend(index_entry(*r, Some(n), Some(vcn))),
            _ => e.extend(index_entry(0, None, Some(vcn))),
        }
    }
    e
}

#[test]
fn records_aliased_by_the_mft_run_list_are_refused_at_mount() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(aliased_big_records()));
    let r = case("8,192 aliased 64 KiB-runlist records", || {
        NtfsFileSystem::mount(vol.clone()).map(|fs| fs.mft_records())
    });
    assert!(
        matches!(&r, Err(FsError::Aliased { structure: "NTFS run list", path, .. }) if path == "$MFT"),
        "{r:?}"
    );
    assert_read("aliased records", &vol, 2);
}

/// 64 KiB records; the root directory (64 KiB index blocks) has `entries` entries, all naming
/// record 16, whose `$DATA` has the 32,000-run list of [`big_sparse_data`].
pub(crate) fn shared_runlist(entries: u64) -> Vec<u8> {
    let mut v = Ntfs::new(4096, 64 << 10, 17, 40 << 20);
    v.write_record(16, 0, 1, &[big_sparse_data()]);
    let names: Vec<String> = (0..entries).map(|i| format!("e{i:06}")).collect();
    let named: Vec<(u64, &str)> = names.iter().map(|n| (16, n.as_str())).collect();
    let blocks = leaf_blocks(&named, 64 << 10);
    let root = parent_entries(&named, &blocks, 64 << 10);
    let blocks: Vec<Vec<u8>> = blocks.into_iter().map(|(b, _)| b).collect();
    v.root(&root, &blocks, 64 << 10);
    v.img
}

#[test]
fn a_listing_of_199999_entries_naming_one_record_is_refused_past_the_hard_link_limit() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(shared_runlist(199_999)));
    let fs = NtfsFileSystem::mount(vol.clone()).unwrap();
    let r = case("ls of 199,999 entries on one 32,000-run list", || {
        fs.list("/").map(|l| l.len())
    });
    assert!(
        matches!(&r, Err(FsError::TooLarge { what, limit: 1024, .. }) if what.contains("hard-link")),
        "{r:?}"
    );
    assert_read("199,999 entries", &vol, 2);
}

#[test]
fn a_listing_of_1024_hard_links_shares_one_run_list() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(shared_runlist(1024)));
    let fs = NtfsFileSystem::mount(vol.clone()).unwrap();
    let r = case("ls of 1,024 hard links to a 32,000-run list", || {
        fs.list("/")
            .map(|l| (l.len(), l.iter().all(|e| e.size == 32_000 * 4096)))
    });
    assert_eq!(r, Ok((1024, true)));
    assert_read("1,024 hard links", &vol, 2);
}

/// 64 KiB clusters, 1 MiB compression units: a compressed 4 GiB file (record 16, `big` in the
/// root) whose 4,096 units each store one cluster, all the same cluster (LZNT1 of zeros).
pub(crate) fn lznt1_bomb() -> Vec<u8> {
    let mut v = Ntfs::new(64 << 10, 32 << 10, 17, 2 << 20);
    let lcn = v.alloc(1);
    // 256 chunks of 4,096 zeros: literal 0, then one back-reference of 4,095 bytes.
    let mut unit = Vec::new();
    for _ in 0..256 {
        let token: u16 = 4095 - 3;
        let chunk = [0x02, 0x00, token.to_le_bytes()[0], token.to_le_bytes()[1]];
        unit.extend_from_slice(&(0xB000u16 | (chunk.len() as u16 - 1)).to_le_bytes());
        unit.extend_from_slice(&chunk);
    }
    v.write_cluster(lcn, &unit);
    let units = 4096u64;
    let map: Vec<(u64, Option<u64>)> = (0..units)
        .flat_map(|_| [(1, Some(lcn)), (15, None)])
        .collect();
    let clusters = units * 16;
    let data = nonresident(
        0x80,
        "",
        1,
        1,
        0,
        clusters - 1,
        &runs(&map),
        clusters << 16,
        4,
    );
    v.write_record(16, 0, 1, &[data]);
    v.root(&root_entries(&[(16, "big")]), &[], 4096);
    v.img
}

#[test]
fn an_lznt1_file_of_4_gib_from_one_cluster_is_refused() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(lznt1_bomb()));
    let fs = NtfsFileSystem::mount(vol.clone()).unwrap();
    let r = case("LZNT1 4 GiB from one 64 KiB cluster", || {
        fs.open("big", None).and_then(|d| match d {
            FileData::Content(d) => {
                // What `cat` does: read it all, 1 MiB at a time.
                let mut buf = vec![0u8; 1 << 20];
                let mut at = 0;
                while at < d.len() {
                    d.read_at(at, &mut buf)?;
                    at += buf.len() as u64;
                }
                Ok(at)
            }
            FileData::Unreadable(_) => Ok(0),
        })
    });
    assert!(
        matches!(
            &r,
            Err(FsError::Aliased {
                structure: "NTFS run list",
                ..
            })
        ),
        "{r:?}"
    );
    assert_read("LZNT1 bomb", &vol, 2);
}

/// A FAT16 volume whose root holds directory `LOOP`, one cluster of deleted entries chained to
/// itself.
pub(crate) fn fat_self_loop() -> Vec<u8> {
    let (fat_sectors, root_sectors, clusters) = (17usize, 32usize, 4200usize);
    let data = 1 + fat_sectors + root_sectors;
    let total = data + clusters;
    let mut b = vec![0u8; total * 512];
    put(&mut b, 0, &[0xEB, 0x3C, 0x90]);
    put(&mut b, 3, b"MSWIN4.1");
    put(&mut b, 0x0B, &512u16.to_le_bytes());
    b[0x0D] = 1;
    put(&mut b, 0x0E, &1u16.to_le_bytes());
    b[0x10] = 1;
    put(&mut b, 0x11, &512u16.to_le_bytes());
    put(&mut b, 0x13, &(total as u16).to_le_bytes());
    b[0x15] = 0xF8;
    put(&mut b, 0x16, &(fat_sectors as u16).to_le_bytes());
    put(&mut b, 0x18, &32u16.to_le_bytes());
    put(&mut b, 0x1A, &2u16.to_le_bytes());
    b[0x24] = 0x80;
    b[0x26] = 0x29;
    put(&mut b, 0x2B, b"NO NAME    ");
    put(&mut b, 0x36, b"FAT16   ");
    put(&mut b, 510, &[0x55, 0xAA]);
    let fat = 512;
    put(&mut b, fat, &[0xF8, 0xFF, 0xFF, 0xFF]);
    put(&mut b, fat + 4, &2u16.to_le_bytes()); // cluster 2 → cluster 2
    let root = (1 + fat_sectors) * 512;
    let mut e = [0u8; 32];
    e[..11].copy_from_slice(b"LOOP       ");
    e[11] = 0x10;
    e[0x1A..0x1C].copy_from_slice(&2u16.to_le_bytes());
    put(&mut b, root, &e);
    let c2 = data * 512;
    for i in 0..16 {
        let mut d = [0u8; 32];
        d[0] = 0xE5;
        d[1..11].copy_from_slice(b"ELETED TXT");
        d[11] = 0x20;
        put(&mut b, c2 + 32 * i, &d);
    }
    b
}

#[test]
fn a_fat_directory_chained_to_itself_with_deleted_entries_is_refused() {
    let _whole = crate::serial();
    let vol = Arc::new(Counted::new(fat_self_loop()));
    let fs = FatFileSystem::mount(vol.clone()).unwrap();
    let r = case("FAT directory cluster chained to itself", || {
        fs.list("LOOP").map(|l| l.len())
    });
    assert!(
        matches!(&r, Err(FsError::TooLarge { what, .. }) if what.contains("FAT directory")),
        "{r:?}"
    );
    let s = vol.stats();
    eprintln!("worst_fs FAT loop: {} bytes read", s.bytes);
    assert!(s.bytes <= 2 * vhdlint_filesystems::budget::MAX_FAT_DIRECTORY_READ);
    let r = case("FAT path through the looping directory", || {
        fs.stat("LOOP/missing").map(|e| e.size)
    });
    assert!(matches!(&r, Err(FsError::TooLarge { .. })), "{r:?}");
}

/// Writes the worst cases that fit a fuzz input (≤ 4 MiB) into `$VHDLINT_WORST_SEEDS` when set
/// (fuzz/run.sh seeds `filesystems` with them); without it, checks that each one fits.
#[test]
fn write_worst_fs_seeds() {
    let _whole = crate::serial();
    let seeds = [
        ("worst-mft-aliased-extents.ntfs", mft_aliased_extents()),
        ("worst-lznt1-bomb.ntfs", lznt1_bomb()),
        ("worst-fat-self-loop.fat", fat_self_loop()),
    ];
    for (name, bytes) in &seeds {
        assert!(bytes.len() <= 4 << 20, "{name}: {} bytes", bytes.len());
    }
    if let Some(dir) = std::env::var_os("VHDLINT_WORST_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    // Every case as a bare volume, for measuring the binary (`/usr/bin/time -v vhdlint ls …`).
    if let Some(dir) = std::env::var_os("VHDLINT_WORST_FS_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let all = [
            ("named-streams.ntfs", named_streams()),
            ("mft-aliased-extents.ntfs", mft_aliased_extents()),
            ("aliased-big-records.ntfs", aliased_big_records()),
            ("shared-runlist-199999.ntfs", shared_runlist(199_999)),
            ("shared-runlist-1024.ntfs", shared_runlist(1024)),
            ("lznt1-bomb.ntfs", lznt1_bomb()),
            ("fat-self-loop.fat", fat_self_loop()),
        ];
        for (name, bytes) in all {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}
