//! Fuzz target: bytes → `vhdlint_gather::fuzzing::exercise_state_ini`: State.ini decoded and its ImageState read
//! (only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_gather::fuzzing::exercise_state_ini(data));
