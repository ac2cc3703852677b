//! Partition tables written by third-party tools (sgdisk, fdisk, sfdisk, gptman, Linux and
//! Windows images in the corpus) and hostile variants built from them.

// Test helpers outside #[test] functions: panicking on a broken fixture is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use vhdlint_container::{FileSource, Guid};
use vhdlint_volumes::gpt::{crc32, MAX_ENTRY_ARRAY_BYTES};
use vhdlint_volumes::{read_partitions, PartitionKind, PartitionTable, Scheme, VolumeError};

fn read_file(path: &Path, ss: u32) -> PartitionTable {
    let f = FileSource::open(path).unwrap();
    read_partitions(&f, ss).unwrap()
}

fn g(s: &str) -> Guid {
    Guid::parse(s).unwrap()
}

fn codes(t: &PartitionTable) -> Vec<&'static str> {
    t.diagnostics.iter().map(|d| d.code).collect()
}

// ---------------------------------------------------------------------------------------------
// A small GPT writer for edge cases gptman cannot write (entry size 256, hostile fields).

struct Entry {
    ty: Guid,
    first: u64,
    last: u64,
    name: &'static str,
}

fn put(buf: &mut [u8], at: usize, b: &[u8]) {
    buf[at..at + b.len()].copy_from_slice(b);
}

/// Builds a disk of `sectors` × `ss` with a protective MBR, primary and backup GPT.
fn build_gpt(ss: usize, sectors: u64, entry_size: u32, count: u32, entries: &[Entry]) -> Vec<u8> {
    let mut disk = vec![0u8; ss * sectors as usize];
    // Protective MBR.
    put(&mut disk, 446 + 4, &[0xEE]);
    put(&mut disk, 446 + 8, &1u32.to_le_bytes());
    put(
        &mut disk,
        446 + 12,
        &((sectors - 1).min(u32::MAX as u64) as u32).to_le_bytes(),
    );
    put(&mut disk, 510, &[0x55, 0xAA]);
    let mut arr = vec![0u8; (entry_size * count) as usize];
    for (i, e) in entries.iter().enumerate() {
        let at = i * entry_size as usize;
        put(&mut arr, at, &e.ty.0);
        put(&mut arr, at + 16, &[i as u8 + 1; 16]);
        put(&mut arr, at + 32, &e.first.to_le_bytes());
        put(&mut arr, at + 40, &e.last.to_le_bytes());
        let name: Vec<u8> = e.name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        put(&mut arr, at + 56, &name);
    }
    let array_sectors = (arr.len() as u64).div_ceil(ss as u64);
    let last = sectors - 1;
    let first_usable = 2 + array_sectors;
    let last_usable = last - array_sectors - 1;
    for (my, alt, entry_lba) in [(1, last, 2), (last, 1, last - array_sectors)] {
        let mut h = vec![0u8; 92];
        put(&mut h, 0, b"EFI PART");
        put(&mut h, 8, &0x0001_0000u32.to_le_bytes());
        put(&mut h, 12, &92u32.to_le_bytes());
        put(&mut h, 24, &my.to_le_bytes());
        put(&mut h, 32, &alt.to_le_bytes());
        put(&mut h, 40, &first_usable.to_le_bytes());
        put(&mut h, 48, &last_usable.to_le_bytes());
        put(&mut h, 56, &g("DEADBEEF-0000-1111-2222-333344445555").0);
        put(&mut h, 72, &entry_lba.to_le_bytes());
        put(&mut h, 80, &count.to_le_bytes());
        put(&mut h, 84, &entry_size.to_le_bytes());
        put(&mut h, 88, &crc32(&arr).to_le_bytes());
        let c = crc32(&h);
        put(&mut h, 16, &c.to_le_bytes());
        put(&mut disk, my as usize * ss, &h);
        put(&mut disk, entry_lba as usize * ss, &arr);
    }
    disk
}

/// Sets a u32/u64 field of the header at `lba` and recomputes its CRC (a hostile writer would).
fn patch_header(disk: &mut [u8], ss: usize, lba: usize, at: usize, value: &[u8]) {
    let h = lba * ss;
    put(disk, h + at, value);
    put(disk, h + 16, &[0; 4]);
    let size = u32::from_le_bytes(disk[h + 12..h + 16].try_into().unwrap()) as usize;
    let c = crc32(&disk[h..h + size]);
    put(disk, h + 16, &c.to_le_bytes());
}

/// Recomputes the entry array CRC of the header at `lba` (and that header's CRC).
fn fix_array_crc(disk: &mut [u8], ss: usize, lba: usize) {
    let h = lba * ss;
    let entry_lba = u64::from_le_bytes(disk[h + 72..h + 80].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(disk[h + 80..h + 84].try_into().unwrap()) as usize;
    let size = u32::from_le_bytes(disk[h + 84..h + 88].try_into().unwrap()) as usize;
    let c = crc32(&disk[entry_lba * ss..entry_lba * ss + count * size]);
    patch_header(disk, ss, lba, 88, &c.to_le_bytes());
}

fn basic(first: u64, last: u64, name: &'static str) -> Entry {
    Entry {
        ty: vhdlint_volumes::kind::BASIC_DATA,
        first,
        last,
        name,
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus.

#[test]
fn corpus_gpt_512_3p() {
    let Some(p) = vhdlint_testkit::corpus_file("gpt/dfir_ntfs/gpt-512-3p.raw.gz") else {
        return;
    };
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::Gpt);
    assert_eq!(t.disk_guid, Some(g("4A57F82F-3B54-45B7-9135-C1D4A9ADDF69")));
    let got: Vec<_> = t
        .entries
        .iter()
        .map(|e| {
            (
                e.index,
                e.kind,
                e.start_offset / 512,
                (e.end_offset() / 512) - 1,
                e.unique_guid.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                PartitionKind::Linux,
                34,
                64,
                g("0C4A2A68-C2C3-441A-8757-1F888ED2715D")
            ),
            (
                2,
                PartitionKind::Linux,
                65,
                128,
                g("127D7584-B1A0-48D7-9444-B63BF6AC3FCB")
            ),
            (
                3,
                PartitionKind::EfiSystem,
                129,
                2014,
                g("8BD51A24-3053-4849-B987-E5BB05EAFE51")
            ),
        ]
    );
    assert_eq!(t.entries[2].name.as_deref(), Some("EFI System"));
    let gpt = t.gpt.as_ref().unwrap();
    assert!(gpt.backup_valid && !gpt.used_backup);
    assert_eq!((gpt.entry_size, gpt.entry_count), (128, 128));
    // Linux tools placed these at LBA 34/65/129: not 1 MiB aligned.
    assert_eq!(
        codes(&t)
            .iter()
            .filter(|c| **c == "partitionMisaligned")
            .count(),
        3
    );
    assert!(!codes(&t).contains(&"partitionOverlap"));
}

#[test]
fn corpus_gpt_512_0p() {
    let Some(p) = vhdlint_testkit::corpus_file("gpt/dfir_ntfs/gpt-512-0p.raw.gz") else {
        return;
    };
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::Gpt);
    assert_eq!(t.disk_guid, Some(g("1156C30A-F330-47F5-BEC9-C85B0F186736")));
    assert!(t.entries.is_empty());
}

#[test]
fn corpus_ntfs_ptrn_mbr() {
    let Some(p) = vhdlint_testkit::corpus_file_scoped("ntfs/ntfs-samples/ntfs-ptrn.raw.gz") else {
        return;
    };
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::Mbr);
    assert_eq!(t.entries.len(), 1);
    let e = &t.entries[0];
    assert_eq!(
        (e.index, e.mbr_type, e.kind),
        (1, Some(0x07), PartitionKind::BasicData)
    );
    assert_eq!((e.start_offset, e.size), (128 * 512, 2_091_008 * 512));
    // LBA 128 = 64 KiB: not on a 1 MiB boundary.
    assert_eq!(codes(&t), ["partitionMisaligned"]);
}

#[test]
fn corpus_bare_volume_is_unpartitioned() {
    let Some(p) = vhdlint_testkit::corpus_file("ntfs/ColinFinck-ntfs/testfs1.xz") else {
        return;
    };
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::None);
    assert_eq!(codes(&t), vec!["volumeAtLba0"]);
}

// ---------------------------------------------------------------------------------------------
// Fixtures from testdata/volumes/generate.sh.

#[test]
fn sgdisk_windows_layout() {
    let p = vhdlint_testkit::testdata_file("volumes/gpt-windows.img.xz");
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::Gpt);
    assert_eq!(t.disk_guid, Some(g("11111111-2222-3333-4444-555555555555")));
    let kinds: Vec<_> = t.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "efiSystem",
            "microsoftReserved",
            "basicData",
            "windowsRecovery"
        ]
    );
    let names: Vec<_> = t.entries.iter().map(|e| e.name.clone().unwrap()).collect();
    assert_eq!(
        names,
        [
            "EFI system partition",
            "Microsoft reserved partition",
            "Basic data partition",
            "Recovery"
        ]
    );
    assert_eq!(t.entries[0].start_offset, 1 << 20);
    assert_eq!(t.entries[0].size, 16 << 20);
    assert_eq!(t.entries[3].attributes, 0x8000_0000_0000_0001);
    assert_eq!(
        t.entries[3].unique_guid,
        Some(g("A0000004-0000-0000-0000-000000000004"))
    );
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);

    // Cross-check with gptman.
    let mut f = std::fs::File::open(&p).unwrap();
    let oracle = gptman::GPT::read_from(&mut f, 512).unwrap();
    let theirs: Vec<_> = oracle
        .iter()
        .filter(|(_, e)| e.is_used())
        .map(|(i, e)| {
            (
                i,
                Guid(e.partition_type_guid),
                e.starting_lba * 512,
                e.attribute_bits,
            )
        })
        .collect();
    let ours: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.index, e.type_guid.unwrap(), e.start_offset, e.attributes))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn fdisk_4k_sectors_and_size_fallback() {
    let p = vhdlint_testkit::testdata_file("volumes/gpt-4k.img.xz");
    let t = read_file(&p, 4096);
    assert_eq!(t.scheme, Scheme::Gpt);
    assert_eq!(t.sector_size, 4096);
    assert_eq!(t.disk_guid, Some(g("66666666-7777-8888-9999-AAAAAAAAAAAA")));
    let got: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.kind, e.start_offset, e.size))
        .collect();
    assert_eq!(
        got,
        [
            (PartitionKind::EfiSystem, 256 * 4096, 2048 * 4096),
            (PartitionKind::BasicData, 2304 * 4096, 5632 * 4096)
        ]
    );
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);

    // Asked for 512-byte sectors: found at 4096 with a diagnostic.
    let t512 = read_file(&p, 512);
    assert_eq!(t512.sector_size, 4096);
    assert_eq!(codes(&t512), ["gptSectorSizeMismatch"]);
    assert_eq!(t512.entries, t.entries);

    let mut f = std::fs::File::open(&p).unwrap();
    let oracle = gptman::GPT::read_from(&mut f, 4096).unwrap();
    assert_eq!(oracle[2].starting_lba, 2304);
}

#[test]
fn sfdisk_mbr_with_logical_partitions() {
    let p = vhdlint_testkit::testdata_file("volumes/mbr-extended.img.xz");
    let t = read_file(&p, 512);
    assert_eq!(t.scheme, Scheme::Mbr);
    assert_eq!(t.mbr_signature, Some(0x1234_5678));
    let got: Vec<_> = t
        .entries
        .iter()
        .map(|e| {
            (
                e.index,
                e.mbr_type.unwrap(),
                e.active,
                e.start_offset / 512,
                e.size / 512,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, 0x07, true, 2048, 32768),
            (2, 0x27, false, 34816, 8192),
            (5, 0x07, false, 45056, 16384),
            (6, 0x0C, false, 63488, 20480),
        ]
    );
    assert_eq!(t.entries[1].kind, PartitionKind::WindowsRecovery);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn ebr_loop_is_cut_with_a_diagnostic() {
    let p = vhdlint_testkit::testdata_file("volumes/mbr-extended.img.xz");
    let mut disk = std::fs::read(&p).unwrap();
    // The second EBR (LBA 61440 = 43008 + 18432) links to the next; point it back at the first.
    let ebr2 = 61440 * 512;
    assert_eq!(&disk[ebr2 + 510..ebr2 + 512], &[0x55, 0xAA]);
    put(&mut disk, ebr2 + 446 + 16 + 4, &[0x05]);
    put(&mut disk, ebr2 + 446 + 16 + 8, &0u32.to_le_bytes());
    put(&mut disk, ebr2 + 446 + 16 + 12, &100u32.to_le_bytes());
    let t = read_partitions(&disk, 512).unwrap();
    assert_eq!(t.entries.len(), 4);
    assert_eq!(codes(&t), ["ebrLoop"]);
}

// ---------------------------------------------------------------------------------------------
// Edge cases and hostile tables.

#[test]
fn entry_size_256_and_many_entries() {
    let disk = build_gpt(
        512,
        8192,
        256,
        8,
        &[basic(2048, 4095, "wide"), basic(4096, 8000, "x")],
    );
    let t = read_partitions(&disk, 512).unwrap();
    assert_eq!(t.gpt.as_ref().unwrap().entry_size, 256);
    assert_eq!(t.entries.len(), 2);
    assert_eq!(t.entries[0].name.as_deref(), Some("wide"));
    assert_eq!(
        (t.entries[1].index, t.entries[1].start_offset),
        (2, 4096 * 512)
    );
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);

    // A 1024-entry array (32 sectors × 8) with partitions in slots 1 and 2; gptman agrees.
    let disk = build_gpt(
        512,
        16384,
        128,
        1024,
        &[basic(2048, 4095, "a"), basic(10240, 12287, "b")],
    );
    let t = read_partitions(&disk, 512).unwrap();
    let gi = t.gpt.as_ref().unwrap();
    assert_eq!((gi.entry_count, gi.first_usable_lba), (1024, 2 + 256));
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    let oracle = gptman::GPT::read_from(&mut std::io::Cursor::new(&disk), 512).unwrap();
    assert_eq!(oracle.header.number_of_partition_entries, 1024);
    assert_eq!(oracle.header.first_usable_lba, gi.first_usable_lba);
    let theirs: Vec<_> = oracle
        .iter()
        .filter(|(_, e)| e.is_used())
        .map(|(i, e)| (i, e.starting_lba * 512))
        .collect();
    let ours: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.index, e.start_offset))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn bad_primary_crc_uses_backup() {
    let mut disk = build_gpt(512, 8192, 128, 128, &[basic(2048, 4095, "a")]);
    disk[512 + 40] ^= 1; // FirstUsableLBA changed, CRC not recomputed.
    let t = read_partitions(&disk, 512).unwrap();
    assert_eq!(codes(&t)[0], "gptPrimaryInvalid");
    assert!(t.gpt.as_ref().unwrap().used_backup);
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.gpt.as_ref().unwrap().my_lba, 8191);
}

#[test]
fn bad_backup_and_entry_array_crc() {
    let mut disk = build_gpt(512, 8192, 128, 128, &[basic(2048, 4095, "a")]);
    // Backup entry array corrupted (its CRC no longer matches).
    let backup_array = (8191 - 32) * 512;
    disk[backup_array + 60] ^= 0xFF;
    let t = read_partitions(&disk, 512).unwrap();
    assert_eq!(codes(&t), ["gptBackupInvalid"]);
    assert!(t.diagnostics[0].message.contains("entry array"));
    assert!(!t.gpt.as_ref().unwrap().backup_valid);

    // Now the primary array too: no valid GPT.
    disk[2 * 512 + 60] ^= 0xFF;
    match read_partitions(&disk, 512) {
        Err(VolumeError::GptUnreadable { primary, backup }) => {
            assert!(
                matches!(*primary, VolumeError::ChecksumMismatch { offset: 1024, .. }),
                "{primary}"
            );
            assert!(
                matches!(*backup, VolumeError::ChecksumMismatch { .. }),
                "{backup}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn hostile_fields_with_recomputed_crcs() {
    let base = build_gpt(512, 8192, 128, 128, &[basic(2048, 4095, "a")]);
    // Entry size 100 in both headers, CRCs recomputed.
    let mut disk = base.clone();
    for lba in [1, 8191] {
        patch_header(&mut disk, 512, lba, 84, &100u32.to_le_bytes());
    }
    match read_partitions(&disk, 512).unwrap_err() {
        VolumeError::GptUnreadable { primary, .. } => assert_eq!(
            *primary,
            VolumeError::InvalidField {
                structure: "GPT header",
                offset: 512,
                field: "SizeOfPartitionEntry",
                actual: 100,
                reason: "must be 128 × 2^n".into()
            }
        ),
        e => panic!("{e:?}"),
    }
    // 2^31 entries: refused before any allocation.
    let mut disk = base.clone();
    for lba in [1, 8191] {
        patch_header(&mut disk, 512, lba, 80, &(1u32 << 31).to_le_bytes());
    }
    match read_partitions(&disk, 512).unwrap_err() {
        VolumeError::GptUnreadable { primary, backup } => {
            assert_eq!(
                *primary,
                VolumeError::EntryArrayTooLarge {
                    offset: 512,
                    count: 1 << 31,
                    entry_size: 128,
                    max: MAX_ENTRY_ARRAY_BYTES
                }
            );
            assert!(matches!(*backup, VolumeError::EntryArrayTooLarge { .. }));
        }
        e => panic!("{e:?}"),
    }
    // Entry array pointing past the end of the disk, header size 0, MyLBA wrong.
    for (at, value) in [(72usize, u64::MAX / 2), (12, 0), (24, 5)] {
        let mut disk = base.clone();
        let bytes = if at == 12 {
            (value as u32).to_le_bytes().to_vec()
        } else {
            value.to_le_bytes().to_vec()
        };
        for lba in [1, 8191] {
            patch_header(&mut disk, 512, lba, at, &bytes);
        }
        let e = read_partitions(&disk, 512).unwrap_err();
        assert!(matches!(e, VolumeError::GptUnreadable { .. }), "{e:?}");
    }
    // AlternateLBA far past the end: primary used, backup diagnostics.
    let mut disk = base.clone();
    patch_header(&mut disk, 512, 1, 32, &u64::MAX.to_le_bytes());
    let t = read_partitions(&disk, 512).unwrap();
    assert_eq!(codes(&t), ["gptBackupNotAtEnd", "gptBackupInvalid"]);
}

#[test]
fn overlapping_and_out_of_range_partitions_are_diagnosed() {
    let mut disk = build_gpt(
        512,
        8192,
        128,
        128,
        &[
            basic(2048, 6143, "a"),
            basic(4096, 6143, "b"),
            basic(6144, 9000, "c"),
            basic(7000, 10, "d"),
        ],
    );
    fix_array_crc(&mut disk, 512, 1);
    let t = read_partitions(&disk, 512).unwrap();
    let c = codes(&t);
    assert!(c.contains(&"partitionOverlap"), "{c:?}");
    assert!(c.contains(&"partitionOutsideUsable"), "{c:?}");
    assert!(c.contains(&"partitionBeyondDisk"), "{c:?}");
    assert!(c.contains(&"gptEntryInvalid"), "{c:?}");
    assert_eq!(t.entries.len(), 3);
}

#[test]
fn tiny_and_odd_disks_do_not_panic() {
    for len in [0usize, 100, 511, 512, 513, 1024, 4096, 5000] {
        let mut d = vec![0u8; len];
        if len >= 512 {
            d[510] = 0x55;
            d[511] = 0xAA;
            d[446 + 4] = 0xEE;
        }
        let _ = read_partitions(&d, 512);
        let _ = read_partitions(&d, 4096);
    }
    assert_eq!(
        read_partitions(&vec![0u8; 1024], 1000),
        Err(VolumeError::UnsupportedSectorSize { actual: 1000 })
    );
    // Byte-flip sweep over the first 34 sectors of a valid GPT disk.
    let base = build_gpt(512, 4096, 128, 128, &[basic(2048, 4000, "a")]);
    for i in (0..34 * 512).step_by(7) {
        let mut d = base.clone();
        d[i] ^= 0xA5;
        let _ = read_partitions(&d, 512);
    }
}
