//! The boot chain (issue 14 items 1–4; windows-image-facts §7.3, §14.1, §14.2, §14.7): BCD
//! devices resolved against this disk, the loader / kernel / HAL files, the architecture, the
//! boot manager's PE headers and Authenticode signer, and the Hyper-V boot-critical drivers.
//!
//! Only PE headers (64 bytes + at most `MAX_HEADER_READ` at `e_lfanew`) and the boot manager's
//! certificate table (at most `MAX_CERTIFICATE_TABLE`) are read, never a whole file.

use rayon::prelude::*;
use vhdlint_artifacts::authenticode::{signature_of, AuthenticodeSignature, PeSignature};
use vhdlint_artifacts::pe::{read_certificates, read_pe_headers, Machine, PeKind};
use vhdlint_filesystems::image::Image;
use vhdlint_filesystems::{FileSystem, FsError};
use vhdlint_registry::bcd::BcdObject;
use vhdlint_registry::bcd_device::{Device, PartitionId};
use vhdlint_registry::Hive;
use vhdlint_volumes::{PartitionTable, Scheme};

use super::hives::Reg;
use crate::evidence::{Evidence, Fact};
use crate::model::Problem;
use vhdlint_facts::{
    BcdDeviceFact, BcdDeviceRole, BootDriverFact, BootManagerFacts, BootSignatureFact,
    CertificateFact, DeviceResolution, KernelFacts, PeFileFact, SignatureStatus,
};

/// The files of the kernel side of the chain, under the system root.
pub const KERNEL_FILES: [&str; 4] = [
    r"\Windows\System32\winload.efi",
    r"\Windows\System32\winload.exe",
    r"\Windows\System32\ntoskrnl.exe",
    r"\Windows\System32\hal.dll",
];

/// The Hyper-V boot-critical drivers (windows-image-facts §14.2) and the synthetic NIC.
pub const BOOT_DRIVERS: [&str; 7] = [
    "vmbus", "storvsc", "disk", "partmgr", "volmgr", "pci", "netvsc",
];

/// Element `BcdOSLoaderBoolean_KernelDebuggerEnabled` (`debug`).
pub const ELEMENT_KERNEL_DEBUGGER: u32 = 0x2600_00a0;
/// Element `BcdLibraryBoolean_DebuggerEnabled` (`bootdebug`).
pub const ELEMENT_BOOT_DEBUGGER: u32 = 0x1600_0010;
/// Element `BcdOSLoaderString_SystemRoot`.
pub const ELEMENT_SYSTEM_ROOT: u32 = 0x2200_0002;

/// `PROCESSOR_ARCHITECTURE`-style name of a PE machine.
fn machine_name(m: Machine) -> String {
    match m.processor_architecture() {
        Some(n) => n.to_owned(),
        None => match m {
            Machine::Other(raw) => format!("{raw:#06x}"),
            _ => String::new(),
        },
    }
}

/// Reads the PE headers of `path` on `fs` (only the headers).
pub fn pe_file(fs: &dyn FileSystem, index: Option<u32>, path: &str) -> PeFileFact {
    let mut f = PeFileFact {
        path: path.to_owned(),
        partition_index: index,
        ..PeFileFact::default()
    };
    let detail = match fs.open(path, None) {
        Err(FsError::NotFound { .. } | FsError::NotADirectory { .. }) => "absent".to_owned(),
        Err(e) => {
            f.error = Some(e.to_string());
            format!("unreadable: {e}")
        }
        Ok(data) => {
            f.present = true;
            match data
                .content(path)
                .map_err(|e| e.to_string())
                .and_then(|src| read_pe_headers(&*src).map_err(|e| e.to_string()))
            {
                Ok(h) => {
                    f.machine = Some(machine_name(h.machine));
                    f.pe32_plus = Some(h.kind == PeKind::Pe32Plus);
                    f.subsystem = Some(h.subsystem);
                    format!(
                        "PE machine {:#06x} ({}), {}, subsystem {}",
                        h.machine_raw,
                        machine_name(h.machine),
                        if h.kind == PeKind::Pe32Plus {
                            "PE32+"
                        } else {
                            "PE32"
                        },
                        h.subsystem
                    )
                }
                Err(e) => {
                    f.error = Some(e.clone());
                    format!("present, not a PE: {e}")
                }
            }
        }
    };
    f.evidence.push(Evidence::File {
        partition_index: index,
        path: path.to_owned(),
        detail: Some(detail),
    });
    f
}

/// The loader/kernel files, the architecture and the boot drivers of the Windows volume and its
/// SYSTEM hive (`control_set`: the resolved `ControlSetNNN`).
pub fn kernel_facts(
    fs: &dyn FileSystem,
    index: Option<u32>,
    system: Option<&Hive>,
    control_set: Option<&str>,
    problems: &mut Vec<Problem>,
) -> KernelFacts {
    // Three independent files: read in parallel (one chain of dependent reads each).
    let files: Vec<PeFileFact> = KERNEL_FILES
        .par_iter()
        .map(|p| pe_file(fs, index, p))
        .collect();
    let architecture = match files.get(2) {
        Some(k) => Fact::with_evidence(k.machine.clone(), k.evidence.clone()),
        None => Fact::bare(None),
    };
    let mut kernel = KernelFacts {
        files,
        architecture,
        ..KernelFacts::default()
    };
    let (Some(hive), Some(cs)) = (system, control_set) else {
        kernel.processor_architecture =
            Fact::new(None, Evidence::derived("no SYSTEM hive or control set"));
        return kernel;
    };
    let reg = Reg {
        name: "SYSTEM",
        hive,
    };
    let key = format!(r"{cs}\Control\Session Manager\Environment");
    let r = reg.value(&key, "PROCESSOR_ARCHITECTURE", problems);
    kernel.processor_architecture = Fact::new(r.string(), r.evidence);
    for name in BOOT_DRIVERS {
        let path = format!(r"{cs}\Services\{name}");
        let key = reg.key(&path, problems);
        let mut d = BootDriverFact {
            name: name.to_owned(),
            present: key.is_some(),
            evidence: vec![reg.key_evidence(&path, key.is_some())],
            ..BootDriverFact::default()
        };
        if let Some(k) = &key {
            let r = reg.value_in(Some(k), &path, "Start", problems);
            d.start = r.u32();
            d.evidence.push(r.evidence);
            let opath = format!(r"{path}\StartOverride");
            if let Some(o) = reg.key(&opath, problems) {
                let r = reg.value_in(Some(&o), &opath, "0", problems);
                d.start_override = r.u32();
                if r.data.is_some() {
                    d.evidence.push(r.evidence);
                }
            }
        }
        kernel.boot_drivers.push(d);
    }
    kernel
}

fn cert_fact(c: &vhdlint_artifacts::authenticode::CertSummary) -> CertificateFact {
    CertificateFact {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        serial: c.serial.clone(),
    }
}

fn signed_fact(s: &AuthenticodeSignature, trusted: bool, ev: Vec<Evidence>) -> BootSignatureFact {
    BootSignatureFact {
        status: if trusted {
            SignatureStatus::Trusted
        } else {
            SignatureStatus::UnknownSigner
        },
        signer: s.signer.as_ref().map(|c| c.subject.clone()),
        chain: s.chain.iter().map(cert_fact).collect(),
        anchor: s.anchor.map(|a| a.ca.name().to_owned()),
        digest_algorithm: Some(s.digest_algorithm.clone()),
        error: None,
        evidence: ev,
    }
}

/// The UEFI boot manager: headers and Authenticode signature (headers + certificate table only).
pub fn boot_manager(fs: &dyn FileSystem, index: Option<u32>, path: &str) -> BootManagerFacts {
    let file = pe_file(fs, index, path);
    let mut signature = BootSignatureFact {
        evidence: file.evidence.clone(),
        ..BootSignatureFact::default()
    };
    if !file.present || file.error.is_some() {
        return BootManagerFacts { file, signature };
    }
    let src = match fs.open(path, None).and_then(|d| d.content(path)) {
        Ok(s) => s,
        Err(e) => {
            signature.error = Some(e.to_string());
            return BootManagerFacts { file, signature };
        }
    };
    let read = read_pe_headers(&*src).and_then(|h| {
        let dir = h.security;
        let entries = read_certificates(&*src, &h)?;
        Ok((dir, signature_of(&entries)?))
    });
    match read {
        Ok((dir, sig)) => {
            let mut ev = file.evidence.clone();
            ev.push(Evidence::File {
                partition_index: index,
                path: path.to_owned(),
                detail: Some(match dir {
                    Some(d) => format!(
                        "security directory: certificate table at file offset {:#x}, {} bytes",
                        d.address, d.size
                    ),
                    None => "no security directory (data directory 4 empty)".to_owned(),
                }),
            });
            signature = match &sig {
                PeSignature::Unsigned => BootSignatureFact {
                    status: SignatureStatus::Unsigned,
                    evidence: ev,
                    ..BootSignatureFact::default()
                },
                PeSignature::Signed(all) => match (sig.trusted(), all.first()) {
                    (Some(t), _) => signed_fact(t, true, ev),
                    (None, Some(first)) => signed_fact(first, false, ev),
                    (None, None) => BootSignatureFact {
                        status: SignatureStatus::Unsigned,
                        evidence: ev,
                        ..BootSignatureFact::default()
                    },
                },
            };
        }
        Err(e) => {
            signature.status = SignatureStatus::Invalid;
            signature.error = Some(e.to_string());
        }
    }
    BootManagerFacts { file, signature }
}

/// Where the devices must point: the boot volume and the Windows volume, by partition index.
#[derive(Debug, Clone, Copy)]
pub struct DeviceTargets<'a> {
    /// The image.
    pub image: &'a Image,
    /// The partition the boot manager is loaded from (ESP / active partition).
    pub boot_index: Option<u32>,
}

fn element_ev(object: &str, element: u32, data: Option<String>) -> Evidence {
    Evidence::registry(
        "BCD",
        format!(r"Objects\{object}\Elements\{element:08X}"),
        "Element",
        data,
    )
}

/// The partition of `table` a device names, or why none.
fn find_partition(table: &PartitionTable, id: &PartitionId) -> Result<u32, String> {
    match id {
        PartitionId::Gpt { disk, partition } => {
            if table.scheme != Scheme::Gpt {
                return Err(format!(
                    "names GPT disk {disk:?}, but this disk is {}",
                    table.scheme.as_str()
                ));
            }
            if table.disk_guid != Some(*disk) {
                return Err(format!(
                    "names GPT disk {disk:?}; this disk's GUID is {}",
                    table
                        .disk_guid
                        .map_or_else(|| "unknown".to_owned(), |g| format!("{g:?}"))
                ));
            }
            table
                .entries
                .iter()
                .find(|p| p.unique_guid == Some(*partition))
                .map(|p| p.index)
                .ok_or_else(|| format!("no partition of this disk has unique GUID {partition:?}"))
        }
        PartitionId::Mbr { signature, offset } => {
            if table.scheme != Scheme::Mbr {
                return Err(format!(
                    "names MBR disk signature {signature:#010x}, but this disk is {}",
                    table.scheme.as_str()
                ));
            }
            if table.mbr_signature != Some(*signature) {
                return Err(format!(
                    "names MBR disk signature {signature:#010x}; this disk's is {}",
                    table
                        .mbr_signature
                        .map_or_else(|| "unknown".to_owned(), |s| format!("{s:#010x}"))
                ));
            }
            table
                .entries
                .iter()
                .find(|p| p.start_offset == *offset)
                .map(|p| p.index)
                .ok_or_else(|| format!("no partition of this disk starts at byte {offset:#x}"))
        }
        PartitionId::Other { style } => Err(format!("partition style {style} is not GPT or MBR")),
    }
}

/// True when partition `index`'s volume has `path` (a directory when `dir`).
fn partition_has(image: &Image, index: u32, path: &str, dir: bool) -> Result<bool, String> {
    let v = image.volume(index).map_err(|e| e.to_string())?;
    let fs = v.fs().map_err(|e| e.to_string())?;
    super::files::exists(&**fs, path, dir).map_err(|e| e.to_string())
}

/// Decodes and resolves one device element of `obj`.
pub fn device_fact(
    obj: &BcdObject,
    element: u32,
    role: BcdDeviceRole,
    want: Option<(&str, bool)>,
    targets: DeviceTargets<'_>,
) -> BcdDeviceFact {
    let mut f = BcdDeviceFact {
        role: Some(role),
        object: obj.guid.clone(),
        element: format!("{element:08X}"),
        ..BcdDeviceFact::default()
    };
    let raw = obj
        .element(element)
        .map(|e| super::hives::data_text(&e.value));
    let mut evidence = vec![element_ev(&obj.guid, element, raw)];
    let (resolution, reason) = match obj.device(element) {
        None => (
            DeviceResolution::Absent,
            format!("{} element {element:08X} absent", role.describe()),
        ),
        Some(Err(e)) => (
            DeviceResolution::Invalid,
            format!("{} cannot be decoded: {e}", role.describe()),
        ),
        Some(Ok(d)) => {
            f.device = Some(d.device.to_string());
            f.options = d.options.clone();
            match &d.device {
                Device::Boot => {
                    f.partition_index = targets.boot_index;
                    (
                        DeviceResolution::Boot,
                        format!(
                            "{} = boot: the partition the boot manager was loaded from",
                            role.describe()
                        ),
                    )
                }
                Device::Locate { .. } => (
                    DeviceResolution::Locate,
                    format!(
                        "{} = {}: found by searching the disks",
                        role.describe(),
                        d.device
                    ),
                ),
                Device::Partition(id) => match find_partition(targets.image.partitions(), id) {
                    Err(why) => (
                        DeviceResolution::Foreign,
                        format!(
                            "{} ({}) is not on this disk: {why}",
                            role.describe(),
                            d.device
                        ),
                    ),
                    Ok(index) => {
                        f.partition_index = Some(index);
                        if let Some(p) = targets
                            .image
                            .partitions()
                            .entries
                            .iter()
                            .find(|p| p.index == index)
                        {
                            evidence.push(super::container::entry_evidence(
                                targets.image.partitions(),
                                p,
                            ));
                        }
                        match want {
                            None => (
                                DeviceResolution::ThisDisk,
                                format!("{} is partition {index} of this disk", role.describe()),
                            ),
                            Some((path, dir)) => {
                                match partition_has(targets.image, index, path, dir) {
                                        Ok(true) => {
                                            evidence.push(Evidence::File {
                                                partition_index: Some(index),
                                                path: path.to_owned(),
                                                detail: Some("present".into()),
                                            });
                                            (
                                                DeviceResolution::ThisDisk,
                                                format!(
                                                    "{} is partition {index} of this disk, which holds {path}",
                                                    role.describe()
                                                ),
                                            )
                                        }
                                        Ok(false) => {
                                            evidence.push(Evidence::File {
                                                partition_index: Some(index),
                                                path: path.to_owned(),
                                                detail: Some("absent".into()),
                                            });
                                            (
                                                DeviceResolution::WrongPartition,
                                                format!(
                                                    "{} is partition {index} of this disk, which does not hold {path}",
                                                    role.describe()
                                                ),
                                            )
                                        }
                                        // Its contents are unreadable (BitLocker, a
                                        // corrupt volume: a problem of its own); the device
                                        // does name this disk.
                                        Err(e) => (
                                            DeviceResolution::ThisDisk,
                                            format!(
                                                "{} is partition {index} of this disk, whose files cannot be read to confirm {path}: {e}",
                                                role.describe()
                                            ),
                                        ),
                                    }
                            }
                        }
                    }
                },
                Device::Ramdisk { .. } | Device::VirtualDisk { .. } | Device::Other { .. } => (
                    DeviceResolution::Invalid,
                    format!(
                        "{} = {}: not a partition of this disk (Windows cannot boot from it here)",
                        role.describe(),
                        d.device
                    ),
                ),
            }
        }
    };
    f.resolution = Fact::decided(resolution, reason, evidence);
    f
}

/// The three devices: `{bootmgr}` device (must hold `manager_path`'s folder), the default loader's
/// device (must hold its ApplicationPath's folder) and osdevice (must hold its SystemRoot's
/// `System32`).
pub fn devices(
    bootmgr: Option<&BcdObject>,
    loader: &BcdObject,
    manager_path: &str,
    targets: DeviceTargets<'_>,
) -> Vec<BcdDeviceFact> {
    use vhdlint_registry::bcd_device::{ELEMENT_APPLICATION_DEVICE, ELEMENT_OS_DEVICE};
    let folder = |p: &str| {
        p.rsplit_once(['\\', '/'])
            .map(|(d, _)| d.to_owned())
            .filter(|d| !d.is_empty())
    };
    let mut out = Vec::new();
    if let Some(b) = bootmgr {
        let dir = folder(manager_path);
        out.push(device_fact(
            b,
            ELEMENT_APPLICATION_DEVICE,
            BcdDeviceRole::BootManagerDevice,
            dir.as_deref().map(|p| (p, true)),
            targets,
        ));
    }
    // The loader's folder, not the file: a missing loader is the boot-files rule's finding.
    let app_dir = loader.application_path().and_then(folder);
    out.push(device_fact(
        loader,
        ELEMENT_APPLICATION_DEVICE,
        BcdDeviceRole::LoaderDevice,
        app_dir.as_deref().map(|p| (p, true)),
        targets,
    ));
    let root = loader
        .string(ELEMENT_SYSTEM_ROOT)
        .unwrap_or(r"\Windows")
        .to_owned();
    let root = format!(r"{}\System32", root.trim_end_matches('\\'));
    out.push(device_fact(
        loader,
        ELEMENT_OS_DEVICE,
        BcdDeviceRole::LoaderOsDevice,
        Some((&root, true)),
        targets,
    ));
    out
}
