//! `mobile-id chain verify` and `chain verify-batch` as processes, on NIST PKITS data: exit
//! codes (0 valid, 1 invalid, 3 unsupported, 2 input error), the JSON shape, and batch output
//! in input order with one error line per malformed request; online revocation shared by
//! processes through Redis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use base64ct::{Base64, Encoding};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pkits");
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
        "chain",
        "verify",
        &file("certs/ValidCertificatePathTest1EE.crt"),
        "--anchor",
        &anchor,
        "--intermediate",
        &file("certs/GoodCACert.crt"),
        "--crl",
        &file("crls/GoodCACRL.crl"),
        "--crl",
        &file("crls/TrustAnchorRootCRL.crl"),
        "--at",
        AT,
        "--revocation",
        "required",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["result"], "valid");
    assert_eq!(json["chain"].as_array().unwrap().len(), 3);
    assert_eq!(json["chain"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["policies"][0], "2.16.840.1.101.3.2.1.48.1");

    // Revoked: the EE is on Good CA's CRL.
    let (code, out) = run(&[
        "chain",
        "verify",
        &file("certs/InvalidRevokedEETest3EE.crt"),
        "--anchor",
        &anchor,
        "--intermediate",
        &file("certs/GoodCACert.crt"),
        "--crl",
        &file("crls/GoodCACRL.crl"),
        "--crl",
        &file("crls/TrustAnchorRootCRL.crl"),
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["code"], "revoked");
    // Missing CRLs under "required".
    let (code, _) = run(&[
        "chain",
        "verify",
        &file("certs/ValidCertificatePathTest1EE.crt"),
        "--anchor",
        &anchor,
        "--intermediate",
        &file("certs/GoodCACert.crt"),
        "--at",
        AT,
        "--revocation",
        "required",
    ]);
    assert_eq!(code, 1);
    // DSA: unsupported, not valid.
    let (code, out) = run(&[
        "chain",
        "verify",
        &file("certs/ValidDSASignaturesTest4EE.crt"),
        "--anchor",
        &anchor,
        "--intermediate",
        &file("certs/DSACACert.crt"),
        "--at",
        AT,
        "--json",
    ]);
    assert_eq!(code, 3);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["result"], "unsupported");
    // Input errors.
    assert_eq!(run(&["chain", "verify", &file("certs/GoodCACert.crt"), "--anchor", &anchor, "--at", "yesterday"]).0, 2);
    assert_eq!(run(&["chain", "verify", &file("certs/GoodCACert.crt"), "--anchor", "/nonexistent", "--at", AT]).0, 2);
    // A file that is read but does not hold a certificate is a verdict on the chain, naming it.
    let (code, out) = run(&["chain", "verify", &file("crls/GoodCACRL.crl"), "--anchor", &anchor, "--at", AT, "--json"]);
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((json["result"].as_str(), json["code"].as_str()), (Some("invalid"), Some("malformed")));
    assert!(json["message"].as_str().unwrap().contains("GoodCACRL.crl"), "{json}");
}

#[test]
fn batch_malformed_items_are_verdicts_and_broken_requests_are_errors() {
    let b64 = |name: &str| Base64::encode_string(&std::fs::read(file(name)).unwrap());
    let base = serde_json::json!({
        "anchors": [b64("certs/TrustAnchorRootCertificate.crt")],
        "intermediates": [b64("certs/GoodCACert.crt")],
        "leaf": b64("certs/ValidCertificatePathTest1EE.crt"),
        "time": AT,
    });
    let with = |id: &str, key: &str, value: serde_json::Value| {
        let mut request = base.clone();
        request["id"] = id.into();
        request[key] = value;
        request.to_string()
    };
    let not_a_certificate = Base64::encode_string(&[0x30, 0x03, 0x02, 0x01, 0x00]);
    let lines = [
        with("ok", "id", "ok".into()),
        with("leaf-is-a-crl", "leaf", b64("crls/GoodCACRL.crl").into()),
        with("bad-intermediate", "intermediates", serde_json::json!([b64("certs/GoodCACert.crt"), not_a_certificate])),
        with("bad-crl", "crls", serde_json::json!([b64("certs/GoodCACert.crt")])),
        with("bad-base64", "leaf", "@@@".into()),
        with("pedantic", "conformance", "pedantic".into()),
        with("bare-key", "anchor_constraints", "bare-key".into()),
        with("unknown-level", "conformance", "sloppy".into()),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(["chain", "verify-batch"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let input = lines.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let verdicts: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let get = |id: &str| verdicts.iter().find(|v| v["id"] == id).unwrap().clone();
    assert_eq!(get("ok")["result"], "valid");
    for (id, field) in [("leaf-is-a-crl", "leaf"), ("bad-intermediate", "intermediates[1]"), ("bad-crl", "crls[0]")] {
        let v = get(id);
        assert_eq!((v["result"].as_str(), v["code"].as_str()), (Some("invalid"), Some("malformed")), "{v}");
        assert!(v["message"].as_str().unwrap().starts_with(field), "{v}");
    }
    assert_eq!(get("bad-base64")["result"], "error");
    assert_eq!(get("unknown-level")["result"], "error");
    assert_eq!(get("pedantic")["result"], "valid");
    assert_eq!(get("bare-key")["result"], "valid");
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(["chain", "verify-batch"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
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

/// All 249 NIST PKITS entries through `chain verify-batch` as a caller writes them: the
/// RFC 5280 default `{anyPolicy}` spelled out where PKITS uses it, nothing translated.
#[test]
fn pkits_through_the_batch_with_explicit_any_policy() {
    let expectations: serde_json::Value = serde_json::from_slice(&std::fs::read(file("expectations.json")).unwrap()).unwrap();
    let tests = expectations["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 249);
    let b64 = |name: &serde_json::Value| Base64::encode_string(&std::fs::read(file(name.as_str().unwrap())).unwrap());
    let all = |list: &serde_json::Value| list.as_array().unwrap().iter().map(b64).collect::<Vec<_>>();
    let mut input = String::new();
    for (index, test) in tests.iter().enumerate() {
        let settings = &test["settings"];
        let line = serde_json::json!({
            "id": index,
            "anchors": [b64(&test["trust_anchor"])],
            "intermediates": all(&test["intermediates"]),
            "crls": all(&test["crls"]),
            "leaf": b64(&test["leaf"]),
            "time": AT,
            "purpose": "any",
            "revocation": "required",
            "policy": {
                "initial_set": settings["initial_policy_set"],
                "require_explicit": settings["initial_explicit_policy"],
                "inhibit_mapping": settings["initial_policy_mapping_inhibit"],
                "inhibit_any": settings["initial_inhibit_any_policy"],
            }
        });
        input.push_str(&line.to_string());
        input.push('\n');
    }
    assert!(input.contains("\"2.5.29.32.0\""), "PKITS spells out anyPolicy");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(["chain", "verify-batch"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 249);
    let mut failures = Vec::new();
    for (test, line) in tests.iter().zip(&lines) {
        let name = format!("{} {}", test["id"].as_str().unwrap(), test["name"].as_str().unwrap());
        let expected = test["expected"].as_str().unwrap();
        match line["result"].as_str().unwrap() {
            "unsupported" if name.contains("DSA") => {}
            "valid" if expected == "valid" => {
                if let Some(want) = test["expected_user_constrained_policy_set"].as_array() {
                    let mut want: Vec<&str> = want.iter().map(|v| v.as_str().unwrap()).collect();
                    want.sort_unstable();
                    let got: Vec<&str> = line["policies"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                    if got != want {
                        failures.push(format!("{name}: policies {got:?}, expected {want:?}"));
                    }
                }
            }
            "invalid" if expected == "invalid" => {}
            other => failures.push(format!("{name}: {other} ({}), expected {expected}", line["message"])),
        }
    }
    assert!(failures.is_empty(), "{} of 249 differ:\n{}", failures.len(), failures.join("\n"));
}

/// `--revocation online --revocation-cache redis://…`: what one process fetched, the next
/// processes read from Redis instead of the network; without the cache each downloads for
/// itself; the cache without online revocation is a usage error.
#[test]
fn online_revocation_is_shared_by_processes_through_redis() {
    use std::sync::atomic::Ordering;
    let mut redis = support::common::RedisServer::start();
    let pki = support::common::Pki::new();
    let point = support::common::FileServer::bind();
    pki.issue("dp", &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{}/ca.crl\n", point.port));
    let served = point.serve(pki.crl());
    let (leaf, anchor, cache) = (pki.p("dp.pem"), pki.p("ca.pem"), redis.url());
    let verify = |extra: &[&str]| {
        let mut args = vec!["chain", "verify", leaf.as_str(), "--anchor", anchor.as_str()];
        args.extend_from_slice(extra);
        run(&args)
    };
    for _ in 0..3 {
        let (code, out) = verify(&["--revocation", "online", "--revocation-cache", &cache]);
        assert_eq!(code, 0, "{out}");
    }
    assert_eq!(served.load(Ordering::SeqCst), 1, "a process downloaded the CRL instead of reading Redis");
    assert_eq!(verify(&["--revocation", "online"]).0, 0);
    assert_eq!(served.load(Ordering::SeqCst), 2);
    assert_eq!(verify(&["--revocation", "required", "--revocation-cache", &cache]).0, 2);
    redis.stop();
}
