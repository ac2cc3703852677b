//! NTFS through the `ntfs` crate 0.4, isolated behind [`FileSystem`].
//!
//! The crate wants `&mut (Read + Seek)` for every call, so the `Ntfs` object and a
//! [`Cursor`] over the (budgeted) volume live in a `Mutex`; every call runs in `catch_unwind`.
//! File content is not read through the crate: the data runs of the `$DATA` attribute are turned
//! into an [`Extents`] list read straight from the volume.

use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, PoisonError};

use ntfs::attribute_value::{NtfsAttributeValue, NtfsDataRuns};
use ntfs::indexes::NtfsFileNameIndex;
use ntfs::structured_values::{NtfsAttributeList, NtfsFileName, NtfsFileNamespace};
use ntfs::{
    Ntfs, NtfsAttribute, NtfsAttributeFlags, NtfsAttributeType, NtfsError, NtfsFile, NtfsReadSeek,
};
use vhdlint_container::{bytes, Cursor, ReadAt};

use crate::budget::Budgeted;
use crate::extents::{Extent, Extents, MAX_EXTENTS};
use crate::guard::guarded;
use crate::path::components;
use crate::{
    DirEntry, FileData, FileSystem, FsError, FsKind, ReparseKind, Result, Special, WofAlgorithm,
    MAX_DIR_ENTRIES, MAX_READ_PER_CALL, TAG_WOF,
};

/// Largest NTFS cluster: 2 MiB (Windows 10 1709 and later; `format /A:2M`).
pub const MAX_CLUSTER_SIZE: u64 = 2 << 20;

/// Most attributes walked in one file record set (including attribute-list entries). A file
/// record of 1 KiB holds at most a few dozen; attribute lists of very fragmented files a few
/// thousand.
pub const MAX_ATTRIBUTES: usize = 65_536;

/// Largest reparse-point value read (MAXIMUM_REPARSE_DATA_BUFFER_SIZE, 16 KiB).
pub const MAX_REPARSE_DATA: u64 = 16 * 1024;

/// FILE_ATTRIBUTE_ENCRYPTED.
const ATTR_ENCRYPTED: u32 = 0x4000;
/// FILE_ATTRIBUTE_REPARSE_POINT.
const ATTR_REPARSE_POINT: u32 = 0x0400;

type Stream = Cursor<Arc<Budgeted>>;

struct Inner {
    ntfs: Ntfs,
    fs: Stream,
}

/// Geometry from an NTFS boot sector, checked by vhdlint before the parser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtfsGeometry {
    /// BytesPerSector.
    pub sector_size: u32,
    /// Cluster size in bytes.
    pub cluster_size: u64,
    /// Byte offset of `$MFT`.
    pub mft_offset: u64,
    /// File record size in bytes.
    pub record_size: u64,
    /// TotalSectors × BytesPerSector.
    pub volume_size: u64,
}

fn invalid(field: &'static str, actual: u64, reason: impl Into<String>) -> FsError {
    FsError::InvalidBootSector {
        fs: "NTFS",
        field,
        actual,
        reason: reason.into(),
    }
}

/// Checks an NTFS boot sector (BIOS parameter block at 0x0B) against `volume_len`.
pub fn check_boot_sector(boot: &[u8], volume_len: u64) -> Result<NtfsGeometry> {
    let bps = bytes::le_u16(boot, 0x0B);
    if !(256..=4096).contains(&bps) || !bps.is_power_of_two() {
        return Err(invalid(
            "BytesPerSector",
            bps.into(),
            "must be a power of two from 256 to 4096",
        ));
    }
    let spc = bytes::array::<1>(boot, 0x0D)[0];
    let sectors_per_cluster: u64 = match spc {
        0 => return Err(invalid("SectorsPerCluster", 0, "must not be zero")),
        1..=0x80 if spc.is_power_of_two() => spc.into(),
        1..=0x80 => {
            return Err(invalid(
                "SectorsPerCluster",
                spc.into(),
                "must be a power of two",
            ))
        }
        // Values above 0x80 are a negative binary exponent: 0xF4 = 2^12 sectors.
        _ => 1u64.checked_shl(256 - u32::from(spc)).unwrap_or(u64::MAX),
    };
    let cluster_size = sectors_per_cluster.saturating_mul(bps.into());
    if cluster_size > MAX_CLUSTER_SIZE {
        return Err(invalid(
            "SectorsPerCluster",
            spc.into(),
            format!("cluster size {cluster_size:#x} exceeds the NTFS maximum of 2 MiB"),
        ));
    }
    let total_sectors = bytes::le_u64(boot, 0x28);
    let volume_size = total_sectors.saturating_mul(bps.into());
    let mft_lcn = bytes::le_u64(boot, 0x30);
    let record_raw = bytes::array::<1>(boot, 0x40)[0] as i8;
    let record_size = if record_raw > 0 {
        u64::from(record_raw.unsigned_abs()).saturating_mul(cluster_size)
    } else {
        1u64.checked_shl(u32::from(record_raw.unsigned_abs()))
            .unwrap_or(u64::MAX)
    };
    if !(256..=65536).contains(&record_size) {
        return Err(invalid(
            "ClustersPerFileRecordSegment",
            record_raw as u8 as u64,
            format!("file record size {record_size:#x} is not between 256 bytes and 64 KiB"),
        ));
    }
    let mft_offset = mft_lcn
        .checked_mul(cluster_size)
        .filter(|o| {
            o.checked_add(record_size)
                .is_some_and(|end| end <= volume_len)
        })
        .ok_or_else(|| {
            invalid(
                "MftClusterNumber",
                mft_lcn,
                format!("$MFT lies past the end of the {volume_len:#x}-byte volume"),
            )
        })?;
    Ok(NtfsGeometry {
        sector_size: bps.into(),
        cluster_size,
        mft_offset,
        record_size,
        volume_size,
    })
}

/// An NTFS volume read through the `ntfs` crate.
pub struct NtfsFileSystem {
    inner: Mutex<Inner>,
    budget: Arc<Budgeted>,
    volume: Arc<dyn ReadAt>,
    label: Option<String>,
    geometry: NtfsGeometry,
}

impl std::fmt::Debug for NtfsFileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfsFileSystem")
            .field("label", &self.label)
            .field("geometry", &self.geometry)
            .finish_non_exhaustive()
    }
}

fn nerr(path: &str) -> impl Fn(NtfsError) -> FsError + '_ {
    move |e| FsError::Ntfs {
        path: path.to_string(),
        message: e.to_string(),
    }
}

impl NtfsFileSystem {
    /// Checks the boot sector, then opens the volume with the `ntfs` crate and reads `$UpCase`.
    pub fn mount(volume: Arc<dyn ReadAt>) -> Result<Self> {
        let mut boot = [0u8; 512];
        volume.read_at(0, &mut boot)?;
        let geometry = check_boot_sector(&boot, volume.len())?;
        let budget = Arc::new(Budgeted::new(volume.clone()));
        let r = guarded("mounting NTFS", || {
            let mut fs = Cursor::new(budget.clone());
            let e = nerr("/");
            let mut ntfs = Ntfs::new(&mut fs).map_err(&e)?;
            ntfs.read_upcase_table(&mut fs).map_err(&e)?;
            let label = ntfs
                .volume_name(&mut fs)
                .and_then(|r| r.ok())
                .map(|n| n.name().to_string_lossy());
            Ok((ntfs, fs, label))
        });
        if budget.exhausted() {
            return Err(FsError::ReadBudgetExhausted {
                what: "mounting NTFS".into(),
                limit: MAX_READ_PER_CALL,
            });
        }
        let (ntfs, fs, label) = r?;
        Ok(NtfsFileSystem {
            inner: Mutex::new(Inner { ntfs, fs }),
            budget,
            volume,
            label,
            geometry,
        })
    }

    /// The boot-sector geometry.
    pub fn geometry(&self) -> NtfsGeometry {
        self.geometry
    }

    fn with<T>(&self, what: &str, f: impl FnOnce(&Ntfs, &mut Stream) -> Result<T>) -> Result<T> {
        let r = guarded(what, || {
            let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            self.budget.reset();
            let Inner { ntfs, fs } = &mut *g;
            f(ntfs, fs)
        });
        if self.budget.exhausted() {
            return Err(FsError::ReadBudgetExhausted {
                what: what.into(),
                limit: MAX_READ_PER_CALL,
            });
        }
        r
    }
}

fn resolve<'n>(ntfs: &'n Ntfs, fs: &mut Stream, path: &str) -> Result<NtfsFile<'n>> {
    let comps = components(path)?;
    let e = nerr(path);
    let mut file = ntfs.root_directory(fs).map_err(&e)?;
    for (depth, name) in comps.iter().enumerate() {
        if !file.is_directory() {
            return Err(FsError::NotADirectory {
                path: comps.get(..depth).map(|c| c.join("/")).unwrap_or_default(),
            });
        }
        let next = {
            let index = file.directory_index(fs).map_err(&e)?;
            let mut finder = index.finder();
            let entry = NtfsFileNameIndex::find(&mut finder, ntfs, fs, name)
                .ok_or_else(|| FsError::NotFound { path: path.into() })?
                .map_err(&e)?;
            entry.to_file(ntfs, fs).map_err(&e)?
        };
        file = next;
    }
    Ok(file)
}

/// Reads up to `max` bytes of an attribute's value.
fn small_value(
    attr: &NtfsAttribute<'_, '_>,
    fs: &mut Stream,
    max: u64,
    path: &str,
) -> Result<Vec<u8>> {
    let e = nerr(path);
    let mut value = attr.value(fs).map_err(&e)?;
    let len = usize::try_from(value.len().min(max)).unwrap_or(0);
    if let NtfsAttributeValue::Resident(r) = &value {
        return Ok(bytes::slice(r.data(), 0, len.min(r.data().len())).to_vec());
    }
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        let n = value.read(fs, rest).map_err(&e)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    Ok(buf)
}

fn wof_algorithm(reparse: &[u8]) -> WofAlgorithm {
    // REPARSE_DATA_BUFFER: tag u32, length u16, reserved u16; then WOF_EXTERNAL_INFO
    // (Version u32, Provider u32) and, for provider 2 (FILE), FILE_PROVIDER_EXTERNAL_INFO_V1
    // (Version u32, Algorithm u32, Flags u32).
    match bytes::le_u32(reparse, 12) {
        1 => WofAlgorithm::Wim,
        _ => match bytes::le_u32(reparse, 20) {
            0 => WofAlgorithm::Xpress4k,
            1 => WofAlgorithm::Lzx,
            2 => WofAlgorithm::Xpress8k,
            3 => WofAlgorithm::Xpress16k,
            n => WofAlgorithm::Unknown(n),
        },
    }
}

fn time(t: ntfs::NtfsTime) -> Option<u64> {
    Some(t.nt_timestamp())
}

/// Full description of a file from its records.
fn describe(fs: &mut Stream, file: &NtfsFile<'_>, name: String, path: &str) -> Result<DirEntry> {
    let e = nerr(path);
    let info = file.info().map_err(&e)?;
    let attributes = info.file_attributes().bits();
    let is_dir = file.is_directory();
    let mut size = 0;
    let mut data_flags = NtfsAttributeFlags::empty();
    let mut streams = Vec::new();
    let mut reparse = None;
    let mut iter = file.attributes();
    let mut seen = 0usize;
    while let Some(item) = iter.next(fs) {
        seen += 1;
        if seen > MAX_ATTRIBUTES {
            return Err(FsError::TooLarge {
                path: path.into(),
                what: "attributes",
                actual: seen as u64,
                limit: MAX_ATTRIBUTES as u64,
            });
        }
        let item = item.map_err(&e)?;
        let attr = item.to_attribute().map_err(&e)?;
        match attr.ty() {
            Ok(NtfsAttributeType::Data) => {
                let n = attr.name().map_err(&e)?.to_string_lossy();
                if n.is_empty() {
                    size = attr.value_length();
                    data_flags = attr.flags();
                    if attr.is_resident() {
                        // Resident values are stored as they are, even when the attribute is
                        // flagged compressed (LZNT1 works on non-resident compression units).
                        data_flags.remove(NtfsAttributeFlags::COMPRESSED);
                    }
                } else {
                    streams.push(n);
                }
            }
            Ok(NtfsAttributeType::ReparsePoint) => {
                reparse = Some(small_value(&attr, fs, MAX_REPARSE_DATA, path)?);
            }
            _ => {}
        }
    }
    let reparse_tag = reparse
        .as_deref()
        .map(|r| bytes::le_u32(r, 0))
        .or((attributes & ATTR_REPARSE_POINT != 0).then_some(0));
    let special = match (reparse_tag, reparse.as_deref()) {
        (Some(TAG_WOF), Some(r)) => Some(Special::WofCompressed {
            algorithm: wof_algorithm(r),
        }),
        (Some(tag), _) => Some(Special::Reparse {
            tag,
            kind: ReparseKind::from_tag(tag),
        }),
        _ if is_dir => None,
        _ if attributes & ATTR_ENCRYPTED != 0
            || data_flags.contains(NtfsAttributeFlags::ENCRYPTED) =>
        {
            Some(Special::Encrypted)
        }
        _ if data_flags.contains(NtfsAttributeFlags::COMPRESSED) => Some(Special::Compressed),
        _ => None,
    };
    Ok(DirEntry {
        name,
        is_dir,
        size: if is_dir { 0 } else { size },
        attributes,
        created: time(info.creation_time()),
        modified: time(info.modification_time()),
        accessed: time(info.access_time()),
        reparse_tag,
        streams,
        special,
    })
}

/// A description from the directory index's copy of `$FILE_NAME` (when the record is unreadable).
fn from_file_name(key: &NtfsFileName, name: String) -> DirEntry {
    DirEntry {
        name,
        is_dir: key.is_directory(),
        size: if key.is_directory() {
            0
        } else {
            key.data_size()
        },
        attributes: key.file_attributes().bits(),
        created: time(key.creation_time()),
        modified: time(key.modification_time()),
        accessed: time(key.access_time()),
        reparse_tag: None,
        streams: Vec::new(),
        special: None,
    }
}

fn file_name(fs: &mut Stream, file: &NtfsFile<'_>) -> Option<String> {
    [
        NtfsFileNamespace::Win32AndDos,
        NtfsFileNamespace::Win32,
        NtfsFileNamespace::Posix,
    ]
    .into_iter()
    .find_map(|ns| file.name(fs, Some(ns), None).and_then(|r| r.ok()))
    .map(|n| n.name().to_string_lossy())
}

fn push_runs(
    runs: NtfsDataRuns<'_, '_>,
    out: &mut Vec<Extent>,
    offset: &mut u64,
    path: &str,
) -> Result<()> {
    let e = nerr(path);
    for run in runs {
        if out.len() >= MAX_EXTENTS {
            return Err(FsError::TooLarge {
                path: path.into(),
                what: "data runs",
                actual: out.len() as u64 + 1,
                limit: MAX_EXTENTS as u64,
            });
        }
        let run = run.map_err(&e)?;
        let len = run.allocated_size();
        out.push(Extent {
            offset: *offset,
            len,
            physical: run.data_position().value().map(NonZeroU64::get),
        });
        *offset = offset
            .checked_add(len)
            .ok_or_else(|| FsError::CorruptRuns {
                path: path.into(),
                message: "run lengths overflow".into(),
            })?;
    }
    Ok(())
}

/// Data runs of a non-resident attribute split over several file records by an attribute list.
fn list_extents(
    ntfs: &Ntfs,
    fs: &mut Stream,
    file: &NtfsFile<'_>,
    stream: &str,
    path: &str,
) -> Result<Vec<Extent>> {
    let e = nerr(path);
    let mut pieces = Vec::new();
    for attr in file.attributes_raw().take(MAX_ATTRIBUTES) {
        let attr = attr.map_err(&e)?;
        if attr.ty().ok() != Some(NtfsAttributeType::AttributeList) {
            continue;
        }
        let list = attr
            .structured_value::<_, NtfsAttributeList>(fs)
            .map_err(&e)?;
        let mut entries = list.entries();
        while let Some(entry) = entries.next(fs) {
            if pieces.len() >= MAX_ATTRIBUTES {
                break;
            }
            let entry = entry.map_err(&e)?;
            if entry.ty().ok() == Some(NtfsAttributeType::Data)
                && entry.name().to_string_lossy() == stream
            {
                pieces.push(entry);
            }
        }
        break;
    }
    pieces.sort_by_key(|p| p.lowest_vcn().value());
    let mut out = Vec::new();
    let mut offset = 0u64;
    for p in pieces {
        let expected = u64::try_from(p.lowest_vcn().value())
            .ok()
            .and_then(|v| v.checked_mul(u64::from(ntfs.cluster_size())));
        if expected != Some(offset) {
            return Err(FsError::CorruptRuns {
                path: path.into(),
                message: format!(
                    "attribute piece starts at VCN {}, expected byte {offset:#x}",
                    p.lowest_vcn().value()
                ),
            });
        }
        let piece_file = p.to_file(ntfs, fs).map_err(&e)?;
        if piece_file.file_record_number() != p.base_file_reference().file_record_number() {
            return Err(FsError::CorruptRuns {
                path: path.into(),
                message: "attribute list entry names the wrong file record".into(),
            });
        }
        let attr = p.to_attribute(&piece_file).map_err(&e)?;
        match attr.value(fs).map_err(&e)? {
            NtfsAttributeValue::NonResident(nr) => {
                push_runs(nr.data_runs(), &mut out, &mut offset, path)?
            }
            _ => {
                return Err(FsError::CorruptRuns {
                    path: path.into(),
                    message: "a piece of a split attribute is not non-resident".into(),
                })
            }
        }
    }
    Ok(out)
}

impl FileSystem for NtfsFileSystem {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.with("listing an NTFS directory", |ntfs, fs| {
            let e = nerr(path);
            let dir = resolve(ntfs, fs, path)?;
            if !dir.is_directory() {
                return Err(FsError::NotADirectory { path: path.into() });
            }
            let index = dir.directory_index(fs).map_err(&e)?;
            let mut entries = index.entries();
            let mut out = Vec::new();
            let mut seen = 0usize;
            while let Some(entry) = entries.next(fs) {
                seen += 1;
                if seen > MAX_DIR_ENTRIES {
                    return Err(FsError::TooLarge {
                        path: path.into(),
                        what: "directory entries",
                        actual: seen as u64,
                        limit: MAX_DIR_ENTRIES as u64,
                    });
                }
                let entry = entry.map_err(&e)?;
                let Some(key) = entry.key() else { continue };
                let key = key.map_err(&e)?;
                if key.namespace() == NtfsFileNamespace::Dos {
                    continue;
                }
                let name = key.name().to_string_lossy();
                if name == "." {
                    continue;
                }
                let full = entry
                    .to_file(ntfs, fs)
                    .map_err(&e)
                    .and_then(|f| describe(fs, &f, name.clone(), path));
                out.push(full.unwrap_or_else(|_| from_file_name(&key, name)));
            }
            Ok(out)
        })
    }

    fn stat(&self, path: &str) -> Result<DirEntry> {
        self.with("reading an NTFS file record", |ntfs, fs| {
            let file = resolve(ntfs, fs, path)?;
            let comps = components(path)?;
            let name = if comps.is_empty() {
                String::new()
            } else {
                file_name(fs, &file)
                    .unwrap_or_else(|| comps.last().map(|s| s.to_string()).unwrap_or_default())
            };
            describe(fs, &file, name, path)
        })
    }

    fn open(&self, path: &str, stream: Option<&str>) -> Result<FileData> {
        self.with("opening an NTFS file", |ntfs, fs| {
            let e = nerr(path);
            let file = resolve(ntfs, fs, path)?;
            if file.is_directory() {
                return Err(FsError::IsADirectory { path: path.into() });
            }
            let wanted = stream.unwrap_or("");
            let entry = describe(fs, &file, String::new(), path)?;
            if let Some(special) = entry.special {
                // Named streams of reparse points (e.g. WofCompressedData) are their own bytes;
                // the unnamed stream of any special file is not the content.
                let applies = wanted.is_empty() || matches!(special, Special::Encrypted);
                if applies {
                    return Ok(FileData::Unreadable(special));
                }
            }
            let mut iter = file.attributes();
            let mut seen = 0usize;
            while let Some(item) = iter.next(fs) {
                seen += 1;
                if seen > MAX_ATTRIBUTES {
                    break;
                }
                let item = item.map_err(&e)?;
                let attr = item.to_attribute().map_err(&e)?;
                if attr.ty().ok() != Some(NtfsAttributeType::Data) {
                    continue;
                }
                let name = attr.name().map_err(&e)?.to_string_lossy();
                if name.to_lowercase() != wanted.to_lowercase() {
                    continue;
                }
                if attr.flags().contains(NtfsAttributeFlags::ENCRYPTED) {
                    return Ok(FileData::Unreadable(Special::Encrypted));
                }
                if attr.flags().contains(NtfsAttributeFlags::COMPRESSED) && !attr.is_resident() {
                    return Ok(FileData::Unreadable(Special::Compressed));
                }
                let data: Arc<dyn ReadAt> = match attr.value(fs).map_err(&e)? {
                    NtfsAttributeValue::Resident(r) => Arc::new(r.data().to_vec()),
                    NtfsAttributeValue::NonResident(nr) => {
                        let mut runs = Vec::new();
                        push_runs(nr.data_runs(), &mut runs, &mut 0, path)?;
                        Arc::new(Extents::new(self.volume.clone(), runs, nr.len(), path)?)
                    }
                    NtfsAttributeValue::AttributeListNonResident(v) => {
                        let len = v.len();
                        let runs = list_extents(ntfs, fs, &file, &name, path)?;
                        Arc::new(Extents::new(self.volume.clone(), runs, len, path)?)
                    }
                };
                return Ok(FileData::Content(data));
            }
            Err(FsError::StreamNotFound {
                path: path.into(),
                stream: wanted.into(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[3..11].copy_from_slice(b"NTFS    ");
        b[0x0B..0x0D].copy_from_slice(&512u16.to_le_bytes());
        b[0x0D] = 8;
        b[0x28..0x30].copy_from_slice(&20_000u64.to_le_bytes());
        b[0x30..0x38].copy_from_slice(&4u64.to_le_bytes());
        b[0x40] = 0xF6; // 2^10 = 1024-byte records
        b[510] = 0x55;
        b[511] = 0xAA;
        b
    }

    #[test]
    fn boot_sector_checks() {
        let g = check_boot_sector(&boot(), 20_000 * 512).unwrap();
        assert_eq!(
            (g.cluster_size, g.mft_offset, g.record_size),
            (4096, 16384, 1024)
        );
        let mut b = boot();
        b[0x0B] = 0;
        b[0x0C] = 0;
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "BytesPerSector",
                actual: 0,
                ..
            })
        ));
        let mut b = boot();
        b[0x0D] = (256 - 40) as u8; // 2^40 sectors per cluster
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "SectorsPerCluster",
                ..
            })
        ));
        let mut b = boot();
        b[0x0D] = 0xF4; // 2^12 × 512 = 2 MiB clusters: allowed
        assert_eq!(
            check_boot_sector(&b, 1 << 40).unwrap().cluster_size,
            2 << 20
        );
        let mut b = boot();
        b[0x30..0x38].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            check_boot_sector(&b, 1 << 30),
            Err(FsError::InvalidBootSector {
                field: "MftClusterNumber",
                ..
            })
        ));
    }

    #[test]
    fn reparse_kinds() {
        assert_eq!(ReparseKind::from_tag(0x9000_001A), ReparseKind::Cloud);
        assert_eq!(ReparseKind::from_tag(0x9000_601A), ReparseKind::Cloud);
        assert_eq!(ReparseKind::from_tag(0xA000_000C), ReparseKind::Symlink);
        assert_eq!(ReparseKind::from_tag(0xA000_0003), ReparseKind::Junction);
        assert_eq!(ReparseKind::from_tag(0x8000_0017), ReparseKind::Wof);
        assert_eq!(ReparseKind::from_tag(0x8000_001B), ReparseKind::Other);
    }
}
