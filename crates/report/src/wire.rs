//! JSON wire types (`inspect --format json`).

use serde::Serialize;
use vhdlint_container::{ContainerInfo, Diagnostic};

/// Version of the JSON documents vhdlint prints; bumped only when a field's meaning changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The `inspect` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectJson {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The image as named on the command line (deprecated: the same as `image`).
    pub path: String,
    /// The image as named on the command line (the name `check` and `ls` use).
    pub image: String,
    /// The container, when it could be read.
    pub container: Option<ContainerJson>,
    /// The partition table, when it could be read.
    pub partitions: Option<crate::volumes::PartitionsJson>,
    /// The BCD store's default boot entry, when a store was found.
    pub bcd: Option<crate::registry::BcdJson>,
    /// Why the image could not be read, when it could not.
    pub error: Option<ErrorJson>,
}

/// A failure to read an image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorJson {
    /// The whole message, outermost first.
    pub message: String,
}

/// The `container` object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerJson {
    /// `raw`, `vhd` or `vhdx`.
    pub format: &'static str,
    /// `fixed`, `dynamic` or `differencing`.
    pub disk_type: &'static str,
    /// Virtual disk size in bytes.
    pub virtual_size: u64,
    /// Logical sector size in bytes.
    pub logical_sector_size: u32,
    /// Physical sector size in bytes.
    pub physical_sector_size: u32,
    /// Block size in bytes, or null.
    pub block_size: Option<u32>,
    /// Container file size in bytes.
    pub file_size: u64,
    /// The parent of a differencing disk, or null.
    pub parent: Option<ParentJson>,
    /// True when a VHDX log was replayed (in memory) to read the disk.
    pub log_replayed: bool,
    /// Anomalies the reader tolerated.
    pub diagnostics: Vec<DiagnosticJson>,
    /// VHD footer UniqueId or VHDX DataWriteGuid, or null.
    pub identity: Option<String>,
    /// Creator the file names (VHD creator application, VHDX creator string), or null.
    pub creator: Option<String>,
    /// VHD: the size the CHS geometry gives, or null.
    pub chs_size: Option<u64>,
}

/// The `parent` object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentJson {
    /// Path of the parent file opened.
    pub path: String,
    /// Its format.
    pub format: &'static str,
}

/// One diagnostic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticJson {
    /// Stable code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// File offset, or null.
    pub offset: Option<u64>,
}

impl From<&Diagnostic> for DiagnosticJson {
    fn from(d: &Diagnostic) -> Self {
        DiagnosticJson {
            code: d.code,
            message: d.message.clone(),
            offset: d.offset,
        }
    }
}

impl From<&ContainerInfo> for ContainerJson {
    fn from(i: &ContainerInfo) -> Self {
        ContainerJson {
            format: i.format.as_str(),
            disk_type: i.disk_type.as_str(),
            virtual_size: i.virtual_size,
            logical_sector_size: i.logical_sector_size,
            physical_sector_size: i.physical_sector_size,
            block_size: i.block_size,
            file_size: i.file_size,
            parent: i.parent.as_ref().map(|p| ParentJson {
                path: p.path.display().to_string(),
                format: p.format.as_str(),
            }),
            log_replayed: i.log_replayed,
            diagnostics: i.diagnostics.iter().map(DiagnosticJson::from).collect(),
            identity: i.identity.map(|g| g.to_string()),
            creator: i.creator.clone(),
            chs_size: i.chs_size,
        }
    }
}
