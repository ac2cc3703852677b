//! `hash` on a multi-GiB file: bounded memory (peak RSS of the process, read back by the
//! kernel's accounting through Python's `resource`), the same digest as the file hash, and a
//! progress bar only on a terminal.

use std::path::Path;
use std::process::Command;

use vhdlint_testkit::scratch_dir;

/// Peak RSS allowed for `hash` / `hash --virtual` whatever the file's size (issue 13).
const MAX_RSS_BYTES: u64 = 256 << 20;

/// Runs the binary with `args` under /usr/bin/python3, which reports the child's peak RSS
/// (`ru_maxrss`, KiB on Linux). Returns (exit code, stdout, stderr, peak RSS in bytes).
fn run_measured(args: &[&str]) -> (i32, String, String, u64) {
    let script = r#"
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.write(p.stdout.decode())
sys.stderr.write(p.stderr.decode())
sys.stderr.write("\nMAXRSS_KIB=%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(p.returncode)
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args)
        .output()
        .expect("run /usr/bin/python3");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (rest, kib) = stderr.rsplit_once("\nMAXRSS_KIB=").expect("rusage line");
    let kib: u64 = kib.trim().parse().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        rest.to_string(),
        kib * 1024,
    )
}

fn sparse_file(dir: &Path, len: u64) -> String {
    let path = dir.join("sparse.raw");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(len).unwrap();
    path.display().to_string()
}

#[test]
fn hash_of_a_multi_gib_file_streams_in_bounded_memory() {
    let dir = scratch_dir("cli-hash-bounded");
    // 3 GiB of holes: no disk used, but every page is read (zeros) and hashed.
    let path = sparse_file(&dir, 3 << 30);
    let (code, file_line, err, file_rss) = run_measured(&["hash", &path]);
    assert_eq!(code, 0, "{err}");
    let (code, virtual_line, err, virtual_rss) = run_measured(&["hash", "--virtual", &path]);
    assert_eq!(code, 0, "{err}");
    // A raw disk's virtual bytes are its file's bytes.
    let digest = |l: &str| l.split_whitespace().next().unwrap().to_string();
    assert_eq!(digest(&file_line), digest(&virtual_line));
    assert_eq!(digest(&file_line).len(), 64);
    for (what, rss) in [("hash", file_rss), ("hash --virtual", virtual_rss)] {
        assert!(
            rss <= MAX_RSS_BYTES,
            "{what} of a 3 GiB file peaked at {} MiB RSS (limit {} MiB)",
            rss >> 20,
            MAX_RSS_BYTES >> 20
        );
    }
    // Not a terminal: no progress bar, nothing on stderr.
    assert_eq!(err.trim(), "", "stderr is not a terminal: no progress bar");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_long_hash_shows_a_progress_bar_on_a_terminal_only() {
    // util-linux `script` gives the command a pseudo-terminal.
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("VHDLINT_SKIP_TOOLS").is_some(),
            "util-linux script is not installed (.ci/run installs bsdutils; VHDLINT_SKIP_TOOLS=1 skips)"
        );
        return;
    }
    let dir = scratch_dir("cli-hash-progress");
    let path = sparse_file(&dir, 1 << 30);
    let cmd = format!(
        "{} hash --virtual {path} >{}",
        env!("CARGO_BIN_EXE_vhdlint"),
        dir.join("digest").display()
    );
    // A terminal that draws: CI runners often start commands with no TERM (console treats
    // that as a dumb terminal and hides the bar, as it should).
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(
        tty.contains("hashing"),
        "a progress bar on the terminal: {tty:?}"
    );
    // The digest on stdout is unaffected.
    let digest = std::fs::read_to_string(dir.join("digest")).unwrap();
    assert!(digest.ends_with(&format!("  {path}\n")), "{digest:?}");
    // A short hash has none, even on a terminal.
    let small = dir.join("small.raw");
    std::fs::write(&small, vec![0u8; 1 << 20]).unwrap();
    let cmd = format!(
        "{} hash {} >/dev/null",
        env!("CARGO_BIN_EXE_vhdlint"),
        small.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hashing"));
    std::fs::remove_dir_all(&dir).ok();
}
