//! Inputs that are not disks vhdlint reads, recognised by content, each with the way to one.
//!
//! Without this, a qcow2 or an ISO would be read as a "raw" disk and failed as "a file system is
//! corrupt". Every format here is recognised by its magic number (never by file name), from at
//! most [`PROBE_BYTES`] at the start of the file plus the first bytes of at most
//! [`ISO_DESCRIPTORS`] ISO 9660 volume descriptors; the result names the format and the command
//! that turns it into a disk vhdlint (and Azure) reads.
//!
//! Detection runs only after VHDX and VHD have been ruled out, so a VHD whose data happens to
//! start like an archive is still a VHD.

use crate::bytes::Fields;
use crate::read::{ReadAt, ReadError};

/// Bytes read from the start of the file to recognise a format.
pub const PROBE_BYTES: usize = 4096;
/// Volume descriptors looked at from sector 16 of an ISO image (2048-byte sectors).
pub const ISO_DESCRIPTORS: u64 = 16;
/// Where ISO 9660 volume descriptors start: sector 16 of 2048 bytes.
const ISO_DESCRIPTOR_START: u64 = 16 * 2048;

/// A format vhdlint recognises but does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForeignFormat {
    /// QEMU copy-on-write version 1 (`QFI\xfb`, version 1).
    Qcow,
    /// QEMU copy-on-write versions 2 and 3 (`QFI\xfb`).
    Qcow2,
    /// QEMU enhanced disk (`QED\0`).
    Qed,
    /// VMware sparse extent (`KDMV`): monolithicSparse and friends.
    Vmdk,
    /// VMware stream-optimised sparse extent (`KDMV`, compressed grains): OVA disks.
    VmdkStreamOptimized,
    /// VMware ESX sparse extent (`COWD`).
    VmdkCowd,
    /// A VMDK descriptor (text) naming extent files.
    VmdkDescriptor,
    /// VirtualBox disk image (signature `0xbeda107f` at 0x40).
    Vdi,
    /// Parallels disk image (`WithoutFreeSpace` / `WithouFreSpacExt`).
    Parallels,
    /// ISO 9660 optical disc image (`CD001` at sector 16).
    Iso9660,
    /// UDF optical disc image (`BEA01`, `NSR02`/`NSR03` from sector 16).
    Udf,
    /// Windows Imaging Format (`MSWIM`).
    Wim,
    /// Electronic Software Download: a WIM with solid LZMS compression.
    Esd,
    /// gzip stream (`1f 8b 08`).
    Gzip,
    /// xz stream (`fd 37 7a 58 5a 00`).
    Xz,
    /// Zstandard frame (`28 b5 2f fd`).
    Zstd,
    /// bzip2 stream (`BZh1`–`BZh9` then the block magic).
    Bzip2,
    /// zip archive (`PK\x03\x04`).
    Zip,
    /// 7-Zip archive (`7z\xbc\xaf\x27\x1c`).
    SevenZip,
    /// POSIX/GNU tar archive (`ustar` at 257).
    Tar,
    /// OVF appliance: a tar whose first member is the `.ovf` descriptor.
    Ova,
}

/// What to do with a format, in general terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remedy {
    /// `qemu-img convert` reads it.
    Convert(&'static str),
    /// Decompress with this command (`{}` is the image).
    Decompress(&'static str),
    /// Extract with this command.
    Extract(&'static str),
    /// Install or apply Windows from it onto a disk.
    Install,
    /// Apply the Windows image onto a disk.
    Apply,
}

impl ForeignFormat {
    /// Stable name used in JSON and messages (`qcow2`, `vmdkStreamOptimized`, `7z`, …).
    pub fn id(self) -> &'static str {
        match self {
            ForeignFormat::Qcow => "qcow",
            ForeignFormat::Qcow2 => "qcow2",
            ForeignFormat::Qed => "qed",
            ForeignFormat::Vmdk => "vmdk",
            ForeignFormat::VmdkStreamOptimized => "vmdkStreamOptimized",
            ForeignFormat::VmdkCowd => "vmdkCowd",
            ForeignFormat::VmdkDescriptor => "vmdkDescriptor",
            ForeignFormat::Vdi => "vdi",
            ForeignFormat::Parallels => "parallels",
            ForeignFormat::Iso9660 => "iso9660",
            ForeignFormat::Udf => "udf",
            ForeignFormat::Wim => "wim",
            ForeignFormat::Esd => "esd",
            ForeignFormat::Gzip => "gzip",
            ForeignFormat::Xz => "xz",
            ForeignFormat::Zstd => "zstd",
            ForeignFormat::Bzip2 => "bzip2",
            ForeignFormat::Zip => "zip",
            ForeignFormat::SevenZip => "7z",
            ForeignFormat::Tar => "tar",
            ForeignFormat::Ova => "ova",
        }
    }

    /// What it is, in words.
    pub fn name(self) -> &'static str {
        match self {
            ForeignFormat::Qcow => "a qcow (QEMU copy-on-write v1) disk image",
            ForeignFormat::Qcow2 => "a qcow2 (QEMU copy-on-write) disk image",
            ForeignFormat::Qed => "a QED (QEMU enhanced disk) image",
            ForeignFormat::Vmdk => "a VMDK (VMware sparse) disk image",
            ForeignFormat::VmdkStreamOptimized => "a stream-optimised VMDK (VMware) disk image",
            ForeignFormat::VmdkCowd => "a VMDK (VMware ESX COWD sparse) disk image",
            ForeignFormat::VmdkDescriptor => "a VMDK descriptor file (text naming extent files)",
            ForeignFormat::Vdi => "a VDI (VirtualBox) disk image",
            ForeignFormat::Parallels => "a Parallels disk image",
            ForeignFormat::Iso9660 => "an ISO 9660 optical disc image",
            ForeignFormat::Udf => "a UDF optical disc image",
            ForeignFormat::Wim => "a WIM (Windows Imaging Format) file",
            ForeignFormat::Esd => "an ESD (solid-compressed WIM) file",
            ForeignFormat::Gzip => "a gzip-compressed file",
            ForeignFormat::Xz => "an xz-compressed file",
            ForeignFormat::Zstd => "a zstd-compressed file",
            ForeignFormat::Bzip2 => "a bzip2-compressed file",
            ForeignFormat::Zip => "a zip archive",
            ForeignFormat::SevenZip => "a 7z archive",
            ForeignFormat::Tar => "a tar archive",
            ForeignFormat::Ova => "an OVA (OVF appliance: a tar of a descriptor and disks)",
        }
    }

    fn remedy(self) -> Remedy {
        match self {
            ForeignFormat::Qcow | ForeignFormat::Qcow2 => Remedy::Convert("qcow2"),
            ForeignFormat::Qed => Remedy::Convert("qed"),
            ForeignFormat::Vmdk
            | ForeignFormat::VmdkStreamOptimized
            | ForeignFormat::VmdkCowd
            | ForeignFormat::VmdkDescriptor => Remedy::Convert("vmdk"),
            ForeignFormat::Vdi => Remedy::Convert("vdi"),
            ForeignFormat::Parallels => Remedy::Convert("parallels"),
            ForeignFormat::Iso9660 | ForeignFormat::Udf => Remedy::Install,
            ForeignFormat::Wim | ForeignFormat::Esd => Remedy::Apply,
            ForeignFormat::Gzip => Remedy::Decompress("gzip -dk"),
            ForeignFormat::Xz => Remedy::Decompress("xz -dk"),
            ForeignFormat::Zstd => Remedy::Decompress("zstd -d"),
            ForeignFormat::Bzip2 => Remedy::Decompress("bzip2 -dk"),
            ForeignFormat::Zip => Remedy::Extract("unzip"),
            ForeignFormat::SevenZip => Remedy::Extract("7z x"),
            ForeignFormat::Tar | ForeignFormat::Ova => Remedy::Extract("tar -xf"),
        }
    }

    /// How to get a disk vhdlint reads from `image` (a command line quoting it).
    pub fn advice(self, image: &str) -> String {
        let q = shell_quote(image);
        let vhd = shell_quote(&format!("{}.vhd", strip_ext(image)));
        match self.remedy() {
            Remedy::Convert(fmt) => {
                let extents = if self == ForeignFormat::VmdkDescriptor {
                    " (with its extent files beside it)"
                } else {
                    ""
                };
                format!(
                    "convert it{extents} to a fixed VHD, the format Azure uploads take: \
                     `qemu-img convert -f {fmt} -O vpc -o subformat=fixed,force_size {q} {vhd}`"
                )
            }
            Remedy::Decompress(cmd) => {
                format!("decompress first (`{cmd} {q}`), then check the disk image inside")
            }
            Remedy::Extract(cmd) if self == ForeignFormat::Ova => format!(
                "extract the disk from the OVA (`{cmd} {q}`), then convert its .vmdk: \
                 `qemu-img convert -f vmdk -O vpc -o subformat=fixed,force_size DISK.vmdk DISK.vhd`"
            ),
            Remedy::Extract(cmd) => {
                format!("extract the disk image first (`{cmd} {q}`), then check it")
            }
            Remedy::Install => "an installation medium, not a disk: install Windows from it \
                                into a Generation 2 VM (or apply its sources\\install.wim to a \
                                VHDX) and check that VM's disk"
                .to_string(),
            Remedy::Apply => "a file-based Windows image, not a disk: apply it to a disk \
                              first (DISM /Apply-Image onto a partitioned VHDX, or wimlib's \
                              `wimapply` onto an NTFS partition) and check that disk"
                .to_string(),
        }
    }
}

/// A recognised foreign format: which, where its signature is, and what its header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The format.
    pub format: ForeignFormat,
    /// Offset of the signature in the file.
    pub offset: u64,
    /// What the header says (version, virtual size, first member), when it says something.
    pub detail: Option<String>,
}

impl Recognised {
    /// The whole message: what the file is, and what to do, quoting `image` in the command.
    pub fn message(&self, image: &str) -> String {
        let detail = match &self.detail {
            Some(d) => format!("{d}; signature at {:#x}", self.offset),
            None => format!("signature at {:#x}", self.offset),
        };
        format!(
            "{image} is {} ({detail}), not a raw, VHD or VHDX disk: {}",
            self.format.name(),
            self.format.advice(image)
        )
    }
}

/// Recognises a foreign format from content; `None` when none matches (the caller then reads the
/// file as a raw disk). Reads at most [`PROBE_BYTES`] plus [`ISO_DESCRIPTORS`] × 8 bytes.
pub fn recognise(source: &dyn ReadAt) -> Result<Option<Recognised>, ReadError> {
    let len = source.len();
    let n = usize::try_from(len.min(PROBE_BYTES as u64)).unwrap_or(PROBE_BYTES);
    let mut head = vec![0u8; n];
    source.read_at(0, &mut head)?;
    if let Some(found) = recognise_head(&head, len) {
        return Ok(Some(found));
    }
    recognise_optical(source)
}

/// The detail of a format whose signature matched but whose header the file cuts short: still
/// that format (named, with its conversion advice), never a raw disk.
fn truncated() -> Option<String> {
    Some("header truncated".to_owned())
}

fn found(format: ForeignFormat, offset: u64, detail: Option<String>) -> Option<Recognised> {
    Some(Recognised {
        format,
        offset,
        detail,
    })
}

/// Formats whose signature is in the first [`PROBE_BYTES`].
fn recognise_head(h: &[u8], file_len: u64) -> Option<Recognised> {
    // A header too short for a format's fields is still that format ("header truncated").
    let f = Fields::unplaced(h, "format probe");
    let magic4: [u8; 4] = f.array(0).ok()?;
    match &magic4 {
        b"QFI\xfb" => {
            let version = f.be_u32(4).ok();
            let format = if version == Some(1) {
                ForeignFormat::Qcow
            } else {
                ForeignFormat::Qcow2
            };
            let detail = version
                .zip(f.be_u64(24).ok())
                .map(|(v, size)| format!("version {v}, virtual size {}", size_text(size)));
            return found(format, 0, detail.or_else(truncated));
        }
        b"QED\0" => {
            let detail = f
                .le_u64(48)
                .ok()
                .map(|size| format!("virtual size {}", size_text(size)));
            return found(ForeignFormat::Qed, 0, detail.or_else(truncated));
        }
        b"KDMV" => {
            // Bit 16 of the flags: grains are compressed (stream-optimised extents, as OVAs carry).
            let format = if f.le_u32(8).is_ok_and(|flags| flags & (1 << 16) != 0) {
                ForeignFormat::VmdkStreamOptimized
            } else {
                ForeignFormat::Vmdk
            };
            let detail = f.le_u32(4).ok().zip(f.le_u64(12).ok()).map(|(v, sectors)| {
                format!(
                    "version {v}, virtual size {}",
                    size_text(sectors.saturating_mul(512))
                )
            });
            return found(format, 0, detail.or_else(truncated));
        }
        b"COWD" => {
            let detail = f.le_u32(12).ok().map(|sectors| {
                format!(
                    "virtual size {}",
                    size_text(u64::from(sectors).saturating_mul(512))
                )
            });
            return found(ForeignFormat::VmdkCowd, 0, detail.or_else(truncated));
        }
        b"\x28\xb5\x2f\xfd" => return found(ForeignFormat::Zstd, 0, None),
        b"PK\x03\x04" => {
            let name = f
                .le_u16(26)
                .ok()
                .and_then(|n| f.slice(30, usize::from(n).min(255)).ok())
                .and_then(printable);
            return found(
                ForeignFormat::Zip,
                0,
                name.map(|n| format!("first member {n}")),
            );
        }
        _ => {}
    }
    if f.le_u32(0x40).ok() == Some(0xbeda_107f) {
        let detail = match (f.le_u32(0x44).ok(), f.le_u64(0x170).ok()) {
            (Some(0x0001_0001), Some(size)) => Some(format!("virtual size {}", size_text(size))),
            (Some(_), _) => None,
            (None, _) => truncated(),
        };
        return found(ForeignFormat::Vdi, 0x40, detail);
    }
    // Shorter files compare as zero-padded: no signature below is all zeros.
    let magic16: [u8; 16] = f.array(0).unwrap_or([0; 16]);
    if &magic16 == b"WithoutFreeSpace" || &magic16 == b"WithouFreSpacExt" {
        let detail = f
            .le_u64(36)
            .ok()
            .map(|sectors| format!("virtual size {}", size_text(sectors.saturating_mul(512))));
        return found(ForeignFormat::Parallels, 0, detail.or_else(truncated));
    }
    let magic8: [u8; 8] = f.array(0).unwrap_or([0; 8]);
    if &magic8 == b"MSWIM\0\0\0" {
        const LZMS: u32 = 0x0008_0000;
        const SOLID_VERSION: u32 = 0x0000_0e00;
        let esd = f.le_u32(16).is_ok_and(|flags| flags & LZMS != 0)
            || f.le_u32(12).ok() == Some(SOLID_VERSION);
        let format = if esd {
            ForeignFormat::Esd
        } else {
            ForeignFormat::Wim
        };
        let detail = f.le_u32(0x2c).ok().map(|images| {
            let plural = if images == 1 { "" } else { "s" };
            format!("{images} image{plural}")
        });
        return found(format, 0, detail.or_else(truncated));
    }
    let magic6: [u8; 6] = f.array(0).unwrap_or([0; 6]);
    if &magic6 == b"\xfd7zXZ\0" {
        return found(ForeignFormat::Xz, 0, None);
    }
    if &magic6 == b"7z\xbc\xaf\x27\x1c" {
        return found(ForeignFormat::SevenZip, 0, None);
    }
    // gzip: ID1 ID2, CM = 8 (deflate), reserved flag bits clear.
    if h.get(0..3) == Some(b"\x1f\x8b\x08") && h.get(3).is_some_and(|f| f & 0xe0 == 0) {
        return found(
            ForeignFormat::Gzip,
            0,
            gzip_name(h).map(|n| format!("of {n}")),
        );
    }
    // bzip2: "BZh" + block size digit + the first block's magic (pi: 31 41 59 26 53 59).
    if h.get(0..3) == Some(b"BZh")
        && h.get(3).is_some_and(|d| (b'1'..=b'9').contains(d))
        && (h.get(4..10) == Some(b"\x31\x41\x59\x26\x53\x59")
            || h.get(4..10) == Some(b"\x17\x72\x45\x38\x50\x90"))
    {
        return found(ForeignFormat::Bzip2, 0, None);
    }
    // tar: "ustar" at 257 (POSIX "ustar\0", GNU "ustar  \0") and a header checksum that adds up.
    if h.get(257..262) == Some(b"ustar") && tar_checksum_ok(h) {
        let name = f.slice(0, 100).ok().map(until_nul).and_then(printable);
        let ova = name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".ovf"));
        let format = if ova {
            ForeignFormat::Ova
        } else {
            ForeignFormat::Tar
        };
        return found(format, 257, name.map(|n| format!("first member {n}")));
    }
    if is_vmdk_descriptor(h, file_len) {
        let create = descriptor_value(h, "createType");
        return found(
            ForeignFormat::VmdkDescriptor,
            0,
            create.map(|c| format!("createType {c}")),
        );
    }
    None
}

/// ISO 9660 (`CD001`) and UDF (`BEA01` … `NSR02`/`NSR03`) volume recognition sequences.
fn recognise_optical(source: &dyn ReadAt) -> Result<Option<Recognised>, ReadError> {
    let len = source.len();
    let mut iso_at = None;
    let mut udf_at = None;
    let mut label = None;
    for i in 0..ISO_DESCRIPTORS {
        let at = ISO_DESCRIPTOR_START + i * 2048;
        if at + 2048 > len {
            break;
        }
        let mut d = [0u8; 8];
        source.read_at(at, &mut d)?;
        let id = d.get(1..6).unwrap_or(&[]);
        match id {
            b"CD001" => {
                if iso_at.is_none() {
                    iso_at = Some(at + 1);
                    // Primary volume descriptor (type 1): the volume identifier at 40, 32 bytes.
                    if d.first() == Some(&1) {
                        let mut v = [0u8; 32];
                        source.read_at(at + 40, &mut v)?;
                        label = printable(&v).filter(|s| !s.is_empty());
                    }
                }
            }
            b"NSR02" | b"NSR03" => udf_at = udf_at.or(Some(at + 1)),
            b"BEA01" | b"TEA01" | b"BOOT2" | b"CDW02" => {}
            _ => break,
        }
    }
    let label = label.map(|l| format!("volume label {l}"));
    Ok(match (udf_at, iso_at) {
        (Some(at), Some(_)) => found(
            ForeignFormat::Udf,
            at,
            Some(label.map_or("with an ISO 9660 bridge".into(), |l| {
                format!("with an ISO 9660 bridge, {l}")
            })),
        ),
        (Some(at), None) => found(ForeignFormat::Udf, at, label),
        (None, Some(at)) => found(ForeignFormat::Iso9660, at, label),
        (None, None) => None,
    })
}

/// The original file name a gzip header carries (FNAME), when it does.
fn gzip_name(h: &[u8]) -> Option<String> {
    let flags = *h.get(3)?;
    if flags & 0x08 == 0 {
        return None;
    }
    let mut at = 10;
    if flags & 0x04 != 0 {
        at += 2 + usize::from(Fields::unplaced(h, "format probe").le_u16(10).ok()?);
    }
    printable(until_nul(h.get(at..)?))
}

fn tar_checksum_ok(h: &[u8]) -> bool {
    let Some(header) = h.get(0..512) else {
        return false;
    };
    let Some(raw) = header.get(148..156) else {
        return false;
    };
    let stored = until_nul(raw);
    let text = String::from_utf8_lossy(stored);
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

/// A VMDK descriptor: small text that starts `# Disk DescriptorFile`, or declares `version=`
/// and `createType=` in its first [`PROBE_BYTES`].
fn is_vmdk_descriptor(h: &[u8], file_len: u64) -> bool {
    const MAX_DESCRIPTOR: u64 = 1 << 20;
    if file_len > MAX_DESCRIPTOR {
        return false;
    }
    if h.starts_with(b"# Disk DescriptorFile") {
        return true;
    }
    let text_like = h
        .iter()
        .all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b == 0);
    text_like
        && descriptor_value(h, "createType").is_some()
        && descriptor_value(h, "version").is_some()
}

/// `key=value` (optionally quoted) from descriptor text.
fn descriptor_value(h: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(until_nul(h));
    text.lines()
        .find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

fn until_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(b)
}

/// Printable ASCII text of `b` (trimmed), or `None` when it holds anything else.
fn printable(b: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(b).ok()?.trim().to_string();
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() || c == ' ')).then_some(s)
}

/// A size in words: `64 MiB`, `1.5 GiB`.
fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let unit = UNITS.get(unit).copied().unwrap_or("PiB");
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

fn strip_ext(image: &str) -> &str {
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    match image.rfind('.') {
        Some(dot) if dot > name_start => image.get(..dot).unwrap_or(image),
        _ => image,
    }
}

/// Quotes a path for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn recognised(bytes: &[u8]) -> Option<ForeignFormat> {
        recognise(&bytes).unwrap().map(|r| r.format)
    }

    #[test]
    fn an_mbr_or_zeros_or_a_short_file_is_not_foreign() {
        let mut mbr = vec![0u8; 64 << 10];
        mbr[0] = 0xeb;
        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        assert_eq!(recognised(&mbr), None);
        assert_eq!(recognised(&[0u8; 3]), None);
        assert_eq!(recognised(&[]), None);
    }

    #[test]
    fn a_signature_whose_header_the_file_cuts_short_is_still_that_format() {
        for (bytes, format) in [
            (&b"QFI\xfb\0\0\0\x03"[..], ForeignFormat::Qcow2),
            (b"QED\0\x01", ForeignFormat::Qed),
            (b"KDMV\x01\0\0\0", ForeignFormat::Vmdk),
            (b"COWD", ForeignFormat::VmdkCowd),
            (b"MSWIM\0\0\0\x0d\0", ForeignFormat::Wim),
            (b"WithoutFreeSpace\x02", ForeignFormat::Parallels),
        ] {
            let r = recognise(&bytes).unwrap().expect("recognised");
            assert_eq!(r.format, format, "{bytes:?}");
            assert_eq!(r.detail.as_deref(), Some("header truncated"), "{bytes:?}");
        }
        // A whole header still gives its details.
        let mut q = vec![0u8; 512];
        q[..8].copy_from_slice(b"QFI\xfb\0\0\0\x03");
        q[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        let r = recognise(&q).unwrap().unwrap();
        assert_eq!(r.detail.as_deref(), Some("version 3, virtual size 1 GiB"));
    }

    #[test]
    fn a_gzip_magic_with_reserved_flags_is_not_gzip() {
        assert_eq!(
            recognised(b"\x1f\x8b\x08\x00rest"),
            Some(ForeignFormat::Gzip)
        );
        assert_eq!(recognised(b"\x1f\x8b\x08\xe0rest"), None);
    }

    #[test]
    fn a_tar_magic_with_a_wrong_checksum_is_not_tar() {
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(b"disk.raw");
        h[257..263].copy_from_slice(b"ustar\0");
        h[148..156].copy_from_slice(b"0000000\0");
        assert_eq!(recognised(&h), None);
        let sum: u32 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        assert_eq!(recognised(&h), Some(ForeignFormat::Tar));
    }

    #[test]
    fn advice_quotes_the_path_and_names_the_vhd() {
        let a = ForeignFormat::Qcow2.advice("my disk.qcow2");
        assert!(
            a.contains("qemu-img convert -f qcow2 -O vpc -o subformat=fixed,force_size 'my disk.qcow2' 'my disk.vhd'"),
            "{a}"
        );
        assert!(ForeignFormat::Gzip
            .advice("d.raw.gz")
            .contains("gzip -dk d.raw.gz"));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(64 << 20), "64 MiB");
        assert_eq!(size_text(3 << 29), "1.5 GiB");
        assert_eq!(size_text(100), "100 bytes");
    }
}
