//! Fuzz target: bytes → `vhdlint_registry::fuzzing::exercise_bcd_device` (one BCD device
//! element's REG_BINARY data, decoded and displayed; only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_registry::fuzzing::exercise_bcd_device(data));
