//! Fixtures written by third-party tools (testdata/filesystems/generate.sh: mkfs.fat + mtools,
//! mkntfs + ntfs-3g): what the writers put in is what `list` and `open` read out. Plus malformed
//! boot sectors built from them.

// Test helpers outside #[test] functions: panicking on a broken fixture is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use vhdlint_container::{FileSource, ReadAt};
use vhdlint_filesystems::{mount, FileData, FileSystem, FsError, FsKind};

/// The pattern generate.sh writes: `text` repeated, cut to `n` bytes.
fn pattern(text: &str, n: usize) -> Vec<u8> {
    text.bytes().cycle().take(n).collect()
}

fn fixture(rel: &str) -> Arc<dyn ReadAt> {
    let p = vhdlint_testkit::testdata_file(rel);
    Arc::new(FileSource::open(&p).unwrap())
}

fn in_memory(rel: &str) -> Vec<u8> {
    std::fs::read(vhdlint_testkit::testdata_file(rel)).unwrap()
}

fn cat(fs: &dyn FileSystem, path: &str, stream: Option<&str>) -> Vec<u8> {
    match fs.open(path, stream).unwrap() {
        FileData::Content(d) => {
            let mut v = vec![0u8; d.len() as usize];
            d.read_at(0, &mut v).unwrap();
            v
        }
        other => panic!("{path}: {other:?}"),
    }
}

fn names(fs: &dyn FileSystem, path: &str) -> Vec<String> {
    let mut v: Vec<String> = fs.list(path).unwrap().into_iter().map(|e| e.name).collect();
    v.sort();
    v
}

#[test]
fn esp_fat32_from_mkfs_fat_and_mtools() {
    let fs = mount(fixture("filesystems/esp-fat32.img.xz")).unwrap();
    assert_eq!(fs.kind(), FsKind::Fat);
    assert_eq!(fs.label().as_deref(), Some("ESP"));
    assert_eq!(names(&*fs, "/"), ["EFI"]);
    assert_eq!(names(&*fs, "EFI"), ["Boot", "Microsoft"]);
    assert_eq!(names(&*fs, "EFI/Microsoft/Boot"), ["BCD", "bootmgfw.efi"]);
    let bootmgfw = pattern("MZ vhdlint bootmgfw.efi fixture ", 131_072);
    assert_eq!(cat(&*fs, "EFI/Microsoft/Boot/bootmgfw.efi", None), bootmgfw);
    assert_eq!(
        cat(&*fs, "\\efi\\microsoft\\boot\\BOOTMGFW.EFI", None),
        bootmgfw
    );
    assert_eq!(
        cat(&*fs, "EFI/Boot/bootx64.efi", None),
        pattern("MZ vhdlint bootx64.efi fixture ", 65_536)
    );
    assert_eq!(
        cat(&*fs, "EFI/Microsoft/Boot/BCD", None),
        pattern("regf vhdlint BCD fixture ", 32_768)
    );
    let st = fs.stat("EFI/Microsoft/Boot/BCD").unwrap();
    assert_eq!(
        (st.name.as_str(), st.size, st.is_dir),
        ("BCD", 32_768, false)
    );
    assert!(st.modified.is_some());
    assert!(fs.stat("/").unwrap().is_dir);
    assert!(matches!(
        fs.open("EFI", None),
        Err(FsError::IsADirectory { .. })
    ));
    assert!(matches!(
        fs.open("EFI/nope.efi", None),
        Err(FsError::NotFound { .. })
    ));
    assert!(matches!(
        fs.open("EFI/Boot/bootx64.efi", Some("ads")),
        Err(FsError::StreamNotFound { .. })
    ));
    assert!(matches!(
        fs.list("EFI/Boot/bootx64.efi"),
        Err(FsError::NotADirectory { .. })
    ));
}

#[test]
fn ntfs_from_mkntfs_and_ntfs_3g() {
    let fs = mount(fixture("filesystems/ntfs-3g.img.xz")).unwrap();
    assert_eq!(fs.kind(), FsKind::Ntfs);
    assert_eq!(fs.label().as_deref(), Some("fixture-ntfs"));
    let root = names(&*fs, "");
    for want in [
        "Compressed",
        "Users",
        "Windows",
        "os_version.txt",
        "sparse.bin",
    ] {
        assert!(
            root.iter().any(|n| n == want),
            "{want} missing from {root:?}"
        );
    }
    assert_eq!(
        names(&*fs, "Windows/System32/config"),
        ["SOFTWARE", "SYSTEM"]
    );
    let mut system = Vec::new();
    let mut software = Vec::new();
    for i in 0..8 {
        system.extend(pattern(&format!("SYSTEM hive fixture block {i} "), 65_536));
        software.extend(pattern(
            &format!("SOFTWARE hive fixture block {i} "),
            65_536,
        ));
    }
    assert_eq!(cat(&*fs, "Windows/System32/config/SYSTEM", None), system);
    assert_eq!(
        cat(&*fs, "windows\\system32\\CONFIG\\software", None),
        software
    );
    assert_eq!(
        cat(&*fs, "os_version.txt", None),
        b"Microsoft Windows [Version 10.0.26100.1]\r\n"
    );

    // Alternate data stream.
    let dl = fs.stat("Users/Public/download.bin").unwrap();
    assert_eq!(dl.streams, ["Zone.Identifier"]);
    assert_eq!(dl.size, 3000);
    assert_eq!(
        cat(&*fs, "Users/Public/download.bin", None),
        pattern("downloaded file ", 3000)
    );
    assert_eq!(
        cat(&*fs, "Users/Public/download.bin", Some("zone.identifier")),
        b"[ZoneTransfer]\r\nZoneId=3\r\n"
    );

    // Sparse: zeros around a marker at 4 MiB.
    let sparse = match fs.open("sparse.bin", None).unwrap() {
        FileData::Content(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!(sparse.len(), 8 << 20);
    assert_eq!(
        fs.stat("sparse.bin").unwrap().attributes & 0x200,
        0x200,
        "FILE_ATTRIBUTE_SPARSE_FILE"
    );
    let mut b = vec![0u8; 64];
    sparse.read_at((4 << 20) - 32, &mut b).unwrap();
    assert_eq!(&b[..32], &[0u8; 32]);
    assert_eq!(&b[32..46], b"MARKER-AT-4MiB");
    sparse.read_at((8 << 20) - 64, &mut b).unwrap();
    assert_eq!(b, vec![0u8; 64]);

    // LZNT1-compressed file in a compressed directory: decompressed to what was written.
    let dir = fs.stat("Compressed").unwrap();
    assert!(dir.is_dir && dir.attributes & 0x800 != 0 && dir.special.is_none());
    let big = fs.stat("Compressed/big.txt").unwrap();
    assert_eq!((big.size, big.special), (262_144, None));
    assert_eq!(big.attributes & 0x800, 0x800, "FILE_ATTRIBUTE_COMPRESSED");
    assert_eq!(
        cat(&*fs, "Compressed/big.txt", None),
        pattern("compressible text line for LZNT1 ", 262_144)
    );

    // The trait object is Send + Sync: read SYSTEM from four threads at once.
    let fs: Arc<dyn FileSystem> = Arc::from(fs);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let fs = Arc::clone(&fs);
            std::thread::spawn(move || cat(&*fs, "Windows/System32/config/SYSTEM", None).len())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 8 * 65_536);
    }
}

#[test]
fn malformed_boot_sectors_are_clean_errors() {
    let ntfs = in_memory("filesystems/ntfs-3g.img.xz");
    let mount_err = |img: Vec<u8>| match mount(Arc::new(img)) {
        Err(e) => e,
        Ok(_) => panic!("mounted"),
    };
    // Zero bytes per sector.
    let mut img = ntfs.clone();
    img[0x0B] = 0;
    img[0x0C] = 0;
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector {
            field: "BytesPerSector",
            ..
        }
    ));
    // 2^40 sectors per cluster.
    let mut img = ntfs.clone();
    img[0x0D] = (256 - 40) as u8;
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector {
            field: "SectorsPerCluster",
            ..
        }
    ));
    // $MFT past the end.
    let mut img = ntfs.clone();
    img[0x30..0x38].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector {
            field: "MftClusterNumber",
            ..
        }
    ));
    // $MFT inside the volume but pointing at zeros: record 0 has no FILE signature.
    let mut img = ntfs.clone();
    img[0x30..0x38].copy_from_slice(&5000u64.to_le_bytes());
    assert_eq!(
        mount_err(img),
        FsError::InvalidNtfsRecord {
            structure: "file record",
            number: 0,
            offset: Some(5000 * 4096),
            message: "signature \"....\", expected \"FILE\"".into(),
        }
    );
    // BitLocker is recognised.
    let mut img = ntfs.clone();
    img[3..11].copy_from_slice(b"-FVE-FS-");
    assert_eq!(mount_err(img), FsError::BitLocker);
    // Too short, unknown.
    assert!(matches!(mount_err(vec![0u8; 100]), FsError::Read(_)));
    assert!(matches!(
        mount_err(vec![0x41u8; 4096]),
        FsError::UnknownFileSystem { .. }
    ));

    let fat = in_memory("filesystems/esp-fat32.img.xz");
    let mut img = fat.clone();
    img[0x0B] = 0;
    img[0x0C] = 0;
    assert!(matches!(mount_err(img), FsError::UnknownFileSystem { .. }));
    // FAT32 BPB with a huge sectors-per-FAT, or a zero root cluster: refused before fatfs.
    let mut img = fat.clone();
    img[0x24..0x28].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector { field: "FATSz", .. }
    ));
    let mut img = fat.clone();
    img[0x2C..0x30].copy_from_slice(&0u32.to_le_bytes());
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector {
            field: "RootClus",
            ..
        }
    ));
    let mut img = fat.clone();
    img.truncate(img.len() / 2);
    assert!(matches!(
        mount_err(img),
        FsError::InvalidBootSector {
            field: "TotSec",
            ..
        }
    ));
}

/// Byte flips over the ESP's FAT and root directory: never a panic through the API.
#[test]
fn fat_byte_flip_sweep() {
    let base = in_memory("filesystems/esp-fat32.img.xz");
    let reserved = u16::from_le_bytes([base[14], base[15]]) as usize * 512;
    for (n, at) in (0..512)
        .chain(reserved..reserved + 4096)
        .step_by(7)
        .enumerate()
    {
        let mut img = base.clone();
        img[at] ^= [0xFF, 0x80, 0x01][n % 3];
        let r = std::panic::catch_unwind(|| {
            if let Ok(fs) = mount(Arc::new(img)) {
                let _ = fs.list("EFI/Microsoft/Boot");
                let _ = fs.open("EFI/Microsoft/Boot/BCD", None);
                let _ = fs.stat("EFI/Boot/bootx64.efi");
            }
        });
        assert!(r.is_ok(), "panic escaped at byte {at}");
    }
}
