//! Credentials in Windows answer files: `unattend.xml`, `autounattend.xml`, `sysprep.xml`
//! (XML, UTF-8 or UTF-16) and `sysprep.inf` (INI).
//!
//! Reports **where** a password is (element path or INI section/key, line), **what** it is
//! (administrator, auto-logon, local account, domain join), **how** it is stored and its
//! **length** — never its value. `PlainText` false in an unattend file means
//! `base64(UTF-16LE(password + element name))` (`…AdministratorPassword`, `…Password`): that is
//! recognised and reported as [`SecretEncoding::Base64Utf16`], "base64-encoded, trivially
//! reversible", with the password's length (suffix removed).
//!
//! The scan is one linear pass over at most [`MAX_SCAN_BYTES`] of text (a tolerant tag scan,
//! not a validating XML parser: answer files are hand-edited and a broken one still carries its
//! password). Depth is capped at [`MAX_DEPTH`] and findings at [`MAX_FINDINGS`]; a cap that
//! trips sets [`AnswerFileScan::capped`].

use base64::Engine as _;

use crate::text::{decode_text, unescape_xml};

/// Most bytes of an answer file scanned (real ones are a few KiB).
pub const MAX_SCAN_BYTES: usize = 1 << 20;
/// Deepest element nesting tracked (unattend files nest about 8 deep).
pub const MAX_DEPTH: usize = 64;
/// Most credentials reported from one file.
pub const MAX_FINDINGS: usize = 256;
/// Longest element-path segment kept (names and attribute values are cut beyond it).
const MAX_SEGMENT: usize = 96;

/// What a password in an answer file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// `UserAccounts\AdministratorPassword` (also `OfflineAdministratorPassword`), or
    /// sysprep.inf `[GuiUnattended] AdminPassword`.
    AdministratorPassword,
    /// `AutoLogon\Password`.
    AutoLogonPassword,
    /// `LocalAccounts\LocalAccount\Password` (also `OfflineLocalAccount`).
    LocalAccountPassword,
    /// Domain-join credentials: `Identification\Credentials\Password`, sysprep.inf
    /// `[Identification] DomainAdminPassword`.
    DomainJoinPassword,
    /// Any other `Password` element (e.g. `DomainAccounts`, `WindowsDeploymentServices`).
    OtherPassword,
}

impl CredentialKind {
    /// A stable lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AdministratorPassword => "administrator-password",
            CredentialKind::AutoLogonPassword => "autologon-password",
            CredentialKind::LocalAccountPassword => "local-account-password",
            CredentialKind::DomainJoinPassword => "domain-join-password",
            CredentialKind::OtherPassword => "other-password",
        }
    }
}

/// How a password is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretEncoding {
    /// Plain text.
    PlainText,
    /// `base64(UTF-16LE(password + suffix))`, suffix = the element name: trivially reversible.
    Base64Utf16 {
        /// The suffix found after the password (`AdministratorPassword`, `Password`, …).
        suffix: &'static str,
    },
    /// Marked as not plain text, but not the known base64 form (opaque to this scan).
    Opaque,
    /// sysprep.inf `EncryptedAdminPassword=Yes`: a hash pair, not reversible by decoding.
    Hashed,
    /// No password (empty value, or sysprep.inf `*`).
    Empty,
}

impl SecretEncoding {
    /// Human wording for a finding.
    pub fn describe(self) -> &'static str {
        match self {
            SecretEncoding::PlainText => "plain text",
            SecretEncoding::Base64Utf16 { .. } => "base64-encoded, trivially reversible",
            SecretEncoding::Opaque => "encoded (not a known reversible form)",
            SecretEncoding::Hashed => "hashed (EncryptedAdminPassword)",
            SecretEncoding::Empty => "empty",
        }
    }
}

/// One password found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFileCredential {
    /// What it is for.
    pub kind: CredentialKind,
    /// Where: the element path (`unattend/settings[pass=oobeSystem]/component[Microsoft-Windows-Shell-Setup]/UserAccounts/AdministratorPassword`)
    /// or `[Section] Key` for sysprep.inf.
    pub element_path: String,
    /// 1-based line of the value (or of the element when it has none).
    pub line: usize,
    /// The `PlainText` element's value, when present.
    pub plain_text_flag: Option<bool>,
    /// How the password is stored.
    pub encoding: SecretEncoding,
    /// Length of the password in characters (after removing a recognised base64 wrapping and
    /// suffix), else of the stored value.
    pub length: usize,
    /// The account it belongs to (`Name`/`Username` beside it), when stated. Not a secret.
    pub account: Option<String>,
}

/// Which syntax the file was scanned as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFileFormat {
    /// XML (unattend.xml, autounattend.xml, sysprep.xml).
    Xml,
    /// INI (sysprep.inf, winnt.sif).
    Ini,
}

/// Result of scanning one answer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFileScan {
    /// The syntax used.
    pub format: AnswerFileFormat,
    /// Passwords found, in file order.
    pub credentials: Vec<AnswerFileCredential>,
    /// True when a cap ([`MAX_SCAN_BYTES`], [`MAX_DEPTH`], [`MAX_FINDINGS`]) was hit: the
    /// file may hold more than is listed.
    pub capped: bool,
}

/// Scans answer-file bytes (any encoding); the format is XML when the text starts with `<`
/// (after whitespace), else INI.
pub fn scan_answer_file(bytes: &[u8]) -> AnswerFileScan {
    let capped_bytes = bytes.len() > MAX_SCAN_BYTES;
    let text = decode_text(bytes.get(..MAX_SCAN_BYTES).unwrap_or(bytes));
    let mut scan = if text.trim_start().starts_with('<') {
        scan_xml(&text)
    } else {
        scan_inf(&text)
    };
    scan.capped |= capped_bytes;
    scan
}

/// The password length and encoding of a stored value, given the `PlainText` flag and the
/// element suffixes Windows appends before base64-encoding.
fn classify(
    value: &str,
    plain_text: Option<bool>,
    suffixes: &[&'static str],
) -> (SecretEncoding, usize) {
    if value.is_empty() {
        return (SecretEncoding::Empty, 0);
    }
    if plain_text != Some(false) {
        return (SecretEncoding::PlainText, value.chars().count());
    }
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
        return (SecretEncoding::Opaque, value.chars().count());
    };
    if raw.len() % 2 != 0 {
        return (SecretEncoding::Opaque, value.chars().count());
    }
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    let Ok(decoded) = String::from_utf16(&units) else {
        return (SecretEncoding::Opaque, value.chars().count());
    };
    // The longest matching suffix wins ("AdministratorPassword" before "Password").
    let mut best: Option<&'static str> = None;
    for s in suffixes {
        if decoded.ends_with(s) && best.is_none_or(|b| s.len() > b.len()) {
            best = Some(s);
        }
    }
    match best {
        Some(suffix) => {
            let len = decoded.chars().count() - suffix.chars().count();
            let encoding = if len == 0 {
                SecretEncoding::Empty
            } else {
                SecretEncoding::Base64Utf16 { suffix }
            };
            (encoding, len)
        }
        None => (SecretEncoding::Opaque, value.chars().count()),
    }
}

/// One open element of the XML scan.
struct Open {
    name: String,
    /// `name[attr=value]` shown in paths.
    segment: String,
    id: usize,
}

/// A password element being read.
struct Pending {
    kind: CredentialKind,
    /// Depth of the password element (its stack index).
    depth: usize,
    path: String,
    parent_id: usize,
    line: usize,
    value: Option<(String, usize)>,
    plain_text: Option<bool>,
    suffixes: &'static [&'static str],
}

/// One tag met by the scan.
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    closing: bool,
    self_closing: bool,
    end: usize,
}

/// The next tag at or after `from`, skipping comments, CDATA, `<?…?>` and `<!…>`. Linear:
/// every search starts where the previous stopped.
fn next_tag(text: &str, mut from: usize) -> Option<(usize, Tag<'_>)> {
    loop {
        let start = from + text.get(from..)?.find('<')?;
        let rest = text.get(start..)?;
        let skip_to = |close: &str| rest.find(close).map(|i| start + i + close.len());
        if rest.starts_with("<!--") {
            from = skip_to("-->")?;
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            from = skip_to("]]>")?;
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            from = skip_to(">")?;
            continue;
        }
        let mut quote: Option<char> = None;
        let mut close = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    close = Some(i);
                    break;
                }
                (None, '<') => break, // a stray '<': not a tag; resume there
                (None, _) => {}
            }
        }
        let Some(close) = close else {
            // Unterminated: resume after this '<' (a stray '<' in text), never rescan it.
            from = start + 1;
            if quote.is_some() {
                return None; // an open quote runs to the end: nothing more to find
            }
            continue;
        };
        let inner = rest.get(1..close)?;
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(i) => (true, i),
            None => (false, inner),
        };
        let (self_closing, inner) = match inner.trim_end().strip_suffix('/') {
            Some(i) => (true, i),
            None => (false, inner),
        };
        let inner = inner.trim_start();
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let full = inner.get(..name_end)?;
        let name = full.rsplit(':').next().unwrap_or(full);
        return Some((
            start,
            Tag {
                name,
                attrs: inner.get(name_end..).unwrap_or(""),
                closing,
                self_closing,
                end: start + close + 1,
            },
        ));
    }
}

/// The value of attribute `name` (local name, case-insensitive).
fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        let eq = rest.find('=')?;
        let key = rest.get(..eq)?.trim();
        let key = key.rsplit(|c: char| c.is_whitespace() || c == ':').next()?;
        let after = rest.get(eq + 1..)?.trim_start();
        let q = after.chars().next()?;
        let (value, next) = if q == '"' || q == '\'' {
            let body = after.get(1..)?;
            let end = body.find(q)?;
            (body.get(..end)?, body.get(end + 1..)?)
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after.get(..end)?, after.get(end..)?)
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(unescape_xml(value));
        }
        rest = next;
    }
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_SEGMENT).collect()
}

fn segment(tag: &Tag<'_>) -> String {
    let name = cut(tag.name);
    let qualifier = if tag.name.eq_ignore_ascii_case("settings") {
        attr(tag.attrs, "pass").map(|p| format!("pass={}", cut(p.trim())))
    } else if tag.name.eq_ignore_ascii_case("component") {
        attr(tag.attrs, "name").map(|n| cut(n.trim()))
    } else {
        None
    };
    match qualifier {
        Some(q) => format!("{name}[{q}]"),
        None => name,
    }
}

const ADMIN_SUFFIXES: &[&str] = &["AdministratorPassword", "Password"];
const OFFLINE_ADMIN_SUFFIXES: &[&str] = &[
    "OfflineAdministratorPassword",
    "AdministratorPassword",
    "Password",
];
const PASSWORD_SUFFIXES: &[&str] = &["Password"];

/// The credential a just-opened element starts, from its name, its parent's and its
/// grandparent's.
fn credential_of(
    name: &str,
    parent: Option<&str>,
    grandparent: Option<&str>,
) -> Option<(CredentialKind, &'static [&'static str])> {
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if is(name, "AdministratorPassword") {
        return Some((CredentialKind::AdministratorPassword, ADMIN_SUFFIXES));
    }
    if is(name, "OfflineAdministratorPassword") {
        return Some((
            CredentialKind::AdministratorPassword,
            OFFLINE_ADMIN_SUFFIXES,
        ));
    }
    if is(name, "DomainAdminPassword")
        || (is(name, "MachinePassword") && parent.is_some_and(|p| is(p, "Identification")))
    {
        return Some((CredentialKind::DomainJoinPassword, PASSWORD_SUFFIXES));
    }
    if !is(name, "Password") {
        return None;
    }
    let kind = match parent {
        Some(p) if is(p, "AutoLogon") => CredentialKind::AutoLogonPassword,
        Some(p) if is(p, "LocalAccount") || is(p, "OfflineLocalAccount") => {
            CredentialKind::LocalAccountPassword
        }
        // Identification\Credentials (UnattendedJoin); WDS Login\Credentials is another login.
        Some(p) if is(p, "Credentials") && grandparent.is_some_and(|g| is(g, "Identification")) => {
            CredentialKind::DomainJoinPassword
        }
        _ => CredentialKind::OtherPassword,
    };
    Some((kind, PASSWORD_SUFFIXES))
}

/// Counts lines incrementally as the scan moves forward (linear overall).
struct Lines<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        if pos > self.at {
            let span = self.text.get(self.at..pos).unwrap_or("");
            self.line += span.bytes().filter(|&b| b == b'\n').count();
            self.at = pos;
        }
        self.line
    }
}

fn scan_xml(text: &str) -> AnswerFileScan {
    let mut out = Vec::new();
    let mut capped = false;
    let mut stack: Vec<Open> = Vec::new();
    // Elements opened beyond MAX_DEPTH are counted, not kept.
    let mut overflow = 0usize;
    let mut pending: Option<Pending> = None;
    let mut next_id = 0usize;
    let mut lines = Lines {
        text,
        at: 0,
        line: 1,
    };
    let mut pos = 0;
    while let Some((start, tag)) = next_tag(text, pos) {
        pos = tag.end;
        if tag.closing {
            if overflow > 0 {
                overflow -= 1;
                continue;
            }
            // Pop to the matching element (tolerates unclosed children).
            let Some(idx) = stack
                .iter()
                .rposition(|o| o.name.eq_ignore_ascii_case(tag.name))
            else {
                continue;
            };
            if pending.as_ref().is_some_and(|p| p.depth >= idx) {
                if let Some(p) = pending.take() {
                    finish(p, &mut out, &mut capped);
                }
            }
            stack.truncate(idx);
            continue;
        }
        if stack.len() >= MAX_DEPTH {
            capped = true;
            if !tag.self_closing {
                overflow += 1;
            }
            continue;
        }
        let parent_name = stack.last().map(|o| o.name.as_str());
        let grandparent_name = stack
            .len()
            .checked_sub(2)
            .and_then(|i| stack.get(i))
            .map(|o| o.name.as_str());
        let parent_id = stack.last().map_or(usize::MAX, |o| o.id);
        let body_text = || {
            let body = text.get(tag.end..).unwrap_or("");
            let end = body.find('<').unwrap_or(body.len());
            let plain = body.get(..end).unwrap_or("").trim();
            // `<Value><![CDATA[…]]></Value>`: the CDATA text, not an empty value.
            if plain.is_empty() {
                if let Some(cdata) = body.trim_start().strip_prefix("<![CDATA[") {
                    if let Some(close) = cdata.find("]]>") {
                        return cdata.get(..close).unwrap_or("").trim().to_string();
                    }
                }
            }
            unescape_xml(plain)
        };
        // Inside a password element: its Value / PlainText children.
        if let Some(p) = pending.as_mut() {
            if stack.len() == p.depth + 1 {
                if tag.name.eq_ignore_ascii_case("Value") {
                    let line = lines.at(tag.end);
                    p.value = Some((
                        if tag.self_closing {
                            String::new()
                        } else {
                            body_text()
                        },
                        line,
                    ));
                } else if tag.name.eq_ignore_ascii_case("PlainText") && !tag.self_closing {
                    p.plain_text = Some(body_text().eq_ignore_ascii_case("true"));
                }
            }
        } else if let Some((kind, suffixes)) =
            credential_of(tag.name, parent_name, grandparent_name)
        {
            let mut path: Vec<&str> = stack.iter().map(|o| o.segment.as_str()).collect();
            let seg = segment(&tag);
            path.push(&seg);
            let line = lines.at(start);
            let mut p = Pending {
                kind,
                depth: stack.len(),
                path: path.join("/"),
                parent_id,
                line,
                value: None,
                plain_text: None,
                suffixes,
            };
            if tag.self_closing {
                p.value = Some((String::new(), line));
                finish(p, &mut out, &mut capped);
                continue;
            }
            // Text directly inside (Credentials\Password, DomainAdminPassword).
            let direct = body_text();
            if !direct.is_empty() {
                p.value = Some((direct, lines.at(tag.end)));
            }
            pending = Some(p);
        } else if !tag.self_closing
            && (tag.name.eq_ignore_ascii_case("Name") || tag.name.eq_ignore_ascii_case("Username"))
        {
            // The account beside a password (before or after it in the parent).
            let name = cut(&body_text());
            if !name.is_empty() {
                // Only the last few findings can share this parent (bounded work per tag).
                for f in out.iter_mut().rev().take(8) {
                    let (fid, acct) = f;
                    if *fid != parent_id {
                        break;
                    }
                    acct.account.get_or_insert_with(|| name.clone());
                }
                pending_accounts(&mut stack, parent_id, &name);
            }
        }
        if !tag.self_closing {
            stack.push(Open {
                name: cut(tag.name),
                segment: segment(&tag),
                id: next_id,
            });
            next_id += 1;
        }
    }
    if let Some(p) = pending.take() {
        finish(p, &mut out, &mut capped);
    }
    let credentials = out.into_iter().map(|(_, c)| c).collect();
    AnswerFileScan {
        format: AnswerFileFormat::Xml,
        credentials,
        capped,
    }
}

/// Remembers an account name on its parent element so a password met later can take it.
fn pending_accounts(stack: &mut [Open], parent_id: usize, name: &str) {
    if let Some(o) = stack.iter_mut().rev().find(|o| o.id == parent_id) {
        if !o.segment.contains('\u{0}') {
            // The name travels in the segment after a NUL marker, stripped when paths are built.
            o.segment.push('\u{0}');
            o.segment.push_str(name);
        }
    }
}

fn finish(p: Pending, out: &mut Vec<(usize, AnswerFileCredential)>, capped: &mut bool) {
    if out.len() >= MAX_FINDINGS {
        *capped = true;
        return;
    }
    let (value, line) = p.value.unwrap_or((String::new(), p.line));
    let (encoding, length) = classify(&value, p.plain_text, p.suffixes);
    // Segments may carry a remembered account name after a NUL: strip it from the path, and
    // take the parent's one as the account.
    let mut account = None;
    let parts: Vec<&str> = p.path.split('/').collect();
    let mut clean = Vec::with_capacity(parts.len());
    let n = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        match part.split_once('\u{0}') {
            Some((seg, name)) => {
                if i + 2 == n {
                    account = Some(name.to_string());
                }
                clean.push(seg);
            }
            None => clean.push(part),
        }
    }
    out.push((
        p.parent_id,
        AnswerFileCredential {
            kind: p.kind,
            element_path: clean.join("/"),
            line,
            plain_text_flag: p.plain_text,
            encoding,
            length,
            account,
        },
    ));
}

fn scan_inf(text: &str) -> AnswerFileScan {
    let mut section = String::new();
    let mut found: Vec<(CredentialKind, String, usize, String)> = Vec::new();
    let mut encrypted_admin = false;
    let mut capped = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_prefix('[') {
            section = cut(s.split(']').next().unwrap_or("").trim());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim().trim_matches('"');
        let in_section = |s: &str| section.eq_ignore_ascii_case(s);
        if in_section("GuiUnattended") && key.eq_ignore_ascii_case("EncryptedAdminPassword") {
            encrypted_admin = value.eq_ignore_ascii_case("yes");
            continue;
        }
        let kind = if key.eq_ignore_ascii_case("AdminPassword") {
            CredentialKind::AdministratorPassword
        } else if key.eq_ignore_ascii_case("DomainAdminPassword") {
            CredentialKind::DomainJoinPassword
        } else if key.to_ascii_lowercase().ends_with("password") {
            CredentialKind::OtherPassword
        } else {
            continue;
        };
        if found.len() >= MAX_FINDINGS {
            capped = true;
            break;
        }
        found.push((
            kind,
            format!("[{section}] {}", cut(key)),
            i + 1,
            value.to_string(),
        ));
    }
    let credentials = found
        .into_iter()
        .map(|(kind, path, line, value)| {
            let (encoding, length) = if value.is_empty() || value == "*" {
                (SecretEncoding::Empty, 0)
            } else if kind == CredentialKind::AdministratorPassword && encrypted_admin {
                (SecretEncoding::Hashed, value.chars().count())
            } else {
                (SecretEncoding::PlainText, value.chars().count())
            };
            AnswerFileCredential {
                kind,
                element_path: path,
                line,
                plain_text_flag: None,
                encoding,
                length,
                account: None,
            }
        })
        .collect();
    AnswerFileScan {
        format: AnswerFileFormat::Ini,
        credentials,
        capped,
    }
}
