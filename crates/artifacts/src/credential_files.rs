//! Credential files left in user profiles: bounded classifiers over a file's bytes that return
//! **kind, location and length** — never the secret.
//!
//! | file | what is reported |
//! |---|---|
//! | `.ssh\id_*` (any file) | a PEM private-key header (`OPENSSH`, `RSA`, `EC`, `DSA`, PKCS#8, encrypted PKCS#8), its line, the key block's length, and whether it is passphrase-protected |
//! | `PSReadLine\ConsoleHost_history.txt` | lines with `-AsPlainText`, `-Password`, `ConvertTo-SecureString`, `Password=`/`Pwd=` connection strings: line numbers and lengths |
//! | `.aws\credentials` | `aws_secret_access_key` / `aws_session_token` / `aws_access_key_id` per profile |
//! | `.docker\config.json` | `auths` entries holding an `auth` or `identitytoken` |
//! | `.git-credentials` | `scheme://user:password@host` lines |
//! | `.azure\msal_token_cache.json`, `accessTokens.json`, `msal_token_cache.bin`, `TokenCache.dat` | token counts (access/refresh/id), or an encrypted cache's size |
//!
//! Every classifier reads at most [`MAX_CREDENTIAL_FILE_BYTES`] and reports at most
//! [`MAX_HITS`] hits (then [`CredentialScan::capped`] is set).

use crate::text::decode_text;

/// Most bytes of one credential file examined.
pub const MAX_CREDENTIAL_FILE_BYTES: usize = 4 << 20;
/// Most hits reported per file.
pub const MAX_HITS: usize = 256;
/// Longest line examined in a history file (longer lines are examined up to this).
pub const MAX_LINE_CHARS: usize = 64 * 1024;

/// What a hit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKind {
    /// A PEM private key.
    SshPrivateKey {
        /// The PEM label, e.g. `OPENSSH PRIVATE KEY`, `RSA PRIVATE KEY`.
        label: String,
        /// Passphrase-protected (`ENCRYPTED PRIVATE KEY`, `Proc-Type: 4,ENCRYPTED`, or an
        /// OpenSSH key whose cipher is not `none`).
        encrypted: bool,
    },
    /// A PowerShell history line that handles a credential.
    HistoryLine {
        /// Which pattern matched first (`-AsPlainText`, `ConvertTo-SecureString`, `-Password`,
        /// `Password=`).
        pattern: &'static str,
    },
    /// A key of an AWS shared-credentials profile.
    AwsCredential {
        /// The profile (`[default]`).
        profile: String,
        /// The key (`aws_secret_access_key`, …).
        key: String,
    },
    /// A Docker registry login.
    DockerAuth {
        /// The registry (key of `auths`).
        registry: String,
        /// `auth` or `identitytoken`.
        field: &'static str,
    },
    /// A stored Git credential.
    GitCredential {
        /// The host it is for.
        host: String,
    },
    /// Tokens of an Azure CLI / MSAL / ADAL token cache.
    TokenCache {
        /// `AccessToken`, `RefreshToken`, `IdToken`, `Account`, or `encrypted` for a DPAPI- or
        /// otherwise encrypted cache.
        token: &'static str,
        /// How many.
        count: usize,
    },
}

/// Where in the file a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// 1-based line.
    Line(usize),
    /// The whole file.
    File,
}

/// One credential found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialHit {
    /// What it is.
    pub kind: CredentialKind,
    /// Where.
    pub location: Location,
    /// Length in bytes of the secret (key block, token, password, whole line for history).
    pub length: usize,
}

/// The hits of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialScan {
    /// Hits, in file order.
    pub hits: Vec<CredentialHit>,
    /// A cap was hit (bytes, hits): the file may hold more.
    pub capped: bool,
}

impl CredentialScan {
    fn push(&mut self, hit: CredentialHit) -> bool {
        if self.hits.len() >= MAX_HITS {
            self.capped = true;
            return false;
        }
        self.hits.push(hit);
        true
    }
}

/// Which classifier a file name calls for (the last path component, case-insensitive;
/// `parent` is the folder it is in, e.g. `.ssh`, `.azure`, `.aws`, `.docker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialFile {
    /// Any file of `.ssh` (private keys are checked by content).
    SshKey,
    /// `ConsoleHost_history.txt`.
    PsReadLineHistory,
    /// `.aws\credentials`.
    AwsCredentials,
    /// `.docker\config.json`.
    DockerConfig,
    /// `.git-credentials`.
    GitCredentials,
    /// A token cache of `.azure` (or MSAL's `msal.cache`).
    AzureTokenCache,
}

impl CredentialFile {
    /// The classifier for `name` in folder `parent`, if any.
    pub fn of(parent: &str, name: &str) -> Option<CredentialFile> {
        let p = parent.to_ascii_lowercase();
        let n = name.to_ascii_lowercase();
        Some(match (p.as_str(), n.as_str()) {
            (".ssh", n) if !n.ends_with(".pub") && n != "known_hosts" && n != "config" => {
                CredentialFile::SshKey
            }
            (_, "consolehost_history.txt") => CredentialFile::PsReadLineHistory,
            (".aws", "credentials") => CredentialFile::AwsCredentials,
            (".docker", "config.json") => CredentialFile::DockerConfig,
            (_, ".git-credentials") => CredentialFile::GitCredentials,
            (
                ".azure",
                "msal_token_cache.json"
                | "msal_token_cache.bin"
                | "accesstokens.json"
                | "tokencache.dat"
                | "service_principal_entries.json"
                | "service_principal_entries.bin",
            ) => CredentialFile::AzureTokenCache,
            (_, "msal.cache") => CredentialFile::AzureTokenCache,
            _ => return None,
        })
    }

    /// Runs the classifier on a file's bytes.
    pub fn scan(self, bytes: &[u8]) -> CredentialScan {
        let capped = bytes.len() > MAX_CREDENTIAL_FILE_BYTES;
        let bytes = bytes.get(..MAX_CREDENTIAL_FILE_BYTES).unwrap_or(bytes);
        let mut s = match self {
            CredentialFile::SshKey => ssh_private_keys(bytes),
            CredentialFile::PsReadLineHistory => psreadline_history(bytes),
            CredentialFile::AwsCredentials => aws_credentials(bytes),
            CredentialFile::DockerConfig => docker_config(bytes),
            CredentialFile::GitCredentials => git_credentials(bytes),
            CredentialFile::AzureTokenCache => token_cache(bytes),
        };
        s.capped |= capped;
        s
    }
}

/// PEM private-key blocks (`-----BEGIN … PRIVATE KEY-----`).
pub fn ssh_private_keys(bytes: &[u8]) -> CredentialScan {
    let text = String::from_utf8_lossy(bytes.get(..MAX_CREDENTIAL_FILE_BYTES).unwrap_or(bytes));
    let mut scan = CredentialScan::default();
    let mut open: Option<(String, usize, usize, bool)> = None; // label, line, length, encrypted
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(label) = t
            .strip_prefix("-----BEGIN ")
            .and_then(|r| r.strip_suffix("-----"))
            .filter(|l| l.ends_with("PRIVATE KEY"))
        {
            let encrypted = label.starts_with("ENCRYPTED");
            open = Some((label.chars().take(64).collect(), i + 1, 0, encrypted));
            continue;
        }
        let Some((label, start, len, enc)) = open.as_mut() else {
            continue;
        };
        if t.starts_with("-----END ") {
            let mut encrypted = *enc;
            if label == "OPENSSH PRIVATE KEY" {
                encrypted = openssh_encrypted(&text, *start);
            }
            let hit = CredentialHit {
                kind: CredentialKind::SshPrivateKey {
                    label: label.clone(),
                    encrypted,
                },
                location: Location::Line(*start),
                length: *len,
            };
            open = None;
            if !scan.push(hit) {
                break;
            }
        } else if t.starts_with("Proc-Type:") && t.contains("ENCRYPTED") {
            *enc = true;
        } else {
            *len += t.len();
        }
    }
    if let Some((label, start, len, encrypted)) = open {
        // A header without its end: still a private key (truncated file).
        scan.push(CredentialHit {
            kind: CredentialKind::SshPrivateKey { label, encrypted },
            location: Location::Line(start),
            length: len,
        });
    }
    scan
}

/// Whether the OpenSSH key starting at 1-based line `start` names a cipher other than `none`
/// (the first base64 chunk decodes `openssh-key-v1\0`, a length-prefixed cipher name).
fn openssh_encrypted(text: &str, start: usize) -> bool {
    use base64::Engine as _;
    let head: String = text
        .lines()
        .skip(start)
        .take(3)
        .map(str::trim)
        .collect::<String>();
    let head = head.get(..head.len().min(64) / 4 * 4).unwrap_or("");
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(head) else {
        return false;
    };
    let Some(rest) = raw.strip_prefix(b"openssh-key-v1\0") else {
        return false;
    };
    let n = rest
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes) as usize;
    rest.get(4..4 + n.min(32)).is_some_and(|c| c != b"none")
}

/// PSReadLine history patterns, in the order they are tried (case-insensitive).
const HISTORY_PATTERNS: [(&str, &str); 6] = [
    ("-asplaintext", "-AsPlainText"),
    ("convertto-securestring", "ConvertTo-SecureString"),
    ("-password", "-Password"),
    ("password=", "Password="),
    ("pwd=", "Pwd="),
    ("-credential", "-Credential"),
];

/// Lines of a PowerShell history that handle credentials (line numbers and lengths only).
pub fn psreadline_history(bytes: &[u8]) -> CredentialScan {
    let text = decode_text(bytes);
    let mut scan = CredentialScan::default();
    for (i, line) in text.lines().enumerate() {
        let head: String = line
            .chars()
            .take(MAX_LINE_CHARS)
            .collect::<String>()
            .to_lowercase();
        if let Some((_, shown)) = HISTORY_PATTERNS.iter().find(|(p, _)| head.contains(p)) {
            let hit = CredentialHit {
                kind: CredentialKind::HistoryLine { pattern: shown },
                location: Location::Line(i + 1),
                length: line.len(),
            };
            if !scan.push(hit) {
                break;
            }
        }
    }
    scan
}

/// Keys of an AWS shared-credentials file that hold credentials.
pub fn aws_credentials(bytes: &[u8]) -> CredentialScan {
    let text = decode_text(bytes);
    let mut scan = CredentialScan::default();
    let mut profile = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(p) = line.strip_prefix('[') {
            profile = p
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(128)
                .collect();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty()
            || !matches!(
                key.as_str(),
                "aws_secret_access_key"
                    | "aws_session_token"
                    | "aws_security_token"
                    | "aws_access_key_id"
            )
        {
            continue;
        }
        let hit = CredentialHit {
            kind: CredentialKind::AwsCredential {
                profile: profile.clone(),
                key,
            },
            location: Location::Line(i + 1),
            length: value.len(),
        };
        if !scan.push(hit) {
            break;
        }
    }
    scan
}

/// Parses JSON of at most [`MAX_CREDENTIAL_FILE_BYTES`] (serde_json caps nesting at 128).
fn json(bytes: &[u8]) -> Option<serde_json::Value> {
    let text = decode_text(bytes);
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// `auths` entries of a Docker `config.json` that hold a login.
pub fn docker_config(bytes: &[u8]) -> CredentialScan {
    let mut scan = CredentialScan::default();
    let Some(doc) = json(bytes) else {
        return scan;
    };
    let Some(auths) = doc.get("auths").and_then(|a| a.as_object()) else {
        return scan;
    };
    for (registry, entry) in auths {
        for field in ["auth", "identitytoken"] {
            let Some(v) = entry
                .get(field)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            let hit = CredentialHit {
                kind: CredentialKind::DockerAuth {
                    registry: registry.chars().take(256).collect(),
                    field: if field == "auth" {
                        "auth"
                    } else {
                        "identitytoken"
                    },
                },
                location: Location::File,
                length: v.len(),
            };
            if !scan.push(hit) {
                return scan;
            }
        }
    }
    scan
}

/// `scheme://user:password@host` lines of `.git-credentials`.
pub fn git_credentials(bytes: &[u8]) -> CredentialScan {
    let text = decode_text(bytes);
    let mut scan = CredentialScan::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let Some((_, rest)) = line.split_once("://") else {
            continue;
        };
        let Some((userinfo, host)) = rest.rsplit_once('@') else {
            continue;
        };
        let Some((_, password)) = userinfo.split_once(':') else {
            continue;
        };
        if password.is_empty() {
            continue;
        }
        let host: String = host
            .split(['/', '?'])
            .next()
            .unwrap_or("")
            .chars()
            .take(256)
            .collect();
        let hit = CredentialHit {
            kind: CredentialKind::GitCredential { host },
            location: Location::Line(i + 1),
            length: password.len(),
        };
        if !scan.push(hit) {
            break;
        }
    }
    scan
}

/// Token counts of an MSAL (`AccessToken`/`RefreshToken`/`IdToken`/`Account` maps) or ADAL
/// (`accessTokens.json`: an array of entries with `accessToken`/`refreshToken`) cache; a cache
/// that is not JSON (DPAPI-encrypted `.bin`, `TokenCache.dat`) is one `encrypted` hit of its size.
pub fn token_cache(bytes: &[u8]) -> CredentialScan {
    let mut scan = CredentialScan::default();
    if bytes.is_empty() {
        return scan;
    }
    let Some(doc) = json(bytes) else {
        scan.push(CredentialHit {
            kind: CredentialKind::TokenCache {
                token: "encrypted",
                count: 1,
            },
            location: Location::File,
            length: bytes.len(),
        });
        return scan;
    };
    let mut add = |token: &'static str, count: usize, length: usize| {
        if count > 0 {
            scan.push(CredentialHit {
                kind: CredentialKind::TokenCache { token, count },
                location: Location::File,
                length,
            });
        }
    };
    if let Some(entries) = doc.as_array() {
        // ADAL accessTokens.json.
        for (field, token) in [
            ("accessToken", "AccessToken"),
            ("refreshToken", "RefreshToken"),
        ] {
            let vals: Vec<usize> = entries
                .iter()
                .filter_map(|e| e.get(field).and_then(|v| v.as_str()))
                .map(str::len)
                .collect();
            add(token, vals.len(), vals.iter().sum());
        }
    } else if let Some(obj) = doc.as_object() {
        for token in ["AccessToken", "RefreshToken", "IdToken", "Account"] {
            if let Some(map) = obj.get(token).and_then(|m| m.as_object()) {
                let length = map
                    .values()
                    .filter_map(|e| e.get("secret").and_then(|s| s.as_str()))
                    .map(str::len)
                    .sum();
                add(token, map.len(), length);
            }
        }
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_pick_classifiers() {
        assert_eq!(
            CredentialFile::of(".ssh", "id_ed25519"),
            Some(CredentialFile::SshKey)
        );
        assert_eq!(CredentialFile::of(".ssh", "id_ed25519.pub"), None);
        assert_eq!(CredentialFile::of(".ssh", "known_hosts"), None);
        assert_eq!(
            CredentialFile::of("PSReadLine", "ConsoleHost_history.txt"),
            Some(CredentialFile::PsReadLineHistory)
        );
        assert_eq!(
            CredentialFile::of(".AWS", "credentials"),
            Some(CredentialFile::AwsCredentials)
        );
        assert_eq!(CredentialFile::of("x", "credentials"), None);
        assert_eq!(
            CredentialFile::of(".azure", "msal_token_cache.bin"),
            Some(CredentialFile::AzureTokenCache)
        );
    }
}
