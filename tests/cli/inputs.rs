//! Every input gets the truth, and none blocks: disk formats vhdlint does not read, optical and
//! WIM images, compressed and archived disks (made by their own tools: testdata/foreign/
//! generate.sh) fail as `sourceImageInvalid` naming the format and the conversion; pipes,
//! sockets, character devices and directories are refused at once (exit 2).
//!
//! Each run is bounded by [`HANG_GUARD`]: a regression that blocks fails the test instead of
//! hanging the suite.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use vhdlint_testkit::{scratch_dir, testdata_file, workspace_root};

/// Longest a run may take before it counts as hung (inputs here finish in milliseconds).
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Waits for `child` at most [`HANG_GUARD`]; kills it and fails the test when it hangs.
fn wait_bounded(mut child: Child, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_end(&mut stdout)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_end(&mut stderr)
                .unwrap();
            return Output {
                status,
                stdout,
                stderr,
            };
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} hung: killed after {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs vhdlint with stdin `stdin`, bounded.
fn run_with_stdin(args: &[&str], stdin: Stdio) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, &format!("vhdlint {args:?}"))
}

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, Stdio::null())
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn foreign(rel: &str) -> PathBuf {
    let committed = workspace_root().join("testdata/foreign").join(rel);
    if rel.ends_with(".xz") && !rel.starts_with("disk.raw") {
        // qemu-img and ISO outputs are committed xz-compressed; the testkit decompresses them.
        testdata_file(&format!("foreign/{rel}"))
    } else {
        committed
    }
}

/// Each fixture, with the format name the message must use and a word of the advice.
fn cases() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "disk.qcow2.xz",
            "qcow2",
            "qemu-img convert -f qcow2 -O vpc -o subformat=fixed,force_size",
        ),
        (
            "disk-v2.qcow2.xz",
            "qcow2",
            "qemu-img convert -f qcow2 -O vpc",
        ),
        ("disk.qed.xz", "QED", "qemu-img convert -f qed -O vpc"),
        (
            "disk.vmdk.xz",
            "VMDK (VMware sparse)",
            "qemu-img convert -f vmdk -O vpc",
        ),
        (
            "disk-stream.vmdk.xz",
            "stream-optimised VMDK",
            "qemu-img convert -f vmdk -O vpc",
        ),
        (
            "descriptor.vmdk",
            "VMDK descriptor",
            "with its extent files",
        ),
        (
            "disk.vdi.xz",
            "VDI (VirtualBox)",
            "qemu-img convert -f vdi -O vpc",
        ),
        (
            "disk.parallels.xz",
            "Parallels",
            "qemu-img convert -f parallels -O vpc",
        ),
        ("cd.iso.xz", "ISO 9660", "installation medium"),
        ("hybrid.iso.xz", "ISO 9660", "installation medium"),
        ("udf.iso.xz", "UDF", "installation medium"),
        ("install.wim", "WIM", "apply it to a disk"),
        ("install.esd", "ESD", "apply it to a disk"),
        ("disk.raw.gz", "gzip", "decompress first (`gzip -dk"),
        ("disk.raw.xz", "xz", "decompress first (`xz -dk"),
        ("disk.raw.zst", "zstd", "decompress first (`zstd -d"),
        ("disk.raw.bz2", "bzip2", "decompress first (`bzip2 -dk"),
        ("disk.zip", "zip archive", "`unzip"),
        ("disk.7z", "7z archive", "`7z x"),
        ("disk.tar.xz", "tar archive", "`tar -xf"),
        ("appliance.ova.xz", "OVA", "extract the disk from the OVA"),
    ]
}

#[test]
fn foreign_formats_fail_as_source_image_invalid_naming_the_format_and_the_fix() {
    for (rel, name, advice) in cases() {
        let path = foreign(rel);
        let p = path.to_str().unwrap();
        let out = run(&["check", p, "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{rel}: {}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["passed"], false, "{rel}");
        assert_eq!(
            doc["cloudPcDeviceImage"]["errorCode"], "sourceImageInvalid",
            "{rel}"
        );
        let finding = &doc["findings"][0];
        assert_eq!(finding["rule"], "VL0101", "{rel}");
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains(name), "{rel}: {message}");
        assert!(message.contains(advice), "{rel}: {message}");
        assert!(message.contains("not a raw, VHD or VHDX disk"), "{rel}");
        // Never read as a raw disk: no container facts, no "virtual disk" of the file's size.
        assert!(doc["facts"]["container"].is_null(), "{rel}: read as a disk");

        // `inspect` says the same, exit 1; `hash --virtual` refuses it as a failed image too.
        let out = run(&["inspect", p]);
        assert_eq!(out.status.code(), Some(1), "inspect {rel}: {}", text(&out));
        assert!(text(&out).contains(name), "inspect {rel}: {}", text(&out));
        let out = run(&["hash", "--virtual", p]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "hash --virtual {rel}: {}",
            text(&out)
        );
        assert!(text(&out).contains(name), "hash {rel}: {}", text(&out));
    }
}

#[test]
fn the_conversion_command_quotes_the_image_path() {
    let dir = scratch_dir("inputs-quote");
    let src = foreign("disk.qcow2.xz");
    let spaced = dir.join("my disk.qcow2");
    std::fs::copy(&src, &spaced).unwrap();
    let out = run(&["check", spaced.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let want = format!(
        "-o subformat=fixed,force_size '{}' '{}'",
        spaced.display(),
        dir.join("my disk.vhd").display()
    );
    assert!(text(&out).contains(&want), "{}", text(&out));
}

#[test]
fn a_qcow2_made_now_by_qemu_img_reports_its_own_virtual_size() {
    // The issue's case: a 1 GiB qcow2 was "a 192 KiB raw disk".
    let Some(qemu) = vhdlint_testkit::qemu_img() else {
        assert!(
            std::env::var_os("VHDLINT_SKIP_TOOLS").is_some(),
            "qemu-img is not installed (.ci/run installs qemu-utils; VHDLINT_SKIP_TOOLS=1 skips)"
        );
        eprintln!("qemu-img absent, VHDLINT_SKIP_TOOLS set: skipped");
        return;
    };
    let dir = scratch_dir("inputs-qemu-now");
    for fmt in ["qcow2", "vmdk", "vdi", "qed", "parallels"] {
        let img = dir.join(format!("big.{fmt}"));
        let status = Command::new(&qemu)
            .args(["create", "-q", "-f", fmt])
            .arg(&img)
            .arg("1G")
            .status()
            .unwrap();
        assert!(status.success(), "qemu-img create -f {fmt}");
        let out = run(&["check", img.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{fmt}: {}", text(&out));
        let t = text(&out);
        assert!(t.contains("virtual size 1 GiB"), "{fmt}: {t}");
        assert!(!t.contains("virtual disk"), "{fmt} read as a raw disk: {t}");
    }
}

/// The refusal every command must give for `path`, exit 2, naming what it is.
fn assert_refused(path: &Path, what: &str, advice: &str, stdin: &mut dyn FnMut() -> Stdio) {
    let p = path.to_str().unwrap();
    for args in [
        vec!["check", p],
        vec!["check", p, "--format", "json"],
        vec!["inspect", p],
        vec!["hash", p],
        vec!["hash", "--virtual", p],
        vec!["ls", p],
        vec!["reg", p, r"HKLM\SYSTEM\Select"],
    ] {
        let out = run_with_stdin(&args, stdin());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let t = text(&out);
        assert!(t.contains(what), "{args:?}: {t}");
        assert!(t.contains(advice), "{args:?}: {t}");
    }
}

#[test]
fn a_fifo_is_refused_at_once_without_blocking() {
    let dir = scratch_dir("inputs-fifo");
    let fifo = dir.join("image.vhd");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success(), "mkfifo");
    // No writer ever opens it: opening it for reading would block forever.
    assert_refused(
        &fifo,
        "a pipe (FIFO)",
        "save the image to a file first",
        &mut Stdio::null,
    );
}

#[test]
fn a_piped_stdin_needs_random_access() {
    // `/dev/stdin` on a pipe whose writer never writes nor closes (a `cat | vhdlint` stuck upstream).
    let mut writers = Vec::new();
    let mut stdin = || {
        let mut child = Command::new("sleep")
            .arg("30")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Stdio::from(child.stdout.take().unwrap());
        writers.push(child);
        out
    };
    assert_refused(
        Path::new("/dev/stdin"),
        "a pipe (FIFO)",
        "needs random access: save the image to a file first",
        &mut stdin,
    );
    for mut w in writers {
        let _ = w.kill();
        let _ = w.wait();
    }
}

#[test]
fn a_socket_is_refused() {
    let dir = scratch_dir("inputs-socket");
    let path = dir.join("image.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    assert_refused(
        &path,
        "a socket",
        "save the image to a file first",
        &mut Stdio::null,
    );
}

#[test]
fn dev_zero_is_refused_not_read_forever() {
    assert_refused(
        Path::new("/dev/zero"),
        "a character device",
        "give an image file or a block device",
        &mut Stdio::null,
    );
}

#[test]
fn a_directory_is_refused() {
    let dir = scratch_dir("inputs-dir");
    assert_refused(&dir, "a directory", "not a disk image", &mut Stdio::null);
}

#[test]
fn a_raw_disk_redirected_to_stdin_is_a_file_and_is_read() {
    // `vhdlint check /dev/stdin < disk.raw`: stdin is the file itself, with random access.
    let raw = testdata_file("container/pattern.raw.xz");
    let out = run_with_stdin(
        &["inspect", "/dev/stdin", "--format", "json"],
        Stdio::from(std::fs::File::open(&raw).unwrap()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["container"]["format"], "raw");
    assert_eq!(doc["container"]["virtualSize"], 8 << 20);
}
