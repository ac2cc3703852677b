//! JSON and text for `reg`: one key, its subkeys and its values.
//!
//! [`write_key_json`] and [`write_key_text`] stream: each value's data is read, written and
//! dropped before the next, and hex is written through a fixed buffer, so a key of many or large
//! values never costs a whole document in memory. The bytes are those of [`key_json`] printed
//! with `serde_json::to_writer_pretty` and of [`key_text`] (the JSON fields are a public
//! contract).

use std::fmt::Write as _;
use std::io;

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

/// Lower-case hex of `bytes`, written through a fixed 8 KiB buffer.
fn hex_into(out: &mut dyn io::Write, bytes: &[u8]) -> io::Result<()> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 8192];
    for chunk in bytes.chunks(buf.len() / 2) {
        for (pair, &b) in buf.chunks_exact_mut(2).zip(chunk) {
            if let [hi, lo] = pair {
                *hi = DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                *lo = DIGITS.get(usize::from(b & 15)).copied().unwrap_or(b'0');
            }
        }
        out.write_all(buf.get(..chunk.len() * 2).unwrap_or(&[]))?;
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    let mut v = Vec::with_capacity(bytes.len() * 2);
    let _ = hex_into(&mut v, bytes);
    String::from_utf8(v).unwrap_or_default()
}

/// Stands for a value's bytes as hex in a rendered value, until the bytes are written.
const HEX_MARK: &str = "\u{1}vhdlint-hex\u{1}";

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

/// One value as JSON with [`HEX_MARK`] where its bytes go as hex (`data` of binary types,
/// `raw`), and the bytes; never fails, so an undecodable value hides neither its key nor
/// siblings.
fn value_parts(v: &vhdlint_registry::Value) -> (ValueJson, Option<Vec<u8>>) {
    let mark = || serde_json::Value::String(HEX_MARK.into());
    let (data, raw, problem, bytes) = match v.raw_data() {
        Err(e) => (serde_json::Value::Null, None, Some(e.to_string()), None),
        Ok(bytes) => match vhdlint_registry::value::decode(v.value_type(), bytes.clone(), 0) {
            Ok(ValueData::Malformed {
                value_type, needed, ..
            }) => (
                serde_json::Value::Null,
                Some(HEX_MARK.to_string()),
                Some(format!(
                    "malformed: {} needs {needed} bytes, has {}",
                    type_name(value_type),
                    bytes.len()
                )),
                Some(bytes),
            ),
            Ok(ValueData::None(_) | ValueData::Binary(_) | ValueData::Other { .. }) => {
                (mark(), Some(HEX_MARK.to_string()), None, Some(bytes))
            }
            Ok(d) => (data_json(&d), Some(HEX_MARK.to_string()), None, Some(bytes)),
            Err(e) => (
                serde_json::Value::Null,
                Some(HEX_MARK.to_string()),
                Some(e.to_string()),
                Some(bytes),
            ),
        },
    };
    (
        ValueJson {
            name: v.name().to_string(),
            value_type: type_name(v.value_type()),
            data,
            raw,
            problem,
        },
        bytes,
    )
}

/// True for the keys whose values are LSA secrets (`SECURITY\Policy\Secrets\<name>\CurrVal` …):
/// never printed, not even encrypted — their length and a redaction marker only.
fn is_secret_key(key_path: &str) -> bool {
    key_path
        .to_ascii_lowercase()
        .replace('/', "\\")
        .contains("policy\\secrets\\")
}

/// Values that hold a secret outside the LSA secrets: Winlogon's auto-logon `DefaultPassword` /
/// `AltDefaultPassword` (any key named `Winlogon`), and a SAM user's hashes (`V`, …).
fn is_secret_value(key_path: &str, value: &str) -> bool {
    let lower = key_path.to_ascii_lowercase().replace('/', "\\");
    // A SAM user's `V` holds its (encrypted) LM/NT hashes; `SupplementalCredentials` and
    // `ResetData` hold more credential material: length only, like the LSA secrets.
    let sam_user = lower.contains("sam\\domains\\account\\users\\")
        && ["v", "supplementalcredentials", "resetdata"]
            .iter()
            .any(|n| value.eq_ignore_ascii_case(n));
    sam_user
        || is_secret_key(key_path)
        || (key_path
            .replace('/', "\\")
            .rsplit('\\')
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("winlogon"))
            && (value.eq_ignore_ascii_case("DefaultPassword")
                || value.eq_ignore_ascii_case("AltDefaultPassword")))
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

/// [`value_parts`], or the redacted value (no bytes) under a secret key.
fn shown_parts(v: &vhdlint_registry::Value, secret: bool) -> (ValueJson, Option<Vec<u8>>) {
    if secret {
        (redacted_json(v), None)
    } else {
        value_parts(v)
    }
}

/// One value as JSON, its hex in full.
fn value_json(v: &vhdlint_registry::Value) -> ValueJson {
    let (mut j, bytes) = value_parts(v);
    let h = bytes.as_deref().map(hex).unwrap_or_default();
    if j.data.as_str() == Some(HEX_MARK) {
        j.data = serde_json::Value::String(h.clone());
    }
    if j.raw.as_deref() == Some(HEX_MARK) {
        j.raw = Some(h);
    }
    j
}

/// Why `write_key_json` / `write_key_text` stopped.
#[derive(Debug)]
pub enum KeyWriteError {
    /// Reading the key (its subkeys or value list) failed: nothing was written.
    Registry(RegistryError),
    /// Writing failed.
    Io(io::Error),
}

impl std::fmt::Display for KeyWriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyWriteError::Registry(e) => e.fmt(f),
            KeyWriteError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for KeyWriteError {}

impl From<io::Error> for KeyWriteError {
    fn from(e: io::Error) -> Self {
        KeyWriteError::Io(e)
    }
}

impl From<serde_json::Error> for KeyWriteError {
    fn from(e: serde_json::Error) -> Self {
        KeyWriteError::Io(e.into())
    }
}

/// The document without its values (read before anything is written), and the values.
fn key_head(
    hive: &Hive,
    key: &Key,
    key_path: &str,
    hive_source: &str,
) -> Result<(KeyJson, Vec<vhdlint_registry::Value>), KeyWriteError> {
    let subkeys = key
        .subkeys()
        .map_err(KeyWriteError::Registry)?
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    let values = key.values().map_err(KeyWriteError::Registry)?;
    Ok((
        KeyJson {
            schema_version: SCHEMA_VERSION,
            key: key_path.to_string(),
            hive: hive_source.to_string(),
            dirty: hive.status().dirty,
            logs_replayed: hive.status().logs_replayed,
            last_written: filetime_to_iso(key.last_written()),
            subkeys,
            values: Vec::new(),
        },
        values,
    ))
}

/// Writes `key` as the pretty JSON of [`key_json`] (no final newline), one value at a time.
pub fn write_key_json(
    out: &mut dyn io::Write,
    hive: &Hive,
    key: &Key,
    key_path: &str,
    hive_source: &str,
) -> Result<(), KeyWriteError> {
    let (head, values) = key_head(hive, key, key_path, hive_source)?;
    let head = serde_json::to_string_pretty(&head)?;
    let Some(prefix) = head.strip_suffix("[]\n}").filter(|_| !values.is_empty()) else {
        out.write_all(head.as_bytes())?;
        return Ok(());
    };
    out.write_all(prefix.as_bytes())?;
    out.write_all(b"[\n")?;
    let mark = serde_json::to_string(HEX_MARK)?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let (skeleton, bytes) = shown_parts(v, is_secret_value(key_path, v.name()));
        // A raw NUL never appears in serde_json's output (it escapes control characters), so
        // it marks where the hex goes; a line break never appears inside a string, so only
        // the fields themselves match.
        let text = serde_json::to_string_pretty(&skeleton)?
            .replace(&format!("\n  \"data\": {mark}"), "\n  \"data\": \"\0\"")
            .replace(&format!("\n  \"raw\": {mark}"), "\n  \"raw\": \"\0\"");
        let text = format!("    {}", text.replace('\n', "\n    "));
        for (j, piece) in text.split('\0').enumerate() {
            if j > 0 {
                hex_into(out, bytes.as_deref().unwrap_or(&[]))?;
            }
            out.write_all(piece.as_bytes())?;
        }
    }
    out.write_all(b"\n  ]\n}")?;
    Ok(())
}

/// Writes `key` as [`key_text`] does, one value at a time.
pub fn write_key_text(
    out: &mut dyn io::Write,
    hive: &Hive,
    key: &Key,
    key_path: &str,
    hive_source: &str,
) -> Result<(), KeyWriteError> {
    let (head, values) = key_head(hive, key, key_path, hive_source)?;
    out.write_all(text_head(&head, values.len()).as_bytes())?;
    let width = values
        .iter()
        .map(|v| display_name(v.name()).len())
        .max()
        .unwrap_or(0);
    for v in &values {
        let secret = is_secret_value(key_path, v.name());
        let (j, bytes) = shown_parts(v, secret);
        // A secret's line shows the redaction marker where other values show their bytes.
        let raw = match secret {
            true => j.data.as_str().map(str::to_string),
            false => bytes.as_deref().map(bytes_text),
        };
        out.write_all(value_line(&j, raw, width).as_bytes())?;
    }
    Ok(())
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
    let values = key
        .values()?
        .iter()
        .map(|v| {
            if is_secret_value(key_path, v.name()) {
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
    let mut out = text_head(doc, doc.values.len());
    let width = doc
        .values
        .iter()
        .map(|v| display_name(&v.name).len())
        .max()
        .unwrap_or(0);
    for v in &doc.values {
        out.push_str(&value_line(v, v.raw.as_deref().map(hex_bytes_text), width));
    }
    out
}

/// The header and subkeys of the text, with the value count.
fn text_head(doc: &KeyJson, values: usize) -> String {
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
    let _ = writeln!(out, "values: {values}");
    out
}

/// One value's text line; `raw` is its bytes as text ([`hex_bytes_text`]).
fn value_line(v: &ValueJson, raw: Option<String>, width: usize) -> String {
    let stringy = v.value_type.contains("SZ") || v.value_type == "REG_LINK";
    let raw = || raw.clone().unwrap_or_else(|| "-".into());
    let data = match &v.data {
        _ if v.problem.is_some() => format!(
            "({}) raw: {}",
            v.problem.as_deref().unwrap_or_default(),
            raw()
        ),
        serde_json::Value::String(s) if stringy => format!("{s:?}"),
        // REG_BINARY, REG_NONE, resource lists, unknown types: the bytes, as hex.
        serde_json::Value::String(_) => raw(),
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(u) => format!("{u} ({u:#x})"),
            None => n.to_string(),
        },
        other => other.to_string(),
    };
    format!(
        "  {:width$}  {:<20} {data}\n",
        display_name(&v.name),
        v.value_type
    )
}

/// `bytes` as [`hex_bytes_text`] shows their hex, without building the whole hex.
fn bytes_text(bytes: &[u8]) -> String {
    let shown = bytes.get(..bytes.len().min(TEXT_MAX_BYTES)).unwrap_or(&[]);
    let mut text = hex_bytes_text(&hex(shown));
    if bytes.len() > TEXT_MAX_BYTES {
        let _ = write!(text, " … ({} bytes)", bytes.len());
    }
    text
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
    /// Path of the store in that volume, in the old slash form (`EFI/Microsoft/Boot/BCD`).
    /// Deprecated: use `volumePath`.
    pub path: String,
    /// Path of the store in that volume, Windows style like every path inside an image
    /// (`\EFI\Microsoft\Boot\BCD`).
    pub volume_path: String,
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
    /// The `{bootmgr}` `device` and the default entry's `device` and `osdevice`, decoded and
    /// resolved against this disk (the facts `check` judges, `boot.devices`).
    pub devices: Vec<vhdlint_facts::BcdDeviceFact>,
    /// The UEFI boot manager's PE headers, Authenticode signer and chain (`boot.bootManager`),
    /// or null (BIOS, or no `bootmgfw.efi`).
    pub boot_manager: Option<vhdlint_facts::BootManagerFacts>,
}

impl BcdJson {
    /// Summarises a store found at `partition`/`path`.
    pub fn new(store: &vhdlint_registry::BcdStore, partition: Option<u32>, path: &str) -> Self {
        let default = store.default_entry();
        BcdJson {
            partition,
            path: path.trim_start_matches(['\\', '/']).replace('\\', "/"),
            volume_path: format!(
                "\\{}",
                path.trim_start_matches(['\\', '/']).replace('/', "\\")
            ),
            objects: store.objects.len(),
            default_entry: store.default_guid().map(str::to_string),
            description: default.and_then(|d| d.description()).map(str::to_string),
            application_path: default
                .and_then(|d| d.application_path())
                .map(str::to_string),
            testsigning: default.and_then(|d| d.testsigning()),
            nointegritychecks: default.and_then(|d| d.nointegritychecks()),
            devices: Vec::new(),
            boot_manager: None,
        }
    }
}
