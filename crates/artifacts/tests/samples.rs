//! The committed samples of testdata/artifacts (written by its build.sh) read as a caller would.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use vhdlint_artifacts::hiberfil::{read_hiberfil_header, HiberState};
use vhdlint_artifacts::panther::{classify, parse_log, SysprepCause, SysprepOutcome};
use vhdlint_artifacts::tasks::{parse_task, TaskAction};
use vhdlint_artifacts::text::TextEncoding;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(vhdlint_testkit::testdata_file(&format!("artifacts/{name}"))).unwrap()
}

#[test]
fn utf16_setupact_last_run_failed_on_an_appx_package_after_a_vm_mode_success() {
    let bytes = sample("setupact-appx.log");
    let log = parse_log(&bytes);
    assert_eq!(log.encoding, TextEncoding::Utf16LeBom);
    assert_eq!(log.run_count, 2);
    let ok = log.last_successful_run().unwrap();
    assert!(ok.generalize() && ok.vm_mode());
    assert_eq!(
        classify(Some(&bytes), None, None),
        SysprepOutcome::Failed {
            time: Some("2025-07-22 21:55:35".into()),
            cause: Some(SysprepCause::AppxNotProvisioned {
                package: "Microsoft.Edge.GameAssist_1.0.3423.0_x64__8wekyb3d8bbwe".into()
            })
        }
    );
}

#[test]
fn scheduled_defrag_task_is_enabled_and_runs_defrag() {
    let t = parse_task(&sample("ScheduledDefrag.xml")).unwrap();
    assert!(t.enabled);
    assert!(
        matches!(&t.actions[..], [TaskAction::Exec { command, .. }] if command.ends_with("defrag.exe"))
    );
}

#[test]
fn hibr_header_is_a_resumable_session() {
    let h = read_hiberfil_header(&sample("hiberfil-header.bin")).unwrap();
    assert_eq!(h.state, HiberState::Hibernated);
    assert!(h.windows8_format && h.state.resumable());
}
