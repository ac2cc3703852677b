//! Fuzz target: bytes → `vhdlint_artifacts::fuzzing::exercise_pe` (a PE file: headers, certificate table, every Authenticode signature; only panics, hangs and
//! OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_artifacts::fuzzing::exercise_pe(data));
