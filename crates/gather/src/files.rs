//! Facts from files of the Windows volume: the generalization evidence besides the registry
//! (`Windows\Setup\State\State.ini`, `Windows\System32\Sysprep\Sysprep_succeeded.tag`) and the
//! AADLoginForWindows extension folder (windows-image-facts §3, §4). Files are stat'ed or
//! opened by path; no directory is listed.

use vhdlint_container::bytes::{utf16_lossy, Utf16};
use vhdlint_filesystems::{FileSystem, FsError};

use super::system::SetupValues;
use crate::evidence::{Evidence, Fact};
use crate::model::{ImageState, Problem, ProblemKind, IMAGE_STATE_GENERALIZED_OOBE};

/// `Windows\Setup\State\State.ini`: section `[State]`, key `ImageState=`.
pub const STATE_INI: &str = r"\Windows\Setup\State\State.ini";
/// `Windows\System32\Sysprep\Sysprep_succeeded.tag`, written by a successful sysprep.
pub const SYSPREP_TAG: &str = r"\Windows\System32\Sysprep\Sysprep_succeeded.tag";
/// Folder the AADLoginForWindows VM extension is installed in.
pub const AAD_PLUGIN_DIR: &str =
    r"\Packages\Plugins\Microsoft.Azure.ActiveDirectory.AADLoginForWindows";
/// Most bytes of `State.ini` read (it is a few hundred bytes).
pub const MAX_STATE_INI_BYTES: u64 = 64 * 1024;

/// Decodes text files Windows writes: UTF-16LE/BE with a BOM, UTF-8 with or without a BOM,
/// and UTF-16LE without a BOM (recognized by NULs in the odd bytes). Invalid sequences become
/// U+FFFD.
pub fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |b: &[u8], be: bool| utf16_lossy(b, if be { Utf16::Be } else { Utf16::Le });
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let sample = bytes.get(..bytes.len().min(512)).unwrap_or(bytes);
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let even_nuls = sample.iter().step_by(2).filter(|b| **b == 0).count();
    if sample.len() >= 4 && odd_nuls * 2 > sample.len() / 2 && even_nuls == 0 {
        return utf16(bytes, false);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// A file's first `cap` bytes: `Ok(None)` when the file does not exist;
/// `Ok(Some((bytes, size)))` with the file's full size otherwise.
pub fn read_capped(
    fs: &dyn FileSystem,
    path: &str,
    cap: u64,
) -> Result<Option<(Vec<u8>, u64)>, FsError> {
    let data = match fs.open(path, None) {
        Ok(d) => d.content(path)?,
        Err(FsError::NotFound { .. } | FsError::NotADirectory { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = data.len();
    let n = usize::try_from(size.min(cap)).unwrap_or(0);
    let mut buf = vec![0u8; n];
    data.read_at(0, &mut buf)?;
    Ok(Some((buf, size)))
}

/// True when `path` exists (and is a file when `dir` is false, a folder when true); errors other
/// than "not found" are returned.
pub fn exists(fs: &dyn FileSystem, path: &str, dir: bool) -> Result<bool, FsError> {
    match fs.stat(path) {
        Ok(e) => Ok(e.is_dir == dir),
        Err(FsError::NotFound { .. } | FsError::NotADirectory { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The `ImageState=` of a `State.ini` (in `[State]`, or anywhere when there is no section).
pub fn state_ini_image_state(text: &str) -> Option<String> {
    let mut section: Option<String> = None;
    let mut fallback = None;
    for line in text.lines() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_ascii_lowercase());
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("ImageState") {
            continue;
        }
        let v = v.trim().trim_matches('"').to_owned();
        match section.as_deref() {
            Some("state") => return Some(v),
            None => fallback = fallback.or(Some(v)),
            Some(_) => {}
        }
    }
    fallback
}

fn file_problem(partition_index: Option<u32>, path: &str, e: &FsError) -> Problem {
    Problem {
        kind: ProblemKind::Filesystem,
        message: format!("{path}: {e}"),
        evidence: vec![Evidence::File {
            partition_index,
            path: path.to_owned(),
            detail: Some("reading the file".into()),
        }],
    }
}

fn file_evidence(partition_index: Option<u32>, path: &str, detail: impl Into<String>) -> Evidence {
    Evidence::File {
        partition_index,
        path: path.to_owned(),
        detail: Some(detail.into()),
    }
}

/// `generalized`: the registry `image_state` (from SOFTWARE) is
/// `IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE`, `State.ini` (when present) agrees, and
/// `Sysprep_succeeded.tag` is present (windows-image-facts §3.1). The `SYSTEM\Setup` values are
/// reported beside them.
pub fn generalized(
    image_state: &Fact<Option<ImageState>>,
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
    setup: &SetupValues,
    problems: &mut Vec<Problem>,
) -> Fact<bool> {
    let mut evidence = image_state.evidence.clone();
    let registry_state = image_state.value.as_ref();
    let registry_ok = registry_state.is_some_and(ImageState::is_generalized_for_oobe);

    let ini_state = match read_capped(fs, STATE_INI, MAX_STATE_INI_BYTES) {
        Ok(Some((bytes, _))) => {
            let state = state_ini_image_state(&decode_text(&bytes));
            let detail = match &state {
                Some(s) => format!("[State] ImageState={s}"),
                None => "present, no ImageState= line".to_owned(),
            };
            evidence.push(file_evidence(partition_index, STATE_INI, detail));
            state
        }
        Ok(None) => {
            evidence.push(file_evidence(partition_index, STATE_INI, "absent"));
            None
        }
        Err(e) => {
            problems.push(file_problem(partition_index, STATE_INI, &e));
            None
        }
    };
    let tag = match exists(fs, SYSPREP_TAG, false) {
        Ok(present) => {
            let detail = if present { "present" } else { "absent" };
            evidence.push(file_evidence(partition_index, SYSPREP_TAG, detail));
            present
        }
        Err(e) => {
            problems.push(file_problem(partition_index, SYSPREP_TAG, &e));
            false
        }
    };
    evidence.extend(setup.evidence.iter().cloned());

    let ini_ok = ini_state
        .as_deref()
        .is_none_or(|s| ImageState::parse(s).is_generalized_for_oobe());
    let generalized = registry_ok && ini_ok && tag;
    let reason = match (registry_ok, ini_ok, tag) {
        (true, true, true) => format!(
            "ImageState is {IMAGE_STATE_GENERALIZED_OOBE}, State.ini agrees (or is absent) and \
             Sysprep_succeeded.tag is present"
        ),
        (false, _, _) => format!(
            "the registry ImageState is {}, not {IMAGE_STATE_GENERALIZED_OOBE}",
            registry_state.map_or("absent", ImageState::as_str)
        ),
        (true, false, _) => format!(
            "State.ini says ImageState={} while the registry says \
             {IMAGE_STATE_GENERALIZED_OOBE} (stale hive or tampering)",
            ini_state.as_deref().unwrap_or("?")
        ),
        (true, true, false) => "ImageState says generalized but Sysprep_succeeded.tag is absent \
                                (sysprep did not complete)"
            .to_owned(),
    };
    evidence.push(Evidence::derived(reason));
    Fact::with_evidence(generalized, evidence)
}

/// `aad_login_for_windows` (the `CDJ` values read from SOFTWARE) ORed with the
/// AADLoginForWindows extension folder (`C:\Packages\Plugins\…AADLoginForWindows`).
pub fn with_aad_plugin(
    mut fact: Fact<bool>,
    fs: &dyn FileSystem,
    partition_index: Option<u32>,
) -> Fact<bool> {
    let (present, detail) = match exists(fs, AAD_PLUGIN_DIR, true) {
        Ok(true) => (true, "folder present".to_owned()),
        Ok(false) => (false, "absent".to_owned()),
        Err(e) => (false, format!("unreadable: {e}")),
    };
    let evidence = file_evidence(partition_index, AAD_PLUGIN_DIR, detail);
    match (fact.value, present) {
        (true, false) => {}
        (false, true) => fact = Fact::new(true, evidence),
        _ => fact.evidence.push(evidence),
    }
    fact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_decodes_from_every_encoding_windows_writes() {
        let s = "[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n";
        let le: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert_eq!(decode_text(&bom), s);
        assert_eq!(decode_text(&le), s);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(s.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&be), s);
        assert_eq!(decode_text(s.as_bytes()), s);
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode_text(&utf8_bom), s);
    }

    #[test]
    fn state_ini_image_state_is_read_from_the_state_section() {
        let t = "[Other]\nImageState=X\n[State]\nImageState = IMAGE_STATE_COMPLETE \n";
        assert_eq!(
            state_ini_image_state(t).as_deref(),
            Some("IMAGE_STATE_COMPLETE")
        );
        assert_eq!(state_ini_image_state("ImageState=Y").as_deref(), Some("Y"));
        assert_eq!(state_ini_image_state("[State]\nFoo=1"), None);
    }
}
