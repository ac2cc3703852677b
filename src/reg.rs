//! `reg`: a registry key of an image's hives, or of a standalone hive file.

use std::io::{Read, Write};
use std::path::Path;

use vhdlint_registry::{
    open_hive_file, open_image_hive, resolve_current_control_set, split_registry_path, Hive,
    HiveFileError, HiveName, HiveOptions, ImageHiveError,
};
use vhdlint_report::registry::{key_json, key_text};

use crate::{open_image, ImageFailure, Outcome};

/// True when the file starts with the hive signature `regf`.
fn is_hive_file(path: &Path) -> anyhow::Result<bool> {
    let mut sig = [0u8; 4];
    vhdlint_container::input::check_path_io(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let mut f = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    Ok(f.read_exact(&mut sig).is_ok() && &sig == b"regf")
}

fn hive_file_error(e: HiveFileError) -> anyhow::Error {
    match e {
        HiveFileError::Io { .. } => anyhow::Error::new(e),
        other => ImageFailure(other.to_string()).into(),
    }
}

/// `HKLM\SYSTEM\Select` given for a standalone SYSTEM file means `Select`.
fn strip_root(key: &str) -> String {
    let parts: Vec<&str> = key.split(['\\', '/']).filter(|p| !p.is_empty()).collect();
    let rooted = parts.first().is_some_and(|r| {
        ["HKLM", "HKEY_LOCAL_MACHINE", "HKU", "HKEY_USERS"]
            .iter()
            .any(|x| r.eq_ignore_ascii_case(x))
    });
    parts
        .get(if rooted { 2 } else { 0 }..)
        .unwrap_or_default()
        .join("\\")
}

pub(crate) fn reg(target: &Path, key: &str, no_logs: bool, json: bool) -> anyhow::Result<Outcome> {
    let opts = HiveOptions {
        replay_logs: !no_logs,
    };
    let (hive, path, source, shown): (Hive, String, String, String) = if is_hive_file(target)? {
        let hive = open_hive_file(target, opts).map_err(hive_file_error)?;
        let path = resolve_current_control_set(&hive, &strip_root(key))
            .map_err(|e| ImageFailure(format!("{}: {e}", target.display())))?;
        (
            hive,
            path.clone(),
            target.display().to_string(),
            format!("\\{path}"),
        )
    } else {
        let (name, rest) = split_registry_path(key).map_err(|e| anyhow::anyhow!(e))?;
        let image = open_image(target)?;
        let (hive, location) = open_image_hive(&image, &name, opts).map_err(|e| match e {
            ImageHiveError::File(f) => hive_file_error(f),
            other => ImageFailure(format!("{}: {other}", target.display())).into(),
        })?;
        let rest = if name == HiveName::Config("SYSTEM") {
            resolve_current_control_set(&hive, &rest)
                .map_err(|e| ImageFailure(format!("{}: {e}", location.path)))?
        } else {
            rest
        };
        let prefix = key
            .split(['\\', '/'])
            .filter(|p| !p.is_empty())
            .take(2)
            .collect::<Vec<_>>()
            .join("\\");
        let shown = if rest.is_empty() {
            prefix
        } else {
            format!("{prefix}\\{rest}")
        };
        let source = match location.partition {
            Some(n) => format!("{}: partition {n}: {}", target.display(), location.path),
            None => format!("{}: {}", target.display(), location.path),
        };
        (hive, rest, source, shown)
    };
    let found = hive
        .key(&path)
        .map_err(|e| ImageFailure(format!("{source}: {e}")))?
        .ok_or_else(|| anyhow::anyhow!("{source}: key {shown} not found"))?;
    let doc = key_json(&hive, &found, &shown, &source)
        .map_err(|e| ImageFailure(format!("{source}: {e}")))?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", key_text(&doc))?;
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standalone_keys_drop_an_hklm_prefix() {
        assert_eq!(strip_root(r"HKLM\SYSTEM\Select"), "Select");
        assert_eq!(strip_root(r"\Select\"), "Select");
        assert_eq!(
            strip_root(r"ControlSet001\Control"),
            r"ControlSet001\Control"
        );
        assert_eq!(strip_root(""), "");
    }
}
