//! Field access for on-disk structures that fails loudly, and the workspace's one UTF-16 decoder.
//!
//! A parser wraps the bytes it read in a [`Fields`] view naming the structure and where it lies
//! (the absolute offset of its first byte, when known), then reads fields at offsets relative to
//! the structure, in the manner of gimli's `ReadRef`. A field outside the bytes is an
//! [`OutOfRange`] error naming the structure and the field's absolute offset — never a zero that
//! would read as a plausible value.

use std::fmt;

/// A field that does not lie inside the bytes of its structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{structure}{}: {len}-byte field at +{at:#x} lies outside its {size} bytes", Where(*.offset))]
pub struct OutOfRange {
    /// The on-disk structure, e.g. `"VHDX region table"`.
    pub structure: &'static str,
    /// Absolute offset of the field (structure start + `at`), when the structure's place is
    /// known.
    pub offset: Option<u64>,
    /// Offset of the field inside the structure.
    pub at: usize,
    /// Size of the field.
    pub len: usize,
    /// Bytes of the structure available.
    pub size: usize,
}

/// `" at 0x…"` for a known offset, nothing otherwise.
struct Where(Option<u64>);

impl fmt::Display for Where {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(o) => write!(f, " at {o:#x}"),
            None => Ok(()),
        }
    }
}

/// Result of a field read.
pub type FieldResult<T> = Result<T, OutOfRange>;

/// The bytes of one on-disk structure, with its name and place, for checked field reads.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    buf: &'a [u8],
    structure: &'static str,
    base: Option<u64>,
}

macro_rules! field {
    ($name:ident, $ty:ty, $conv:ident) => {
        #[doc = concat!("The `", stringify!($ty), "` at `at` (", stringify!($conv), ").")]
        pub fn $name(&self, at: usize) -> FieldResult<$ty> {
            self.array(at).map(<$ty>::$conv)
        }
    };
}

impl<'a> Fields<'a> {
    /// The structure `structure` whose first byte is at absolute offset `base`.
    pub fn new(buf: &'a [u8], structure: &'static str, base: u64) -> Self {
        Fields {
            buf,
            structure,
            base: Some(base),
        }
    }

    /// A structure whose place is not known (a value's data, a test buffer).
    pub fn unplaced(buf: &'a [u8], structure: &'static str) -> Self {
        Fields {
            buf,
            structure,
            base: None,
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Absolute offset of byte `at` of the structure, when known.
    pub fn offset_of(&self, at: usize) -> Option<u64> {
        self.base
            .and_then(|b| u64::try_from(at).ok().and_then(|a| b.checked_add(a)))
    }

    /// The error for a field of `len` bytes at `at`.
    pub fn out_of_range(&self, at: usize, len: usize) -> OutOfRange {
        OutOfRange {
            structure: self.structure,
            offset: self.offset_of(at),
            at,
            len,
            size: self.buf.len(),
        }
    }

    /// The bytes `at..at + len`.
    pub fn slice(&self, at: usize, len: usize) -> FieldResult<&'a [u8]> {
        at.checked_add(len)
            .and_then(|end| self.buf.get(at..end))
            .ok_or_else(|| self.out_of_range(at, len))
    }

    /// The `N` bytes at `at`.
    pub fn array<const N: usize>(&self, at: usize) -> FieldResult<[u8; N]> {
        self.slice(at, N)
            .and_then(|s| <[u8; N]>::try_from(s).map_err(|_| self.out_of_range(at, N)))
    }

    /// The byte at `at`.
    pub fn u8(&self, at: usize) -> FieldResult<u8> {
        self.array::<1>(at).map(|[b]| b)
    }

    /// The sub-structure `at..at + len`, named `structure`, placed relative to this one.
    pub fn sub(&self, at: usize, len: usize, structure: &'static str) -> FieldResult<Fields<'a>> {
        Ok(Fields {
            buf: self.slice(at, len)?,
            structure,
            base: self.offset_of(at),
        })
    }

    field!(le_u16, u16, from_le_bytes);
    field!(le_u32, u32, from_le_bytes);
    field!(le_u64, u64, from_le_bytes);
    field!(be_u16, u16, from_be_bytes);
    field!(be_u32, u32, from_be_bytes);
    field!(be_u64, u64, from_be_bytes);
}

/// Printable text of a signature, for error messages.
pub fn lossy(sig: &[u8]) -> String {
    sig.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// Byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian (Windows' on-disk order).
    Le,
    /// Big-endian (VHD parent names, BOM `FE FF` text files).
    Be,
}

/// UTF-16 bytes as code units (a trailing odd byte is dropped). The one UTF-16 decoder of the
/// workspace: every text decode goes through it.
pub fn u16_units(buf: &[u8], order: Utf16) -> Vec<u16> {
    buf.chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(match order {
            Utf16::Le => u16::from_le_bytes,
            Utf16::Be => u16::from_be_bytes,
        })
        .collect()
}

/// UTF-16LE bytes as code units (a trailing odd byte is dropped).
pub fn u16le_units(buf: &[u8]) -> Vec<u16> {
    u16_units(buf, Utf16::Le)
}

/// UTF-16 bytes as text, invalid sequences replaced by U+FFFD.
pub fn utf16_lossy(buf: &[u8], order: Utf16) -> String {
    String::from_utf16_lossy(&u16_units(buf, order))
}

/// UTF-16 bytes as text, `None` when they are not valid UTF-16.
pub fn utf16_strict(buf: &[u8], order: Utf16) -> Option<String> {
    String::from_utf16(&u16_units(buf, order)).ok()
}

/// Decodes UTF-16 bytes up to the first NUL (lossy).
pub fn utf16_nul_terminated(buf: &[u8], order: Utf16) -> String {
    let mut units = u16_units(buf, order);
    if let Some(nul) = units.iter().position(|&u| u == 0) {
        units.truncate(nul);
    }
    String::from_utf16_lossy(&units)
}

/// Decodes UTF-16LE bytes up to the first NUL.
pub fn utf16le(buf: &[u8]) -> String {
    utf16_nul_terminated(buf, Utf16::Le)
}

/// Decodes UTF-16BE bytes up to the first NUL.
pub fn utf16be(buf: &[u8]) -> String {
    utf16_nul_terminated(buf, Utf16::Be)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_in_range() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let f = Fields::new(&b, "test structure", 0x1000);
        assert_eq!(f.le_u32(0), Ok(0x0403_0201));
        assert_eq!(f.be_u16(6), Ok(0x0708));
        assert_eq!(f.u8(7), Ok(8));
        assert_eq!(f.slice(2, 2), Ok(&[3u8, 4][..]));
        let sub = f.sub(4, 4, "inner").unwrap();
        assert_eq!(sub.le_u16(2), Ok(0x0807));
        assert_eq!(sub.offset_of(2), Some(0x1006));
    }

    #[test]
    fn out_of_range_names_structure_and_absolute_offset() {
        let b = [0u8; 8];
        let f = Fields::new(&b, "VHDX region table", 0x3_0000);
        let e = f.le_u64(1).unwrap_err();
        assert_eq!(e.structure, "VHDX region table");
        assert_eq!(e.offset, Some(0x3_0001));
        assert_eq!((e.at, e.len, e.size), (1, 8, 8));
        assert_eq!(
            e.to_string(),
            "VHDX region table at 0x30001: 8-byte field at +0x1 lies outside its 8 bytes"
        );
        assert!(f.le_u16(usize::MAX).is_err());
        assert!(f.array::<2>(7).is_err());
        assert!(f.slice(8, 1).is_err());
        assert!(f.sub(6, 4, "inner").is_err());
        let u = Fields::unplaced(&b, "value data");
        assert_eq!(u.le_u32(6).unwrap_err().offset, None);
        assert_eq!(
            u.le_u32(6).unwrap_err().to_string(),
            "value data: 4-byte field at +0x6 lies outside its 8 bytes"
        );
    }

    #[test]
    fn utf16() {
        assert_eq!(utf16le(&[b'a', 0, b'b', 0, 0, 0, b'c', 0]), "ab");
        assert_eq!(utf16be(&[0, b'x', 0, b'y']), "xy");
        assert_eq!(utf16_lossy(&[b'a', 0, 0, 0, b'c', 0], Utf16::Le), "a\0c");
        assert_eq!(
            utf16_strict(&[0x00, 0xD8], Utf16::Le),
            None,
            "lone surrogate"
        );
        assert_eq!(u16le_units(&[1, 0, 2]), vec![1], "odd byte dropped");
    }
}
