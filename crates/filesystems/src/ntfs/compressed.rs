//! LZNT1-compressed non-resident `$DATA` read as Windows returns it: the stream is cut into
//! compression units of 2^n clusters (n = 4); a unit whose clusters are all allocated is stored
//! as is, one with no allocated cluster is zeros, and one whose allocated clusters are followed
//! by sparse ones holds [`lznt1`](super::lznt1) data in the allocated ones.

use std::sync::Arc;

use vhdlint_container::read::check_bounds;
use vhdlint_container::{ReadAt, ReadError};

use super::cache::Cache;
use super::lznt1;
use super::runlist::Run;
use crate::budget::MAX_LZNT1_EXPANSION;
use crate::extents::refuse_aliasing;
use crate::FsError;

/// Largest compression unit decompressed: 1 MiB. Windows compresses only volumes with clusters
/// of at most 4 KiB in 16-cluster units (64 KiB); larger units are reported, not read.
pub const MAX_COMPRESSION_UNIT: u64 = 1 << 20;

/// Decompressed units kept per open stream (sequential reads touch each unit many times).
pub const MAX_CACHED_UNITS: usize = 16;
/// Budget of a stream's unit cache in bytes: [`MAX_CACHED_UNITS`] units of 64 KiB.
pub const UNIT_CACHE_BUDGET: u64 =
    MAX_CACHED_UNITS as u64 * ((64 << 10) + vhdlint_container::cache::ENTRY_OVERHEAD);

/// A compressed stream.
pub(crate) struct Lznt1Stream {
    source: Arc<dyn ReadAt>,
    runs: Arc<[Run]>,
    cluster: u64,
    unit_clusters: u64,
    len: u64,
    initialized: u64,
    units: Cache<u64, Arc<Vec<u8>>>,
}

impl Lznt1Stream {
    /// Refuses a unit larger than [`MAX_COMPRESSION_UNIT`], a run outside the volume and runs
    /// that map a cluster twice ([`FsError::Aliased`]: one stored cluster decoded as many
    /// units).
    pub fn new(
        source: Arc<dyn ReadAt>,
        runs: Arc<[Run]>,
        cluster: u64,
        compression_unit: u8,
        len: u64,
        initialized: u64,
        path: &str,
    ) -> Result<Self, FsError> {
        let corrupt = |message: &str| FsError::CorruptRuns {
            path: path.into(),
            message: message.into(),
        };
        let unit_clusters = 1u64
            .checked_shl(u32::from(compression_unit))
            .filter(|u| {
                u.checked_mul(cluster)
                    .is_some_and(|b| b <= MAX_COMPRESSION_UNIT)
            })
            .ok_or_else(|| corrupt("compression unit too large"))?;
        let mut ranges = Vec::new();
        for r in runs.iter() {
            if let Some(l) = r.lcn {
                let start = l.checked_mul(cluster);
                let end = l.checked_add(r.len).and_then(|e| e.checked_mul(cluster));
                match (start, end) {
                    (Some(s), Some(e)) if e <= source.len() => ranges.push((s, e - s)),
                    _ => return Err(corrupt("compressed runs lie outside the volume")),
                }
            }
        }
        refuse_aliasing(ranges.into_iter(), path)?;
        Ok(Lznt1Stream {
            source,
            runs,
            cluster,
            unit_clusters,
            len,
            initialized: initialized.min(len),
            units: Cache::new(UNIT_CACHE_BUDGET),
        })
    }

    fn unit(&self, u: u64) -> Result<Arc<Vec<u8>>, ReadError> {
        if let Some(d) = self.units.get(&u) {
            return Ok(d);
        }
        let first = u.saturating_mul(self.unit_clusters);
        let end = first.saturating_add(self.unit_clusters);
        let unit_bytes = (self.unit_clusters * self.cluster) as usize;
        let mut pieces = Vec::new();
        let mut allocated = 0u64;
        let mut i = self.runs.partition_point(|r| r.end() <= first);
        while let Some(r) = self.runs.get(i) {
            if r.vcn >= end {
                break;
            }
            let from = r.vcn.max(first);
            let to = r.end().min(end);
            if let Some(l) = r.lcn {
                let phys = (l + (from - r.vcn)) * self.cluster;
                pieces.push((phys, (to - from) * self.cluster));
                allocated += to - from;
            }
            i += 1;
        }
        let mut out = vec![0u8; unit_bytes];
        let stored = allocated.saturating_mul(self.cluster);
        if allocated > 0
            && allocated < self.unit_clusters
            && (unit_bytes as u64) > MAX_LZNT1_EXPANSION.saturating_mul(stored)
        {
            return Err(ReadError::Corrupt {
                structure: "NTFS LZNT1 compression unit",
                offset: pieces.first().map_or(0, |p| p.0),
                message: format!(
                    "unit {u} would decode {unit_bytes} bytes from {stored} stored bytes, \
                     over the expansion cap of {MAX_LZNT1_EXPANSION}x"
                ),
            });
        }
        if allocated == self.unit_clusters {
            let mut at = 0usize;
            for (phys, n) in pieces {
                let n = n as usize;
                if let Some(d) = out.get_mut(at..at + n) {
                    self.source.read_at(phys, d)?;
                }
                at += n;
            }
        } else if let Some(&(unit_at, _)) = pieces.first().filter(|_| allocated > 0) {
            let mut comp = vec![0u8; (allocated * self.cluster) as usize];
            let mut at = 0usize;
            for (phys, n) in &pieces {
                let n = *n as usize;
                if let Some(d) = comp.get_mut(at..at + n) {
                    self.source.read_at(*phys, d)?;
                }
                at += n;
            }
            lznt1::decompress(&comp, &mut out).map_err(|e| ReadError::Corrupt {
                structure: "NTFS LZNT1 compression unit",
                offset: unit_at,
                message: e.to_string(),
            })?;
        }
        let out = Arc::new(out);
        self.units.insert(u, out.clone(), out.len() as u64);
        Ok(out)
    }
}

impl ReadAt for Lznt1Stream {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        let unit_bytes = self.unit_clusters * self.cluster;
        let mut pos = offset;
        let mut rest = buf;
        while !rest.is_empty() {
            let u = pos / unit_bytes;
            let within = (pos % unit_bytes) as usize;
            let n = (unit_bytes as usize - within).min(rest.len());
            let (now, later) = rest.split_at_mut(n);
            if pos >= self.initialized {
                now.fill(0);
            } else {
                let data = self.unit(u)?;
                if let Some(s) = data.get(within..within + n) {
                    now.copy_from_slice(s);
                }
                let valid = usize::try_from(self.initialized - pos).unwrap_or(usize::MAX);
                if let Some(t) = now.get_mut(valid..) {
                    t.fill(0);
                }
            }
            pos += n as u64;
            rest = later;
        }
        Ok(())
    }
}
