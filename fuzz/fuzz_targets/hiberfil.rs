//! Fuzz target: bytes → `vhdlint_artifacts::fuzzing::exercise_hiberfil` (a hiberfil.sys header page; only panics, hangs and
//! OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_artifacts::fuzzing::exercise_hiberfil(data));
