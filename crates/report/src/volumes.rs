//! JSON for partition tables (`inspect`'s `partitions`) and directory listings (`ls`).

use std::fmt::Write as _;

use serde::Serialize;
use vhdlint_filesystems::{DirEntry, Special, WofAlgorithm};
use vhdlint_volumes::{Partition, PartitionTable};

use crate::time::filetime_to_iso;
use crate::wire::DiagnosticJson;

/// The `partitions` object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionsJson {
    /// `gpt`, `mbr` or `none`.
    pub scheme: &'static str,
    /// Logical sector size the table was read with.
    pub sector_size: u32,
    /// GPT disk GUID (upper-case), or null.
    pub disk_guid: Option<String>,
    /// MBR disk signature as 8 hex digits, or null.
    pub mbr_signature: Option<String>,
    /// The partitions in table order.
    pub entries: Vec<PartitionJson>,
    /// Anomalies the reader tolerated.
    pub diagnostics: Vec<DiagnosticJson>,
}

/// One partition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionJson {
    /// 1-based number (GPT slot, MBR slot, 5+ for logical partitions).
    pub index: u32,
    /// `efiSystem`, `microsoftReserved`, `basicData`, `windowsRecovery`, `ldmMetadata`,
    /// `ldmData`, `storageSpaces`, `biosBoot`, `linux` or `unknown`.
    pub kind: &'static str,
    /// GPT type GUID (upper-case), or null.
    pub type_guid: Option<String>,
    /// MBR type byte, or null.
    pub mbr_type: Option<u8>,
    /// GPT name, or null.
    pub name: Option<String>,
    /// GPT unique partition GUID (upper-case), or null.
    pub unique_guid: Option<String>,
    /// First byte on the disk.
    pub start_offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// GPT attribute bits.
    pub attributes: u64,
    /// MBR active (boot) flag.
    pub active: bool,
}

/// A GPT GUID as every output prints it: upper-case, as `check`'s facts, the UEFI specification
/// and Microsoft's documentation do (issue 13: one casing; `inspect` printed lower-case before).
fn upper(g: vhdlint_container::Guid) -> String {
    g.to_string().to_ascii_uppercase()
}

impl From<&Partition> for PartitionJson {
    fn from(p: &Partition) -> Self {
        PartitionJson {
            index: p.index,
            kind: p.kind.as_str(),
            type_guid: p.type_guid.map(upper),
            mbr_type: p.mbr_type,
            name: p.name.clone(),
            unique_guid: p.unique_guid.map(upper),
            start_offset: p.start_offset,
            size: p.size,
            attributes: p.attributes,
            active: p.active,
        }
    }
}

impl From<&PartitionTable> for PartitionsJson {
    fn from(t: &PartitionTable) -> Self {
        PartitionsJson {
            scheme: t.scheme.as_str(),
            sector_size: t.sector_size,
            disk_guid: t.disk_guid.map(upper),
            mbr_signature: t.mbr_signature.map(|s| format!("{s:08x}")),
            entries: t.entries.iter().map(PartitionJson::from).collect(),
            diagnostics: t.diagnostics.iter().map(DiagnosticJson::from).collect(),
        }
    }
}

/// The `ls` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingJson {
    /// Schema version.
    pub schema_version: u32,
    /// The image.
    pub image: String,
    /// Partition index of the volume listed (null for a bare volume).
    pub partition: Option<u32>,
    /// `ntfs` or `fat`.
    pub filesystem: &'static str,
    /// The directory listed, as given.
    pub path: String,
    /// Its entries, sorted by name.
    pub entries: Vec<EntryJson>,
}

/// One directory entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryJson {
    /// Long name.
    pub name: String,
    /// `dir` or `file`.
    #[serde(rename = "type")]
    pub entry_type: &'static str,
    /// Size of the unnamed stream in bytes.
    pub size: u64,
    /// Raw FILE_ATTRIBUTE_* bits.
    pub attributes: u32,
    /// Creation time (UTC, ISO 8601), or null.
    pub created: Option<String>,
    /// Last write time, or null.
    pub modified: Option<String>,
    /// Last access time, or null.
    pub accessed: Option<String>,
    /// Reparse tag as `0x…`, or null.
    pub reparse_tag: Option<String>,
    /// Alternate data stream names.
    pub streams: Vec<String>,
    /// Why the bytes are not plain content (`compressed`, `wofCompressed`, `encrypted`,
    /// `reparse:<kind>`), or null.
    pub special: Option<String>,
    /// For a cloud-files placeholder (OneDrive): `local` / `local-pinned` (the content is on
    /// the volume and `cat` reads it) or `not-local` (dehydrated; `special` says why it is
    /// refused); null for any other file.
    pub cloud: Option<&'static str>,
}

impl From<&DirEntry> for EntryJson {
    fn from(e: &DirEntry) -> Self {
        EntryJson {
            name: e.name.clone(),
            entry_type: if e.is_dir { "dir" } else { "file" },
            size: e.size,
            attributes: e.attributes,
            created: e.created.and_then(filetime_to_iso),
            modified: e.modified.and_then(filetime_to_iso),
            accessed: e.accessed.and_then(filetime_to_iso),
            reparse_tag: e.reparse_tag.map(|t| format!("{t:#010x}")),
            streams: e.streams.clone(),
            special: e.special.map(special_name),
            cloud: e.cloud.map(|c| c.as_str()),
        }
    }
}

/// Stable text for a [`Special`].
pub fn special_name(s: Special) -> String {
    match s {
        Special::Compressed => "compressed".into(),
        Special::WofCompressed { algorithm } => format!(
            "wofCompressed:{}",
            match algorithm {
                WofAlgorithm::Xpress4k => "xpress4k".to_string(),
                WofAlgorithm::Lzx => "lzx".into(),
                WofAlgorithm::Xpress8k => "xpress8k".into(),
                WofAlgorithm::Xpress16k => "xpress16k".into(),
                WofAlgorithm::Wim => "wim".into(),
                WofAlgorithm::Unknown(n) => format!("unknown{n}"),
            }
        ),
        Special::Encrypted => "encrypted".into(),
        Special::Reparse { kind, .. } => format!("reparse:{}", kind.as_str()),
    }
}

/// The `ls` document streamed: the same bytes as [`ListingJson`] pretty-printed, each entry's
/// JSON made when it is written (no second copy of the listing).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingJsonStream<'a> {
    /// Schema version.
    pub schema_version: u32,
    /// The image.
    pub image: &'a str,
    /// Partition index of the volume listed (null for a bare volume).
    pub partition: Option<u32>,
    /// `ntfs` or `fat`.
    pub filesystem: &'static str,
    /// The directory listed, as given.
    pub path: &'a str,
    /// Its entries, sorted by name.
    pub entries: EntriesStream<'a>,
}

/// Entries serialised one at a time (see [`ListingJsonStream`]).
pub struct EntriesStream<'a>(pub &'a [DirEntry]);

impl Serialize for EntriesStream<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&EntryJson::from(e))?;
        }
        seq.end()
    }
}

/// Writes the `ls` listing for people (see [`listing_text`]) to `w`, one line at a time.
pub fn write_listing_text(w: &mut dyn std::io::Write, entries: &[DirEntry]) -> std::io::Result<()> {
    for e in entries {
        w.write_all(listing_text(std::slice::from_ref(e)).as_bytes())?;
    }
    Ok(())
}

/// A directory listing as `ls` prints it for people: kind, size, modification time, name, and
/// the special kind and alternate streams in brackets. `entries` in the order to print.
pub fn listing_text(entries: &[DirEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let j = EntryJson::from(e);
        let mut flags = Vec::new();
        if let Some(s) = e.special {
            flags.push(special_name(s));
        }
        if let Some(c) = e.cloud {
            flags.push(format!("cloud:{}", c.as_str()));
        }
        for s in &e.streams {
            flags.push(format!(":{s}"));
        }
        let _ = writeln!(
            out,
            "{} {:>12} {:20} {}{}{}",
            if e.is_dir { 'd' } else { '-' },
            e.size,
            j.modified.as_deref().unwrap_or("-"),
            e.name,
            if e.is_dir { "/" } else { "" },
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(" "))
            }
        );
    }
    out
}
