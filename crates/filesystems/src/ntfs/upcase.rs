//! The `$UpCase` table (file record 10): 65,536 UTF-16 units, the upper-case form of each, which
//! NTFS uses to collate and compare file names case-insensitively (COLLATION_FILENAME).
//!
//! The table is read lazily, one 4 KiB page (2,048 units) the first time a unit of that page is
//! compared: a path lookup of ASCII names reads one page, not the whole 128 KiB. A page that
//! cannot be read falls back to Unicode simple upper-casing for its units.

use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

use vhdlint_container::ReadAt;

/// Entries of `$UpCase`: one per UTF-16 code unit.
pub const UPCASE_ENTRIES: usize = 1 << 16;
/// Units per page read: 2,048 (4 KiB).
pub const UPCASE_PAGE_UNITS: usize = 2048;
const PAGES: usize = UPCASE_ENTRIES / UPCASE_PAGE_UNITS;

/// The volume's upper-case table.
pub(crate) struct Upcase {
    /// `$UpCase`'s bytes (exactly 128 KiB), or `None` when unreadable.
    table: Option<Arc<dyn ReadAt>>,
    /// Pages read so far; `None` inside when that page could not be read.
    pages: [OnceLock<Option<Box<[u16]>>>; PAGES],
}

impl Upcase {
    /// The table read from `$UpCase`'s stored bytes; the fallback unless exactly 128 KiB.
    pub fn from_source(table: Arc<dyn ReadAt>) -> Self {
        let table = (table.len() == 2 * UPCASE_ENTRIES as u64).then_some(table);
        Upcase {
            table,
            pages: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// A table of Unicode simple upper-casing (when `$UpCase` is unreadable).
    pub fn fallback() -> Self {
        Upcase {
            table: None,
            pages: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// True when the volume's own table is used (false: the Unicode fallback).
    #[cfg(test)]
    pub fn is_volume_table(&self) -> bool {
        self.table.is_some()
    }

    fn page(&self, index: usize) -> Option<&[u16]> {
        let table = self.table.as_ref()?;
        self.pages
            .get(index)?
            .get_or_init(|| {
                let mut bytes = vec![0u8; 2 * UPCASE_PAGE_UNITS];
                let offset = (index * bytes.len()) as u64;
                table.read_at(offset, &mut bytes).ok()?;
                Some(vhdlint_container::bytes::u16le_units(&bytes).into_boxed_slice())
            })
            .as_deref()
    }

    /// The upper-case form of `c`.
    pub fn up(&self, c: u16) -> u16 {
        let unit = usize::from(c);
        match self.page(unit / UPCASE_PAGE_UNITS) {
            Some(page) => page.get(unit % UPCASE_PAGE_UNITS).copied().unwrap_or(c),
            None => simple_upper(c),
        }
    }

    /// COLLATION_FILENAME: compares upper-cased units, then lengths.
    pub fn cmp(&self, a: &[u16], b: &[u16]) -> Ordering {
        for (x, y) in a.iter().zip(b) {
            if x == y {
                continue;
            }
            match self.up(*x).cmp(&self.up(*y)) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        a.len().cmp(&b.len())
    }
}

/// Unicode simple upper-casing of one UTF-16 unit (itself when it has none, or several).
fn simple_upper(u: u16) -> u16 {
    if u < 0x80 {
        return u8::try_from(u).map_or(u, |b| u16::from(b.to_ascii_uppercase()));
    }
    char::from_u32(u32::from(u))
        .and_then(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(x), None) => u16::try_from(u32::from(x)).ok(),
                _ => None,
            }
        })
        .unwrap_or(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vhdlint_container::Counted;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn collates_case_insensitively() {
        let u = Upcase::fallback();
        assert_eq!(u.cmp(&w("file.TXT"), &w("FILE.txt")), Ordering::Equal);
        assert_eq!(u.cmp(&w("a"), &w("B")), Ordering::Less);
        assert_eq!(u.cmp(&w("ab"), &w("A")), Ordering::Greater);
        assert_eq!(u.up(u16::from(b'z')), u16::from(b'Z'));
        assert_eq!(u.up(0x00E9), 0x00C9, "é");
        assert_eq!(u.up(0x03C9), 0x03A9, "ω");
    }

    /// A table whose 'x' upper-cases to 'Q' (not Unicode): proves the volume's table is used,
    /// and that an ASCII comparison reads one 4 KiB page of it, not 128 KiB.
    #[test]
    fn reads_the_volume_table_one_page_at_a_time() {
        let mut table: Vec<u8> = (0..=u16::MAX)
            .flat_map(|u| simple_upper(u).to_le_bytes())
            .collect();
        table[2 * usize::from(b'x')..][..2].copy_from_slice(&u16::from(b'Q').to_le_bytes());
        let counted = Arc::new(Counted::new(table));
        let u = Upcase::from_source(counted.clone());
        assert!(u.is_volume_table());
        assert_eq!(u.cmp(&w("x"), &w("q")), Ordering::Equal);
        assert_eq!(u.cmp(&w("config"), &w("CONFIG")), Ordering::Equal);
        assert_eq!(counted.stats().bytes, 4096);
        assert_eq!(u.up(0x03C9), 0x03A9, "ω, in the first page too");
        assert_eq!(counted.stats().bytes, 4096);
        assert_eq!(u.up(0xFF41), 0xFF21, "fullwidth a, in the last page");
        assert_eq!(counted.stats().bytes, 8192);
    }

    #[test]
    fn a_table_of_the_wrong_size_falls_back() {
        let u = Upcase::from_source(Arc::new(vec![0u8; 1000]));
        assert!(!u.is_volume_table());
        assert_eq!(u.up(u16::from(b'a')), u16::from(b'A'));
    }
}
