//! A small, test-only VHDX writer (MS-VHDX): fixed, dynamic and differencing disks with sector
//! bitmaps, 512- or 4096-byte logical sectors, and optional log entries for replay tests.
//!
//! Layout it writes (all 1 MiB aligned): file identifier, headers at 64/128 KiB, region tables at
//! 192/256 KiB, log at 1 MiB (1 MiB long), metadata region at 2 MiB (1 MiB), BAT at 3 MiB,
//! then payload blocks and sector bitmap blocks in allocation order.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use vhdlint_container::Guid;

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const HEADER1: u64 = 64 * KIB;
pub const HEADER2: u64 = 128 * KIB;
pub const REGION1: u64 = 192 * KIB;
pub const REGION2: u64 = 256 * KIB;
pub const LOG_OFFSET: u64 = MIB;
pub const LOG_LENGTH: u64 = MIB;
pub const METADATA_OFFSET: u64 = 2 * MIB;
pub const BAT_OFFSET: u64 = 3 * MIB;
/// Offset of each metadata item inside the metadata region, in table order.
pub const ITEM_FILE_PARAMETERS: u64 = 64 * KIB;
pub const ITEM_VIRTUAL_SIZE: u64 = 64 * KIB + 8;
pub const ITEM_LOGICAL_SECTOR: u64 = 64 * KIB + 16;
pub const ITEM_PHYSICAL_SECTOR: u64 = 64 * KIB + 20;
pub const ITEM_PAGE83: u64 = 64 * KIB + 24;
pub const ITEM_PARENT_LOCATOR: u64 = 64 * KIB + 40;

pub const NOT_PRESENT: u64 = 0;
pub const UNDEFINED: u64 = 1;
pub const ZERO: u64 = 2;
pub const UNMAPPED: u64 = 3;
pub const FULLY_PRESENT: u64 = 6;
pub const PARTIALLY_PRESENT: u64 = 7;

pub fn g(s: &str) -> Guid {
    Guid::parse(s).unwrap()
}

pub const BAT_REGION: &str = "2DC27766-F623-4200-9D64-115E9BFD4A08";
pub const METADATA_REGION: &str = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
const FILE_PARAMETERS: &str = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
const VIRTUAL_DISK_SIZE: &str = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
const PAGE83: &str = "BECA12AB-B2E6-4523-93EF-C309E000C746";
const LOGICAL_SECTOR_SIZE: &str = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
const PHYSICAL_SECTOR_SIZE: &str = "CDA348C7-445D-4471-9CC9-E9885251C556";
const PARENT_LOCATOR: &str = "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C";
const LOCATOR_TYPE: &str = "B04AEFB7-D19E-4A81-B789-25B8E9445913";

pub fn put(buf: &mut [u8], at: u64, bytes: &[u8]) {
    let at = at as usize;
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}
pub fn put_u16(buf: &mut [u8], at: u64, v: u16) {
    put(buf, at, &v.to_le_bytes());
}
pub fn put_u32(buf: &mut [u8], at: u64, v: u32) {
    put(buf, at, &v.to_le_bytes());
}
pub fn put_u64(buf: &mut [u8], at: u64, v: u64) {
    put(buf, at, &v.to_le_bytes());
}

/// CRC-32C of `buf` with the checksum field at 4..8 zeroed, stored into it.
pub fn seal(buf: &mut [u8]) {
    buf[4..8].fill(0);
    let crc = crc32c::crc32c(buf);
    buf[4..8].copy_from_slice(&crc.to_le_bytes());
}

/// Re-seals the checksum of the structure of `len` bytes at `at` in a whole image.
pub fn reseal(image: &mut [u8], at: u64, len: u64) {
    seal(&mut image[at as usize..(at + len) as usize]);
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// A parent link of a differencing disk.
#[derive(Debug, Clone)]
pub struct ParentSpec {
    /// `parent_linkage` value (the parent's DataWriteGuid).
    pub linkage: Guid,
    /// Key/value pairs besides `parent_linkage`, e.g. `relative_path`.
    pub entries: Vec<(String, String)>,
}

/// One log descriptor.
#[derive(Debug, Clone)]
pub enum LogDesc {
    /// Write these 4096 bytes at `file_offset`.
    Data { file_offset: u64, page: Vec<u8> },
    /// Zero `length` bytes at `file_offset`.
    Zero { file_offset: u64, length: u64 },
}

/// Builds a log entry (MS-VHDX 2.3.1) with a valid checksum.
pub fn log_entry(
    seq: u64,
    tail: u32,
    log_guid: Guid,
    descs: &[LogDesc],
    flushed_file_offset: u64,
    last_file_offset: u64,
) -> Vec<u8> {
    let n = descs.len() as u64;
    let desc_area = (64 + 32 * n).div_ceil(4096) * 4096;
    let data_count = descs
        .iter()
        .filter(|d| matches!(d, LogDesc::Data { .. }))
        .count() as u64;
    let len = desc_area + 4096 * data_count;
    let mut e = vec![0u8; len as usize];
    put(&mut e, 0, b"loge");
    put_u32(&mut e, 8, len as u32);
    put_u32(&mut e, 12, tail);
    put_u64(&mut e, 16, seq);
    put_u32(&mut e, 24, n as u32);
    put(&mut e, 32, &log_guid.0);
    put_u64(&mut e, 48, flushed_file_offset);
    put_u64(&mut e, 56, last_file_offset);
    let mut data_at = desc_area;
    for (i, d) in descs.iter().enumerate() {
        let at = 64 + 32 * i as u64;
        match d {
            LogDesc::Data { file_offset, page } => {
                assert_eq!(page.len(), 4096);
                put(&mut e, at, b"desc");
                put(&mut e, at + 4, &page[4092..4096]);
                put(&mut e, at + 8, &page[0..8]);
                put_u64(&mut e, at + 16, *file_offset);
                put_u64(&mut e, at + 24, seq);
                put(&mut e, data_at, b"data");
                put_u32(&mut e, data_at + 4, (seq >> 32) as u32);
                put(&mut e, data_at + 8, &page[8..4092]);
                put_u32(&mut e, data_at + 4092, seq as u32);
                data_at += 4096;
            }
            LogDesc::Zero {
                file_offset,
                length,
            } => {
                put(&mut e, at, b"zero");
                put_u64(&mut e, at + 8, *length);
                put_u64(&mut e, at + 16, *file_offset);
                put_u64(&mut e, at + 24, seq);
            }
        }
    }
    seal(&mut e);
    e
}

/// Where things went in a built image.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// File offset of each payload block's data, by block index.
    pub blocks: BTreeMap<u64, u64>,
    /// File offset of each chunk's sector bitmap.
    pub bitmaps: BTreeMap<u64, u64>,
    /// Number of BAT entries.
    pub bat_entries: u64,
    /// Chunk ratio.
    pub chunk_ratio: u64,
    /// Total file length.
    pub file_len: u64,
}

impl Layout {
    /// File offset of BAT entry `index`.
    pub fn bat_entry(&self, index: u64) -> u64 {
        BAT_OFFSET + index * 8
    }
    /// BAT index of payload block `block`.
    pub fn payload_index(&self, block: u64) -> u64 {
        block + block / self.chunk_ratio
    }
}

/// Describes a VHDX to write.
#[derive(Debug, Clone)]
pub struct VhdxBuilder {
    pub virtual_size: u64,
    pub block_size: u32,
    pub logical_sector: u32,
    pub physical_sector: u32,
    /// LeaveBlocksAllocated: every block allocated.
    pub fixed: bool,
    pub creator: String,
    pub data_write_guid: Guid,
    pub header_seq: (u64, u64),
    pub parent: Option<ParentSpec>,
    /// Log GUID written in both headers (zero: no log).
    pub log_guid: Guid,
    /// Log entries and their byte position inside the log.
    pub log: Vec<(u64, Vec<u8>)>,
    /// Block data (block_size bytes) and per-sector presence.
    blocks: BTreeMap<u64, (Vec<u8>, Vec<bool>)>,
    /// Forced states for blocks (ZERO, UNMAPPED, UNDEFINED...).
    states: BTreeMap<u64, u64>,
}

impl VhdxBuilder {
    pub fn new(virtual_size: u64, block_size: u32, logical_sector: u32) -> Self {
        VhdxBuilder {
            virtual_size,
            block_size,
            logical_sector,
            physical_sector: 4096,
            fixed: false,
            creator: "vhdlint test writer".into(),
            data_write_guid: g("11111111-2222-3333-4444-555555555555"),
            header_seq: (1, 2),
            parent: None,
            log_guid: Guid::ZERO,
            log: Vec::new(),
            blocks: BTreeMap::new(),
            states: BTreeMap::new(),
        }
    }

    /// A differencing disk over a parent whose DataWriteGuid is `linkage`, found at `relative`.
    pub fn differencing(mut self, linkage: Guid, relative: &str) -> Self {
        self.parent = Some(ParentSpec {
            linkage,
            entries: vec![
                ("relative_path".into(), relative.into()),
                (
                    "absolute_win32_path".into(),
                    format!("C:\\vms\\{}", relative.trim_start_matches(".\\")),
                ),
            ],
        });
        self
    }

    pub fn identity(mut self, g: Guid) -> Self {
        self.data_write_guid = g;
        self
    }

    /// Writes `data` at virtual `offset` (both multiples of the logical sector size).
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        let ss = self.logical_sector as u64;
        let bs = self.block_size as u64;
        assert!(offset % ss == 0 && data.len() as u64 % ss == 0);
        assert!(offset + data.len() as u64 <= self.virtual_size);
        let mut pos = 0u64;
        while pos < data.len() as u64 {
            let v = offset + pos;
            let block = v / bs;
            let in_block = v % bs;
            let n = (bs - in_block).min(data.len() as u64 - pos);
            let (buf, present) = self
                .blocks
                .entry(block)
                .or_insert_with(|| (vec![0; bs as usize], vec![false; (bs / ss) as usize]));
            buf[in_block as usize..(in_block + n) as usize]
                .copy_from_slice(&data[pos as usize..(pos + n) as usize]);
            for s in in_block / ss..(in_block + n) / ss {
                present[s as usize] = true;
            }
            pos += n;
        }
    }

    /// Forces the BAT state of an unwritten block.
    pub fn set_state(&mut self, block: u64, state: u64) {
        self.states.insert(block, state);
    }

    pub fn chunk_ratio(&self) -> u64 {
        (1u64 << 23) * self.logical_sector as u64 / self.block_size as u64
    }

    pub fn build(&self) -> (Vec<u8>, Layout) {
        let bs = self.block_size as u64;
        let ss = self.logical_sector as u64;
        let cr = self.chunk_ratio();
        let data_blocks = self.virtual_size.div_ceil(bs);
        let entries = if self.parent.is_some() {
            data_blocks.div_ceil(cr) * (cr + 1)
        } else if data_blocks == 0 {
            0
        } else {
            data_blocks + (data_blocks - 1) / cr
        };
        let bat_len = (entries * 8).div_ceil(MIB).max(1) * MIB;
        let mut next = BAT_OFFSET + bat_len;
        let mut layout = Layout {
            bat_entries: entries,
            chunk_ratio: cr,
            ..Layout::default()
        };
        let mut bat = vec![0u64; entries as usize];
        let mut payloads: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut bitmaps: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for block in 0..data_blocks {
            let idx = (block + block / cr) as usize;
            let written = self.blocks.get(&block);
            let all = written.is_some_and(|(_, p)| p.iter().all(|&x| x));
            let state = match written {
                _ if self.fixed => FULLY_PRESENT,
                Some(_) if self.parent.is_none() || all => FULLY_PRESENT,
                Some(_) => PARTIALLY_PRESENT,
                None => *self.states.get(&block).unwrap_or(&NOT_PRESENT),
            };
            if state == FULLY_PRESENT || state == PARTIALLY_PRESENT {
                let data = written
                    .map(|(d, _)| d.clone())
                    .unwrap_or_else(|| vec![0; bs as usize]);
                layout.blocks.insert(block, next);
                bat[idx] = state | next;
                payloads.push((next, data));
                next += bs;
                if let (PARTIALLY_PRESENT, Some((_, present))) = (state, written) {
                    let chunk = block / cr;
                    let bm = bitmaps
                        .entry(chunk)
                        .or_insert_with(|| vec![0u8; MIB as usize]);
                    let base = (block - chunk * cr) * (bs / ss);
                    for (s, &p) in present.iter().enumerate() {
                        if p {
                            let bit = base + s as u64;
                            bm[(bit / 8) as usize] |= 1 << (bit % 8);
                        }
                    }
                }
            } else {
                bat[idx] = state;
            }
        }
        for (chunk, bm) in &bitmaps {
            layout.bitmaps.insert(*chunk, next);
            let idx = (chunk * (cr + 1) + cr) as usize;
            bat[idx] = 6 | next;
            payloads.push((next, bm.clone()));
            next += MIB;
        }
        layout.file_len = next;

        let mut f = vec![0u8; next as usize];
        // File identifier.
        put(&mut f, 0, b"vhdxfile");
        put(&mut f, 8, &utf16(&self.creator));
        // Headers.
        for (at, seq) in [(HEADER1, self.header_seq.0), (HEADER2, self.header_seq.1)] {
            let mut h = vec![0u8; 4096];
            put(&mut h, 0, b"head");
            put_u64(&mut h, 8, seq);
            put(&mut h, 16, &g("aaaaaaaa-0000-0000-0000-000000000001").0);
            put(&mut h, 32, &self.data_write_guid.0);
            put(&mut h, 48, &self.log_guid.0);
            put_u16(&mut h, 64, 0);
            put_u16(&mut h, 66, 1);
            put_u32(&mut h, 68, LOG_LENGTH as u32);
            put_u64(&mut h, 72, LOG_OFFSET);
            seal(&mut h);
            put(&mut f, at, &h);
        }
        // Region tables.
        let mut r = vec![0u8; 64 * KIB as usize];
        put(&mut r, 0, b"regi");
        put_u32(&mut r, 8, 2);
        put(&mut r, 16, &g(BAT_REGION).0);
        put_u64(&mut r, 32, BAT_OFFSET);
        put_u32(&mut r, 40, bat_len as u32);
        put_u32(&mut r, 44, 1);
        put(&mut r, 48, &g(METADATA_REGION).0);
        put_u64(&mut r, 64, METADATA_OFFSET);
        put_u32(&mut r, 72, MIB as u32);
        put_u32(&mut r, 76, 1);
        seal(&mut r);
        put(&mut f, REGION1, &r);
        put(&mut f, REGION2, &r);
        // Metadata.
        let m = METADATA_OFFSET;
        put(&mut f, m, b"metadata");
        let mut items: Vec<(&str, u64, Vec<u8>, u32)> = vec![
            (
                FILE_PARAMETERS,
                ITEM_FILE_PARAMETERS,
                [
                    self.block_size.to_le_bytes(),
                    (u32::from(self.fixed) | (u32::from(self.parent.is_some()) << 1)).to_le_bytes(),
                ]
                .concat(),
                0b100,
            ),
            (
                VIRTUAL_DISK_SIZE,
                ITEM_VIRTUAL_SIZE,
                self.virtual_size.to_le_bytes().to_vec(),
                0b110,
            ),
            (
                LOGICAL_SECTOR_SIZE,
                ITEM_LOGICAL_SECTOR,
                self.logical_sector.to_le_bytes().to_vec(),
                0b110,
            ),
            (
                PHYSICAL_SECTOR_SIZE,
                ITEM_PHYSICAL_SECTOR,
                self.physical_sector.to_le_bytes().to_vec(),
                0b110,
            ),
            (PAGE83, ITEM_PAGE83, vec![0x42; 16], 0b110),
        ];
        if let Some(p) = &self.parent {
            let mut kv: Vec<(String, String)> =
                vec![("parent_linkage".into(), format!("{:?}", p.linkage))];
            kv.extend(p.entries.iter().cloned());
            let mut loc = vec![0u8; 20 + 12 * kv.len()];
            put(&mut loc, 0, &g(LOCATOR_TYPE).0);
            put_u16(&mut loc, 18, kv.len() as u16);
            for (i, (k, v)) in kv.iter().enumerate() {
                let (kb, vb) = (utf16(k), utf16(v));
                let ko = loc.len();
                loc.extend_from_slice(&kb);
                let vo = loc.len();
                loc.extend_from_slice(&vb);
                let at = 20 + 12 * i as u64;
                put_u32(&mut loc, at, ko as u32);
                put_u32(&mut loc, at + 4, vo as u32);
                put_u16(&mut loc, at + 8, kb.len() as u16);
                put_u16(&mut loc, at + 10, vb.len() as u16);
            }
            items.push((PARENT_LOCATOR, ITEM_PARENT_LOCATOR, loc, 0b100));
        }
        put_u16(&mut f, m + 10, items.len() as u16);
        for (i, (id, off, data, flags)) in items.iter().enumerate() {
            let at = m + 32 + 32 * i as u64;
            put(&mut f, at, &g(id).0);
            put_u32(&mut f, at + 16, *off as u32);
            put_u32(&mut f, at + 20, data.len() as u32);
            put_u32(&mut f, at + 24, *flags);
            put(&mut f, m + off, data);
        }
        // BAT.
        for (i, e) in bat.iter().enumerate() {
            put_u64(&mut f, BAT_OFFSET + 8 * i as u64, *e);
        }
        // Payload and bitmaps.
        for (at, data) in &payloads {
            put(&mut f, *at, data);
        }
        // Log entries.
        for (pos, e) in &self.log {
            assert!(pos + e.len() as u64 <= LOG_LENGTH);
            put(&mut f, LOG_OFFSET + pos, e);
        }
        (f, layout)
    }
}

/// A sparse model of a virtual disk: written sectors over zeros (or over a parent model).
#[derive(Debug, Clone)]
pub struct Model {
    pub size: u64,
    pub writes: Vec<(u64, Vec<u8>)>,
}

impl Model {
    pub fn new(size: u64) -> Self {
        Model {
            size,
            writes: Vec::new(),
        }
    }
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        self.writes.push((offset, data.to_vec()));
    }
    /// The model's bytes at `offset..offset+len` (later writes win).
    pub fn read(&self, offset: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        let end = offset + len as u64;
        for (wo, data) in &self.writes {
            let we = wo + data.len() as u64;
            let s = offset.max(*wo);
            let e = end.min(we);
            if s < e {
                out[(s - offset) as usize..(e - offset) as usize]
                    .copy_from_slice(&data[(s - wo) as usize..(e - wo) as usize]);
            }
        }
        out
    }
}
