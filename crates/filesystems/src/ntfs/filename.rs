//! `$FILE_NAME` values (attribute 0x30, and the key of every `$I30` index entry): parent
//! reference, four times, sizes, file attributes, and the name in one of four namespaces.

use vhdlint_container::bytes::Fields;

use super::attribute::units;

/// POSIX namespace (case-sensitive, any character but NUL and `/`).
pub const NS_POSIX: u8 = 0;
/// Win32 long name.
pub const NS_WIN32: u8 = 1;
/// DOS 8.3 short name (a duplicate of a Win32 name).
pub const NS_DOS: u8 = 2;
/// One name valid as both Win32 and DOS.
pub const NS_WIN32_AND_DOS: u8 = 3;

/// FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT: the file is a directory (has `$I30`).
pub const DUP_DIRECTORY: u32 = 0x1000_0000;

/// A parsed `$FILE_NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName {
    pub created: u64,
    pub modified: u64,
    pub accessed: u64,
    pub data_size: u64,
    pub attributes: u32,
    pub namespace: u8,
    pub name: Vec<u16>,
}

impl FileName {
    /// Parses a value; `None` when the name does not fit.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let len = usize::from(*b.get(0x40)?);
        let name = b.get(0x42..0x42 + 2 * len)?;
        let f = Fields::unplaced(b, "NTFS $FILE_NAME");
        Some(FileName {
            created: f.le_u64(0x08).ok()?,
            modified: f.le_u64(0x10).ok()?,
            accessed: f.le_u64(0x20).ok()?,
            data_size: f.le_u64(0x30).ok()?,
            attributes: f.le_u32(0x38).ok()?,
            namespace: *b.get(0x41)?,
            name: units(name),
        })
    }

    /// The name as text.
    pub fn text(&self) -> String {
        String::from_utf16_lossy(&self.name)
    }

    /// True when the directory-index flag is set.
    pub fn is_dir(&self) -> bool {
        self.attributes & DUP_DIRECTORY != 0
    }
}
