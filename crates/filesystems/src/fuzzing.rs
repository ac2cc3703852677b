//! Entry point shared by the `filesystems` fuzz target and the test replaying its inputs.

use std::sync::Arc;

use crate::{mount, FileData, FileSystem};

/// Most directory entries visited per input.
const MAX_VISITS: usize = 256;
/// Bytes read from each file.
const READ_LEN: usize = 4096;

/// Mounts `data` as a volume and walks it: lists directories breadth-first, stats and opens
/// every file, reads its first bytes and its streams.
pub fn exercise(data: &[u8]) {
    let Ok(fs) = mount(Arc::new(data.to_vec())) else {
        return;
    };
    let _ = fs.label();
    walk(&*fs);
}

fn walk(fs: &dyn FileSystem) {
    let mut queue = vec![String::new()];
    let mut visits = 0;
    while let Some(dir) = queue.pop() {
        let Ok(entries) = fs.list(&dir) else {
            continue;
        };
        for e in entries {
            visits += 1;
            if visits > MAX_VISITS {
                return;
            }
            let path = format!("{dir}/{}", e.name);
            let _ = fs.stat(&path);
            if e.is_dir {
                queue.push(path);
                continue;
            }
            for stream in std::iter::once(None).chain(e.streams.iter().map(|s| Some(s.as_str()))) {
                if let Ok(FileData::Content(d)) = fs.open(&path, stream) {
                    let mut buf = vec![0u8; READ_LEN.min(usize::try_from(d.len()).unwrap_or(0))];
                    let _ = d.read_at(0, &mut buf);
                }
            }
        }
    }
}
