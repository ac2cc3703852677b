//! `vhdlint audit` through the library entry the binary uses (`vhdlint::audit`): one audit of
//! each audit fixture and of gold, each opened afresh (cold caches). The bytes each audit reads
//! are printed (`--stats`' counter); issue 15's budget is ≤ 8 MiB and ≤ 50 ms per fixture image.
//! Run: `cargo bench --bench audit`.

// Bench code: a panic is how a setup failure shows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use vhdlint::{audit, Options};
use vhdlint_policy::{AuditOptions, Date, Profile};

const IMAGES: [&str; 6] = [
    "images/gold.vhdx.xz",
    "images/audit-secrets.vhdx.xz",
    "images/audit-accounts.vhdx.xz",
    "images/audit-posture.vhdx.xz",
    "images/audit-lsa.vhdx.xz",
    "images/audit-domain-cache.vhdx.xz",
];

fn options() -> (Options, AuditOptions) {
    let as_of = Date::parse("2026-12-01").unwrap();
    let policy = vhdlint_policy::Options::new(Profile::Windows365, as_of);
    let mut o = Options::new(policy.clone());
    o.stats = true;
    (o, AuditOptions::new(policy))
}

fn image(rel: &str) -> PathBuf {
    vhdlint_testkit::testdata_file(rel)
}

fn main() {
    let (o, a) = options();
    for rel in IMAGES {
        let doc = audit(image(rel), &o, &a).unwrap();
        let s = doc.stats.unwrap();
        println!(
            "audit {rel}: {} reads, {} bytes, {} findings",
            s.reads,
            s.bytes,
            doc.findings.len()
        );
    }
    divan::main();
}

#[divan::bench(args = IMAGES)]
fn audit_image(bencher: divan::Bencher, rel: &str) {
    let path = image(rel);
    let (o, a) = options();
    bencher.bench(|| audit(&path, &o, &a).unwrap().passed);
}
