//! Facts and the evidence that backs them.

use serde::Serialize;

/// One fact about the image and where it was read.
///
/// Serialized as `{"value": …, "evidence": […]}`. An empty evidence list means the value is the
/// default the gatherer assumed because nothing was found (for example `false` for "joined" when
/// no join key exists); gatherers should still record the key they looked at (as
/// [`Evidence::Registry`] with `data: null`) so a reviewer can see what absence means.
///
/// A fact that is a decision over several observations carries its `reason` too (`R =
/// String`, serialized between `value` and `evidence`, as `generation` does:
/// [`crate::GenerationFact`]); ordinary facts have no reason (`R = ()`, not serialized).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "camelCase",
    bound(serialize = "T: Serialize, R: Serialize + Reason")
)]
pub struct Fact<T, R = ()> {
    /// The value.
    pub value: T,
    /// Why the value was decided (`String`), or nothing (`()`).
    #[serde(skip_serializing_if = "Reason::is_absent")]
    pub reason: R,
    /// Where the value came from.
    pub evidence: Vec<Evidence>,
}

/// The `reason` slot of a [`Fact`]: `()` for facts read as they are, `String` for decisions.
pub trait Reason {
    /// True when there is no reason to serialize.
    fn is_absent(&self) -> bool;
}

impl Reason for () {
    fn is_absent(&self) -> bool {
        true
    }
}

impl Reason for String {
    fn is_absent(&self) -> bool {
        false
    }
}

impl<T> Fact<T> {
    /// A fact with one piece of evidence.
    pub fn new(value: T, evidence: Evidence) -> Self {
        Fact {
            value,
            reason: (),
            evidence: vec![evidence],
        }
    }

    /// A fact with several pieces of evidence.
    pub fn with_evidence(value: T, evidence: Vec<Evidence>) -> Self {
        Fact {
            value,
            reason: (),
            evidence,
        }
    }

    /// A value without evidence (a default, or a value derived in code from other facts).
    pub fn bare(value: T) -> Self {
        Fact {
            value,
            reason: (),
            evidence: Vec::new(),
        }
    }
}

impl<T> Fact<T, String> {
    /// A decided fact: its value, why, and the observations behind it.
    pub fn decided(value: T, reason: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Fact {
            value,
            reason: reason.into(),
            evidence,
        }
    }
}

/// Where a fact was read. Serialized with a `source` tag: `registry`, `file`, `partitionEntry`,
/// `container` or `derived`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "source",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Evidence {
    /// A registry value (or a key, when `value` is `None`) in a hive file.
    Registry {
        /// The hive: `SOFTWARE`, `SYSTEM`, `SECURITY`, `BCD`, … or its path in the volume.
        hive: String,
        /// The key path relative to the hive root, with the control set resolved
        /// (`ControlSet001\Services\cdrom`), never `CurrentControlSet`: key names joined by
        /// `\`, the only separator (`/` is part of a name; `vhdlint_registry::path`).
        key: String,
        /// The value name (`""` for the default value), or `None` for the key itself.
        value: Option<String>,
        /// The raw data as text (`REG_SZ` text, `0x4` for a DWORD, hex for binary), or `None`
        /// when the key or value is absent.
        data: Option<String>,
    },
    /// A file (or folder) in a volume.
    File {
        /// Index of the partition holding the volume (as in `partitions.entries[].index`).
        partition_index: Option<u32>,
        /// Path inside the volume, with `\` separators (`\Windows\Panther\unattend.xml`).
        path: String,
        /// What was seen in the file (`ImageState=IMAGE_STATE_COMPLETE`), if anything.
        detail: Option<String>,
    },
    /// A partition table entry.
    PartitionEntry {
        /// The partition's index (1-based, as in the table).
        index: u32,
        /// Byte offset of the entry itself within the virtual disk.
        offset: u64,
        /// What the entry says (`type DE94BBA4-06D1-4D40-A16A-BFD50179D6AC`), if useful.
        detail: Option<String>,
    },
    /// A field of the container (VHD footer, VHDX metadata, file length).
    Container {
        /// The field's name (`footer.diskType`, `metadata.VirtualDiskSize`, `fileSize`).
        field: String,
        /// Offset of the field within the container file, when it has one.
        offset: Option<u64>,
        /// The raw value as text.
        data: Option<String>,
    },
    /// A value computed in code from other facts; `reason` says how.
    Derived {
        /// How the value was computed (`build 22631 >= 22000 on a client: Windows 11`).
        reason: String,
    },
}

impl Evidence {
    /// Evidence for a registry value.
    pub fn registry(
        hive: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
        data: Option<String>,
    ) -> Self {
        Evidence::Registry {
            hive: hive.into(),
            key: key.into(),
            value: Some(value.into()),
            data,
        }
    }

    /// Evidence for a registry key (present or absent) rather than a value.
    pub fn registry_key(hive: impl Into<String>, key: impl Into<String>, present: bool) -> Self {
        Evidence::Registry {
            hive: hive.into(),
            key: key.into(),
            value: None,
            data: present.then(|| "present".to_owned()),
        }
    }

    /// Evidence for a file in a volume.
    pub fn file(partition_index: Option<u32>, path: impl Into<String>) -> Self {
        Evidence::File {
            partition_index,
            path: path.into(),
            detail: None,
        }
    }

    /// Evidence for a container field.
    pub fn container(
        field: impl Into<String>,
        offset: Option<u64>,
        data: impl Into<String>,
    ) -> Self {
        Evidence::Container {
            field: field.into(),
            offset,
            data: Some(data.into()),
        }
    }

    /// Evidence computed from other facts.
    pub fn derived(reason: impl Into<String>) -> Self {
        Evidence::Derived {
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::Registry {
                hive,
                key,
                value,
                data,
            } => {
                write!(f, "{hive}\\{key}")?;
                if let Some(v) = value {
                    let name = if v.is_empty() { "(Default)" } else { v };
                    write!(f, " {name}")?;
                }
                match data {
                    Some(d) => write!(f, " = {d}"),
                    None => write!(f, " (absent)"),
                }
            }
            Evidence::File {
                partition_index,
                path,
                detail,
            } => {
                match partition_index {
                    Some(i) => write!(f, "partition {i}: {path}")?,
                    None => write!(f, "{path}")?,
                }
                match detail {
                    Some(d) => write!(f, " ({d})"),
                    None => Ok(()),
                }
            }
            Evidence::PartitionEntry {
                index,
                offset,
                detail,
            } => {
                write!(f, "partition entry {index} at {offset:#x}")?;
                match detail {
                    Some(d) => write!(f, ": {d}"),
                    None => Ok(()),
                }
            }
            Evidence::Container {
                field,
                offset,
                data,
            } => {
                write!(f, "container {field}")?;
                if let Some(o) = offset {
                    write!(f, " at {o:#x}")?;
                }
                match data {
                    Some(d) => write!(f, " = {d}"),
                    None => Ok(()),
                }
            }
            Evidence::Derived { reason } => write!(f, "{reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_serializes_with_a_source_tag_and_camel_case_fields() {
        let e = Evidence::File {
            partition_index: Some(3),
            path: r"\Windows\Panther\unattend.xml".into(),
            detail: None,
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["source"], "file");
        assert_eq!(json["partitionIndex"], 3);
        let e = Evidence::PartitionEntry {
            index: 4,
            offset: 0x500,
            detail: None,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap()["source"],
            "partitionEntry"
        );
    }

    #[test]
    fn display_names_hive_key_and_value() {
        let e = Evidence::registry(
            "SOFTWARE",
            r"Microsoft\Windows NT\CurrentVersion",
            "EditionID",
            Some("Enterprise".into()),
        );
        assert_eq!(
            e.to_string(),
            r"SOFTWARE\Microsoft\Windows NT\CurrentVersion EditionID = Enterprise"
        );
        let e = Evidence::registry_key(
            "SYSTEM",
            r"ControlSet001\Control\CloudDomainJoin\JoinInfo",
            false,
        );
        assert!(e.to_string().ends_with("(absent)"));
    }
}
