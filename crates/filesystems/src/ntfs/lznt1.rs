//! LZNT1 (MS-XCA 2.5): NTFS compression of non-resident `$DATA` in compression units of 16
//! clusters. A unit's stored bytes are a sequence of chunks, each a 2-byte header (bit 15:
//! compressed; bits 0–11: chunk size − 3) and up to 4,096 bytes of output; a zero header ends it.

pub(crate) use super::fault::{ChunkFault, Lznt1Error};

/// Uncompressed bytes per chunk (MS-XCA 2.5.1.1).
pub const CHUNK_SIZE: usize = 4096;

/// Decompresses `input` into `out` (pre-zeroed, one compression unit). Bytes after the last chunk
/// stay zero. Errors name the byte of `input` where the stream is wrong.
pub(crate) fn decompress(input: &[u8], out: &mut [u8]) -> Result<(), Lznt1Error> {
    let mut ip = 0usize;
    let mut chunk = 0usize;
    while chunk < out.len() {
        let Some(h) = input.get(ip..ip + 2) else {
            break;
        };
        let header = u16::from_le_bytes([
            h.first().copied().unwrap_or(0),
            h.get(1).copied().unwrap_or(0),
        ]);
        if header == 0 {
            break;
        }
        let size = usize::from(header & 0x0FFF) + 1;
        let data = input
            .get(ip + 2..ip + 2 + size)
            .ok_or(Lznt1Error::ChunkTruncated { at: ip, size })?;
        let end = chunk.saturating_add(CHUNK_SIZE).min(out.len());
        let dst = out
            .get_mut(chunk..end)
            .ok_or(Lznt1Error::ChunkPastUnit { at: ip })?;
        if header & 0x8000 == 0 {
            let n = data.len().min(dst.len());
            if let (Some(d), Some(s)) = (dst.get_mut(..n), data.get(..n)) {
                d.copy_from_slice(s);
            }
        } else {
            chunk_decompress(data, dst).map_err(|fault| Lznt1Error::Chunk { at: ip, fault })?;
        }
        ip += 2 + size;
        chunk += CHUNK_SIZE;
    }
    Ok(())
}

fn chunk_decompress(data: &[u8], dst: &mut [u8]) -> Result<(), ChunkFault> {
    let mut ip = 0usize;
    let mut op = 0usize;
    while op < dst.len() {
        let Some(&flags) = data.get(ip) else { break };
        ip += 1;
        for bit in 0..8 {
            if op >= dst.len() {
                break;
            }
            if flags >> bit & 1 == 0 {
                let Some(&b) = data.get(ip) else {
                    return Ok(());
                };
                if let Some(d) = dst.get_mut(op) {
                    *d = b;
                }
                ip += 1;
                op += 1;
            } else {
                let Some(t) = data.get(ip..ip + 2) else {
                    return Ok(());
                };
                let token = u16::from_le_bytes([
                    t.first().copied().unwrap_or(0),
                    t.get(1).copied().unwrap_or(0),
                ]);
                ip += 2;
                if op == 0 {
                    return Err(ChunkFault::BeforeOutput);
                }
                let mut lmask: u16 = 0x0FFF;
                let mut dshift = 12u32;
                let mut i = op - 1;
                while i >= 0x10 {
                    lmask >>= 1;
                    dshift -= 1;
                    i >>= 1;
                }
                let len = usize::from(token & lmask) + 3;
                let off = usize::from(token >> dshift) + 1;
                if off > op {
                    return Err(ChunkFault::TooFarBack { offset: off, op });
                }
                for _ in 0..len {
                    if op >= dst.len() {
                        break;
                    }
                    let b = dst.get(op - off).copied().unwrap_or(0);
                    if let Some(d) = dst.get_mut(op) {
                        *d = b;
                    }
                    op += 1;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompresses_literals_and_back_references() {
        // "abcabcabcabc": 3 literals then a back-reference of offset 3, length 9.
        // Flag byte 0b1000 (4th token is a reference); token: offset-1 = 2 in the top bits
        // (dshift 12 at op 3), length-3 = 6.
        let token: u16 = (2 << 12) | 6;
        let mut chunk = vec![0x08, b'a', b'b', b'c'];
        chunk.extend_from_slice(&token.to_le_bytes());
        let header: u16 = 0x8000 | 0x3000 | (chunk.len() as u16 - 1);
        let mut input = header.to_le_bytes().to_vec();
        input.extend_from_slice(&chunk);
        input.extend_from_slice(&[0, 0]);
        let mut out = vec![0u8; 16];
        decompress(&input, &mut out).unwrap();
        assert_eq!(&out[..12], b"abcabcabcabc");
        assert_eq!(&out[12..], &[0; 4]);
        // A reference before any output, a chunk past the end.
        let mut bad = input.clone();
        bad[2] = 0x01;
        assert!(decompress(&bad, &mut out).is_err());
        assert!(decompress(&input[..5], &mut out).is_err());
    }
}
