//! `vhdlint audit` (issue 15): each VS finding fires on its fixture and on no other, the good
//! images give nothing above `low`, exit codes follow `--fail-on`, SARIF carries
//! `security-severity`, and no planted secret reaches any output — of any format, of `check`
//! and `inspect` too, and on an error path (a corrupt SAM in the middle of the audit).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use vhdlint_testkit::redaction::assert_no_secrets;
use vhdlint_testkit::{scratch_dir, testdata_file};

use super::{stdout, vhdlint};

/// The whole-image fixtures the audit is judged on (testdata/images/generate.sh).
const IMAGES: &[&str] = &[
    "gold.vhdx",
    "gold.raw",
    "not-generalized.vhdx",
    "aad-joined.vhdx",
    "pro-edition.vhdx",
    "stale-unattend.vhdx",
    "domain-joined.vhdx",
    "mdm-enrolled.vhdx",
    "dirty-hive.vhdx",
    "gen1-mbr.vhdx",
    "server-2022.vhdx",
    "audit-secrets.vhdx",
    "audit-accounts.vhdx",
    "audit-posture.vhdx",
    "audit-lsa.vhdx",
    "audit-domain-cache.vhdx",
];

/// Secrets generate.sh plants in audit-secrets (answer file, Winlogon, profile files).
const PLANTED: &[&str] = &[
    "Planted-B64-Secret7",
    "Planted-Local-Secret5",
    "Planted-Plain-Secret3",
    "Planted-Winlogon-Secret9",
    "PlantedAwsSecretKey0123456789abcdefGHIJ",
    "Planted-Git-Secret4",
    "Planted-History-Secret2",
    "9f1c5ee0a3b74d2c8e6f1a2bPlanted05e6f9f1c5ee0a3b74d2c8e6f1a2b3c4d",
];

fn image(name: &str) -> PathBuf {
    testdata_file(&format!("images/{name}.xz"))
}

fn audit_json(paths: &[PathBuf]) -> Vec<serde_json::Value> {
    let mut args = vec!["audit".to_string(), "--format".into(), "json".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = vhdlint(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "audit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit prints JSON");
    match v {
        serde_json::Value::Array(a) => a,
        one => vec![one],
    }
}

fn fired(doc: &serde_json::Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_audit_finding_fires_on_its_fixture_and_on_no_other() {
    let paths: Vec<PathBuf> = IMAGES.iter().map(|n| image(n)).collect();
    let docs = audit_json(&paths);
    assert_eq!(docs.len(), IMAGES.len());
    // rule → the fixtures it must fire on (exactly).
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("VS0001", &["audit-secrets.vhdx"][..]),
        ("VS0002", &["audit-secrets.vhdx"][..]),
        ("VS0003", &["audit-secrets.vhdx", "audit-lsa.vhdx"][..]),
        ("VS0004", &["audit-secrets.vhdx"][..]),
        ("VS0005", &["audit-domain-cache.vhdx"][..]),
        ("VS0006", &["audit-domain-cache.vhdx"][..]),
        ("VS0007", &["audit-accounts.vhdx"][..]),
        ("VS0008", &["audit-accounts.vhdx"][..]),
        ("VS0009", &["audit-accounts.vhdx"][..]),
        ("VS0010", &["audit-accounts.vhdx"][..]),
        ("VS0011", &["audit-secrets.vhdx"][..]),
        ("VS0012", &["audit-secrets.vhdx"][..]),
        ("VS0013", &["audit-secrets.vhdx"][..]),
        ("VS0014", &["audit-posture.vhdx"][..]),
        ("VS0015", &["audit-posture.vhdx"][..]),
        ("VS0016", &["audit-posture.vhdx"][..]),
        ("VS0017", &["audit-posture.vhdx"][..]),
        ("VS0018", &["audit-posture.vhdx"][..]),
        ("VS0019", &["audit-posture.vhdx"][..]),
        ("VS0020", &["audit-posture.vhdx"][..]),
        ("VS0021", &["audit-posture.vhdx"][..]),
        ("VS0022", &["audit-posture.vhdx"][..]),
        ("VS0025", &["audit-posture.vhdx"][..]),
        ("VS0026", &["audit-posture.vhdx"][..]),
    ]);
    for (rule, want) in &expected {
        let got: BTreeSet<&str> = IMAGES
            .iter()
            .zip(&docs)
            .filter(|(_, d)| fired(d).contains(*rule))
            .map(|(n, _)| *n)
            .collect();
        let want: BTreeSet<&str> = want.iter().copied().collect();
        assert_eq!(got, want, "{rule} fires on the wrong fixtures");
    }
    // The good images: nothing above low (the info rules about defaults may report).
    for (name, doc) in IMAGES.iter().zip(&docs) {
        if name.starts_with("audit-") {
            assert_eq!(doc["passed"], false, "{name} must fail the audit");
            continue;
        }
        for f in doc["findings"].as_array().unwrap() {
            let sev = f["securitySeverity"].as_str().unwrap();
            assert!(
                matches!(sev, "low" | "info"),
                "{name}: {} is {sev}: {}",
                f["rule"],
                f["message"]
            );
        }
        assert_eq!(doc["passed"], true, "{name}");
        assert_eq!(doc["command"], "audit");
        // Every part of a good image reads: the audit step has no problem.
        assert_eq!(
            doc["facts"]["audit"]["problems"],
            serde_json::json!([]),
            "{name}"
        );
    }
}

#[test]
fn audit_facts_say_what_the_fixture_script_put_there() {
    let docs = audit_json(&[
        image("audit-secrets.vhdx"),
        image("audit-accounts.vhdx"),
        image("audit-posture.vhdx"),
        image("audit-lsa.vhdx"),
        image("audit-domain-cache.vhdx"),
    ]);
    let a = &docs[0]["facts"]["audit"];
    let creds = a["answerCredentials"].as_array().unwrap();
    let kinds: Vec<(&str, &str, u64)> = creds
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["encoding"].as_str().unwrap(),
                c["length"].as_u64().unwrap(),
            )
        })
        .collect();
    // Lengths of the planted passwords (characters), never the passwords.
    assert!(
        kinds.contains(&("administrator-password", "base64", 19)),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("local-account-password", "plainText", 21)));
    assert!(kinds.contains(&("autologon-password", "plainText", 21)));
    // sysprep.inf: the hashed AdminPassword (64 characters between its quotes).
    assert!(
        kinds.contains(&("administrator-password", "hashed", 64)),
        "{kinds:?}"
    );
    assert_eq!(a["autoLogon"]["enabled"]["value"], true);
    assert_eq!(a["autoLogon"]["user"]["value"], "builder");
    assert_eq!(a["autoLogon"]["registryPasswordLength"]["value"], 24);
    assert_eq!(a["profiles"][0]["name"], "builder");
    assert_eq!(
        a["profiles"][0]["sid"],
        "S-1-5-21-1111111111-2222222222-3333333333-1001"
    );
    let files: BTreeSet<&str> = a["credentialFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in [
        "sshPrivateKey",
        "awsCredentials",
        "gitCredentials",
        "historyCredential",
    ] {
        assert!(files.contains(k), "{k} missing from {files:?}");
    }
    let history = a["credentialFiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "historyCredential")
        .unwrap();
    assert_eq!(history["lines"], serde_json::json!([2]));
    // audit-accounts: chntpw enabled 500 and 501; the build user 1001 is an admin.
    let accounts = docs[1]["facts"]["audit"]["accounts"].as_array().unwrap();
    let by_rid = |rid: u64| accounts.iter().find(|u| u["rid"] == rid).unwrap();
    assert_eq!(by_rid(500)["enabled"], true);
    assert_eq!(by_rid(500)["administrator"], true);
    assert_eq!(by_rid(501)["enabled"], true);
    assert_eq!(by_rid(1001)["name"], "AndrewRathbun");
    assert_eq!(by_rid(1001)["administrator"], true);
    assert_eq!(by_rid(504)["enabled"], false);
    // audit-posture: the scheduled task left by the build is in the inventory, flagged.
    let autoruns = docs[2]["facts"]["audit"]["autoruns"].as_array().unwrap();
    let task = autoruns
        .iter()
        .find(|r| r["category"] == "scheduledTask")
        .expect("the BuildCleanup task");
    assert_eq!(task["name"], "\\BuildCleanup");
    assert_eq!(task["risky"], true);
    // Services: the agent outside the system folders is risky and its image is on the volume
    // (generate.sh wrote C:\agent\bin\agent.exe); the fixture carries no driver files, so the
    // boot drivers are listed as missing (not risky); VhdlintShell (cmd.exe, present) is not
    // listed at all.
    let service = |name: &str| {
        autoruns
            .iter()
            .find(|r| r["category"] == "service" && r["name"] == name)
    };
    let agent = service("BuildAgent").expect("BuildAgent");
    assert_eq!(
        (&agent["risky"], &agent["imageMissing"]),
        (&serde_json::json!(true), &serde_json::json!(false))
    );
    let vmbus = service("vmbus").expect("vmbus.sys is not on the fixture volume");
    assert_eq!(
        (&vmbus["risky"], &vmbus["imageMissing"]),
        (&serde_json::json!(false), &serde_json::json!(true))
    );
    assert!(
        service("VhdlintShell").is_none(),
        "a present system image is not listed"
    );
    // audit-lsa: the real museum SECURITY's secrets, names only.
    let names: BTreeSet<&str> = docs[3]["facts"]["audit"]["lsaSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for n in ["DefaultPassword", "DPAPI_SYSTEM", "NL$KM"] {
        assert!(names.contains(n), "{n} missing from {names:?}");
    }
    // audit-domain-cache: hivexregedit's service secret (CurrVal of 92 bytes) and one used
    // cache slot of two.
    let d = &docs[4]["facts"]["audit"];
    let sc = d["lsaSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "_SC_VhdlintSql")
        .expect("the service secret");
    assert_eq!(sc["kind"], "servicePassword");
    assert_eq!(sc["service"], "VhdlintSql");
    assert_eq!(sc["currentLength"], 92);
    assert_eq!(d["cachedLogons"]["value"], 1);
}

#[test]
fn exit_codes_follow_fail_on_and_min_severity_filters() {
    let gold = image("gold.vhdx");
    let accounts = image("audit-accounts.vhdx");
    let g = gold.to_str().unwrap();
    let a = accounts.to_str().unwrap();
    assert_eq!(vhdlint(&["audit", g]).status.code(), Some(0));
    assert_eq!(vhdlint(&["audit", a]).status.code(), Some(1));
    // audit-accounts has high findings and no critical one.
    assert_eq!(
        vhdlint(&["audit", a, "--fail-on", "critical"])
            .status
            .code(),
        Some(0)
    );
    let out = vhdlint(&["audit", a, "--min-severity", "high", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in doc["findings"].as_array().unwrap() {
        assert!(matches!(
            f["securitySeverity"].as_str(),
            Some("high" | "critical")
        ));
    }
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    assert_eq!(
        vhdlint(&["audit", "/nonexistent/image.vhdx"]).status.code(),
        Some(2)
    );
}

#[test]
fn sarif_results_carry_level_and_security_severity() {
    let img = image("audit-secrets.vhdx");
    let out = vhdlint(&["audit", img.to_str().unwrap(), "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    let vs0001 = results.iter().find(|r| r["ruleId"] == "VS0001").unwrap();
    assert_eq!(vs0001["level"], "error");
    assert_eq!(vs0001["properties"]["security-severity"], "9.5");
    let low = results.iter().find(|r| r["ruleId"] == "VS0011").unwrap();
    assert_eq!(low["level"], "warning");
    assert_eq!(low["properties"]["security-severity"], "3.0");
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "VS0001")
        .unwrap();
    assert_eq!(rule["properties"]["security-severity"], "9.5");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
}

#[test]
fn rules_lists_the_audit_rules_with_their_severity() {
    let out = vhdlint(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    let vs: Vec<&serde_json::Value> = rules
        .iter()
        .filter(|r| r["id"].as_str().unwrap().starts_with("VS"))
        .collect();
    assert!(vs.len() >= 25, "{} audit rules", vs.len());
    for r in vs {
        assert!(matches!(
            r["severity"].as_str(),
            Some("critical" | "high" | "medium" | "low" | "info")
        ));
        assert!(r.get("levels").is_none());
    }
}

#[test]
fn check_does_not_gather_the_audit() {
    let img = image("audit-secrets.vhdx");
    let out = vhdlint(&["check", img.to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["facts"].get("audit").is_none());
    assert!(doc.get("command").is_none());
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"].as_str().unwrap().starts_with("VL")));
}

/// The second line of the SSH key the script generated (its base64 body), read from the image
/// with `cat`, so the test knows that secret too.
fn ssh_key_body(img: &Path) -> String {
    let out = vhdlint(&[
        "cat",
        img.to_str().unwrap(),
        r"\Users\builder\.ssh\id_ed25519",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    text.lines().nth(1).unwrap().trim().to_owned()
}

fn all_outputs(img: &str) -> Vec<(String, String)> {
    let mut outs = Vec::new();
    for format in [
        "text",
        "json",
        "jsonl",
        "json-envelope",
        "sarif",
        "junit",
        "github",
    ] {
        let o = vhdlint(&["audit", img, "--format", format, "--stats"]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "audit {format}");
        outs.push((
            format!("audit --format {format}"),
            format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)),
        ));
    }
    for format in ["text", "json", "sarif"] {
        let o = vhdlint(&["check", img, "--format", format]);
        outs.push((
            format!("check --format {format}"),
            format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)),
        ));
    }
    for format in ["text", "json"] {
        let o = vhdlint(&[
            "reg",
            img,
            r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
            "--format",
            format,
        ]);
        outs.push((
            format!("reg Winlogon --format {format}"),
            format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)),
        ));
        let o = vhdlint(&["inspect", img, "--format", format]);
        outs.push((
            format!("inspect --format {format}"),
            format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)),
        ));
    }
    outs
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let img = image("audit-secrets.vhdx");
    let key = ssh_key_body(&img);
    let mut secrets: Vec<&str> = PLANTED.to_vec();
    secrets.push(&key);
    for (what, text) in all_outputs(img.to_str().unwrap()) {
        assert_no_secrets(&what, &text, &secrets);
    }
    // The audit did see them: the facts name the credentials (a test that cannot fail would
    // pass on an audit that found nothing).
    let doc = &audit_json(&[img])[0];
    assert!(
        doc["facts"]["audit"]["answerCredentials"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
}

#[test]
fn a_corrupt_hive_in_the_middle_of_an_audit_prints_no_secret() {
    // audit-secrets with its SAM's first hive bin smashed: the SAM is found by its base block
    // (`regf` + the file name Windows writes at 0x30) in the VHDX's payload.
    let src = image("audit-secrets.vhdx");
    let mut bytes = std::fs::read(&src).unwrap();
    let name: Vec<u8> = r"\SystemRoot\System32\Config\SAM"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let at = (0..bytes.len().saturating_sub(0x1004))
        .step_by(512)
        .find(|&i| bytes[i..i + 4] == *b"regf" && bytes[i + 0x30..].starts_with(&name))
        .expect("the SAM base block in the image");
    assert_eq!(&bytes[at + 0x1000..at + 0x1004], b"hbin");
    for b in &mut bytes[at + 0x1000..at + 0x1400] {
        *b = 0xA5;
    }
    let dir = scratch_dir("audit-corrupt-sam");
    let img = dir.join("corrupt-sam.vhdx");
    std::fs::write(&img, &bytes).unwrap();
    let doc = &audit_json(std::slice::from_ref(&img))[0];
    let problems = doc["facts"]["audit"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("SAM")),
        "{problems:?}"
    );
    // The rest of the audit still ran (the answer file, the profile), and says what it missed.
    assert!(fired(doc).contains("VS0001"));
    assert!(fired(doc).contains("VS0027"));
    let key = ssh_key_body(&img);
    let mut secrets: Vec<&str> = PLANTED.to_vec();
    secrets.push(&key);
    for (what, text) in all_outputs(img.to_str().unwrap()) {
        assert_no_secrets(&format!("corrupt SAM: {what}"), &text, &secrets);
    }
}

#[test]
fn an_audit_of_a_fixture_reads_at_most_8_mib() {
    // Issue 15's budget (work counter, not time): ≤ 8 MiB read per fixture image.
    for name in [
        "gold.vhdx",
        "audit-secrets.vhdx",
        "audit-posture.vhdx",
        "audit-lsa.vhdx",
    ] {
        let img = image(name);
        let out = vhdlint(&[
            "audit",
            img.to_str().unwrap(),
            "--stats",
            "--format",
            "json",
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let bytes = doc["stats"]["bytes"].as_u64().unwrap();
        assert!(bytes > 0 && bytes <= 8 << 20, "{name}: {bytes} bytes read");
        // The audit reads more than check (the SAM, profiles, tasks), never less.
        let chk = vhdlint(&[
            "check",
            img.to_str().unwrap(),
            "--stats",
            "--format",
            "json",
        ]);
        let chk: serde_json::Value = serde_json::from_slice(&chk.stdout).unwrap();
        assert!(chk["stats"]["bytes"].as_u64().unwrap() <= bytes, "{name}");
    }
}

#[test]
fn check_with_audit_adds_the_audit_findings_and_judges_readability_as_check_does() {
    let gold = image("gold.vhdx");
    let g = gold.to_str().unwrap();
    let plain = vhdlint(&["check", g, "--format", "json", "--as-of", "2026-12-01"]);
    let both = vhdlint(&[
        "check",
        g,
        "--with-audit",
        "--format",
        "json",
        "--as-of",
        "2026-12-01",
    ]);
    assert_eq!(plain.status.code(), both.status.code());
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    let both: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(plain["facts"]["problems"], both["facts"]["problems"]);
    let vl = |d: &serde_json::Value| -> BTreeSet<String> {
        fired(d)
            .into_iter()
            .filter(|r| r.starts_with("VL"))
            .collect()
    };
    assert_eq!(vl(&plain), vl(&both));
    assert!(fired(&both).iter().any(|r| r.starts_with("VS")));
    // An audit finding of high severity fails the image.
    let secrets = image("audit-secrets.vhdx");
    let out = vhdlint(&[
        "check",
        secrets.to_str().unwrap(),
        "--with-audit",
        "--as-of",
        "2026-12-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
}
