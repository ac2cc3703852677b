//! NTFS, read by vhdlint's own read-only reader, behind [`FileSystem`].
//!
//! Module per on-disk structure: [`boot`] (boot sector), `record` (FILE records and
//! update-sequence fixups), `attribute` (attribute headers), `runlist` (mapping pairs),
//! `attrlist` (`$ATTRIBUTE_LIST`), `filename` (`$FILE_NAME`), `upcase` (`$UpCase` collation),
//! `index` (`$I30` B+tree), `lznt1` and `compressed` (LZNT1 compression units), `volume` (the
//! mounted volume and its caches).
//!
//! What it does that the `ntfs` crate 0.4 did not: `$MFT` is assembled from **every** `$DATA`
//! piece its `$ATTRIBUTE_LIST` names, so records only a later extent maps are readable; reads
//! are positional and `&self` (no lock around the volume); records and index blocks are cached
//! in bounded maps; LZNT1-compressed files are decompressed. Every walk is bounded: runs per
//! attribute ([`runlist::MAX_RUNS_PER_ATTRIBUTE`]) and per stream
//! ([`MAX_EXTENTS`](crate::extents::MAX_EXTENTS)), attribute-list size and entries
//! ([`attrlist::MAX_ATTRIBUTE_LIST`], [`volume::MAX_ATTRIBUTE_LIST_ENTRIES`],
//! [`volume::MAX_EXTENSION_RECORDS`]), index depth and nodes ([`index::MAX_INDEX_DEPTH`],
//! [`index::MAX_INDEX_NODES`]), directory entries ([`MAX_DIR_ENTRIES`](crate::MAX_DIR_ENTRIES))
//! and path depth ([`MAX_PATH_DEPTH`](crate::path::MAX_PATH_DEPTH)).
//!
//! Budgets, not hopes (see [`budget`](crate::budget)): runs that map a cluster twice are refused
//! wherever a stream is built (`$MFT` included), an `$ATTRIBUTE_LIST` loads at most
//! [`MAX_EXTENSION_BYTES`](crate::budget::MAX_EXTENSION_BYTES) of extension records, listings are
//! bounded by [`MAX_HARD_LINKS`](crate::budget::MAX_HARD_LINKS),
//! [`MAX_LISTED_STREAMS`](crate::budget::MAX_LISTED_STREAMS) and
//! [`MAX_LISTING_ATTRIBUTES`](crate::budget::MAX_LISTING_ATTRIBUTES), and LZNT1 output by
//! [`MAX_LZNT1_EXPANSION`](crate::budget::MAX_LZNT1_EXPANSION).

pub mod attribute;
pub mod attrlist;
pub mod boot;
mod cache;
pub mod compressed;
mod fault;
mod filename;
pub mod index;
pub mod lznt1;
pub mod record;
pub mod runlist;
pub mod upcase;
pub mod volume;

use std::collections::HashMap;
use std::sync::Arc;

use vhdlint_container::bytes::Fields;
use vhdlint_container::ReadAt;

pub use boot::{check_boot_sector, NtfsGeometry, MAX_CLUSTER_SIZE, MAX_RECORD_SIZE};

use crate::budget::{MAX_HARD_LINKS, MAX_LISTED_STREAMS, MAX_LISTING_ATTRIBUTES};
use crate::path::components;
use crate::{
    CloudState, DirEntry, FileData, FileSystem, FsError, FsKind, ReparseKind, Result, Special,
    VolumeFlags, WofAlgorithm, TAG_WOF,
};
use attribute::{
    DATA, FILE_NAME, REPARSE_POINT, STANDARD_INFORMATION, VOLUME_INFORMATION, VOLUME_NAME,
};
use filename::{FileName, NS_DOS, NS_POSIX, NS_WIN32, NS_WIN32_AND_DOS};
use index::Directory;
use record::REF_MASK;
use volume::{File, Volume, ROOT_RECORD, VOLUME_RECORD};

/// Most attributes walked in one file record set (kept for callers of the former adapter).
pub const MAX_ATTRIBUTES: usize = volume::MAX_ATTRIBUTE_LIST_ENTRIES;

/// Largest reparse-point value read (MAXIMUM_REPARSE_DATA_BUFFER_SIZE, 16 KiB).
pub const MAX_REPARSE_DATA: u64 = 16 * 1024;

/// FILE_ATTRIBUTE_ENCRYPTED.
const ATTR_ENCRYPTED: u32 = 0x4000;
/// FILE_ATTRIBUTE_REPARSE_POINT.
const ATTR_REPARSE_POINT: u32 = 0x0400;

/// An NTFS volume read by vhdlint's own reader.
pub struct NtfsFileSystem {
    vol: Volume,
    label: Option<String>,
    flags: Option<u16>,
}

impl std::fmt::Debug for NtfsFileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfsFileSystem")
            .field("label", &self.label)
            .field("geometry", &self.vol.geometry)
            .finish_non_exhaustive()
    }
}

fn wof_algorithm(reparse: &[u8]) -> Result<WofAlgorithm> {
    let rf = Fields::unplaced(reparse, "NTFS WOF reparse data");
    // REPARSE_DATA_BUFFER: tag u32, length u16, reserved u16; then WOF_EXTERNAL_INFO
    // (Version u32, Provider u32) and, for provider 2 (FILE), FILE_PROVIDER_EXTERNAL_INFO_V1
    // (Version u32, Algorithm u32, Flags u32).
    Ok(match rf.le_u32(12)? {
        1 => WofAlgorithm::Wim,
        _ => match rf.le_u32(20)? {
            0 => WofAlgorithm::Xpress4k,
            1 => WofAlgorithm::Lzx,
            2 => WofAlgorithm::Xpress8k,
            3 => WofAlgorithm::Xpress16k,
            n => WofAlgorithm::Unknown(n),
        },
    })
}

fn nonzero(t: u64) -> Option<u64> {
    Some(t)
}

/// The file's preferred name: Win32+DOS, Win32, POSIX, then DOS.
fn long_name(file: &File) -> Option<String> {
    let names: Vec<FileName> = file
        .attributes
        .iter()
        .filter(|a| a.ty == FILE_NAME)
        .filter_map(|a| match &a.body {
            attribute::Body::Resident(v) => FileName::parse(v),
            attribute::Body::NonResident(_) => None,
        })
        .collect();
    [NS_WIN32_AND_DOS, NS_WIN32, NS_POSIX, NS_DOS]
        .into_iter()
        .find_map(|ns| names.iter().find(|n| n.namespace == ns))
        .map(FileName::text)
}

/// A description from the directory index's copy of `$FILE_NAME` (when the record is unreadable).
fn from_file_name(key: &FileName, name: String) -> DirEntry {
    DirEntry {
        name,
        is_dir: key.is_dir(),
        size: if key.is_dir() { 0 } else { key.data_size },
        attributes: key.attributes & !filename::DUP_DIRECTORY,
        created: nonzero(key.created),
        modified: nonzero(key.modified),
        accessed: nonzero(key.accessed),
        reparse_tag: None,
        streams: Vec::new(),
        special: None,
        cloud: None,
    }
}

impl NtfsFileSystem {
    /// Checks the boot sector, assembles `$MFT`, reads `$UpCase` and the volume label.
    pub fn mount(volume: Arc<dyn ReadAt>) -> Result<Self> {
        let vol = Volume::open(volume)?;
        let record = vol.file(VOLUME_RECORD).ok();
        let label = record
            .as_ref()
            .and_then(|f| f.resident(VOLUME_NAME).map(attribute::utf16));
        // $VOLUME_INFORMATION flags: u16 at offset 10 of the 12-byte value (linux
        // fs/ntfs/layout.h VOLUME_INFORMATION); a shorter value gives none.
        let flags = record
            .as_ref()
            .and_then(|f| f.resident(VOLUME_INFORMATION))
            .and_then(|v| <[u8; 2]>::try_from(v.get(10..12)?).ok())
            .map(u16::from_le_bytes);
        Ok(NtfsFileSystem { vol, label, flags })
    }

    /// The boot-sector geometry.
    pub fn geometry(&self) -> NtfsGeometry {
        self.vol.geometry
    }

    /// Number of file records `$MFT` holds (all its `$DATA` pieces).
    pub fn mft_records(&self) -> u64 {
        self.vol.record_count()
    }

    /// The file record number `path` resolves to.
    pub fn record_number(&self, path: &str) -> Result<u64> {
        Ok(self.resolve(path)?.0.number)
    }

    /// Walks `path` from the root through `$I30` lookups; returns the file and its name.
    fn resolve(&self, path: &str) -> Result<(Arc<File>, String)> {
        let comps = components(path)?;
        let mut file = self.vol.file(ROOT_RECORD)?;
        let mut name = String::new();
        for (depth, c) in comps.iter().enumerate() {
            if !file.is_dir() {
                return Err(FsError::NotADirectory {
                    path: comps.get(..depth).map(|c| c.join("/")).unwrap_or_default(),
                });
            }
            let dir = Directory::open(&self.vol, &file, path)?;
            let units: Vec<u16> = c.encode_utf16().collect();
            let entry = dir
                .find(&units)?
                .ok_or_else(|| FsError::NotFound { path: path.into() })?;
            let next = self.vol.file(entry.file_ref & REF_MASK)?;
            let seq = (entry.file_ref >> 48) as u16;
            if seq != 0 && next.sequence != 0 && seq != next.sequence {
                return Err(FsError::InvalidNtfsRecord {
                    structure: "file record",
                    number: next.number,
                    offset: Some(next.offset),
                    message: format!(
                        "index entry {c:?} expects sequence {seq}, the record has {}",
                        next.sequence
                    ),
                });
            }
            name = match entry.key {
                Some(k) if k.namespace != NS_DOS => k.text(),
                _ => long_name(&next).unwrap_or_else(|| (*c).to_string()),
            };
            file = next;
        }
        Ok((file, name))
    }

    /// Full description of a file from its records.
    fn describe(&self, file: &File, name: String, path: &str) -> Result<DirEntry> {
        let si = file.resident(STANDARD_INFORMATION).unwrap_or(&[]);
        let sf = Fields::unplaced(si, "NTFS $STANDARD_INFORMATION");
        // A record without $STANDARD_INFORMATION has no DOS attributes and no times.
        let has_si = si.len() >= 0x24;
        let attributes = if has_si { sf.le_u32(0x20)? } else { 0 };
        let is_dir = file.is_dir();
        let data = file.stream(DATA, "")?;
        let reparse = match file.stream(REPARSE_POINT, "")? {
            Some(s) => self
                .vol
                .value(&s, MAX_REPARSE_DATA, "reparse data bytes", path)
                .ok(),
            None => None,
        };
        let reparse_tag = reparse
            .as_deref()
            .map(|r| Fields::unplaced(r, "NTFS reparse point").le_u32(0))
            .transpose()?
            .or((attributes & ATTR_REPARSE_POINT != 0).then_some(0));
        let data_flags = data.as_ref().map_or(0, |d| d.flags);
        let cloud = reparse_tag
            .filter(|t| ReparseKind::from_tag(*t) == ReparseKind::Cloud)
            .map(|_| CloudState::from_attributes(attributes));
        let special = match (reparse_tag, reparse.as_deref()) {
            (Some(TAG_WOF), Some(r)) => Some(Special::WofCompressed {
                algorithm: wof_algorithm(r)?,
            }),
            // A cloud placeholder whose content is on the volume is read as a plain file (its
            // stream is its bytes, as ntfs-3g reads it); any other reparse point is not.
            (Some(tag), _) if !matches!(cloud, Some(CloudState::Local { .. })) => {
                Some(Special::Reparse {
                    tag,
                    kind: ReparseKind::from_tag(tag),
                })
            }
            _ if is_dir => None,
            _ if attributes & ATTR_ENCRYPTED != 0
                || data_flags & attribute::FLAG_ENCRYPTED != 0 =>
            {
                Some(Special::Encrypted)
            }
            _ if data
                .as_ref()
                .is_some_and(|d| self.vol.compressed_unreadable(d)) =>
            {
                Some(Special::Compressed)
            }
            _ => None,
        };
        let time = |at: usize| -> Result<Option<u64>> {
            Ok(if has_si { Some(sf.le_u64(at)?) } else { None })
        };
        Ok(DirEntry {
            name,
            is_dir,
            size: if is_dir {
                0
            } else {
                data.as_ref().map_or(0, |d| d.size())
            },
            attributes,
            created: time(0)?,
            modified: time(8)?,
            accessed: time(0x18)?,
            reparse_tag,
            streams: file.stream_names(),
            special,
            cloud,
        })
    }
}

impl FileSystem for NtfsFileSystem {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn volume_flags(&self) -> Option<VolumeFlags> {
        self.flags.map(|raw| VolumeFlags {
            raw,
            location: format!(
                "$Volume (MFT record {VOLUME_RECORD}) $VOLUME_INFORMATION (0x70) flags at value \
                 offset 10"
            ),
        })
    }

    fn list(&self, path: &str) -> Result<Vec<DirEntry>> {
        let (dir, _) = self.resolve(path)?;
        if !dir.is_dir() {
            return Err(FsError::NotADirectory { path: path.into() });
        }
        let index = Directory::open(&self.vol, &dir, path)?;
        let mut out = Vec::new();
        // Each record is described once per listing (a hard link listed again reuses it, with
        // its own name); a record named past the hard-link limit is aliasing.
        let mut described: HashMap<u64, Option<DirEntry>> = HashMap::new();
        let mut links: HashMap<u64, u64> = HashMap::new();
        let mut streams = 0u64;
        let mut attributes = 0u64;
        index.each_entry(path, &mut |e| {
            let Some(key) = &e.key else { return Ok(()) };
            if key.namespace == NS_DOS {
                return Ok(());
            }
            let name = key.text();
            if name == "." {
                return Ok(());
            }
            let n = e.file_ref & REF_MASK;
            let seq = (e.file_ref >> 48) as u16;
            let count = links.entry(n).or_insert(0);
            *count += 1;
            if *count > MAX_HARD_LINKS {
                return Err(FsError::TooLarge {
                    path: format!("{path} (file record {n})"),
                    what: "index entries naming one file record (the NTFS hard-link limit)",
                    actual: *count,
                    limit: MAX_HARD_LINKS,
                });
            }
            let slot = match described.entry(e.file_ref) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let full = match self.vol.file(n) {
                        Ok(f) if seq == 0 || f.sequence == 0 || f.sequence == seq => {
                            attributes = attributes.saturating_add(f.attributes.len() as u64);
                            if attributes > MAX_LISTING_ATTRIBUTES {
                                return Err(FsError::TooLarge {
                                    path: path.into(),
                                    what: "attribute records described in one listing",
                                    actual: attributes,
                                    limit: MAX_LISTING_ATTRIBUTES,
                                });
                            }
                            self.describe(&f, String::new(), path).ok()
                        }
                        _ => None,
                    };
                    v.insert(full)
                }
            };
            let entry = match slot {
                Some(d) => DirEntry { name, ..d.clone() },
                None => from_file_name(key, name),
            };
            streams = streams.saturating_add(entry.streams.len() as u64);
            if streams > MAX_LISTED_STREAMS {
                return Err(FsError::TooLarge {
                    path: path.into(),
                    what: "stream names in one listing",
                    actual: streams,
                    limit: MAX_LISTED_STREAMS,
                });
            }
            out.push(entry);
            Ok(())
        })?;
        Ok(out)
    }

    fn stat(&self, path: &str) -> Result<DirEntry> {
        let (file, name) = self.resolve(path)?;
        self.describe(&file, name, path)
    }

    fn open(&self, path: &str, stream: Option<&str>) -> Result<FileData> {
        let (file, _) = self.resolve(path)?;
        if file.is_dir() && stream.is_none() {
            return Err(FsError::IsADirectory { path: path.into() });
        }
        let wanted = stream.unwrap_or("");
        let entry = self.describe(&file, String::new(), path)?;
        if let Some(special) = entry.special {
            // Named streams of reparse points (e.g. WofCompressedData) are their own bytes;
            // the unnamed stream of any special file is not the content.
            if wanted.is_empty() || matches!(special, Special::Encrypted) {
                return Ok(FileData::Unreadable(special));
            }
        }
        let s = file
            .stream(DATA, wanted)?
            .ok_or_else(|| FsError::StreamNotFound {
                path: path.into(),
                stream: wanted.into(),
            })?;
        self.vol.content(&s, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reparse_kinds() {
        assert_eq!(ReparseKind::from_tag(0x9000_001A), ReparseKind::Cloud);
        assert_eq!(ReparseKind::from_tag(0x9000_601A), ReparseKind::Cloud);
        assert_eq!(ReparseKind::from_tag(0xA000_000C), ReparseKind::Symlink);
        assert_eq!(ReparseKind::from_tag(0xA000_0003), ReparseKind::Junction);
        assert_eq!(ReparseKind::from_tag(0x8000_0017), ReparseKind::Wof);
        assert_eq!(ReparseKind::from_tag(0x8000_001B), ReparseKind::Other);
    }

    #[test]
    fn wof_algorithms() {
        let mut r = vec![0u8; 24];
        r[12] = 2;
        r[20] = 1;
        assert_eq!(wof_algorithm(&r).unwrap(), WofAlgorithm::Lzx);
        r[12] = 1;
        assert_eq!(wof_algorithm(&r).unwrap(), WofAlgorithm::Wim);
        assert!(
            wof_algorithm(&r[..8]).is_err(),
            "a short reparse buffer is an error"
        );
    }
}
