//! `check`: the library's [`vhdlint::check`] on each image, in parallel; every output asked
//! for (`crate::output`) rendered from the one run by `vhdlint-report`.

use rayon::prelude::*;
use vhdlint::{GatherOptions, Options, Source};
use vhdlint_policy::{Date, Profile};
use vhdlint_report::batch::{Entry, Run, UnopenedJson};
use vhdlint_report::ci;

use crate::output::OutputArgs;
use crate::Outcome;

/// `check`'s settings.
#[derive(Debug, Clone)]
pub(crate) struct CheckArgs {
    pub images: Vec<Source>,
    pub profile: Profile,
    pub as_of: Option<String>,
    pub max_os_disk_gb: u64,
    pub strict: bool,
    pub no_logs: bool,
    pub output: OutputArgs,
    pub stats: bool,
    /// `audit`: the `VS…` rules, with `--min-severity` and `--fail-on`.
    pub audit: Option<vhdlint_policy::AuditOptions>,
    /// `check --with-audit`: the check plus the audit's findings in one document.
    pub with_audit: bool,
}

pub(crate) fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    args.output.validate()?;
    let as_of = match &args.as_of {
        Some(text) => Date::parse(text).map_err(|e| anyhow::anyhow!("--as-of {text}: {e}"))?,
        None => Date::today_utc(),
    };
    let mut policy = vhdlint_policy::Options::new(args.profile, as_of);
    policy.max_os_disk_gb = args.max_os_disk_gb;
    policy.strict = args.strict;
    let args = CheckArgs {
        audit: args.audit.map(|a| vhdlint_policy::AuditOptions {
            policy: policy.clone(),
            ..a
        }),
        ..args
    };
    let options = Options {
        policy,
        gather: GatherOptions {
            replay_logs: !args.no_logs,
        },
        stats: args.stats,
    };
    // Images are checked in parallel; entries keep the command line's order.
    let entries: Vec<Entry> = args
        .images
        .par_iter()
        .map(|p| {
            match match &args.audit {
                Some(a) if args.with_audit => vhdlint::check_with_audit(p, &options, a),
                Some(a) => vhdlint::audit(p, &options, a),
                None => vhdlint::check(p, &options),
            } {
                Ok(doc) => Entry::Checked(Box::new(doc)),
                Err(e) => Entry::Unopened(UnopenedJson::new(&p.shown(), &e.reason())),
            }
        })
        .collect();
    let run = Run {
        tool: ci::Tool {
            name: "vhdlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        profile: args.profile,
        strict: args.strict,
        rules: vhdlint_policy::RULES,
    };
    args.output.emit(run, &entries)?;
    for e in &entries {
        if let Entry::Checked(d) = e {
            if let Some(s) = d.stats {
                eprint!(
                    "{}",
                    vhdlint_report::text::stats_line(
                        Some(&d.image),
                        s.reads,
                        s.bytes,
                        Some(s.millis)
                    )
                );
                if let Some(r) = s.remote {
                    eprintln!("vhdlint: stats: {}: {}", d.image, r.line());
                }
            }
        }
    }
    let mut unopened = false;
    for e in &entries {
        if let Entry::Unopened(u) = e {
            eprintln!("vhdlint: error: {}: {}", u.image, u.reason);
            unopened = true;
        }
    }
    if unopened {
        return Err(anyhow::anyhow!("some images could not be opened"));
    }
    Ok(
        if entries
            .iter()
            .all(|e| matches!(e, Entry::Checked(d) if d.passed))
        {
            Outcome::Ok
        } else {
            Outcome::ImageFailed
        },
    )
}
