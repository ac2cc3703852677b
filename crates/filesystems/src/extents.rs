//! A file's bytes as a lazy [`ReadAt`] over the volume: a list of extents (NTFS data runs).

use std::sync::Arc;

use vhdlint_container::read::check_bounds;
use vhdlint_container::{ReadAt, ReadError};

use crate::{FsError, Result};

/// Most extents accepted for one stream. A heavily fragmented multi-GiB file has a few
/// thousand data runs; a quarter million is far beyond any real file and keeps the list small
/// (24 bytes each).
pub const MAX_EXTENTS: usize = 1 << 18;

/// One contiguous piece of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Offset of the piece within the stream.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// Where the piece is on the volume; `None` for a sparse (unallocated, zero) piece.
    pub physical: Option<u64>,
}

/// A stream read through its extents: sparse pieces read as zeros, reads stop at the data size.
pub struct Extents {
    volume: Arc<dyn ReadAt>,
    extents: Vec<Extent>,
    len: u64,
    initialized: u64,
}

impl std::fmt::Debug for Extents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extents")
            .field("len", &self.len)
            .field("extents", &self.extents.len())
            .finish_non_exhaustive()
    }
}

impl Extents {
    /// Checks that `extents` are contiguous from 0, lie inside `volume`, and cover `len` bytes.
    pub fn new(
        volume: Arc<dyn ReadAt>,
        extents: Vec<Extent>,
        len: u64,
        path: &str,
    ) -> Result<Self> {
        let corrupt = |message: String| FsError::CorruptRuns {
            path: path.into(),
            message,
        };
        let mut expected = 0u64;
        for e in &extents {
            if e.offset != expected {
                return Err(corrupt(format!(
                    "extent at stream offset {:#x}, expected {expected:#x}",
                    e.offset
                )));
            }
            if let Some(p) = e.physical {
                if p.checked_add(e.len).is_none_or(|end| end > volume.len()) {
                    return Err(corrupt(format!(
                        "run at volume offset {p:#x} (+{:#x}) ends past the {:#x}-byte volume",
                        e.len,
                        volume.len()
                    )));
                }
            }
            expected = e
                .offset
                .checked_add(e.len)
                .ok_or_else(|| corrupt("extent lengths overflow".into()))?;
        }
        if expected < len {
            return Err(corrupt(format!(
                "runs cover {expected:#x} bytes, data size is {len:#x}"
            )));
        }
        refuse_aliasing(
            extents
                .iter()
                .filter_map(|e| e.physical.map(|p| (p, e.len))),
            path,
        )?;
        Ok(Extents {
            volume,
            extents,
            len,
            initialized: len,
        })
    }

    /// Bytes past `initialized` read as zeros (NTFS "initialized size" below the data size).
    pub fn with_initialized(mut self, initialized: u64) -> Self {
        self.initialized = initialized.min(self.len);
        self
    }

    /// Where stream byte `pos` lies on the volume (`None` when sparse or past the end).
    pub fn physical(&self, pos: u64) -> Option<u64> {
        let i = self
            .extents
            .partition_point(|e| e.offset.saturating_add(e.len) <= pos);
        let e = self.extents.get(i)?;
        e.physical?.checked_add(pos.checked_sub(e.offset)?)
    }

    /// The extents.
    pub fn extents(&self) -> &[Extent] {
        &self.extents
    }
}

impl ReadAt for Extents {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        let mut pos = offset;
        let mut rest = buf;
        while !rest.is_empty() {
            let i = self
                .extents
                .partition_point(|e| e.offset.saturating_add(e.len) <= pos);
            let e = self.extents.get(i).ok_or(ReadError::OutOfBounds {
                offset: pos,
                len: rest.len() as u64,
                size: self.len,
            })?;
            let within = pos - e.offset;
            let n = usize::try_from(e.len - within).map_or(rest.len(), |r| r.min(rest.len()));
            let (now, later) = rest.split_at_mut(n);
            if pos >= self.initialized {
                now.fill(0);
            } else {
                match e.physical {
                    None => now.fill(0),
                    Some(p) => self.volume.read_at(p + within, now)?,
                }
                let valid = usize::try_from(self.initialized - pos).unwrap_or(usize::MAX);
                if let Some(tail) = now.get_mut(valid..) {
                    tail.fill(0);
                }
            }
            pos += n as u64;
            rest = later;
        }
        Ok(())
    }
}

/// Refuses volume ranges `(offset, len)` of one stream that overlap: a run list mapping a
/// cluster twice (NTFS forbids it) would make the same bytes count as new data again and again
/// (a 4 GiB `$MFT` or file from one cluster). Sorted once: O(n log n), never a pairwise scan.
pub(crate) fn refuse_aliasing(ranges: impl Iterator<Item = (u64, u64)>, path: &str) -> Result<()> {
    let mut r: Vec<(u64, u64)> = ranges.filter(|(_, len)| *len > 0).collect();
    r.sort_unstable();
    let mut prev: Option<(u64, u64)> = None;
    for &(start, len) in &r {
        if let Some((p, end)) = prev {
            if start < end {
                return Err(FsError::Aliased {
                    structure: "NTFS run list",
                    path: path.into(),
                    what: "volume bytes",
                    first: p,
                    second: start,
                });
            }
        }
        prev = Some((start, start.saturating_add(len)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_across_extents_and_sparse() {
        let vol: Arc<dyn ReadAt> = Arc::new((0..=255u8).collect::<Vec<u8>>());
        let ex = Extents::new(
            vol.clone(),
            vec![
                Extent {
                    offset: 0,
                    len: 4,
                    physical: Some(100),
                },
                Extent {
                    offset: 4,
                    len: 4,
                    physical: None,
                },
                Extent {
                    offset: 8,
                    len: 8,
                    physical: Some(10),
                },
            ],
            14,
            "f",
        )
        .unwrap();
        let mut b = [9u8; 14];
        ex.read_at(0, &mut b).unwrap();
        assert_eq!(b, [100, 101, 102, 103, 0, 0, 0, 0, 10, 11, 12, 13, 14, 15]);
        assert!(ex.read_at(10, &mut [0; 5]).is_err());
        assert!(Extents::new(
            vol.clone(),
            vec![Extent {
                offset: 0,
                len: 4,
                physical: Some(254)
            }],
            4,
            "f"
        )
        .is_err());
        assert!(Extents::new(
            vol,
            vec![Extent {
                offset: 1,
                len: 4,
                physical: None
            }],
            4,
            "f"
        )
        .is_err());
    }
}
