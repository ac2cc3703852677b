//! BLAKE3 of a container file (as `b3sum` prints it) and of a virtual disk's logical bytes.

use std::io;
use std::path::Path;

use crate::read::{ReadAt, ReadError};

/// Bytes read per step while hashing a virtual disk; two buffers of this size are live.
pub const HASH_CHUNK: usize = 16 << 20;

/// Bytes of a file mapped at a time by [`hash_file`].
pub const HASH_WINDOW: usize = 64 << 20;

/// BLAKE3 of a file's bytes (equals `b3sum`), hashed in place from the page cache on all cores,
/// one [`HASH_WINDOW`] mapping at a time: memory stays at one window whatever the file's size (a
/// whole-file mapping counted the whole file in RSS). Falls back to streamed positional reads
/// where the file cannot be mapped.
pub fn hash_file(path: &Path) -> io::Result<blake3::Hash> {
    hash_file_with(path, &mut |_| {})
}

/// [`hash_file`], calling `progress` with the bytes hashed so far after each window (a
/// progress bar).
pub fn hash_file_with(path: &Path, progress: &mut dyn FnMut(u64)) -> io::Result<blake3::Hash> {
    let source = crate::read::FileSource::open(path)?;
    let file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut done = 0u64;
    match crate::read::for_each_mapped_window(&file, source.len(), HASH_WINDOW, |window| {
        hasher.update_rayon(window);
        done += window.len() as u64;
        progress(done);
    }) {
        Ok(()) => Ok(hasher.finalize()),
        Err(_) => hash_virtual_with(&source, progress).map_err(io::Error::from),
    }
}

/// BLAKE3 of the virtual disk's logical bytes (unallocated reads as zeros, differencing disks
/// through their parents): format-independent, so a raw, VHD and VHDX of one disk agree.
///
/// Bytes the disk can lend in place ([`ReadAt::borrow_at`]: a memory-mapped file's fully present
/// blocks) are hashed without a copy; the rest is read a chunk at a time, reading the next chunk
/// while the current one is hashed.
///
/// Memory stays bounded whatever the disk's size: two [`HASH_CHUNK`] buffers, and for a mapped
/// file at most [`crate::read::MAPPED_RELEASE_BYTES`] of touched pages (older ones are released).
pub fn hash_virtual(disk: &dyn ReadAt) -> Result<blake3::Hash, ReadError> {
    hash_virtual_with(disk, &mut |_| {})
}

/// [`hash_virtual`], calling `progress` with the bytes hashed so far after each chunk.
pub fn hash_virtual_with(
    disk: &dyn ReadAt,
    progress: &mut dyn FnMut(u64),
) -> Result<blake3::Hash, ReadError> {
    let len = disk.len();
    let mut hasher = blake3::Hasher::new();
    let mut offset = 0u64;
    let mut current: Vec<u8> = Vec::new();
    let mut next: Vec<u8> = Vec::new();
    // Each step hashes at least one byte (borrow_at lends at least one, a chunk is non-empty).
    while offset < len {
        let want = chunk_len(offset, len);
        if let Some(lent) = disk.borrow_at(offset, want) {
            hasher.update_rayon(lent);
            offset += lent.len() as u64;
            progress(offset);
            continue;
        }
        current.resize(want, 0);
        disk.read_at(offset, &mut current)?;
        offset += want as u64;
        // Pipeline plain reads: hash this chunk while the next one (if it too must be copied) is read.
        while offset < len && disk.borrow_at(offset, 1).is_none() {
            let n = chunk_len(offset, len);
            next.resize(n, 0);
            let (_, read) = rayon::join(
                || {
                    hasher.update_rayon(&current);
                },
                || disk.read_at(offset, &mut next),
            );
            read?;
            progress(offset);
            offset += n as u64;
            std::mem::swap(&mut current, &mut next);
        }
        hasher.update_rayon(&current);
        progress(offset);
    }
    Ok(hasher.finalize())
}

fn chunk_len(offset: u64, len: u64) -> usize {
    usize::try_from(len.saturating_sub(offset)).map_or(HASH_CHUNK, |r| r.min(HASH_CHUNK))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that lends only some ranges, to mix borrowed and copied chunks.
    struct Patchy(Vec<u8>);

    impl ReadAt for Patchy {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
            self.0.read_at(offset, buf)
        }
        fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
            // Lends only inside odd MiB, never across a MiB boundary.
            let mib = offset >> 20;
            if mib % 2 == 1 {
                let room = ((mib + 1) << 20) - offset;
                self.0.borrow_at(offset, max_len.min(room as usize))
            } else {
                None
            }
        }
    }

    #[test]
    fn borrowed_and_copied_chunks_hash_alike() {
        let data: Vec<u8> = (0..(40usize << 20) + 777)
            .map(|i| (i * 13 % 253) as u8)
            .collect();
        let expected = blake3::hash(&data);
        assert_eq!(hash_virtual(&data).unwrap(), expected, "all borrowed");
        assert_eq!(hash_virtual(&Patchy(data)).unwrap(), expected, "mixed");
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn file_hash_across_mapping_windows_equals_b3sum() {
        let dir = vhdlint_testkit::scratch_dir("hash-file-windows");
        for size in [0usize, 1, HASH_WINDOW, HASH_WINDOW + 4097] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 241) as u8).collect();
            let path = dir.join(format!("f{size}"));
            std::fs::write(&path, &data).unwrap();
            assert_eq!(
                hash_file(&path).unwrap(),
                blake3::hash(&data),
                "size {size}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn virtual_hash_equals_plain_blake3() {
        for size in [
            0usize,
            1,
            4095,
            HASH_CHUNK,
            HASH_CHUNK + 12345,
            2 * HASH_CHUNK + 1,
        ] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            assert_eq!(
                hash_virtual(&data).unwrap(),
                blake3::hash(&data),
                "size {size}"
            );
        }
    }
}
