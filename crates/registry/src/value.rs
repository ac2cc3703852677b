//! Values (`vk`), their data cells and big data (`db`) (spec §Key value, §Big data).
//!
//! Budgets: [`MAX_VALUE_DATA`], [`MAX_BIG_DATA_SEGMENTS`] and the hive's cell-byte work budget.
//! Aliasing: a big-data segment list naming one segment twice is refused
//! ([`RegistryError::Aliased`]), so a value's data is at most the distinct bytes it stands on.

use std::sync::Arc;

use vhdlint_container::bytes::{u16le_units as utf16_units, utf16_lossy, utf16le, Utf16};

use crate::base_block::BASE_BLOCK_LEN;
use crate::error::{RegistryError, Result};
use crate::hive::HiveInner;
use crate::key::decode_name;

/// Data bytes one big-data segment holds (spec §Big data: 16344 bytes per segment).
pub const BIG_DATA_SEGMENT: u64 = 16344;
/// Largest value data read. Windows documents "available memory" as the limit for the latest
/// format; real values stay far below (the biggest in SYSTEM/SOFTWARE are a few MiB). Bounds the
/// allocation a hostile data size can cause.
pub const MAX_VALUE_DATA: u64 = 64 << 20;
/// Most big-data segments accepted: enough for [`MAX_VALUE_DATA`].
pub const MAX_BIG_DATA_SEGMENTS: u64 = MAX_VALUE_DATA.div_ceil(BIG_DATA_SEGMENT);

/// Value-name flag: the name is stored in Latin-1 (spec §Key value, `VALUE_COMP_NAME`).
pub const VALUE_COMP_NAME: u16 = 0x1;
/// Data-size bit saying the data (≤ 4 bytes) sits in the data-offset field (spec §Key value).
pub const DATA_RESIDENT: u32 = 0x8000_0000;
const VK_FIXED: usize = 20;

/// `REG_NONE`.
pub const REG_NONE: u32 = 0;
/// `REG_SZ`.
pub const REG_SZ: u32 = 1;
/// `REG_EXPAND_SZ`.
pub const REG_EXPAND_SZ: u32 = 2;
/// `REG_BINARY`.
pub const REG_BINARY: u32 = 3;
/// `REG_DWORD` (little-endian).
pub const REG_DWORD: u32 = 4;
/// `REG_DWORD_BIG_ENDIAN`.
pub const REG_DWORD_BIG_ENDIAN: u32 = 5;
/// `REG_LINK`.
pub const REG_LINK: u32 = 6;
/// `REG_MULTI_SZ`.
pub const REG_MULTI_SZ: u32 = 7;
/// `REG_QWORD` (little-endian).
pub const REG_QWORD: u32 = 11;

/// A value's data, decoded by its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueData {
    /// `REG_NONE`: raw bytes.
    None(Vec<u8>),
    /// `REG_SZ` (UTF-16LE up to the first NUL).
    Sz(String),
    /// `REG_EXPAND_SZ` (UTF-16LE up to the first NUL, unexpanded).
    ExpandSz(String),
    /// `REG_BINARY`.
    Binary(Vec<u8>),
    /// `REG_DWORD`.
    Dword(u32),
    /// `REG_DWORD_BIG_ENDIAN`.
    DwordBigEndian(u32),
    /// `REG_MULTI_SZ`: every string of the list, empty ones inside it included (Windows uses
    /// them, e.g. as the delete markers of `PendingFileRenameOperations`); only the final
    /// terminator(s) — the empty strings at the very end — end it.
    MultiSz(Vec<String>),
    /// `REG_QWORD`.
    Qword(u64),
    /// `REG_LINK` (UTF-16LE, whole data).
    Link(String),
    /// Data its type cannot be decoded from: a fixed-size type (`REG_DWORD`,
    /// `REG_DWORD_BIG_ENDIAN`, `REG_QWORD`) with fewer bytes than it needs — e.g. the zero-byte
    /// REG_DWORDs (data-size field 0x80000000) Windows writes under SAM
    /// `Domains\Account\Users` and SECURITY `Policy\Secrets\*`. The value, its key and its
    /// siblings still read; hivex, yarp and regipy read these as empty values. A fact or rule
    /// decides what it means.
    Malformed {
        /// The type number, as stored.
        value_type: u32,
        /// The data bytes, as stored.
        bytes: Vec<u8>,
        /// Bytes the type needs.
        needed: u32,
    },
    /// Any other type (resource lists, application-defined types), raw.
    Other {
        /// The type number.
        value_type: u32,
        /// The data.
        bytes: Vec<u8>,
    },
}

/// A registry value (a `vk` cell), bound to its hive.
#[derive(Clone)]
pub struct Value {
    hive: Arc<HiveInner>,
    offset: u32,
    name: String,
    value_type: u32,
    raw_size: u32,
    data_offset: u32,
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Value")
            .field("name", &self.name)
            .field("type", &self.value_type)
            .field("size", &self.data_size())
            .finish()
    }
}

impl Value {
    pub(crate) fn read(hive: &Arc<HiveInner>, offset: u32) -> Result<Value> {
        const S: &str = "key value (vk)";
        let file_off = BASE_BLOCK_LEN + u64::from(offset);
        let d = hive.signed_cell(offset, S, "vk", VK_FIXED)?;
        let f = hive.fields(&d, offset, S);
        let name_len = usize::from(f.le_u16(2)?);
        let flags = f.le_u16(16)?;
        let raw_name = d
            .get(VK_FIXED..VK_FIXED + name_len)
            .ok_or(RegistryError::Truncated {
                structure: S,
                offset: file_off,
                needed: (VK_FIXED + name_len) as u64,
                available: d.len() as u64,
            })?;
        Ok(Value {
            hive: Arc::clone(hive),
            offset,
            name: decode_name(raw_name, flags & VALUE_COMP_NAME != 0),
            value_type: f.le_u32(12)?,
            raw_size: f.le_u32(4)?,
            data_offset: f.le_u32(8)?,
        })
    }

    /// The value's name (`""` for the default value).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type number (`REG_SZ` = 1, …), as stored.
    pub fn value_type(&self) -> u32 {
        self.value_type
    }

    /// Size of the data in bytes.
    pub fn data_size(&self) -> u32 {
        self.raw_size & !DATA_RESIDENT
    }

    /// Offset of the value's cell, relative to the start of the hive bins.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The data bytes: resident in the `vk`, in one cell, or in big-data segments.
    pub fn raw_data(&self) -> Result<Vec<u8>> {
        const S: &str = "value data";
        let vk_off = BASE_BLOCK_LEN + u64::from(self.offset);
        let size = u64::from(self.data_size());
        if self.raw_size & DATA_RESIDENT != 0 {
            if size > 4 {
                return Err(RegistryError::Invalid {
                    structure: "key value (vk)",
                    offset: vk_off,
                    message: format!("resident data size {size} is larger than 4 bytes"),
                });
            }
            let bytes = self.data_offset.to_le_bytes();
            return Ok(bytes.get(..size as usize).unwrap_or(&[]).to_vec());
        }
        if size == 0 {
            return Ok(Vec::new());
        }
        if size > MAX_VALUE_DATA {
            return Err(RegistryError::TooLarge {
                structure: "key value (vk)",
                offset: vk_off,
                what: "data size",
                actual: size,
                limit: MAX_VALUE_DATA,
            });
        }
        let cell = self.hive.cell(self.data_offset, S)?;
        let cell_off = BASE_BLOCK_LEN + u64::from(self.data_offset);
        if size > BIG_DATA_SEGMENT && self.hive.minor_version >= 4 && cell.get(..2) == Some(b"db") {
            return self.big_data(&cell, cell_off, size);
        }
        let mut cell = cell;
        if (cell.len() as u64) < size {
            return Err(RegistryError::Truncated {
                structure: S,
                offset: cell_off,
                needed: size,
                available: cell.len() as u64,
            });
        }
        cell.truncate(size as usize);
        Ok(cell)
    }

    fn big_data(&self, db: &[u8], db_off: u64, size: u64) -> Result<Vec<u8>> {
        const S: &str = "big data (db)";
        if db.len() < 8 {
            return Err(RegistryError::Truncated {
                structure: S,
                offset: db_off,
                needed: 8,
                available: db.len() as u64,
            });
        }
        let dbf = self.hive.fields(db, self.data_offset, S);
        let count = u64::from(dbf.le_u16(2)?);
        let list = dbf.le_u32(4)?;
        if count > MAX_BIG_DATA_SEGMENTS {
            return Err(RegistryError::TooLarge {
                structure: S,
                offset: db_off,
                what: "segment count",
                actual: count,
                limit: MAX_BIG_DATA_SEGMENTS,
            });
        }
        let needed_segments = size.div_ceil(BIG_DATA_SEGMENT);
        if count < needed_segments {
            return Err(RegistryError::Invalid {
                structure: S,
                offset: db_off,
                message: format!(
                    "{count} segments cannot hold {size} bytes ({needed_segments} needed)"
                ),
            });
        }
        let list_off = BASE_BLOCK_LEN + u64::from(list);
        let segs = self.hive.cell(list, "big data segment list")?;
        if (segs.len() as u64) < count * 4 {
            return Err(RegistryError::Truncated {
                structure: "big data segment list",
                offset: list_off,
                needed: count * 4,
                available: segs.len() as u64,
            });
        }
        let sf = self.hive.fields(&segs, list, "big data segment list");
        let mut out = Vec::new();
        // Reserved up to 1 MiB ahead, then grown by the segments actually read: a value's
        // buffer is proportional to distinct segment bytes read, never to what `size` claims.
        out.try_reserve_exact(size.min(1 << 20) as usize)
            .map_err(|_| RegistryError::TooLarge {
                structure: S,
                offset: db_off,
                what: "data size",
                actual: size,
                limit: MAX_VALUE_DATA,
            })?;
        let mut seen = std::collections::HashSet::with_capacity(needed_segments as usize);
        for i in 0..needed_segments as usize {
            let seg = sf.le_u32(i * 4)?;
            if !seen.insert(seg) {
                return Err(RegistryError::Aliased {
                    structure: "big data segment",
                    offset: BASE_BLOCK_LEN + u64::from(seg),
                    what: "segment named twice by the segment list at",
                    first: list_off,
                });
            }
            let data = self.hive.cell(seg, "big data segment")?;
            let want = (size - out.len() as u64).min(BIG_DATA_SEGMENT) as usize;
            let part = data.get(..want).ok_or(RegistryError::Truncated {
                structure: "big data segment",
                offset: BASE_BLOCK_LEN + u64::from(seg),
                needed: want as u64,
                available: data.len() as u64,
            })?;
            out.extend_from_slice(part);
        }
        Ok(out)
    }

    /// The data decoded by type; any type not listed in [`ValueData`] comes back as `Other`.
    pub fn data(&self) -> Result<ValueData> {
        let bytes = self.raw_data()?;
        decode(
            self.value_type,
            bytes,
            BASE_BLOCK_LEN + u64::from(self.offset),
        )
    }
}

/// Decodes `bytes` of type `value_type`. Never fails: data a fixed-size type cannot be read
/// from is [`ValueData::Malformed`] (the `Result` and `_vk_off` stay for callers' sake).
pub fn decode(value_type: u32, bytes: Vec<u8>, _vk_off: u64) -> Result<ValueData> {
    fn fixed<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
        bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok())
    }
    let malformed = |bytes: Vec<u8>, needed: u32| ValueData::Malformed {
        value_type,
        bytes,
        needed,
    };
    Ok(match value_type {
        REG_NONE => ValueData::None(bytes),
        REG_SZ => ValueData::Sz(utf16le(&bytes)),
        REG_EXPAND_SZ => ValueData::ExpandSz(utf16le(&bytes)),
        REG_BINARY => ValueData::Binary(bytes),
        REG_DWORD => match fixed::<4>(&bytes) {
            Some(a) => ValueData::Dword(u32::from_le_bytes(a)),
            None => malformed(bytes, 4),
        },
        REG_DWORD_BIG_ENDIAN => match fixed::<4>(&bytes) {
            Some(a) => ValueData::DwordBigEndian(u32::from_be_bytes(a)),
            None => malformed(bytes, 4),
        },
        REG_QWORD => match fixed::<8>(&bytes) {
            Some(a) => ValueData::Qword(u64::from_le_bytes(a)),
            None => malformed(bytes, 8),
        },
        REG_LINK => ValueData::Link(utf16_lossy(&bytes, Utf16::Le)),
        REG_MULTI_SZ => ValueData::MultiSz(multi_sz(&bytes)),
        other => ValueData::Other {
            value_type: other,
            bytes,
        },
    })
}

/// The strings of REG_MULTI_SZ data: UTF-16LE strings each ended by a NUL; the empty strings at
/// the very end are the list's terminator(s) and dropped, empty strings inside the list kept.
/// A last string without its NUL is kept (hivex and Windows' readers do the same).
pub fn multi_sz(bytes: &[u8]) -> Vec<String> {
    let units = utf16_units(bytes);
    let mut parts: Vec<&[u16]> = units.split(|&u| u == 0).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts.into_iter().map(String::from_utf16_lossy).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn decodes_every_type() {
        assert_eq!(
            decode(REG_SZ, utf16("abc\0junk"), 0).unwrap(),
            ValueData::Sz("abc".into())
        );
        assert_eq!(
            decode(REG_MULTI_SZ, utf16("a\0bb\0ccc\0\0"), 0).unwrap(),
            ValueData::MultiSz(vec!["a".into(), "bb".into(), "ccc".into()])
        );
        // Empty strings inside the list are kept; only the final terminators end it.
        assert_eq!(
            decode(REG_MULTI_SZ, utf16("a\0\0b\0\0\0"), 0).unwrap(),
            ValueData::MultiSz(vec!["a".into(), "".into(), "b".into()])
        );
        assert_eq!(
            decode(REG_MULTI_SZ, utf16("\0\0"), 0).unwrap(),
            ValueData::MultiSz(vec![])
        );
        assert_eq!(
            decode(REG_MULTI_SZ, utf16("x\0y"), 0).unwrap(),
            ValueData::MultiSz(vec!["x".into(), "y".into()])
        );
        assert_eq!(
            decode(REG_DWORD, vec![1, 0, 0, 0], 0).unwrap(),
            ValueData::Dword(1)
        );
        assert_eq!(
            decode(REG_DWORD_BIG_ENDIAN, vec![0, 0, 0, 1], 0).unwrap(),
            ValueData::DwordBigEndian(1)
        );
        assert_eq!(
            decode(REG_QWORD, 7u64.to_le_bytes().to_vec(), 0).unwrap(),
            ValueData::Qword(7)
        );
        assert_eq!(
            decode(99, vec![1], 0).unwrap(),
            ValueData::Other {
                value_type: 99,
                bytes: vec![1]
            }
        );
        assert_eq!(
            decode(REG_DWORD, vec![1], 0x1020).unwrap(),
            ValueData::Malformed {
                value_type: REG_DWORD,
                bytes: vec![1],
                needed: 4
            }
        );
        assert_eq!(
            decode(REG_QWORD, vec![], 0).unwrap(),
            ValueData::Malformed {
                value_type: REG_QWORD,
                bytes: vec![],
                needed: 8
            }
        );
    }
}
