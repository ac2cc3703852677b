//! A lazy, read-only Windows registry hive reader with transaction-log replay, and BCD.
//!
//! It reads a hive it is given (a [`ReadAt`] and its logs): where hives and the BCD store lie
//! in a Windows image, and opening them with the logs beside them, is `vhdlint-gather`'s.
//!
//! Hives are read cell by cell through the positional-read trait [`ReadAt`]: asking five values
//! of a 120 MB hive reads kilobytes. A dirty hive's `.LOG1`/`.LOG2` (new `HvLE` format, Marvin32
//! hashed, dual logging) or old-format `.LOG` (`DIRT` vector) are replayed into an in-memory
//! overlay, never into a file. Every size, count and walk is bounded by a named budget (a
//! constant, or proportional to the bytes read: see [`hive`] § Budgets), aliasing the format
//! forbids is refused with both offsets named, and
//! hostile bytes give an error naming the structure and its hive offset, never a panic.
//! The format follows msuhanov's "Windows registry file format specification".
//!
//! # Getting started
//! 1. [`Hive::open`] a source (the hive file), with its [`HiveLogs`] and [`HiveOptions`].
//! 2. Look at [`Hive::status`]: dirty, logs replayed, diagnostics.
//! 3. [`Hive::key`] a path (only `\` separates keys; `/` is part of a name: see [`path`]), then [`Key::value`] and [`Value::data`].
//! 4. For a SYSTEM hive, [`current_control_set`]; for a BCD store, [`BcdStore::read`]; for a SAM
//!    hive, [`SamDatabase::read`] (accounts, never hashes); for SECURITY, [`LsaSecrets::read`]
//!    (secret names and lengths, never values).
//!
//! ```no_run
//! use std::sync::Arc;
//! use vhdlint_container::FileSource;
//! use vhdlint_registry::{Hive, HiveLogs, HiveOptions, ValueData};
//! let file = Arc::new(FileSource::open(std::path::Path::new("SYSTEM"))?);
//! let hive = Hive::open(file, HiveLogs::none(), HiveOptions::default())?;
//! if let Some(select) = hive.key("Select")? {
//!     if let Some(v) = select.value("Current")? {
//!         if let ValueData::Dword(n) = v.data()? {
//!             println!("ControlSet{n:03}, dirty: {}", hive.status().dirty);
//!         }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod base_block;
pub mod bcd;
pub mod bcd_device;
pub mod control_set;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hive;
pub mod key;
pub mod log_replay;
pub mod lsa;
pub mod marvin;
pub mod path;
pub mod sam;
pub mod value;

pub use base_block::HiveBaseBlock;
pub use bcd::{BcdElement, BcdObject, BcdStore};
pub use bcd_device::{parse_device_element, BcdDevice, Device, PartitionId};
pub use control_set::{
    current_control_set, resolve_current_control_set, ControlSet, ControlSetSource,
};
pub use error::{RegistryError, Result};
pub use hive::{ByteBudget, Hive, HiveLogs, HiveOptions, HiveStatus, HiveWork, RecoveredHive};
pub use key::Key;
pub use log_replay::{LogFormat, LogSlot};
pub use lsa::{LsaSecret, LsaSecrets, SecretKind};
pub use sam::{HashEntry, HashStyle, SamAccount, SamAlias, SamDatabase, Sid};
pub use value::{Value, ValueData};
pub use vhdlint_container::{Diagnostic, ReadAt};
