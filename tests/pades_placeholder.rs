//! The signature placeholder is sized from the real inputs: a small document stays small, a
//! signature timestamp fits when one is expected, and a placeholder that is too small is an
//! error before anything is claimed, never a truncated signature.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use common::Pki;
use mobile_id::pdf::{self, PadesError, PdfSignOptions};

#[test]
fn a_small_document_gets_a_small_signature() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["small"], 0);
    let options = PdfSignOptions::new(common::now());
    let signed = pki.sign(&original, "signer", &options);
    // The signer's certificate, the CA's, the signature and attributes: a few KiB, hex-encoded.
    let added = signed.len() - original.len();
    assert!(added < 12 * 1024, "{added} bytes added to a {}-byte document", original.len());
    let report = pki.verify(&signed);
    assert!(report.signatures[0].intact == Some(true) && report.signatures[0].signature_valid == Some(true), "{report:#?}");
    std::fs::write(pki.path("small.pdf"), &signed).unwrap();
    let (ok, text) = common::pyhanko_validate(&pki.path("small.pdf"), &pki.path("ca.pem"));
    assert!(ok, "{text}");
}

#[test]
fn a_timestamp_fits_when_one_is_expected() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["timestamped"], 0);
    let mut tsa = pki.tsa();
    let mut signer = pki.signer("signer");
    let mut out = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&original), &mut out, &mut signer, &PdfSignOptions::new(common::now()), Some(&mut tsa)).unwrap();
    let signed = out.into_inner();
    let report = pki.verify(&signed);
    assert!(report.signatures[0].timestamp_time.is_some(), "{report:#?}");
    assert!(signed.len() - original.len() < 2 * (pdf::TIMESTAMP_ALLOWANCE + 12 * 1024));
}

#[test]
fn a_placeholder_too_small_is_an_error() {
    let pki = Pki::new();
    let original = pdf::sample_document(&["tiny"], 0);
    let mut options = PdfSignOptions::new(common::now());
    options.capacity = Some(64);
    let mut signer = pki.signer("signer");
    let result = pdf::sign(&mut Cursor::new(&original), &mut Cursor::new(Vec::new()), &mut signer, &options, None);
    assert!(matches!(result, Err(PadesError::PlaceholderTooSmall { capacity: 64, .. })), "{result:?}");
}
