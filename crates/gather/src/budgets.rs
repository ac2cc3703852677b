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
