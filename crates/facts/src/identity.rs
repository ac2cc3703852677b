//! Which Windows an image holds, decided from `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
//! and `ProductOptions` (windows-image-facts §1–§2).
//!
//! The pitfalls this module exists for:
//! - Windows 11 still writes `ProductName = "Windows 10 …"`: Windows 11 is major version 10 with
//!   `CurrentBuildNumber >= 22000` **on a client**.
//! - Server builds collide with client builds (Server 2019 = 17763 = Windows 10 1809, Server 2025 =
//!   26100 = Windows 11 24H2), so client vs server is decided **first**: `InstallationType` not
//!   `Client`, an `EditionID` starting with `Server` other than `ServerRdsh`, or `ProductType`
//!   `ServerNT`/`LanmanNT`.
//! - `ServerRdsh` is Windows 10/11 Enterprise multi-session, a client, although its `ProductType`
//!   is `ServerNT` like a server.
//! - `EditionID` is authoritative; `CompositionEditionID` says `Enterprise` on Pro and is never
//!   read.
//! - `ReleaseId` is frozen at `2009` from 20H2 on: the label is `DisplayVersion`, else a
//!   `ReleaseId` other than `2009`, else the build table.

use serde::Serialize;

/// The first Windows 11 build (21H2).
pub const FIRST_WINDOWS_11_BUILD: u32 = 22000;
/// The first Windows 10 build (1507).
pub const FIRST_WINDOWS_10_BUILD: u32 = 10240;

/// Client builds and their version labels (windows-image-facts §1.1, plus the pre-1809 Windows 10
/// releases). `CurrentBuildNumber` reflects the *enabled* release (enablement packages), so
/// 19041–19045, 22621/22631 and 26100/26200 map by build.
pub const CLIENT_BUILDS: &[(u32, &str)] = &[
    (10240, "1507"),
    (10586, "1511"),
    (14393, "1607"),
    (15063, "1703"),
    (16299, "1709"),
    (17134, "1803"),
    (17763, "1809"),
    (18362, "1903"),
    (18363, "1909"),
    (19041, "2004"),
    (19042, "20H2"),
    (19043, "21H1"),
    (19044, "21H2"),
    (19045, "22H2"),
    (22000, "21H2"),
    (22621, "22H2"),
    (22631, "23H2"),
    (26100, "24H2"),
    (26200, "25H2"),
];

/// Server builds: (build, marketing name, version label).
pub const SERVER_BUILDS: &[(u32, &str, &str)] = &[
    (14393, "Windows Server 2016", "1607"),
    (17763, "Windows Server 2019", "1809"),
    (20348, "Windows Server 2022", "21H2"),
    (26100, "Windows Server 2025", "24H2"),
];

/// LTSB/LTSC releases: (build, name suffix).
const LTSC_RELEASES: &[(u32, &str)] = &[
    (10240, "LTSB 2015"),
    (14393, "LTSB 2016"),
    (17763, "LTSC 2019"),
    (19044, "LTSC 2021"),
    (26100, "LTSC 2024"),
];

/// The version label of a client build, from [`CLIENT_BUILDS`].
pub fn client_version_label(build: u32) -> Option<&'static str> {
    CLIENT_BUILDS
        .iter()
        .find(|(b, _)| *b == build)
        .map(|(_, label)| *label)
}

/// The registry values [`os_identity`] decides from. All optional: offline hives miss values.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsInputs<'a> {
    /// `ProductName`.
    pub product_name: Option<&'a str>,
    /// `EditionID`.
    pub edition_id: Option<&'a str>,
    /// `InstallationType`.
    pub installation_type: Option<&'a str>,
    /// `SYSTEM\ControlSetNNN\Control\ProductOptions` `ProductType`.
    pub product_type: Option<&'a str>,
    /// `CurrentMajorVersionNumber`.
    pub major: Option<u32>,
    /// `CurrentMinorVersionNumber` (0 when absent).
    pub minor: Option<u32>,
    /// `CurrentVersion` ("6.3"), used only when `major` is absent.
    pub current_version: Option<&'a str>,
    /// `CurrentBuildNumber`.
    pub build: Option<u32>,
    /// `UBR`.
    pub ubr: Option<u32>,
    /// `DisplayVersion`.
    pub display_version: Option<&'a str>,
    /// `ReleaseId`.
    pub release_id: Option<&'a str>,
}

/// The OS family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OsFamily {
    /// Windows 10 client (major 10, build < 22000).
    Windows10,
    /// Windows 11 client (major 10, build >= 22000).
    Windows11,
    /// Windows Server (any version).
    WindowsServer,
    /// A client older than Windows 10 (major < 10).
    Older,
    /// Not decidable from the values present.
    #[default]
    Unknown,
}

/// The edition `EditionID` names, grouped the way the requirements talk about them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EditionClass {
    /// `Enterprise`.
    Enterprise,
    /// `EnterpriseN` (without media features).
    EnterpriseN,
    /// `EnterpriseG`, `EnterpriseGN` (government edition).
    EnterpriseG,
    /// `EnterpriseEval` and other client `…Eval` editions.
    Evaluation,
    /// `EnterpriseS`, `EnterpriseSN` (LTSB/LTSC).
    EnterpriseLtsc,
    /// `ServerRdsh`: Enterprise multi-session.
    MultiSession,
    /// `Education`, `EducationN`.
    Education,
    /// `Professional*` (Pro, Pro N, Pro for Workstations, Pro Education).
    Professional,
    /// `Core*` (Home).
    Home,
    /// `CloudEdition*` (Windows 11 SE).
    CloudEdition,
    /// `IoTEnterprise`.
    IotEnterprise,
    /// `IoTEnterpriseS*` (IoT LTSC).
    IotEnterpriseLtsc,
    /// `Server*` other than `ServerRdsh` (evaluation editions included).
    Server,
    /// Any other value.
    Other,
    /// `EditionID` absent.
    #[default]
    Missing,
}

/// Classifies an `EditionID` (case-insensitive).
pub fn classify_edition(edition_id: Option<&str>) -> EditionClass {
    let Some(raw) = edition_id.map(str::trim).filter(|e| !e.is_empty()) else {
        return EditionClass::Missing;
    };
    let e = raw.to_ascii_lowercase();
    if e == "serverrdsh" {
        EditionClass::MultiSession
    } else if e.starts_with("server") {
        EditionClass::Server
    } else if e.contains("eval") {
        EditionClass::Evaluation
    } else if e == "enterprise" {
        EditionClass::Enterprise
    } else if e == "enterprisen" {
        EditionClass::EnterpriseN
    } else if e == "enterpriseg" || e == "enterprisegn" {
        EditionClass::EnterpriseG
    } else if e == "enterprises" || e == "enterprisesn" {
        EditionClass::EnterpriseLtsc
    } else if e.starts_with("education") {
        EditionClass::Education
    } else if e.starts_with("professional") {
        EditionClass::Professional
    } else if e.starts_with("core") {
        EditionClass::Home
    } else if e.starts_with("cloudedition") {
        EditionClass::CloudEdition
    } else if e.starts_with("iotenterprises") {
        EditionClass::IotEnterpriseLtsc
    } else if e.starts_with("iotenterprise") {
        EditionClass::IotEnterprise
    } else {
        EditionClass::Other
    }
}

/// The marketing edition name after "Windows 10 "/"Windows 11 " for a client `EditionID`.
fn client_edition_name(edition_id: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("Enterprise", "Enterprise"),
        ("EnterpriseN", "Enterprise N"),
        ("EnterpriseG", "Enterprise G"),
        ("EnterpriseGN", "Enterprise G N"),
        ("EnterpriseEval", "Enterprise Evaluation"),
        ("EnterpriseNEval", "Enterprise N Evaluation"),
        ("EnterpriseS", "Enterprise"),
        ("EnterpriseSN", "Enterprise N"),
        ("ServerRdsh", "Enterprise multi-session"),
        ("Education", "Education"),
        ("EducationN", "Education N"),
        ("Professional", "Pro"),
        ("ProfessionalN", "Pro N"),
        ("ProfessionalWorkstation", "Pro for Workstations"),
        ("ProfessionalWorkstationN", "Pro N for Workstations"),
        ("ProfessionalEducation", "Pro Education"),
        ("ProfessionalEducationN", "Pro Education N"),
        ("Core", "Home"),
        ("CoreN", "Home N"),
        ("CoreSingleLanguage", "Home Single Language"),
        ("CoreCountrySpecific", "Home China"),
        ("CloudEdition", "SE"),
        ("CloudEditionN", "SE N"),
        ("IoTEnterprise", "IoT Enterprise"),
        ("IoTEnterpriseS", "IoT Enterprise"),
    ];
    NAMES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(edition_id.trim()))
        .map(|(_, name)| *name)
}

/// The server edition name after "Windows Server 20xx ".
fn server_edition_name(edition_id: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("ServerStandard", "Standard"),
        ("ServerStandardEval", "Standard Evaluation"),
        ("ServerDatacenter", "Datacenter"),
        ("ServerDatacenterEval", "Datacenter Evaluation"),
        ("ServerTurbine", "Datacenter: Azure Edition"),
        ("ServerAzureStackHCICor", "Azure Stack HCI"),
    ];
    NAMES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(edition_id.trim()))
        .map(|(_, name)| *name)
}

/// What [`os_identity`] decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsIdentity {
    /// Windows 10, Windows 11, Server, older, unknown.
    pub family: OsFamily,
    /// The edition class of `EditionID`.
    pub edition: EditionClass,
    /// Enterprise multi-session (`ServerRdsh`, or a `ProductName` saying "multi-session" /
    /// "for Virtual Desktops").
    pub multi_session: bool,
    /// The corrected marketing name ("Windows 11 Enterprise"), or `None` when undecidable.
    pub os_name: Option<String>,
    /// "10.0.22631.4460" (without the UBR when `UBR` is absent), or `None` without a build.
    pub version: Option<String>,
    /// "23H2": `DisplayVersion`, else a `ReleaseId` other than the frozen "2009", else the build
    /// table.
    pub version_label: Option<String>,
    /// How each decision was made, for evidence (`build 22631 >= 22000 on a client: Windows 11`).
    pub notes: Vec<String>,
}

impl OsIdentity {
    /// Windows 10 or Windows 11 client.
    pub fn is_client(&self) -> bool {
        matches!(self.family, OsFamily::Windows10 | OsFamily::Windows11)
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Decides the OS family, corrected marketing name, version string and version label.
///
/// ```
/// use vhdlint_facts::{os_identity, OsFamily, OsInputs};
/// let id = os_identity(&OsInputs {
///     product_name: Some("Windows 10 Enterprise"), // what Windows 11 writes
///     edition_id: Some("Enterprise"),
///     installation_type: Some("Client"),
///     major: Some(10),
///     build: Some(22631),
///     ubr: Some(4460),
///     display_version: Some("23H2"),
///     release_id: Some("2009"),
///     ..OsInputs::default()
/// });
/// assert_eq!(id.family, OsFamily::Windows11);
/// assert_eq!(id.os_name.as_deref(), Some("Windows 11 Enterprise"));
/// assert_eq!(id.version.as_deref(), Some("10.0.22631.4460"));
/// assert_eq!(id.version_label.as_deref(), Some("23H2"));
/// ```
pub fn os_identity(inputs: &OsInputs<'_>) -> OsIdentity {
    let mut notes = Vec::new();
    let product_name = non_empty(inputs.product_name);
    let edition_id = non_empty(inputs.edition_id);
    let edition = classify_edition(edition_id);

    // 1. Multi-session and client vs server, before anything looks at the build number.
    let product_lower = product_name.map(str::to_ascii_lowercase);
    let name_says_multi = product_lower
        .as_deref()
        .is_some_and(|p| p.contains("multi-session") || p.contains("for virtual desktops"));
    let multi_session = edition == EditionClass::MultiSession
        || (name_says_multi && edition != EditionClass::Server);
    if multi_session {
        notes.push(match edition_id {
            Some(e) if edition == EditionClass::MultiSession => {
                format!("EditionID {e}: Enterprise multi-session (a client, ProductType ServerNT)")
            }
            _ => "ProductName names a multi-session edition".to_owned(),
        });
    }
    let server = !multi_session && {
        let by_installation = non_empty(inputs.installation_type)
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("server"));
        let by_edition = edition == EditionClass::Server;
        let by_product_type = non_empty(inputs.product_type).is_some_and(|t| {
            t.eq_ignore_ascii_case("ServerNT") || t.eq_ignore_ascii_case("LanmanNT")
        });
        if by_installation {
            notes.push(format!(
                "InstallationType {}: server",
                inputs.installation_type.unwrap_or_default()
            ));
        }
        if by_edition {
            notes.push(format!(
                "EditionID {}: server",
                edition_id.unwrap_or_default()
            ));
        }
        if by_product_type {
            notes.push(format!(
                "ProductType {}: server",
                inputs.product_type.unwrap_or_default()
            ));
        }
        by_installation || by_edition || by_product_type
    };

    // 2. Major version: CurrentMajorVersionNumber, else CurrentVersion ("6.3"), else 10 when the
    //    build is a Windows 10+ build.
    let legacy_version = non_empty(inputs.current_version);
    let legacy_major = legacy_version
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    let major = match (inputs.major, legacy_major, inputs.build) {
        (Some(m), _, _) => Some(m),
        (None, Some(m), _) if m >= 10 => Some(m),
        (None, _, Some(b)) if b >= FIRST_WINDOWS_10_BUILD => {
            notes.push(format!(
                "CurrentMajorVersionNumber absent; build {b} >= {FIRST_WINDOWS_10_BUILD}: NT 10.0"
            ));
            Some(10)
        }
        (None, Some(m), _) => Some(m),
        (None, None, _) => None,
    };

    // 3. Family.
    let family = if server {
        OsFamily::WindowsServer
    } else {
        match (major, inputs.build) {
            (Some(10), Some(b)) if b >= FIRST_WINDOWS_11_BUILD => {
                notes.push(format!(
                    "NT 10.0 build {b} >= {FIRST_WINDOWS_11_BUILD} on a client: Windows 11"
                ));
                OsFamily::Windows11
            }
            (Some(10), Some(b)) => {
                notes.push(format!(
                    "NT 10.0 build {b} < {FIRST_WINDOWS_11_BUILD} on a client: Windows 10"
                ));
                OsFamily::Windows10
            }
            (Some(10), None) => {
                notes.push("NT 10.0 without CurrentBuildNumber: Windows 10 or 11".to_owned());
                OsFamily::Unknown
            }
            (Some(m), _) if m < 10 => OsFamily::Older,
            _ => OsFamily::Unknown,
        }
    };

    // 4. Marketing name.
    let os_name = match family {
        OsFamily::Windows10 | OsFamily::Windows11 => {
            let prefix = if family == OsFamily::Windows11 {
                "Windows 11"
            } else {
                "Windows 10"
            };
            let ltsc = matches!(
                edition,
                EditionClass::EnterpriseLtsc | EditionClass::IotEnterpriseLtsc
            );
            match edition_id.and_then(client_edition_name) {
                Some(name) if ltsc => {
                    let suffix = inputs
                        .build
                        .and_then(|b| LTSC_RELEASES.iter().find(|(lb, _)| *lb == b))
                        .map_or("LTSC", |(_, s)| *s);
                    Some(format!("{prefix} {name} {suffix}"))
                }
                Some(name) => Some(format!("{prefix} {name}")),
                None => product_name.map(|p| {
                    let corrected = match p.strip_prefix("Windows 10") {
                        Some(rest) => format!("{prefix}{rest}"),
                        None => p.to_owned(),
                    };
                    corrected.replace("for Virtual Desktops", "multi-session")
                }),
            }
        }
        OsFamily::WindowsServer => {
            let from_build = inputs
                .build
                .and_then(|b| SERVER_BUILDS.iter().find(|(sb, _, _)| *sb == b))
                .map(|(_, name, _)| *name);
            match (product_name, from_build) {
                (Some(p), _) if p.starts_with("Windows Server") => Some(p.to_owned()),
                (_, Some(base)) => Some(match edition_id.and_then(server_edition_name) {
                    Some(ed) => format!("{base} {ed}"),
                    None => base.to_owned(),
                }),
                (p, None) => p.map(str::to_owned),
            }
        }
        OsFamily::Older => product_name.map(str::to_owned),
        OsFamily::Unknown => None,
    };

    // 5. Version string.
    let version = match (major, inputs.build) {
        (Some(m), Some(b)) if m >= 10 => {
            let minor = inputs.minor.unwrap_or(0);
            Some(match inputs.ubr {
                Some(u) => format!("{m}.{minor}.{b}.{u}"),
                None => format!("{m}.{minor}.{b}"),
            })
        }
        (_, Some(b)) => legacy_version.map(|v| match inputs.ubr {
            Some(u) => format!("{v}.{b}.{u}"),
            None => format!("{v}.{b}"),
        }),
        _ => None,
    };

    // 6. Version label.
    let table_label = match family {
        OsFamily::Windows10 | OsFamily::Windows11 => inputs.build.and_then(client_version_label),
        OsFamily::WindowsServer => inputs
            .build
            .and_then(|b| SERVER_BUILDS.iter().find(|(sb, _, _)| *sb == b))
            .map(|(_, _, label)| *label),
        OsFamily::Older | OsFamily::Unknown => None,
    };
    let display_version = non_empty(inputs.display_version);
    let release_id = non_empty(inputs.release_id);
    let version_label = if let Some(dv) = display_version {
        if let Some(t) = table_label.filter(|t| !t.eq_ignore_ascii_case(dv)) {
            notes.push(format!(
                "DisplayVersion {dv} disagrees with build {} ({t}); DisplayVersion kept",
                inputs.build.unwrap_or_default()
            ));
        }
        Some(dv.to_owned())
    } else if let Some(rid) = release_id.filter(|r| *r != "2009") {
        notes.push(format!("no DisplayVersion: ReleaseId {rid}"));
        Some(rid.to_owned())
    } else if let Some(t) = table_label {
        notes.push(match release_id {
            Some(_) => format!(
                "no DisplayVersion, ReleaseId frozen at 2009: {t} from build {}",
                inputs.build.unwrap_or_default()
            ),
            None => format!(
                "no DisplayVersion or ReleaseId: {t} from build {}",
                inputs.build.unwrap_or_default()
            ),
        });
        Some(t.to_owned())
    } else {
        None
    };

    OsIdentity {
        family,
        edition,
        multi_session,
        os_name,
        version,
        version_label,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(
        product: &'static str,
        edition: &'static str,
        build: u32,
        dv: Option<&'static str>,
    ) -> OsInputs<'static> {
        OsInputs {
            product_name: Some(product),
            edition_id: Some(edition),
            installation_type: Some("Client"),
            product_type: Some("WinNT"),
            major: Some(10),
            minor: Some(0),
            current_version: Some("6.3"),
            build: Some(build),
            ubr: Some(1),
            display_version: dv,
            release_id: Some("2009"),
        }
    }

    #[test]
    fn windows_11_writes_windows_10_in_product_name() {
        let id = os_identity(&client(
            "Windows 10 Enterprise",
            "Enterprise",
            22631,
            Some("23H2"),
        ));
        assert_eq!(id.family, OsFamily::Windows11);
        assert_eq!(id.os_name.as_deref(), Some("Windows 11 Enterprise"));
        assert_eq!(id.version.as_deref(), Some("10.0.22631.1"));
        assert_eq!(id.version_label.as_deref(), Some("23H2"));
        assert!(id.notes.iter().any(|n| n.contains(">= 22000")));
    }

    #[test]
    fn build_22000_is_the_first_windows_11() {
        let id = os_identity(&client("Windows 10 Enterprise", "Enterprise", 22000, None));
        assert_eq!(id.family, OsFamily::Windows11);
        assert_eq!(id.version_label.as_deref(), Some("21H2"));
        let id = os_identity(&client("Windows 10 Enterprise", "Enterprise", 19045, None));
        assert_eq!(id.family, OsFamily::Windows10);
        assert_eq!(id.os_name.as_deref(), Some("Windows 10 Enterprise"));
    }

    #[test]
    fn server_2025_collides_with_windows_11_24h2_and_server_wins() {
        let id = os_identity(&OsInputs {
            product_name: Some("Windows Server 2025 Datacenter"),
            edition_id: Some("ServerDatacenter"),
            installation_type: Some("Server"),
            product_type: Some("ServerNT"),
            major: Some(10),
            build: Some(26100),
            display_version: Some("24H2"),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::WindowsServer);
        assert!(!id.is_client());
        assert_eq!(
            id.os_name.as_deref(),
            Some("Windows Server 2025 Datacenter")
        );
    }

    #[test]
    fn server_is_decided_by_any_one_signal() {
        // Server 2019 = 17763 = Windows 10 1809: only ProductType says server.
        let id = os_identity(&OsInputs {
            product_type: Some("ServerNT"),
            major: Some(10),
            build: Some(17763),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::WindowsServer);
        assert_eq!(id.os_name.as_deref(), Some("Windows Server 2019"));
        assert_eq!(id.version_label.as_deref(), Some("1809"));
        // Server Core by InstallationType, ProductName without "Server" in front.
        let id = os_identity(&OsInputs {
            installation_type: Some("Server Core"),
            edition_id: Some("ServerStandard"),
            major: Some(10),
            build: Some(20348),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::WindowsServer);
        assert_eq!(id.os_name.as_deref(), Some("Windows Server 2022 Standard"));
        // A domain controller.
        let id = os_identity(&OsInputs {
            product_type: Some("LanmanNT"),
            major: Some(10),
            build: Some(14393),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::WindowsServer);
    }

    #[test]
    fn server_rdsh_is_a_multi_session_client_despite_product_type_servernt() {
        let mut i = client(
            "Windows 10 Enterprise multi-session",
            "ServerRdsh",
            22631,
            Some("23H2"),
        );
        i.product_type = Some("ServerNT");
        let id = os_identity(&i);
        assert_eq!(id.family, OsFamily::Windows11);
        assert!(id.multi_session);
        assert_eq!(id.edition, EditionClass::MultiSession);
        assert_eq!(
            id.os_name.as_deref(),
            Some("Windows 11 Enterprise multi-session")
        );
    }

    #[test]
    fn virtual_desktops_product_name_is_multi_session() {
        let mut i = client(
            "Windows 10 Enterprise for Virtual Desktops",
            "SomethingNew",
            17763,
            None,
        );
        i.release_id = Some("1809");
        let id = os_identity(&i);
        assert!(id.multi_session);
        assert_eq!(id.family, OsFamily::Windows10);
        assert_eq!(
            id.os_name.as_deref(),
            Some("Windows 10 Enterprise multi-session")
        );
        assert_eq!(id.version_label.as_deref(), Some("1809"));
    }

    #[test]
    fn edition_id_is_authoritative_over_product_name() {
        // Pro with CompositionEditionID Enterprise: EditionID says Professional.
        let id = os_identity(&client(
            "Windows 10 Pro",
            "Professional",
            22631,
            Some("23H2"),
        ));
        assert_eq!(id.edition, EditionClass::Professional);
        assert_eq!(id.os_name.as_deref(), Some("Windows 11 Pro"));
    }

    #[test]
    fn editions_classify() {
        use EditionClass as E;
        for (id, class) in [
            ("Enterprise", E::Enterprise),
            ("enterprise", E::Enterprise),
            ("EnterpriseN", E::EnterpriseN),
            ("EnterpriseG", E::EnterpriseG),
            ("EnterpriseEval", E::Evaluation),
            ("EnterpriseS", E::EnterpriseLtsc),
            ("EnterpriseSN", E::EnterpriseLtsc),
            ("ServerRdsh", E::MultiSession),
            ("Education", E::Education),
            ("EducationN", E::Education),
            ("Professional", E::Professional),
            ("ProfessionalWorkstation", E::Professional),
            ("Core", E::Home),
            ("CoreSingleLanguage", E::Home),
            ("CloudEdition", E::CloudEdition),
            ("IoTEnterprise", E::IotEnterprise),
            ("IoTEnterpriseS", E::IotEnterpriseLtsc),
            ("ServerDatacenter", E::Server),
            ("ServerStandardEval", E::Server),
            ("ServerTurbine", E::Server),
            ("Team", E::Other),
        ] {
            assert_eq!(classify_edition(Some(id)), class, "{id}");
        }
        assert_eq!(classify_edition(None), E::Missing);
        assert_eq!(classify_edition(Some("  ")), E::Missing);
    }

    #[test]
    fn ltsc_names_carry_the_release_year() {
        let id = os_identity(&client(
            "Windows 10 Enterprise LTSC 2021",
            "EnterpriseS",
            19044,
            Some("21H2"),
        ));
        assert_eq!(
            id.os_name.as_deref(),
            Some("Windows 10 Enterprise LTSC 2021")
        );
        let id = os_identity(&client(
            "Windows 10 IoT Enterprise LTSC",
            "IoTEnterpriseS",
            26100,
            Some("24H2"),
        ));
        assert_eq!(
            id.os_name.as_deref(),
            Some("Windows 11 IoT Enterprise LTSC 2024")
        );
    }

    #[test]
    fn release_id_frozen_at_2009_falls_back_to_the_build_table() {
        let mut i = client("Windows 10 Enterprise", "Enterprise", 19045, None);
        i.release_id = Some("2009");
        let id = os_identity(&i);
        assert_eq!(id.version_label.as_deref(), Some("22H2"));
        // Before 20H2, ReleaseId is the label.
        let mut i = client("Windows 10 Enterprise", "Enterprise", 18363, None);
        i.release_id = Some("1909");
        assert_eq!(os_identity(&i).version_label.as_deref(), Some("1909"));
        // 25H2 keeps ReleaseId 2009 and says 25H2 in DisplayVersion.
        let id = os_identity(&client(
            "Windows 10 Enterprise",
            "Enterprise",
            26200,
            Some("25H2"),
        ));
        assert_eq!(id.version_label.as_deref(), Some("25H2"));
    }

    #[test]
    fn display_version_disagreeing_with_the_build_is_noted() {
        let id = os_identity(&client(
            "Windows 10 Enterprise",
            "Enterprise",
            22631,
            Some("22H2"),
        ));
        assert_eq!(id.version_label.as_deref(), Some("22H2"));
        assert!(id.notes.iter().any(|n| n.contains("disagrees")));
    }

    #[test]
    fn unknown_future_build_has_no_table_label_but_keeps_display_version() {
        let id = os_identity(&client("Windows 10 Enterprise", "Enterprise", 27000, None));
        assert_eq!(id.family, OsFamily::Windows11);
        assert_eq!(id.version_label, None);
        let id = os_identity(&client(
            "Windows 10 Enterprise",
            "Enterprise",
            27000,
            Some("26H2"),
        ));
        assert_eq!(id.version_label.as_deref(), Some("26H2"));
    }

    #[test]
    fn missing_ubr_gives_a_three_part_version() {
        let mut i = client("Windows 10 Enterprise", "Enterprise", 19045, Some("22H2"));
        i.ubr = None;
        assert_eq!(os_identity(&i).version.as_deref(), Some("10.0.19045"));
    }

    #[test]
    fn pre_windows_10_uses_current_version() {
        let id = os_identity(&OsInputs {
            product_name: Some("Windows 8.1 Enterprise"),
            edition_id: Some("Enterprise"),
            installation_type: Some("Client"),
            current_version: Some("6.3"),
            build: Some(9600),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::Older);
        assert_eq!(id.os_name.as_deref(), Some("Windows 8.1 Enterprise"));
        assert_eq!(id.version.as_deref(), Some("6.3.9600"));
        assert_eq!(id.version_label, None);
    }

    #[test]
    fn windows_10_without_major_number_is_inferred_from_the_build() {
        let id = os_identity(&OsInputs {
            edition_id: Some("Enterprise"),
            current_version: Some("6.3"),
            build: Some(22631),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::Windows11);
        assert_eq!(id.version.as_deref(), Some("10.0.22631"));
    }

    #[test]
    fn nothing_known_is_unknown() {
        let id = os_identity(&OsInputs::default());
        assert_eq!(id.family, OsFamily::Unknown);
        assert_eq!(id.os_name, None);
        assert_eq!(id.version, None);
        // NT 10.0 without a build cannot tell Windows 10 from 11: no name rather than a wrong one.
        let id = os_identity(&OsInputs {
            product_name: Some("Windows 10 Enterprise"),
            major: Some(10),
            ..OsInputs::default()
        });
        assert_eq!(id.family, OsFamily::Unknown);
        assert_eq!(id.os_name, None);
    }

    #[test]
    fn client_build_table_is_sorted_and_unique() {
        assert!(CLIENT_BUILDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(client_version_label(22631), Some("23H2"));
        assert_eq!(client_version_label(22632), None);
    }
}
