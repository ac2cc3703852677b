//! Entry point shared by the `volumes` fuzz target and the test replaying its inputs.

use crate::read_partitions;

/// Reads the partition table of `data` at both sector sizes, touching every entry.
pub fn exercise(data: &[u8]) {
    let disk = data.to_vec();
    for sector in [512, 4096] {
        if let Ok(t) = read_partitions(&disk, sector) {
            let _ = format!("{t:?}");
            for p in &t.entries {
                let _ = p.end_offset();
                let _ = p.kind.as_str();
            }
        }
    }
}
