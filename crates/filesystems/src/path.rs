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
        assert!(components(&"a/".repeat(200)).is_err());
    }
}
