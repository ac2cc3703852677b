//! Sysprep's Panther logs, `Windows\System32\Sysprep\Panther\setupact.log` (everything) and
//! `setuperr.log` (its warnings and errors): why the last sysprep run did or did not generalize.
//!
//! # Format
//! One line per event, `YYYY-MM-DD HH:MM:SS, <Level> [<code>] <COMPONENT> <message>`, levels
//! `Info`, `Warning`, `Error`. Sysprep appends; each run begins with the banner line
//! `SYSPRP ===  Beginning of a new sysprep run  ===` ([`RUN_MARKER`]) between two `=====` lines,
//! then `ParseCommands:Found supported command line option '<OPTION>'` once per command-line
//! option (`GENERALIZE`, `OOBE`, `SHUTDOWN`, `QUIT`, `UNATTEND`, `MODE`, …), and, when it
//! succeeds, `FCreateTagFile:Successfully created tag file …Sysprep_succeeded.tag`. A failing
//! run logs `Error` lines and `halting sysprep execution` / `Hit failure while …`. Line shapes
//! are from real logs quoted publicly (e.g. a Windows Server 2022 run that failed on
//! `Microsoft.Edge.GameAssist_1.0.3423.0_x64__8wekyb3d8bbwe`, 2025-07-22; Microsoft Learn's
//! "Sysprep fails to remove or update Microsoft Store apps", KB 2769827, for the Appx text and
//! `0x80073cf2`; `BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run
//! Sysprep. (0x80310039)` as quoted in Microsoft Q&A threads about `BdeSysprep.dll`). The test
//! logs are written by hand in these shapes.
//!
//! # `/mode:vm`
//! Sysprep records the mode in two places of the same run: the option line
//! `Found supported command line option 'MODE'` (the `:vm` value is not in that line) and the
//! session lines `SysprepSession::CreateSession: Successfully created instance with action file
//! …, and mode <null>` / `CreateXPathForSelection: Sysprep mode in registry is <null>`, which
//! name the mode in effect (`<null>` without `/mode`, as in the 2025 log above). A run counts as
//! `/mode:vm` when a session line names mode `VM` (any case, with or without angle brackets),
//! or — when no session line names a mode — when the run had a `MODE` option (only `/mode:vm`
//! exists). Real `/mode:vm` runs also log `[0x0f00b7] SYSPRP WinMain:Sysprep mode [vm]; was
//! specified` right after the option line (logs in
//! The-Virtual-Desktop-Team/Windows-Desktop-Optimization-Tool#18 and
//! DrazenNikolic/AVD-Golden-Image-Optimizer#2, windows-image-facts §14.5): its bracketed value
//! is taken as the session mode too.
//!
//! # Bounds
//! The caller reads at most [`MAX_LOG_BYTES`] (the tail of a longer log); at most
//! [`MAX_LINES`] lines are looked at, [`MAX_RUNS`] runs counted and [`MAX_ERRORS_KEPT`] error
//! lines of the last run kept, each cut to [`MAX_LINE_CHARS`].

use crate::text::{self, TextEncoding};

/// Most bytes of a log parsed (logs of a machine sysprepped many times reach a few MiB).
pub const MAX_LOG_BYTES: usize = 16 << 20;
/// Most lines looked at.
pub const MAX_LINES: usize = 500_000;
/// Most runs counted.
pub const MAX_RUNS: usize = 10_000;
/// Most error lines of the last run kept.
pub const MAX_ERRORS_KEPT: usize = 32;
/// Longest line text kept.
pub const MAX_LINE_CHARS: usize = 512;

/// The text that starts a run.
pub const RUN_MARKER: &str = "Beginning of a new sysprep run";

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysprepCause {
    /// `Package <name> was installed for a user, but not provisioned for all users` (Appx): fix
    /// with `Get-AppxPackage -AllUsers <name> | Remove-AppxPackage -AllUsers` (and
    /// `Remove-AppxProvisionedPackage -Online` if provisioned), then run sysprep again.
    AppxNotProvisioned {
        /// The package full name as logged.
        package: String,
    },
    /// BitLocker is on for the OS volume (`0x80310039`, `BdeSysprep.dll`).
    BitLocker,
    /// A provider DLL registered under `HKLM\SYSTEM\Setup\SysprepExternal` could not be loaded.
    ExternalProviderMissing {
        /// The DLL path as logged.
        dll: String,
    },
    /// The Malicious Software Removal Tool's `MRTGeneralize` provider failed.
    MrtGeneralize,
    /// Another error: the first error line of the run.
    Other {
        /// The line's message.
        line: String,
    },
}

impl SysprepCause {
    /// A one-line description with the fix, for findings.
    pub fn describe(&self) -> String {
        match self {
            SysprepCause::AppxNotProvisioned { package } => format!(
                "Appx package {package} was installed for a user but not provisioned for all users; remove it (Get-AppxPackage -AllUsers '{}*' | Remove-AppxPackage -AllUsers) and run sysprep again",
                package.split('_').next().unwrap_or(package)
            ),
            SysprepCause::BitLocker => "BitLocker is on for the OS volume (0x80310039); decrypt it (manage-bde -off C:) before sysprep".into(),
            SysprepCause::ExternalProviderMissing { dll } => {
                format!("SysprepExternal provider DLL {dll} could not be loaded; remove its HKLM\\SYSTEM\\Setup\\SysprepExternal entry or restore the DLL")
            }
            SysprepCause::MrtGeneralize => "the Malicious Software Removal Tool's MRTGeneralize provider failed".into(),
            SysprepCause::Other { line } => format!("sysprep error: {line}"),
        }
    }
}

/// One run of sysprep, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SysprepRun {
    /// 1-based line of the run's banner (0 for lines before any banner).
    pub line: usize,
    /// Timestamp of the banner line.
    pub time: Option<String>,
    /// The command-line options logged (upper case, in order).
    pub options: Vec<String>,
    /// The mode a session line names (`<null>` when none), first one seen.
    pub session_mode: Option<String>,
    /// `Sysprep_succeeded.tag` was created.
    pub succeeded: bool,
    /// Error lines (messages after the component), at most [`MAX_ERRORS_KEPT`].
    pub errors: Vec<String>,
    /// Error lines in all (kept or not).
    pub error_count: usize,
}

impl SysprepRun {
    /// `/generalize` was on the command line.
    pub fn generalize(&self) -> bool {
        self.options.iter().any(|o| o == "GENERALIZE")
    }

    /// `/mode:vm` (see the module docs for how it is recognised).
    pub fn vm_mode(&self) -> bool {
        match self
            .session_mode
            .as_deref()
            .map(|m| m.trim_matches(|c| c == '<' || c == '>'))
        {
            Some(m) if !m.eq_ignore_ascii_case("null") => m.eq_ignore_ascii_case("vm"),
            _ => self.options.iter().any(|o| o == "MODE" || o == "VM"),
        }
    }

    /// The cause of failure, from the run's error lines (and `extra_errors`, the same run's
    /// lines of `setuperr.log`), most specific first.
    pub fn cause(&self, extra_errors: &[String]) -> Option<SysprepCause> {
        let all = || self.errors.iter().chain(extra_errors.iter());
        for e in all() {
            if let Some(rest) = e.split_once("Package ").map(|x| x.1) {
                if let Some((pkg, _)) =
                    rest.split_once(" was installed for a user, but not provisioned for all users")
                {
                    return Some(SysprepCause::AppxNotProvisioned {
                        package: pkg.trim().to_string(),
                    });
                }
            }
        }
        if all().any(|e| e.contains("0x80310039") || e.contains("BitLocker")) {
            return Some(SysprepCause::BitLocker);
        }
        for e in all() {
            if let Some(rest) = e.split_once("Could not load DLL ").map(|x| x.1) {
                let dll = rest.split(['[', ';']).next().unwrap_or(rest).trim();
                return Some(SysprepCause::ExternalProviderMissing {
                    dll: dll.to_string(),
                });
            }
        }
        if all().any(|e| e.to_ascii_lowercase().contains("mrtgeneralize")) {
            return Some(SysprepCause::MrtGeneralize);
        }
        if self.error_count == 0 && extra_errors.is_empty() {
            return None;
        }
        all()
            .next()
            .map(|l| SysprepCause::Other { line: l.clone() })
    }
}

/// A parsed log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysprepLog {
    /// How the bytes were encoded.
    pub encoding: TextEncoding,
    /// The runs, oldest first (a run without banner at the start when the log was cut).
    pub runs: Vec<SysprepRun>,
    /// Runs counted (may exceed `runs.len()`: only the last [`MAX_RUNS`] are kept).
    pub run_count: usize,
    /// A budget cut the reading short ([`MAX_LINES`]) or the input was over [`MAX_LOG_BYTES`]
    /// (only its tail was parsed).
    pub capped: bool,
}

impl SysprepLog {
    /// The last run.
    pub fn last_run(&self) -> Option<&SysprepRun> {
        self.runs.last()
    }

    /// The last run that succeeded.
    pub fn last_successful_run(&self) -> Option<&SysprepRun> {
        self.runs.iter().rev().find(|r| r.succeeded)
    }
}

/// Splits `line` into (timestamp, level, message after the component).
fn split_line(line: &str) -> Option<(&str, &str, &str)> {
    let (time, rest) = line.split_once(", ")?;
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ')?;
    let mut rest = rest.trim_start();
    if rest.starts_with('[') {
        rest = rest
            .split_once(']')
            .map(|x| x.1)
            .unwrap_or(rest)
            .trim_start();
    }
    // The component (SYSPRP, CSI, …) then the message.
    let msg = rest.split_once(' ').map(|x| x.1).unwrap_or("").trim();
    Some((time.trim(), level, msg))
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_LINE_CHARS).collect()
}

/// Parses a log's bytes (any encoding [`text::decode`] knows). Over [`MAX_LOG_BYTES`], only the
/// tail is parsed and `capped` is set.
pub fn parse_log(bytes: &[u8]) -> SysprepLog {
    let mut capped = false;
    let bytes = if bytes.len() > MAX_LOG_BYTES {
        capped = true;
        // Keep an even cut so UTF-16 stays aligned.
        let start = (bytes.len() - MAX_LOG_BYTES) & !1;
        bytes.get(start..).unwrap_or_default()
    } else {
        bytes
    };
    let (text, encoding) = text::decode(bytes);
    let mut runs: std::collections::VecDeque<SysprepRun> = std::collections::VecDeque::new();
    let mut run_count = 0;
    for (i, line) in text.lines().enumerate() {
        if i == MAX_LINES {
            capped = true;
            break;
        }
        let Some((time, level, msg)) = split_line(line) else {
            continue;
        };
        if msg.contains(RUN_MARKER) {
            run_count += 1;
            // Lines before the first banner (its own `=====` line) make no run of their own.
            if runs.len() == 1
                && runs
                    .front()
                    .is_some_and(|r| r.line == 0 && *r == SysprepRun::default())
            {
                runs.clear();
            }
            if runs.len() == MAX_RUNS {
                runs.pop_front();
            }
            runs.push_back(SysprepRun {
                line: i + 1,
                time: Some(time.to_string()),
                ..SysprepRun::default()
            });
            continue;
        }
        if runs.is_empty() {
            runs.push_back(SysprepRun::default());
        }
        let Some(run) = runs.back_mut() else { continue };
        if let Some(opt) = msg
            .split_once("Found supported command line option '")
            .map(|x| x.1)
        {
            if let Some((o, _)) = opt.split_once('\'') {
                run.options.push(o.to_ascii_uppercase());
            }
        } else if run.session_mode.is_none() {
            if let Some(m) = msg
                .rsplit_once(", and mode ")
                .map(|x| x.1)
                .or_else(|| msg.split_once("Sysprep mode in registry is ").map(|x| x.1))
                .or_else(|| {
                    // `[0x0f00b7] SYSPRP WinMain:Sysprep mode [vm]; was specified`.
                    msg.split_once("Sysprep mode [")
                        .and_then(|x| x.1.split_once(']'))
                        .map(|x| x.0)
                })
            {
                run.session_mode = Some(cut(m.trim()));
            }
        }
        if msg.contains("Successfully created tag file") && msg.contains("Sysprep_succeeded.tag") {
            run.succeeded = true;
        }
        if level.eq_ignore_ascii_case("Error") {
            run.error_count += 1;
            if run.errors.len() < MAX_ERRORS_KEPT {
                run.errors.push(cut(msg));
            }
        }
    }
    SysprepLog {
        encoding,
        runs: runs.into(),
        run_count,
        capped,
    }
}

/// What the logs say about the last sysprep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysprepOutcome {
    /// No log, or a log without any run.
    NeverRan,
    /// The last run failed.
    Failed {
        /// The run's banner timestamp.
        time: Option<String>,
        /// Its cause, when an error line names one.
        cause: Option<SysprepCause>,
    },
    /// The last run ended without success and without an error (interrupted, or still running
    /// when the disk was captured).
    Incomplete {
        /// The run's banner timestamp.
        time: Option<String>,
    },
    /// The last run succeeded without `/generalize`.
    NotGeneralized {
        /// The run's banner timestamp.
        time: Option<String>,
    },
    /// The last run generalized successfully.
    Generalized {
        /// The run's banner timestamp.
        time: Option<String>,
        /// It used `/mode:vm`.
        vm_mode: bool,
    },
    /// The last run generalized successfully, but the image's state (the caller's registry
    /// reading) says it is no longer generalized: it was booted again after sysprep.
    GeneralizedThenBootedAgain {
        /// The run's banner timestamp.
        time: Option<String>,
        /// It used `/mode:vm`.
        vm_mode: bool,
    },
}

/// Classifies the last run of `setupact` (with `setuperr` for extra error lines of the same
/// run: its lines after the last run's banner time). `still_generalized` is the caller's
/// registry reading (`Setup\State\ImageState` / `SYSTEM\Setup` flags): `Some(false)` turns a
/// successful generalize into [`SysprepOutcome::GeneralizedThenBootedAgain`].
pub fn classify(
    setupact: Option<&[u8]>,
    setuperr: Option<&[u8]>,
    still_generalized: Option<bool>,
) -> SysprepOutcome {
    let Some(log) = setupact.map(parse_log) else {
        return SysprepOutcome::NeverRan;
    };
    let Some(run) = log.last_run() else {
        return SysprepOutcome::NeverRan;
    };
    let time = run.time.clone();
    if run.succeeded {
        if !run.generalize() {
            return SysprepOutcome::NotGeneralized { time };
        }
        let vm_mode = run.vm_mode();
        if still_generalized == Some(false) {
            return SysprepOutcome::GeneralizedThenBootedAgain { time, vm_mode };
        }
        return SysprepOutcome::Generalized { time, vm_mode };
    }
    let extra: Vec<String> = setuperr
        .map(|b| {
            let (t, _) = text::decode(
                b.get(b.len().saturating_sub(MAX_LOG_BYTES) & !1..)
                    .unwrap_or_default(),
            );
            t.lines()
                .take(MAX_LINES)
                .filter_map(split_line)
                .filter(|(ts, level, _)| {
                    level.eq_ignore_ascii_case("Error")
                        && time.as_deref().is_none_or(|start| *ts >= start)
                })
                .take(MAX_ERRORS_KEPT)
                .map(|(_, _, m)| cut(m))
                .collect()
        })
        .unwrap_or_default();
    if run.error_count == 0 && extra.is_empty() {
        return SysprepOutcome::Incomplete { time };
    }
    SysprepOutcome::Failed {
        time,
        cause: run.cause(&extra),
    }
}

#[cfg(test)]
mod tests;
