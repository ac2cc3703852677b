//! The mounted volume: geometry, the full `$MFT` run list (every `$DATA` piece, found through
//! `$ATTRIBUTE_LIST`), file records assembled across extension records, streams merged from
//! their pieces, and the bounded caches that make one check read each record once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use vhdlint_container::ReadAt;

use super::attribute::{self, Attribute, Body};
use super::attrlist::{self, MAX_ATTRIBUTE_LIST};
use super::boot::{check_boot_sector, NtfsGeometry};
use super::cache::Cache;
use super::compressed::Lznt1Stream;
use super::fault::MergeError;
use super::index::IndexEntry;
use super::record::{FileRecord, RECORD_IN_USE, RECORD_IS_DIRECTORY, REF_MASK};
use super::runlist::Run;
use super::upcase::Upcase;
use crate::budget::MAX_EXTENSION_BYTES;
use crate::extents::{Extent, Extents, MAX_EXTENTS};
use crate::{FileData, FsError, Result, Special};

/// Budget of the assembled-file cache: 8 MiB of attributes, names, resident values and run
/// lists (a check touches a few thousand files of a few hundred bytes each).
pub const FILE_CACHE_BUDGET: u64 = 8 << 20;
/// Budget of the parsed-index-node cache: 8 MiB of entries (a 4 KiB block decodes to a few
/// KiB).
pub const INDEX_NODE_CACHE_BUDGET: u64 = 8 << 20;
/// Most extension records one file's attribute list may name. A record holds at least one
/// attribute; real files with attribute lists use a handful, `$MFT` of a huge volume dozens.
pub const MAX_EXTENSION_RECORDS: usize = 4096;
/// Most attribute-list entries one file may have (see [`MAX_ATTRIBUTE_LIST`]).
pub const MAX_ATTRIBUTE_LIST_ENTRIES: usize = 65_536;

/// `$MFT`.
pub const MFT_RECORD: u64 = 0;
/// `$Volume`.
pub const VOLUME_RECORD: u64 = 3;
/// The root directory.
pub const ROOT_RECORD: u64 = 5;
/// `$UpCase`.
pub const UPCASE_RECORD: u64 = 10;

/// A file: its base record's header and every attribute record, base and extensions.
#[derive(Debug, Clone)]
pub(crate) struct File {
    pub number: u64,
    /// Volume offset of the base record.
    pub offset: u64,
    pub sequence: u16,
    pub flags: u16,
    pub attributes: Vec<Attribute>,
}

/// One attribute's value, its pieces merged.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    pub flags: u16,
    pub data: StreamData,
}

/// Resident bytes or the merged run list and sizes.
#[derive(Debug, Clone)]
pub(crate) enum StreamData {
    /// Shared with the attribute it came from (never copied per use).
    Resident(Arc<[u8]>),
    NonResident {
        /// Shared with the attribute record when the stream has one piece.
        runs: Arc<[Run]>,
        data_size: u64,
        initialized_size: u64,
        compression_unit: u8,
    },
}

impl Stream {
    /// Data size in bytes.
    pub fn size(&self) -> u64 {
        match &self.data {
            StreamData::Resident(v) => v[..].len() as u64,
            StreamData::NonResident { data_size, .. } => *data_size,
        }
    }
}

fn names_equal(a: &str, b: &str) -> bool {
    a == b || a.to_uppercase() == b.to_uppercase()
}

impl File {
    pub fn is_dir(&self) -> bool {
        self.flags & RECORD_IS_DIRECTORY != 0
    }

    /// The attribute records of type `ty` named `name` (stream names compare case-insensitively).
    pub fn pieces(&self, ty: u32, name: &str) -> Vec<&Attribute> {
        self.attributes
            .iter()
            .filter(|a| a.ty == ty && names_equal(&a.name, name))
            .collect()
    }

    /// The first resident value of type `ty` (unnamed).
    pub fn resident(&self, ty: u32) -> Option<&[u8]> {
        self.attributes.iter().find_map(|a| match &a.body {
            Body::Resident(v) if a.ty == ty => Some(&v[..]),
            _ => None,
        })
    }

    /// The attribute `ty`/`name` with its pieces merged, if present.
    pub fn stream(&self, ty: u32, name: &str) -> Result<Option<Stream>> {
        let pieces = self.pieces(ty, name);
        if pieces.is_empty() {
            return Ok(None);
        }
        merge(&pieces)
            .map(Some)
            .map_err(|message| FsError::InvalidNtfsRecord {
                structure: "file record",
                number: self.number,
                offset: Some(self.offset),
                message: format!("attribute {ty:#x} {name:?}: {message}"),
            })
    }

    /// Names of the named `$DATA` streams, once each, in record order (duplicates found by
    /// set: a file may carry 65,535 of them).
    pub fn stream_names(&self) -> Vec<String> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out: Vec<String> = Vec::new();
        for a in &self.attributes {
            if a.ty == attribute::DATA && !a.name.is_empty() && seen.insert(a.name.as_str()) {
                out.push(a.name.clone());
            }
        }
        out
    }
}

/// Merges the pieces of one attribute (sorted by starting VCN, contiguous from VCN 0).
pub(crate) fn merge(pieces: &[&Attribute]) -> Result<Stream, MergeError> {
    let first = pieces.first().ok_or(MergeError::Empty)?;
    if let Body::Resident(v) = &first.body {
        if pieces.len() > 1 {
            return Err(MergeError::SplitResident);
        }
        return Ok(Stream {
            flags: first.flags,
            data: StreamData::Resident(v.clone()),
        });
    }
    let mut nr = Vec::with_capacity(pieces.len());
    for p in pieces {
        match &p.body {
            Body::NonResident(n) => nr.push(n),
            Body::Resident(_) => return Err(MergeError::Mixed),
        }
    }
    nr.sort_by_key(|n| n.start_vcn);
    let head = *nr.first().ok_or(MergeError::Empty)?;
    if head.start_vcn != 0 {
        return Err(MergeError::FirstVcn {
            vcn: head.start_vcn,
        });
    }
    let flags = pieces.iter().map(|p| p.flags).fold(0, |a, b| a | b);
    if let [one] = nr.as_slice() {
        // One piece: its decoded runs are shared, not copied.
        return Ok(Stream {
            flags,
            data: StreamData::NonResident {
                runs: Arc::clone(&one.runs),
                data_size: head.data_size,
                initialized_size: head.initialized_size.min(head.data_size),
                compression_unit: head.compression_unit,
            },
        });
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut next_vcn = 0u64;
    for n in &nr {
        if n.start_vcn != next_vcn {
            return Err(MergeError::Discontiguous {
                vcn: n.start_vcn,
                expected: next_vcn,
            });
        }
        if runs.len().saturating_add(n.runs.len()) > MAX_EXTENTS {
            return Err(MergeError::TooManyRuns);
        }
        runs.extend_from_slice(&n.runs);
        next_vcn = runs.last().map_or(n.start_vcn, Run::end);
        if n.runs.is_empty() {
            next_vcn = n.last_vcn.wrapping_add(1);
        }
    }
    Ok(Stream {
        flags,
        data: StreamData::NonResident {
            runs: runs.into(),
            data_size: head.data_size,
            initialized_size: head.initialized_size.min(head.data_size),
            compression_unit: head.compression_unit,
        },
    })
}

/// Byte extents of a run list.
pub(crate) fn run_extents(runs: &[Run], cluster: u64, path: &str) -> Result<Vec<Extent>> {
    let corrupt = || FsError::CorruptRuns {
        path: path.into(),
        message: "run offsets overflow".into(),
    };
    let mut out = Vec::new();
    out.try_reserve(runs.len()).map_err(|_| corrupt())?;
    for r in runs {
        out.push(Extent {
            offset: r.vcn.checked_mul(cluster).ok_or_else(corrupt)?,
            len: r.len.checked_mul(cluster).ok_or_else(corrupt)?,
            physical: match r.lcn {
                Some(l) => Some(l.checked_mul(cluster).ok_or_else(corrupt)?),
                None => None,
            },
        });
    }
    Ok(out)
}

/// A non-resident stream's bytes as they are stored (no decompression).
pub(crate) fn stored_extents(
    source: &Arc<dyn ReadAt>,
    cluster: u64,
    s: &Stream,
    path: &str,
) -> Result<Arc<dyn ReadAt>> {
    Ok(match &s.data {
        StreamData::Resident(v) => Arc::new(v.clone()),
        StreamData::NonResident {
            runs,
            data_size,
            initialized_size,
            ..
        } => Arc::new(
            Extents::new(
                source.clone(),
                run_extents(runs, cluster, path)?,
                *data_size,
                path,
            )?
            .with_initialized(*initialized_size),
        ),
    })
}

/// Reads a whole (small) value, refusing one larger than `max`.
pub(crate) fn small_value(
    source: &Arc<dyn ReadAt>,
    cluster: u64,
    s: &Stream,
    max: u64,
    what: &'static str,
    path: &str,
) -> Result<Vec<u8>> {
    if let StreamData::Resident(v) = &s.data {
        return Ok(v.to_vec());
    }
    let size = s.size();
    if size > max {
        return Err(FsError::TooLarge {
            path: path.into(),
            what,
            actual: size,
            limit: max,
        });
    }
    let data = stored_extents(source, cluster, s, path)?;
    let mut buf = vec![0u8; size as usize];
    data.read_at(0, &mut buf)?;
    Ok(buf)
}

/// Reads record `n` through the `$MFT` stream `mft`.
fn read_record(
    mft: &dyn ReadAt,
    physical: &dyn Fn(u64) -> Option<u64>,
    record_size: u64,
    n: u64,
) -> Result<FileRecord> {
    let pos = n
        .checked_mul(record_size)
        .filter(|p| p.checked_add(record_size).is_some_and(|e| e <= mft.len()))
        .ok_or_else(|| FsError::InvalidNtfsRecord {
            structure: "file record",
            number: n,
            offset: None,
            message: format!(
                "beyond the end of $MFT ({} records)",
                mft.len() / record_size
            ),
        })?;
    let mut buf = vec![0u8; record_size as usize];
    mft.read_at(pos, &mut buf)?;
    FileRecord::parse(buf, n, physical(pos).unwrap_or(pos))
}

/// Decoded runs a record's attributes hold.
fn record_runs(r: &FileRecord) -> usize {
    r.attributes
        .iter()
        .map(|a| match &a.body {
            Body::NonResident(n) => n.runs.len(),
            Body::Resident(_) => 0,
        })
        .sum()
}

/// Assembles a file from its base record, loading the extension records its attribute list
/// names. Bounded: [`MAX_ATTRIBUTE_LIST_ENTRIES`] entries, [`MAX_EXTENSION_RECORDS`] records of
/// at most [`MAX_EXTENSION_BYTES`] together, [`MAX_EXTENTS`] decoded runs over all of them;
/// each extension record is read once and its attributes are moved (not cloned) into the file,
/// found by (type, instance) in a map (not by a scan per entry).
fn assemble(
    base: FileRecord,
    source: &Arc<dyn ReadAt>,
    cluster: u64,
    record_size: u64,
    read: &dyn Fn(u64) -> Result<FileRecord>,
) -> Result<File> {
    let (number, offset, sequence, flags) = (base.number, base.offset, base.sequence, base.flags);
    let err = |message: String| FsError::InvalidNtfsRecord {
        structure: "file record",
        number,
        offset: Some(offset),
        message,
    };
    if flags & RECORD_IN_USE == 0 {
        return Err(err("record is not in use".into()));
    }
    if base.base & REF_MASK != 0 {
        return Err(err(format!(
            "is an extension record of record {}",
            base.base & REF_MASK
        )));
    }
    let Some(list) = base
        .attributes
        .iter()
        .find(|a| a.ty == attribute::ATTRIBUTE_LIST)
        .cloned()
    else {
        return Ok(File {
            number,
            offset,
            sequence,
            flags,
            attributes: base.attributes,
        });
    };
    let what = format!("record {number}");
    let value = small_value(
        source,
        cluster,
        &merge(&[&list]).map_err(|m| err(format!("$ATTRIBUTE_LIST: {m}")))?,
        MAX_ATTRIBUTE_LIST,
        "$ATTRIBUTE_LIST bytes",
        &what,
    )?;
    let entries = attrlist::parse(&value).map_err(|m| err(format!("$ATTRIBUTE_LIST: {m}")))?;
    if entries.len() > MAX_ATTRIBUTE_LIST_ENTRIES {
        return Err(FsError::TooLarge {
            path: what,
            what: "attribute list entries",
            actual: entries.len() as u64,
            limit: MAX_ATTRIBUTE_LIST_ENTRIES as u64,
        });
    }
    // Each record's attributes sorted by (type, instance), found by binary search and taken out
    // as the list names them (dense: no per-record hash table).
    type Slots = Vec<((u32, u16), Option<Attribute>)>;
    let slots = |r: FileRecord| -> Slots {
        let mut m: Slots = r
            .attributes
            .into_iter()
            .map(|a| ((a.ty, a.id), Some(a)))
            .collect();
        // Stable: of two records with one (type, instance), the first wins, as before.
        m.sort_by_key(|(k, _)| *k);
        m
    };
    let mut runs = record_runs(&base);
    let mut records: HashMap<u64, Slots> = HashMap::new();
    records.insert(number, slots(base));
    let mut seen = HashSet::with_capacity(entries.len());
    let mut attributes = Vec::with_capacity(entries.len().saturating_add(1));
    attributes.push(list);
    for e in &entries {
        if !records.contains_key(&e.record) {
            if records.len() > MAX_EXTENSION_RECORDS {
                return Err(FsError::TooLarge {
                    path: what,
                    what: "extension records",
                    actual: records.len() as u64,
                    limit: MAX_EXTENSION_RECORDS as u64,
                });
            }
            let bytes = (records.len() as u64 + 1).saturating_mul(record_size);
            if bytes > MAX_EXTENSION_BYTES {
                return Err(FsError::TooLarge {
                    path: what,
                    what: "extension record bytes",
                    actual: bytes,
                    limit: MAX_EXTENSION_BYTES,
                });
            }
            let r = read(e.record)?;
            if r.base & REF_MASK != number {
                return Err(err(format!(
                    "$ATTRIBUTE_LIST names record {}, which belongs to record {}",
                    e.record,
                    r.base & REF_MASK
                )));
            }
            runs = runs.saturating_add(record_runs(&r));
            if runs > MAX_EXTENTS {
                return Err(FsError::TooLarge {
                    path: what,
                    what: "data runs over the extension records",
                    actual: runs as u64,
                    limit: MAX_EXTENTS as u64,
                });
            }
            records.insert(e.record, slots(r));
        }
        if !seen.insert((e.record, e.id)) {
            continue;
        }
        let a = records
            .get_mut(&e.record)
            .and_then(|m| {
                let i = m.partition_point(|(k, _)| *k < (e.ty, e.id));
                m.get_mut(i).filter(|(k, _)| *k == (e.ty, e.id))
            })
            .and_then(|(_, a)| a.take())
            .ok_or_else(|| {
                err(format!(
                    "$ATTRIBUTE_LIST names attribute {:#x} (instance {}) in record {}, which lacks it",
                    e.ty, e.id, e.record
                ))
            })?;
        attributes.push(a);
    }
    Ok(File {
        number,
        offset,
        sequence,
        flags,
        attributes,
    })
}

/// A mounted NTFS volume.
pub(crate) struct Volume {
    pub source: Arc<dyn ReadAt>,
    pub geometry: NtfsGeometry,
    mft: Extents,
    pub upcase: Upcase,
    files: Cache<u64, Arc<File>>,
    pub nodes: Cache<(u64, u64), Arc<Vec<IndexEntry>>>,
}

/// A fault of `$MFT`'s own record (record 0).
fn mft_error(geometry: &NtfsGeometry, message: impl Into<String>) -> FsError {
    FsError::InvalidNtfsRecord {
        structure: "file record",
        number: MFT_RECORD,
        offset: Some(geometry.mft_offset),
        message: message.into(),
    }
}

impl Volume {
    /// Checks the boot sector, assembles `$MFT` (all its `$DATA` pieces) and finds `$UpCase`.
    pub fn open(source: Arc<dyn ReadAt>) -> Result<Self> {
        let mut boot = [0u8; 512];
        source.read_at(0, &mut boot)?;
        let geometry = check_boot_sector(&boot, source.len())?;
        let cluster = geometry.cluster_size;
        let rs = geometry.record_size;
        let mut buf = vec![0u8; rs as usize];
        source.read_at(geometry.mft_offset, &mut buf)?;
        let base = FileRecord::parse(buf, MFT_RECORD, geometry.mft_offset)?;
        // The first $DATA piece (in record 0) maps the records that hold the others.
        let first = {
            let pieces: Vec<&Attribute> = base
                .attributes
                .iter()
                .filter(|a| {
                    a.ty == attribute::DATA
                        && a.name.is_empty()
                        && matches!(&a.body, Body::NonResident(n) if n.start_vcn == 0)
                })
                .collect();
            let s = merge(&pieces).map_err(|m| mft_error(&geometry, format!("$MFT $DATA: {m}")))?;
            let StreamData::NonResident {
                runs, data_size, ..
            } = &s.data
            else {
                return Err(mft_error(&geometry, "$MFT $DATA is resident"));
            };
            let covered = runs.last().map_or(0, Run::end).saturating_mul(cluster);
            Extents::new(
                source.clone(),
                run_extents(runs, cluster, "$MFT")?,
                covered.min(*data_size),
                "$MFT",
            )?
        };
        let read_first = |n: u64| read_record(&first, &|p| first.physical(p), rs, n);
        let mft_file = assemble(base, &source, cluster, rs, &read_first)?;
        let data = mft_file
            .stream(attribute::DATA, "")?
            .ok_or_else(|| mft_error(&geometry, "$MFT has no $DATA"))?;
        let StreamData::NonResident {
            runs,
            data_size,
            initialized_size,
            ..
        } = &data.data
        else {
            return Err(mft_error(&geometry, "$MFT $DATA is resident"));
        };
        let mft = Extents::new(
            source.clone(),
            run_extents(runs, cluster, "$MFT")?,
            *data_size,
            "$MFT",
        )?
        .with_initialized(*initialized_size);
        let mut vol = Volume {
            source,
            geometry,
            mft,
            upcase: Upcase::fallback(),
            files: Cache::new(FILE_CACHE_BUDGET),
            nodes: Cache::new(INDEX_NODE_CACHE_BUDGET),
        };
        let bytes = super::cache::file_bytes(&mft_file);
        vol.files.insert(MFT_RECORD, Arc::new(mft_file), bytes);
        // `$UpCase` is read lazily, a page at a time (see `upcase`); a compressed or encrypted
        // one (never written by Windows) is not a table this reader can index.
        if let Some(table) = vol
            .file(UPCASE_RECORD)
            .ok()
            .and_then(|f| f.stream(attribute::DATA, "").ok().flatten())
            .filter(|s| s.flags & (attribute::FLAG_COMPRESSED | attribute::FLAG_ENCRYPTED) == 0)
            .and_then(|s| vol.stored(&s, "$UpCase").ok())
        {
            vol.upcase = Upcase::from_source(table);
        }
        Ok(vol)
    }

    /// Number of records `$MFT` holds.
    pub fn record_count(&self) -> u64 {
        self.mft.len() / self.geometry.record_size
    }

    /// File record `n`, parsed.
    pub fn record(&self, n: u64) -> Result<FileRecord> {
        read_record(
            &self.mft,
            &|p| self.mft.physical(p),
            self.geometry.record_size,
            n,
        )
    }

    /// File `n` with all its attribute records (cached).
    pub fn file(&self, n: u64) -> Result<Arc<File>> {
        if let Some(f) = self.files.get(&n) {
            return Ok(f);
        }
        let base = self.record(n)?;
        let f = Arc::new(assemble(
            base,
            &self.source,
            self.geometry.cluster_size,
            self.geometry.record_size,
            &|m| self.record(m),
        )?);
        self.files
            .insert(n, f.clone(), super::cache::file_bytes(&f));
        Ok(f)
    }

    /// A small value of `file`.
    pub fn value(&self, s: &Stream, max: u64, what: &'static str, path: &str) -> Result<Vec<u8>> {
        small_value(&self.source, self.geometry.cluster_size, s, max, what, path)
    }

    /// The stored bytes of a stream.
    pub fn stored(&self, s: &Stream, path: &str) -> Result<Arc<dyn ReadAt>> {
        stored_extents(&self.source, self.geometry.cluster_size, s, path)
    }

    /// True when the stream is LZNT1-compressed and this reader cannot decompress it.
    pub fn compressed_unreadable(&self, s: &Stream) -> bool {
        match &s.data {
            StreamData::Resident(_) => false,
            StreamData::NonResident {
                compression_unit, ..
            } => {
                s.flags & attribute::FLAG_COMPRESSED != 0
                    && (*compression_unit == 0
                        || 1u64
                            .checked_shl(u32::from(*compression_unit))
                            .and_then(|c| c.checked_mul(self.geometry.cluster_size))
                            .is_none_or(|b| b > super::compressed::MAX_COMPRESSION_UNIT))
            }
        }
    }

    /// A stream's content: decompressed when LZNT1, refused when encrypted.
    pub fn content(&self, s: &Stream, path: &str) -> Result<FileData> {
        if s.flags & attribute::FLAG_ENCRYPTED != 0 {
            return Ok(FileData::Unreadable(Special::Encrypted));
        }
        match &s.data {
            StreamData::NonResident {
                runs,
                data_size,
                initialized_size,
                compression_unit,
            } if s.flags & attribute::FLAG_COMPRESSED != 0 => {
                if self.compressed_unreadable(s) {
                    return Ok(FileData::Unreadable(Special::Compressed));
                }
                Ok(FileData::Content(Arc::new(Lznt1Stream::new(
                    self.source.clone(),
                    Arc::clone(runs),
                    self.geometry.cluster_size,
                    *compression_unit,
                    *data_size,
                    *initialized_size,
                    path,
                )?)))
            }
            _ => Ok(FileData::Content(self.stored(s, path)?)),
        }
    }
}
