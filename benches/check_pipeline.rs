//! The whole pipeline through the library entry the binary uses (`vhdlint::check`): one check of
//! the gold fixture (a 128 MiB Windows 11 disk as dynamic VHDX) and of the README's sample VHD,
//! each opened afresh (cold caches). The bytes each check reads are printed (`--stats`' counter).
//! Run: `cargo bench --bench check_pipeline`.

// Bench code: a panic is how a setup failure shows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use vhdlint::{check, Options};
use vhdlint_policy::{Date, Profile};

fn options() -> Options {
    let as_of = Date::parse("2026-12-01").unwrap();
    let mut o = Options::new(vhdlint_policy::Options::new(Profile::Windows365, as_of));
    o.stats = true;
    o
}

fn image(rel: &str) -> PathBuf {
    vhdlint_testkit::testdata_file(rel)
}

fn main() {
    for rel in ["images/gold.vhdx.xz", "sample/sample.vhd.xz"] {
        let doc = check(image(rel), &options()).unwrap();
        let s = doc.stats.unwrap();
        println!("check {rel}: {} reads, {} bytes", s.reads, s.bytes);
    }
    divan::main();
}

#[divan::bench(args = ["images/gold.vhdx.xz", "sample/sample.vhd.xz"])]
fn check_image(bencher: divan::Bencher, rel: &str) {
    let path = image(rel);
    let options = options();
    bencher.bench(|| check(&path, &options).unwrap().passed);
}
