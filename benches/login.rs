//! Validating a login (challenge lookup, signature over the challenge, chain with the CA path
//! and the certificate cached, identity) next to the raw p256 verify it needs.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use der::Decode;
use ecdsa::signature::hazmat::PrehashVerifier;
use mobile_id::auth::{AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore, validate_response};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, Pin};
use mobile_id::wallet::answer_challenge;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use spki::DecodePublicKey;

const NOW: u64 = 1_800_000_000;

fn login(c: &mut Criterion) {
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))).unwrap();
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap()]);
    let store = MemoryChallengeStore::default();
    let challenge = Challenge::new(HashType::Sha256, NOW, 300).unwrap();
    let profile = sim.profile().clone();
    let answer = answer_challenge(&mut CardSession::new(&mut sim, profile), &Pin::new("1234"), &challenge.hash).unwrap();
    let cert = x509_cert::Certificate::from_der(&answer.certificate).unwrap();
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&der::Encode::to_der(cert.tbs_certificate().subject_public_key_info()).unwrap()).unwrap();
    let signature = p256::ecdsa::Signature::from_der(&answer.signature).unwrap();
    let response = AuthenticationResponse { challenge_id: challenge.id.clone(), signature: answer.signature.clone(), certificate: answer.certificate.clone() };
    let options = AuthOptions::new(NOW);

    let mut group = c.benchmark_group("validate a login");
    group.bench_function("p256 verify (raw)", |b| b.iter(|| key.verify_prehash(black_box(&challenge.hash), &signature).unwrap()));
    group.bench_function("validate_response (chain cached)", |b| {
        b.iter(|| {
            store.insert(challenge.clone(), NOW).unwrap();
            validate_response(black_box(&response), &store, &verifier, &options).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, login);
criterion_main!(benches);
