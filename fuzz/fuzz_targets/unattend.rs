//! Fuzz target: bytes → `vhdlint_gather::fuzzing::exercise_unattend`: the answer-file scanner (decode, specialize-pass ComputerName, UnattendFile path)
//! (only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_gather::fuzzing::exercise_unattend(data));
