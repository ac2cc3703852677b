//! Panic-free field access for fixed-size on-disk structures.
//!
//! Callers read a structure into a buffer of known size and pick fields at constant offsets; an
//! offset outside the buffer (a programming error, never image data) yields zero rather than a
//! panic, and unit tests on real structures catch it.

macro_rules! field {
    ($name:ident, $ty:ty, $conv:ident) => {
        /// Reads the field at `at`; zero when the buffer is too short.
        pub fn $name(buf: &[u8], at: usize) -> $ty {
            const N: usize = std::mem::size_of::<$ty>();
            at.checked_add(N)
                .and_then(|end| buf.get(at..end))
                .and_then(|s| <[u8; N]>::try_from(s).ok())
                .map_or(0, <$ty>::$conv)
        }
    };
}

field!(le_u16, u16, from_le_bytes);
field!(le_u32, u32, from_le_bytes);
field!(le_u64, u64, from_le_bytes);
field!(be_u16, u16, from_be_bytes);
field!(be_u32, u32, from_be_bytes);
field!(be_u64, u64, from_be_bytes);

/// The `N` bytes at `at`; zeros when the buffer is too short.
pub fn array<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .unwrap_or([0; N])
}

/// The bytes `at..at+len`, or an empty slice when out of range.
pub fn slice(buf: &[u8], at: usize, len: usize) -> &[u8] {
    at.checked_add(len)
        .and_then(|end| buf.get(at..end))
        .unwrap_or(&[])
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

/// UTF-16LE bytes as code units (a trailing odd byte is dropped).
pub fn u16le_units(buf: &[u8]) -> Vec<u16> {
    buf.chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_le_bytes)
        .collect()
}

/// Decodes UTF-16LE bytes up to the first NUL.
pub fn utf16le(buf: &[u8]) -> String {
    let mut units = u16le_units(buf);
    if let Some(nul) = units.iter().position(|&u| u == 0) {
        units.truncate(nul);
    }
    String::from_utf16_lossy(&units)
}

/// Decodes UTF-16BE bytes up to the first NUL.
pub fn utf16be(buf: &[u8]) -> String {
    let units: Vec<u16> = buf
        .chunks_exact(2)
        .map(|c| {
            u16::from_be_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_out_of_range() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(le_u32(&b, 0), 0x0403_0201);
        assert_eq!(be_u16(&b, 6), 0x0708);
        assert_eq!(le_u64(&b, 1), 0, "too short reads as zero");
        assert_eq!(le_u16(&b, usize::MAX), 0);
        assert_eq!(array::<2>(&b, 7), [0, 0]);
        assert_eq!(utf16le(&[b'a', 0, b'b', 0, 0, 0, b'c', 0]), "ab");
        assert_eq!(utf16be(&[0, b'x', 0, b'y']), "xy");
    }
}
