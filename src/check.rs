//! `check`: gather the facts of each image, judge them against a profile, report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use vhdlint_facts::{gather, GatherOptions};
use vhdlint_filesystems::image::{Image, ImageError};
use vhdlint_policy::{evaluate, Date, Options, Profile};
use vhdlint_report::check::{check_text, CheckJson, StatsJson};

use crate::Outcome;

/// How `check` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// For people.
    Text,
    /// One JSON object (an array for several images).
    Json,
    /// One JSON object per line, per image.
    Jsonl,
}

/// `check`'s settings.
#[derive(Debug, Clone)]
pub(crate) struct CheckArgs {
    pub images: Vec<PathBuf>,
    pub profile: Profile,
    pub as_of: Option<String>,
    pub max_os_disk_gb: u64,
    pub strict: bool,
    pub no_logs: bool,
    pub format: CheckFormat,
    pub stats: bool,
}

/// One image's result: its document, or an error the OS gave opening it.
type Checked = Result<CheckJson, String>;

fn check_one(path: &Path, options: &Options, gather_opts: &GatherOptions, stats: bool) -> Checked {
    let started = Instant::now();
    let (facts, counts) = match Image::open(path) {
        Ok(image) => {
            let facts = gather(&image, gather_opts);
            (facts, Some(image.container().file_stats()))
        }
        Err(ImageError::Container(e)) if e.is_os_error() => return Err(e.to_string()),
        Err(_) => match vhdlint_facts::gather_path(path, gather_opts) {
            Ok(facts) => (facts, None),
            Err(e) => return Err(e.to_string()),
        },
    };
    let evaluation = evaluate(&facts, options);
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stats = stats.then(|| {
        let c = counts.unwrap_or_default();
        StatsJson {
            reads: c.calls,
            bytes: c.bytes,
            millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    });
    Ok(CheckJson::new(
        &path.display().to_string(),
        &name,
        facts,
        evaluation,
        stats,
    ))
}

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let as_of = match &args.as_of {
        Some(text) => Date::parse(text).map_err(|e| anyhow::anyhow!("--as-of {text}: {e}"))?,
        None => Date::today_utc(),
    };
    let mut options = Options::new(args.profile, as_of);
    options.max_os_disk_gb = args.max_os_disk_gb;
    options.strict = args.strict;
    let gather_opts = GatherOptions {
        replay_logs: !args.no_logs,
    };
    // Images are checked in parallel; results keep the command line's order.
    let results: Vec<(PathBuf, Checked)> = args
        .images
        .par_iter()
        .map(|p| (p.clone(), check_one(p, &options, &gather_opts, args.stats)))
        .collect();

    let mut out = std::io::stdout().lock();
    let docs: Vec<&CheckJson> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    match args.format {
        CheckFormat::Json if args.images.len() == 1 => {
            if let Some(doc) = docs.first() {
                serde_json::to_writer_pretty(&mut out, doc)?;
                writeln!(out)?;
            }
        }
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &docs)?;
            writeln!(out)?;
        }
        CheckFormat::Jsonl => {
            for doc in &docs {
                serde_json::to_writer(&mut out, doc)?;
                writeln!(out)?;
            }
        }
        CheckFormat::Text => {
            for doc in &docs {
                write!(out, "{}", check_text(doc))?;
            }
        }
    }
    out.flush()?;
    let mut os_error = false;
    for (path, r) in &results {
        if let Err(e) = r {
            eprintln!("vhdlint: error: {}: {e}", path.display());
            os_error = true;
        }
    }
    if os_error {
        return Err(anyhow::anyhow!("some images could not be opened"));
    }
    Ok(if docs.iter().all(|d| d.passed) {
        Outcome::Ok
    } else {
        Outcome::ImageFailed
    })
}
