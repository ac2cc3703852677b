//! vhdlint as a library: the whole pipeline behind one entry per command.
//!
//! container → volumes → filesystems → registry → gather (into the `vhdlint-facts` model) →
//! policy → report. [`check`] is `vhdlint check` on one image, [`check_source`] the same on bytes
//! already in memory (the whole-pipeline fuzz target, the hostile sweep), [`inspect`] is
//! `vhdlint inspect`. The binary only parses arguments, calls these and prints what
//! `vhdlint-report` renders; tests and benches call the same functions.
//!
//! ```no_run
//! use vhdlint::{check, Options};
//! use vhdlint_policy::{Date, Profile};
//! let policy = vhdlint_policy::Options::new(Profile::Windows365, Date::parse("2026-12-01")?);
//! let doc = check(std::path::Path::new("golden.vhdx"), &Options::new(policy))?;
//! println!("{}", if doc.passed { "PASS" } else { "FAIL" });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(hidden)]
pub mod fuzzing;
pub mod source;

pub use source::{RemoteOptions, Source, SourceError};

use std::sync::Arc;
use std::time::Instant;

use vhdlint_container::{open_source, Container, NoParents, OpenOptions, ReadAt, ReadStats};
use vhdlint_facts::ImageFacts;
use vhdlint_filesystems::image::Image;
pub use vhdlint_gather::GatherOptions;
use vhdlint_gather::{gather_container, open_image_hive, unreadable_container, HiveName};
use vhdlint_policy::evaluate;
use vhdlint_registry::{BcdStore, HiveOptions};
use vhdlint_report::check::{CheckJson, RemoteStatsJson, StatsJson};
use vhdlint_report::registry::BcdJson;
use vhdlint_report::volumes::PartitionsJson;
use vhdlint_report::wire::{ContainerJson, ErrorJson, InspectJson, SCHEMA_VERSION};

/// How to check an image.
#[derive(Debug, Clone)]
pub struct Options {
    /// Profile, date, limits, strictness.
    pub policy: vhdlint_policy::Options,
    /// Log replay.
    pub gather: GatherOptions,
    /// Record the reads and time the check took ([`CheckJson::stats`]).
    pub stats: bool,
}

impl Options {
    /// `policy`, logs replayed, no statistics.
    pub fn new(policy: vhdlint_policy::Options) -> Self {
        Options {
            policy,
            gather: GatherOptions::default(),
            stats: false,
        }
    }
}

/// Checks the image at `source` (a path, or an `http(s)://` URL read by range requests): opens
/// it read-only (once), gathers its facts, judges them and assembles the `check` document.
///
/// `Err` only when the operating system will not open or read the file, or the server cannot
/// be reached or fails mid-check (never a verdict then); a corrupt container or partition table
/// is a document whose facts hold the problem (a failed image).
pub fn check(source: impl Into<Source>, options: &Options) -> Result<CheckJson, SourceError> {
    let g = gather(source.into(), options, gather_container)?;
    let evaluation = evaluate(&g.facts, &options.policy);
    let stats = g.stats(options);
    Ok(CheckJson::new(
        &g.shown, &g.stem, g.facts, evaluation, stats,
    ))
}

/// Checks an image whose bytes are `source` (format detected from content, no parent disks),
/// named `name` in the document. Never fails: what cannot be read is a problem in the facts.
pub fn check_source(name: &str, source: Arc<dyn ReadAt>, options: &Options) -> CheckJson {
    let started = Instant::now();
    let (facts, counts) = match open_source(source, &mut NoParents) {
        Ok(c) => {
            let container = Arc::new(c);
            let facts = gather_container(&container, &options.gather);
            (facts, container.file_stats())
        }
        Err(e) => (unreadable_container(name, &e), ReadStats::default()),
    };
    finish(
        name,
        name,
        facts,
        options,
        options.stats.then_some((counts, None, started)),
    )
}

/// `vhdlint audit` on the image at `source` (a path or a URL): opens it read-only, gathers its
/// facts with the audit step ([`vhdlint_gather::gather_container_audit`]), runs the `VS…` rules
/// and assembles the document (the `check` document's shape; findings carry `securitySeverity`).
///
/// `Err` as for [`check`]. No secret found in the image is in the document: the facts hold
/// names, kinds, locations and lengths only.
pub fn audit(
    source: impl Into<Source>,
    options: &Options,
    audit: &vhdlint_policy::AuditOptions,
) -> Result<CheckJson, SourceError> {
    let g = gather(
        source.into(),
        options,
        vhdlint_gather::gather_container_audit,
    )?;
    let evaluation = vhdlint_policy::audit(&g.facts, audit);
    let stats = g.stats(options);
    Ok(CheckJson::audit(
        &g.shown, &g.stem, g.facts, evaluation, stats,
    ))
}

/// `vhdlint check --with-audit`: [`check`]'s document with the audit gathered too: its `VS…`
/// findings beside the `VL…` ones (`facts.audit` filled), failed when either judgement fails
/// (a check error, or an audit finding at or above `audit.fail_on`).
///
/// `Err` as for [`check`].
pub fn check_with_audit(
    source: impl Into<Source>,
    options: &Options,
    audit: &vhdlint_policy::AuditOptions,
) -> Result<CheckJson, SourceError> {
    let g = gather(
        source.into(),
        options,
        vhdlint_gather::gather_container_audit,
    )?;
    let mut evaluation = evaluate(&g.facts, &options.policy);
    let audited = vhdlint_policy::audit(&g.facts, audit);
    evaluation.passed &= audited.passed;
    evaluation.findings.extend(audited.findings);
    let stats = g.stats(options);
    Ok(CheckJson::new(
        &g.shown, &g.stem, g.facts, evaluation, stats,
    ))
}

/// What [`gather`] read: the facts, the names to show, and the read counters.
struct Gathered {
    shown: String,
    stem: String,
    facts: ImageFacts,
    counts: ReadStats,
    wire: Option<RemoteStatsJson>,
    started: Instant,
}

impl Gathered {
    fn stats(&self, options: &Options) -> Option<StatsJson> {
        options.stats.then(|| StatsJson {
            reads: self.counts.calls,
            bytes: self.counts.bytes,
            millis: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            remote: self.wire,
        })
    }
}

/// Opens `source` once and gathers its facts with `gather_fn`; a network failure met on the
/// way is an `Err` (never a verdict).
fn gather(
    source: Source,
    options: &Options,
    gather_fn: fn(&Arc<Container>, &GatherOptions) -> ImageFacts,
) -> Result<Gathered, SourceError> {
    let started = Instant::now();
    let shown = source.shown();
    let opened = source.open_container(OpenOptions::default())?;
    let (facts, counts) = match opened.value {
        Ok(c) => {
            let container = Arc::new(c);
            let facts = gather_fn(&container, &options.gather);
            let counts = match &opened.remote {
                Some(r) => r.reads(),
                None => container.file_stats(),
            };
            (facts, counts)
        }
        Err(e) => (unreadable_container(&shown, &e), ReadStats::default()),
    };
    if let Some(failure) = opened.remote.as_ref().and_then(source::Remote::failure) {
        return Err(SourceError::Remote(failure));
    }
    let wire = opened.remote.as_ref().map(source::Remote::wire);
    Ok(Gathered {
        shown,
        stem: source.stem(),
        facts,
        counts,
        wire,
        started,
    })
}

/// Judges the facts and assembles the document.
fn finish(
    image: &str,
    name: &str,
    facts: ImageFacts,
    options: &Options,
    stats: Option<(ReadStats, Option<RemoteStatsJson>, Instant)>,
) -> CheckJson {
    let evaluation = evaluate(&facts, &options.policy);
    let stats = stats.map(|(c, remote, started)| StatsJson {
        reads: c.calls,
        bytes: c.bytes,
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        remote,
    });
    CheckJson::new(image, name, facts, evaluation, stats)
}

/// What `inspect` found.
#[derive(Debug)]
pub struct Inspected {
    /// The document.
    pub doc: InspectJson,
    /// True when the container or the partition table could not be read (exit 1).
    pub failed: bool,
    /// The reads made of the image files.
    pub stats: Option<ReadStats>,
    /// For a URL: the requests, bytes and round trips on the wire.
    pub remote: Option<RemoteStatsJson>,
}

/// `inspect`: the container, the partition table, and the default entry of the BCD store the
/// image boots from (the same store `check` judges: `vhdlint_gather::layout::boot_volume`).
///
/// `Err` only when the operating system will not open or read the file, or the server cannot
/// be reached or fails while reading.
pub fn inspect(source: impl Into<Source>) -> Result<Inspected, SourceError> {
    let source = source.into();
    let shown = source.shown();
    let mut failed = false;
    let mut error = None;
    let mut container = None;
    let mut partitions = None;
    let mut bcd = None;
    let mut stats = None;
    let opened = source.open_container(OpenOptions::default())?;
    match opened.value {
        Ok(c) => {
            container = Some(ContainerJson::from(c.info()));
            let c: Arc<Container> = Arc::new(c);
            match Image::from_container(c.clone()) {
                Ok(img) => {
                    partitions = Some(PartitionsJson::from(img.partitions()));
                    bcd = bcd_summary(&img);
                }
                Err(e) => {
                    failed = true;
                    error = Some(ErrorJson {
                        message: e.to_string(),
                    });
                }
            }
            stats = Some(match &opened.remote {
                Some(r) => r.reads(),
                None => c.file_stats(),
            });
        }
        Err(e) => {
            failed = true;
            error = Some(ErrorJson {
                message: e.to_string(),
            });
        }
    }
    if let Some(failure) = opened.remote.as_ref().and_then(source::Remote::failure) {
        return Err(SourceError::Remote(failure));
    }
    Ok(Inspected {
        doc: InspectJson {
            schema_version: SCHEMA_VERSION,
            path: shown.clone(),
            image: shown,
            container,
            partitions,
            bcd,
            error,
        },
        failed,
        stats,
        remote: opened.remote.as_ref().map(source::Remote::wire),
    })
}

/// The BCD store's default entry, when the image's boot volume holds a readable store.
fn bcd_summary(img: &Image) -> Option<BcdJson> {
    let (hive, at) = open_image_hive(img, &HiveName::Bcd, HiveOptions::default()).ok()?;
    let store = BcdStore::read(&hive).ok()?;
    let mut json = BcdJson::new(&store, at.partition, &at.path);
    // The same decisions `check` makes (vhdlint-gather's boot chain).
    let (manager, volume) = match vhdlint_gather::boot_volume(img) {
        vhdlint_gather::BootChoice::Uefi(esp) => (vhdlint_gather::boot::BOOTMGFW, Some(esp)),
        vhdlint_gather::BootChoice::Bios(_, Ok(v)) => (vhdlint_gather::boot::BOOTMGR, Some(v)),
        _ => (vhdlint_gather::boot::BOOTMGR, None),
    };
    if let Some(loader) = store.default_entry() {
        let targets = vhdlint_gather::boot_chain::DeviceTargets {
            image: img,
            boot_index: volume.and_then(|v| v.index()),
        };
        json.devices =
            vhdlint_gather::boot_chain::devices(store.boot_manager(), loader, manager, targets);
    }
    if manager == vhdlint_gather::boot::BOOTMGFW {
        if let Some(fs) = volume.and_then(|v| v.fs().ok()) {
            json.boot_manager = Some(vhdlint_gather::boot_chain::boot_manager(
                &**fs,
                volume.and_then(|v| v.index()),
                manager,
            ));
        }
    }
    Some(json)
}
