//! Attribute records inside a file record (NTFS on-disk format "Attribute header"): a common
//! header (type, length, non-resident flag, name, flags, instance id), then either a resident
//! value or the VCN range, sizes and run list of a non-resident value.

use std::sync::Arc;

use vhdlint_container::bytes::{utf16_lossy, Fields, Utf16};

use super::fault::AttributeError;

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
/// $VOLUME_INFORMATION (12 bytes, resident in `$Volume`: reserved u64, major u8, minor u8,
/// flags u16 at offset 10).
pub const VOLUME_INFORMATION: u32 = 0x70;
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
    /// Decoded once from the record; shared (never copied) by every stream and reader made
    /// from it.
    pub runs: Arc<[Run]>,
}

/// Resident bytes or a non-resident description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Resident(Arc<[u8]>),
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
    /// Parses one attribute record (`raw` is exactly its `length` bytes, at volume offset
    /// `offset`).
    pub fn parse(raw: &[u8], record: u64, offset: u64) -> Result<Self, AttributeError> {
        let f = Fields::new(raw, "NTFS attribute record", offset);
        let ty = f.le_u32(0)?;
        let non_resident = f.u8(8)? != 0;
        let name_len = usize::from(f.u8(9)?);
        let name_off = usize::from(f.le_u16(0x0A)?);
        let name = if name_len == 0 {
            String::new()
        } else {
            let b = raw
                .get(name_off..name_off + 2 * name_len)
                .ok_or(AttributeError::NameOutside { at: name_off })?;
            utf16(b)
        };
        let flags = f.le_u16(0x0C)?;
        let id = f.le_u16(0x0E)?;
        let body = if non_resident {
            if raw.len() < 0x40 {
                return Err(AttributeError::TruncatedHeader);
            }
            let runs_off = usize::from(f.le_u16(0x20)?);
            let start_vcn = f.le_u64(0x10)?;
            let mp = raw
                .get(runs_off..)
                .filter(|_| runs_off >= 0x40)
                .ok_or(AttributeError::RunListOutside { at: runs_off })?;
            Body::NonResident(NonResident {
                start_vcn,
                last_vcn: f.le_u64(0x18)?,
                compression_unit: f.u8(0x22)?,
                allocated_size: f.le_u64(0x28)?,
                data_size: f.le_u64(0x30)?,
                initialized_size: f.le_u64(0x38)?,
                runs: runlist::decode(mp, start_vcn)?.into(),
            })
        } else {
            let len = usize::try_from(f.le_u32(0x10)?).unwrap_or(usize::MAX);
            let off = usize::from(f.le_u16(0x14)?);
            let v = raw
                .get(off..off.saturating_add(len))
                .ok_or(AttributeError::ValueOutside { len, at: off })?;
            Body::Resident(v.into())
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
    utf16_lossy(b, Utf16::Le)
}

/// UTF-16LE bytes as units.
pub(crate) fn units(b: &[u8]) -> Vec<u16> {
    vhdlint_container::bytes::u16le_units(b)
}
