//! Fuzz target: bytes → `vhdlint_artifacts::fuzzing::exercise_answer_file` (the answer-file
//! credential scanner, XML and INI, then every credential-file classifier; only panics, hangs
//! and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_artifacts::fuzzing::exercise_answer_file(data));
