//! Chain validation of a 3-certificate P-256 chain (root → intermediate → leaf), beside the raw
//! p256 verify it is built from:
//! - `p256 verify (raw)`: one ECDSA verification of the leaf's TBS, hashing included;
//! - `chain, cold`: a fresh verifier per call (two signature checks, nothing cached);
//! - `chain, CA cached, new leaf`: one long-lived verifier, the intermediate's signature cached,
//!   a leaf it has not seen (goal: at most 1.1× the raw verify);
//! - `chain, all cached (same leaf again)`: a signer seen before costs no signature check;
//! - `chain, parse + all cached`: the same including decoding the certificates;
//! - `rustls-webpki, cold`: rustls-webpki (ring) validating the same chain from DER, for
//!   comparison (goal: `chain, cold` at most 1.5× its time on the ring backend).
//!
//! And revocation from a large CRL, as a national CA publishes (100,000 entries):
//! - `chain, all cached, no revocation` beside `… status from the CRLs` (the lookup's cost, by
//!   binary search over the entries sorted once);
//! - `parse the CRL`: decoding and checking it once, as a cache does per nextUpdate.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use der::Encode;
use ecdsa::signature::Verifier;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::x509::{ChainVerifier, ParsedCertificate, ParsedCrl, Purpose, RevocationData, RevocationMode, ValidationOptions};
use spki::DecodePublicKey;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

const NOW: u64 = 1_800_000_000;

fn chains(c: &mut Criterion) {
    let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    let root = DemoCa::root("CN=Bench Root", Curve::P256, at(NOW - 86_400), at(NOW + 86_400 * 365)).expect("root");
    let intermediate = root.subordinate("CN=Bench CA", Curve::P256, at(NOW - 86_400), at(NOW + 86_400 * 365), None).expect("CA");
    let key = EcSigningKey::generate(Curve::P256).expect("key");
    let ku = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into())).expect("ku");
    let leaf = intermediate.issue("CN=Bench Signer", key.public_key_info().expect("spki"), at(NOW - 86_400), at(NOW + 86_400), vec![ku]).expect("leaf");
    let ders: Vec<Vec<u8>> = [root.certificate(), intermediate.certificate(), &leaf].iter().map(|c| c.to_der().expect("der")).collect();
    let parse = |d: &Vec<u8>| ParsedCertificate::from_der(d).expect("parses");
    let (root_p, inter_p, leaf_p) = (parse(&ders[0]), parse(&ders[1]), parse(&ders[2]));
    let options = ValidationOptions::new(NOW, Purpose::Signing);
    let none = RevocationData::default();

    let issuer_key =
        p256::ecdsa::VerifyingKey::from_public_key_der(&intermediate.certificate().tbs_certificate().subject_public_key_info().to_der().expect("spki"))
            .expect("key");
    let tbs = leaf.tbs_certificate().to_der().expect("tbs");
    let signature = p256::ecdsa::Signature::from_der(leaf.signature().raw_bytes()).expect("signature");

    let mut group = c.benchmark_group("3-certificate P-256 chain");
    group.bench_function("p256 verify (raw)", |b| b.iter(|| issuer_key.verify(black_box(&tbs), &signature).expect("verifies")));
    // rustls-webpki on the same certificates: decode from DER, build, verify (ring).
    let anchor_der = rustls_pki_types::CertificateDer::from(ders[0].clone());
    let anchors = [webpki::anchor_from_trusted_cert(&anchor_der).expect("anchor").to_owned()];
    let intermediates = [rustls_pki_types::CertificateDer::from(ders[1].clone())];
    let leaf_der = rustls_pki_types::CertificateDer::from(ders[2].clone());
    let when = rustls_pki_types::UnixTime::since_unix_epoch(Duration::from_secs(NOW));
    let webpki_verify = || {
        let end_entity = webpki::EndEntityCert::try_from(black_box(&leaf_der)).expect("webpki parses");
        end_entity.verify_for_usage(webpki::ALL_VERIFICATION_ALGS, &anchors, &intermediates, when, webpki::KeyUsage::client_auth(), None, None).map(|_| ())
    };
    webpki_verify().expect("rustls-webpki validates the chain");
    group.bench_function("rustls-webpki, cold", |b| b.iter(|| webpki_verify().expect("valid")));
    group.bench_function("chain, cold", |b| {
        b.iter(|| {
            let verifier = ChainVerifier::new(vec![root_p.clone()]);
            verifier.verify(black_box(&leaf_p), std::slice::from_ref(&inter_p), &none, &options).expect("valid")
        })
    });
    let verifier = ChainVerifier::new(vec![root_p.clone()]);
    verifier.verify(&leaf_p, std::slice::from_ref(&inter_p), &none, &options).expect("valid");
    group.bench_function("chain, CA cached, new leaf", |b| {
        b.iter_batched(
            || {
                let key = EcSigningKey::generate(Curve::P256).expect("key");
                let ku = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into())).expect("ku");
                let leaf =
                    intermediate.issue("CN=Fresh Signer", key.public_key_info().expect("spki"), at(NOW - 86_400), at(NOW + 86_400), vec![ku]).expect("leaf");
                ParsedCertificate::from_certificate(&leaf).expect("parses")
            },
            |fresh| verifier.verify(black_box(&fresh), std::slice::from_ref(&inter_p), &none, &options).expect("valid"),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("chain, all cached (same leaf again)", |b| {
        b.iter(|| verifier.verify(black_box(&leaf_p), std::slice::from_ref(&inter_p), &none, &options).expect("valid"))
    });
    group.bench_function("chain, parse + all cached", |b| {
        b.iter(|| {
            let leaf = parse(black_box(&ders[2]));
            let pool = [parse(&ders[1])];
            verifier.verify(&leaf, &pool, &none, &options).expect("valid")
        })
    });
    group.finish();

    // The intermediate's CRL lists 100,000 other certificates; the root's lists none.
    let listed: Vec<(x509_cert::serial_number::SerialNumber, SystemTime)> = (0u32..100_000)
        .map(|i| (x509_cert::serial_number::SerialNumber::new(&[&[0x10], &i.to_be_bytes()[..]].concat()).expect("serial"), at(NOW - 3_600)))
        .collect();
    let big = intermediate.issue_crl(&listed, at(NOW - 3_600), at(NOW + 86_400)).expect("CRL");
    let root_crl = root.issue_crl(&[], at(NOW - 3_600), at(NOW + 86_400)).expect("root CRL");
    let crls = RevocationData {
        crls: vec![ParsedCrl::from_der(&big).expect("parses"), ParsedCrl::from_der(&root_crl).expect("parses")],
        ocsp: Vec::new(),
        fetcher: None,
    };
    let mut required = options.clone();
    required.revocation = RevocationMode::Required;
    verifier.verify(&leaf_p, std::slice::from_ref(&inter_p), &crls, &required).expect("not revoked");
    let mut group = c.benchmark_group("revocation from a CRL of 100,000 entries");
    group.bench_function("chain, all cached, no revocation", |b| {
        b.iter(|| verifier.verify(black_box(&leaf_p), std::slice::from_ref(&inter_p), &none, &options).expect("valid"))
    });
    group.bench_function("chain, all cached, status from the CRLs", |b| {
        b.iter(|| verifier.verify(black_box(&leaf_p), std::slice::from_ref(&inter_p), &crls, &required).expect("not revoked"))
    });
    group.sample_size(10);
    group.bench_function("parse the CRL", |b| b.iter(|| ParsedCrl::from_der(black_box(&big)).expect("parses")));
    group.finish();
}

criterion_group!(benches, chains);
criterion_main!(benches);
