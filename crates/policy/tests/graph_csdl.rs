//! The Graph vocabulary we emit, checked against Graph's CSDL in the shared corpus.

// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use vhdlint_policy::{GraphErrorCode, ImageStatus, OsStatus, RULES};

const CSDL_FROM_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/graph/cloudPcDeviceImage.csdl.xml"
);

/// The CSDL text, or `None` (with a visible "CORPUS ABSENT … skipped" line) when the corpus is
/// absent and `VHDLINT_SKIP_CORPUS` is set. Without that variable an absent corpus fails.
fn csdl() -> Option<String> {
    let path = std::env::var_os("VHDLINT_CORPUS")
        .map(|c| PathBuf::from(c).join("graph/cloudPcDeviceImage.csdl.xml"))
        .unwrap_or_else(|| PathBuf::from(CSDL_FROM_MANIFEST));
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if std::env::var_os("VHDLINT_SKIP_CORPUS").is_some() => {
            eprintln!(
                "CORPUS ABSENT: {} ({e}); skipped (VHDLINT_SKIP_CORPUS)",
                path.display()
            );
            None
        }
        Err(e) => panic!(
            "CORPUS ABSENT: cannot read {} ({e}). Provide ../shared/corpus (or $VHDLINT_CORPUS), \
             or set VHDLINT_SKIP_CORPUS=1 to skip explicitly.",
            path.display()
        ),
    }
}

/// `<EnumType Name="…">` → member name → value, by plain text scanning (the CSDL is regular).
fn enum_members(csdl: &str, enum_name: &str) -> BTreeMap<String, u32> {
    let open = format!("<EnumType Name=\"{enum_name}\"");
    let start = csdl
        .find(&open)
        .unwrap_or_else(|| panic!("EnumType {enum_name} not in the CSDL"));
    let body = &csdl[start..];
    let body = &body[..body.find("</EnumType>").expect("unterminated EnumType")];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    };
    body.split("<Member ")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find("/>").expect("unterminated Member")];
            (
                attr(tag, "Name").expect("Member without Name"),
                attr(tag, "Value")
                    .expect("Member without Value")
                    .parse()
                    .expect("numeric Value"),
            )
        })
        .collect()
}

#[test]
fn error_codes_mirror_the_csdl_member_for_member() {
    let Some(csdl) = csdl() else { return };
    let members = enum_members(&csdl, "cloudPcDeviceImageErrorCode");
    let ours: BTreeMap<String, u32> = GraphErrorCode::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), u32::from(c.value())))
        .collect();
    assert_eq!(
        ours, members,
        "GraphErrorCode must mirror cloudPcDeviceImageErrorCode"
    );
    // The serialized form is the CSDL spelling (lower-case j in vmAlreadyAzureAdjoined).
    for c in GraphErrorCode::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
    assert!(members.contains_key("vmAlreadyAzureAdjoined"));
    assert!(!members.contains_key("vmAlreadyAzureAdJoined"));
}

#[test]
fn every_code_a_rule_can_emit_is_in_the_csdl() {
    let Some(csdl) = csdl() else { return };
    let members = enum_members(&csdl, "cloudPcDeviceImageErrorCode");
    for r in RULES {
        if let Some(code) = r.graph_code() {
            let json = serde_json::to_value(code).unwrap();
            let name = json.as_str().unwrap();
            assert_eq!(
                members.get(name),
                Some(&u32::from(code.value())),
                "{} emits {name}",
                r.id
            );
        }
    }
}

#[test]
fn os_status_and_status_members_exist() {
    let Some(csdl) = csdl() else { return };
    let os = enum_members(&csdl, "cloudPcDeviceImageOsStatus");
    for s in [
        OsStatus::Supported,
        OsStatus::SupportedWithWarning,
        OsStatus::Unknown,
    ] {
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json, s.as_str());
        assert!(os.contains_key(s.as_str()), "osStatus {}", s.as_str());
    }
    let status = enum_members(&csdl, "cloudPcDeviceImageStatus");
    for s in [ImageStatus::Ready, ImageStatus::Failed] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert!(status.contains_key(s.as_str()), "status {}", s.as_str());
    }
}

#[test]
fn cloud_pc_device_image_properties_exist() {
    let Some(csdl) = csdl() else { return };
    let start = csdl
        .find("<EntityType Name=\"cloudPcDeviceImage\"")
        .expect("EntityType");
    let entity = &csdl[start..start + csdl[start..].find("</EntityType>").unwrap()];
    for prop in [
        "displayName",
        "operatingSystem",
        "osBuildNumber",
        "osVersionNumber",
        "osStatus",
        "status",
        "errorCode",
        "sizeInGB",
    ] {
        assert!(
            entity.contains(&format!("<Property Name=\"{prop}\"")),
            "{prop}"
        );
    }
}

#[test]
fn documentation_spelling_is_accepted_on_input() {
    assert_eq!(
        GraphErrorCode::parse("vmAlreadyAzureAdJoined"),
        Some(GraphErrorCode::VmAlreadyAzureAdjoined)
    );
    assert_eq!(
        GraphErrorCode::parse("sourceimagenotsupportcustomizevmname"),
        Some(GraphErrorCode::SourceImageNotSupportCustomizeVmName)
    );
    assert_eq!(GraphErrorCode::parse("nope"), None);
}
