//! Fuzz target: bytes → the vhd entry point → every read the API offers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vhdlint_container::fuzzing::{exercise, Entry};

fuzz_target!(|data: &[u8]| exercise(Entry::Vhd, data));
