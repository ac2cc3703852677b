//! Every rule, declared once: the [`RULES`] table and its [`RuleId`]s.
//!
//! A rule is one entry of the `rules!` table below: its documentation (what it checks, why, the
//! Graph code, references), its [`RuleId`] variant and stable id, name, title, [`RuleKind`]
//! (levels per profile and Graph code), message, remediation, references, and its `hits`
//! function. The helpers at the end ([`windows`], [`container`], [`flag`], …) absorb the
//! guards every rule would repeat. Adding a rule is adding an entry (plus its fixture and test).
//!
//! Ids are grouped by area: `VL01xx` container and image, `VL02xx` partitions and boot,
//! `VL03xx` OS identity and servicing, `VL04xx` generalization, `VL05xx` join and enrolment,
//! `VL06xx` VM-name customization, `VL07xx` registry and storage hygiene, `VL08xx` boot chain, `VL09xx` clean state
//! (pending servicing, dirty volume, hibernation, sysprep logs), `VL10xx` software the services
//! refuse and reachability, `VS00xx` the security audit. An id is never reused;
//! a retired rule's id moves to [`RETIRED_IDS`].
//!
//! Requirement sources are cited per rule; `windows-image-facts` is
//! `../shared/docs/windows-image-facts.md`.

use vhdlint_facts::{
    ContainerFacts, ContainerFormat, DiskType, EditionClass, Evidence, Fact, Generation,
    ImageFacts, ImageState, OsFamily, PartitionFacts, PartitionKind, ProblemKind, ReservedStorage,
    SignatureStatus, SysprepOutcome, WindowsFacts, FIRST_WINDOWS_11_BUILD, GIB,
    IMAGE_STATE_GENERALIZED_OOBE, MIB, VHD_FOOTER_SIZE,
};

use crate::evaluate::os_servicing;
use crate::graph::{GraphErrorCode, OsStatus};
use crate::rule::{AuditSeverity, Hit, Level, Levels, Profile, Rule, RuleKind};

const W365_DOC: &str = "https://learn.microsoft.com/windows-365/enterprise/device-images";
const DEVBOX_DOC: &str =
    "https://learn.microsoft.com/azure/dev-box/how-to-configure-azure-compute-gallery";
const AVD_DOC: &str = "https://learn.microsoft.com/azure/virtual-desktop/set-up-golden-image";
const PREPARE_VHD_DOC: &str =
    "https://learn.microsoft.com/azure/virtual-machines/windows/prepare-for-upload-vhd-image";
const GRAPH_DOC: &str = "https://learn.microsoft.com/graph/api/resources/cloudpcdeviceimage";
const UNATTEND_DOC: &str =
    "https://learn.microsoft.com/windows-hardware/manufacture/desktop/wsim/hide-sensitive-data-in-an-answer-file";
const AUTOLOGON_DOC: &str =
    "https://learn.microsoft.com/troubleshoot/windows-server/user-profiles-and-logon/turn-on-automatic-logon";
const LSA_SECRETS_DOC: &str =
    "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/interactive-logon-number-of-previous-logons-to-cache-in-case-domain-controller-is-not-available";
const LAPS_DOC: &str = "https://learn.microsoft.com/windows-server/identity/laps/laps-overview";
const BASELINE_DOC: &str =
    "https://learn.microsoft.com/windows/security/operating-system-security/device-management/windows-security-configuration-framework/windows-security-baselines";
const LSA_PROTECTION_DOC: &str =
    "https://learn.microsoft.com/windows-server/security/credentials-protection-and-management/configuring-additional-lsa-protection";
const SMB1_DOC: &str =
    "https://learn.microsoft.com/windows-server/storage/file-server/troubleshoot/detect-enable-and-disable-smbv1-v2-v3";
const AUTORUNS_DOC: &str = "https://learn.microsoft.com/sysinternals/downloads/autoruns";

/// A `check` rule's kind: its levels per profile and Graph code.
const fn check(levels: Levels, graph_code: Option<GraphErrorCode>) -> RuleKind {
    RuleKind::Check { levels, graph_code }
}

/// Error on Windows 365 and Dev Box, `avd` on AVD.
const fn w365_devbox_error(avd: Level) -> Levels {
    Levels {
        windows365: Level::Error,
        devbox: Level::Error,
        avd,
    }
}

/// Declares the table: each entry `Variant = "ID" { field: value, … }` becomes a [`RuleId`]
/// variant (with the entry's documentation) and a [`Rule`] in [`RULES`], in entry order.
macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal { $($field:ident: $value:expr),* $(,)? } )*) => {
        /// A rule's identity: one variant per entry of [`RULES`], in id order. Serialized as the
        /// stable id (`VL0401`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $( $(#[$doc])* $variant, )*
        }

        impl RuleId {
            /// Every rule id, in table order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The stable id (`VL0401`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }

            /// The rule's declaration.
            pub fn rule(self) -> &'static Rule {
                match self {
                    $(RuleId::$variant => &decl::$variant,)*
                }
            }
        }

        /// The declarations, one constant per rule.
        #[allow(non_upper_case_globals)]
        mod decl {
            use super::*;
            $( pub(super) const $variant: Rule = Rule { id: RuleId::$variant, $($field: $value),* }; )*
        }

        /// The registry: every rule, in id order. Profiles are level selections from it.
        pub static RULES: &[Rule] = &[$(decl::$variant),*];
    };
}

impl RuleId {
    /// The rule with this id or name (case-insensitive).
    pub fn find(id_or_name: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|id| {
            id.as_str().eq_ignore_ascii_case(id_or_name)
                || id.rule().name.eq_ignore_ascii_case(id_or_name)
        })
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Ids of retired rules. They are never given to a new rule.
pub static RETIRED_IDS: &[&str] = &[];

/// The rule with this id or name.
pub fn rule(id_or_name: &str) -> Option<&'static Rule> {
    RuleId::find(id_or_name).map(RuleId::rule)
}

/// The minimum Windows 10 build per profile: Windows 365 1909 (18363), Dev Box 20H2 (19042).
/// AVD has no published minimum; it uses the Windows 365 one. Windows 11's minimum is 21H2
/// (22000), its first release, for every profile.
pub fn minimum_windows_10_build(profile: Profile) -> (u32, &'static str) {
    match profile {
        Profile::Windows365 | Profile::Avd => (18363, "1909"),
        Profile::Devbox => (19042, "20H2"),
    }
}

rules! {
    // -----------------------------------------------------------------------------------------
    // VL01xx: container and image

    /// ## What it checks
    /// The image could be read down to the Windows registry: the container, partition table, file
    /// systems and hives are intact, no volume is BitLocker-encrypted, a Windows volume exists and a
    /// boot path was recognized. Each entry of `problems` is one finding.
    /// ## Why
    /// A corrupt, encrypted or unrecognizable image is a failed image, not a tool error: the service
    /// cannot provision from it either ("Sysprep requires the drives to be fully decrypted").
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §11 (BitLocker), §12 (broken hives), §13.
    ImageUnreadable = "VL0101" {
        name: "image-unreadable",
        title: "The image cannot be read as a Windows OS disk",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The container, partition table, a file system or a registry hive is broken, a \
                  volume is BitLocker-encrypted, or no Windows installation or boot path was found.",
        remediation: "Re-export the OS disk from a cleanly shut down VM. Decrypt BitLocker first \
                      (`manage-bde -off C:` and wait for 100%), run `chkdsk /f`, and upload the \
                      complete disk (not a differencing disk without its parent).",
        references: &[PREPARE_VHD_DOC, GRAPH_DOC],
        hits: |facts, _| {
            facts
                .problems
                .iter()
                .map(|p| {
                    let what = match p.kind {
                        ProblemKind::Container => "the virtual-disk container is unusable",
                        ProblemKind::PartitionTable => "the partition table is corrupt",
                        ProblemKind::Filesystem => "a file system is corrupt",
                        ProblemKind::Hive => "a registry hive is corrupt",
                        ProblemKind::BitLocker => "a volume is BitLocker-encrypted",
                        ProblemKind::NoWindowsVolume => "no volume holds a Windows installation",
                        ProblemKind::NotBootable => "no Gen1 or Gen2 boot path was found",
                        ProblemKind::BlankDisk => "the disk is blank",
                        ProblemKind::Unformatted => "no file system",
                    };
                    let hit = Hit::new(
                        format!("{what}: {}", p.message),
                        or_derived(&p.evidence, format!("problems[]: {:?}", p.kind)),
                    );
                    match (&facts.foreign_format, p.kind) {
                        (Some(f), ProblemKind::Container) => {
                            let mut hit = hit.fix(format!(
                                "This is {}, not a disk vhdlint or Azure reads: {}.",
                                f.value.name, f.value.conversion
                            ));
                            hit.evidence.extend(f.evidence.iter().cloned());
                            hit
                        }
                        _ => hit,
                    }
                })
                .collect()
        },
    }

    /// ## What it checks
    /// The file is what Azure upload takes as is: a **fixed VHD** whose virtual size is a whole
    /// number of MiB, the file being exactly the data plus the 512-byte footer.
    /// ## Why
    /// `Add-AzVhd`/direct upload take only fixed VHDs of N MiB + 512 bytes; VHDX, dynamic VHDs and
    /// CHS-rounded sizes (qemu-img without `force_size`) must be converted first. A warning: the
    /// conversion is mechanical.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §10; prepare-for-upload-vhd-image; Add-AzVhd.
    NotUploadReadyVhd = "VL0102" {
        name: "not-upload-ready-vhd",
        title: "Not a fixed, MiB-aligned VHD",
        kind: check(Levels::all(Level::Warning), None),
        message: "Azure upload takes a fixed VHD whose virtual size is a whole number of MiB; this \
                  image must be converted before upload.",
        remediation: "Convert before upload: `Convert-VHD -Path in.vhdx -DestinationPath out.vhd \
                      -VHDType Fixed` (then `Resize-VHD` to a whole number of MiB if needed), or \
                      `qemu-img convert -O vpc -o subformat=fixed,force_size in out.vhd`.",
        references: &[
            PREPARE_VHD_DOC,
            "https://learn.microsoft.com/powershell/module/az.compute/add-azvhd",
        ],
        hits: |facts, _| container(facts, |c| {
            if c.is_upload_ready_vhd() {
                return Vec::new();
            }
            let mut reasons = Vec::new();
            match c.format.value {
                ContainerFormat::Vhdx => reasons.push("the image is VHDX".to_owned()),
                ContainerFormat::Raw => reasons.push("the image is a raw disk".to_owned()),
                ContainerFormat::Vhd => {}
            }
            match c.disk_type.value {
                DiskType::Dynamic if c.format.value != ContainerFormat::Raw => {
                    reasons.push("the disk is dynamic".to_owned());
                }
                DiskType::Differencing => reasons.push("the disk is differencing".to_owned()),
                DiskType::Fixed | DiskType::Dynamic => {}
            }
            if c.virtual_size.value % MIB != 0 {
                reasons.push(format!(
                    "the virtual size {} is not a multiple of 1 MiB",
                    c.virtual_size.value
                ));
            }
            if c.format.value == ContainerFormat::Vhd
                && c.disk_type.value == DiskType::Fixed
                && c.virtual_size.value.checked_add(VHD_FOOTER_SIZE) != Some(c.file_size.value)
            {
                reasons.push(format!(
                    "the file is {} bytes, not the virtual size plus the 512-byte footer",
                    c.file_size.value
                ));
            }
            if reasons.is_empty() {
                reasons.push("the image is not a fixed VHD".to_owned());
            }
            let evidence = [
                &c.format.evidence,
                &c.disk_type.evidence,
                &c.virtual_size.evidence,
                &c.file_size.evidence,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>();
            let summary = format!(
                "container: {:?} {:?}, virtualSize {}, fileSize {}",
                c.format.value, c.disk_type.value, c.virtual_size.value, c.file_size.value
            );
            vec![Hit::new(
                format!("Not uploadable as is: {}.", reasons.join("; ")),
                or_derived(&evidence, summary),
            )]
        }),
    }

    /// ## What it checks
    /// The virtual size is at most `--max-os-disk-gb` GiB (64 by default).
    /// ## Why
    /// Windows 365 and Dev Box provision a 64 GB OS disk by default and grow it to the SKU; a source
    /// disk larger than the target cannot be shrunk. On AVD any size up to the Azure OS-disk limit
    /// works, so it is a warning there.
    /// ## Graph code
    /// `sourceImageSizeExceedsLimitation`.
    /// ## References
    /// windows-image-facts §10; Windows 365 and Dev Box image requirements.
    OsDiskTooLarge = "VL0103" {
        name: "os-disk-too-large",
        title: "Virtual size exceeds the OS disk limit",
        kind: check(w365_devbox_error(Level::Warning), Some(GraphErrorCode::SourceImageSizeExceedsLimitation)),
        message: "The OS disk is larger than the Cloud PC / dev box OS disk it must fit on.",
        remediation: "Shrink the OS partition (`Resize-Partition`), then the disk \
                      (`Resize-VHD -ToMinimumSize` or to 64 GB), or pass `--max-os-disk-gb` with the \
                      OS disk size of the smallest SKU you provision.",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, options| container(facts, |c| {
            let Some(limit) = options.max_os_disk_gb.checked_mul(GIB) else {
                return Vec::new();
            };
            if c.virtual_size.value <= limit {
                return Vec::new();
            }
            vec![Hit::new(
                format!(
                    "The virtual size is {} bytes ({} GiB rounded up), more than {} GiB.",
                    c.virtual_size.value,
                    c.size_in_gib_rounded_up(),
                    options.max_os_disk_gb
                ),
                or_derived(
                    &c.virtual_size.evidence,
                    format!("container.virtualSize = {}", c.virtual_size.value),
                ),
            )]
        }),
    }

    /// ## What it checks
    /// The VHD footer's checksum (one's complement of the byte sum of the 512-byte footer, the
    /// checksum field excluded; offset 64) is right.
    /// ## Why
    /// vhdlint reads a fixed VHD with a bad footer checksum anyway (its data is plain), but Azure
    /// upload validates the footer and rejects the VHD, and Hyper-V refuses to attach it.
    /// ## Graph code
    /// `sourceImageInvalid` (windows-image-facts §13: "footer checksum bad").
    /// ## References
    /// windows-image-facts §10 (VHD footer layout, checksum @64), §13.
    VhdFooterChecksum = "VL0104" {
        name: "vhd-footer-checksum",
        title: "The VHD footer checksum is wrong",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The VHD footer's checksum does not match its bytes: Azure rejects the upload and \
                  Hyper-V will not attach the disk.",
        remediation: "Rewrite the footer with a VHD tool: `qemu-img convert -f vpc -O vpc -o \
                      subformat=fixed,force_size in.vhd out.vhd`, or on Windows \
                      `Convert-VHD -Path in.vhd -DestinationPath out.vhd -VHDType Fixed`; then \
                      check the copy (a footer damaged in transit may mean more damage).",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| container(facts, |c| {
            c.diagnostics
                .iter()
                .filter(|d| d.code == "vhdFooterChecksum")
                .map(|d| {
                    Hit::new(
                        format!("The VHD footer checksum is wrong: {}.", d.message),
                        vec![Evidence::container("footer.checksum", d.offset.map(|o| o + 64), d.message.clone())],
                    )
                })
                .collect()
        }),
    }

    /// ## What it checks
    /// The file is as long as its own structures say: no partition and no backup GPT header past
    /// the end of the virtual disk, no VHDX BAT entry past the end of the file, and a file named
    /// `.vhd` ends with its VHD footer.
    /// ## Why
    /// A truncated copy (an interrupted download, `head`/`dd` with a size, a full disk) loses the
    /// end of the disk: the last partitions, the backup GPT, and for a fixed VHD the footer, so
    /// the file is read as a raw disk. Azure cannot provision from it; the expected and actual
    /// sizes tell how much is missing.
    /// ## Graph code
    /// `sourceImageInvalid` (windows-image-facts §13: "disk unreadable").
    /// ## References
    /// windows-image-facts §10 (VHD footer, VHDX BAT), §13.
    ImageTruncated = "VL0105" {
        name: "image-truncated",
        title: "The image file is truncated",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The image file ends before its partition table or container says it does: the \
                  copy was cut short.",
        remediation: "Copy the image again from its source and compare sizes (and a hash: \
                      `vhdlint hash`); a fixed VHD is the virtual size plus 512 bytes.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| container(facts, |c| {
            c.truncated
                .iter()
                .map(|t| {
                    Hit::new(
                        format!(
                            "The image is truncated: {} needs {} bytes, there are {} ({} bytes \
                             missing): {}.",
                            t.structure,
                            t.expected_size,
                            t.actual_size,
                            t.expected_size.saturating_sub(t.actual_size),
                            t.message
                        ),
                        or_derived(&t.evidence, format!("container.truncated: {}", t.structure)),
                    )
                })
                .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL02xx: partitions and boot

    /// ## What it checks
    /// The image boots as Generation 1 (BIOS, MBR, `bootmgr` + `winload.exe`).
    /// ## Why
    /// Windows 365 and Dev Box take Generation 2 images only ("Hyper-V v2", Trusted Launch); AVD
    /// accepts both, so it is information there.
    /// ## Graph code
    /// `sourceImageInvalid` (Graph has no generation code).
    /// ## References
    /// windows-image-facts §7.1.
    Generation1 = "VL0201" {
        name: "generation-1",
        title: "Generation 1 (BIOS/MBR) image",
        kind: check(w365_devbox_error(Level::Info), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The image boots through BIOS from an MBR disk; Windows 365 and Dev Box need a \
                  Generation 2 (UEFI, GPT) image.",
        remediation: "Build the image on a Generation 2 VM, or convert this one in the running VM \
                      with `mbr2gpt /convert /allowFullOS` before sysprep and capture it as Gen2.",
        references: &[
            W365_DOC,
            DEVBOX_DOC,
            "https://learn.microsoft.com/azure/virtual-machines/generation-2",
        ],
        hits: |facts, _| {
            let g = &facts.generation;
            if g.value != Some(Generation::Gen1) {
                return Vec::new();
            }
            let mut evidence = g.evidence.clone();
            if !g.reason.is_empty() {
                evidence.push(Evidence::derived(g.reason.clone()));
            } else if evidence.is_empty() {
                evidence.push(Evidence::derived("generation = 1"));
            }
            vec![Hit::new(
                format!("The image is Generation 1: {}.", g.reason),
                evidence,
            )]
        },
    }

    /// ## What it checks
    /// No partition is a Windows recovery partition (GPT type `DE94BBA4-06D1-4D40-A16A-BFD50179D6AC`,
    /// MBR type `0x27`).
    /// ## Why
    /// Windows 365 and Dev Box: "No recovery partition". The service grows the OS partition to the
    /// SKU size, and a recovery partition after it blocks that. On AVD it is a warning.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §6.
    RecoveryPartition = "VL0202" {
        name: "recovery-partition",
        title: "Recovery partition present",
        kind: check(w365_devbox_error(Level::Warning), Some(GraphErrorCode::SourceImageInvalid)),
        message: "Windows 365 and Dev Box images must not have a recovery partition.",
        remediation: "In the build VM before sysprep: `reagentc /disable` (WinRE moves to \
                      C:\\Windows\\System32\\Recovery), then in diskpart `select partition N`, \
                      `delete partition override`, and extend C: over the freed space.",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, _| partitions(facts, |p| {
            p.entries
                .iter()
                .filter(|e| e.kind == PartitionKind::WindowsRecovery)
                .map(|e| {
                    let ty = match (&e.type_guid, e.mbr_type) {
                        (Some(g), _) => format!("GPT type {g}"),
                        (None, Some(t)) => format!("MBR type {t:#04x}"),
                        (None, None) => "a recovery type".to_owned(),
                    };
                    let mut evidence = e.evidence.clone();
                    if evidence.is_empty() {
                        evidence.push(Evidence::derived(format!(
                            "partition {} ({ty}) at byte {:#x}, {} bytes",
                            e.index, e.start_offset, e.size
                        )));
                    }
                    Hit::new(
                        format!(
                            "Partition {} is a Windows recovery partition ({ty}, {} MiB at byte {:#x}).",
                            e.index,
                            e.size / MIB,
                            e.start_offset
                        ),
                        evidence,
                    )
                })
                .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL03xx: OS identity and servicing

    /// ## What it checks
    /// The OS is a Windows 10 or 11 **client** and the edition (`EditionID`) is **Enterprise**
    /// (Enterprise multi-session is left to [`RuleId::MultiSession`]). Pro, Education, Home, SE, N, G,
    /// LTSC/LTSB, IoT, Evaluation, Server and older Windows fail.
    /// ## Why
    /// Windows 365 / Dev Box: "Supported versions of Windows 10 or Windows 11 Enterprise"; "N and
    /// LTSC editions aren't supported". AVD images are Enterprise or Enterprise multi-session too.
    /// The edition comes from `EditionID`, never `CompositionEditionID` (which says Enterprise on
    /// Pro), and server is decided before the build (Server 2025 = 26100 = Windows 11 24H2).
    /// ## Graph code
    /// `osVersionNotSupported`.
    /// ## References
    /// windows-image-facts §1–§2.
    UnsupportedOsEdition = "VL0301" {
        name: "unsupported-os-edition",
        title: "Not Windows 10/11 Enterprise",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::OsVersionNotSupported)),
        message: "Only Windows 10 and Windows 11 Enterprise (AVD: also Enterprise multi-session) \
                  are supported.",
        remediation: "Build the image from a Windows 11 Enterprise (or Windows 10 Enterprise) \
                      source, e.g. the Azure Marketplace `MicrosoftWindowsDesktop` \
                      `windows-11`/`win11-24h2-ent` image, not Pro, Education, N, LTSC, IoT, \
                      Evaluation or Server.",
        references: &[W365_DOC, DEVBOX_DOC, AVD_DOC],
        hits: |facts, _| windows(facts, |w| {
            let name = w.os_name.value.as_deref().unwrap_or("unknown Windows");
            let edition = w.edition_id.value.as_deref().unwrap_or("(absent)");
            let message = match w.os_family.value {
                OsFamily::WindowsServer => Some(format!(
                    "{name} is Windows Server, not a Windows 10/11 client (EditionID {edition})."
                )),
                OsFamily::Older => Some(format!("{name} is older than Windows 10.")),
                OsFamily::Unknown => Some(format!(
                    "The Windows version could not be identified (EditionID {edition}, \
                     CurrentBuildNumber {}).",
                    w.current_build
                        .value
                        .map_or_else(|| "(absent)".to_owned(), |b| b.to_string())
                )),
                OsFamily::Windows10 | OsFamily::Windows11 => {
                    let why = match w.edition_class.value {
                        EditionClass::Enterprise | EditionClass::MultiSession => None,
                        EditionClass::EnterpriseN => Some("N editions are not supported"),
                        EditionClass::EnterpriseG => Some("Enterprise G is not supported"),
                        EditionClass::Evaluation => Some("Evaluation editions are not supported"),
                        EditionClass::EnterpriseLtsc => Some("LTSC editions are not supported"),
                        EditionClass::IotEnterprise | EditionClass::IotEnterpriseLtsc => {
                            Some("IoT editions are not supported")
                        }
                        EditionClass::Education => Some("Education is not Enterprise"),
                        EditionClass::Professional => Some("Pro is not Enterprise"),
                        EditionClass::Home => Some("Home is not Enterprise"),
                        EditionClass::CloudEdition => Some("SE is not Enterprise"),
                        EditionClass::Server => Some("a server edition"),
                        EditionClass::Other => Some("not an Enterprise edition"),
                        EditionClass::Missing => Some("EditionID is absent"),
                    };
                    why.map(|why| format!("EditionID {edition} ({name}): {why}."))
                }
            };
            message
                .map(|m| Hit::new(m, with_identity_note(w)))
                .into_iter()
                .collect()
        }),
    }

    /// ## What it checks
    /// The OS is not Enterprise multi-session (`EditionID` `ServerRdsh`, or a `ProductName` saying
    /// "multi-session" / "for Virtual Desktops").
    /// ## Why
    /// Windows 365 and Dev Box are single-session ("you can't import Windows 10 Multisession
    /// images"). AVD pooled host pools use multi-session: allowed there.
    /// ## Graph code
    /// `osVersionNotSupported`.
    /// ## References
    /// windows-image-facts §2; W365 add-device-images.
    MultiSession = "VL0302" {
        name: "multi-session",
        title: "Enterprise multi-session image",
        kind: check(w365_devbox_error(Level::Allowed), Some(GraphErrorCode::OsVersionNotSupported)),
        message: "Windows 365 and Dev Box take single-session images; multi-session is for Azure \
                  Virtual Desktop.",
        remediation: "Build from a single-session Windows 11 Enterprise image (Marketplace SKU \
                      `win11-24h2-ent`, not `win11-24h2-avd`).",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, _| windows(facts, |w| {
            if !w.multi_session.value {
                return Vec::new();
            }
            let name = w
                .os_name
                .value
                .as_deref()
                .unwrap_or("Windows Enterprise multi-session");
            let mut evidence: Vec<Evidence> = [&w.edition_id.evidence, &w.product_name.evidence]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            if let Some(note) = w.identity_notes.iter().find(|n| n.contains("multi-session")) {
                evidence.push(Evidence::derived(note.clone()));
            }
            if evidence.is_empty() {
                evidence.extend(w.multi_session.evidence.iter().cloned());
            }
            dedup(&mut evidence);
            vec![Hit::new(
                format!(
                    "{name} (EditionID {}) is a multi-session edition.",
                    w.edition_id.value.as_deref().unwrap_or("(absent)")
                ),
                evidence,
            )]
        }),
    }

    /// ## What it checks
    /// The Windows version is at least the profile's minimum: Windows 365 (and AVD) Windows 10 1909
    /// / Windows 11 21H2; Dev Box Windows 10 20H2 / Windows 11 21H2.
    /// ## Why
    /// Older releases are out of support for the service. Releases at or above the minimum but past
    /// end of servicing are only a warning ([`RuleId::EndOfServicing`]).
    /// ## Graph code
    /// `osVersionNotSupported`.
    /// ## References
    /// windows-image-facts §0.1, §1.1.
    OsVersionBelowMinimum = "VL0303" {
        name: "os-version-below-minimum",
        title: "Windows version below the minimum",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::OsVersionNotSupported)),
        message: "The Windows release is older than the oldest one the service accepts.",
        remediation: "Update the build VM to a serviced release (Windows 11 24H2 or later \
                      recommended) with Windows Update or an in-place upgrade, or rebuild from a \
                      current Marketplace image.",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, options| windows(facts, |w| {
            let Some(build) = w.current_build.value else {
                return Vec::new();
            };
            let (min_build, min_label, os) = match w.os_family.value {
                OsFamily::Windows10 => {
                    let (b, l) = minimum_windows_10_build(options.profile);
                    (b, l, "Windows 10")
                }
                OsFamily::Windows11 => (FIRST_WINDOWS_11_BUILD, "21H2", "Windows 11"),
                OsFamily::WindowsServer | OsFamily::Older | OsFamily::Unknown => {
                    return Vec::new();
                }
            };
            if build >= min_build {
                return Vec::new();
            }
            let label = w.version_label.value.as_deref().unwrap_or("unknown version");
            vec![Hit::new(
                format!(
                    "{os} {label} (build {build}) is older than the {} minimum {os} {min_label} \
                     (build {min_build}).",
                    options.profile
                ),
                with_identity_note(w),
            )]
        }),
    }

    /// ## What it checks
    /// The Windows release (build and edition channel) is still serviced on the `--as-of` date,
    /// per `data/end-of-servicing.json`.
    /// ## Why
    /// Custom images past end of servicing are accepted with `osStatus: supportedWithWarning` ("OS
    /// is expired … may not be able to get security updates"). An unknown or newer build gives
    /// `osStatus: unknown` and no finding.
    /// ## Graph code
    /// None (`osStatus` `supportedWithWarning`).
    /// ## References
    /// windows-image-facts §0, §1.1; W365 end-of-support.
    EndOfServicing = "VL0304" {
        name: "end-of-servicing",
        title: "Windows release past end of servicing",
        kind: check(Levels::all(Level::Warning), None),
        message: "The Windows release no longer gets security updates; Graph reports \
                  osStatus supportedWithWarning.",
        remediation: "Update the build VM to a release still in servicing (see \
                      https://learn.microsoft.com/lifecycle/products/windows-11-enterprise-and-education) \
                      and recapture the image.",
        references: &[
            "https://learn.microsoft.com/windows-365/enterprise/end-of-support",
            "https://learn.microsoft.com/lifecycle/products/windows-11-enterprise-and-education",
        ],
        hits: |facts, options| windows(facts, |w| {
            let (status, servicing, verified_on) = os_servicing(facts, options.as_of);
            let Some(s) = servicing.filter(|_| status == OsStatus::SupportedWithWarning) else {
                return Vec::new();
            };
            let mut evidence: Vec<Evidence> = [&w.current_build.evidence, &w.edition_id.evidence]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            let verified = verified_on.map_or_else(String::new, |d| format!(", verified on {d}"));
            evidence.push(Evidence::derived(format!(
                "data/end-of-servicing.json: build {} {:?} ends {}{verified}{}",
                s.build,
                s.channel,
                s.end_of_servicing,
                s.note
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" ({n})"))
            )));
            vec![Hit::new(
                format!(
                    "{} {} (build {}) ended servicing on {}; as of {} it gets no security updates.",
                    s.os, s.version, s.build, s.end_of_servicing, options.as_of
                ),
                evidence,
            )]
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL04xx: generalization

    /// ## What it checks
    /// `SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State` `ImageState` is
    /// `IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE`, and the gatherer's `generalized` verdict (which also
    /// weighs `State.ini` and `Sysprep_succeeded.tag`) agrees.
    /// ## Why
    /// Every service provisions by specializing a generalized image; `IMAGE_STATE_COMPLETE` means
    /// the image was booted after (or never) generalized, `…_TO_AUDIT` boots into audit mode.
    /// ## Graph code
    /// `sourceImageNotGeneralized`.
    /// ## References
    /// windows-image-facts §3; Windows Setup States.
    NotGeneralized = "VL0401" {
        name: "not-generalized",
        title: "Image not generalized",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageNotGeneralized)),
        message: "The image is not in the generalized, reseal-to-OOBE state that provisioning needs.",
        remediation: "In the build VM, delete C:\\Windows\\Panther, run \
                      `sysprep /generalize /oobe /shutdown /mode:vm`, and capture the disk without \
                      starting the VM again.",
        references: &[
            W365_DOC,
            DEVBOX_DOC,
            "https://learn.microsoft.com/azure/virtual-machines/generalize",
            "https://learn.microsoft.com/windows-hardware/manufacture/desktop/windows-setup-states",
        ],
        hits: |facts, _| windows(facts, |w| {
            let state = w.image_state.value.as_ref();
            if state.is_some_and(ImageState::is_generalized_for_oobe) && w.generalized.value {
                return Vec::new();
            }
            let message = match state {
                None => "ImageState is absent: the image was never generalized.".to_owned(),
                Some(ImageState::Complete) => {
                    "ImageState is IMAGE_STATE_COMPLETE: the image was booted and specialized, not \
                     generalized (or started again after sysprep)."
                        .to_owned()
                }
                Some(ImageState::GeneralizeResealToAudit) => {
                    "ImageState is IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT: generalized for audit \
                     mode, not OOBE."
                        .to_owned()
                }
                Some(ImageState::GeneralizeResealToOobe) => {
                    "ImageState says generalized, but other evidence disagrees (State.ini or \
                     Sysprep_succeeded.tag)."
                        .to_owned()
                }
                Some(s) => format!("ImageState is {s}, not {IMAGE_STATE_GENERALIZED_OOBE}."),
            };
            let mut evidence = w.image_state.evidence.clone();
            evidence.extend(w.generalized.evidence.iter().cloned());
            // Why, from the last sysprep run in the Panther logs (issue 14 item 7).
            let s = &w.provision.sysprep;
            let why = match s.value.outcome {
                SysprepOutcome::NeverRan => " No sysprep run is logged \
                    (Windows\\System32\\Sysprep\\Panther\\setupact.log absent or without a \
                    run): sysprep never ran, or its logs were deleted."
                    .to_owned(),
                SysprepOutcome::Failed => format!(
                    " The last sysprep run failed{}.",
                    s.value.cause.as_deref().map_or_else(String::new, |c| format!(": {c}"))
                ),
                SysprepOutcome::Incomplete => {
                    " The last sysprep run did not finish (no error, no success).".to_owned()
                }
                SysprepOutcome::NotGeneralized => {
                    " The last sysprep run succeeded without /generalize.".to_owned()
                }
                SysprepOutcome::GeneralizedThenBootedAgain | SysprepOutcome::Generalized => {
                    " The last sysprep run generalized, and the image was booted again after it."
                        .to_owned()
                }
            };
            let message = format!("{message}{why}");
            evidence.extend(s.evidence.iter().cloned());
            dedup(&mut evidence);
            if evidence.is_empty() {
                evidence.push(Evidence::derived(format!(
                    "windows.imageState = {}, windows.generalized = {}",
                    state.map_or("null", ImageState::as_str),
                    w.generalized.value
                )));
            }
            vec![Hit::new(message, evidence)]
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL05xx: join and enrolment

    /// ## What it checks
    /// The image was never Microsoft Entra (Azure AD) joined: no `CloudDomainJoin\JoinInfo`
    /// subkey, and no AADLoginForWindows residue (`CDJ` `AzureVm*` values, the extension's
    /// `Packages\Plugins` folder).
    /// ## Why
    /// "must never have been … Microsoft Entra ID joined"; a build VM deployed with "Login with
    /// Microsoft Entra ID" carries the AADLoginForWindows extension, the common cause. Sysprep does
    /// not clean this state.
    /// ## Graph code
    /// `vmAlreadyAzureAdjoined`.
    /// ## References
    /// windows-image-facts §4.
    EntraJoined = "VL0501" {
        name: "entra-joined",
        title: "Image was Microsoft Entra joined",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::VmAlreadyAzureAdjoined)),
        message: "The source VM was joined to Microsoft Entra ID (or carries the AADLoginForWindows \
                  extension's join state); such images cannot be provisioned.",
        remediation: "Rebuild from a VM that was never Entra joined: deploy the build VM without \
                      \"Login with Microsoft Entra ID\" (no AADLoginForWindows extension). \
                      `dsregcmd /leave` before sysprep does not reliably clean the image.",
        references: &[W365_DOC, AVD_DOC],
        hits: |facts, _| windows(facts, |w| {
            [
                flag(
                    &w.azure_ad_joined,
                    "The device is Microsoft Entra joined (CloudDomainJoin\\JoinInfo).",
                    "windows.azureAdJoined",
                ),
                flag(
                    &w.aad_login_for_windows,
                    "AADLoginForWindows residue: the build VM ran the Entra login extension, \
                     which joins the VM to Entra.",
                    "windows.aadLoginForWindows",
                ),
            ]
            .into_iter()
            .flatten()
            .collect()
        }),
    }

    /// ## What it checks
    /// The image was never Active Directory domain joined (`SECURITY\Policy\PolPrDmS`) or MDM
    /// enrolled (a real `Enrollments` entry, not the stubs Windows ships).
    /// ## Why
    /// Windows 365: "never have been Active Directory … joined, Intune-enrolled, or enrolled for
    /// co-management"; sysprep does not run correctly on an MDM-enrolled device. AVD only asks to
    /// leave the domain before sysprep: a warning there.
    /// ## Graph code
    /// `sourceImageInvalid` (Graph has no join/enrolment code besides Entra's).
    /// ## References
    /// windows-image-facts §4.
    DomainJoinedOrMdmEnrolled = "VL0502" {
        name: "domain-joined-or-mdm-enrolled",
        title: "Image was domain joined or MDM enrolled",
        kind: check(w365_devbox_error(Level::Warning), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The image was joined to an Active Directory domain or enrolled in MDM (Intune, \
                  co-management); it must never have been.",
        remediation: "Rebuild from a VM that was never domain joined or enrolled. On AVD at least \
                      remove the VM from the domain (`Remove-Computer`) before sysprep.",
        references: &[W365_DOC, AVD_DOC],
        hits: |facts, _| windows(facts, |w| {
            [
                flag(
                    &w.domain_joined,
                    "The device is joined to an Active Directory domain.",
                    "windows.domainJoined",
                ),
                flag(
                    &w.mdm_enrolled,
                    "The device is enrolled in MDM.",
                    "windows.mdmEnrolled",
                ),
            ]
            .into_iter()
            .flatten()
            .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL06xx: VM-name customization

    /// ## What it checks
    /// No stale answer file that Windows Setup finds before Azure's provisioning ISO
    /// (`SYSTEM\Setup` `UnattendFile`, `Windows\Panther\…`, `Windows\System32\Sysprep\unattend.xml`)
    /// sets a fixed `ComputerName` in its `specialize` pass.
    /// ## Why
    /// That name wins over the one the service assigns: "A computer name setting issue exists on
    /// the resultant generalized image, which prevents the customization of the VM name".
    /// ## Graph code
    /// `sourceImageNotSupportCustomizeVMName`.
    /// ## References
    /// windows-image-facts §8; azure-docs PR #59681 (stale Panther unattend.xml).
    AnswerFileFixesComputerName = "VL0601" {
        name: "answer-file-fixes-computer-name",
        title: "Stale answer file fixes the computer name",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageNotSupportCustomizeVmName)),
        message: "An answer file Windows Setup reads before the provisioning ISO sets a fixed \
                  ComputerName, so the service cannot name the VM.",
        remediation: "Before sysprep delete C:\\Windows\\Panther (and Panther\\Unattend), \
                      C:\\Windows\\System32\\Sysprep\\unattend.xml and any unattend.xml at the root, \
                      and clear HKLM\\SYSTEM\\Setup\\UnattendFile. Custom answer files are not \
                      supported (do not run sysprep with /unattend).",
        references: &[
            PREPARE_VHD_DOC,
            "https://learn.microsoft.com/azure/virtual-machines/generalize",
        ],
        hits: |facts, _| windows(facts, |w| {
            w.answer_files
                .iter()
                .filter_map(|a| {
                    let name = a.computer_name.as_deref().map(str::trim)?;
                    if name.is_empty() || name == "*" {
                        return None;
                    }
                    Some(Hit::new(
                        format!(
                            "{} sets ComputerName to \"{name}\" in the specialize pass.",
                            a.path
                        ),
                        or_derived(&a.evidence, format!("answer file {}", a.path)),
                    ))
                })
                .collect()
        }),
    }

    /// ## What it checks
    /// The CD-ROM driver is not disabled (`Services\cdrom` `Start` ≠ 4).
    /// ## Why
    /// Azure attaches the provisioning answer file as a DVD ISO; "If it is disabled, the Windows VM
    /// will be stuck at OOBE" and the VM name is never applied.
    /// ## Graph code
    /// `sourceImageNotSupportCustomizeVMName`.
    /// ## References
    /// windows-image-facts §8, §11; prepare-for-upload-vhd-image.
    CdromDisabled = "VL0602" {
        name: "cdrom-disabled",
        title: "CD-ROM driver disabled",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageNotSupportCustomizeVmName)),
        message: "The CD-ROM driver is disabled, so Windows cannot read the provisioning ISO that \
                  names and configures the VM.",
        remediation: "Re-enable it before sysprep: `reg add \
                      HKLM\\SYSTEM\\CurrentControlSet\\Services\\cdrom /v Start /t REG_DWORD /d 1 /f`, \
                      and remove any policy denying removable-storage reads.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.cdrom_disabled,
                "The cdrom service is disabled (Start = 4).",
                "windows.cdromDisabled",
            )
            .into_iter()
            .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL07xx: registry and storage hygiene

    /// ## What it checks
    /// Reserved storage is enabled (`ReserveManager` `ShippedWithReserves` = 1).
    /// ## Why
    /// Dev Box asks to disable it to speed up dev box creation (a warning there); elsewhere it is
    /// information. DISM's own offline state is undocumented, so `unknown` reports nothing.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §5.
    ReservedStorageEnabled = "VL0701" {
        name: "reserved-storage-enabled",
        title: "Reserved storage enabled",
        kind: check(
            Levels {
                windows365: Level::Info,
                devbox: Level::Warning,
                avd: Level::Info,
            },
            None,
        ),
        message: "Reserved storage holds back several GB for updates; Dev Box recommends disabling \
                  it for faster dev box creation.",
        remediation: "In the build VM before sysprep: \
                      `DISM.exe /Online /Set-ReservedStorageState /State:Disabled`.",
        references: &[DEVBOX_DOC],
        hits: |facts, _| windows(facts, |w| {
            if w.reserved_storage.value != ReservedStorage::Enabled {
                return Vec::new();
            }
            vec![Hit::new(
                "Reserved storage is enabled (ShippedWithReserves = 1).",
                or_derived(&w.reserved_storage.evidence, "windows.reservedStorage = enabled"),
            )]
        }),
    }

    /// ## What it checks
    /// No registry hive was dirty (base-block sequence numbers differ or its checksum is wrong).
    /// ## Why
    /// A dirty hive comes from a VM that was powered off hard, hibernated or captured with Fast
    /// Startup: the newest values live in `.LOG1`/`.LOG2`. vhdlint replays them (and says so); if
    /// the logs are missing, values such as `ImageState` may be stale. Either way the capture was
    /// not clean.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §12.
    DirtyHive = "VL0702" {
        name: "dirty-hive",
        title: "Registry hive was dirty",
        kind: check(Levels::all(Level::Warning), None),
        message: "A registry hive was not flushed when the VM stopped; its newest data was in the \
                  transaction logs.",
        remediation: "Let sysprep shut the VM down (`/shutdown`), do not power it off hard, and \
                      disable Fast Startup and hibernation (`powercfg /h off`) in the image.",
        references: &["https://github.com/msuhanov/regf/blob/master/Windows%20registry%20file%20format%20specification.md"],
        hits: |facts, _| windows(facts, |w| {
            w.hives
                .iter()
                .filter(|h| h.dirty)
                .map(|h| {
                    let message = if h.logs_replayed {
                        format!(
                            "The {} hive was dirty; its transaction logs were replayed (in memory).",
                            h.name
                        )
                    } else {
                        format!(
                            "The {} hive is dirty and its transaction logs could not be replayed: \
                             values read from it may be stale.",
                            h.name
                        )
                    };
                    let state = format!(
                        "hive {}: dirty, logs {}",
                        h.name,
                        if h.logs_replayed {
                            "replayed"
                        } else {
                            "not replayed"
                        }
                    );
                    Hit::new(message, or_derived(&h.evidence, state))
                })
                .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL08xx: boot chain (issue 14)

    /// ## What it checks
    /// The BCD device elements — `{bootmgr}` `device` and the default loader's `device`
    /// (11000001) and `osdevice` (21000001) — name partitions of **this** disk (GPT: disk GUID +
    /// partition unique GUID; MBR: disk signature + partition byte offset; `boot` and `locate`
    /// accepted), and `osdevice` is the partition holding the Windows directory the loader
    /// path names.
    /// ## Why
    /// A store copied from another machine, or left stale by a disk conversion, points elsewhere:
    /// the VM stops at 0xc000000e / INACCESSIBLE_BOOT_DEVICE and the service's boot test fails
    /// in every profile.
    /// ## Graph code
    /// `sourceImageInvalid` ("not valid for provisioning a Windows VM").
    /// ## References
    /// windows-image-facts §14.1 (device layout, §14.1.3 resolution), §7.2.
    BcdDeviceNotOnDisk = "VL0801" {
        name: "bcd-device-not-on-disk",
        title: "BCD device does not resolve to this disk",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "A boot device in the BCD store does not name a partition of this disk; the VM \
                  will stop at 0xc000000e (INACCESSIBLE_BOOT_DEVICE).",
        remediation: "In the build VM, rebuild the store for this disk: `bcdboot C:\\Windows /s S: \
                      /f UEFI` (S: = the EFI system partition; `/f BIOS` on Gen1), or \
                      `bcdedit /set {default} device partition=C:` and \
                      `bcdedit /set {default} osdevice partition=C:`.",
        references: &[
            "https://learn.microsoft.com/windows-hardware/manufacture/desktop/bcdboot-command-line-options-techref-di",
            "https://learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/troubleshoot-boot-error-0xc000000e",
        ],
        hits: |facts, _| {
            let Some(boot) = &facts.boot else { return Vec::new() };
            boot.devices
                .iter()
                .filter(|d| d.resolution.value.is_broken())
                .map(|d| {
                    let mut evidence = d.resolution.evidence.clone();
                    evidence.push(Evidence::derived(d.resolution.reason.clone()));
                    Hit::new(format!("{}.", d.resolution.reason), evidence)
                })
                .collect()
        },
    }

    /// ## What it checks
    /// The Windows volume holds the OS loader the generation boots (`winload.efi` on Gen2,
    /// `winload.exe` on Gen1), `ntoskrnl.exe` and `hal.dll` under `\Windows\System32`, each a
    /// PE; and the ESP's `bootmgfw.efi` is a PE32+ EFI application (subsystem 10) for the
    /// image's architecture (`ntoskrnl.exe`'s PE machine).
    /// ## Why
    /// Without them the boot manager or the loader stops before Windows starts; the service's
    /// boot test fails in every profile.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §7.1 (boot files per generation), §14; Microsoft PE format (machine,
    /// subsystem).
    BootFilesMissing = "VL0802" {
        name: "boot-files-missing",
        title: "Loader, kernel or boot manager missing or wrong",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "A file Windows needs to boot is missing or is not a program for this image.",
        remediation: "Repair the installation in the build VM (`sfc /scannow`, `DISM /Online \
                      /Cleanup-Image /RestoreHealth`), then rewrite the boot files with \
                      `bcdboot C:\\Windows`.",
        references: &["https://learn.microsoft.com/windows/win32/debug/pe-format"],
        hits: |facts, _| {
            let mut hits = Vec::new();
            if let Some(w) = &facts.windows {
                let loader = match facts.generation.value {
                    Some(Generation::Gen2) => Some("winload.efi"),
                    Some(Generation::Gen1) => Some("winload.exe"),
                    None => None,
                };
                for name in loader.into_iter().chain(["ntoskrnl.exe", "hal.dll"]) {
                    let Some(f) = w.kernel.file(name) else { continue };
                    let why = if !f.present {
                        Some(format!("{} is missing", f.path))
                    } else {
                        f.error.as_ref().map(|e| format!("{} is not a PE: {e}", f.path))
                    };
                    if let Some(why) = why {
                        hits.push(Hit::new(format!("{why}."), or_derived(&f.evidence, why)));
                    }
                }
            }
            let arch = facts
                .windows
                .as_ref()
                .and_then(|w| w.kernel.architecture.value.clone());
            if let Some(m) = facts.boot.as_ref().and_then(|b| b.boot_manager.as_ref()) {
                let f = &m.file;
                let why = if !f.present {
                    None
                } else if let Some(e) = &f.error {
                    Some(format!("{} is not a PE: {e}", f.path))
                } else if !f.is_efi_application_64() {
                    Some(format!(
                        "{} is not a PE32+ EFI application (subsystem {})",
                        f.path,
                        f.subsystem.map_or_else(|| "?".to_owned(), |s| s.to_string())
                    ))
                } else {
                    match (&arch, &f.machine) {
                        (Some(a), Some(m)) if a != m => Some(format!(
                            "{} is built for {m}, the image (ntoskrnl.exe) for {a}",
                            f.path
                        )),
                        _ => None,
                    }
                };
                if let Some(why) = why {
                    hits.push(Hit::new(format!("{why}."), or_derived(&f.evidence, why)));
                }
            }
            hits
        },
    }

    /// ## What it checks
    /// The image's architecture (`ntoskrnl.exe`'s PE machine) is x64 (`AMD64`) and agrees with
    /// `Control\Session Manager\Environment` `PROCESSOR_ARCHITECTURE`.
    /// ## Why
    /// Windows 365 and Dev Box provision x64 Cloud PCs / dev boxes only (their image pages list
    /// Windows 10/11 Enterprise x64 gallery images and no Arm64 sizes): another architecture is
    /// an error there. AVD session hosts must match the VM size's architecture, so another
    /// architecture is a warning there. A kernel and registry that disagree come from a
    /// damaged or mixed image: reported in every profile.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §0.1 (requirement sources), §14.
    ArchitectureNotAccepted = "VL0803" {
        name: "architecture-not-accepted",
        title: "Architecture not x64, or kernel and registry disagree",
        kind: check(w365_devbox_error(Level::Warning), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The image is not an x64 Windows, or its kernel and registry name different \
                  architectures.",
        remediation: "Build the image from x64 Windows 10/11 Enterprise media on an x64 VM.",
        references: &[W365_DOC, DEVBOX_DOC, AVD_DOC],
        hits: |facts, _| windows(facts, |w| {
            let k = &w.kernel;
            let Some(arch) = &k.architecture.value else { return Vec::new() };
            let mut hits = Vec::new();
            if arch != "AMD64" {
                hits.push(Hit::new(
                    format!("ntoskrnl.exe is built for {arch}, not x64 (AMD64)."),
                    or_derived(&k.architecture.evidence, format!("architecture = {arch}")),
                ));
            }
            if let Some(pa) = &k.processor_architecture.value {
                if !pa.eq_ignore_ascii_case(arch) {
                    let mut evidence = k.architecture.evidence.clone();
                    evidence.extend(k.processor_architecture.evidence.iter().cloned());
                    hits.push(Hit::new(
                        format!(
                            "ntoskrnl.exe is built for {arch}, but PROCESSOR_ARCHITECTURE is {pa}."
                        ),
                        evidence,
                    ));
                }
            }
            hits
        }),
    }

    /// ## What it checks
    /// On a Gen2 image, the ESP's `bootmgfw.efi` carries an Authenticode signature (PE security
    /// directory, PKCS#7 SignedData) whose chain reaches a CA of the default Secure Boot `db`
    /// (Microsoft Windows Production PCA 2011, Windows UEFI CA 2023, Microsoft Corporation UEFI
    /// CA 2011, Microsoft UEFI CA 2023). The signer and chain subjects are facts
    /// (`boot.bootManager.signature`).
    /// ## Why
    /// Dev Box requires the image definition's security type Trusted Launch (Secure Boot on):
    /// an unsigned or unknown-signer boot manager does not start, so it is an error there.
    /// Windows 365 accepts managed images as well as Trusted Launch galleries, and AVD runs
    /// non-Trusted-Launch VMs, so it is a warning there (the image would fail once Secure Boot
    /// is turned on). The offline check is of the chain's names and key identifiers, not of the
    /// file digest.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §0.1, §7.3, §14.7.
    BootManagerNotTrusted = "VL0804" {
        name: "boot-manager-not-trusted",
        title: "Boot manager unsigned or not signed for Secure Boot",
        kind: check(
            Levels { windows365: Level::Warning, devbox: Level::Error, avd: Level::Warning },
            Some(GraphErrorCode::SourceImageInvalid),
        ),
        message: "The UEFI boot manager is not signed by a CA of the default Secure Boot database; \
                  a Trusted Launch (Secure Boot) VM will not start it.",
        remediation: "Restore Windows' own boot manager in the build VM: `bcdboot C:\\Windows /s S: \
                      /f UEFI` (S: = the EFI system partition), and do not replace \
                      \\EFI\\Microsoft\\Boot\\bootmgfw.efi with a third-party loader.",
        references: &[
            DEVBOX_DOC,
            W365_DOC,
            "https://learn.microsoft.com/azure/virtual-machines/trusted-launch",
        ],
        hits: |facts, _| {
            if facts.generation.value != Some(Generation::Gen2) {
                return Vec::new();
            }
            let Some(m) = facts.boot.as_ref().and_then(|b| b.boot_manager.as_ref()) else {
                return Vec::new();
            };
            let s = &m.signature;
            let why = match s.status {
                SignatureStatus::Trusted | SignatureStatus::NotRead => return Vec::new(),
                SignatureStatus::Unsigned => format!("{} is not signed", m.file.path),
                SignatureStatus::UnknownSigner => format!(
                    "{} is signed by {}, whose chain ({}) reaches no default Secure Boot db CA",
                    m.file.path,
                    s.signer.as_deref().unwrap_or("an unnamed signer"),
                    s.chain.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>().join(" <- ")
                ),
                SignatureStatus::Invalid => format!(
                    "{}'s signature cannot be read: {}",
                    m.file.path,
                    s.error.as_deref().unwrap_or("invalid")
                ),
            };
            let mut evidence = s.evidence.clone();
            evidence.push(Evidence::derived(why.clone()));
            vec![Hit::new(format!("{why}."), evidence)]
        },
    }

    /// ## What it checks
    /// The default loader (or `{bootmgr}`) does not enable `testsigning`
    /// (AllowPrereleaseSignatures 16000049), `nointegritychecks` (DisableIntegrityChecks
    /// 16000048), `debug` (KernelDebuggerEnabled 260000A0) or `bootdebug` (DebuggerEnabled
    /// 16000010).
    /// ## Why
    /// Dev Box requires Trusted Launch, where Secure Boot disables these and unsigned code they
    /// admit does not load: an error there. Windows 365 (managed images accepted) and AVD: a
    /// warning — a build-VM setting left in the image.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §7.3, §14.7.
    BootSigningOrDebugEnabled = "VL0805" {
        name: "boot-test-signing-or-debug",
        title: "Test signing, integrity checks off or boot debugging enabled",
        kind: check(
            Levels { windows365: Level::Warning, devbox: Level::Error, avd: Level::Warning },
            Some(GraphErrorCode::SourceImageInvalid),
        ),
        message: "The BCD store turns off code-integrity checks or enables kernel/boot debugging, \
                  which Secure Boot (Trusted Launch) does not allow.",
        remediation: "In the build VM: `bcdedit /set {default} testsigning off`, \
                      `bcdedit /set {default} nointegritychecks off`, `bcdedit /debug off`, \
                      `bcdedit /bootdebug off`.",
        references: &[
            DEVBOX_DOC,
            "https://learn.microsoft.com/windows/win32/w8cookbook/secured-boot-signing-requirements-for-kernel-mode-drivers",
        ],
        hits: |facts, _| {
            let Some(b) = &facts.boot else { return Vec::new() };
            [
                (&b.testsigning, "testsigning"),
                (&b.nointegritychecks, "nointegritychecks"),
                (&b.debug, "debug"),
                (&b.bootdebug, "bootdebug"),
            ]
            .into_iter()
            .filter(|(f, _)| f.value == Some(true))
            .map(|(f, name)| {
                Hit::new(
                    format!("BCD {name} is on."),
                    or_derived(&f.evidence, format!("boot.{name} = true")),
                )
            })
            .collect()
        },
    }

    /// ## What it checks
    /// The Hyper-V boot-critical drivers `vmbus`, `storvsc`, `disk`, `partmgr`, `volmgr` and
    /// `pci` are not disabled (`Start` 4; `StartOverride\0` counts when present) in the
    /// resolved control set.
    /// ## Why
    /// They carry the OS disk on Hyper-V (VMBus, synthetic SCSI, the disk/partition/volume
    /// stack): disabled, Windows stops at INACCESSIBLE_BOOT_DEVICE (0x7B) in every profile.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §14.2; azure-docs site-recovery-failover (Azure boot drivers).
    BootDriverDisabled = "VL0806" {
        name: "boot-driver-disabled",
        title: "Hyper-V boot-critical driver disabled",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "A driver Windows needs to reach its disk on Hyper-V is disabled; the VM will \
                  stop at INACCESSIBLE_BOOT_DEVICE.",
        remediation: "Re-enable it before sysprep: `reg add \
                      HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name> /v Start /t REG_DWORD /d 0 /f` \
                      and delete its `StartOverride` subkey.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            w.kernel
                .boot_drivers
                .iter()
                .filter(|d| d.name != "netvsc" && d.disabled())
                .map(|d| {
                    Hit::new(
                        format!("The {} driver is disabled (Start = 4).", d.name),
                        or_derived(&d.evidence, format!("{} disabled", d.name)),
                    )
                })
                .collect()
        }),
    }

    /// ## What it checks
    /// The service keys of the Hyper-V boot-critical drivers (`vmbus`, `storvsc`, `disk`,
    /// `partmgr`, `volmgr`, `pci`) and of `netvsc` exist in the resolved control set.
    /// ## Why
    /// Every Windows 10/11 install carries them (windows-image-facts §14.2); a missing key means
    /// a stripped or damaged image that may not find its disk or network on Hyper-V. No
    /// source says the service fails outright, so it is a warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §14.2.
    BootDriverAbsent = "VL0807" {
        name: "boot-driver-absent",
        title: "Hyper-V boot-critical driver missing",
        kind: check(Levels::all(Level::Warning), None),
        message: "A Hyper-V boot or network driver's service key is missing from the image.",
        remediation: "Repair the image in the build VM (`DISM /Online /Cleanup-Image \
                      /RestoreHealth`); do not strip in-box drivers from the image.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            w.kernel
                .boot_drivers
                .iter()
                .filter(|d| !d.present)
                .map(|d| {
                    Hit::new(
                        format!("The {} driver's service key is missing.", d.name),
                        or_derived(&d.evidence, format!("{} absent", d.name)),
                    )
                })
                .collect()
        }),
    }

    /// ## What it checks
    /// The Hyper-V synthetic NIC driver `netvsc` is not disabled (`Start` 4).
    /// ## Why
    /// Without it the VM has no network: it cannot reach the provisioning agent, Entra ID or
    /// Intune, so provisioning fails in every profile.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §14.2.
    NetvscDisabled = "VL0808" {
        name: "netvsc-disabled",
        title: "Hyper-V network driver disabled",
        kind: check(Levels::all(Level::Error), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The Hyper-V network driver (netvsc) is disabled; the VM will have no network \
                  and cannot provision.",
        remediation: "Re-enable it before sysprep: `reg add \
                      HKLM\\SYSTEM\\CurrentControlSet\\Services\\netvsc /v Start /t REG_DWORD /d 3 /f`.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            w.kernel
                .boot_drivers
                .iter()
                .filter(|d| d.name == "netvsc" && d.disabled())
                .map(|d| {
                    Hit::new(
                        "The netvsc driver is disabled (Start = 4).",
                        or_derived(&d.evidence, "netvsc disabled"),
                    )
                })
                .collect()
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL09xx: clean state (issue 14 items 5–7)

    /// ## What it checks
    /// No restart is pending: `Control\Session Manager\PendingFileRenameOperations` (or `…2`) is
    /// empty, `Component Based Servicing\RebootPending` / `PackagesPending` and
    /// `WindowsUpdate\Auto Update\RebootRequired` are absent, and `Windows\WinSxS\pending.xml`
    /// does not exist.
    /// ## Why
    /// Azure's "prepare a Windows VHD" asks to finish updates and restart before sysprep; the
    /// first boot then runs the queued servicing operations, which can outlast provisioning.
    /// No source says the service refuses such an image: a warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §11, §14.3; prepare-for-upload-vhd-image; Sysinternals PendMoves.
    PendingServicing = "VL0901" {
        name: "pending-servicing",
        title: "Restart pending (servicing not finished)",
        kind: check(Levels::all(Level::Warning), None),
        message: "The image was captured with a restart pending: file renames or servicing \
                  operations wait for the next boot.",
        remediation: "In the build VM, install updates, restart until no restart is pending \
                      (no PendingFileRenameOperations, no RebootPending/RebootRequired keys, no \
                      WinSxS\\pending.xml), then sysprep and capture.",
        references: &[PREPARE_VHD_DOC, "https://learn.microsoft.com/sysinternals/downloads/pendmoves"],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.pending_servicing,
                "A restart is pending: servicing or file renames wait for the next boot.",
                "windows.provision.pendingServicing",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// The Windows volume's NTFS dirty bit (`$Volume` `$VOLUME_INFORMATION` flags & 0x0001,
    /// VOLUME_IS_DIRTY) is clear.
    /// ## Why
    /// A dirty volume makes autochk run at first boot, which on a large disk can outlast the
    /// provisioning timeout; the VM was not shut down cleanly, so files may be unflushed. No
    /// source says the service refuses it: a warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §14.4 (linux `fs/ntfs/layout.h` VOLUME_FLAGS).
    VolumeDirty = "VL0902" {
        name: "volume-dirty",
        title: "NTFS volume marked dirty",
        kind: check(Levels::all(Level::Warning), None),
        message: "The Windows volume is marked dirty: chkdsk runs at first boot.",
        remediation: "Boot the build VM, run `chkdsk C: /f` (restart if asked), shut it down \
                      cleanly with sysprep `/shutdown`, and capture the disk.",
        references: &[PREPARE_VHD_DOC, "https://github.com/torvalds/linux/blob/master/fs/ntfs/layout.h"],
        hits: |facts, _| windows(facts, |w| {
            let f = &w.provision.volume_dirty;
            if f.value != Some(true) {
                return Vec::new();
            }
            vec![Hit::new(
                "The Windows volume's NTFS dirty bit (VOLUME_IS_DIRTY) is set.",
                or_derived(&f.evidence, "windows.provision.volumeDirty = true"),
            )]
        }),
    }

    /// ## What it checks
    /// `hiberfil.sys` does not hold a session to resume (header signature `HIBR`/`hibr`, `RSTR`
    /// or `LINK`; `WAKE` and an all-zero header are fine).
    /// ## Why
    /// The VM was hibernated or shut down with Fast Startup (a hybrid shutdown hibernates the
    /// kernel session), not shut down: the first boot may try to resume a session of the build
    /// VM. A generalizing `sysprep /shutdown` is a full shutdown. A warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §14.4 (libyal libhibr format notes).
    Hibernated = "VL0903" {
        name: "hibernated",
        title: "Captured from hibernation or Fast Startup",
        kind: check(Levels::all(Level::Warning), None),
        message: "hiberfil.sys holds a hibernated session: Windows was hibernated or shut down \
                  with Fast Startup, not shut down.",
        remediation: "In the build VM run `powercfg /h off` (removes hiberfil.sys and disables \
                      Fast Startup), then sysprep with `/shutdown` and capture.",
        references: &[PREPARE_VHD_DOC, "https://github.com/libyal/libhibr/blob/main/documentation/Windows%20Hibernation%20File%20(hiberfil.sys)%20format.asciidoc"],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.hibernated,
                "hiberfil.sys holds a hibernated session (HIBR header).",
                "windows.provision.hibernated",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// Dev Box: the last successful generalizing sysprep run in
    /// `Windows\System32\Sysprep\Panther\setupact.log` used `/mode:vm`. Sysprep logs
    /// `ParseCommands:Found supported command line option 'MODE'` and
    /// `WinMain:Sysprep mode [vm]; was specified` for it. Only judged when the log holds a
    /// successful generalize.
    /// ## Why
    /// Dev Box asks for `sysprep /generalize /oobe /mode:vm`; without it the first boot redoes
    /// hardware detection (slower dev box creation). The image still works: a warning on Dev
    /// Box, nothing elsewhere.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §3.2, §14.5 (real logs: Windows-Desktop-Optimization-Tool#18,
    /// AVD-Golden-Image-Optimizer#2); Dev Box "configure Azure Compute Gallery".
    SysprepNotVmMode = "VL0904" {
        name: "sysprep-not-vm-mode",
        title: "Sysprep ran without /mode:vm",
        kind: check(
            Levels {
                windows365: Level::Allowed,
                devbox: Level::Warning,
                avd: Level::Allowed,
            },
            None,
        ),
        message: "The last generalizing sysprep run did not use /mode:vm, which Dev Box asks for.",
        remediation: "Generalize with `sysprep /generalize /oobe /shutdown /mode:vm`.",
        references: &[DEVBOX_DOC, "https://learn.microsoft.com/windows-hardware/manufacture/desktop/sysprep-command-line-options"],
        hits: |facts, _| windows(facts, |w| {
            let s = &w.provision.sysprep;
            if s.value.vm_mode != Some(false) {
                return Vec::new();
            }
            vec![Hit::new(
                "The last successful generalize in the Panther log ran without /mode:vm.",
                or_derived(&s.evidence, "windows.provision.sysprep.vmMode = false"),
            )]
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VL10xx: software the services refuse, and reachability (issue 14 items 8–14)

    /// ## What it checks
    /// No FSLogix component: services/minifilters `frxsvc`, `frxccds`, `frxdrv`, `frxdrvvt`,
    /// `frxccd`, the folder `Program Files\FSLogix`, or `SOFTWARE\FSLogix`.
    /// ## Why
    /// Windows 365: custom images "cannot contain FSLogix components" (error); Dev Box image
    /// requirements exceed Windows 365's, and the Windows 365 service validates them (error).
    /// FSLogix is the AVD profile solution: fine there.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §0.1, §14.6; Windows 365 device images.
    FslogixInstalled = "VL1001" {
        name: "fslogix-installed",
        title: "FSLogix components installed",
        kind: check(w365_devbox_error(Level::Allowed), Some(GraphErrorCode::SourceImageInvalid)),
        message: "Windows 365 images cannot contain FSLogix components.",
        remediation: "Uninstall FSLogix Apps in the build VM (`FSLogixAppsSetup.exe /uninstall`), \
                      remove C:\\Program Files\\FSLogix, then sysprep and capture.",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.fslogix,
                "FSLogix components are installed.",
                "windows.provision.fslogix",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// The AVD agent is not installed: service `RDAgentBootLoader`, `SOFTWARE\Microsoft\RDInfraAgent`
    /// or `RDAgentBootLoader`, the folder `Program Files\Microsoft RDInfra`. (`RdAgent` alone is
    /// the Azure VM agent's service and does not count.)
    /// ## Why
    /// AVD golden-image guide: do not install the agent in the image (its registration token
    /// expires; the host pool installs it) — error; Windows 365 provisions its own agent and
    /// refuses images carrying one — error. Dev Box: no statement found, a warning.
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §14.6; AVD set-up-golden-image; AVD troubleshoot-agent.
    AvdAgentInstalled = "VL1002" {
        name: "avd-agent-installed",
        title: "Azure Virtual Desktop agent installed",
        kind: check(
            Levels {
                windows365: Level::Error,
                devbox: Level::Warning,
                avd: Level::Error,
            },
            Some(GraphErrorCode::SourceImageInvalid),
        ),
        message: "The Azure Virtual Desktop agent is installed in the image; its registration \
                  expires and the service installs its own.",
        remediation: "Uninstall \"Remote Desktop Agent Boot Loader\" and \"Remote Desktop \
                      Services Infrastructure Agent\" in the build VM, delete \
                      HKLM\\SOFTWARE\\Microsoft\\RDInfraAgent, then sysprep and capture.",
        references: &[AVD_DOC, "https://learn.microsoft.com/azure/virtual-desktop/troubleshoot-agent"],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.avd_agent,
                "The AVD agent (RDAgentBootLoader / RDInfra) is installed.",
                "windows.provision.avdAgent",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// No Configuration Manager client: service `CcmExec`, the folder `Windows\CCM`, or
    /// `SOFTWARE\Microsoft\CCM`.
    /// ## Why
    /// Windows 365 (and Dev Box, whose requirements exceed it): the image must never have been
    /// "enrolled for co-management" (error). AVD says nothing: a warning (the client's identity
    /// is cloned to every host).
    /// ## Graph code
    /// `sourceImageInvalid`.
    /// ## References
    /// windows-image-facts §0.1, §4, §14.6.
    ConfigMgrClient = "VL1003" {
        name: "configmgr-client",
        title: "Configuration Manager client installed",
        kind: check(w365_devbox_error(Level::Warning), Some(GraphErrorCode::SourceImageInvalid)),
        message: "The Configuration Manager client (co-management) is installed in the image.",
        remediation: "Uninstall it in the build VM (`C:\\Windows\\ccmsetup\\ccmsetup.exe \
                      /uninstall`), remove C:\\Windows\\CCM and HKLM\\SOFTWARE\\Microsoft\\CCM, \
                      then sysprep and capture.",
        references: &[W365_DOC, DEVBOX_DOC],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.configmgr_client,
                "The Configuration Manager client is installed.",
                "windows.provision.configmgrClient",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// At most 3,000 apps in the Start menu: shortcuts (`.lnk`, `.url`) under
    /// `ProgramData\Microsoft\Windows\Start Menu\Programs` and the default profile's, plus the
    /// provisioned Appx applications (`AppxAllUserStore\Applications`). The walk is bounded
    /// (`MAX_START_MENU_*`) and the count says when it is a lower bound.
    /// ## Why
    /// Windows 365 lists "≤ 3,000 apps in the Start menu"; how the service counts is not
    /// documented, so this is a heuristic: a warning on Windows 365 and Dev Box, nothing on AVD.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §0.1, §14.6; Windows 365 device images.
    StartMenuTooManyApps = "VL1004" {
        name: "start-menu-too-many-apps",
        title: "More than 3,000 Start-menu apps",
        kind: check(
            Levels {
                windows365: Level::Warning,
                devbox: Level::Warning,
                avd: Level::Allowed,
            },
            None,
        ),
        message: "The Start menu holds more than the 3,000 apps Windows 365 accepts.",
        remediation: "Remove applications (or their Start-menu shortcuts) from the image, or \
                      deliver them after provisioning.",
        references: &[W365_DOC],
        hits: |facts, _| windows(facts, |w| {
            let p = &w.provision;
            if p.start_menu_apps.value <= 3_000 {
                return Vec::new();
            }
            vec![Hit::new(
                format!(
                    "The Start menu holds {}{} apps, more than 3,000.",
                    if p.start_menu_capped { "at least " } else { "" },
                    p.start_menu_apps.value
                ),
                or_derived(&p.start_menu_apps.evidence, "windows.provision.startMenuApps"),
            )]
        }),
    }

    /// ## What it checks
    /// The Unified Write Filter is not installed and enabled (drivers `uwfvol`, `uwfs`, `uwfreg`
    /// with `Start` ≠ 4).
    /// ## Why
    /// AVD golden-image guide: UWF is not supported (error). Elsewhere a write filter discards
    /// every change at restart: information.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §0.1, §14.6; AVD set-up-golden-image.
    UwfEnabled = "VL1005" {
        name: "uwf-enabled",
        title: "Unified Write Filter enabled",
        kind: check(
            Levels {
                windows365: Level::Info,
                devbox: Level::Info,
                avd: Level::Error,
            },
            None,
        ),
        message: "The Unified Write Filter is enabled; Azure Virtual Desktop does not support it.",
        remediation: "In the build VM: `uwfmgr filter disable`, then remove the feature \
                      (`Disable-WindowsOptionalFeature -Online -FeatureName Client-UnifiedWriteFilter`), \
                      restart, sysprep and capture.",
        references: &[AVD_DOC],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.uwf_enabled,
                "Unified Write Filter drivers are installed and not disabled.",
                "windows.provision.uwfEnabled",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// Dev Box: the defrag (`Microsoft\Windows\Defrag\ScheduledDefrag`) and chkdsk
    /// (`Microsoft\Windows\Chkdsk\ProactiveScan`) scheduled tasks are disabled
    /// (`System32\Tasks\…` XML, `Settings/Enabled`).
    /// ## Why
    /// Dev Box: "run defrag and chkdsk and disable their scheduled tasks" to speed up dev box
    /// creation. A tip: information on Dev Box, nothing elsewhere.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §0.1; Dev Box "configure Azure Compute Gallery".
    MaintenanceTasksEnabled = "VL1006" {
        name: "maintenance-tasks-enabled",
        title: "Defrag/chkdsk scheduled tasks enabled",
        kind: check(
            Levels {
                windows365: Level::Allowed,
                devbox: Level::Info,
                avd: Level::Allowed,
            },
            None,
        ),
        message: "Dev Box recommends running defrag and chkdsk once and disabling their \
                  scheduled tasks.",
        remediation: "In the build VM: `defrag C: /O`, `chkdsk C:`, then `schtasks /Change /TN \
                      \"\\Microsoft\\Windows\\Defrag\\ScheduledDefrag\" /Disable` and the same for \
                      `\\Microsoft\\Windows\\Chkdsk\\ProactiveScan`.",
        references: &[DEVBOX_DOC],
        hits: |facts, _| windows(facts, |w| {
            let f = &w.provision.maintenance_tasks_enabled;
            if f.value.is_empty() {
                return Vec::new();
            }
            vec![Hit::new(
                format!("Enabled maintenance tasks: {}.", f.value.join(", ")),
                or_derived(&f.evidence, "windows.provision.maintenanceTasksEnabled"),
            )]
        }),
    }

    /// ## What it checks
    /// RDP is enabled: `fDenyTSConnections` is not 1 in `SOFTWARE\Policies\Microsoft\Windows
    /// NT\Terminal Services` (the policy, which wins) nor, without a policy value, in
    /// `Control\Terminal Server`.
    /// ## Why
    /// Azure "prepare a Windows VHD": enable RDP. AVD and Windows 365 connect through their own
    /// stacks, and no source says provisioning fails without it; but it is the way into the VM
    /// when it does not come up: a warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §11; prepare-for-upload-vhd-image.
    RdpDisabled = "VL1007" {
        name: "rdp-disabled",
        title: "Remote Desktop disabled",
        kind: check(Levels::all(Level::Warning), None),
        message: "Remote Desktop connections are denied (fDenyTSConnections = 1).",
        remediation: "Before sysprep: `reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal \
                      Server\" /v fDenyTSConnections /t REG_DWORD /d 0 /f` and delete the policy \
                      value under HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            flag(
                &w.provision.rdp_denied,
                "Remote Desktop connections are denied (fDenyTSConnections = 1).",
                "windows.provision.rdpDenied",
            )
            .into_iter()
            .collect()
        }),
    }

    /// ## What it checks
    /// The RDP listener (`WinStations\RDP-Tcp` `PortNumber`) is on 3389 when set.
    /// ## Why
    /// Azure "prepare a Windows VHD" sets 3389; network rules and the services' connection
    /// brokers expect it. A warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §11; prepare-for-upload-vhd-image.
    RdpPortChanged = "VL1008" {
        name: "rdp-port-changed",
        title: "RDP port is not 3389",
        kind: check(Levels::all(Level::Warning), None),
        message: "The RDP listener does not use port 3389.",
        remediation: "Set `HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal \
                      Server\\WinStations\\RDP-Tcp` `PortNumber` to 3389 before sysprep.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            let f = &w.provision.rdp_port;
            match f.value {
                Some(port) if port != 3389 => vec![Hit::new(
                    format!("The RDP listener is on port {port}, not 3389."),
                    or_derived(&f.evidence, "windows.provision.rdpPort"),
                )],
                _ => Vec::new(),
            }
        }),
    }

    /// ## What it checks
    /// The SAN policy (`Services\partmgr\Parameters` `SanPolicy`) is OnlineAll (1) when set.
    /// ## Why
    /// Azure "prepare a Windows VHD": `diskpart san policy=onlineall`, so attached disks come
    /// online. A warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §11; prepare-for-upload-vhd-image.
    SanPolicyNotOnlineAll = "VL1009" {
        name: "san-policy-not-online-all",
        title: "SAN policy is not OnlineAll",
        kind: check(Levels::all(Level::Warning), None),
        message: "The SAN policy keeps new disks offline.",
        remediation: "In the build VM: `diskpart` then `san policy=onlineall`.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            let f = &w.provision.san_policy;
            match f.value {
                Some(v) if v != 1 => vec![Hit::new(
                    format!("SanPolicy is {v}, not 1 (OnlineAll)."),
                    or_derived(&f.evidence, "windows.provision.sanPolicy"),
                )],
                _ => Vec::new(),
            }
        }),
    }

    /// ## What it checks
    /// Every Windows Firewall profile is on (`FirewallPolicy\{Domain,Public,Standard}Profile`
    /// `EnableFirewall` ≠ 0).
    /// ## Why
    /// Azure "prepare a Windows VHD" turns the firewall profiles on. A warning.
    /// ## Graph code
    /// None.
    /// ## References
    /// windows-image-facts §11; prepare-for-upload-vhd-image.
    FirewallProfileOff = "VL1010" {
        name: "firewall-profile-off",
        title: "A Windows Firewall profile is off",
        kind: check(Levels::all(Level::Warning), None),
        message: "A Windows Firewall profile is turned off.",
        remediation: "Before sysprep: `Set-NetFirewallProfile -Profile Domain,Public,Private \
                      -Enabled True`.",
        references: &[PREPARE_VHD_DOC],
        hits: |facts, _| windows(facts, |w| {
            let f = &w.provision.firewall_profiles_off;
            if f.value.is_empty() {
                return Vec::new();
            }
            vec![Hit::new(
                format!("Firewall profiles off: {}.", f.value.join(", ")),
                or_derived(&f.evidence, "windows.provision.firewallProfilesOff"),
            )]
        }),
    }

    // -----------------------------------------------------------------------------------------
    // VS00xx: audit (`vhdlint audit`; severities, not profile levels; hits in crate::audit)

    /// ## What it checks
    /// An answer file left in the image holds a password in plain text or base64 (UTF-16LE of password + element name, trivially reversible): every machine built from the image carries it.
    /// ## Severity
    /// critical (`vhdlint audit`).
    AnswerFilePassword = "VS0001" {
        name: "answer-file-password",
        title: "Password in an answer file",
        kind: RuleKind::Audit { severity: AuditSeverity::Critical },
        message: "An answer file left in the image holds a password in plain text or base64 (UTF-16LE of password + element name, trivially reversible): every machine built from the image carries it.",
        remediation: "Delete the answer files (Windows\\Panther, Windows\\Panther\\Unattend, Windows\\System32\\Sysprep, the root) before capture, change the password, and deliver credentials at deployment time (LAPS, a provisioning secret store).",
        references: &[UNATTEND_DOC],
        hits: crate::audit::answer_file_password,
    }

    /// ## What it checks
    /// An answer file left in the image holds a password in an encoded or hashed form: not plain text, but still material an attacker can attack offline.
    /// ## Severity
    /// medium (`vhdlint audit`).
    AnswerFileEncodedPassword = "VS0002" {
        name: "answer-file-encoded-password",
        title: "Encoded password in an answer file",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "An answer file left in the image holds a password in an encoded or hashed form: not plain text, but still material an attacker can attack offline.",
        remediation: "Delete the answer files before capture and change the password.",
        references: &[UNATTEND_DOC],
        hits: crate::audit::answer_file_encoded_password,
    }

    /// ## What it checks
    /// An auto-logon password is stored in the image: Winlogon DefaultPassword (clear text in SOFTWARE) or the LSA secret DefaultPassword (decryptable offline with the SYSTEM boot key).
    /// ## Severity
    /// critical (`vhdlint audit`).
    AutologonPassword = "VS0003" {
        name: "autologon-password",
        title: "Auto-logon password stored",
        kind: RuleKind::Audit { severity: AuditSeverity::Critical },
        message: "An auto-logon password is stored in the image: Winlogon DefaultPassword (clear text in SOFTWARE) or the LSA secret DefaultPassword (decryptable offline with the SYSTEM boot key).",
        remediation: "Turn auto-logon off and remove the password (`reg delete \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\" /v DefaultPassword /f`; Sysinternals Autologon /delete removes the LSA secret), then change the account's password.",
        references: &[AUTOLOGON_DOC],
        hits: crate::audit::autologon_password,
    }

    /// ## What it checks
    /// Winlogon AutoAdminLogon is 1: every machine built from the image signs an account in at boot, without anyone typing a password.
    /// ## Severity
    /// high (`vhdlint audit`).
    AutologonEnabled = "VS0004" {
        name: "autologon-enabled",
        title: "Auto-logon enabled",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "Winlogon AutoAdminLogon is 1: every machine built from the image signs an account in at boot, without anyone typing a password.",
        remediation: "Set AutoAdminLogon to 0 (and remove DefaultPassword) before capture.",
        references: &[AUTOLOGON_DOC],
        hits: crate::audit::autologon_enabled,
    }

    /// ## What it checks
    /// An `_SC_<service>` LSA secret stores the password of the account a service runs as; it is decryptable offline and cloned to every machine.
    /// ## Severity
    /// high (`vhdlint audit`).
    LsaServiceSecret = "VS0005" {
        name: "lsa-service-secret",
        title: "Service-account password in LSA secrets",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "An `_SC_<service>` LSA secret stores the password of the account a service runs as; it is decryptable offline and cloned to every machine.",
        remediation: "Run the service as a virtual or managed service account (gMSA), or remove it and its credentials before capture.",
        references: &[LSA_SECRETS_DOC],
        hits: crate::audit::lsa_service_secret,
    }

    /// ## What it checks
    /// The SECURITY hive holds cached domain logons (NL$n): domain users' password verifiers, crackable offline, on every machine built from the image.
    /// ## Severity
    /// high (`vhdlint audit`).
    CachedLogons = "VS0006" {
        name: "cached-domain-logons",
        title: "Cached domain logons",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "The SECURITY hive holds cached domain logons (NL$n): domain users' password verifiers, crackable offline, on every machine built from the image.",
        remediation: "Capture from a machine no domain user has signed in to, or clear the cache (CachedLogonsCount 0, then sign out and reboot) before sysprep.",
        references: &[LSA_SECRETS_DOC],
        hits: crate::audit::cached_logons,
    }

    /// ## What it checks
    /// The built-in Administrator (RID 500) is enabled: the same account, and with a password set the same password, on every machine built from the image; it is exempt from lockout.
    /// ## Severity
    /// high (`vhdlint audit`).
    BuiltinAdminEnabled = "VS0007" {
        name: "builtin-administrator-enabled",
        title: "Built-in Administrator enabled",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "The built-in Administrator (RID 500) is enabled: the same account, and with a password set the same password, on every machine built from the image; it is exempt from lockout.",
        remediation: "Disable it (`net user Administrator /active:no`) and manage local administrator passwords with Windows LAPS.",
        references: &[LAPS_DOC],
        hits: crate::audit::builtin_admin_enabled,
    }

    /// ## What it checks
    /// An enabled local account other than the built-in Administrator is a member of Administrators: a shared local admin on every machine built from the image.
    /// ## Severity
    /// medium (`vhdlint audit`).
    OtherLocalAdmin = "VS0008" {
        name: "other-local-administrator",
        title: "Other enabled local administrator",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "An enabled local account other than the built-in Administrator is a member of Administrators: a shared local admin on every machine built from the image.",
        remediation: "Remove the build account or take it out of Administrators before capture; use LAPS or Entra/Intune role assignments.",
        references: &[LAPS_DOC],
        hits: crate::audit::other_local_admin,
    }

    /// ## What it checks
    /// An enabled local account has no password (no NT hash stored).
    /// ## Severity
    /// high (`vhdlint audit`).
    AccountWithoutPassword = "VS0009" {
        name: "account-without-password",
        title: "Enabled account without a password",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "An enabled local account has no password (no NT hash stored).",
        remediation: "Disable or delete the account, or set a password, before capture.",
        references: &[LAPS_DOC],
        hits: crate::audit::account_without_password,
    }

    /// ## What it checks
    /// The Guest account (RID 501) is enabled.
    /// ## Severity
    /// high (`vhdlint audit`).
    GuestEnabled = "VS0010" {
        name: "guest-enabled",
        title: "Guest account enabled",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "The Guest account (RID 501) is enabled.",
        remediation: "Disable it: `net user Guest /active:no`.",
        references: &[LAPS_DOC],
        hits: crate::audit::guest_enabled,
    }

    /// ## What it checks
    /// A user profile other than Default and Public is in the image (\\Users or ProfileList): whatever its user left, every machine gets.
    /// ## Severity
    /// low (`vhdlint audit`).
    LeftoverProfile = "VS0011" {
        name: "leftover-profile",
        title: "User profile left in the image",
        kind: RuleKind::Audit { severity: AuditSeverity::Low },
        message: "A user profile other than Default and Public is in the image (\\Users or ProfileList): whatever its user left, every machine gets.",
        remediation: "Delete the profile (System Properties > User Profiles, or Remove-CimInstance Win32_UserProfile) before sysprep.",
        references: &[BASELINE_DOC],
        hits: crate::audit::leftover_profile,
    }

    /// ## What it checks
    /// A profile holds a credential file: an SSH private key, AWS keys, Docker or Git credentials, an Azure CLI / MSAL token cache, a PFX/P12, or a browser's saved passwords.
    /// ## Severity
    /// high (`vhdlint audit`).
    CredentialFile = "VS0012" {
        name: "credential-file",
        title: "Credential file in a profile",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "A profile holds a credential file: an SSH private key, AWS keys, Docker or Git credentials, an Azure CLI / MSAL token cache, a PFX/P12, or a browser's saved passwords.",
        remediation: "Delete the file, revoke or rotate the credential it holds, and rebuild the image from a clean profile.",
        references: &[BASELINE_DOC],
        hits: crate::audit::credential_file,
    }

    /// ## What it checks
    /// A PSReadLine history file has lines that handle credentials (-AsPlainText, ConvertTo-SecureString, -Password, connection strings); the lines are not shown, their numbers are.
    /// ## Severity
    /// high (`vhdlint audit`).
    HistoryCredential = "VS0013" {
        name: "history-credential",
        title: "Credentials in PowerShell history",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "A PSReadLine history file has lines that handle credentials (-AsPlainText, ConvertTo-SecureString, -Password, connection strings); the lines are not shown, their numbers are.",
        remediation: "Delete ConsoleHost_history.txt, rotate the credentials those lines used, and disable history during builds (Set-PSReadLineOption -HistorySaveStyle SaveNothing).",
        references: &[BASELINE_DOC],
        hits: crate::audit::history_credential,
    }

    /// ## What it checks
    /// Microsoft Defender Antivirus is disabled by policy or its real-time protection is off.
    /// ## Severity
    /// high (`vhdlint audit`).
    DefenderDisabled = "VS0014" {
        name: "defender-disabled",
        title: "Microsoft Defender disabled",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "Microsoft Defender Antivirus is disabled by policy or its real-time protection is off.",
        remediation: "Remove the DisableAntiSpyware / DisableRealtimeMonitoring policies before capture.",
        references: &[BASELINE_DOC],
        hits: crate::audit::defender_disabled,
    }

    /// ## What it checks
    /// Defender exclusions (paths, extensions, processes) are configured; each excluded location is a place malware is not scanned.
    /// ## Severity
    /// medium (`vhdlint audit`).
    DefenderExclusions = "VS0015" {
        name: "defender-exclusions",
        title: "Microsoft Defender exclusions",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "Defender exclusions (paths, extensions, processes) are configured; each excluded location is a place malware is not scanned.",
        remediation: "Review every exclusion; remove those only the build needed.",
        references: &[BASELINE_DOC],
        hits: crate::audit::defender_exclusions,
    }

    /// ## What it checks
    /// A Windows Firewall profile is off (EnableFirewall = 0) by setting or policy.
    /// ## Severity
    /// high (`vhdlint audit`).
    FirewallDisabled = "VS0016" {
        name: "firewall-disabled",
        title: "Windows Firewall disabled",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "A Windows Firewall profile is off (EnableFirewall = 0) by setting or policy.",
        remediation: "Turn every profile back on (`Set-NetFirewallProfile -All -Enabled True`) and remove the policy.",
        references: &[BASELINE_DOC],
        hits: crate::audit::firewall_disabled,
    }

    /// ## What it checks
    /// EnableLUA is 0: UAC is off and every administrator's process runs elevated.
    /// ## Severity
    /// high (`vhdlint audit`).
    UacDisabled = "VS0017" {
        name: "uac-disabled",
        title: "User Account Control off",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "EnableLUA is 0: UAC is off and every administrator's process runs elevated.",
        remediation: "Set EnableLUA to 1 under HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System.",
        references: &[BASELINE_DOC],
        hits: crate::audit::uac_disabled,
    }

    /// ## What it checks
    /// The SMBv1 server or client is enabled: a deprecated protocol with wormable vulnerabilities.
    /// ## Severity
    /// medium (`vhdlint audit`).
    Smb1Enabled = "VS0018" {
        name: "smb1-enabled",
        title: "SMBv1 enabled",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "The SMBv1 server or client is enabled: a deprecated protocol with wormable vulnerabilities.",
        remediation: "Remove the feature: `Disable-WindowsOptionalFeature -Online -FeatureName SMB1Protocol`.",
        references: &[SMB1_DOC],
        hits: crate::audit::smb1_enabled,
    }

    /// ## What it checks
    /// WDigest UseLogonCredential is 1: logon passwords are kept reversibly in LSASS memory.
    /// ## Severity
    /// high (`vhdlint audit`).
    WdigestLogonCredential = "VS0019" {
        name: "wdigest-logon-credential",
        title: "WDigest stores logon passwords",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "WDigest UseLogonCredential is 1: logon passwords are kept reversibly in LSASS memory.",
        remediation: "Delete UseLogonCredential (or set it to 0) under SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest.",
        references: &[BASELINE_DOC],
        hits: crate::audit::wdigest,
    }

    /// ## What it checks
    /// NoLMHash is 0: passwords are also stored as LM hashes, which crack in seconds.
    /// ## Severity
    /// medium (`vhdlint audit`).
    LmHashStored = "VS0020" {
        name: "lm-hash-stored",
        title: "LM hashes stored",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "NoLMHash is 0: passwords are also stored as LM hashes, which crack in seconds.",
        remediation: "Set NoLMHash to 1 under SYSTEM\\CurrentControlSet\\Control\\Lsa.",
        references: &[BASELINE_DOC],
        hits: crate::audit::lm_hash,
    }

    /// ## What it checks
    /// RDP-Tcp UserAuthentication is 0: Remote Desktop accepts connections before authenticating the user.
    /// ## Severity
    /// medium (`vhdlint audit`).
    RdpWithoutNla = "VS0021" {
        name: "rdp-without-nla",
        title: "RDP without Network Level Authentication",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "RDP-Tcp UserAuthentication is 0: Remote Desktop accepts connections before authenticating the user.",
        remediation: "Set UserAuthentication to 1 (System Properties > Remote > allow only NLA).",
        references: &[BASELINE_DOC],
        hits: crate::audit::rdp_without_nla,
    }

    /// ## What it checks
    /// The WinRM service policy allows unencrypted traffic or Basic authentication: credentials cross the network in clear.
    /// ## Severity
    /// high (`vhdlint audit`).
    WinrmInsecure = "VS0022" {
        name: "winrm-insecure",
        title: "WinRM allows unencrypted traffic or Basic",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "The WinRM service policy allows unencrypted traffic or Basic authentication: credentials cross the network in clear.",
        remediation: "Remove AllowUnencryptedTraffic and AllowBasic under SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service.",
        references: &[BASELINE_DOC],
        hits: crate::audit::winrm_insecure,
    }

    /// ## What it checks
    /// Neither LSA protection (RunAsPPL) nor Credential Guard (LsaCfgFlags) is configured in the image (they may still come from policy at deployment).
    /// ## Severity
    /// info (`vhdlint audit`).
    LsaProtectionOff = "VS0023" {
        name: "lsa-protection-off",
        title: "No LSA protection or Credential Guard",
        kind: RuleKind::Audit { severity: AuditSeverity::Info },
        message: "Neither LSA protection (RunAsPPL) nor Credential Guard (LsaCfgFlags) is configured in the image (they may still come from policy at deployment).",
        remediation: "Set RunAsPPL to 1 under SYSTEM\\CurrentControlSet\\Control\\Lsa, or enable Credential Guard by policy.",
        references: &[LSA_PROTECTION_DOC],
        hits: crate::audit::lsa_protection_off,
    }

    /// ## What it checks
    /// NoDriveTypeAutoRun is not 0xFF: AutoRun is not disabled for every drive type.
    /// ## Severity
    /// info (`vhdlint audit`).
    AutorunNotDisabled = "VS0024" {
        name: "autorun-not-disabled",
        title: "AutoRun not disabled",
        kind: RuleKind::Audit { severity: AuditSeverity::Info },
        message: "NoDriveTypeAutoRun is not 0xFF: AutoRun is not disabled for every drive type.",
        remediation: "Set the policy Turn off AutoPlay (NoDriveTypeAutoRun = 0xFF).",
        references: &[BASELINE_DOC],
        hits: crate::audit::autorun_not_disabled,
    }

    /// ## What it checks
    /// The default boot loader has testsigning or nointegritychecks on: unsigned drivers load.
    /// ## Severity
    /// high (`vhdlint audit`).
    BootIntegrityOff = "VS0025" {
        name: "boot-integrity-off",
        title: "Boot integrity checks off",
        kind: RuleKind::Audit { severity: AuditSeverity::High },
        message: "The default boot loader has testsigning or nointegritychecks on: unsigned drivers load.",
        remediation: "`bcdedit /set {default} testsigning off` and `bcdedit /set {default} nointegritychecks off` before capture.",
        references: &[BASELINE_DOC],
        hits: crate::audit::boot_integrity_off,
    }

    /// ## What it checks
    /// An autostart entry runs from a user-writable or unusual place, or uses a mechanism attackers favour (IFEO Debugger, AppInit_DLLs, AppCertDLLs, an added LSA package, a changed Winlogon Shell/Userinit, a service outside System32/Program Files).
    /// ## Severity
    /// medium (`vhdlint audit`).
    RiskyAutorun = "VS0026" {
        name: "risky-autorun",
        title: "Autostart entry attackers use",
        kind: RuleKind::Audit { severity: AuditSeverity::Medium },
        message: "An autostart entry runs from a user-writable or unusual place, or uses a mechanism attackers favour (IFEO Debugger, AppInit_DLLs, AppCertDLLs, an added LSA package, a changed Winlogon Shell/Userinit, a service outside System32/Program Files).",
        remediation: "Confirm the entry is yours; remove it if not, and install software under Program Files.",
        references: &[AUTORUNS_DOC],
        hits: crate::audit::risky_autorun,
    }

    /// ## What it checks
    /// A bounded walk (profiles, credential files, scheduled tasks, answer files) hit its cap, or a part the audit reads (the SAM, a profile, a task file) could not be read: what lies beyond was not looked at.
    /// ## Severity
    /// low (`vhdlint audit`).
    AuditIncomplete = "VS0027" {
        name: "audit-incomplete",
        title: "Audit stopped at a cap",
        kind: RuleKind::Audit { severity: AuditSeverity::Low },
        message: "A bounded walk (profiles, credential files, scheduled tasks, answer files) hit its cap, or a part the audit reads (the SAM, a profile, a task file) could not be read: what lies beyond was not looked at.",
        remediation: "Review the named location by hand; the caps are in vhdlint-gather's budgets.rs.",
        references: &[AUTORUNS_DOC],
        hits: crate::audit::audit_incomplete,
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The registry evidence of the OS identity plus the identity decision
/// ([`WindowsFacts::identity_notes`]) as derived evidence.
pub fn with_identity_note(w: &WindowsFacts) -> Vec<Evidence> {
    let mut evidence = w.identity_evidence();
    if !w.identity_notes.is_empty() {
        evidence.push(Evidence::derived(w.identity_notes.join("; ")));
    }
    evidence
}

/// The fact's evidence, or (when the gatherer recorded none) one derived line naming the fact,
/// so that no finding comes without evidence.
pub fn or_derived(evidence: &[Evidence], fact: impl Into<String>) -> Vec<Evidence> {
    if evidence.is_empty() {
        vec![Evidence::derived(fact)]
    } else {
        evidence.to_vec()
    }
}

/// Removes repeated evidence, keeping the first of each.
pub fn dedup(evidence: &mut Vec<Evidence>) {
    let mut seen: Vec<Evidence> = Vec::with_capacity(evidence.len());
    evidence.retain(|e| {
        if seen.contains(e) {
            false
        } else {
            seen.push(e.clone());
            true
        }
    });
}

/// `f` over the Windows installation; no hits without one.
pub fn windows(facts: &ImageFacts, f: impl FnOnce(&WindowsFacts) -> Vec<Hit>) -> Vec<Hit> {
    facts.windows.as_ref().map_or_else(Vec::new, f)
}

/// `f` over the container; no hits without one.
pub fn container(facts: &ImageFacts, f: impl FnOnce(&ContainerFacts) -> Vec<Hit>) -> Vec<Hit> {
    facts.container.as_ref().map_or_else(Vec::new, f)
}

/// `f` over the partition table; no hits without one.
pub fn partitions(facts: &ImageFacts, f: impl FnOnce(&PartitionFacts) -> Vec<Hit>) -> Vec<Hit> {
    facts.partitions.as_ref().map_or_else(Vec::new, f)
}

/// A hit when a yes/no fact is true: `message`, with the fact's evidence (or `name = true` as
/// derived evidence when the gatherer recorded none).
pub fn flag(fact: &Fact<bool>, message: &str, name: &str) -> Option<Hit> {
    fact.value.then(|| {
        Hit::new(
            message,
            or_derived(&fact.evidence, format!("{name} = true")),
        )
    })
}
