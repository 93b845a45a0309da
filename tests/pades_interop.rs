//! PAdES against real peers, both directions. What this library signs — from inputs made by
//! several producers (classic xref, qpdf's object streams, linearised, already signed), at
//! B-B, B-T, B-LT and B-LTA, with certification and a second signature, on a software key and
//! on the virtual SIM — pyHanko validates (INTACT, TRUSTED, UNTOUCHED), poppler's pdfsig
//! accepts (valid, trusted, total document signed) and `qpdf --check` finds well formed. What
//! pyHanko signs (B-B, B-T, two signatures, certification) this library verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;
use std::time::SystemTime;

use common::{Pki, now, pdfsig, pyhanko_validate, qpdf_check};
use der::{Decode, EncodePem};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, KeyRole, Pin};
use mobile_id::pdf::{self, Coverage, DocMdp, DssMaterial, LaterChanges, PdfSignOptions, PdfVerifyOptions};
use mobile_id::report::Indication;
use mobile_id::signer::CardSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use x509_cert::Certificate;

fn assert_pyhanko_untouched(path: &std::path::Path, root: &std::path::Path, expected_lines: usize) {
    let (ok, out) = pyhanko_validate(path, root);
    assert!(ok, "pyHanko rejected {}: {out}", path.display());
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(":INTACT:")).collect();
    assert_eq!(lines.len(), expected_lines, "{out}");
    assert!(lines.iter().all(|l| l.contains("TRUSTED")), "{out}");
    assert!(lines.last().unwrap().contains("UNTOUCHED"), "{out}");
}

#[test]
fn every_producer_variant_signed_here_passes_pyhanko_pdfsig_and_qpdf() {
    let pki = Pki::new();
    for (name, input) in common::producer_variants(pki.dir.path()) {
        let mut options = PdfSignOptions::new(now());
        options.reason = Some("I agree".into());
        options.location = Some("Tallinn".into());
        let signed = pki.sign(&input, "signer", &options);
        // The original bytes are untouched: the update is appended.
        assert_eq!(&signed[..input.len()], &input[..], "{name}");
        let path = pki.path(&format!("{name}-signed.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let (ok, out) = qpdf_check(&path);
        assert!(ok, "qpdf --check {name}: {out}");
        assert_pyhanko_untouched(&path, &pki.path("ca.pem"), 1);
        let text = pdfsig(&path, &pki.path("ca.pem"));
        assert!(text.contains("Signature is Valid"), "{name}: {text}");
        assert!(text.contains("Certificate is Trusted"), "{name}: {text}");
        assert!(text.contains("Total document signed"), "{name}: {text}");
        let report = pki.verify(&signed);
        assert!(report.passed(), "{name}: {report:#?}");
        assert_eq!(report.signatures[0].coverage, Coverage::WholeFile);
        // The kind of cross-reference section follows the file's.
        let reader = pdf::PdfReader::open(Cursor::new(&signed)).unwrap();
        assert_eq!(reader.revisions()[0].kind, reader.revisions()[1].kind, "{name}");
    }
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let pki = Pki::new();
    let input = mobile_id::pdf::sample::sample_document(&["Two signers"], 0);
    let once = pki.sign(&input, "signer", &PdfSignOptions::new(now()));
    let twice = pki.sign(&once, "signer2", &PdfSignOptions::new(now()));
    let path = pki.path("twice.pdf");
    std::fs::write(&path, &twice).unwrap();
    assert!(qpdf_check(&path).0);
    let (ok, out) = pyhanko_validate(&path, &pki.path("ca.pem"));
    assert!(ok, "{out}");
    assert!(out.contains("Signature1:") && out.contains("Signature2:"), "{out}");
    let text = pdfsig(&path, &pki.path("ca.pem"));
    assert_eq!(text.matches("Signature is Valid").count(), 2, "{text}");
    assert!(text.contains("Not total document signed"), "{text}");
    let report = pki.verify(&twice);
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.signatures[0].coverage, Coverage::Revision);
    assert_eq!(report.signatures[0].later_changes, LaterChanges::Allowed);
    assert_eq!(report.signatures[1].coverage, Coverage::WholeFile);
    assert_eq!(report.signatures[1].later_changes, LaterChanges::None);
}

#[test]
fn certification_then_approval_and_the_levels_b_t_b_lt_b_lta() {
    let pki = Pki::new();
    let input = mobile_id::pdf::sample::sample_document(&["Certified"], 0);
    let mut options = PdfSignOptions::new(now());
    options.certify = Some(DocMdp::FormFilling);
    options.field = Some("Author".into());
    // B-T: signature timestamp from the OpenSSL TSA.
    let mut out = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&input), &mut out, &mut pki.signer("signer"), &options, Some(&mut pki.tsa())).unwrap();
    let certified = out.into_inner();
    let path = pki.path("certified.pdf");
    std::fs::write(&path, &certified).unwrap();
    let (ok, text) = pyhanko_validate(&path, &pki.path("ca.pem"));
    assert!(ok && text.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{text}");
    let report = pki.verify(&certified);
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.signatures[0].certification, Some(2));
    assert!(report.signatures[0].timestamp_time.is_some());

    // An approval signature after the certification (P=2 allows it), then B-LT and B-LTA.
    let mut out = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&certified), &mut out, &mut pki.signer("signer2"), &PdfSignOptions::new(now()), Some(&mut pki.tsa())).unwrap();
    let material = DssMaterial { certificates: pdf::embedded_certificates(&mut out).unwrap(), crls: vec![pki.crl()], ocsp: vec![] };
    assert!(material.certificates.len() >= 3, "signers, root and TSA");
    pdf::add_dss(&mut out, &material).unwrap();
    pdf::add_document_timestamp(&mut out, &mut pki.tsa(), 16 * 1024).unwrap();
    let lta = out.into_inner();
    let path = pki.path("lta.pdf");
    std::fs::write(&path, &lta).unwrap();
    assert!(qpdf_check(&path).0);
    let (ok, text) = pyhanko_validate(&path, &pki.path("ca.pem"));
    assert!(ok, "{text}");
    let report = pki.verify(&lta);
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.signatures.len(), 3);
    assert_eq!(report.signatures[2].kind, mobile_id::pdf::SignatureKind::DocumentTimestamp);
    let changes: Vec<&str> = report.signatures[1].changes.iter().flat_map(|r| r.changes.iter()).map(|c| c.what.as_str()).collect();
    assert!(changes.iter().any(|c| c.contains("DSS")), "{changes:?}");
    assert!(changes.iter().any(|c| c.contains("document timestamp")), "{changes:?}");
    // The DSS material is what the verifier uses: with revocation required and nothing from
    // the caller, the signers pass on the embedded CRL alone; without the DSS they cannot.
    let mut strict = PdfVerifyOptions::new(now());
    strict.revocation_mode = mobile_id::x509::RevocationMode::Required;
    let report = pdf::verify(Cursor::new(&lta), &pki.verifier(), &strict).unwrap();
    assert_eq!(report.signatures[0].indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(report.signatures[1].indication, Indication::TotalPassed, "{report:#?}");
    let report = pdf::verify(Cursor::new(&certified), &pki.verifier(), &strict).unwrap();
    assert_ne!(report.signatures[0].indication, Indication::TotalPassed);
}

#[test]
fn pyhanko_signed_documents_verify_here() {
    let dir = tempfile::tempdir().unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyhanko_samples.py");
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let out = std::process::Command::new(&python).arg(&script).arg(dir.path()).output().expect("the venv python (scripts/test.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paths: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = ParsedCertificate::from_der(&load_pem(paths["root"].as_str().unwrap())).unwrap();
    let verifier = ChainVerifier::new(vec![root]);
    for (name, signatures) in [("bb", 1), ("bt", 1), ("two", 2), ("certified", 1)] {
        let bytes = std::fs::read(paths[name].as_str().unwrap()).unwrap();
        let report = pdf::verify(Cursor::new(&bytes), &verifier, &PdfVerifyOptions::new(now())).unwrap();
        assert!(report.passed(), "{name}: {report:#?}");
        assert_eq!(report.signatures.len(), signatures, "{name}");
        if name == "bt" {
            assert!(report.signatures[0].timestamp_time.is_some());
        }
        if name == "certified" {
            assert_eq!(report.signatures[0].certification, Some(2));
        }
        // And this library can add its own signature to pyHanko's output.
        if name == "bb" {
            let pki = Pki::new();
            let ours = pki.sign(&bytes, "signer", &PdfSignOptions::new(now()));
            let mut anchors = vec![ParsedCertificate::from_certificate(&pki.cert("ca.pem")).unwrap()];
            anchors.extend(verifier.anchors().iter().cloned());
            let both = pdf::verify(Cursor::new(&ours), &ChainVerifier::new(anchors), &PdfVerifyOptions::new(now())).unwrap();
            assert!(both.passed(), "{both:#?}");
        }
    }
}

fn load_pem(path: &str) -> Vec<u8> {
    mobile_id::x509::load::der_documents(&std::fs::read(path).unwrap()).unwrap().remove(0)
}

#[test]
fn signed_on_the_virtual_sim_through_a_resumed_session() {
    for curve in [Curve::P256, Curve::P384] {
        sign_on_sim(curve);
    }
}

/// P-256 hashes the byte ranges with SHA-256, P-384 with SHA-384.
fn sign_on_sim(curve: Curve) {
    let dir = tempfile::tempdir().unwrap();
    let mut sim = VirtualSim::in_memory(&SimInit::new(curve, SystemTime::now())).unwrap();
    let ca = Certificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, ca.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
    let profile = sim.profile().clone();
    let mut signer = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, Pin::new("12345")).unwrap();
    let input = mobile_id::pdf::sample::sample_document(&["Signed on the SIM"], 0);
    let certificate = mobile_id::signer::DigestSigner::certificate(&signer).clone();
    let chain = mobile_id::signer::DigestSigner::chain(&signer).to_vec();
    let path = dir.path().join("sim.pdf");
    let mut output = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    let (digest, prepared) = pdf::prepare(&mut Cursor::new(&input), &mut output, &certificate, &chain, &PdfSignOptions::new(now())).unwrap();
    drop(output);
    // The state survives a restart: only bytes and the output file carry it.
    let resumed = pdf::PreparedPdf::from_bytes(&prepared.to_bytes().unwrap()).unwrap();
    assert_eq!(resumed.digest_to_sign().unwrap(), digest);
    let signature = mobile_id::signer::DigestSigner::sign_digest(&mut signer, &digest).unwrap();
    let cms = resumed.finish_cms(&signature).unwrap();
    let mut output = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
    resumed.embed(&mut output, &cms).unwrap();
    // Embedding twice is refused: the placeholder is filled.
    assert!(resumed.embed(&mut output, &cms).is_err());
    drop(output);
    assert_pyhanko_untouched(&path, &ca_path, 1);
    let text = pdfsig(&path, &ca_path);
    assert!(text.contains("Signature is Valid") && text.contains("Certificate is Trusted"), "{text}");
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(&ca).unwrap()]);
    let report = pdf::verify(std::fs::File::open(&path).unwrap(), &verifier, &PdfVerifyOptions::new(now())).unwrap();
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.signatures[0].indication, Indication::TotalPassed);
    assert_eq!(report.signatures[0].signer.as_ref().unwrap().given_name.as_deref(), Some("AYSEL"));
}

/// Forty days on, the 30-day signer certificate has expired: a bare B-B signature no longer
/// verifies, while one with a signature timestamp (B-T) or under a document timestamp (with
/// the DSS, B-LTA) still does.
#[test]
fn signatures_outlive_their_certificates_with_timestamps() {
    let pki = Pki::new();
    let later = PdfVerifyOptions::new(now() + 40 * 86_400);
    let input = mobile_id::pdf::sample::sample_document(&["Long-lived"], 0);
    let bb = pki.sign(&input, "signer", &PdfSignOptions::new(now()));
    let report = pdf::verify(Cursor::new(&bb), &pki.verifier(), &later).unwrap();
    assert!(!report.passed());
    assert_eq!(report.signatures[0].sub_indication, Some(mobile_id::report::SubIndication::OutOfBoundsNoPoe), "{report:#?}");

    let mut bt = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&input), &mut bt, &mut pki.signer("signer"), &PdfSignOptions::new(now()), Some(&mut pki.tsa())).unwrap();
    let report = pdf::verify(Cursor::new(bt.get_ref()), &pki.verifier(), &later).unwrap();
    assert!(report.passed(), "{report:#?}");

    let mut lta = Cursor::new(bb.clone());
    let material = DssMaterial { certificates: pdf::embedded_certificates(&mut lta).unwrap(), crls: vec![pki.crl()], ocsp: vec![] };
    pdf::add_dss(&mut lta, &material).unwrap();
    pdf::add_document_timestamp(&mut lta, &mut pki.tsa(), 16 * 1024).unwrap();
    let report = pdf::verify(Cursor::new(lta.get_ref()), &pki.verifier(), &later).unwrap();
    assert!(report.passed(), "{report:#?}");
    assert!(report.signatures[0].message.contains("document timestamp"), "{report:#?}");
}

/// A saved signing state finishes only the file it was prepared in: another output of the
/// same length (same template, another reason) is refused before anything is written.
#[test]
fn a_saved_state_cannot_finish_another_file() {
    let pki = Pki::new();
    let input = mobile_id::pdf::sample::sample_document(&["Template"], 0);
    let prepare = |reason: &str| {
        let mut options = PdfSignOptions::new(now());
        options.reason = Some(reason.into());
        let mut out = Cursor::new(Vec::new());
        let (digest, state) = pdf::prepare(&mut Cursor::new(&input), &mut out, &pki.cert("signer.pem"), &[], &options).unwrap();
        (digest, state, out)
    };
    let (digest_a, state_a, _) = prepare("A");
    let (_, _, mut out_b) = prepare("B");
    let before = out_b.get_ref().clone();
    let resumed = pdf::PreparedPdf::from_bytes(&state_a.to_bytes().unwrap()).unwrap();
    let signature = mobile_id::signer::DigestSigner::sign_digest(&mut pki.signer("signer"), &digest_a).unwrap();
    let cms = resumed.finish_cms(&signature).unwrap();
    assert!(resumed.embed(&mut out_b, &cms).is_err());
    assert_eq!(out_b.get_ref(), &before, "nothing was written");
    // A damaged state is refused when read.
    let mut tampered: serde_json::Value = serde_json::from_slice(&state_a.to_bytes().unwrap()).unwrap();
    tampered["capacity"] = serde_json::json!(u64::MAX / 2);
    assert!(pdf::PreparedPdf::from_bytes(&serde_json::to_vec(&tampered).unwrap()).is_err());
}

/// Objects with generation numbers above 0 keep them when the update rewrites them, so
/// `n g R` references still resolve for strict readers (qpdf, pdfsig).
#[test]
fn generation_numbers_are_kept() {
    let pki = Pki::new();
    let original = mobile_id::pdf::sample::sample_document(&["Generations"], 0);
    let text = String::from_utf8_lossy(&original).into_owned();
    // The catalog (object 1) and the page (object 4) become generation 2: same lengths.
    let catalog_entry = {
        let reader = pdf::PdfReader::open(Cursor::new(&original)).unwrap();
        let pdf::XrefEntry::InFile { offset, .. } = reader.entry(1).unwrap() else { unreachable!() };
        offset
    };
    let mut bytes = original.clone();
    let swap = |bytes: &mut Vec<u8>, from: &str, to: &str| {
        let at = bytes.windows(from.len()).position(|w| w == from.as_bytes()).unwrap_or_else(|| panic!("{from} in {text}"));
        bytes.splice(at..at + from.len(), to.bytes());
    };
    swap(&mut bytes, "\n1 0 obj", "\n1 2 obj");
    swap(&mut bytes, "\n4 0 obj", "\n4 2 obj");
    swap(&mut bytes, "Kids[4 0 R]", "Kids[4 2 R]");
    swap(&mut bytes, "/Root 1 0 R", "/Root 1 2 R");
    swap(&mut bytes, &format!("{catalog_entry:010} 00000 n"), &format!("{catalog_entry:010} 00002 n"));
    let page_entry = {
        let reader = pdf::PdfReader::open(Cursor::new(&original)).unwrap();
        let pdf::XrefEntry::InFile { offset, .. } = reader.entry(4).unwrap() else { unreachable!() };
        offset
    };
    swap(&mut bytes, &format!("{page_entry:010} 00000 n"), &format!("{page_entry:010} 00002 n"));
    let input = pki.path("gen.pdf");
    std::fs::write(&input, &bytes).unwrap();
    assert!(qpdf_check(&input).0, "the hand-made input is well formed");
    let signed = pki.sign(&bytes, "signer", &PdfSignOptions::new(now()));
    let path = pki.path("gen-signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    let (ok, out) = qpdf_check(&path);
    assert!(ok && !out.contains("WARNING"), "{out}");
    // (pyHanko's strict mode refuses the hand-made input itself: generation 2 without a freed
    // generation 1 before it; qpdf reads both.)
    let text = pdfsig(&path, &pki.path("ca.pem"));
    assert!(text.contains("Signature is Valid") && text.contains("Total document signed"), "{text}");
    assert!(pki.verify(&signed).passed());
}
