//! Test support shared by vhdlint's crates (a dev-dependency only).
//!
//! - [`corpus_file`] finds a file of `../shared/corpus` and, when it is compressed (`.gz`, `.bz2`,
//!   `.xz`), decompresses it once into `target/corpus-cache/`. The corpus is never copied into the
//!   project. When the corpus is absent the test **fails** with a message saying so, unless
//!   `VHDLINT_SKIP_CORPUS=1` is set, in which case it prints `CORPUS ABSENT … skipped` and the
//!   caller skips: a corpus test never passes silently.
//! - [`testdata_file`] does the same for the committed fixtures under `testdata/`.
//! - [`scratch_dir`] gives a fresh folder under `target/test-scratch/`.
//! - [`redaction`]: the never-print-secrets check (planted secrets in any reversible form).
//! - [`http`]: a fault-injecting HTTP server on 127.0.0.1 serving a file by range requests.

pub mod http;
pub mod redaction;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (where the top `Cargo.toml` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
}

/// Where decompressed files and scratch folders go.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The shared corpus folder: `$VHDLINT_CORPUS`, else `../shared/corpus` beside the workspace.
pub fn corpus_root() -> PathBuf {
    std::env::var_os("VHDLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"))
}

/// True when the corpus is present.
pub fn corpus_present() -> bool {
    corpus_root().join("MANIFEST.md").is_file()
}

/// Path of corpus file `rel` (relative to the corpus root, with its compression suffix), ready to
/// read: decompressed into the cache when compressed. `None` only when the corpus is absent and
/// `VHDLINT_SKIP_CORPUS=1` is set (a loud line is printed); otherwise an absent corpus panics.
pub fn corpus_file(rel: &str) -> Option<PathBuf> {
    let root = corpus_root();
    if !corpus_present() {
        let msg = format!(
            "CORPUS ABSENT: {} not found (set VHDLINT_CORPUS, or VHDLINT_SKIP_CORPUS=1 to skip); \
             test needing {rel}",
            root.display()
        );
        if std::env::var_os("VHDLINT_SKIP_CORPUS").is_some() {
            eprintln!("{msg} — skipped");
            println!("{msg} — skipped");
            return None;
        }
        panic!("{msg}");
    }
    let src = root.join(rel);
    assert!(src.is_file(), "corpus file {} is missing", src.display());
    Some(decompressed(
        &src,
        &target_dir().join("corpus-cache").join(rel),
    ))
}

/// Decompressed corpus files at least this large are removed from the cache when the last
/// [`CorpusFile`] naming them in this process is dropped: `ntfs-ptrn.raw` is a 1 GiB disk that
/// Windows filled with a pattern (no zero blocks to leave as holes), and a CI runner's disk
/// should not keep it after the tests that read it (issue 13: 2 GiB of `target/` plus caches).
pub const LARGE_CACHE_FILE: u64 = 128 << 20;

/// Users of each large cached corpus file in this process; its lock also serialises their
/// decompression and removal.
static LARGE_USERS: std::sync::Mutex<Vec<(PathBuf, usize)>> = std::sync::Mutex::new(Vec::new());

/// A corpus file ready to read (see [`corpus_file_scoped`]); derefs to its path.
#[derive(Debug)]
pub struct CorpusFile {
    path: PathBuf,
    large: bool,
}

impl std::ops::Deref for CorpusFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for CorpusFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for CorpusFile {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl Drop for CorpusFile {
    fn drop(&mut self) {
        if !self.large {
            return;
        }
        let mut users = LARGE_USERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = users.iter().position(|(p, _)| *p == self.path) {
            let count = users.get_mut(i).map(|(_, n)| {
                *n -= 1;
                *n
            });
            if count == Some(0) {
                users.swap_remove(i);
                // An open handle (a mapped volume) keeps reading the unlinked file.
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// [`corpus_file`] for a file that may be large: the same path, held by a [`CorpusFile`]; a
/// cached file of [`LARGE_CACHE_FILE`] or more is removed once no `CorpusFile` names it (and
/// decompressed again by the next caller).
pub fn corpus_file_scoped(rel: &str) -> Option<CorpusFile> {
    let mut users = LARGE_USERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = corpus_file(rel)?;
    // Only a decompressed copy in the cache is ever removed, never a corpus file.
    let cached = path.starts_with(target_dir().join("corpus-cache"));
    let large = cached && std::fs::metadata(&path).is_ok_and(|m| m.len() >= LARGE_CACHE_FILE);
    if large {
        match users.iter_mut().find(|(p, _)| *p == path) {
            Some((_, n)) => *n += 1,
            None => users.push((path.clone(), 1)),
        }
    }
    Some(CorpusFile { path, large })
}

/// Path of a committed fixture `testdata/<rel>`, decompressed into the cache when compressed.
pub fn testdata_file(rel: &str) -> PathBuf {
    let src = workspace_root().join("testdata").join(rel);
    assert!(src.is_file(), "fixture {} is missing", src.display());
    decompressed(&src, &target_dir().join("testdata-cache").join(rel))
}

/// Decompresses `src` to `dest` minus its suffix (once; reused while newer than `src`).
fn decompressed(src: &Path, dest_with_suffix: &Path) -> PathBuf {
    let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("");
    let tool = match ext {
        "gz" => "gzip",
        "bz2" => "bzip2",
        "xz" => "xz",
        "zst" => "zstd",
        _ => return src.to_path_buf(),
    };
    let dest = dest_with_suffix.with_extension("");
    let fresh = match (dest.metadata(), src.metadata()) {
        (Ok(d), Ok(s)) => match (d.modified(), s.modified()) {
            (Ok(dm), Ok(sm)) => dm >= sm,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return dest;
    }
    std::fs::create_dir_all(dest.parent().expect("cache path has a parent")).expect("cache dir");
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dest.with_extension(format!("tmp{}-{n}", std::process::id()));
    let out = std::fs::File::create(&tmp).expect("create cache file");
    let mut child = Command::new(tool)
        .arg("-dc")
        .arg(src)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {tool} to decompress {}: {e}", src.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    write_sparse(stdout, out).unwrap_or_else(|e| panic!("decompress {}: {e}", src.display()));
    let status = child.wait().expect("wait for the decompressor");
    assert!(status.success(), "{tool} -dc {} failed", src.display());
    std::fs::rename(&tmp, &dest).expect("rename cache file");
    dest
}

/// Block size of [`write_sparse`]: an all-zero block of this size is a hole, not written.
const SPARSE_BLOCK: usize = 64 << 10;

/// Copies `input` to `out`, leaving all-zero [`SPARSE_BLOCK`]s as holes: the decompressed corpus
/// disks are mostly zeros (a 1 GiB NTFS sample holds 25 MiB of data), so the cache costs the
/// data's size on disk, not the disks' (issue 13: a CI runner's disk).
fn write_sparse(mut input: impl std::io::Read, mut out: std::fs::File) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut buf = vec![0u8; SPARSE_BLOCK];
    let mut len = 0u64;
    loop {
        // Fill a whole block (a pipe returns short reads).
        let mut n = 0;
        while n < buf.len() {
            match input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if n == 0 {
            break;
        }
        let block = &buf[..n];
        if block.iter().all(|&b| b == 0) {
            out.seek(SeekFrom::Current(n as i64))?;
        } else {
            out.write_all(block)?;
        }
        len += n as u64;
        if n < buf.len() {
            break;
        }
    }
    out.set_len(len)?;
    out.sync_all()
}

/// A fresh, empty folder `target/test-scratch/<name>` (removed first if it exists), removed
/// again when the test that made it ends without a panic: a CI runner's disk holds the suite's
/// caches, not every test's images (issue 13: 2 GiB of `target/` plus caches). A failing test
/// leaves its folder for a look; `VHDLINT_KEEP_SCRATCH=1` keeps every folder.
pub fn scratch_dir(name: &str) -> Scratch {
    let dir = target_dir().join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    Scratch(dir)
}

/// A scratch folder (see [`scratch_dir`]); derefs to its path.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() && std::env::var_os("VHDLINT_KEEP_SCRATCH").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The `qemu-img` on `PATH`, if any.
pub fn qemu_img() -> Option<PathBuf> {
    let out = Command::new("qemu-img").arg("--version").output().ok()?;
    out.status.success().then(|| PathBuf::from("qemu-img"))
}

/// `-` lines only in `expected`, `+` lines only in `actual`, in order (enough for tables).
pub fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for l in &old {
        if !new.contains(l) {
            out += &format!("- {l}\n");
        }
    }
    for l in &new {
        if !old.contains(l) {
            out += &format!("+ {l}\n");
        }
    }
    out
}
