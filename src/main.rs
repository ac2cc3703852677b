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
use std::sync::{Mutex, PoisonError};

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use vhdlint::source::Remote;
use vhdlint::Source;
use vhdlint_container::{hash, ContainerError, ReadStats};
use vhdlint_filesystems::image::{Image, ImageError};

const EXIT_CODES: &str = "\
Exit codes:
  0  the image was read (inspect, hash, ls, cat, reg) / passed (check)
  1  the image, or the part of it asked for, is corrupt, encrypted or unrecognizable
     (a failed image, not a tool error)
  2  usage error (including a path or key that does not exist), a file the OS will not open,
     a network failure reading an image given as a URL, or an internal error

Images are opened read-only; nothing is written to them or beside them.";

#[derive(Parser, Debug)]
#[command(name = "vhdlint", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    http: HttpArgs,
}

/// How images given as `http(s)://` URLs are read (range requests; the query, a SAS token, is
/// never printed).
#[derive(clap::Args, Debug)]
struct HttpArgs {
    /// Longest one HTTP request may take, in seconds (images given as URLs).
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    http_request_timeout: u64,
    /// Longest all HTTP requests of one image may take, retries included, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 300)]
    http_timeout: u64,
    /// Retries of an HTTP request after a reset, a timeout, 429 or 5xx (with backoff).
    #[arg(long, global = true, value_name = "N", default_value_t = 5)]
    http_retries: u32,
}

impl HttpArgs {
    fn options(&self) -> vhdlint::RemoteOptions {
        vhdlint::RemoteOptions {
            request_timeout: std::time::Duration::from_secs(self.http_request_timeout.max(1)),
            overall_timeout: std::time::Duration::from_secs(self.http_timeout.max(1)),
            retries: self.http_retries,
            ..vhdlint::RemoteOptions::default()
        }
    }
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
        /// Also run the audit (`vhdlint audit`'s VS rules) and report its findings in the same
        /// document; an audit finding of high severity or more fails the image.
        #[arg(long)]
        with_audit: bool,
    },
    /// Audit images for what a security reviewer must know before cloning them: credentials
    /// left behind (answer files, auto-logon, LSA secrets, cached logons, profiles' credential
    /// files), local accounts, security posture, autostart entries.
    ///
    /// Findings are the `VS…` rules, each with a severity (critical, high, medium, low, info),
    /// evidence and a fix. Secrets are never printed: their existence, location, kind and
    /// length only. Exit code 0 when no finding reaches --fail-on, 1 when one does, 2 when an
    /// image cannot be opened.
    Audit {
        /// The images (VHD, VHDX or raw), audited in parallel.
        #[arg(required_unless_present = "files_from")]
        images: Vec<PathBuf>,
        /// Also audit the images listed in FILE, one path per line (`-`: stdin).
        #[arg(long, value_name = "FILE")]
        files_from: Option<PathBuf>,
        #[command(flatten)]
        output: output::OutputArgs,
        /// Report only findings at or above this severity.
        #[arg(long, value_enum, default_value_t = SeverityArg::Info)]
        min_severity: SeverityArg,
        /// Exit 1 when a finding at or above this severity is present.
        #[arg(long, value_enum, default_value_t = SeverityArg::High)]
        fail_on: SeverityArg,
        /// Do not replay registry transaction logs (read dirty hives as they are).
        #[arg(long)]
        no_logs: bool,
        /// Include the bytes and reads each audit took, and its time.
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

/// `vhdlint audit --min-severity` / `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SeverityArg {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
    /// Info.
    Info,
}

impl From<SeverityArg> for vhdlint_policy::AuditSeverity {
    fn from(s: SeverityArg) -> Self {
        use vhdlint_policy::AuditSeverity as A;
        match s {
            SeverityArg::Critical => A::Critical,
            SeverityArg::High => A::High,
            SeverityArg::Medium => A::Medium,
            SeverityArg::Low => A::Low,
            SeverityArg::Info => A::Info,
        }
    }
}

/// `vhdlint rules --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
    let result = run(cli);
    if let Some(failure) = network_failure() {
        // A network failure says nothing about the image: a tool error, whatever was concluded.
        eprintln!("vhdlint: error: {failure}");
        return ExitCode::from(2);
    }
    match result {
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

/// Every URL session a command opened, so that a network failure met by any later read is
/// reported as a tool error ([`network_failure`]) and `--stats` can show the wire.
static OPENED: Mutex<Vec<Remote>> = Mutex::new(Vec::new());

/// Keeps the session of an opened source (a URL's), for [`network_failure`] and `--stats`.
fn keep(remote: Option<Remote>) {
    if let Some(r) = remote {
        OPENED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(r);
    }
}

/// The first network failure of any URL this process read (its message holds the URL without
/// its query).
fn network_failure() -> Option<String> {
    OPENED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find_map(Remote::failure)
        .map(|e| e.to_string())
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let http = cli.http.options();
    let source = |arg: &Path| Source::from_arg(arg, &http);
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
            with_audit,
        } => {
            if let Some(list) = files_from {
                images.extend(output::files_from(&list)?);
            }
            if images.is_empty() {
                anyhow::bail!("check: no images (the --files-from list is empty)");
            }
            let profile: vhdlint_policy::Profile = profile.into();
            check::check(check::CheckArgs {
                images: images.iter().map(|p| source(p)).collect(),
                profile,
                as_of,
                max_os_disk_gb,
                strict,
                no_logs,
                output,
                stats,
                // The policy options are set from the check's own in `check::check`.
                audit: with_audit.then(|| {
                    vhdlint_policy::AuditOptions::new(vhdlint_policy::Options::new(
                        profile,
                        vhdlint_policy::Date::today_utc(),
                    ))
                }),
                with_audit,
            })
        }
        Command::Audit {
            mut images,
            files_from,
            output,
            min_severity,
            fail_on,
            no_logs,
            stats,
        } => {
            if let Some(list) = files_from {
                images.extend(output::files_from(&list)?);
            }
            if images.is_empty() {
                anyhow::bail!("audit: no images (the --files-from list is empty)");
            }
            let policy = vhdlint_policy::Options::new(
                vhdlint_policy::Profile::default(),
                vhdlint_policy::Date::today_utc(),
            );
            check::check(check::CheckArgs {
                images: images.iter().map(|p| source(p)).collect(),
                profile: vhdlint_policy::Profile::default(),
                as_of: None,
                max_os_disk_gb: vhdlint_policy::DEFAULT_MAX_OS_DISK_GB,
                strict: false,
                no_logs,
                output,
                stats,
                audit: Some(vhdlint_policy::AuditOptions {
                    policy,
                    min_severity: min_severity.into(),
                    fail_on: fail_on.into(),
                }),
                with_audit: false,
            })
        }
        Command::Rules { format } => rules(format),
        Command::Inspect {
            image,
            format,
            stats,
        } => inspect(&source(&image), format, stats),
        Command::Hash {
            image,
            virtual_disk,
            stats,
        } => hash_cmd(&source(&image), virtual_disk, stats),
        Command::Ls {
            image,
            path,
            partition,
            format,
        } => files::ls(
            &source(&image),
            &path,
            partition,
            format == OutputFormat::Json,
        ),
        Command::Cat {
            image,
            path,
            partition,
            stream,
        } => files::cat(&source(&image), &path, partition, stream.as_deref()),
        Command::Reg {
            target,
            key,
            no_logs,
            format,
        } => reg::reg(
            &source(&target),
            &key,
            no_logs,
            format == OutputFormat::Json,
        ),
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

/// Opens an image; a corrupt image is `Ok(Err(..))` (a failed image), an OS refusal or a
/// network failure is `Err`.
fn open_container(
    image: &Source,
) -> anyhow::Result<Result<vhdlint_container::Container, ContainerError>> {
    open_container_with(image, vhdlint_container::OpenOptions::default())
}

/// [`open_container`] with options (hashing maps the files to hash the page cache in place).
fn open_container_with(
    image: &Source,
    options: vhdlint_container::OpenOptions,
) -> anyhow::Result<Result<vhdlint_container::Container, ContainerError>> {
    let opened = image.open_container(options)?;
    keep(opened.remote);
    Ok(opened.value)
}

/// Opens an image down to its partitions; image faults become [`ImageFailure`].
fn open_image(image: &Source) -> anyhow::Result<Image> {
    let container = match open_container(image)? {
        Ok(c) => c,
        Err(e) => return Err(ImageFailure(format!("{}: container: {e}", image.shown())).into()),
    };
    Image::from_container(std::sync::Arc::new(container))
        .map_err(|e| ImageFailure(format!("{}: {e}", image.shown())).into())
}

/// Maps an image-layer error: a missing partition is a usage error, the rest image failures.
fn image_error(image: &Source, e: ImageError) -> anyhow::Error {
    match e {
        ImageError::NoSuchPartition { .. }
        | ImageError::NoVolume { .. }
        | ImageError::Ambiguous { .. } => {
            anyhow::anyhow!("{}: {e}", image.shown())
        }
        _ => ImageFailure(format!("{}: {e}", image.shown())).into(),
    }
}

fn inspect(image: &Source, format: OutputFormat, stats: bool) -> anyhow::Result<Outcome> {
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
        print_stats(image, s);
    }
    if let (true, Some(w)) = (stats, inspected.remote) {
        eprintln!("{}", w.line());
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

fn hash_cmd(image: &Source, virtual_disk: bool, stats: bool) -> anyhow::Result<Outcome> {
    let shown = image.shown();
    let digest = if virtual_disk {
        let mapped = vhdlint_container::OpenOptions { map_files: true };
        let container = match open_container_with(image, mapped)? {
            Ok(c) => c,
            Err(e) => {
                eprintln!("vhdlint: {shown}: {e}");
                return Ok(Outcome::ImageFailed);
            }
        };
        let bar = progress_bar(vhdlint_container::ReadAt::len(&container));
        let hashed = hash::hash_virtual_with(&container, &mut |done| bar.set_position(done));
        bar.finish_and_clear();
        let digest = match hashed {
            Ok(d) => d,
            Err(e) => {
                eprintln!("vhdlint: {shown}: {e}");
                return Ok(Outcome::ImageFailed);
            }
        };
        if stats && !image.is_remote() {
            print_stats(image, container.file_stats());
        }
        digest
    } else if let Some(path) = image.path() {
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        let bar = progress_bar(len);
        let hashed = hash::hash_file_with(path, &mut |done| bar.set_position(done));
        bar.finish_and_clear();
        hashed.with_context(|| format!("cannot hash {shown}"))?
    } else {
        // A URL's object, byte for byte (all of it is downloaded: that is what was asked).
        let opened = image.open_bytes()?;
        keep(opened.remote);
        hash::hash_virtual(&*opened.value)
            .map_err(|e| anyhow::anyhow!("cannot hash {shown}: {e}"))?
    };
    if stats {
        print_wire();
    }
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "{}",
        vhdlint_report::text::hash_line(&digest.to_hex(), &shown)
    )?;
    Ok(Outcome::Ok)
}

fn print_stats(image: &Source, s: ReadStats) {
    eprint!(
        "{}",
        vhdlint_report::text::stats_line(Some(&image.shown()), s.calls, s.bytes, None)
    );
}

/// `--stats` of the URLs read: requests, bytes, round trips.
fn print_wire() {
    for r in OPENED.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        eprintln!("vhdlint: stats: {}: {}", r.shown(), r.wire().line());
    }
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
