//! Text files Windows writes in several encodings: UTF-8 or UTF-16 (LE/BE) with a byte-order
//! mark, UTF-16 without one (detected by the zero bytes of ASCII text), UTF-8 without one, or the
//! ANSI code page (decoded as windows-1252, the code page of the en-US logs these are read for).
//! Decoding is done by `encoding_rs`; malformed sequences become U+FFFD, never an error.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// How many leading bytes the BOM-less UTF-16 sniff looks at.
pub const SNIFF_BYTES: usize = 1024;

/// The encoding a text was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 with a BOM.
    Utf8Bom,
    /// UTF-8 without a BOM (valid UTF-8, so ASCII too).
    Utf8,
    /// UTF-16LE with a BOM.
    Utf16LeBom,
    /// UTF-16BE with a BOM.
    Utf16BeBom,
    /// UTF-16LE without a BOM.
    Utf16Le,
    /// UTF-16BE without a BOM.
    Utf16Be,
    /// Not UTF-8: the ANSI code page, taken as windows-1252.
    Ansi,
}

/// Decodes `bytes` (BOM removed).
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let kind = if enc == UTF_8 {
            TextEncoding::Utf8Bom
        } else if enc == UTF_16LE {
            TextEncoding::Utf16LeBom
        } else {
            TextEncoding::Utf16BeBom
        };
        let body = bytes.get(bom_len..).unwrap_or_default();
        return (enc.decode_without_bom_handling(body).0.into_owned(), kind);
    }
    let head = bytes
        .get(..SNIFF_BYTES.min(bytes.len()))
        .unwrap_or_default();
    let (mut even_zero, mut odd_zero) = (0usize, 0usize);
    for (i, b) in head.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even_zero += 1;
            } else {
                odd_zero += 1;
            }
        }
    }
    let pairs = head.len() / 2;
    // ASCII text in UTF-16 has a zero in (nearly) every other byte.
    if pairs >= 2 && odd_zero * 10 >= pairs * 7 && even_zero * 10 < pairs {
        return (
            UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(),
            TextEncoding::Utf16Le,
        );
    }
    if pairs >= 2 && even_zero * 10 >= pairs * 7 && odd_zero * 10 < pairs {
        return (
            UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(),
            TextEncoding::Utf16Be,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => (
            WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            TextEncoding::Ansi,
        ),
    }
}

/// [`decode`]'s text alone.
pub fn decode_text(bytes: &[u8]) -> String {
    decode(bytes).0
}

/// Decodes the XML predefined entities and character references (one pass, linear).
pub fn unescape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let tail = rest.get(amp..).unwrap_or("");
        let decoded = tail
            .get(..tail.len().min(12))
            .and_then(|head| head.find(';'))
            .and_then(|semi| {
                let entity = tail.get(1..semi)?;
                let c = match entity {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    e => e
                        .strip_prefix("#x")
                        .or_else(|| e.strip_prefix("#X"))
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                }?;
                Some((c, semi))
            });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = tail.get(semi + 1..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn every_encoding_windows_writes_decodes_to_the_same_text() {
        let s = "2024-01-01 10:00:00, Info SYSPRP caf\u{e9} ok\r\n";
        assert_eq!(
            decode(&utf16le(s, true)),
            (s.to_string(), TextEncoding::Utf16LeBom)
        );
        assert_eq!(
            decode(&utf16le(s, false)),
            (s.to_string(), TextEncoding::Utf16Le)
        );
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(decode(&be), (s.to_string(), TextEncoding::Utf16Be));
        let mut bom8 = vec![0xef, 0xbb, 0xbf];
        bom8.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom8), (s.to_string(), TextEncoding::Utf8Bom));
        assert_eq!(decode(s.as_bytes()), (s.to_string(), TextEncoding::Utf8));
        // windows-1252: é is 0xe9, not valid UTF-8.
        let ansi: Vec<u8> = s
            .chars()
            .map(|c| if c == '\u{e9}' { 0xe9 } else { c as u8 })
            .collect();
        assert_eq!(decode(&ansi), (s.to_string(), TextEncoding::Ansi));
        // Odd lengths and lone bytes do not panic.
        for cut in [&[0xffu8][..], &[0xff, 0xfe, 0x41], &[0x41, 0x00, 0x42]] {
            let _ = decode(cut);
        }
    }
}

// tests of unescape_xml
#[cfg(test)]
mod unescape_tests {
    use super::*;

    #[test]
    fn encodings_and_entities() {
        let le: Vec<u8> = "<a>é</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode_text(&le), "<a>é</a>");
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert_eq!(decode_text(&bom), "<a>é</a>");
        assert_eq!(decode_text(b"\xEF\xBB\xBFx"), "x");
        assert_eq!(unescape_xml("a&lt;b&#65;&#x42;&bogus;&"), "a<bAB&bogus;&");
    }
}
