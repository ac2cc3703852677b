//! The SAM and SECURITY readers on real Windows-written hives (museum Win10/Win11, MIT), checked
//! against MANIFEST.md and against two third-party readers of the same bytes:
//! chntpw's `sampasswd -l` / `samusrgrp -L` (Debian `chntpw`) and regipy 6.5.0's `samparse`
//! plugin (a Python venv at `target/py-oracles`, made by `.ci/run`; `VHDLINT_REGIPY_PYTHON`
//! overrides). Only names, RIDs, flags, times and hash *lengths* are compared; no oracle output
//! that could hold a hash is read, and nothing of the hive is printed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use vhdlint_registry::sam::{ALIAS_ADMINISTRATORS, RID_ADMINISTRATOR, RID_GUEST};
use vhdlint_registry::{LsaSecrets, SamDatabase, SecretKind};

const SAMS: [&str; 2] = ["hives/museum-win10/SAM.xz", "hives/museum-win11/SAM.xz"];

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (install it; .ci/run does)"));
    assert!(out.status.success(), "{cmd:?} failed: {}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

/// A private copy of the hive (chntpw's tools open their file read-write).
fn scratch_copy(path: &Path, tag: &str) -> (vhdlint_testkit::Scratch, PathBuf) {
    let dir = vhdlint_testkit::scratch_dir(&format!("sam-{tag}"));
    let dst = dir.join("SAM");
    std::fs::copy(path, &dst).unwrap();
    (dir, dst)
}

#[test]
fn museum_sams_match_the_manifest() {
    // MANIFEST.md: Administrator (500, disabled), Guest (501, disabled), DefaultAccount (503,
    // disabled), WDAGUtilityAccount (504, disabled), AndrewRathbun (1001, enabled).
    let want = [
        (500, "Administrator", true),
        (501, "Guest", true),
        (503, "DefaultAccount", true),
        (504, "WDAGUtilityAccount", true),
        (1001, "AndrewRathbun", false),
    ];
    for rel in SAMS {
        let Some(hive) = common::open(rel) else {
            return;
        };
        let db = SamDatabase::read(&hive).unwrap();
        assert!(db.problems.is_empty(), "{rel}: {:?}", db.problems);
        let mut got: Vec<(u32, &str, bool)> = db
            .accounts
            .iter()
            .map(|a| (a.rid, a.username(), a.disabled()))
            .collect();
        got.sort();
        assert_eq!(got, want, "{rel}");
        for a in &db.accounts {
            assert_eq!(a.fixed.rid, a.rid, "{rel}: F records the key's RID");
            assert_eq!(a.names_entry.as_deref(), Some(a.username()), "{rel}: Names");
        }
        let admin = db.account(RID_ADMINISTRATOR).unwrap();
        assert!(admin.comment_is_builtin(), "{rel}");
        assert!(
            !admin.password_set(),
            "{rel}: built-in Administrator has no NT hash"
        );
        assert!(db.account(RID_GUEST).unwrap().disabled());
        // Only WDAGUtilityAccount carries a (new-style, AES) NT hash on these machines.
        let with_hash: Vec<u32> = db
            .accounts
            .iter()
            .filter(|a| a.password_set())
            .map(|a| a.rid)
            .collect();
        assert_eq!(with_hash, [504], "{rel}");
        assert!(db.accounts.iter().all(|a| !a.lm_hash_stored()), "{rel}");
        // Administrators = Administrator + AndrewRathbun; Remote Desktop Users exists, empty.
        let admins = db.administrators.as_ref().unwrap();
        assert_eq!(admins.rid, ALIAS_ADMINISTRATORS);
        assert_eq!(admins.name, "Administrators");
        assert!(
            db.is_admin(500) && db.is_admin(1001) && !db.is_admin(501),
            "{rel}"
        );
        let rdu = db.remote_desktop_users.as_ref().unwrap();
        assert_eq!(
            (rdu.name.as_str(), rdu.members.len()),
            ("Remote Desktop Users", 0)
        );
        assert!(!db.is_remote_desktop_user(1001));
    }
}

trait Builtin {
    fn comment_is_builtin(&self) -> bool;
}
impl Builtin for vhdlint_registry::SamAccount {
    fn comment_is_builtin(&self) -> bool {
        self.variable.comment.starts_with("Built-in account")
    }
}

/// Compares our reading of the SAM file `copy` with chntpw's listing of the same file.
fn agree_with_chntpw(label: &str, copy: &Path) -> SamDatabase {
    let source = std::sync::Arc::new(vhdlint_container::FileSource::open(copy).unwrap());
    let hive = vhdlint_registry::Hive::open(
        source,
        vhdlint_registry::HiveLogs::none(),
        vhdlint_registry::HiveOptions::default(),
    )
    .unwrap();
    let db = SamDatabase::read(&hive).unwrap();
    assert!(db.problems.is_empty(), "{label}: {:?}", db.problems);

    // `sampasswd -l`: rid(hex):name:admin(0/1):acb(hex):NT hash entry length(hex). chntpw
    // sets 0x8000 in its ACB column on disabled or locked accounts (it is not a stored bit:
    // the F value's 0x38 field is printed as is otherwise).
    let listing = run(Command::new("sampasswd").arg("-l").arg(copy));
    let mut rows = 0;
    for line in listing.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(':').collect();
        assert_eq!(f.len(), 5, "{line}");
        let rid = u32::from_str_radix(f[0], 16).unwrap();
        let a = db
            .account(rid)
            .unwrap_or_else(|| panic!("{label}: chntpw lists RID {rid}, we do not"));
        assert_eq!(a.username(), f[1], "{label} {rid}: name");
        assert_eq!(db.is_admin(rid), f[2] == "1", "{label} {rid}: admin");
        let acb = u32::from_str_radix(f[3], 16).unwrap();
        assert_eq!(a.fixed.acb, acb & 0x7FFF, "{label} {rid}: ACB");
        assert_eq!(
            a.disabled() || a.locked(),
            acb & 0x8000 != 0,
            "{label} {rid}"
        );
        let nt_len = u32::from_str_radix(f[4], 16).unwrap();
        assert_eq!(
            a.variable.nt_hash.stored_len, nt_len,
            "{label} {rid}: NT length"
        );
        // `chntpw -u RID`, quitting its menu at once without writing: the user's page. Only the
        // lines named below are read.
        let page = chntpw_user_page(copy, rid);
        let field = |name: &str| -> String {
            page.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("{label} {rid}: chntpw shows no {name:?}"))
                .trim()
                .to_string()
        };
        assert_eq!(field("Username:"), a.username(), "{label} {rid}");
        assert_eq!(field("fullname:"), a.variable.full_name, "{label} {rid}");
        assert_eq!(field("comment :"), a.variable.comment, "{label} {rid}");
        let bits = field("Account bits:");
        let bits = bits.trim_start_matches("0x").trim_end_matches(" =");
        assert_eq!(
            u32::from_str_radix(bits, 16).unwrap(),
            a.fixed.acb,
            "{label} {rid}"
        );
        let failed = field("Failed login count:");
        let failed = failed.split(',').next().unwrap();
        assert_eq!(
            failed,
            a.fixed.failed_logon_count.to_string(),
            "{label} {rid}"
        );
        assert_eq!(
            field("Total  login count:"),
            a.fixed.logon_count.to_string()
        );
        rows += 1;
    }
    assert_eq!(rows, db.accounts.len(), "{label}: same number of accounts");

    // `samusrgrp -L`: alias(hex):alias name:index:member rid(hex):member name:member SID.
    let groups = run(Command::new("samusrgrp").arg("-L").arg(copy));
    for (alias, ours) in [
        (0x220, db.administrators.as_ref()),
        (0x22b, db.remote_desktop_users.as_ref()),
    ] {
        let theirs: Vec<String> = groups
            .lines()
            .filter(|l| l.split(':').next() == Some(&format!("{alias:x}")))
            .map(|l| l.rsplit(':').next().unwrap().to_string())
            .collect();
        let ours: Vec<String> = ours
            .unwrap()
            .members
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ours, theirs, "{label}: alias {alias:#x} members");
    }
    db
}

/// chntpw's interactive page for user `rid` of `hive` (menu answered "q", then "n": nothing is
/// written).
fn chntpw_user_page(hive: &Path, rid: u32) -> String {
    let mut child = Command::new("chntpw")
        .arg("-u")
        .arg(format!("0x{rid:x}"))
        .arg(hive)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run chntpw: {e} (install chntpw; .ci/run does)"));
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"q\nn\n").unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn museum_sams_agree_with_chntpw() {
    for rel in SAMS {
        let Some(path) = vhdlint_testkit::corpus_file(rel) else {
            return;
        };
        let (_dir, copy) = scratch_copy(&path, rel.split('/').nth(1).unwrap());
        let db = agree_with_chntpw(rel, &copy);
        assert_eq!(db.accounts.len(), 5);
    }
}

#[test]
fn a_sam_changed_by_chntpw_reads_as_changed() {
    // chntpw (Debian) on a copy of the real Win10 SAM: enable the built-in Administrator,
    // clear WDAGUtilityAccount's password, add AndrewRathbun to Remote Desktop Users.
    let Some(path) = vhdlint_testkit::corpus_file(SAMS[0]) else {
        return;
    };
    let (_dir, copy) = scratch_copy(&path, "chntpw-changed");
    let quiet = |cmd: &mut Command| {
        let status = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        // chntpw exits 2 after writing a changed hive.
        assert!(matches!(status.code(), Some(0 | 2)), "{cmd:?}: {status}");
    };
    quiet(
        Command::new("samusrgrp")
            .args(["-a", "-u", "0x3e9", "-g", "0x22b"])
            .arg(&copy),
    );
    quiet(
        Command::new("sampasswd")
            .args(["-r", "-u", "0x1f8"])
            .arg(&copy),
    );
    let mut child = Command::new("chntpw")
        .args(["-u", "0x1f4"])
        .arg(&copy)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Menu: 2 = unlock and enable; q = quit; y = write the hive.
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"2\nq\ny\n").unwrap();
    let status = child.wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 2)), "chntpw: {status}");

    let db = agree_with_chntpw("chntpw-changed SAM", &copy);
    let admin = db.account(RID_ADMINISTRATOR).unwrap();
    assert!(
        !admin.disabled(),
        "chntpw enabled the built-in Administrator"
    );
    let wdag = db.account(504).unwrap();
    assert!(!wdag.password_set(), "sampasswd -r cleared the NT hash");
    assert!(db.is_remote_desktop_user(1001));
    assert_eq!(db.remote_desktop_users.as_ref().unwrap().members.len(), 1);
}

/// regipy 6.5.0's samparse: per account rid, flags and the F times (as microseconds since
/// 1601; regipy keeps microseconds, through a float, so ±1 µs is its rounding).
const REGIPY_SAMPARSE: &str = r#"
import json, sys
from datetime import datetime, timezone
from regipy.registry import RegistryHive
from regipy.plugins.sam.samparse import SAMParsePlugin
p = SAMParsePlugin(RegistryHive(sys.argv[1]), as_json=True)
p.run()
base = datetime(1601, 1, 1, tzinfo=timezone.utc)
def us(s):
    if s is None:
        return None
    d = datetime.fromisoformat(s) - base
    return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds
for e in p.entries:
    print(json.dumps({"rid": e["rid"], "flags": e.get("account_flags"),
        "last_login": us(e.get("last_login")), "pwd": us(e.get("password_last_set")),
        "expires": us(e.get("account_expires")), "failed": us(e.get("last_failed_login")),
        "failed_count": e.get("failed_login_count"), "logins": e.get("login_count")}))
"#;

fn regipy_python() -> PathBuf {
    std::env::var_os("VHDLINT_REGIPY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| vhdlint_testkit::target_dir().join("py-oracles/bin/python"))
}

fn close(ours: Option<u64>, theirs: &serde_json::Value) -> bool {
    match (ours, theirs.as_u64()) {
        (None, None) => theirs.is_null(),
        (Some(ft), Some(us)) => (ft / 10).abs_diff(us) <= 1,
        _ => false,
    }
}

#[test]
fn museum_sams_agree_with_regipy() {
    let python = regipy_python();
    assert!(
        python.is_file(),
        "{} missing: python3 -m venv target/py-oracles && target/py-oracles/bin/pip install \
         regipy==6.5.0 (.ci/run does this)",
        python.display()
    );
    for rel in SAMS {
        let Some(path) = vhdlint_testkit::corpus_file(rel) else {
            return;
        };
        let db = SamDatabase::read(&common::open(rel).unwrap()).unwrap();
        let out = run(Command::new(&python)
            .arg("-c")
            .arg(REGIPY_SAMPARSE)
            .arg(&path));
        let mut rows = 0;
        for line in out.lines() {
            let e: serde_json::Value = serde_json::from_str(line).unwrap();
            let rid = e["rid"].as_u64().unwrap() as u32;
            let a = db.account(rid).unwrap();
            let f = &a.fixed;
            assert_eq!(
                u64::from(f.acb),
                e["flags"].as_u64().unwrap(),
                "{rel} {rid}"
            );
            assert!(
                close(f.last_logon, &e["last_login"]),
                "{rel} {rid}: last logon"
            );
            assert!(
                close(f.password_last_set, &e["pwd"]),
                "{rel} {rid}: pwd set"
            );
            assert!(
                close(f.account_expires, &e["expires"]),
                "{rel} {rid}: expires"
            );
            assert!(
                close(f.last_failed_logon, &e["failed"]),
                "{rel} {rid}: failed"
            );
            assert_eq!(
                u64::from(f.failed_logon_count),
                e["failed_count"].as_u64().unwrap()
            );
            assert_eq!(u64::from(f.logon_count), e["logins"].as_u64().unwrap());
            rows += 1;
        }
        assert_eq!(rows, db.accounts.len(), "{rel}: same accounts");
        // Times that exist on these machines (not all None: the comparison has teeth).
        assert!(db.account(1001).unwrap().fixed.last_logon.is_some());
        assert!(db.account(504).unwrap().fixed.password_last_set.is_some());
    }
}

#[test]
fn museum_sams_read_the_same_after_log_replay() {
    for (rel, log1, log2) in [
        (
            SAMS[0],
            "hives/museum-win10/SAM.LOG1.xz",
            "hives/museum-win10/SAM.LOG2.xz",
        ),
        (
            SAMS[1],
            "hives/museum-win11/SAM.LOG1.xz",
            "hives/museum-win11/SAM.LOG2.xz",
        ),
    ] {
        let Some(plain) = common::open(rel) else {
            return;
        };
        let replayed = common::open_with_logs(rel, log1, Some(log2)).unwrap();
        let a = SamDatabase::read(&plain).unwrap();
        let b = SamDatabase::read(&replayed).unwrap();
        let names = |d: &SamDatabase| -> Vec<(u32, String, u32)> {
            d.accounts
                .iter()
                .map(|a| (a.rid, a.username().to_string(), a.fixed.acb))
                .collect()
        };
        assert_eq!(names(&a), names(&b), "{rel}");
    }
}

#[test]
fn museum_security_hives_list_secrets_by_name_and_length() {
    for (rel, want) in [
        (
            "hives/museum-win10/SECURITY.xz",
            [
                ("DPAPI_SYSTEM", 124),
                ("DefaultPassword", 92),
                ("NL$KM", 156),
            ],
        ),
        (
            "hives/museum-win11/SECURITY",
            [
                ("DPAPI_SYSTEM", 124),
                ("DefaultPassword", 92),
                ("NL$KM", 156),
            ],
        ),
    ] {
        let Some(hive) = common::open(rel) else {
            return;
        };
        let lsa = LsaSecrets::read(&hive).unwrap();
        let mut got: Vec<(&str, u32)> = lsa
            .secrets
            .iter()
            .map(|s| (s.name.as_str(), s.current_len.unwrap()))
            .collect();
        got.sort();
        // Lengths as hivex reports the CurrVal default values (python3-hivex value_value).
        assert_eq!(got, want, "{rel}");
        let dp = lsa.secret("defaultpassword").unwrap();
        assert_eq!(dp.kind, SecretKind::DefaultPassword);
        assert_eq!(dp.old_len, Some(92));
        // Ten NL$n slots, all unused (IV zero): no cached domain logon on these machines.
        assert_eq!((lsa.cache_slots, lsa.cached_logons), (10, 0), "{rel}");
    }
}

#[test]
fn a_sam_reader_refuses_a_hive_that_is_not_a_sam() {
    let Some(hive) = common::open("hives/museum-win11/SECURITY") else {
        return;
    };
    let e = SamDatabase::read(&hive).unwrap_err().to_string();
    assert!(e.contains("SAM hive") && e.contains("Users"), "{e}");
    let Some(sam) = common::open(SAMS[0]) else {
        return;
    };
    assert!(LsaSecrets::read(&sam).is_err());
}

#[test]
fn reading_accounts_and_secrets_reads_part_of_the_hive() {
    use std::sync::Arc;
    use vhdlint_container::{Counted, FileSource, ReadAt};
    for rel in [SAMS[0], "hives/museum-win10/SECURITY.xz"] {
        let Some(path) = vhdlint_testkit::corpus_file(rel) else {
            return;
        };
        let counted = Arc::new(Counted::new(FileSource::open(&path).unwrap()));
        let total = counted.len();
        let hive = vhdlint_registry::Hive::open(
            counted.clone(),
            vhdlint_registry::HiveLogs::none(),
            vhdlint_registry::HiveOptions::default(),
        )
        .unwrap();
        if rel.contains("SAM") {
            assert_eq!(SamDatabase::read(&hive).unwrap().accounts.len(), 5);
        } else {
            assert_eq!(LsaSecrets::read(&hive).unwrap().secrets.len(), 3);
        }
        let stats = counted.stats();
        eprintln!(
            "{rel}: read {} of {total} bytes in {} calls",
            stats.bytes, stats.calls
        );
        // Only the bins holding the keys read (SAM 36 KiB of 64, SECURITY 24 of 32 here); a
        // reader that slurped the hive would read all of it.
        assert!(stats.bytes < total, "{rel}: {stats:?}");
    }
}
