//! The gatherer's budgets, in one place (ARCHITECTURE.md, invariant "Bounded"): every loop over
//! what an image holds and every allocation sized by it is bounded by one of these, or by the
//! bytes actually read. A budget that trips is a problem naming the structure, never a silent
//! truncation that changes a verdict.

/// Bytes the log-replay overlays of `SYSTEM`, `SOFTWARE` and `SECURITY` of one check may hold
/// together ([`vhdlint_registry::ByteBudget`]): real logs replay a few MiB; three logs aliased
/// to one hostile record must not cost three 256 MiB overlays.
pub const CHECK_OVERLAY_BUDGET: u64 = 32 << 20;

/// Most `CloudDomainJoin\JoinInfo` subkeys looked at (a device joins once; Windows keeps one
/// subkey per join certificate thumbprint).
pub const MAX_JOIN_KEYS: usize = 64;

// ---- `vhdlint audit` (crate::audit): every walk of what a user or an installer left behind is
// capped; a cap that is hit is named in `audit.capsHit` (the walk stops, the facts say so).

/// Most user profiles looked at (`\Users\*` and `ProfileList` together).
pub const MAX_PROFILES: usize = 64;
/// Deepest folder level walked inside a profile (the profile folder is level 0).
pub const MAX_PROFILE_DEPTH: usize = 4;
/// Most directory entries listed over every profile walk of one image.
pub const MAX_PROFILE_ENTRIES: usize = 4096;
/// Most bytes read from credential files of one image (each file is further capped by
/// `vhdlint_artifacts::credential_files::MAX_CREDENTIAL_FILE_BYTES`).
pub const MAX_CREDENTIAL_BYTES: u64 = 4 << 20;
/// Most scheduled-task files read (`\Windows\System32\Tasks`).
pub const MAX_TASK_FILES: usize = 1024;
/// Deepest folder level walked under `\Windows\System32\Tasks`.
pub const MAX_TASK_DEPTH: usize = 8;
/// Most bytes read from scheduled-task files of one image.
pub const MAX_TASK_BYTES_TOTAL: u64 = 4 << 20;
/// Most subkeys looked at under one registry key walked by the audit (`Uninstall`, `Services`,
/// `Image File Execution Options`, `ProfileList`) and most values of one `Run` key.
pub const MAX_AUDIT_SUBKEYS: usize = 4096;
/// Most service and driver image files the audit looks up on the Windows volume (one
/// directory-index lookup each; a real SYSTEM hive has about 700 services).
pub const MAX_IMAGE_LOOKUPS: usize = 2048;
/// Most bytes of the end of each Panther log read: the last run is at the end, and one run
/// logs tens of KiB.
pub const MAX_PANTHER_TAIL_BYTES: u64 = 256 * 1024;

/// Most directory entries the Start-menu walk looks at (3,000 apps is the Windows 365 limit).
pub const MAX_START_MENU_ENTRIES: usize = 4_000;
/// Most folders the Start-menu walk lists.
pub const MAX_START_MENU_DIRS: usize = 500;
/// Deepest folder nesting the Start-menu walk follows below `Programs`.
pub const MAX_START_MENU_DEPTH: usize = 6;
/// Most provisioned Appx applications counted.
pub const MAX_APPX_APPLICATIONS: usize = 4_000;
