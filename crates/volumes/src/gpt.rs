//! GUID partition table (UEFI spec 2.10 §5.3): headers at LBA 1 and AlternateLBA, entry arrays.
//!
//! Both headers are checked (signature, HeaderSize, header CRC32, MyLBA, entry size, entry-array
//! CRC32). A bad primary with a good backup is read from the backup with a diagnostic; a bad or
//! misplaced backup is a diagnostic; both bad is [`VolumeError::GptUnreadable`].

use vhdlint_container::bytes::{self, Fields};
use vhdlint_container::{Diagnostic, Guid, ReadAt};

use crate::mbr::{MbrEntry, PROTECTIVE};
use crate::{
    check_layout, Capped, GptInfo, Partition, PartitionKind, PartitionTable, Result, Scheme,
    VolumeError,
};

/// GPT header signature "EFI PART" (UEFI spec table 5.5).
pub const SIGNATURE: &[u8; 8] = b"EFI PART";

/// Revision 1.0 (0x00010000), the only one defined.
pub const REVISION_1_0: u32 = 0x0001_0000;

/// Smallest HeaderSize the spec allows (92 bytes).
pub const MIN_HEADER_SIZE: u32 = 92;

/// Size of the fields of a partition entry (UEFI spec table 5.6); SizeOfPartitionEntry is
/// 128 × 2^n.
pub const ENTRY_MIN_SIZE: u32 = 128;

/// Largest partition entry array read: 16 MiB. The spec sets no limit on
/// NumberOfPartitionEntries; Windows writes 128 entries of 128 bytes (16 KiB), so 1024 times
/// that is generous, and a 2^31-entry claim is an error rather than an allocation.
pub const MAX_ENTRY_ARRAY_BYTES: u64 = 16 << 20;

const STRUCTURE: &str = "GPT header";

/// CRC-32 (IEEE 802.3 / ISO-HDLC), as the UEFI spec uses for headers and entry arrays.
pub fn crc32(data: &[u8]) -> u32 {
    CRC32.checksum(data)
}

// Slice-by-16 tables built at compile time: the entry array (16 KiB) is checksummed on every
// open, so the byte-wise table would be a tenth of a check's CPU time.
const CRC32: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);

/// A GPT header that passed its own checks (UEFI spec table 5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GptHeader {
    /// Byte offset of the header on the disk.
    pub offset: u64,
    /// Revision.
    pub revision: u32,
    /// HeaderSize.
    pub header_size: u32,
    /// MyLBA.
    pub my_lba: u64,
    /// AlternateLBA.
    pub alternate_lba: u64,
    /// FirstUsableLBA.
    pub first_usable_lba: u64,
    /// LastUsableLBA.
    pub last_usable_lba: u64,
    /// DiskGUID.
    pub disk_guid: Guid,
    /// PartitionEntryLBA.
    pub entry_lba: u64,
    /// NumberOfPartitionEntries.
    pub entry_count: u32,
    /// SizeOfPartitionEntry.
    pub entry_size: u32,
    /// PartitionEntryArrayCRC32.
    pub entry_array_crc: u32,
}

impl GptHeader {
    /// Reads and checks the header at `lba` (signature, HeaderSize, CRC32, MyLBA, entry size,
    /// entry-array size bound).
    pub fn read(disk: &dyn ReadAt, lba: u64, sector_size: u32) -> Result<GptHeader> {
        let ss = u64::from(sector_size);
        let offset = lba.checked_mul(ss).ok_or(VolumeError::InvalidField {
            structure: STRUCTURE,
            offset: 0,
            field: "LBA",
            actual: lba,
            reason: "byte offset overflows".into(),
        })?;
        let mut buf = vec![0u8; sector_size as usize];
        disk.read_at(offset, &mut buf)?;
        let f = Fields::new(&buf, STRUCTURE, offset);
        let sig = f.slice(0, 8)?;
        if sig != SIGNATURE {
            return Err(VolumeError::InvalidSignature {
                structure: STRUCTURE,
                offset,
                expected: "EFI PART".into(),
                actual: bytes::lossy(sig),
            });
        }
        let field = |field, actual: u64, reason: &str| VolumeError::InvalidField {
            structure: STRUCTURE,
            offset,
            field,
            actual,
            reason: reason.into(),
        };
        let header_size = f.le_u32(12)?;
        if header_size < MIN_HEADER_SIZE || header_size > sector_size {
            return Err(field(
                "HeaderSize",
                header_size.into(),
                "must be at least 92 and at most the sector size",
            ));
        }
        let expected = f.le_u32(16)?;
        let mut copy = f.slice(0, header_size as usize)?.to_vec();
        if let Some(c) = copy.get_mut(16..20) {
            c.fill(0);
        }
        let actual = crc32(&copy);
        if actual != expected {
            return Err(VolumeError::ChecksumMismatch {
                structure: STRUCTURE,
                offset,
                expected,
                actual,
            });
        }
        let h = GptHeader {
            offset,
            revision: f.le_u32(8)?,
            header_size,
            my_lba: f.le_u64(24)?,
            alternate_lba: f.le_u64(32)?,
            first_usable_lba: f.le_u64(40)?,
            last_usable_lba: f.le_u64(48)?,
            disk_guid: Guid(f.array(56)?),
            entry_lba: f.le_u64(72)?,
            entry_count: f.le_u32(80)?,
            entry_size: f.le_u32(84)?,
            entry_array_crc: f.le_u32(88)?,
        };
        if h.my_lba != lba {
            return Err(field(
                "MyLBA",
                h.my_lba,
                &format!("header was read at LBA {lba}"),
            ));
        }
        if h.entry_size < ENTRY_MIN_SIZE || !h.entry_size.is_power_of_two() {
            return Err(field(
                "SizeOfPartitionEntry",
                h.entry_size.into(),
                "must be 128 × 2^n",
            ));
        }
        if h.array_bytes() > MAX_ENTRY_ARRAY_BYTES {
            return Err(VolumeError::EntryArrayTooLarge {
                offset,
                count: h.entry_count,
                entry_size: h.entry_size,
                max: MAX_ENTRY_ARRAY_BYTES,
            });
        }
        Ok(h)
    }

    /// Size of the entry array in bytes (cannot overflow: u32 × u32 fits in u64).
    pub fn array_bytes(&self) -> u64 {
        u64::from(self.entry_count) * u64::from(self.entry_size)
    }

    /// Where the entry array this header names lies (checked to lie inside the disk).
    fn array_at(&self, disk: &dyn ReadAt, sector_size: u32) -> Result<u64> {
        let len = self.array_bytes();
        self.entry_lba
            .checked_mul(u64::from(sector_size))
            .filter(|at| at.checked_add(len).is_some_and(|end| end <= disk.len()))
            .ok_or_else(|| VolumeError::InvalidField {
                structure: STRUCTURE,
                offset: self.offset,
                field: "PartitionEntryLBA",
                actual: self.entry_lba,
                reason: format!("a {len}-byte entry array there lies outside the disk"),
            })
    }

    fn crc_error(&self, at: u64, actual: u32) -> VolumeError {
        VolumeError::ChecksumMismatch {
            structure: "GPT partition entry array",
            offset: at,
            expected: self.entry_array_crc,
            actual,
        }
    }

    /// Reads the entry array this header names and checks its CRC32.
    pub fn read_entry_array(&self, disk: &dyn ReadAt, sector_size: u32) -> Result<Vec<u8>> {
        let len = self.array_bytes();
        let at = self.array_at(disk, sector_size)?;
        // Bounded: len <= MAX_ENTRY_ARRAY_BYTES (checked in `read`) and lies inside the disk.
        let mut arr = vec![0u8; len as usize];
        disk.read_at(at, &mut arr)?;
        let actual = crc32(&arr);
        if actual != self.entry_array_crc {
            return Err(self.crc_error(at, actual));
        }
        Ok(arr)
    }

    /// Reads the entry array by chunks of [`ARRAY_CHUNK`] bytes (never whole), calling `f` with
    /// each used entry, and checks its CRC32 at the end: a caller keeps what `f` collected only
    /// when this returns `Ok`.
    pub fn scan_entry_array(
        &self,
        disk: &dyn ReadAt,
        sector_size: u32,
        mut f: impl FnMut(GptEntry),
    ) -> Result<()> {
        let len = self.array_bytes();
        let at = self.array_at(disk, sector_size)?;
        let size = u64::from(self.entry_size.max(ENTRY_MIN_SIZE));
        let chunk = (ARRAY_CHUNK / size).max(1) * size;
        let mut buf = vec![0u8; usize::try_from(chunk.min(len)).unwrap_or(0)];
        let mut crc = CRC32.digest();
        let mut done = 0u64;
        let mut index = 0usize;
        let mut used = 0u64;
        // Bounded: `done` grows by one chunk per step up to len <= MAX_ENTRY_ARRAY_BYTES.
        while done < len {
            let n = usize::try_from((len - done).min(chunk)).unwrap_or(0);
            let Some(part) = buf.get_mut(..n) else {
                break;
            };
            disk.read_at(at + done, part)?;
            crc.update(part);
            for e in used_entries(part, self.entry_size, at + done, index)? {
                used += 1;
                if used > MAX_USED_ENTRIES {
                    return Err(VolumeError::InvalidField {
                        structure: "GPT partition entry array",
                        offset: at,
                        field: "used entries",
                        actual: used,
                        reason: format!(
                            "more than {MAX_USED_ENTRIES} entries are used (Windows creates at \
                             most 128 partitions on a GPT disk); the table is refused, not read \
                             in part"
                        ),
                    });
                }
                f(e);
            }
            index += n / size as usize;
            done += n as u64;
        }
        let actual = crc.finalize();
        if actual != self.entry_array_crc {
            return Err(self.crc_error(at, actual));
        }
        Ok(())
    }
}

/// Most used entries a GPT may have: 8 × the 128 Windows creates at most on a GPT disk. A table
/// of 131,072 used entries (a 16 MiB array) would be 131,072 partitions in the facts and the
/// report; it is refused with an error naming the array instead.
pub const MAX_USED_ENTRIES: u64 = 1024;

/// Bytes of an entry array read at a time by [`GptHeader::scan_entry_array`].
pub const ARRAY_CHUNK: u64 = 64 << 10;

/// One used GPT partition entry (UEFI spec table 5.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GptEntry {
    /// 1-based slot in the entry array.
    pub index: u32,
    /// PartitionTypeGUID.
    pub type_guid: Guid,
    /// UniquePartitionGUID.
    pub unique_guid: Guid,
    /// StartingLBA.
    pub first_lba: u64,
    /// EndingLBA (inclusive).
    pub last_lba: u64,
    /// Attributes.
    pub attributes: u64,
    /// PartitionName (UTF-16LE, up to the first NUL).
    pub name: String,
}

/// The used entries of an entry array (type GUID not zero).
///
/// `offset` is where the array starts on the disk, for errors.
pub fn parse_entries(
    arr: &[u8],
    entry_size: u32,
    offset: u64,
) -> Result<Vec<GptEntry>, bytes::OutOfRange> {
    used_entries(arr, entry_size, offset, 0).map(Iterator::collect)
}

/// The used entries of a piece of an entry array at `offset` whose first slot is `first`
/// (0-based); checked up front, then yielded one by one (nothing collected).
fn used_entries(
    arr: &[u8],
    entry_size: u32,
    offset: u64,
    first: usize,
) -> Result<impl Iterator<Item = GptEntry> + '_, bytes::OutOfRange> {
    let size = entry_size.max(ENTRY_MIN_SIZE) as usize;
    // Every field read below lies in the first 128 bytes of a slot of `size` >= 128 bytes.
    if let Some(e) = arr.chunks_exact(size).next() {
        let ef = Fields::new(e, "GPT partition entry", offset);
        ef.slice(0, ENTRY_MIN_SIZE as usize)?;
    }
    Ok(arr
        .chunks_exact(size)
        .enumerate()
        .filter_map(move |(i, e)| {
            let at = offset.saturating_add((i * size) as u64);
            let ef = Fields::new(e, "GPT partition entry", at);
            let type_guid = Guid(ef.array(0).ok()?);
            if type_guid.is_zero() {
                return None;
            }
            Some(GptEntry {
                index: u32::try_from(first + i + 1).unwrap_or(u32::MAX),
                type_guid,
                unique_guid: Guid(ef.array(16).ok()?),
                first_lba: ef.le_u64(32).ok()?,
                last_lba: ef.le_u64(40).ok()?,
                attributes: ef.le_u64(48).ok()?,
                name: bytes::utf16le(ef.slice(56, 72).ok()?),
            })
        }))
}

/// Reads the GPT announced by a protective MBR, trying the other sector size when none is found
/// at `sector_size`.
pub(crate) fn read_gpt(
    disk: &dyn ReadAt,
    sector_size: u32,
    mbr: &[MbrEntry; 4],
) -> Result<PartitionTable> {
    let mut t = match read_at_sector_size(disk, sector_size) {
        Ok(t) => t,
        Err(e) => {
            let other = if sector_size == 512 { 4096 } else { 512 };
            match read_at_sector_size(disk, other) {
                Ok(mut t) => {
                    t.diagnostics.insert(
                        0,
                        Diagnostic::at(
                            "gptSectorSizeMismatch",
                            u64::from(other),
                            format!(
                                "no GPT with {sector_size}-byte sectors ({e}); found one with \
                                 {other}-byte sectors"
                            ),
                        ),
                    );
                    t
                }
                Err(_) => return Err(e),
            }
        }
    };
    check_protective_mbr(mbr, &mut t);
    check_layout(disk.len(), &mut t);
    Ok(t)
}

fn check_protective_mbr(mbr: &[MbrEntry; 4], t: &mut PartitionTable) {
    let others = mbr
        .iter()
        .filter(|e| !e.is_empty() && e.kind != PROTECTIVE)
        .count();
    if others > 0 {
        t.diagnostics.push(Diagnostic::at(
            "hybridMbr",
            446,
            format!("the protective MBR also lists {others} other partition(s) (hybrid MBR)"),
        ));
    }
    if let Some(p) = mbr.iter().find(|e| e.kind == PROTECTIVE) {
        if p.lba != 1 {
            t.diagnostics.push(Diagnostic::at(
                "protectiveMbrInvalid",
                446,
                format!("protective MBR entry starts at LBA {} (1 expected)", p.lba),
            ));
        }
    }
}

/// The partitions of one side's entry array (read by chunks), and the diagnostics about them.
fn read_side(
    disk: &dyn ReadAt,
    lba: u64,
    sector_size: u32,
) -> Result<(GptHeader, Vec<Partition>, Vec<Diagnostic>)> {
    let h = GptHeader::read(disk, lba, sector_size)?;
    let ss = u64::from(sector_size);
    let mut diags = Capped::default();
    let mut entries = Vec::new();
    h.scan_entry_array(disk, sector_size, |e| {
        if e.last_lba < e.first_lba {
            diags.push(Diagnostic::at(
                "gptEntryInvalid",
                h.entry_lba.saturating_mul(ss),
                format!(
                    "entry {}: EndingLBA {} is before StartingLBA {}; entry ignored",
                    e.index, e.last_lba, e.first_lba
                ),
            ));
            return;
        }
        if e.first_lba < h.first_usable_lba || e.last_lba > h.last_usable_lba {
            diags.push(Diagnostic::at(
                "partitionOutsideUsable",
                e.first_lba.saturating_mul(ss),
                format!(
                    "entry {}: LBAs {}..={} are outside the usable range {}..={}",
                    e.index, e.first_lba, e.last_lba, h.first_usable_lba, h.last_usable_lba
                ),
            ));
        }
        let sectors = (e.last_lba - e.first_lba).saturating_add(1);
        entries.push(Partition {
            index: e.index,
            kind: PartitionKind::from_gpt(&e.type_guid),
            type_guid: Some(e.type_guid),
            mbr_type: None,
            name: Some(e.name),
            unique_guid: Some(e.unique_guid),
            start_offset: e.first_lba.saturating_mul(ss),
            size: sectors.saturating_mul(ss),
            attributes: e.attributes,
            active: false,
        });
    })?;
    Ok((h, entries, diags.finish()))
}

fn read_at_sector_size(disk: &dyn ReadAt, sector_size: u32) -> Result<PartitionTable> {
    let ss = u64::from(sector_size);
    let sectors = disk.len() / ss;
    let last_lba = sectors.saturating_sub(1);
    let mut t = PartitionTable::new(Scheme::Gpt, sector_size);
    let (header, entries, entry_diags, used_backup, backup_valid) =
        match read_side(disk, 1, sector_size) {
            Ok((h, entries, entry_diags)) => {
                if h.alternate_lba != last_lba {
                    t.diagnostics.push(Diagnostic::at(
                        "gptBackupNotAtEnd",
                        h.offset,
                        format!(
                            "AlternateLBA is {}, but the last LBA of the disk is {last_lba} \
                             (disk resized without moving the backup GPT?)",
                            h.alternate_lba
                        ),
                    ));
                }
                // The backup's array is checked (by chunks), not kept.
                let backup = GptHeader::read(disk, h.alternate_lba, sector_size)
                    .and_then(|b| b.scan_entry_array(disk, sector_size, |_| {}).map(|()| b));
                let backup_valid = match backup {
                    Ok(b) => {
                        compare_backup(&h, &b, &mut t);
                        true
                    }
                    Err(e) => {
                        t.diagnostics.push(Diagnostic::at(
                            "gptBackupInvalid",
                            h.alternate_lba.saturating_mul(ss),
                            format!("backup GPT refused: {e}"),
                        ));
                        false
                    }
                };
                (h, entries, entry_diags, false, backup_valid)
            }
            Err(primary) => match read_side(disk, last_lba, sector_size) {
                Ok((b, entries, entry_diags)) => {
                    t.diagnostics.push(Diagnostic::at(
                        "gptPrimaryInvalid",
                        ss,
                        format!(
                            "primary GPT refused ({primary}); read the backup at LBA {last_lba}"
                        ),
                    ));
                    (b, entries, entry_diags, true, true)
                }
                Err(backup) => {
                    return Err(VolumeError::GptUnreadable {
                        primary: Box::new(primary),
                        backup: Box::new(backup),
                    })
                }
            },
        };
    check_header(&header, ss, last_lba, used_backup, &mut t);
    t.disk_guid = Some(header.disk_guid);
    t.diagnostics.extend(entry_diags);
    t.entries = entries;
    t.gpt = Some(GptInfo {
        used_backup,
        backup_valid,
        my_lba: header.my_lba,
        alternate_lba: header.alternate_lba,
        first_usable_lba: header.first_usable_lba,
        last_usable_lba: header.last_usable_lba,
        entry_lba: header.entry_lba,
        entry_count: header.entry_count,
        entry_size: header.entry_size,
        revision: header.revision,
    });
    Ok(t)
}

fn check_header(h: &GptHeader, ss: u64, last_lba: u64, backup: bool, t: &mut PartitionTable) {
    if h.revision != REVISION_1_0 {
        t.diagnostics.push(Diagnostic::at(
            "gptRevisionUnexpected",
            h.offset,
            format!("GPT revision {:#010x} (0x00010000 expected)", h.revision),
        ));
    }
    let array_sectors = h.array_bytes().div_ceil(ss.max(1));
    let array_end = h.entry_lba.saturating_add(array_sectors);
    let bad = if h.first_usable_lba > h.last_usable_lba {
        Some("FirstUsableLBA is after LastUsableLBA".to_string())
    } else if h.last_usable_lba >= last_lba {
        Some(format!(
            "LastUsableLBA {} reaches the backup header at LBA {last_lba}",
            h.last_usable_lba
        ))
    } else if h.first_usable_lba < 2 {
        Some(format!(
            "FirstUsableLBA {} overlaps the protective MBR or header",
            h.first_usable_lba
        ))
    } else if !backup && h.entry_lba < h.first_usable_lba && array_end > h.first_usable_lba {
        Some(format!(
            "the entry array (LBA {}..{array_end}) overlaps FirstUsableLBA {}",
            h.entry_lba, h.first_usable_lba
        ))
    } else if backup && h.entry_lba <= h.last_usable_lba {
        Some(format!(
            "the backup entry array at LBA {} is inside the usable range",
            h.entry_lba
        ))
    } else {
        None
    };
    if let Some(reason) = bad {
        t.diagnostics
            .push(Diagnostic::at("gptUsableRangeInvalid", h.offset, reason));
    }
}

fn compare_backup(p: &GptHeader, b: &GptHeader, t: &mut PartitionTable) {
    let mut differ = Vec::new();
    if p.disk_guid != b.disk_guid {
        differ.push("DiskGUID");
    }
    if p.first_usable_lba != b.first_usable_lba || p.last_usable_lba != b.last_usable_lba {
        differ.push("usable range");
    }
    if p.entry_count != b.entry_count || p.entry_size != b.entry_size {
        differ.push("entry count or size");
    }
    if p.entry_array_crc != b.entry_array_crc {
        differ.push("entry array");
    }
    if b.alternate_lba != p.my_lba {
        differ.push("AlternateLBA");
    }
    if !differ.is_empty() {
        t.diagnostics.push(Diagnostic::at(
            "gptBackupMismatch",
            b.offset,
            format!(
                "backup GPT header differs from the primary: {}",
                differ.join(", ")
            ),
        ));
    }
}
