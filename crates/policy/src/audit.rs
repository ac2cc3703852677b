//! `vhdlint audit`: the hit functions of the `VS…` rules (declared in [`crate::RULES`]) and
//! [`audit()`], which runs them.
//!
//! Every hit reads [`vhdlint_facts::AuditFacts`] (and the boot facts for the BCD settings); a
//! message names what was found (file + element, key + value, LSA secret name, account), its
//! kind and its length — **never a secret's value**, which the facts do not hold anyway.

use vhdlint_facts::{AuditFacts, Evidence, Fact, ImageFacts};

use crate::evaluate::{os_servicing, Evaluation};
use crate::graph::ImageStatus;
use crate::rule::{AuditSeverity, Finding, Hit, Options, RuleKind};
use crate::rules::{or_derived, RULES};

/// How to audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditOptions {
    /// Profile and date (the document's `profile`/`asOf`; audit rules do not depend on them).
    pub policy: Options,
    /// Findings below this are not reported (`--min-severity`, default `info`).
    pub min_severity: AuditSeverity,
    /// The image fails (exit 1) with a finding at or above this (`--fail-on`, default `high`).
    pub fail_on: AuditSeverity,
}

impl AuditOptions {
    /// Every finding reported; `high` and above fail.
    pub fn new(policy: Options) -> Self {
        AuditOptions {
            policy,
            min_severity: AuditSeverity::Info,
            fail_on: AuditSeverity::High,
        }
    }
}

/// Runs every audit rule of [`RULES`]: findings at or above `min_severity`, `passed` when none
/// is at or above `fail_on`.
pub fn audit(facts: &ImageFacts, options: &AuditOptions) -> Evaluation {
    let mut findings: Vec<Finding> = Vec::new();
    for rule in RULES {
        let RuleKind::Audit { severity } = rule.kind else {
            continue;
        };
        if severity < options.min_severity {
            continue;
        }
        for hit in rule.hits(facts, &options.policy) {
            findings.push(rule.finding(hit, severity.level(), None, Some(severity)));
        }
    }
    // Sorted most severe first by the document; keep rule order here.
    let passed = !findings
        .iter()
        .any(|f| f.security_severity.is_some_and(|s| s >= options.fail_on));
    let (os_status, servicing, _) = os_servicing(facts, options.policy.as_of);
    Evaluation {
        profile: options.policy.profile,
        as_of: options.policy.as_of,
        findings,
        status: if passed {
            ImageStatus::Ready
        } else {
            ImageStatus::Failed
        },
        error_code: None,
        os_status,
        servicing,
        passed,
    }
}

/// `f` over the audit facts; no hits when the audit step did not run.
pub fn audited(facts: &ImageFacts, f: impl FnOnce(&AuditFacts) -> Vec<Hit>) -> Vec<Hit> {
    facts.audit.as_ref().map_or_else(Vec::new, f)
}

fn is(fact: &Fact<Option<u32>>, v: u32) -> bool {
    fact.value == Some(v)
}

fn hit_if(on: bool, message: String, fact: &Fact<Option<u32>>, name: &str) -> Vec<Hit> {
    if on {
        vec![Hit::new(
            message,
            or_derived(&fact.evidence, format!("{name} = {:?}", fact.value)),
        )]
    } else {
        Vec::new()
    }
}

// ---- credentials ----------------------------------------------------------------------------

/// VS0001: plain-text or base64 (reversible) passwords in answer files.
pub fn answer_file_password(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    answer(facts, &["plainText", "base64"])
}

/// VS0002: encoded (not trivially reversible) passwords in answer files.
pub fn answer_file_encoded_password(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    answer(facts, &["opaque", "hashed"])
}

fn answer(facts: &ImageFacts, encodings: &[&str]) -> Vec<Hit> {
    audited(facts, |a| {
        a.answer_credentials
            .iter()
            .filter(|c| encodings.contains(&c.encoding.as_str()) && c.length > 0)
            .map(|c| {
                let how = match c.encoding.as_str() {
                    "plainText" => "in plain text",
                    "base64" => "base64-encoded, trivially reversible",
                    "hashed" => "hashed (EncryptedAdminPassword)",
                    _ => "encoded",
                };
                let account = c
                    .account
                    .as_deref()
                    .map(|n| format!(" for account {n:?}"))
                    .unwrap_or_default();
                let article = if c.kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                Hit::new(
                    format!(
                        "{} line {}: {article} {} ({} characters){account} is stored {how} at {}.",
                        c.path, c.line, c.kind, c.length, c.element
                    ),
                    c.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0003: an auto-logon password stored (Winlogon `DefaultPassword` or the LSA secret).
pub fn autologon_password(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let l = &a.auto_logon;
        let mut hits = Vec::new();
        if let Some(n) = l.registry_password_length.value {
            hits.push(Hit::new(
                format!(
                    "Winlogon DefaultPassword holds a {n}-character password in clear text in the \
                     SOFTWARE hive."
                ),
                l.registry_password_length.evidence.clone(),
            ));
        }
        if l.lsa_secret.value {
            hits.push(Hit::new(
                "The LSA secret DefaultPassword exists: an auto-logon password, decryptable offline \
                 with the SYSTEM hive's boot key.",
                l.lsa_secret.evidence.clone(),
            ));
        }
        hits
    })
}

/// VS0004: auto-logon enabled.
pub fn autologon_enabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let l = &a.auto_logon;
        if !l.enabled.value {
            return Vec::new();
        }
        let user = l
            .user
            .value
            .as_deref()
            .map(|u| format!(" as {u:?}"))
            .unwrap_or_default();
        let mut evidence = l.enabled.evidence.clone();
        evidence.extend(l.user.evidence.iter().cloned());
        vec![Hit::new(
            format!(
                "AutoAdminLogon = 1: every machine built from the image logs on{user} by itself."
            ),
            evidence,
        )]
    })
}

/// VS0005: service-account passwords stored as LSA secrets (`_SC_<service>`).
pub fn lsa_service_secret(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.lsa_secrets
            .iter()
            .filter(|s| s.kind == "servicePassword")
            .map(|s| {
                Hit::new(
                    format!(
                        "LSA secret {} holds the password of the account service {} runs as \
                         ({} bytes encrypted).",
                        s.name,
                        s.service.as_deref().unwrap_or("?"),
                        s.current_length.unwrap_or(0)
                    ),
                    s.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0006: cached domain logons.
pub fn cached_logons(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| match a.cached_logons.value {
        Some(n) if n > 0 => vec![Hit::new(
            format!("{n} cached domain logon(s) (SECURITY\\Cache NL$n): crackable offline."),
            a.cached_logons.evidence.clone(),
        )],
        _ => Vec::new(),
    })
}

// ---- accounts -------------------------------------------------------------------------------

/// VS0007: the built-in Administrator (RID 500) is enabled.
pub fn builtin_admin_enabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.accounts
            .iter()
            .filter(|u| u.rid == 500 && u.enabled)
            .map(|u| {
                Hit::new(
                    format!(
                        "The built-in Administrator {:?} is enabled{}: the same account and \
                         password on every machine built from the image.",
                        u.name,
                        if u.password_set {
                            " with a password set"
                        } else {
                            " (no password set)"
                        }
                    ),
                    u.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0008: other enabled local administrators.
pub fn other_local_admin(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.accounts
            .iter()
            .filter(|u| u.rid != 500 && u.enabled && u.administrator)
            .map(|u| {
                Hit::new(
                    format!(
                        "Local account {:?} (RID {}) is enabled and a member of Administrators.",
                        u.name, u.rid
                    ),
                    u.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0009: enabled accounts without a password.
pub fn account_without_password(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.accounts
            .iter()
            .filter(|u| u.enabled && !u.password_set && u.rid != 501)
            .map(|u| {
                Hit::new(
                    format!(
                        "Local account {:?} (RID {}{}) is enabled and has no password.",
                        u.name,
                        u.rid,
                        if u.administrator {
                            ", an administrator"
                        } else {
                            ""
                        }
                    ),
                    u.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0010: the Guest account is enabled.
pub fn guest_enabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.accounts
            .iter()
            .filter(|u| u.rid == 501 && u.enabled)
            .map(|u| {
                Hit::new(
                    format!("The Guest account {:?} is enabled.", u.name),
                    u.evidence.clone(),
                )
            })
            .collect()
    })
}

// ---- user data ------------------------------------------------------------------------------

/// VS0011: user profiles left in the image.
pub fn leftover_profile(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.profiles
            .iter()
            .map(|p| {
                let hive = p
                    .ntuser_size
                    .map(|n| format!(", NTUSER.DAT {n} bytes"))
                    .unwrap_or_default();
                Hit::new(
                    format!("User profile {} is left in the image{hive}.", p.path),
                    p.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0012: credential files in profiles.
pub fn credential_file(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    credential_files(facts, false)
}

/// VS0013: PowerShell history lines that handle credentials.
pub fn history_credential(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    credential_files(facts, true)
}

fn credential_files(facts: &ImageFacts, history: bool) -> Vec<Hit> {
    audited(facts, |a| {
        a.credential_files
            .iter()
            .filter(|c| (c.kind == "historyCredential") == history)
            .map(|c| {
                let what = match c.kind.as_str() {
                    "sshPrivateKey" => "an SSH private key without a passphrase",
                    "sshPrivateKeyEncrypted" => "a passphrase-protected SSH private key",
                    "awsCredentials" => "AWS access keys",
                    "dockerAuth" => "Docker registry credentials",
                    "gitCredentials" => "stored Git credentials",
                    "azureTokenCache" => "an Azure CLI / MSAL token cache",
                    "pfxCertificate" => "a PKCS#12 certificate with its private key",
                    "browserLoginData" => "a browser's saved passwords",
                    "historyCredential" => "PowerShell history lines handling credentials",
                    other => other,
                };
                let lines = if c.lines.is_empty() {
                    String::new()
                } else {
                    let shown: Vec<String> =
                        c.lines.iter().take(16).map(usize::to_string).collect();
                    format!(" (line {})", shown.join(", "))
                };
                Hit::new(
                    format!("{} holds {what}{lines}.", c.path),
                    c.evidence.clone(),
                )
            })
            .collect()
    })
}

// ---- posture --------------------------------------------------------------------------------

/// VS0014: Defender disabled by policy, or real-time protection off.
pub fn defender_disabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let p = &a.posture;
        let mut hits = hit_if(
            is(&p.defender_disable_antispyware, 1),
            "Microsoft Defender is disabled by policy (DisableAntiSpyware = 1).".into(),
            &p.defender_disable_antispyware,
            "DisableAntiSpyware",
        );
        hits.extend(hit_if(
            is(&p.defender_disable_realtime, 1),
            "Defender real-time protection is off by policy (DisableRealtimeMonitoring = 1)."
                .into(),
            &p.defender_disable_realtime,
            "DisableRealtimeMonitoring",
        ));
        hits
    })
}

/// VS0015: Defender exclusions.
pub fn defender_exclusions(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let e = &a.posture.defender_exclusions;
        if e.value.is_empty() {
            return Vec::new();
        }
        vec![Hit::new(
            format!(
                "{} Defender exclusion(s): {}.",
                e.value.len(),
                e.value.join(", ")
            ),
            e.evidence.clone(),
        )]
    })
}

/// VS0016: firewall profiles disabled.
pub fn firewall_disabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.firewall_disabled;
        if f.value.is_empty() {
            return Vec::new();
        }
        vec![Hit::new(
            format!("Windows Firewall is off in {}.", f.value.join(", ")),
            f.evidence.clone(),
        )]
    })
}

/// VS0017: UAC off.
pub fn uac_disabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.enable_lua;
        hit_if(
            is(f, 0),
            "User Account Control is off (EnableLUA = 0): every administrator runs elevated."
                .into(),
            f,
            "EnableLUA",
        )
    })
}

/// VS0018: SMBv1 server or client enabled.
pub fn smb1_enabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let p = &a.posture;
        let mut hits = hit_if(
            is(&p.smb1_server, 1),
            "The SMBv1 server is enabled (LanmanServer SMB1 = 1).".into(),
            &p.smb1_server,
            "SMB1",
        );
        hits.extend(hit_if(
            p.smb1_client_start.value.is_some_and(|s| s < 4),
            format!(
                "The SMBv1 client driver mrxsmb10 starts (Start = {}).",
                p.smb1_client_start.value.unwrap_or(0)
            ),
            &p.smb1_client_start,
            "mrxsmb10 Start",
        ));
        hits
    })
}

/// VS0019: WDigest keeps logon passwords in memory.
pub fn wdigest(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.wdigest_use_logon_credential;
        hit_if(
            is(f, 1),
            "WDigest UseLogonCredential = 1: logon passwords are kept in LSASS memory in clear."
                .into(),
            f,
            "UseLogonCredential",
        )
    })
}

/// VS0020: LM hashes stored.
pub fn lm_hash(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.no_lm_hash;
        hit_if(
            is(f, 0),
            "NoLMHash = 0: new passwords are also stored as LM hashes.".into(),
            f,
            "NoLMHash",
        )
    })
}

/// VS0021: RDP without Network Level Authentication.
pub fn rdp_without_nla(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.rdp_user_authentication;
        hit_if(
            is(f, 0),
            "RDP-Tcp UserAuthentication = 0: Remote Desktop accepts connections without Network \
             Level Authentication."
                .into(),
            f,
            "UserAuthentication",
        )
    })
}

/// VS0022: WinRM unencrypted or Basic.
pub fn winrm_insecure(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let p = &a.posture;
        let mut hits = hit_if(
            is(&p.winrm_allow_unencrypted, 1),
            "WinRM service policy allows unencrypted traffic (AllowUnencryptedTraffic = 1).".into(),
            &p.winrm_allow_unencrypted,
            "AllowUnencryptedTraffic",
        );
        hits.extend(hit_if(
            is(&p.winrm_allow_basic, 1),
            "WinRM service policy allows Basic authentication (AllowBasic = 1).".into(),
            &p.winrm_allow_basic,
            "AllowBasic",
        ));
        hits
    })
}

/// VS0023: neither LSA protection nor Credential Guard configured.
pub fn lsa_protection_off(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let p = &a.posture;
        let on = |f: &Fact<Option<u32>>| matches!(f.value, Some(1 | 2));
        if on(&p.run_as_ppl) || on(&p.lsa_cfg_flags) {
            return Vec::new();
        }
        let mut evidence: Vec<Evidence> = p.run_as_ppl.evidence.clone();
        evidence.extend(p.lsa_cfg_flags.evidence.iter().cloned());
        vec![Hit::new(
            "Neither LSA protection (RunAsPPL) nor Credential Guard (LsaCfgFlags) is configured.",
            or_derived(&evidence, "RunAsPPL and LsaCfgFlags not set"),
        )]
    })
}

/// VS0024: AutoRun not disabled for every drive type.
pub fn autorun_not_disabled(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let f = &a.posture.no_drive_type_autorun;
        hit_if(
            f.value != Some(0xFF),
            "AutoRun is not disabled for every drive type (NoDriveTypeAutoRun is not 0xFF).".into(),
            f,
            "NoDriveTypeAutoRun",
        )
    })
}

/// VS0025: boot integrity settings off in the BCD store.
pub fn boot_integrity_off(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    if facts.audit.is_none() {
        return Vec::new();
    }
    let Some(b) = facts.boot.as_ref() else {
        return Vec::new();
    };
    let mut hits = Vec::new();
    for (fact, name) in [
        (&b.testsigning, "testsigning"),
        (&b.nointegritychecks, "nointegritychecks"),
    ] {
        if fact.value == Some(true) {
            hits.push(Hit::new(
                format!("The default boot loader has {name} on: unsigned kernel code loads."),
                or_derived(&fact.evidence, format!("{name} = true")),
            ));
        }
    }
    hits
}

// ---- inventory ------------------------------------------------------------------------------

/// VS0026: autostart entries attackers use.
pub fn risky_autorun(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        a.autoruns
            .iter()
            .filter(|r| r.risky)
            .map(|r| {
                Hit::new(
                    format!("{} entry {:?} starts {:?}.", r.category, r.name, r.command),
                    r.evidence.clone(),
                )
            })
            .collect()
    })
}

/// VS0027: a walk cap was hit, or a part the audit reads could not be read (the audit may be
/// incomplete).
pub fn audit_incomplete(facts: &ImageFacts, _: &Options) -> Vec<Hit> {
    audited(facts, |a| {
        let caps = a.caps_hit.iter().map(|c| {
            Hit::new(
                format!("The audit stopped at a cap: {c}."),
                vec![Evidence::derived(c.clone())],
            )
        });
        let unread = a.problems.iter().map(|p| {
            Hit::new(
                format!(
                    "The audit could not read a part of the image: {}.",
                    p.message
                ),
                or_derived(&p.evidence, p.message.clone()),
            )
        });
        caps.chain(unread).collect()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::rule::Profile;
    use crate::Date;
    use vhdlint_facts::{AnswerCredential, LsaSecretFact};

    fn options() -> AuditOptions {
        AuditOptions::new(Options::new(
            Profile::Windows365,
            Date::parse("2026-12-01").unwrap(),
        ))
    }

    fn fired(facts: &ImageFacts, o: &AuditOptions) -> Vec<&'static str> {
        audit(facts, o).findings.iter().map(|f| f.rule).collect()
    }

    /// The rules with no fixture image of their own, on crafted facts.
    #[test]
    fn rules_without_a_fixture_fire_on_their_facts() {
        let mut a = AuditFacts::default();
        a.answer_credentials.push(AnswerCredential {
            path: r"\Windows\Panther\unattend.xml".into(),
            kind: "domain-join-password".into(),
            element: "unattend/…/Credentials/Password".into(),
            line: 9,
            encoding: "opaque".into(),
            length: 12,
            account: None,
            evidence: vec![Evidence::file(Some(3), r"\Windows\Panther\unattend.xml")],
        });
        a.lsa_secrets.push(LsaSecretFact {
            name: "_SC_BuildAgent".into(),
            kind: "servicePassword".into(),
            service: Some("BuildAgent".into()),
            current_length: Some(60),
            evidence: vec![Evidence::registry_key(
                "SECURITY",
                r"Policy\Secrets\_SC_BuildAgent",
                true,
            )],
        });
        a.cached_logons = Fact::new(Some(2), Evidence::registry_key("SECURITY", "Cache", true));
        a.caps_hit
            .push("profile walk: 4096 directory entries".into());
        a.posture.run_as_ppl = Fact::new(Some(1), Evidence::derived("RunAsPPL = 1"));
        a.posture.no_drive_type_autorun = Fact::new(Some(0xFF), Evidence::derived("0xff"));
        let facts = ImageFacts {
            audit: Some(a),
            ..ImageFacts::default()
        };
        let got = fired(&facts, &options());
        assert_eq!(got, ["VS0002", "VS0005", "VS0006", "VS0027"]);
        let e = audit(&facts, &options());
        assert!(!e.passed, "VS0005/VS0006 are high");
        for f in &e.findings {
            assert!(!f.evidence.is_empty());
            assert!(f.security_severity.is_some());
        }
    }

    #[test]
    fn fail_on_and_min_severity() {
        let mut a = AuditFacts::default();
        a.caps_hit.push("x".into()); // VS0027, low
        let facts = ImageFacts {
            audit: Some(a),
            ..ImageFacts::default()
        };
        let mut o = options();
        let e = audit(&facts, &o);
        assert!(e.passed, "low does not fail at --fail-on high");
        assert!(
            e.findings.iter().any(|f| f.rule == "VS0023"),
            "info reported"
        );
        o.fail_on = AuditSeverity::Low;
        assert!(!audit(&facts, &o).passed);
        o.min_severity = AuditSeverity::Medium;
        let e = audit(&facts, &o);
        assert!(e.findings.is_empty() && e.passed);
    }

    #[test]
    fn no_audit_facts_no_findings() {
        assert!(audit(&ImageFacts::default(), &options())
            .findings
            .is_empty());
    }
}
