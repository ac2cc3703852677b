//! Opening a hive where it lies — a file on this machine, or a file inside an image's volume —
//! together with the transaction logs beside it (`.LOG`, `.LOG1`, `.LOG2`, any case).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vhdlint_container::{FileSource, ReadAt};
use vhdlint_filesystems::{FileData, FileSystem, FsError};

use crate::{Hive, HiveLogs, HiveOptions, RegistryError};

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
