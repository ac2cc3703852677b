//! Fuzz target: bytes → `vhdlint_registry::fuzzing::exercise_log_replay` (walks the whole API; only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_registry::fuzzing::exercise_log_replay(data));
