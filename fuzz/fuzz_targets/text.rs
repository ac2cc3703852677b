//! Fuzz target: bytes → `vhdlint_gather::fuzzing::exercise_text`: text decoding of files read from an image (BOM, UTF-16LE/BE, UTF-8)
//! (only panics, hangs and OOMs count).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vhdlint_gather::fuzzing::exercise_text(data));
