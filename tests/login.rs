//! The login loop for real: the portal issues challenges, the phone answers on a virtual SIM
//! (directly, and through a mock mobile-ID service over HTTP on loopback), the portal validates
//! and reads the identity — and every way it must fail does: replay, expiry, a foreign
//! challenge, a signing certificate, expired / not-yet-valid / revoked / untrusted
//! certificates, user cancel, timeout, wrong and blocked PINs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use mobile_id::auth::mssp::HttpMsspTransport;
use mobile_id::auth::{
    AuthError, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore, MsspClient, MsspResult, SessionKind,
    validate_response,
};
use mobile_id::card::sim::{DemoCa, DemoIdentity, SimInit, VirtualSim, extension};
use mobile_id::card::{CardSession, Curve, EcSigningKey, KeyRole, Pin, PinKind};
use mobile_id::signer::SoftwareSigner;
use mobile_id::wallet::answer_challenge;
use mobile_id::wallet::mock_mssp::{Behaviour, MockMssp, MockUser};
use mobile_id::x509::{ChainVerifier, ParsedCertificate, ParsedCrl, RevocationData, RevocationMode, ValidationError};
use x509_cert::Certificate;

const NOW: u64 = 1_800_000_000;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn sim_with(identity: DemoIdentity) -> VirtualSim {
    let mut init = SimInit::new(Curve::P256, at(NOW));
    init.identity = identity;
    VirtualSim::in_memory(&init).unwrap()
}

fn verifier_for(sim: &VirtualSim) -> ChainVerifier {
    ChainVerifier::new(vec![ParsedCertificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap()])
}

fn login(sim: &mut VirtualSim, store: &MemoryChallengeStore, hash_type: HashType) -> (Challenge, AuthenticationResponse) {
    let challenge = Challenge::new(hash_type, NOW, 300).unwrap();
    store.insert(challenge.clone(), NOW).unwrap();
    let profile = sim.profile().clone();
    let answer = answer_challenge(&mut CardSession::new(sim, profile), &Pin::new("1234"), &challenge.hash).unwrap();
    assert_eq!(answer.verification_code, challenge.verification_code());
    (challenge.clone(), AuthenticationResponse { challenge_id: challenge.id, signature: answer.signature, certificate: answer.certificate })
}

#[test]
fn a_login_succeeds_once_and_names_the_person() {
    for (identity, kind, country) in [
        (DemoIdentity::default(), "PNO", "AZ"),
        (
            DemoIdentity {
                given_name: "MARY ÄNN".into(),
                surname: "O’CONNEŽ-ŠUSLIK TESTNUMBER".into(),
                country: "EE".into(),
                semantics_identifier: "PNOEE-60001019906".into(),
            },
            "PNO",
            "EE",
        ),
        (
            DemoIdentity { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), country: "LV".into(), semantics_identifier: "IDCLV-AB1234567".into() },
            "IDC",
            "LV",
        ),
    ] {
        let mut sim = sim_with(identity.clone());
        let verifier = verifier_for(&sim);
        let store = MemoryChallengeStore::default();
        for hash_type in [HashType::Sha256, HashType::Sha384, HashType::Sha512] {
            let (_, response) = login(&mut sim, &store, hash_type);
            let who = validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)).unwrap();
            assert_eq!(who.identity.given_name.as_deref(), Some(identity.given_name.as_str()));
            assert_eq!(who.identity.surname.as_deref(), Some(identity.surname.as_str()));
            let id = who.identity.semantics_identifier.unwrap();
            assert_eq!((id.kind.as_str(), id.country.as_str()), (kind, country));
            assert!(who.not_before < NOW && NOW < who.not_after);
            // A replay of the same response fails: the challenge was consumed.
            assert_eq!(validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)), Err(AuthError::UnknownChallenge));
        }
        assert!(store.is_empty());
    }
}

#[test]
fn expired_foreign_and_mismatched_challenges_fail() {
    let mut sim = sim_with(DemoIdentity::default());
    let verifier = verifier_for(&sim);
    let store = MemoryChallengeStore::default();
    let (_, response) = login(&mut sim, &store, HashType::Sha256);
    assert_eq!(validate_response(&response, &store, &verifier, &AuthOptions::new(NOW + 301)), Err(AuthError::ChallengeExpired));
    // A challenge this portal never issued.
    let other_store = MemoryChallengeStore::default();
    let (_, response) = login(&mut sim, &other_store, HashType::Sha256);
    assert_eq!(validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)), Err(AuthError::UnknownChallenge));
    // An answer over another challenge, presented under this one's id.
    let (challenge_a, _) = login(&mut sim, &store, HashType::Sha256);
    let (_, response_b) = login(&mut sim, &other_store, HashType::Sha256);
    let forged = AuthenticationResponse { challenge_id: challenge_a.id, ..response_b };
    assert_eq!(validate_response(&forged, &store, &verifier, &AuthOptions::new(NOW)), Err(AuthError::BadSignature));
}

#[test]
fn certificates_that_must_not_log_in() {
    let mut sim = sim_with(DemoIdentity::default());
    let verifier = verifier_for(&sim);
    let store = MemoryChallengeStore::default();
    let profile = sim.profile().clone();
    // The signing certificate with a valid signature by the signing key.
    let challenge = Challenge::new(HashType::Sha256, NOW, 300).unwrap();
    store.insert(challenge.clone(), NOW).unwrap();
    let mut session = CardSession::new(&mut sim, profile);
    let sign_cert = session.read_certificate(KeyRole::Signing).unwrap();
    let raw = session.sign_digest(&Pin::new("12345"), &challenge.hash).unwrap();
    let response = AuthenticationResponse { challenge_id: challenge.id.clone(), signature: raw, certificate: sign_cert };
    assert!(matches!(validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)), Err(AuthError::Certificate(ValidationError::KeyUsage { .. }))));
    // Expired, not yet valid, untrusted, revoked.
    let (_, response) = login(&mut sim, &store, HashType::Sha256);
    let later = NOW + 6 * 365 * 86_400;
    let store_later = MemoryChallengeStore::default();
    let challenge = Challenge { expires_at: later + 300, ..Challenge::new(HashType::Sha256, later, 300).unwrap() };
    store_later.insert(challenge.clone(), later).unwrap();
    let profile = sim.profile().clone();
    let answer = answer_challenge(&mut CardSession::new(&mut sim, profile), &Pin::new("1234"), &challenge.hash).unwrap();
    let expired = AuthenticationResponse { challenge_id: challenge.id, signature: answer.signature, certificate: answer.certificate.clone() };
    assert!(matches!(
        validate_response(&expired, &store_later, &verifier, &AuthOptions::new(later)),
        Err(AuthError::Certificate(ValidationError::Expired { .. }))
    ));
    let untrusted = verifier_for(&sim_with(DemoIdentity::default()));
    assert!(matches!(
        validate_response(&response, &store, &untrusted, &AuthOptions::new(NOW)),
        Err(AuthError::Certificate(ValidationError::UnknownIssuer | ValidationError::BadSignature { .. }))
    ));
    // Revoked by the demo CA's CRL.
    let (_, response) = login(&mut sim, &store, HashType::Sha256);
    let cert = Certificate::from_der(&answer.certificate).unwrap();
    let ca = sim.demo_ca().unwrap();
    let crl = ca.issue_crl(&[(cert.tbs_certificate().serial_number().clone(), at(NOW - 60))], at(NOW - 3600), at(NOW + 86_400)).unwrap();
    let mut options = AuthOptions::new(NOW);
    options.revocation = RevocationData { crls: vec![ParsedCrl::from_der(&crl).unwrap()], ocsp: vec![], fetcher: None };
    options.revocation_mode = RevocationMode::Required;
    assert!(matches!(validate_response(&response, &store, &verifier, &options), Err(AuthError::Certificate(ValidationError::Revoked { .. }))));
    // A good CRL (nothing revoked) under "required" passes.
    let (_, response) = login(&mut sim, &store, HashType::Sha256);
    let clean = ca.issue_crl(&[], at(NOW - 3600), at(NOW + 86_400)).unwrap();
    options.revocation = RevocationData { crls: vec![ParsedCrl::from_der(&clean).unwrap()], ocsp: vec![], fetcher: None };
    validate_response(&response, &store, &verifier, &options).unwrap();
    // Not yet valid: a certificate issued for tomorrow.
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let ku =
        extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &x509_cert::ext::pkix::KeyUsage(x509_cert::ext::pkix::KeyUsages::DigitalSignature.into()))
            .unwrap();
    let future = ca.issue("CN=Future,C=AZ", key.public_key_info().unwrap(), at(NOW + 86_400), at(NOW + 10 * 86_400), vec![ku]).unwrap();
    let challenge = Challenge::new(HashType::Sha256, NOW, 300).unwrap();
    store.insert(challenge.clone(), NOW).unwrap();
    let mut soft = SoftwareSigner::new(key, &future.to_der().unwrap()).unwrap();
    let signature = mobile_id::signer::DigestSigner::sign_digest(&mut soft, &challenge.hash).unwrap();
    let response = AuthenticationResponse { challenge_id: challenge.id, signature, certificate: future.to_der().unwrap() };
    assert!(matches!(
        validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)),
        Err(AuthError::Certificate(ValidationError::NotYetValid { .. }))
    ));
    let _ = DemoCa::generate;
}

fn mock_service(users: Vec<MockUser>, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mid-api", listener.local_addr().unwrap());
    let service = Arc::new(MockMssp::new(users, 2));
    let handle = std::thread::spawn(move || service.serve(&listener, Some(requests)));
    (url, handle)
}

fn user(phone: &str, behaviour: Behaviour) -> MockUser {
    MockUser { phone: phone.into(), national_id: "60001019906".into(), sim: sim_with(DemoIdentity::default()), behaviour }
}

#[test]
fn the_whole_loop_through_a_mobile_id_service() {
    let answers = Behaviour::Answers { pin1: Pin::new("1234"), pin2: Pin::new("12345") };
    let users = vec![
        user("+99450000001", answers),
        user("+99450000002", Behaviour::Cancels),
        user("+99450000003", Behaviour::Ignores),
        user("+99450000004", Behaviour::EntersWrongPin),
    ];
    let anchor = ParsedCertificate::from_der(&users[0].sim.ca_certificate_der().unwrap()).unwrap();
    let verifier = ChainVerifier::new(vec![anchor]);
    // 1 certificate lookup + 5 sessions of (start + 2 RUNNING + 1 COMPLETE).
    let (url, server) = mock_service(users, 1 + 4 * 5);
    let transport = HttpMsspTransport::new(url);
    let client = MsspClient::new("00000000-0000-0000-0000-000000000000", "mobile-id tests");
    let run = |phone: &str, kind: SessionKind, hash: &[u8]| {
        let request = client.session_request(kind, phone, "60001019906", hash, HashType::Sha256, Some("Log in to the portal")).unwrap();
        let (status, body) = mobile_id::auth::MsspTransport::execute(&transport, &request).unwrap();
        client.read_session_start(kind, status, &body, 1000, 10).unwrap().run(&transport).unwrap()
    };

    // Certificate lookup.
    let (status, body) = mobile_id::auth::MsspTransport::execute(&transport, &client.certificate_request("+99450000001", "60001019906").unwrap()).unwrap();
    let signing_cert = client.read_certificate(status, &body).unwrap();
    assert!(Certificate::from_der(&signing_cert).is_ok());

    // A login.
    let store = MemoryChallengeStore::default();
    let challenge = Challenge::new(HashType::Sha256, NOW, 300).unwrap();
    store.insert(challenge.clone(), NOW).unwrap();
    let outcome = run("+99450000001", SessionKind::Authentication, &challenge.hash);
    assert_eq!(outcome.result, MsspResult::Ok);
    let response = AuthenticationResponse { challenge_id: challenge.id, signature: outcome.signature.unwrap(), certificate: outcome.certificate.unwrap() };
    let who = validate_response(&response, &store, &verifier, &AuthOptions::new(NOW)).unwrap();
    assert_eq!(who.identity.semantics_identifier.unwrap().value, "7TEST01");

    // A hash-signing session: the signature verifies under the signing certificate.
    let digest = [0x42u8; 32];
    let outcome = run("+99450000001", SessionKind::Signature, &digest);
    assert_eq!(outcome.result, MsspResult::Ok);
    let raw = outcome.signature.unwrap();
    let der = mobile_id::signer::raw_to_der(Curve::P256, &raw).unwrap();
    mobile_id::signer::check_signature(&Certificate::from_der(&outcome.certificate.unwrap()).unwrap(), &digest, &der).unwrap();

    // Cancel, timeout, wrong PIN.
    assert_eq!(run("+99450000002", SessionKind::Authentication, &[1; 32]).result, MsspResult::UserCancelled);
    assert_eq!(run("+99450000003", SessionKind::Authentication, &[1; 32]).result, MsspResult::Timeout);
    assert_eq!(run("+99450000004", SessionKind::Authentication, &[1; 32]).result, MsspResult::UserCancelled);
    server.join().unwrap();
}

#[test]
fn a_blocked_pin_ends_in_a_sim_error_and_the_counter_shows_it() {
    let mut u = user("+99450000005", Behaviour::EntersWrongPin);
    // Drive the same behaviour the mock uses, three times against one SIM.
    let profile = u.sim.profile().clone();
    for _ in 0..3 {
        let _ = CardSession::new(&mut u.sim, profile.clone()).authenticate(&Pin::new("0000"), &[1; 32]);
    }
    assert!(u.sim.counters()[0].blocked);
    let users = vec![MockUser { behaviour: Behaviour::Answers { pin1: Pin::new("1234"), pin2: Pin::new("12345") }, ..u }];
    let (url, server) = mock_service(users, 4);
    let transport = HttpMsspTransport::new(url);
    let client = MsspClient::new("u", "n");
    let request = client.session_request(SessionKind::Authentication, "+99450000005", "60001019906", &[1; 32], HashType::Sha256, None).unwrap();
    let (status, body) = mobile_id::auth::MsspTransport::execute(&transport, &request).unwrap();
    let outcome = client.read_session_start(SessionKind::Authentication, status, &body, 1000, 10).unwrap().run(&transport).unwrap();
    assert_eq!(outcome.result, MsspResult::SimError);
    server.join().unwrap();
    let _ = PinKind::Pin1;
}
