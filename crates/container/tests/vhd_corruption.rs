//! Damaged VHDs: each fails with the exact variant and offset, or is read past with a
//! diagnostic; no corruption of footer, header or BAT panics or allocates by a hostile field.

// Test helpers outside #[test] fns: a panic is a failing test, never a hostile input.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/vhd_writer.rs"]
mod vhd_writer;

use std::sync::Arc;

use vhd_writer::{
    fixed, id, model, noise, reseal_footers, reseal_header, Sparse, BAT_AT, HEADER_AT,
};
use vhdlint_container::{
    detect, hash::hash_virtual, open_source, vhd, ContainerError, Format, NoParents, ReadAt,
    ReadError,
};

const BLOCK: u32 = 4096;

/// A 64 KiB dynamic disk with blocks 0, 2 and 15 allocated (partly).
fn small_dynamic() -> Sparse {
    let mut d = Sparse::dynamic(16 * u64::from(BLOCK), BLOCK, id(0x33));
    d.write(0, &noise(1, 3 * 512));
    d.write(2 * 8 + 5, &noise(2, 512));
    d.write(15 * 8 + 7, &noise(3, 512));
    d
}

fn open_vhd(img: Vec<u8>) -> Result<vhdlint_container::Container, ContainerError> {
    vhd::open(Arc::new(img), &mut NoParents)
}

fn put_be32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn truncated_dynamic_file() {
    let img = small_dynamic().to_bytes();
    // Cut inside the dynamic header: the end footer is gone, the copy at 0 leads to the header.
    let cut = img[..1000].to_vec();
    assert_eq!(detect(&cut).unwrap(), Format::Vhd);
    assert_eq!(
        open_vhd(cut).unwrap_err(),
        ContainerError::Truncated {
            structure: "VHD dynamic header",
            offset: HEADER_AT,
            needed: 1024,
            file_size: 1000,
        }
    );
    // Cut inside the BAT.
    let cut = img[..1590].to_vec();
    assert_eq!(
        open_vhd(cut).unwrap_err(),
        ContainerError::Truncated {
            structure: "VHD BAT",
            offset: BAT_AT,
            needed: 16 * 4,
            file_size: 1590,
        }
    );
    // Cut inside block data: opens from the copy at 0, the lost block is a read error.
    let cut = img[..img.len() - 512 - 100].to_vec();
    let len = cut.len() as u64;
    let c = open_vhd(cut).unwrap();
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdFooterMissing" && d.offset == Some(len - 512)));
    let mut buf = [0u8; 512];
    c.read_at(0, &mut buf).unwrap();
    match c.read_at(15 * 4096 + 7 * 512, &mut buf) {
        Err(ReadError::Corrupt {
            structure, offset, ..
        }) => {
            assert_eq!(structure, "VHD BAT entry");
            assert_eq!(offset, BAT_AT + 15 * 4);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn truncated_fixed_file_is_not_a_vhd() {
    let img = fixed(&noise(4, 8192), id(1));
    let cut = img[..img.len() - 100].to_vec();
    assert_eq!(detect(&cut).unwrap(), Format::Raw);
    let len = cut.len() as u64;
    assert!(matches!(
        open_vhd(cut),
        Err(ContainerError::InvalidSignature { structure: "VHD footer", offset, .. }) if offset == len - 512
    ));
    // A footer claiming more data than the file holds.
    let mut img = fixed(&noise(4, 8192), id(1));
    let f = img.len() - 512;
    img[f + 48..f + 56].copy_from_slice(&16384u64.to_be_bytes());
    vhd_writer::seal(&mut img[f..], 64);
    assert_eq!(
        open_vhd(img).unwrap_err(),
        ContainerError::Truncated {
            structure: "VHD fixed disk data",
            offset: 0,
            needed: 16384 + 512,
            file_size: 8192 + 512,
        }
    );
}

#[test]
fn flipped_footer_checksum() {
    let d = small_dynamic();
    let mut img = d.to_bytes();
    let end = img.len() - 512;
    img[end + 64] ^= 0x01;
    // The valid copy at 0 is used.
    let c = open_vhd(img.clone()).unwrap();
    let diag = c
        .info()
        .diagnostics
        .iter()
        .find(|d| d.code == "vhdFooterChecksum")
        .unwrap();
    assert_eq!(diag.offset, Some(end as u64));
    assert_eq!(hash_virtual(&c).unwrap(), blake3::hash(&model(&[&d])));
    // Both copies bad: the end footer's checksum error.
    let stored = u32::from_be_bytes(img[end + 64..end + 68].try_into().unwrap());
    img[64] ^= 0x01;
    match open_vhd(img).unwrap_err() {
        ContainerError::ChecksumMismatch {
            structure,
            offset,
            actual,
            expected,
        } => {
            assert_eq!(
                (structure, offset, actual),
                ("VHD footer", end as u64, stored)
            );
            assert_eq!(expected, stored ^ 0x0100_0000);
        }
        other => panic!("{other:?}"),
    }
    // Fixed disk: read anyway, with the diagnostic.
    let data = noise(5, 4096);
    let mut img = fixed(&data, id(2));
    let end = img.len() - 512;
    img[end + 67] ^= 0x80;
    let c = open_vhd(img).unwrap();
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdFooterChecksum" && d.offset == Some(end as u64)));
    assert_eq!(hash_virtual(&c).unwrap(), blake3::hash(&data));
}

#[test]
fn footer_copy_differing_is_a_diagnostic() {
    let mut img = small_dynamic().to_bytes();
    img[24] ^= 1; // timestamp of the copy at 0
    vhd_writer::seal(&mut img[..512], 64);
    let c = open_vhd(img).unwrap();
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdFooterCopyMismatch" && d.offset == Some(0)));
}

#[test]
fn flipped_dynamic_header_checksum() {
    let mut img = small_dynamic().to_bytes();
    img[HEADER_AT as usize + 36] ^= 0x10;
    assert!(matches!(
        open_vhd(img),
        Err(ContainerError::ChecksumMismatch {
            structure: "VHD dynamic header",
            offset: HEADER_AT,
            ..
        })
    ));
}

#[test]
fn bat_entry_past_eof_is_a_read_error() {
    let mut img = small_dynamic().to_bytes();
    put_be32(&mut img, BAT_AT as usize + 2 * 4, 0x00FF_0000);
    let c = open_vhd(img).unwrap();
    let mut buf = vec![0u8; 4096];
    c.read_at(0, &mut buf).unwrap();
    assert_eq!(
        c.read_at(2 * 4096, &mut buf),
        Err(ReadError::Corrupt {
            structure: "VHD BAT entry",
            offset: BAT_AT + 8,
            message: format!(
                "block 2 at sector {} (file offset {:#x}) lies past the end of the {:#x}-byte file",
                0x00FF_0000u32,
                0x00FF_0000u64 * 512,
                c.info().file_size
            ),
        })
    );
    assert!(hash_virtual(&c).is_err());
}

#[test]
fn absurd_fields_fail_cleanly() {
    let base = small_dynamic().to_bytes();
    let hdr = HEADER_AT as usize;

    let mut img = base.clone();
    put_be32(&mut img, hdr + 28, 1 << 31);
    reseal_header(&mut img);
    assert_eq!(
        open_vhd(img).unwrap_err(),
        ContainerError::TooLarge {
            structure: "VHD dynamic header",
            offset: HEADER_AT,
            what: "MaxTableEntries",
            value: 1 << 31,
            limit: vhd::MAX_BAT_ENTRIES,
        }
    );

    let mut img = base.clone();
    put_be32(&mut img, hdr + 32, 0);
    reseal_header(&mut img);
    assert!(matches!(
        open_vhd(img),
        Err(ContainerError::Invalid {
            structure: "VHD dynamic header",
            offset: HEADER_AT,
            ..
        })
    ));

    let mut img = base.clone();
    let n = img.len();
    for at in [48, n - 512 + 48] {
        img[at..at + 8].copy_from_slice(&(1u64 << 63).to_be_bytes());
    }
    reseal_footers(&mut img);
    assert_eq!(
        open_vhd(img).unwrap_err(),
        ContainerError::TooLarge {
            structure: "VHD footer",
            offset: n as u64 - 512,
            what: "CurrentSize",
            value: 1 << 63,
            limit: vhd::MAX_VIRTUAL_SIZE,
        }
    );

    // MaxTableEntries too small for CurrentSize.
    let mut img = base.clone();
    put_be32(&mut img, hdr + 28, 15);
    reseal_header(&mut img);
    assert!(matches!(
        open_vhd(img),
        Err(ContainerError::Invalid {
            structure: "VHD dynamic header",
            offset: HEADER_AT,
            ..
        })
    ));

    // Unknown disk type.
    let mut img = base.clone();
    for at in [60, n - 512 + 60] {
        img[at..at + 4].copy_from_slice(&5u32.to_be_bytes());
    }
    reseal_footers(&mut img);
    assert!(matches!(
        open_vhd(img),
        Err(ContainerError::Unsupported {
            structure: "VHD footer",
            ..
        })
    ));

    // DataOffset past the end.
    let mut img = base;
    for at in [16, n - 512 + 16] {
        img[at..at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    }
    for at in [60, n - 512 + 60] {
        img[at..at + 4].copy_from_slice(&3u32.to_be_bytes());
    }
    reseal_footers(&mut img);
    assert!(matches!(
        open_vhd(img),
        Err(ContainerError::Truncated {
            structure: "VHD dynamic header",
            offset: u64::MAX,
            ..
        })
    ));
}

/// Every single-byte corruption of the footer copy, dynamic header, BAT and end footer of a
/// small dynamic disk opens or fails cleanly, and the disk reads or fails cleanly.
#[test]
fn single_byte_corruptions_never_panic() {
    let img = small_dynamic().to_bytes();
    let n = img.len();
    let bat_end = BAT_AT as usize + 512;
    let positions: Vec<usize> = (0..bat_end).chain(n - 512..n).collect();
    let mut opened = 0;
    for &at in &positions {
        for op in 0..4 {
            let mut bad = img.clone();
            bad[at] = match op {
                0 => bad[at] ^ 0xFF,
                1 => 0,
                2 => 0xFF,
                _ => bad[at].wrapping_add(1),
            };
            // Also with checksums made valid again, so fields past the checksum are exercised.
            for resealed in [false, true] {
                let mut bad = bad.clone();
                if resealed {
                    reseal_footers(&mut bad);
                    reseal_header(&mut bad);
                }
                let source: Arc<dyn ReadAt> = Arc::new(bad);
                let Ok(c) = open_source(source, &mut NoParents) else {
                    continue;
                };
                opened += 1;
                let len = c.len();
                let mut buf = vec![0u8; 8192];
                for off in [0, len / 3, len.saturating_sub(8192)] {
                    let m = (len - off).min(8192) as usize;
                    let _ = c.read_at(off, &mut buf[..m]);
                }
                if len <= 1 << 20 {
                    let _ = hash_virtual(&c);
                }
            }
        }
    }
    assert!(
        opened > positions.len(),
        "most corruptions still open: {opened}"
    );
}
