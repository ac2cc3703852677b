//! Fuzz target: bytes → `vhdlint_registry::fuzzing::exercise_bcd` (a hive read as a BCD store,
//! every object and element; only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_registry::fuzzing::exercise_bcd(data));
