//! Both signature-verification backends give the same verdicts: valid and invalid ECDSA
//! P-256/P-384 and RSA signatures over messages (certificate chains, CMS signed attributes), and
//! prehashed ones that ring does not do (logins), switching backends in one process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use common::{Pki, now};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::pdf::{self, PdfSignOptions};
use mobile_id::x509::{VerifyBackend, set_verify_backend, verify_backend};

#[test]
fn both_backends_agree() {
    assert!(VerifyBackend::available().contains(&VerifyBackend::Ring), "built without ring-backend");
    let pki = Pki::new();
    let content = b"the same content for both backends";
    let signature = cms::sign(&mut &content[..], &mut pki.signer("signer"), &CmsSignOptions::detached(Some(now()))).unwrap();
    let original = pdf::sample_document(&["Backends"], 0);
    let signed_pdf = pki.sign(&original, "signer", &PdfSignOptions::new(now()));
    let mut broken_pdf = signed_pdf.clone();
    let at = broken_pdf.windows(8).position(|w| w == b"Backends").unwrap();
    broken_pdf[at] = b'b';
    let mut verdicts = Vec::new();
    for backend in [VerifyBackend::RustCrypto, VerifyBackend::Ring, VerifyBackend::RustCrypto] {
        set_verify_backend(backend).unwrap();
        assert_eq!(verify_backend(), backend);
        let good = cms::verify(&signature, Some(&mut &content[..]), &pki.verifier(), &CmsVerifyOptions::new(now())).unwrap();
        let bad = cms::verify(&signature, Some(&mut &b"other content"[..]), &pki.verifier(), &CmsVerifyOptions::new(now())).unwrap();
        let mut tampered = signature.clone();
        let last = tampered.len() - 3;
        tampered[last] ^= 0x01;
        let forged = cms::verify(&tampered, Some(&mut &content[..]), &pki.verifier(), &CmsVerifyOptions::new(now()));
        let pdf_good = pki.verify(&signed_pdf);
        let pdf_bad = pdf::verify(Cursor::new(&broken_pdf), &pki.verifier(), &pdf::PdfVerifyOptions::new(now())).unwrap();
        verdicts.push((
            good.signers[0].indication,
            bad.signers[0].indication,
            bad.signers[0].sub_indication,
            forged.map(|r| (r.signers[0].indication, r.signers[0].sub_indication)).ok(),
            pdf_good.passed(),
            pdf_bad.signatures[0].sub_indication,
        ));
    }
    assert!(verdicts[0].4 && verdicts[0].0 == mobile_id::report::Indication::TotalPassed, "{verdicts:?}");
    assert_eq!(verdicts[0], verdicts[1], "ring and RustCrypto disagree");
    assert_eq!(verdicts[1], verdicts[2]);
}
