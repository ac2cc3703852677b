//! Hostile input (issue 5): a corrupted-image sweep, crafted resource worst cases, and proof that
//! no command writes to an image or beside it.
//!
//! Every test in this binary runs its measured work under one lock ([`serial`]), so the counting
//! global allocator ([`alloc`]) can attribute the process's peak heap to one mutant at a time.
//! A panic anywhere while a mutant runs is recorded by a panic hook and turned into a test
//! failure naming the mutant; a watchdog exits the process (naming the mutant) when one runs for
//! more than [`HANG_EXIT`], so a real hang fails loudly instead of stalling CI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod alloc;
mod bounds;
mod mutant;
mod readonly;
mod sweep;
#[path = "../../crates/container/tests/support/vhd_writer.rs"]
mod vhd_writer;
#[path = "../../crates/container/tests/support/vhdx_writer.rs"]
mod vhdx_writer;
mod worst_container;
mod worst_fs;
mod worst_reg;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

/// A run longer than this (measured) fails the test: a hang detector, not a speed assertion.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);
/// A run still going after this long ends the process, naming the run.
pub const HANG_EXIT: Duration = Duration::from_secs(60);

static SERIAL: Mutex<()> = Mutex::new(());

thread_local! {
    /// This thread holds [`SERIAL`] already (a test holding it calls a helper that takes it too).
    static HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The [`SERIAL`] lock held by this thread: released (and the thread marked free) on drop; a
/// nested [`serial`] on the same thread holds nothing.
pub struct Serial(Option<MutexGuard<'static, ()>>);

impl Drop for Serial {
    fn drop(&mut self) {
        if self.0.take().is_some() {
            HELD.with(|h| h.set(false));
        }
    }
}

/// Serialises the work of every test in this binary: the counting allocator is process-wide, so
/// a test that builds a large crafted image while another's work is measured would charge its
/// allocations to that measurement (seen in CI: 66 MiB charged to a 23 MiB case). Tests take it
/// first thing, for their whole run, inputs built included; reentrant on one thread.
pub fn serial() -> Serial {
    install();
    if HELD.with(std::cell::Cell::get) {
        return Serial(None);
    }
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    HELD.with(|h| h.set(true));
    Serial(Some(g))
}

/// True while [`measure`] runs: panics are recorded, not printed.
static MEASURING: AtomicBool = AtomicBool::new(false);
/// The last panic seen while measuring: message and location.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);
/// What is running now and since when, for the watchdog.
static CURRENT: Mutex<Option<(String, Instant)>> = Mutex::new(None);

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if MEASURING.load(Ordering::SeqCst) {
                *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(vhdlint_filesystems::panic_text(info));
            } else {
                previous(info);
            }
        }));
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(500));
            let current = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some((what, since)) = current {
                if since.elapsed() > HANG_EXIT {
                    eprintln!("HANG: {what} still running after {HANG_EXIT:?}; exiting");
                    std::process::exit(101);
                }
            }
        });
    });
}

/// What one measured run cost.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    /// Wall time.
    pub time: Duration,
    /// Peak heap above what was live when the run started.
    pub peak: usize,
}

/// Runs `f` (described by `what`) under the panic recorder, the watchdog and the allocation
/// counter. `Err` carries the panic message and location. The caller must hold [`serial`].
pub fn measure<T>(what: &str, f: impl FnOnce() -> T) -> (Result<T, String>, Cost) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some((what.to_string(), Instant::now()));
    *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
    MEASURING.store(true, Ordering::SeqCst);
    let base = alloc::reset_peak();
    let started = Instant::now();
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    let time = started.elapsed();
    let peak = alloc::peak().saturating_sub(base);
    MEASURING.store(false, Ordering::SeqCst);
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let r = r.map_err(|_| {
        LAST_PANIC
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| "panic without a message".into())
    });
    (r, Cost { time, peak })
}

/// `n` bytes as MiB with one decimal.
pub fn mib(n: usize) -> String {
    format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
}
