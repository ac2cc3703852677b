//! FAT12/16/32 (the EFI system partition) through `fatfs` 0.3.6 behind a read-only [`Cursor`].

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, PoisonError};

use vhdlint_container::bytes::{FieldResult, Fields};
use vhdlint_container::read::check_bounds;
use vhdlint_container::{Cursor, ReadAt, ReadError};

use crate::budget::{Budgeted, MAX_FAT_DIRECTORY_READ};
use crate::guard::guarded;
use crate::path::components;
use crate::{
    DirEntry, FileData, FileSystem, FsError, FsKind, Result, MAX_DIR_ENTRIES, MAX_READ_PER_CALL,
};

/// Largest FAT file read into memory: 64 MiB. ESP files (boot manager, BCD, fonts) are a few
/// MiB at most; FAT32's own limit is 4 GiB.
pub const MAX_FAT_FILE: u64 = 64 << 20;

/// Largest FAT file read into memory whole when opened (the BCD store, fonts, small loaders);
/// a bigger one (a 1 MiB boot manager of which only the PE headers and the certificate table
/// are wanted) is read lazily: each `read_at` reopens the volume, finds the entry and reads the
/// range asked for.
pub const MAX_EAGER_FAT_FILE: u64 = 256 << 10;

type Disk = Cursor<Arc<Budgeted>>;

/// True when `boot` holds a plausible FAT BIOS parameter block (jump, sector size, cluster size,
/// reserved sectors, FAT count).
pub fn looks_like_fat(boot: &[u8]) -> bool {
    // A sector too short to hold a BPB is not FAT.
    plausible_bpb(&Fields::unplaced(boot, "FAT boot sector")).unwrap_or(false)
}

fn plausible_bpb(f: &Fields<'_>) -> FieldResult<bool> {
    let jump = f.u8(0)?;
    let bps = f.le_u16(11)?;
    let spc = f.u8(13)?;
    let reserved = f.le_u16(14)?;
    let fats = f.u8(16)?;
    Ok((jump == 0xEB || jump == 0xE9)
        && bps.is_power_of_two()
        && (512..=4096).contains(&bps)
        && spc.is_power_of_two()
        && reserved >= 1
        && fats >= 1
        && f.le_u16(510)? == 0xAA55)
}

/// A FAT volume read through `fatfs`.
///
/// `fatfs::FileSystem` is not `Send` (its options hold non-`Sync` trait objects), so it is
/// opened again for every call (it reads the boot sector and FSInfo: two sectors); the mutex
/// serialises calls so the read budget is per call.
pub struct FatFileSystem {
    inner: Arc<FatInner>,
    label: Option<String>,
}

/// What every call needs: the lock that serialises calls and the per-call read budget.
struct FatInner {
    lock: Mutex<()>,
    budget: Arc<Budgeted>,
}

impl FatInner {
    fn with<T>(
        &self,
        what: &str,
        f: impl FnOnce(&fatfs::FileSystem<Disk>) -> Result<T>,
    ) -> Result<T> {
        let r = guarded(what, || {
            let _g = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.budget.reset();
            let fs = open_fs(&self.budget)?;
            f(&fs)
        });
        if self.budget.directory_tripped() {
            return Err(FsError::TooLarge {
                path: what.into(),
                what: "bytes read walking one FAT directory (deleted entries and FAT reads included; a cluster chain that loops)",
                actual: MAX_FAT_DIRECTORY_READ + 1,
                limit: MAX_FAT_DIRECTORY_READ,
            });
        }
        if self.budget.exhausted() {
            return Err(FsError::ReadBudgetExhausted {
                what: what.into(),
                limit: MAX_READ_PER_CALL,
            });
        }
        r
    }
}

/// A FAT file larger than [`MAX_EAGER_FAT_FILE`], read range by range.
struct LazyFatFile {
    inner: Arc<FatInner>,
    path: String,
    len: u64,
}

impl ReadAt for LazyFatFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::result::Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        let path = self.path.as_str();
        self.inner
            .with("reading a FAT file", |fs| {
                let entry = match find(fs, &self.inner.budget, path)? {
                    Some(entry) if !entry.is_dir() && entry.len() == self.len => entry,
                    _ => {
                        return Err(FsError::Fat {
                            path: path.into(),
                            message: "the file changed between open and read".into(),
                        })
                    }
                };
                let mut file = entry.to_file();
                file.seek(SeekFrom::Start(offset)).map_err(ferr(path))?;
                file.read_exact(buf).map_err(ferr(path))?;
                Ok(())
            })
            .map_err(|e| ReadError::Corrupt {
                structure: "FAT file",
                offset,
                message: format!("{path}: {e}"),
            })
    }
}

impl std::fmt::Debug for FatFileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FatFileSystem")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

fn ferr(path: &str) -> impl Fn(std::io::Error) -> FsError + '_ {
    move |e| match e.kind() {
        std::io::ErrorKind::NotFound => FsError::NotFound { path: path.into() },
        _ => FsError::Fat {
            path: path.into(),
            message: e.to_string(),
        },
    }
}

/// FILETIME of a FAT date and time (as stored: local time), `None` for an unset or invalid date.
fn filetime(d: fatfs::Date, t: Option<fatfs::Time>) -> Option<u64> {
    let (y, m, day) = (i64::from(d.year), i64::from(d.month), i64::from(d.day));
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from 1601-01-01 (proleptic Gregorian, Howard Hinnant's days_from_civil).
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days_since_1970 = era * 146_097 + doe - 719_468;
    let days = u64::try_from(days_since_1970 + 134_774).ok()?;
    let (h, mi, s, ms) = t.map_or((0, 0, 0, 0), |t| {
        (
            u64::from(t.hour),
            u64::from(t.min),
            u64::from(t.sec),
            u64::from(t.millis),
        )
    });
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    Some(secs * 10_000_000 + ms * 10_000)
}

fn describe(e: &fatfs::DirEntry<'_, Disk>) -> DirEntry {
    let created = e.created();
    let modified = e.modified();
    DirEntry {
        name: e.file_name(),
        is_dir: e.is_dir(),
        size: if e.is_dir() { 0 } else { e.len() },
        attributes: u32::from(e.attributes().bits()),
        created: filetime(created.date, Some(created.time)),
        modified: filetime(modified.date, Some(modified.time)),
        accessed: filetime(e.accessed(), None),
        reparse_tag: None,
        streams: Vec::new(),
        special: None,
        cloud: None,
    }
}

impl FatFileSystem {
    /// Opens the volume with `fatfs` (which validates the BPB).
    pub fn mount(volume: Arc<dyn ReadAt>) -> Result<Self> {
        let mut boot = [0u8; 512];
        volume.read_at(0, &mut boot)?;
        check_bpb(&boot, volume.len())?;
        let budget = Arc::new(Budgeted::new(volume));
        let label = guarded("mounting FAT", || {
            let fs = open_fs(&budget)?;
            Ok(Some(fs.volume_label().trim_end().to_string())
                .filter(|l| !l.is_empty() && l != "NO NAME"))
        })?;
        Ok(FatFileSystem {
            inner: Arc::new(FatInner {
                lock: Mutex::new(()),
                budget,
            }),
            label,
        })
    }

    fn with<T>(
        &self,
        what: &str,
        f: impl FnOnce(&fatfs::FileSystem<Disk>) -> Result<T>,
    ) -> Result<T> {
        self.inner.with(what, f)
    }
}

/// Checks the BIOS parameter block's layout before `fatfs` sees it: the FATs must fit in the
/// volume before the data area, and a FAT32 root directory must start at cluster 2 or later.
fn check_bpb(boot: &[u8], volume_len: u64) -> Result<()> {
    let invalid = |field: &'static str, actual: u64, reason: &str| FsError::InvalidBootSector {
        fs: "FAT",
        field,
        actual,
        reason: reason.into(),
    };
    let f = Fields::new(boot, "FAT boot sector", 0);
    let bytes_per_sector = u64::from(f.le_u16(0x0B)?);
    let reserved = u64::from(f.le_u16(0x0E)?);
    let fats = u64::from(f.u8(0x10)?);
    let total = match f.le_u16(0x13)? {
        0 => u64::from(f.le_u32(0x20)?),
        n => u64::from(n),
    };
    let fat32 = f.le_u16(0x16)? == 0;
    let per_fat = if fat32 {
        u64::from(f.le_u32(0x24)?)
    } else {
        u64::from(f.le_u16(0x16)?)
    };
    if fats == 0 {
        return Err(invalid(
            "NumFATs",
            fats,
            "a FAT volume has at least one FAT",
        ));
    }
    let fat_end = per_fat
        .checked_mul(fats)
        .and_then(|f| f.checked_add(reserved))
        .unwrap_or(u64::MAX);
    if fat_end >= total {
        return Err(invalid(
            "FATSz",
            per_fat,
            &format!("{fats} FATs of this size leave no data area in {total} sectors"),
        ));
    }
    if total.saturating_mul(bytes_per_sector) > volume_len {
        return Err(invalid(
            "TotSec",
            total,
            &format!("the volume holds only {volume_len} bytes"),
        ));
    }
    if fat32 && f.le_u32(0x2C)? < 2 {
        return Err(invalid(
            "RootClus",
            u64::from(f.le_u32(0x2C)?),
            "clusters are numbered from 2",
        ));
    }
    Ok(())
}

fn open_fs(budget: &Arc<Budgeted>) -> Result<fatfs::FileSystem<Disk>> {
    fatfs::FileSystem::new(Cursor::new(budget.clone()), fatfs::FsOptions::new()).map_err(ferr("/"))
}

/// Finds `path`'s entry by walking directories, comparing names case-insensitively.
fn find<'a>(
    fs: &'a fatfs::FileSystem<Disk>,
    budget: &Budgeted,
    path: &str,
) -> Result<Option<fatfs::DirEntry<'a, Disk>>> {
    let comps = components(path)?;
    let e = ferr(path);
    let mut dir = fs.root_dir();
    let mut found = None;
    for (depth, name) in comps.iter().enumerate() {
        if depth > 0 {
            match &found {
                Some(entry) if fatfs::DirEntry::is_dir(entry) => dir = entry.to_dir(),
                _ => {
                    return Err(FsError::NotADirectory {
                        path: comps.get(..depth).map(|c| c.join("/")).unwrap_or_default(),
                    })
                }
            }
        }
        let lower = name.to_lowercase();
        let mut hit = None;
        budget.begin_directory();
        for (i, entry) in dir.iter().enumerate() {
            if i >= MAX_DIR_ENTRIES {
                return Err(FsError::TooLarge {
                    path: path.into(),
                    what: "directory entries",
                    actual: i as u64 + 1,
                    limit: MAX_DIR_ENTRIES as u64,
                });
            }
            let entry = entry.map_err(&e)?;
            if entry.file_name().to_lowercase() == lower
                || entry.short_file_name().to_lowercase() == lower
            {
                hit = Some(entry);
                break;
            }
        }
        budget.end_directory();
        found = Some(hit.ok_or_else(|| FsError::NotFound { path: path.into() })?);
    }
    Ok(found)
}

impl FileSystem for FatFileSystem {
    fn kind(&self) -> FsKind {
        FsKind::Fat
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.with("listing a FAT directory", |fs| {
            let e = ferr(path);
            let dir = match find(fs, &self.inner.budget, path)? {
                None => fs.root_dir(),
                Some(entry) if entry.is_dir() => entry.to_dir(),
                Some(_) => return Err(FsError::NotADirectory { path: path.into() }),
            };
            let mut out = Vec::new();
            self.inner.budget.begin_directory();
            for (i, entry) in dir.iter().enumerate() {
                if i >= MAX_DIR_ENTRIES {
                    return Err(FsError::TooLarge {
                        path: path.into(),
                        what: "directory entries",
                        actual: i as u64 + 1,
                        limit: MAX_DIR_ENTRIES as u64,
                    });
                }
                let entry = entry.map_err(&e)?;
                let name = entry.file_name();
                if name == "." || name == ".." {
                    continue;
                }
                out.push(describe(&entry));
            }
            self.inner.budget.end_directory();
            Ok(out)
        })
    }

    fn stat(&self, path: &str) -> Result<DirEntry> {
        self.with("reading a FAT directory entry", |fs| {
            Ok(match find(fs, &self.inner.budget, path)? {
                Some(entry) => describe(&entry),
                None => DirEntry {
                    name: String::new(),
                    is_dir: true,
                    size: 0,
                    attributes: 0x10,
                    created: None,
                    modified: None,
                    accessed: None,
                    reparse_tag: None,
                    streams: Vec::new(),
                    special: None,
                    cloud: None,
                },
            })
        })
    }

    fn open(&self, path: &str, stream: Option<&str>) -> Result<FileData> {
        if let Some(s) = stream.filter(|s| !s.is_empty()) {
            return Err(FsError::StreamNotFound {
                path: path.into(),
                stream: s.into(),
            });
        }
        self.with("reading a FAT file", |fs| {
            let entry = match find(fs, &self.inner.budget, path)? {
                Some(entry) if !entry.is_dir() => entry,
                _ => return Err(FsError::IsADirectory { path: path.into() }),
            };
            if entry.len() > MAX_FAT_FILE {
                return Err(FsError::TooLarge {
                    path: path.into(),
                    what: "file size",
                    actual: entry.len(),
                    limit: MAX_FAT_FILE,
                });
            }
            if entry.len() > MAX_EAGER_FAT_FILE {
                return Ok(FileData::Content(Arc::new(LazyFatFile {
                    inner: Arc::clone(&self.inner),
                    path: path.to_owned(),
                    len: entry.len(),
                })));
            }
            let mut data = Vec::new();
            entry
                .to_file()
                .take(MAX_FAT_FILE)
                .read_to_end(&mut data)
                .map_err(ferr(path))?;
            Ok(FileData::Content(Arc::new(data)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_of_fat_dates() {
        let d = |year, month, day| fatfs::Date { year, month, day };
        // 1980-01-01 00:00:00 = FILETIME 119600064000000000.
        assert_eq!(filetime(d(1980, 1, 1), None), Some(119_600_064_000_000_000));
        // 2021-01-01 = 132539328000000000 (the ntfs crate's own constant).
        assert_eq!(filetime(d(2021, 1, 1), None), Some(132_539_328_000_000_000));
        assert_eq!(filetime(d(1980, 0, 0), None), None);
    }
}
