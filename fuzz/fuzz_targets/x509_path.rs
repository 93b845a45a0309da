//! Certificates from arbitrary DER, then path validation over them: the first document is the
//! leaf, the rest the pool, and a fixed anchor (the PKITS trust anchor) may or may not chain.
//! Never a panic, never unbounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::x509::{ChainVerifier, ParsedCertificate, Purpose, RevocationData, ValidationOptions};

const ANCHOR: &[u8] = include_bytes!("../../tests/fixtures/pkits/certs/TrustAnchorRootCertificate.crt");
const GOOD_CA: &[u8] = include_bytes!("../../tests/fixtures/pkits/certs/GoodCACert.crt");

fuzz_target!(|data: &[u8]| {
    // Documents separated by a two-byte length prefix.
    let mut docs = Vec::new();
    let mut rest = data;
    while let [a, b, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*a, *b])).min(tail.len());
        let (doc, tail) = tail.split_at(len);
        docs.push(doc);
        rest = tail;
    }
    let Some((leaf, pool)) = docs.split_first() else { return };
    let Ok(leaf) = ParsedCertificate::from_der(leaf) else { return };
    let mut pool: Vec<ParsedCertificate> = pool.iter().filter_map(|d| ParsedCertificate::from_der(d).ok()).collect();
    pool.extend(ParsedCertificate::from_der(GOOD_CA).ok());
    let Ok(anchor) = ParsedCertificate::from_der(ANCHOR) else { return };
    let verifier = ChainVerifier::new(vec![anchor]);
    let _ = verifier.verify(&leaf, &pool, &RevocationData::default(), &ValidationOptions::new(1_302_825_600, Purpose::Any));
});
