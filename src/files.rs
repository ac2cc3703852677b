//! `ls` and `cat`: files of a volume in the image.

use std::io::Write;

use vhdlint::Source;
use vhdlint_container::ReadAt;
use vhdlint_filesystems::image::{volume_path, Image, Volume};
use vhdlint_filesystems::{DirEntry, FileData, FsError, ReparseKind, Special};
use vhdlint_report::volumes::{special_name, write_listing_text, EntriesStream, ListingJsonStream};
use vhdlint_report::wire::SCHEMA_VERSION;

use crate::{image_error, open_image, ImageFailure, Outcome};

/// Bytes copied per read by `cat` (its one buffer: the file is streamed, never held whole).
const CAT_CHUNK: u64 = 1 << 20;
/// Output buffer of `ls`.
const OUT_BUFFER: usize = 64 << 10;

/// The volume `path` is read from: the one its drive letter names (resolved through
/// `SYSTEM\MountedDevices`, never ignored), else `--partition`, else the default volume. A
/// letter that names no partition of the image, or another one than `--partition`, is a usage
/// error naming the image.
fn pick_volume<'a>(
    img: &'a Image,
    image: &Source,
    partition: Option<u32>,
    path: &str,
) -> anyhow::Result<&'a Volume> {
    let chosen = match partition {
        Some(n) => img.volume(n),
        None => vhdlint_gather::default_volume(img),
    };
    let letter = path
        .chars()
        .next()
        .filter(|c| c.is_ascii_alphabetic() && path.get(1..2) == Some(":"));
    let Some(letter) = letter else {
        return chosen.map_err(|e| image_error(image, e));
    };
    let letter = letter.to_ascii_uppercase();
    // A SYSTEM hive that cannot be read assigns no letters; C: then falls back like below.
    let resolved = match vhdlint_gather::drive_volume(img, letter) {
        Err(_) if letter == 'C' => None,
        r => r.map_err(|e| anyhow::anyhow!("{}: {e}", image.shown()))?,
    };
    let by_letter = match resolved {
        Some(v) => v,
        // Without a MountedDevices entry, C: is the Windows volume (the system drive Setup
        // assigns); any other letter is refused, never read from C:.
        // (No Windows at all: C: is the volume the command reads by default.)
        None if letter == 'C' => match vhdlint_gather::windows_volume(img) {
            Some(v) => v,
            None => return chosen.map_err(|e| image_error(image, e)),
        },
        None => anyhow::bail!(
            "{}: drive {letter}: is not assigned in this image (SYSTEM\\MountedDevices has no \
             \\DosDevices\\{letter}: value; only C:, the Windows volume, is assumed without one); \
             use --partition N and a path without a drive letter",
            image.shown()
        ),
    };
    if let Some(n) = partition {
        if by_letter.index() != Some(n) {
            anyhow::bail!(
                "{}: drive {letter}: is {}, not partition {n}: drop the drive letter or --partition",
                image.shown(),
                by_letter.describe()
            );
        }
    }
    Ok(by_letter)
}

/// A missing path is the user's mistake (exit 2); anything else about the volume is the image's.
fn fs_error(image: &Source, e: FsError) -> anyhow::Error {
    match e {
        FsError::NotFound { .. }
        | FsError::NotADirectory { .. }
        | FsError::IsADirectory { .. }
        | FsError::StreamNotFound { .. }
        | FsError::InvalidPath { .. } => anyhow::anyhow!("{}: {e}", image.shown()),
        _ => ImageFailure(format!("{}: {e}", image.shown())).into(),
    }
}

pub(crate) fn ls(
    image: &Source,
    path: &str,
    partition: Option<u32>,
    json: bool,
) -> anyhow::Result<Outcome> {
    let img = open_image(image)?;
    let volume = pick_volume(&img, image, partition, path)?;
    let fs = volume.fs().map_err(|e| image_error(image, e))?;
    let mut entries = fs.list(volume_path(path)).map_err(|e| fs_error(image, e))?;
    entries.sort_by_key(|e| e.name.to_lowercase());
    // Streamed: each entry rendered as it is written, through a bounded buffer.
    let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stdout().lock());
    if json {
        let name = image.shown();
        let doc = ListingJsonStream {
            schema_version: SCHEMA_VERSION,
            image: &name,
            partition: volume.index(),
            filesystem: fs.kind().as_str(),
            path,
            entries: EntriesStream(&entries),
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        write_listing_text(&mut out, &entries)?;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

pub(crate) fn cat(
    image: &Source,
    path: &str,
    partition: Option<u32>,
    stream: Option<&str>,
) -> anyhow::Result<Outcome> {
    let img = open_image(image)?;
    let volume = pick_volume(&img, image, partition, path)?;
    let fs = volume.fs().map_err(|e| image_error(image, e))?;
    let data = match fs
        .open(volume_path(path), stream)
        .map_err(|e| fs_error(image, e))?
    {
        FileData::Content(d) => d,
        FileData::Unreadable(special) => {
            let cloud = match special {
                Special::Reparse {
                    kind: ReparseKind::Cloud,
                    ..
                } => " (a cloud placeholder whose content is not on the volume)",
                _ => "",
            };
            return Err(ImageFailure(format!(
                "{}: {path} cannot be read as content: it is {}{cloud}",
                image.shown(),
                special_name(special)
            ))
            .into());
        }
    };
    if stream.is_none() {
        if let Ok(DirEntry {
            cloud: Some(state),
            reparse_tag: Some(tag),
            ..
        }) = fs.stat(volume_path(path))
        {
            eprintln!(
                "vhdlint: note: {path} is a cloud placeholder (reparse tag {tag:#010x}, {}): \
                 its content is on the volume and is what follows",
                state.as_str()
            );
        }
    }
    let mut out = std::io::stdout().lock();
    let len = data.len();
    let mut buf = vec![0u8; usize::try_from(CAT_CHUNK.min(len)).unwrap_or(0)];
    let mut offset = 0u64;
    while offset < len {
        let n = usize::try_from((len - offset).min(CAT_CHUNK)).unwrap_or(0);
        let chunk = buf.get_mut(..n).unwrap_or_default();
        data.read_at(offset, chunk)
            .map_err(|e| ImageFailure(format!("{}: {path}: {e}", image.shown())))?;
        out.write_all(chunk)?;
        offset += n as u64;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}
