//! Fuzz target: bytes → in-memory container → image → gather → evaluate, as `vhdlint check`
//! (`vhdlint::fuzzing::exercise_pipeline`; only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint::fuzzing::exercise_pipeline(data));
