//! MSSP JSON responses and login answers from arbitrary bytes: never a panic, never an accepted
//! login.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mobile_id::auth::{
    AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore, MsspClient, SessionKind, validate_response,
};
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

const ANCHOR: &[u8] = include_bytes!("../../tests/fixtures/pkits/certs/TrustAnchorRootCertificate.crt");

fn verifier() -> &'static ChainVerifier {
    static V: OnceLock<ChainVerifier> = OnceLock::new();
    V.get_or_init(|| ChainVerifier::new(ParsedCertificate::from_der(ANCHOR).into_iter().collect()))
}

fuzz_target!(|data: &[u8]| {
    let client = MsspClient::new("u", "n");
    let _ = client.read_certificate(200, data);
    if let Ok(mut poller) = client.read_session_start(SessionKind::Authentication, 200, br#"{"sessionID":"s1"}"#, 1000, 3) {
        let _ = poller.on_response(200, data);
    }
    let _ = client.read_session_start(SessionKind::Signature, 200, data, 1000, 3);

    let Ok(challenge) = Challenge::new(HashType::Sha256, 1_700_000_000, 300) else { return };
    let store = MemoryChallengeStore::new(4);
    let _ = store.insert(challenge.clone(), 1_700_000_000);
    let split = data.len() / 2;
    let response = AuthenticationResponse { challenge_id: challenge.id, signature: data[..split].to_vec(), certificate: data[split..].to_vec() };
    assert!(validate_response(&response, &store, verifier(), &AuthOptions::new(1_700_000_000)).is_err());
});
