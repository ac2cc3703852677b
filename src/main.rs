//! vhdlint binary.
fn main() {}
