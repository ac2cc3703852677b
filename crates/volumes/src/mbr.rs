//! Master boot record and extended boot record chains.
//!
//! Layout (IBM PC MBR, as Windows writes it): the disk signature at 440, four 16-byte entries at
//! 446 (boot indicator, CHS start, type, CHS end, LBA start, sector count), 0x55AA at 510.
//! Extended partitions (types 0x05, 0x0F, 0x85) hold a linked list of EBRs: each EBR's first
//! entry is a logical partition relative to that EBR, its second entry the next EBR relative to
//! the start of the extended partition.

use std::collections::HashSet;

use vhdlint_container::bytes::{self, Fields};
use vhdlint_container::{Diagnostic, ReadAt};

use crate::{Partition, PartitionKind, PartitionTable, Result};

/// MBR type of a protective MBR entry covering a GPT disk (UEFI spec §5.2.3).
pub const PROTECTIVE: u8 = 0xEE;

/// Longest EBR chain followed. Windows' disk management creates at most 128 logical drives on
/// one extended partition; a longer chain is hostile or corrupt.
pub const MAX_LOGICAL_PARTITIONS: usize = 128;

/// Offset of the first partition entry in an MBR or EBR.
const ENTRIES_OFFSET: usize = 446;

/// One raw 16-byte MBR/EBR partition entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbrEntry {
    /// Slot 1–4.
    pub slot: u32,
    /// Boot indicator: 0x80 active, 0x00 inactive, anything else invalid.
    pub status: u8,
    /// Partition type byte.
    pub kind: u8,
    /// First sector (relative to the structure the entry belongs to).
    pub lba: u32,
    /// Number of sectors.
    pub sectors: u32,
}

impl MbrEntry {
    /// True for extended-partition container types (CHS 0x05, LBA 0x0F, Linux 0x85).
    pub fn is_extended(&self) -> bool {
        matches!(self.kind, 0x05 | 0x0F | 0x85)
    }

    /// True when the slot is unused.
    pub fn is_empty(&self) -> bool {
        self.kind == 0
    }
}

/// The four entries of an MBR or EBR sector.
///
/// `offset` is where the sector lies on the disk, for errors.
pub fn parse_entries(sector: &[u8], offset: u64) -> Result<[MbrEntry; 4], bytes::OutOfRange> {
    let f = Fields::new(sector, "MBR partition entry", offset);
    let entry = |i: usize| -> Result<MbrEntry, bytes::OutOfRange> {
        let at = ENTRIES_OFFSET + 16 * i;
        Ok(MbrEntry {
            slot: i as u32 + 1,
            status: f.u8(at)?,
            kind: f.u8(at + 4)?,
            lba: f.le_u32(at + 8)?,
            sectors: f.le_u32(at + 12)?,
        })
    };
    Ok([entry(0)?, entry(1)?, entry(2)?, entry(3)?])
}

fn partition(index: u32, e: &MbrEntry, base_lba: u64, sector_size: u64) -> Partition {
    let start_lba = base_lba.saturating_add(u64::from(e.lba));
    Partition {
        index,
        kind: PartitionKind::from_mbr(e.kind),
        type_guid: None,
        mbr_type: Some(e.kind),
        name: None,
        unique_guid: None,
        start_offset: start_lba.saturating_mul(sector_size),
        size: u64::from(e.sectors).saturating_mul(sector_size),
        attributes: 0,
        active: e.status == 0x80,
    }
}

/// Fills `t` with the primary partitions of `entries` and the logical partitions of every
/// extended partition's EBR chain.
pub(crate) fn read_mbr(
    disk: &dyn ReadAt,
    sector_size: u32,
    entries: &[MbrEntry; 4],
    t: &mut PartitionTable,
) -> Result<()> {
    let ss = u64::from(sector_size);
    let mut active = 0;
    let mut extended_seen = 0;
    let mut next_logical = 5u32;
    for e in entries {
        let at = (ENTRIES_OFFSET as u64) + 16 * u64::from(e.slot - 1);
        if e.status != 0 && e.status != 0x80 {
            t.diagnostics.push(Diagnostic::at(
                "mbrInvalidBootIndicator",
                at,
                format!(
                    "MBR entry {} has boot indicator {:#04x} (0x00 or 0x80 expected)",
                    e.slot, e.status
                ),
            ));
        }
        if e.is_empty() {
            continue;
        }
        if e.sectors == 0 {
            t.diagnostics.push(Diagnostic::at(
                "mbrEmptyEntry",
                at,
                format!(
                    "MBR entry {} has type {:#04x} but zero sectors",
                    e.slot, e.kind
                ),
            ));
            continue;
        }
        if e.status == 0x80 {
            active += 1;
        }
        if e.is_extended() {
            extended_seen += 1;
            if extended_seen > 1 {
                t.diagnostics.push(Diagnostic::at(
                    "mbrMultipleExtended",
                    at,
                    "more than one extended partition in the MBR",
                ));
            }
            read_ebr_chain(disk, ss, u64::from(e.lba), &mut next_logical, t)?;
            continue;
        }
        t.entries.push(partition(e.slot, e, 0, ss));
    }
    if active > 1 {
        t.diagnostics.push(Diagnostic::at(
            "mbrMultipleActive",
            ENTRIES_OFFSET as u64,
            format!("{active} MBR entries are marked active (0x80); at most one should be"),
        ));
    }
    Ok(())
}

/// Follows the EBR chain of the extended partition starting at `ext_lba`, with a visited set and
/// a step budget; problems in the chain end it with a diagnostic and keep what was found.
fn read_ebr_chain(
    disk: &dyn ReadAt,
    ss: u64,
    ext_lba: u64,
    next_logical: &mut u32,
    t: &mut PartitionTable,
) -> Result<()> {
    let mut visited = HashSet::new();
    let mut ebr_lba = ext_lba;
    for _ in 0..MAX_LOGICAL_PARTITIONS {
        let offset = ebr_lba.saturating_mul(ss);
        if !visited.insert(ebr_lba) {
            t.diagnostics.push(Diagnostic::at(
                "ebrLoop",
                offset,
                format!("EBR chain loops back to LBA {ebr_lba}; chain cut there"),
            ));
            return Ok(());
        }
        let mut sector = [0u8; 512];
        if disk.read_at(offset, &mut sector).is_err() {
            t.diagnostics.push(Diagnostic::at(
                "ebrOutsideDisk",
                offset,
                format!("EBR at LBA {ebr_lba} lies outside the disk; chain cut there"),
            ));
            return Ok(());
        }
        let ebr = Fields::new(&sector, "EBR", offset);
        if ebr.le_u16(510)? != 0xAA55 {
            t.diagnostics.push(Diagnostic::at(
                "ebrSignatureMissing",
                offset,
                format!("EBR at LBA {ebr_lba} has no 0x55AA signature; chain cut there"),
            ));
            return Ok(());
        }
        let [first, link, ..] = parse_entries(&sector, offset)?;
        if !first.is_empty() && first.sectors > 0 {
            t.entries
                .push(partition(*next_logical, &first, ebr_lba, ss));
            *next_logical = next_logical.saturating_add(1);
        }
        if !link.is_extended() || link.sectors == 0 {
            return Ok(());
        }
        ebr_lba = ext_lba.saturating_add(u64::from(link.lba));
    }
    t.diagnostics.push(Diagnostic::at(
        "ebrChainTooLong",
        ebr_lba.saturating_mul(ss),
        format!("EBR chain longer than {MAX_LOGICAL_PARTITIONS} links; chain cut there"),
    ));
    Ok(())
}
