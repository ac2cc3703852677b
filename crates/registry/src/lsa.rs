//! LSA secrets and cached domain logons of a SECURITY hive: **names, lengths and counts only**.
//!
//! `Policy\Secrets\<name>\CurrVal` holds a secret's current (encrypted) value in its default
//! value; this module reports that the secret exists and how many bytes `CurrVal` stores, never
//! the bytes (they are wiped after the length check). `Cache\NL$<n>` values are the cached domain
//! logons; an entry whose IV (16 bytes at 0x40, impacket's test) is all zeros is an unused slot.

use vhdlint_container::bytes::Fields;

use crate::base_block::BASE_BLOCK_LEN;
use crate::error::{RegistryError, Result};
use crate::hive::Hive;
use crate::key::names_equal;

/// Path of the LSA secrets.
pub const SECRETS_PATH: &str = "Policy\\Secrets";
/// Path of the cached domain logons.
pub const CACHE_PATH: &str = "Cache";
/// Most secrets read (a machine has a few dozen).
pub const MAX_LSA_SECRETS: usize = 4096;
/// Most `Cache` values read (Windows keeps at most 50 cached logons, plus `NL$Control`).
pub const MAX_CACHE_VALUES: usize = 1024;
/// Largest cache entry whose header is read.
pub const MAX_CACHE_ENTRY: u32 = 64 * 1024;
/// Offset and length of a cache entry's IV.
const NL_IV: (usize, usize) = (0x40, 16);

/// What a secret's name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// `DefaultPassword`: the auto-logon password.
    DefaultPassword,
    /// `_SC_<service>`: a service account's password.
    ServicePassword,
    /// `DPAPI_SYSTEM`: the machine's DPAPI master keys.
    DpapiSystem,
    /// `NL$KM`: the key encrypting the cached domain logons.
    CachedLogonKey,
    /// `$MACHINE.ACC`: the machine account's domain password.
    MachineAccount,
    /// Anything else (`L$…`, `RasDial…`, application secrets).
    Other,
}

impl SecretKind {
    /// The kind a secret name denotes (case-insensitive, as the registry compares).
    pub fn of(name: &str) -> SecretKind {
        let upper = name.to_ascii_uppercase();
        if upper == "DEFAULTPASSWORD" {
            SecretKind::DefaultPassword
        } else if upper.starts_with("_SC_") {
            SecretKind::ServicePassword
        } else if upper == "DPAPI_SYSTEM" {
            SecretKind::DpapiSystem
        } else if upper == "NL$KM" {
            SecretKind::CachedLogonKey
        } else if upper == "$MACHINE.ACC" {
            SecretKind::MachineAccount
        } else {
            SecretKind::Other
        }
    }
}

/// One LSA secret: its name and the size of its current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LsaSecret {
    /// The secret's key name, e.g. `DefaultPassword`, `_SC_MSSQLSERVER`.
    pub name: String,
    /// What the name says it is.
    pub kind: SecretKind,
    /// For `_SC_<service>`, the service name.
    pub service: Option<String>,
    /// Bytes stored in `CurrVal` (its default value), `None` when there is no `CurrVal` key or
    /// value. 0 means an empty current value.
    pub current_len: Option<u32>,
    /// Bytes stored in `OldVal`, like `current_len`.
    pub old_len: Option<u32>,
    /// File offset of the secret's key (evidence).
    pub key_offset: u64,
}

/// The secrets and cached-logon count of a SECURITY hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LsaSecrets {
    /// Secrets under `Policy\Secrets`, in key order.
    pub secrets: Vec<LsaSecret>,
    /// `Cache\NL$<n>` values present (slots, used or not).
    pub cache_slots: usize,
    /// `Cache\NL$<n>` entries that hold a cached logon.
    pub cached_logons: usize,
}

/// True when a `Cache\NL$<n>` entry holds a cached logon: its IV (16 bytes at 0x40) is not
/// all zeros (impacket `secretsdump`'s test). Shorter data is an unused slot.
pub fn cache_entry_used(data: &[u8]) -> bool {
    Fields::unplaced(data, "NL$ cache entry")
        .slice(NL_IV.0, NL_IV.1)
        .is_ok_and(|iv| iv.iter().any(|&b| b != 0))
}

impl LsaSecrets {
    /// Reads `Policy\Secrets` and `Cache`. A hive with neither key is an error (not SECURITY).
    pub fn read(hive: &Hive) -> Result<LsaSecrets> {
        let secrets_key = hive.key(SECRETS_PATH)?;
        let cache_key = hive.key(CACHE_PATH)?;
        if secrets_key.is_none() && cache_key.is_none() {
            return Err(RegistryError::Invalid {
                structure: "SECURITY hive",
                offset: BASE_BLOCK_LEN,
                message: format!("neither {SECRETS_PATH} nor {CACHE_PATH} is present"),
            });
        }
        let mut secrets = Vec::new();
        if let Some(key) = secrets_key {
            let subkeys = key.subkeys()?;
            if subkeys.len() > MAX_LSA_SECRETS {
                return Err(RegistryError::TooLarge {
                    structure: "LSA Secrets key",
                    offset: key.file_offset(),
                    what: "secret count",
                    actual: subkeys.len() as u64,
                    limit: MAX_LSA_SECRETS as u64,
                });
            }
            for s in subkeys {
                let len_of = |sub: &str| -> Result<Option<u32>> {
                    let Some(k) = s.subkey(sub)? else {
                        return Ok(None);
                    };
                    // The size the value records; its bytes are never read.
                    Ok(k.value("")?.map(|v| v.data_size()))
                };
                let name = s.name().to_string();
                let kind = SecretKind::of(&name);
                secrets.push(LsaSecret {
                    service: (kind == SecretKind::ServicePassword)
                        .then(|| name.get(4..).unwrap_or("").to_string()),
                    current_len: len_of("CurrVal")?,
                    old_len: len_of("OldVal")?,
                    key_offset: s.file_offset(),
                    kind,
                    name,
                });
            }
        }
        let (mut cache_slots, mut cached_logons) = (0, 0);
        if let Some(cache) = cache_key {
            let values = cache.values()?;
            if values.len() > MAX_CACHE_VALUES {
                return Err(RegistryError::TooLarge {
                    structure: "LSA Cache key",
                    offset: cache.file_offset(),
                    what: "value count",
                    actual: values.len() as u64,
                    limit: MAX_CACHE_VALUES as u64,
                });
            }
            for v in values {
                let upper = v.name().to_ascii_uppercase();
                let Some(n) = upper.strip_prefix("NL$") else {
                    continue;
                };
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                    continue; // NL$Control
                }
                cache_slots += 1;
                if v.data_size() > MAX_CACHE_ENTRY {
                    return Err(RegistryError::TooLarge {
                        structure: "LSA cache entry",
                        offset: BASE_BLOCK_LEN + u64::from(v.offset()),
                        what: "data size",
                        actual: u64::from(v.data_size()),
                        limit: u64::from(MAX_CACHE_ENTRY),
                    });
                }
                let mut d = v.raw_data()?;
                let used = cache_entry_used(&d);
                d.fill(0);
                if used {
                    cached_logons += 1;
                }
            }
        }
        Ok(LsaSecrets {
            secrets,
            cache_slots,
            cached_logons,
        })
    }

    /// The secret called `name` (case-insensitive).
    pub fn secret(&self, name: &str) -> Option<&LsaSecret> {
        self.secrets.iter().find(|s| names_equal(&s.name, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_slots_are_used_when_their_iv_is_set() {
        let mut e = vec![0u8; 168];
        assert!(!cache_entry_used(&e));
        e[0] = 10; // a user-name length alone, with a zero IV: still an unused slot
        assert!(!cache_entry_used(&e));
        e[0x4F] = 1;
        assert!(cache_entry_used(&e));
        assert!(
            !cache_entry_used(&e[..0x48]),
            "truncated: not a readable entry"
        );
    }

    #[test]
    fn secret_kinds_from_names() {
        assert_eq!(
            SecretKind::of("DefaultPassword"),
            SecretKind::DefaultPassword
        );
        assert_eq!(
            SecretKind::of("_SC_MSSQLSERVER"),
            SecretKind::ServicePassword
        );
        assert_eq!(SecretKind::of("dpapi_system"), SecretKind::DpapiSystem);
        assert_eq!(SecretKind::of("NL$KM"), SecretKind::CachedLogonKey);
        assert_eq!(SecretKind::of("$MACHINE.ACC"), SecretKind::MachineAccount);
        assert_eq!(SecretKind::of("L$RTMTIMEBOMB"), SecretKind::Other);
    }
}
