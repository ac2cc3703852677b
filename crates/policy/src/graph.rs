//! Microsoft Graph `cloudPcDeviceImage` vocabulary, spelled exactly as Graph's CSDL spells it.
//!
//! Source: `microsoftgraph/msgraph-metadata`, the `cloudPcDeviceImageErrorCode`,
//! `cloudPcDeviceImageOsStatus` and `cloudPcDeviceImageStatus` enum types (an excerpt is in
//! `../shared/corpus/graph/cloudPcDeviceImage.csdl.xml`; a test compares this module with it).

use serde::Serialize;

/// `cloudPcDeviceImageErrorCode`, member for member, with the CSDL member names and values.
///
/// Note the CSDL spelling [`GraphErrorCode::VmAlreadyAzureAdjoined`] = `vmAlreadyAzureAdjoined`
/// (lower-case `j`); Graph's documentation tables write `vmAlreadyAzureAdJoined`.
/// [`GraphErrorCode::parse`] accepts both.
///
/// vhdlint's rules emit only the codes in [`crate::ERROR_CODE_PRECEDENCE`]. Never emitted:
/// - [`GraphErrorCode::PaidSourceImageNotSupport`]: whether an image was built from a paid Azure
///   Marketplace image is ARM metadata (the purchase plan on the VM, image or gallery
///   definition), not written anywhere on the OS disk, so it **cannot be decided offline**
///   (windows-image-facts §9).
/// - `internalServerError`, `sourceImageNotFound`, `unknownFutureValue`: service-side states; a
///   vhdlint failure or a missing file is a tool error (exit code 2), not an image finding.
/// - The beta members after `unknownFutureValue` for data disks, disk encryption sets, Azure
///   Disk Encryption, FSLogix and the Start-menu app limit: no rule checks them yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum GraphErrorCode {
    /// `internalServerError` (0).
    #[serde(rename = "internalServerError")]
    InternalServerError = 0,
    /// `sourceImageNotFound` (1): the source image is not accessible.
    #[serde(rename = "sourceImageNotFound")]
    SourceImageNotFound = 1,
    /// `osVersionNotSupported` (2): OS, version or edition not supported.
    #[serde(rename = "osVersionNotSupported")]
    OsVersionNotSupported = 2,
    /// `sourceImageInvalid` (3): "invalid for provisioning a Windows VM".
    #[serde(rename = "sourceImageInvalid")]
    SourceImageInvalid = 3,
    /// `sourceImageNotGeneralized` (4).
    #[serde(rename = "sourceImageNotGeneralized")]
    SourceImageNotGeneralized = 4,
    /// `unknownFutureValue` (5): evolvable-enum sentinel.
    #[serde(rename = "unknownFutureValue")]
    UnknownFutureValue = 5,
    /// `vmAlreadyAzureAdjoined` (6): the source VM was joined to Microsoft Entra.
    #[serde(rename = "vmAlreadyAzureAdjoined")]
    VmAlreadyAzureAdjoined = 6,
    /// `paidSourceImageNotSupport` (7): built from a paid Marketplace image. Never emitted:
    /// not decidable offline.
    #[serde(rename = "paidSourceImageNotSupport")]
    PaidSourceImageNotSupport = 7,
    /// `sourceImageNotSupportCustomizeVMName` (8): a computer-name setting prevents naming the VM.
    #[serde(rename = "sourceImageNotSupportCustomizeVMName")]
    SourceImageNotSupportCustomizeVmName = 8,
    /// `sourceImageSizeExceedsLimitation` (9).
    #[serde(rename = "sourceImageSizeExceedsLimitation")]
    SourceImageSizeExceedsLimitation = 9,
    /// `sourceImageWithDataDiskNotSupported` (10, beta).
    #[serde(rename = "sourceImageWithDataDiskNotSupported")]
    SourceImageWithDataDiskNotSupported = 10,
    /// `sourceImageWithDiskEncryptionSetNotSupported` (11, beta).
    #[serde(rename = "sourceImageWithDiskEncryptionSetNotSupported")]
    SourceImageWithDiskEncryptionSetNotSupported = 11,
    /// `sourceImageWithAzureDiskEncryptionNotSupported` (12, beta).
    #[serde(rename = "sourceImageWithAzureDiskEncryptionNotSupported")]
    SourceImageWithAzureDiskEncryptionNotSupported = 12,
    /// `fSLogixInstalledSourceImageNotSupported` (13, beta).
    #[serde(rename = "fSLogixInstalledSourceImageNotSupported")]
    FsLogixInstalledSourceImageNotSupported = 13,
    /// `startMenuAppLimitExceeded` (14, beta).
    #[serde(rename = "startMenuAppLimitExceeded")]
    StartMenuAppLimitExceeded = 14,
}

impl GraphErrorCode {
    /// Every member, in CSDL order.
    pub const ALL: [GraphErrorCode; 15] = [
        GraphErrorCode::InternalServerError,
        GraphErrorCode::SourceImageNotFound,
        GraphErrorCode::OsVersionNotSupported,
        GraphErrorCode::SourceImageInvalid,
        GraphErrorCode::SourceImageNotGeneralized,
        GraphErrorCode::UnknownFutureValue,
        GraphErrorCode::VmAlreadyAzureAdjoined,
        GraphErrorCode::PaidSourceImageNotSupport,
        GraphErrorCode::SourceImageNotSupportCustomizeVmName,
        GraphErrorCode::SourceImageSizeExceedsLimitation,
        GraphErrorCode::SourceImageWithDataDiskNotSupported,
        GraphErrorCode::SourceImageWithDiskEncryptionSetNotSupported,
        GraphErrorCode::SourceImageWithAzureDiskEncryptionNotSupported,
        GraphErrorCode::FsLogixInstalledSourceImageNotSupported,
        GraphErrorCode::StartMenuAppLimitExceeded,
    ];

    /// The CSDL member name.
    pub fn as_str(self) -> &'static str {
        match self {
            GraphErrorCode::InternalServerError => "internalServerError",
            GraphErrorCode::SourceImageNotFound => "sourceImageNotFound",
            GraphErrorCode::OsVersionNotSupported => "osVersionNotSupported",
            GraphErrorCode::SourceImageInvalid => "sourceImageInvalid",
            GraphErrorCode::SourceImageNotGeneralized => "sourceImageNotGeneralized",
            GraphErrorCode::UnknownFutureValue => "unknownFutureValue",
            GraphErrorCode::VmAlreadyAzureAdjoined => "vmAlreadyAzureAdjoined",
            GraphErrorCode::PaidSourceImageNotSupport => "paidSourceImageNotSupport",
            GraphErrorCode::SourceImageNotSupportCustomizeVmName => {
                "sourceImageNotSupportCustomizeVMName"
            }
            GraphErrorCode::SourceImageSizeExceedsLimitation => "sourceImageSizeExceedsLimitation",
            GraphErrorCode::SourceImageWithDataDiskNotSupported => {
                "sourceImageWithDataDiskNotSupported"
            }
            GraphErrorCode::SourceImageWithDiskEncryptionSetNotSupported => {
                "sourceImageWithDiskEncryptionSetNotSupported"
            }
            GraphErrorCode::SourceImageWithAzureDiskEncryptionNotSupported => {
                "sourceImageWithAzureDiskEncryptionNotSupported"
            }
            GraphErrorCode::FsLogixInstalledSourceImageNotSupported => {
                "fSLogixInstalledSourceImageNotSupported"
            }
            GraphErrorCode::StartMenuAppLimitExceeded => "startMenuAppLimitExceeded",
        }
    }

    /// The CSDL member value.
    pub fn value(self) -> u8 {
        self as u8
    }

    /// Parses a member name case-insensitively, so the documentation spelling
    /// `vmAlreadyAzureAdJoined` is accepted too.
    pub fn parse(name: &str) -> Option<GraphErrorCode> {
        GraphErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for GraphErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `cloudPcDeviceImageOsStatus` members vhdlint emits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OsStatus {
    /// The OS version is in servicing on the `as_of` date.
    Supported,
    /// The OS version is past its end of servicing ("OS is expired, but Cloud PC continues
    /// support"); custom images never become "unsupported".
    SupportedWithWarning,
    /// The version cannot be matched to the servicing table (unknown or newer build, a non-client
    /// OS, an edition whose dates are not in the table, or no Windows found).
    #[default]
    Unknown,
}

impl OsStatus {
    /// The CSDL member name.
    pub fn as_str(self) -> &'static str {
        match self {
            OsStatus::Supported => "supported",
            OsStatus::SupportedWithWarning => "supportedWithWarning",
            OsStatus::Unknown => "unknown",
        }
    }
}

/// `cloudPcDeviceImageStatus` members vhdlint emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ImageStatus {
    /// No finding at error severity.
    Ready,
    /// At least one finding at error severity.
    Failed,
}

impl ImageStatus {
    /// The CSDL member name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Ready => "ready",
            ImageStatus::Failed => "failed",
        }
    }
}
