use std::collections::BTreeMap;

use vhdlint_filesystems::{DirEntry, FileData, FileSystem, FsError, FsKind};

use super::*;

/// An in-memory tree of folders.
struct Tree(BTreeMap<String, Vec<DirEntry>>);

fn entry(name: &str, is_dir: bool) -> DirEntry {
    DirEntry {
        name: name.into(),
        is_dir,
        size: 0,
        attributes: 0,
        created: None,
        modified: None,
        accessed: None,
        reparse_tag: None,
        streams: Vec::new(),
        special: None,
        cloud: None,
    }
}

impl FileSystem for Tree {
    fn kind(&self) -> FsKind {
        FsKind::Ntfs
    }
    fn label(&self) -> Option<String> {
        None
    }
    fn list(&self, path: &str) -> vhdlint_filesystems::Result<Vec<DirEntry>> {
        self.0
            .get(path)
            .cloned()
            .ok_or(FsError::NotFound { path: path.into() })
    }
    fn stat(&self, path: &str) -> vhdlint_filesystems::Result<DirEntry> {
        if self.0.contains_key(path) {
            Ok(entry("", true))
        } else {
            Err(FsError::NotFound { path: path.into() })
        }
    }
    fn open(&self, path: &str, _: Option<&str>) -> vhdlint_filesystems::Result<FileData> {
        Err(FsError::NotFound { path: path.into() })
    }
}

/// `folders` app folders under the all-users Start menu, each with `per` shortcuts and a
/// `readme.txt` that is not one.
fn start_menu(folders: usize, per: usize) -> Tree {
    let root = START_MENU_DIRS[0].to_owned();
    let mut map = BTreeMap::new();
    let mut top = vec![entry("desktop.ini", false)];
    for f in 0..folders {
        let name = format!("App {f}");
        top.push(entry(&name, true));
        let mut inner: Vec<DirEntry> = (0..per)
            .map(|i| entry(&format!("Tool {i}.lnk"), false))
            .collect();
        inner.push(entry("readme.txt", false));
        map.insert(format!(r"{root}\{name}"), inner);
    }
    map.insert(root, top);
    Tree(map)
}

#[test]
fn start_menu_counts_shortcuts_of_every_folder() {
    let tree = start_menu(40, 80); // 3,200 shortcuts: over the Windows 365 limit
    let (n, capped, evidence) = start_menu_count(&tree, Some(3), (100_000, 1_000, 6));
    assert_eq!(n, 3_200);
    assert!(n > START_MENU_APP_LIMIT);
    assert_eq!(capped, None);
    assert_eq!(evidence.len(), 2, "both roots named");
}

#[test]
fn start_menu_walk_stops_at_its_caps_and_says_so() {
    let tree = start_menu(40, 80);
    let (n, capped, _) = start_menu_count(&tree, None, (1_000, 1_000, 6));
    assert!(n < 1_000, "{n}");
    assert!(capped.unwrap().contains("MAX_START_MENU_ENTRIES"));
    let (_, capped, _) = start_menu_count(&tree, None, (100_000, 5, 6));
    assert!(capped.unwrap().contains("MAX_START_MENU_DIRS"));
    let (_, capped, _) = start_menu_count(&tree, None, (100_000, 1_000, 0));
    assert!(capped.unwrap().contains("MAX_START_MENU_DEPTH"));
    // The production caps hold the limit plus a margin.
    assert!(MAX_START_MENU_ENTRIES > START_MENU_APP_LIMIT as usize);
}
