//! `vhdlint audit`: the security facts of an image ([`AuditFacts`]), gathered only when asked
//! for (`check` never runs this step, so it reads nothing more).
//!
//! | facts | where |
//! |---|---|
//! | answer-file credentials | `unattend.xml`, `autounattend.xml`, `sysprep.xml`, `sysprep.inf` in `\Windows\Panther`, `\Windows\Panther\Unattend`, `\Windows\System32\Sysprep`, the root |
//! | auto-logon | SOFTWARE `Microsoft\Windows NT\CurrentVersion\Winlogon`, SECURITY `Policy\Secrets\DefaultPassword` |
//! | LSA secrets, cached logons | SECURITY `Policy\Secrets`, `Cache` (names, counts, lengths) |
//! | local accounts | SAM `SAM\Domains\Account\Users`, aliases 544 and 555 |
//! | profiles, credential files | `\Users\*`, SOFTWARE `ProfileList`; a capped walk of each profile |
//! | posture | SYSTEM and SOFTWARE policy values |
//! | inventory | `Uninstall`, `Run`/`RunOnce`, services, `\Windows\System32\Tasks`, Winlogon, IFEO, AppInit/AppCert DLLs, LSA packages |
//!
//! **Never a secret's value**: a password value is read only to count its characters; file
//! contents go to the classifiers of `vhdlint-artifacts`, which return kinds, line numbers and
//! lengths. Evidence of a secret-holding value says its length, never its data.

use vhdlint_artifacts::credential_files::{CredentialFile, CredentialKind as FileKind, Location};
use vhdlint_artifacts::tasks::{parse_task, TaskAction, MAX_TASK_BYTES};
use vhdlint_artifacts::unattend_secrets::{scan_answer_file, SecretEncoding};
use vhdlint_facts::{
    AnswerCredential, AuditFacts, AutoLogon, Autorun, CredentialFileFact, InstalledApp,
    LocalAccount, LsaSecretFact, Posture, UserProfile,
};
use vhdlint_filesystems::{FileSystem, FsError};
use vhdlint_registry::{HiveOptions, Key, LsaSecrets, SamDatabase, SecretKind, ValueData};

use super::budgets::{
    MAX_AUDIT_SUBKEYS, MAX_CREDENTIAL_BYTES, MAX_IMAGE_LOOKUPS, MAX_PROFILES, MAX_PROFILE_DEPTH,
    MAX_PROFILE_ENTRIES, MAX_TASK_BYTES_TOTAL, MAX_TASK_DEPTH, MAX_TASK_FILES,
};
use super::files::read_capped;
use super::hives::{as_string, as_u32, hive_path, Reg, WindowsHives};
use super::locate::open_hive_in;
use super::unattend::MAX_ANSWER_FILE_BYTES;
use super::GatherOptions;
use crate::evidence::{Evidence, Fact};
use crate::model::{Problem, ProblemKind};

/// Answer files the audit reads for credentials (the setup search order, the Sysprep folder and
/// the root).
pub const AUDIT_ANSWER_FILES: [&str; 12] = [
    r"\Windows\Panther\Unattend\unattend.xml",
    r"\Windows\Panther\Unattend\autounattend.xml",
    r"\Windows\Panther\unattend.xml",
    r"\Windows\Panther\autounattend.xml",
    r"\Windows\System32\Sysprep\unattend.xml",
    r"\Windows\System32\Sysprep\autounattend.xml",
    r"\Windows\System32\Sysprep\sysprep.xml",
    r"\Windows\System32\Sysprep\sysprep.inf",
    r"\unattend.xml",
    r"\autounattend.xml",
    r"\sysprep.xml",
    r"\sysprep.inf",
];

/// Winlogon's key in SOFTWARE.
pub const WINLOGON: &str = r"Microsoft\Windows NT\CurrentVersion\Winlogon";
/// ProfileList's key in SOFTWARE.
pub const PROFILE_LIST: &str = r"Microsoft\Windows NT\CurrentVersion\ProfileList";
/// Folders of `\Users` that every image has (not left behind by anyone).
pub const STANDARD_PROFILES: [&str; 4] = ["Default", "Default User", "Public", "All Users"];
/// Profile folders the walk does not descend into (their few credential files are looked up
/// by path: [`APPDATA_CREDENTIAL_FILES`]).
const SKIPPED_FOLDERS: [&str; 2] = ["AppData", "Application Data"];
/// Credential files under `AppData`, relative to a profile.
pub const APPDATA_CREDENTIAL_FILES: [&str; 4] = [
    r"AppData\Roaming\Microsoft\Windows\PowerShell\PSReadLine\ConsoleHost_history.txt",
    r"AppData\Local\.IdentityService\msal.cache",
    r"AppData\Local\Google\Chrome\User Data\Default\Login Data",
    r"AppData\Local\Microsoft\Edge\User Data\Default\Login Data",
];

/// The audit step: everything [`AuditFacts`] holds, from the opened hives and the Windows
/// volume. What cannot be read becomes a problem in [`AuditFacts::problems`]; the rest is
/// still gathered.
pub fn gather_audit(
    fs: &dyn FileSystem,
    index: Option<u32>,
    hives: &WindowsHives,
    control_set: Option<&str>,
    opts: &GatherOptions,
) -> AuditFacts {
    let mut a = AuditFacts::default();
    let mut problems_found = Vec::new();
    let problems = &mut problems_found;
    answer_credentials(fs, index, &mut a, problems);
    let software = hives.software.as_ref().ok().map(|hive| Reg {
        name: "SOFTWARE",
        hive,
    });
    let system = hives.system.as_ref().ok().map(|hive| Reg {
        name: "SYSTEM",
        hive,
    });
    // A SECURITY hive with neither `Policy\Secrets` nor `Cache` (a fresh or test hive) holds
    // no secrets; the reader refuses it, the audit records nothing.
    let has_lsa = |h: &vhdlint_registry::Hive| {
        matches!(h.key(r"Policy\Secrets"), Ok(Some(_))) || matches!(h.key("Cache"), Ok(Some(_)))
    };
    let lsa = match &hives.security {
        Ok(h) if !has_lsa(h) => None,
        Ok(h) => match LsaSecrets::read(h) {
            Ok(l) => Some(l),
            Err(e) => {
                problems.push(hive_problem("SECURITY", "Policy\\Secrets", &e));
                None
            }
        },
        Err(_) => None,
    };
    if let Some(l) = &lsa {
        lsa_facts(l, &mut a);
    }
    if let Some(sw) = software {
        a.auto_logon = auto_logon(sw, lsa.as_ref(), problems);
    }
    accounts(fs, index, opts, &mut a, problems);
    a.posture = posture(software, system, control_set, problems);
    profiles(fs, index, software, opts, &mut a, problems);
    if let Some(sw) = software {
        installed(
            sw,
            "machine64",
            r"Microsoft\Windows\CurrentVersion\Uninstall",
            &mut a,
            problems,
        );
        installed(
            sw,
            "machine32",
            r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
            &mut a,
            problems,
        );
        software_autoruns(sw, &mut a, problems);
    }
    if let (Some(sys), Some(cs)) = (system, control_set) {
        system_autoruns(sys, cs, fs, &mut a, problems);
    }
    tasks(fs, index, &mut a, problems);
    a.problems = problems_found;
    a
}

fn hive_problem(hive: &str, key: &str, e: &dyn std::fmt::Display) -> Problem {
    Problem {
        kind: ProblemKind::Hive,
        message: format!("{hive}\\{key}: {e}"),
        evidence: vec![Evidence::registry_key(hive, key, true)],
    }
}

fn file_problem(index: Option<u32>, path: &str, e: &dyn std::fmt::Display) -> Problem {
    Problem {
        kind: ProblemKind::Filesystem,
        message: format!("{path}: {e}"),
        evidence: vec![Evidence::file(index, path)],
    }
}

fn file_evidence(index: Option<u32>, path: &str, detail: String) -> Evidence {
    Evidence::File {
        partition_index: index,
        path: path.to_owned(),
        detail: Some(detail),
    }
}

// ---- answer files ---------------------------------------------------------------------------

fn answer_credentials(
    fs: &dyn FileSystem,
    index: Option<u32>,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    for path in AUDIT_ANSWER_FILES {
        let bytes = match read_capped(fs, path, MAX_ANSWER_FILE_BYTES) {
            Ok(Some((b, size))) => {
                if size > MAX_ANSWER_FILE_BYTES {
                    a.caps_hit
                        .push(format!("{path}: first {MAX_ANSWER_FILE_BYTES} bytes read"));
                }
                b
            }
            Ok(None) => continue,
            Err(e) => {
                problems.push(file_problem(index, path, &e));
                continue;
            }
        };
        let scan = scan_answer_file(&bytes);
        if scan.capped {
            a.caps_hit.push(format!(
                "{path}: answer-file scan capped (bytes, depth or findings)"
            ));
        }
        for c in scan.credentials {
            let encoding = match c.encoding {
                SecretEncoding::PlainText => "plainText",
                SecretEncoding::Base64Utf16 { .. } => "base64",
                SecretEncoding::Opaque => "opaque",
                SecretEncoding::Hashed => "hashed",
                SecretEncoding::Empty => "empty",
            };
            let detail = format!(
                "line {}: {} ({}, {} characters; value not shown)",
                c.line,
                c.element_path,
                c.encoding.describe(),
                c.length
            );
            a.answer_credentials.push(AnswerCredential {
                path: path.to_owned(),
                kind: c.kind.as_str().to_owned(),
                element: c.element_path,
                line: c.line,
                encoding: encoding.to_owned(),
                length: c.length,
                account: c.account,
                evidence: vec![file_evidence(index, path, detail)],
            });
        }
    }
}

// ---- LSA, auto-logon ------------------------------------------------------------------------

fn lsa_facts(l: &LsaSecrets, a: &mut AuditFacts) {
    for s in &l.secrets {
        let kind = match s.kind {
            SecretKind::DefaultPassword => "defaultPassword",
            SecretKind::ServicePassword => "servicePassword",
            SecretKind::DpapiSystem => "dpapiSystem",
            SecretKind::CachedLogonKey => "cachedLogonKey",
            SecretKind::MachineAccount => "machineAccount",
            SecretKind::Other => "other",
        };
        let key = format!(r"Policy\Secrets\{}", s.name);
        let data = s
            .current_len
            .map(|n| format!("CurrVal {n} bytes (encrypted; not shown)"));
        a.lsa_secrets.push(LsaSecretFact {
            name: s.name.clone(),
            kind: kind.to_owned(),
            service: s.service.clone(),
            current_length: s.current_len,
            evidence: vec![Evidence::Registry {
                hive: "SECURITY".into(),
                key,
                value: None,
                data,
            }],
        });
    }
    a.cached_logons = Fact::new(
        u32::try_from(l.cached_logons).ok(),
        Evidence::Registry {
            hive: "SECURITY".into(),
            key: "Cache".into(),
            value: None,
            data: Some(format!(
                "{} of {} NL$n entries in use",
                l.cached_logons, l.cache_slots
            )),
        },
    );
}

fn auto_logon(sw: Reg<'_>, lsa: Option<&LsaSecrets>, problems: &mut Vec<Problem>) -> AutoLogon {
    let key = sw.key(WINLOGON, problems);
    let enabled = sw.value_in(key.as_ref(), WINLOGON, "AutoAdminLogon", problems);
    let user = sw.value_in(key.as_ref(), WINLOGON, "DefaultUserName", problems);
    // The password's characters are counted, never kept; the evidence says the length only.
    let password_len = key.as_ref().and_then(|k| match k.value("DefaultPassword") {
        Ok(Some(v)) => match v.data() {
            Ok(d) => as_string(&d).map(|s| s.chars().count()),
            Err(e) => {
                problems.push(sw.problem(WINLOGON, Some("DefaultPassword"), &e));
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            problems.push(sw.problem(WINLOGON, Some("DefaultPassword"), &e));
            None
        }
    });
    let pw_evidence = Evidence::registry(
        "SOFTWARE",
        WINLOGON,
        "DefaultPassword",
        password_len.map(|n| format!("(secret: {n} characters; not shown)")),
    );
    let secret = lsa.and_then(|l| l.secret("DefaultPassword"));
    let lsa_evidence = Evidence::Registry {
        hive: "SECURITY".into(),
        key: r"Policy\Secrets\DefaultPassword".into(),
        value: None,
        data: secret.map(|s| {
            format!(
                "present (CurrVal {} bytes, encrypted; not shown)",
                s.current_len.unwrap_or(0)
            )
        }),
    };
    let on = enabled.string().is_some_and(|s| s.trim() == "1") || enabled.u32() == Some(1);
    AutoLogon {
        enabled: Fact::new(on, enabled.evidence),
        user: Fact::new(user.string().filter(|s| !s.is_empty()), user.evidence),
        registry_password_length: Fact::new(password_len, pw_evidence),
        lsa_secret: Fact::new(secret.is_some(), lsa_evidence),
    }
}

// ---- SAM ------------------------------------------------------------------------------------

fn accounts(
    fs: &dyn FileSystem,
    index: Option<u32>,
    opts: &GatherOptions,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let path = hive_path("SAM");
    let hive = match open_hive_in(
        fs,
        &path,
        HiveOptions {
            replay_logs: opts.replay_logs,
            overlay_budget: None,
        },
    ) {
        Ok(h) => h,
        Err(e) => {
            // An image without a SAM (our older fixtures) has no local accounts to judge.
            if !matches!(
                e,
                crate::locate::HiveFileError::Fs(FsError::NotFound { .. })
            ) {
                problems.push(Problem {
                    kind: ProblemKind::Hive,
                    message: format!("SAM hive: {e}"),
                    evidence: vec![Evidence::file(index, &path)],
                });
            }
            return;
        }
    };
    let db = match SamDatabase::read(&hive) {
        Ok(db) => db,
        Err(e) => {
            problems.push(hive_problem("SAM", vhdlint_registry::sam::USERS_PATH, &e));
            return;
        }
    };
    for p in &db.problems {
        problems.push(hive_problem(
            "SAM",
            &format!(r"{}\{}", vhdlint_registry::sam::USERS_PATH, p.key_name),
            &p.error,
        ));
    }
    for acc in &db.accounts {
        let key = format!(r"{}\{}", vhdlint_registry::sam::USERS_PATH, acc.key_name);
        let flags = format!(
            "ACB {:#06x} ({}{}{}), NT hash {}",
            acc.fixed.acb,
            if acc.disabled() {
                "disabled"
            } else {
                "enabled"
            },
            if acc.password_not_required() {
                ", password not required"
            } else {
                ""
            },
            if acc.password_never_expires() {
                ", password never expires"
            } else {
                ""
            },
            if acc.password_set() {
                "stored (not shown)"
            } else {
                "absent"
            }
        );
        let admin = db.is_admin(acc.rid);
        let rdp = db.is_remote_desktop_user(acc.rid);
        let mut evidence = vec![
            Evidence::registry("SAM", &key, "F", Some(flags)),
            Evidence::registry(
                "SAM",
                &key,
                "V",
                Some(format!("user name {:?}", acc.username())),
            ),
        ];
        if admin {
            evidence.push(Evidence::registry_key(
                "SAM",
                r"SAM\Domains\Builtin\Aliases\00000220",
                true,
            ));
        }
        a.accounts.push(LocalAccount {
            rid: acc.rid,
            name: acc.username().to_owned(),
            enabled: !acc.disabled(),
            password_set: acc.password_set(),
            password_not_required: acc.password_not_required(),
            password_never_expires: acc.password_never_expires(),
            lm_hash_stored: acc.lm_hash_stored(),
            password_last_set: acc.fixed.password_last_set,
            last_logon: acc.fixed.last_logon,
            administrator: admin,
            remote_desktop_user: rdp,
            evidence,
        });
    }
}

// ---- posture --------------------------------------------------------------------------------

fn dword(
    reg: Option<Reg<'_>>,
    key: &str,
    value: &str,
    problems: &mut Vec<Problem>,
) -> Fact<Option<u32>> {
    match reg {
        Some(r) => {
            let read = r.value(key, value, problems);
            Fact::new(read.u32(), read.evidence)
        }
        None => Fact::default(),
    }
}

/// The first of several places a setting can be made that holds a value (a policy beside the
/// setting itself): that one, else the first (absent) with the evidence of all.
fn first_dword(reads: Vec<Fact<Option<u32>>>) -> Fact<Option<u32>> {
    let mut evidence = Vec::new();
    for r in &reads {
        if r.value.is_some() {
            return r.clone();
        }
        evidence.extend(r.evidence.iter().cloned());
    }
    Fact::with_evidence(None, evidence)
}

fn value_names(reg: Reg<'_>, key_path: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let Some(key) = reg.key(key_path, problems) else {
        return Vec::new();
    };
    match key.values() {
        Ok(v) => v
            .iter()
            .take(MAX_AUDIT_SUBKEYS)
            .map(|v| v.name().to_owned())
            .collect(),
        Err(e) => {
            problems.push(reg.problem(key_path, None, &e));
            Vec::new()
        }
    }
}

fn posture(
    sw: Option<Reg<'_>>,
    sys: Option<Reg<'_>>,
    cs: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Posture {
    let sysk = |rel: &str| cs.map_or_else(String::new, |cs| format!(r"{cs}\{rel}"));
    let sys_cs = if cs.is_some() { sys } else { None };
    const DEF_POL: &str = r"Policies\Microsoft\Windows Defender";
    let mut exclusions = Vec::new();
    let mut excl_evidence = Vec::new();
    if let Some(r) = sw {
        for base in [DEF_POL, r"Microsoft\Windows Defender"] {
            for kind in ["Paths", "Extensions", "Processes"] {
                let key = format!(r"{base}\Exclusions\{kind}");
                let names = value_names(r, &key, problems);
                if !names.is_empty() {
                    excl_evidence.push(Evidence::Registry {
                        hive: "SOFTWARE".into(),
                        key: key.clone(),
                        value: None,
                        data: Some(names.join("; ")),
                    });
                }
                exclusions.extend(names.into_iter().map(|n| format!("{kind}: {n}")));
            }
        }
    }
    let mut firewall = Vec::new();
    let mut fw_evidence = Vec::new();
    for (profile, policy) in [
        ("DomainProfile", "DomainProfile"),
        ("StandardProfile", "PrivateProfile"),
        ("PublicProfile", "PublicProfile"),
    ] {
        let setting = dword(
            sys_cs,
            &sysk(&format!(
                r"Services\SharedAccess\Parameters\FirewallPolicy\{profile}"
            )),
            "EnableFirewall",
            problems,
        );
        let pol = dword(
            sw,
            &format!(r"Policies\Microsoft\WindowsFirewall\{policy}"),
            "EnableFirewall",
            problems,
        );
        let fact = first_dword(vec![pol, setting]);
        if fact.value == Some(0) {
            firewall.push(profile.to_owned());
            fw_evidence.extend(fact.evidence);
        }
    }
    let lsa = sysk(r"Control\Lsa");
    Posture {
        defender_disable_antispyware: dword(sw, DEF_POL, "DisableAntiSpyware", problems),
        defender_disable_realtime: dword(
            sw,
            &format!(r"{DEF_POL}\Real-Time Protection"),
            "DisableRealtimeMonitoring",
            problems,
        ),
        defender_exclusions: Fact::with_evidence(exclusions, excl_evidence),
        firewall_disabled: Fact::with_evidence(firewall, fw_evidence),
        enable_lua: dword(
            sw,
            r"Microsoft\Windows\CurrentVersion\Policies\System",
            "EnableLUA",
            problems,
        ),
        smb1_server: dword(
            sys_cs,
            &sysk(r"Services\LanmanServer\Parameters"),
            "SMB1",
            problems,
        ),
        smb1_client_start: dword(sys_cs, &sysk(r"Services\mrxsmb10"), "Start", problems),
        wdigest_use_logon_credential: dword(
            sys_cs,
            &sysk(r"Control\SecurityProviders\WDigest"),
            "UseLogonCredential",
            problems,
        ),
        no_lm_hash: dword(sys_cs, &lsa, "NoLMHash", problems),
        rdp_user_authentication: dword(
            sys_cs,
            &sysk(r"Control\Terminal Server\WinStations\RDP-Tcp"),
            "UserAuthentication",
            problems,
        ),
        rdp_deny_connections: dword(
            sys_cs,
            &sysk(r"Control\Terminal Server"),
            "fDenyTSConnections",
            problems,
        ),
        winrm_allow_unencrypted: dword(
            sw,
            r"Policies\Microsoft\Windows\WinRM\Service",
            "AllowUnencryptedTraffic",
            problems,
        ),
        winrm_allow_basic: dword(
            sw,
            r"Policies\Microsoft\Windows\WinRM\Service",
            "AllowBasic",
            problems,
        ),
        run_as_ppl: dword(sys_cs, &lsa, "RunAsPPL", problems),
        lsa_cfg_flags: first_dword(vec![
            dword(
                sw,
                r"Policies\Microsoft\Windows\DeviceGuard",
                "LsaCfgFlags",
                problems,
            ),
            dword(sys_cs, &lsa, "LsaCfgFlags", problems),
        ]),
        no_drive_type_autorun: dword(
            sw,
            r"Microsoft\Windows\CurrentVersion\Policies\Explorer",
            "NoDriveTypeAutoRun",
            problems,
        ),
    }
}

// ---- profiles and credential files -----------------------------------------------------------

/// Work counters shared by every profile walk of one image.
struct Walk {
    entries: usize,
    bytes: u64,
    entries_capped: bool,
    bytes_capped: bool,
}

fn profiles(
    fs: &dyn FileSystem,
    index: Option<u32>,
    sw: Option<Reg<'_>>,
    opts: &GatherOptions,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    // ProfileList: SID → folder.
    let mut listed: Vec<(String, String, Evidence)> = Vec::new();
    if let Some(r) = sw {
        if let Some(key) = r.key(PROFILE_LIST, problems) {
            for sub in r
                .subkeys(&key, PROFILE_LIST, problems)
                .into_iter()
                .take(MAX_AUDIT_SUBKEYS)
            {
                let sid = sub.name().to_owned();
                // LocalSystem, LocalService, NetworkService live under System32\config.
                if matches!(sid.as_str(), "S-1-5-18" | "S-1-5-19" | "S-1-5-20") {
                    continue;
                }
                let path = format!(r"{PROFILE_LIST}\{sid}");
                let read = r.value_in(Some(&sub), &path, "ProfileImagePath", problems);
                if let Some(p) = read.string() {
                    let folder = p.rsplit('\\').next().unwrap_or_default().to_owned();
                    if !folder.is_empty() {
                        listed.push((folder, sid, read.evidence));
                    }
                }
            }
        }
    }
    let mut names: Vec<(String, Vec<Evidence>)> = Vec::new();
    match fs.list(r"\Users") {
        Ok(entries) => {
            for e in entries {
                if !e.is_dir
                    || e.reparse_tag.is_some()
                    || STANDARD_PROFILES
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(&e.name))
                {
                    continue;
                }
                names.push((
                    e.name.clone(),
                    vec![file_evidence(
                        index,
                        &format!(r"\Users\{}", e.name),
                        "profile folder".into(),
                    )],
                ));
            }
        }
        Err(FsError::NotFound { .. }) => {}
        Err(e) => problems.push(file_problem(index, r"\Users", &e)),
    }
    for (folder, _, ev) in &listed {
        if STANDARD_PROFILES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(folder))
        {
            continue;
        }
        match names
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(folder))
        {
            Some((_, evs)) => evs.push(ev.clone()),
            None => names.push((folder.clone(), vec![ev.clone()])),
        }
    }
    if names.len() > MAX_PROFILES {
        a.caps_hit.push(format!(
            "profiles: first {MAX_PROFILES} of {} looked at",
            names.len()
        ));
        names.truncate(MAX_PROFILES);
    }
    let mut walk = Walk {
        entries: 0,
        bytes: 0,
        entries_capped: false,
        bytes_capped: false,
    };
    for (name, evidence) in names {
        let path = format!(r"\Users\{name}");
        let ntuser_path = format!(r"{path}\NTUSER.DAT");
        let ntuser = fs.stat(&ntuser_path).ok().filter(|e| !e.is_dir);
        let sid = listed
            .iter()
            .find(|(f, _, _)| f.eq_ignore_ascii_case(&name))
            .map(|(_, s, _)| s.clone());
        let mut evidence = evidence;
        if let Some(n) = &ntuser {
            evidence.push(file_evidence(
                index,
                &ntuser_path,
                format!("{} bytes", n.size),
            ));
        }
        a.profiles.push(UserProfile {
            name: name.clone(),
            path: path.clone(),
            ntuser_size: ntuser.as_ref().map(|n| n.size),
            ntuser_modified: ntuser.as_ref().and_then(|n| n.modified),
            sid,
            evidence,
        });
        walk_profile(fs, index, &path, 0, &mut walk, a, problems);
        for rel in APPDATA_CREDENTIAL_FILES {
            let file = format!(r"{path}\{rel}");
            if let Ok(e) = fs.stat(&file) {
                if !e.is_dir {
                    let (parent, leaf) = split_parent(&file);
                    credential_file(
                        fs, index, &file, parent, leaf, e.size, &mut walk, a, problems,
                    );
                }
            }
        }
        if ntuser.is_some() {
            user_hive(fs, index, &name, &ntuser_path, opts, a, problems);
        }
    }
    if walk.entries_capped {
        a.caps_hit.push(format!(
            "profile walk: {MAX_PROFILE_ENTRIES} directory entries"
        ));
    }
    if walk.bytes_capped {
        a.caps_hit.push(format!(
            "credential files: {MAX_CREDENTIAL_BYTES} bytes read"
        ));
    }
}

fn split_parent(path: &str) -> (&str, &str) {
    let mut parts = path.rsplitn(3, '\\');
    let leaf = parts.next().unwrap_or_default();
    let parent = parts.next().unwrap_or_default();
    (parent, leaf)
}

fn walk_profile(
    fs: &dyn FileSystem,
    index: Option<u32>,
    dir: &str,
    depth: usize,
    walk: &mut Walk,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let entries = match fs.list(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(file_problem(index, dir, &e));
            return;
        }
    };
    let parent = dir.rsplit('\\').next().unwrap_or_default().to_owned();
    for e in entries {
        if walk.entries >= MAX_PROFILE_ENTRIES {
            walk.entries_capped = true;
            return;
        }
        walk.entries += 1;
        let path = format!(r"{dir}\{}", e.name);
        if e.is_dir {
            if e.reparse_tag.is_some()
                || (depth == 0
                    && SKIPPED_FOLDERS
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(&e.name)))
            {
                continue;
            }
            if depth < MAX_PROFILE_DEPTH {
                walk_profile(fs, index, &path, depth + 1, walk, a, problems);
            } else if !a
                .caps_hit
                .iter()
                .any(|c| c.starts_with("profile walk: depth"))
            {
                a.caps_hit.push(format!(
                    "profile walk: depth {MAX_PROFILE_DEPTH} ({path} not entered)"
                ));
            }
            continue;
        }
        credential_file(
            fs, index, &path, &parent, &e.name, e.size, walk, a, problems,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn credential_file(
    fs: &dyn FileSystem,
    index: Option<u32>,
    path: &str,
    parent: &str,
    name: &str,
    size: u64,
    walk: &mut Walk,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let lower = name.to_ascii_lowercase();
    let by_name = if lower.ends_with(".pfx") || lower.ends_with(".p12") {
        Some("pfxCertificate")
    } else if lower == "login data" {
        Some("browserLoginData")
    } else {
        None
    };
    if let Some(kind) = by_name {
        a.credential_files.push(CredentialFileFact {
            path: path.to_owned(),
            kind: kind.to_owned(),
            lines: Vec::new(),
            evidence: vec![file_evidence(
                index,
                path,
                format!("{size} bytes (content not read)"),
            )],
        });
        return;
    }
    let Some(classifier) = CredentialFile::of(parent, name) else {
        return;
    };
    let cap = vhdlint_artifacts::credential_files::MAX_CREDENTIAL_FILE_BYTES as u64;
    let left = MAX_CREDENTIAL_BYTES.saturating_sub(walk.bytes);
    if left == 0 {
        walk.bytes_capped = true;
        return;
    }
    let bytes = match read_capped(fs, path, cap.min(left)) {
        Ok(Some((b, full))) => {
            if full > cap.min(left) {
                walk.bytes_capped |= full > left;
            }
            b
        }
        Ok(None) => return,
        Err(e) => {
            problems.push(file_problem(index, path, &e));
            return;
        }
    };
    walk.bytes += bytes.len() as u64;
    let scan = classifier.scan(&bytes);
    if scan.capped {
        a.caps_hit.push(format!("{path}: credential scan capped"));
    }
    // One fact per kind of hit in the file; lines for line hits.
    let mut facts: Vec<(String, Vec<usize>, Vec<String>)> = Vec::new();
    for hit in &scan.hits {
        let (kind, what) = match &hit.kind {
            FileKind::SshPrivateKey { label, encrypted } => (
                if *encrypted {
                    "sshPrivateKeyEncrypted"
                } else {
                    "sshPrivateKey"
                },
                format!(
                    "{label}{}, {} bytes",
                    if *encrypted {
                        ", passphrase-protected"
                    } else {
                        ", not passphrase-protected"
                    },
                    hit.length
                ),
            ),
            FileKind::HistoryLine { pattern } => {
                ("historyCredential", format!("a line with {pattern}"))
            }
            FileKind::AwsCredential { profile, key } => (
                "awsCredentials",
                format!("[{profile}] {key}, {} characters", hit.length),
            ),
            FileKind::DockerAuth { registry, field } => (
                "dockerAuth",
                format!("auths {registry:?} {field}, {} characters", hit.length),
            ),
            FileKind::GitCredential { host } => (
                "gitCredentials",
                format!("a credential for {host}, {} characters", hit.length),
            ),
            FileKind::TokenCache { token, count } => {
                ("azureTokenCache", format!("{count} × {token}"))
            }
        };
        let line = match hit.location {
            Location::Line(n) => Some(n),
            Location::File => None,
        };
        match facts.iter_mut().find(|(k, _, _)| k == kind) {
            Some((_, lines, whats)) => {
                lines.extend(line);
                if whats.len() < 8 {
                    whats.push(what);
                }
            }
            None => facts.push((kind.to_owned(), line.into_iter().collect(), vec![what])),
        }
    }
    for (kind, lines, whats) in facts {
        let mut detail = whats.join("; ");
        if !lines.is_empty() {
            let shown: Vec<String> = lines.iter().take(32).map(usize::to_string).collect();
            detail = format!("lines {}: {detail}", shown.join(", "));
        }
        a.credential_files.push(CredentialFileFact {
            path: path.to_owned(),
            kind,
            lines,
            evidence: vec![file_evidence(
                index,
                path,
                format!("{detail} (content not shown)"),
            )],
        });
    }
}

/// A leftover profile's `NTUSER.DAT`: its `Run`/`RunOnce` and per-user `Uninstall` keys.
fn user_hive(
    fs: &dyn FileSystem,
    index: Option<u32>,
    user: &str,
    path: &str,
    opts: &GatherOptions,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let hive = match open_hive_in(
        fs,
        path,
        HiveOptions {
            replay_logs: opts.replay_logs,
            overlay_budget: None,
        },
    ) {
        Ok(h) => h,
        Err(e) => {
            problems.push(Problem {
                kind: ProblemKind::Hive,
                message: format!("{path}: {e}"),
                evidence: vec![Evidence::file(index, path)],
            });
            return;
        }
    };
    let reg = Reg {
        name: "NTUSER.DAT",
        hive: &hive,
    };
    let before = a.installed.len();
    installed(
        reg,
        user,
        r"Software\Microsoft\Windows\CurrentVersion\Uninstall",
        a,
        problems,
    );
    for app in a.installed.iter_mut().skip(before) {
        for e in &mut app.evidence {
            if let Evidence::Registry { hive, .. } = e {
                *hive = path.to_owned();
            }
        }
    }
    let before = a.autoruns.len();
    for (cat, key) in [
        ("run", r"Software\Microsoft\Windows\CurrentVersion\Run"),
        (
            "runOnce",
            r"Software\Microsoft\Windows\CurrentVersion\RunOnce",
        ),
    ] {
        run_key(reg, cat, key, a, problems);
    }
    for r in a.autoruns.iter_mut().skip(before) {
        for e in &mut r.evidence {
            if let Evidence::Registry { hive, .. } = e {
                *hive = path.to_owned();
            }
        }
    }
}

// ---- inventory ------------------------------------------------------------------------------

fn installed(
    reg: Reg<'_>,
    scope: &str,
    key_path: &str,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let Some(key) = reg.key(key_path, problems) else {
        return;
    };
    let subs = reg.subkeys(&key, key_path, problems);
    if subs.len() > MAX_AUDIT_SUBKEYS {
        a.caps_hit.push(format!(
            "{}\\{key_path}: first {MAX_AUDIT_SUBKEYS} subkeys",
            reg.name
        ));
    }
    for sub in subs.into_iter().take(MAX_AUDIT_SUBKEYS) {
        let path = format!(r"{key_path}\{}", sub.name());
        let s = |name: &str, problems: &mut Vec<Problem>| {
            reg.value_in(Some(&sub), &path, name, problems)
                .data
                .as_ref()
                .and_then(text_of)
                .filter(|t| !t.is_empty())
        };
        let name = s("DisplayName", problems).unwrap_or_else(|| sub.name().to_owned());
        a.installed.push(InstalledApp {
            name,
            version: s("DisplayVersion", problems),
            publisher: s("Publisher", problems),
            install_date: s("InstallDate", problems),
            scope: scope.to_owned(),
            evidence: vec![Evidence::registry_key(reg.name, &path, true)],
        });
    }
}

fn text_of(d: &ValueData) -> Option<String> {
    as_string(d).or_else(|| as_u32(d).map(|n| n.to_string()))
}

/// A command that starts from where users or downloads write, or that hides what it runs.
pub fn risky_command(command: &str) -> bool {
    let c = command.to_ascii_lowercase();
    [
        r"\users\",
        r"\appdata\",
        r"\temp\",
        "%temp%",
        "%appdata%",
        "%localappdata%",
        "%userprofile%",
        r"\programdata\",
        r"\windows\temp",
        r"\perflogs",
        r"\$recycle.bin",
        "http://",
        "https://",
        " -enc",
        "-encodedcommand",
        "frombase64string",
        "mshta",
        "regsvr32 /s /u /i:",
        "rundll32 javascript",
        "\\\\",
    ]
    .iter()
    .any(|p| c.contains(p))
}

/// A service or driver image path inside the folders Windows and installers use.
pub fn standard_image_path(image: &str) -> bool {
    let p = image.trim().trim_start_matches('"').to_ascii_lowercase();
    let p = p.strip_prefix(r"\??\").unwrap_or(&p);
    [
        r"system32\",
        r"syswow64\",
        r"\systemroot\",
        "%systemroot%",
        "%windir%",
        r"c:\windows\",
        r"\windows\",
        r"c:\program files",
        "%programfiles",
        "%programw6432%",
        r"c:\programdata\microsoft\windows defender\",
    ]
    .iter()
    .any(|s| p.starts_with(s))
}

/// What an autostart command line shows in the audit: the command as it is, unless its
/// arguments may hold a credential (a password, secret or token switch or assignment, a
/// `user:password@` URL): then the program and the arguments' length only. Audit output never
/// prints a secret, and a command line is where build scripts put them.
pub fn shown_command(command: &str) -> String {
    let lower = command.to_ascii_lowercase();
    const SWITCHES: &[&str] = &[
        "-p",
        "/p",
        "-pw",
        "-pwd",
        "/pwd",
        "-pass",
        "/pass",
        "-password",
        "/password",
        "--password",
        "-secret",
        "--secret",
        "-token",
        "--token",
        "-key",
        "--key",
        "-credential",
        "-asplaintext",
        "-securestring",
        "-sas",
        "-accountkey",
    ];
    const MARKERS: &[&str] = &[
        "password",
        "passwd",
        "pwd=",
        "secret",
        "token",
        "sig=",
        "accountkey",
        "apikey",
        "api_key",
        "/user:",
        "-u ",
        "convertto-securestring",
    ];
    let switch = lower
        .split_whitespace()
        .any(|t| SWITCHES.contains(&t.split([':', '=']).next().unwrap_or(t)));
    let marker = MARKERS.iter().any(|m| lower.contains(m));
    let url_credential = lower.split("://").skip(1).any(|rest| {
        rest.split(['/', ' '])
            .next()
            .is_some_and(|auth| auth.contains(':') && auth.contains('@'))
    });
    if !(switch || marker || url_credential) {
        return command.to_owned();
    }
    // The program: a quoted first token, or the first whitespace-separated one.
    let trimmed = command.trim_start();
    let program_len = if let Some(rest) = trimmed.strip_prefix('"') {
        rest.find('"').map_or(trimmed.len(), |i| i + 2)
    } else {
        trimmed.find(char::is_whitespace).unwrap_or(trimmed.len())
    };
    let (program, args) = trimmed.split_at(program_len.min(trimmed.len()));
    // The program itself can carry the credential (a URL): then nothing of it is shown.
    let program_secret = program.contains('@') || program.to_ascii_lowercase().contains("sig=");
    let program = if program_secret {
        "<program redacted>"
    } else {
        program
    };
    format!(
        "{program} <arguments redacted: {} bytes, may hold a credential>",
        args.trim().len()
    )
}

fn push_autorun(
    a: &mut AuditFacts,
    category: &str,
    name: &str,
    command: String,
    risky: bool,
    evidence: Evidence,
) {
    a.autoruns.push(Autorun {
        category: category.to_owned(),
        name: name.to_owned(),
        command,
        risky,
        image_missing: None,
        evidence: vec![evidence],
    });
}

/// The path on the Windows volume of the program a service's `ImagePath` starts: the quoted
/// first token, or up to the end of the first `.exe`/`.sys`/`.dll` (unquoted paths with spaces),
/// or up to the first space; `System32\…` (relative to the Windows folder), `\SystemRoot\`,
/// `%SystemRoot%`, `%windir%`, `C:\` and `\??\C:\` resolved. `None` for another drive, a
/// network path or another variable.
pub fn image_volume_path(image: &str) -> Option<String> {
    let t = image.trim();
    let program = if let Some(rest) = t.strip_prefix('"') {
        rest.split('"').next().unwrap_or(rest)
    } else {
        let lower = t.to_ascii_lowercase();
        let end = [".exe", ".sys", ".dll"]
            .iter()
            .filter_map(|x| lower.find(x).map(|i| i + x.len()))
            .min();
        match end {
            Some(e) => t.get(..e).unwrap_or(t),
            None => t.split(char::is_whitespace).next().unwrap_or(t),
        }
    };
    let p = program.strip_prefix(r"\??\").unwrap_or(program);
    let lower = p.to_ascii_lowercase();
    let rest = if let Some(r) = ["\\systemroot\\", "%systemroot%\\", "%windir%\\"]
        .iter()
        .find_map(|pre| lower.strip_prefix(pre).and(p.get(pre.len()..)))
    {
        format!(r"\Windows\{r}")
    } else if let Some(r) = lower.strip_prefix(r"c:\").and(p.get(3..)) {
        format!(r"\{r}")
    } else if lower.starts_with(r"system32\") || lower.starts_with(r"syswow64\") {
        format!(r"\Windows\{p}")
    } else {
        return None;
    };
    (!rest.contains("%") && !rest.contains("\\\\")).then_some(rest)
}

fn run_key(
    reg: Reg<'_>,
    category: &str,
    key_path: &str,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let Some(key) = reg.key(key_path, problems) else {
        return;
    };
    let values = match key.values() {
        Ok(v) => v,
        Err(e) => {
            problems.push(reg.problem(key_path, None, &e));
            return;
        }
    };
    for v in values.iter().take(MAX_AUDIT_SUBKEYS) {
        let command = match v.data() {
            Ok(d) => text_of(&d).unwrap_or_default(),
            Err(e) => {
                problems.push(reg.problem(key_path, Some(v.name()), &e));
                continue;
            }
        };
        let risky = risky_command(&command);
        let command = shown_command(&command);
        let ev = Evidence::registry(reg.name, key_path, v.name(), Some(command.clone()));
        push_autorun(a, category, v.name(), command, risky, ev);
    }
}

fn string_value(
    reg: Reg<'_>,
    key: &Key,
    key_path: &str,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    reg.value_in(Some(key), key_path, name, problems)
        .data
        .as_ref()
        .and_then(|d| match d {
            ValueData::MultiSz(v) => Some(v.join(" ")),
            d => text_of(d),
        })
}

fn software_autoruns(sw: Reg<'_>, a: &mut AuditFacts, problems: &mut Vec<Problem>) {
    for (cat, key) in [
        ("run", r"Microsoft\Windows\CurrentVersion\Run"),
        ("runOnce", r"Microsoft\Windows\CurrentVersion\RunOnce"),
        ("run", r"WOW6432Node\Microsoft\Windows\CurrentVersion\Run"),
        (
            "runOnce",
            r"WOW6432Node\Microsoft\Windows\CurrentVersion\RunOnce",
        ),
    ] {
        run_key(sw, cat, key, a, problems);
    }
    if let Some(key) = sw.key(WINLOGON, problems) {
        for (name, cat, default) in [
            (
                "Userinit",
                "winlogonUserinit",
                r"c:\windows\system32\userinit.exe",
            ),
            ("Shell", "winlogonShell", "explorer.exe"),
        ] {
            if let Some(v) = string_value(sw, &key, WINLOGON, name, problems) {
                let norm = v.trim().trim_end_matches(',').trim().to_ascii_lowercase();
                let risky = norm != default && !default.ends_with(&norm);
                let ev = Evidence::registry("SOFTWARE", WINLOGON, name, Some(v.clone()));
                push_autorun(a, cat, name, v, risky, ev);
            }
        }
    }
    const IFEO: &str = r"Microsoft\Windows NT\CurrentVersion\Image File Execution Options";
    if let Some(key) = sw.key(IFEO, problems) {
        for sub in sw
            .subkeys(&key, IFEO, problems)
            .into_iter()
            .take(MAX_AUDIT_SUBKEYS)
        {
            let path = format!(r"{IFEO}\{}", sub.name());
            if let Some(d) = string_value(sw, &sub, &path, "Debugger", problems) {
                let ev = Evidence::registry("SOFTWARE", &path, "Debugger", Some(d.clone()));
                push_autorun(a, "ifeoDebugger", sub.name(), d, true, ev);
            }
        }
    }
    for key_path in [
        r"Microsoft\Windows NT\CurrentVersion\Windows",
        r"WOW6432Node\Microsoft\Windows NT\CurrentVersion\Windows",
    ] {
        if let Some(key) = sw.key(key_path, problems) {
            if let Some(d) = string_value(sw, &key, key_path, "AppInit_DLLs", problems) {
                if !d.trim().is_empty() {
                    let ev =
                        Evidence::registry("SOFTWARE", key_path, "AppInit_DLLs", Some(d.clone()));
                    push_autorun(a, "appInitDlls", "AppInit_DLLs", d, true, ev);
                }
            }
        }
    }
}

/// LSA packages Windows ships, per value.
const LSA_PACKAGES: [(&str, &[&str]); 3] = [
    (
        "Security Packages",
        &[
            "kerberos", "msv1_0", "schannel", "wdigest", "tspkg", "pku2u", "cloudap", "\"\"", "",
        ],
    ),
    ("Notification Packages", &["scecli", "rassfm"]),
    ("Authentication Packages", &["msv1_0"]),
];

fn system_autoruns(
    sys: Reg<'_>,
    cs: &str,
    fs: &dyn FileSystem,
    a: &mut AuditFacts,
    problems: &mut Vec<Problem>,
) {
    let mut lookups = 0usize;
    let mut capped = false;
    let services = format!(r"{cs}\Services");
    if let Some(key) = sys.key(&services, problems) {
        let subs = sys.subkeys(&key, &services, problems);
        if subs.len() > MAX_AUDIT_SUBKEYS {
            a.caps_hit.push(format!(
                "SYSTEM\\{services}: first {MAX_AUDIT_SUBKEYS} subkeys"
            ));
        }
        for sub in subs.into_iter().take(MAX_AUDIT_SUBKEYS) {
            let path = format!(r"{services}\{}", sub.name());
            let Some(image) = string_value(sys, &sub, &path, "ImagePath", problems) else {
                continue;
            };
            if image.trim().is_empty() {
                continue;
            }
            // Autoruns' "file not found": the image the service would start is not there.
            // Bounded: MAX_IMAGE_LOOKUPS lookups of at most MAX_PATH_DEPTH components each.
            let missing = match image_volume_path(&image) {
                Some(p) if lookups < MAX_IMAGE_LOOKUPS => {
                    lookups += 1;
                    match fs.stat(&p) {
                        Ok(e) => Some(e.is_dir),
                        Err(vhdlint_filesystems::FsError::NotFound { .. }) => Some(true),
                        Err(_) => None,
                    }
                }
                Some(_) => {
                    capped = true;
                    None
                }
                None => None,
            };
            let standard = standard_image_path(&image);
            if standard && missing != Some(true) {
                continue;
            }
            // A service's command line can carry a credential like any autostart entry's.
            let shown = shown_command(&image);
            let ev = Evidence::registry("SYSTEM", &path, "ImagePath", Some(shown.clone()));
            push_autorun(a, "service", sub.name(), shown, !standard, ev);
            if let Some(last) = a.autoruns.last_mut() {
                last.image_missing = missing;
            }
        }
        if capped {
            a.caps_hit.push(format!(
                "SYSTEM\\{services}: image files of the first {MAX_IMAGE_LOOKUPS} services looked up"
            ));
        }
    }
    let appcert = format!(r"{cs}\Control\Session Manager\AppCertDlls");
    if let Some(key) = sys.key(&appcert, problems) {
        if let Ok(values) = key.values() {
            for v in values.iter().take(MAX_AUDIT_SUBKEYS) {
                let d = v.data().ok().and_then(|d| text_of(&d)).unwrap_or_default();
                let ev = Evidence::registry("SYSTEM", &appcert, v.name(), Some(d.clone()));
                push_autorun(a, "appCertDlls", v.name(), d, true, ev);
            }
        }
    }
    let lsa = format!(r"{cs}\Control\Lsa");
    if let Some(key) = sys.key(&lsa, problems) {
        for (value, shipped) in LSA_PACKAGES {
            let Some(Some(ValueData::MultiSz(list))) =
                Some(sys.value_in(Some(&key), &lsa, value, problems).data)
            else {
                continue;
            };
            for p in list.iter().take(MAX_AUDIT_SUBKEYS) {
                let t = p.trim();
                if shipped.iter().any(|s| s.eq_ignore_ascii_case(t)) {
                    continue;
                }
                let ev = Evidence::registry("SYSTEM", &lsa, value, Some(list.join("; ")));
                push_autorun(a, "lsaPackage", value, t.to_owned(), true, ev);
            }
        }
    }
}

fn tasks(fs: &dyn FileSystem, index: Option<u32>, a: &mut AuditFacts, problems: &mut Vec<Problem>) {
    let mut files = 0usize;
    let mut bytes = 0u64;
    let mut capped = false;
    let mut stack: Vec<(String, usize)> = vec![(r"\Windows\System32\Tasks".to_owned(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match fs.list(&dir) {
            Ok(e) => e,
            Err(FsError::NotFound { .. }) => continue,
            Err(e) => {
                problems.push(file_problem(index, &dir, &e));
                continue;
            }
        };
        for e in entries {
            let path = format!(r"{dir}\{}", e.name);
            if e.is_dir {
                if depth < MAX_TASK_DEPTH && e.reparse_tag.is_none() {
                    stack.push((path, depth + 1));
                } else {
                    capped = true;
                }
                continue;
            }
            if files >= MAX_TASK_FILES || bytes >= MAX_TASK_BYTES_TOTAL {
                capped = true;
                continue;
            }
            files += 1;
            let data = match read_capped(fs, &path, MAX_TASK_BYTES as u64) {
                Ok(Some((b, _))) => b,
                Ok(None) => continue,
                Err(e) => {
                    problems.push(file_problem(index, &path, &e));
                    continue;
                }
            };
            bytes += data.len() as u64;
            let Ok(task) = parse_task(&data) else {
                continue;
            };
            let name = task.uri.clone().unwrap_or_else(|| path.clone());
            for action in task.actions {
                if let TaskAction::Exec { command, arguments } = action {
                    let full = match &arguments {
                        Some(args) => format!("{command} {args}"),
                        None => command.clone(),
                    };
                    let risky = task.enabled && risky_command(&full);
                    let ev = file_evidence(
                        index,
                        &path,
                        format!(
                            "Exec {command}{}",
                            if task.enabled { "" } else { " (task disabled)" }
                        ),
                    );
                    push_autorun(a, "scheduledTask", &name, shown_command(&full), risky, ev);
                }
            }
        }
    }
    if capped {
        a.caps_hit.push(format!(
            r"\Windows\System32\Tasks: walk capped (depth {MAX_TASK_DEPTH}, {MAX_TASK_FILES} files, {MAX_TASK_BYTES_TOTAL} bytes)"
        ));
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod command_tests {
    use super::{image_volume_path, shown_command};

    #[test]
    fn a_command_line_that_may_hold_a_credential_shows_its_program_and_length_only() {
        for (line, secret) in [
            (r"C:\build\deploy.exe -Password Hunter2!", "Hunter2!"),
            (
                r#""C:\Program Files\x\agent.exe" /p:S3cret --quiet"#,
                "S3cret",
            ),
            ("net use Z: \\\\srv\\share /user:admin Pa55word", "Pa55word"),
            ("curl https://builder:GitTok3n@dev.azure.com/x", "GitTok3n"),
            (
                "azcopy copy a https://acct.blob.core.windows.net/c?sv=1&sig=SIGVALUE",
                "SIGVALUE",
            ),
            (
                "powershell -c \"ConvertTo-SecureString 'PlantedPw' -AsPlainText\"",
                "PlantedPw",
            ),
        ] {
            let shown = shown_command(line);
            assert!(!shown.contains(secret), "{line} -> {shown}");
            assert!(shown.contains("arguments redacted"), "{shown}");
        }
        let shown = shown_command(r#""C:\Program Files\x\agent.exe" /p:S3cret"#);
        assert!(
            shown.starts_with(r#""C:\Program Files\x\agent.exe" "#),
            "{shown}"
        );
    }

    #[test]
    fn service_image_paths_resolve_to_the_windows_volume() {
        for (image, want) in [
            (
                r"System32\drivers\vmbus.sys",
                Some(r"\Windows\System32\drivers\vmbus.sys"),
            ),
            (
                r"\SystemRoot\System32\drivers\netvsc.sys",
                Some(r"\Windows\System32\drivers\netvsc.sys"),
            ),
            (
                r"%SystemRoot%\system32\svchost.exe -k netsvcs -p",
                Some(r"\Windows\system32\svchost.exe"),
            ),
            (
                r#""C:\Program Files\FSLogix\Apps\frxsvc.exe" /service"#,
                Some(r"\Program Files\FSLogix\Apps\frxsvc.exe"),
            ),
            (
                r"C:\Program Files\Contoso Agent\agent.exe --service",
                Some(r"\Program Files\Contoso Agent\agent.exe"),
            ),
            (r"\??\C:\agent\drv.sys", Some(r"\agent\drv.sys")),
            (r"D:\tools\svc.exe", None),
            (r"\\server\share\svc.exe", None),
            (r"%ProgramFiles%\x\svc.exe", None),
            // Not ASCII: no panic, and the path keeps its characters.
            (
                r"C:\Überwachung\dienst.exe",
                Some(r"\Überwachung\dienst.exe"),
            ),
            (r"é\x.exe", None),
        ] {
            assert_eq!(image_volume_path(image).as_deref(), want, "{image}");
        }
    }

    #[test]
    fn an_ordinary_command_line_is_shown_as_it_is() {
        for line in [
            r"%SystemRoot%\System32\SecurityHealthSystray.exe",
            r#""C:\Program Files\Contoso\updater.exe" /silent /check"#,
            r"C:\Windows\System32\defrag.exe -c -h -o -$",
        ] {
            assert_eq!(shown_command(line), line);
        }
    }
}
