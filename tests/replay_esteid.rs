//! The Estonian ID card 2018 profile, held against command/response scripts recorded from a
//! real test card (tests/fixtures/esteid): the card layer must send exactly the recorded
//! commands, rebuild both certificates, report the retry counter, and the card's P-384
//! signatures must verify under the certificates.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use der::Decode;
use mobile_id::apdu::{ReplayTransport, ScriptCollection, ScriptStep};
use mobile_id::card::{AppletProfile, CardError, CardSession, Curve, KeyRole, Pin, PinKind};
use mobile_id::signer::{SignerError, SigningAlgorithm, check_signature, raw_to_der};
use x509_cert::Certificate;

const AUTH: &str = "ESTEID_IDEMIA_V1_SELECT_AUTH_CERTIFICATE_AND_AUTHENTICATE";
const SIGN: &str = "ESTEID_IDEMIA_V1_SELECT_SIGN_CERTIFICATE_AND_SIGNING";

fn script(name: &str) -> Vec<ScriptStep> {
    let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/esteid/EST-IDEMIA.json")).unwrap();
    let collection: ScriptCollection = serde_json::from_str(&json).unwrap();
    collection.scripts[name].clone()
}

/// The digest the recorded card signed: the data of the script's last command.
fn signed_digest(steps: &[ScriptStep]) -> Vec<u8> {
    let command = hex::decode(&steps.last().unwrap().command).unwrap();
    command[5..5 + usize::from(command[4])].to_vec()
}

fn run(name: &str, role: KeyRole, pin: PinKind, pin_value: &str) -> (Certificate, Vec<u8>, Vec<u8>) {
    let steps = script(name);
    let digest = signed_digest(&steps);
    let mut session = CardSession::new(ReplayTransport::from_steps(&steps).unwrap(), AppletProfile::esteid_2018());
    let certificate_der = session.read_certificate(role).unwrap();
    let certificate = Certificate::from_der(&certificate_der).unwrap();
    let status = session.pin_status(pin).unwrap();
    assert_eq!((status.retries_left, status.max_retries, status.blocked), (3, Some(3), false));
    let raw = match role {
        KeyRole::Authentication => session.authenticate(&Pin::new(pin_value), &digest).unwrap(),
        KeyRole::Signing => session.sign_digest(&Pin::new(pin_value), &digest).unwrap(),
    };
    assert!(session.into_transport().is_finished(), "every recorded command was sent");
    (certificate, digest, raw)
}

#[test]
fn authenticates_exactly_as_recorded() {
    let (certificate, digest, raw) = run(AUTH, KeyRole::Authentication, PinKind::Pin1, "1234");
    assert_eq!(SigningAlgorithm::of_certificate(&certificate), Some(SigningAlgorithm::EcdsaP384));
    assert_eq!(raw.len(), 96);
    let der = raw_to_der(Curve::P384, &raw).unwrap();
    check_signature(&certificate, &digest, &der).unwrap();
}

#[test]
fn signs_exactly_as_recorded() {
    let (certificate, digest, raw) = run(SIGN, KeyRole::Signing, PinKind::Pin2, "12345");
    let der = raw_to_der(Curve::P384, &raw).unwrap();
    check_signature(&certificate, &digest, &der).unwrap();
    // The two certificates are different keys: the signing signature must not verify under the
    // authentication certificate.
    let (auth_certificate, ..) = run(AUTH, KeyRole::Authentication, PinKind::Pin1, "1234");
    assert_eq!(check_signature(&auth_certificate, &digest, &der), Err(SignerError::SelfCheckFailed));
}

#[test]
fn a_damaged_card_signature_is_caught() {
    let (certificate, digest, mut raw) = run(SIGN, KeyRole::Signing, PinKind::Pin2, "12345");
    raw[40] ^= 0x01;
    let der = raw_to_der(Curve::P384, &raw).unwrap();
    assert_eq!(check_signature(&certificate, &digest, &der), Err(SignerError::SelfCheckFailed));
}

#[test]
fn a_different_pin_is_not_what_was_recorded() {
    let steps = script(SIGN);
    let digest = signed_digest(&steps);
    let mut session = CardSession::new(ReplayTransport::from_steps(&steps).unwrap(), AppletProfile::esteid_2018());
    session.read_certificate(KeyRole::Signing).unwrap();
    session.pin_status(PinKind::Pin2).unwrap();
    let err = session.sign_digest(&Pin::new("54321"), &digest).unwrap_err();
    assert!(matches!(err, CardError::Transport(_)), "{err:?}");
}

#[test]
fn a_malformed_pin_sends_nothing() {
    let steps = script(SIGN);
    let mut session = CardSession::new(ReplayTransport::from_steps(&steps).unwrap(), AppletProfile::esteid_2018());
    for bad in ["1234", "12a45", "1234567890123"] {
        let err = session.sign_digest(&Pin::new(bad), &[0; 48]).unwrap_err();
        assert!(matches!(err, CardError::PinFormat { pin: PinKind::Pin2, .. }), "{err:?}");
    }
    assert_eq!(session.into_transport().position(), 0);
}
