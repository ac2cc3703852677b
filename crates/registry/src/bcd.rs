//! Boot Configuration Data stores (a BCD store is a regf hive; windows-image-facts §7.2):
//! `Objects\{guid}\Description\Type` and `Objects\{guid}\Elements\{element type}\Element`.
//!
//! Budgets: [`MAX_BCD_OBJECTS`], [`MAX_BCD_ELEMENTS`] per object and [`MAX_BCD_TOTAL_ELEMENTS`]
//! per store. Aliasing: a key node or subkey list met twice in one store (objects or element
//! keys shared between objects) is refused ([`RegistryError::Aliased`]), so the work of reading
//! a store is proportional to its distinct cells.

use std::collections::HashMap;

use crate::base_block::BASE_BLOCK_LEN;
use crate::error::{RegistryError, Result};
use crate::hive::Hive;
use crate::key::names_equal;
use crate::value::ValueData;

/// `{bootmgr}`: the Windows Boot Manager object.
pub const BOOTMGR_GUID: &str = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";
/// `{fwbootmgr}`: the firmware boot manager object.
pub const FWBOOTMGR_GUID: &str = "{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}";

/// Element `BcdBootMgrObject_DefaultObject` (0x23000003): the default entry's GUID.
pub const ELEMENT_DEFAULT_OBJECT: u32 = 0x2300_0003;
/// Element `BcdLibraryString_ApplicationPath` (0x12000002), e.g. `\Windows\system32\winload.efi`.
pub const ELEMENT_APPLICATION_PATH: u32 = 0x1200_0002;
/// Element `BcdLibraryString_Description` (0x12000004).
pub const ELEMENT_DESCRIPTION: u32 = 0x1200_0004;
/// Element `BcdLibraryBoolean_DisableIntegrityChecks` (0x16000048, `nointegritychecks`).
pub const ELEMENT_DISABLE_INTEGRITY_CHECKS: u32 = 0x1600_0048;
/// Element `BcdLibraryBoolean_AllowPrereleaseSignatures` (0x16000049, `testsigning`).
pub const ELEMENT_ALLOW_PRERELEASE_SIGNATURES: u32 = 0x1600_0049;

/// Object type of the Windows Boot Manager (`Description\Type`).
pub const OBJECT_TYPE_BOOTMGR: u32 = 0x1010_0002;
/// Object type of a Windows Boot Loader (an OS entry).
pub const OBJECT_TYPE_OS_LOADER: u32 = 0x1020_0003;

/// Most objects read from one store (real stores hold a few dozen).
pub const MAX_BCD_OBJECTS: usize = 4096;
/// Most elements read from one object (the element-type space in use is a few hundred).
pub const MAX_BCD_ELEMENTS: usize = 1024;

/// Most elements read from one store, all objects together (real stores: a few hundred).
pub const MAX_BCD_TOTAL_ELEMENTS: usize = 16384;

/// One element of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcdElement {
    /// The element type (the key name, hexadecimal), e.g. 0x12000002.
    pub element_type: u32,
    /// The `Element` value.
    pub value: ValueData,
}

/// One BCD object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcdObject {
    /// The object's key name, a braced GUID as stored.
    pub guid: String,
    /// `Description\Type`.
    pub object_type: Option<u32>,
    /// The elements, in key order.
    pub elements: Vec<BcdElement>,
}

impl BcdObject {
    /// The element of type `element_type`.
    pub fn element(&self, element_type: u32) -> Option<&BcdElement> {
        self.elements
            .iter()
            .find(|e| e.element_type == element_type)
    }

    /// A string element (REG_SZ).
    pub fn string(&self, element_type: u32) -> Option<&str> {
        match &self.element(element_type)?.value {
            ValueData::Sz(s) | ValueData::ExpandSz(s) => Some(s),
            _ => None,
        }
    }

    /// A boolean element (REG_BINARY of one byte, or a DWORD): true when any byte is non-zero.
    pub fn boolean(&self, element_type: u32) -> Option<bool> {
        match &self.element(element_type)?.value {
            ValueData::Binary(b) | ValueData::None(b) => Some(b.iter().any(|&x| x != 0)),
            ValueData::Dword(d) => Some(*d != 0),
            ValueData::Qword(q) => Some(*q != 0),
            _ => None,
        }
    }

    /// The application path (0x12000002).
    pub fn application_path(&self) -> Option<&str> {
        self.string(ELEMENT_APPLICATION_PATH)
    }

    /// The description (0x12000004).
    pub fn description(&self) -> Option<&str> {
        self.string(ELEMENT_DESCRIPTION)
    }

    /// `testsigning` (0x16000049).
    pub fn testsigning(&self) -> Option<bool> {
        self.boolean(ELEMENT_ALLOW_PRERELEASE_SIGNATURES)
    }

    /// `nointegritychecks` (0x16000048).
    pub fn nointegritychecks(&self) -> Option<bool> {
        self.boolean(ELEMENT_DISABLE_INTEGRITY_CHECKS)
    }
}

/// A BCD store read from its hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcdStore {
    /// The objects, in key order.
    pub objects: Vec<BcdObject>,
}

impl BcdStore {
    /// Reads every object under `Objects`. A hive without `Objects` is an error (not a BCD
    /// store); an element whose key name is not hexadecimal is skipped.
    pub fn read(hive: &Hive) -> Result<BcdStore> {
        let root = hive.root()?;
        let objects_key = root
            .subkey("Objects")?
            .ok_or_else(|| RegistryError::Invalid {
                structure: "BCD store",
                offset: root.file_offset(),
                message: "no Objects key below the root".into(),
            })?;
        let keys = objects_key.subkeys()?;
        if keys.len() > MAX_BCD_OBJECTS {
            return Err(RegistryError::TooLarge {
                structure: "BCD Objects key",
                offset: objects_key.file_offset(),
                what: "object count",
                actual: keys.len() as u64,
                limit: MAX_BCD_OBJECTS as u64,
            });
        }
        let mut objects = Vec::with_capacity(keys.len());
        // Key node or subkey list -> the object key that first reached it.
        let mut seen: HashMap<u32, u64> = HashMap::new();
        let mut claim = |cell: u32, owner: u64, what: &'static str| -> Result<()> {
            match seen.insert(cell, owner) {
                Some(first) if first != owner => Err(RegistryError::Aliased {
                    structure: what,
                    offset: BASE_BLOCK_LEN + u64::from(cell),
                    what: "shared by two BCD objects; the first object's key node is at",
                    first,
                }),
                _ => Ok(()),
            }
        };
        let mut total = 0usize;
        for obj in keys {
            let owner = obj.file_offset();
            let object_type = match obj.subkey("Description")? {
                Some(d) => match d.value("Type")? {
                    Some(v) => match v.data()? {
                        ValueData::Dword(t) => Some(t),
                        _ => None,
                    },
                    None => None,
                },
                None => None,
            };
            let mut elements = Vec::new();
            if let Some(els) = obj.subkey("Elements")? {
                claim(els.offset(), owner, "BCD Elements key node")?;
                if let Some(list) = els.subkey_list_offset() {
                    claim(list, owner, "BCD Elements subkey list")?;
                }
                let ek = els.subkeys()?;
                total += ek.len();
                if total > MAX_BCD_TOTAL_ELEMENTS {
                    return Err(RegistryError::TooLarge {
                        structure: "BCD Elements key",
                        offset: els.file_offset(),
                        what: "element count of the store",
                        actual: total as u64,
                        limit: MAX_BCD_TOTAL_ELEMENTS as u64,
                    });
                }
                if ek.len() > MAX_BCD_ELEMENTS {
                    return Err(RegistryError::TooLarge {
                        structure: "BCD Elements key",
                        offset: els.file_offset(),
                        what: "element count",
                        actual: ek.len() as u64,
                        limit: MAX_BCD_ELEMENTS as u64,
                    });
                }
                for e in ek {
                    claim(e.offset(), owner, "BCD element key node")?;
                    let Ok(element_type) = u32::from_str_radix(e.name(), 16) else {
                        continue;
                    };
                    if let Some(v) = e.value("Element")? {
                        elements.push(BcdElement {
                            element_type,
                            value: v.data()?,
                        });
                    }
                }
            }
            objects.push(BcdObject {
                guid: obj.name().to_string(),
                object_type,
                elements,
            });
        }
        Ok(BcdStore { objects })
    }

    /// The object with key name `guid` (case-insensitive, braces included).
    pub fn object(&self, guid: &str) -> Option<&BcdObject> {
        self.objects.iter().find(|o| names_equal(&o.guid, guid))
    }

    /// The Windows Boot Manager object.
    pub fn boot_manager(&self) -> Option<&BcdObject> {
        self.object(BOOTMGR_GUID)
    }

    /// The GUID the boot manager names as default (element 0x23000003).
    pub fn default_guid(&self) -> Option<&str> {
        self.boot_manager()?.string(ELEMENT_DEFAULT_OBJECT)
    }

    /// The boot manager's default entry; `None` when there is no boot manager, no default, or
    /// the default names a missing object.
    pub fn default_entry(&self) -> Option<&BcdObject> {
        self.object(self.default_guid()?)
    }
}
