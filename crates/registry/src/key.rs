//! Key nodes (`nk`) and subkey lists (`lf`, `lh`, `li`, `ri`) (spec §Key node, §Subkeys list).
//!
//! Budgets: [`MAX_SUBKEYS`], [`MAX_VALUES`], [`MAX_LIST_DEPTH`], [`MAX_KEY_DEPTH`], and the
//! hive's cell-byte work budget (`crate::hive`). Aliasing: a subkey list is owned by one key, so
//! a key whose subkey list is its parent's or an ancestor's (a lookup path that would read the
//! same list at every level), two sibling keys sharing one list, and a value list naming the
//! same value twice are refused ([`RegistryError::Aliased`], naming both offsets).

use std::collections::HashSet;
use std::sync::Arc;

use vhdlint_container::bytes::{lossy, utf16_lossy, Utf16};

use crate::base_block::BASE_BLOCK_LEN;
use crate::error::{RegistryError, Result};
use crate::hive::{HiveInner, CELL_NIL};
use crate::value::Value;

/// Most subkeys read from one key's subkey lists. Windows allows far fewer in practice (the
/// largest real keys, e.g. `Classes`, hold a few 10^5); bounds a hostile list's output.
pub const MAX_SUBKEYS: usize = 1 << 20;
/// Most values read from one key's value list (same reasoning as [`MAX_SUBKEYS`]).
pub const MAX_VALUES: u32 = 1 << 20;
/// Deepest nesting of subkey lists: a key's list is a leaf (`lf`/`lh`/`li`) or an index root
/// (`ri`) of leaves (spec §Index root), so 2; a little slack for tolerant readers.
pub const MAX_LIST_DEPTH: u32 = 4;
/// Deepest key below the root: Windows limits the registry tree to 512 levels (Microsoft,
/// "Registry element size limits"). Reading a subkey deeper than this is a loop.
pub const MAX_KEY_DEPTH: usize = 512;

/// Key-node flag: the name is stored in "compressed" (Latin-1) form (spec §Key node, `KEY_COMP_NAME`).
pub const KEY_COMP_NAME: u16 = 0x20;
/// Size of the fixed part of a key node, up to the name (spec §Key node).
const NK_FIXED: usize = 76;

/// Hint stored beside a subkey-list entry; used only to try likely entries first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    None,
    /// `lf`: the first four name characters.
    Lf([u8; 4]),
    /// `lh`: the uppercase name hash.
    Lh(u32),
}

/// A registry key (an `nk` cell), bound to its hive.
#[derive(Clone)]
pub struct Key {
    hive: Arc<HiveInner>,
    offset: u32,
    /// The keys above, root first: (key-node offset, its subkey-list offset).
    ancestors: Arc<Vec<(u32, u32)>>,
    name: String,
    flags: u16,
    last_written: u64,
    subkey_count: u32,
    subkey_list: u32,
    value_count: u32,
    value_list: u32,
    security: u32,
    class_offset: u32,
    class_len: u16,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .field("subkey_count", &self.subkey_count)
            .field("value_count", &self.value_count)
            .finish()
    }
}

impl Key {
    /// Reads the key node at hive-bins offset `offset`, reached through `ancestors`.
    pub(crate) fn read(
        hive: &Arc<HiveInner>,
        offset: u32,
        ancestors: Arc<Vec<(u32, u32)>>,
    ) -> Result<Key> {
        const S: &str = "key node (nk)";
        let file_off = BASE_BLOCK_LEN + u64::from(offset);
        let d = hive.signed_cell(offset, S, "nk", NK_FIXED)?;
        let f = hive.fields(&d, offset, S);
        let flags = f.le_u16(2)?;
        let name_len = usize::from(f.le_u16(72)?);
        let raw_name = d
            .get(NK_FIXED..NK_FIXED + name_len)
            .ok_or(RegistryError::Truncated {
                structure: S,
                offset: file_off,
                needed: (NK_FIXED + name_len) as u64,
                available: d.len() as u64,
            })?;
        let name = decode_name(raw_name, flags & KEY_COMP_NAME != 0);
        Ok(Key {
            hive: Arc::clone(hive),
            offset,
            ancestors,
            name,
            flags,
            last_written: f.le_u64(4)?,
            subkey_count: f.le_u32(20)?,
            subkey_list: f.le_u32(28)?,
            value_count: f.le_u32(36)?,
            value_list: f.le_u32(40)?,
            security: f.le_u32(44)?,
            class_offset: f.le_u32(48)?,
            class_len: f.le_u16(74)?,
        })
    }

    /// The key's name (the root's name is whatever the hive's creator chose).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Offset of the key's cell, relative to the start of the hive bins.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// Offset of the key's cell in the hive file.
    pub fn file_offset(&self) -> u64 {
        BASE_BLOCK_LEN + u64::from(self.offset)
    }

    /// Last-written time (FILETIME: 100 ns since 1601-01-01 UTC).
    pub fn last_written(&self) -> u64 {
        self.last_written
    }

    /// Key-node flags (spec §Key node, e.g. [`KEY_COMP_NAME`], 0x4 root key).
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// Number of (stable) subkeys the key node records.
    pub fn subkey_count(&self) -> u32 {
        self.subkey_count
    }

    /// Number of values the key node records.
    pub fn value_count(&self) -> u32 {
        self.value_count
    }

    /// Offset of the key's subkey list cell, when it has subkeys.
    pub fn subkey_list_offset(&self) -> Option<u32> {
        (self.subkey_count != 0 && self.subkey_list != CELL_NIL).then_some(self.subkey_list)
    }

    /// Offset of the key's security (`sk`) cell, if any (not parsed).
    pub fn security_offset(&self) -> Option<u32> {
        (self.security != CELL_NIL).then_some(self.security)
    }

    /// Levels below the root (0 for the root).
    pub fn depth(&self) -> usize {
        self.ancestors.len()
    }

    /// The class name (UTF-16LE), if the key has one.
    pub fn class_name(&self) -> Result<Option<String>> {
        if self.class_offset == CELL_NIL || self.class_len == 0 {
            return Ok(None);
        }
        let d = self.hive.cell(self.class_offset, "class name")?;
        let len = usize::from(self.class_len);
        let raw = d.get(..len).ok_or(RegistryError::Truncated {
            structure: "class name",
            offset: BASE_BLOCK_LEN + u64::from(self.class_offset),
            needed: len as u64,
            available: d.len() as u64,
        })?;
        Ok(Some(decode_name(raw, false)))
    }

    /// The entries of the key's subkey lists, in list order.
    fn subkey_entries(&self) -> Result<Vec<(u32, Hint)>> {
        let mut out = Vec::new();
        if self.subkey_count == 0 || self.subkey_list == CELL_NIL {
            return Ok(out);
        }
        let mut visited = HashSet::new();
        collect_list(&self.hive, self.subkey_list, 0, &mut visited, &mut out)?;
        Ok(out)
    }

    /// The chain a child of this key is reached through.
    fn child_chain(&self) -> Arc<Vec<(u32, u32)>> {
        let mut chain = Vec::with_capacity(self.ancestors.len() + 1);
        chain.extend_from_slice(&self.ancestors);
        chain.push((self.offset, self.subkey_list));
        Arc::new(chain)
    }

    /// Refuses `child` when its subkey list is one of the lists above it (this key's or an
    /// ancestor's): the format gives each list to one key.
    fn check_child_list(&self, child: &Key) -> Result<()> {
        if child.subkey_count == 0 || child.subkey_list == CELL_NIL {
            return Ok(());
        }
        let above = std::iter::once((self.offset, self.subkey_list, self.subkey_count))
            .chain(self.ancestors.iter().map(|&(o, l)| (o, l, 1)));
        for (owner, list, count) in above {
            if count != 0 && list == child.subkey_list {
                return Err(RegistryError::Aliased {
                    structure: "subkey list",
                    offset: BASE_BLOCK_LEN + u64::from(list),
                    what: "also the subkey list of the key node above it at",
                    first: BASE_BLOCK_LEN + u64::from(owner),
                });
            }
        }
        Ok(())
    }

    fn child(&self, offset: u32) -> Result<Key> {
        if offset == self.offset || self.ancestors.iter().any(|&(o, _)| o == offset) {
            return Err(RegistryError::LoopDetected {
                structure: "key node (nk)",
                offset: BASE_BLOCK_LEN + u64::from(offset),
            });
        }
        if self.ancestors.len() >= MAX_KEY_DEPTH {
            return Err(RegistryError::TooLarge {
                structure: "key node (nk)",
                offset: BASE_BLOCK_LEN + u64::from(offset),
                what: "key depth",
                actual: self.ancestors.len() as u64 + 1,
                limit: MAX_KEY_DEPTH as u64,
            });
        }
        let key = Key::read(&self.hive, offset, self.child_chain())?;
        self.check_child_list(&key)?;
        Ok(key)
    }

    /// All subkeys, in list order (sorted by uppercase name in a well-formed hive).
    pub fn subkeys(&self) -> Result<Vec<Key>> {
        let entries = self.subkey_entries()?;
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let chain = self.child_chain();
        if self.ancestors.len() >= MAX_KEY_DEPTH {
            return Err(RegistryError::TooLarge {
                structure: "key node (nk)",
                offset: self.file_offset(),
                what: "key depth",
                actual: self.ancestors.len() as u64 + 1,
                limit: MAX_KEY_DEPTH as u64,
            });
        }
        let mut seen = HashSet::with_capacity(entries.len());
        // Subkey list -> the sibling that owns it: two siblings never share one.
        let mut lists = std::collections::HashMap::new();
        let mut value_lists = std::collections::HashMap::new();
        let mut keys = Vec::with_capacity(entries.len());
        for (off, _) in entries {
            if off == self.offset || chain.iter().any(|&(o, _)| o == off) || !seen.insert(off) {
                return Err(RegistryError::LoopDetected {
                    structure: "subkey list entry",
                    offset: BASE_BLOCK_LEN + u64::from(off),
                });
            }
            let key = Key::read(&self.hive, off, Arc::clone(&chain))?;
            self.check_child_list(&key)?;
            if key.subkey_count != 0 && key.subkey_list != CELL_NIL {
                if let Some(first) = lists.insert(key.subkey_list, off) {
                    return Err(RegistryError::Aliased {
                        structure: "subkey list",
                        offset: BASE_BLOCK_LEN + u64::from(key.subkey_list),
                        what: "subkey list of two sibling keys; the other key node is at",
                        first: BASE_BLOCK_LEN + u64::from(first),
                    });
                }
            }
            if key.value_count != 0 && key.value_list != CELL_NIL {
                if let Some(first) = value_lists.insert(key.value_list, off) {
                    return Err(RegistryError::Aliased {
                        structure: "value list",
                        offset: BASE_BLOCK_LEN + u64::from(key.value_list),
                        what: "value list of two sibling keys; the other key node is at",
                        first: BASE_BLOCK_LEN + u64::from(first),
                    });
                }
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// The subkey called `name` (case-insensitive), found as Windows finds it: entries whose
    /// `lf`/`lh` hint matches are read first, and an entry whose hint rules the name out is not
    /// read at all (a lookup of a missing key under `Services` reads the list, not 700 key
    /// nodes). Hints are trusted only where they are exact: for an ASCII `name` (whose `lh` hash
    /// and `lf` prefix do not depend on upcase tables), and when the hint is present (not zero).
    /// Otherwise every entry is read and compared by name.
    ///
    /// Not a binary search, although `lf`/`lh` lists are sorted (issue 12 asked for one): the
    /// list cell is read whole either way, and the hint filter then reads one key node for a
    /// hit and none for a miss, where a binary search reads log2(n) nodes, and trusts an order
    /// (Windows' upcase collation) that a third-party or crafted hive need not keep — a wrong
    /// turn would miss a key and change a verdict. Work stays linear in the list's bytes and
    /// under the hive's work budget.
    pub fn subkey(&self, name: &str) -> Result<Option<Key>> {
        let entries = self.subkey_entries()?;
        // Two passes over the entries (no copies): hint matches first, then the entries whose
        // hint neither matches nor rules the name out.
        let likely = entries.iter().filter(|(_, h)| hint_matches(*h, name));
        let rest = entries
            .iter()
            .filter(|(_, h)| !hint_matches(*h, name) && !hint_excludes(*h, name));
        for &(off, _) in likely.chain(rest) {
            let key = self.child(off)?;
            if names_equal(key.name(), name) {
                return Ok(Some(key));
            }
        }
        Ok(None)
    }

    /// Offsets of the key's value cells.
    fn value_offsets(&self) -> Result<Vec<u32>> {
        const S: &str = "value list";
        if self.value_count == 0 || self.value_list == CELL_NIL {
            return Ok(Vec::new());
        }
        let file_off = BASE_BLOCK_LEN + u64::from(self.value_list);
        if self.value_count > MAX_VALUES {
            return Err(RegistryError::TooLarge {
                structure: S,
                offset: file_off,
                what: "value count",
                actual: u64::from(self.value_count),
                limit: u64::from(MAX_VALUES),
            });
        }
        let d = self.hive.cell(self.value_list, S)?;
        let needed = u64::from(self.value_count) * 4;
        if needed > d.len() as u64 {
            return Err(RegistryError::Truncated {
                structure: S,
                offset: file_off,
                needed,
                available: d.len() as u64,
            });
        }
        let f = self.hive.fields(&d, self.value_list, S);
        let offsets: Vec<u32> = (0..self.value_count as usize)
            .map(|i| f.le_u32(i * 4))
            .collect::<Result<_, _>>()?;
        // A value belongs to one key once: a list naming a value twice is refused (by a sorted
        // copy, O(n log n), 4 bytes an entry).
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w.first() == w.get(1)) {
            let vk = w.first().copied().unwrap_or_default();
            return Err(RegistryError::Aliased {
                structure: "key value (vk)",
                offset: BASE_BLOCK_LEN + u64::from(vk),
                what: "value named twice by the value list at",
                first: file_off,
            });
        }
        Ok(offsets)
    }

    /// All values, in list order.
    pub fn values(&self) -> Result<Vec<Value>> {
        self.value_offsets()?
            .into_iter()
            .map(|off| Value::read(&self.hive, off))
            .collect()
    }

    /// The value called `name` (case-insensitive; `""` is the default value).
    pub fn value(&self, name: &str) -> Result<Option<Value>> {
        for off in self.value_offsets()? {
            let v = Value::read(&self.hive, off)?;
            if names_equal(v.name(), name) {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

/// Appends the entries of the subkey list at `list` (recursing through `ri` index roots).
fn collect_list(
    hive: &HiveInner,
    list: u32,
    depth: u32,
    visited: &mut HashSet<u32>,
    out: &mut Vec<(u32, Hint)>,
) -> Result<()> {
    const S: &str = "subkey list";
    let file_off = BASE_BLOCK_LEN + u64::from(list);
    if depth >= MAX_LIST_DEPTH || !visited.insert(list) {
        return Err(RegistryError::LoopDetected {
            structure: S,
            offset: file_off,
        });
    }
    let d = hive.cell(list, S)?;
    let f = hive.fields(&d, list, S);
    let sig = f.slice(0, 2)?;
    let count = usize::from(f.le_u16(2)?);
    let entry_len = match sig {
        b"lf" | b"lh" => 8,
        b"li" | b"ri" => 4,
        _ => {
            return Err(RegistryError::InvalidSignature {
                structure: S,
                offset: file_off,
                expected: "lf, lh, li or ri",
                actual: lossy(sig),
            })
        }
    };
    let needed = 4 + count * entry_len;
    if needed > d.len() {
        return Err(RegistryError::Truncated {
            structure: S,
            offset: file_off,
            needed: needed as u64,
            available: d.len() as u64,
        });
    }
    for i in 0..count {
        let at = 4 + i * entry_len;
        let off = f.le_u32(at)?;
        let hint = match sig {
            b"lf" => Hint::Lf(f.array::<4>(at + 4)?),
            b"lh" => Hint::Lh(f.le_u32(at + 4)?),
            _ => Hint::None,
        };
        if sig == b"ri" {
            collect_list(hive, off, depth + 1, visited, out)?;
        } else {
            if out.len() >= MAX_SUBKEYS {
                return Err(RegistryError::TooLarge {
                    structure: S,
                    offset: file_off,
                    what: "subkey count",
                    actual: out.len() as u64 + 1,
                    limit: MAX_SUBKEYS as u64,
                });
            }
            out.push((off, hint));
        }
    }
    Ok(())
}

/// Decodes a key or value name: Latin-1 when `compressed`, else UTF-16LE (lossy).
pub(crate) fn decode_name(raw: &[u8], compressed: bool) -> String {
    if compressed {
        raw.iter().map(|&b| char::from(b)).collect()
    } else {
        utf16_lossy(raw, Utf16::Le)
    }
}

/// Case-insensitive name comparison (Unicode uppercase, close to Windows' upcase table).
pub fn names_equal(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}

fn upcase_unit(u: u16) -> u32 {
    if let Ok(b) = u8::try_from(u) {
        if b.is_ascii() {
            return u32::from(b.to_ascii_uppercase());
        }
    }
    char::from_u32(u32::from(u))
        .and_then(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(x), None) if (x as u32) <= 0xFFFF => Some(x as u32),
                _ => None,
            }
        })
        .unwrap_or(u32::from(u))
}

/// The `lh` hash of a name (spec §Hash leaf): `h = h * 37 + upcase(c)` over UTF-16 units.
pub(crate) fn lh_hash(name: &str) -> u32 {
    name.encode_utf16()
        .fold(0u32, |h, u| h.wrapping_mul(37).wrapping_add(upcase_unit(u)))
}

fn hint_matches(hint: Hint, name: &str) -> bool {
    match hint {
        Hint::None => false,
        Hint::Lh(h) => h == lh_hash(name),
        Hint::Lf(stored) => {
            let mut want = [0u8; 4];
            for (slot, u) in want.iter_mut().zip(name.encode_utf16()) {
                *slot = (u as u8).to_ascii_uppercase();
            }
            stored.map(|b| b.to_ascii_uppercase()) == want
        }
    }
}

/// True when `hint` proves the entry is not `name`: an `lh` hash or `lf` prefix that is present
/// and differs, for an ASCII name (exact, as Windows compares it). A zero hint is absent.
fn hint_excludes(hint: Hint, name: &str) -> bool {
    if !name.is_ascii() {
        return false;
    }
    match hint {
        Hint::None | Hint::Lh(0) | Hint::Lf([0, 0, 0, 0]) => false,
        Hint::Lh(_) => !hint_matches(hint, name),
        // A byte above 0x7F is a non-ASCII name's prefix, which could upcase to ASCII.
        Hint::Lf(stored) => stored.iter().all(u8::is_ascii) && !hint_matches(hint, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hashes() {
        assert!(names_equal("ControlSet001", "CONTROLSET001"));
        assert!(names_equal("straße", "STRASSE"));
        assert!(!names_equal("a", "ab"));
        assert_eq!(decode_name(b"Ab\xe9", true), "Abé");
        assert_eq!(decode_name(&[0x41, 0, 0x3a9_u16 as u8, 0x03], false), "AΩ");
        // "A" = 0x41; "AB" = 0x41 * 37 + 0x42.
        assert_eq!(lh_hash("a"), 0x41);
        assert_eq!(lh_hash("ab"), 0x41 * 37 + 0x42);
        assert!(hint_matches(Hint::Lf(*b"Cont"), "control"));
        assert!(hint_matches(Hint::Lf([b'a', 0, 0, 0]), "A"));
    }

    #[test]
    fn only_present_exact_hints_rule_entries_out() {
        assert!(hint_excludes(Hint::Lh(lh_hash("Tcpip")), "Dhcp"));
        assert!(!hint_excludes(Hint::Lh(lh_hash("Tcpip")), "TCPIP"));
        assert!(!hint_excludes(Hint::Lh(0), "Dhcp"), "zero: no hint");
        assert!(!hint_excludes(Hint::None, "Dhcp"));
        assert!(
            !hint_excludes(Hint::Lh(lh_hash("Tcpip")), "Dhcpé"),
            "non-ASCII name"
        );
        assert!(hint_excludes(Hint::Lf(*b"Tcpi"), "Dhcp"));
        assert!(!hint_excludes(Hint::Lf(*b"TCPI"), "tcpip"));
        assert!(!hint_excludes(Hint::Lf([0xC4, b'b', b'c', 0]), "abc"));
        assert!(!hint_excludes(Hint::Lf([0; 4]), "abc"));
    }
}
