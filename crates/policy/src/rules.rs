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
//! `VL06xx` VM-name customization, `VL07xx` registry and storage hygiene. An id is never reused;
//! a retired rule's id moves to [`RETIRED_IDS`].
//!
//! Requirement sources are cited per rule; `windows-image-facts` is
//! `../shared/docs/windows-image-facts.md`.

use vhdlint_facts::{
    ContainerFacts, ContainerFormat, DiskType, EditionClass, Evidence, Fact, Generation,
    ImageFacts, ImageState, OsFamily, PartitionFacts, PartitionKind, ProblemKind, ReservedStorage,
    WindowsFacts, FIRST_WINDOWS_11_BUILD, GIB, IMAGE_STATE_GENERALIZED_OOBE, MIB, VHD_FOOTER_SIZE,
};

use crate::evaluate::os_servicing;
use crate::graph::{GraphErrorCode, OsStatus};
use crate::rule::{Hit, Level, Levels, Profile, Rule, RuleKind};

const W365_DOC: &str = "https://learn.microsoft.com/windows-365/enterprise/device-images";
const DEVBOX_DOC: &str =
    "https://learn.microsoft.com/azure/dev-box/how-to-configure-azure-compute-gallery";
const AVD_DOC: &str = "https://learn.microsoft.com/azure/virtual-desktop/set-up-golden-image";
const PREPARE_VHD_DOC: &str =
    "https://learn.microsoft.com/azure/virtual-machines/windows/prepare-for-upload-vhd-image";
const GRAPH_DOC: &str = "https://learn.microsoft.com/graph/api/resources/cloudpcdeviceimage";

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
