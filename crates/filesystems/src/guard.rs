//! Panic isolation for third-party parsers (`fatfs`).
//!
//! Every call into those crates runs inside [`guarded`]: a panic becomes
//! [`FsError::ParserPanic`] with the panic message. The default panic hook would print the
//! message to stderr; a process-wide hook is installed once that stays silent on threads currently
//! inside [`guarded`] (a thread-local depth counter) and delegates to the previous hook
//! everywhere else. This is the "temporarily swapped hook" of the policy without a global lock:
//! two threads in `guarded` do not serialise, and a panic on another thread is still printed.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::{FsError, Result};

thread_local! {
    static SILENCED: Cell<u32> = const { Cell::new(0) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// A panic as one line: its message (or "non-text panic payload") and where it happened.
pub fn panic_text(info: &panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-text panic payload".into());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!("{msg}{at}")
}

fn install_hook() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if SILENCED.with(Cell::get) > 0 {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(panic_text(info)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into [`FsError::ParserPanic`] (`what` says what was being done).
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    install_hook();
    SILENCED.with(|s| s.set(s.get().saturating_add(1)));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    SILENCED.with(|s| s.set(s.get().saturating_sub(1)));
    r.unwrap_or_else(|_| {
        let msg = LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "unknown panic".into());
        Err(FsError::ParserPanic {
            what: format!("{what}: {msg}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors() {
        let r: Result<()> = guarded("testing", || panic!("boom {}", 42));
        match r {
            Err(FsError::ParserPanic { what }) => {
                assert!(what.starts_with("testing: boom 42 at "), "{what}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(guarded("ok", || Ok(5)), Ok(5));
    }
}
