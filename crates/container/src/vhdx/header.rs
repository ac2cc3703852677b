//! The file type identifier and the two headers (MS-VHDX 2.2.1, 2.2.2).

use crate::bytes::{lossy, utf16le, Fields};
use crate::diag::Diagnostic;
use crate::{ContainerError, Guid, ReadAt, Result};

use super::{read_struct, FILE_SIGNATURE, MIB};

/// Size of the creator string after the file signature: 256 UTF-16 units (MS-VHDX 2.2.1).
const CREATOR_LEN: usize = 512;

/// Offsets of header 1 and header 2 (MS-VHDX 2.2.2).
pub(crate) const HEADER_OFFSETS: [u64; 2] = [64 << 10, 128 << 10];

/// Size of a header covered by its checksum (MS-VHDX 2.2.2.1).
const HEADER_SIZE: usize = 4096;

/// Header signature `head` (MS-VHDX 2.2.2.1).
const HEADER_SIGNATURE: &str = "head";

/// Diagnostic code: one header copy is invalid and the other was used.
pub(crate) const DIAG_HEADER_INVALID: &str = "vhdxHeaderInvalid";

/// A validated VHDX header (MS-VHDX 2.2.2.1). On-disk signature: `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VhdxHeader {
    /// Where the header is in the file.
    pub offset: u64,
    /// SequenceNumber: the valid header with the higher one is current.
    pub sequence: u64,
    /// DataWriteGuid: changes whenever user-visible data changes; children link to it.
    pub data_write_guid: Guid,
    /// LogGuid: non-zero when the log holds entries to replay.
    pub log_guid: Guid,
    /// LogLength in bytes (a multiple of 1 MiB).
    pub log_length: u32,
    /// LogOffset in the file (a multiple of 1 MiB).
    pub log_offset: u64,
}

/// Reads the file identifier and returns its creator string (MS-VHDX 2.2.1).
pub(crate) fn read_file_identifier(src: &dyn ReadAt) -> Result<String> {
    let mut buf = [0u8; 8 + CREATOR_LEN];
    read_struct(src, 0, &mut buf, "VHDX file identifier")?;
    let sig: [u8; 8] = Fields::new(&buf, "VHDX file identifier", 0).array(0)?;
    if &sig != FILE_SIGNATURE {
        return Err(ContainerError::InvalidSignature {
            structure: "VHDX file identifier",
            offset: 0,
            expected: "vhdxfile",
            actual: lossy(&sig),
        });
    }
    Ok(utf16le(buf.get(8..).unwrap_or(&[])))
}

/// Parses and validates one header from its 4 KiB.
pub(crate) fn parse_header(buf: &[u8], offset: u64) -> Result<VhdxHeader> {
    const S: &str = "VHDX header";
    super::check_signed(buf, offset, S, HEADER_SIGNATURE)?;
    let f = Fields::new(buf, S, offset);
    let invalid = |message: String| ContainerError::Invalid {
        structure: S,
        offset,
        message,
    };
    let log_version = f.le_u16(64)?;
    let version = f.le_u16(66)?;
    let log_length = f.le_u32(68)?;
    let log_offset = f.le_u64(72)?;
    if version != 1 {
        return Err(invalid(format!("Version is {version}, expected 1")));
    }
    if log_version != 0 {
        return Err(invalid(format!("LogVersion is {log_version}, expected 0")));
    }
    if u64::from(log_length) % MIB != 0 || log_offset % MIB != 0 {
        return Err(invalid(format!(
            "LogOffset {log_offset:#x} and LogLength {log_length:#x} must be multiples of 1 MiB"
        )));
    }
    Ok(VhdxHeader {
        offset,
        sequence: f.le_u64(8)?,
        data_write_guid: Guid(f.array(32)?),
        log_guid: Guid(f.array(48)?),
        log_length,
        log_offset,
    })
}

/// Reads both headers and returns the current one: the valid header with the higher
/// SequenceNumber, header 1 when they are equal (Disk2vhd writes equal numbers). One invalid
/// header is a diagnostic; both invalid is an error naming both.
pub(crate) fn read_headers(src: &dyn ReadAt, diags: &mut Vec<Diagnostic>) -> Result<VhdxHeader> {
    let mut results = Vec::with_capacity(2);
    for offset in HEADER_OFFSETS {
        let mut buf = vec![0u8; HEADER_SIZE];
        read_struct(src, offset, &mut buf, "VHDX header")?;
        results.push(parse_header(&buf, offset));
    }
    let mut valid = Vec::with_capacity(2);
    let mut errors = Vec::with_capacity(2);
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(h) => valid.push(h),
            Err(e) => errors.push((i + 1, e)),
        }
    }
    let mut current: Option<VhdxHeader> = None;
    for h in valid {
        match &current {
            Some(c) if c.sequence >= h.sequence => {}
            _ => current = Some(h),
        }
    }
    match current {
        Some(h) => {
            for (i, e) in errors {
                let offset = HEADER_OFFSETS.get(i - 1).copied().unwrap_or(0);
                diags.push(Diagnostic::at(
                    DIAG_HEADER_INVALID,
                    offset,
                    format!(
                        "header {i} is invalid ({e}); header at {:#x} used",
                        h.offset
                    ),
                ));
            }
            Ok(h)
        }
        None => Err(ContainerError::Invalid {
            structure: "VHDX headers",
            offset: HEADER_OFFSETS[0],
            message: format!(
                "both headers are invalid: {}",
                errors
                    .iter()
                    .map(|(i, e)| format!("header {i}: {e}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }),
    }
}
