//! Fuzz target: bytes → `vhdlint_artifacts::fuzzing::exercise_panther` (a Sysprep Panther log, as setupact.log and setuperr.log; only panics, hangs and
//! OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_artifacts::fuzzing::exercise_panther(data));
