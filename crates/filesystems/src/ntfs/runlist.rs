//! Run lists ("mapping pairs") of non-resident attributes (NTFS on-disk format, "Data runs"):
//! a header byte (low nibble: bytes of the run length, high nibble: bytes of the signed LCN
//! delta; 0 ends the list), then the length and the delta. A delta of zero bytes is a sparse run.

pub(crate) use super::fault::RunlistError;

/// Most runs in one attribute record's mapping pairs. Each run takes at least 2 bytes and an
/// attribute record lives inside one file record (at most [`MAX_RECORD_SIZE`](super::MAX_RECORD_SIZE)),
/// so this only bounds a hostile record.
pub const MAX_RUNS_PER_ATTRIBUTE: usize = 32 * 1024;

/// One run: `len` clusters from virtual cluster `vcn`, at logical cluster `lcn` (`None`: sparse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub vcn: u64,
    pub len: u64,
    pub lcn: Option<u64>,
}

impl Run {
    /// First VCN after the run.
    pub fn end(&self) -> u64 {
        self.vcn.saturating_add(self.len)
    }
}

fn le_uint(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn le_int(b: &[u8]) -> i64 {
    let v = le_uint(b);
    let bits = b.len() * 8;
    if bits == 0 || bits >= 64 {
        return v as i64;
    }
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Decodes mapping pairs starting at `start_vcn`. Errors say what is wrong and at which byte.
pub(crate) fn decode(buf: &[u8], start_vcn: u64) -> Result<Vec<Run>, RunlistError> {
    let mut pos = 0usize;
    let mut vcn = start_vcn;
    let mut lcn: i64 = 0;
    let mut out = Vec::new();
    while let Some(&h) = buf.get(pos) {
        if h == 0 {
            break;
        }
        let ls = usize::from(h & 0x0F);
        let os = usize::from(h >> 4);
        if ls == 0 || ls > 8 || os > 8 {
            return Err(RunlistError::InvalidHeader { header: h, at: pos });
        }
        let len_bytes = buf
            .get(pos + 1..pos + 1 + ls)
            .ok_or(RunlistError::Truncated { at: pos })?;
        let off_bytes = buf
            .get(pos + 1 + ls..pos + 1 + ls + os)
            .ok_or(RunlistError::Truncated { at: pos })?;
        let len = le_int(len_bytes);
        if len <= 0 {
            return Err(RunlistError::InvalidLength { at: pos, len });
        }
        let len = len as u64;
        let phys = if os == 0 {
            None
        } else {
            lcn = lcn
                .checked_add(le_int(off_bytes))
                .filter(|l| *l >= 0)
                .ok_or(RunlistError::BeforeClusterZero { at: pos })?;
            Some(lcn as u64)
        };
        if out.len() >= MAX_RUNS_PER_ATTRIBUTE {
            return Err(RunlistError::TooManyRuns);
        }
        out.push(Run {
            vcn,
            len,
            lcn: phys,
        });
        vcn = vcn
            .checked_add(len)
            .ok_or(RunlistError::VcnOverflow { at: pos })?;
        pos += 1 + ls + os;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_runs_sparse_and_negative_deltas() {
        // 0x18 clusters at 0x5634; sparse 0x10; 0x20 clusters at 0x5634 - 0x100.
        let b = [
            0x21, 0x18, 0x34, 0x56, 0x01, 0x10, 0x21, 0x20, 0x00, 0xFF, 0x00,
        ];
        let r = decode(&b, 0).unwrap();
        assert_eq!(
            r,
            [
                Run {
                    vcn: 0,
                    len: 0x18,
                    lcn: Some(0x5634)
                },
                Run {
                    vcn: 0x18,
                    len: 0x10,
                    lcn: None
                },
                Run {
                    vcn: 0x28,
                    len: 0x20,
                    lcn: Some(0x5534)
                },
            ]
        );
        assert!(decode(&[0x21, 0x18], 0).is_err(), "truncated");
        assert!(
            decode(&[0x91, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0).is_err(),
            "9-byte offset"
        );
        assert!(
            decode(&[0x11, 0x01, 0xFF, 0], 0).is_err(),
            "before cluster 0"
        );
        assert!(decode(&[0x01, 0x00, 0], 0).is_err(), "zero length");
    }
}
