//! The command line, as separate processes: PIN counters hold across processes, exit codes
//! follow the contract (0 success, 1 negative verdict, 2 usage/input), PINs come only from the
//! environment, and status JSON has the documented shape.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output};

fn mobile_id(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mobile-id"));
    cmd.args(args);
    for var in ["MOBILE_ID_PIN1", "MOBILE_ID_PIN2", "MOBILE_ID_PUK", "MOBILE_ID_NEW_PIN"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(std::process::Stdio::null());
    cmd.output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn init(dir: &Path) -> String {
    let state = dir.join("sim").to_str().unwrap().to_string();
    let out = mobile_id(&["sim", "init", "--state", &state], &[]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    state
}

fn status(state: &str) -> serde_json::Value {
    let out = mobile_id(&["sim", "status", "--state", state, "--json"], &[]);
    assert_eq!(code(&out), 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn three_wrong_pins_block_across_processes_and_the_puk_unblocks() {
    let dir = tempfile::tempdir().unwrap();
    let state = init(dir.path());
    for left in [2, 1] {
        let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin2"], &[("MOBILE_ID_PIN2", "99999")]);
        assert_eq!(code(&out), 1);
        assert_eq!(status(&state)["pin2"]["retries_left"], left);
    }
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin2"], &[("MOBILE_ID_PIN2", "99999")]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocked"));
    let s = status(&state);
    assert_eq!(s["pin2"]["blocked"], true);
    assert_eq!(s["pin2"]["retries_left"], 0);
    // The right PIN no longer helps.
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin2"], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code(&out), 1);
    let out = mobile_id(&["sim", "unblock", "--state", &state, "--pin", "pin2"], &[("MOBILE_ID_PUK", "12345678"), ("MOBILE_ID_NEW_PIN", "24680")]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(status(&state)["pin2"]["retries_left"], 3);
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin2"], &[("MOBILE_ID_PIN2", "24680")]);
    assert_eq!(code(&out), 0);
}

#[test]
fn status_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let state = init(dir.path());
    let s = status(&state);
    for key in ["pin1", "pin2", "puk"] {
        assert!(s[key]["retries_left"].is_u64() && s[key]["blocked"].is_boolean(), "{key}");
    }
    assert_eq!(s["puk"]["retries_left"], 10);
    assert!(s["auth_certificate_subject"].as_str().unwrap().contains("PNOAZ-"));
    assert!(s["sign_certificate_subject"].as_str().unwrap().contains("PNOAZ-"));
}

#[test]
fn exit_codes_and_no_secrets_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let state = init(dir.path());
    // No PIN in the environment and no terminal: input error.
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin1"], &[]);
    assert_eq!(code(&out), 2);
    // A malformed PIN: input error, and no try used.
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin1"], &[("MOBILE_ID_PIN1", "12x4")]);
    assert_eq!(code(&out), 2);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("12x4"));
    assert_eq!(status(&state)["pin1"]["retries_left"], 3);
    // A wrong PIN: negative verdict; the error names no value.
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin1"], &[("MOBILE_ID_PIN1", "8642")]);
    assert_eq!(code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(!stderr.contains("8642") && !stderr.contains("PNOAZ"));
    // Unknown flags, a PIN passed as an argument, a missing SIM: usage or input errors.
    assert_eq!(code(&mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin1", "--value", "1234"], &[])), 2);
    assert_eq!(code(&mobile_id(&["sim", "status", "--state", dir.path().join("none").to_str().unwrap()], &[])), 2);
    assert_eq!(code(&mobile_id(&["sim", "init", "--state", &state], &[])), 2);
}

#[test]
fn change_pin_sign_export_and_record() {
    let dir = tempfile::tempdir().unwrap();
    let state = init(dir.path());
    let out = mobile_id(&["sim", "change-pin", "--state", &state, "--pin", "pin1"], &[("MOBILE_ID_PIN1", "1234"), ("MOBILE_ID_NEW_PIN", "9753")]);
    assert_eq!(code(&out), 0);
    let out = mobile_id(&["sim", "verify-pin", "--state", &state, "--pin", "pin1"], &[("MOBILE_ID_PIN1", "9753")]);
    assert_eq!(code(&out), 0);
    let record = dir.path().join("sign.json");
    let digest = "aa".repeat(32);
    let out = mobile_id(&["sim", "sign", "--state", &state, "--digest", &digest, "--record", record.to_str().unwrap()], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let signature = String::from_utf8(out.stdout).unwrap();
    assert!(signature.trim().starts_with("30"));
    let script: mobile_id::apdu::Script = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    assert!(script.steps.iter().any(|s| s.command.starts_with("002a9e9a")), "the PSO was recorded");
    let out_dir = dir.path().join("certs");
    let out = mobile_id(&["sim", "export-certs", "--state", &state, "--out", out_dir.to_str().unwrap()], &[]);
    assert_eq!(code(&out), 0);
    for name in ["auth.pem", "sign.pem", "ca.pem"] {
        assert!(std::fs::read_to_string(out_dir.join(name)).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    }
}

#[test]
fn demo_runs() {
    let out = mobile_id(&["demo"], &[]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("VALID") && text.contains("REJECTED"));
    assert!(text.contains("--keep DIR keeps it"), "{text}");
}

#[test]
fn demo_keeps_the_visibly_signed_pdf_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("kept");
    let out = mobile_id(&["demo", "--keep", keep.to_str().unwrap()], &[]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let pdf = keep.join("contract-signed.pdf");
    assert!(text.contains(&format!("kept: {}", pdf.display())), "{text}");
    let verified = mobile_id(&["verify", "pdf", pdf.to_str().unwrap(), "--trust", keep.join("demo-ca.pem").to_str().unwrap()], &[]);
    assert_eq!(code(&verified), 0, "{}", String::from_utf8_lossy(&verified.stdout));
    assert!(std::fs::read(&pdf).unwrap().windows(10).any(|w| w == b"/FontFile2"), "the kept PDF has no stamp font");
}

#[test]
fn a_closed_stdout_ends_the_process_quietly() {
    // `mobile-id … | head` closes the pipe early: the process ends like a SIGPIPE death (141),
    // without a panic message.
    // The pipe's reading end is closed before the process starts, so its first write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_mobile-id"))
        .args(["auth", "challenge", "--json"])
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code(&out), 141, "{stderr}");
}

#[test]
fn concurrent_wrong_pins_each_cost_one_try() {
    // Eight processes try a wrong PIN1 on one state directory at once: the SIM is changed by
    // one process at a time, so exactly two are told "incorrect" (2 and 1 tries left, each
    // once), the third wrong one blocks the PIN and the rest find it blocked; none fails to
    // store its count.
    let dir = tempfile::tempdir().unwrap();
    let state = init(dir.path());
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_mobile-id"));
            cmd.args(["sim", "verify-pin", "--state", &state, "--pin", "pin1"]).env("MOBILE_ID_PIN1", "0000");
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let mut messages: Vec<String> = children.into_iter().map(|c| String::from_utf8_lossy(&c.wait_with_output().unwrap().stderr).into_owned()).collect();
    messages.sort();
    let incorrect: Vec<&String> = messages.iter().filter(|m| m.contains("incorrect")).collect();
    assert_eq!(incorrect.len(), 2, "{messages:#?}");
    for left in ["tries left: 1", "tries left: 2"] {
        assert_eq!(incorrect.iter().filter(|m| m.contains(left)).count(), 1, "{messages:#?}");
    }
    assert!(messages.iter().filter(|m| !m.contains("incorrect")).all(|m| m.contains("blocked")), "{messages:#?}");
    assert_eq!(status(&state)["pin1"]["retries_left"], 0);
}

/// `mobile-id speed` measures every job on both backends (briefly: the figures themselves are
/// the benchmarks' business), and `--only` leaves the other jobs out rather than printing 0.
#[test]
fn speed_measures_every_job_on_both_backends() {
    let rates = ["ecdsa_p256_verify_per_s", "cms_verify_per_s", "chain_verify_per_s", "pdf_verify_per_s"];
    for backend in ["p256", "ring"] {
        let out = mobile_id(&["--backend", backend, "speed", "--seconds", "0.05", "--json"], &[]);
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["backend"], backend);
        for rate in rates {
            assert!(report[rate].as_f64().is_some_and(|r| r > 0.0), "{rate}: {report}");
        }
    }
    let out = mobile_id(&["speed", "--seconds", "0.05", "--only", "cms", "--json"], &[]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["cms_verify_per_s"].as_f64().is_some_and(|r| r > 0.0), "{report}");
    assert!(rates.iter().filter(|r| **r != "cms_verify_per_s").all(|r| report[*r].is_null()), "{report}");
    let text = String::from_utf8(mobile_id(&["speed", "--seconds", "0.05", "--only", "chain"], &[]).stdout).unwrap();
    assert!(text.contains("3-certificate chain, cold") && !text.contains("PDF") && !text.contains("raw"), "{text}");
}
