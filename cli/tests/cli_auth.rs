//! `mobile-id auth …` and `mobile-id mssp serve` as processes: the code vectors, a login
//! answered on the virtual SIM and validated (exit 0), a foreign challenge and a signing
//! certificate rejected (exit 1), usage errors (exit 2), and the mock service on loopback
//! answering a real MSSP client and `auth login`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mobile_id::auth::mssp::HttpMsspTransport;
use mobile_id::auth::{HashType, MsspClient, MsspResult, MsspTransport, SessionKind};

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(args).env_remove("MOBILE_ID_PIN1").envs(env.iter().copied()).stdin(Stdio::null()).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn codes_login_and_rejections() {
    assert_eq!(run(&["auth", "code", "--hash", "2f665f6a6999e0ef0752e00ec9f453adf59d8cb6"], &[]).1.trim(), "1462");
    let hello = "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069";
    assert_eq!(run(&["auth", "code", "--hash", hello, "--scheme", "smart-id"], &[]).1.trim(), "7712");
    assert_eq!(run(&["auth", "code", "--hash", "zz"], &[]).0, 2);

    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(run(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(run(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    let (code, out) = run(&["auth", "challenge", "--hash", "sha384", "--json"], &[]);
    assert_eq!(code, 0);
    let challenge: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hash = challenge["hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 96);
    let (code, out) = run(&["auth", "respond", "--state", &p("sim"), "--challenge", &hash, "--out", &p("answer")], &[("MOBILE_ID_PIN1", "1234")]);
    assert_eq!(code, 0);
    assert!(out.contains(challenge["verification_code"].as_str().unwrap()));
    let verify = |challenge: &str, cert: &str| {
        run(
            &["auth", "verify", "--challenge", challenge, "--signature", &p("answer/signature.der"), "--cert", cert, "--trust", &p("certs/ca.pem"), "--json"],
            &[],
        )
    };
    let (code, out) = verify(&hash, &p("answer/cert.pem"));
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["identity"]["semantics_identifier"]["country"], "AZ");
    assert_eq!(verify(&"00".repeat(48), &p("answer/cert.pem")).0, 1);
    assert_eq!(verify(&hash, &p("certs/sign.pem")).0, 1);
    assert_eq!(verify("abc", &p("answer/cert.pem")).0, 2);
    // Revocation required: rejected without data, accepted with the CA's CRL that
    // `sim export-certs` wrote.
    let required = |extra: &[&str]| {
        let (signature, cert, trust) = (p("answer/signature.der"), p("answer/cert.pem"), p("certs/ca.pem"));
        let mut args = vec!["auth", "verify", "--challenge", &hash, "--signature", &signature, "--cert", &cert, "--trust", &trust, "--revocation", "required"];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    let (code, out) = required(&[]);
    assert!(code == 1 && out.contains("revocation"), "{out}");
    let (code, out) = required(&["--crl", &p("certs/ca.crl")]);
    assert_eq!(code, 0, "{out}");
    // A wrong PIN1 on respond: exit 1, nothing written.
    assert_eq!(run(&["auth", "respond", "--state", &p("sim"), "--challenge", &hash, "--out", &p("bad")], &[("MOBILE_ID_PIN1", "9999")]).0, 1);
}

#[test]
fn the_mock_service_runs_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim").to_str().unwrap().to_string();
    assert_eq!(run(&["sim", "init", "--state", &state], &[]).0, 0);
    // The certificates first: the running service holds the SIM's state.
    let certs = dir.path().join("certs").to_str().unwrap().to_string();
    assert_eq!(run(&["sim", "export-certs", "--state", &state, "--out", &certs], &[]).0, 0);
    let ca = format!("{certs}/ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobile-id"))
        .args(["mssp", "serve", "--state", &state, "--phone", "+99450000009", "--national-id", "60001019906", "--listen", "127.0.0.1:0"])
        .env("MOBILE_ID_PIN1", "1234")
        .env("MOBILE_ID_PIN2", "12345")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let child = support::KillOnDrop(child);
    let url = line.split_whitespace().last().unwrap().to_string();
    let transport = HttpMsspTransport::new(url.as_str());
    let client = MsspClient::new("u", "n");
    let request = client.session_request(SessionKind::Authentication, "+99450000009", "60001019906", &[7; 32], HashType::Sha256, None).unwrap();
    let (status, body) = transport.execute(&request).unwrap();
    let outcome = client.read_session_start(SessionKind::Authentication, status, &body, 1000, 5).unwrap().run(&transport).unwrap();
    assert_eq!(outcome.result, MsspResult::Ok);
    assert_eq!(outcome.signature.unwrap().len(), 64);

    // The portal's side as one command: challenge, code, session, validation.
    let login = |url: &str, national_id: &str, extra: &[&str]| {
        let mut args = vec!["auth", "login", "--mssp", url, "--phone", "+99450000009", "--national-id", national_id, "--trust", &ca, "--json"];
        args.extend_from_slice(extra);
        support::mobile_id(&args, &[])
    };
    let (code, out) = login(&url, "60001019906", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verification code: ") && out.contains("\"result\":\"accepted\""), "{out}");
    // The service knows nobody else: rejected, with its result code.
    let (code, out) = login(&url, "60001019907", &[]);
    assert!(code == 1 && out.contains("NOT_MID_CLIENT"), "{out}");
    // A malformed pin is named before anything is sent; a service that is gone is no verdict.
    let (code, out) = login(&url, "60001019906", &["--tls-pin", "sha256//tooshort"]);
    assert!(code == 2 && out.contains("--tls-pin takes sha256//BASE64"), "{out}");
    drop(child);
    let (code, out) = login(&url, "60001019906", &[]);
    assert!(code == 2 && out.contains("could not be reached"), "{out}");
}

#[test]
fn inputs_are_checked_and_named_before_any_pin_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(support::mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    // A challenge of the wrong length is named with what it must be; no PIN is read.
    let (code, out) = support::mobile_id(&["auth", "respond", "--state", &p("sim"), "--challenge", "00ff", "--out", &p("answer")], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--challenge must be a SHA-256, SHA-384 or SHA-512 hash"), "{out}");
    let (code, out) = support::mobile_id(&["auth", "code", "--hash", ""], &[]);
    assert!(code == 2 && out.contains("--hash is empty"), "{out}");
    // A malformed new PIN is named as the new one and costs no try.
    let (code, out) =
        support::mobile_id(&["sim", "change-pin", "--state", &p("sim"), "--pin", "pin1"], &[("MOBILE_ID_PIN1", "1234"), ("MOBILE_ID_NEW_PIN", "12")]);
    assert!(code == 2 && out.contains("the new PIN1 (MOBILE_ID_NEW_PIN) has the wrong format"), "{out}");
    let (_, status) = support::mobile_id(&["sim", "status", "--state", &p("sim"), "--json"], &[]);
    assert!(status.contains("\"retries_left\":3") || status.contains("\"retries_left\": 3"), "{status}");
    // A certificate given as the key is named as such.
    assert_eq!(support::mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    std::fs::write(p("doc.txt"), b"a contract").unwrap();
    let (code, out) = support::mobile_id(&["sign", "cms", &p("doc.txt"), &p("doc.p7s"), "--key", &p("certs/sign.pem"), "--cert", &p("certs/sign.pem")], &[]);
    assert!(code == 2 && out.contains("holds a certificate, not a private key"), "{out}");
}

/// The login across processes, as two portal instances sharing one Redis would run it: one
/// process issues, the phone answers, another verifies; the replay, from a third, is refused;
/// a stopped Redis is exit 2 with a clear message, never "accepted".
#[test]
fn challenges_through_redis_across_processes() {
    let mut redis = support::common::RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(support::mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(support::mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    let issue = || {
        let (code, out) = support::mobile_id(&["auth", "challenge", "--store", &url, "--json"], &[]);
        assert_eq!(code, 0, "{out}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        (json["id"].as_str().unwrap().to_string(), json["hash"].as_str().unwrap().to_string())
    };
    let (id, hash) = issue();
    let (code, out) =
        support::mobile_id(&["auth", "respond", "--state", &p("sim"), "--challenge", &hash, "--out", &p("answer")], &[("MOBILE_ID_PIN1", "1234")]);
    assert_eq!(code, 0, "{out}");
    let verify = |id: &str| {
        support::mobile_id(
            &[
                "auth",
                "verify",
                "--store",
                &url,
                "--challenge-id",
                id,
                "--signature",
                &p("answer/signature.der"),
                "--cert",
                &p("answer/cert.pem"),
                "--trust",
                &p("certs/ca.pem"),
            ],
            &[],
        )
    };
    let (code, out) = verify(&id);
    assert!(code == 0 && out.contains("accepted: AYSEL MAMMADOVA"), "{out}");
    let (code, out) = verify(&id);
    assert!(code == 1 && out.contains("unknown or already used challenge"), "{out}");
    // An id never issued is refused the same way; a stopped Redis is an error, not a verdict.
    let (other_id, _) = issue();
    redis.stop();
    let (code, out) = verify(&other_id);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("challenge store failed") && !out.contains("accepted"), "{out}");
    let (code, out) = support::mobile_id(&["auth", "challenge", "--store", "http://127.0.0.1:1/"], &[]);
    assert!(code == 2 && out.contains("redis://"), "{out}");
}

/// The same across processes through a Redis that speaks TLS only (`rediss://`), its CA given
/// with `--redis-tls-root`; without that root the store is refused (exit 2), and the root with
/// a plain `redis://` URL is a usage error.
#[test]
fn challenges_through_redis_over_tls() {
    let pki = support::common::Pki::new();
    let redis = support::common::RedisServer::start_tls(&pki);
    let (url, ca) = (redis.tls_url(), pki.p("ca.pem"));
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(support::mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(support::mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    let (code, out) = support::mobile_id(&["auth", "challenge", "--store", &url, "--redis-tls-root", &ca, "--json"], &[]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (id, hash) = (json["id"].as_str().unwrap(), json["hash"].as_str().unwrap());
    let (code, out) = support::mobile_id(&["auth", "respond", "--state", &p("sim"), "--challenge", hash, "--out", &p("answer")], &[("MOBILE_ID_PIN1", "1234")]);
    assert_eq!(code, 0, "{out}");
    let verify = |extra: &[&str]| {
        let mut args = vec!["auth", "verify", "--store", &url, "--challenge-id", id];
        args.extend_from_slice(extra);
        let (signature, cert, trust) = (p("answer/signature.der"), p("answer/cert.pem"), p("certs/ca.pem"));
        args.extend_from_slice(&["--signature", &signature, "--cert", &cert, "--trust", &trust]);
        support::mobile_id(&args, &[])
    };
    let (code, out) = verify(&[]);
    assert!(code == 2 && out.contains("challenge store failed") && !out.contains("accepted"), "{out}");
    let (code, out) = verify(&["--redis-tls-root", &ca]);
    assert!(code == 0 && out.contains("accepted: AYSEL MAMMADOVA"), "{out}");
    let (code, out) = verify(&["--redis-tls-root", &ca]);
    assert!(code == 1 && out.contains("unknown or already used challenge"), "{out}");
    let plain = format!("redis://127.0.0.1:{}/", redis.port);
    let (code, out) = support::mobile_id(&["auth", "challenge", "--store", &plain, "--redis-tls-root", &ca], &[]);
    assert!(code == 2 && out.contains("--store") && out.contains("rediss://"), "{out}");
}
