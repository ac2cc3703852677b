//! The rule machinery: profiles, severities, options, rule metadata and findings.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use vhdlint_facts::{Evidence, ImageFacts};

use crate::date::Date;
use crate::error::PolicyError;
use crate::graph::GraphErrorCode;
use crate::rules::RuleId;

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
    /// `error`, `warning`, `info` or `allowed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Allowed => "allowed",
        }
    }

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

/// Which command runs a rule, and how serious its findings are.
///
/// `vhdlint check` rules (ids `VL…`) have a [`Level`] per [`Profile`] and may carry a Graph
/// error code. `vhdlint audit` rules (ids `VS…`) will have one
/// [`AuditSeverity`] and no Graph code; they live in the same table and [`crate::evaluate()`]
/// never runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// A `vhdlint check` rule.
    Check {
        /// Level per profile.
        levels: Levels,
        /// The Graph `cloudPcDeviceImageErrorCode` an error finding carries, if any.
        graph_code: Option<GraphErrorCode>,
    },
    /// A `vhdlint audit` rule.
    Audit {
        /// The severity of its findings.
        severity: AuditSeverity,
    },
}

/// The severity of an audit finding (`vhdlint audit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuditSeverity {
    #[default]
    /// For information.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl AuditSeverity {
    /// Every severity, least severe first.
    pub const ALL: [AuditSeverity; 5] = [
        AuditSeverity::Info,
        AuditSeverity::Low,
        AuditSeverity::Medium,
        AuditSeverity::High,
        AuditSeverity::Critical,
    ];

    /// `critical`, `high`, `medium`, `low` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditSeverity::Info => "info",
            AuditSeverity::Low => "low",
            AuditSeverity::Medium => "medium",
            AuditSeverity::High => "high",
            AuditSeverity::Critical => "critical",
        }
    }

    /// The `check` severity an audit finding is reported with (`critical`/`high` → error,
    /// `medium`/`low` → warning, `info` → info): SARIF `level`, JUnit, annotations.
    pub fn level(self) -> Severity {
        match self {
            AuditSeverity::Critical | AuditSeverity::High => Severity::Error,
            AuditSeverity::Medium | AuditSeverity::Low => Severity::Warning,
            AuditSeverity::Info => Severity::Info,
        }
    }

    /// SARIF `properties.security-severity` (GitHub's bands: critical ≥ 9.0, high ≥ 7.0,
    /// medium ≥ 4.0, low ≥ 0.1).
    pub fn score(self) -> &'static str {
        match self {
            AuditSeverity::Critical => "9.5",
            AuditSeverity::High => "8.0",
            AuditSeverity::Medium => "5.5",
            AuditSeverity::Low => "3.0",
            AuditSeverity::Info => "0.0",
        }
    }
}

impl fmt::Display for AuditSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditSeverity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditSeverity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown severity {s:?} (critical, high, medium, low, info)"))
    }
}

/// What a rule sees in the facts, whatever the profile's level.
pub type HitsFn = fn(&ImageFacts, &Options) -> Vec<Hit>;

/// A rule: one declaration in [`crate::RULES`] (id, name, title, kind and levels, message,
/// remediation, references, and the pure function that finds its hits). `vhdlint rules`, the
/// README table, SARIF and the docs are built from it.
#[derive(Clone, Copy)]
pub struct Rule {
    /// Stable id (`VL0401` as [`RuleId::as_str`] spells it). Never reused: a retired rule's id
    /// goes to [`crate::RETIRED_IDS`].
    pub id: RuleId,
    /// Stable kebab-case name (`not-generalized`).
    pub name: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Which command runs it, with its levels or severity.
    pub kind: RuleKind,
    /// Why it matters, in one or two sentences.
    pub message: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
    /// Where the requirement is written.
    pub references: &'static [&'static str],
    /// What the rule sees in the facts.
    pub hits: HitsFn,
}

/// The old name of [`Rule`]: the declaration is the rule now.
#[deprecated(note = "use Rule: a rule is one declaration")]
pub type RuleMeta = Rule;

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The `vhdlint rules --format json` shape (a public contract): `id`, `name`, `title`, `levels`,
/// `graphCode` (deprecated: the same value as `errorCode`, the findings' name), `errorCode`,
/// `message`, `remediation`, `references`; audit rules give `severity` instead of `levels`,
/// `graphCode` and `errorCode`.
impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Rule", 9)?;
        st.serialize_field("id", self.id.as_str())?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("title", self.title)?;
        match self.kind {
            RuleKind::Check { levels, graph_code } => {
                st.serialize_field("levels", &levels)?;
                st.serialize_field("graphCode", &graph_code)?;
                // The findings' name for the same code; `graphCode` is kept, deprecated.
                st.serialize_field("errorCode", &graph_code)?;
            }
            RuleKind::Audit { severity } => st.serialize_field("severity", &severity)?,
        }
        st.serialize_field("message", self.message)?;
        st.serialize_field("remediation", self.remediation)?;
        st.serialize_field("references", self.references)?;
        st.end()
    }
}

impl Rule {
    /// The id as text (`VL0401`).
    pub fn code(&self) -> &'static str {
        self.id.as_str()
    }

    /// The level per profile of a `check` rule; `None` for an audit rule.
    pub fn levels(&self) -> Option<Levels> {
        match self.kind {
            RuleKind::Check { levels, .. } => Some(levels),
            RuleKind::Audit { .. } => None,
        }
    }

    /// The level in `profile`: `Allowed` for an audit rule (`check` never runs it).
    pub fn level(&self, profile: Profile) -> Level {
        self.levels().map_or(Level::Allowed, |l| l.get(profile))
    }

    /// The severity of an audit rule; `None` for a `check` rule.
    pub fn audit_severity(&self) -> Option<AuditSeverity> {
        match self.kind {
            RuleKind::Audit { severity } => Some(severity),
            RuleKind::Check { .. } => None,
        }
    }

    /// The Graph error code an error finding carries, if any.
    pub fn graph_code(&self) -> Option<GraphErrorCode> {
        match self.kind {
            RuleKind::Check { graph_code, .. } => graph_code,
            RuleKind::Audit { .. } => None,
        }
    }

    /// What the rule sees in `facts`, whatever the profile's level.
    pub fn hits(&self, facts: &ImageFacts, options: &Options) -> Vec<Hit> {
        (self.hits)(facts, options)
    }

    /// The findings for `options.profile`: none when the profile allows the condition.
    pub fn check(&self, facts: &ImageFacts, options: &Options) -> Vec<Finding> {
        let Some(severity) = self.level(options.profile).severity() else {
            return Vec::new();
        };
        let error_code = if severity == Severity::Error {
            self.graph_code()
        } else {
            None
        };
        self.hits(facts, options)
            .into_iter()
            .map(|hit| self.finding(hit, severity, error_code, None))
            .collect()
    }

    /// The finding of one `hit` at `severity`: its evidence without repeats, the hit's own
    /// remediation where it has one, else the rule's.
    pub(crate) fn finding(
        &self,
        hit: Hit,
        severity: Severity,
        error_code: Option<GraphErrorCode>,
        security_severity: Option<AuditSeverity>,
    ) -> Finding {
        let mut evidence = hit.evidence;
        crate::rules::dedup(&mut evidence);
        Finding {
            id: self.id,
            rule: self.id.as_str(),
            name: self.name,
            severity,
            error_code,
            message: hit.message,
            evidence,
            remediation: hit.remediation.map_or(
                std::borrow::Cow::Borrowed(self.remediation),
                std::borrow::Cow::Owned,
            ),
            security_severity,
        }
    }
}

/// What a rule saw, before the profile gives it a severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The specific message (`EditionID is Professional (Windows 11 Pro) …`).
    pub message: String,
    /// The facts' evidence.
    pub evidence: Vec<Evidence>,
    /// What to do for this image in particular (a conversion command naming it), instead of the
    /// rule's own remediation.
    pub remediation: Option<String>,
}

impl Hit {
    /// A hit.
    pub fn new(message: impl Into<String>, evidence: Vec<Evidence>) -> Hit {
        Hit {
            message: message.into(),
            evidence,
            remediation: None,
        }
    }

    /// The hit with a specific remediation instead of the rule's.
    pub fn fix(mut self, remediation: impl Into<String>) -> Hit {
        self.remediation = Some(remediation.into());
        self
    }
}

/// One finding of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule.
    #[serde(skip)]
    pub id: RuleId,
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
    /// How to fix it (the rule's remediation, or one specific to this image, e.g. the conversion
    /// command of a foreign format).
    pub remediation: std::borrow::Cow<'static, str>,
    /// An audit finding's severity (`critical` … `info`; SARIF `security-severity`); absent
    /// from `check` findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_severity: Option<AuditSeverity>,
}
