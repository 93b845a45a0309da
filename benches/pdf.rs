//! PAdES costs beside their primitive: sign and verify of a 1 MiB and a 100 MiB PDF, next to
//! SHA-256 of the same bytes (goal: within 1.3× of hashing alone). In memory, so the disk does
//! not blur the ratio; signing includes the copy of the original into the output.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use der::Encode;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::pdf::{self, PdfSignOptions, PdfVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use sha2::Digest;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

fn pdf_costs(c: &mut Criterion) {
    let now = SystemTime::now();
    let secs = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let root = DemoCa::root("CN=Bench Root", Curve::P256, now - Duration::from_secs(3600), now + Duration::from_secs(86_400)).unwrap();
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let ku = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into())).unwrap();
    let cert = root.issue("CN=Bench Signer", key.public_key_info().unwrap(), now - Duration::from_secs(60), now + Duration::from_secs(3600), vec![ku]).unwrap();
    let mut signer = SoftwareSigner::new(key, &cert.to_der().unwrap()).unwrap();
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(root.certificate()).unwrap()]);
    let options = PdfSignOptions::new(secs);
    let verify_options = PdfVerifyOptions::new(secs);

    for (label, size, samples) in [("1 MiB PDF", 1usize << 20, 30), ("100 MiB PDF", 100 << 20, 10)] {
        let document = pdf::sample::sample_document(&["Benchmark"], size);
        let mut signed = Cursor::new(Vec::with_capacity(document.len() + 64 * 1024));
        pdf::sign(&mut Cursor::new(&document), &mut signed, &mut signer, &options, None).unwrap();
        let signed = signed.into_inner();
        let mut group = c.benchmark_group(label);
        group.sample_size(samples).throughput(Throughput::Bytes(document.len() as u64));
        group.bench_function("SHA-256 of the bytes", |b| b.iter(|| sha2::Sha256::digest(black_box(&document))));
        // The output buffer is reused, as a file's pages would be: the kernel zeroing 100 MiB
        // of fresh memory on every run is not the signer's cost.
        let mut buffer = Vec::with_capacity(document.len() + 64 * 1024);
        group.bench_function("PAdES sign (B-B)", |b| {
            b.iter(|| {
                buffer.clear();
                let mut out = Cursor::new(std::mem::take(&mut buffer));
                pdf::sign(&mut Cursor::new(&document), &mut out, &mut signer, &options, None).unwrap();
                buffer = out.into_inner();
            })
        });
        group
            .bench_function("PAdES verify", |b| b.iter(|| assert!(pdf::verify(Cursor::new(black_box(&signed)), &verifier, &verify_options).unwrap().passed())));
        group.finish();
    }
}

criterion_group!(benches, pdf_costs);
criterion_main!(benches);
