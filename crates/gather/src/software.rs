//! Facts from the `SOFTWARE` hive: the OS version and edition
//! (`Microsoft\Windows NT\CurrentVersion`), `ImageState`, AADLoginForWindows residue (`CDJ`),
//! MDM enrolments and reserved storage (windows-image-facts §1–§5).

use vhdlint_registry::Hive;

use super::hives::Reg;
use crate::evidence::{Evidence, Fact};
use crate::model::{ImageState, Problem, ReservedStorage, WindowsFacts};

/// `Microsoft\Windows NT\CurrentVersion`.
pub const CURRENT_VERSION: &str = r"Microsoft\Windows NT\CurrentVersion";
/// `Microsoft\Windows\CurrentVersion\Setup\State` (value `ImageState`).
pub const SETUP_STATE: &str = r"Microsoft\Windows\CurrentVersion\Setup\State";
/// `Microsoft\Windows\CurrentVersion\CDJ`, where AADLoginForWindows writes its IMDS endpoints.
pub const CDJ: &str = r"Microsoft\Windows\CurrentVersion\CDJ";
/// The `CDJ` values AADLoginForWindows writes (windows-image-facts §4).
pub const CDJ_AZURE_VM_VALUES: [&str; 3] = [
    "AzureVmComputeMetadataEndpoint",
    "AzureVmTenantIdEndpoint",
    "AzureVmMsiTokenEndpoint",
];
/// `Microsoft\Enrollments`.
pub const ENROLLMENTS: &str = r"Microsoft\Enrollments";
/// Most `Enrollments` subkeys looked at (Windows ships about 30 stubs; real devices add a few).
pub const MAX_ENROLLMENTS: usize = 256;
/// `ProviderID`s of the stub enrolments Windows ships (never a real MDM enrolment).
pub const STUB_PROVIDER_IDS: [&str; 4] = [
    "MEMDM",
    "Local Authority",
    "Cloud Authority",
    "WMI_Bridge_Server",
];
/// `Microsoft\Windows\CurrentVersion\ReserveManager` (value `ShippedWithReserves`).
pub const RESERVE_MANAGER: &str = r"Microsoft\Windows\CurrentVersion\ReserveManager";

/// Fills the SOFTWARE facts of `w`.
pub fn fill(w: &mut WindowsFacts, hive: &Hive, problems: &mut Vec<Problem>) {
    let reg = Reg {
        name: "SOFTWARE",
        hive,
    };
    version(w, &reg, problems);

    let r = reg.value(SETUP_STATE, "ImageState", problems);
    w.image_state = Fact::new(r.string().map(|s| ImageState::parse(&s)), r.evidence);

    let cdj = reg.key(CDJ, problems);
    let mut residue = Vec::new();
    let mut absent = Vec::new();
    for name in CDJ_AZURE_VM_VALUES {
        let r = reg.value_in(cdj.as_ref(), CDJ, name, problems);
        if r.data.is_some() {
            residue.push(r.evidence);
        } else {
            absent.push(r.evidence);
        }
    }
    w.aad_login_for_windows = if residue.is_empty() {
        Fact::with_evidence(false, absent)
    } else {
        Fact::with_evidence(true, residue)
    };

    w.mdm_enrolled = mdm(&reg, problems);

    let r = reg.value(RESERVE_MANAGER, "ShippedWithReserves", problems);
    let state = match r.u32() {
        Some(1) => ReservedStorage::Enabled,
        Some(0) => ReservedStorage::Disabled,
        _ => ReservedStorage::Unknown,
    };
    w.reserved_storage = Fact::new(state, r.evidence);
}

/// The raw version and edition values; [`WindowsFacts::fill_identity`] derives the rest.
fn version(w: &mut WindowsFacts, reg: &Reg<'_>, problems: &mut Vec<Problem>) {
    let key = reg.key(CURRENT_VERSION, problems);
    let mut get = |name: &str| reg.value_in(key.as_ref(), CURRENT_VERSION, name, problems);

    let r = get("ProductName");
    w.product_name = Fact::new(r.string(), r.evidence);
    let edition = get("EditionID");
    let composition = get("CompositionEditionID");
    let mut evidence = vec![edition.evidence.clone()];
    if composition.data.is_some() {
        // Reported beside EditionID, never used: it says Enterprise on Pro (§1).
        evidence.push(composition.evidence);
    }
    w.edition_id = Fact::with_evidence(edition.string(), evidence);
    let r = get("InstallationType");
    w.installation_type = Fact::new(r.string(), r.evidence);

    let number = get("CurrentBuildNumber");
    let build = get("CurrentBuild");
    let value = number.u32().or_else(|| build.u32());
    let from_number = number.data.is_some() && value == number.u32();
    let mut evidence = vec![number.evidence];
    if !from_number {
        evidence.push(build.evidence);
    }
    w.current_build = Fact::with_evidence(value, evidence);

    let r = get("UBR");
    w.ubr = Fact::new(r.u32(), r.evidence);
    let r = get("DisplayVersion");
    w.display_version = Fact::new(r.string(), r.evidence);
    let r = get("ReleaseId");
    w.release_id = Fact::new(r.string(), r.evidence);
    let r = get("CurrentMajorVersionNumber");
    w.major_version = Fact::new(r.u32(), r.evidence);
    let r = get("CurrentMinorVersionNumber");
    w.minor_version = Fact::new(r.u32(), r.evidence);
    let r = get("CurrentVersion");
    w.current_version = Fact::new(r.string(), r.evidence);
}

/// A real MDM enrolment: an `Enrollments\<GUID>` subkey with a `ProviderID` that is not one of
/// Windows' stubs, plus a discovery URL (`DiscoveryServiceFullURL`) or a `UPN`
/// (windows-image-facts §4: Windows ships about 30 stub subkeys with a ProviderID only).
fn mdm(reg: &Reg<'_>, problems: &mut Vec<Problem>) -> Fact<bool> {
    let Some(key) = reg.key(ENROLLMENTS, problems) else {
        return Fact::new(false, reg.key_evidence(ENROLLMENTS, false));
    };
    let subkeys = reg.subkeys(&key, ENROLLMENTS, problems);
    let mut evidence = Vec::new();
    for sub in subkeys.iter().take(MAX_ENROLLMENTS) {
        let path = format!(r"{ENROLLMENTS}\{}", sub.name());
        let provider = reg.value_in(Some(sub), &path, "ProviderID", problems);
        let Some(id) = provider.string().map(|s| s.trim().to_owned()) else {
            continue;
        };
        if id.is_empty()
            || STUB_PROVIDER_IDS
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&id))
        {
            continue;
        }
        let url = reg.value_in(Some(sub), &path, "DiscoveryServiceFullURL", problems);
        let upn = reg.value_in(Some(sub), &path, "UPN", problems);
        let has = |r: &super::hives::Read| r.string().is_some_and(|s| !s.trim().is_empty());
        if !(has(&url) || has(&upn)) {
            continue;
        }
        evidence.push(provider.evidence);
        for r in [url, upn] {
            if r.data.is_some() {
                evidence.push(r.evidence);
            }
        }
        let ty = reg.value_in(Some(sub), &path, "EnrollmentType", problems);
        if ty.data.is_some() {
            evidence.push(ty.evidence);
        }
    }
    if evidence.is_empty() {
        return Fact::with_evidence(
            false,
            vec![
                reg.key_evidence(ENROLLMENTS, true),
                Evidence::derived(format!(
                    "none of the {} Enrollments subkeys has a non-stub ProviderID with a \
                     DiscoveryServiceFullURL or UPN",
                    subkeys.len()
                )),
            ],
        );
    }
    Fact::with_evidence(true, evidence)
}
