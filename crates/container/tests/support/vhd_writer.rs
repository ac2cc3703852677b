//! A small **test-only** VHD writer: fixed, dynamic and differencing disks with parent locators
//! and partially written blocks (sector bitmaps with mixed bits), laid out as Hyper-V does:
//! footer copy, dynamic header, BAT, locator data, blocks, footer.
#![allow(dead_code)]
// Test-only code building trusted images: a panic here is a failing test, not a hostile input.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

/// Sector size.
pub const SECTOR: usize = 512;
/// Offset of the dynamic header in images this writer makes.
pub const HEADER_AT: u64 = 512;
/// Offset of the BAT in images this writer makes.
pub const BAT_AT: u64 = 1536;

/// What a dynamic or differencing disk holds.
#[derive(Debug, Clone)]
pub struct Sparse {
    /// CurrentSize (a multiple of 512).
    pub size: u64,
    /// Block size (a power of two, >= 4096).
    pub block_size: u32,
    /// MaxTableEntries; `None` = exactly what the size needs.
    pub max_table_entries: Option<u32>,
    /// Footer UniqueId.
    pub unique_id: [u8; 16],
    /// `Some(parent UniqueId)` makes a differencing disk.
    pub parent_id: Option<[u8; 16]>,
    /// ParentUnicodeName.
    pub parent_name: String,
    /// Parent locators: platform code and path (W2* as UTF-16LE, Wi2* as ASCII).
    pub locators: Vec<([u8; 4], String)>,
    /// Sectors this file holds (sector index → 512 bytes); their blocks are allocated and their
    /// bitmap bits set.
    pub sectors: BTreeMap<u64, Vec<u8>>,
    /// Byte stored in sectors of allocated blocks whose bitmap bit is clear.
    pub filler: u8,
}

impl Sparse {
    /// A dynamic disk of `size` bytes with `block_size` blocks and nothing written.
    pub fn dynamic(size: u64, block_size: u32, unique_id: [u8; 16]) -> Self {
        Sparse {
            size,
            block_size,
            max_table_entries: None,
            unique_id,
            parent_id: None,
            parent_name: String::new(),
            locators: Vec::new(),
            sectors: BTreeMap::new(),
            filler: 0,
        }
    }

    /// A differencing disk over the parent with `parent_id`, found at `.\{parent_file}`
    /// (W2ru) and `C:\vms\{parent_file}` (W2ku).
    pub fn differencing(
        size: u64,
        block_size: u32,
        unique_id: [u8; 16],
        parent_id: [u8; 16],
        parent_file: &str,
    ) -> Self {
        let mut s = Sparse::dynamic(size, block_size, unique_id);
        s.parent_id = Some(parent_id);
        s.parent_name = parent_file.to_string();
        s.locators = vec![
            (*b"W2ku", format!("C:\\vms\\{parent_file}")),
            (*b"W2ru", format!(".\\{parent_file}")),
        ];
        s
    }

    /// Writes `data` (a whole number of sectors) at sector `first`.
    pub fn write(&mut self, first: u64, data: &[u8]) {
        assert_eq!(data.len() % SECTOR, 0);
        for (i, chunk) in data.chunks(SECTOR).enumerate() {
            self.sectors.insert(first + i as u64, chunk.to_vec());
        }
    }

    /// Number of blocks the size needs.
    pub fn blocks(&self) -> u64 {
        self.size.div_ceil(u64::from(self.block_size))
    }

    /// Entries in the BAT.
    pub fn entries(&self) -> u32 {
        self.max_table_entries
            .unwrap_or(u32::try_from(self.blocks()).unwrap())
    }

    /// The image bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let disk_type = if self.parent_id.is_some() { 4 } else { 3 };
        let entries = self.entries() as usize;
        let bat_len = (entries * 4).div_ceil(SECTOR) * SECTOR;
        let mut out = vec![0u8; BAT_AT as usize + bat_len];
        // BAT: all unallocated first.
        out[BAT_AT as usize..BAT_AT as usize + entries * 4].fill(0xFF);
        // Locator data, each in its own sector-aligned area.
        let mut loc_entries = Vec::new();
        for (code, path) in &self.locators {
            let data: Vec<u8> = if code.starts_with(b"W2") {
                path.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
            } else {
                path.as_bytes().to_vec()
            };
            let at = out.len() as u64;
            let space = data.len().div_ceil(SECTOR).max(1) * SECTOR;
            out.extend_from_slice(&data);
            out.resize(at as usize + space, 0);
            loc_entries.push((*code, space as u32, data.len() as u32, at));
        }
        // Blocks holding written sectors.
        let bs = u64::from(self.block_size);
        let spb = bs / SECTOR as u64;
        let bitmap_len = ((spb as usize).div_ceil(8)).div_ceil(SECTOR) * SECTOR;
        let mut blocks: Vec<u64> = self.sectors.keys().map(|s| s / spb).collect();
        blocks.dedup();
        for b in blocks {
            let at = out.len();
            assert_eq!(at % SECTOR, 0);
            let mut bitmap = vec![0u8; bitmap_len];
            let mut data = vec![self.filler; bs as usize];
            for (&s, bytes) in self.sectors.range(b * spb..(b + 1) * spb) {
                let i = (s - b * spb) as usize;
                bitmap[i / 8] |= 0x80 >> (i % 8);
                data[i * SECTOR..(i + 1) * SECTOR].copy_from_slice(bytes);
            }
            out.extend_from_slice(&bitmap);
            out.extend_from_slice(&data);
            let e = BAT_AT as usize + b as usize * 4;
            out[e..e + 4].copy_from_slice(&((at / SECTOR) as u32).to_be_bytes());
        }
        // Dynamic header.
        let mut h = [0u8; 1024];
        h[..8].copy_from_slice(b"cxsparse");
        h[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        h[16..24].copy_from_slice(&BAT_AT.to_be_bytes());
        h[24..28].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        h[28..32].copy_from_slice(&(entries as u32).to_be_bytes());
        h[32..36].copy_from_slice(&self.block_size.to_be_bytes());
        if let Some(p) = self.parent_id {
            h[40..56].copy_from_slice(&p);
        }
        for (i, u) in self.parent_name.encode_utf16().take(255).enumerate() {
            h[64 + 2 * i..66 + 2 * i].copy_from_slice(&u.to_be_bytes());
        }
        for (i, (code, space, len, at)) in loc_entries.iter().enumerate().take(8) {
            let base = 576 + 24 * i;
            h[base..base + 4].copy_from_slice(code);
            h[base + 4..base + 8].copy_from_slice(&space.to_be_bytes());
            h[base + 8..base + 12].copy_from_slice(&len.to_be_bytes());
            h[base + 16..base + 24].copy_from_slice(&at.to_be_bytes());
        }
        seal(&mut h, 36);
        out[HEADER_AT as usize..HEADER_AT as usize + 1024].copy_from_slice(&h);
        let f = footer(disk_type, self.size, HEADER_AT, self.unique_id);
        out[..SECTOR].copy_from_slice(&f);
        out.extend_from_slice(&f);
        out
    }
}

/// A fixed VHD of `data` (a whole number of sectors).
pub fn fixed(data: &[u8], unique_id: [u8; 16]) -> Vec<u8> {
    assert_eq!(data.len() % SECTOR, 0);
    let mut out = data.to_vec();
    out.extend_from_slice(&footer(2, data.len() as u64, u64::MAX, unique_id));
    out
}

/// A footer (VHD spec, "Hard Disk Footer Format"), creator `vltw` (vhdlint test writer).
pub fn footer(disk_type: u32, size: u64, data_offset: u64, unique_id: [u8; 16]) -> [u8; 512] {
    let mut f = [0u8; 512];
    f[..8].copy_from_slice(b"conectix");
    f[8..12].copy_from_slice(&2u32.to_be_bytes());
    f[12..16].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    f[16..24].copy_from_slice(&data_offset.to_be_bytes());
    f[24..28].copy_from_slice(&0x2000_0000u32.to_be_bytes());
    f[28..32].copy_from_slice(b"vltw");
    f[32..36].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    f[36..40].copy_from_slice(b"Wi2k");
    f[40..48].copy_from_slice(&size.to_be_bytes());
    f[48..56].copy_from_slice(&size.to_be_bytes());
    let (c, h, s) = chs(size);
    f[56..58].copy_from_slice(&c.to_be_bytes());
    f[58] = h;
    f[59] = s;
    f[60..64].copy_from_slice(&disk_type.to_be_bytes());
    f[68..84].copy_from_slice(&unique_id);
    seal(&mut f, 64);
    f
}

/// CHS geometry for `size` (VHD spec, "Appendix: CHS Calculation").
pub fn chs(size: u64) -> (u16, u8, u8) {
    let total = (size / 512).min(65535 * 16 * 255);
    let (spt, heads, cth);
    if total >= 65535 * 16 * 63 {
        spt = 255;
        heads = 16;
        cth = total / spt;
    } else {
        let mut s = 17;
        let mut c = total / s;
        let mut h = c.div_ceil(1024).max(4);
        if c >= h * 1024 || h > 16 {
            s = 31;
            h = 16;
            c = total / s;
        }
        if c >= h * 1024 {
            s = 63;
            h = 16;
            c = total / s;
        }
        spt = s;
        heads = h;
        cth = c;
    }
    ((cth / heads) as u16, heads as u8, spt as u8)
}

/// Recomputes the checksum at `at` of a footer (64) or dynamic header (36).
pub fn seal(buf: &mut [u8], at: usize) {
    buf[at..at + 4].fill(0);
    let sum = buf.iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
    buf[at..at + 4].copy_from_slice(&(!sum).to_be_bytes());
}

/// Reseals the footer copy at 0 and the end footer of a sparse image after an edit.
pub fn reseal_footers(img: &mut [u8]) {
    let n = img.len();
    seal(&mut img[..512], 64);
    seal(&mut img[n - 512..], 64);
}

/// Reseals the dynamic header of an image this writer made.
pub fn reseal_header(img: &mut [u8]) {
    seal(&mut img[HEADER_AT as usize..HEADER_AT as usize + 1024], 36);
}

/// The virtual disk a chain reads as (base first): later disks' sectors win; clear bits and
/// unallocated blocks fall through; the base's absent sectors are zero.
pub fn model(chain: &[&Sparse]) -> Vec<u8> {
    let mut out = vec![0u8; chain[0].size as usize];
    for disk in chain {
        for (&s, bytes) in &disk.sectors {
            let at = s as usize * SECTOR;
            out[at..at + SECTOR].copy_from_slice(bytes);
        }
    }
    out
}

/// Deterministic pseudo-random bytes (xorshift), `len` long.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A 16-byte id made of one repeated byte.
pub fn id(b: u8) -> [u8; 16] {
    [b; 16]
}
