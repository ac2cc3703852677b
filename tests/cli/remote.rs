//! Images read in place over HTTP range requests from a loopback server (crates/testkit's
//! fault-injecting server): the same facts and findings as the local file, within the
//! round-trip and byte goals, a network failure is exit 2 and never a verdict, and the SAS
//! query is never printed by any command, output format or error path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vhdlint_testkit::http::{Faults, Object, Server};
use vhdlint_testkit::testdata_file;

const SAS: &str = "?sv=2021-08-06&se=2030-01-01&sr=b&sp=r&sig=TOPSECRET%2Bsig%3D";

/// Runs the binary with no proxy from the environment in the way of 127.0.0.1.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vhdlint"))
        .args(args)
        .args(["--http-request-timeout", "5", "--http-timeout", "30"])
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("run vhdlint")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Neither stdout nor stderr holds the query string or any part of the signature.
fn assert_secret_kept(what: &str, o: &Output) {
    let all = text(o);
    for needle in ["TOPSECRET", "sig=", "sv=2021", "se=2030", "?sv"] {
        assert!(!all.contains(needle), "{what} printed {needle:?}:\n{all}");
    }
}

/// The fixture images, decompressed, served from their folder.
fn images() -> (PathBuf, Vec<PathBuf>) {
    let files: Vec<PathBuf> = [
        "images/gold.vhdx.xz",
        "images/gold-dynamic.vhd.xz",
        "images/gold-fixed.vhd.xz",
        "images/gold.raw.xz",
        "images/not-generalized.vhdx.xz",
        "images/bitlocker.vhdx.xz",
        "images/corrupt-gpt.vhdx.xz",
    ]
    .iter()
    .map(|f| testdata_file(f))
    .collect();
    let dir = files[0].parent().unwrap().to_path_buf();
    (dir, files)
}

fn name(p: &Path) -> &str {
    p.file_name().unwrap().to_str().unwrap()
}

fn check_json(target: &str) -> (Option<i32>, serde_json::Value) {
    let out = run(&[
        "check",
        target,
        "--format",
        "json",
        "--as-of",
        "2026-12-01",
        "--stats",
    ]);
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check {target}: {e}\n{}", text(&out)));
    (out.status.code(), doc)
}

#[test]
fn a_url_checks_like_the_local_file_within_the_round_trip_and_byte_goals() {
    let (dir, files) = images();
    // 20 ms per answer, as benches/remote.sh (a region away): round trips are counted as the
    // waves that follow one another in time, so requests sent together must overlap as they
    // would on a real network.
    let server = Server::start(
        Object::Dir(dir),
        Faults {
            delay: std::time::Duration::from_millis(20),
            ..Faults::default()
        },
    );
    for file in &files {
        let url = server.url(&format!("/container/{}", name(file))) + SAS;
        let (remote_code, mut remote) = check_json(&url);
        let (local_code, mut local) = check_json(file.to_str().unwrap());
        assert_eq!(remote_code, local_code, "{}", name(file));
        assert_eq!(
            remote["image"],
            server.url(&format!("/container/{}", name(file))),
            "the image field is the URL without its query"
        );
        let stats = remote["stats"]["remote"].clone();
        let round_trips = stats["roundTrips"].as_u64().unwrap();
        let bytes = stats["bytes"].as_u64().unwrap();
        // Issue 16's goal: 16 sequential round trips. Gather reads the independent files
        // (kernel PE headers, Panther logs, tasks, answer files, the boot volume) in parallel,
        // so their chains overlap.
        assert!(
            round_trips <= 16,
            "{}: {round_trips} round trips",
            name(file)
        );
        assert!(bytes <= 2 << 20, "{}: {bytes} bytes", name(file));
        for doc in [&mut remote, &mut local] {
            let o = doc.as_object_mut().unwrap();
            o.remove("image");
            o.remove("stats");
        }
        assert_eq!(remote, local, "{}: facts and findings differ", name(file));
    }
}

#[test]
fn no_command_format_or_error_path_prints_the_sas() {
    let (dir, _) = images();
    let server = Server::start(Object::Dir(dir.clone()), Faults::default());
    let gold = server.url("/gold.vhdx") + SAS;
    let dynamic = server.url("/gold-dynamic.vhd") + SAS;
    let mut runs: Vec<(String, Vec<String>, Option<i32>)> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    for format in ["text", "json", "jsonl"] {
        runs.push((
            format!("check {format}"),
            s(&["check", &gold, "--format", format, "--stats"]),
            Some(0),
        ));
    }
    for format in ["text", "json"] {
        runs.push((
            format!("inspect {format}"),
            s(&["inspect", &gold, "--format", format, "--stats"]),
            Some(0),
        ));
        runs.push((
            format!("ls {format}"),
            s(&["ls", &gold, "/Windows", "--format", format]),
            Some(0),
        ));
        runs.push((
            format!("reg {format}"),
            s(&["reg", &gold, r"HKLM\SYSTEM\Select", "--format", format]),
            Some(0),
        ));
    }
    runs.push(("hash".into(), s(&["hash", &dynamic, "--stats"]), Some(0)));
    runs.push((
        "hash --virtual".into(),
        s(&["hash", &dynamic, "--virtual", "--stats"]),
        Some(0),
    ));
    runs.push((
        "ls missing path".into(),
        s(&["ls", &gold, "/NoSuchDir"]),
        Some(2),
    ));
    runs.push((
        "cat missing file".into(),
        s(&["cat", &gold, "/NoSuchFile"]),
        Some(2),
    ));
    runs.push((
        "check 404".into(),
        s(&["check", &(server.url("/missing.vhdx") + SAS)]),
        Some(2),
    ));
    runs.push((
        "inspect 404".into(),
        s(&["inspect", &(server.url("/missing.vhdx") + SAS)]),
        Some(2),
    ));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let closed = format!("http://127.0.0.1:{port}/gold.vhdx{SAS}");
    runs.push((
        "check closed port".into(),
        s(&["check", &closed, "--http-retries", "1"]),
        Some(2),
    ));
    runs.push((
        "reg closed port".into(),
        s(&["reg", &closed, r"HKLM\SYSTEM\Select", "--http-retries", "1"]),
        Some(2),
    ));
    for (what, args, code) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(out.status.code(), *code, "{what}:\n{}", text(&out));
        assert_secret_kept(what, &out);
    }
    let forbidden = Server::start(
        Object::Dir(dir.clone()),
        Faults {
            forbidden: true,
            ..Faults::default()
        },
    );
    for format in ["text", "json", "jsonl"] {
        let out = run(&[
            "check",
            &(forbidden.url("/gold.vhdx") + SAS),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("SAS token is expired"),
            "{}",
            text(&out)
        );
        assert_secret_kept("check 403", &out);
    }
    for cmd in ["inspect", "hash", "ls", "cat"] {
        let mut args = vec![cmd, ""];
        let url = forbidden.url("/gold.vhdx") + SAS;
        args[1] = &url;
        if cmd == "cat" {
            args.push("/Windows/System32/config/SYSTEM");
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{cmd} 403: {}", text(&out));
        assert_secret_kept(cmd, &out);
    }
}

#[test]
fn a_blob_that_changes_mid_check_is_exit_2_and_no_verdict() {
    let (dir, _) = images();
    // The ETag changes after the opening round trip and a few reads (a fresh server per run).
    let changing = || {
        Server::start(
            Object::Dir(dir.clone()),
            Faults {
                etag_changes_after: 5,
                ..Faults::default()
            },
        )
    };
    for format in ["text", "json", "jsonl"] {
        let server = changing();
        let out = run(&[
            "check",
            &(server.url("/gold.vhdx") + SAS),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        // No verdict: the image is an error entry (status `error`), never passed or failed.
        let stdout = String::from_utf8_lossy(&out.stdout);
        if format == "text" {
            assert!(
                stdout.contains("ERROR (not opened: "),
                "an error entry: {}",
                text(&out)
            );
        } else {
            let doc: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
            assert_eq!(doc["status"], "error", "{}", text(&out));
            assert!(doc.get("passed").is_none(), "{doc}");
        }
        assert!(
            text(&out).contains("changed while it was read"),
            "{}",
            text(&out)
        );
        assert_secret_kept("check etag change", &out);
    }
    let server = changing();
    let out = run(&[
        "inspect",
        &(server.url("/gold.vhdx") + SAS),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_secret_kept("inspect etag change", &out);
}

#[test]
fn retries_through_drops_and_503s_end_in_the_same_verdict() {
    let (dir, files) = images();
    let server = Server::start(
        Object::Dir(dir),
        Faults {
            drop_mid_body: 3,
            status_503: 2,
            retry_after_secs: 0,
            ..Faults::default()
        },
    );
    let (code, mut remote) = check_json(&(server.url("/gold.vhdx") + SAS));
    let (local_code, mut local) = check_json(files[0].to_str().unwrap());
    assert_eq!(code, local_code);
    assert!(
        remote["stats"]["remote"]["retries"].as_u64().unwrap() >= 3,
        "{}",
        remote["stats"]
    );
    for doc in [&mut remote, &mut local] {
        let o = doc.as_object_mut().unwrap();
        o.remove("image");
        o.remove("stats");
    }
    assert_eq!(remote, local);
}

/// `check` of a batch of URLs — images that pass and fail, one the server does not have, one
/// that is not a disk image (a container finding naming the image), one on a closed port —
/// in every main format, with every side file, `--quiet`, `--stats`, and from `--files-from`:
/// the images are named without their query everywhere, and the unreadable ones are error
/// entries (exit 2), never a verdict.
#[test]
fn every_check_format_side_file_and_batch_entry_hides_the_sas() {
    let (dir, _) = images();
    let server = Server::start(Object::Dir(dir), Faults::default());
    // The compressed fixtures: a foreign format (xz) is a container problem of the image.
    let packed = Server::start(
        Object::Dir(vhdlint_testkit::workspace_root().join("testdata/images")),
        Faults::default(),
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let urls = [
        server.url("/gold.vhdx") + SAS,
        server.url("/not-generalized.vhdx") + SAS,
        packed.url("/gold.vhdx.xz") + SAS,
        server.url("/missing.vhdx") + SAS,
        format!("http://127.0.0.1:{port}/closed.vhdx{SAS}"),
    ];
    let scratch = vhdlint_testkit::scratch_dir("remote-sas-formats");
    let list = scratch.join("urls.txt");
    std::fs::write(&list, format!("# SAS URLs\n{}\n", urls.join("\n"))).unwrap();
    let formats = [
        "text",
        "json",
        "jsonl",
        "json-envelope",
        "sarif",
        "junit",
        "github",
    ];
    for (i, format) in formats.iter().enumerate() {
        let (sarif, junit, json, main) = (
            scratch.join(format!("{i}.sarif")),
            scratch.join(format!("{i}.junit.xml")),
            scratch.join(format!("{i}.json")),
            scratch.join(format!("{i}.out")),
        );
        let mut args: Vec<String> = vec!["check".into()];
        if i % 2 == 0 {
            args.extend(urls.iter().cloned());
        } else {
            args.extend(["--files-from".into(), list.display().to_string()]);
        }
        args.extend(
            [
                "--format",
                format,
                "--as-of",
                "2026-12-01",
                "--stats",
                "--http-retries",
                "1",
                "--sarif",
                sarif.to_str().unwrap(),
                "--junit",
                junit.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ]
            .map(String::from),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{format}: {}", text(&out));
        assert_secret_kept(&format!("check --format {format}"), &out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Every image is named in the main output, without its query.
        for shown in [
            server.url("/gold.vhdx"),
            server.url("/missing.vhdx"),
            packed.url("/gold.vhdx.xz"),
        ] {
            assert!(
                stdout.contains(&shown),
                "{format}: {shown} missing:\n{stdout}"
            );
        }
        // Side files, and the same run written to --output.
        let mut with_output = args.clone();
        let main_path = main.to_str().unwrap();
        with_output.extend(["--output", main_path]);
        let quiet = run(&with_output);
        assert_eq!(
            quiet.status.code(),
            Some(2),
            "{format} --output: {}",
            text(&quiet)
        );
        assert_secret_kept(&format!("check --format {format} --output"), &quiet);
        for file in [&sarif, &junit, &json, &main] {
            let body = std::fs::read_to_string(file).unwrap();
            for needle in ["TOPSECRET", "sig=", "sv=2021", "se=2030", "?sv"] {
                assert!(
                    !body.contains(needle),
                    "{format}: {} holds {needle:?}:\n{body}",
                    file.display()
                );
            }
            assert!(
                body.contains(&server.url("/gold.vhdx")),
                "{}: names the image",
                file.display()
            );
        }
    }
    // The envelope: two verdicts, one container problem, two error entries (not verdicts).
    let env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scratch.join("0.json")).unwrap()).unwrap();
    let statuses: Vec<&str> = env["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["passed", "failed", "failed", "error", "error"],
        "{env}"
    );
    let foreign = &env["images"][2];
    assert_eq!(foreign["image"], packed.url("/gold.vhdx.xz"));
    assert!(
        foreign["facts"]["problems"].to_string().contains("xz"),
        "{foreign}"
    );
    assert!(
        env["images"][0]["stats"]["remote"]["roundTrips"]
            .as_u64()
            .unwrap()
            >= 1,
        "{}",
        env["images"][0]
    );
    // SARIF locates each image at its URL (scheme and port kept, no query).
    let sarif = std::fs::read_to_string(scratch.join("0.sarif")).unwrap();
    assert!(
        sarif.contains(&format!("\"uri\": \"{}\"", server.url("/gold.vhdx"))),
        "{sarif}"
    );
    // The batch summary line and --quiet text.
    let out = run(&[
        "check",
        &urls[0],
        &urls[3],
        "--quiet",
        "--as-of",
        "2026-12-01",
        "--http-retries",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("2 images: 1 passed, 0 failed, 1 not opened"),
        "{}",
        text(&out)
    );
    assert_secret_kept("check --quiet", &out);
}
