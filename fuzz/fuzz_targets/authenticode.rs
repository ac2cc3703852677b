//! Fuzz target: bytes → `vhdlint_artifacts::fuzzing::exercise_authenticode` (a bare PKCS#7 ContentInfo, parsed as Authenticode SignedData; only panics, hangs and
//! OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_artifacts::fuzzing::exercise_authenticode(data));
