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
/// One image's result as printed: whether it passed and its rendered output, or the OS error.
type Rendered = Result<(bool, String), String>;

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

/// One image's document as `format` prints it: for JSON of several images, the pretty element
/// (indented by [`json_array`]); otherwise the whole output for that image, newline included.
fn render(doc: &CheckJson, format: CheckFormat, single: bool) -> Result<String, String> {
    let json = |r: serde_json::Result<String>| r.map_err(|e| format!("JSON output: {e}"));
    Ok(match format {
        CheckFormat::Json if single => json(serde_json::to_string_pretty(doc))? + "\n",
        CheckFormat::Json => json(serde_json::to_string_pretty(doc))?,
        CheckFormat::Jsonl => json(serde_json::to_string(doc))? + "\n",
        CheckFormat::Text => check_text(doc),
    })
}

/// Pretty JSON elements joined into a pretty array, byte for byte what `serde_json` prints for
/// the array (a pretty element holds no raw newline inside a string, so indenting every line by
/// two spaces is exact).
fn json_array<'a>(elements: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    let mut empty = true;
    for e in elements {
        out.push_str(if empty { "\n" } else { ",\n" });
        empty = false;
        for (i, line) in e.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("  ");
            out.push_str(line);
        }
    }
    out.push_str(if empty { "]\n" } else { "\n]\n" });
    out
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
    // Images are checked and rendered in parallel; results keep the command line's order and
    // stdout gets one buffered write.
    let single = args.images.len() == 1;
    let results: Vec<(PathBuf, Rendered)> = args
        .images
        .par_iter()
        .map(|p| {
            let checked = check_one(p, &options, &gather_opts, args.stats)
                .and_then(|doc| Ok((doc.passed, render(&doc, args.format, single)?)));
            (p.clone(), checked)
        })
        .collect();

    let rendered: Vec<&(bool, String)> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    let mut text = String::new();
    match args.format {
        CheckFormat::Json if !single => {
            text.push_str(&json_array(rendered.iter().map(|(_, s)| s.as_str())))
        }
        _ => rendered.iter().for_each(|(_, s)| text.push_str(s)),
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
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
    Ok(if rendered.iter().all(|(passed, _)| *passed) {
        Outcome::Ok
    } else {
        Outcome::ImageFailed
    })
}

#[cfg(test)]
mod tests {
    use super::json_array;
    use serde_json::json;

    #[test]
    fn json_array_is_what_serde_json_prints() {
        let docs = [
            json!({"a": 1, "b": [1, 2, {"c": "x\ny"}], "d": {}}),
            json!({"e": [], "f": "  indented  "}),
        ];
        for n in 0..=docs.len() {
            let docs = &docs[..n];
            let parts: Vec<String> = docs
                .iter()
                .map(|d| serde_json::to_string_pretty(d).unwrap())
                .collect();
            let ours = json_array(parts.iter().map(String::as_str));
            assert_eq!(ours, serde_json::to_string_pretty(docs).unwrap() + "\n");
        }
    }
}
