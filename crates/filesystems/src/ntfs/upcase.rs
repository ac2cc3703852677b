//! The `$UpCase` table (file record 10): 65,536 UTF-16 units, the upper-case form of each, which
//! NTFS uses to collate and compare file names case-insensitively (COLLATION_FILENAME).

use std::cmp::Ordering;

/// Entries of `$UpCase`: one per UTF-16 code unit.
pub const UPCASE_ENTRIES: usize = 1 << 16;

/// The volume's upper-case table.
pub(crate) struct Upcase(Vec<u16>);

impl Upcase {
    /// The table from `$UpCase`'s bytes; `None` unless it is exactly 128 KiB.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        (b.len() == 2 * UPCASE_ENTRIES).then(|| {
            Upcase(
                b.chunks_exact(2)
                    .map(|c| {
                        u16::from_le_bytes([
                            c.first().copied().unwrap_or(0),
                            c.get(1).copied().unwrap_or(0),
                        ])
                    })
                    .collect(),
            )
        })
    }

    /// A table built from Unicode simple upper-casing (when `$UpCase` is unreadable).
    pub fn fallback() -> Self {
        Upcase(
            (0..=u16::MAX)
                .map(|u| {
                    char::from_u32(u32::from(u))
                        .and_then(|c| {
                            let mut up = c.to_uppercase();
                            match (up.next(), up.next()) {
                                (Some(x), None) => u16::try_from(u32::from(x)).ok(),
                                _ => None,
                            }
                        })
                        .unwrap_or(u)
                })
                .collect(),
        )
    }

    /// The upper-case form of `c`.
    pub fn up(&self, c: u16) -> u16 {
        self.0.get(usize::from(c)).copied().unwrap_or(c)
    }

    /// COLLATION_FILENAME: compares upper-cased units, then lengths.
    pub fn cmp(&self, a: &[u16], b: &[u16]) -> Ordering {
        for (x, y) in a.iter().zip(b) {
            match self.up(*x).cmp(&self.up(*y)) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        a.len().cmp(&b.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collates_case_insensitively() {
        let u = Upcase::fallback();
        let w = |s: &str| s.encode_utf16().collect::<Vec<_>>();
        assert_eq!(u.cmp(&w("file.TXT"), &w("FILE.txt")), Ordering::Equal);
        assert_eq!(u.cmp(&w("a"), &w("B")), Ordering::Less);
        assert_eq!(u.cmp(&w("ab"), &w("A")), Ordering::Greater);
        assert_eq!(u.up(u16::from(b'z')), u16::from(b'Z'));
    }
}
