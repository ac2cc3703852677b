//! A per-call read budget in front of the volume a third-party parser reads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use vhdlint_container::{ReadAt, ReadError};

use crate::MAX_READ_PER_CALL;

/// Refuses reads once [`MAX_READ_PER_CALL`] bytes were read since the last [`reset`](Self::reset).
pub(crate) struct Budgeted {
    inner: Arc<dyn ReadAt>,
    used: AtomicU64,
}

impl Budgeted {
    pub(crate) fn new(inner: Arc<dyn ReadAt>) -> Self {
        Budgeted {
            inner,
            used: AtomicU64::new(0),
        }
    }

    pub(crate) fn reset(&self) {
        self.used.store(0, Ordering::Relaxed);
    }

    /// True once a read was refused since the last reset.
    pub(crate) fn exhausted(&self) -> bool {
        self.used.load(Ordering::Relaxed) > MAX_READ_PER_CALL
    }
}

impl ReadAt for Budgeted {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let before = self.used.fetch_add(buf.len() as u64, Ordering::Relaxed);
        if before.saturating_add(buf.len() as u64) > MAX_READ_PER_CALL {
            self.used.store(MAX_READ_PER_CALL + 1, Ordering::Relaxed);
            return Err(ReadError::Corrupt {
                structure: "file-system metadata",
                offset,
                message: format!("read budget of {MAX_READ_PER_CALL} bytes per call exhausted"),
            });
        }
        self.inner.read_at(offset, buf)
    }
}
