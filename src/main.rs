//! `vhdlint`: offline checks of Windows VM disk images (VHD, VHDX, raw).
//!
//! The binary is thin: it parses arguments, calls the library (`vhdlint::check`,
//! `vhdlint::inspect`) and the crates, prints what `vhdlint-report` renders and maps the
//! outcome to an exit code. Nothing here parses image bytes or formats a document.

mod check;
mod files;
mod output;
mod reg;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use vhdlint_container::{hash, ContainerError, ReadStats};
use vhdlint_filesystems::image::{Image, ImageError};

const EXIT_CODES: &str = "\
Exit codes:
  0  the image was read (inspect, hash, ls, cat, reg) / passed (check)
  1  the image, or the part of it asked for, is corrupt, encrypted or unrecognizable
     (a failed image, not a tool error)
  2  usage error (including a path or key that does not exist), a file the OS will not open,
     or an internal error

Images are opened read-only; nothing is written to them or beside them.";

#[derive(Parser, Debug)]
#[command(name = "vhdlint", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check images against the Windows 365 / Dev Box / AVD custom-image requirements.
    ///
    /// Prints each finding with its evidence and remediation, the facts, and the
    /// cloudPcDeviceImage Graph would report (status, errorCode, osStatus). Exit code 0 when
    /// every image passes (warnings allowed unless --strict), 1 when one fails.
    Check {
        /// The images (VHD, VHDX or raw), checked in parallel.
        #[arg(required_unless_present = "files_from")]
        images: Vec<PathBuf>,
        /// Also check the images listed in FILE, one path per line (`-`: stdin; blank lines
        /// and `#` comments skipped).
        #[arg(long, value_name = "FILE")]
        files_from: Option<PathBuf>,
        /// The service the images are for.
        #[arg(long, value_enum, default_value_t = ProfileArg::Windows365)]
        profile: ProfileArg,
        #[command(flatten)]
        output: output::OutputArgs,
        /// Judge end of servicing at this date (YYYY-MM-DD) instead of today.
        #[arg(long)]
        as_of: Option<String>,
        /// Largest OS disk accepted, in GiB.
        #[arg(long, default_value_t = vhdlint_policy::DEFAULT_MAX_OS_DISK_GB)]
        max_os_disk_gb: u64,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Do not replay registry transaction logs (read dirty hives as they are).
        #[arg(long)]
        no_logs: bool,
        /// Include the bytes and reads each check took, and its time.
        #[arg(long)]
        stats: bool,
    },
    /// List the rules: id, name, level per profile, Graph error code, title.
    Rules {
        /// Output format (`markdown`: the README's table).
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Show what the image holds: container (format, sizes, parent, diagnostics) and partitions.
    Inspect {
        /// The image (VHD, VHDX or raw; detected from content).
        image: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Print the reads the command made (calls, bytes) to stderr.
        #[arg(long)]
        stats: bool,
    },
    /// BLAKE3 of the container file, or with --virtual of the virtual disk's bytes, as b3sum prints it.
    Hash {
        /// The image.
        image: PathBuf,
        /// Hash the virtual disk (unallocated reads as zeros) instead of the file.
        #[arg(long = "virtual")]
        virtual_disk: bool,
        /// Print the reads the command made (calls, bytes) to stderr.
        #[arg(long)]
        stats: bool,
    },
    /// List a directory of a volume in the image (default: the Windows volume, else the only one).
    Ls {
        /// The image.
        image: PathBuf,
        /// Directory, like `C:\Windows\System32\config` or `/Windows/System32/config` (default: root).
        #[arg(default_value = "/")]
        path: String,
        /// The partition to read (its index as `inspect` shows it).
        #[arg(long)]
        partition: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Write a file of a volume in the image to stdout, byte for byte.
    Cat {
        /// The image.
        image: PathBuf,
        /// File, like `C:\Windows\System32\drivers\etc\hosts`.
        path: String,
        /// The partition to read (its index as `inspect` shows it).
        #[arg(long)]
        partition: Option<u32>,
        /// An alternate data stream of the file (NTFS), e.g. `Zone.Identifier`.
        #[arg(long)]
        stream: Option<String>,
    },
    /// Show a registry key: its subkeys and values (transaction logs replayed in memory).
    ///
    /// TARGET is an image (KEY starts HKLM\SOFTWARE, HKLM\SYSTEM, HKLM\SECURITY, HKLM\SAM,
    /// HKLM\BCD, HKU\.DEFAULT or HKU\<user>; HKLM\SYSTEM\CurrentControlSet is resolved
    /// offline from Select\Current) or a standalone hive file (KEY relative to its root; the
    /// .LOG/.LOG1/.LOG2 files beside it are replayed).
    ///
    /// Path syntax: only `\` separates keys; `/` is part of a key name (Amcache
    /// `Root\InventoryDriverBinary\c:/windows/…`, `MIME\Database\Content Type\audio/wav`).
    /// The one convenience: `/` may follow the root key and the hive name (`HKLM/SYSTEM/Select`),
    /// whose names cannot contain it. Quote KEY for the shell.
    ///
    /// Output: value types by their Windows names (REG_SZ, REG_DWORD, REG_BINARY, …); text shows
    /// REG_BINARY and other raw data as hex bytes. JSON gives each value's decoded `data`, its
    /// bytes as stored in `raw` (lower-case hex) and a `problem` when the data cannot be decoded
    /// (e.g. `malformed: REG_DWORD needs 4 bytes, has 0`: the key and its other values still read).
    Reg {
        /// An image, or a hive file.
        target: PathBuf,
        /// The key, e.g. `HKLM\SYSTEM\Select` (default: the hive's root, for a hive file).
        #[arg(default_value = "")]
        key: String,
        /// Do not replay transaction logs: read the hive as it is on disk.
        #[arg(long)]
        no_logs: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Print a shell completion script to stdout.
    ///
    /// bash: `vhdlint completions bash > ~/.local/share/bash-completion/completions/vhdlint`;
    /// zsh: into a folder of `$fpath` as `_vhdlint`; fish: `~/.config/fish/completions/vhdlint.fish`;
    /// PowerShell: `vhdlint completions powershell | Out-String | Invoke-Expression`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `vhdlint man > vhdlint.1; man -l vhdlint.1`.
    Man {
        /// Instead, write every page (vhdlint.1 and one per subcommand, vhdlint-check.1, …)
        /// into DIR.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// Files at least this long get a progress bar while `hash` runs (on a terminal only).
const PROGRESS_MIN_BYTES: u64 = 1 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ProfileArg {
    Windows365,
    Devbox,
    Avd,
}

impl From<ProfileArg> for vhdlint_policy::Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Windows365 => vhdlint_policy::Profile::Windows365,
            ProfileArg::Devbox => vhdlint_policy::Profile::Devbox,
            ProfileArg::Avd => vhdlint_policy::Profile::Avd,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// `vhdlint rules --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

/// How a command ended.
enum Outcome {
    /// The image was read / passed.
    Ok,
    /// The image failed (corrupt, encrypted, unrecognizable).
    ImageFailed,
}

/// An error that is the image's fault: exit 1, not 2.
#[derive(Debug)]
struct ImageFailure(String);

impl std::fmt::Display for ImageFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImageFailure {}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::ImageFailed) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vhdlint: error: {e:#}");
            if e.chain().any(|c| c.is::<ImageFailure>()) {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Check {
            mut images,
            files_from,
            profile,
            output,
            as_of,
            max_os_disk_gb,
            strict,
            no_logs,
            stats,
        } => {
            if let Some(list) = files_from {
                images.extend(output::files_from(&list)?);
            }
            if images.is_empty() {
                anyhow::bail!("check: no images (the --files-from list is empty)");
            }
            check::check(check::CheckArgs {
                images,
                profile: profile.into(),
                as_of,
                max_os_disk_gb,
                strict,
                no_logs,
                output,
                stats,
            })
        }
        Command::Rules { format } => rules(format),
        Command::Inspect {
            image,
            format,
            stats,
        } => inspect(&image, format, stats),
        Command::Hash {
            image,
            virtual_disk,
            stats,
        } => hash_cmd(&image, virtual_disk, stats),
        Command::Ls {
            image,
            path,
            partition,
            format,
        } => files::ls(&image, &path, partition, format == OutputFormat::Json),
        Command::Cat {
            image,
            path,
            partition,
            stream,
        } => files::cat(&image, &path, partition, stream.as_deref()),
        Command::Reg {
            target,
            key,
            no_logs,
            format,
        } => reg::reg(&target, &key, no_logs, format == OutputFormat::Json),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "vhdlint", &mut out);
            std::io::stdout().lock().write_all(&out)?;
            Ok(Outcome::Ok)
        }
        Command::Man { out_dir } => man(out_dir.as_deref()),
    }
}

/// `vhdlint man`: vhdlint.1 on stdout, or with `--out-dir` every page (vhdlint.1,
/// vhdlint-check.1, …) written there.
fn man(out_dir: Option<&Path>) -> anyhow::Result<Outcome> {
    match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write the manual pages to {}", dir.display()))?;
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            std::io::stdout().lock().write_all(&out)?;
        }
    }
    Ok(Outcome::Ok)
}

/// Opens an image; a corrupt image is `Ok(Err(..))` (a failed image), an OS refusal is `Err`.
fn open_container(
    image: &Path,
) -> anyhow::Result<Result<vhdlint_container::Container, ContainerError>> {
    open_container_with(image, vhdlint_container::OpenOptions::default())
}

/// [`open_container`] with options (hashing maps the files to hash the page cache in place).
fn open_container_with(
    image: &Path,
    options: vhdlint_container::OpenOptions,
) -> anyhow::Result<Result<vhdlint_container::Container, ContainerError>> {
    match vhdlint_container::open_with(image, options) {
        Ok(c) => Ok(Ok(c)),
        Err(e) if e.is_os_error() => Err(anyhow::Error::new(e)),
        Err(e) => Ok(Err(e)),
    }
}

/// Opens an image down to its partitions; image faults become [`ImageFailure`].
fn open_image(image: &Path) -> anyhow::Result<Image> {
    let container = match open_container(image)? {
        Ok(c) => c,
        Err(e) => return Err(ImageFailure(format!("{}: container: {e}", image.display())).into()),
    };
    Image::from_container(std::sync::Arc::new(container))
        .map_err(|e| ImageFailure(format!("{}: {e}", image.display())).into())
}

/// Maps an image-layer error: a missing partition is a usage error, the rest image failures.
fn image_error(image: &Path, e: ImageError) -> anyhow::Error {
    match e {
        ImageError::NoSuchPartition { .. } | ImageError::Ambiguous { .. } => {
            anyhow::anyhow!("{}: {e}", image.display())
        }
        _ => ImageFailure(format!("{}: {e}", image.display())).into(),
    }
}

fn inspect(image: &Path, format: OutputFormat, stats: bool) -> anyhow::Result<Outcome> {
    let inspected = vhdlint::inspect(image).map_err(anyhow::Error::new)?;
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &inspected.doc)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write!(out, "{}", vhdlint_report::text::inspect(&inspected.doc))?,
    }
    if let (true, Some(s)) = (stats, inspected.stats) {
        print_stats(s);
    }
    Ok(if inspected.failed {
        Outcome::ImageFailed
    } else {
        Outcome::Ok
    })
}

/// `vhdlint rules`: the registry as declared, for people, as JSON or as the README's Markdown.
fn rules(format: RulesFormat) -> anyhow::Result<Outcome> {
    use vhdlint_report::rules as listing;
    let text = match format {
        RulesFormat::Text => listing::text(),
        RulesFormat::Json => listing::json()? + "\n",
        RulesFormat::Markdown => listing::markdown(),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::Ok)
}

fn hash_cmd(image: &Path, virtual_disk: bool, stats: bool) -> anyhow::Result<Outcome> {
    let digest = if virtual_disk {
        let mapped = vhdlint_container::OpenOptions { map_files: true };
        let container = match open_container_with(image, mapped)? {
            Ok(c) => c,
            Err(e) => {
                eprintln!("vhdlint: {}: {e}", image.display());
                return Ok(Outcome::ImageFailed);
            }
        };
        let bar = progress_bar(vhdlint_container::ReadAt::len(&container));
        let hashed = hash::hash_virtual_with(&container, &mut |done| bar.set_position(done));
        bar.finish_and_clear();
        let digest = match hashed {
            Ok(d) => d,
            Err(e) => {
                eprintln!("vhdlint: {}: {e}", image.display());
                return Ok(Outcome::ImageFailed);
            }
        };
        if stats {
            print_stats(container.file_stats());
        }
        digest
    } else {
        let len = std::fs::metadata(image).map_or(0, |m| m.len());
        let bar = progress_bar(len);
        let hashed = hash::hash_file_with(image, &mut |done| bar.set_position(done));
        bar.finish_and_clear();
        hashed.with_context(|| format!("cannot hash {}", image.display()))?
    };
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "{}",
        vhdlint_report::text::hash_line(&digest.to_hex(), &image.display().to_string())
    )?;
    Ok(Outcome::Ok)
}

/// A progress bar on stderr for a hash of `len` bytes: drawn only when stderr is a terminal and
/// the hash is long (at least [`PROGRESS_MIN_BYTES`]); otherwise hidden (nothing printed).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if len < PROGRESS_MIN_BYTES || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "hashing {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn print_stats(s: ReadStats) {
    eprint!("{}", vhdlint_report::text::read_stats(s));
}
