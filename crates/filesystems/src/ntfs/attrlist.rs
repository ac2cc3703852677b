//! `$ATTRIBUTE_LIST` (NTFS on-disk format "Attribute list entry"): when a file's attributes do
//! not fit its base record, this lists every attribute record — type, name, starting VCN, the
//! file record holding it, its instance id — so that pieces in extension records can be found.

use vhdlint_container::bytes::Fields;

use super::fault::AttrListError;

use super::attribute::utf16;
use super::record::REF_MASK;

/// Largest attribute-list value read: 4 MiB. Each entry takes at least 0x20 bytes, so this allows
/// 131,072 entries — far more than the few thousand of the most fragmented real files.
pub const MAX_ATTRIBUTE_LIST: u64 = 4 << 20;

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListEntry {
    pub ty: u32,
    pub name: String,
    pub start_vcn: u64,
    /// File record number holding the attribute.
    pub record: u64,
    pub id: u16,
}

/// Parses the list value.
/// (The value may be non-resident: its place on the volume is not one offset.)
pub(crate) fn parse(value: &[u8]) -> Result<Vec<ListEntry>, AttrListError> {
    let f = Fields::unplaced(value, "NTFS $ATTRIBUTE_LIST");
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 0x1A <= value.len() {
        let ty = f.le_u32(pos)?;
        if ty == super::attribute::END || ty == 0 {
            break;
        }
        let len = usize::from(f.le_u16(pos + 4)?);
        if len < 0x1A || pos + len > value.len() {
            return Err(AttrListError::InvalidLength { at: pos, len });
        }
        let name_len = usize::from(f.u8(pos + 6)?);
        let name_off = usize::from(f.u8(pos + 7)?);
        let name = if name_len == 0 {
            String::new()
        } else {
            utf16(
                value
                    .get(pos + name_off..pos + name_off + 2 * name_len)
                    .filter(|_| name_off + 2 * name_len <= len)
                    .ok_or(AttrListError::NameOutside { at: pos })?,
            )
        };
        out.push(ListEntry {
            ty,
            name,
            start_vcn: f.le_u64(pos + 8)?,
            record: f.le_u64(pos + 0x10)? & REF_MASK,
            id: f.le_u16(pos + 0x18)?,
        });
        pos += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_refuses_bad_lengths() {
        let mut v = vec![0u8; 0x20];
        v[..4].copy_from_slice(&0x80u32.to_le_bytes());
        v[4] = 0x20;
        v[8..16].copy_from_slice(&482u64.to_le_bytes());
        v[0x10..0x18].copy_from_slice(&(15u64 | 1 << 48).to_le_bytes());
        v[0x18] = 3;
        let e = parse(&v).unwrap();
        assert_eq!(
            e,
            [ListEntry {
                ty: 0x80,
                name: String::new(),
                start_vcn: 482,
                record: 15,
                id: 3
            }]
        );
        v[4] = 0x40;
        assert!(parse(&v).is_err());
    }
}
