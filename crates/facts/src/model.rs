//! [`ImageFacts`]: everything vhdlint knows about one image, as the `inspect` JSON shows it.
//!
//! Field names serialize in camelCase and are a public contract (`inspect --format json`, and
//! `facts` inside `check` output): add fields, never rename them.

use serde::{Serialize, Serializer};

use crate::evidence::{Evidence, Fact};
use crate::identity::{os_identity, EditionClass, OsFamily, OsInputs};

/// One mebibyte: Azure wants the virtual size of an uploaded VHD to be a whole number of these.
pub const MIB: u64 = 1024 * 1024;
/// One gibibyte (`sizeInGB` and `--max-os-disk-gb` count these).
pub const GIB: u64 = 1024 * MIB;
/// Size of the VHD footer that follows the data of a fixed VHD.
pub const VHD_FOOTER_SIZE: u64 = 512;

/// The `ImageState` value of an image generalized for OOBE (windows-image-facts §3.1).
pub const IMAGE_STATE_GENERALIZED_OOBE: &str = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";

/// `SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State` `ImageState` (and `State.ini`'s
/// `ImageState=`): the Windows Setup state (windows-image-facts §3; "Windows Setup States").
/// Serialized as the registry text (`IMAGE_STATE_COMPLETE`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImageState {
    /// `IMAGE_STATE_COMPLETE`: booted and specialized (or never generalized).
    Complete,
    /// `IMAGE_STATE_UNDEPLOYABLE`: the state while Setup runs; not deployable.
    Undeployable,
    /// `IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE`: generalized, boots to OOBE (what provisioning
    /// needs).
    GeneralizeResealToOobe,
    /// `IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE`: specialized, boots to OOBE.
    SpecializeResealToOobe,
    /// `IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT`: generalized, boots to audit mode.
    GeneralizeResealToAudit,
    /// `IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT`: specialized, boots to audit mode.
    SpecializeResealToAudit,
    /// Any other text, as written (trimmed).
    Other(String),
}

impl ImageState {
    const NAMED: [(ImageState, &'static str); 6] = [
        (ImageState::Complete, "IMAGE_STATE_COMPLETE"),
        (ImageState::Undeployable, "IMAGE_STATE_UNDEPLOYABLE"),
        (
            ImageState::GeneralizeResealToOobe,
            IMAGE_STATE_GENERALIZED_OOBE,
        ),
        (
            ImageState::SpecializeResealToOobe,
            "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE",
        ),
        (
            ImageState::GeneralizeResealToAudit,
            "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT",
        ),
        (
            ImageState::SpecializeResealToAudit,
            "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT",
        ),
    ];

    /// The state a registry or `State.ini` text names (trimmed; exact, as Setup writes it).
    pub fn parse(text: &str) -> ImageState {
        let text = text.trim();
        Self::NAMED
            .into_iter()
            .find(|(_, name)| *name == text)
            .map_or_else(|| ImageState::Other(text.to_owned()), |(state, _)| state)
    }

    /// The registry text (`IMAGE_STATE_COMPLETE`).
    pub fn as_str(&self) -> &str {
        match self {
            ImageState::Other(text) => text,
            named => Self::NAMED
                .iter()
                .find(|(state, _)| state == named)
                .map_or("", |(_, name)| name),
        }
    }

    /// Generalized for OOBE, as provisioning needs.
    pub fn is_generalized_for_oobe(&self) -> bool {
        *self == ImageState::GeneralizeResealToOobe
    }
}

impl std::fmt::Display for ImageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ImageState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Everything gathered from one image. Sections the gatherer could not reach are `None`, and the
/// reason is in [`ImageFacts::problems`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageFacts {
    /// The virtual-disk container (VHD, VHDX, raw).
    pub container: Option<ContainerFacts>,
    /// The partition table.
    pub partitions: Option<PartitionFacts>,
    /// Gen1 (BIOS/MBR) or Gen2 (UEFI/GPT), and why.
    pub generation: GenerationFact,
    /// Boot configuration (BCD, ESP).
    pub boot: Option<BootFacts>,
    /// The Windows installation, when one was found and its hives could be read.
    pub windows: Option<WindowsFacts>,
    /// Why (part of) the image could not be read.
    pub problems: Vec<Problem>,
    /// The file is a disk format vhdlint does not read (qcow2, VMDK, an ISO, a compressed or
    /// archived image…): which one, and how to convert it. Omitted when the file is raw, VHD or
    /// VHDX.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_format: Option<Fact<ForeignFormat>>,
    /// Security facts (`vhdlint audit` only; omitted when not gathered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::audit::AuditFacts>,
}

// ---------------------------------------------------------------------------------------------
// Container

/// The container format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerFormat {
    /// A raw disk image (no container).
    #[default]
    Raw,
    /// VHD (Virtual Hard Disk v1, footer cookie `conectix`).
    Vhd,
    /// VHDX (MS-VHDX, signature `vhdxfile`).
    Vhdx,
}

/// The container's allocation type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiskType {
    /// Every block allocated (VHD disk type 2; VHDX LeaveBlockAllocated; raw).
    #[default]
    Fixed,
    /// Sparse (VHD disk type 3; VHDX without LeaveBlockAllocated).
    Dynamic,
    /// Needs a parent (VHD disk type 4; VHDX HasParent).
    Differencing,
}

/// A disk format vhdlint recognises but does not read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignFormat {
    /// Stable id (`qcow2`, `vmdk`, `iso9660`, `gzip`…).
    pub id: String,
    /// What it is, for people (`a qcow2 (QEMU copy-on-write) disk image`).
    pub name: String,
    /// What to do: the conversion command (`qemu-img convert … -O vpc -o
    /// subformat=fixed,force_size …`), or "decompress first".
    pub conversion: String,
}

/// The image file is shorter than its own structures say: the bytes past the end were lost
/// (an interrupted copy or download).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// What says the disk is longer (`partition 3`, `backup GPT header`, `VHDX BAT`, `VHD footer`).
    pub structure: String,
    /// The size in bytes that structure needs (of the virtual disk, or of the file for container
    /// structures).
    pub expected_size: u64,
    /// The size there is, in the same terms.
    pub actual_size: u64,
    /// What was found, for people.
    pub message: String,
    /// The field or entry that says so.
    pub evidence: Vec<Evidence>,
}

/// One anomaly the container reader tolerated (its stable code and message).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDiagnostic {
    /// Stable code, as the container crate names it.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// File offset, if the diagnostic has one.
    pub offset: Option<u64>,
}

/// The container summary.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerFacts {
    /// `raw`, `vhd` or `vhdx`.
    pub format: Fact<ContainerFormat>,
    /// `fixed`, `dynamic` or `differencing`.
    pub disk_type: Fact<DiskType>,
    /// Virtual disk size in bytes.
    pub virtual_size: Fact<u64>,
    /// Container file size in bytes.
    pub file_size: Fact<u64>,
    /// Logical sector size in bytes (512 or 4096).
    pub logical_sector_size: Fact<u32>,
    /// Anomalies the reader tolerated.
    pub diagnostics: Vec<ContainerDiagnostic>,
    /// Where the file ends before its container or partition table says it does (empty when
    /// the image is whole).
    pub truncated: Vec<Truncation>,
}

impl ContainerFacts {
    /// True when the image is what Azure upload takes as is: a fixed VHD whose virtual size is a
    /// whole number of MiB and whose file is exactly the data plus the 512-byte footer
    /// (windows-image-facts §10).
    pub fn is_upload_ready_vhd(&self) -> bool {
        self.format.value == ContainerFormat::Vhd
            && self.disk_type.value == DiskType::Fixed
            && self.virtual_size.value % MIB == 0
            && self.virtual_size.value.checked_add(VHD_FOOTER_SIZE) == Some(self.file_size.value)
    }

    /// The virtual size rounded up to whole GiB (Graph `sizeInGB`).
    pub fn size_in_gib_rounded_up(&self) -> u64 {
        self.virtual_size.value.div_ceil(GIB)
    }
}

// ---------------------------------------------------------------------------------------------
// Partitions

/// The partitioning scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PartitionScheme {
    /// GUID partition table (with a protective MBR).
    Gpt,
    /// Master boot record.
    Mbr,
    /// No partition table (a superfloppy or an empty disk).
    #[default]
    None,
}

/// What a partition's type identifier says it is (windows-image-facts §6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PartitionKind {
    /// EFI system partition (GPT C12A7328-…, MBR 0xEF).
    EfiSystem,
    /// Microsoft reserved partition (GPT E3C9E316-…).
    MicrosoftReserved,
    /// Basic data (GPT EBD0A0A2-…, MBR 0x07 and the FAT ids).
    BasicData,
    /// Windows recovery environment (GPT DE94BBA4-…, MBR 0x27).
    WindowsRecovery,
    /// Logical Disk Manager metadata (GPT 5808C8AA-…).
    LdmMetadata,
    /// Logical Disk Manager data (GPT AF9B60A0-…, MBR 0x42).
    LdmData,
    /// Storage Spaces (GPT E75CAF8F-…).
    StorageSpaces,
    /// BIOS boot partition (GPT 21686148-…, GRUB).
    BiosBoot,
    /// A Linux partition.
    Linux,
    /// Anything else.
    #[default]
    Unknown,
}

/// One partition table entry.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionEntry {
    /// 1-based index in the table.
    pub index: u32,
    /// What the type identifier says.
    pub kind: PartitionKind,
    /// GPT partition type GUID (upper-case text), or `None` on MBR.
    pub type_guid: Option<String>,
    /// MBR partition type byte, or `None` on GPT.
    pub mbr_type: Option<u8>,
    /// First byte of the partition within the virtual disk.
    pub start_offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// MBR active (boot) flag; always `false` on GPT.
    pub active: bool,
    /// The table entry this came from.
    pub evidence: Vec<Evidence>,
}

/// The partition table.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionFacts {
    /// `gpt`, `mbr` or `none`.
    pub scheme: Fact<PartitionScheme>,
    /// The entries in table order.
    pub entries: Vec<PartitionEntry>,
    /// Anomalies the partition-table reader tolerated (same shape as the container's).
    pub diagnostics: Vec<ContainerDiagnostic>,
}

// ---------------------------------------------------------------------------------------------
// Generation and boot

/// The Hyper-V/Azure VM generation an image boots as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// Generation 1: BIOS, MBR, `bootmgr` + `winload.exe`.
    Gen1,
    /// Generation 2: UEFI, GPT, ESP with `bootmgfw.efi` + `winload.efi`.
    Gen2,
}

impl Generation {
    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            Generation::Gen1 => 1,
            Generation::Gen2 => 2,
        }
    }
}

/// Serialized as the number 1 or 2.
impl Serialize for Generation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

/// `generation`: `{"value": 1 | 2 | null, "reason": "…", "evidence": […]}`: 1, 2, or `None`
/// when no boot path was recognized; why (`GPT, ESP partition 1 has
/// \EFI\Microsoft\Boot\bootmgfw.efi, loader winload.efi`); the partition entries, ESP files and
/// BCD elements behind the decision.
pub type GenerationFact = Fact<Option<Generation>, String>;

/// Boot configuration read from the BCD store and the ESP.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootFacts {
    /// ApplicationPath (element 0x12000002) of the {bootmgr} default loader
    /// (`\Windows\system32\winload.efi`).
    pub default_application_path: Fact<Option<String>>,
    /// `testsigning` (AllowPrereleaseSignatures, 0x16000049) on the default loader.
    pub testsigning: Fact<Option<bool>>,
    /// `nointegritychecks` (DisableIntegrityChecks, 0x16000048) on the default loader.
    pub nointegritychecks: Fact<Option<bool>>,
    /// The ESP holds `\EFI\Microsoft\Boot\bootmgfw.efi` (`None` without an ESP).
    pub esp_has_bootmgfw: Fact<Option<bool>>,
    /// `debug` (KernelDebuggerEnabled, 0x260000A0) on the default loader.
    pub debug: Fact<Option<bool>>,
    /// `bootdebug` (DebuggerEnabled, 0x16000010) on the default loader or `{bootmgr}`.
    pub bootdebug: Fact<Option<bool>>,
    /// The `{bootmgr}` `device` and the default loader's `device` and `osdevice`, decoded and
    /// resolved against this disk's partitions.
    pub devices: Vec<crate::boot_chain::BcdDeviceFact>,
    /// The UEFI boot manager's PE headers and signature (`None` on BIOS / without the file).
    pub boot_manager: Option<crate::boot_chain::BootManagerFacts>,
}

// ---------------------------------------------------------------------------------------------
// Windows

/// Reserved storage state (`SOFTWARE\Microsoft\Windows\CurrentVersion\ReserveManager`
/// `ShippedWithReserves`, windows-image-facts §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReservedStorage {
    /// `ShippedWithReserves` = 1.
    Enabled,
    /// `ShippedWithReserves` = 0.
    Disabled,
    /// Absent or another value.
    #[default]
    Unknown,
}

/// A stale answer file that Windows Setup would find before Azure's provisioning ISO
/// (windows-image-facts §8), or the `SYSTEM\Setup` `UnattendFile` value pointing at one.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerFile {
    /// Path in the Windows volume (`\Windows\Panther\unattend.xml`).
    pub path: String,
    /// The `ComputerName` its `specialize` pass sets, when it sets one other than `*`.
    pub computer_name: Option<String>,
    /// The file (and the registry value that named it, if any).
    pub evidence: Vec<Evidence>,
}

/// One registry hive file as opened.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HiveFacts {
    /// `SYSTEM`, `SOFTWARE`, `SECURITY`, `BCD`, …
    pub name: String,
    /// The primary file's base block says the hive needs recovery (sequence mismatch or bad
    /// checksum).
    pub dirty: bool,
    /// `.LOG1`/`.LOG2` were replayed (in memory) so values come from the recovered view.
    pub logs_replayed: bool,
    /// The hive file and its logs.
    pub evidence: Vec<Evidence>,
}

/// The Windows installation.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsFacts {
    /// `\Windows`.
    pub system_root: Fact<String>,
    /// Index of the partition holding it.
    pub partition_index: Fact<u32>,
    /// `ProductName` as written (still "Windows 10 …" on Windows 11).
    pub product_name: Fact<Option<String>>,
    /// The corrected marketing name ("Windows 11 Enterprise"), from [`os_identity`].
    pub os_name: Fact<Option<String>>,
    /// `EditionID` (authoritative; never `CompositionEditionID`).
    pub edition_id: Fact<Option<String>>,
    /// `InstallationType`: `Client`, `Server`, `Server Core`.
    pub installation_type: Fact<Option<String>>,
    /// `SYSTEM\ControlSetNNN\Control\ProductOptions` `ProductType`: `WinNT`, `ServerNT`,
    /// `LanmanNT`.
    pub product_type: Fact<Option<String>>,
    /// `CurrentMajorVersionNumber` (10 on Windows 10, 11 and Server 2016+).
    pub major_version: Fact<Option<u32>>,
    /// `CurrentMinorVersionNumber`.
    pub minor_version: Fact<Option<u32>>,
    /// `CurrentVersion` ("6.3", frozen on 10+; used only when the major number is absent).
    pub current_version: Fact<Option<String>>,
    /// `CurrentBuildNumber` as an integer.
    pub current_build: Fact<Option<u32>>,
    /// `UBR` (update build revision).
    pub ubr: Fact<Option<u32>>,
    /// `DisplayVersion` ("23H2"), from 20H2 on.
    pub display_version: Fact<Option<String>>,
    /// `ReleaseId` ("1909"; frozen at "2009" from 20H2 on).
    pub release_id: Fact<Option<String>>,
    /// "10.0.22631.4460", from [`os_identity`].
    pub version: Fact<Option<String>>,
    /// The version label ("23H2"), from [`os_identity`]: Graph's `osBuildNumber`.
    pub version_label: Fact<Option<String>>,
    /// Enterprise multi-session (`EditionID` `ServerRdsh`), from [`os_identity`].
    pub multi_session: Fact<bool>,
    /// Windows 10, Windows 11, Server, older or unknown, from [`os_identity`] (client vs server
    /// decided before the build).
    pub os_family: Fact<OsFamily>,
    /// The edition class of `EditionID`, from [`os_identity`] (with `EditionID`'s evidence).
    pub edition_class: Fact<EditionClass>,
    /// How [`os_identity`] decided (`NT 10.0 build 22631 >= 22000 on a client: Windows 11`), one
    /// line each; the identity facts carry them joined as derived evidence.
    pub identity_notes: Vec<String>,
    /// `SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State` `ImageState`.
    pub image_state: Fact<Option<ImageState>>,
    /// Generalized for OOBE: `ImageState` is [`IMAGE_STATE_GENERALIZED_OOBE`] (with
    /// `State.ini` and `Sysprep_succeeded.tag` as further evidence).
    pub generalized: Fact<bool>,
    /// A device Entra (Azure AD) join: `CloudDomainJoin\JoinInfo\<thumbprint>`.
    pub azure_ad_joined: Fact<bool>,
    /// AADLoginForWindows residue: `CDJ` `AzureVm*` values or the extension's `Packages\Plugins`
    /// folder.
    pub aad_login_for_windows: Fact<bool>,
    /// Active Directory domain join (`SECURITY\Policy\PolPrDmS`).
    pub domain_joined: Fact<bool>,
    /// A real MDM enrolment (not one of the stub `Enrollments` subkeys Windows ships).
    pub mdm_enrolled: Fact<bool>,
    /// Reserved storage.
    pub reserved_storage: Fact<ReservedStorage>,
    /// `Control\ComputerName\ComputerName` `ComputerName` (informational).
    pub computer_name: Fact<Option<String>>,
    /// The resolved control set (`ControlSet001`), from `SYSTEM\Select`.
    pub control_set: Fact<Option<String>>,
    /// Stale answer files.
    pub answer_files: Vec<AnswerFile>,
    /// `Services\cdrom` `Start` = 4: the provisioning ISO is unreachable.
    pub cdrom_disabled: Fact<bool>,
    /// Loader, kernel and HAL files, the architecture, the Hyper-V boot-critical drivers.
    pub kernel: crate::boot_chain::KernelFacts,
    /// The hives opened.
    pub hives: Vec<HiveFacts>,
    /// Clean state, refused software and reachability (issue 14 items 5–14).
    pub provision: crate::provision::ProvisionFacts,
}

impl WindowsFacts {
    /// The inputs of [`os_identity`], taken from this installation's registry facts.
    pub fn os_inputs(&self) -> OsInputs<'_> {
        OsInputs {
            product_name: self.product_name.value.as_deref(),
            edition_id: self.edition_id.value.as_deref(),
            installation_type: self.installation_type.value.as_deref(),
            product_type: self.product_type.value.as_deref(),
            major: self.major_version.value,
            minor: self.minor_version.value,
            current_version: self.current_version.value.as_deref(),
            build: self.current_build.value,
            ubr: self.ubr.value,
            display_version: self.display_version.value.as_deref(),
            release_id: self.release_id.value.as_deref(),
        }
    }

    /// A Windows 10 or 11 client (by [`WindowsFacts::os_family`]).
    pub fn is_client(&self) -> bool {
        matches!(
            self.os_family.value,
            OsFamily::Windows10 | OsFamily::Windows11
        )
    }

    /// Evidence of every registry value [`os_identity`] reads.
    pub fn identity_evidence(&self) -> Vec<Evidence> {
        [
            &self.product_name.evidence,
            &self.edition_id.evidence,
            &self.installation_type.evidence,
            &self.product_type.evidence,
            &self.major_version.evidence,
            &self.current_build.evidence,
            &self.ubr.evidence,
            &self.display_version.evidence,
            &self.release_id.evidence,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    /// Decides the OS identity once, from the raw registry facts, and stores it:
    /// [`WindowsFacts::os_name`], [`WindowsFacts::version`], [`WindowsFacts::version_label`],
    /// [`WindowsFacts::multi_session`], [`WindowsFacts::os_family`] and
    /// [`WindowsFacts::edition_class`], each with the registry evidence plus the decision as
    /// [`Evidence::Derived`] (the edition class: `EditionID`'s), and
    /// [`WindowsFacts::identity_notes`]. Call it again after changing
    /// a raw registry fact.
    pub fn fill_identity(&mut self) {
        let id = os_identity(&self.os_inputs());
        let registry = self.identity_evidence();
        let with = |reason: String| {
            let mut e = registry.clone();
            e.push(Evidence::derived(reason));
            e
        };
        let notes = id.notes.join("; ");
        self.os_name = Fact::with_evidence(id.os_name.clone(), with(notes.clone()));
        self.version = Fact::with_evidence(id.version.clone(), with(notes.clone()));
        self.version_label = Fact::with_evidence(id.version_label.clone(), with(notes.clone()));
        self.multi_session = Fact::with_evidence(id.multi_session, with(notes.clone()));
        self.os_family = Fact::with_evidence(id.family, with(notes));
        // The edition class is `EditionID`'s alone.
        self.edition_class = Fact::with_evidence(id.edition, self.edition_id.evidence.clone());
        self.identity_notes = id.notes;
    }
}

// ---------------------------------------------------------------------------------------------
// Problems

/// What kept (part of) the image from being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// The container is corrupt, truncated, unrecognized, or a differencing disk without its
    /// parent.
    Container,
    /// The partition table is corrupt.
    PartitionTable,
    /// The Windows (NTFS) or EFI (FAT) file system is corrupt.
    Filesystem,
    /// A registry hive Windows needs is corrupt (bad `regf` magic, broken root cell).
    Hive,
    /// A volume is BitLocker-encrypted (`-FVE-FS-`).
    BitLocker,
    /// No volume holds a Windows installation.
    NoWindowsVolume,
    /// No boot path was recognized (neither Gen2 nor Gen1).
    NotBootable,
    /// The disk is blank: no partition table, and its first sector is all zeros (a new, never
    /// written disk).
    BlankDisk,
    /// A partition (or the bare disk) holds no file system: its boot sector is all zeros.
    Unformatted,
}

/// Why (part of) the image could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The class of problem.
    pub kind: ProblemKind,
    /// The full message (the reader's error chain).
    pub message: String,
    /// Where it happened.
    pub evidence: Vec<Evidence>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ready_vhd_needs_fixed_vhd_mib_size_and_footer() {
        let mut c = ContainerFacts {
            format: Fact::bare(ContainerFormat::Vhd),
            disk_type: Fact::bare(DiskType::Fixed),
            virtual_size: Fact::bare(64 * GIB),
            file_size: Fact::bare(64 * GIB + 512),
            logical_sector_size: Fact::bare(512),
            diagnostics: vec![],
            truncated: vec![],
        };
        assert!(c.is_upload_ready_vhd());
        c.virtual_size.value = 64 * GIB - 512;
        c.file_size.value = 64 * GIB;
        assert!(!c.is_upload_ready_vhd(), "not MiB aligned");
        c.virtual_size.value = 64 * GIB;
        c.file_size.value = 64 * GIB + 1024;
        assert!(!c.is_upload_ready_vhd(), "file is not data + footer");
        c.file_size.value = 64 * GIB + 512;
        c.disk_type.value = DiskType::Dynamic;
        assert!(!c.is_upload_ready_vhd());
        c.disk_type.value = DiskType::Fixed;
        c.format.value = ContainerFormat::Vhdx;
        assert!(!c.is_upload_ready_vhd());
    }

    #[test]
    fn image_states_parse_from_and_serialize_as_the_registry_text() {
        for text in [
            "IMAGE_STATE_COMPLETE",
            "IMAGE_STATE_UNDEPLOYABLE",
            "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE",
            "IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE",
            "IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT",
            "IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT",
        ] {
            let state = ImageState::parse(&format!(" {text}\t"));
            assert!(!matches!(state, ImageState::Other(_)), "{text}");
            assert_eq!(state.as_str(), text);
            assert_eq!(serde_json::to_value(&state).unwrap(), text);
        }
        assert!(ImageState::parse(IMAGE_STATE_GENERALIZED_OOBE).is_generalized_for_oobe());
        assert!(!ImageState::parse("IMAGE_STATE_COMPLETE").is_generalized_for_oobe());
        // Setup writes upper case; anything else is kept as written, never guessed.
        let odd = ImageState::parse("image_state_complete");
        assert_eq!(odd, ImageState::Other("image_state_complete".into()));
        assert_eq!(serde_json::to_value(&odd).unwrap(), "image_state_complete");
    }

    #[test]
    fn generation_keeps_its_reason_and_plain_facts_have_none() {
        let g = GenerationFact::decided(Some(Generation::Gen1), "MBR, bootmgr", vec![]);
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"value":1,"reason":"MBR, bootmgr","evidence":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&GenerationFact::default()).unwrap(),
            r#"{"value":null,"reason":"","evidence":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&Fact::bare(7u32)).unwrap(),
            r#"{"value":7,"evidence":[]}"#
        );
    }

    #[test]
    fn identity_is_stored_once_and_follows_the_registry_facts() {
        let mut w = WindowsFacts {
            product_name: Fact::bare(Some("Windows 10 Enterprise multi-session".into())),
            edition_id: Fact::bare(Some("ServerRdsh".into())),
            product_type: Fact::bare(Some("ServerNT".into())),
            major_version: Fact::bare(Some(10)),
            current_build: Fact::bare(Some(22631)),
            ..WindowsFacts::default()
        };
        assert_eq!(w.os_family.value, OsFamily::Unknown, "nothing decided yet");
        w.fill_identity();
        assert_eq!(w.os_family.value, OsFamily::Windows11);
        assert!(
            w.is_client(),
            "ServerRdsh is a client despite ProductType ServerNT"
        );
        assert_eq!(w.edition_class.value, EditionClass::MultiSession);
        assert!(w.multi_session.value);
        assert_eq!(
            w.os_name.value.as_deref(),
            Some("Windows 11 Enterprise multi-session")
        );
        assert!(w.identity_notes.iter().any(|n| n.contains("multi-session")));
        // Every identity fact carries the decision as derived evidence.
        let derived = Evidence::derived(w.identity_notes.join("; "));
        assert!(w.os_family.evidence.contains(&derived));
        assert!(w.os_name.evidence.contains(&derived));
    }

    #[test]
    fn size_rounds_up_to_whole_gib() {
        let mut c = ContainerFacts::default();
        c.virtual_size.value = 64 * GIB;
        assert_eq!(c.size_in_gib_rounded_up(), 64);
        c.virtual_size.value = 64 * GIB + 1;
        assert_eq!(c.size_in_gib_rounded_up(), 65);
    }

    #[test]
    fn facts_serialize_with_the_issue_names() {
        let mut w = WindowsFacts {
            current_build: Fact::bare(Some(22631)),
            edition_id: Fact::bare(Some("Enterprise".into())),
            major_version: Fact::bare(Some(10)),
            ubr: Fact::bare(Some(4460)),
            display_version: Fact::bare(Some("23H2".into())),
            installation_type: Fact::bare(Some("Client".into())),
            ..WindowsFacts::default()
        };
        w.fill_identity();
        let facts = ImageFacts {
            generation: GenerationFact::decided(Some(Generation::Gen2), "GPT + ESP", vec![]),
            windows: Some(w),
            ..ImageFacts::default()
        };
        let json = serde_json::to_value(&facts).unwrap();
        assert_eq!(json["generation"]["value"], 2);
        let w = &json["windows"];
        for key in [
            "systemRoot",
            "partitionIndex",
            "productName",
            "osName",
            "editionId",
            "installationType",
            "currentBuild",
            "ubr",
            "displayVersion",
            "releaseId",
            "version",
            "multiSession",
            "osFamily",
            "editionClass",
            "identityNotes",
            "imageState",
            "generalized",
            "azureAdJoined",
            "domainJoined",
            "mdmEnrolled",
            "reservedStorage",
            "computerName",
            "controlSet",
            "answerFiles",
            "hives",
        ] {
            assert!(w.get(key).is_some(), "windows.{key} missing");
        }
        assert_eq!(w["currentBuild"]["value"], 22631);
        assert_eq!(w["osName"]["value"], "Windows 11 Enterprise");
        assert_eq!(w["version"]["value"], "10.0.22631.4460");
        assert_eq!(w["reservedStorage"]["value"], "unknown");
        assert_eq!(w["osFamily"]["value"], "windows11");
        assert_eq!(w["editionClass"]["value"], "enterprise");
        assert_eq!(
            serde_json::to_value(PartitionKind::WindowsRecovery).unwrap(),
            "windowsRecovery"
        );
        assert_eq!(
            serde_json::to_value(PartitionKind::EfiSystem).unwrap(),
            "efiSystem"
        );
        assert_eq!(
            serde_json::to_value(ProblemKind::BitLocker).unwrap(),
            "bitLocker"
        );
    }
}
