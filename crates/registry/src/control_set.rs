//! The offline `CurrentControlSet` of a SYSTEM hive (windows-image-facts §0.2): the volatile
//! link does not exist offline, so it is resolved from `Select\Current` as `ControlSet%03u`.

use crate::error::Result;
use crate::hive::Hive;
use crate::key::Key;
use crate::value::ValueData;

/// Where the control-set number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlSetSource {
    /// `Select\Current` (what Windows boots).
    SelectCurrent,
    /// `Select\Default`, used when `Current` is absent or names a missing key.
    SelectDefault,
    /// The only `ControlSetNNN` key present (no usable `Select`).
    OnlyControlSet,
}

/// The resolved control set, with the evidence that produced it.
#[derive(Debug, Clone)]
pub struct ControlSet {
    /// Key name, e.g. `ControlSet001`.
    pub name: String,
    /// The number (1 for `ControlSet001`).
    pub number: u32,
    /// The key itself.
    pub key: Key,
    /// Where the number came from.
    pub source: ControlSetSource,
    /// The evidence path, e.g. `Select\Current` (or the key name for `OnlyControlSet`).
    pub evidence_path: String,
    /// The value read (the number, as stored).
    pub evidence_value: u32,
}

/// The name Windows gives control set `n`: `ControlSet` and at least three digits.
pub fn control_set_name(n: u32) -> String {
    format!("ControlSet{n:03}")
}

fn select_dword(select: &Key, name: &str) -> Result<Option<u32>> {
    Ok(match select.value(name)? {
        Some(v) => match v.data() {
            Ok(ValueData::Dword(n)) => Some(n),
            _ => None,
        },
        None => None,
    })
}

/// Resolves the offline CurrentControlSet: `Select\Current`, then `Select\Default`, then the
/// only `ControlSetNNN` key; the key must exist. `Ok(None)` when nothing resolves.
pub fn current_control_set(hive: &Hive) -> Result<Option<ControlSet>> {
    if let Some(select) = hive.key("Select")? {
        for (name, source) in [
            ("Current", ControlSetSource::SelectCurrent),
            ("Default", ControlSetSource::SelectDefault),
        ] {
            if let Some(n) = select_dword(&select, name)? {
                let key_name = control_set_name(n);
                if let Some(key) = hive.root()?.subkey(&key_name)? {
                    return Ok(Some(ControlSet {
                        name: key.name().to_string(),
                        number: n,
                        key,
                        source,
                        evidence_path: format!("Select\\{name}"),
                        evidence_value: n,
                    }));
                }
            }
        }
    }
    let sets: Vec<(u32, Key)> = hive
        .root()?
        .subkeys()?
        .into_iter()
        .filter_map(|k| {
            let lower = k.name().to_ascii_lowercase();
            let digits = lower.strip_prefix("controlset")?;
            if digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
                digits.parse::<u32>().ok().map(|n| (n, k))
            } else {
                None
            }
        })
        .collect();
    if let [(n, key)] = sets.as_slice() {
        return Ok(Some(ControlSet {
            name: key.name().to_string(),
            number: *n,
            key: key.clone(),
            source: ControlSetSource::OnlyControlSet,
            evidence_path: key.name().to_string(),
            evidence_value: *n,
        }));
    }
    Ok(None)
}

/// Rewrites a leading `CurrentControlSet` component of a SYSTEM key path to the resolved
/// `ControlSetNNN` (offline there is no such key). Other paths are returned unchanged. Only `\`
/// separates keys ([`crate::path`]).
pub fn resolve_current_control_set(hive: &Hive, path: &str) -> Result<String> {
    let mut parts = crate::path::key_names(path);
    match parts.next() {
        Some(first) if first.eq_ignore_ascii_case("CurrentControlSet") => {
            match current_control_set(hive)? {
                Some(cs) => {
                    let mut names = vec![cs.name];
                    names.extend(parts.map(str::to_string));
                    Ok(names.join("\\"))
                }
                None => Ok(path.to_string()),
            }
        }
        _ => Ok(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pad_to_three_digits() {
        assert_eq!(control_set_name(1), "ControlSet001");
        assert_eq!(control_set_name(10), "ControlSet010");
        assert_eq!(control_set_name(1234), "ControlSet1234");
    }
}
