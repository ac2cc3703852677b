//! AD domain join from the `SECURITY` hive (windows-image-facts §4): the LSA policy key
//! `Policy\PolPrDmS` (primary-domain SID) exists with data only on a domain member;
//! `Policy\PolPrDmN` holds the primary domain's NetBIOS name (`WORKGROUP` when not joined).
//!
//! Both are the key's default value, a self-relative LSA structure:
//! - `PolPrDmS`: a SID (revision 1, sub-authority count, 6-byte big-endian authority, then
//!   32-bit little-endian sub-authorities);
//! - `PolPrDmN`: a `UNICODE_STRING` (`u16` length, `u16` maximum length, then a buffer offset,
//!   32-bit on some builds and 64-bit on others) followed by the UTF-16LE name.

use vhdlint_container::bytes::{utf16_strict, Fields, Utf16};
use vhdlint_registry::Hive;

use super::hives::{hex, Reg};
use crate::evidence::{Evidence, Fact};
use crate::model::{Problem, WindowsFacts};

/// Key of the primary domain SID.
pub const POL_PR_DM_S: &str = r"Policy\PolPrDmS";
/// Key of the primary domain name.
pub const POL_PR_DM_N: &str = r"Policy\PolPrDmN";
/// Most sub-authorities a SID has (SID_MAX_SUB_AUTHORITIES).
pub const MAX_SUB_AUTHORITIES: usize = 15;

/// Fills `domain_joined`.
pub fn fill(w: &mut WindowsFacts, hive: &Hive, problems: &mut Vec<Problem>) {
    let reg = Reg {
        name: "SECURITY",
        hive,
    };
    let sid_key = reg.key(POL_PR_DM_S, problems);
    let sid = reg.raw_in(sid_key.as_ref(), POL_PR_DM_S, "", problems);
    let name_key = reg.key(POL_PR_DM_N, problems);
    let name = reg
        .raw_in(name_key.as_ref(), POL_PR_DM_N, "", problems)
        .map(|b| decode_unicode_string(&b).unwrap_or_else(|| hex(&b)));
    let name_evidence = name_key
        .as_ref()
        .map(|_| Evidence::registry("SECURITY", POL_PR_DM_N, "", name.clone()));

    let joined = sid.as_ref().is_some_and(|b| !b.is_empty());
    let sid_text = sid.as_ref().map(|b| {
        if b.is_empty() {
            "(empty)".to_owned()
        } else {
            decode_sid(b).unwrap_or_else(|| hex(b))
        }
    });
    let mut evidence = vec![match &sid_key {
        Some(_) => Evidence::registry("SECURITY", POL_PR_DM_S, "", sid_text),
        None => reg.key_evidence(POL_PR_DM_S, false),
    }];
    evidence.extend(name_evidence);
    w.domain_joined = Fact::with_evidence(joined, evidence);
}

/// A binary SID as `S-1-5-21-…`; `None` when the bytes are not a SID.
pub fn decode_sid(b: &[u8]) -> Option<String> {
    let revision = *b.first()?;
    let count = usize::from(*b.get(1)?);
    if revision != 1 || count > MAX_SUB_AUTHORITIES || b.len() < 8 + 4 * count {
        return None;
    }
    let authority = b
        .get(2..8)?
        .iter()
        .fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    let mut s = format!("S-{revision}-{authority}");
    for i in 0..count {
        let at = 8 + 4 * i;
        s.push_str(&format!("-{}", le_u32(b, at)?));
    }
    Some(s)
}

/// A self-relative `UNICODE_STRING` as text; `None` when no layout fits.
///
/// The buffer offset is tried as stored (32-bit at 4 or 64-bit at 8), then the header sizes 8
/// and 16; the first that puts `length` bytes inside the data wins.
pub fn decode_unicode_string(b: &[u8]) -> Option<String> {
    let len = usize::from(u16::from_le_bytes(array(b, 0)?));
    if len == 0 || len % 2 != 0 {
        return None;
    }
    let off32 = le_u32(b, 4).and_then(|n| usize::try_from(n).ok());
    let off64 = array(b, 8)
        .map(u64::from_le_bytes)
        .and_then(|n| usize::try_from(n).ok());
    let candidates = [off32, off64, Some(8), Some(16)];
    for off in candidates.into_iter().flatten() {
        if off < 8 {
            continue;
        }
        let Some(data) = off.checked_add(len).and_then(|end| b.get(off..end)) else {
            continue;
        };
        if let Some(s) = utf16_strict(data, Utf16::Le) {
            if !s.is_empty() && s.chars().all(|c| !c.is_control()) {
                return Some(s);
            }
        }
    }
    None
}

/// `N` bytes at `at`, if there (these decoders probe layouts: a field outside is "no match").
fn array<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    Fields::unplaced(b, "registry value data").array(at).ok()
}

/// A little-endian `u32` at `at`, if there.
fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Fields::unplaced(b, "registry value data").le_u32(at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_decode() {
        let mut b = vec![1, 4, 0, 0, 0, 0, 0, 5];
        for n in [21u32, 1, 2, 3] {
            b.extend_from_slice(&n.to_le_bytes());
        }
        assert_eq!(decode_sid(&b).as_deref(), Some("S-1-5-21-1-2-3"));
        assert_eq!(decode_sid(&b[..10]), None);
        assert_eq!(decode_sid(&[]), None);
    }

    #[test]
    fn unicode_strings_decode_with_32_and_64_bit_headers() {
        let name: Vec<u8> = "CONTOSO"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut b32 = vec![14, 0, 16, 0, 8, 0, 0, 0];
        b32.extend_from_slice(&name);
        assert_eq!(decode_unicode_string(&b32).as_deref(), Some("CONTOSO"));
        let mut b64 = vec![14, 0, 16, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0];
        b64.extend_from_slice(&name);
        assert_eq!(decode_unicode_string(&b64).as_deref(), Some("CONTOSO"));
        assert_eq!(decode_unicode_string(&[1, 0]), None);
    }
}
