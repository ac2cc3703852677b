//! Local accounts of a SAM hive, read-only and bounded: the `F` (fixed) and `V` (variable) values
//! of `SAM\Domains\Account\Users\<RID>`, the `Users\Names` subkeys, and the member SIDs of the
//! built-in aliases (`SAM\Domains\Builtin\Aliases\<RID>` `C` values: Administrators 544, Remote
//! Desktop Users 555).
//!
//! **Never a hash.** Of the LM and NT hash entries of `V` this module keeps only their stored
//! length and whether a hash is present (the 4-byte header says which layout: RC4 "old style",
//! 16 hash bytes after it; AES "new style" since Windows 10 1607, a 24-byte header with the salt,
//! then the encrypted hash). No hash byte is copied out of the value buffer, and the buffer is
//! zeroed before it is dropped.
//!
//! Layouts (as read by RegRipper `samparse`, impacket `secretsdump`, chntpw `sam.h`):
//! - `F` (0x50 bytes): 0x08 last logon, 0x18 password last set, 0x20 account expires, 0x28 last
//!   failed logon (FILETIMEs), 0x30 RID, 0x38 ACB flags (u16), 0x40 failed-logon count, 0x42
//!   logon count.
//! - `V`: 17 entries of (offset, length, unknown) u32 triples, offsets relative to 0xCC: 1 user
//!   name, 2 full name, 3 comment, 13 LM hash, 14 NT hash (UTF-16LE strings).
//! - alias `C`: 0x00 RID, 0x10/0x14 name offset/length, 0x1C/0x20 comment, 0x28/0x2C member SIDs,
//!   0x30 member count; offsets relative to 0x34.

use vhdlint_container::bytes::{utf16le, Fields};

use crate::base_block::BASE_BLOCK_LEN;
use crate::error::{RegistryError, Result};
use crate::hive::Hive;
use crate::key::Key;
use crate::value::Value;

/// Path of the local account domain's users.
pub const USERS_PATH: &str = "SAM\\Domains\\Account\\Users";
/// Path of the built-in domain's aliases.
pub const BUILTIN_ALIASES_PATH: &str = "SAM\\Domains\\Builtin\\Aliases";
/// RID of the built-in `Administrators` alias (S-1-5-32-544).
pub const ALIAS_ADMINISTRATORS: u32 = 544;
/// RID of the built-in `Remote Desktop Users` alias (S-1-5-32-555).
pub const ALIAS_REMOTE_DESKTOP_USERS: u32 = 555;
/// RID of the built-in Administrator account.
pub const RID_ADMINISTRATOR: u32 = 500;
/// RID of the built-in Guest account.
pub const RID_GUEST: u32 = 501;

/// Most user keys (and `Names` entries) read from one SAM. A workstation has a handful; a SAM
/// is capped by Windows at far fewer local accounts than this in practice.
pub const MAX_SAM_USERS: usize = 10_000;
/// Largest `F`, `V` or `C` value read (real ones are below 2 KiB; a V holding long password
/// histories stays below 8 KiB).
pub const MAX_SAM_VALUE: u32 = 64 * 1024;
/// Most member SIDs read from one alias.
pub const MAX_ALIAS_MEMBERS: usize = 4096;
/// Most sub-authorities in a SID (`SID_MAX_SUB_AUTHORITIES`).
pub const MAX_SUB_AUTHORITIES: usize = 15;

/// Size of the fixed `F` value fields this module reads (up to the logon count).
pub const USER_F_LEN: usize = 0x44;
/// Size of the `V` offsets table; variable data starts here.
pub const USER_V_HEADER: usize = 0xCC;
/// Size of the alias `C` header; variable data starts here.
pub const ALIAS_C_HEADER: usize = 0x34;

/// A FILETIME that means "never" in `account expires`.
pub const FILETIME_NEVER: u64 = 0x7FFF_FFFF_FFFF_FFFF;

/// ACB: account disabled.
pub const ACB_DISABLED: u32 = 0x0001;
/// ACB: home directory required.
pub const ACB_HOMDIRREQ: u32 = 0x0002;
/// ACB: password not required.
pub const ACB_PWNOTREQ: u32 = 0x0004;
/// ACB: temporary duplicate account.
pub const ACB_TEMPDUP: u32 = 0x0008;
/// ACB: normal user account.
pub const ACB_NORMAL: u32 = 0x0010;
/// ACB: password never expires.
pub const ACB_PWNOEXP: u32 = 0x0200;
/// ACB: account locked out.
pub const ACB_AUTOLOCK: u32 = 0x0400;

/// A stored LM or NT hash entry of `V`: its presence and length only, never its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashEntry {
    /// Bytes the `V` entry takes (header included), as stored.
    pub stored_len: u32,
    /// The layout named by the entry's header.
    pub style: HashStyle,
    /// True when a hash follows the header (a password has been set, possibly empty).
    pub present: bool,
}

/// Layout of a `V` hash entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashStyle {
    /// No entry (length below the 4-byte header).
    None,
    /// RC4-encrypted, header revision 1: 4-byte header then 16 hash bytes.
    Rc4,
    /// AES-encrypted (Windows 10 1607 and later), header revision 2: 24-byte header with salt,
    /// then the encrypted hash.
    Aes,
    /// A header revision this module does not know.
    Unknown(u16),
}

impl HashEntry {
    /// Presence of the hash entry at (`at`, `len`) of a `V` data area, from its header only.
    fn classify(data: &[u8], at: usize, len: u32) -> HashEntry {
        if len < 4 {
            return HashEntry {
                stored_len: len,
                style: HashStyle::None,
                present: false,
            };
        }
        // `v_entry` checked `at..at + len` against the value; a revision outside it reads as
        // an unknown style, not as a hash.
        let revision = Fields::unplaced(data, "SAM hash entry")
            .le_u16(at.saturating_add(2))
            .unwrap_or(u16::MAX);
        let (style, present) = match revision {
            1 => (HashStyle::Rc4, len >= 20),
            2 => (HashStyle::Aes, len > 24),
            other => (HashStyle::Unknown(other), false),
        };
        HashEntry {
            stored_len: len,
            style,
            present,
        }
    }
}

/// The fixed fields of a user's `F` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFixed {
    /// Last logon (FILETIME), `None` when never.
    pub last_logon: Option<u64>,
    /// Password last set (FILETIME), `None` when never.
    pub password_last_set: Option<u64>,
    /// Account expiry (FILETIME), `None` when it never expires.
    pub account_expires: Option<u64>,
    /// Last failed logon (FILETIME), `None` when never.
    pub last_failed_logon: Option<u64>,
    /// The RID the value records.
    pub rid: u32,
    /// Account-control bits (`ACB_*`).
    pub acb: u32,
    /// Failed logons since the last good one.
    pub failed_logon_count: u16,
    /// Logons since creation.
    pub logon_count: u16,
}

fn filetime(raw: u64) -> Option<u64> {
    (raw != 0 && raw != FILETIME_NEVER).then_some(raw)
}

/// Parses a user's `F` value (`at`: its vk cell's file offset, for errors).
pub fn parse_user_f(data: &[u8], at: u64) -> Result<UserFixed> {
    if data.len() < USER_F_LEN {
        return Err(RegistryError::Truncated {
            structure: "SAM user F value",
            offset: at,
            needed: USER_F_LEN as u64,
            available: data.len() as u64,
        });
    }
    let f = Fields::new(data, "SAM user F value", at);
    Ok(UserFixed {
        last_logon: filetime(f.le_u64(0x08)?),
        password_last_set: filetime(f.le_u64(0x18)?),
        account_expires: filetime(f.le_u64(0x20)?),
        last_failed_logon: filetime(f.le_u64(0x28)?),
        rid: f.le_u32(0x30)?,
        acb: u32::from(f.le_u16(0x38)?),
        failed_logon_count: f.le_u16(0x40)?,
        logon_count: f.le_u16(0x42)?,
    })
}

/// The variable fields of a user's `V` value (strings, and hash presence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVariable {
    /// The account name.
    pub username: String,
    /// The full name (often empty).
    pub full_name: String,
    /// The admin comment (e.g. "Built-in account for administering the computer/domain").
    pub comment: String,
    /// The LM hash entry.
    pub lm_hash: HashEntry,
    /// The NT hash entry.
    pub nt_hash: HashEntry,
}

/// The (offset, length) of `V` table entry `index`, checked against the data area.
fn v_entry(data: &[u8], index: usize, at: u64, what: &'static str) -> Result<(usize, u32)> {
    let f = Fields::new(data, "SAM user V value", at);
    let off = f.le_u32(index * 12)?;
    let len = f.le_u32(index * 12 + 4)?;
    let start = u64::from(off) + USER_V_HEADER as u64;
    let end = start + u64::from(len);
    if end > data.len() as u64 {
        return Err(RegistryError::Invalid {
            structure: "SAM user V value",
            offset: at,
            message: format!(
                "{what} entry (table slot {index}) spans {start:#x}..{end:#x}, past the value's \
                 {:#x} bytes",
                data.len()
            ),
        });
    }
    Ok((start as usize, len))
}

fn v_string(data: &[u8], index: usize, at: u64, what: &'static str) -> Result<String> {
    let (start, len) = v_entry(data, index, at, what)?;
    Ok(utf16le(
        Fields::new(data, "SAM user V value", at).slice(start, len as usize)?,
    ))
}

/// Parses a user's `V` value (`at`: its vk cell's file offset, for errors). Reads the strings
/// and the hash entries' headers; never copies a hash byte.
pub fn parse_user_v(data: &[u8], at: u64) -> Result<UserVariable> {
    if data.len() < USER_V_HEADER {
        return Err(RegistryError::Truncated {
            structure: "SAM user V value",
            offset: at,
            needed: USER_V_HEADER as u64,
            available: data.len() as u64,
        });
    }
    let (lm_at, lm_len) = v_entry(data, 13, at, "LM hash")?;
    let (nt_at, nt_len) = v_entry(data, 14, at, "NT hash")?;
    Ok(UserVariable {
        username: v_string(data, 1, at, "user name")?,
        full_name: v_string(data, 2, at, "full name")?,
        comment: v_string(data, 3, at, "comment")?,
        lm_hash: HashEntry::classify(data, lm_at, lm_len),
        nt_hash: HashEntry::classify(data, nt_at, nt_len),
    })
}

/// A security identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    /// Revision (1).
    pub revision: u8,
    /// The 48-bit identifier authority (5 = NT AUTHORITY).
    pub authority: u64,
    /// Sub-authorities, the last one being the RID for account SIDs.
    pub sub_authorities: Vec<u32>,
}

impl Sid {
    /// The last sub-authority (the RID of an account SID).
    pub fn rid(&self) -> Option<u32> {
        self.sub_authorities.last().copied()
    }

    /// The SID without its last sub-authority (an account's domain SID).
    pub fn domain(&self) -> Sid {
        let mut s = self.clone();
        s.sub_authorities.pop();
        s
    }

    /// Parses one SID at the start of `data`; returns it and its length.
    pub fn parse(data: &[u8], at: u64) -> Result<(Sid, usize)> {
        const S: &str = "SID";
        if data.len() < 8 {
            return Err(RegistryError::Truncated {
                structure: S,
                offset: at,
                needed: 8,
                available: data.len() as u64,
            });
        }
        let revision = data.first().copied().unwrap_or(0);
        let count = usize::from(data.get(1).copied().unwrap_or(0));
        if revision != 1 {
            return Err(RegistryError::Unsupported {
                structure: S,
                offset: at,
                what: "revision",
                actual: u64::from(revision),
            });
        }
        if count > MAX_SUB_AUTHORITIES {
            return Err(RegistryError::TooLarge {
                structure: S,
                offset: at,
                what: "sub-authority count",
                actual: count as u64,
                limit: MAX_SUB_AUTHORITIES as u64,
            });
        }
        let len = 8 + 4 * count;
        if data.len() < len {
            return Err(RegistryError::Truncated {
                structure: S,
                offset: at,
                needed: len as u64,
                available: data.len() as u64,
            });
        }
        let f = Fields::new(data, S, at);
        let authority = f
            .slice(2, 6)?
            .iter()
            .fold(0u64, |a, &b| (a << 8) | u64::from(b));
        let sub_authorities = (0..count)
            .map(|i| f.le_u32(8 + 4 * i))
            .collect::<Result<_, _>>()?;
        Ok((
            Sid {
                revision,
                authority,
                sub_authorities,
            },
            len,
        ))
    }
}

impl std::fmt::Display for Sid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S-{}-{}", self.revision, self.authority)?;
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// A built-in alias (local group) and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamAlias {
    /// The alias RID (544 Administrators, 555 Remote Desktop Users).
    pub rid: u32,
    /// The alias name as stored (localised).
    pub name: String,
    /// The alias comment.
    pub comment: String,
    /// Member SIDs, in stored order.
    pub members: Vec<Sid>,
}

/// Parses an alias `C` value (`at`: its vk cell's file offset, for errors).
pub fn parse_alias_c(data: &[u8], at: u64) -> Result<SamAlias> {
    const S: &str = "SAM alias C value";
    if data.len() < ALIAS_C_HEADER {
        return Err(RegistryError::Truncated {
            structure: S,
            offset: at,
            needed: ALIAS_C_HEADER as u64,
            available: data.len() as u64,
        });
    }
    let f = Fields::new(data, S, at);
    let area = |field: usize, what: &str| -> Result<&[u8]> {
        let start = u64::from(f.le_u32(field)?) + ALIAS_C_HEADER as u64;
        let end = start + u64::from(f.le_u32(field + 4)?);
        if end > data.len() as u64 {
            return Err(RegistryError::Invalid {
                structure: S,
                offset: at,
                message: format!(
                    "{what} spans {start:#x}..{end:#x}, past the value's {:#x} bytes",
                    data.len()
                ),
            });
        }
        Ok(data.get(start as usize..end as usize).unwrap_or(&[]))
    };
    let name = utf16le(area(0x10, "name")?);
    let comment = utf16le(area(0x1C, "comment")?);
    let mut rest = area(0x28, "member list")?;
    let count = f.le_u32(0x30)? as usize;
    if count > MAX_ALIAS_MEMBERS {
        return Err(RegistryError::TooLarge {
            structure: S,
            offset: at,
            what: "member count",
            actual: count as u64,
            limit: MAX_ALIAS_MEMBERS as u64,
        });
    }
    // Each SID takes at least 8 bytes: the count cannot exceed what the list holds.
    let mut members = Vec::with_capacity(count.min(rest.len() / 8));
    for i in 0..count {
        let (sid, len) = Sid::parse(rest, at).map_err(|e| match e {
            RegistryError::Truncated { .. } => RegistryError::Invalid {
                structure: S,
                offset: at,
                message: format!("member {i} of {count} runs past the member list"),
            },
            other => other,
        })?;
        members.push(sid);
        rest = rest.get(len..).unwrap_or(&[]);
    }
    Ok(SamAlias {
        rid: f.le_u32(0)?,
        name,
        comment,
        members,
    })
}

/// One local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamAccount {
    /// The RID (the user key's name, hexadecimal).
    pub rid: u32,
    /// The user key's name as stored (e.g. `000001F4`).
    pub key_name: String,
    /// Last-written time of the user key (FILETIME).
    pub key_last_written: u64,
    /// The `F` value's fields.
    pub fixed: UserFixed,
    /// The `V` value's fields.
    pub variable: UserVariable,
    /// The `Users\Names` subkey naming this RID (its default value's type), if any.
    pub names_entry: Option<String>,
}

impl SamAccount {
    /// The account name (from `V`).
    pub fn username(&self) -> &str {
        &self.variable.username
    }
    /// Account disabled (`ACB_DISABLED`).
    pub fn disabled(&self) -> bool {
        self.fixed.acb & ACB_DISABLED != 0
    }
    /// Locked out (`ACB_AUTOLOCK`).
    pub fn locked(&self) -> bool {
        self.fixed.acb & ACB_AUTOLOCK != 0
    }
    /// Password not required (`ACB_PWNOTREQ`).
    pub fn password_not_required(&self) -> bool {
        self.fixed.acb & ACB_PWNOTREQ != 0
    }
    /// Password never expires (`ACB_PWNOEXP`).
    pub fn password_never_expires(&self) -> bool {
        self.fixed.acb & ACB_PWNOEXP != 0
    }
    /// An NT hash is stored: a password was set (it may be the empty password; only decryption,
    /// which this crate never does, could tell).
    pub fn password_set(&self) -> bool {
        self.variable.nt_hash.present
    }
    /// An LM hash is stored (`NoLMHash` was off when the password was set).
    pub fn lm_hash_stored(&self) -> bool {
        self.variable.lm_hash.present
    }
}

/// A user key that could not be read, and why (the other accounts are still reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamProblem {
    /// The user key's name.
    pub key_name: String,
    /// What went wrong.
    pub error: RegistryError,
}

/// The local accounts and built-in alias memberships of a SAM hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamDatabase {
    /// Every readable user, in key order.
    pub accounts: Vec<SamAccount>,
    /// User keys that could not be read.
    pub problems: Vec<SamProblem>,
    /// `Administrators` (544), when the alias exists.
    pub administrators: Option<SamAlias>,
    /// `Remote Desktop Users` (555), when the alias exists.
    pub remote_desktop_users: Option<SamAlias>,
}

/// Reads the raw bytes of `key`'s value `name`, refusing more than [`MAX_SAM_VALUE`].
fn small_value(key: &Key, name: &str, structure: &'static str) -> Result<Option<(Vec<u8>, u64)>> {
    let Some(v): Option<Value> = key.value(name)? else {
        return Ok(None);
    };
    let at = BASE_BLOCK_LEN + u64::from(v.offset());
    if v.data_size() > MAX_SAM_VALUE {
        return Err(RegistryError::TooLarge {
            structure,
            offset: at,
            what: "data size",
            actual: u64::from(v.data_size()),
            limit: u64::from(MAX_SAM_VALUE),
        });
    }
    Ok(Some((v.raw_data()?, at)))
}

fn read_account(user: &Key, names: &[(u32, String)]) -> Result<SamAccount> {
    let rid = u32::from_str_radix(user.name(), 16).map_err(|_| RegistryError::Invalid {
        structure: "SAM user key",
        offset: user.file_offset(),
        message: "key name is not a hexadecimal RID".into(),
    })?;
    let missing = |what: &str| RegistryError::Invalid {
        structure: "SAM user key",
        offset: user.file_offset(),
        message: format!("no {what} value"),
    };
    let (f, f_at) = small_value(user, "F", "SAM user F value")?.ok_or_else(|| missing("F"))?;
    let fixed = parse_user_f(&f, f_at)?;
    let (mut v, v_at) = small_value(user, "V", "SAM user V value")?.ok_or_else(|| missing("V"))?;
    let variable = parse_user_v(&v, v_at);
    // The buffer holds the encrypted hashes: wipe it before it goes back to the allocator.
    v.fill(0);
    let variable = variable?;
    Ok(SamAccount {
        rid,
        key_name: user.name().to_string(),
        key_last_written: user.last_written(),
        fixed,
        variable,
        names_entry: names
            .iter()
            .find(|(r, _)| *r == rid)
            .map(|(_, n)| n.clone()),
    })
}

fn read_alias(hive: &Hive, rid: u32) -> Result<Option<SamAlias>> {
    let path = format!("{BUILTIN_ALIASES_PATH}\\{rid:08X}");
    let Some(key) = hive.key(&path)? else {
        return Ok(None);
    };
    match small_value(&key, "C", "SAM alias C value")? {
        Some((c, at)) => parse_alias_c(&c, at).map(Some),
        None => Ok(None),
    }
}

impl SamDatabase {
    /// Reads the accounts and the Administrators / Remote Desktop Users aliases. A hive without
    /// `SAM\Domains\Account\Users` is an error (not a SAM); a user key that cannot be read is
    /// listed in [`SamDatabase::problems`].
    pub fn read(hive: &Hive) -> Result<SamDatabase> {
        let users = hive
            .key(USERS_PATH)?
            .ok_or_else(|| RegistryError::Invalid {
                structure: "SAM hive",
                offset: BASE_BLOCK_LEN,
                message: format!("no {USERS_PATH} key"),
            })?;
        let keys = users.subkeys()?;
        if keys.len() > MAX_SAM_USERS + 1 {
            return Err(RegistryError::TooLarge {
                structure: "SAM Users key",
                offset: users.file_offset(),
                what: "subkey count",
                actual: keys.len() as u64,
                limit: MAX_SAM_USERS as u64 + 1,
            });
        }
        let mut names = Vec::new();
        if let Some(n) = keys
            .iter()
            .find(|k| crate::key::names_equal(k.name(), "Names"))
        {
            let entries = n.subkeys()?;
            if entries.len() > MAX_SAM_USERS {
                return Err(RegistryError::TooLarge {
                    structure: "SAM Names key",
                    offset: n.file_offset(),
                    what: "subkey count",
                    actual: entries.len() as u64,
                    limit: MAX_SAM_USERS as u64,
                });
            }
            for e in entries {
                // The default value's *type* is the RID; its data is empty.
                if let Some(v) = e.value("")? {
                    names.push((v.value_type(), e.name().to_string()));
                }
            }
        }
        let mut accounts = Vec::new();
        let mut problems = Vec::new();
        for user in keys
            .iter()
            .filter(|k| !crate::key::names_equal(k.name(), "Names"))
        {
            match read_account(user, &names) {
                Ok(a) => accounts.push(a),
                Err(error) => problems.push(SamProblem {
                    key_name: user.name().to_string(),
                    error,
                }),
            }
        }
        Ok(SamDatabase {
            accounts,
            problems,
            administrators: read_alias(hive, ALIAS_ADMINISTRATORS)?,
            remote_desktop_users: read_alias(hive, ALIAS_REMOTE_DESKTOP_USERS)?,
        })
    }

    /// The account with RID `rid`.
    pub fn account(&self, rid: u32) -> Option<&SamAccount> {
        self.accounts.iter().find(|a| a.rid == rid)
    }

    /// The machine's account-domain SID, taken from a member of Administrators that is a local
    /// account (S-1-5-21-…-RID with a RID present here).
    pub fn domain_sid(&self) -> Option<Sid> {
        let admins = self.administrators.as_ref()?;
        admins
            .members
            .iter()
            .find(|s| {
                s.authority == 5
                    && s.sub_authorities.first() == Some(&21)
                    && s.rid().is_some_and(|r| self.account(r).is_some())
            })
            .map(Sid::domain)
    }

    /// True when account `rid` is a member of `alias` (matched by the machine's domain SID).
    pub fn is_member(&self, alias: Option<&SamAlias>, rid: u32) -> bool {
        let (Some(alias), Some(domain)) = (alias, self.domain_sid()) else {
            return false;
        };
        alias
            .members
            .iter()
            .any(|s| s.rid() == Some(rid) && s.domain() == domain)
    }

    /// True when account `rid` is in Administrators.
    pub fn is_admin(&self, rid: u32) -> bool {
        self.is_member(self.administrators.as_ref(), rid)
    }

    /// True when account `rid` is in Remote Desktop Users.
    pub fn is_remote_desktop_user(&self, rid: u32) -> bool {
        self.is_member(self.remote_desktop_users.as_ref(), rid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// A `V` value with the given strings and hash entries (header bytes only + filler).
    pub(crate) fn v_value(name: &str, nt: &[u8], lm: &[u8]) -> Vec<u8> {
        let mut table = vec![0u8; USER_V_HEADER];
        let mut data = Vec::new();
        let mut put = |slot: usize, bytes: &[u8], table: &mut Vec<u8>| {
            let off = data.len() as u32;
            table[slot * 12..slot * 12 + 4].copy_from_slice(&off.to_le_bytes());
            table[slot * 12 + 4..slot * 12 + 8]
                .copy_from_slice(&(bytes.len() as u32).to_le_bytes());
            data.extend_from_slice(bytes);
            while data.len() % 4 != 0 {
                data.push(0);
            }
        };
        put(1, &utf16(name), &mut table);
        put(2, &utf16("Full"), &mut table);
        put(3, &[], &mut table);
        put(13, lm, &mut table);
        put(14, nt, &mut table);
        table.extend_from_slice(&data);
        table
    }

    #[test]
    fn v_hash_entries_say_presence_and_length_only() {
        let mut aes = vec![0u8; 56];
        aes[2] = 2;
        let mut aes_empty = vec![0u8; 24];
        aes_empty[2] = 2;
        let mut rc4 = vec![0u8; 20];
        rc4[2] = 1;
        let v = parse_user_v(&v_value("bob", &aes, &aes_empty), 0).unwrap();
        assert_eq!(v.username, "bob");
        assert_eq!(v.full_name, "Full");
        assert_eq!(v.nt_hash.style, HashStyle::Aes);
        assert!(v.nt_hash.present && !v.lm_hash.present);
        assert_eq!((v.nt_hash.stored_len, v.lm_hash.stored_len), (56, 24));
        let v = parse_user_v(&v_value("x", &rc4, &[]), 0).unwrap();
        assert_eq!(v.nt_hash.style, HashStyle::Rc4);
        assert!(v.nt_hash.present);
        assert_eq!(v.lm_hash.style, HashStyle::None);
        let mut old_absent = vec![0u8; 4];
        old_absent[2] = 1;
        assert!(
            !parse_user_v(&v_value("x", &old_absent, &[]), 0)
                .unwrap()
                .nt_hash
                .present
        );
    }

    #[test]
    fn v_entries_past_the_value_are_errors_naming_the_field() {
        let mut v = v_value("bob", &[], &[]);
        // Slot 14 (NT hash) length far past the end.
        v[14 * 12 + 4..14 * 12 + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let e = parse_user_v(&v, 0x1234).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("NT hash") && text.contains("0x1234"),
            "{text}"
        );
        assert!(matches!(
            parse_user_v(&v[..100], 7),
            Err(RegistryError::Truncated { offset: 7, .. })
        ));
    }

    #[test]
    fn f_fields_and_never_times() {
        let mut f = vec![0u8; 0x50];
        f[0x08..0x10].copy_from_slice(&132_884_000_000_000_000u64.to_le_bytes());
        f[0x20..0x28].copy_from_slice(&FILETIME_NEVER.to_le_bytes());
        f[0x30..0x34].copy_from_slice(&1001u32.to_le_bytes());
        f[0x38..0x3A].copy_from_slice(&0x0215u16.to_le_bytes());
        f[0x42..0x44].copy_from_slice(&9u16.to_le_bytes());
        let p = parse_user_f(&f, 0).unwrap();
        assert_eq!(p.last_logon, Some(132_884_000_000_000_000));
        assert_eq!((p.password_last_set, p.account_expires), (None, None));
        assert_eq!((p.rid, p.acb, p.logon_count), (1001, 0x215, 9));
        assert!(parse_user_f(&f[..0x40], 0).is_err());
    }

    #[test]
    fn sids_and_alias_members() {
        let mut sid = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
        for s in [21u32, 1, 2, 3, 500] {
            sid.extend_from_slice(&s.to_le_bytes());
        }
        let (s, len) = Sid::parse(&sid, 0).unwrap();
        assert_eq!((s.to_string(), len), ("S-1-5-21-1-2-3-500".to_string(), 28));
        assert_eq!(s.domain().to_string(), "S-1-5-21-1-2-3");
        let mut c = vec![0u8; ALIAS_C_HEADER];
        c[0..4].copy_from_slice(&544u32.to_le_bytes());
        let name = utf16("Administrators");
        c[0x14..0x18].copy_from_slice(&(name.len() as u32).to_le_bytes());
        c[0x28..0x2C].copy_from_slice(&(name.len() as u32).to_le_bytes());
        c[0x2C..0x30].copy_from_slice(&(sid.len() as u32 * 2).to_le_bytes());
        c[0x30..0x34].copy_from_slice(&2u32.to_le_bytes());
        c.extend_from_slice(&name);
        c.extend_from_slice(&sid);
        c.extend_from_slice(&sid);
        let a = parse_alias_c(&c, 0).unwrap();
        assert_eq!(
            (a.rid, a.name.as_str(), a.members.len()),
            (544, "Administrators", 2)
        );
        // A count larger than the list holds is an error, not an over-read or a huge allocation.
        c[0x30..0x34].copy_from_slice(&3u32.to_le_bytes());
        assert!(parse_alias_c(&c, 0).is_err());
        c[0x30..0x34].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            parse_alias_c(&c, 0),
            Err(RegistryError::TooLarge { .. })
        ));
        assert!(Sid::parse(&[1, 16, 0, 0, 0, 0, 0, 5], 0).is_err());
    }
}
