//! Issue 12's registry worst cases (built by `tests/hostile/worst_reg.rs`): time and peak heap
//! of each, and what the reader answers. Run: `cargo bench --bench hostile_reg`.
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
#[allow(unused_imports)]
#[path = "../tests/hostile/worst_reg.rs"]
mod worst_reg;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use vhdlint_registry::{BcdStore, Hive, HiveOptions};

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
    let (file, path) = worst_reg::deep_shared_list();
    let hive = worst_reg::open(file);
    row("511 levels sharing one subkey list", || {
        hive.key(&path).map(|k| k.is_some())
    });
    let hive = worst_reg::open(worst_reg::repeated_values());
    row("1 M references to one value", || {
        hive.root().and_then(|k| k.values()).map(|v| v.len())
    });
    let hive = worst_reg::open(worst_reg::shared_segments());
    row("4 × 64 MiB values on one big-data segment", || {
        let vs = hive.root()?.values()?;
        vs.iter()
            .map(|v| v.raw_data().map(|d| d.len()))
            .collect::<Result<Vec<_>, _>>()
    });
    let (primary, log) = worst_reg::one_byte_pages();
    let log = Arc::new(log);
    row("log of 65,536 one-byte dirty pages", || {
        Hive::open(
            Arc::new(primary),
            worst_reg::logs(&log),
            HiveOptions::default(),
        )
        .map(|h| h.overlay_bytes())
    });
    let hive = worst_reg::open(worst_reg::join_keys_sharing_values());
    row("16 join keys × one shared value list", || {
        hive.root()?.subkeys().map(|k| k.len())
    });
    let hive = worst_reg::open(worst_reg::bcd_sharing_elements());
    row("BCD 4,096 objects × 1,024 shared elements", || {
        BcdStore::read(&hive).map(|s| s.objects.len())
    });
    let text = format!("<unattend>{}</unattend>", "&".repeat(1 << 20));
    row("unattend.xml of 1 MiB of &", || {
        vhdlint_gather::unattend::specialize_computer_name(&text)
    });
}
