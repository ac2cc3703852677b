use super::*;

const BANNER: &str = "\
2025-07-22 21:55:35, Info                  SYSPRP ========================================================
2025-07-22 21:55:35, Info                  SYSPRP ===          Beginning of a new sysprep run          ===
2025-07-22 21:55:35, Info                  SYSPRP ========================================================
2025-07-22 21:55:35, Info       [0x0f004d] SYSPRP The time is now 2025-07-22 21:55:35
2025-07-22 21:55:35, Info       [0x0f004e] SYSPRP Initialized SysPrep log at C:\\Windows\\System32\\Sysprep\\Panther
2025-07-22 21:55:35, Info       [0x0f0054] SYSPRP ValidatePrivileges:User has required privileges to sysprep machine
2025-07-22 21:55:35, Info       [0x0f007e] SYSPRP FCreateTagFile:Tag file C:\\Windows\\System32\\Sysprep\\Sysprep_succeeded.tag does not already exist, no need to delete anything
";

fn run(time: &str, options: &[&str], body: &str) -> String {
    let mut s = BANNER.replace("2025-07-22 21:55:35", time);
    for o in options {
        s.push_str(&format!("{time}, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option '{o}'\n"));
    }
    s.push_str(&body.replace("TIME", time));
    s
}

const APPX_FAIL: &str = "\
TIME, Info                  SYSPRP SysprepSession::CreateSession: Successfully created instance with action file C:\\Windows\\System32\\Sysprep\\ActionFiles\\Generalize.xml, and mode <null>
TIME, Info                  SYSPRP ActionPlatform::LaunchModule: Executing method 'SysprepGeneralizeValidate' from C:\\Windows\\System32\\AppxSysprep.dll
TIME, Info                  SYSPRP Entering SysprepGeneralizeValidate (Appx) - validating whether all apps are also provisioned.
TIME, Error                 SYSPRP Package Microsoft.Edge.GameAssist_1.0.3423.0_x64__8wekyb3d8bbwe was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.
TIME, Error                 SYSPRP Failed to remove apps for the current user: 0x80073cf2.
TIME, Error                 SYSPRP Exit code of RemoveAllApps thread was 0x3cf2.
TIME, Error      [0x0f0070] SYSPRP RunDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x3cf2
TIME, Error      [0x0f00d8] SYSPRP WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2
TIME, Info       [0x0f0052] SYSPRP Shutting down SysPrep log
";

const BITLOCKER_FAIL: &str = "\
TIME, Info                  SYSPRP ActionPlatform::LaunchModule: Executing method 'ValidateBitLockerState' from C:\\Windows\\System32\\BdeSysprep.dll
TIME, Error                 SYSPRP BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)
TIME, Error      [0x0f0082] SYSPRP ActionPlatform::LaunchModule: Failure occurred while executing 'ValidateBitLockerState' from C:\\Windows\\System32\\BdeSysprep.dll; dwRet = 0x80310039
TIME, Info       [0x0f0052] SYSPRP Shutting down SysPrep log
";

const EXTERNAL_FAIL: &str = "\
TIME, Info                  SYSPRP RunExternalDlls:Running DLLs registered under HKLM\\SYSTEM\\Setup\\SysprepExternal\\Generalize
TIME, Error                 SYSPRP LaunchDll:Could not load DLL C:\\Program Files\\Contoso Agent\\ContosoSysprep.dll[gle=0x0000007e]
TIME, Error      [0x0f0070] SYSPRP RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x7e[gle=0x0000007e]
";

const MRT_FAIL: &str = "\
TIME, Error                 SYSPRP LaunchDll:Failure occurred while executing 'C:\\Windows\\system32\\mrtstub.exe,MRTGeneralize', returned error code 0x80004005
TIME, Error      [0x0f0070] SYSPRP RunExternalDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x80004005
";

const SUCCESS: &str = "\
TIME, Info                  SYSPRP SysprepSession::CreateSession: Successfully created instance with action file C:\\Windows\\System32\\Sysprep\\ActionFiles\\Generalize.xml, and mode MODEVALUE
TIME, Info                  SYSPRP SysprepSession::CreateXPathForSelection: Sysprep mode in registry is MODEVALUE
TIME, Info       [0x0f0080] SYSPRP FCreateTagFile:Successfully created tag file C:\\Windows\\System32\\Sysprep\\Sysprep_succeeded.tag
TIME, Info       [0x0f0052] SYSPRP Shutting down SysPrep log
";

fn utf16le_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xff, 0xfe];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

#[test]
fn last_run_is_the_one_classified_and_the_appx_package_is_named() {
    // An earlier successful run, then the failing one: the failing one decides.
    let ok = SUCCESS.replace("MODEVALUE", "<null>");
    let log = format!(
        "{}{}",
        run(
            "2025-07-20 09:00:00",
            &["GENERALIZE", "OOBE", "SHUTDOWN"],
            &ok
        ),
        run(
            "2025-07-22 21:55:35",
            &["OOBE", "GENERALIZE", "SHUTDOWN"],
            APPX_FAIL
        )
    );
    for bytes in [
        log.clone().into_bytes(),
        utf16le_bom(&log.replace('\n', "\r\n")),
    ] {
        let parsed = parse_log(&bytes);
        assert_eq!(parsed.run_count, 2);
        assert!(parsed.runs[0].succeeded && !parsed.runs[1].succeeded);
        let outcome = classify(Some(&bytes), None, None);
        let SysprepOutcome::Failed {
            time,
            cause: Some(cause),
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(time.as_deref(), Some("2025-07-22 21:55:35"));
        assert_eq!(
            cause,
            SysprepCause::AppxNotProvisioned {
                package: "Microsoft.Edge.GameAssist_1.0.3423.0_x64__8wekyb3d8bbwe".into()
            }
        );
        assert!(cause.describe().contains(
            "Get-AppxPackage -AllUsers 'Microsoft.Edge.GameAssist*' | Remove-AppxPackage"
        ));
    }
}

#[test]
fn bitlocker_external_dll_and_mrt_causes() {
    let cases: [(&str, SysprepCause); 3] = [
        (BITLOCKER_FAIL, SysprepCause::BitLocker),
        (
            EXTERNAL_FAIL,
            SysprepCause::ExternalProviderMissing {
                dll: r"C:\Program Files\Contoso Agent\ContosoSysprep.dll".into(),
            },
        ),
        (MRT_FAIL, SysprepCause::MrtGeneralize),
    ];
    for (body, want) in cases {
        let log = run("2024-03-01 12:00:00", &["GENERALIZE", "OOBE"], body);
        assert_eq!(
            classify(Some(log.as_bytes()), None, None),
            SysprepOutcome::Failed {
                time: Some("2024-03-01 12:00:00".into()),
                cause: Some(want)
            }
        );
    }
    // An unknown error is reported by its first line.
    let log = run(
        "2024-03-01 12:00:00",
        &["GENERALIZE"],
        "TIME, Error                 SYSPRP Something odd happened; dwRet = 0x5\n",
    );
    let SysprepOutcome::Failed {
        cause: Some(SysprepCause::Other { line }),
        ..
    } = classify(Some(log.as_bytes()), None, None)
    else {
        panic!()
    };
    assert_eq!(line, "Something odd happened; dwRet = 0x5");
}

#[test]
fn setuperr_supplies_the_cause_when_setupact_lost_it() {
    // setupact.log of a run cut short after the banner; setuperr.log holds its error (and an
    // older run's error, which must not be blamed).
    let act = run("2024-05-05 08:00:00", &["GENERALIZE"], "");
    let err = "\
2024-01-01 10:00:00, Error                 SYSPRP BitLocker-Sysprep: BitLocker is on for the OS volume. Turn BitLocker off to run Sysprep. (0x80310039)
2024-05-05 08:00:01, Error                 SYSPRP Package Contoso.App_1.0.0.0_x64__abcdefghijklm was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.
";
    let out = classify(Some(act.as_bytes()), Some(err.as_bytes()), None);
    assert_eq!(
        out,
        SysprepOutcome::Failed {
            time: Some("2024-05-05 08:00:00".into()),
            cause: Some(SysprepCause::AppxNotProvisioned {
                package: "Contoso.App_1.0.0.0_x64__abcdefghijklm".into()
            })
        }
    );
    assert_eq!(
        classify(Some(act.as_bytes()), None, None),
        SysprepOutcome::Incomplete {
            time: Some("2024-05-05 08:00:00".into())
        }
    );
}

#[test]
fn never_ran_generalized_vm_mode_and_booted_again() {
    assert_eq!(classify(None, None, None), SysprepOutcome::NeverRan);
    assert_eq!(classify(Some(b""), None, None), SysprepOutcome::NeverRan);
    let t = Some("2024-06-01 07:00:00".to_string());
    // /mode:vm: the session line names VM.
    let vm = run(
        "2024-06-01 07:00:00",
        &["GENERALIZE", "OOBE", "MODE", "SHUTDOWN"],
        &SUCCESS.replace("MODEVALUE", "<VM>"),
    );
    assert_eq!(
        classify(Some(vm.as_bytes()), None, Some(true)),
        SysprepOutcome::Generalized {
            time: t.clone(),
            vm_mode: true
        }
    );
    assert_eq!(
        classify(Some(vm.as_bytes()), None, Some(false)),
        SysprepOutcome::GeneralizedThenBootedAgain {
            time: t.clone(),
            vm_mode: true
        }
    );
    // No /mode: session lines say <null>, no MODE option.
    let plain = run(
        "2024-06-01 07:00:00",
        &["GENERALIZE", "OOBE", "SHUTDOWN"],
        &SUCCESS.replace("MODEVALUE", "<null>"),
    );
    assert_eq!(
        classify(Some(plain.as_bytes()), None, None),
        SysprepOutcome::Generalized {
            time: t.clone(),
            vm_mode: false
        }
    );
    // Only the option line: counted as /mode:vm.
    let opt_only = run(
        "2024-06-01 07:00:00",
        &["GENERALIZE", "MODE"],
        &SUCCESS.replace("MODEVALUE", "<null>"),
    );
    assert!(parse_log(opt_only.as_bytes()).last_run().unwrap().vm_mode());
    // Success without /generalize (e.g. /audit).
    let audit = run(
        "2024-06-01 07:00:00",
        &["AUDIT", "REBOOT"],
        &SUCCESS.replace("MODEVALUE", "<null>"),
    );
    assert_eq!(
        classify(Some(audit.as_bytes()), None, None),
        SysprepOutcome::NotGeneralized { time: t }
    );
}

#[test]
fn budgets_hold_on_huge_and_hostile_logs() {
    // More runs than MAX_RUNS: the count is exact, only the last MAX_RUNS kept.
    let one = "2024-01-01 00:00:00, Info SYSPRP === Beginning of a new sysprep run ===\n";
    let log = one.repeat(MAX_RUNS + 5);
    let parsed = parse_log(log.as_bytes());
    assert_eq!(
        (parsed.run_count, parsed.runs.len()),
        (MAX_RUNS + 5, MAX_RUNS)
    );
    // Errors kept are capped, counted all.
    let errs = "2024-01-01 00:00:01, Error SYSPRP x\n".repeat(MAX_ERRORS_KEPT * 3);
    let parsed = parse_log(format!("{one}{errs}").as_bytes());
    let r = parsed.last_run().unwrap();
    assert_eq!(
        (r.errors.len(), r.error_count),
        (MAX_ERRORS_KEPT, MAX_ERRORS_KEPT * 3)
    );
    // Over MAX_LOG_BYTES: the tail is parsed and the cap reported.
    let mut big = vec![b'x'; MAX_LOG_BYTES];
    big.extend_from_slice(b"\n");
    big.extend_from_slice(
        run(
            "2024-06-01 07:00:00",
            &["GENERALIZE"],
            &SUCCESS.replace("MODEVALUE", "<null>"),
        )
        .as_bytes(),
    );
    let parsed = parse_log(&big);
    assert!(parsed.capped);
    assert!(parsed.last_run().unwrap().succeeded);
    for junk in [
        &b"\xff\xfe\x00"[..],
        b", , , ,",
        b"\x00\x00\x00\x00",
        b"2024, Error [ SYSPRP",
    ] {
        let _ = classify(Some(junk), Some(junk), Some(false));
    }
}

#[test]
fn winmain_mode_line_names_vm_mode() {
    let line = |m: &str| format!("2024-01-01 00:00:00, Info       [0x0f00b7] SYSPRP {m}\r\n");
    let banner = "2024-01-01 00:00:00, Info                  SYSPRP ===          Beginning of a new sysprep run          ===\r\n";
    let log = format!(
        "{banner}{}",
        line("WinMain:Sysprep mode [vm]; was specified")
    );
    let l = parse_log(log.as_bytes());
    assert_eq!(l.runs[0].session_mode.as_deref(), Some("vm"));
    assert!(l.runs[0].vm_mode());
    let log = format!(
        "{banner}{}",
        line("WinMain:Sysprep mode [oobe]; was specified")
    );
    assert!(!parse_log(log.as_bytes()).runs[0].vm_mode());
}
