//! vhdlint report wire types.
