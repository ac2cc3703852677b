//! NTFS volumes of the shared corpus (Windows-formatted and ntfs-3g-formatted), read through
//! `mount`, `list`, `stat` and `open`. Expected contents come from MANIFEST.md and `ntfscat`.

// Test helpers outside #[test] functions: panicking on a broken fixture is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use vhdlint_container::{FileSource, ReadAt, Window};
use vhdlint_filesystems::{
    mount, CloudState, FileData, FileSystem, FsError, FsKind, ReparseKind, Special,
};

/// A corpus volume: a bare one, or the MBR partition of a disk image.
fn volume(rel: &str) -> Option<Arc<dyn ReadAt>> {
    // The open file keeps reading a large cache file the guard removes on return.
    let p = vhdlint_testkit::corpus_file_scoped(rel)?;
    let disk: Arc<dyn ReadAt> = Arc::new(FileSource::open(&p).unwrap());
    let table = vhdlint_volumes::read_partitions(&disk, 512).unwrap();
    Some(match table.entries.first() {
        None => disk,
        Some(part) => {
            assert_eq!(
                part.start_offset,
                128 * 512,
                "corpus disks have their partition at LBA 128"
            );
            Arc::new(Window::new(disk, part.start_offset, part.size).unwrap())
        }
    })
}

fn names(fs: &dyn FileSystem, path: &str) -> Vec<String> {
    fs.list(path).unwrap().into_iter().map(|e| e.name).collect()
}

fn read_all(data: &FileData) -> Vec<u8> {
    let FileData::Content(d) = data else {
        panic!("not content: {data:?}")
    };
    let mut v = vec![0u8; d.len() as usize];
    d.read_at(0, &mut v).unwrap();
    v
}

fn cat(fs: &dyn FileSystem, path: &str) -> Vec<u8> {
    read_all(&fs.open(path, None).unwrap())
}

fn crc32(d: &[u8]) -> u32 {
    crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(d)
}

fn assert_contains(have: &[String], want: &[&str]) {
    for w in want {
        assert!(have.iter().any(|h| h == w), "{w:?} missing from {have:?}");
    }
}

#[test]
fn dissect_ntfs_bin() {
    let Some(v) = volume("ntfs/dissect.ntfs/ntfs.bin.gz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.kind(), FsKind::Ntfs);
    assert_eq!(fs.label().as_deref(), Some("New Volume"));
    let root = names(&*fs, "/");
    assert_contains(
        &root,
        &[
            "Directory",
            "File.txt",
            "Large Directory",
            "Large.txt",
            "Random.bin",
            "System Volume Information",
        ],
    );
    assert!(!root.iter().any(|n| n == "."), "no self entry");
    assert_eq!(cat(&*fs, "File.txt"), b"Contents here");
    assert_eq!(cat(&*fs, "/file.TXT"), b"Contents here", "case-insensitive");
    // Every file of this volume is LZNT1-compressed (file attribute 0x800, $DATA flag 0x0001).
    // File.txt is resident, hence stored as is; the others decompress to what ntfscat returns.
    assert_eq!(fs.stat("File.txt").unwrap().special, None);
    for (p, len, crc) in [
        ("Large.txt", 2_097_152, 0xf269_dfd7),
        ("\\Random.bin", 524_288, 0x6f63_3a55),
    ] {
        let st = fs.stat(p).unwrap();
        assert_eq!((st.special, st.attributes & 0x800), (None, 0x800), "{p}");
        let d = cat(&*fs, p);
        if len != 0 {
            assert_eq!(d.len(), len, "{p}");
        }
        assert_eq!(crc32(&d), crc, "{p}: CRC-32 as ntfscat gives it");
    }
    assert_eq!(names(&*fs, "Directory"), ["File 1.txt", "File 2.txt"]);
    // ntfsls lists '.' plus 2048 files.
    assert_eq!(fs.list("Large Directory").unwrap().len(), 2048);
    let st = fs.stat("large.TXT").unwrap();
    assert_eq!(
        (st.name.as_str(), st.size, st.is_dir),
        ("Large.txt", 2_097_152, false)
    );
    assert_eq!(st.attributes & 0x800, 0x800);
    assert!(st.modified.is_some_and(|t| t > 130_000_000_000_000_000));
    assert!(matches!(fs.stat("nope"), Err(FsError::NotFound { .. })));
    assert!(matches!(
        fs.open("Directory", None),
        Err(FsError::IsADirectory { .. })
    ));
    assert!(matches!(
        fs.list("File.txt/x"),
        Err(FsError::NotADirectory { .. })
    ));
    assert!(matches!(
        fs.open("File.txt", Some("nope")),
        Err(FsError::StreamNotFound { .. })
    ));
}

#[test]
fn colinfinck_testfs1() {
    let Some(v) = volume("ntfs/ColinFinck-ntfs/testfs1.xz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.label().as_deref(), Some("mylabel"));
    assert_contains(
        &names(&*fs, ""),
        &[
            "1000-bytes-file",
            "empty-file",
            "file-with-12345",
            "many_subdirs",
            "sparse-file",
        ],
    );
    assert_eq!(cat(&*fs, "file-with-12345"), b"12345");
    assert_eq!(cat(&*fs, "empty-file"), b"");
    let k = cat(&*fs, "1000-bytes-file");
    assert_eq!((k.len(), crc32(&k)), (1000, 0x9b97_46a4));
    let sparse = cat(&*fs, "sparse-file");
    assert_eq!((sparse.len(), crc32(&sparse)), (500_005, 0xc4ac_161f));
    // 512 subdirectories: an $INDEX_ALLOCATION walk.
    assert_eq!(fs.list("many_subdirs").unwrap().len(), 512);
    let empty = fs.stat("empty-file").unwrap();
    assert_eq!(
        empty.modified,
        Some(132_539_782_200_000_000),
        "2021-01-01 12:37 UTC (13:37 CET)"
    );
}

#[test]
fn ntfs_samples_ptrn_os_version() {
    let Some(v) = volume("ntfs/ntfs-samples/ntfs-ptrn.raw.gz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.label().as_deref(), Some("Slack"));
    assert_contains(
        &names(&*fs, "/"),
        &[
            "1.txt",
            "2.txt",
            "os_version.txt",
            "System Volume Information",
        ],
    );
    assert_eq!(
        cat(&*fs, "os_version.txt"),
        b"\r\nMicrosoft Windows [Version 10.0.18348.1]\r\n"
    );
    // 2.txt has cluster slack (PTRN bytes after the end): only the 1140 data bytes come back.
    let two = cat(&*fs, "2.txt");
    assert_eq!((two.len(), crc32(&two)), (1140, 0x7f0b_7819));
}

#[test]
fn ntfs_samples_2m_clusters() {
    // The Sleuth Kit cannot read this volume (2 MiB clusters); the ntfs crate can.
    let Some(v) = volume("ntfs/ntfs-samples/ntfs-2m.raw.gz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.label().as_deref(), Some("2M"));
    let root = fs.list("/").unwrap();
    assert!(root
        .iter()
        .any(|e| e.name == "System Volume Information" && e.is_dir));
    let mft = root.iter().find(|e| e.name == "$MFT").unwrap();
    assert_eq!(mft.size, 2 << 20, "one 2 MiB cluster of $MFT");
    let upcase = cat(&*fs, "$UpCase");
    assert_eq!(upcase.len(), 131_072);
    assert_eq!(
        &upcase[2 * 0x61..2 * 0x61 + 2],
        &[0x41, 0],
        "upcase('a') = 'A'"
    );
}

#[test]
fn ntfs_samples_lastaccess() {
    let Some(v) = volume("ntfs/ntfs-samples/ntfs-lastaccess.raw.gz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.label().as_deref(), Some("Last access"));
    assert_contains(&names(&*fs, "/"), &["System Volume Information", "test"]);
    assert_eq!(names(&*fs, "test"), ["1.txt"]);
    // $STANDARD_INFORMATION last access 2019-03-03 12:37:55 (UTC) per the ReadMe.
    let at = fs.stat("test/1.txt").unwrap().accessed.unwrap();
    let secs_since_1601 = at / 10_000_000;
    assert_eq!(secs_since_1601, 13_196_090_275, "2019-03-03 12:37:55");
}

#[test]
fn dissect_cloud_placeholders_read_when_local_and_are_refused_when_not() {
    let Some(v) = volume("ntfs/dissect.ntfs/ntfs-cloud.bin.gz") else {
        return;
    };
    let fs = mount(v).unwrap();
    assert_eq!(fs.label().as_deref(), Some("Example Volume"));
    assert_contains(
        &names(&*fs, "/"),
        &["OneDrive", "OneDriveTemp", "System Volume Information"],
    );
    assert_contains(
        &names(&*fs, "OneDrive"),
        &["example.txt", "Documents", "desktop.ini"],
    );
    // dissect.ntfs' test_mft_record_reparse_cloud_full: a cloud file (tag 0x9000601a, attributes
    // 0x420) whose content is on the volume; ntfs-3g's ntfscat prints the same bytes.
    let st = fs.stat("OneDrive/example.txt").unwrap();
    let tag = st.reparse_tag.unwrap();
    assert_eq!(tag, 0x9000_601A);
    assert_eq!(ReparseKind::from_tag(tag), ReparseKind::Cloud);
    assert_eq!(st.attributes, 0x420);
    assert_eq!(st.cloud, Some(CloudState::Local { pinned: false }));
    assert_eq!(st.special, None);
    assert_eq!(
        read_all(&fs.open("OneDrive/example.txt", None).unwrap()),
        b"This is an example file in the OneDrive folder!\r\n"
    );
    // "Always keep on this device": attributes 0x80420 (PINNED).
    let pinned = fs.stat("OneDrive/always-keep-on-device.txt").unwrap();
    assert_eq!(pinned.attributes, 0x80420);
    assert_eq!(pinned.cloud, Some(CloudState::Local { pinned: true }));
    let bytes = read_all(&fs.open("OneDrive/always-keep-on-device.txt", None).unwrap());
    assert!(bytes.starts_with(b"This is a document created on the desktop"));
    assert_eq!(bytes.len() as u64, pinned.size);
    // Dehydrated (OFFLINE | RECALL_ON_DATA_ACCESS, sparse): the bytes on disk are zeros, not the
    // content, so it stays refused.
    let online = fs.stat("OneDrive/created-online.txt").unwrap();
    assert_eq!(online.cloud, Some(CloudState::NotLocal));
    let tag = online.reparse_tag.unwrap();
    assert_eq!(
        online.special,
        Some(Special::Reparse {
            tag,
            kind: ReparseKind::Cloud
        })
    );
    match fs.open("OneDrive/created-online.txt", None).unwrap() {
        FileData::Unreadable(Special::Reparse {
            kind: ReparseKind::Cloud,
            ..
        }) => {}
        other => panic!("dehydrated placeholder returned as {other:?}"),
    }
    assert!(matches!(
        fs.open("OneDrive/created-online.txt", None)
            .unwrap()
            .content("OneDrive/created-online.txt"),
        Err(FsError::Unreadable { .. })
    ));
}

#[test]
fn dissect_boot_2m_is_a_clean_error() {
    let Some(v) = volume("ntfs/dissect.ntfs/boot_2m.bin.gz") else {
        return;
    };
    match mount(v) {
        Err(FsError::InvalidBootSector {
            fs: "NTFS",
            field: "MftClusterNumber",
            ..
        }) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a 2 MiB fragment of a volume mounted"),
    }
}

/// Byte flips over the first 16 MFT records of testfs1: never a panic through the API.
#[test]
fn testfs1_mft_byte_flip_sweep() {
    let Some(v) = volume("ntfs/ColinFinck-ntfs/testfs1.xz") else {
        return;
    };
    let mut base = vec![0u8; v.len() as usize];
    v.read_at(0, &mut base).unwrap();
    let mft = 32 * 512;
    let mut outcomes = [0usize; 2];
    for (n, at) in (mft..mft + 16 * 1024).step_by(23).enumerate() {
        let mut img = base.clone();
        img[at] ^= [0xFF, 0x80, 0x01, 0x55][n % 4];
        let r = std::panic::catch_unwind(|| {
            let Ok(fs) = mount(Arc::new(img)) else {
                return false;
            };
            let _ = fs.list("/");
            let _ = fs.list("many_subdirs");
            for p in ["1000-bytes-file", "sparse-file", "file-with-12345", "$MFT"] {
                if let Ok(FileData::Content(d)) = fs.open(p, None) {
                    let mut b = vec![0u8; (d.len() as usize).min(1 << 20)];
                    let _ = d.read_at(0, &mut b);
                }
                let _ = fs.stat(p);
            }
            true
        });
        let mounted = r.expect("a panic escaped the filesystems API");
        outcomes[mounted as usize] += 1;
    }
    assert!(outcomes[1] > 0 && outcomes[0] > 0, "{outcomes:?}");
}

/// `$Volume` `$VOLUME_INFORMATION` flags (windows-image-facts §14.4): every clean
/// Windows-formatted corpus volume has 0x0080 set and the dirty bit (0x0001) clear; the
/// mkntfs-made testfs1 has 0. "flags != 0" would call every healthy Windows volume dirty.
#[test]
fn volume_flags_of_clean_volumes_are_not_dirty() {
    for (rel, windows) in [
        ("ntfs/dissect.ntfs/ntfs.bin.gz", true),
        ("ntfs/dissect.ntfs/ntfs-cloud.bin.gz", true),
        ("ntfs/ntfs-samples/ntfs-ptrn.raw.gz", true),
        ("ntfs/ColinFinck-ntfs/testfs1.xz", false),
    ] {
        let Some(v) = volume(rel) else {
            return;
        };
        let fs = mount(v).unwrap();
        let flags = fs.volume_flags().unwrap();
        assert!(!flags.dirty(), "{rel}: {:#06x}", flags.raw);
        assert_eq!(
            flags.raw & 0x0080 != 0,
            windows,
            "{rel}: {:#06x}",
            flags.raw
        );
        assert!(flags.location.contains("$VOLUME_INFORMATION"));
    }
}
