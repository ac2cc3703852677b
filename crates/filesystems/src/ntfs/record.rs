//! MFT file records ("FILE", NTFS on-disk format "FILE record") and the update-sequence fixups
//! shared with index blocks ("INDX"): the last two bytes of every 512-byte stride hold the update
//! sequence number, the real bytes sit in the update sequence array. A stride whose number does
//! not match was torn by an interrupted write: that record is an error, never data.

use vhdlint_container::bytes::{self, Fields};

use super::attribute::{self, Attribute};
use crate::{FsError, Result};

/// Bytes covered by one update-sequence entry (NTFS_BLOCK_SIZE), whatever the sector size.
pub const FIXUP_STRIDE: usize = 512;

/// MFT_RECORD_IN_USE.
pub const RECORD_IN_USE: u16 = 0x0001;
/// MFT_RECORD_IS_DIRECTORY (the file has a `$I30` index).
pub const RECORD_IS_DIRECTORY: u16 = 0x0002;

/// Mask of the record number in a file reference (low 48 bits; the high 16 are the sequence).
pub const REF_MASK: u64 = 0x0000_FFFF_FFFF_FFFF;

/// Applies the fixups of a `magic` structure (`FILE`, `INDX`) in place.
pub(crate) fn apply_fixups(
    buf: &mut [u8],
    magic: &[u8; 4],
    structure: &'static str,
    number: u64,
    offset: u64,
) -> Result<()> {
    let err = |at: usize, message: String| FsError::InvalidNtfsRecord {
        structure,
        number,
        offset: Some(offset.saturating_add(at as u64)),
        message,
    };
    let f = Fields::new(buf, structure, offset);
    let sig = f.array::<4>(0)?;
    if &sig != magic {
        return Err(err(
            0,
            format!(
                "signature {:?}, expected {:?}",
                bytes::lossy(&sig),
                bytes::lossy(magic)
            ),
        ));
    }
    let usa_off = usize::from(f.le_u16(4)?);
    let usa_count = usize::from(f.le_u16(6)?);
    let strides = buf.len() / FIXUP_STRIDE;
    if buf.len() % FIXUP_STRIDE != 0 || usa_count != strides + 1 {
        return Err(err(
            6,
            format!(
                "update sequence array has {usa_count} entries for {} bytes",
                buf.len()
            ),
        ));
    }
    let usa_end = usa_off + 2 * usa_count;
    if usa_off < 8 || usa_end > FIXUP_STRIDE - 2 {
        return Err(err(
            4,
            format!("update sequence array at {usa_off:#x} is out of place"),
        ));
    }
    let usn = f.le_u16(usa_off)?;
    for i in 1..usa_count {
        let at = i * FIXUP_STRIDE - 2;
        // A fresh view each stride: the previous stride's fixup wrote to `buf`.
        let f = Fields::new(buf, structure, offset);
        let actual = f.le_u16(at)?;
        if actual != usn {
            return Err(err(
                at,
                format!(
                    "torn write: stride {} ends in update sequence number {actual:#06x}, expected {usn:#06x}",
                    i - 1
                ),
            ));
        }
        let fix = f.array::<2>(usa_off + 2 * i)?;
        if let Some(d) = buf.get_mut(at..at + 2) {
            d.copy_from_slice(&fix);
        }
    }
    Ok(())
}

/// One MFT file record with its attributes parsed (run lists decoded).
#[derive(Debug, Clone)]
pub(crate) struct FileRecord {
    pub number: u64,
    /// Volume offset of the record.
    pub offset: u64,
    pub sequence: u16,
    pub flags: u16,
    /// File reference of the base record (0 for a base record).
    pub base: u64,
    pub attributes: Vec<Attribute>,
}

impl FileRecord {
    /// Parses record `number` read from volume offset `offset` (fixups not yet applied).
    pub fn parse(mut buf: Vec<u8>, number: u64, offset: u64) -> Result<Self> {
        apply_fixups(&mut buf, b"FILE", "file record", number, offset)?;
        let err = |at: usize, message: String| FsError::InvalidNtfsRecord {
            structure: "file record",
            number,
            offset: Some(offset.saturating_add(at as u64)),
            message,
        };
        let f = Fields::new(&buf, "NTFS file record", offset);
        let flags = f.le_u16(0x16)?;
        let first = usize::from(f.le_u16(0x14)?);
        let in_use = usize::try_from(f.le_u32(0x18)?).unwrap_or(usize::MAX);
        if in_use > buf.len() || first < 0x18 || first >= in_use {
            return Err(err(
                0x14,
                format!("attributes at {first:#x}, bytes in use {in_use:#x} do not fit the record"),
            ));
        }
        let mut attributes = Vec::new();
        let mut pos = first;
        loop {
            if pos + 4 > in_use {
                break;
            }
            let ty = f.le_u32(pos)?;
            if ty == attribute::END {
                break;
            }
            let len = usize::try_from(f.le_u32(pos + 4)?).unwrap_or(usize::MAX);
            let Some(raw) = buf
                .get(pos..pos.saturating_add(len))
                .filter(|_| len >= 0x18 && pos + len <= in_use)
            else {
                return Err(err(
                    pos,
                    format!("attribute {ty:#x} of {len} bytes runs past the record"),
                ));
            };
            let a = Attribute::parse(raw, number, offset.saturating_add(pos as u64))
                .map_err(|m| err(pos, format!("attribute {ty:#x}: {m}")))?;
            attributes.push(a);
            pos += len;
        }
        Ok(FileRecord {
            number,
            offset,
            sequence: f.le_u16(0x10)?,
            flags,
            base: f.le_u64(0x20)?,
            attributes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1 KiB record: $STANDARD_INFORMATION-less, one resident $DATA "hi", fixups applied.
    pub(crate) fn record() -> Vec<u8> {
        let mut b = vec![0u8; 1024];
        b[..4].copy_from_slice(b"FILE");
        b[4] = 0x30; // usa offset
        b[6] = 3; // usa count
        b[0x14] = 0x38; // first attribute
        b[0x16] = 1; // in use
        b[0x18..0x1C].copy_from_slice(&0x70u32.to_le_bytes());
        b[0x1C..0x20].copy_from_slice(&1024u32.to_le_bytes());
        // Resident $DATA at 0x38, 0x20 bytes, value "hi" at +0x18.
        let a = 0x38;
        b[a..a + 4].copy_from_slice(&0x80u32.to_le_bytes());
        b[a + 4..a + 8].copy_from_slice(&0x20u32.to_le_bytes());
        b[a + 0x10..a + 0x14].copy_from_slice(&2u32.to_le_bytes());
        b[a + 0x14] = 0x18;
        b[a + 0x18..a + 0x1A].copy_from_slice(b"hi");
        b[0x58..0x5C].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        // Fixups: USN 7; the real last bytes of each stride are kept in the array.
        b[0x30..0x32].copy_from_slice(&7u16.to_le_bytes());
        for i in 1..3 {
            let at = i * 512 - 2;
            let keep = [b[at], b[at + 1]];
            b[0x30 + 2 * i..0x32 + 2 * i].copy_from_slice(&keep);
            b[at..at + 2].copy_from_slice(&7u16.to_le_bytes());
        }
        b
    }

    #[test]
    fn parses_a_record_and_refuses_torn_ones() {
        let r = FileRecord::parse(record(), 42, 0x1000).unwrap();
        assert_eq!(r.attributes.len(), 1);
        assert_eq!(r.attributes[0].ty, 0x80);
        let mut torn = record();
        torn[1022] = 8;
        match FileRecord::parse(torn, 42, 0x1000) {
            Err(FsError::InvalidNtfsRecord {
                structure: "file record",
                number: 42,
                offset,
                message,
            }) => {
                assert_eq!(offset, Some(0x1000 + 1022));
                assert!(message.contains("torn write"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let mut bad = record();
        bad[0] = b'B';
        assert!(matches!(
            FileRecord::parse(bad, 1, 0),
            Err(FsError::InvalidNtfsRecord {
                offset: Some(0),
                ..
            })
        ));
        let mut long = record();
        long[0x3C..0x40].copy_from_slice(&0x2000u32.to_le_bytes());
        assert!(FileRecord::parse(long, 1, 0).is_err());
    }
}
