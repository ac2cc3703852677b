//! Fuzz target: bytes → `vhdlint_gather::fuzzing::exercise_sid`: the SECURITY hive's SID and UNICODE_STRING decoders
//! (only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_gather::fuzzing::exercise_sid(data));
