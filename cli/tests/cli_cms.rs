//! `mobile-id sign cms` / `verify cms` as processes: on the virtual SIM and with a software
//! key, checked by OpenSSL; a timestamp from `--tsa` served over HTTP by a local responder
//! that answers with `openssl ts -reply`; exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use common::{openssl, tsa_server};
use support::{common, mobile_id};

#[test]
fn sign_on_the_sim_timestamp_over_http_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    assert_eq!(mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    std::fs::write(p("doc.txt"), b"a document").unwrap();
    // A TSA certified by an OpenSSL root, behind HTTP.
    self_signed(d, "tsaca", "P-256", "/CN=TSA Root", &["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"]);
    std::fs::write(p("tsa.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n").unwrap();
    assert!(openssl(
        d,
        &["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key", "-subj", "/CN=TSA", "-out", "tsa.csr"]
    ));
    assert!(openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "tsaca.pem",
            "-CAkey",
            "tsaca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "tsa.ext",
            "-out",
            "tsa.pem"
        ]
    ));
    std::fs::write(
        p("tsa.cnf"),
        "[ tsa ]\ndefault_tsa = t\n[ t ]\ndir = .\nserial = ./tsaserial\nsigner_cert = ./tsa.pem\ncerts = ./tsaca.pem\n\
        signer_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.4146.2.3\ndigests = sha256\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    std::fs::write(p("tsaserial"), "01\n").unwrap();
    let (url, server) = tsa_server(d, 1);

    let (code, out) = mobile_id(&["sign", "cms", &p("doc.txt"), &p("doc.p7s"), "--state", &p("sim"), "--tsa", &url], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code, 0, "{out}");
    server.join().unwrap();
    assert!(openssl(
        d,
        &["cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.p7s", "-content", "doc.txt", "-CAfile", "certs/ca.pem", "-out", "/dev/null"]
    ));
    let (code, out) =
        mobile_id(&["verify", "cms", &p("doc.p7s"), "--content", &p("doc.txt"), "--trust", &p("certs/ca.pem"), "--trust", &p("tsaca.pem"), "--json"], &[]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["signers"][0]["indication"], "TOTAL-PASSED");
    assert!(report["signers"][0]["timestamp_time"].as_str().is_some_and(|t| mobile_id::time::parse_rfc3339(t).is_some()));
    // Without trusting the TSA the timestamp cannot count.
    assert_eq!(mobile_id(&["verify", "cms", &p("doc.p7s"), "--content", &p("doc.txt"), "--trust", &p("certs/ca.pem")], &[]).0, 1);
    // A changed document.
    std::fs::write(p("other.txt"), b"another document").unwrap();
    let (code, out) =
        mobile_id(&["verify", "cms", &p("doc.p7s"), "--content", &p("other.txt"), "--trust", &p("certs/ca.pem"), "--trust", &p("tsaca.pem")], &[]);
    assert_eq!(code, 1);
    assert!(out.contains("HASH_FAILURE"), "{out}");
    // A wrong PIN: negative verdict, no signature written.
    let (code, _) = mobile_id(&["sign", "cms", &p("doc.txt"), &p("bad.p7s"), "--state", &p("sim")], &[("MOBILE_ID_PIN2", "99999")]);
    assert_eq!(code, 1);
    assert!(!d.join("bad.p7s").exists());
    // Input errors.
    assert_eq!(mobile_id(&["verify", "cms", &p("doc.txt"), "--trust", &p("certs/ca.pem")], &[]).0, 2);
    assert_eq!(mobile_id(&["sign", "cms", &p("doc.txt"), &p("x.p7s")], &[]).0, 2);
}

#[test]
fn sign_with_a_software_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    self_signed(d, "c", "P-384", "/CN=Signer", &["keyUsage=critical,nonRepudiation"]);
    std::fs::write(p("doc.txt"), b"signed with a P-384 key").unwrap();
    let (code, out) = mobile_id(&["sign", "cms", &p("doc.txt"), &p("doc.p7s"), "--key", &p("k.pem"), "--cert", &p("c.pem"), "--attached"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(openssl(d, &["cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.p7s", "-CAfile", "c.pem", "-out", "/dev/null"]));
    assert_eq!(mobile_id(&["verify", "cms", &p("doc.p7s"), "--trust", &p("c.pem")], &[]).0, 0);
}

#[test]
fn a_login_certificate_does_not_sign_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    self_signed(d, "c", "P-256", "/CN=Login", &["keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]);
    std::fs::write(p("doc.txt"), b"a contract").unwrap();
    let (code, out) = mobile_id(&["sign", "cms", &p("doc.txt"), &p("doc.p7s"), "--key", &p("k.pem"), "--cert", &p("c.pem")], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nonRepudiation") && !d.join("doc.p7s").exists(), "{out}");
    let (code, out) =
        mobile_id(&["sign", "cms", &p("doc.txt"), &p("doc.p7s"), "--key", &p("k.pem"), "--cert", &p("c.pem"), "--allow-non-signing-certificate"], &[]);
    assert_eq!(code, 0, "{out}");
}

/// A self-signed certificate `NAME.pem` in `dir`, valid for 30 days, with its key (`k.pem` for
/// `c`, else `NAME.key`).
fn self_signed(dir: &std::path::Path, name: &str, curve: &str, subject: &str, extensions: &[&str]) {
    let curve = format!("ec_paramgen_curve:{curve}");
    let key = if name == "c" { "k.pem".to_string() } else { format!("{name}.key") };
    let cert = format!("{name}.pem");
    let mut args = vec!["req", "-x509", "-newkey", "ec", "-pkeyopt", &curve, "-nodes", "-keyout", &key, "-subj", subject, "-days", "30", "-out", &cert];
    for extension in extensions {
        args.extend(["-addext", extension]);
    }
    assert!(openssl(dir, &args));
}

/// `verify cms` checks revocation as `verify pdf` does: required without data is not a pass; a
/// CRL given with `--crl` decides (good, then revoked); `--revocation online` downloads the CRL
/// the signer's certificate names.
#[test]
fn verify_cms_with_revocation_given_and_fetched() {
    let pki = common::Pki::new();
    let crl_server = common::FileServer::bind();
    let cdp = format!("crlDistributionPoints=URI:http://127.0.0.1:{}/ca.crl\n", crl_server.port);
    pki.issue("online", &format!("keyUsage=critical,nonRepudiation,digitalSignature\n{cdp}"));
    std::fs::write(pki.path("doc.txt"), b"a contract").unwrap();
    let sign = |who: &str, out: &str| {
        let (key, cert) = (pki.p(&format!("{who}.key")), pki.p(&format!("{who}.pem")));
        mobile_id(&["sign", "cms", &pki.p("doc.txt"), &pki.p(out), "--key", &key, "--cert", &cert], &[])
    };
    assert_eq!(sign("signer", "doc.p7s").0, 0);
    assert_eq!(sign("online", "online.p7s").0, 0);
    let verify = |signature: &str, extra: &[&str]| {
        let (signature, content, trust) = (pki.p(signature), pki.p("doc.txt"), pki.p("ca.pem"));
        let mut args = vec!["verify", "cms", &signature, "--content", &content, "--trust", &trust];
        args.extend_from_slice(extra);
        mobile_id(&args, &[])
    };
    let (code, out) = verify("doc.p7s", &["--revocation", "required"]);
    assert!(code == 1 && out.contains("INDETERMINATE"), "{out}");
    let good = pki.crl();
    std::fs::write(pki.path("good.crl"), &good).unwrap();
    let (code, out) = verify("doc.p7s", &["--revocation", "required", "--crl", &pki.p("good.crl")]);
    assert_eq!(code, 0, "{out}");
    assert!(openssl(pki.dir.path(), &["ca", "-config", "ca.cnf", "-revoke", "signer.pem", "-crl_reason", "keyCompromise"]));
    std::fs::write(pki.path("revoked.crl"), pki.crl()).unwrap();
    let (code, out) = verify("doc.p7s", &["--crl", &pki.p("revoked.crl")]);
    assert!(code == 1 && out.contains("REVOKED"), "{out}");

    let served = crl_server.serve(good);
    let (code, out) = verify("online.p7s", &["--revocation", "required"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = verify("online.p7s", &["--revocation", "online"]);
    assert_eq!(code, 0, "{out}");
    assert!(served.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
