//! Registry path syntax, one rule for the library, `vhdlint reg` and the facts' evidence.
//!
//! **Only `\` separates keys.** Every other character, `/` included, belongs to a key name:
//! `/` is legal in key names and Windows uses it (Amcache
//! `Root\InventoryDriverBinary\c:/windows/system32/drivers/…`, UsrClass
//! `MIME\Database\Content Type\audio/wav`, SYSTEM `…\Connection\http://www.microsoft.com/…`,
//! SOFTWARE `Microsoft\OS/2 Subsystem for NT`). Empty components — a leading, trailing or doubled
//! `\` — are skipped (a key name is never empty).
//!
//! **The one `/` convenience** is in the prefix of a full path, where it cannot be ambiguous:
//! the root key (`HKLM`, `HKEY_LOCAL_MACHINE`, `HKU`, `HKEY_USERS`) and the hive name after it
//! (`SYSTEM`, `SOFTWARE`, `SECURITY`, `SAM`, `BCD`, `.DEFAULT`, a user name) may each be followed
//! by `/` instead of `\`, because none of those names can contain `/` (Windows forbids it in user
//! names). So `HKLM/SYSTEM/Select` is hive SYSTEM, key `Select`; but in
//! `HKLM/SOFTWARE/Microsoft/Windows NT` the key path is the single name `Microsoft/Windows NT`.
//!
//! ```
//! use vhdlint_registry::path::{key_names, parse};
//! use vhdlint_registry::path::HiveName;
//! assert_eq!(
//!     key_names(r"MIME\Database\Content Type\audio/wav").collect::<Vec<_>>(),
//!     ["MIME", "Database", "Content Type", "audio/wav"]
//! );
//! assert_eq!(
//!     parse("HKLM/SYSTEM/Select").unwrap(),
//!     (HiveName::Config("SYSTEM"), "Select".to_string())
//! );
//! ```

/// Which hive a registry path names (`reg`'s syntax). Where each lives inside an image is the
/// gatherer's business (`vhdlint_gather::locate`), not this crate's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HiveName {
    /// `HKLM\SYSTEM`, `HKLM\SOFTWARE`, `HKLM\SECURITY`, `HKLM\SAM`.
    Config(&'static str),
    /// `HKLM\BCD` (or `HKLM\BCD00000000`): the boot configuration store.
    Bcd,
    /// `HKU\.DEFAULT`.
    DefaultUser,
    /// `HKU\<user>`: that user's `NTUSER.DAT`.
    User(String),
}

/// The key separator.
pub const SEPARATOR: char = '\\';

/// The key names of a path inside a hive: split at `\` only, empty components skipped.
pub fn key_names(path: &str) -> impl Iterator<Item = &str> {
    path.split(SEPARATOR).filter(|p| !p.is_empty())
}

/// A key path inside a hive in canonical form: its names joined by single `\`.
pub fn normalize(path: &str) -> String {
    key_names(path).collect::<Vec<_>>().join("\\")
}

/// Root keys a full path may start with, and whether they hold machine (`true`) or user hives.
const ROOTS: [(&str, bool); 4] = [
    ("HKLM", true),
    ("HKEY_LOCAL_MACHINE", true),
    ("HKU", false),
    ("HKEY_USERS", false),
];

/// Splits the prefix component that ends at the first `\` or `/` (leading separators skipped).
fn prefix_component(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches(['\\', '/']);
    match path.find(['\\', '/']) {
        Some(at) => (
            path.get(..at).unwrap_or(""),
            path.get(at + 1..).unwrap_or(""),
        ),
        None => (path, ""),
    }
}

/// The root key and hive name a full path starts with, and the rest (a key path inside the
/// hive), when it starts with one of the root keys; `None` otherwise.
pub fn split_prefix(path: &str) -> Option<(&str, &str, &str)> {
    let (root, rest) = prefix_component(path);
    ROOTS
        .iter()
        .any(|(r, _)| r.eq_ignore_ascii_case(root))
        .then(|| {
            let (hive, rest) = prefix_component(rest);
            (root, hive, rest)
        })
}

/// Parses a full registry path such as `HKLM\SYSTEM\Select` into the hive it names and the key
/// path inside it (canonical, `\`-separated). See the [module docs](self) for the syntax: roots
/// `HKLM`/`HKEY_LOCAL_MACHINE` (hives SYSTEM, SOFTWARE, SECURITY, SAM, BCD) and
/// `HKU`/`HKEY_USERS` (`.DEFAULT` or a user name), any case.
pub fn parse(path: &str) -> Result<(HiveName, String), String> {
    let usage = || {
        format!(
            "{path}: a key in an image starts with HKLM\\SYSTEM, HKLM\\SOFTWARE, HKLM\\SECURITY, \
             HKLM\\SAM, HKLM\\BCD, HKU\\.DEFAULT or HKU\\<user>"
        )
    };
    let (root, hive, rest) = split_prefix(path).ok_or_else(usage)?;
    let machine = ROOTS
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(root))
        .is_some_and(|(_, m)| *m);
    let upper = hive.to_ascii_uppercase();
    let name = if machine {
        match upper.as_str() {
            "SYSTEM" => HiveName::Config("SYSTEM"),
            "SOFTWARE" => HiveName::Config("SOFTWARE"),
            "SECURITY" => HiveName::Config("SECURITY"),
            "SAM" => HiveName::Config("SAM"),
            "BCD" | "BCD00000000" => HiveName::Bcd,
            _ => {
                return Err(format!(
                    "{path}: HKLM has SYSTEM, SOFTWARE, SECURITY, SAM and BCD offline, not {hive:?}"
                ))
            }
        }
    } else if upper == ".DEFAULT" {
        HiveName::DefaultUser
    } else if !hive.is_empty() {
        HiveName::User(hive.to_string())
    } else {
        return Err(usage());
    };
    Ok((name, normalize(rest)))
}

/// The key path inside a standalone hive file: a leading `HKLM\<hive>` / `HKU\<user>` prefix
/// (as [`parse`] reads it) is dropped, so `HKLM\SYSTEM\Select` given for a SYSTEM file is
/// `Select`; anything else is a key path as is.
pub fn strip_hive_prefix(path: &str) -> String {
    match split_prefix(path) {
        Some((_, _, rest)) => normalize(rest),
        None => normalize(path),
    }
}

/// A hint for a key that was not found: when its path has a `/`, say that `/` is part of a
/// name (and what the path would be with `\`).
pub fn slash_hint(path: &str) -> Option<String> {
    path.contains('/').then(|| {
        format!(
            "in registry paths only `\\` separates keys and `/` is part of a key name; with `/` \
             as separators that path is {}",
            path.replace('/', "\\")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_backslash_separates_key_names() {
        let names = |p| key_names(p).collect::<Vec<_>>();
        assert_eq!(
            names(r"Root\InventoryDriverBinary\c:/windows/system32/drivers/x.sys"),
            [
                "Root",
                "InventoryDriverBinary",
                "c:/windows/system32/drivers/x.sys"
            ]
        );
        assert_eq!(names(r"\a\\b\"), ["a", "b"]);
        assert_eq!(
            names("http://www.microsoft.com/"),
            ["http://www.microsoft.com/"]
        );
        assert_eq!(names(""), Vec::<&str>::new());
        assert_eq!(
            normalize(r"\OS/2 Subsystem for NT\\1.0\"),
            r"OS/2 Subsystem for NT\1.0"
        );
    }

    #[test]
    fn full_paths_split_into_hive_and_key() {
        assert_eq!(
            parse(r"HKLM\SYSTEM\Select").unwrap(),
            (HiveName::Config("SYSTEM"), "Select".to_string())
        );
        // `/` after the root key and the hive name; after that it belongs to the name.
        assert_eq!(
            parse("hkey_local_machine/software/Microsoft/Windows NT").unwrap(),
            (
                HiveName::Config("SOFTWARE"),
                "Microsoft/Windows NT".to_string()
            )
        );
        assert_eq!(
            parse(r"HKLM/SOFTWARE\Microsoft\OS/2 Subsystem for NT").unwrap(),
            (
                HiveName::Config("SOFTWARE"),
                r"Microsoft\OS/2 Subsystem for NT".to_string()
            )
        );
        assert_eq!(parse(r"HKLM\BCD").unwrap(), (HiveName::Bcd, String::new()));
        assert_eq!(
            parse(r"\HKU\alice\Software\\").unwrap(),
            (HiveName::User("alice".into()), "Software".into())
        );
        assert_eq!(parse("HKU/.default").unwrap().0, HiveName::DefaultUser);
        assert!(parse(r"HKLM\HARDWARE").is_err());
        assert!(parse(r"HKCU\Software").is_err());
        assert!(parse(r"HKU\").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn standalone_paths_drop_only_a_root_prefix() {
        assert_eq!(strip_hive_prefix(r"HKLM\SYSTEM\Select"), "Select");
        assert_eq!(strip_hive_prefix("HKLM/SAM/SAM\\Domains"), r"SAM\Domains");
        assert_eq!(strip_hive_prefix(r"\Select\"), "Select");
        assert_eq!(
            strip_hive_prefix(r"MIME\Database\Content Type\audio/wav"),
            r"MIME\Database\Content Type\audio/wav"
        );
        assert_eq!(strip_hive_prefix(""), "");
        assert!(slash_hint("a/b").unwrap().contains(r"a\b"));
        assert_eq!(slash_hint(r"a\b"), None);
    }
}
