//! Marvin32, the keyed hash Windows uses for the two hashes of a new-format log entry
//! (spec §Log entries: "Hash-1/Hash-2 … Marvin32 hash of the data … with the seed
//! 0x82EF4D887A4E55C5"). Algorithm as published with the .NET runtime and SymCrypt.

/// The seed the registry uses for log entries (spec §Log entries).
pub const REGISTRY_SEED: u64 = 0x82EF_4D88_7A4E_55C5;

fn mix(lo: &mut u32, hi: &mut u32, v: u32) {
    *lo = lo.wrapping_add(v);
    *hi ^= *lo;
    *lo = lo.rotate_left(20).wrapping_add(*hi);
    *hi = hi.rotate_left(9) ^ *lo;
    *lo = lo.rotate_left(27).wrapping_add(*hi);
    *hi = hi.rotate_left(19);
}

/// Marvin32 of `data` with `seed`: the high half of the result is the second state word.
pub fn marvin32(data: &[u8], seed: u64) -> u64 {
    let mut lo = seed as u32;
    let mut hi = (seed >> 32) as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let v = u32::from_le_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
            c.get(2).copied().unwrap_or(0),
            c.get(3).copied().unwrap_or(0),
        ]);
        mix(&mut lo, &mut hi, v);
    }
    // The 0..3 tail bytes, little-endian, followed by a 0x80 marker byte.
    let fin = chunks
        .remainder()
        .iter()
        .rev()
        .fold(0x80u32, |acc, &b| (acc << 8) | u32::from(b));
    mix(&mut lo, &mut hi, fin);
    mix(&mut lo, &mut hi, 0);
    (u64::from(hi) << 32) | u64::from(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = marvin32(b"HvLE0123456789abcdefghijklmnopqr", REGISTRY_SEED);
        assert_eq!(
            a,
            marvin32(b"HvLE0123456789abcdefghijklmnopqr", REGISTRY_SEED)
        );
        assert_ne!(a, marvin32(b"HvLE0123456789abcdefghijklmnopqr", 1));
        assert_ne!(
            a,
            marvin32(b"HvLE0123456789abcdefghijklmnopqR", REGISTRY_SEED)
        );
        // Tails of 1..3 bytes all count.
        assert_ne!(marvin32(b"abcde", 7), marvin32(b"abcdf", 7));
        assert_ne!(marvin32(b"abcdefg", 7), marvin32(b"abcdefh", 7));
        // Real log entries are verified end to end by the replay tests (yarp's hives).
    }
}
