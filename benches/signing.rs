//! Signing costs, each job beside the primitive it is built on, so overhead reads as a ratio:
//! - `p256 sign_prehash (raw)` — the RustCrypto primitive alone;
//! - `SoftwareSigner::sign_digest` — the same plus r‖s → DER and the self-check verify;
//! - `virtual SIM round trip` — SELECT, MSE:SET, VERIFY PIN2, PSO encoded as APDUs, answered by
//!   the applet, decoded, converted and self-checked: what a wallet pays per signature, minus
//!   the radio;
//! - `p256 verify_prehash (raw)` beside `check_signature`, the self-check alone.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, EcSigningKey, KeyRole, Pin};
use mobile_id::signer::{CardSigner, DigestSigner, SoftwareSigner, check_signature};
use std::hint::black_box;

fn signing(c: &mut Criterion) {
    let digest = [0x5Au8; 32];
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now())).expect("a SIM");
    let demo_ca = sim.demo_ca().expect("its CA");
    let key = EcSigningKey::generate(Curve::P256).expect("a key");
    let certificate =
        demo_ca.issue_person(KeyRole::Signing, key.public_key_info().expect("spki"), &Default::default(), SystemTime::now()).expect("a certificate");
    let certificate_der = der::Encode::to_der(&certificate).expect("DER");
    let EcSigningKey::P256(raw_key) = key.clone() else { unreachable!("generated on P-256") };

    let mut group = c.benchmark_group("sign a SHA-256 digest, P-256");
    group.bench_function("p256 sign_prehash (raw)", |b| {
        b.iter(|| PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(&raw_key, black_box(&digest)).expect("signs"))
    });
    let mut software = SoftwareSigner::new(key, &certificate_der).expect("signer");
    group.bench_function("SoftwareSigner::sign_digest", |b| b.iter(|| software.sign_digest(black_box(&digest)).expect("signs")));
    let profile = sim.profile().clone();
    let mut card = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, Pin::new("12345")).expect("card signer");
    group.bench_function("virtual SIM round trip", |b| b.iter(|| card.sign_digest(black_box(&digest)).expect("signs")));
    group.finish();

    let signature = software.sign_digest(&digest).expect("signs");
    let parsed = p256::ecdsa::Signature::from_der(&signature).expect("DER");
    let verifying_key = *raw_key.verifying_key();
    let mut group = c.benchmark_group("verify a P-256 signature");
    group.bench_function("p256 verify_prehash (raw)", |b| b.iter(|| verifying_key.verify_prehash(black_box(&digest), &parsed).expect("verifies")));
    group.bench_function("check_signature (from certificate, DER)", |b| {
        b.iter(|| check_signature(&certificate, black_box(&digest), &signature).expect("verifies"))
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
