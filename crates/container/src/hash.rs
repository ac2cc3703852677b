//! BLAKE3 of a container file (as `b3sum` prints it) and of a virtual disk's logical bytes.

use std::io;
use std::path::Path;

use crate::read::{ReadAt, ReadError};

/// Bytes read per step while hashing a virtual disk; two buffers of this size are live.
pub const HASH_CHUNK: usize = 16 << 20;

/// BLAKE3 of a file's bytes, memory-mapped and hashed on all cores (equals `b3sum`).
pub fn hash_file(path: &Path) -> io::Result<blake3::Hash> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_mmap_rayon(path)?;
    Ok(hasher.finalize())
}

/// BLAKE3 of the virtual disk's logical bytes (unallocated reads as zeros, differencing disks
/// through their parents): format-independent, so a raw, VHD and VHDX of one disk agree.
///
/// Reading the next chunk overlaps with hashing the current one.
pub fn hash_virtual(disk: &dyn ReadAt) -> Result<blake3::Hash, ReadError> {
    let len = disk.len();
    let mut hasher = blake3::Hasher::new();
    let mut current = vec![0u8; chunk_len(0, len)];
    disk.read_at(0, &mut current)?;
    let mut offset = current.len() as u64;
    let mut next = Vec::with_capacity(HASH_CHUNK.min(usize::try_from(len).unwrap_or(HASH_CHUNK)));
    while !current.is_empty() {
        let n = chunk_len(offset, len);
        next.resize(n, 0);
        let (_, read) = rayon::join(
            || {
                hasher.update_rayon(&current);
            },
            || disk.read_at(offset, &mut next),
        );
        read?;
        offset += n as u64;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(hasher.finalize())
}

fn chunk_len(offset: u64, len: u64) -> usize {
    usize::try_from(len.saturating_sub(offset)).map_or(HASH_CHUNK, |r| r.min(HASH_CHUNK))
}

#[cfg(test)]
mod tests {
    use super::*;

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
