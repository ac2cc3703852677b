//! The typed facts vhdlint gathers from a Windows VM disk image, each with its evidence.
//!
//! This crate is the model only: types, OS identity, serde; it depends on no parser. The
//! gatherer (`vhdlint-gather`) walks an image (container → partitions → NTFS/FAT → hives) and
//! fills an [`ImageFacts`], reading only the files and registry values it names;
//! `vhdlint-policy` judges it. Every fact is a [`Fact`]: a value plus
//! the [`Evidence`] that produced it (hive + key + value, file path, partition entry, container
//! field), so a reviewer can check each one. The serialized form (camelCase) is the `facts`
//! object of `vhdlint inspect --format json` and of `check` output: a stable public contract.
//!
//! # Getting started
//! 1. Build an [`ImageFacts`]: `vhdlint_gather::gather_path` (or `vhdlint_gather::gather` on an
//!    opened `vhdlint_filesystems::image::Image`) does; tests may build one by hand.
//! 2. By hand: for Windows, fill the raw registry facts of [`WindowsFacts`], then call
//!    [`WindowsFacts::fill_identity`] to decide the OS identity once and store it (`osName`,
//!    `version`, `versionLabel`, `multiSession`, `osFamily`, `editionClass`) with
//!    [`os_identity`] (which knows the Windows 11 / Server build pitfalls).
//! 3. Serialize it with serde, or hand it to `vhdlint_policy::evaluate`.
//!
//! ```no_run
//! use vhdlint_facts::{Evidence, Fact, ImageFacts, WindowsFacts};
//! let key = r"Microsoft\Windows NT\CurrentVersion";
//! let mut w = WindowsFacts::default();
//! w.current_build = Fact::new(
//!     Some(22631),
//!     Evidence::registry("SOFTWARE", key, "CurrentBuildNumber", Some("22631".into())),
//! );
//! w.major_version = Fact::new(
//!     Some(10),
//!     Evidence::registry("SOFTWARE", key, "CurrentMajorVersionNumber", Some("0xa".into())),
//! );
//! w.fill_identity();
//! let facts = ImageFacts { windows: Some(w), ..ImageFacts::default() };
//! println!("{:?}", facts.windows.map(|w| w.os_name.value));
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod boot_chain;
pub mod evidence;
pub mod identity;
pub mod model;
pub mod provision;

pub use audit::{
    AnswerCredential, AuditFacts, AutoLogon, Autorun, CredentialFileFact, InstalledApp,
    LocalAccount, LsaSecretFact, Posture, UserProfile,
};
pub use boot_chain::{
    BcdDeviceFact, BcdDeviceRole, BootDriverFact, BootManagerFacts, BootSignatureFact,
    CertificateFact, DeviceResolution, KernelFacts, PeFileFact, SignatureStatus,
};
pub use evidence::{Evidence, Fact, Reason};
pub use identity::{
    classify_edition, client_version_label, os_identity, EditionClass, OsFamily, OsIdentity,
    OsInputs, CLIENT_BUILDS, FIRST_WINDOWS_10_BUILD, FIRST_WINDOWS_11_BUILD, SERVER_BUILDS,
};
pub use model::{
    AnswerFile, BootFacts, ContainerDiagnostic, ContainerFacts, ContainerFormat, DiskType,
    ForeignFormat, Generation, GenerationFact, HiveFacts, ImageFacts, ImageState, PartitionEntry,
    PartitionFacts, PartitionKind, PartitionScheme, Problem, ProblemKind, ReservedStorage,
    Truncation, WindowsFacts, GIB, IMAGE_STATE_GENERALIZED_OOBE, MIB, VHD_FOOTER_SIZE,
};
pub use provision::{ProvisionFacts, SysprepOutcome, SysprepRunFacts};
