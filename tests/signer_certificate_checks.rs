//! A certificate that is not meant for signatures, or not valid at the signing time, is
//! refused before anything is signed or written, for CAdES and PAdES alike, unless the caller
//! says otherwise; the login key of a SIM, whose certificate is for authentication, cannot sign
//! a document by mistake.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Cursor;
use std::time::{Duration, SystemTime};

use der::Encode;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::cms::{self, CmsError, CmsSignOptions};
use mobile_id::pdf::{self, PadesError, PdfSignOptions};
use mobile_id::signer::SoftwareSigner;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};

const DAY: u64 = 86_400;

fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// A software signer whose certificate carries `extensions`, valid from `from` to `to`.
fn signer(extensions: Vec<x509_cert::ext::Extension>, from: u64, to: u64) -> SoftwareSigner {
    let ca = DemoCa::root("CN=Checks CA,O=mobile-id tests", Curve::P256, at(now() - 10 * DAY), at(now() + 365 * DAY)).unwrap();
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let cert = ca.issue("CN=Holder,O=mobile-id tests", key.public_key_info().unwrap(), at(from), at(to), extensions).unwrap();
    SoftwareSigner::new(key, &cert.to_der().unwrap()).unwrap()
}

fn usage(bits: impl Into<der::flagset::FlagSet<KeyUsages>>) -> x509_cert::ext::Extension {
    extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(bits.into())).unwrap()
}

fn eku(purposes: &[&str]) -> x509_cert::ext::Extension {
    let list = ExtendedKeyUsage(purposes.iter().map(|p| der::asn1::ObjectIdentifier::new_unwrap(p)).collect());
    extension(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE, false, &list).unwrap()
}

/// Signs a CMS and a PDF; (CMS result, PDF result, bytes written to the PDF output).
fn sign_both(signer: &mut SoftwareSigner, allow: bool) -> (Result<Vec<u8>, CmsError>, Result<(), PadesError>, usize) {
    let mut cms_options = CmsSignOptions::detached(Some(now()));
    cms_options.allow_non_signing_certificate = allow;
    let cms = cms::sign(&mut b"a contract".as_slice(), signer, &cms_options);
    let mut pdf_options = PdfSignOptions::new(now());
    pdf_options.allow_non_signing_certificate = allow;
    let mut out = Cursor::new(Vec::new());
    let pdf = pdf::sign(&mut Cursor::new(pdf::sample_document(&["a contract"], 0)), &mut out, signer, &pdf_options, None);
    (cms, pdf, out.into_inner().len())
}

fn refused(result: (Result<Vec<u8>, CmsError>, Result<(), PadesError>, usize), why: &str) {
    let (cms, pdf, written) = result;
    assert!(matches!(&cms, Err(CmsError::SignerCertificate(m)) if m.contains(why)), "{cms:?}");
    assert!(matches!(&pdf, Err(PadesError::Cms(CmsError::SignerCertificate(m))) if m.contains(why)), "{pdf:?}");
    assert_eq!(written, 0, "nothing is written before the certificate is checked");
}

#[test]
fn a_signing_certificate_signs() {
    let (cms, pdf, _) = sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation)], now() - DAY, now() + DAY), false);
    assert!(cms.is_ok() && pdf.is_ok(), "{cms:?} {pdf:?}");
    // Document-signing purposes are fine beside nonRepudiation.
    let (cms, pdf, _) = sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation), eku(&["1.3.6.1.5.5.7.3.36"])], now() - DAY, now() + DAY), false);
    assert!(cms.is_ok() && pdf.is_ok(), "{cms:?} {pdf:?}");
}

#[test]
fn an_authentication_certificate_does_not_sign_unless_allowed() {
    let login = || signer(vec![usage(KeyUsages::DigitalSignature), eku(&["1.3.6.1.5.5.7.3.2"])], now() - DAY, now() + DAY);
    refused(sign_both(&mut login(), false), "nonRepudiation");
    let (cms, pdf, _) = sign_both(&mut login(), true);
    assert!(cms.is_ok() && pdf.is_ok(), "{cms:?} {pdf:?}");
    // nonRepudiation, but an extendedKeyUsage for TLS servers only.
    refused(sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation), eku(&["1.3.6.1.5.5.7.3.1"])], now() - DAY, now() + DAY), false), "extendedKeyUsage");
}

#[test]
fn an_expired_or_future_certificate_does_not_sign() {
    refused(sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation)], now() - 5 * DAY, now() - DAY), false), "expired");
    refused(sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation)], now() + DAY, now() + 5 * DAY), false), "not valid yet");
    // Allowing other purposes does not allow a dead certificate.
    refused(sign_both(&mut signer(vec![usage(KeyUsages::NonRepudiation)], now() - 5 * DAY, now() - DAY), true), "expired");
}
