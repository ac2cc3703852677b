//! GUIDs as stored on disk.

use std::fmt;

/// A 16-byte GUID as stored in the file (MS-DTYP layout: Data1..Data3 little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// The all-zero GUID.
    pub const ZERO: Guid = Guid([0; 16]);

    /// True for the all-zero GUID.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, with or without braces.
    pub fn parse(text: &str) -> Option<Guid> {
        let t = text.trim().trim_start_matches('{').trim_end_matches('}');
        let hex: String = t.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 || t.len() != 36 {
            return None;
        }
        let mut be = [0u8; 16];
        for (i, b) in be.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        let [a0, a1, a2, a3, b0, b1, c0, c1, rest @ ..] = be;
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&[a3, a2, a1, a0, b1, b0, c1, c0]);
        out[8..].copy_from_slice(&rest);
        Some(Guid(out))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let d1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let d2 = u16::from_le_bytes([b[4], b[5]]);
        let d3 = u16::from_le_bytes([b[6], b[7]]);
        write!(f, "{d1:08x}-{d2:04x}-{d3:04x}-{:02x}{:02x}-", b[8], b[9])?;
        for x in &b[10..] {
            write!(f, "{x:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{self}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_ms_layout() {
        // VHDX BAT region GUID as MS-VHDX writes it and its on-disk bytes.
        let g = Guid::parse("2DC27766-F623-4200-9D64-115E9BFD4A08").unwrap();
        assert_eq!(
            g.0,
            [
                0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD,
                0x4A, 0x08
            ]
        );
        assert_eq!(g.to_string(), "2dc27766-f623-4200-9d64-115e9bfd4a08");
        assert_eq!(Guid::parse(&format!("{g:?}")), Some(g));
        assert_eq!(Guid::parse("not-a-guid"), None);
    }
}
