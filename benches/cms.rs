//! CMS costs beside their primitives:
//! - verify of a small detached CAdES signature with the CA path cached, next to the raw p256
//!   verify (goal: at least 0.9× the raw rate — the CMS adds hashing and parsing only);
//! - sign and verify of a 100 MiB detached document, next to SHA-256 of the same bytes (goal:
//!   within 1.2× of hashing alone).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use der::Encode;
use ecdsa::signature::hazmat::PrehashVerifier;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::signer::{DigestSigner, SoftwareSigner};
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use sha2::Digest;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

fn cms_costs(c: &mut Criterion) {
    let now = SystemTime::now();
    let secs = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let root = DemoCa::root("CN=Bench Root", Curve::P256, now - Duration::from_secs(3600), now + Duration::from_secs(86_400)).unwrap();
    let ca = root.subordinate("CN=Bench CA", Curve::P256, now - Duration::from_secs(3600), now + Duration::from_secs(86_400), None).unwrap();
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let ku = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into())).unwrap();
    let cert = ca.issue("CN=Bench Signer", key.public_key_info().unwrap(), now - Duration::from_secs(60), now + Duration::from_secs(3600), vec![ku]).unwrap();
    let EcSigningKey::P256(raw_key) = key.clone() else { unreachable!() };
    let mut signer = SoftwareSigner::new(key, &cert.to_der().unwrap()).unwrap().with_chain(vec![ca.certificate().clone()]);
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(root.certificate()).unwrap()]);
    let options = CmsVerifyOptions::new(secs);

    let small = b"a login challenge or a short document".to_vec();
    let signature = cms::sign(&mut small.as_slice(), &mut signer, &CmsSignOptions::detached(Some(secs))).unwrap();
    let digest = sha2::Sha256::digest(b"x");
    let raw_sig: p256::ecdsa::Signature = PrehashSignerHelper::sign(&raw_key, &digest);
    let verifying = *raw_key.verifying_key();
    let mut group = c.benchmark_group("verify a detached CAdES signature");
    group.bench_function("p256 verify (raw)", |b| b.iter(|| verifying.verify_prehash(black_box(&digest), &raw_sig).unwrap()));
    group.bench_function("CMS verify, CA cached", |b| {
        b.iter(|| assert!(cms::verify(black_box(&signature), Some(&mut small.as_slice()), &verifier, &options).unwrap().passed()))
    });
    group.finish();

    let big = vec![0xA5u8; 100 << 20];
    let mut group = c.benchmark_group("100 MiB detached");
    group.sample_size(10).throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("SHA-256 of the bytes", |b| b.iter(|| sha2::Sha256::digest(black_box(&big))));
    group.bench_function("CMS sign", |b| b.iter(|| cms::sign(&mut big.as_slice(), &mut signer, &CmsSignOptions::detached(Some(secs))).unwrap()));
    let big_sig = cms::sign(&mut big.as_slice(), &mut signer, &CmsSignOptions::detached(Some(secs))).unwrap();
    group.bench_function("CMS verify", |b| b.iter(|| assert!(cms::verify(&big_sig, Some(&mut big.as_slice()), &verifier, &options).unwrap().passed())));
    group.finish();
    let _ = signer.certificate();
}

/// Signs a prehash with the RustCrypto key (the raw primitive for the comparison).
struct PrehashSignerHelper;

impl PrehashSignerHelper {
    fn sign(key: &p256::ecdsa::SigningKey, digest: &[u8]) -> p256::ecdsa::Signature {
        ecdsa::signature::hazmat::PrehashSigner::sign_prehash(key, digest).unwrap()
    }
}

criterion_group!(benches, cms_costs);
criterion_main!(benches);
