//! Container and partition-table facts, each with the container field or partition entry
//! that gave it.

use vhdlint_container::{ContainerInfo, DiskType as CDiskType, Format};
use vhdlint_volumes::{Partition, PartitionKind as VKind, PartitionTable, Scheme};

use crate::evidence::{Evidence, Fact};
use crate::model::{
    ContainerDiagnostic, ContainerFacts, ContainerFormat, DiskType, PartitionEntry, PartitionFacts,
    PartitionKind, PartitionScheme, Truncation,
};

/// Size of the VHD footer (the last 512 bytes of the file).
const VHD_FOOTER: u64 = 512;
/// Offset of the MBR partition table in LBA 0.
const MBR_TABLE: u64 = 446;
/// Size of one MBR partition entry.
const MBR_ENTRY: u64 = 16;

/// The container facts, with evidence naming the field (VHD footer offsets, VHDX metadata
/// items, the file length).
pub fn container_facts(info: &ContainerInfo) -> ContainerFacts {
    let footer = info.file_size.saturating_sub(VHD_FOOTER);
    let (format, format_ev) = match info.format {
        Format::Raw => (
            ContainerFormat::Raw,
            Evidence::container(
                "format",
                None,
                "raw (no VHDX file identifier at 0, no VHD footer cookie)",
            ),
        ),
        Format::Vhd => (
            ContainerFormat::Vhd,
            Evidence::container("footer.cookie", Some(footer), "conectix"),
        ),
        Format::Vhdx => (
            ContainerFormat::Vhdx,
            Evidence::container("fileIdentifier.signature", Some(0), "vhdxfile"),
        ),
    };
    let disk_type = match info.disk_type {
        CDiskType::Fixed => DiskType::Fixed,
        CDiskType::Dynamic => DiskType::Dynamic,
        CDiskType::Differencing => DiskType::Differencing,
    };
    let type_text = info.disk_type.as_str();
    let disk_type_ev = match info.format {
        Format::Raw => Evidence::container(
            "diskType",
            None,
            "fixed (a raw image stores every byte of the disk)",
        ),
        Format::Vhd => Evidence::container("footer.diskType", Some(footer + 60), type_text),
        Format::Vhdx => Evidence::container(
            "metadata.FileParameters",
            None,
            format!(
                "{type_text} (LeaveBlockAllocated / HasParent{})",
                info.block_size
                    .map_or_else(String::new, |b| format!(", BlockSize {b}"))
            ),
        ),
    };
    let size_text = info.virtual_size.to_string();
    let size_ev = match info.format {
        Format::Raw => Evidence::container(
            "virtualSize",
            None,
            format!("{size_text} (a raw disk is as large as its file)"),
        ),
        Format::Vhd => Evidence::container("footer.currentSize", Some(footer + 48), size_text),
        Format::Vhdx => Evidence::container("metadata.VirtualDiskSize", None, size_text),
    };
    let sector_text = info.logical_sector_size.to_string();
    let sector_ev = match info.format {
        Format::Vhdx => Evidence::container("metadata.LogicalSectorSize", None, sector_text),
        Format::Raw | Format::Vhd => Evidence::container(
            "logicalSectorSize",
            None,
            format!("{sector_text} (implied)"),
        ),
    };
    ContainerFacts {
        format: Fact::new(format, format_ev),
        disk_type: Fact::new(disk_type, disk_type_ev),
        virtual_size: Fact::new(info.virtual_size, size_ev),
        file_size: Fact::new(
            info.file_size,
            Evidence::container("fileSize", None, info.file_size.to_string()),
        ),
        logical_sector_size: Fact::new(info.logical_sector_size, sector_ev),
        diagnostics: info
            .diagnostics
            .iter()
            .map(|d| ContainerDiagnostic {
                code: d.code.to_owned(),
                message: d.message.clone(),
                offset: d.offset,
            })
            .collect(),
        truncated: info
            .diagnostics
            .iter()
            .filter_map(|d| {
                let expected = d.needs_file_size?;
                let (structure, field, data) = match d.code {
                    vhdlint_container::DIAG_VHD_FOOTER_LOST => (
                        "VHD footer",
                        "footer.cookie",
                        "no `conectix` cookie in the last 512 bytes of a file named .vhd",
                    ),
                    _ => (
                        "VHDX block allocation table",
                        "bat",
                        "the first BAT entry pointing past the end of the file",
                    ),
                };
                Some(Truncation {
                    structure: structure.to_owned(),
                    expected_size: expected,
                    actual_size: info.file_size,
                    message: d.message.clone(),
                    evidence: vec![Evidence::container(field, d.offset, data)],
                })
            })
            .collect(),
    }
}

/// The partition table's claim that the disk is longer than `disk_size` (its virtual size): a
/// partition, or the backup GPT header, past the end. `None` when everything fits.
pub fn partition_truncation(table: &PartitionTable, disk_size: u64) -> Option<Truncation> {
    let ss = u64::from(table.sector_size);
    let mut furthest: Option<(u64, String, Evidence)> = None;
    let mut consider = |end: u64, what: String, ev: Evidence| {
        if end > disk_size && furthest.as_ref().is_none_or(|(e, _, _)| end > *e) {
            furthest = Some((end, what, ev));
        }
    };
    for p in &table.entries {
        consider(
            p.start_offset.saturating_add(p.size),
            format!("partition {}", p.index),
            entry_evidence(table, p),
        );
    }
    if let Some(g) = &table.gpt {
        let last = g.my_lba.max(g.alternate_lba);
        let end = last.saturating_add(1).saturating_mul(ss);
        consider(
            end,
            "backup GPT header".to_owned(),
            Evidence::derived(format!(
                "GPT header: backup header at LBA {} (byte {:#x})",
                g.alternate_lba,
                g.alternate_lba.saturating_mul(ss)
            )),
        );
    }
    let (end, what, ev) = furthest?;
    let beyond = table
        .entries
        .iter()
        .filter(|p| p.start_offset.saturating_add(p.size) > disk_size)
        .count();
    Some(Truncation {
        structure: what.clone(),
        expected_size: end,
        actual_size: disk_size,
        message: format!(
            "the partition table describes a disk of at least {end} bytes ({what} ends there; \
             {beyond} partition(s) reach past the end) but the disk has {disk_size} bytes"
        ),
        evidence: vec![ev],
    })
}

/// The facts' partition kind for a volumes-crate kind.
pub fn kind(k: VKind) -> PartitionKind {
    match k {
        VKind::EfiSystem => PartitionKind::EfiSystem,
        VKind::MicrosoftReserved => PartitionKind::MicrosoftReserved,
        VKind::BasicData => PartitionKind::BasicData,
        VKind::WindowsRecovery => PartitionKind::WindowsRecovery,
        VKind::LdmMetadata => PartitionKind::LdmMetadata,
        VKind::LdmData => PartitionKind::LdmData,
        VKind::StorageSpaces => PartitionKind::StorageSpaces,
        VKind::BiosBoot => PartitionKind::BiosBoot,
        VKind::Linux => PartitionKind::Linux,
        VKind::Unknown => PartitionKind::Unknown,
    }
}

/// The byte offset of partition `p`'s table entry within the virtual disk, when known: the GPT
/// entry array slot, or the MBR primary slot (logical partitions' EBRs are not recorded).
pub fn entry_offset(table: &PartitionTable, p: &Partition) -> Option<u64> {
    let slot = u64::from(p.index.checked_sub(1)?);
    match table.scheme {
        Scheme::Gpt => {
            let g = table.gpt.as_ref()?;
            g.entry_lba
                .checked_mul(u64::from(table.sector_size))?
                .checked_add(slot.checked_mul(u64::from(g.entry_size))?)
        }
        Scheme::Mbr if p.index <= 4 => Some(MBR_TABLE + slot * MBR_ENTRY),
        Scheme::Mbr | Scheme::None => None,
    }
}

/// Evidence for partition `p`: its table entry (index + offset) and what it says.
pub fn entry_evidence(table: &PartitionTable, p: &Partition) -> Evidence {
    let mut detail = match (&p.type_guid, p.mbr_type) {
        (Some(g), _) => format!("type {}", g.to_string().to_ascii_uppercase()),
        (None, Some(t)) => format!("type {t:#04x}"),
        (None, None) => "no type".to_owned(),
    };
    detail.push_str(&format!(
        " ({}), start {:#x}, {} bytes",
        p.kind.as_str(),
        p.start_offset,
        p.size
    ));
    if p.active {
        detail.push_str(", active");
    }
    if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
        detail.push_str(&format!(", name {name:?}"));
    }
    match entry_offset(table, p) {
        Some(offset) => Evidence::PartitionEntry {
            index: p.index,
            offset,
            detail: Some(detail),
        },
        None => Evidence::PartitionEntry {
            index: p.index,
            offset: p.start_offset,
            detail: Some(format!(
                "{detail} (logical partition: offset is the partition start, its EBR entry is \
                 not recorded)"
            )),
        },
    }
}

/// The partition facts. Table diagnostics are kept in evidence, not problems: the table was
/// read.
pub fn partition_facts(table: &PartitionTable) -> PartitionFacts {
    let scheme = match table.scheme {
        Scheme::Gpt => PartitionScheme::Gpt,
        Scheme::Mbr => PartitionScheme::Mbr,
        Scheme::None => PartitionScheme::None,
    };
    let ss = u64::from(table.sector_size);
    let mut scheme_ev = vec![match (&table.gpt, table.scheme) {
        (Some(g), _) => Evidence::derived(format!(
            "protective MBR at byte 0; GPT header at byte {:#x}{} ({} entries of {} bytes at \
             LBA {}, sector size {})",
            g.my_lba.saturating_mul(ss),
            if g.used_backup {
                " (backup: the primary was refused)"
            } else {
                ""
            },
            g.entry_count,
            g.entry_size,
            g.entry_lba,
            table.sector_size
        )),
        (None, Scheme::Mbr) => Evidence::derived(format!(
            "MBR at byte 0 (signature 0x55AA{}), partition table at byte {MBR_TABLE:#x}",
            table
                .mbr_signature
                .map_or_else(String::new, |s| format!(", disk signature {s:#010x}"))
        )),
        (None, _) => Evidence::derived(
            "LBA 0 holds no partition table (no 0x55AA signature, or a file-system boot sector)",
        ),
    }];
    for d in &table.diagnostics {
        scheme_ev.push(Evidence::derived(format!(
            "partition table diagnostic {}: {}",
            d.code, d.message
        )));
    }
    PartitionFacts {
        diagnostics: table
            .diagnostics
            .iter()
            .map(|d| ContainerDiagnostic {
                code: d.code.to_owned(),
                message: d.message.clone(),
                offset: d.offset,
            })
            .collect(),
        scheme: Fact::with_evidence(scheme, scheme_ev),
        entries: table
            .entries
            .iter()
            .map(|p| PartitionEntry {
                index: p.index,
                kind: kind(p.kind),
                type_guid: p
                    .type_guid
                    .as_ref()
                    .map(|g| g.to_string().to_ascii_uppercase()),
                mbr_type: p.mbr_type,
                start_offset: p.start_offset,
                size: p.size,
                active: p.active,
                evidence: vec![entry_evidence(table, p)],
            })
            .collect(),
    }
}
