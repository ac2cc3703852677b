//! Fuzz target: bytes → `vhdlint_registry::fuzzing::exercise_sam` (the bytes as F/V/C values,
//! then as a SAM hive — every account, alias and accessor — and as a SECURITY hive; only
//! panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_registry::fuzzing::exercise_sam(data));
