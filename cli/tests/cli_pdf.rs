//! `mobile-id sign pdf` / `verify pdf` as processes: on the virtual SIM with pdfsig and
//! pyHanko agreeing; B-LTA with a TSA over HTTP and a CRL; certification; the JSON report's
//! fields; exit codes 0 / 1 / 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use common::{Pki, pdfsig, pyhanko_validate};
use support::{common, mobile_id};

#[test]
fn sign_on_the_sim_and_verify_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    std::fs::write(p("in.pdf"), mobile_id::pdf::sample::sample_document(&["CLI"], 0)).unwrap();
    let (code, out) = mobile_id(
        &["sign", "pdf", &p("in.pdf"), &p("out.pdf"), "--state", &p("sim"), "--reason", "Agreed", "--location", "Tartu", "--field", "Citizen"],
        &[("MOBILE_ID_PIN2", "12345")],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = mobile_id(&["verify", "pdf", &p("out.pdf"), "--trust", &p("certs/ca.pem"), "--json"], &[]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &report["signatures"][0];
    assert_eq!(s["field"], "Citizen");
    assert_eq!(s["indication"], "TOTAL-PASSED");
    assert!(s["sub_indication"].is_null());
    assert_eq!(s["intact"], true);
    assert_eq!(s["signature_valid"], true);
    assert_eq!(s["trusted"], true);
    assert_eq!(s["coverage"], "whole-file");
    assert_eq!(s["later_changes"], "none");
    assert!(s["changes"].as_array().unwrap().is_empty());
    assert_eq!(report["trailing_bytes"], 0);
    let text = pdfsig(&dir.path().join("out.pdf"), &dir.path().join("certs/ca.pem"));
    assert!(text.contains("Signature is Valid") && text.contains("Certificate is Trusted") && text.contains("Total document signed"), "{text}");
    let (ok, text) = pyhanko_validate(&dir.path().join("out.pdf"), &dir.path().join("certs/ca.pem"));
    assert!(ok && text.contains("Citizen:") && text.contains("UNTOUCHED"), "{text}");

    // Tampered: exit 1. Not a PDF: exit 2. The input was not touched.
    let mut bytes = std::fs::read(p("out.pdf")).unwrap();
    let at = bytes.windows(3).position(|w| w == b"CLI").unwrap();
    bytes[at] = b'X';
    std::fs::write(p("tampered.pdf"), &bytes).unwrap();
    let (code, out) = mobile_id(&["verify", "pdf", &p("tampered.pdf"), "--trust", &p("certs/ca.pem")], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("HASH_FAILURE"), "{out}");
    assert_eq!(mobile_id(&["verify", "pdf", &p("certs/ca.pem"), "--trust", &p("certs/ca.pem")], &[]).0, 2);
    assert_eq!(std::fs::read(p("in.pdf")).unwrap(), mobile_id::pdf::sample::sample_document(&["CLI"], 0));
    // A wrong PIN signs nothing; levels above B-B need a TSA; the same field twice is refused.
    assert_eq!(mobile_id(&["sign", "pdf", &p("in.pdf"), &p("bad.pdf"), "--state", &p("sim")], &[("MOBILE_ID_PIN2", "99999")]).0, 1);
    assert_eq!(mobile_id(&["sign", "pdf", &p("in.pdf"), &p("x.pdf"), "--state", &p("sim"), "--level", "b-t"], &[("MOBILE_ID_PIN2", "12345")]).0, 2);
    let (code, out) = mobile_id(&["sign", "pdf", &p("out.pdf"), &p("again.pdf"), "--state", &p("sim"), "--field", "Citizen"], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("already signed"), "{out}");
}

#[test]
fn b_lta_with_a_tsa_over_http_and_certification() {
    let pki = Pki::new();
    let crl = pki.crl();
    std::fs::write(pki.path("ca.crl"), &crl).unwrap();
    std::fs::write(pki.path("in.pdf"), mobile_id::pdf::sample::sample_document(&["Long-term"], 0)).unwrap();
    let (url, server) = common::tsa_server(pki.dir.path(), 2);
    let (code, out) = mobile_id(
        &[
            "sign",
            "pdf",
            &pki.p("in.pdf"),
            &pki.p("lta.pdf"),
            "--key",
            &pki.p("signer.key"),
            "--cert",
            &pki.p("signer.pem"),
            "--level",
            "b-lta",
            "--tsa",
            &url,
            "--crl",
            &pki.p("ca.crl"),
            "--certify",
            "2",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PAdES-B-LTA certification"), "{out}");
    server.join().unwrap();
    let (code, out) = mobile_id(&["verify", "pdf", &pki.p("lta.pdf"), "--trust", &pki.p("ca.pem"), "--json"], &[]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let signatures = report["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);
    assert_eq!(signatures[0]["certification"], 2);
    assert!(signatures[0]["timestamp_time"].as_str().is_some_and(|t| mobile_id::time::parse_rfc3339(t).is_some()));
    assert_eq!(signatures[0]["coverage"], "revision");
    assert_eq!(signatures[0]["later_changes"], "allowed");
    assert_eq!(signatures[1]["kind"], "document-timestamp");
    let (ok, text) = pyhanko_validate(&pki.path("lta.pdf"), &pki.path("ca.pem"));
    assert!(ok, "{text}");
    // Revocation required: the DSS's CRL answers for the signer and the TSA.
    let (code, out) = mobile_id(&["verify", "pdf", &pki.p("lta.pdf"), "--trust", &pki.p("ca.pem"), "--revocation", "required"], &[]);
    assert_eq!(code, 0, "{out}");
    // A B-B file has no DSS: required revocation fails until the bank supplies the CRL.
    assert_eq!(mobile_id(&["sign", "pdf", &pki.p("in.pdf"), &pki.p("bb.pdf"), "--key", &pki.p("signer.key"), "--cert", &pki.p("signer.pem")], &[]).0, 0);
    let (code, out) = mobile_id(&["verify", "pdf", &pki.p("bb.pdf"), "--trust", &pki.p("ca.pem"), "--revocation", "required"], &[]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = mobile_id(&["verify", "pdf", &pki.p("bb.pdf"), "--trust", &pki.p("ca.pem"), "--revocation", "required", "--crl", &pki.p("ca.crl")], &[]);
    assert_eq!(code, 0, "{out}");
}

/// B-LT without --crl or --ocsp: the signer's OCSP responder, named in its certificate's
/// authority information access, is asked over HTTP (`openssl ocsp` as the responder) and
/// its answer lands in the DSS.
#[test]
fn b_lt_fetches_ocsp_from_the_responder_the_certificate_names() {
    let pki = Pki::new();
    let d = pki.dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        d.join("ocsp-ca.cnf"),
        "[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = ./index.txt\nserial = ./ca.srl\ncertificate = ./ca.pem\n\
        private_key = ./ca.key\ndefault_md = sha256\ndefault_days = 30\nnew_certs_dir = .\npolicy = p\n[ p ]\ncommonName = supplied\n",
    )
    .unwrap();
    std::fs::write(d.join("aia.ext"), format!("keyUsage=critical,nonRepudiation,digitalSignature\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/\n"))
        .unwrap();
    assert!(common::openssl(
        d,
        &["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "aia.key", "-subj", "/CN=aia signer", "-out", "aia.csr"]
    ));
    assert!(common::openssl(
        d,
        &["ca", "-config", "ocsp-ca.cnf", "-batch", "-notext", "-create_serial", "-in", "aia.csr", "-extfile", "aia.ext", "-out", "aia.pem"]
    ));
    let mut responder = std::process::Command::new("openssl")
        .current_dir(d)
        .args([
            "ocsp",
            "-index",
            "index.txt",
            "-port",
            &port.to_string(),
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-CA",
            "ca.pem",
            "-nrequest",
            "1",
            "-ndays",
            "1",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the responder says it listens (a probe connection would use up its one request).
    let mut stderr = std::io::BufReader::new(responder.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0 && !line.contains("waiting") {
        line.clear();
    }
    std::fs::write(pki.path("in.pdf"), mobile_id::pdf::sample::sample_document(&["OCSP"], 0)).unwrap();
    let (url, server) = common::tsa_server(d, 1);
    let (code, out) = mobile_id(
        &[
            "sign",
            "pdf",
            &pki.p("in.pdf"),
            &pki.p("lt.pdf"),
            "--key",
            &pki.p("aia.key"),
            "--cert",
            &pki.p("aia.pem"),
            "--chain",
            &pki.p("ca.pem"),
            "--level",
            "b-lt",
            "--tsa",
            &url,
        ],
        &[],
    );
    let _ = responder.kill();
    let _ = responder.wait();
    assert_eq!(code, 0, "{out}");
    server.join().unwrap();
    let bytes = std::fs::read(pki.path("lt.pdf")).unwrap();
    let mut reader = mobile_id::pdf::PdfReader::open(std::io::Cursor::new(&bytes)).unwrap();
    let (_, cat) = mobile_id::pdf::document::catalog(&mut reader).unwrap();
    let dss = reader.resolve(cat.get(b"DSS").unwrap()).unwrap();
    let ocsps = reader.resolve(dss.as_dict().unwrap().get(b"OCSPs").unwrap()).unwrap();
    assert_eq!(ocsps.as_array().unwrap().len(), 1);
    // With revocation required for the signer, the fetched response is what proves it good.
    let mut options = mobile_id::pdf::PdfVerifyOptions::new(common::now());
    options.revocation_mode = mobile_id::x509::RevocationMode::IfPresent;
    let report = mobile_id::pdf::verify(std::io::Cursor::new(&bytes), &pki.verifier(), &options).unwrap();
    assert!(report.passed(), "{report:#?}");
}

#[test]
fn a_document_that_needs_a_password_exits_2_naming_the_file() {
    let file = format!("{}/../tests/fixtures/crypt/user-aes-128.pdf", env!("CARGO_MANIFEST_DIR"));
    let anchor = format!("{}/../tests/fixtures/pkits/certs/TrustAnchorRootCertificate.crt", env!("CARGO_MANIFEST_DIR"));
    let (code, out) = mobile_id(&["verify", "pdf", &file, "--trust", &anchor], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("user-aes-128.pdf") && out.contains("needs a password"), "{out}");
}

#[test]
fn an_interrupted_signing_leaves_no_partial_output_and_outputs_are_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    assert_eq!(mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    std::fs::write(p("big.pdf"), mobile_id::pdf::sample::sample_document(&["big"], 48 << 20)).unwrap();
    // Killed at several points of its run: the output path holds nothing, or a whole signed
    // file (when the run was already over).
    for delay_ms in [5, 20, 60, 150] {
        let out = p(&format!("out-{delay_ms}.pdf"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mobile-id"))
            .args(["sign", "pdf", &p("big.pdf"), &out, "--state", &p("sim")])
            .env("MOBILE_ID_PIN2", "12345")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let path = std::path::Path::new(&out);
        if status.success() {
            assert!(std::fs::metadata(path).unwrap().len() > 48 << 20);
        } else {
            assert!(!path.exists(), "a partial output after {delay_ms} ms");
        }
    }
    // An existing output is kept unless --force.
    std::fs::write(p("small.pdf"), mobile_id::pdf::sample::sample_document(&["small"], 0)).unwrap();
    std::fs::write(p("taken.pdf"), b"keep me").unwrap();
    let (code, out) = mobile_id(&["sign", "pdf", &p("small.pdf"), &p("taken.pdf"), "--state", &p("sim")], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--force"), "{out}");
    assert_eq!(std::fs::read(p("taken.pdf")).unwrap(), b"keep me");
    let (code, out) = mobile_id(&["sign", "pdf", &p("small.pdf"), &p("taken.pdf"), "--state", &p("sim"), "--force"], &[("MOBILE_ID_PIN2", "12345")]);
    assert_eq!(code, 0, "{out}");
    assert!(std::fs::read(p("taken.pdf")).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn a_visible_signature_with_an_image_and_the_errors_around_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let pin = [("MOBILE_ID_PIN2", "12345")];
    assert_eq!(mobile_id(&["sim", "init", "--state", &p("sim")], &[]).0, 0);
    assert_eq!(mobile_id(&["sim", "export-certs", "--state", &p("sim"), "--out", &p("certs")], &[]).0, 0);
    std::fs::write(p("in.pdf"), mobile_id::pdf::sample::sample_document(&["Visible"], 0)).unwrap();
    let mut logo = Vec::new();
    let mut encoder = png::Encoder::new(&mut logo, 3, 2);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[200; 18]).unwrap();
    writer.finish().unwrap();
    std::fs::write(p("logo.png"), &logo).unwrap();
    let sign = |extra: &[&str], out: &str| {
        let mut args = vec!["sign", "pdf"];
        let (input, output) = (p("in.pdf"), p(out));
        let state = p("sim");
        args.extend([input.as_str(), output.as_str(), "--state", state.as_str(), "--visible"]);
        args.extend(extra);
        mobile_id(&args, &pin)
    };
    let logo_path = p("logo.png");
    let (code, out) = sign(&["--rect", "330,60,580,140", "--image", &logo_path, "--location", "Gəncə", "--stamp-line", "{name}, {location}"], "out.pdf");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("visible signature"), "{out}");
    let (code, out) = mobile_id(&["verify", "pdf", &p("out.pdf"), "--trust", &p("certs/ca.pem")], &[]);
    assert_eq!(code, 0, "{out}");
    let (ok, text) = common::run(dir.path(), "pdftotext", &[&p("out.pdf"), "-"]);
    assert!(ok && text.contains("AYSEL MAMMADOVA, Gəncə"), "{text}");
    // Errors name the problem and write nothing.
    for (extra, expected) in [
        (vec![], "needs a rectangle"),
        (vec!["--rect", "1,2,3"], "--rect"),
        (vec!["--rect", "1,1,90,90", "--image", p("certs/ca.pem").leak()], "neither PNG nor JPEG"),
    ] {
        let (code, out) = sign(&extra, "bad.pdf");
        assert_eq!(code, 2, "{extra:?}: {out}");
        assert!(out.contains(expected), "{extra:?}: {out}");
        assert!(!dir.path().join("bad.pdf").exists());
    }
    // On a signed page, a stamp over the first one is refused before anything is written.
    let (code, out) = mobile_id(&["sign", "pdf", &p("out.pdf"), &p("bad.pdf"), "--state", &p("sim"), "--visible", "--rect", "400,100,500,120"], &pin);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("would cover"), "{out}");
    assert!(!dir.path().join("bad.pdf").exists());
}
