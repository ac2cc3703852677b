//! Deterministic mutants of a fixture: patches over shared base bytes (no copy per mutant), a
//! seeded xorshift, and checksum re-sealing so mutations get past CRC-protected structures.

use std::sync::Arc;

use vhdlint_container::{ReadAt, ReadError};

/// xorshift64*: deterministic, no `rand` needed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// How a structure's checksum is recomputed after a mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seal {
    /// No checksum.
    None,
    /// CRC-32C with the 4-byte field at `at` taken as zero, over `len` bytes (VHDX).
    Crc32c { at: u64, len: u64 },
    /// VHD: one's complement of the byte sum (big-endian field at `at`), over `len` bytes.
    VhdSum { at: u64, len: u64 },
    /// GPT header: CRC-32 over `len` bytes with the field at 16 zeroed.
    GptHeader { len: u64 },
    /// Hive base block: XOR of the first 127 dwords, stored at 0x1FC.
    HiveXor,
}

/// A metadata structure of a fixture, located by parsing it.
#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    pub offset: u64,
    pub len: u64,
    pub seal: Seal,
}

impl Region {
    pub fn new(name: impl Into<String>, offset: u64, len: u64, seal: Seal) -> Self {
        Region {
            name: name.into(),
            offset,
            len: len.max(1),
            seal,
        }
    }
}

/// A fixture with patches applied and maybe truncated.
#[derive(Clone)]
pub struct Mutant {
    base: Arc<Vec<u8>>,
    len: u64,
    patches: Vec<(u64, Vec<u8>)>,
    /// What was done, for failure messages.
    pub what: String,
}

impl Mutant {
    pub fn new(base: Arc<Vec<u8>>, what: impl Into<String>) -> Self {
        Mutant {
            len: base.len(),
            base,
            patches: Vec::new(),
            what: what.into(),
        }
    }

    pub fn patch(&mut self, offset: u64, bytes: Vec<u8>) {
        self.patches.push((offset, bytes));
    }

    pub fn truncate(&mut self, len: u64) {
        self.len = self.len.min(len);
    }

    /// The mutated bytes at `offset` (zeros past the end).
    pub fn bytes(&self, offset: u64, len: u64) -> Vec<u8> {
        let mut out = vec![0u8; len as usize];
        let end = (offset + len).min(self.len);
        if offset < end {
            let n = (end - offset) as usize;
            out[..n].copy_from_slice(&self.base[offset as usize..offset as usize + n]);
        }
        for (at, p) in &self.patches {
            overlay(&mut out, offset, *at, p);
        }
        if end < offset + len {
            out[end.saturating_sub(offset) as usize..].fill(0);
        }
        out
    }

    /// Recomputes the checksum of `region` over the mutated bytes.
    pub fn seal(&mut self, region: &Region) {
        let (o, l) = (region.offset, region.len);
        match region.seal {
            Seal::None => {}
            Seal::Crc32c { at, len } => {
                let mut b = self.bytes(o, len);
                b[at as usize..at as usize + 4].fill(0);
                self.patch(o + at, crc32c(&b).to_le_bytes().to_vec());
            }
            Seal::VhdSum { at, len } => {
                let mut b = self.bytes(o, len);
                b[at as usize..at as usize + 4].fill(0);
                let sum = b.iter().fold(0u32, |s, &x| s.wrapping_add(u32::from(x)));
                self.patch(o + at, (!sum).to_be_bytes().to_vec());
            }
            Seal::GptHeader { len } => {
                let mut b = self.bytes(o, len);
                b[16..20].fill(0);
                self.patch(o + 16, crc32(&b).to_le_bytes().to_vec());
            }
            Seal::HiveXor => {
                let b = self.bytes(o, 508);
                let mut x = 0u32;
                for c in b.chunks(4) {
                    x ^= u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
                let x = match x {
                    0 => 1,
                    u32::MAX => u32::MAX - 1,
                    x => x,
                };
                self.patch(o + 0x1FC, x.to_le_bytes().to_vec());
            }
        }
        let _ = l;
    }

    /// The whole mutated image (for the CLI sample).
    pub fn materialize(&self) -> Vec<u8> {
        self.bytes(0, self.len)
    }
}

fn overlay(out: &mut [u8], offset: u64, at: u64, p: &[u8]) {
    let (start, end) = (
        at.max(offset),
        (at + p.len() as u64).min(offset + out.len() as u64),
    );
    if start < end {
        let dst = &mut out[(start - offset) as usize..(end - offset) as usize];
        dst.copy_from_slice(&p[(start - at) as usize..(end - at) as usize]);
    }
}

impl ReadAt for Mutant {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        vhdlint_container::read::check_bounds(offset, buf.len(), self.len)?;
        let n = buf.len();
        buf.copy_from_slice(&self.base[offset as usize..offset as usize + n]);
        for (at, p) in &self.patches {
            overlay(buf, offset, *at, p);
        }
        Ok(())
    }
}

/// Interesting integers written over fields.
const INTERESTING: [u64; 10] = [
    0,
    1,
    0x7F,
    0xFF,
    0xFFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// `n` mutants of each region: bit flips, random bytes, interesting values, a zeroed sector,
/// each also re-sealed when the region has a checksum. Plus truncations at every region's start
/// and end.
pub fn mutants(
    kind: &str,
    base: &Arc<Vec<u8>>,
    regions: &[Region],
    per_region: usize,
    seed: u64,
) -> Vec<Mutant> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let file_len = base.len();
    for r in regions {
        let len = r.len.min(file_len.saturating_sub(r.offset));
        if len == 0 {
            continue;
        }
        for i in 0..per_region {
            let at = r.offset + rng.below(len);
            let op = i % 5;
            let mut m = Mutant::new(Arc::clone(base), "");
            let what = match op {
                0 => {
                    let bits = 1 + rng.below(3);
                    let mut desc = Vec::new();
                    for _ in 0..bits {
                        let a = r.offset + rng.below(len);
                        let bit = rng.below(8) as u8;
                        let old = m.bytes(a, 1)[0];
                        m.patch(a, vec![old ^ (1 << bit)]);
                        desc.push(format!("{a:#x}.{bit}"));
                    }
                    format!("bit flips at {}", desc.join(","))
                }
                1 => {
                    let n = 1 + rng.below(8);
                    let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                    let desc = format!("random bytes {bytes:02x?} at {at:#x}");
                    m.patch(at, bytes);
                    desc
                }
                2 | 3 => {
                    let width = if op == 2 { 4 } else { 8 };
                    let at = r.offset + (rng.below(len) & !(width - 1));
                    let v = INTERESTING[rng.below(INTERESTING.len() as u64) as usize];
                    let v = if rng.below(4) == 0 {
                        v.wrapping_add(rng.below(64))
                    } else {
                        v
                    };
                    let bytes = v.to_le_bytes()[..width as usize].to_vec();
                    let bytes = if rng.below(3) == 0 {
                        bytes.into_iter().rev().collect()
                    } else {
                        bytes
                    };
                    let desc = format!("value {bytes:02x?} at {at:#x}");
                    m.patch(at, bytes);
                    desc
                }
                _ => {
                    let sector = at & !511;
                    m.patch(sector, vec![0u8; 512]);
                    format!("zeroed sector at {sector:#x}")
                }
            };
            let sealed = r.seal != Seal::None && i % 2 == 0;
            if sealed {
                m.seal(r);
            }
            m.what = format!(
                "{kind}: {} @{:#x}: {what}{}",
                r.name,
                r.offset,
                if sealed { " (checksum re-sealed)" } else { "" }
            );
            out.push(m);
        }
    }
    // Truncations at structure boundaries.
    let mut cuts: Vec<(u64, String)> = vec![
        (0, "empty".into()),
        (511, "511 bytes".into()),
        (file_len / 2, "half".into()),
        (file_len.saturating_sub(1), "last byte cut".into()),
        (file_len.saturating_sub(512), "last sector cut".into()),
    ];
    for r in regions {
        cuts.push((r.offset, format!("at the start of {}", r.name)));
        cuts.push((r.offset + r.len / 2, format!("inside {}", r.name)));
        cuts.push((r.offset + r.len, format!("at the end of {}", r.name)));
    }
    cuts.sort();
    cuts.dedup_by_key(|c| c.0);
    for (len, why) in cuts {
        if len > file_len {
            continue;
        }
        let mut m = Mutant::new(
            Arc::clone(base),
            format!("{kind}: truncated to {len:#x} ({why})"),
        );
        m.truncate(len);
        out.push(m);
    }
    out
}

/// CRC-32C (Castagnoli), bitwise.
pub fn crc32c(data: &[u8]) -> u32 {
    crc(data, 0x82F6_3B78)
}

/// CRC-32 (IEEE), bitwise.
pub fn crc32(data: &[u8]) -> u32 {
    crc(data, 0xEDB8_8320)
}

fn crc(data: &[u8], poly: u32) -> u32 {
    static TABLES: std::sync::OnceLock<[[u32; 256]; 2]> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let mut t = [[0u32; 256]; 2];
        for (k, p) in [0x82F6_3B78u32, 0xEDB8_8320].into_iter().enumerate() {
            for i in 0..256u32 {
                let mut c = i;
                for _ in 0..8 {
                    c = if c & 1 != 0 { (c >> 1) ^ p } else { c >> 1 };
                }
                t[k][i as usize] = c;
            }
        }
        t
    });
    let t = &tables[usize::from(poly == 0xEDB8_8320)];
    let mut c = !0u32;
    for &b in data {
        c = t[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// Little-endian readers over a byte slice (zero when out of range).
pub fn le16(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 2)
        .map(|s| u64::from(u16::from_le_bytes([s[0], s[1]])))
        .unwrap_or(0)
}
pub fn le32(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
        .unwrap_or(0)
}
pub fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap()))
        .unwrap_or(0)
}
pub fn be32(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .map(|s| u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])))
        .unwrap_or(0)
}
pub fn be64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .map(|s| u64::from_be_bytes(s.try_into().unwrap()))
        .unwrap_or(0)
}

#[test]
fn crcs_match_known_values() {
    let _whole = crate::serial();
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
}
