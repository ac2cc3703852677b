//! Bounded, read-only classifiers of files found in a Windows image, for security review.
//!
//! Each classifier takes a file's bytes (read by the caller with a cap) and returns **kind,
//! location and length** of what it found — never a secret's value, and never a reversible
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

pub mod credential_files;
#[doc(hidden)]
pub mod fuzzing;
pub mod text;
pub mod unattend_secrets;

pub use credential_files::{CredentialFile, CredentialHit, CredentialScan, Location};
pub use unattend_secrets::{
    scan_answer_file, AnswerFileCredential, AnswerFileFormat, AnswerFileScan, CredentialKind,
    SecretEncoding,
};
