//! vhdlint's policy: the Windows 365, Dev Box and Azure Virtual Desktop custom-image
//! requirements as rules over [`ImageFacts`], with the error codes Microsoft Graph reports on a
//! `cloudPcDeviceImage`.
//!
//! A rule is one declaration in the [`RULES`] table ([`rules`]): its [`RuleId`] (the stable id,
//! `VL0401`), kebab-case name, title, [`RuleKind`] (level per profile and Graph code for `check`;
//! one [`AuditSeverity`] for the coming `audit` rules, ids `VS…`), message, remediation,
//! references, and its `hits`, a pure function of the facts. Profiles (`windows365`, `devbox`,
//! `avd`) only select levels. `vhdlint_report::rules` prints the table (`vhdlint rules`, the README's
//! Markdown).
//!
//! Adding a rule: one entry in the `rules!` table (documentation, id, fields, `hits`), a case
//! in `tests/common` (and a fixture image when the facts come from one), then
//! `VHDLINT_BLESS=1 cargo test -p vhdlint-policy --test rules levels_snapshot` and
//! `vhdlint rules --format markdown` into the README. [`evaluate()`] runs them all and derives
//! Graph's `status`, `errorCode` (by [`ERROR_CODE_PRECEDENCE`]) and `osStatus` (from the
//! end-of-servicing table in `data/end-of-servicing.json`).
//!
//! `paidSourceImageNotSupport` is never emitted: whether an image comes from a paid
//! Marketplace image is Azure metadata, not on the disk, so it cannot be decided offline.
//!
//! # Getting started
//! 1. Get an [`ImageFacts`] (from the gatherer, or build one in a test).
//! 2. Choose [`Options`]: profile, the `as_of` date for end of servicing, the OS disk limit,
//!    strictness.
//! 3. [`evaluate()`] and read [`Evaluation::passed`], the findings, and
//!    [`CloudPcDeviceImage::new`] for the Graph view.
//!
//! ```no_run
//! use vhdlint_policy::{evaluate, CloudPcDeviceImage, Date, ImageFacts, Options, Profile};
//! let facts = ImageFacts::default(); // from the gatherer
//! let as_of = Date::parse("2026-11-22")?;
//! let evaluation = evaluate(&facts, &Options::new(Profile::Devbox, as_of));
//! for f in &evaluation.findings {
//!     println!("{} {} {:?}: {}", f.rule, f.name, f.severity, f.message);
//! }
//! let graph = CloudPcDeviceImage::new("golden", &facts, &evaluation);
//! println!("{}", serde_json::to_string_pretty(&graph)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod date;
pub mod error;
pub mod evaluate;
pub mod graph;

pub mod rule;
pub mod rules;
pub mod servicing;

pub use audit::{audit, AuditOptions};
pub use date::Date;
pub use error::{PolicyError, Result};
pub use evaluate::{
    evaluate, os_servicing, CloudPcDeviceImage, Evaluation, CLOUD_PC_DEVICE_IMAGE_TYPE,
    ERROR_CODE_PRECEDENCE,
};
pub use graph::{GraphErrorCode, ImageStatus, OsStatus};
#[allow(deprecated)]
pub use rule::RuleMeta;
pub use rule::{
    AuditSeverity, Finding, Hit, HitsFn, Level, Levels, Options, Profile, Rule, RuleKind, Severity,
    DEFAULT_MAX_OS_DISK_GB,
};
pub use rules::{minimum_windows_10_build, rule, RuleId, RETIRED_IDS, RULES};
pub use servicing::{lookup, Servicing, ServicingChannel, ServicingTable, EMBEDDED_TABLE};
pub use vhdlint_facts::{Evidence, ImageFacts};
