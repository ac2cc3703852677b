//! PE/COFF headers (Microsoft "PE Format" specification): the DOS `MZ` header, the `PE\0\0`
//! signature, the COFF file header's machine, the optional header's magic (PE32 / PE32+), its
//! subsystem (10 = EFI application) and the security data directory (index 4: the Authenticode
//! attribute certificate table, whose "virtual address" is a *file offset*).
//!
//! [`read_pe_headers`] reads two small blocks through [`ReadAt`] (the 64-byte DOS header and at
//! most [`MAX_HEADER_READ`] bytes at `e_lfanew`), never the image. [`read_certificates`] then
//! reads the certificate table (at most [`MAX_CERTIFICATE_TABLE`] bytes) and splits it into its
//! `WIN_CERTIFICATE` entries.

use vhdlint_container::ReadAt;

use crate::error::{le, ArtifactError, Result};

/// Most bytes read at `e_lfanew`: signature (4) + COFF header (20) + a PE32+ optional header
/// with all 16 data directories (240).
pub const MAX_HEADER_READ: usize = 4 + 20 + 240;
/// Largest `e_lfanew` accepted (real linkers put the PE header within the first KiB; 16 MiB is
/// far beyond any of them and keeps a hostile value from pointing anywhere in a disk).
pub const MAX_PE_HEADER_OFFSET: u32 = 16 << 20;
/// Largest certificate table read (real Authenticode tables are 2–30 KiB; shim's is 19 KiB).
pub const MAX_CERTIFICATE_TABLE: u32 = 1 << 20;
/// Most `WIN_CERTIFICATE` entries taken from one table.
pub const MAX_CERTIFICATES: usize = 16;

/// `IMAGE_FILE_MACHINE_I386`.
pub const MACHINE_I386: u16 = 0x014c;
/// `IMAGE_FILE_MACHINE_AMD64`.
pub const MACHINE_AMD64: u16 = 0x8664;
/// `IMAGE_FILE_MACHINE_ARM64`.
pub const MACHINE_ARM64: u16 = 0xaa64;
/// `IMAGE_FILE_MACHINE_ARMNT` (Thumb-2, Windows RT).
pub const MACHINE_ARMNT: u16 = 0x01c4;
/// `IMAGE_SUBSYSTEM_EFI_APPLICATION`.
pub const SUBSYSTEM_EFI_APPLICATION: u16 = 10;
/// `IMAGE_SUBSYSTEM_NATIVE` (kernel, drivers: `ntoskrnl.exe`, `hal.dll`).
pub const SUBSYSTEM_NATIVE: u16 = 1;
/// `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
pub const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;
/// `WIN_CERT_REVISION_2_0`.
pub const WIN_CERT_REVISION_2_0: u16 = 0x0200;

/// The architecture a PE targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Machine {
    /// x64 (`0x8664`).
    X64,
    /// ARM64 (`0xaa64`).
    Arm64,
    /// x86 (`0x14c`).
    X86,
    /// 32-bit ARM (`0x1c4`).
    Arm,
    /// Any other value.
    Other(u16),
}

impl Machine {
    /// From the COFF `Machine` field.
    pub fn from_raw(raw: u16) -> Machine {
        match raw {
            MACHINE_AMD64 => Machine::X64,
            MACHINE_ARM64 => Machine::Arm64,
            MACHINE_I386 => Machine::X86,
            MACHINE_ARMNT => Machine::Arm,
            other => Machine::Other(other),
        }
    }

    /// The name `PROCESSOR_ARCHITECTURE` uses (`AMD64`, `ARM64`, `x86`, `ARM`), `None` for others.
    pub fn processor_architecture(self) -> Option<&'static str> {
        match self {
            Machine::X64 => Some("AMD64"),
            Machine::Arm64 => Some("ARM64"),
            Machine::X86 => Some("x86"),
            Machine::Arm => Some("ARM"),
            Machine::Other(_) => None,
        }
    }
}

/// PE32 or PE32+.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeKind {
    /// Optional-header magic `0x10b`.
    Pe32,
    /// Optional-header magic `0x20b` (64-bit images).
    Pe32Plus,
}

/// A data directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataDirectory {
    /// RVA, or for the security directory a file offset.
    pub address: u32,
    /// Size in bytes.
    pub size: u32,
}

/// What the headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeHeaders {
    /// File offset of the `PE\0\0` signature (`e_lfanew`).
    pub pe_offset: u32,
    /// The COFF `Machine` field, raw.
    pub machine_raw: u16,
    /// The machine, decoded.
    pub machine: Machine,
    /// COFF `NumberOfSections`.
    pub number_of_sections: u16,
    /// COFF `Characteristics`.
    pub characteristics: u16,
    /// PE32 or PE32+.
    pub kind: PeKind,
    /// Optional-header `Subsystem`.
    pub subsystem: u16,
    /// Optional-header `DllCharacteristics`.
    pub dll_characteristics: u16,
    /// The security directory (index 4) when the header has one and it is non-empty.
    pub security: Option<DataDirectory>,
}

impl PeHeaders {
    /// True for an EFI application (subsystem 10).
    pub fn is_efi_application(&self) -> bool {
        self.subsystem == SUBSYSTEM_EFI_APPLICATION
    }
}

/// Reads the DOS, COFF and optional headers of the PE in `src`.
pub fn read_pe_headers(src: &dyn ReadAt) -> Result<PeHeaders> {
    let len = src.len();
    if len < 64 {
        return Err(ArtifactError::invalid(
            "DOS header",
            0,
            format!("file of {len} bytes is shorter than the 64-byte DOS header"),
        ));
    }
    let mut dos = [0u8; 64];
    src.read_at(0, &mut dos)?;
    if dos.get(..2) != Some(b"MZ".as_slice()) {
        return Err(ArtifactError::invalid("DOS header", 0, "no MZ signature"));
    }
    let pe_offset = le::u32_at(&dos, 0x3c, "DOS header", 0)?;
    if pe_offset > MAX_PE_HEADER_OFFSET {
        return Err(ArtifactError::TooLarge {
            structure: "DOS header",
            offset: 0x3c,
            what: "e_lfanew",
            actual: pe_offset.into(),
            limit: MAX_PE_HEADER_OFFSET.into(),
        });
    }
    let at = u64::from(pe_offset);
    let avail = len.saturating_sub(at).min(MAX_HEADER_READ as u64) as usize;
    if avail < 24 {
        return Err(ArtifactError::invalid(
            "PE signature",
            at,
            "file ends before the COFF header",
        ));
    }
    let mut hdr = vec![0u8; avail];
    src.read_at(at, &mut hdr)?;
    if hdr.get(..4) != Some(b"PE\0\0".as_slice()) {
        return Err(ArtifactError::invalid("PE signature", at, "not PE\\0\\0"));
    }
    let coff = "COFF file header";
    let machine_raw = le::u16_at(&hdr, 4, coff, at)?;
    let number_of_sections = le::u16_at(&hdr, 6, coff, at)?;
    let size_of_optional = usize::from(le::u16_at(&hdr, 20, coff, at)?);
    let characteristics = le::u16_at(&hdr, 22, coff, at)?;
    let opt_at = at + 24;
    let opt_end = (24 + size_of_optional).min(hdr.len());
    let opt = hdr.get(24..opt_end).unwrap_or_default();
    let oh = "PE optional header";
    let magic = le::u16_at(opt, 0, oh, opt_at)?;
    let (kind, dirs_at) = match magic {
        0x10b => (PeKind::Pe32, 96),
        0x20b => (PeKind::Pe32Plus, 112),
        other => {
            return Err(ArtifactError::invalid(
                oh,
                opt_at,
                format!("magic {other:#x} is neither PE32 (0x10b) nor PE32+ (0x20b)"),
            ))
        }
    };
    let subsystem = le::u16_at(opt, 68, oh, opt_at)?;
    let dll_characteristics = le::u16_at(opt, 70, oh, opt_at)?;
    let rva_count = le::u32_at(opt, dirs_at - 4, oh, opt_at)?;
    let security = if rva_count > 4 {
        let address = le::u32_at(opt, dirs_at + 32, oh, opt_at)?;
        let size = le::u32_at(opt, dirs_at + 36, oh, opt_at)?;
        (address != 0 && size != 0).then_some(DataDirectory { address, size })
    } else {
        None
    };
    Ok(PeHeaders {
        pe_offset,
        machine_raw,
        machine: Machine::from_raw(machine_raw),
        number_of_sections,
        characteristics,
        kind,
        subsystem,
        dll_characteristics,
        security,
    })
}

/// One `WIN_CERTIFICATE` entry of the attribute certificate table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinCertificate {
    /// File offset of the entry.
    pub offset: u64,
    /// `wRevision` (0x0200 in practice).
    pub revision: u16,
    /// `wCertificateType` (2 = PKCS#7 SignedData).
    pub certificate_type: u16,
    /// `bCertificate`: for type 2 a DER `ContentInfo` (possibly followed by zero padding).
    pub data: Vec<u8>,
}

/// Reads the attribute certificate table the security directory names and splits it into its
/// entries (each 8-byte aligned). `Ok(empty)` when the PE has no security directory.
pub fn read_certificates(src: &dyn ReadAt, headers: &PeHeaders) -> Result<Vec<WinCertificate>> {
    let Some(dir) = headers.security else {
        return Ok(Vec::new());
    };
    let structure = "attribute certificate table";
    let start = u64::from(dir.address);
    if dir.size > MAX_CERTIFICATE_TABLE {
        return Err(ArtifactError::TooLarge {
            structure,
            offset: start,
            what: "size",
            actual: dir.size.into(),
            limit: MAX_CERTIFICATE_TABLE.into(),
        });
    }
    let end = start + u64::from(dir.size);
    if end > src.len() {
        return Err(ArtifactError::invalid(
            structure,
            start,
            format!(
                "{} bytes run past the end of the {}-byte file",
                dir.size,
                src.len()
            ),
        ));
    }
    let mut table = vec![0u8; dir.size as usize];
    src.read_at(start, &mut table)?;
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= table.len() {
        let at = start + pos as u64;
        if out.len() == MAX_CERTIFICATES {
            return Err(ArtifactError::TooLarge {
                structure,
                offset: at,
                what: "entry count",
                actual: out.len() as u64 + 1,
                limit: MAX_CERTIFICATES as u64,
            });
        }
        let length = le::u32_at(&table, pos, "WIN_CERTIFICATE", at)? as usize;
        let revision = le::u16_at(&table, pos + 4, "WIN_CERTIFICATE", at)?;
        let certificate_type = le::u16_at(&table, pos + 6, "WIN_CERTIFICATE", at)?;
        if length < 8 {
            return Err(ArtifactError::invalid(
                "WIN_CERTIFICATE",
                at,
                format!("dwLength {length} is shorter than its 8-byte header"),
            ));
        }
        let data = table
            .get(pos + 8..pos.saturating_add(length))
            .ok_or_else(|| {
                ArtifactError::invalid(
                    "WIN_CERTIFICATE",
                    at,
                    format!("dwLength {length} runs past the table's end"),
                )
            })?
            .to_vec();
        out.push(WinCertificate {
            offset: at,
            revision,
            certificate_type,
            data,
        });
        // Entries are quadword aligned.
        pos = pos.saturating_add(length).saturating_add(7) & !7;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PE32+ header set: DOS header, e_lfanew 0x80, COFF, optional header with 16
    /// directories and the security directory at `sec`.
    pub(crate) fn tiny_pe(
        machine: u16,
        magic: u16,
        subsystem: u16,
        sec: Option<(u32, u32)>,
    ) -> Vec<u8> {
        let mut b = vec![0u8; 0x80];
        b[0] = b'M';
        b[1] = b'Z';
        b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        b.extend_from_slice(b"PE\0\0");
        let opt_len: u16 = if magic == 0x20b { 240 } else { 224 };
        let mut coff = [0u8; 20];
        coff[0..2].copy_from_slice(&machine.to_le_bytes());
        coff[2..4].copy_from_slice(&1u16.to_le_bytes());
        coff[16..18].copy_from_slice(&opt_len.to_le_bytes());
        coff[18..20].copy_from_slice(&0x22u16.to_le_bytes());
        b.extend_from_slice(&coff);
        let mut opt = vec![0u8; opt_len as usize];
        opt[0..2].copy_from_slice(&magic.to_le_bytes());
        opt[68..70].copy_from_slice(&subsystem.to_le_bytes());
        let dirs = if magic == 0x20b { 112 } else { 96 };
        opt[dirs - 4..dirs].copy_from_slice(&16u32.to_le_bytes());
        if let Some((a, s)) = sec {
            opt[dirs + 32..dirs + 36].copy_from_slice(&a.to_le_bytes());
            opt[dirs + 36..dirs + 40].copy_from_slice(&s.to_le_bytes());
        }
        b.extend_from_slice(&opt);
        b
    }

    #[test]
    fn decodes_machine_kind_subsystem_and_security_directory() {
        let mut pe = tiny_pe(MACHINE_ARM64, 0x20b, 10, Some((0x200, 16)));
        pe.resize(0x200, 0);
        // One WIN_CERTIFICATE of 12 bytes (padded to 16).
        pe.extend_from_slice(&12u32.to_le_bytes());
        pe.extend_from_slice(&0x0200u16.to_le_bytes());
        pe.extend_from_slice(&2u16.to_le_bytes());
        pe.extend_from_slice(&[0x30, 0x02, 0x05, 0x00, 0, 0, 0, 0]);
        let h = read_pe_headers(&pe).unwrap();
        assert_eq!(h.machine, Machine::Arm64);
        assert_eq!(h.kind, PeKind::Pe32Plus);
        assert!(h.is_efi_application());
        assert_eq!(
            h.security,
            Some(DataDirectory {
                address: 0x200,
                size: 16
            })
        );
        let certs = read_certificates(&pe, &h).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].certificate_type, WIN_CERT_TYPE_PKCS_SIGNED_DATA);
        assert_eq!(certs[0].data, [0x30, 0x02, 0x05, 0x00]);

        let pe32 = tiny_pe(MACHINE_I386, 0x10b, 3, None);
        let h = read_pe_headers(&pe32).unwrap();
        assert_eq!(
            (h.machine, h.kind, h.security),
            (Machine::X86, PeKind::Pe32, None)
        );
        assert_eq!(h.machine.processor_architecture(), Some("x86"));
    }

    #[test]
    fn hostile_headers_are_errors_naming_the_structure() {
        assert!(matches!(
            read_pe_headers(&b"MZ".to_vec()),
            Err(ArtifactError::Invalid {
                structure: "DOS header",
                ..
            })
        ));
        let mut pe = tiny_pe(MACHINE_AMD64, 0x20b, 10, None);
        pe[0x80] = b'N';
        assert!(matches!(
            read_pe_headers(&pe),
            Err(ArtifactError::Invalid {
                structure: "PE signature",
                offset: 0x80,
                ..
            })
        ));
        let mut pe = tiny_pe(MACHINE_AMD64, 0x20b, 10, None);
        pe[0x3c..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            read_pe_headers(&pe),
            Err(ArtifactError::TooLarge {
                what: "e_lfanew",
                ..
            })
        ));
        // Truncated optional header.
        let pe = tiny_pe(MACHINE_AMD64, 0x20b, 10, None);
        assert!(read_pe_headers(&pe[..0x80 + 24 + 40].to_vec()).is_err());
        // Security directory past the end, and over the budget.
        let pe = tiny_pe(MACHINE_AMD64, 0x20b, 10, Some((0x1000, 64)));
        let h = read_pe_headers(&pe).unwrap();
        assert!(matches!(
            read_certificates(&pe, &h),
            Err(ArtifactError::Invalid {
                structure: "attribute certificate table",
                ..
            })
        ));
        let pe = tiny_pe(MACHINE_AMD64, 0x20b, 10, Some((0x100, u32::MAX)));
        let h = read_pe_headers(&pe).unwrap();
        assert!(matches!(
            read_certificates(&pe, &h),
            Err(ArtifactError::TooLarge { .. })
        ));
    }

    #[test]
    fn real_shim_headers() {
        let Some(signed) = crate::authenticode::tests::shim_file("shimx64.efi.signed") else {
            return;
        };
        let src = vhdlint_container::Counted::new(std::sync::Arc::new(
            vhdlint_container::FileSource::open(&signed).unwrap(),
        ));
        let h = read_pe_headers(&src).unwrap();
        assert_eq!(
            (h.machine, h.kind, h.subsystem),
            (Machine::X64, PeKind::Pe32Plus, SUBSYSTEM_EFI_APPLICATION)
        );
        let sec = h.security.unwrap();
        let certs = read_certificates(&src, &h).unwrap();
        assert!(!certs.is_empty());
        assert!(certs
            .iter()
            .all(|c| c.certificate_type == WIN_CERT_TYPE_PKCS_SIGNED_DATA
                && c.revision == WIN_CERT_REVISION_2_0));
        // Only the headers and the certificate table were read, not the 1 MB image.
        let read = src.stats().bytes;
        assert!(
            read <= 64 + MAX_HEADER_READ as u64 + u64::from(sec.size),
            "read {read} bytes"
        );
    }
}
