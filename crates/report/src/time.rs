//! Windows FILETIME to ISO 8601 text.

use vhdlint_policy::Date;

/// 100-ns intervals between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;

/// `2024-05-01T12:34:56Z` for a FILETIME (UTC); `None` for 0 or a time before 1970.
pub fn filetime_to_iso(ft: u64) -> Option<String> {
    let secs = ft.checked_sub(UNIX_EPOCH_FILETIME)? / 10_000_000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // One calendar implementation in the workspace: the policy crate's `Date`.
    let date = Date::from_days_since_epoch(days);
    Some(format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_known_times() {
        assert_eq!(
            filetime_to_iso(UNIX_EPOCH_FILETIME).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        // 2021-01-01 13:37:00 UTC (testfs1's empty-file mtime).
        assert_eq!(
            filetime_to_iso(132_539_818_200_000_000).as_deref(),
            Some("2021-01-01T13:37:00Z")
        );
        assert_eq!(filetime_to_iso(0), None);
        assert!(filetime_to_iso(u64::MAX).is_some());
    }
}
