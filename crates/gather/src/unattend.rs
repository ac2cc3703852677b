//! Stale answer files (windows-image-facts §8): unattend files Windows Setup finds before the
//! Azure provisioning ISO, and the `ComputerName` their `specialize` pass fixes.
//!
//! Each candidate path of the implicit search order is stat'ed (no directory is listed), plus
//! the file `SYSTEM\Setup` `UnattendFile` names. A found file is read up to
//! [`MAX_ANSWER_FILE_BYTES`], decoded (UTF-8 or UTF-16, BOM or not), and scanned by
//! [`specialize_computer_name`].
//!
//! The scan is a tolerant string scan, not an XML parser: answer files are small, often
//! hand-edited, and a stale file that a strict parser rejects must still be reported. It walks
//! the tags in order (skipping comments, CDATA, processing instructions and declarations,
//! honouring quoted attribute values, ignoring namespace prefixes and case), tracks whether it
//! is inside `<settings pass="specialize">` and, within it, inside
//! `<component name="Microsoft-Windows-Shell-Setup">`, and takes the text of the first
//! `<ComputerName>` there whose value is neither empty nor `*` (`*` asks Setup for a random
//! name, which is harmless). Entities (`&amp;`, `&#65;`) are decoded.

use vhdlint_filesystems::image::volume_path;
use vhdlint_filesystems::FileSystem;

use super::files::{decode_text, read_capped};
use crate::evidence::Evidence;
use crate::model::{AnswerFile, Problem, ProblemKind};

/// Most bytes of an answer file read (real ones are a few KiB; the cap bounds memory).
pub const MAX_ANSWER_FILE_BYTES: u64 = 1024 * 1024;

/// Answer-file locations Windows Setup searches before the provisioning ISO, plus the
/// `Sysprep` folder and the root (windows-image-facts §8), as volume paths.
pub const ANSWER_FILE_PATHS: [&str; 7] = [
    r"\Windows\Panther\Unattend\unattend.xml",
    r"\Windows\Panther\Unattend\autounattend.xml",
    r"\Windows\Panther\unattend.xml",
    r"\Windows\Panther\autounattend.xml",
    r"\Windows\System32\Sysprep\unattend.xml",
    r"\unattend.xml",
    r"\autounattend.xml",
];

/// The `Microsoft-Windows-Shell-Setup` component, whose `ComputerName` names the machine.
pub const SHELL_SETUP: &str = "Microsoft-Windows-Shell-Setup";

/// Every answer file found, with the `ComputerName` its specialize pass fixes (if any), and the
/// file `UnattendFile` names (listed even when it does not exist: the value alone redirects
/// Setup).
pub fn answer_files(
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    unattend_file: Option<&(String, Evidence)>,
    problems: &mut Vec<Problem>,
) -> Vec<AnswerFile> {
    let mut out = Vec::new();
    for path in ANSWER_FILE_PATHS {
        if let Some(found) = read_answer_file(fs, partition_index, path, problems) {
            out.push(found);
        }
    }
    if let Some((value, reg_evidence)) = unattend_file {
        let path = normalize(value);
        if let Some(existing) = out.iter_mut().find(|a| a.path.eq_ignore_ascii_case(&path)) {
            existing.evidence.insert(0, reg_evidence.clone());
        } else {
            let mut entry =
                read_answer_file(fs, partition_index, &path, problems).unwrap_or(AnswerFile {
                    path: path.clone(),
                    computer_name: None,
                    evidence: vec![Evidence::File {
                        partition_index,
                        path: path.clone(),
                        detail: Some("absent".into()),
                    }],
                });
            entry.evidence.insert(0, reg_evidence.clone());
            out.push(entry);
        }
    }
    out
}

/// `C:\Windows\x.xml`, `%SystemRoot%\x.xml` → `\Windows\x.xml`.
pub(crate) fn normalize(value: &str) -> String {
    let v = value.trim().trim_matches('"');
    let lower = v.to_ascii_lowercase();
    let rest = ["%systemroot%", "%windir%"]
        .iter()
        .find_map(|p| {
            lower
                .starts_with(p)
                .then(|| format!(r"\Windows{}", v.get(p.len()..).unwrap_or("")))
        })
        .or_else(|| {
            lower
                .starts_with("%systemdrive%")
                .then(|| v.get("%systemdrive%".len()..).unwrap_or("").to_owned())
        })
        .unwrap_or_else(|| volume_path(v).to_owned());
    let rest = rest.replace('/', r"\");
    if rest.starts_with('\\') {
        rest
    } else {
        format!(r"\{rest}")
    }
}

fn read_answer_file(
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<AnswerFile> {
    match read_capped(fs, path, MAX_ANSWER_FILE_BYTES) {
        Ok(Some((bytes, size))) => {
            let name = specialize_computer_name(&decode_text(&bytes));
            let mut detail = match &name {
                Some(n) => format!("specialize pass sets {SHELL_SETUP} ComputerName={n}"),
                None => "no fixed ComputerName in a specialize pass".to_owned(),
            };
            if size > MAX_ANSWER_FILE_BYTES {
                detail.push_str(&format!(
                    " (only the first {MAX_ANSWER_FILE_BYTES} of {size} bytes read)"
                ));
            }
            Some(AnswerFile {
                path: path.to_owned(),
                computer_name: name,
                evidence: vec![Evidence::File {
                    partition_index,
                    path: path.to_owned(),
                    detail: Some(detail),
                }],
            })
        }
        Ok(None) => None,
        Err(e) => {
            problems.push(Problem {
                kind: ProblemKind::Filesystem,
                message: format!("{path}: {e}"),
                evidence: vec![Evidence::File {
                    partition_index,
                    path: path.to_owned(),
                    detail: Some("reading the answer file".into()),
                }],
            });
            // The file exists but cannot be read: still a stale answer file.
            Some(AnswerFile {
                path: path.to_owned(),
                computer_name: None,
                evidence: vec![Evidence::File {
                    partition_index,
                    path: path.to_owned(),
                    detail: Some(format!("present, unreadable: {e}")),
                }],
            })
        }
    }
}

/// One tag met by the scan.
#[derive(Debug)]
struct Tag<'a> {
    /// Local name (namespace prefix removed).
    name: &'a str,
    /// Attribute text after the name.
    attrs: &'a str,
    /// `</x>`.
    closing: bool,
    /// `<x/>`.
    self_closing: bool,
    /// Byte just after the `>`.
    end: usize,
}

/// The next tag at or after `from`, skipping comments, CDATA, `<?…?>` and `<!…>`.
fn next_tag(text: &str, mut from: usize) -> Option<Tag<'_>> {
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
        // Find the closing '>' outside quoted attribute values.
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
                (None, _) => {}
            }
        }
        let close = close?;
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
        return Some(Tag {
            name,
            attrs: inner.get(name_end..).unwrap_or(""),
            closing,
            self_closing,
            end: start + close + 1,
        });
    }
}

/// The value of attribute `name` (local name, case-insensitive) in a tag's attribute text.
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
            return Some(unescape(value));
        }
        rest = next;
    }
}

/// XML entity decoding: the one implementation, in `vhdlint-artifacts` (linear, bounded).
fn unescape(s: &str) -> String {
    vhdlint_artifacts::text::unescape_xml(s)
}

/// The `ComputerName` a `<settings pass="specialize">` block's `Microsoft-Windows-Shell-Setup`
/// component fixes, if it fixes one other than `*` (see the module documentation).
pub fn specialize_computer_name(text: &str) -> Option<String> {
    let mut in_specialize = false;
    let mut in_shell_setup = false;
    let mut pos = 0;
    while let Some(tag) = next_tag(text, pos) {
        pos = tag.end;
        let is = |n: &str| tag.name.eq_ignore_ascii_case(n);
        if is("settings") {
            in_specialize = !tag.closing
                && !tag.self_closing
                && attr(tag.attrs, "pass")
                    .is_some_and(|p| p.trim().eq_ignore_ascii_case("specialize"));
            in_shell_setup = false;
        } else if is("component") {
            in_shell_setup = in_specialize
                && !tag.closing
                && !tag.self_closing
                && attr(tag.attrs, "name")
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(SHELL_SETUP));
        } else if is("ComputerName") && in_shell_setup && !tag.closing && !tag.self_closing {
            let body = text.get(tag.end..)?;
            let end = body.find('<').unwrap_or(body.len());
            let value = unescape(body.get(..end)?.trim());
            let value = value.trim();
            if !value.is_empty() && value != "*" {
                return Some(value.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <!-- <settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup"><ComputerName>COMMENTED</ComputerName> -->
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">
      <ComputerName>OOBE-NAME</ComputerName>
    </component>
  </settings>
  <settings pass='specialize' wasPassProcessed="true">
    <component name="Microsoft-Windows-UnattendedJoin"><Identification><ComputerName>NOPE</ComputerName></Identification></component>
    <component name="Microsoft-Windows-Shell-Setup" publicKeyToken="31bf3856ad364e35" language="neutral">
      <ComputerName> BUILD&amp;VM </ComputerName>
    </component>
  </settings>
</unattend>"#;

    #[test]
    fn the_specialize_shell_setup_name_is_found() {
        assert_eq!(specialize_computer_name(FIXED).as_deref(), Some("BUILD&VM"));
    }

    #[test]
    fn star_empty_and_other_passes_are_not_fixed_names() {
        let star = FIXED.replace(" BUILD&amp;VM ", "*");
        assert_eq!(specialize_computer_name(&star), None);
        let empty = FIXED.replace(
            "<ComputerName> BUILD&amp;VM </ComputerName>",
            "<ComputerName/>",
        );
        assert_eq!(specialize_computer_name(&empty), None);
        assert_eq!(specialize_computer_name("<unattend/>"), None);
        assert_eq!(
            specialize_computer_name("<settings pass=\"specialize\"><compon"),
            None
        );
    }

    #[test]
    fn prefixes_and_case_are_tolerated() {
        let t = r#"<u:unattend xmlns:u="x"><u:SETTINGS PASS="Specialize"><u:component name="microsoft-windows-shell-setup"><u:computername>WS01</u:computername></u:component></u:SETTINGS></u:unattend>"#;
        assert_eq!(specialize_computer_name(t).as_deref(), Some("WS01"));
    }

    #[test]
    fn unattend_file_values_become_volume_paths() {
        assert_eq!(
            normalize(r"C:\Windows\Panther\unattend.xml"),
            r"\Windows\Panther\unattend.xml"
        );
        assert_eq!(normalize(r"%SystemRoot%\x.xml"), r"\Windows\x.xml");
        assert_eq!(normalize(r"%SystemDrive%\x.xml"), r"\x.xml");
        assert_eq!(normalize("a.xml"), r"\a.xml");
    }

    #[test]
    fn entities_decode() {
        assert_eq!(unescape("a&lt;b&#65;&#x42;&bogus;&"), "a<bAB&bogus;&");
    }
}
