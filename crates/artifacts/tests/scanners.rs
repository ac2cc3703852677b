//! Answer-file and credential-file scanners on files in the formats their writers produce
//! (Windows SIM / Setup answer files, sysprep.inf, ssh-keygen, PSReadLine, AWS CLI, Docker,
//! git-credential-store, Azure CLI / MSAL), with planted secrets that must never come back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use vhdlint_artifacts::credential_files::CredentialKind as FileKind;
use vhdlint_artifacts::{
    scan_answer_file, AnswerFileFormat, CredentialFile, CredentialKind, Location, SecretEncoding,
};
use vhdlint_testkit::redaction::assert_no_secrets;

const ADMIN: &str = "Sup3r-Secret-Admin!";
const AUTOLOGON: &str = "AutoL0gon-Planted#";
const LOCAL: &str = "Local-Acct-Planted1";
const DOMAIN: &str = "D0main-Join-Planted";

/// An answer file as Windows System Image Manager writes it. The PlainText=false values are
/// `printf '%s' 'Sup3r-Secret-Admin!AdministratorPassword' | iconv -t UTF-16LE | base64 -w0`
/// (and the same with `Password` for the auto-logon and local-account passwords).
fn unattend() -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
    <settings pass="specialize">
        <component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
            <Identification>
                <Credentials>
                    <Domain>corp.example</Domain>
                    <Password>{DOMAIN}</Password>
                    <Username>joiner</Username>
                </Credentials>
                <JoinDomain>corp.example</JoinDomain>
            </Identification>
        </component>
    </settings>
    <settings pass="oobeSystem">
        <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
            <AutoLogon>
                <Password>
                    <Value>QQB1AHQAbwBMADAAZwBvAG4ALQBQAGwAYQBuAHQAZQBkACMAUABhAHMAcwB3AG8AcgBkAA==</Value>
                    <PlainText>false</PlainText>
                </Password>
                <Enabled>true</Enabled>
                <Username>builder</Username>
            </AutoLogon>
            <UserAccounts>
                <AdministratorPassword>
                    <Value>UwB1AHAAMwByAC0AUwBlAGMAcgBlAHQALQBBAGQAbQBpAG4AIQBBAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFAAYQBzAHMAdwBvAHIAZAA=</Value>
                    <PlainText>false</PlainText>
                </AdministratorPassword>
                <LocalAccounts>
                    <LocalAccount wcm:action="add">
                        <Password>
                            <Value>TABvAGMAYQBsAC0AQQBjAGMAdAAtAFAAbABhAG4AdABlAGQAMQBQAGEAcwBzAHcAbwByAGQA</Value>
                            <PlainText>false</PlainText>
                        </Password>
                        <Description>build account</Description>
                        <DisplayName>Builder</DisplayName>
                        <Group>Administrators</Group>
                        <Name>builder</Name>
                    </LocalAccount>
                    <LocalAccount wcm:action="add">
                        <Name>plain</Name>
                        <Password>
                            <Value>{LOCAL}</Value>
                            <PlainText>true</PlainText>
                        </Password>
                    </LocalAccount>
                </LocalAccounts>
            </UserAccounts>
        </component>
    </settings>
</unattend>
"#
    )
}

#[test]
fn unattend_passwords_are_found_with_kind_path_encoding_and_length() {
    let scan = scan_answer_file(unattend().as_bytes());
    assert_eq!(scan.format, AnswerFileFormat::Xml);
    assert!(!scan.capped);
    let got: Vec<_> = scan
        .credentials
        .iter()
        .map(|c| (c.kind, c.encoding, c.length, c.account.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                CredentialKind::DomainJoinPassword,
                SecretEncoding::PlainText,
                DOMAIN.len(),
                Some("joiner")
            ),
            (
                CredentialKind::AutoLogonPassword,
                SecretEncoding::Base64Utf16 { suffix: "Password" },
                AUTOLOGON.len(),
                Some("builder")
            ),
            (
                CredentialKind::AdministratorPassword,
                SecretEncoding::Base64Utf16 {
                    suffix: "AdministratorPassword"
                },
                ADMIN.len(),
                None
            ),
            (
                CredentialKind::LocalAccountPassword,
                SecretEncoding::Base64Utf16 { suffix: "Password" },
                LOCAL.len(),
                Some("builder")
            ),
            (
                CredentialKind::LocalAccountPassword,
                SecretEncoding::PlainText,
                LOCAL.len(),
                Some("plain")
            ),
        ]
    );
    let admin = &scan.credentials[2];
    assert_eq!(
        admin.element_path,
        "unattend/settings[pass=oobeSystem]/component[Microsoft-Windows-Shell-Setup]/\
         UserAccounts/AdministratorPassword"
    );
    assert_eq!(admin.plain_text_flag, Some(false));
    let value_line = unattend()
        .lines()
        .position(|l| l.contains("<Value>UwB1"))
        .unwrap()
        + 1;
    assert_eq!(admin.line, value_line, "the Value line");
    assert_eq!(
        admin.encoding.describe(),
        "base64-encoded, trivially reversible"
    );
    assert_no_secrets(
        "answer-file scan",
        &format!("{scan:?}"),
        &[ADMIN, AUTOLOGON, LOCAL, DOMAIN],
    );
}

#[test]
fn utf16_answer_files_read_the_same() {
    let text = unattend().replace("utf-8", "utf-16");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let a = scan_answer_file(&bytes);
    let b = scan_answer_file(unattend().as_bytes());
    assert_eq!(a.credentials, b.credentials);
    // Without a BOM too.
    let no_bom = &bytes[2..];
    assert_eq!(scan_answer_file(no_bom).credentials, b.credentials);
}

#[test]
fn opaque_empty_and_self_closing_values() {
    let t = r#"<unattend><settings pass="oobeSystem"><component name="Microsoft-Windows-Shell-Setup">
<UserAccounts><AdministratorPassword><Value>bm90LXV0ZjE2</Value><PlainText>false</PlainText></AdministratorPassword>
<LocalAccounts><LocalAccount><Password><Value/><PlainText>true</PlainText></Password><Name>empty</Name></LocalAccount></LocalAccounts>
</UserAccounts><AutoLogon><Password/></AutoLogon></component></settings>
<settings pass="windowsPE"><component name="Microsoft-Windows-Setup"><WindowsDeploymentServices><Login><Credentials><Password><![CDATA[wds-pw&<x>]]></Password></Credentials></Login></WindowsDeploymentServices></component></settings></unattend>"#;
    let scan = scan_answer_file(t.as_bytes());
    let got: Vec<_> = scan
        .credentials
        .iter()
        .map(|c| (c.kind, c.encoding, c.length))
        .collect();
    assert_eq!(
        got,
        [
            (
                CredentialKind::AdministratorPassword,
                SecretEncoding::Opaque,
                12
            ),
            (
                CredentialKind::LocalAccountPassword,
                SecretEncoding::Empty,
                0
            ),
            (CredentialKind::AutoLogonPassword, SecretEncoding::Empty, 0),
            // WDS login credentials: not the domain join; CDATA text is the value.
            (CredentialKind::OtherPassword, SecretEncoding::PlainText, 10),
        ]
    );
}

#[test]
fn sysprep_inf_passwords() {
    let inf = format!(
        "; sysprep.inf written by setupmgr\r\n[GuiUnattended]\r\n    AdminPassword=\"{ADMIN}\"\r\n    \
         EncryptedAdminPassword=NO\r\n    AutoLogon=Yes\r\n\r\n[Identification]\r\n    \
         JoinDomain=CORP\r\n    DomainAdmin=joiner\r\n    DomainAdminPassword={DOMAIN}\r\n"
    );
    let scan = scan_answer_file(inf.as_bytes());
    assert_eq!(scan.format, AnswerFileFormat::Ini);
    let got: Vec<_> = scan
        .credentials
        .iter()
        .map(|c| {
            (
                c.kind,
                c.element_path.as_str(),
                c.line,
                c.encoding,
                c.length,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                CredentialKind::AdministratorPassword,
                "[GuiUnattended] AdminPassword",
                3,
                SecretEncoding::PlainText,
                ADMIN.len()
            ),
            (
                CredentialKind::DomainJoinPassword,
                "[Identification] DomainAdminPassword",
                10,
                SecretEncoding::PlainText,
                DOMAIN.len()
            ),
        ]
    );
    assert_no_secrets("sysprep.inf scan", &format!("{scan:?}"), &[ADMIN, DOMAIN]);
    let hashed = inf.replace("EncryptedAdminPassword=NO", "EncryptedAdminPassword=Yes");
    assert_eq!(
        scan_answer_file(hashed.as_bytes()).credentials[0].encoding,
        SecretEncoding::Hashed
    );
    let blank = "[GuiUnattended]\nAdminPassword=*\n";
    assert_eq!(
        scan_answer_file(blank.as_bytes()).credentials[0].encoding,
        SecretEncoding::Empty
    );
}

#[test]
fn hostile_answer_files_are_capped_not_slow() {
    // Deep nesting: depth capped, still a finding after it.
    let deep = format!(
        "{}<AdministratorPassword><Value>x-planted-1</Value></AdministratorPassword>{}",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let scan = scan_answer_file(deep.as_bytes());
    assert!(scan.capped);
    // Many findings: capped at MAX_FINDINGS.
    let many = format!("<u>{}</u>", "<Password>p-planted-9</Password>".repeat(1000));
    let scan = scan_answer_file(many.as_bytes());
    assert!(scan.capped);
    assert_eq!(
        scan.credentials.len(),
        vhdlint_artifacts::unattend_secrets::MAX_FINDINGS
    );
    // Unterminated constructs end the scan instead of rescanning.
    for t in ["<a b=\"", "<!--", "<![CDATA[", "<<<<<<<", "<a><Password>x"] {
        let _ = scan_answer_file(t.repeat(20_000).as_bytes());
    }
}

const KEY_SECRET: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";

#[test]
fn ssh_private_keys_are_recognised_by_header() {
    // The first lines of an `ssh-keygen -t ed25519 -N ''` key (unencrypted: cipher "none").
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_SECRET}\nQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\n"
    );
    let scan = CredentialFile::of(".ssh", "id_ed25519")
        .unwrap()
        .scan(key.as_bytes());
    assert_eq!(scan.hits.len(), 1);
    assert_eq!(
        scan.hits[0].kind,
        FileKind::SshPrivateKey {
            label: "OPENSSH PRIVATE KEY".into(),
            encrypted: false
        }
    );
    assert_eq!(scan.hits[0].location, Location::Line(1));
    assert_eq!(
        scan.hits[0].length,
        KEY_SECRET.len() + "QyNTUxOQAAACDx".len()
    );
    assert_no_secrets("ssh scan", &format!("{scan:?}"), &[KEY_SECRET]);
    // An encrypted PEM key.
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIE\n-----END RSA PRIVATE KEY-----\n";
    let s = CredentialFile::SshKey.scan(pem.as_bytes());
    assert!(matches!(
        &s.hits[0].kind,
        FileKind::SshPrivateKey {
            encrypted: true,
            ..
        }
    ));
    // A public key is no hit.
    assert!(CredentialFile::SshKey
        .scan(b"ssh-ed25519 AAAAC3Nza user@host\n")
        .hits
        .is_empty());
}

#[test]
fn psreadline_risky_lines_by_number() {
    let secret = "H1story-Planted-Pw";
    let history = format!(
        "Get-ChildItem\r\n$p = ConvertTo-SecureString '{secret}' -AsPlainText -Force\r\n\
         cd C:\\\r\nInvoke-Sqlcmd -ConnectionString 'Server=db;User Id=sa;Password={secret}'\r\n\
         New-LocalUser -Name x -Password $p\r\n"
    );
    let scan = CredentialFile::of("PSReadLine", "ConsoleHost_history.txt")
        .unwrap()
        .scan(history.as_bytes());
    let got: Vec<_> = scan
        .hits
        .iter()
        .map(|h| (h.location, h.kind.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Location::Line(2),
                FileKind::HistoryLine {
                    pattern: "-AsPlainText"
                }
            ),
            (
                Location::Line(4),
                FileKind::HistoryLine {
                    pattern: "Password="
                }
            ),
            (
                Location::Line(5),
                FileKind::HistoryLine {
                    pattern: "-Password"
                }
            ),
        ]
    );
    assert_no_secrets("history scan", &format!("{scan:?}"), &[secret]);
}

#[test]
fn aws_docker_git_and_token_caches() {
    let aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let aws = format!(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {aws_secret}\n\n[other]\nregion = eu-west-1\n"
    );
    let s = CredentialFile::of(".aws", "credentials")
        .unwrap()
        .scan(aws.as_bytes());
    assert_eq!(s.hits.len(), 2);
    assert_eq!(
        s.hits[1].kind,
        FileKind::AwsCredential {
            profile: "default".into(),
            key: "aws_secret_access_key".into()
        }
    );
    assert_eq!(
        (s.hits[1].location, s.hits[1].length),
        (Location::Line(3), aws_secret.len())
    );
    assert_no_secrets("aws scan", &format!("{s:?}"), &[aws_secret]);

    // `docker login` writes base64(user:password) into auths.
    let docker_auth = "dXNlcjpEMGNrZXItUGxhbnRlZA==";
    let docker = format!(
        r#"{{"auths":{{"registry.example.com":{{"auth":"{docker_auth}"}},"ghcr.io":{{}}}},"credsStore":"desktop"}}"#
    );
    let s = CredentialFile::of(".docker", "config.json")
        .unwrap()
        .scan(docker.as_bytes());
    assert_eq!(s.hits.len(), 1);
    assert_eq!(
        s.hits[0].kind,
        FileKind::DockerAuth {
            registry: "registry.example.com".into(),
            field: "auth"
        }
    );
    assert_no_secrets(
        "docker scan",
        &format!("{s:?}"),
        &["D0cker-Planted", docker_auth],
    );

    let git_pw = "G1t-Planted-Token";
    let git = format!("https://alice:{git_pw}@github.com\nhttps://nopass@example.com\n");
    let s = CredentialFile::of("alice", ".git-credentials")
        .unwrap()
        .scan(git.as_bytes());
    assert_eq!(s.hits.len(), 1);
    assert_eq!(
        (s.hits[0].kind.clone(), s.hits[0].length),
        (
            FileKind::GitCredential {
                host: "github.com".into()
            },
            git_pw.len()
        )
    );
    assert_no_secrets("git scan", &format!("{s:?}"), &[git_pw]);

    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.planted";
    let msal = format!(
        r#"{{"AccessToken":{{"k1":{{"credential_type":"AccessToken","secret":"{token}"}}}},"RefreshToken":{{"k2":{{"secret":"0.AAAA-refresh-planted"}},"k3":{{"secret":"0.BBBB-refresh-planted"}}}},"IdToken":{{}},"Account":{{"a":{{"username":"alice@example.com"}}}}}}"#
    );
    let s = CredentialFile::of(".azure", "msal_token_cache.json")
        .unwrap()
        .scan(msal.as_bytes());
    let got: Vec<_> = s.hits.iter().map(|h| h.kind.clone()).collect();
    assert_eq!(
        got,
        [
            FileKind::TokenCache {
                token: "AccessToken",
                count: 1
            },
            FileKind::TokenCache {
                token: "RefreshToken",
                count: 2
            },
            FileKind::TokenCache {
                token: "Account",
                count: 1
            },
        ]
    );
    assert_eq!(s.hits[0].length, token.len());
    assert_no_secrets(
        "msal scan",
        &format!("{s:?}"),
        &[token, "0.AAAA-refresh-planted"],
    );
    // A DPAPI-encrypted cache: one hit of its size.
    let s = CredentialFile::AzureTokenCache.scan(&[0x01, 0x00, 0x00, 0x00, 0xD0, 0x8C, 0x9D]);
    assert_eq!(
        (s.hits[0].kind.clone(), s.hits[0].length),
        (
            FileKind::TokenCache {
                token: "encrypted",
                count: 1
            },
            7
        )
    );
}
