//! Entry points shared by the fuzz targets (`fuzz/`) and the test that replays their inputs, so
//! both run exactly the same code. Each walks the whole API and ignores `Err`: only a panic, a
//! hang or an unbounded allocation is a finding.

use std::sync::Arc;

use crate::{hash, open_source, vhd, vhdx, NoParents, ReadAt, Result};

/// Which opener a fuzz input goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Format detection, then the detected reader.
    Detect,
    /// The VHD reader, whatever the bytes.
    Vhd,
    /// The VHDX reader, whatever the bytes.
    Vhdx,
}

/// Largest virtual disk hashed whole per input (keeps executions fast: at 16 MiB the targets ran
/// about 30 executions per second on the 8 MiB fixtures); larger disks get spread reads.
const MAX_HASHED: u64 = 2 << 20;
/// Reads spread over a larger disk.
const SPREAD_READS: u64 = 64;

/// Opens `data` through `entry` and reads the virtual disk: whole when small, else at spread
/// offsets, plus the first and last sectors.
pub fn exercise(entry: Entry, data: &[u8]) {
    let _ = exercise_result(entry, data);
}

fn exercise_result(entry: Entry, data: &[u8]) -> Result<()> {
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    let mut parents = NoParents;
    let container = match entry {
        Entry::Detect => open_source(source, &mut parents)?,
        Entry::Vhd => vhd::open(source, &mut parents)?,
        Entry::Vhdx => vhdx::open(source, &mut parents)?,
    };
    let len = container.len();
    let _ = format!("{:?}", container.info());
    if len <= MAX_HASHED {
        let _ = hash::hash_virtual(&container);
        return Ok(());
    }
    let mut buf = vec![0u8; 4096];
    let step = len / SPREAD_READS;
    for i in 0..=SPREAD_READS {
        let offset = (i * step).min(len.saturating_sub(4096));
        let _ = container.read_at(offset, &mut buf);
    }
    let mut sector = [0u8; 512];
    let _ = container.read_at(len.saturating_sub(512), &mut sector);
    // A read crossing the end must fail cleanly.
    let _ = container.read_at(len.saturating_sub(100), &mut sector);
    Ok(())
}
