//! VHD (Virtual PC / Hyper-V VHD v1): fixed, dynamic and differencing disks.

use std::sync::Arc;

use crate::{Container, ContainerError, ParentOpener, ReadAt, Result};

/// True when `source` carries a VHD footer (end, legacy 511-byte end, or the copy at 0).
pub fn probe(source: &dyn ReadAt) -> Result<bool> {
    let _ = source;
    Ok(false)
}

/// Opens a VHD.
pub fn open(source: Arc<dyn ReadAt>, parents: &mut dyn ParentOpener) -> Result<Container> {
    let _ = (source, parents);
    Err(ContainerError::Unsupported {
        structure: "VHD",
        offset: 0,
        message: "not yet implemented".into(),
    })
}
