//! Documents other producers made, judged as the best verifiers judge them (issue: real-world
//! verification). Trust is not the question here — no anchor is given, so every chain ends in
//! NO_CERTIFICATE_CHAIN_FOUND — integrity, the signature maths and the change analysis are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Cursor;

use mobile_id::cms::{self, CmsVerifyOptions};
use mobile_id::pdf::{self, LaterChanges, PdfReport, PdfVerifyOptions};
use mobile_id::report::{Indication, SubIndication};
use mobile_id::x509::ChainVerifier;

/// 2026-11-30, after every certificate in these files expired.
const NOW: u64 = 1_796_000_000;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/realworld/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn verify_pdf(name: &str) -> PdfReport {
    pdf::verify(Cursor::new(fixture(name)), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(NOW)).unwrap()
}

fn verify_cms(name: &str) -> cms::CmsReport {
    cms::verify(&fixture(name), None, &ChainVerifier::new(Vec::new()), &CmsVerifyOptions::new(NOW)).unwrap()
}

/// Every signature intact, its maths valid, nothing disallowed after it.
fn all_sound(report: &PdfReport) -> bool {
    !report.signatures.is_empty()
        && report.signatures.iter().all(|s| s.intact == Some(true) && s.signature_valid == Some(true) && s.later_changes != LaterChanges::Disallowed)
}

#[test]
fn ber_cms_with_zero_padding_and_a_signature_timestamp_verify() {
    // A BER (indefinite-length) CMS in /Contents, padded with zeros, with a signature
    // timestamp whose token verifies; only its TSA is untrusted here.
    let report = verify_pdf("doc-firmado-T.pdf");
    assert!(all_sound(&report), "{report:#?}");
    let signature = &report.signatures[0];
    assert_eq!((signature.indication, signature.sub_indication), (Indication::Indeterminate, Some(SubIndication::TimestampFailure)), "{signature:#?}");
    assert!(signature.message.contains("timestamping authority"), "{}", signature.message);
}

#[test]
fn form_filling_after_an_approval_signature_is_allowed_and_named() {
    let report = verify_pdf("dss-1376__DSS1376-rev_n-4.pdf");
    assert!(all_sound(&report), "{report:#?}");
    let first = &report.signatures[0];
    assert_eq!(first.later_changes, LaterChanges::Allowed);
    assert!(first.changes.iter().flat_map(|c| c.changes.iter()).any(|c| c.what.contains("filled")), "{first:#?}");
}

#[test]
fn a_signature_algorithm_that_contradicts_the_digest_algorithm_fails() {
    // Digest SHA-256, signature algorithm SHA3-256 with RSA: EU DSS and NSS refuse it.
    let report = verify_pdf("dss-1420__PAdES-BpB-att-SHA256-SHA3_256withRSA.pdf");
    let signature = &report.signatures[0];
    assert_eq!(signature.signature_valid, Some(false), "{signature:#?}");
    assert_eq!(signature.indication, Indication::TotalFailed);
    let cades = verify_cms("dss-1419__CAdES-BpB-att-SHA3_256-SHA256withRSA.p7m");
    assert_eq!(cades.signers[0].sub_indication, Some(SubIndication::SigCryptoFailure), "{cades:#?}");
}

#[test]
fn brainpool_plain_ecdsa_verifies() {
    // BSI TR-03111 ecdsa-plain-SHA256 on brainpoolP256r1, the curve naming itself in the
    // algorithm's parameters (a German eID card).
    let report = verify_pdf("dss-PLAIN-ECDSA__TeleSec_PKS_eIDAS_QES_CA_1-baseline-b.pdf");
    assert!(all_sound(&report), "{report:#?}");
}

#[test]
fn a_byte_range_ending_at_eof_before_its_end_of_line_is_read() {
    // node-signpdf ends the signed bytes at %%EOF, before its end-of-line: both signatures
    // read, intact and valid. Its second widget lies on the first one's rectangle but has no
    // appearance stream, so no reader draws it: an allowed later signature.
    let report = verify_pdf("signed-twice.pdf");
    assert_eq!(report.signatures.len(), 2);
    assert!(all_sound(&report), "{report:#?}");
    assert_eq!(report.signatures[0].later_changes, LaterChanges::Allowed);
    assert_eq!(report.signatures[1].later_changes, LaterChanges::None);
    // Both widgets given an appearance (the bytes no longer match the signatures, but the
    // change analysis still compares the revisions): the second stamp could hide the first.
    let mut file = fixture("signed-twice.pdf");
    for (from, to) in [(&b"/T (Signature1)\n/F 4"[..], &b"/T(S1)/AP 17 0 R/F 4"[..]), (b"/T (Signature2)\n/F 4", b"/T(S2)/AP 20 0 R/F 4")] {
        let at = file.windows(from.len()).position(|w| w == from).unwrap();
        file[at..at + from.len()].copy_from_slice(to);
    }
    let report = pdf::verify(Cursor::new(file), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(NOW)).unwrap();
    let first = &report.signatures[0];
    assert_eq!(first.later_changes, LaterChanges::Disallowed, "{first:#?}");
    let refused = first
        .changes
        .iter()
        .flat_map(|r| &r.changes)
        .any(|c| !c.allowed && c.kind == pdf::ChangeKind::Signature && c.what.contains("visible appearance over annotation"));
    assert!(refused, "{:#?}", first.changes);
}

#[test]
fn sha3_and_pss_cades_verify() {
    for name in ["dss-1419__CAdES-BpB-att-SHA3_256-SHA3_256withRSA.p7m", "dss-1419__CAdES-BpB-att-SHA256-SHA3_256withRSAandMGF1.p7m"] {
        let report = verify_cms(name);
        let signer = &report.signers[0];
        assert_eq!(signer.sub_indication, Some(SubIndication::NoCertificateChainFound), "{name}: {signer:#?}");
    }
}

#[test]
fn ocsp_responses_in_the_crls_field_are_read() {
    // RFC 5940 "other" revocation info (BasicOCSPResponse) beside CRLs, in an LTA CAdES: the
    // SignedData reads and the signature maths holds.
    let report = verify_cms("CAdESDoubleLTA.p7m");
    assert_eq!(report.signers.len(), 1);
    let signer = &report.signers[0];
    assert!(!matches!(signer.sub_indication, Some(SubIndication::FormatFailure | SubIndication::SigCryptoFailure | SubIndication::HashFailure)), "{signer:#?}");
}

#[test]
fn an_old_sha1_signature_is_judged_by_the_dated_policy() {
    // SHA-1 signed before the end of 2009 by its claim, with nothing proving when: the maths is
    // checked, the policy says SHA-1 is no longer acceptable without proof of existence.
    let report = verify_cms("Signature-C-X-1.p7m");
    let signer = &report.signers[0];
    assert_eq!(signer.indication, Indication::Indeterminate, "{signer:#?}");
    assert_eq!(signer.sub_indication, Some(SubIndication::CryptoConstraintsFailureNoPoe), "{signer:#?}");
    assert!(signer.message.contains("sha1") && signer.message.contains("2009-12-31"), "{}", signer.message);
}

#[test]
fn encrypted_documents_that_open_without_a_password_verify() {
    // RC4-128 (/R 3), and AES-256 (/R 6) with /EncryptMetadata false: strings and streams are
    // decrypted for the comparison; the signature's /Contents is in the clear.
    for name in ["encrypted.pdf", "Demo1_encrypted_.pdf"] {
        let report = verify_pdf(name);
        assert!(all_sound(&report), "{name}: {report:#?}");
        assert!(report.signatures.iter().all(|s| s.claimed_signing_time.is_some()), "{name}: /M is decrypted");
    }
}

#[test]
fn a_changed_byte_in_an_encrypted_document_breaks_its_signature() {
    let mut file = fixture("encrypted.pdf");
    let at = file.windows(7).position(|w| w == b"stream\n" || w == b"stream\r").unwrap() + 20;
    file[at] ^= 0x01;
    let report = pdf::verify(Cursor::new(file), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(NOW)).unwrap();
    assert_eq!(report.signatures[0].intact, Some(false), "{report:#?}");
    assert_eq!(report.signatures[0].sub_indication, Some(SubIndication::HashFailure));
}

#[test]
fn a_document_that_needs_a_password_is_an_error_not_a_verdict() {
    let file = std::fs::read(format!("{}/tests/fixtures/crypt/user-aes-256.pdf", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let result = pdf::verify(Cursor::new(file), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(NOW));
    assert_eq!(result.unwrap_err(), pdf::PdfError::NeedsPassword);
}

#[test]
fn a_qualified_certificate_with_a_bare_qc_type_oid_signs() {
    // Certum QCA 2017 writes QcType as one OID, not a SEQUENCE OF OID. The signer's certificate
    // used to be dropped as malformed, and the signature reported "certificate not found".
    let report = verify_pdf("TestToSignPDFSHA256_TST_SIG_NOT_FOUND.pdf");
    assert!(all_sound(&report), "{report:#?}");
}

#[test]
fn legacy_adbe_pkcs7_sha1_signatures_are_verified_and_judged_by_the_policy() {
    // An iText adbe.pkcs7.sha1 signature (the CMS signs the SHA-1 digest of the byte ranges),
    // then a second, detached one; iText marked the page tree with /ITXT in between.
    let report = verify_pdf("pkcs7_sha1.pdf");
    assert!(all_sound(&report), "{report:#?}");
    let first = &report.signatures[0];
    assert_eq!(first.sub_indication, Some(SubIndication::CryptoConstraintsFailureNoPoe), "{first:#?}");
    let named = first.changes.iter().flat_map(|r| &r.changes).any(|c| c.allowed && c.kind == pdf::ChangeKind::Page && c.what.contains("/ITXT"));
    assert!(named, "{:#?}", first.changes);
}

#[test]
fn a_changed_byte_under_an_adbe_pkcs7_sha1_signature_is_a_hash_failure() {
    let mut file = fixture("pkcs7_sha1.pdf");
    // A byte inside the first long stream, which both signatures cover.
    let starts: Vec<usize> = file.windows(7).enumerate().filter(|(_, w)| *w == b"stream\n").map(|(i, _)| i + 7).collect();
    let at = starts.into_iter().find(|s| !file[*s..(*s + 200).min(file.len())].windows(9).any(|w| w == b"endstream")).unwrap() + 100;
    file[at] ^= 0x01;
    let report = pdf::verify(Cursor::new(file), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(NOW)).unwrap();
    let first = &report.signatures[0];
    assert_eq!((first.intact, first.sub_indication), (Some(false), Some(SubIndication::HashFailure)), "{first:#?}");
    assert!(first.message.contains("SHA-1"), "{}", first.message);
}

#[test]
fn a_dss_superseded_by_a_later_one_may_change() {
    // DSS 5.4 grew the DSS of an earlier revision in place, and a later revision replaced it
    // with a new DSS object: the old one is reached by nothing in the final document.
    let report = verify_pdf("dss-1696__Test.signed_Certipost-2048-SHA512.extended.extended-LTA-dss-5.4.pdf");
    assert_eq!(report.signatures.len(), 4);
    assert!(report.signatures.iter().all(|s| s.later_changes != LaterChanges::Disallowed), "{report:#?}");
    let named =
        report.signatures[1].changes.iter().flat_map(|r| &r.changes).any(|c| c.kind == pdf::ChangeKind::Structure && c.what.contains("no longer refers to it"));
    assert!(named, "{:#?}", report.signatures[1].changes);
}
