//! Opening a hive where it lies — a file on this machine, or a file inside an image's volume —
//! together with the transaction logs beside it (`.LOG`, `.LOG1`, `.LOG2`, any case), and a
//! hive of an image by its registry name (`HKLM\SYSTEM`, `HKLM\BCD`, `HKU\<user>`).
//!
//! Moved here from `vhdlint-registry`, which reads a hive it is given and knows nothing of
//! images; the BCD store is the one [`crate::layout::boot_volume`] decides, as `check` reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vhdlint_container::{FileSource, ReadAt};
use vhdlint_filesystems::{FileData, FileSystem, FsError};

use vhdlint_registry::{Hive, HiveLogs, HiveOptions, RegistryError};

use crate::layout::{boot_volume, windows_volume, BootChoice};

/// Why a hive file could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HiveFileError {
    /// The operating system would not open the file.
    #[error("cannot open {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error kind the OS reported.
        kind: std::io::ErrorKind,
        /// The OS's message.
        message: String,
    },
    /// The file inside the image could not be found or read.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The hive's bytes are not a readable hive.
    #[error("{path}: {source}")]
    Hive {
        /// The hive file.
        path: String,
        /// Why.
        source: RegistryError,
    },
}

/// Log suffixes Windows writes beside a hive, in the slot each fills.
const LOG_SUFFIXES: [&str; 3] = ["LOG", "LOG1", "LOG2"];

fn logs_from(found: [Option<Arc<dyn ReadAt>>; 3]) -> HiveLogs {
    let [log, log1, log2] = found;
    HiveLogs { log, log1, log2 }
}

/// Opens the hive file at `path` on this machine, with the logs found beside it (names compared
/// case-insensitively; empty logs ignored) unless `opts.replay_logs` is false.
pub fn open_hive_file(path: &Path, opts: HiveOptions) -> Result<Hive, HiveFileError> {
    let io = |p: &Path, e: std::io::Error| HiveFileError::Io {
        path: p.to_path_buf(),
        kind: e.kind(),
        message: e.to_string(),
    };
    let source = FileSource::open(path).map_err(|e| io(path, e))?;
    let mut found: [Option<Arc<dyn ReadAt>>; 3] = [None, None, None];
    if opts.replay_logs {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let entry_name = entry.file_name();
                let Some(entry_name) = entry_name.to_str() else {
                    continue;
                };
                for (slot, suffix) in found.iter_mut().zip(LOG_SUFFIXES) {
                    if entry_name.eq_ignore_ascii_case(&format!("{name}.{suffix}")) {
                        let log_path = entry.path();
                        let log = FileSource::open(&log_path).map_err(|e| io(&log_path, e))?;
                        if !log.is_empty() {
                            *slot = Some(Arc::new(log));
                        }
                    }
                }
            }
        }
    }
    Hive::open(Arc::new(source), logs_from(found), opts).map_err(|source| HiveFileError::Hive {
        path: path.display().to_string(),
        source,
    })
}

/// Opens the hive at `path` inside a mounted volume, with its logs (unless
/// `opts.replay_logs` is false). The hive's bytes are read lazily from the volume.
pub fn open_hive_in(
    fs: &dyn FileSystem,
    path: &str,
    opts: HiveOptions,
) -> Result<Hive, HiveFileError> {
    let source = fs.open(path, None)?.content(path)?;
    let mut found: [Option<Arc<dyn ReadAt>>; 3] = [None, None, None];
    if opts.replay_logs {
        for (slot, suffix) in found.iter_mut().zip(LOG_SUFFIXES) {
            let log_path = format!("{path}.{suffix}");
            match fs.open(&log_path, None) {
                Ok(FileData::Content(log)) if !log.is_empty() => *slot = Some(log),
                Ok(_) | Err(FsError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Hive::open(source, logs_from(found), opts).map_err(|source| HiveFileError::Hive {
        path: path.to_string(),
        source,
    })
}

pub use vhdlint_registry::path::HiveName;

/// Splits `HKLM\SYSTEM\Select` into the hive it names and the key path inside it: see
/// [`vhdlint_registry::path::parse`] for the syntax (only `\` separates keys; `/` only after the root key
/// and the hive name).
pub fn split_registry_path(path: &str) -> Result<(HiveName, String), String> {
    vhdlint_registry::path::parse(path)
}

/// Where in an image a hive was found: the volume and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiveLocation {
    /// Partition index, or `None` for a bare volume.
    pub partition: Option<u32>,
    /// Path inside the volume.
    pub path: String,
}

/// Opens the hive `name` inside an image: the Windows volume's `config` hives and user
/// profiles, the boot volume's BCD store ([`crate::layout::boot_volume`]).
pub fn open_image_hive(
    image: &vhdlint_filesystems::image::Image,
    name: &HiveName,
    opts: HiveOptions,
) -> Result<(Hive, HiveLocation), ImageHiveError> {
    use vhdlint_filesystems::image::Volume;
    let windows = || {
        windows_volume(image).ok_or_else(|| {
            ImageHiveError::NotFound(
                "no Windows volume (Windows\\System32\\config) in the image".into(),
            )
        })
    };
    let open_on = |volume: &Volume, path: String| -> Result<(Hive, HiveLocation), ImageHiveError> {
        let fs = volume
            .fs()
            .map_err(|e| ImageHiveError::Image(e.to_string()))?;
        let hive = open_hive_in(fs.as_ref(), &path, opts)?;
        Ok((
            hive,
            HiveLocation {
                partition: volume.index(),
                path,
            },
        ))
    };
    match name {
        HiveName::Config(n) => open_on(windows()?, format!(r"\Windows\System32\config\{n}")),
        HiveName::DefaultUser => open_on(windows()?, r"\Windows\System32\config\DEFAULT".into()),
        HiveName::User(user) => open_on(windows()?, format!(r"\Users\{user}\NTUSER.DAT")),
        HiveName::Bcd => {
            let boot = boot_volume(image);
            match (&boot, boot.paths()) {
                (BootChoice::Uefi(volume), Some((_, bcd))) => open_on(volume, bcd_path(bcd)),
                (BootChoice::Bios(_, volume), Some((_, bcd))) => match volume {
                    Ok(volume) => open_on(volume, bcd_path(bcd)),
                    Err(e) => Err(ImageHiveError::Image(e.to_string())),
                },
                _ => Err(ImageHiveError::NotFound(
                    boot.missing().unwrap_or("no BCD store").to_owned(),
                )),
            }
        }
    }
}

/// A BCD volume path, Windows style like every path inside an image (`\EFI\Microsoft\Boot\BCD`).
fn bcd_path(path: &str) -> String {
    format!("\\{}", path.trim_start_matches(['\\', '/']))
}

/// Why a hive could not be opened inside an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageHiveError {
    /// The volume holding it could not be mounted.
    #[error("{0}")]
    Image(String),
    /// No volume holds it.
    #[error("{0}")]
    NotFound(String),
    /// The file is missing or its bytes are not a readable hive.
    #[error(transparent)]
    File(#[from] HiveFileError),
}

/// True when the file at `path` starts with the hive signature `regf` (`reg` takes such a file
/// as a standalone hive, anything else as an image).
pub fn is_hive_file(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut sig = [0u8; 4];
    // Never block on a FIFO or a terminal: only regular files and block devices are opened.
    vhdlint_container::input::check_path_io(path)?;
    let mut f = std::fs::File::open(path)?;
    Ok(f.read_exact(&mut sig).is_ok() && &sig == b"regf")
}

/// `HKLM\SYSTEM\Select` given for a standalone SYSTEM file means `Select`.
pub fn strip_root(key: &str) -> String {
    vhdlint_registry::path::strip_hive_prefix(key)
}

/// The root key and hive name of `key` (`HKLM\SYSTEM`), as the registry path syntax splits
/// them; empty when `key` names no hive.
pub fn key_prefix(key: &str) -> String {
    match vhdlint_registry::path::split_prefix(key) {
        Some((root, hive, _)) => format!("{root}\\{hive}"),
        None => String::new(),
    }
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
        assert_eq!(strip_root(r"HKLM/SYSTEM/Select"), "Select");
        assert_eq!(
            strip_root(r"MIME\Database\Content Type\audio/wav"),
            r"MIME\Database\Content Type\audio/wav"
        );
    }

    #[test]
    fn registry_paths_split_into_hive_and_key() {
        assert_eq!(
            split_registry_path(r"HKLM\SYSTEM\Select").unwrap(),
            (HiveName::Config("SYSTEM"), "Select".to_string())
        );
        assert_eq!(
            split_registry_path(r"hkey_local_machine/software\Microsoft\Windows NT").unwrap(),
            (
                HiveName::Config("SOFTWARE"),
                r"Microsoft\Windows NT".to_string()
            )
        );
        assert_eq!(
            split_registry_path(r"HKLM\BCD").unwrap(),
            (HiveName::Bcd, String::new())
        );
        assert_eq!(
            split_registry_path(r"HKU\alice\Software").unwrap(),
            (HiveName::User("alice".into()), "Software".into())
        );
        assert_eq!(
            split_registry_path(r"HKU\.default").unwrap().0,
            HiveName::DefaultUser
        );
        assert!(split_registry_path(r"HKLM\HARDWARE").is_err());
        assert!(split_registry_path(r"HKCU\Software").is_err());
        assert!(split_registry_path("").is_err());
    }
}
