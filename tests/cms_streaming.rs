//! Signing and verifying a 1 GiB detached document streams it: the peak resident memory of
//! the process grows by far less than the document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Read;
use std::time::SystemTime;

use common::peak_rss_kib;

use mobile_id::card::sim::DemoCa;
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

/// A reader of `remaining` bytes cycling through a 64 KiB pseudo-random block chosen by
/// `seed`; it never holds more than that block.
struct Generated {
    remaining: u64,
    block: Vec<u8>,
    offset: usize,
}

impl Generated {
    fn new(remaining: u64, seed: u64) -> Self {
        let mut state = seed;
        let block = (0..65_536)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (state >> 56) as u8
            })
            .collect();
        Self { remaining, block, offset: 0 }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.remaining as usize).min(self.block.len() - self.offset);
        buf[..n].copy_from_slice(&self.block[self.offset..self.offset + n]);
        self.offset = (self.offset + n) % self.block.len();
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[test]
fn one_gibibyte_in_flat_memory() {
    const SIZE: u64 = 1 << 30;
    let now = SystemTime::now();
    let ca = DemoCa::root("CN=Stream Root", Curve::P256, now - std::time::Duration::from_secs(3600), now + std::time::Duration::from_secs(86_400)).unwrap();
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let ku = mobile_id::card::sim::extension(
        const_oid::db::rfc5280::ID_CE_KEY_USAGE,
        true,
        &x509_cert::ext::pkix::KeyUsage(x509_cert::ext::pkix::KeyUsages::NonRepudiation.into()),
    )
    .unwrap();
    let cert = ca
        .issue("CN=Streamer", key.public_key_info().unwrap(), now - std::time::Duration::from_secs(60), now + std::time::Duration::from_secs(3600), vec![ku])
        .unwrap();
    let mut signer = SoftwareSigner::new(key, &der::Encode::to_der(&cert).unwrap()).unwrap();
    let before = peak_rss_kib();
    let secs = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let signature = cms::sign(&mut Generated::new(SIZE, 7), &mut signer, &CmsSignOptions::detached(Some(secs))).unwrap();
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(ca.certificate()).unwrap()]);
    let report = cms::verify(&signature, Some(&mut Generated::new(SIZE, 7)), &verifier, &CmsVerifyOptions::new(secs)).unwrap();
    assert!(report.passed(), "{report:?}");
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "peak memory grew by {grown} KiB for a 1 GiB document");
    // And a different document of the same length does not verify.
    let report = cms::verify(&signature, Some(&mut Generated::new(SIZE, 8)), &verifier, &CmsVerifyOptions::new(secs)).unwrap();
    assert!(!report.passed());
}
