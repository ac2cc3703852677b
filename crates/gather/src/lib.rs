//! The fact gatherer: opens a Windows VM disk image offline and fills one [`ImageFacts`] of the
//! model in `vhdlint-facts`.
//!
//! This crate is the one place that knows the Windows image layout ([`layout`]: the Windows
//! volume, the EFI system partition, the boot volume and its BCD store; [`hives`]: the
//! `config` hives; [`files`]: `State.ini`, Panther; [`locate`]: a hive in an image by its
//! registry name, and the logs beside a hive). `vhdlint inspect`, `reg` and `check` all go
//! through it, so they read the same BCD store of an image.
//!
//! It walks container → partition table → volumes → files and registry hives, reading only what
//! it needs: it stats or opens the specific files and registry keys/values named in
//! `windows-image-facts` (never listing big directories nor walking whole hives), so gathering
//! a 64 GiB image reads a few hundred KiB. Every fact carries the [`Evidence`] that produced it
//! (hive + key + value, file path, partition entry, container field), including the key or file
//! looked at when something is absent, so a reviewer can see what "false" means.
//!
//! Nothing aborts the whole gather: each failure (corrupt container, partition table, file
//! system, hive, BitLocker, no Windows volume, no boot path) becomes a [`Problem`] with the
//! reader's message, and everything still reachable is gathered.
//!
//! | step | module | facts |
//! |---|---|---|
//! | container | [`container`] | `container`, `partitions` |
//! | volumes | this module | BitLocker / file-system problems, the Windows volume |
//! | hives | [`hives`] | `windows.hives` (dirty, logs replayed) |
//! | SYSTEM | [`system`] | control set, computer name, product type, cdrom, Entra join, `Setup` |
//! | SOFTWARE | [`software`] | version, edition, `ImageState`, AADLoginForWindows, MDM, reserved storage |
//! | SECURITY | [`security`] | AD domain join |
//! | files | [`files`], [`unattend`] | `State.ini`, `Sysprep_succeeded.tag`, answer files, plugin folder |
//! | boot | [`boot`], [`boot_chain`] | `generation`, `boot` (ESP, BCD, devices, boot manager signature), `windows.kernel` |
//! | provisioning | [`provision`] | `windows.provision`: pending servicing, dirty bit, hibernation, sysprep logs, refused software, Start menu, tasks, RDP |

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod boot;
pub mod boot_chain;
pub mod budgets;
pub mod container;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod hives;
pub mod layout;
pub mod locate;
pub mod provision;
pub mod security;
pub mod software;
pub mod system;
pub mod unattend;

// The model's modules under their old paths (`crate::model::…`): the step modules moved here
// from `vhdlint-facts` unchanged.
pub(crate) use vhdlint_facts::{evidence, model};

use std::path::Path;
use std::sync::Arc;

use vhdlint_container::{Container, ContainerError};
use vhdlint_filesystems::image::{Image, ImageError, Volume};
use vhdlint_filesystems::{detect, Detected, FsError};
use vhdlint_volumes::PartitionKind as VolKind;

use vhdlint_facts::{Evidence, Fact, ImageFacts, Problem, ProblemKind, WindowsFacts};

pub use layout::{boot_volume, default_volume, drive_volume, esp, windows_volume, BootChoice};
pub use locate::{
    open_hive_file, open_hive_in, open_image_hive, split_registry_path, HiveFileError,
    HiveLocation, HiveName, ImageHiveError,
};

/// How to gather.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatherOptions {
    /// Replay the `.LOG1`/`.LOG2` transaction logs of a dirty hive (in memory) before reading it
    /// (default: yes). Without replay a dirty hive's values may be stale.
    pub replay_logs: bool,
}

impl Default for GatherOptions {
    fn default() -> Self {
        GatherOptions { replay_logs: true }
    }
}

/// The Windows system root, as the volume path every Windows file below is read under.
pub const SYSTEM_ROOT: &str = r"\Windows";

/// Gathers every fact of an opened image. Never fails: what cannot be read becomes a
/// [`Problem`] in [`ImageFacts::problems`] and the rest is still gathered.
pub fn gather(image: &Image, opts: &GatherOptions) -> ImageFacts {
    gather_impl(image, opts, false)
}

/// [`gather`] plus the audit step ([`audit::gather_audit`]): `ImageFacts::audit` is set
/// (`vhdlint audit`). `check` calls [`gather`], which never reads what only the audit needs.
pub fn gather_audit(image: &Image, opts: &GatherOptions) -> ImageFacts {
    gather_impl(image, opts, true)
}

/// [`gather_container`] with the audit step.
pub fn gather_container_audit(container: &Arc<Container>, opts: &GatherOptions) -> ImageFacts {
    match Image::from_container(Arc::clone(container)) {
        Ok(image) => gather_audit(&image, opts),
        Err(e) => facts_without_partitions(container, &e),
    }
}

fn gather_impl(image: &Image, opts: &GatherOptions, with_audit: bool) -> ImageFacts {
    let mut problems = Vec::new();
    let mut container = container::container_facts(image.container().info());
    let partitions = container::partition_facts(image.partitions());
    if let Some(t) =
        container::partition_truncation(image.partitions(), image.container().info().virtual_size)
    {
        // A VHD that lost its footer needs the partitions' bytes and the footer after them.
        for lost in container
            .truncated
            .iter_mut()
            .filter(|l| l.structure == "VHD footer")
        {
            lost.expected_size = lost.expected_size.max(t.expected_size.saturating_add(512));
        }
        container.truncated.push(t);
    }

    // The Windows volume search mounts data volumes in table order until one holds Windows.
    let windows_volume = layout::windows_volume(image);
    scan_volumes(image, windows_volume.is_none(), &mut problems);
    // The Windows volume and the boot volume (BCD, boot manager) are read in parallel: two
    // independent chains of reads (issue 16: round trips over HTTP). Problems keep their order.
    let mut audit = None;
    let (windows, (generation, boot, boot_problems)) = rayon::join(
        || match windows_volume {
            Some(volume) => gather_windows(
                volume,
                opts,
                with_audit.then_some(&mut audit),
                &mut problems,
            ),
            None => {
                problems.push(no_windows_volume(image));
                None
            }
        },
        || {
            let mut p = Vec::new();
            let (generation, boot) = boot::boot_facts(image, opts, &mut p);
            (generation, boot, p)
        },
    );
    problems.extend(boot_problems);

    ImageFacts {
        container: Some(container),
        partitions: Some(partitions),
        generation,
        boot,
        windows,
        problems,
        foreign_format: None,
        audit: if with_audit {
            Some(audit.unwrap_or_default())
        } else {
            None
        },
    }
}

/// Opens the image at `path` read-only and gathers its facts.
///
/// `Err` only when the operating system will not open or read the file
/// ([`ContainerError::is_os_error`]); a corrupt or unrecognized container gives
/// `Ok(ImageFacts { problems: [Container …], .. })`, and a corrupt partition table gives the
/// container facts plus a `PartitionTable` problem.
pub fn gather_path(path: &Path, opts: &GatherOptions) -> Result<ImageFacts, ContainerError> {
    match vhdlint_container::open(path) {
        Ok(c) => Ok(gather_container(&Arc::new(c), opts)),
        Err(e) if e.is_os_error() => Err(e),
        Err(e) => Ok(unreadable_container(&path.display().to_string(), &e)),
    }
}

/// Gathers the facts of an opened container: its partition table, then [`gather`]; a corrupt
/// partition table gives the container facts plus a `PartitionTable` problem.
pub fn gather_container(container: &Arc<Container>, opts: &GatherOptions) -> ImageFacts {
    match Image::from_container(Arc::clone(container)) {
        Ok(image) => gather(&image, opts),
        Err(e) => facts_without_partitions(container, &e),
    }
}

/// The facts of the image shown as `shown` (a path, or a URL without its query) whose container
/// could not be read (`e`, not an OS error): one `Container` problem.
pub fn unreadable_container(shown: &str, e: &ContainerError) -> ImageFacts {
    let foreign_format = match e {
        ContainerError::Foreign { image, found } => Some(Fact::new(
            vhdlint_facts::ForeignFormat {
                id: found.format.id().to_owned(),
                name: found.format.name().to_owned(),
                conversion: found.format.advice(image),
            },
            Evidence::container(
                "signature",
                Some(found.offset),
                found
                    .detail
                    .clone()
                    .unwrap_or_else(|| found.format.name().to_owned()),
            ),
        )),
        _ => None,
    };
    ImageFacts {
        foreign_format,
        problems: vec![Problem {
            kind: ProblemKind::Container,
            message: e.to_string(),
            evidence: vec![Evidence::file(None, shown.to_string())],
        }],
        ..ImageFacts::default()
    }
}

/// The facts of a container whose partition table could not be read.
fn facts_without_partitions(container: &Container, e: &ImageError) -> ImageFacts {
    let kind = match e {
        ImageError::Container(_) => ProblemKind::Container,
        _ => ProblemKind::PartitionTable,
    };
    ImageFacts {
        container: Some(container::container_facts(container.info())),
        problems: vec![Problem {
            kind,
            message: e.to_string(),
            evidence: vec![Evidence::derived(
                "reading the partition table at LBA 0 (MBR) and LBA 1 (GPT header)",
            )],
        }],
        ..ImageFacts::default()
    }
}

/// Evidence naming a volume: its partition entry, or the bare disk.
pub(crate) fn volume_evidence(volume: &Volume, detail: impl Into<String>) -> Evidence {
    Evidence::File {
        partition_index: volume.index(),
        path: r"\".into(),
        detail: Some(detail.into()),
    }
}

/// Reports BitLocker-encrypted volumes and data volumes whose file system cannot be read.
///
/// Each volume's first sector is read once (512 bytes) and recognized with
/// [`vhdlint_filesystems::detect`]. When no Windows volume was found (`mounted`: the search
/// then mounted every data volume already), NTFS/FAT data volumes also report their mount
/// error; otherwise volumes are not mounted just to look. EFI system partitions are left to
/// [`boot`].
fn scan_volumes(image: &Image, mounted: bool, problems: &mut Vec<Problem>) {
    for volume in image.volumes() {
        let kind = volume.partition.as_ref().map(|p| p.kind);
        if kind == Some(VolKind::EfiSystem) {
            continue;
        }
        let mut boot = [0u8; 512];
        let detected = match volume.source.read_at(0, &mut boot) {
            Ok(()) => detect(&boot),
            Err(e) => {
                // The volume's bytes cannot be read: the container (a truncated file, a BAT
                // entry past the end) is at fault, not the file system.
                problems.push(Problem {
                    kind: ProblemKind::Container,
                    message: format!("{}: reading the boot sector: {e}", volume.describe()),
                    evidence: vec![volume_evidence(volume, "boot sector")],
                });
                continue;
            }
        };
        match detected {
            Detected::BitLocker => problems.push(Problem {
                kind: ProblemKind::BitLocker,
                message: format!("{}: {}", volume.describe(), FsError::BitLocker),
                evidence: vec![volume_evidence(
                    volume,
                    "boot sector OEM id \"-FVE-FS-\" at offset 3",
                )],
            }),
            Detected::Ntfs | Detected::Fat => {
                // Only a volume that should hold Windows data is worth a problem, and only when
                // the Windows volume search already mounted it (no extra reads).
                let data = matches!(
                    kind,
                    None | Some(VolKind::BasicData) | Some(VolKind::Unknown)
                );
                if data && mounted {
                    if let Err(e) = volume.fs() {
                        problems.push(Problem {
                            kind: image_error_kind(&e),
                            message: e.to_string(),
                            evidence: vec![volume_evidence(volume, "mounting the file system")],
                        });
                    }
                }
            }
            Detected::Unknown(_) if boot.iter().all(|b| *b == 0) => {
                if matches!(kind, None | Some(VolKind::BasicData)) {
                    problems.push(blank_volume(image, volume));
                }
            }
            Detected::Unknown(oem) => {
                if matches!(kind, None | Some(VolKind::BasicData)) {
                    problems.push(Problem {
                        kind: ProblemKind::Filesystem,
                        message: format!(
                            "{}: {}",
                            volume.describe(),
                            FsError::UnknownFileSystem { oem: oem.clone() }
                        ),
                        evidence: vec![volume_evidence(
                            volume,
                            format!("boot sector OEM id {oem:?} at offset 3"),
                        )],
                    });
                }
            }
            Detected::ExFat => {}
        }
    }
}

/// The problem for a volume whose boot sector is all zeros: a blank disk (no partition table)
/// or an unformatted partition — not a corrupt file system.
fn blank_volume(image: &Image, volume: &Volume) -> Problem {
    if volume.partition.is_none() {
        Problem {
            kind: ProblemKind::BlankDisk,
            message: format!(
                "no partition table, and its first sector is all zeros (a new disk nothing \
                 was written to; {} bytes)",
                image.container().info().virtual_size
            ),
            evidence: vec![volume_evidence(volume, "LBA 0: 512 zero bytes")],
        }
    } else {
        Problem {
            kind: ProblemKind::Unformatted,
            message: format!(
                "{} is not formatted: its boot sector is all zeros (no file system)",
                volume.describe()
            ),
            evidence: vec![volume_evidence(volume, "boot sector: 512 zero bytes")],
        }
    }
}

/// The problem kind of a volume that does not mount: `Container` when the bytes below the file
/// system could not be read, `BitLocker` for an encrypted volume, else `Filesystem`.
pub(crate) fn image_error_kind(e: &ImageError) -> ProblemKind {
    match e {
        ImageError::Mount {
            source: FsError::Read(_),
            ..
        }
        | ImageError::Container(_) => ProblemKind::Container,
        ImageError::Mount {
            source: FsError::BitLocker,
            ..
        } => ProblemKind::BitLocker,
        _ => ProblemKind::Filesystem,
    }
}

/// The `NoWindowsVolume` problem, naming the volumes searched.
fn no_windows_volume(image: &Image) -> Problem {
    let searched: Vec<String> = image
        .volumes()
        .iter()
        .filter(|v| !layout::is_esp(v))
        .map(Volume::describe)
        .collect();
    let disk = image.container().info().virtual_size;
    let lost: Vec<String> = image
        .partitions()
        .entries
        .iter()
        .filter(|p| p.start_offset.saturating_add(p.size) > disk)
        .map(|p| format!("partition {} ({})", p.index, p.kind.as_str()))
        .collect();
    let message = if searched.is_empty() && !lost.is_empty() {
        format!(
            "no volume that could hold Windows: {} lie(s) past the end of the {disk}-byte disk \
             (a truncated image)",
            lost.join(", ")
        )
    } else if searched.is_empty() {
        "no volume that could hold Windows (the disk has no data partition)".to_owned()
    } else {
        format!(
            "no volume holds \\Windows\\System32\\config (searched {})",
            searched.join(", ")
        )
    };
    Problem {
        kind: ProblemKind::NoWindowsVolume,
        message,
        evidence: vec![Evidence::file(None, r"\Windows\System32\config")],
    }
}

/// Everything read from the Windows volume.
fn gather_windows(
    volume: &Volume,
    opts: &GatherOptions,
    audit: Option<&mut Option<vhdlint_facts::AuditFacts>>,
    problems: &mut Vec<Problem>,
) -> Option<WindowsFacts> {
    let fs = match volume.fs() {
        Ok(fs) => fs.clone(),
        Err(e) => {
            problems.push(Problem {
                kind: image_error_kind(&e),
                message: e.to_string(),
                evidence: vec![volume_evidence(volume, "mounting the Windows volume")],
            });
            return None;
        }
    };
    let index = volume.index();
    let mut w = WindowsFacts {
        system_root: Fact::new(
            SYSTEM_ROOT.to_owned(),
            Evidence::File {
                partition_index: index,
                path: r"\Windows\System32\config".into(),
                detail: Some("directory present".into()),
            },
        ),
        partition_index: Fact::new(
            index.unwrap_or(0),
            match &volume.partition {
                Some(p) => Evidence::derived(format!(
                    "partition {} ({}) holds \\Windows\\System32\\config",
                    p.index,
                    p.kind.as_str()
                )),
                None => Evidence::derived(
                    "the disk has no partition table; the whole disk is the Windows volume (0)",
                ),
            },
        ),
        ..WindowsFacts::default()
    };

    let opened = hives::open_windows_hives(&*fs, index, opts);
    for (name, result) in [
        ("SYSTEM", &opened.system),
        ("SOFTWARE", &opened.software),
        ("SECURITY", &opened.security),
    ] {
        match result {
            Ok(h) => w.hives.push(hives::hive_facts(name, h, index)),
            Err(p) => problems.push(p.clone()),
        }
    }

    // Each hive step writes only its own hive's fields and reads none. What a later step needs
    // from an earlier one is passed to it: SYSTEM's `Setup` values, SOFTWARE's `ImageState` and
    // AADLoginForWindows values, and (for the OS identity) SOFTWARE's version values.
    let mut setup = system::SetupValues::default();
    if let Ok(h) = &opened.system {
        setup = system::fill(&mut w, h, problems);
    }
    if let Ok(h) = &opened.software {
        software::fill(&mut w, h, problems);
    }
    if let Ok(h) = &opened.security {
        security::fill(&mut w, h, problems);
    }
    // The file steps below read independent files (kernel PE headers; Panther logs, servicing
    // files, tasks and the Start menu; answer files), each a chain of dependent reads: run in
    // parallel, so an image read over HTTP pays the longest chain, not their sum (issue 16).
    // Each collects its own problems; they are appended in the order the steps are listed.
    let control_set = w.control_set.value.clone();
    let cs = control_set.as_deref();
    let system = opened.system.as_ref().ok();
    let software = opened.software.as_ref().ok();
    let cdj = std::mem::take(&mut w.aad_login_for_windows);
    let mut provision = std::mem::take(&mut w.provision);
    let image_state = &w.image_state;
    let fs = &*fs;
    let ((kernel, kernel_problems), ((generalized, gen_problems, prov_problems), (aad, answers))) =
        rayon::join(
            || {
                let mut p = Vec::new();
                let k = boot_chain::kernel_facts(fs, index, system, cs, &mut p);
                (k, p)
            },
            || {
                rayon::join(
                    || {
                        let mut gp = Vec::new();
                        let g = files::generalized(image_state, fs, index, &setup, &mut gp);
                        let mut pp = Vec::new();
                        provision::fill(
                            &mut provision,
                            cs,
                            g.value,
                            system,
                            software,
                            fs,
                            index,
                            &mut pp,
                        );
                        (g, gp, pp)
                    },
                    || {
                        let mut p = Vec::new();
                        let aad = files::with_aad_plugin(cdj, fs, index);
                        let answers =
                            unattend::answer_files(fs, index, setup.unattend_file.as_ref(), &mut p);
                        (aad, (answers, p))
                    },
                )
            },
        );
    let (answers, answer_problems) = answers;
    w.kernel = kernel;
    w.generalized = generalized;
    w.aad_login_for_windows = aad;
    w.answer_files = answers;
    w.provision = provision;
    problems.extend(kernel_problems);
    problems.extend(gen_problems);
    problems.extend(answer_problems);
    problems.extend(prov_problems);
    // The OS identity is decided once, from the version values SOFTWARE (and SYSTEM's
    // ProductType) gave, and stored.
    w.fill_identity();
    if let Some(slot) = audit {
        *slot = Some(audit::gather_audit(
            fs,
            index,
            &opened,
            w.control_set.value.as_deref(),
            opts,
        ));
    }
    Some(w)
}
