//! Against Azurite (the Azure Storage emulator), started here on 127.0.0.1 with a fresh data
//! folder: fixture images uploaded as page blobs and block blobs by a third-party client
//! (Python `azure-storage-blob`), a read SAS made for each, and `check URL` must give the same
//! facts and findings as `check FILE` (all but the `image` field).
//!
//! Needs `target/azurite/node_modules/.bin/azurite-blob` (or `VHDLINT_AZURITE`) and
//! `target/azure-venv/bin/python` with `azure-storage-blob` (or `VHDLINT_AZURE_PYTHON`); `.ci/run`
//! installs both. Skipped with a message only when node/npm are absent and `VHDLINT_SKIP_REMOTE=1`.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vhdlint_testkit::{scratch_dir, testdata_file, workspace_root};

const UPLOAD: &str = r#"
import sys, datetime
from azure.storage.blob import BlobServiceClient, generate_blob_sas, BlobSasPermissions
port, *files = sys.argv[1:]
account = "devstoreaccount1"
key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
endpoint = f"http://127.0.0.1:{port}/{account}"
svc = BlobServiceClient(account_url=endpoint, credential={"account_name": account, "account_key": key})
box = svc.create_container("images")
expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
for path in files:
    name = path.rsplit("/", 1)[-1]
    for kind in ("PageBlob", "BlockBlob"):
        blob = f"{kind.lower()}/{name}"
        with open(path, "rb") as f:
            box.upload_blob(blob, f, blob_type=kind, max_concurrency=2)
        sas = generate_blob_sas(account, "images", blob, account_key=key,
                                permission=BlobSasPermissions(read=True), expiry=expiry)
        print(path, f"{endpoint}/images/{blob}?{sas}")
"#;

fn tool(env: &str, rel: &str) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| Some(workspace_root().join(rel)))
        .filter(|p| p.exists())
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn blobs_in_azurite_check_like_the_local_files() {
    let node = have("node") && have("npm");
    if !node && std::env::var("VHDLINT_SKIP_REMOTE").as_deref() == Ok("1") {
        eprintln!("AZURITE SKIPPED: node/npm absent and VHDLINT_SKIP_REMOTE=1");
        return;
    }
    let azurite = tool(
        "VHDLINT_AZURITE",
        "target/azurite/node_modules/.bin/azurite-blob",
    )
    .expect("azurite-blob missing: run .ci/run (npm install --prefix target/azurite azurite@3)");
    let python = tool("VHDLINT_AZURE_PYTHON", "target/azure-venv/bin/python").expect(
        "target/azure-venv missing: run .ci/run (python3 -m venv target/azure-venv && \
         target/azure-venv/bin/pip install azure-storage-blob)",
    );
    let data = scratch_dir("azurite");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let _azurite = Kill(
        Command::new(azurite)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args([
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
                "--disableTelemetry",
            ])
            .arg("--location")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start azurite"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "azurite did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let files: Vec<PathBuf> = [
        "images/gold.vhdx.xz",
        "images/gold-dynamic.vhd.xz",
        "images/not-generalized.vhdx.xz",
    ]
    .iter()
    .map(|f| testdata_file(f))
    .collect();
    let out = Command::new(python)
        .arg("-c")
        .arg(UPLOAD)
        .arg(port.to_string())
        .args(&files)
        .output()
        .expect("run the upload client");
    assert!(
        out.status.success(),
        "upload: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    let pairs: Vec<(&str, &str)> = listing.lines().filter_map(|l| l.split_once(' ')).collect();
    assert_eq!(pairs.len(), files.len() * 2, "{listing}");
    for (file, url) in pairs {
        let check = |target: &str| {
            let o = Command::new(env!("CARGO_BIN_EXE_vhdlint"))
                .args(["check", target, "--format", "json", "--as-of", "2026-12-01"])
                .env("NO_PROXY", "127.0.0.1")
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!all.contains("sig="), "the SAS was printed: {all}");
            let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("{target}: {e}: {all}"));
            (o.status.code(), doc)
        };
        let (rc, mut remote) = check(url);
        let (lc, mut local) = check(file);
        assert_eq!(rc, lc, "{file}");
        let shown = url.split('?').next().unwrap();
        assert_eq!(remote["image"], shown);
        remote.as_object_mut().unwrap().remove("image");
        local.as_object_mut().unwrap().remove("image");
        assert_eq!(
            remote, local,
            "{shown}: facts and findings differ from {file}"
        );
    }
}
