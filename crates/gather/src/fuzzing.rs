//! Entry points of the gatherer's fuzz targets (`fuzz/fuzz_targets/{unattend,text,state_ini,sid}.rs`),
//! shared with the test that replays their inputs (`tests/fuzz_replay.rs`), so both run exactly
//! the same code. Each takes any bytes; only a panic, a hang or an unbounded allocation is a
//! finding.

use crate::files::{decode_text, state_ini_image_state};
use crate::security::{decode_sid, decode_unicode_string};
use crate::unattend::{normalize, specialize_computer_name};

/// The answer-file scanner: the bytes decoded as a file is (BOM, UTF-16/UTF-8), scanned for a
/// specialize-pass `ComputerName`, and the text taken as an `UnattendFile` value.
pub fn exercise_unattend(data: &[u8]) {
    let text = decode_text(data);
    let _ = specialize_computer_name(&text);
    let _ = normalize(&text);
}

/// Text decoding of a file read from the image (BOM sniffing, UTF-16LE/BE, UTF-8, lossy).
pub fn exercise_text(data: &[u8]) {
    let _ = decode_text(data).len();
}

/// `State.ini`: decoded, then its `[State]` `ImageState` read.
pub fn exercise_state_ini(data: &[u8]) {
    let _ = state_ini_image_state(&decode_text(data));
}

/// The SECURITY hive's `PolPrDmS` (a domain SID) and `PolPrDmN` (a `UNICODE_STRING` with its
/// buffer) decoders.
pub fn exercise_sid(data: &[u8]) {
    let _ = decode_sid(data);
    let _ = decode_unicode_string(data);
}
