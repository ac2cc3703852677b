//! `check`: the library's [`vhdlint::check`] on each image, in parallel; printed as
//! `vhdlint-report` renders it.

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;
use vhdlint::{GatherOptions, Options};
use vhdlint_policy::{Date, Profile};
use vhdlint_report::check::{render, write_json_array, CheckJson};
use vhdlint_report::ci;

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
    /// SARIF 2.1.0, one run for every image (GitHub code scanning).
    Sarif,
    /// JUnit XML, one testsuite per image, one testcase per rule.
    Junit,
    /// GitHub Actions workflow commands (`::error title=…::…`).
    Github,
}

impl From<CheckFormat> for vhdlint_report::check::CheckFormat {
    fn from(f: CheckFormat) -> Self {
        match f {
            CheckFormat::Text => Self::Text,
            CheckFormat::Json => Self::Json,
            CheckFormat::Jsonl => Self::Jsonl,
            CheckFormat::Github => Self::Github,
            // Rendered once for every image at the end (`write_ci`).
            CheckFormat::Sarif | CheckFormat::Junit => Self::None,
        }
    }
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

/// One image's result as printed: whether it passed and its rendered output, or the OS error.
/// SARIF and JUnit, which need every image at once, also keep the document.
type Rendered = Result<(bool, String, Option<CheckJson>), String>;

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let as_of = match &args.as_of {
        Some(text) => Date::parse(text).map_err(|e| anyhow::anyhow!("--as-of {text}: {e}"))?,
        None => Date::today_utc(),
    };
    let mut policy = vhdlint_policy::Options::new(args.profile, as_of);
    policy.max_os_disk_gb = args.max_os_disk_gb;
    policy.strict = args.strict;
    let options = Options {
        policy,
        gather: GatherOptions {
            replay_logs: !args.no_logs,
        },
        stats: args.stats,
    };
    let format = args.format.into();
    // Images are checked and rendered in parallel; results keep the command line's order and
    // stdout gets one buffered write.
    let single = args.images.len() == 1;
    let results: Vec<(PathBuf, Rendered)> = args
        .images
        .par_iter()
        .map(|p| {
            let whole = matches!(args.format, CheckFormat::Sarif | CheckFormat::Junit);
            let checked = vhdlint::check(p, &options)
                .map_err(|e| e.to_string())
                .and_then(|doc| {
                    let text = render(&doc, format, single)?;
                    Ok((doc.passed, text, whole.then_some(doc)))
                });
            (p.clone(), checked)
        })
        .collect();

    let rendered: Vec<&(bool, String, Option<CheckJson>)> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    // Written piece by piece: joining a megabyte of documents first cost more than rendering.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match args.format {
        CheckFormat::Json if !single => {
            write_json_array(&mut out, rendered.iter().map(|(_, s, _)| s.as_str()))?
        }
        CheckFormat::Sarif | CheckFormat::Junit | CheckFormat::Github => {
            write_ci(&mut out, &args, &results)?
        }
        _ => {
            for (_, s, _) in &rendered {
                out.write_all(s.as_bytes())?;
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
    Ok(if rendered.iter().all(|(passed, _, _)| *passed) {
        Outcome::Ok
    } else {
        Outcome::ImageFailed
    })
}

/// `--format sarif|junit|github`: every image, including those that could not be opened.
fn write_ci(
    out: &mut impl Write,
    args: &CheckArgs,
    results: &[(PathBuf, Rendered)],
) -> std::io::Result<()> {
    let tool = ci::Tool {
        name: "vhdlint",
        version: env!("CARGO_PKG_VERSION"),
    };
    let rules = vhdlint_policy::RULES;
    let docs: Vec<&CheckJson> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok()?.2.as_ref())
        .collect();
    let names: Vec<(String, &str)> = results
        .iter()
        .filter_map(|(p, r)| Some((p.display().to_string(), r.as_ref().err()?.as_str())))
        .collect();
    let failures: Vec<ci::OpenFailure<'_>> = names.iter().map(|(p, e)| (p.as_str(), *e)).collect();
    match args.format {
        CheckFormat::Sarif => {
            let doc = ci::sarif(tool, args.profile, rules, &docs, &failures);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            out.write_all(b"\n")
        }
        CheckFormat::Junit => {
            let xml = ci::junit(tool, args.profile, args.strict, rules, &docs, &failures);
            out.write_all(xml.as_bytes())
        }
        _ => {
            for (_, r) in results {
                if let Ok((_, s, _)) = r {
                    out.write_all(s.as_bytes())?;
                }
            }
            for (image, reason) in &failures {
                out.write_all(ci::github_open_failure(image, reason).as_bytes())?;
            }
            Ok(())
        }
    }
}
