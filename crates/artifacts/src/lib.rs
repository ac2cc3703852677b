//! Bounded parsers of Windows file *contents* found on an image: PE headers ([`pe`]),
//! Authenticode signatures ([`authenticode`]), Sysprep Panther logs ([`panther`]), Task
//! Scheduler task XML ([`tasks`]) and the `hiberfil.sys` header ([`hiberfil`]).
//!
//! Each parser takes bytes (or a [`ReadAt`](vhdlint_container::ReadAt) source and reads only the
//! bytes it needs), caps every size and count by a named constant, and turns hostile input into
//! an [`ArtifactError`] naming the structure and its offset, never a panic.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authenticode;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hiberfil;
pub mod panther;
pub mod pe;
pub mod tasks;
pub mod text;

pub use error::{ArtifactError, Result};
