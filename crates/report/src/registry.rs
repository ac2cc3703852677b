//! JSON and text for `reg`: one key, its subkeys and its values.

use std::fmt::Write as _;

use serde::Serialize;
use vhdlint_registry::{Hive, Key, RegistryError, ValueData};

use crate::time::filetime_to_iso;
use crate::wire::SCHEMA_VERSION;

/// The `reg` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyJson {
    /// Schema version.
    pub schema_version: u32,
    /// The key as asked (after `CurrentControlSet` resolution).
    pub key: String,
    /// Where the hive was read from (a file, or `partition N: path` inside an image).
    pub hive: String,
    /// The hive was dirty (sequence numbers differ, or a bad base-block checksum).
    pub dirty: bool,
    /// Transaction logs were replayed (in memory) to read it.
    pub logs_replayed: bool,
    /// The key's last-written time (UTC), or null.
    pub last_written: Option<String>,
    /// Subkey names, in hive order.
    pub subkeys: Vec<String>,
    /// Values, in hive order.
    pub values: Vec<ValueJson>,
}

/// One value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueJson {
    /// Name; `""` is the key's default value.
    pub name: String,
    /// `REG_SZ`, `REG_DWORD`, … or `0x…` for an unknown type.
    #[serde(rename = "type")]
    pub value_type: String,
    /// Strings as strings, DWORD/QWORD as numbers, MULTI_SZ as an array (every string, empty
    /// ones inside the list kept), the rest as lower-case hex; null when the data cannot be
    /// decoded or read (see `problem`).
    pub data: serde_json::Value,
    /// The data bytes exactly as stored, lower-case hex (two digits a byte, `""` when empty),
    /// beside the decoded `data` for every value; null only when the bytes cannot be read.
    pub raw: Option<String>,
    /// Why `data` is null: `malformed: REG_DWORD needs 4 bytes, has 0` (the value is kept, its
    /// siblings too), or the error reading the data cells; null when the data decoded.
    pub problem: Option<String>,
}

/// The name Windows gives a value type.
pub fn type_name(t: u32) -> String {
    match t {
        0 => "REG_NONE".into(),
        1 => "REG_SZ".into(),
        2 => "REG_EXPAND_SZ".into(),
        3 => "REG_BINARY".into(),
        4 => "REG_DWORD".into(),
        5 => "REG_DWORD_BIG_ENDIAN".into(),
        6 => "REG_LINK".into(),
        7 => "REG_MULTI_SZ".into(),
        8 => "REG_RESOURCE_LIST".into(),
        9 => "REG_FULL_RESOURCE_DESCRIPTOR".into(),
        10 => "REG_RESOURCE_REQUIREMENTS_LIST".into(),
        11 => "REG_QWORD".into(),
        other => format!("{other:#x}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn data_json(d: &ValueData) -> serde_json::Value {
    use serde_json::Value as J;
    match d {
        ValueData::Sz(s) | ValueData::ExpandSz(s) | ValueData::Link(s) => J::String(s.clone()),
        ValueData::Dword(n) | ValueData::DwordBigEndian(n) => J::from(*n),
        ValueData::Qword(n) => J::from(*n),
        ValueData::MultiSz(v) => J::from(v.clone()),
        ValueData::None(b) | ValueData::Binary(b) => J::String(hex(b)),
        ValueData::Other { bytes, .. } => J::String(hex(bytes)),
        ValueData::Malformed { .. } => J::Null,
    }
}

/// One value as JSON: never fails, so an undecodable value hides neither its key nor siblings.
fn value_json(v: &vhdlint_registry::Value) -> ValueJson {
    let (data, raw, problem) = match v.raw_data() {
        Err(e) => (serde_json::Value::Null, None, Some(e.to_string())),
        Ok(bytes) => {
            let raw = hex(&bytes);
            match vhdlint_registry::value::decode(v.value_type(), bytes, 0) {
                Ok(ValueData::Malformed {
                    value_type,
                    bytes,
                    needed,
                }) => (
                    serde_json::Value::Null,
                    Some(raw),
                    Some(format!(
                        "malformed: {} needs {needed} bytes, has {}",
                        type_name(value_type),
                        bytes.len()
                    )),
                ),
                Ok(d) => (data_json(&d), Some(raw), None),
                Err(e) => (serde_json::Value::Null, Some(raw), Some(e.to_string())),
            }
        }
    };
    ValueJson {
        name: v.name().to_string(),
        value_type: type_name(v.value_type()),
        data,
        raw,
        problem,
    }
}

/// A value whose data is a secret: its name, type and stored length, never its bytes.
fn redacted_json(v: &vhdlint_registry::Value) -> ValueJson {
    ValueJson {
        name: v.name().to_string(),
        value_type: type_name(v.value_type()),
        data: serde_json::Value::String(format!("<redacted: {} bytes>", v.data_size())),
        raw: None,
        problem: None,
    }
}

/// Reads `key`'s subkeys and values into a document.
pub fn key_json(
    hive: &Hive,
    key: &Key,
    key_path: &str,
    hive_source: &str,
) -> Result<KeyJson, RegistryError> {
    let subkeys = key
        .subkeys()?
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    // LSA secret values (`SECURITY\Policy\Secrets\<name>\CurrVal` …) are never printed,
    // not even encrypted: their length and a redaction marker only.
    let secret = key_path
        .to_ascii_lowercase()
        .replace('/', "\\")
        .contains("policy\\secrets\\");
    let values = key
        .values()?
        .iter()
        .map(|v| {
            if secret {
                redacted_json(v)
            } else {
                value_json(v)
            }
        })
        .collect();
    Ok(KeyJson {
        schema_version: SCHEMA_VERSION,
        key: key_path.to_string(),
        hive: hive_source.to_string(),
        dirty: hive.status().dirty,
        logs_replayed: hive.status().logs_replayed,
        last_written: filetime_to_iso(key.last_written()),
        subkeys,
        values,
    })
}

/// `reg` as text: a header, the subkeys, then `name  TYPE  data` lines.
pub fn key_text(doc: &KeyJson) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "key: {}", doc.key);
    let _ = writeln!(
        out,
        "hive: {} (dirty: {}, logs replayed: {})",
        doc.hive,
        if doc.dirty { "yes" } else { "no" },
        if doc.logs_replayed { "yes" } else { "no" }
    );
    if let Some(t) = &doc.last_written {
        let _ = writeln!(out, "last written: {t}");
    }
    let _ = writeln!(out, "subkeys: {}", doc.subkeys.len());
    for s in &doc.subkeys {
        let _ = writeln!(out, "  {s}\\");
    }
    let _ = writeln!(out, "values: {}", doc.values.len());
    let width = doc
        .values
        .iter()
        .map(|v| display_name(&v.name).len())
        .max()
        .unwrap_or(0);
    for v in &doc.values {
        let stringy = v.value_type.contains("SZ") || v.value_type == "REG_LINK";
        let data = match &v.data {
            _ if v.problem.is_some() => format!(
                "({}) raw: {}",
                v.problem.as_deref().unwrap_or_default(),
                v.raw.as_deref().map_or("-".into(), hex_bytes_text)
            ),
            serde_json::Value::String(s) if stringy => format!("{s:?}"),
            // REG_BINARY, REG_NONE, resource lists, unknown types: the bytes, as hex.
            serde_json::Value::String(t) => v.raw.as_deref().map_or(t.clone(), hex_bytes_text),
            serde_json::Value::Number(n) => match n.as_u64() {
                Some(u) => format!("{u} ({u:#x})"),
                None => n.to_string(),
            },
            other => other.to_string(),
        };
        let _ = writeln!(
            out,
            "  {:width$}  {:<20} {data}",
            display_name(&v.name),
            v.value_type
        );
    }
    out
}

/// Most bytes `reg` prints as text per value (the JSON has them all).
pub const TEXT_MAX_BYTES: usize = 64;

/// `"0102ff"` as `01 02 ff`, cut after [`TEXT_MAX_BYTES`] bytes with the total; `(empty)` for none.
fn hex_bytes_text(hex: &str) -> String {
    let total = hex.len() / 2;
    if total == 0 {
        return "(empty)".into();
    }
    let shown: Vec<&str> = (0..total.min(TEXT_MAX_BYTES))
        .filter_map(|i| hex.get(i * 2..i * 2 + 2))
        .collect();
    let mut out = shown.join(" ");
    if total > TEXT_MAX_BYTES {
        let _ = write!(out, " … ({total} bytes)");
    }
    out
}

fn display_name(name: &str) -> &str {
    if name.is_empty() {
        "(default)"
    } else {
        name
    }
}

/// The `bcd` object of `inspect`: the boot manager's default entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BcdJson {
    /// Partition holding the store, or null for a bare volume.
    pub partition: Option<u32>,
    /// Path of the store in that volume.
    pub path: String,
    /// Number of objects in the store.
    pub objects: usize,
    /// GUID of `{bootmgr}`'s default entry (element 23000003), or null.
    pub default_entry: Option<String>,
    /// The default entry's description (12000004), or null.
    pub description: Option<String>,
    /// The default entry's ApplicationPath (12000002): `winload.efi` (UEFI) or `winload.exe`.
    pub application_path: Option<String>,
    /// `testsigning` (16000049) on the default entry, or null when not set.
    pub testsigning: Option<bool>,
    /// `nointegritychecks` (16000048) on the default entry, or null when not set.
    pub nointegritychecks: Option<bool>,
}

impl BcdJson {
    /// Summarises a store found at `partition`/`path`.
    pub fn new(store: &vhdlint_registry::BcdStore, partition: Option<u32>, path: &str) -> Self {
        let default = store.default_entry();
        BcdJson {
            partition,
            path: path.to_string(),
            objects: store.objects.len(),
            default_entry: store.default_guid().map(str::to_string),
            description: default.and_then(|d| d.description()).map(str::to_string),
            application_path: default
                .and_then(|d| d.application_path())
                .map(str::to_string),
            testsigning: default.and_then(|d| d.testsigning()),
            nointegritychecks: default.and_then(|d| d.nointegritychecks()),
        }
    }
}
