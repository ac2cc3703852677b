//! Text decoding of small files: UTF-8 or UTF-16 (LE/BE), with or without a byte-order mark.

/// Decodes `bytes`: a BOM decides; without one, UTF-16LE when the first 512 bytes look like it
/// (NULs in the odd positions only), else UTF-8 (lossy).
pub fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |b: &[u8], be: bool| {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .filter_map(|c| <[u8; 2]>::try_from(c).ok())
            .map(|c| {
                if be {
                    u16::from_be_bytes(c)
                } else {
                    u16::from_le_bytes(c)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let sample = bytes.get(..bytes.len().min(512)).unwrap_or(bytes);
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let even_nuls = sample.iter().step_by(2).filter(|b| **b == 0).count();
    if sample.len() >= 4 && odd_nuls * 2 > sample.len() / 2 && even_nuls == 0 {
        return utf16(bytes, false);
    }
    String::from_utf8_lossy(bytes).into_owned()
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
