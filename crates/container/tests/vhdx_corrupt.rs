//! Corrupt and hostile VHDX images: exact error variants and offsets, diagnostics for what is
//! tolerated, no panic and no large allocation on any single-byte corruption.

// Test code: panicking on a broken expectation is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/vhdx_writer.rs"]
mod vhdx_writer;

use std::sync::Arc;

use vhdlint_container::{
    open_source, Container, ContainerError, NoParents, ParentLocator, ParentOpener, ReadAt,
    ReadError, Result,
};
use vhdx_writer::*;

fn open_bytes(bytes: Vec<u8>) -> Result<Container> {
    open_source(Arc::new(bytes), &mut NoParents)
}

/// A small dynamic image with data in blocks 0 and 2.
fn small() -> (Vec<u8>, Layout) {
    let mut b = VhdxBuilder::new(4 * MIB, MIB as u32, 512);
    b.write(0, &vec![0x11; 8192]);
    b.write(2 * MIB + 512, &vec![0x22; 4096]);
    b.build()
}

fn set_u64(img: &mut [u8], at: u64, v: u64) {
    put_u64(img, at, v);
}

#[test]
fn truncated_file() {
    let (img, layout) = small();
    let err = open_bytes(img[..100 << 10].to_vec()).unwrap_err();
    assert_eq!(
        err,
        ContainerError::Truncated {
            structure: "VHDX header",
            offset: HEADER2,
            needed: 4096,
            file_size: 100 << 10,
        }
    );
    let cut = BAT_OFFSET as usize + 4;
    let err = open_bytes(img[..cut].to_vec()).unwrap_err();
    assert!(
        matches!(err, ContainerError::Truncated { structure: "VHDX BAT", offset, .. } if offset == BAT_OFFSET),
        "{err:?}"
    );
    // Cut inside the last payload block: opens with a diagnostic, reads of that block fail.
    let last = *layout.blocks.get(&2).unwrap();
    let c = open_bytes(img[..(last + MIB / 2) as usize].to_vec()).unwrap();
    let entry = layout.bat_entry(layout.payload_index(2));
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdxBlockBeyondEof" && d.offset == Some(entry)));
    let mut buf = [0u8; 512];
    c.read_at(0, &mut buf).unwrap();
    assert_eq!(buf, [0x11; 512]);
    let err = c.read_at(2 * MIB, &mut buf).unwrap_err();
    assert!(
        matches!(err, ReadError::Corrupt { structure: "VHDX BAT entry", offset, .. } if offset == entry),
        "{err:?}"
    );
    let err = open_bytes(img[..8].to_vec()).unwrap_err();
    assert!(
        matches!(
            err,
            ContainerError::Truncated {
                structure: "VHDX file identifier",
                offset: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn not_a_vhdx_signature() {
    let (mut img, _) = small();
    img[0] = b'X';
    let err = vhdlint_container::vhdx::open(Arc::new(img), &mut NoParents).unwrap_err();
    assert!(
        matches!(
            err,
            ContainerError::InvalidSignature {
                structure: "VHDX file identifier",
                offset: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn one_bad_header_is_a_diagnostic_two_are_an_error() {
    let (img, _) = small();
    // Header 2 (sequence 2) is current; break it, header 1 takes over.
    let mut one = img.clone();
    one[HEADER2 as usize + 4] ^= 0xff;
    let c = open_bytes(one).unwrap();
    let d = &c.info().diagnostics;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0].code, d[0].offset),
        ("vhdxHeaderInvalid", Some(HEADER2))
    );
    assert!(d[0].message.contains("checksum"), "{}", d[0].message);

    let mut both = img.clone();
    both[HEADER1 as usize + 4] ^= 0xff;
    both[HEADER2 as usize + 4] ^= 0xff;
    let err = open_bytes(both).unwrap_err();
    let ContainerError::Invalid {
        structure,
        offset,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*structure, *offset), ("VHDX headers", HEADER1));
    assert!(
        message.contains("header 1") && message.contains("header 2"),
        "{message}"
    );
    assert!(
        message.contains(&format!("{HEADER1:#x}")) && message.contains(&format!("{HEADER2:#x}")),
        "{message}"
    );

    // A wrong version with a valid checksum is as bad as a bad checksum.
    let mut v2 = img.clone();
    put_u16(&mut v2, HEADER2 + 66, 2);
    reseal(&mut v2, HEADER2, 4096);
    let c = open_bytes(v2).unwrap();
    assert!(c.info().diagnostics[0].message.contains("Version is 2"));
}

#[test]
fn header_with_higher_sequence_wins_and_equal_sequences_pick_the_first() {
    let mut b = VhdxBuilder::new(4 * MIB, MIB as u32, 512);
    b.header_seq = (7, 7);
    let (mut img, _) = b.build();
    // Give header 2 another DataWriteGuid: header 1 must be used.
    let other = g("99999999-0000-4000-8000-000000000000");
    put(&mut img, HEADER2 + 32, &other.0);
    reseal(&mut img, HEADER2, 4096);
    let c = open_bytes(img.clone()).unwrap();
    assert_eq!(c.info().identity, Some(b.data_write_guid));
    assert!(c.info().diagnostics.is_empty());
    put_u64(&mut img, HEADER2 + 8, 8);
    reseal(&mut img, HEADER2, 4096);
    let c = open_bytes(img).unwrap();
    assert_eq!(c.info().identity, Some(other));
}

#[test]
fn region_table_checksums() {
    let (img, _) = small();
    let mut one = img.clone();
    one[REGION1 as usize + 100] ^= 1;
    let c = open_bytes(one).unwrap();
    let d = &c.info().diagnostics;
    assert_eq!(
        (d[0].code, d[0].offset),
        ("vhdxRegionTableInvalid", Some(REGION1))
    );

    let mut two = img.clone();
    two[REGION2 as usize + 5] ^= 1;
    let c = open_bytes(two).unwrap();
    assert_eq!(c.info().diagnostics[0].offset, Some(REGION2));

    let mut both = img.clone();
    both[REGION1 as usize + 4] ^= 1;
    both[REGION2 as usize + 4] ^= 1;
    let err = open_bytes(both).unwrap_err();
    assert!(
        matches!(err, ContainerError::ChecksumMismatch { structure: "VHDX region table", offset, .. } if offset == REGION1),
        "{err:?}"
    );
}

/// Applies `f` to both region tables and reseals them.
fn edit_regions(img: &mut [u8], f: impl Fn(&mut [u8], u64)) {
    for r in [REGION1, REGION2] {
        f(img, r);
        reseal(img, r, 64 * KIB);
    }
}

#[test]
fn region_table_rules() {
    let (img, _) = small();
    // An unknown region marked required.
    let mut unk = img.clone();
    edit_regions(&mut unk, |i, r| {
        put_u32(i, r + 8, 3);
        put(i, r + 80, &g("12345678-1234-4234-8234-123456789abc").0);
        put_u64(i, r + 96, 100 * MIB);
        put_u32(i, r + 104, MIB as u32);
        put_u32(i, r + 108, 1);
    });
    let err = open_bytes(unk.clone()).unwrap_err();
    assert!(
        matches!(err, ContainerError::Unsupported { offset, .. } if offset == REGION1 + 80),
        "{err:?}"
    );
    // The same region, optional: ignored.
    edit_regions(&mut unk, |i, r| put_u32(i, r + 108, 0));
    open_bytes(unk).unwrap();
    // A misaligned region.
    let mut mis = img.clone();
    edit_regions(&mut mis, |i, r| put_u64(i, r + 32, BAT_OFFSET + 4096));
    let err = open_bytes(mis).unwrap_err();
    assert!(
        matches!(err, ContainerError::Invalid { structure: "VHDX region table entry", offset, .. } if offset == REGION1 + 16),
        "{err:?}"
    );
    // Too many entries.
    let mut many = img.clone();
    edit_regions(&mut many, |i, r| put_u32(i, r + 8, 5000));
    let err = open_bytes(many).unwrap_err();
    assert!(
        matches!(err, ContainerError::TooLarge { value: 5000, limit: 2047, offset, .. } if offset == REGION1),
        "{err:?}"
    );
}

#[test]
fn bat_entry_past_eof_is_a_read_error_and_a_diagnostic() {
    let (mut img, layout) = small();
    let entry = layout.bat_entry(layout.payload_index(2));
    set_u64(&mut img, entry, FULLY_PRESENT | (1 << 30));
    let c = open_bytes(img).unwrap();
    let d = c
        .info()
        .diagnostics
        .iter()
        .find(|d| d.code == "vhdxBlockBeyondEof")
        .unwrap();
    assert_eq!(d.offset, Some(entry));
    let mut buf = [0u8; 512];
    c.read_at(0, &mut buf).unwrap();
    assert_eq!(buf, [0x11; 512]);
    let err = c.read_at(2 * MIB + 512, &mut buf).unwrap_err();
    let ReadError::Corrupt {
        structure,
        offset,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*structure, *offset), ("VHDX BAT entry", entry));
    assert!(message.contains("past the end"), "{message}");
    // A whole-disk read fails the same way rather than panicking.
    assert!(vhdlint_container::hash::hash_virtual(&c).is_err());
}

#[test]
fn absurd_sizes_fail_cleanly() {
    let (img, _) = small();
    let vds_at = METADATA_OFFSET + ITEM_VIRTUAL_SIZE;

    let mut huge = img.clone();
    set_u64(&mut huge, vds_at, 1 << 60);
    let err = open_bytes(huge).unwrap_err();
    assert_eq!(
        err,
        ContainerError::TooLarge {
            structure: "VHDX Virtual Disk Size",
            offset: vds_at,
            what: "virtual disk size",
            value: 1 << 60,
            limit: 64 << 40,
        }
    );

    // 64 TiB needs a 512 MiB BAT; the region holds 1 MiB.
    let mut small_region = img.clone();
    set_u64(&mut small_region, vds_at, 64 << 40);
    let err = open_bytes(small_region).unwrap_err();
    assert!(
        matches!(&err, ContainerError::Invalid { structure: "VHDX BAT region", offset, message } if *offset == BAT_OFFSET && message.contains("do not fit")),
        "{err:?}"
    );

    // The region claims 513 MiB but the file is a few MiB: refused before any allocation.
    let mut tiny_file = img.clone();
    set_u64(&mut tiny_file, vds_at, 64 << 40);
    edit_regions(&mut tiny_file, |i, r| put_u32(i, r + 40, 513 * MIB as u32));
    let len = tiny_file.len() as u64;
    let err = open_bytes(tiny_file).unwrap_err();
    let entries = (1u64 << 26) + ((1 << 26) - 1) / 4096;
    assert_eq!(
        err,
        ContainerError::Truncated {
            structure: "VHDX BAT",
            offset: BAT_OFFSET,
            needed: entries * 8,
            file_size: len
        }
    );

    // VirtualDiskSize not a multiple of the sector size; block sizes out of range.
    let mut odd = img.clone();
    set_u64(&mut odd, vds_at, 4 * MIB + 100);
    assert!(
        matches!(open_bytes(odd).unwrap_err(), ContainerError::Invalid { offset, .. } if offset == vds_at)
    );
    for bs in [0u32, 3 * MIB as u32, 512 << 20, 4096] {
        let mut b = img.clone();
        put_u32(&mut b, METADATA_OFFSET + ITEM_FILE_PARAMETERS, bs);
        let err = open_bytes(b).unwrap_err();
        assert!(
            matches!(err, ContainerError::Invalid { structure: "VHDX File Parameters", offset, .. } if offset == METADATA_OFFSET + ITEM_FILE_PARAMETERS),
            "{bs}: {err:?}"
        );
    }
    let mut sect = img.clone();
    put_u32(&mut sect, METADATA_OFFSET + ITEM_LOGICAL_SECTOR, 1024);
    assert!(matches!(
        open_bytes(sect).unwrap_err(),
        ContainerError::Invalid {
            structure: "VHDX Logical Sector Size",
            ..
        }
    ));

    // A log length beyond the replay limit (with a log GUID set).
    let mut log = img.clone();
    for h in [HEADER1, HEADER2] {
        put(
            &mut log,
            h + 48,
            &g("01010101-0000-4000-8000-000000000000").0,
        );
        put_u32(&mut log, h + 68, 0xFFF0_0000);
        reseal(&mut log, h, 4096);
    }
    let err = open_bytes(log).unwrap_err();
    assert!(
        matches!(err, ContainerError::TooLarge { what: "log length", offset, .. } if offset == HEADER2),
        "{err:?}"
    );
}

#[test]
fn metadata_rules() {
    let (img, _) = small();
    // An unknown required metadata item.
    let mut unk = img.clone();
    let n = 5u64;
    put_u16(&mut unk, METADATA_OFFSET + 10, n as u16 + 1);
    let at = METADATA_OFFSET + 32 + 32 * n;
    put(&mut unk, at, &g("abcdef01-0000-4000-8000-000000000000").0);
    put_u32(&mut unk, at + 16, (128 * KIB) as u32);
    put_u32(&mut unk, at + 20, 8);
    put_u32(&mut unk, at + 24, 0b100);
    let err = open_bytes(unk.clone()).unwrap_err();
    assert!(
        matches!(err, ContainerError::Unsupported { offset, .. } if offset == at),
        "{err:?}"
    );
    put_u32(&mut unk, at + 24, 0);
    open_bytes(unk).unwrap();

    let mut sig = img.clone();
    sig[METADATA_OFFSET as usize] = b'X';
    assert!(
        matches!(open_bytes(sig).unwrap_err(), ContainerError::InvalidSignature { structure: "VHDX metadata table", offset, .. } if offset == METADATA_OFFSET)
    );

    let mut out = img.clone();
    put_u32(&mut out, METADATA_OFFSET + 32 + 16, (MIB - 4) as u32);
    assert!(
        matches!(open_bytes(out).unwrap_err(), ContainerError::Invalid { offset, .. } if offset == METADATA_OFFSET + 32)
    );
}

#[test]
fn parent_locator_rules() {
    struct Never;
    impl ParentOpener for Never {
        fn open_parent(&mut self, _: &[ParentLocator]) -> Result<Arc<Container>> {
            panic!("must not be asked")
        }
    }
    let b = VhdxBuilder::new(4 * MIB, MIB as u32, 512)
        .differencing(g("5b0b0b0b-0000-4000-8000-000000000001"), "p.vhdx");
    let (img, _) = b.build();
    let loc = METADATA_OFFSET + ITEM_PARENT_LOCATOR;
    let mut kind = img.clone();
    kind[loc as usize] ^= 1;
    let err = open_source(Arc::new(kind), &mut Never).unwrap_err();
    assert!(
        matches!(err, ContainerError::Unsupported { structure: "VHDX parent locator", offset, .. } if offset == loc),
        "{err:?}"
    );
    let mut count = img.clone();
    put_u16(&mut count, loc + 18, 60000);
    let err = open_source(Arc::new(count), &mut Never).unwrap_err();
    assert!(
        matches!(err, ContainerError::Invalid { structure: "VHDX parent locator", offset, .. } if offset == loc),
        "{err:?}"
    );
}

/// A source with one byte flipped, without copying the image.
struct Flipped {
    base: Arc<Vec<u8>>,
    at: u64,
    xor: u8,
}

impl ReadAt for Flipped {
    fn len(&self) -> u64 {
        self.base.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::result::Result<(), ReadError> {
        self.base.read_at(offset, buf)?;
        if self.at >= offset && self.at < offset + buf.len() as u64 {
            buf[(self.at - offset) as usize] ^= self.xor;
        }
        Ok(())
    }
}

/// Every single-byte corruption of the first 320 KiB (identifier, headers, region tables), the
/// metadata table and items, and the first BAT page opens or fails cleanly, and reads do too.
#[test]
fn single_byte_corruption_sweep_never_panics() {
    use rayon::prelude::*;
    // A differencing image with a partial block: exercises the parent locator and bitmaps.
    let parent_id = g("6b0b0b0b-0000-4000-8000-000000000001");
    let parent = {
        let mut p = VhdxBuilder::new(4 * MIB, MIB as u32, 512).identity(parent_id);
        p.write(0, &vec![0x33; 2 * MIB as usize]);
        Arc::new(open_bytes(p.build().0).unwrap())
    };
    let mut b = VhdxBuilder::new(4 * MIB, MIB as u32, 512).differencing(parent_id, "p.vhdx");
    b.write(512, &vec![0x44; 1024]);
    b.write(2 * MIB, &vec![0x55; MIB as usize]);
    let (img, layout) = b.build();
    let img = Arc::new(img);

    struct One(Arc<Container>);
    impl ParentOpener for One {
        fn open_parent(&mut self, _: &[ParentLocator]) -> Result<Arc<Container>> {
            Ok(Arc::clone(&self.0))
        }
    }
    let ranges = [
        0..320 * KIB,
        METADATA_OFFSET..METADATA_OFFSET + 32 + 32 * 6,
        METADATA_OFFSET + 64 * KIB..METADATA_OFFSET + 64 * KIB + 512,
        BAT_OFFSET..BAT_OFFSET + 4096,
        layout.bitmaps[&0]..layout.bitmaps[&0] + 16,
    ];
    let offsets: Vec<u64> = ranges.into_iter().flatten().collect();
    let opened = offsets
        .par_iter()
        .filter(|&&at| {
            let src = Arc::new(Flipped {
                base: Arc::clone(&img),
                at,
                xor: 0x5a,
            });
            match open_source(src, &mut One(Arc::clone(&parent))) {
                Ok(c) => {
                    let mut buf = vec![0u8; 4096];
                    for off in [0u64, 2 * MIB - 2048, 4 * MIB - 4096] {
                        let _ = c.read_at(off, &mut buf);
                    }
                    true
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    false
                }
            }
        })
        .count();
    // Padding and reserved bytes outside the checksummed parts are tolerated.
    assert!(
        opened > 0 && opened < offsets.len(),
        "{opened} of {}",
        offsets.len()
    );
}
