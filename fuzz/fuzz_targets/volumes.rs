//! Fuzz target: bytes → `vhdlint_volumes::fuzzing::exercise` (walks the whole API; only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_volumes::fuzzing::exercise(data));
