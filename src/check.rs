//! `check`: gather the facts of each image, judge them against a profile, report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use vhdlint_facts::{gather, GatherOptions};
use vhdlint_filesystems::image::{Image, ImageError};
use vhdlint_policy::{evaluate, Date, Options, Profile};
use vhdlint_report::check::{check_text, CheckJson, StatsJson};
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
/// SARIF and JUnit, which need every image at once, also keep the document.
type Rendered = Result<(bool, String, Option<CheckJson>), String>;

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

/// One image's document as `format` prints it: for JSON of several images, the array element
/// ([`array_element`]); otherwise the whole output for that image, newline included.
fn render(doc: &CheckJson, format: CheckFormat, single: bool) -> Result<String, String> {
    let json = |r: serde_json::Result<String>| r.map_err(|e| format!("JSON output: {e}"));
    Ok(match format {
        CheckFormat::Json if single => json(serde_json::to_string_pretty(doc))? + "\n",
        CheckFormat::Json => {
            let mut pretty = Vec::with_capacity(RENDER_CAPACITY);
            serde_json::to_writer_pretty(&mut pretty, doc)
                .map_err(|e| format!("JSON output: {e}"))?;
            array_element(&String::from_utf8_lossy(&pretty))
        }
        CheckFormat::Jsonl => json(serde_json::to_string(doc))? + "\n",
        CheckFormat::Text => check_text(doc),
        CheckFormat::Github => ci::github(doc),
        CheckFormat::Sarif | CheckFormat::Junit => String::new(),
    })
}

/// Room reserved for one image's rendered document (a check of the gold image prints ~32 KiB):
/// growing the buffer by doubling cost more than the rendering, and staying under glibc's
/// 128 KiB mmap threshold keeps parallel renders from contending in the kernel.
const RENDER_CAPACITY: usize = 96 << 10;

/// A pretty JSON document as an element of a pretty array: every line indented by two spaces
/// (exact, since pretty JSON holds no raw newline inside a string). Done per image, in
/// parallel; [`write_json_array`] then only writes.
fn array_element(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len() + pretty.len() / 8);
    for (i, line) in pretty.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(line);
    }
    out
}

/// [`array_element`]s written as a pretty array, byte for byte what `serde_json` prints.
fn write_json_array<'a>(
    out: &mut impl Write,
    elements: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut empty = true;
    for e in elements {
        out.write_all(if empty { b"\n" } else { b",\n" })?;
        empty = false;
        out.write_all(e.as_bytes())?;
    }
    out.write_all(if empty { b"]\n" } else { b"\n]\n" })
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
            let checked = check_one(p, &options, &gather_opts, args.stats).and_then(|doc| {
                let text = render(&doc, args.format, single)?;
                let whole = matches!(args.format, CheckFormat::Sarif | CheckFormat::Junit);
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
    let rules: Vec<vhdlint_policy::RuleMeta> =
        vhdlint_policy::RULES.iter().map(|r| *r.meta()).collect();
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
            let doc = ci::sarif(tool, args.profile, &rules, &docs, &failures);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            out.write_all(b"\n")
        }
        CheckFormat::Junit => {
            let xml = ci::junit(tool, args.profile, args.strict, &rules, &docs, &failures);
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

#[cfg(test)]
mod tests {
    use super::{array_element, write_json_array};
    use serde_json::json;

    #[test]
    fn the_array_is_what_serde_json_prints() {
        let docs = [
            json!({"a": 1, "b": [1, 2, {"c": "x\ny"}], "d": {}}),
            json!({"e": [], "f": "  indented  "}),
        ];
        for n in 0..=docs.len() {
            let docs = &docs[..n];
            let parts: Vec<String> = docs
                .iter()
                .map(|d| array_element(&serde_json::to_string_pretty(d).unwrap()))
                .collect();
            let mut ours = Vec::new();
            write_json_array(&mut ours, parts.iter().map(String::as_str)).unwrap();
            let want = serde_json::to_string_pretty(docs).unwrap() + "\n";
            assert_eq!(String::from_utf8(ours).unwrap(), want);
        }
    }
}
