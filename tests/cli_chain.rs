//! `mobile-id chain verify` and `chain verify-batch` as processes, on NIST PKITS data: exit
//! codes (0 valid, 1 invalid, 3 unsupported, 2 input error), the JSON shape, and batch output
//! in input order with one error line per malformed request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Stdio};

use base64ct::{Base64, Encoding};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pkits");
const AT: &str = "2011-04-15T00:00:00Z";

fn file(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn verify_exit_codes_and_json() {
    let anchor = file("certs/TrustAnchorRootCertificate.crt");
    let (code, out) = run(&[
        "chain", "verify", &file("certs/ValidCertificatePathTest1EE.crt"), "--anchor", &anchor,
        "--intermediate", &file("certs/GoodCACert.crt"), "--crl", &file("crls/GoodCACRL.crl"), "--crl", &file("crls/TrustAnchorRootCRL.crl"),
        "--at", AT, "--revocation", "required", "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["result"], "valid");
    assert_eq!(json["chain"].as_array().unwrap().len(), 3);
    assert_eq!(json["chain"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["policies"][0], "2.16.840.1.101.3.2.1.48.1");

    // Revoked: the EE is on Good CA's CRL.
    let (code, out) = run(&[
        "chain", "verify", &file("certs/InvalidRevokedEETest3EE.crt"), "--anchor", &anchor, "--intermediate", &file("certs/GoodCACert.crt"),
        "--crl", &file("crls/GoodCACRL.crl"), "--crl", &file("crls/TrustAnchorRootCRL.crl"), "--at", AT, "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["code"], "revoked");
    // Missing CRLs under "required".
    let (code, _) = run(&["chain", "verify", &file("certs/ValidCertificatePathTest1EE.crt"), "--anchor", &anchor,
        "--intermediate", &file("certs/GoodCACert.crt"), "--at", AT, "--revocation", "required"]);
    assert_eq!(code, 1);
    // DSA: unsupported, not valid.
    let (code, out) = run(&["chain", "verify", &file("certs/ValidDSASignaturesTest4EE.crt"), "--anchor", &anchor,
        "--intermediate", &file("certs/DSACACert.crt"), "--at", AT, "--json"]);
    assert_eq!(code, 3);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["result"], "unsupported");
    // Input errors.
    assert_eq!(run(&["chain", "verify", &file("certs/GoodCACert.crt"), "--anchor", &anchor, "--at", "yesterday"]).0, 2);
    assert_eq!(run(&["chain", "verify", &file("certs/GoodCACert.crt"), "--anchor", "/nonexistent", "--at", AT]).0, 2);
    assert_eq!(run(&["chain", "verify", &file("crls/GoodCACRL.crl"), "--anchor", &anchor, "--at", AT]).0, 2);
}

#[test]
fn batch_answers_in_order_and_survives_bad_lines() {
    let b64 = |name: &str| Base64::encode_string(&std::fs::read(file(name)).unwrap());
    let request = |id: usize, leaf: &str| {
        serde_json::json!({
            "id": id,
            "anchors": [b64("certs/TrustAnchorRootCertificate.crt")],
            "intermediates": [b64("certs/GoodCACert.crt")],
            "crls": [b64("crls/GoodCACRL.crl"), b64("crls/TrustAnchorRootCRL.crl")],
            "leaf": b64(leaf),
            "time": AT,
            "purpose": "any",
            "revocation": "required",
            "policy": {"initial_set": ["2.16.840.1.101.3.2.1.48.1"], "require_explicit": true}
        })
        .to_string()
    };
    let mut input = String::new();
    for id in 0..200 {
        let leaf = if id % 2 == 0 { "certs/ValidCertificatePathTest1EE.crt" } else { "certs/InvalidRevokedEETest3EE.crt" };
        input.push_str(&request(id, leaf));
        input.push('\n');
    }
    input.push_str("{\"id\": \"broken\", \"anchors\": 3}\n");
    input.push_str("not json at all\n");
    input.push_str(&request(999, "certs/ValidCertificatePathTest1EE.crt"));
    input.push('\n');
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobile-id"))
        .args(["chain", "verify-batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 203);
    for (id, line) in lines.iter().take(200).enumerate() {
        assert_eq!(line["id"], id);
        assert_eq!(line["result"], if id % 2 == 0 { "valid" } else { "invalid" }, "{line}");
    }
    assert_eq!(lines[200]["id"], "broken");
    assert_eq!(lines[200]["result"], "error");
    assert_eq!(lines[201]["result"], "error");
    assert_eq!(lines[202]["id"], 999);
    assert_eq!(lines[202]["result"], "valid");
}
