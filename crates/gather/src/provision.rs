//! Will it provision? Issue 14 items 5–14: pending servicing, the NTFS dirty bit,
//! `hiberfil.sys`, the last sysprep run, refused software (FSLogix, the AVD agent, the
//! Configuration Manager client, the Unified Write Filter), the Start-menu app count, Dev Box's
//! maintenance tasks and the reachability settings of Azure's "prepare a Windows VHD"
//! (windows-image-facts §11, §14.3–§14.6).
//!
//! Everything is read by path: registry values on their key path, files stat'ed or opened
//! (`hiberfil.sys`: its first 4 KiB; the Panther logs: their last [`MAX_PANTHER_TAIL_BYTES`];
//! task XML: at most [`vhdlint_artifacts::tasks::MAX_TASK_BYTES`]). The one directory walk, the
//! Start menu, is bounded by [`MAX_START_MENU_ENTRIES`], [`MAX_START_MENU_DIRS`] and
//! [`MAX_START_MENU_DEPTH`], and says when it stopped.

use vhdlint_artifacts::{hiberfil, panther, tasks};
use vhdlint_filesystems::{FileSystem, FsError};
use vhdlint_registry::{Hive, ValueData};

pub use super::budgets::{
    MAX_APPX_APPLICATIONS, MAX_PANTHER_TAIL_BYTES, MAX_START_MENU_DEPTH, MAX_START_MENU_DIRS,
    MAX_START_MENU_ENTRIES,
};
use super::files::exists;
use super::hives::Reg;
use crate::evidence::{Evidence, Fact};
use crate::model::{Problem, ProblemKind};
use vhdlint_facts::{ProvisionFacts, SysprepOutcome, SysprepRunFacts};

/// `hiberfil.sys` at the root of the Windows volume.
pub const HIBERFIL: &str = r"\hiberfil.sys";
/// CBS operations queued for the next boot.
pub const PENDING_XML: &str = r"\Windows\WinSxS\pending.xml";
/// Sysprep's own Panther folder.
pub const SYSPREP_PANTHER: &str = r"\Windows\System32\Sysprep\Panther";
/// The Start-menu folders counted (all users, and the default profile new users copy).
pub const START_MENU_DIRS: [&str; 2] = [
    r"\ProgramData\Microsoft\Windows\Start Menu\Programs",
    r"\Users\Default\AppData\Roaming\Microsoft\Windows\Start Menu\Programs",
];
/// Where provisioned Appx applications are registered (windows-image-facts §11 ⚠).
pub const APPX_APPLICATIONS: &str =
    r"Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore\Applications";
/// The Windows 365 limit of Start-menu apps.
pub const START_MENU_APP_LIMIT: u32 = 3_000;
/// The scheduled tasks Dev Box asks to run once and disable (defrag, chkdsk).
pub const MAINTENANCE_TASKS: [&str; 2] = [
    r"\Windows\System32\Tasks\Microsoft\Windows\Defrag\ScheduledDefrag",
    r"\Windows\System32\Tasks\Microsoft\Windows\Chkdsk\ProactiveScan",
];
/// FSLogix services and minifilters (windows-image-facts §14.6).
pub const FSLOGIX_SERVICES: [&str; 5] = ["frxsvc", "frxccds", "frxdrv", "frxdrvvt", "frxccd"];
/// Unified Write Filter drivers.
pub const UWF_SERVICES: [&str; 3] = ["uwfvol", "uwfs", "uwfreg"];
/// `Services\<name>` `Start` of a disabled service.
const DISABLED: u32 = 4;

/// Fills `WindowsFacts::provision`. Reads SYSTEM (under `control_set`, already resolved),
/// SOFTWARE and files of the Windows volume; `generalized` is the decided generalization fact.
#[allow(clippy::too_many_arguments)]
pub fn fill(
    p: &mut ProvisionFacts,
    control_set: Option<&str>,
    generalized: bool,
    system: Option<&Hive>,
    software: Option<&Hive>,
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    problems: &mut Vec<Problem>,
) {
    let sys = system.map(|hive| Reg {
        name: "SYSTEM",
        hive,
    });
    let soft = software.map(|hive| Reg {
        name: "SOFTWARE",
        hive,
    });
    let ctx = Ctx {
        sys: sys.as_ref().zip(control_set),
        soft: soft.as_ref(),
        fs,
        index: partition_index,
    };
    p.pending_servicing = pending(&ctx, problems);
    p.volume_dirty = volume_dirty(&ctx);
    p.hibernated = hibernated(&ctx, problems);
    p.sysprep = sysprep(&ctx, generalized, problems);
    p.fslogix = software_present(
        &ctx,
        &FSLOGIX_SERVICES,
        &[r"\Program Files\FSLogix"],
        &["FSLogix"],
        problems,
    );
    p.avd_agent = software_present(
        &ctx,
        &["RDAgentBootLoader"],
        &[r"\Program Files\Microsoft RDInfra"],
        &[r"Microsoft\RDInfraAgent", r"Microsoft\RDAgentBootLoader"],
        problems,
    );
    p.configmgr_client = software_present(
        &ctx,
        &["CcmExec"],
        &[r"\Windows\CCM"],
        &[r"Microsoft\CCM"],
        problems,
    );
    p.uwf_enabled = uwf(&ctx, problems);
    let (count, capped) = start_menu(&ctx, problems);
    p.start_menu_apps = count;
    p.start_menu_capped = capped;
    p.maintenance_tasks_enabled = maintenance_tasks(&ctx, problems);
    reachability(&ctx, p, problems);
}

/// What one gathering step reads from.
struct Ctx<'a> {
    /// SYSTEM and the resolved control set name.
    sys: Option<(&'a Reg<'a>, &'a str)>,
    soft: Option<&'a Reg<'a>>,
    fs: &'a dyn FileSystem,
    index: Option<u32>,
}

impl Ctx<'_> {
    fn file(&self, path: &str, detail: impl Into<String>) -> Evidence {
        Evidence::File {
            partition_index: self.index,
            path: path.to_owned(),
            detail: Some(detail.into()),
        }
    }

    fn file_problem(&self, path: &str, e: &FsError) -> Problem {
        Problem {
            kind: ProblemKind::Filesystem,
            message: format!("{path}: {e}"),
            evidence: vec![self.file(path, "reading the file")],
        }
    }

    /// A file or folder's presence, with evidence.
    fn exists(&self, path: &str, dir: bool, problems: &mut Vec<Problem>) -> (bool, Evidence) {
        match exists(self.fs, path, dir) {
            Ok(true) => (true, self.file(path, "present")),
            Ok(false) => (false, self.file(path, "absent")),
            Err(e) => {
                problems.push(self.file_problem(path, &e));
                (false, self.file(path, format!("unreadable: {e}")))
            }
        }
    }
}

/// A key's presence in `reg`, with evidence.
fn key_present(reg: &Reg<'_>, path: &str, problems: &mut Vec<Problem>) -> (bool, Evidence) {
    let present = reg.key(path, problems).is_some();
    (present, reg.key_evidence(path, present))
}

/// Item 5: a restart pending.
fn pending(ctx: &Ctx<'_>, problems: &mut Vec<Problem>) -> Fact<bool> {
    let mut hits = Vec::new();
    let mut looked = Vec::new();
    if let Some((sys, cs)) = ctx.sys {
        let key = format!(r"{cs}\Control\Session Manager");
        let k = sys.key(&key, problems);
        for name in [
            "PendingFileRenameOperations",
            "PendingFileRenameOperations2",
        ] {
            let r = sys.value_in(k.as_ref(), &key, name, problems);
            let non_empty = match &r.data {
                Some(ValueData::MultiSz(v)) => v.iter().any(|s| !s.trim().is_empty()),
                Some(ValueData::Sz(s)) => !s.trim().is_empty(),
                Some(ValueData::Binary(b)) => b.iter().any(|&b| b != 0),
                _ => false,
            };
            if non_empty {
                hits.push(r.evidence);
            } else {
                looked.push(r.evidence);
            }
        }
    }
    if let Some(soft) = ctx.soft {
        for path in [
            r"Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending",
            r"Microsoft\Windows\CurrentVersion\Component Based Servicing\PackagesPending",
            r"Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired",
        ] {
            let (present, e) = key_present(soft, path, problems);
            if present {
                hits.push(e);
            } else {
                looked.push(e);
            }
        }
    }
    let (present, e) = ctx.exists(PENDING_XML, false, problems);
    if present {
        hits.push(e);
    } else {
        looked.push(e);
    }
    if hits.is_empty() {
        Fact::with_evidence(false, looked)
    } else {
        Fact::with_evidence(true, hits)
    }
}

/// Item 6a: the NTFS dirty bit.
fn volume_dirty(ctx: &Ctx<'_>) -> Fact<Option<bool>> {
    match ctx.fs.volume_flags() {
        Some(f) => Fact::new(
            Some(f.dirty()),
            ctx.file(
                r"\$Volume",
                format!(
                    "{}: {:#06x} (VOLUME_IS_DIRTY 0x0001 {})",
                    f.location,
                    f.raw,
                    if f.dirty() { "set" } else { "clear" }
                ),
            ),
        ),
        None => Fact::new(
            None,
            ctx.file(r"\$Volume", "no $VOLUME_INFORMATION flags read"),
        ),
    }
}

/// Item 6b: `hiberfil.sys` with a session to resume (header page only).
fn hibernated(ctx: &Ctx<'_>, problems: &mut Vec<Problem>) -> Fact<bool> {
    let data = match ctx.fs.open(HIBERFIL, None) {
        Ok(d) => d,
        Err(FsError::NotFound { .. } | FsError::NotADirectory { .. }) => {
            return Fact::new(false, ctx.file(HIBERFIL, "absent"));
        }
        Err(e) => {
            problems.push(ctx.file_problem(HIBERFIL, &e));
            return Fact::new(false, ctx.file(HIBERFIL, format!("unreadable: {e}")));
        }
    };
    let header = data
        .content(HIBERFIL)
        .map_err(|e| e.to_string())
        .and_then(|src| hiberfil::read_hiberfil_header(&*src).map_err(|e| e.to_string()));
    match header {
        Ok(h) => {
            let sig = String::from_utf8_lossy(&h.signature).into_owned();
            let detail = format!(
                "header signature at offset 0: {:?} ({:?}; {} bytes read)",
                sig, h.state, h.bytes_read
            );
            Fact::new(h.state.resumable(), ctx.file(HIBERFIL, detail))
        }
        Err(e) => {
            problems.push(Problem {
                kind: ProblemKind::Filesystem,
                message: format!("{HIBERFIL}: {e}"),
                evidence: vec![ctx.file(HIBERFIL, "reading the header page")],
            });
            Fact::new(false, ctx.file(HIBERFIL, format!("unreadable: {e}")))
        }
    }
}

/// The last `cap` bytes of `path`: `Ok(None)` when absent.
fn read_tail(fs: &dyn FileSystem, path: &str, cap: u64) -> Result<Option<(Vec<u8>, u64)>, FsError> {
    let data = match fs.open(path, None) {
        Ok(d) => d.content(path)?,
        Err(FsError::NotFound { .. } | FsError::NotADirectory { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = data.len();
    let n = size.min(cap);
    // An even start keeps UTF-16 aligned.
    let start = (size - n) & !1;
    let mut buf = vec![0u8; usize::try_from(size - start).unwrap_or(0)];
    data.read_at(start, &mut buf)?;
    Ok(Some((buf, size)))
}

/// Item 7: the last sysprep run.
fn sysprep(ctx: &Ctx<'_>, generalized: bool, problems: &mut Vec<Problem>) -> Fact<SysprepRunFacts> {
    let mut evidence = Vec::new();
    let mut read = |name: &str, evidence: &mut Vec<Evidence>| -> Option<Vec<u8>> {
        let path = format!(r"{SYSPREP_PANTHER}\{name}");
        match read_tail(ctx.fs, &path, MAX_PANTHER_TAIL_BYTES) {
            Ok(Some((bytes, size))) => {
                let tail = if size > MAX_PANTHER_TAIL_BYTES {
                    format!(", its last {} bytes read", bytes.len())
                } else {
                    String::new()
                };
                evidence.push(ctx.file(&path, format!("{size} bytes{tail}")));
                Some(bytes)
            }
            Ok(None) => {
                evidence.push(ctx.file(&path, "absent"));
                None
            }
            Err(e) => {
                problems.push(ctx.file_problem(&path, &e));
                evidence.push(ctx.file(&path, format!("unreadable: {e}")));
                None
            }
        }
    };
    let act = read("setupact.log", &mut evidence);
    let err = act
        .as_ref()
        .and_then(|_| read("setuperr.log", &mut evidence));
    let outcome = panther::classify(act.as_deref(), err.as_deref(), Some(generalized));
    let log = act.as_deref().map(panther::parse_log);
    let last = log.as_ref().and_then(|l| l.last_run());
    let mut facts = SysprepRunFacts::default();
    let line = last.map_or(0, |r| r.line);
    match outcome {
        panther::SysprepOutcome::NeverRan => {}
        panther::SysprepOutcome::Failed { time, cause } => {
            facts.outcome = SysprepOutcome::Failed;
            facts.time = time;
            if let Some(c) = &cause {
                if let panther::SysprepCause::AppxNotProvisioned { package } = c {
                    facts.appx_package = Some(package.clone());
                }
                facts.cause = Some(c.describe());
            }
        }
        panther::SysprepOutcome::Incomplete { time } => {
            facts.outcome = SysprepOutcome::Incomplete;
            facts.time = time;
        }
        panther::SysprepOutcome::NotGeneralized { time } => {
            facts.outcome = SysprepOutcome::NotGeneralized;
            facts.time = time;
        }
        panther::SysprepOutcome::Generalized { time, vm_mode } => {
            facts.outcome = SysprepOutcome::Generalized;
            facts.time = time;
            facts.vm_mode = Some(vm_mode);
        }
        panther::SysprepOutcome::GeneralizedThenBootedAgain { time, vm_mode } => {
            facts.outcome = SysprepOutcome::GeneralizedThenBootedAgain;
            facts.time = time;
            facts.vm_mode = Some(vm_mode);
        }
    }
    if facts.vm_mode.is_none() {
        facts.vm_mode = log
            .as_ref()
            .and_then(|l| l.last_successful_run())
            .filter(|r| r.generalize())
            .map(panther::SysprepRun::vm_mode);
    }
    if let Some(run) = last {
        let mut detail = format!(
            "last run (of {}) begins at line {line}{}: options {}; {}",
            log.as_ref().map_or(0, |l| l.run_count),
            run.time
                .as_deref()
                .map_or_else(String::new, |t| format!(" ({t})")),
            if run.options.is_empty() {
                "none logged".to_owned()
            } else {
                run.options.join(", ")
            },
            if run.succeeded {
                "Sysprep_succeeded.tag created".to_owned()
            } else {
                format!("{} error lines", run.error_count)
            }
        );
        if let Some(c) = &facts.cause {
            detail.push_str(&format!("; cause: {c}"));
        }
        evidence.push(ctx.file(&format!(r"{SYSPREP_PANTHER}\setupact.log"), detail));
    }
    evidence.push(Evidence::derived(format!(
        "sysprep outcome: {}",
        facts.outcome.as_str()
    )));
    Fact::with_evidence(facts, evidence)
}

/// Items 8–10: any of the services, folders or SOFTWARE keys present. Evidence: the hits, or
/// everything looked at.
fn software_present(
    ctx: &Ctx<'_>,
    services: &[&str],
    dirs: &[&str],
    software_keys: &[&str],
    problems: &mut Vec<Problem>,
) -> Fact<bool> {
    let mut hits = Vec::new();
    let mut looked = Vec::new();
    if let Some((sys, cs)) = ctx.sys {
        for s in services {
            let (present, e) = key_present(sys, &format!(r"{cs}\Services\{s}"), problems);
            if present { &mut hits } else { &mut looked }.push(e);
        }
    }
    for d in dirs {
        let (present, e) = ctx.exists(d, true, problems);
        if present { &mut hits } else { &mut looked }.push(e);
    }
    if let Some(soft) = ctx.soft {
        for k in software_keys {
            let (present, e) = key_present(soft, k, problems);
            if present { &mut hits } else { &mut looked }.push(e);
        }
    }
    if hits.is_empty() {
        Fact::with_evidence(false, looked)
    } else {
        Fact::with_evidence(true, hits)
    }
}

/// Item 12: a UWF driver installed and not disabled.
fn uwf(ctx: &Ctx<'_>, problems: &mut Vec<Problem>) -> Fact<bool> {
    let Some((sys, cs)) = ctx.sys else {
        return Fact::bare(false);
    };
    let mut hits = Vec::new();
    let mut looked = Vec::new();
    for s in UWF_SERVICES {
        let path = format!(r"{cs}\Services\{s}");
        let Some(key) = sys.key(&path, problems) else {
            looked.push(sys.key_evidence(&path, false));
            continue;
        };
        let r = sys.value_in(Some(&key), &path, "Start", problems);
        if r.u32() == Some(DISABLED) {
            looked.push(r.evidence);
        } else {
            hits.push(r.evidence);
        }
    }
    if hits.is_empty() {
        Fact::with_evidence(false, looked)
    } else {
        Fact::with_evidence(true, hits)
    }
}

/// Counts of a bounded walk.
#[derive(Debug, Default)]
struct Walk {
    shortcuts: u32,
    entries: usize,
    dirs: usize,
    capped: Option<String>,
}

/// Counts `.lnk`/`.url` files below `root`, depth first, within the caps.
fn walk_start_menu(fs: &dyn FileSystem, root: &str, walk: &mut Walk, caps: (usize, usize, usize)) {
    let (max_entries, max_dirs, max_depth) = caps;
    let mut stack = vec![(root.to_owned(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if walk.capped.is_some() {
            return;
        }
        if walk.dirs == max_dirs {
            walk.capped = Some(format!("{max_dirs} folders listed (MAX_START_MENU_DIRS)"));
            return;
        }
        walk.dirs += 1;
        let Ok(entries) = fs.list(&dir) else { continue };
        for e in entries {
            if walk.entries == max_entries {
                walk.capped = Some(format!(
                    "{max_entries} entries looked at (MAX_START_MENU_ENTRIES)"
                ));
                return;
            }
            walk.entries += 1;
            if e.is_dir {
                if depth + 1 > max_depth {
                    walk.capped = Some(format!(
                        "{dir}\\{} is deeper than {max_depth} levels (MAX_START_MENU_DEPTH)",
                        e.name
                    ));
                    return;
                }
                stack.push((format!(r"{dir}\{}", e.name), depth + 1));
            } else {
                let lower = e.name.to_ascii_lowercase();
                if lower.ends_with(".lnk") || lower.ends_with(".url") {
                    walk.shortcuts += 1;
                }
            }
        }
    }
}

/// Item 11 with explicit caps (entries, folders, depth): the count and whether it is capped.
pub fn start_menu_count(
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    caps: (usize, usize, usize),
) -> (u32, Option<String>, Vec<Evidence>) {
    let mut walk = Walk::default();
    let mut evidence = Vec::new();
    for root in START_MENU_DIRS {
        let before = walk.shortcuts;
        match exists(fs, root, true) {
            Ok(true) => {
                walk_start_menu(fs, root, &mut walk, caps);
                evidence.push(Evidence::File {
                    partition_index,
                    path: root.to_owned(),
                    detail: Some(format!("{} shortcuts", walk.shortcuts - before)),
                });
            }
            _ => evidence.push(Evidence::File {
                partition_index,
                path: root.to_owned(),
                detail: Some("absent".into()),
            }),
        }
        if walk.capped.is_some() {
            break;
        }
    }
    (walk.shortcuts, walk.capped, evidence)
}

/// Item 11: Start-menu shortcuts plus provisioned Appx applications.
fn start_menu(ctx: &Ctx<'_>, problems: &mut Vec<Problem>) -> (Fact<u32>, bool) {
    let caps = (
        MAX_START_MENU_ENTRIES,
        MAX_START_MENU_DIRS,
        MAX_START_MENU_DEPTH,
    );
    let (mut count, mut capped, mut evidence) = start_menu_count(ctx.fs, ctx.index, caps);
    if let Some(soft) = ctx.soft {
        match soft.key(APPX_APPLICATIONS, problems) {
            Some(key) => {
                let n = key.subkey_count() as usize;
                let counted = n.min(MAX_APPX_APPLICATIONS);
                if n > MAX_APPX_APPLICATIONS {
                    capped = capped.or(Some(format!(
                        "{n} Appx applications, {MAX_APPX_APPLICATIONS} counted \
                         (MAX_APPX_APPLICATIONS)"
                    )));
                }
                count = count.saturating_add(u32::try_from(counted).unwrap_or(u32::MAX));
                evidence.push(Evidence::Registry {
                    hive: "SOFTWARE".into(),
                    key: APPX_APPLICATIONS.into(),
                    value: None,
                    data: Some(format!("{n} subkeys")),
                });
            }
            None => evidence.push(soft.key_evidence(APPX_APPLICATIONS, false)),
        }
    }
    if let Some(c) = &capped {
        evidence.push(Evidence::derived(format!(
            "the count stopped at a cap: {c}; it is a lower bound"
        )));
    }
    (Fact::with_evidence(count, evidence), capped.is_some())
}

/// Item 13: the maintenance tasks that are enabled.
fn maintenance_tasks(ctx: &Ctx<'_>, problems: &mut Vec<Problem>) -> Fact<Vec<String>> {
    let mut enabled = Vec::new();
    let mut evidence = Vec::new();
    for path in MAINTENANCE_TASKS {
        match super::files::read_capped(ctx.fs, path, tasks::MAX_TASK_BYTES as u64) {
            Ok(Some((bytes, _))) => match tasks::parse_task(&bytes) {
                Ok(t) => {
                    let on = t.enabled && (t.triggers == 0 || t.enabled_triggers > 0);
                    evidence.push(ctx.file(
                        path,
                        format!(
                            "Settings/Enabled {}, {} of {} triggers enabled",
                            t.enabled, t.enabled_triggers, t.triggers
                        ),
                    ));
                    if on {
                        enabled.push(path.to_owned());
                    }
                }
                Err(e) => evidence.push(ctx.file(path, format!("not a task definition: {e}"))),
            },
            Ok(None) => evidence.push(ctx.file(path, "absent")),
            Err(e) => {
                problems.push(ctx.file_problem(path, &e));
                evidence.push(ctx.file(path, format!("unreadable: {e}")));
            }
        }
    }
    Fact::with_evidence(enabled, evidence)
}

/// Item 14: RDP, its port, time, SAN policy, firewall, the Azure VM agent.
fn reachability(ctx: &Ctx<'_>, p: &mut ProvisionFacts, problems: &mut Vec<Problem>) {
    let policy = ctx.soft.map(|soft| {
        soft.value(
            r"Policies\Microsoft\Windows NT\Terminal Services",
            "fDenyTSConnections",
            problems,
        )
    });
    let Some((sys, cs)) = ctx.sys else {
        if let Some(r) = policy {
            p.rdp_denied = Fact::new(r.u32() == Some(1), r.evidence);
        }
        return;
    };
    let ts = format!(r"{cs}\Control\Terminal Server");
    let control = sys.value(&ts, "fDenyTSConnections", problems);
    // The policy value, when set, wins over the control value.
    let (denied, mut evidence) = match &policy {
        Some(r) if r.u32().is_some() => (r.u32() == Some(1), vec![r.evidence.clone()]),
        _ => (control.u32() == Some(1), vec![control.evidence.clone()]),
    };
    match &policy {
        Some(r) if r.u32().is_some() => evidence.push(control.evidence),
        Some(r) => evidence.push(r.evidence.clone()),
        None => {}
    }
    p.rdp_denied = Fact::with_evidence(denied, evidence);
    let r = sys.value(
        &format!(r"{ts}\WinStations\RDP-Tcp"),
        "PortNumber",
        problems,
    );
    p.rdp_port = Fact::new(r.u32(), r.evidence);
    let r = sys.value(
        &format!(r"{cs}\Control\TimeZoneInformation"),
        "RealTimeIsUniversal",
        problems,
    );
    p.real_time_is_universal = Fact::new(r.u32(), r.evidence);
    let r = sys.value(
        &format!(r"{cs}\Services\partmgr\Parameters"),
        "SanPolicy",
        problems,
    );
    p.san_policy = Fact::new(r.u32(), r.evidence);
    let mut off = Vec::new();
    let mut evidence = Vec::new();
    for profile in ["DomainProfile", "PublicProfile", "StandardProfile"] {
        let r = sys.value(
            &format!(r"{cs}\Services\SharedAccess\Parameters\FirewallPolicy\{profile}"),
            "EnableFirewall",
            problems,
        );
        if r.u32() == Some(0) {
            off.push(profile.to_owned());
        }
        evidence.push(r.evidence);
    }
    p.firewall_profiles_off = Fact::with_evidence(off, evidence);
    let (guest, e) = key_present(
        sys,
        &format!(r"{cs}\Services\WindowsAzureGuestAgent"),
        problems,
    );
    let rd = sys.value(&format!(r"{cs}\Services\RdAgent"), "ImagePath", problems);
    let rd_azure = rd
        .string()
        .is_some_and(|s| s.to_ascii_lowercase().contains("windowsazure"));
    p.azure_vm_agent = Fact::with_evidence(guest || rd_azure, vec![e, rd.evidence]);
}

#[cfg(test)]
mod tests;
