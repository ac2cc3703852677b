//! vhdlint's output: wire types with stable, camelCase field names, and their printers.
//!
//! Field names, codes and exit codes are a public contract: later versions add fields, never
//! rename them. Every document carries `schemaVersion`.

#![deny(missing_docs)]

pub mod batch;
pub mod check;
pub mod ci;
pub mod registry;
pub mod rules;
pub mod text;
pub mod time;
pub mod volumes;
pub mod wire;

pub use wire::{ContainerJson, DiagnosticJson, InspectJson, ParentJson};
