//! Hashing through memory-mapped files (bytes lent in place) gives the same virtual disk as
//! positional reads, for every container kind, including blocks that must still be copied.

#![allow(clippy::unwrap_used, clippy::panic)]

use vhdlint_container::{hash::hash_virtual, open, open_with, OpenOptions, ReadAt};

fn same_both_ways(path: &std::path::Path) {
    let plain = open(path).unwrap();
    let mapped = open_with(path, OpenOptions { map_files: true }).unwrap();
    assert_eq!(
        hash_virtual(&plain).unwrap(),
        hash_virtual(&mapped).unwrap(),
        "{}",
        path.display()
    );
    let lent = mapped.borrow_at(0, 4096).map(<[u8]>::len);
    assert!(
        plain.borrow_at(0, 4096).is_none(),
        "plain opens lend nothing"
    );
    if let Some(n) = lent {
        assert!((1..=4096).contains(&n));
    }
}

#[test]
fn fixtures_hash_alike_mapped_or_not() {
    for f in [
        "container/pattern.raw.xz",
        "container/pattern-fixed.vhd.xz",
        "container/pattern-dynamic.vhd.xz",
        "container/pattern-fixed.vhdx.xz",
        "container/pattern-dynamic.vhdx.xz",
    ] {
        same_both_ways(&vhdlint_testkit::testdata_file(f));
    }
}

#[test]
fn corpus_images_hash_alike_mapped_or_not() {
    for f in [
        "vhdx/qemu/iotest-dynamic-1G.vhdx.bz2",
        "vhdx/qemu/iotest-dirtylog-10G-4M.vhdx.bz2",
        "vhdx/dissect.hypervisor/dynamic.vhdx.gz",
        "vhd/dissect.hypervisor/dynamic.vhd.gz",
        "vhd/dissect.hypervisor/fixed.vhd.gz",
    ] {
        let Some(path) = vhdlint_testkit::corpus_file(f) else {
            return;
        };
        same_both_ways(&path);
    }
}

/// Past [`vhdlint_container::read::MAPPED_RELEASE_BYTES`] the touched pages of the mapping are
/// released while hashing; the bytes lent before (and read again) are unchanged.
#[test]
fn pages_released_while_hashing_keep_the_bytes() {
    use std::io::{Seek, SeekFrom, Write};
    use vhdlint_container::read::MAPPED_RELEASE_BYTES;
    let dir = vhdlint_testkit::scratch_dir("mapped-release");
    let path = dir.join("disk.raw");
    let len = 3 * MAPPED_RELEASE_BYTES + 12345;
    let mut f = std::fs::File::create(&path).unwrap();
    f.set_len(len).unwrap();
    // Marks every 8 MiB (sparse between), so a wrongly released page would change the hash.
    let mut at = 0;
    while at < len - 8 {
        f.seek(SeekFrom::Start(at)).unwrap();
        f.write_all(&at.to_le_bytes()).unwrap();
        at += 8 << 20;
    }
    drop(f);
    same_both_ways(&path);
    let mapped = open_with(&path, OpenOptions { map_files: true }).unwrap();
    let first = mapped.borrow_at(0, 4096).unwrap().to_vec();
    let _ = hash_virtual(&mapped).unwrap();
    assert_eq!(mapped.borrow_at(0, 4096).unwrap(), &first[..]);
    assert_eq!(&first[..8], &0u64.to_le_bytes());
    std::fs::remove_dir_all(&dir).ok();
}
