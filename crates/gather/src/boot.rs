//! Boot path and VM generation (windows-image-facts §7): Gen2 is a GPT disk whose EFI system
//! partition holds `\EFI\Microsoft\Boot\bootmgfw.efi` and a BCD store whose default loader is
//! `winload.efi`; Gen1 is an MBR disk whose active partition holds `\bootmgr` and a
//! `\Boot\BCD` whose default loader is `winload.exe`. Anything else has no generation, with the
//! reason, and a `NotBootable` problem.

use vhdlint_filesystems::image::{Image, Volume};
use vhdlint_filesystems::FileSystem;
use vhdlint_registry::bcd::{
    BcdObject, BcdStore, BOOTMGR_GUID, ELEMENT_ALLOW_PRERELEASE_SIGNATURES,
    ELEMENT_APPLICATION_PATH, ELEMENT_DEFAULT_OBJECT, ELEMENT_DISABLE_INTEGRITY_CHECKS,
    OBJECT_TYPE_OS_LOADER,
};
use vhdlint_registry::HiveOptions;
use vhdlint_volumes::Partition;

use super::boot_chain::{self, DeviceTargets, ELEMENT_BOOT_DEBUGGER, ELEMENT_KERNEL_DEBUGGER};
use super::container::entry_evidence;
use super::files::exists;
use super::hives::data_text;
use super::layout::{boot_volume, BootChoice};
use super::locate::open_hive_in;
use super::GatherOptions;
use crate::evidence::{Evidence, Fact};
use crate::model::{BootFacts, Generation, GenerationFact, Problem, ProblemKind};

/// The UEFI boot manager on the ESP.
pub const BOOTMGFW: &str = r"\EFI\Microsoft\Boot\bootmgfw.efi";
/// The BCD store on the ESP.
pub const ESP_BCD: &str = r"\EFI\Microsoft\Boot\BCD";
/// The BIOS boot manager on the active partition.
pub const BOOTMGR: &str = r"\bootmgr";
/// The BCD store on the active partition.
pub const BIOS_BCD: &str = r"\Boot\BCD";
/// The UEFI OS loader file name.
pub const WINLOAD_EFI: &str = "winload.efi";
/// The BIOS OS loader file name.
pub const WINLOAD_EXE: &str = "winload.exe";

/// What the BCD store of one boot volume says.
struct BcdRead {
    /// Default loader object, its ApplicationPath, and evidence.
    path: Option<String>,
    testsigning: Option<bool>,
    nointegritychecks: Option<bool>,
    /// Evidence for the path, testsigning, nointegritychecks.
    path_ev: Vec<Evidence>,
    testsigning_ev: Evidence,
    nointegritychecks_ev: Evidence,
    /// How the loader was chosen.
    how: String,
    /// `debug`, `bootdebug` and their evidence.
    debug: Fact<Option<bool>>,
    bootdebug: Fact<Option<bool>>,
    /// The device elements, decoded and resolved.
    devices: Vec<vhdlint_facts::BcdDeviceFact>,
}

/// Registry evidence of a BCD element.
fn element_evidence(object: &str, element: u32, data: Option<String>) -> Evidence {
    Evidence::registry(
        "BCD",
        format!(r"Objects\{object}\Elements\{element:08X}"),
        "Element",
        data,
    )
}

/// The default OS loader: `{bootmgr}`'s DefaultObject, else the first Windows Boot Loader
/// object with an ApplicationPath.
fn loader(store: &BcdStore) -> Option<(&BcdObject, String)> {
    if let Some(entry) = store.default_entry() {
        return Some((
            entry,
            format!(
                "{{bootmgr}} DefaultObject (element 23000003) = {}",
                entry.guid
            ),
        ));
    }
    store
        .objects
        .iter()
        .find(|o| o.object_type == Some(OBJECT_TYPE_OS_LOADER) && o.application_path().is_some())
        .map(|o| {
            (
                o,
                format!(
                    "no usable {{bootmgr}} DefaultObject; first Windows Boot Loader object {}",
                    o.guid
                ),
            )
        })
}

/// Opens and reads the BCD store at `path` on `fs`.
fn read_bcd(
    fs: &dyn FileSystem,
    path: &str,
    manager: &str,
    targets: DeviceTargets<'_>,
    opts: &GatherOptions,
) -> Result<BcdRead, String> {
    let partition_index = targets.boot_index;
    let hive = open_hive_in(fs, path, HiveOptions::replay(opts.replay_logs))
        .map_err(|e| format!("BCD store {path}: {e}"))?;
    let store = BcdStore::read(&hive).map_err(|e| format!("BCD store {path}: {e}"))?;
    let file_ev = Evidence::File {
        partition_index,
        path: path.to_owned(),
        detail: Some(format!("BCD store, {} objects", store.objects.len())),
    };
    let Some((obj, how)) = loader(&store) else {
        return Err(format!(
            "BCD store {path}: no default entry and no Windows Boot Loader object"
        ));
    };
    let mut path_ev = vec![file_ev];
    if let Some(d) = store.default_guid() {
        path_ev.push(element_evidence(
            BOOTMGR_GUID,
            ELEMENT_DEFAULT_OBJECT,
            Some(d.to_owned()),
        ));
    }
    let app = obj.application_path().map(str::to_owned);
    path_ev.push(element_evidence(
        &obj.guid,
        ELEMENT_APPLICATION_PATH,
        app.clone(),
    ));
    let bool_ev = |element: u32| {
        element_evidence(
            &obj.guid,
            element,
            obj.element(element).map(|e| data_text(&e.value)),
        )
    };
    let debug = Fact::new(
        obj.boolean(ELEMENT_KERNEL_DEBUGGER),
        bool_ev(ELEMENT_KERNEL_DEBUGGER),
    );
    let manager_obj = store.boot_manager();
    let bootdebug_on = obj
        .boolean(ELEMENT_BOOT_DEBUGGER)
        .or(manager_obj.and_then(|m| m.boolean(ELEMENT_BOOT_DEBUGGER)));
    let mut bootdebug_ev = vec![bool_ev(ELEMENT_BOOT_DEBUGGER)];
    if let Some(m) = manager_obj {
        bootdebug_ev.push(element_evidence(
            &m.guid,
            ELEMENT_BOOT_DEBUGGER,
            m.element(ELEMENT_BOOT_DEBUGGER)
                .map(|e| data_text(&e.value)),
        ));
    }
    let devices = boot_chain::devices(manager_obj, obj, manager, targets);
    Ok(BcdRead {
        debug,
        bootdebug: Fact::with_evidence(bootdebug_on, bootdebug_ev),
        devices,
        path: app,
        testsigning: obj.testsigning(),
        nointegritychecks: obj.nointegritychecks(),
        path_ev,
        testsigning_ev: bool_ev(ELEMENT_ALLOW_PRERELEASE_SIGNATURES),
        nointegritychecks_ev: bool_ev(ELEMENT_DISABLE_INTEGRITY_CHECKS),
        how,
    })
}

/// True when `path`'s file name is `file` (case-insensitive).
fn loader_is(path: &str, file: &str) -> bool {
    path.rsplit(['\\', '/'])
        .next()
        .is_some_and(|n| n.eq_ignore_ascii_case(file))
}

/// The volume's partition-entry evidence.
fn volume_entry(image: &Image, volume: &Volume) -> Vec<Evidence> {
    volume
        .partition
        .as_ref()
        .map(|p| entry_evidence(image.partitions(), p))
        .into_iter()
        .collect()
}

/// One boot volume examined: the boot manager file and the BCD store.
struct BootVolume {
    manager: bool,
    bcd: Result<BcdRead, String>,
    evidence: Vec<Evidence>,
    /// `bootmgfw.efi`'s headers and signature (UEFI, when present).
    boot_manager: Option<vhdlint_facts::BootManagerFacts>,
}

fn examine(
    image: &Image,
    volume: &Volume,
    manager: &str,
    bcd_path: &str,
    opts: &GatherOptions,
) -> Result<BootVolume, String> {
    let fs = volume.fs().map_err(|e| e.to_string())?;
    let index = volume.index();
    let mut evidence = volume_entry(image, volume);
    let present = exists(&**fs, manager, false).map_err(|e| format!("{manager}: {e}"))?;
    evidence.push(Evidence::File {
        partition_index: index,
        path: manager.to_owned(),
        detail: Some(if present { "present" } else { "absent" }.into()),
    });
    let targets = DeviceTargets {
        image,
        boot_index: index,
    };
    let bcd = read_bcd(&**fs, bcd_path, manager, targets, opts);
    let boot_manager =
        (manager == BOOTMGFW && present).then(|| boot_chain::boot_manager(&**fs, index, manager));
    Ok(BootVolume {
        manager: present,
        bcd,
        evidence,
        boot_manager,
    })
}

/// The generation, the boot facts, and a `NotBootable` problem when no boot path is found.
pub fn boot_facts(
    image: &Image,
    opts: &GatherOptions,
    problems: &mut Vec<Problem>,
) -> (GenerationFact, Option<BootFacts>) {
    let (generation, boot) = match boot_volume(image) {
        BootChoice::Uefi(esp) => uefi(image, esp, opts),
        BootChoice::NoEsp => (no_esp(image), None),
        BootChoice::Bios(active, volume) => bios(image, active, volume, opts),
        BootChoice::NoActive => (
            no_generation(
                "MBR disk without an active partition: BIOS cannot boot it".into(),
                vec![Evidence::derived(
                    "no MBR entry has the boot indicator 0x80",
                )],
            ),
            None,
        ),
        BootChoice::NoTable => (
            GenerationFact {
                value: None,
                reason: "the disk has no partition table, so neither UEFI (GPT + ESP) nor BIOS \
                         (MBR + active partition) can boot it"
                    .into(),
                evidence: vec![Evidence::derived("partitions.scheme = none")],
            },
            None,
        ),
    };
    if generation.value.is_none() {
        problems.push(Problem {
            kind: ProblemKind::NotBootable,
            message: generation.reason.clone(),
            evidence: generation.evidence.clone(),
        });
    }
    (generation, boot)
}

fn no_generation(reason: String, evidence: Vec<Evidence>) -> GenerationFact {
    GenerationFact {
        value: None,
        reason,
        evidence,
    }
}

/// Boot facts from a boot volume examined.
fn boot_from(bv: &BootVolume, index: Option<u32>, manager_path: &str, uefi: bool) -> BootFacts {
    let manager_ev = Evidence::File {
        partition_index: index,
        path: manager_path.to_owned(),
        detail: Some(if bv.manager { "present" } else { "absent" }.into()),
    };
    let esp_has_bootmgfw = if uefi {
        Fact::new(Some(bv.manager), manager_ev)
    } else {
        Fact::new(
            None,
            Evidence::derived("MBR disk: no EFI system partition is used to boot"),
        )
    };
    match &bv.bcd {
        Ok(b) => BootFacts {
            default_application_path: Fact::with_evidence(b.path.clone(), b.path_ev.clone()),
            testsigning: Fact::new(b.testsigning, b.testsigning_ev.clone()),
            nointegritychecks: Fact::new(b.nointegritychecks, b.nointegritychecks_ev.clone()),
            esp_has_bootmgfw,
            debug: b.debug.clone(),
            bootdebug: b.bootdebug.clone(),
            devices: b.devices.clone(),
            boot_manager: bv.boot_manager.clone(),
        },
        Err(e) => {
            let ev = Evidence::derived(e.clone());
            BootFacts {
                default_application_path: Fact::new(None, ev.clone()),
                testsigning: Fact::new(None, ev.clone()),
                nointegritychecks: Fact::new(None, ev.clone()),
                esp_has_bootmgfw,
                debug: Fact::new(None, ev.clone()),
                bootdebug: Fact::new(None, ev),
                devices: Vec::new(),
                boot_manager: bv.boot_manager.clone(),
            }
        }
    }
}

/// How one firmware boots Windows: what the boot volume must hold for that generation.
struct BootPath {
    generation: Generation,
    /// The disk and the volume, e.g. "GPT disk; EFI system partition".
    disk: &'static str,
    volume: &'static str,
    /// The boot manager file and the BCD store on that volume.
    manager: &'static str,
    bcd: &'static str,
    /// The loader the BCD's default entry must name.
    loader: &'static str,
    /// "UEFI-bootable" / "BIOS-bootable".
    bootable: &'static str,
}

const UEFI_BOOT: BootPath = BootPath {
    generation: Generation::Gen2,
    disk: "GPT disk",
    volume: "EFI system partition",
    manager: BOOTMGFW,
    bcd: ESP_BCD,
    loader: WINLOAD_EFI,
    bootable: "UEFI-bootable",
};

const BIOS_BOOT: BootPath = BootPath {
    generation: Generation::Gen1,
    disk: "MBR disk",
    volume: "active partition",
    manager: BOOTMGR,
    bcd: BIOS_BCD,
    loader: WINLOAD_EXE,
    bootable: "BIOS-bootable",
};

/// The generation a boot volume gives: its boot manager, its BCD and the default loader.
fn judge(bv: &BootVolume, n: &str, path: &BootPath) -> GenerationFact {
    let BootPath {
        generation,
        disk,
        volume,
        manager,
        bcd,
        loader,
        bootable,
    } = path;
    let mut evidence = bv.evidence.clone();
    match (&bv.bcd, bv.manager) {
        (Ok(b), true) if b.path.as_deref().is_some_and(|p| loader_is(p, loader)) => {
            evidence.extend(b.path_ev.iter().cloned());
            GenerationFact {
                value: Some(*generation),
                reason: format!(
                    "{disk}; {volume} {n} holds {manager} and {bcd}, whose default loader ({}) is \
                     {}: {loader}",
                    b.how,
                    b.path.as_deref().unwrap_or("")
                ),
                evidence,
            }
        }
        (Ok(b), has_manager) => {
            evidence.extend(b.path_ev.iter().cloned());
            let mut why = Vec::new();
            if !has_manager {
                why.push(format!("{manager} is absent"));
            }
            match b.path.as_deref() {
                Some(p) if !loader_is(p, loader) => {
                    why.push(format!("the default loader is {p}, not {loader}"));
                }
                None => why.push("the default loader has no ApplicationPath".into()),
                Some(_) => {}
            }
            no_generation(
                format!(
                    "{disk}, {volume} {n}, but not {bootable}: {}",
                    why.join("; ")
                ),
                evidence,
            )
        }
        (Err(e), has_manager) => no_generation(
            format!(
                "{disk}, {volume} {n} {} {manager}, but no usable BCD: {e}",
                if has_manager { "with" } else { "without" }
            ),
            evidence,
        ),
    }
}

/// A GPT disk without an EFI system partition.
fn no_esp(image: &Image) -> GenerationFact {
    no_generation(
                "GPT disk without an EFI system partition (type C12A7328-F81F-11D2-BA4B-00A0C93EC93B): not UEFI-bootable".into(),
                vec![Evidence::derived(format!(
                    "partitions: {}",
                    image
                        .partitions()
                        .entries
                        .iter()
                        .map(|p| format!("{} {}", p.index, p.kind.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))],
            )
}

fn uefi(image: &Image, esp: &Volume, opts: &GatherOptions) -> (GenerationFact, Option<BootFacts>) {
    let index = esp.index();
    let n = index.map_or_else(|| "?".to_owned(), |i| i.to_string());
    let bv = match examine(image, esp, BOOTMGFW, ESP_BCD, opts) {
        Ok(bv) => bv,
        Err(e) => {
            return (
                no_generation(
                    format!("EFI system partition {n} cannot be read: {e}"),
                    volume_entry(image, esp),
                ),
                None,
            )
        }
    };
    let boot = boot_from(&bv, index, BOOTMGFW, true);
    let generation = judge(&bv, &n, &UEFI_BOOT);
    (generation, Some(boot))
}

fn bios(
    image: &Image,
    active: &Partition,
    volume: Result<&Volume, vhdlint_filesystems::image::ImageError>,
    opts: &GatherOptions,
) -> (GenerationFact, Option<BootFacts>) {
    let n = active.index;
    let volume = match volume {
        Ok(v) => v,
        Err(e) => {
            return (
                no_generation(
                    format!("MBR disk; active partition {n} cannot be read: {e}"),
                    vec![entry_evidence(image.partitions(), active)],
                ),
                None,
            )
        }
    };
    let bv = match examine(image, volume, BOOTMGR, BIOS_BCD, opts) {
        Ok(bv) => bv,
        Err(e) => {
            return (
                no_generation(
                    format!("MBR disk; active partition {n} cannot be read: {e}"),
                    vec![entry_evidence(image.partitions(), active)],
                ),
                None,
            )
        }
    };
    let boot = boot_from(&bv, Some(n), BOOTMGR, false);
    let generation = judge(&bv, &n.to_string(), &BIOS_BOOT);
    (generation, Some(boot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaders_are_recognized_by_file_name() {
        assert!(loader_is(r"\Windows\system32\winload.efi", WINLOAD_EFI));
        assert!(loader_is(r"\WINDOWS\SYSTEM32\WINLOAD.EXE", WINLOAD_EXE));
        assert!(!loader_is(
            r"\Windows\system32\winload.efi.bak",
            WINLOAD_EFI
        ));
        assert!(!loader_is(r"\Windows\system32\winresume.efi", WINLOAD_EFI));
    }
}
