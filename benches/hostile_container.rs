//! Issue 12's container and partition-table worst cases (built by
//! `tests/hostile/worst_container.rs`): time and peak heap of each, and what the reader answers.
//! Run: `cargo bench --bench hostile_container`.
//! The bounds themselves are asserted (by work counters and the counting allocator, not by
//! time) in `cargo test --release --test hostile worst_reg`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

#[path = "../tests/hostile/alloc.rs"]
mod alloc;
#[path = "../crates/container/tests/support/vhdx_writer.rs"]
mod vhdx_writer;
#[allow(unused_imports)]
#[path = "../tests/hostile/worst_container.rs"]
mod worst_container;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use vhdlint_container::{open_source, NoParents};
use vhdlint_filesystems::image::Image;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

struct Cost {
    time: Duration,
    peak: usize,
}

fn measure<T>(_what: &str, f: impl FnOnce() -> T) -> (Result<T, String>, Cost) {
    let base = alloc::reset_peak();
    let started = Instant::now();
    let r = f();
    let time = started.elapsed();
    (
        Ok(r),
        Cost {
            time,
            peak: alloc::peak().saturating_sub(base),
        },
    )
}

fn mib(n: usize) -> String {
    format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
}

fn row<T: std::fmt::Debug>(what: &str, f: impl FnOnce() -> T) {
    let (r, c) = measure(what, f);
    let outcome = format!("{:?}", r.unwrap());
    let outcome: String = outcome.chars().take(110).collect();
    println!(
        "{what:<44} {:>10.2?} {:>10}  {outcome}",
        c.time,
        mib(c.peak)
    );
}

fn main() {
    println!("{:<44} {:>10} {:>10}  outcome", "case", "time", "peak heap");
    let f = Arc::new(worst_container::vhdx_big_log());
    row("VHDX log of 256 MiB, 32,768 entries", move || {
        open_source(f, &mut NoParents).map(|c| c.info().log_replayed)
    });
    let f = Arc::new(worst_container::vhdx_log_restarts());
    row("VHDX log restarting at every sector", move || {
        open_source(f, &mut NoParents).map(|c| c.info().log_replayed)
    });
    for (what, key_len) in [("distinct", 0u16), ("overlapping", 60_000)] {
        let f = Arc::new(worst_container::vhdx_with_locator(65_534, key_len));
        row(
            &format!("VHDX parent locator, 65,534 {what} keys"),
            move || open_source(f, &mut NoParents).map(|_| ()),
        );
    }
    for n in [1024u32, 131_072] {
        let f = Arc::new(worst_container::gpt_overlapping(n));
        row(&format!("GPT of {n} entries on one volume"), move || {
            let c = open_source(f, &mut NoParents).unwrap();
            Image::from_container(Arc::new(c)).map(|i| i.volumes().len())
        });
    }
}
