//! MBR and GPT partition tables read through [`ReadAt`], validated, for vhdlint.
//!
//! The reader never trusts the disk: every size is checked against a named bound and the disk
//! length before anything is allocated, every chain (EBR links) has a step budget and a visited
//! set, and anomalies that do not stop the read (a bad backup GPT header, overlapping or
//! misaligned partitions) become [`Diagnostic`]s rather than errors.
//!
//! # Getting started
//! 1. Open the virtual disk (`vhdlint_container::open`) and take its logical sector size.
//! 2. Call [`read_partitions`]: it reads LBA 0, follows a protective MBR to the GPT (primary, then
//!    backup), or reads the MBR and its extended-partition chain.
//! 3. Use [`PartitionTable::entries`] (kind, byte range) and [`PartitionTable::diagnostics`].
//!
//! ```no_run
//! use vhdlint_container::{ReadAt, Window};
//! let disk = vhdlint_container::open(std::path::Path::new("disk.vhdx"))?;
//! let sector = disk.info().logical_sector_size;
//! let table = vhdlint_volumes::read_partitions(&disk, sector)?;
//! for p in &table.entries {
//!     println!("{} {} at {:#x}, {} bytes", p.index, p.kind.as_str(), p.start_offset, p.size);
//!     let _volume = Window::new(disk.disk().clone(), p.start_offset, p.size)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod gpt;
pub mod kind;
pub mod mbr;

pub use error::{Result, VolumeError};
pub use kind::PartitionKind;
pub use vhdlint_container::{Diagnostic, Guid, ReadAt};

use vhdlint_container::bytes::Fields;

/// How the disk is partitioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// GUID partition table (UEFI spec §5.3) behind a protective MBR.
    Gpt,
    /// Master boot record, with extended-partition chains followed.
    Mbr,
    /// No partition table: an empty disk, or a file system starting at LBA 0 ("superfloppy").
    None,
}

impl Scheme {
    /// Stable name used in JSON (`gpt`, `mbr`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Gpt => "gpt",
            Scheme::Mbr => "mbr",
            Scheme::None => "none",
        }
    }
}

/// One partition, as its table describes it (GPT entry or MBR primary/logical entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// 1-based number: the GPT entry's slot in the entry array, the MBR primary slot (1–4), or
    /// 5, 6, … for logical partitions in EBR-chain order (Linux numbering).
    pub index: u32,
    /// What the type identifier says the partition is.
    pub kind: PartitionKind,
    /// GPT partition type GUID.
    pub type_guid: Option<Guid>,
    /// MBR partition type byte.
    pub mbr_type: Option<u8>,
    /// GPT partition name (UTF-16LE in the entry).
    pub name: Option<String>,
    /// GPT unique partition GUID.
    pub unique_guid: Option<Guid>,
    /// First byte of the partition on the disk.
    pub start_offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// GPT attribute bits (0 for MBR).
    pub attributes: u64,
    /// MBR boot indicator 0x80 (false for GPT).
    pub active: bool,
}

impl Partition {
    /// One past the last byte (saturating).
    pub fn end_offset(&self) -> u64 {
        self.start_offset.saturating_add(self.size)
    }
}

/// Facts from the GPT header that was used (primary, or backup when the primary is bad).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GptInfo {
    /// True when the backup header was used because the primary was refused.
    pub used_backup: bool,
    /// True when a valid backup header was found (and agrees in location with the primary).
    pub backup_valid: bool,
    /// MyLBA of the header used.
    pub my_lba: u64,
    /// AlternateLBA of the header used.
    pub alternate_lba: u64,
    /// FirstUsableLBA.
    pub first_usable_lba: u64,
    /// LastUsableLBA.
    pub last_usable_lba: u64,
    /// PartitionEntryLBA.
    pub entry_lba: u64,
    /// NumberOfPartitionEntries.
    pub entry_count: u32,
    /// SizeOfPartitionEntry.
    pub entry_size: u32,
    /// Header revision (0x00010000 for 1.0).
    pub revision: u32,
}

/// A disk's partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionTable {
    /// GPT, MBR or none.
    pub scheme: Scheme,
    /// Logical sector size the table was read with (can differ from the one asked for; see the
    /// `gptSectorSizeMismatch` diagnostic).
    pub sector_size: u32,
    /// GPT disk GUID.
    pub disk_guid: Option<Guid>,
    /// MBR disk signature (bytes 440..444 of LBA 0), when LBA 0 is an MBR.
    pub mbr_signature: Option<u32>,
    /// GPT header facts.
    pub gpt: Option<GptInfo>,
    /// The partitions, in table order (empty entries and extended containers left out).
    pub entries: Vec<Partition>,
    /// Anomalies read past.
    pub diagnostics: Vec<Diagnostic>,
}

impl PartitionTable {
    fn new(scheme: Scheme, sector_size: u32) -> Self {
        PartitionTable {
            scheme,
            sector_size,
            disk_guid: None,
            mbr_signature: None,
            gpt: None,
            entries: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// Bytes in one MiB: Windows aligns partitions to 1 MiB since Vista.
pub const ALIGNMENT: u64 = 1 << 20;

/// Reads the partition table of `disk`, whose logical sectors are `sector_size` bytes (512 or
/// 4096, from the container: VHDX LogicalSectorSize).
///
/// A protective MBR (type 0xEE) leads to the GPT; when no GPT is found at `sector_size` the other
/// size is tried and a `gptSectorSizeMismatch` diagnostic is added. A disk whose LBA 0 is a
/// file-system boot sector (NTFS, FAT, BitLocker, exFAT) or has no 0x55AA signature has
/// [`Scheme::None`].
pub fn read_partitions(disk: &dyn ReadAt, sector_size: u32) -> Result<PartitionTable> {
    if sector_size != 512 && sector_size != 4096 {
        return Err(VolumeError::UnsupportedSectorSize {
            actual: sector_size,
        });
    }
    if disk.len() < 512 {
        let mut t = PartitionTable::new(Scheme::None, sector_size);
        t.diagnostics.push(Diagnostic::whole(
            "diskTooSmall",
            format!("disk of {} bytes holds no partition table", disk.len()),
        ));
        return Ok(t);
    }
    let mut lba0 = [0u8; 512];
    disk.read_at(0, &mut lba0)?;

    let f0 = Fields::new(&lba0, "MBR", 0);
    if f0.le_u16(510)? != 0xAA55 {
        let mut t = PartitionTable::new(Scheme::None, sector_size);
        t.diagnostics.push(Diagnostic::at(
            "mbrSignatureMissing",
            510,
            "LBA 0 has no 0x55AA boot signature: no partition table",
        ));
        note_unprotected_gpt(disk, sector_size, &mut t);
        return Ok(t);
    }
    if let Some(fs) = boot_sector_kind(&lba0) {
        let mut t = PartitionTable::new(Scheme::None, sector_size);
        t.diagnostics.push(Diagnostic::at(
            "volumeAtLba0",
            0,
            format!("LBA 0 is a {fs} boot sector, not an MBR: the disk is unpartitioned"),
        ));
        return Ok(t);
    }
    let raw = mbr::parse_entries(&lba0, 0)?;
    if raw.iter().any(|e| e.kind == mbr::PROTECTIVE) {
        return gpt::read_gpt(disk, sector_size, &raw);
    }
    let mut t = PartitionTable::new(Scheme::Mbr, sector_size);
    t.mbr_signature = Some(f0.le_u32(440)?);
    mbr::read_mbr(disk, sector_size, &raw, &mut t)?;
    note_unprotected_gpt(disk, sector_size, &mut t);
    check_layout(disk.len(), &mut t);
    Ok(t)
}

/// A GPT header at LBA 1 without a protective MBR is ignored by Windows; say so.
fn note_unprotected_gpt(disk: &dyn ReadAt, sector_size: u32, t: &mut PartitionTable) {
    let mut sig = [0u8; 8];
    let at = u64::from(sector_size);
    if disk.read_at(at, &mut sig).is_ok() && &sig == gpt::SIGNATURE {
        t.diagnostics.push(Diagnostic::at(
            "gptWithoutProtectiveMbr",
            at,
            "a GPT header is present at LBA 1 but LBA 0 has no protective (0xEE) entry; \
             Windows ignores this GPT",
        ));
    }
}

/// Recognises a file-system boot sector at LBA 0 (a volume without a partition table).
fn boot_sector_kind(sector: &[u8; 512]) -> Option<&'static str> {
    let bs = Fields::new(sector, "boot sector", 0);
    let oem = bs.slice(3, 8).ok()?;
    match oem {
        b"NTFS    " => return Some("NTFS"),
        b"-FVE-FS-" => return Some("BitLocker"),
        b"EXFAT   " => return Some("exFAT"),
        _ => {}
    }
    let jump = sector.first().copied().unwrap_or(0);
    let bps = bs.le_u16(11).ok()?;
    let fat_label = bs.slice(0x36, 3).ok()? == b"FAT" || bs.slice(0x52, 5).ok()? == b"FAT32";
    if (jump == 0xEB || jump == 0xE9)
        && bps.is_power_of_two()
        && (512..=4096).contains(&bps)
        && fat_label
    {
        return Some("FAT");
    }
    None
}

/// Diagnostics of one code kept one by one before a summary takes over (a table of 131,072
/// overlapping entries is named by a few entries and a count, not 131,072 lines).
pub const MAX_DIAGNOSTICS_PER_CODE: usize = 16;

/// Diagnostics about entries, at most [`MAX_DIAGNOSTICS_PER_CODE`] per code, then one summary per
/// code naming how many more there were.
#[derive(Debug, Default)]
pub(crate) struct Capped {
    kept: Vec<Diagnostic>,
    /// Per code: how many were left out, and the offset of the first left out.
    more: Vec<(&'static str, u64, Option<u64>)>,
}

impl Capped {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        let code = d.code;
        let kept = self.kept.iter().filter(|k| k.code == code).count();
        if kept < MAX_DIAGNOSTICS_PER_CODE {
            self.kept.push(d);
        } else if let Some(m) = self.more.iter_mut().find(|m| m.0 == code) {
            m.1 += 1;
        } else {
            self.more.push((code, 1, d.offset));
        }
    }

    pub(crate) fn finish(self) -> Vec<Diagnostic> {
        let mut out = self.kept;
        for (code, n, offset) in self.more {
            let message = format!(
                "and {n} more entries with the same finding (only the first \
                 {MAX_DIAGNOSTICS_PER_CODE} are listed)"
            );
            out.push(match offset {
                Some(at) => Diagnostic::at(code, at, message),
                None => Diagnostic::whole(code, message),
            });
        }
        out
    }
}

/// Layout checks shared by MBR and GPT: bounds, overlaps, 1 MiB alignment.
pub(crate) fn check_layout(disk_len: u64, t: &mut PartitionTable) {
    let mut order: Vec<&Partition> = t.entries.iter().collect();
    order.sort_by_key(|p| (p.start_offset, p.index));
    let mut diags = Capped::default();
    for p in &order {
        if p.start_offset
            .checked_add(p.size)
            .is_none_or(|end| end > disk_len)
        {
            diags.push(Diagnostic::at(
                "partitionBeyondDisk",
                p.start_offset,
                format!(
                    "partition {} ({:#x} + {:#x} bytes) ends past the end of the {:#x}-byte disk",
                    p.index, p.start_offset, p.size, disk_len
                ),
            ));
        }
        if p.start_offset % ALIGNMENT != 0 {
            diags.push(Diagnostic::at(
                "partitionMisaligned",
                p.start_offset,
                format!(
                    "partition {} starts at {:#x}, not on a 1 MiB boundary",
                    p.index, p.start_offset
                ),
            ));
        }
    }
    // Sorted by start: a partition overlaps an earlier one when it starts before the furthest end
    // seen so far.
    let mut furthest: Option<&Partition> = None;
    for p in &order {
        if let Some(f) = furthest {
            if p.start_offset < f.end_offset() && p.size > 0 {
                diags.push(Diagnostic::at(
                    "partitionOverlap",
                    p.start_offset,
                    format!(
                        "partition {} (from {:#x}) overlaps partition {} (ends at {:#x})",
                        p.index,
                        p.start_offset,
                        f.index,
                        f.end_offset()
                    ),
                ));
            }
        }
        if furthest.is_none_or(|f| p.end_offset() > f.end_offset()) {
            furthest = Some(p);
        }
    }
    t.diagnostics.extend(diags.finish());
}
