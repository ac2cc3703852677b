//! Attribute records inside a file record (NTFS on-disk format "Attribute header"): a common
//! header (type, length, non-resident flag, name, flags, instance id), then either a resident
//! value or the VCN range, sizes and run list of a non-resident value.

use vhdlint_container::bytes;

use super::runlist::{self, Run};

/// End-of-attributes marker.
pub const END: u32 = 0xFFFF_FFFF;
/// $STANDARD_INFORMATION.
pub const STANDARD_INFORMATION: u32 = 0x10;
/// $ATTRIBUTE_LIST.
pub const ATTRIBUTE_LIST: u32 = 0x20;
/// $FILE_NAME.
pub const FILE_NAME: u32 = 0x30;
/// $VOLUME_NAME.
pub const VOLUME_NAME: u32 = 0x60;
/// $DATA.
pub const DATA: u32 = 0x80;
/// $INDEX_ROOT.
pub const INDEX_ROOT: u32 = 0x90;
/// $INDEX_ALLOCATION.
pub const INDEX_ALLOCATION: u32 = 0xA0;
/// $REPARSE_POINT.
pub const REPARSE_POINT: u32 = 0xC0;

/// ATTR_IS_COMPRESSED (LZNT1).
pub const FLAG_COMPRESSED: u16 = 0x0001;
/// ATTR_IS_ENCRYPTED (EFS).
pub const FLAG_ENCRYPTED: u16 = 0x4000;
/// ATTR_IS_SPARSE.
pub const FLAG_SPARSE: u16 = 0x8000;

/// A non-resident value: where its piece of the VCN range lies, and (in the piece at VCN 0) the
/// stream's sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NonResident {
    pub start_vcn: u64,
    pub last_vcn: u64,
    /// log2 of clusters per compression unit (0: not compressed).
    pub compression_unit: u8,
    pub allocated_size: u64,
    pub data_size: u64,
    pub initialized_size: u64,
    pub runs: Vec<Run>,
}

/// Resident bytes or a non-resident description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Resident(Vec<u8>),
    NonResident(NonResident),
}

/// One attribute record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub ty: u32,
    pub name: String,
    pub flags: u16,
    pub id: u16,
    /// The file record it was read from.
    pub record: u64,
    pub body: Body,
}

impl Attribute {
    /// Parses one attribute record (`raw` is exactly its `length` bytes).
    pub fn parse(raw: &[u8], record: u64) -> Result<Self, String> {
        let ty = bytes::le_u32(raw, 0);
        let non_resident = bytes::array::<1>(raw, 8)[0] != 0;
        let name_len = usize::from(bytes::array::<1>(raw, 9)[0]);
        let name_off = usize::from(bytes::le_u16(raw, 0x0A));
        let name = if name_len == 0 {
            String::new()
        } else {
            let b = raw
                .get(name_off..name_off + 2 * name_len)
                .ok_or_else(|| format!("name at {name_off:#x} runs past the attribute"))?;
            utf16(b)
        };
        let flags = bytes::le_u16(raw, 0x0C);
        let id = bytes::le_u16(raw, 0x0E);
        let body = if non_resident {
            if raw.len() < 0x40 {
                return Err("non-resident header is truncated".into());
            }
            let runs_off = usize::from(bytes::le_u16(raw, 0x20));
            let start_vcn = bytes::le_u64(raw, 0x10);
            let mp = raw
                .get(runs_off..)
                .filter(|_| runs_off >= 0x40)
                .ok_or_else(|| format!("run list at {runs_off:#x} is outside the attribute"))?;
            Body::NonResident(NonResident {
                start_vcn,
                last_vcn: bytes::le_u64(raw, 0x18),
                compression_unit: bytes::array::<1>(raw, 0x22)[0],
                allocated_size: bytes::le_u64(raw, 0x28),
                data_size: bytes::le_u64(raw, 0x30),
                initialized_size: bytes::le_u64(raw, 0x38),
                runs: runlist::decode(mp, start_vcn)?,
            })
        } else {
            let len = usize::try_from(bytes::le_u32(raw, 0x10)).unwrap_or(usize::MAX);
            let off = usize::from(bytes::le_u16(raw, 0x14));
            let v = raw.get(off..off.saturating_add(len)).ok_or_else(|| {
                format!("resident value ({len} bytes at {off:#x}) runs past the attribute")
            })?;
            Body::Resident(v.to_vec())
        };
        Ok(Attribute {
            ty,
            name,
            flags,
            id,
            record,
            body,
        })
    }
}

/// UTF-16LE bytes as text (lossy).
pub(crate) fn utf16(b: &[u8]) -> String {
    String::from_utf16_lossy(&units(b))
}

/// UTF-16LE bytes as units.
pub(crate) fn units(b: &[u8]) -> Vec<u16> {
    vhdlint_container::bytes::u16le_units(b)
}
