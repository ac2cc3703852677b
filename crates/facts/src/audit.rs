//! What `vhdlint audit` gathers: security facts of an image (credentials left behind, local
//! accounts, LSA secrets, posture, left-behind user data). Every value is a name, a flag, a
//! count or a length: **never a secret's value** (nor any reversible encoding of it).

use serde::Serialize;

use crate::evidence::{Evidence, Fact};
use crate::model::Problem;

/// The audit section of [`crate::ImageFacts`] (absent from `check` output).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditFacts {
    /// Credentials found in answer files.
    pub answer_credentials: Vec<AnswerCredential>,
    /// Winlogon auto-logon.
    pub auto_logon: AutoLogon,
    /// LSA secrets (`SECURITY\Policy\Secrets`): names and lengths only.
    pub lsa_secrets: Vec<LsaSecretFact>,
    /// Cached domain logons (`SECURITY\Cache\NL$n` entries in use).
    pub cached_logons: Fact<Option<u32>>,
    /// Local accounts (SAM).
    pub accounts: Vec<LocalAccount>,
    /// Security settings.
    pub posture: Posture,
    /// User profiles other than Default/Public.
    pub profiles: Vec<UserProfile>,
    /// Credential files in those profiles.
    pub credential_files: Vec<CredentialFileFact>,
    /// Autostart entries (inventory).
    pub autoruns: Vec<Autorun>,
    /// Installed applications (`Uninstall` keys, 64- and 32-bit): inventory, no finding.
    pub installed: Vec<InstalledApp>,
    /// Walk caps that were hit (`profiles: 64 entries`), empty when every walk completed.
    pub caps_hit: Vec<String>,
    /// What the audit step could not read (a corrupt SAM, an unreadable profile). Kept here,
    /// not in `ImageFacts::problems`, so that `check --with-audit` judges the image's
    /// readability exactly as `check` does.
    pub problems: Vec<Problem>,
}

/// One credential element of an answer file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerCredential {
    /// Volume path of the file.
    pub path: String,
    /// `AdministratorPassword`, `AutoLogon`, `LocalAccount`, `DomainJoin`, …
    pub kind: String,
    /// The element path (`…/AutoLogon/Password/Value`).
    pub element: String,
    /// Line of the element.
    pub line: usize,
    /// `plainText`, `base64` (trivially reversible) or `empty`.
    pub encoding: String,
    /// Length of the stored value, in characters (the value itself is never kept).
    pub length: usize,
    /// The account it belongs to, when the file names one.
    pub account: Option<String>,
    /// Where it was found.
    pub evidence: Vec<Evidence>,
}

/// Winlogon auto-logon (`SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoLogon {
    /// `AutoAdminLogon` = 1.
    pub enabled: Fact<bool>,
    /// `DefaultUserName`.
    pub user: Fact<Option<String>>,
    /// Length in characters of a `DefaultPassword` registry value, if one exists.
    pub registry_password_length: Fact<Option<usize>>,
    /// An LSA secret `DefaultPassword` exists.
    pub lsa_secret: Fact<bool>,
}

/// One LSA secret: its name and stored length, never its value.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LsaSecretFact {
    /// `DefaultPassword`, `DPAPI_SYSTEM`, `NL$KM`, `_SC_<service>`, …
    pub name: String,
    /// `defaultPassword`, `servicePassword`, `dpapiSystem`, `cachedLogonKey`, `other`.
    pub kind: String,
    /// The service of a `_SC_` secret.
    pub service: Option<String>,
    /// Stored size of `CurrVal` (encrypted), in bytes.
    pub current_length: Option<u32>,
    /// The secret's key.
    pub evidence: Vec<Evidence>,
}

/// One local user of the SAM.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAccount {
    /// Relative id (500 Administrator, 501 Guest).
    pub rid: u32,
    /// User name.
    pub name: String,
    /// Not disabled (ACB flag 0x0001 clear).
    pub enabled: bool,
    /// An NT hash is stored (the hash itself is never read out).
    pub password_set: bool,
    /// ACB "password not required".
    pub password_not_required: bool,
    /// ACB "password never expires".
    pub password_never_expires: bool,
    /// An LM hash is stored.
    pub lm_hash_stored: bool,
    /// Password last set (FILETIME), if ever.
    pub password_last_set: Option<u64>,
    /// Last logon (FILETIME), if ever.
    pub last_logon: Option<u64>,
    /// Member of Administrators (alias 544).
    pub administrator: bool,
    /// Member of Remote Desktop Users (alias 555).
    pub remote_desktop_user: bool,
    /// The account's key.
    pub evidence: Vec<Evidence>,
}

/// Security settings read from SYSTEM and SOFTWARE (`None`: value absent, the Windows default
/// applies).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Posture {
    /// Defender policy `DisableAntiSpyware`.
    pub defender_disable_antispyware: Fact<Option<u32>>,
    /// Defender policy `Real-Time Protection\DisableRealtimeMonitoring`.
    pub defender_disable_realtime: Fact<Option<u32>>,
    /// Defender exclusions (paths, extensions, processes) as value names.
    pub defender_exclusions: Fact<Vec<String>>,
    /// Firewall profiles with `EnableFirewall` = 0 (`DomainProfile`, `StandardProfile`, `PublicProfile`).
    pub firewall_disabled: Fact<Vec<String>>,
    /// `EnableLUA`.
    pub enable_lua: Fact<Option<u32>>,
    /// LanmanServer `SMB1`.
    pub smb1_server: Fact<Option<u32>>,
    /// mrxsmb10 `Start` (4 = disabled).
    pub smb1_client_start: Fact<Option<u32>>,
    /// WDigest `UseLogonCredential`.
    pub wdigest_use_logon_credential: Fact<Option<u32>>,
    /// Lsa `NoLMHash`.
    pub no_lm_hash: Fact<Option<u32>>,
    /// RDP-Tcp `UserAuthentication` (NLA).
    pub rdp_user_authentication: Fact<Option<u32>>,
    /// Terminal Server `fDenyTSConnections`.
    pub rdp_deny_connections: Fact<Option<u32>>,
    /// WinRM service `AllowUnencrypted` (policy).
    pub winrm_allow_unencrypted: Fact<Option<u32>>,
    /// WinRM service `AllowBasic` (policy).
    pub winrm_allow_basic: Fact<Option<u32>>,
    /// Lsa `RunAsPPL`.
    pub run_as_ppl: Fact<Option<u32>>,
    /// DeviceGuard `LsaCfgFlags` (Credential Guard).
    pub lsa_cfg_flags: Fact<Option<u32>>,
    /// Explorer policy `NoDriveTypeAutoRun`.
    pub no_drive_type_autorun: Fact<Option<u32>>,
}

/// A user profile left in the image.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Folder name under `\Users`.
    pub name: String,
    /// Volume path.
    pub path: String,
    /// Size of its `NTUSER.DAT`, if present.
    pub ntuser_size: Option<u64>,
    /// Last write of its `NTUSER.DAT` (FILETIME).
    pub ntuser_modified: Option<u64>,
    /// SID from `ProfileList`, when listed there.
    pub sid: Option<String>,
    /// Where it was found.
    pub evidence: Vec<Evidence>,
}

/// A credential file in a profile: kind, where, length; never the content.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialFileFact {
    /// Volume path.
    pub path: String,
    /// What it holds (`sshPrivateKey`, `awsCredentials`, `historyCredential`, …).
    pub kind: String,
    /// Line numbers (history, git-credentials), when the hit is a line.
    pub lines: Vec<usize>,
    /// The file.
    pub evidence: Vec<Evidence>,
}

/// An autostart entry.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Autorun {
    /// `run`, `runOnce`, `winlogonShell`, `winlogonUserinit`, `ifeoDebugger`, `appInitDlls`, `service`.
    pub category: String,
    /// Entry name (value name, service or program).
    pub name: String,
    /// What it starts.
    pub command: String,
    /// Attackers' favourite: not what Windows ships (a debugger, a shell, a service outside the system folders).
    pub risky: bool,
    /// For a service or driver: its image file is not on the Windows volume (`true`), is there
    /// (`false`), or could not be looked up (`null`: another drive, a network path, a cap).
    /// A service whose image is in the system folders is listed only when its file is missing.
    pub image_missing: Option<bool>,
    /// Where.
    pub evidence: Vec<Evidence>,
}

/// An installed application (an `Uninstall` subkey).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledApp {
    /// `DisplayName` (the key name when absent).
    pub name: String,
    /// `DisplayVersion`.
    pub version: Option<String>,
    /// `Publisher`.
    pub publisher: Option<String>,
    /// `InstallDate` (`YYYYMMDD` as stored).
    pub install_date: Option<String>,
    /// `machine64`, `machine32` or a user profile's name.
    pub scope: String,
    /// The key.
    pub evidence: Vec<Evidence>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ImageFacts;

    #[test]
    fn check_documents_omit_the_audit_section_until_it_is_gathered() {
        let plain = serde_json::to_value(ImageFacts::default()).unwrap();
        assert!(plain.get("audit").is_none(), "check JSON must not change");
        let audited = ImageFacts {
            audit: Some(AuditFacts {
                lsa_secrets: vec![LsaSecretFact {
                    name: "DefaultPassword".into(),
                    kind: "defaultPassword".into(),
                    service: None,
                    current_length: Some(44),
                    evidence: vec![],
                }],
                ..AuditFacts::default()
            }),
            ..ImageFacts::default()
        };
        let json = serde_json::to_value(&audited).unwrap();
        assert_eq!(json["audit"]["lsaSecrets"][0]["name"], "DefaultPassword");
        assert_eq!(json["audit"]["lsaSecrets"][0]["currentLength"], 44);
        assert_eq!(json["audit"]["autoLogon"]["enabled"]["value"], false);
    }
}
