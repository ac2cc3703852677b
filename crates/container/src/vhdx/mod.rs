//! VHDX (MS-VHDX): fixed, dynamic and differencing disks, with log replay into memory.

use std::sync::Arc;

use crate::{Container, ContainerError, ParentOpener, ReadAt, Result};

/// File type identifier signature at offset 0 (MS-VHDX 2.2.1).
pub const FILE_SIGNATURE: &[u8; 8] = b"vhdxfile";

/// Opens a VHDX.
pub fn open(source: Arc<dyn ReadAt>, parents: &mut dyn ParentOpener) -> Result<Container> {
    let _ = (source, parents);
    Err(ContainerError::Unsupported {
        structure: "VHDX",
        offset: 0,
        message: "not yet implemented".into(),
    })
}
