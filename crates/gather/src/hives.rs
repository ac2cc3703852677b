//! Opening the Windows hives (`SYSTEM`, `SOFTWARE`, `SECURITY`) and reading single values with
//! their evidence.
//!
//! Hives are opened with [`open_hive_in`] from `\Windows\System32\config`, with their
//! `.LOG`/`.LOG1`/`.LOG2` replayed in memory unless [`GatherOptions::replay_logs`] is off, in
//! parallel (each opening reads the base block, the logs of a dirty hive, and the root cell).
//! Lookups go key by key from the root: only the cells on the path are read, never a whole hive.

use std::sync::Arc;

use vhdlint_filesystems::FileSystem;
use vhdlint_registry::{ByteBudget, Hive, HiveOptions, Key, ValueData};

use super::budgets::CHECK_OVERLAY_BUDGET;
use super::locate::open_hive_in;
use super::GatherOptions;
use crate::evidence::Evidence;
use crate::model::{HiveFacts, Problem, ProblemKind};

/// Folder of the system hives, relative to the volume root.
pub const CONFIG_DIR: &str = r"Windows\System32\config";

/// Longest binary data rendered in evidence, in bytes (the rest is elided).
pub const MAX_EVIDENCE_BYTES: usize = 64;

/// The three hives the facts come from; each one opened or the problem opening it.
#[derive(Debug)]
pub struct WindowsHives {
    /// `SYSTEM`.
    pub system: Result<Hive, Problem>,
    /// `SOFTWARE`.
    pub software: Result<Hive, Problem>,
    /// `SECURITY`.
    pub security: Result<Hive, Problem>,
}

/// Opens `SYSTEM`, `SOFTWARE` and `SECURITY` (in parallel); a hive that cannot be opened gives a
/// [`ProblemKind::Hive`] problem naming its file.
pub fn open_windows_hives(
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    opts: &GatherOptions,
) -> WindowsHives {
    // The three hives' replayed overlays share one byte budget (three logs aliased to one
    // record must not cost three overlays).
    let budget = ByteBudget::new(CHECK_OVERLAY_BUDGET);
    let open = |name: &str| open_one(fs, partition_index, name, opts, &budget);
    let (system, (software, security)) = rayon::join(
        || open("SYSTEM"),
        || rayon::join(|| open("SOFTWARE"), || open("SECURITY")),
    );
    WindowsHives {
        system,
        software,
        security,
    }
}

/// Volume path of hive `name` (`\Windows\System32\config\SYSTEM`).
pub fn hive_path(name: &str) -> String {
    format!(r"\{CONFIG_DIR}\{name}")
}

fn open_one(
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    name: &str,
    opts: &GatherOptions,
    budget: &Arc<ByteBudget>,
) -> Result<Hive, Problem> {
    let path = hive_path(name);
    open_hive_in(
        fs,
        &path,
        HiveOptions {
            replay_logs: opts.replay_logs,
            overlay_budget: Some(Arc::clone(budget)),
        },
    )
    .map_err(|e| Problem {
        kind: ProblemKind::Hive,
        message: format!("{name} hive: {e}"),
        evidence: vec![Evidence::File {
            partition_index,
            path,
            detail: Some("opening the hive".into()),
        }],
    })
}

/// `hives[]` entry of an opened hive: dirty state and whether its logs were replayed, with the
/// base block's sequence numbers and the logs applied as evidence.
pub fn hive_facts(name: &str, hive: &Hive, partition_index: Option<u32>) -> HiveFacts {
    let st = hive.status();
    let bb = &st.base_block;
    let path = hive_path(name);
    let mut evidence = vec![Evidence::File {
        partition_index,
        path: path.clone(),
        detail: Some(format!(
            "base block: primary sequence {}, secondary sequence {}, checksum {}",
            bb.primary_sequence,
            bb.secondary_sequence,
            if st.checksum_ok { "ok" } else { "wrong" }
        )),
    }];
    for slot in &st.logs_applied {
        evidence.push(Evidence::File {
            partition_index,
            path: format!("{path}.{}", slot.as_str()),
            detail: Some(format!(
                "replayed in memory ({} entries, {} pages{})",
                st.entries_applied,
                st.pages_applied,
                st.last_sequence
                    .map_or_else(String::new, |s| format!(", last sequence {s}"))
            )),
        });
    }
    HiveFacts {
        name: name.to_owned(),
        dirty: st.dirty,
        logs_replayed: st.logs_replayed,
        evidence,
    }
}

/// Registry data as evidence text: `REG_SZ` text, `0x4` for a DWORD, hex for binary.
pub fn data_text(data: &ValueData) -> String {
    match data {
        ValueData::Sz(s) | ValueData::ExpandSz(s) | ValueData::Link(s) => s.clone(),
        ValueData::Dword(n) | ValueData::DwordBigEndian(n) => format!("{n:#x}"),
        ValueData::Qword(n) => format!("{n:#x}"),
        ValueData::MultiSz(v) => v.join("; "),
        ValueData::None(b)
        | ValueData::Binary(b)
        | ValueData::Other { bytes: b, .. }
        | ValueData::Malformed { bytes: b, .. } => hex(b),
    }
}

/// Lower-case hex of the first [`MAX_EVIDENCE_BYTES`] bytes (`…` when cut).
pub fn hex(bytes: &[u8]) -> String {
    let mut s: String = bytes
        .iter()
        .take(MAX_EVIDENCE_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > MAX_EVIDENCE_BYTES {
        s.push('…');
    }
    s
}

/// The data as a string (`REG_SZ`, `REG_EXPAND_SZ`).
pub fn as_string(data: &ValueData) -> Option<String> {
    match data {
        ValueData::Sz(s) | ValueData::ExpandSz(s) => Some(s.clone()),
        _ => None,
    }
}

/// The data as a number (`REG_DWORD`, a `REG_QWORD` that fits, or decimal text).
pub fn as_u32(data: &ValueData) -> Option<u32> {
    match data {
        ValueData::Dword(n) | ValueData::DwordBigEndian(n) => Some(*n),
        ValueData::Qword(n) => u32::try_from(*n).ok(),
        ValueData::Sz(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One value read, with its evidence (data `None` when the key or value is absent).
#[derive(Debug, Clone)]
pub struct Read {
    /// The decoded data, if the value exists and could be read.
    pub data: Option<ValueData>,
    /// `hive\key value = data`, or `(absent)`.
    pub evidence: Evidence,
}

impl Read {
    /// The data as a string.
    pub fn string(&self) -> Option<String> {
        self.data.as_ref().and_then(as_string)
    }

    /// The data as a number.
    pub fn u32(&self) -> Option<u32> {
        self.data.as_ref().and_then(as_u32)
    }
}

/// One opened hive under its name, reading keys and values and turning read errors into
/// problems.
#[derive(Debug, Clone, Copy)]
pub struct Reg<'h> {
    /// `SYSTEM`, `SOFTWARE`, `SECURITY`, `BCD`.
    pub name: &'static str,
    /// The hive.
    pub hive: &'h Hive,
}

impl Reg<'_> {
    /// A [`ProblemKind::Hive`] problem about `key` (and `value`).
    pub fn problem(&self, key: &str, value: Option<&str>, e: &dyn std::fmt::Display) -> Problem {
        let what = match value {
            Some(v) => format!(r"{}\{key} value {v:?}", self.name),
            None => format!(r"{}\{key}", self.name),
        };
        Problem {
            kind: ProblemKind::Hive,
            message: format!("{what}: {e}"),
            evidence: vec![Evidence::Registry {
                hive: self.name.to_owned(),
                key: key.to_owned(),
                value: value.map(str::to_owned),
                data: None,
            }],
        }
    }

    /// The key at `path`; `None` when absent or unreadable (a problem is recorded).
    pub fn key(&self, path: &str, problems: &mut Vec<Problem>) -> Option<Key> {
        match self.hive.key(path) {
            Ok(k) => k,
            Err(e) => {
                problems.push(self.problem(path, None, &e));
                None
            }
        }
    }

    /// Evidence that key `path` is present or absent.
    pub fn key_evidence(&self, path: &str, present: bool) -> Evidence {
        Evidence::registry_key(self.name, path, present)
    }

    /// Value `name` of `key` (already looked up at `key_path`), with its evidence.
    pub fn value_in(
        &self,
        key: Option<&Key>,
        key_path: &str,
        name: &str,
        problems: &mut Vec<Problem>,
    ) -> Read {
        let data = key.and_then(|k| match k.value(name).and_then(|v| v.transpose_data()) {
            Ok(d) => d,
            Err(e) => {
                problems.push(self.problem(key_path, Some(name), &e));
                None
            }
        });
        let text = data.as_ref().map(data_text);
        Read {
            data,
            evidence: Evidence::registry(self.name, key_path, name, text),
        }
    }

    /// Value `name` of the key at `key_path`, with its evidence.
    pub fn value(&self, key_path: &str, name: &str, problems: &mut Vec<Problem>) -> Read {
        let key = self.key(key_path, problems);
        self.value_in(key.as_ref(), key_path, name, problems)
    }

    /// Raw bytes of value `name` of `key` (for binary LSA policy data).
    pub fn raw_in(
        &self,
        key: Option<&Key>,
        key_path: &str,
        name: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<u8>> {
        let key = key?;
        match key.value(name) {
            Ok(Some(v)) => match v.raw_data() {
                Ok(b) => Some(b),
                Err(e) => {
                    problems.push(self.problem(key_path, Some(name), &e));
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                problems.push(self.problem(key_path, Some(name), &e));
                None
            }
        }
    }

    /// Names of the subkeys of `key` (`key_path` for messages); empty when unreadable.
    pub fn subkeys(&self, key: &Key, key_path: &str, problems: &mut Vec<Problem>) -> Vec<Key> {
        match key.subkeys() {
            Ok(k) => k,
            Err(e) => {
                problems.push(self.problem(key_path, None, &e));
                Vec::new()
            }
        }
    }
}

/// `Option<Value>` → `Option<ValueData>`, reading the data.
trait TransposeData {
    fn transpose_data(self) -> vhdlint_registry::Result<Option<ValueData>>;
}

impl TransposeData for Option<vhdlint_registry::Value> {
    fn transpose_data(self) -> vhdlint_registry::Result<Option<ValueData>> {
        self.map(|v| v.data()).transpose()
    }
}
