//! `reg`: a registry key of an image's hives, or of a standalone hive file.

use std::io::Write;
use vhdlint::Source;

use vhdlint_gather::locate::{is_hive_file, key_prefix, strip_root};
use vhdlint_gather::{
    open_hive_file, open_image_hive, split_registry_path, HiveFileError, HiveName, ImageHiveError,
};
use vhdlint_registry::{resolve_current_control_set, Hive, HiveOptions};
use vhdlint_report::registry::{write_key_json, write_key_text, KeyWriteError};

use crate::{open_image, ImageFailure, Outcome};

fn hive_file_error(e: HiveFileError) -> anyhow::Error {
    match e {
        HiveFileError::Io { .. } => anyhow::Error::new(e),
        other => ImageFailure(other.to_string()).into(),
    }
}

pub(crate) fn reg(
    target: &Source,
    key: &str,
    no_logs: bool,
    json: bool,
) -> anyhow::Result<Outcome> {
    let opts = HiveOptions::replay(!no_logs);
    let hive_file = match target.path() {
        Some(p) => is_hive_file(p)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", p.display()))?
            .then_some(p),
        // A URL is an image (hive files are read from a path).
        None => None,
    };
    let (hive, path, source, shown): (Hive, String, String, String) = if let Some(file) = hive_file
    {
        let hive = open_hive_file(file, opts).map_err(hive_file_error)?;
        let path = resolve_current_control_set(&hive, &strip_root(key))
            .map_err(|e| ImageFailure(format!("{}: {e}", target.shown())))?;
        (hive, path.clone(), target.shown(), format!("\\{path}"))
    } else {
        if key.is_empty() {
            anyhow::bail!(
                "{}: an image needs a KEY (e.g. HKLM\\SYSTEM\\Select); see vhdlint reg --help",
                target.shown()
            );
        }
        let (name, rest) = split_registry_path(key).map_err(|e| anyhow::anyhow!(e))?;
        let image = open_image(target)?;
        let (hive, location) = open_image_hive(&image, &name, opts).map_err(|e| match e {
            // A hive the image does not hold is a missing path: exit 2, naming the image.
            ImageHiveError::File(HiveFileError::Fs(
                f @ vhdlint_filesystems::FsError::NotFound { .. },
            )) => anyhow::anyhow!("{}: hive {}: {f}", target.shown(), key_prefix(key)),
            ImageHiveError::File(f) => hive_file_error(f),
            other => ImageFailure(format!("{}: {other}", target.shown())).into(),
        })?;
        let rest = if name == HiveName::Config("SYSTEM") {
            resolve_current_control_set(&hive, &rest)
                .map_err(|e| ImageFailure(format!("{}: {e}", location.path)))?
        } else {
            rest
        };
        let prefix = key_prefix(key);
        let shown = if rest.is_empty() {
            prefix
        } else {
            format!("{prefix}\\{rest}")
        };
        let source = match location.partition {
            Some(n) => format!("{}: partition {n}: {}", target.shown(), location.path),
            None => format!("{}: {}", target.shown(), location.path),
        };
        (hive, rest, source, shown)
    };
    let found = hive
        .key(&path)
        .map_err(|e| ImageFailure(format!("{source}: {e}")))?
        .ok_or_else(|| match vhdlint_registry::path::slash_hint(&path) {
            Some(hint) => anyhow::anyhow!("{source}: key {shown} not found ({hint})"),
            None => anyhow::anyhow!("{source}: key {shown} not found"),
        })?;
    // Streamed: each value is read, written and dropped; a key that cannot be read writes
    // nothing (its subkeys and value list are read before the first byte).
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if json {
        write_key_json(&mut out, &hive, &found, &shown, &source)
    } else {
        write_key_text(&mut out, &hive, &found, &shown, &source)
    };
    match written {
        Ok(()) => {}
        Err(KeyWriteError::Registry(e)) => {
            return Err(ImageFailure(format!("{source}: {e}")).into())
        }
        Err(KeyWriteError::Io(e)) => return Err(e.into()),
    }
    if json {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}
