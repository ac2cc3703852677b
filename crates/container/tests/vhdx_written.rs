//! VHDX reader against images made by the test-only writer: fixed, dynamic, differencing chains
//! (with PARTIALLY_PRESENT blocks), block states, parent checks and log replay.

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
    open_source, Container, ContainerError, DiskType, Format, NoParents, ParentLocator,
    ParentOpener, ReadAt, ReadError, Result,
};
use vhdx_writer::*;

/// Deterministic, position-dependent bytes.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(seed as u32 % 31) as u8
                ^ seed
        })
        .collect()
}

/// Parents by relative path, for in-memory chains.
#[derive(Default)]
struct MapParents {
    known: Vec<(String, Arc<Container>)>,
    asked: Vec<Vec<ParentLocator>>,
}

impl ParentOpener for MapParents {
    fn open_parent(&mut self, locators: &[ParentLocator]) -> Result<Arc<Container>> {
        self.asked.push(locators.to_vec());
        for l in locators {
            if let Some((_, c)) = self.known.iter().find(|(p, _)| *p == l.path) {
                return Ok(Arc::clone(c));
            }
        }
        Err(ContainerError::ParentNotFound {
            child: "<test>".into(),
            tried: locators.iter().map(|l| l.path.clone()).collect(),
        })
    }
}

fn open_bytes(bytes: Vec<u8>, parents: &mut dyn ParentOpener) -> Result<Container> {
    open_source(Arc::new(bytes), parents)
}

fn assert_same(c: &Container, model: &Model, offset: u64, len: usize) {
    let mut got = vec![0u8; len];
    c.read_at(offset, &mut got).unwrap();
    let want = model.read(offset, len);
    if got != want {
        let i = got.iter().zip(&want).position(|(a, b)| a != b).unwrap();
        panic!(
            "mismatch at virtual {:#x} (read {offset:#x}+{len:#x}): got {:#04x}, want {:#04x}",
            offset + i as u64,
            got[i],
            want[i]
        );
    }
}

/// Compares the whole disk, then many unaligned reads.
fn assert_disk(c: &Container, model: &Model) {
    assert_eq!(c.len(), model.size);
    assert_same(c, model, 0, model.size as usize);
    let mut x = 0x9e37_79b9_u64;
    for _ in 0..300 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let off = (x >> 20) % model.size;
        let len = ((x >> 8) % 70_000).min(model.size - off) as usize;
        assert_same(c, model, off, len);
    }
}

#[test]
fn fixed_and_dynamic_round_trip_512_and_4096() {
    for ss in [512u32, 4096] {
        for fixed in [false, true] {
            let size = 5 * MIB + 3 * ss as u64;
            let mut b = VhdxBuilder::new(size, MIB as u32, ss);
            b.fixed = fixed;
            b.creator = "writer ✓".into();
            let mut m = Model::new(size);
            for (off, len, seed) in [
                (0, 3 * ss as u64, 1u8),
                (MIB - ss as u64, 2 * ss as u64, 2),
                (4 * MIB, MIB + 3 * ss as u64, 3),
            ] {
                let d = pattern(seed, len as usize);
                b.write(off, &d);
                m.write(off, &d);
            }
            let (bytes, _) = b.build();
            let file_len = bytes.len() as u64;
            let c = open_bytes(bytes, &mut NoParents).unwrap();
            let i = c.info();
            assert_eq!(i.format, Format::Vhdx);
            assert_eq!(
                i.disk_type,
                if fixed {
                    DiskType::Fixed
                } else {
                    DiskType::Dynamic
                }
            );
            assert_eq!(i.virtual_size, size);
            assert_eq!(i.logical_sector_size, ss);
            assert_eq!(i.physical_sector_size, 4096);
            assert_eq!(i.block_size, Some(MIB as u32));
            assert_eq!(i.file_size, file_len);
            assert_eq!(i.identity, Some(b.data_write_guid));
            assert_eq!(i.creator.as_deref(), Some("writer ✓"));
            assert!(!i.log_replayed);
            assert!(i.diagnostics.is_empty(), "{:?}", i.diagnostics);
            assert_disk(&c, &m);
        }
    }
}

/// Builds base → child → grandchild, each checked byte-exactly against its model.
fn chain(ss: u32) {
    let ssz = ss as u64;
    let size = 8 * MIB;
    let bs = MIB as u32;

    let base_id = g("0b0b0b0b-0000-4000-8000-000000000001");
    let mut base = VhdxBuilder::new(size, bs, ss).identity(base_id);
    let mut m0 = Model::new(size);
    for (off, len, seed) in [
        (0, MIB + MIB / 2, 10u8),
        (5 * MIB, 8 * ssz, 11),
        (7 * MIB, MIB, 12),
    ] {
        let d = pattern(seed, len as usize);
        base.write(off, &d);
        m0.write(off, &d);
    }
    let (base_bytes, _) = base.build();
    let base_c = Arc::new(open_bytes(base_bytes, &mut NoParents).unwrap());
    assert_disk(&base_c, &m0);

    let child_id = g("0c0c0c0c-0000-4000-8000-000000000002");
    let mut child = VhdxBuilder::new(size, bs, ss)
        .identity(child_id)
        .differencing(base_id, ".\\base.vhdx");
    let mut m1 = m0.clone();
    for (off, len, seed) in [
        (ssz, 2 * ssz, 20u8),             // partial in block 0
        (5 * ssz, ssz, 21),               // second run in block 0
        (3 * MIB, MIB, 22),               // full block 3
        (5 * MIB + 4 * ssz, 8 * ssz, 23), // overlaps base data in block 5
        (8 * MIB - ssz, ssz, 24),         // last sector
    ] {
        let d = pattern(seed, len as usize);
        child.write(off, &d);
        m1.write(off, &d);
    }
    child.set_state(6, ZERO); // parent has nothing there either
    let (child_bytes, layout1) = child.build();
    assert!(layout1.bitmaps.contains_key(&0));
    let mut parents = MapParents::default();
    parents
        .known
        .push((".\\base.vhdx".into(), Arc::clone(&base_c)));
    let child_c = Arc::new(open_bytes(child_bytes, &mut parents).unwrap());
    assert_eq!(parents.asked[0][0].key, "relative_path");
    assert_eq!(parents.asked[0][0].path, ".\\base.vhdx");
    assert_eq!(parents.asked[0][1].key, "absolute_win32_path");
    let info = child_c.info();
    assert_eq!(info.disk_type, DiskType::Differencing);
    assert_eq!(info.parent.as_ref().map(|p| p.format), Some(Format::Vhdx));
    assert_eq!(info.identity, Some(child_id));
    assert!(child_c.parent().is_some());
    assert_disk(&child_c, &m1);

    let mut grand = VhdxBuilder::new(size, bs, ss)
        .identity(g("0d0d0d0d-0000-4000-8000-000000000003"))
        .differencing(child_id, ".\\child.avhdx");
    let mut m2 = m1.clone();
    for (off, len, seed) in [
        (0, ssz, 30u8),                      // block 0: before the child's run
        (2 * ssz, 2 * ssz, 31),              // block 0: straddles the child's run
        (3 * MIB + 16 * ssz, 3 * ssz, 32),   // partial over the child's full block
        (7 * MIB + 100 * ssz, 50 * ssz, 33), // partial over base-only data
    ] {
        let d = pattern(seed, len as usize);
        grand.write(off, &d);
        m2.write(off, &d);
    }
    // Block 1 holds base data; ZERO and UNMAPPED mean zeros, not "ask the parent".
    grand.set_state(1, ZERO);
    m2.write(MIB, &vec![0; MIB as usize]);
    grand.set_state(5, UNMAPPED);
    m2.write(5 * MIB, &vec![0; MIB as usize]);
    let (grand_bytes, _) = grand.build();
    let mut parents = MapParents::default();
    parents
        .known
        .push((".\\child.avhdx".into(), Arc::clone(&child_c)));
    let grand_c = open_bytes(grand_bytes, &mut parents).unwrap();
    assert_eq!(grand_c.parent().unwrap().info().identity, Some(child_id));
    assert_disk(&grand_c, &m2);
}

#[test]
fn differencing_chain_of_three_512() {
    chain(512);
}

#[test]
fn differencing_chain_of_three_4096() {
    chain(4096);
}

#[test]
fn differencing_across_a_chunk_boundary() {
    // 512-byte sectors: a chunk is 2^23 sectors = 4 GiB, so 4 GiB + 4 MiB spans two chunks.
    let size = 4 * (1 << 30) + 4 * MIB;
    let base_id = g("1b0b0b0b-0000-4000-8000-000000000001");
    let mut base = VhdxBuilder::new(size, MIB as u32, 512).identity(base_id);
    let mut m0 = Model::new(size);
    let d = pattern(40, 2 * MIB as usize);
    base.write((4 << 30) - MIB, &d);
    m0.write((4 << 30) - MIB, &d);
    let base_c = Arc::new(open_bytes(base.build().0, &mut NoParents).unwrap());

    let mut child = VhdxBuilder::new(size, MIB as u32, 512).differencing(base_id, "base.vhdx");
    let mut m1 = m0.clone();
    for (off, len, seed) in [
        ((4u64 << 30) - 4096, 8192u64, 41u8),
        ((4 << 30) + 512 * 7, 512, 42),
        (size - 1024, 1024, 43),
    ] {
        let d = pattern(seed, len as usize);
        child.write(off, &d);
        m1.write(off, &d);
    }
    let (bytes, layout) = child.build();
    assert_eq!(layout.bitmaps.len(), 2, "two chunks with sector bitmaps");
    let mut parents = MapParents::default();
    parents.known.push(("base.vhdx".into(), base_c));
    let c = open_bytes(bytes, &mut parents).unwrap();
    for (off, len) in [
        ((4u64 << 30) - 2 * MIB, 4 * MIB),
        (size - 3 * MIB, 3 * MIB),
        (0, MIB),
    ] {
        assert_same(&c, &m1, off, len as usize);
    }
}

#[test]
fn wrong_parent_linkage_or_size_is_a_mismatch() {
    let size = 4 * MIB;
    let base_id = g("2b0b0b0b-0000-4000-8000-000000000001");
    let base = VhdxBuilder::new(size, MIB as u32, 512).identity(base_id);
    let base_c = Arc::new(open_bytes(base.build().0, &mut NoParents).unwrap());

    let child = VhdxBuilder::new(size, MIB as u32, 512)
        .differencing(g("deadbeef-0000-4000-8000-000000000000"), "base.vhdx");
    let mut parents = MapParents::default();
    parents
        .known
        .push(("base.vhdx".into(), Arc::clone(&base_c)));
    let err = open_bytes(child.build().0, &mut parents).unwrap_err();
    let ContainerError::ParentMismatch { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("deadbeef"), "{message}");

    let child = VhdxBuilder::new(2 * size, MIB as u32, 512).differencing(base_id, "base.vhdx");
    let err = open_bytes(child.build().0, &mut parents).unwrap_err();
    let ContainerError::ParentMismatch { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("virtual size"), "{message}");

    let child = VhdxBuilder::new(size, MIB as u32, 512).differencing(base_id, "elsewhere.vhdx");
    let err = open_bytes(child.build().0, &mut NoParents).unwrap_err();
    let ContainerError::ParentNotFound { tried, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        tried.iter().any(|t| t.contains("elsewhere.vhdx")),
        "{tried:?}"
    );
}

#[test]
fn dynamic_block_states_read_as_zeros_and_invalid_states_fail() {
    let size = 8 * MIB;
    let mut b = VhdxBuilder::new(size, MIB as u32, 512);
    b.set_state(1, UNDEFINED);
    b.set_state(2, ZERO);
    b.set_state(3, UNMAPPED);
    b.set_state(4, 4);
    b.set_state(5, PARTIALLY_PRESENT);
    let (bytes, layout) = b.build();
    let c = open_bytes(bytes, &mut NoParents).unwrap();
    let codes: Vec<_> = c.info().diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"vhdxBlockUndefined"), "{codes:?}");
    let inv = c
        .info()
        .diagnostics
        .iter()
        .find(|d| d.code == "vhdxBatEntryInvalid")
        .unwrap();
    assert_eq!(inv.offset, Some(layout.bat_entry(4)));
    let mut buf = vec![0xffu8; 4 * MIB as usize];
    c.read_at(0, &mut buf).unwrap();
    assert!(buf.iter().all(|&x| x == 0));
    for block in [4u64, 5] {
        let err = c.read_at(block * MIB + 512, &mut [0u8; 512]).unwrap_err();
        assert!(
            matches!(err, ReadError::Corrupt { offset, .. } if offset == layout.bat_entry(layout.payload_index(block))),
            "{err:?}"
        );
    }
}

/// A log with a stale entry, an already-flushed entry before the tail, and an active sequence of
/// two entries: only the active entries from the tail on are applied, in order, in memory.
#[test]
fn log_replay_applies_only_the_active_sequence() {
    let size = 8 * MIB;
    let log_guid = g("c0ffee00-1111-4222-8333-444444444444");
    let mut b = VhdxBuilder::new(size, MIB as u32, 512);
    let a = pattern(50, MIB as usize);
    b.write(0, &a);
    let (clean, layout) = b.build();
    let x = layout.blocks[&0];
    let file_len = layout.file_len;
    let mut m = Model::new(size);
    m.write(0, &a);

    let stale_page = pattern(51, 4096);
    let flushed_page = pattern(52, 4096);
    let mut page_b = pattern(53, 4096);
    page_b[..8].copy_from_slice(b"LEADING!");
    page_b[4092..].copy_from_slice(b"TAIL");
    let page_c = pattern(54, 4096);
    // New block 2 lives past the end of the file, inside LastFileOffset.
    let e_off = file_len;
    let mut bat_page = clean[BAT_OFFSET as usize..BAT_OFFSET as usize + 4096].to_vec();
    bat_page[16..24].copy_from_slice(&(FULLY_PRESENT | e_off).to_le_bytes());

    let stale = log_entry(
        3,
        0,
        log_guid,
        &[LogDesc::Data {
            file_offset: x,
            page: stale_page,
        }],
        file_len,
        file_len,
    );
    let p0 = 64 * KIB;
    let e9 = log_entry(
        9,
        p0 as u32,
        log_guid,
        &[LogDesc::Data {
            file_offset: x + 12288,
            page: flushed_page,
        }],
        file_len,
        file_len,
    );
    let p1 = p0 + e9.len() as u64;
    let e10 = log_entry(
        10,
        p1 as u32,
        log_guid,
        &[LogDesc::Data {
            file_offset: x + 4096,
            page: page_b.clone(),
        }],
        file_len,
        file_len,
    );
    let p2 = p1 + e10.len() as u64;
    let e11 = log_entry(
        11,
        p1 as u32,
        log_guid,
        &[
            LogDesc::Zero {
                file_offset: x + 8192,
                length: 8192,
            },
            LogDesc::Data {
                file_offset: BAT_OFFSET,
                page: bat_page,
            },
            LogDesc::Data {
                file_offset: e_off,
                page: page_c.clone(),
            },
        ],
        file_len,
        e_off + MIB,
    );
    b.log_guid = log_guid;
    b.log = vec![(0, stale), (p0, e9), (p1, e10), (p2, e11)];
    let (dirty, _) = b.build();
    let dirty_copy = dirty.clone();
    let src = Arc::new(dirty);
    let c = open_source(src.clone(), &mut NoParents).unwrap();
    let info = c.info();
    assert!(info.log_replayed);
    let d = info
        .diagnostics
        .iter()
        .find(|d| d.code == "vhdxLogReplayed")
        .unwrap();
    assert_eq!(d.offset, Some(LOG_OFFSET));
    assert!(d.message.contains("10..=11"), "{}", d.message);
    assert_eq!(info.file_size, file_len);

    m.write(4096, &page_b);
    m.write(8192, &[0; 8192]);
    m.write(2 * MIB, &page_c);
    assert_disk(&c, &m);
    let mut first = [0u8; 8];
    c.read_at(4096, &mut first).unwrap();
    assert_eq!(&first, b"LEADING!");
    assert_eq!(*src, dirty_copy, "the source bytes are untouched");

    // Entries of another log GUID are not replayed.
    b.log_guid = g("c0ffee00-1111-4222-8333-555555555555");
    let c = open_bytes(b.build().0, &mut NoParents).unwrap();
    assert!(!c.info().log_replayed);
    assert!(c
        .info()
        .diagnostics
        .iter()
        .any(|d| d.code == "vhdxLogNoActiveSequence"));
    assert_same(
        &c,
        &{
            let mut m = Model::new(size);
            m.write(0, &a);
            m
        },
        0,
        3 * MIB as usize,
    );
}

#[test]
fn log_entry_with_bad_data_sector_sequence_breaks_the_sequence() {
    let size = 4 * MIB;
    let log_guid = g("c0ffee00-1111-4222-8333-666666666666");
    let mut b = VhdxBuilder::new(size, MIB as u32, 512);
    b.write(0, &pattern(60, MIB as usize));
    let (_, layout) = b.build();
    let x = layout.blocks[&0];
    let fl = layout.file_len;
    let e1 = log_entry(
        1,
        0,
        log_guid,
        &[LogDesc::Data {
            file_offset: x,
            page: vec![1; 4096],
        }],
        fl,
        fl,
    );
    let mut e2 = log_entry(
        2,
        0,
        log_guid,
        &[LogDesc::Data {
            file_offset: x,
            page: vec![2; 4096],
        }],
        fl,
        fl,
    );
    // Data sector's SequenceLow no longer matches; reseal so only that check fails.
    e2[4096 + 4092] ^= 1;
    seal(&mut e2);
    let l1 = e1.len() as u64;
    b.log_guid = log_guid;
    b.log = vec![(0, e1), (l1, e2)];
    let c = open_bytes(b.build().0, &mut NoParents).unwrap();
    assert!(c.info().log_replayed);
    let mut buf = [0u8; 4096];
    c.read_at(0, &mut buf).unwrap();
    assert_eq!(buf, [1u8; 4096], "entry 1 applied, invalid entry 2 not");
}

#[test]
fn reads_are_send_sync_and_parallel() {
    let size = 8 * MIB;
    let mut b = VhdxBuilder::new(size, MIB as u32, 512);
    let d = pattern(70, size as usize);
    b.write(0, &d);
    let c = Arc::new(open_bytes(b.build().0, &mut NoParents).unwrap());
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                c.read_at(t * 2 * MIB + 123, &mut buf).unwrap();
                buf
            })
        })
        .collect();
    for (t, h) in handles.into_iter().enumerate() {
        let off = t * 2 * MIB as usize + 123;
        assert_eq!(h.join().unwrap(), d[off..off + (1 << 16)]);
    }
}

/// The writer's images are real VHDX files: qemu-img reads them (after repairing a dirty log on
/// a copy) to the same bytes as the model and as our reader.
#[test]
fn writer_images_agree_with_qemu() {
    let qemu = vhdlint_testkit::qemu_img().expect("qemu-img must be installed");
    let dir = vhdlint_testkit::scratch_dir("vhdx-writer-vs-qemu");
    let size = 6 * MIB;
    let log_guid = g("c0ffee00-1111-4222-8333-777777777777");
    for (name, ss, fixed, with_log) in [
        ("dyn512", 512u32, false, false),
        ("dyn4096", 4096, false, false),
        ("fixed512", 512, true, false),
        ("dirty512", 512, false, true),
    ] {
        let mut b = VhdxBuilder::new(size, MIB as u32, ss);
        b.fixed = fixed;
        let mut m = Model::new(size);
        let d = pattern(80, (MIB + 8192) as usize);
        b.write(MIB - 4096, &d);
        m.write(MIB - 4096, &d);
        if with_log {
            let (_, layout) = b.build();
            let x = layout.blocks[&1];
            let page = pattern(81, 4096);
            let e = log_entry(
                5,
                0,
                log_guid,
                &[
                    LogDesc::Data {
                        file_offset: x + 8192,
                        page: page.clone(),
                    },
                    LogDesc::Zero {
                        file_offset: x + 16384,
                        length: 4096,
                    },
                ],
                layout.file_len,
                layout.file_len,
            );
            b.log_guid = log_guid;
            b.log = vec![(0, e)];
            m.write(MIB + 8192, &page);
            m.write(MIB + 16384, &[0; 4096]);
        }
        let (bytes, _) = b.build();
        let c = open_bytes(bytes.clone(), &mut NoParents).unwrap();
        assert_eq!(c.info().log_replayed, with_log);
        assert_same(&c, &m, 0, size as usize);

        if ss != 512 {
            // qemu's VHDX driver supports only 512-byte logical sectors ("Operation not supported").
            continue;
        }
        let img = dir.join(format!("{name}.vhdx"));
        std::fs::write(&img, &bytes).unwrap();
        if with_log {
            let out = std::process::Command::new(&qemu)
                .args(["check", "-r", "all", "-f", "vhdx"])
                .arg(&img)
                .output()
                .unwrap();
            assert!(out.status.code().is_some_and(|c| c <= 3), "{out:?}");
        }
        let raw = dir.join(format!("{name}.raw"));
        let out = std::process::Command::new(&qemu)
            .args(["convert", "-f", "vhdx", "-O", "raw"])
            .arg(&img)
            .arg(&raw)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {out:?}");
        let theirs = std::fs::read(&raw).unwrap();
        assert!(
            theirs == m.read(0, size as usize),
            "{name}: qemu-img reads different bytes"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
