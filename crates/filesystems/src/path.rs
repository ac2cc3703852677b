//! Path splitting shared by the file systems.

use crate::{FsError, Result};

/// Deepest path accepted: Windows paths are at most 32,767 UTF-16 units, but no image needs more
/// than a few dozen levels; the bound keeps a hostile directory chain from recursing forever.
pub const MAX_PATH_DEPTH: usize = 128;

/// Splits `path` on `/` and `\`, dropping empty and `.` components; `..` is refused.
pub fn components(path: &str) -> Result<Vec<&str>> {
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(FsError::InvalidPath {
            path: path.into(),
            reason: "'..' components are not supported".into(),
        });
    }
    if parts.len() > MAX_PATH_DEPTH {
        return Err(FsError::InvalidPath {
            path: path.into(),
            reason: format!("deeper than {MAX_PATH_DEPTH} components"),
        });
    }
    Ok(parts)
}

/// A path inside a volume as messages show it: Windows style (`\Windows\System32\config\SAM`,
/// one backslash between components, a leading one), control characters escaped so a hostile
/// name cannot drive the terminal.
pub fn shown(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    let mut last_sep = false;
    out.push('\\');
    for c in path.trim_start_matches(['/', '\\']).chars() {
        match c {
            '/' | '\\' => {
                if !last_sep {
                    out.push('\\');
                }
                last_sep = true;
                continue;
            }
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
        last_sep = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_both_separators() {
        assert_eq!(components("").unwrap(), Vec::<&str>::new());
        assert_eq!(components("/").unwrap(), Vec::<&str>::new());
        assert_eq!(
            components("\\Windows/System32\\\\config/").unwrap(),
            ["Windows", "System32", "config"]
        );
        assert!(components("a/../b").is_err());
        assert_eq!(
            shown("Windows/System32\\\\config/SAM"),
            r"\Windows\System32\config\SAM"
        );
        assert_eq!(shown("/"), r"\");
        assert_eq!(shown("a\u{1b}b"), r"\a\u{1b}b");
        assert!(components(&"a/".repeat(200)).is_err());
    }
}
