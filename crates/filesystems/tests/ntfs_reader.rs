//! vhdlint's own NTFS reader against ground truth: the generator's `$MFT`-with-attribute-list
//! volumes (testdata/ntfs, checked against what `ntfscat` returned at generation time), the
//! `ntfs` crate as a differential oracle on every volume it can read, lookup cost in index reads,
//! and byte flips over MFT records and index blocks.

// Test helpers outside #[test] functions: panicking on a broken fixture is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use ntfs::indexes::NtfsFileNameIndex;
use ntfs::structured_values::NtfsFileNamespace;
use ntfs::{Ntfs, NtfsAttributeFlags, NtfsFile, NtfsReadSeek};
use vhdlint_container::{Counted, Cursor, FileSource, ReadAt, Window};
use vhdlint_filesystems::ntfs::NtfsFileSystem;
use vhdlint_filesystems::{mount, FileData, FileSystem};

fn crc32(d: &[u8]) -> u32 {
    crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(d)
}

fn pattern(text: &str, n: usize) -> Vec<u8> {
    text.bytes().cycle().take(n).collect()
}

fn read_all(d: &Arc<dyn ReadAt>) -> Vec<u8> {
    let mut v = vec![0u8; d.len() as usize];
    d.read_at(0, &mut v).unwrap();
    v
}

fn cat(fs: &dyn FileSystem, path: &str) -> Vec<u8> {
    match fs.open(path, None).unwrap() {
        FileData::Content(d) => read_all(&d),
        other => panic!("{path}: {other:?}"),
    }
}

/// A corpus volume (bare, or the first MBR partition).
fn corpus_volume(rel: &str) -> Option<Arc<dyn ReadAt>> {
    // The open file keeps reading a large cache file the guard removes on return.
    let p = vhdlint_testkit::corpus_file_scoped(rel)?;
    let disk: Arc<dyn ReadAt> = Arc::new(FileSource::open(&p).unwrap());
    let table = vhdlint_volumes::read_partitions(&disk, 512).unwrap();
    Some(match table.entries.first() {
        None => disk,
        Some(part) => Arc::new(Window::new(disk, part.start_offset, part.size).unwrap()),
    })
}

fn fixture(rel: &str) -> Arc<dyn ReadAt> {
    Arc::new(FileSource::open(&vhdlint_testkit::testdata_file(rel)).unwrap())
}

/// One `file PATH record N len L crc32 C sha256 S` line of a generator record file.
struct Known {
    path: String,
    record: u64,
    len: usize,
    crc: u32,
}

fn known_files(rel: &str) -> Vec<Known> {
    let text = std::fs::read_to_string(vhdlint_testkit::testdata_file(rel)).unwrap();
    text.lines()
        .filter(|l| l.starts_with("file "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            Known {
                path: w[1].to_string(),
                record: w[3].parse().unwrap(),
                len: w[5].parse().unwrap(),
                crc: u32::from_str_radix(w[7], 16).unwrap(),
            }
        })
        .collect()
}

/// Highest VCN of the first `$DATA` piece of `$MFT`, as ntfsinfo printed it.
fn first_extent_records(rel: &str, records_per_cluster: u64) -> u64 {
    let text = std::fs::read_to_string(vhdlint_testkit::testdata_file(rel)).unwrap();
    let after = &text[text.find("$DATA (0x80) from mft record 0").unwrap()..];
    let line = after.lines().find(|l| l.contains("Highest VCN")).unwrap();
    let vcn: u64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    (vcn + 1) * records_per_cluster
}

#[test]
fn mft_with_attribute_list_reads_records_past_the_first_extent() {
    for name in ["mftext-a", "mftext-b"] {
        let fs = NtfsFileSystem::mount(fixture(&format!("ntfs/{name}.img.xz"))).unwrap();
        assert_eq!(fs.label().as_deref(), Some(name));
        let first = first_extent_records(&format!("ntfs/{name}.txt"), 4);
        assert!(fs.mft_records() > first, "{name}: $MFT spans both extents");
        let known = known_files(&format!("ntfs/{name}.txt"));
        assert_eq!(known.len(), 6);
        for k in &known {
            assert_eq!(fs.record_number(&k.path).unwrap(), k.record, "{}", k.path);
            let d = cat(&fs, &k.path);
            assert_eq!(
                (d.len(), crc32(&d)),
                (k.len, k.crc),
                "{name}{}: as ntfscat",
                k.path
            );
        }
        let software = known.iter().find(|k| k.path.ends_with("SOFTWARE")).unwrap();
        assert!(
            software.record >= first,
            "{name}: SOFTWARE (record {}) lies past the first extent ({first} records)",
            software.record
        );
        // What the generator wrote.
        let want: Vec<u8> = (0..6)
            .flat_map(|i| pattern(&format!("SOFTWARE hive of {name} block {i} "), 65_536))
            .collect();
        assert_eq!(cat(&fs, "windows/system32/CONFIG/software"), want);
        let want: Vec<u8> = (0..6)
            .flat_map(|i| pattern(&format!("SYSTEM hive of {name} block {i} "), 32_768))
            .collect();
        assert_eq!(cat(&fs, "Windows/System32/config/SYSTEM"), want);
        assert_eq!(
            cat(&fs, "Windows/System32/late.txt"),
            format!("late file of {name}\r\n").as_bytes()
        );
        assert_eq!(
            cat(&fs, "Compressed/text.txt"),
            pattern(&format!("compressible line of {name} for LZNT1 "), 200_000)
        );
        assert_eq!(cat(&fs, "early/LOW.TXT"), b"LOW file written first\r\n");
        let mut config: Vec<String> = fs
            .list("Windows/System32/config")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        config.sort();
        assert_eq!(config, ["SOFTWARE", "SYSTEM"]);
        let many = fs.list("many").unwrap();
        assert!(many.len() > 3000, "{name}: {} entries", many.len());

        // The ntfs crate (issue #32) cannot reach those records: the reason for this reader.
        let oracle = catch_unwind(AssertUnwindSafe(|| {
            let v = fixture(&format!("ntfs/{name}.img.xz"));
            let mut c = Cursor::new(v);
            let mut ntfs = Ntfs::new(&mut c).ok()?;
            ntfs.read_upcase_table(&mut c).ok()?;
            oracle_file(&ntfs, &mut c, "Windows/System32/config/SOFTWARE").map(|_| ())
        }));
        assert!(
            !matches!(oracle, Ok(Some(()))),
            "{name}: the ntfs crate now reads it; issue #32 fixed?"
        );

        // One mounted volume, many threads.
        let fs: Arc<NtfsFileSystem> = Arc::new(fs);
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let fs = fs.clone();
                let p = known[i % known.len()].path.clone();
                std::thread::spawn(move || crc32(&cat(&*fs, &p)))
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), known[i % known.len()].crc);
        }
    }
}

/// Resolves `path` with the `ntfs` crate.
fn oracle_file<'n>(
    ntfs: &'n Ntfs,
    c: &mut Cursor<Arc<dyn ReadAt>>,
    path: &str,
) -> Option<NtfsFile<'n>> {
    let mut file = ntfs.root_directory(c).ok()?;
    for comp in path.split('/').filter(|s| !s.is_empty()) {
        let index = file.directory_index(c).ok()?;
        let mut finder = index.finder();
        let e = NtfsFileNameIndex::find(&mut finder, ntfs, c, comp)?.ok()?;
        file = e.to_file(ntfs, c).ok()?;
    }
    Some(file)
}

/// Names in a directory, per the `ntfs` crate (DOS names and "." dropped).
fn oracle_names(
    ntfs: &Ntfs,
    c: &mut Cursor<Arc<dyn ReadAt>>,
    path: &str,
) -> Option<BTreeSet<String>> {
    let dir = oracle_file(ntfs, c, path)?;
    let index = dir.directory_index(c).ok()?;
    let mut it = index.entries();
    let mut out = BTreeSet::new();
    while let Some(e) = it.next(c) {
        let e = e.ok()?;
        let k = e.key()?.ok()?;
        if k.namespace() == NtfsFileNamespace::Dos {
            continue;
        }
        let n = k.name().to_string_lossy();
        if n != "." {
            out.insert(n);
        }
    }
    Some(out)
}

/// The unnamed stream per the `ntfs` crate, when it is plain stored data.
fn oracle_bytes(ntfs: &Ntfs, c: &mut Cursor<Arc<dyn ReadAt>>, path: &str) -> Option<Vec<u8>> {
    let file = oracle_file(ntfs, c, path)?;
    let item = file.data(c, "")?.ok()?;
    let attr = item.to_attribute().ok()?;
    if attr
        .flags()
        .intersects(NtfsAttributeFlags::COMPRESSED | NtfsAttributeFlags::ENCRYPTED)
    {
        return None;
    }
    let mut value = attr.value(c).ok()?;
    let mut buf = vec![0u8; usize::try_from(value.len()).ok()?];
    let mut filled = 0;
    while filled < buf.len() {
        let n = value.read(c, &mut buf[filled..]).ok()?;
        if n == 0 {
            return None;
        }
        filled += n;
    }
    Some(buf)
}

/// Walks `vol` with both readers: same names in every directory, same bytes in every plain file.
fn differential(label: &str, vol: Arc<dyn ReadAt>) {
    const MAX_DIRS: usize = 200;
    const MAX_FILE: u64 = 8 << 20;
    let fs = mount(vol.clone()).unwrap();
    let mut c = Cursor::new(vol);
    let mut ntfs = Ntfs::new(&mut c).unwrap();
    ntfs.read_upcase_table(&mut c).unwrap();
    let (mut dirs, mut files, mut oracle_gaps) = (0usize, 0usize, 0usize);
    let mut queue = vec![String::new()];
    while let Some(dir) = queue.pop() {
        dirs += 1;
        if dirs > MAX_DIRS {
            break;
        }
        let ours = fs.list(&dir).unwrap();
        let our_names: BTreeSet<String> = ours.iter().map(|e| e.name.clone()).collect();
        match catch_unwind(AssertUnwindSafe(|| oracle_names(&ntfs, &mut c, &dir))) {
            Ok(Some(theirs)) => assert_eq!(our_names, theirs, "{label}: names of {dir:?}"),
            _ => oracle_gaps += 1,
        }
        for e in ours {
            let path = format!("{dir}/{}", e.name);
            if e.is_dir {
                if !e.name.starts_with('$') || !dir.is_empty() {
                    queue.push(path);
                }
                continue;
            }
            // $Boot starts at LCN 0, which the ntfs crate takes for a sparse run (its data
            // positions are NonZeroU64): it returns zeros where the boot sector is.
            if e.size > MAX_FILE
                || e.special.is_some()
                || e.attributes & 0x800 != 0
                || path == "/$Boot"
            {
                continue;
            }
            let Ok(FileData::Content(d)) = fs.open(&path, None) else {
                continue;
            };
            match catch_unwind(AssertUnwindSafe(|| oracle_bytes(&ntfs, &mut c, &path))) {
                // The ntfs crate reads no byte of a $MFT that has an $ATTRIBUTE_LIST (#32).
                Ok(Some(theirs)) if path == "/$MFT" && theirs.is_empty() => oracle_gaps += 1,
                Ok(Some(theirs)) => {
                    let ours = read_all(&d);
                    assert_eq!(
                        (ours.len(), crc32(&ours)),
                        (theirs.len(), crc32(&theirs)),
                        "{label}: bytes of {path}"
                    );
                    files += 1;
                }
                _ => oracle_gaps += 1,
            }
        }
    }
    println!("{label}: {dirs} directories, {files} files byte-equal, {oracle_gaps} the ntfs crate could not read");
    assert!(files > 0, "{label}: nothing compared");
}

#[test]
fn differential_against_the_ntfs_crate() {
    for rel in [
        "ntfs/dissect.ntfs/ntfs.bin.gz",
        "ntfs/dissect.ntfs/ntfs-cloud.bin.gz",
        "ntfs/ntfs-samples/ntfs-ptrn.raw.gz",
        "ntfs/ntfs-samples/ntfs-2m.raw.gz",
        "ntfs/ntfs-samples/ntfs-lastaccess.raw.gz",
        "ntfs/ColinFinck-ntfs/testfs1.xz",
    ] {
        if let Some(v) = corpus_volume(rel) {
            differential(rel, v);
        }
    }
    for rel in [
        "filesystems/ntfs-3g.img.xz",
        "ntfs/mftext-a.img.xz",
        "ntfs/mftext-b.img.xz",
    ] {
        differential(rel, fixture(rel));
    }
}

/// A lookup in a 2,048-entry directory reads a path through the B+tree, not the whole index.
#[test]
fn lookup_reads_index_blocks_not_a_scan() {
    let Some(v) = corpus_volume("ntfs/dissect.ntfs/ntfs.bin.gz") else {
        return;
    };
    let names: Vec<String> = mount(v.clone())
        .unwrap()
        .list("Large Directory")
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names.len(), 2048);
    let counted = Arc::new(Counted::new(v));
    let fs = mount(counted.clone()).unwrap();
    let before = counted.stats();
    let _ = fs.stat("Large Directory").unwrap();
    let dir_only = counted.stats();
    let target = format!("Large Directory/{}", names[1234].to_uppercase());
    let st = fs.stat(&target).unwrap();
    assert_eq!(st.name, names[1234]);
    let lookup = counted.stats();
    let _ = fs.list("Large Directory").unwrap();
    let scan = counted.stats();
    let lookup_bytes = lookup.bytes - dir_only.bytes;
    let scan_bytes = scan.bytes - lookup.bytes;
    println!(
        "mount+dir {} B; lookup in 2048 entries: {} reads, {} B; full listing: {} reads, {} B",
        dir_only.bytes - before.bytes,
        lookup.calls - dir_only.calls,
        lookup_bytes,
        scan.calls - lookup.calls,
        scan_bytes
    );
    // Root of the tree is resident; one or two 4 KiB index blocks plus the file's 1 KiB record.
    assert!(lookup_bytes <= 3 * 4096 + 1024, "{lookup_bytes}");
    assert!(
        lookup_bytes * 20 < scan_bytes,
        "{lookup_bytes} vs {scan_bytes}"
    );
}

/// Byte flips over MFT records (base and `$MFT` extension records) and index blocks: no panic,
/// no hang, through the whole API.
#[test]
fn byte_flips_over_records_and_index_blocks() {
    let base = std::fs::read(vhdlint_testkit::testdata_file("ntfs/mftext-a.img.xz")).unwrap();
    let boot_mft = u64::from_le_bytes(base[0x30..0x38].try_into().unwrap()) as usize * 4096;
    // Records 0..24 (including $MFT's extension records 15 and 16) and the first INDX blocks.
    let mut spots: Vec<usize> = (boot_mft..boot_mft + 24 * 1024).step_by(89).collect();
    let indx: Vec<usize> = (0..base.len())
        .step_by(4096)
        .filter(|&o| &base[o..o + 4] == b"INDX")
        .take(4)
        .collect();
    assert!(!indx.is_empty());
    for o in &indx {
        spots.extend((*o..o + 4096).step_by(131));
    }
    let mut mounted = 0;
    for (n, at) in spots.into_iter().enumerate() {
        let mut img = base.clone();
        img[at] ^= [0xFF, 0x80, 0x01, 0x55][n % 4];
        let r = catch_unwind(AssertUnwindSafe(|| {
            let Ok(fs) = mount(Arc::new(img)) else {
                return false;
            };
            let _ = fs.list("/");
            let _ = fs.list("Windows/System32");
            let _ = fs.stat("many/e1234");
            let _ = fs.stat("many/x99");
            for p in [
                "Windows/System32/config/SOFTWARE",
                "Compressed/text.txt",
                "early/LOW.TXT",
                "$MFT",
            ] {
                if let Ok(FileData::Content(d)) = fs.open(p, None) {
                    let mut b = vec![0u8; (d.len() as usize).min(1 << 20)];
                    let _ = d.read_at(0, &mut b);
                }
                let _ = fs.stat(p);
            }
            true
        }));
        mounted += usize::from(r.unwrap_or_else(|_| panic!("panic escaped at byte {at:#x}")));
    }
    assert!(mounted > 0);
}
