//! The rule machinery: profiles, severities, options, rule metadata and findings.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use vhdlint_facts::{Evidence, ImageFacts};

use crate::date::Date;
use crate::error::PolicyError;
use crate::graph::GraphErrorCode;

/// The service the image is checked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Windows 365 custom images (the default).
    #[default]
    Windows365,
    /// Microsoft Dev Box (Windows 365 requirements plus Dev Box's own).
    Devbox,
    /// Azure Virtual Desktop golden images.
    Avd,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [Profile::Windows365, Profile::Devbox, Profile::Avd];

    /// `windows365`, `devbox` or `avd`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Windows365 => "windows365",
            Profile::Devbox => "devbox",
            Profile::Avd => "avd",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| PolicyError::UnknownProfile { text: s.to_owned() })
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information; never fails.
    Info,
    /// Fails only with `strict`.
    Warning,
    /// The image fails (`status: failed`).
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A rule's level in one profile: a severity, or allowed (the rule does not report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported as an error.
    Error,
    /// Reported as a warning.
    Warning,
    /// Reported for information.
    Info,
    /// The condition is fine in this profile: nothing is reported.
    Allowed,
}

impl Level {
    /// The severity findings get, or `None` when allowed.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Info => Some(Severity::Info),
            Level::Allowed => None,
        }
    }
}

/// A rule's level per profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Levels {
    /// Windows 365.
    pub windows365: Level,
    /// Dev Box.
    pub devbox: Level,
    /// Azure Virtual Desktop.
    pub avd: Level,
}

impl Levels {
    /// The same level in every profile.
    pub const fn all(level: Level) -> Levels {
        Levels {
            windows365: level,
            devbox: level,
            avd: level,
        }
    }

    /// The level in `profile`.
    pub fn get(self, profile: Profile) -> Level {
        match profile {
            Profile::Windows365 => self.windows365,
            Profile::Devbox => self.devbox,
            Profile::Avd => self.avd,
        }
    }
}

/// How to evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The target service.
    pub profile: Profile,
    /// The date end of servicing is judged at (`--as-of`; today by default).
    pub as_of: Date,
    /// The largest OS disk accepted without a size finding, in GiB (`--max-os-disk-gb`).
    pub max_os_disk_gb: u64,
    /// Warnings fail too (`--strict`).
    pub strict: bool,
}

/// The default OS disk size of Windows 365 and Dev Box, in GiB.
pub const DEFAULT_MAX_OS_DISK_GB: u64 = 64;

impl Options {
    /// Options for `profile` at `as_of`, other fields at their defaults.
    pub fn new(profile: Profile, as_of: Date) -> Options {
        Options {
            profile,
            as_of,
            max_os_disk_gb: DEFAULT_MAX_OS_DISK_GB,
            strict: false,
        }
    }
}

impl Default for Options {
    /// Windows 365, as of today (UTC), 64 GiB, not strict.
    fn default() -> Self {
        Options::new(Profile::default(), Date::today_utc())
    }
}

/// Everything a rule declares about itself; `vhdlint rules`, the docs and SARIF are built from
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMeta {
    /// Stable id (`VL0401`). Never reused: a retired rule's id goes to [`crate::RETIRED_IDS`].
    pub id: &'static str,
    /// Stable kebab-case name (`not-generalized`).
    pub name: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Level per profile.
    pub levels: Levels,
    /// The Graph `cloudPcDeviceImageErrorCode` an error finding carries, if any.
    pub graph_code: Option<GraphErrorCode>,
    /// Why it matters, in one or two sentences.
    pub message: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
    /// Where the requirement is written.
    pub references: &'static [&'static str],
}

/// What a rule saw, before the profile gives it a severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The specific message (`EditionID is Professional (Windows 11 Pro) …`).
    pub message: String,
    /// The facts' evidence.
    pub evidence: Vec<Evidence>,
}

impl Hit {
    /// A hit.
    pub fn new(message: impl Into<String>, evidence: Vec<Evidence>) -> Hit {
        Hit {
            message: message.into(),
            evidence,
        }
    }
}

/// One finding of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule id (`VL0401`).
    pub rule: &'static str,
    /// The rule name (`not-generalized`).
    pub name: &'static str,
    /// Severity in the evaluated profile.
    pub severity: Severity,
    /// The Graph error code, for findings at error severity of rules that have one; else null.
    pub error_code: Option<GraphErrorCode>,
    /// What is wrong with this image.
    pub message: String,
    /// Why vhdlint thinks so.
    pub evidence: Vec<Evidence>,
    /// How to fix it.
    pub remediation: &'static str,
}

/// A rule: declared once, a pure function of the facts.
pub trait Rule: Send + Sync {
    /// The rule's declaration.
    fn meta(&self) -> &'static RuleMeta;

    /// What the rule sees in `facts`, whatever the profile's level.
    fn hits(&self, facts: &ImageFacts, options: &Options) -> Vec<Hit>;

    /// The findings for `options.profile`: none when the profile allows the condition.
    fn check(&self, facts: &ImageFacts, options: &Options) -> Vec<Finding> {
        let meta = self.meta();
        let Some(severity) = meta.levels.get(options.profile).severity() else {
            return Vec::new();
        };
        let error_code = if severity == Severity::Error {
            meta.graph_code
        } else {
            None
        };
        self.hits(facts, options)
            .into_iter()
            .map(|hit| Finding {
                rule: meta.id,
                name: meta.name,
                severity,
                error_code,
                message: hit.message,
                evidence: hit.evidence,
                remediation: meta.remediation,
            })
            .collect()
    }
}
