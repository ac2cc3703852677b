//! Bounded parsers of Windows file *contents* found on an image: PE headers ([`pe`]),
//! Authenticode signatures ([`authenticode`]), Sysprep Panther logs ([`panther`]), Task
//! Scheduler task XML ([`tasks`]) and the `hiberfil.sys` header ([`hiberfil`]).
//!
//! Each parser takes bytes (or a [`ReadAt`](vhdlint_container::ReadAt) source and reads only the
//! bytes it needs), caps every size and count by a named constant, and turns hostile input into
//! an [`ArtifactError`] naming the structure and its offset, never a panic.
//!
//! For security review, classifiers that take a file's bytes (read by the caller with a cap)
//! and return **kind, location and length** of what they found — never a secret's value, and
//! never a reversible
//! encoding of it:
//! - [`unattend_secrets`]: passwords in answer files (`unattend.xml`, `autounattend.xml`,
//!   `sysprep.xml`, `sysprep.inf`), recognising the `PlainText=false` base64 form.
//! - [`credential_files`]: SSH private keys, PowerShell history lines, AWS / Docker / Git
//!   credentials, Azure CLI / MSAL token caches.
//!
//! Every scan is linear in its input, bounded by named caps, and never panics on hostile bytes
//! (see `fuzz/fuzz_targets/answer_file.rs`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authenticode;
pub mod credential_files;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hiberfil;
pub mod panther;
pub mod pe;
pub mod tasks;
pub mod text;
pub mod unattend_secrets;

pub use credential_files::{CredentialFile, CredentialHit, CredentialScan, Location};
pub use error::{ArtifactError, Result};
pub use unattend_secrets::{
    scan_answer_file, AnswerFileCredential, AnswerFileFormat, AnswerFileScan, CredentialKind,
    SecretEncoding,
};
