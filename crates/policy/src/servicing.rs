//! The end-of-servicing table: data in `data/end-of-servicing.json`, embedded at build time and
//! parsed once on first use.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use vhdlint_facts::{classify_edition, EditionClass};

use crate::date::Date;
use crate::error::PolicyError;

/// The embedded table's JSON text.
pub const EMBEDDED_TABLE: &str = include_str!("../../../data/end-of-servicing.json");

/// A servicing channel: editions of one release share an end of servicing per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ServicingChannel {
    /// The general-availability channel as Enterprise and Education get it (also Enterprise
    /// multi-session, Enterprise N/G and IoT Enterprise, which follow Enterprise).
    GeneralAvailability,
    /// Long-term servicing: `EnterpriseS`, `EnterpriseSN`.
    Ltsc,
    /// IoT long-term servicing: `IoTEnterpriseS`.
    IotLtsc,
}

impl ServicingChannel {
    /// The channel whose dates apply to an `EditionID`, or `None` when the table has no dates
    /// for it (Home, Pro, SE, Server, unknown or missing editions).
    pub fn for_edition(edition_id: Option<&str>) -> Option<ServicingChannel> {
        match classify_edition(edition_id) {
            EditionClass::Enterprise
            | EditionClass::EnterpriseN
            | EditionClass::EnterpriseG
            | EditionClass::Evaluation
            | EditionClass::MultiSession
            | EditionClass::Education
            | EditionClass::IotEnterprise => Some(ServicingChannel::GeneralAvailability),
            EditionClass::EnterpriseLtsc => Some(ServicingChannel::Ltsc),
            EditionClass::IotEnterpriseLtsc => Some(ServicingChannel::IotLtsc),
            EditionClass::Professional
            | EditionClass::Home
            | EditionClass::CloudEdition
            | EditionClass::Server
            | EditionClass::Other
            | EditionClass::Missing => None,
        }
    }
}

/// One row: a client build in one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Servicing {
    /// `CurrentBuildNumber`.
    pub build: u32,
    /// "Windows 10" or "Windows 11".
    pub os: String,
    /// The version label ("23H2").
    pub version: String,
    /// The channel.
    pub channel: ServicingChannel,
    /// The last day of servicing (security updates stop after it).
    pub end_of_servicing: Date,
    /// Remarks (`LTSC 2021`; "verify" marks unconfirmed dates).
    #[serde(default)]
    pub note: Option<String>,
}

/// The whole table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicingTable {
    /// What the table is.
    #[serde(default)]
    pub about: String,
    /// When the dates were last checked.
    pub verified_on: Date,
    /// Against what.
    pub verified_against: String,
    /// The rows.
    pub releases: Vec<Servicing>,
}

static EMBEDDED: OnceLock<Result<ServicingTable, PolicyError>> = OnceLock::new();

impl ServicingTable {
    /// Parses and validates a table (no duplicate build+channel row, builds ascending per
    /// channel).
    pub fn parse(json: &str) -> Result<ServicingTable, PolicyError> {
        let table: ServicingTable =
            serde_json::from_str(json).map_err(|e| PolicyError::InvalidServicingTable {
                message: e.to_string(),
            })?;
        let mut seen = HashSet::new();
        for row in &table.releases {
            if !seen.insert((row.build, row.channel)) {
                return Err(PolicyError::InvalidServicingTable {
                    message: format!("build {} listed twice for {:?}", row.build, row.channel),
                });
            }
        }
        Ok(table)
    }

    /// The table embedded from `data/end-of-servicing.json`, parsed on first use.
    pub fn embedded() -> Result<&'static ServicingTable, PolicyError> {
        EMBEDDED
            .get_or_init(|| ServicingTable::parse(EMBEDDED_TABLE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The row for a client build and `EditionID`. `None` when the table has no dates for that
    /// build (unknown, newer than the table, or not a listed release) or that edition's channel.
    /// Callers must have decided that the OS is a client: server builds collide with client
    /// builds (Server 2025 = 26100) and server editions give `None` here only when `EditionID`
    /// says so.
    pub fn lookup(&self, build: u32, edition_id: Option<&str>) -> Option<&Servicing> {
        let channel = ServicingChannel::for_edition(edition_id)?;
        self.releases
            .iter()
            .find(|r| r.build == build && r.channel == channel)
    }

    /// The highest build in the table.
    pub fn max_build(&self) -> Option<u32> {
        self.releases.iter().map(|r| r.build).max()
    }
}

/// [`ServicingTable::lookup`] on the embedded table (`None` also if it failed to parse, which a
/// test rules out).
pub fn lookup(build: u32, edition_id: Option<&str>) -> Option<Servicing> {
    ServicingTable::embedded()
        .ok()
        .and_then(|t| t.lookup(build, edition_id))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vhdlint_facts::client_version_label;

    #[test]
    fn embedded_table_parses() {
        let t = ServicingTable::embedded().unwrap();
        assert!(t.releases.len() >= 15);
        assert!(t.verified_on >= Date::parse("2026-01-01").unwrap());
        assert!(!t.verified_against.is_empty());
    }

    #[test]
    fn table_labels_agree_with_the_facts_build_table() {
        let t = ServicingTable::embedded().unwrap();
        for row in &t.releases {
            assert_eq!(
                client_version_label(row.build),
                Some(row.version.as_str()),
                "build {}",
                row.build
            );
            let expected_os = if row.build >= 22000 {
                "Windows 11"
            } else {
                "Windows 10"
            };
            assert_eq!(row.os, expected_os, "build {}", row.build);
        }
    }

    #[test]
    fn lookup_by_build_and_edition() {
        let s = lookup(22631, Some("Enterprise")).unwrap();
        assert_eq!(s.version, "23H2");
        assert_eq!(s.end_of_servicing.to_string(), "2026-11-10");
        assert_eq!(lookup(19045, Some("Education")).unwrap().version, "22H2");
        assert_eq!(
            lookup(22631, Some("ServerRdsh")).unwrap().channel,
            ServicingChannel::GeneralAvailability
        );
    }

    #[test]
    fn ltsc_has_its_own_dates() {
        let ga = lookup(19044, Some("Enterprise")).unwrap();
        let ltsc = lookup(19044, Some("EnterpriseS")).unwrap();
        let iot = lookup(19044, Some("IoTEnterpriseS")).unwrap();
        assert_eq!(ga.end_of_servicing.to_string(), "2024-06-11");
        assert_eq!(ltsc.end_of_servicing.to_string(), "2027-01-12");
        assert_eq!(iot.end_of_servicing.to_string(), "2032-01-13");
        assert_eq!(
            lookup(17763, Some("EnterpriseS"))
                .unwrap()
                .end_of_servicing
                .to_string(),
            "2029-01-09"
        );
        assert_eq!(
            lookup(26100, Some("EnterpriseS"))
                .unwrap()
                .end_of_servicing
                .to_string(),
            "2029-10-09"
        );
        // An LTSC edition on a build with no LTSC release: no dates.
        assert_eq!(lookup(22631, Some("EnterpriseS")), None);
    }

    #[test]
    fn unknown_builds_and_editions_have_no_row() {
        let t = ServicingTable::embedded().unwrap();
        assert_eq!(
            lookup(t.max_build().unwrap() + 100, Some("Enterprise")),
            None
        );
        assert_eq!(lookup(22632, Some("Enterprise")), None);
        assert_eq!(lookup(22631, Some("Professional")), None);
        assert_eq!(lookup(26100, Some("ServerDatacenter")), None);
        assert_eq!(lookup(22631, None), None);
    }

    #[test]
    fn duplicate_rows_are_refused() {
        let json = r#"{"verifiedOn":"2026-01-01","verifiedAgainst":"x","releases":[
            {"build":1,"os":"Windows 10","version":"a","channel":"ltsc","endOfServicing":"2020-01-01"},
            {"build":1,"os":"Windows 10","version":"a","channel":"ltsc","endOfServicing":"2020-01-02"}]}"#;
        assert!(matches!(
            ServicingTable::parse(json),
            Err(PolicyError::InvalidServicingTable { .. })
        ));
        let bad_date = r#"{"verifiedOn":"2026-02-30","verifiedAgainst":"x","releases":[]}"#;
        assert!(ServicingTable::parse(bad_date).is_err());
    }
}
