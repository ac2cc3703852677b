//! Boot-chain facts (issue 14, items 1–4; windows-image-facts §7.3, §14.1, §14.2, §14.7): the
//! BCD devices resolved against this disk, the loader / kernel / HAL files and their PE
//! machine, the boot manager's PE headers and Authenticode signer, and the Hyper-V
//! boot-critical drivers of the resolved control set.
//!
//! Field names serialize in camelCase and are a public contract (extend, never rename).

use serde::Serialize;

use crate::evidence::{Evidence, Fact};

/// Which device element of which BCD object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum BcdDeviceRole {
    /// `{bootmgr}` `device` (11000001): where the boot manager lives.
    BootManagerDevice,
    /// The default loader's `device` (11000001): where `winload` lives.
    LoaderDevice,
    /// The default loader's `osdevice` (21000001): the partition holding `\Windows`.
    LoaderOsDevice,
}

impl BcdDeviceRole {
    /// `bcdedit`'s name of the element (`device`, `osdevice`) with the object.
    pub fn describe(self) -> &'static str {
        match self {
            BcdDeviceRole::BootManagerDevice => "{bootmgr} device",
            BcdDeviceRole::LoaderDevice => "default loader device",
            BcdDeviceRole::LoaderOsDevice => "default loader osdevice",
        }
    }
}

/// How a BCD device resolved against this disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeviceResolution {
    /// A partition of this disk (the right one for the role).
    ThisDisk,
    /// `boot`: the partition the boot manager was loaded from (accepted).
    Boot,
    /// `locate`: found by searching the disks for a path (accepted).
    Locate,
    /// A partition of another disk (disk GUID / signature differs), or no partition of this
    /// disk has that GUID / offset.
    Foreign,
    /// A partition of this disk, but not the one the role needs (`osdevice` must hold
    /// `\Windows`).
    WrongPartition,
    /// The element is absent.
    #[default]
    Absent,
    /// The element could not be decoded, or names a device form that cannot boot this disk.
    Invalid,
}

impl DeviceResolution {
    /// The device will not boot this disk (the VM stops at 0xc000000e).
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            DeviceResolution::Foreign
                | DeviceResolution::WrongPartition
                | DeviceResolution::Invalid
        )
    }
}

/// One BCD device element, decoded and resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BcdDeviceFact {
    /// Which element.
    pub role: Option<BcdDeviceRole>,
    /// The BCD object (braced GUID).
    pub object: String,
    /// The element type (`11000001`).
    pub element: String,
    /// The decoded device, `bcdedit`-like (`partition=gpt disk {…} partition {…}`, `boot`).
    pub device: Option<String>,
    /// The options object the element names, if any.
    pub options: Option<String>,
    /// The partition of this disk it resolves to (1-based index), if any.
    pub partition_index: Option<u32>,
    /// The resolution, why, and the element and partition entry behind it.
    pub resolution: Fact<DeviceResolution, String>,
}

/// A PE file looked at (headers only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeFileFact {
    /// Path in its volume (`\Windows\System32\ntoskrnl.exe`).
    pub path: String,
    /// Partition holding the volume.
    pub partition_index: Option<u32>,
    /// The file exists.
    pub present: bool,
    /// COFF machine as `PROCESSOR_ARCHITECTURE` names it (`AMD64`, `ARM64`, `x86`, `ARM`) or
    /// `0x….` for others; `None` when absent or not a PE.
    pub machine: Option<String>,
    /// PE32+ (64-bit optional header).
    pub pe32_plus: Option<bool>,
    /// Optional-header subsystem (10 = EFI application, 1 = native).
    pub subsystem: Option<u16>,
    /// Why the headers could not be read, when present but not a PE.
    pub error: Option<String>,
    /// The file (with what was seen).
    pub evidence: Vec<Evidence>,
}

impl PeFileFact {
    /// A PE32+ EFI application (subsystem 10).
    pub fn is_efi_application_64(&self) -> bool {
        self.pe32_plus == Some(true) && self.subsystem == Some(10)
    }
}

/// One certificate of a signature's chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateFact {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
}

/// The boot manager's Authenticode state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SignatureStatus {
    /// Signed, and the chain reaches a CA of the default Secure Boot `db`.
    Trusted,
    /// Signed, but by a chain that reaches no `db` CA.
    UnknownSigner,
    /// No security directory / no PKCS#7 certificate.
    Unsigned,
    /// The certificate table or the PKCS#7 could not be parsed.
    Invalid,
    /// The file is absent or not a PE (nothing to judge).
    #[default]
    NotRead,
}

/// `bootmgfw.efi`'s signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootSignatureFact {
    /// The verdict.
    pub status: SignatureStatus,
    /// The signer's subject.
    pub signer: Option<String>,
    /// The chain from the signer upwards (signer first), as far as the embedded certificates go.
    pub chain: Vec<CertificateFact>,
    /// The default-`db` CA the chain reaches (`Microsoft Corporation UEFI CA 2011`).
    pub anchor: Option<String>,
    /// The signer's digest algorithm OID.
    pub digest_algorithm: Option<String>,
    /// Why the signature could not be read, if so.
    pub error: Option<String>,
    /// The file and its security directory.
    pub evidence: Vec<Evidence>,
}

/// The UEFI boot manager on the ESP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootManagerFacts {
    /// `\EFI\Microsoft\Boot\bootmgfw.efi`: headers.
    pub file: PeFileFact,
    /// Its Authenticode signature.
    pub signature: BootSignatureFact,
}

/// One boot-critical driver's service key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootDriverFact {
    /// Service name (`storvsc`).
    pub name: String,
    /// `Services\<name>` exists.
    pub present: bool,
    /// `Start` (0 boot … 4 disabled).
    pub start: Option<u32>,
    /// `StartOverride\0`, when present (windows-image-facts §14.2: the effective start type).
    pub start_override: Option<u32>,
    /// The key and values read.
    pub evidence: Vec<Evidence>,
}

impl BootDriverFact {
    /// The effective start type: `StartOverride` when present, else `Start`.
    pub fn effective_start(&self) -> Option<u32> {
        self.start_override.or(self.start)
    }

    /// Disabled (effective start 4).
    pub fn disabled(&self) -> bool {
        self.present && self.effective_start() == Some(4)
    }
}

/// What the Windows volume and SYSTEM hive say about the kernel side of the boot chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KernelFacts {
    /// `winload.efi`, `winload.exe`, `ntoskrnl.exe`, `hal.dll` under `\Windows\System32`.
    pub files: Vec<PeFileFact>,
    /// The image's architecture: `ntoskrnl.exe`'s PE machine (`AMD64`, `ARM64`, …).
    pub architecture: Fact<Option<String>>,
    /// `<CS>\Control\Session Manager\Environment` `PROCESSOR_ARCHITECTURE`.
    pub processor_architecture: Fact<Option<String>>,
    /// The Hyper-V boot-critical drivers (and `netvsc`) in the resolved control set.
    pub boot_drivers: Vec<BootDriverFact>,
}

impl KernelFacts {
    /// The file named `name` (case-insensitive file name).
    pub fn file(&self, name: &str) -> Option<&PeFileFact> {
        self.files.iter().find(|f| {
            f.path
                .rsplit('\\')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}
