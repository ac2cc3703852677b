//! The output flags `check` (and any command that judges images) shares: one main format on
//! stdout or `--output FILE`, and beside it, from the same run, `--sarif FILE`, `--junit FILE`,
//! `--json FILE` (the envelope). `--quiet`, `--color`. Everything written is rendered by
//! `vhdlint_report::batch`; this module only picks the sinks and the terminal.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use vhdlint_report::batch::{self, Entry, Run, Summary, TextStyle};
use vhdlint_report::check::{array_element, write_json_array};

/// How the main output prints (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people; a summary line ends a batch.
    Text,
    /// One JSON object for one image, an array for several (kept for compatibility; prefer
    /// json-envelope, the same shape for any number of images).
    Json,
    /// One JSON object per line, per image.
    Jsonl,
    /// `{"schemaVersion", "kind", "summary", "images": [...]}` whatever the number of images.
    JsonEnvelope,
    /// SARIF 2.1.0, one run for every image (GitHub code scanning).
    Sarif,
    /// JUnit XML, one testsuite per image, one testcase per rule.
    Junit,
    /// GitHub Actions workflow commands (`::error title=…::…`).
    Github,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when the main output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always colour the text format.
    Always,
    /// Never colour.
    Never,
}

/// The output flags, flattened into a command's arguments.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct OutputArgs {
    /// Main output format (on stdout, or in --output FILE).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the main output to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write SARIF 2.1.0 to FILE (same run).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write JUnit XML to FILE (same run).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the JSON envelope (as --format json-envelope) to FILE (same run).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Text format: only images that failed or could not be opened, their errors, and the
    /// summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour the text format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl OutputArgs {
    /// Whether the text format is coloured.
    pub(crate) fn style(&self) -> TextStyle {
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                self.output.is_none()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        TextStyle {
            color,
            quiet: self.quiet,
        }
    }

    /// Files named twice (or --output naming a side file) would be overwritten by the other.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        let files: Vec<&PathBuf> = [&self.output, &self.sarif, &self.junit, &self.json]
            .into_iter()
            .flatten()
            .collect();
        for (i, a) in files.iter().enumerate() {
            if files.iter().skip(i + 1).any(|b| b == a) {
                anyhow::bail!("{} is named by two output flags", a.display());
            }
        }
        Ok(())
    }

    /// Renders `entries` into every output asked for.
    pub(crate) fn emit(&self, run: Run<'_>, entries: &[Entry]) -> anyhow::Result<()> {
        let main = render_main(self.format, self.style(), run, entries)?;
        match &self.output {
            Some(path) => write_file(path, &main)?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&main)?;
                out.flush()?;
            }
        }
        let side: [(&Option<PathBuf>, Format); 3] = [
            (&self.sarif, Format::Sarif),
            (&self.junit, Format::Junit),
            (&self.json, Format::JsonEnvelope),
        ];
        for (path, format) in side {
            if let Some(path) = path {
                let bytes = render_main(format, TextStyle::default(), run, entries)?;
                write_file(path, &bytes)?;
            }
        }
        Ok(())
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// One format of every entry. Per-image pieces render in parallel.
fn render_main(
    format: Format,
    style: TextStyle,
    run: Run<'_>,
    entries: &[Entry],
) -> anyhow::Result<Vec<u8>> {
    let single = entries.len() == 1;
    let pieces = |f: &(dyn Fn(&Entry) -> Result<String, String> + Sync)| {
        entries
            .par_iter()
            .map(f)
            .collect::<Result<Vec<String>, String>>()
            .map_err(anyhow::Error::msg)
    };
    let mut out = Vec::with_capacity(1 << 16);
    match format {
        Format::Text => {
            for s in pieces(&|e| Ok(batch::entry_text(e, style)))? {
                out.extend_from_slice(s.as_bytes());
            }
            if batch::text_has_summary(entries, style) {
                out.extend_from_slice(Summary::of(entries).line().as_bytes());
            }
        }
        Format::Json if single => out.extend_from_slice(
            pieces(&|e| json_pretty(e).map(|s| s + "\n"))?
                .concat()
                .as_bytes(),
        ),
        Format::Json => {
            let parts = pieces(&|e| json_pretty(e).map(|s| array_element(&s)))?;
            write_json_array(&mut out, parts.iter().map(String::as_str))?;
        }
        Format::Jsonl => {
            for s in pieces(&|e| json_line(e).map(|s| s + "\n"))? {
                out.extend_from_slice(s.as_bytes());
            }
        }
        Format::JsonEnvelope => {
            out = batch::envelope_json(entries)
                .map_err(anyhow::Error::msg)?
                .into_bytes()
        }
        Format::Sarif => {
            out = batch::sarif(run, entries)
                .map_err(anyhow::Error::msg)?
                .into_bytes()
        }
        Format::Junit => out = batch::junit(run, entries).into_bytes(),
        Format::Github => {
            for s in pieces(&|e| Ok(batch::entry_github(e)))? {
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
    Ok(out)
}

fn json_pretty(e: &Entry) -> Result<String, String> {
    match e {
        Entry::Checked(d) => serde_json::to_string_pretty(d),
        Entry::Unopened(u) => serde_json::to_string_pretty(u),
    }
    .map_err(|e| format!("JSON output: {e}"))
}

fn json_line(e: &Entry) -> Result<String, String> {
    match e {
        Entry::Checked(d) => serde_json::to_string(d),
        Entry::Unopened(u) => serde_json::to_string(u),
    }
    .map_err(|e| format!("JSON output: {e}"))
}

/// `--files-from FILE` (`-`: stdin): one image per line; blank lines and lines starting with
/// `#` are skipped; a trailing CR is dropped.
pub(crate) fn files_from(list: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let text = if list == Path::new("-") {
        std::io::read_to_string(std::io::stdin().lock())
            .map_err(|e| anyhow::anyhow!("--files-from -: {e}"))?
    } else {
        std::fs::read_to_string(list)
            .map_err(|e| anyhow::anyhow!("--files-from {}: {e}", list.display()))?
    };
    Ok(text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect())
}
