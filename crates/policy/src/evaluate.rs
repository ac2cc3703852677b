//! [`evaluate()`]: all rules over one image's facts, the Graph status, error code and osStatus.

use serde::Serialize;
use vhdlint_facts::ImageFacts;

use crate::date::Date;
use crate::graph::{GraphErrorCode, ImageStatus, OsStatus};
use crate::rule::{Finding, Options, Profile, RuleKind, Severity};
use crate::rules::RULES;
use crate::servicing::{Servicing, ServicingTable};

/// The order in which error codes win `errorCode` when several rules fail. Graph reports one
/// code per image; which one its pipeline reports first is undocumented, so this order follows
/// the service's upload stages as documented (copy → verify → deploy and provision), earliest
/// first \[infer\]:
///
/// 1. `sourceImageInvalid`: the disk cannot be used at all (unreadable, encrypted, Gen1,
///    recovery partition, domain/MDM state). Nothing after it is trustworthy or reachable.
/// 2. `sourceImageSizeExceedsLimitation`: decided when the image is imported into the gallery,
///    before anything boots.
/// 3. `osVersionNotSupported`: decided from the image's OS metadata before provisioning.
/// 4. `sourceImageNotGeneralized`: found when the first VM is provisioned.
/// 5. `vmAlreadyAzureAdjoined`: found while the provisioned VM joins.
/// 6. `sourceImageNotSupportCustomizeVMName`: found when the VM name is applied (specialize).
///
/// Every code a rule can emit is in this list (a test checks it);
/// `paidSourceImageNotSupport` is not, because no rule emits it (not decidable offline).
pub const ERROR_CODE_PRECEDENCE: &[GraphErrorCode] = &[
    GraphErrorCode::SourceImageInvalid,
    GraphErrorCode::SourceImageSizeExceedsLimitation,
    GraphErrorCode::OsVersionNotSupported,
    GraphErrorCode::SourceImageNotGeneralized,
    GraphErrorCode::VmAlreadyAzureAdjoined,
    GraphErrorCode::SourceImageNotSupportCustomizeVmName,
];

/// The result of evaluating one image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The profile evaluated.
    pub profile: Profile,
    /// The date end of servicing was judged at.
    pub as_of: Date,
    /// Every finding, in registry (rule id) order.
    pub findings: Vec<Finding>,
    /// `ready` without error findings, else `failed`.
    pub status: ImageStatus,
    /// The error code of the highest-precedence error finding ([`ERROR_CODE_PRECEDENCE`]).
    pub error_code: Option<GraphErrorCode>,
    /// Graph `osStatus`.
    pub os_status: OsStatus,
    /// The servicing-table row the OS matched, if any.
    pub servicing: Option<Servicing>,
    /// No error finding, and with `strict` no warning either: exit code 0.
    pub passed: bool,
}

impl Evaluation {
    /// The most severe finding's severity, if any finding.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// The OS's servicing status on `as_of`: `(osStatus, matched row, table verified-on date)`.
///
/// `unknown` when there is no Windows, the OS is not a Windows 10/11 client (server builds
/// collide with client builds, so server is never looked up), the build is missing, or the
/// table has no row for the build and the edition's channel (newer builds, Pro/Home). Otherwise
/// `supported` before the end-of-servicing date and `supportedWithWarning` on and after it.
pub fn os_servicing(
    facts: &ImageFacts,
    as_of: Date,
) -> (OsStatus, Option<Servicing>, Option<Date>) {
    let Some(w) = &facts.windows else {
        return (OsStatus::Unknown, None, None);
    };
    let Ok(table) = ServicingTable::embedded() else {
        return (OsStatus::Unknown, None, None);
    };
    let verified_on = Some(table.verified_on);
    if !w.is_client() {
        return (OsStatus::Unknown, None, verified_on);
    }
    let Some(build) = w.current_build.value else {
        return (OsStatus::Unknown, None, verified_on);
    };
    match table.lookup(build, w.edition_id.value.as_deref()) {
        Some(s) if as_of < s.end_of_servicing => {
            (OsStatus::Supported, Some(s.clone()), verified_on)
        }
        Some(s) => (OsStatus::SupportedWithWarning, Some(s.clone()), verified_on),
        None => (OsStatus::Unknown, None, verified_on),
    }
}

/// Runs every `check` rule of [`RULES`] for `options.profile` and derives the Graph outcome.
pub fn evaluate(facts: &ImageFacts, options: &Options) -> Evaluation {
    let findings: Vec<Finding> = RULES
        .iter()
        .filter(|rule| matches!(rule.kind, RuleKind::Check { .. }))
        .flat_map(|rule| rule.check(facts, options))
        .collect();
    let has_error = findings.iter().any(|f| f.severity == Severity::Error);
    let has_warning = findings.iter().any(|f| f.severity == Severity::Warning);
    let error_code = ERROR_CODE_PRECEDENCE.iter().copied().find(|code| {
        findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.error_code == Some(*code))
    });
    let (os_status, servicing, _) = os_servicing(facts, options.as_of);
    Evaluation {
        profile: options.profile,
        as_of: options.as_of,
        status: if has_error {
            ImageStatus::Failed
        } else {
            ImageStatus::Ready
        },
        error_code,
        os_status,
        servicing,
        passed: !(has_error || (options.strict && has_warning)),
        findings,
    }
}

/// The `@odata.type` of [`CloudPcDeviceImage`].
pub const CLOUD_PC_DEVICE_IMAGE_TYPE: &str = "#microsoft.graph.cloudPcDeviceImage";

/// What Graph would show for the image after upload (`cloudPcDeviceImage`), as far as it can be
/// known offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudPcDeviceImage {
    /// Always [`CLOUD_PC_DEVICE_IMAGE_TYPE`].
    #[serde(rename = "@odata.type")]
    pub odata_type: &'static str,
    /// The name given (the image file's stem, by default).
    pub display_name: String,
    /// The corrected marketing name ("Windows 11 Enterprise").
    pub operating_system: Option<String>,
    /// The version label ("23H2"): Graph puts the version, not the build, here.
    pub os_build_number: Option<String>,
    /// "10.0.22631.4460".
    pub os_version_number: Option<String>,
    /// `supported`, `supportedWithWarning` or `unknown`.
    pub os_status: OsStatus,
    /// `ready` or `failed`.
    pub status: ImageStatus,
    /// The first error code by [`ERROR_CODE_PRECEDENCE`], or null.
    pub error_code: Option<GraphErrorCode>,
    /// The virtual size rounded up to whole GiB (Edm.Int32), or null without a container.
    #[serde(rename = "sizeInGB")]
    pub size_in_gb: Option<i32>,
}

impl CloudPcDeviceImage {
    /// Builds the Graph view of one evaluated image.
    pub fn new(
        display_name: impl Into<String>,
        facts: &ImageFacts,
        evaluation: &Evaluation,
    ) -> Self {
        let w = facts.windows.as_ref();
        CloudPcDeviceImage {
            odata_type: CLOUD_PC_DEVICE_IMAGE_TYPE,
            display_name: display_name.into(),
            operating_system: w.and_then(|w| w.os_name.value.clone()),
            os_build_number: w.and_then(|w| w.version_label.value.clone()),
            os_version_number: w.and_then(|w| w.version.value.clone()),
            os_status: evaluation.os_status,
            status: evaluation.status,
            error_code: evaluation.error_code,
            size_in_gb: facts
                .container
                .as_ref()
                .map(|c| i32::try_from(c.size_in_gib_rounded_up()).unwrap_or(i32::MAX)),
        }
    }
}
