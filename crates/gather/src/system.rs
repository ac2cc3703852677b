//! Facts from the `SYSTEM` hive, under the offline `CurrentControlSet` resolved from
//! `Select\Current` (windows-image-facts §0.2): control set, computer name, product type, the
//! cdrom driver, Entra join (`CloudDomainJoin\JoinInfo`) and the `Setup` arming values.

use vhdlint_registry::{current_control_set, ControlSetSource, Hive};

use super::budgets::MAX_JOIN_KEYS;
use super::hives::Reg;
use crate::evidence::{Evidence, Fact};
use crate::model::{Problem, ProblemKind, WindowsFacts};

/// `Services\cdrom` `Start` value of a disabled driver.
pub const SERVICE_DISABLED: u32 = 4;

/// `SYSTEM\Setup` values that tell how sysprep armed the next boot (report only; the
/// generalization decision rests on `ImageState`, windows-image-facts §3).
#[derive(Debug, Clone, Default)]
pub struct SetupValues {
    /// `UnattendFile` (a path, possibly with a drive letter) and its evidence, when set.
    pub unattend_file: Option<(String, Evidence)>,
    /// `SetupType`, `CmdLine`, `OOBEInProgress`, `SystemSetupInProgress`, and
    /// `Setup\Status\SysprepStatus` `GeneralizationState`/`CleanupState`, as read.
    pub evidence: Vec<Evidence>,
}

/// Fills the SYSTEM facts of `w`; returns the `Setup` values for the generalization and
/// answer-file steps.
pub fn fill(w: &mut WindowsFacts, hive: &Hive, problems: &mut Vec<Problem>) -> SetupValues {
    let reg = Reg {
        name: "SYSTEM",
        hive,
    };
    let setup = setup_values(&reg, problems);

    let cs = match current_control_set(hive) {
        Ok(Some(cs)) => cs,
        unresolved => {
            problems.push(match unresolved {
                Err(e) => reg.problem("Select", None, &e),
                Ok(_) => Problem {
                    kind: ProblemKind::Hive,
                    message: "SYSTEM hive: no control set resolves (Select\\Current, \
                              Select\\Default and a single ControlSetNNN key all missing)"
                        .into(),
                    evidence: vec![reg.key_evidence("Select", false)],
                },
            });
            // Nothing under a control set can be read: record what was looked for.
            let evidence = reg.key_evidence("Select", false);
            w.control_set = Fact::new(None, evidence.clone());
            w.computer_name = Fact::new(None, evidence.clone());
            w.product_type = Fact::new(None, evidence.clone());
            w.cdrom_disabled = Fact::new(false, evidence.clone());
            w.azure_ad_joined = Fact::new(false, evidence);
            return setup;
        }
    };
    let cs_evidence = match cs.source {
        ControlSetSource::SelectCurrent | ControlSetSource::SelectDefault => {
            let (key, value) = cs
                .evidence_path
                .split_once('\\')
                .unwrap_or(("Select", cs.evidence_path.as_str()));
            Evidence::registry(
                "SYSTEM",
                key,
                value,
                Some(format!("{:#x}", cs.evidence_value)),
            )
        }
        ControlSetSource::OnlyControlSet => Evidence::registry_key("SYSTEM", &cs.name, true),
    };
    let mut control_set_evidence = vec![cs_evidence];
    if cs.source == ControlSetSource::OnlyControlSet {
        control_set_evidence.push(Evidence::derived(format!(
            "no usable Select value; {} is the only control set",
            cs.name
        )));
    }
    w.control_set = Fact::with_evidence(Some(cs.name.clone()), control_set_evidence);
    let cs = cs.name;

    let key = format!(r"{cs}\Control\ComputerName\ComputerName");
    let r = reg.value(&key, "ComputerName", problems);
    w.computer_name = Fact::new(r.string(), r.evidence);

    let key = format!(r"{cs}\Control\ProductOptions");
    let r = reg.value(&key, "ProductType", problems);
    w.product_type = Fact::new(r.string(), r.evidence);

    let key = format!(r"{cs}\Services\cdrom");
    let r = reg.value(&key, "Start", problems);
    w.cdrom_disabled = Fact::new(r.u32() == Some(SERVICE_DISABLED), r.evidence);

    w.azure_ad_joined = entra_join(&reg, &cs, problems);
    setup
}

/// `<CS>\Control\CloudDomainJoin\JoinInfo\<thumbprint>`: any subkey is a device join (Entra or
/// hybrid). Each join names its tenant and user as evidence.
fn entra_join(reg: &Reg<'_>, cs: &str, problems: &mut Vec<Problem>) -> Fact<bool> {
    let path = format!(r"{cs}\Control\CloudDomainJoin\JoinInfo");
    let Some(key) = reg.key(&path, problems) else {
        return Fact::new(false, reg.key_evidence(&path, false));
    };
    let joins = reg.subkeys(&key, &path, problems);
    if joins.is_empty() {
        return Fact::with_evidence(
            false,
            vec![
                reg.key_evidence(&path, true),
                Evidence::derived(format!(r"SYSTEM\{path} has no subkey: no device join")),
            ],
        );
    }
    let mut evidence = Vec::new();
    if joins.len() > MAX_JOIN_KEYS {
        problems.push(Problem {
            kind: ProblemKind::Hive,
            message: format!(
                r"SYSTEM\{path}: {} join subkeys, more than the {MAX_JOIN_KEYS} read; the \
                 first {MAX_JOIN_KEYS} are the evidence",
                joins.len()
            ),
            evidence: vec![reg.key_evidence(&path, true)],
        });
    }
    for join in joins.iter().take(MAX_JOIN_KEYS) {
        let sub = format!(r"{path}\{}", join.name());
        evidence.push(reg.key_evidence(&sub, true));
        for name in ["TenantId", "UserEmail", "IdpDomain"] {
            let r = reg.value_in(Some(join), &sub, name, problems);
            if r.data.is_some() {
                evidence.push(r.evidence);
            }
        }
    }
    Fact::with_evidence(true, evidence)
}

/// `SYSTEM\Setup` arming values and `SysprepStatus` (report only).
fn setup_values(reg: &Reg<'_>, problems: &mut Vec<Problem>) -> SetupValues {
    let mut out = SetupValues::default();
    let setup = reg.key("Setup", problems);
    for name in [
        "SetupType",
        "CmdLine",
        "OOBEInProgress",
        "SystemSetupInProgress",
    ] {
        out.evidence.push(
            reg.value_in(setup.as_ref(), "Setup", name, problems)
                .evidence,
        );
    }
    let r = reg.value_in(setup.as_ref(), "Setup", "UnattendFile", problems);
    if let Some(path) = r.string().filter(|p| !p.trim().is_empty()) {
        out.unattend_file = Some((path.trim().to_owned(), r.evidence));
    }
    let status_path = r"Setup\Status\SysprepStatus";
    let status = setup.as_ref().and_then(|_| reg.key(status_path, problems));
    for name in ["GeneralizationState", "CleanupState"] {
        let r = reg.value_in(status.as_ref(), status_path, name, problems);
        if r.data.is_some() {
            out.evidence.push(r.evidence);
        }
    }
    out
}
