//! What kind of file an input is, decided before a byte is read, so nothing ever blocks.
//!
//! vhdlint reads images by offset, so it needs random access: a regular file or a block device
//! (a disk attached with `qemu-nbd`, an LVM volume). A FIFO or pipe (`mkfifo`, `<(…)`, a piped
//! `/dev/stdin`), a socket or a character device (`/dev/zero`, a terminal) would block or never
//! end; they are refused by their type, from `stat`, before the file is opened (opening a FIFO
//! alone blocks until a writer appears).

use std::fs::File;
use std::io;
use std::path::Path;

use crate::error::{ContainerError, Result};

/// The advice for inputs that cannot be read by offset.
pub const NEEDS_RANDOM_ACCESS: &str = "vhdlint needs random access: save the image to a file first";

/// The kind of file at a path, as far as reading it as an image goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A regular file: read by offset, sized by its metadata.
    File,
    /// A block device: read by offset, sized by seeking to its end.
    BlockDevice,
    /// A FIFO or an anonymous pipe (refused).
    Pipe,
    /// A Unix socket (refused).
    Socket,
    /// A character device such as `/dev/zero` or a terminal (refused).
    CharDevice,
    /// A directory (refused).
    Directory,
}

impl InputKind {
    /// Classifies file metadata.
    pub fn of(meta: &std::fs::Metadata) -> Self {
        let ft = meta.file_type();
        if ft.is_dir() {
            return InputKind::Directory;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if ft.is_fifo() {
                return InputKind::Pipe;
            }
            if ft.is_socket() {
                return InputKind::Socket;
            }
            if ft.is_char_device() {
                return InputKind::CharDevice;
            }
            if ft.is_block_device() {
                return InputKind::BlockDevice;
            }
        }
        InputKind::File
    }

    /// Why this kind is refused, or `None` when it can be read as an image.
    pub fn refusal(self) -> Option<(&'static str, &'static str)> {
        match self {
            InputKind::File | InputKind::BlockDevice => None,
            InputKind::Pipe => Some(("a pipe (FIFO)", NEEDS_RANDOM_ACCESS)),
            InputKind::Socket => Some(("a socket", NEEDS_RANDOM_ACCESS)),
            InputKind::CharDevice => Some((
                "a character device",
                "not a disk image: give an image file or a block device",
            )),
            InputKind::Directory => Some(("a directory", "not a disk image file")),
        }
    }
}

/// Refuses, without opening it, a path that is not a regular file or a block device.
///
/// `stat` follows symbolic links, so `/dev/stdin` and `/dev/fd/N` are judged by what they point
/// at. A path that does not exist is left to the open that follows (which names the OS error).
pub fn check_path(path: &Path) -> Result<InputKind> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Err(ContainerError::open(path, &e)),
    };
    let kind = InputKind::of(&meta);
    match kind.refusal() {
        None => Ok(kind),
        Some((what, advice)) => Err(ContainerError::NotRandomAccess {
            path: path.to_path_buf(),
            what,
            advice,
        }),
    }
}

/// The same check as an `io::Error`, for callers that open files themselves (`hash`, hive files).
/// A path that cannot be stat'ed keeps the OS error (`NotFound`, `PermissionDenied`).
pub fn check_path_io(path: &Path) -> io::Result<InputKind> {
    let kind = InputKind::of(&std::fs::metadata(path)?);
    match kind.refusal() {
        None => Ok(kind),
        Some((what, advice)) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("it is {what}: {advice}"),
        )),
    }
}

/// Length of an opened file: its metadata size, or for a block device the offset of its end.
pub fn file_len(file: &File) -> io::Result<u64> {
    let meta = file.metadata()?;
    match InputKind::of(&meta) {
        InputKind::BlockDevice => {
            use std::io::Seek;
            // Seeking a shared `&File` moves no cursor anyone else relies on: reads are positional.
            let mut f = file;
            f.seek(io::SeekFrom::End(0))
        }
        InputKind::File => Ok(meta.len()),
        other => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            other
                .refusal()
                .map(|(what, advice)| format!("{what}: {advice}"))
                .unwrap_or_default(),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn dev_zero_is_refused_as_a_character_device() {
        if !Path::new("/dev/zero").exists() {
            return;
        }
        let err = check_path(Path::new("/dev/zero")).unwrap_err();
        assert!(err.is_os_error());
        assert!(err.to_string().contains("character device"), "{err}");
    }

    #[test]
    fn a_directory_is_refused() {
        let err = check_path(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    #[test]
    fn a_regular_file_is_accepted_and_sized() {
        let me = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert_eq!(check_path(&me).unwrap(), InputKind::File);
        let f = File::open(&me).unwrap();
        assert_eq!(file_len(&f).unwrap(), std::fs::metadata(&me).unwrap().len());
    }
}
