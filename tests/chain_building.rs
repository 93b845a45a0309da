//! Path building and validation on generated PKIs: ECDSA chains across curves, cross-signed
//! and expired alternatives, loops, a hostile pool of look-alikes (bounded work), purposes,
//! constraints, QC statements and identity — and OpenSSL's verdict on the same chains.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode, EncodePem};
use mobile_id::card::sim::{DemoCa, SimInit, VirtualSim, ca_extensions, extension};
use mobile_id::card::{CardSession, Curve, EcSigningKey, KeyRole};
use mobile_id::x509::{ChainVerifier, ParsedCertificate, Purpose, RevocationData, ValidationError, ValidationOptions};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

/// 2027-01-15, the validation time of these tests.
const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn root(name: &str, curve: Curve) -> DemoCa {
    DemoCa::root(&format!("CN={name},O=mobile-id tests"), curve, at(NOW - 365 * DAY), at(NOW + 365 * DAY)).unwrap()
}

fn usage(bits: KeyUsages) -> x509_cert::ext::Extension {
    extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(bits.into())).unwrap()
}

fn end_entity(ca: &DemoCa, name: &str, from: u64, to: u64, extensions: Vec<x509_cert::ext::Extension>) -> Certificate {
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    ca.issue(&format!("CN={name},O=mobile-id tests"), key.public_key_info().unwrap(), at(from), at(to), extensions).unwrap()
}

fn signing_leaf(ca: &DemoCa) -> Certificate {
    end_entity(ca, "Signer", NOW - DAY, NOW + 30 * DAY, vec![usage(KeyUsages::NonRepudiation)])
}

fn parsed(c: &Certificate) -> ParsedCertificate {
    ParsedCertificate::from_certificate(c).unwrap()
}

fn verify(anchors: &[&Certificate], pool: &[&Certificate], leaf: &Certificate, purpose: Purpose) -> Result<Vec<String>, ValidationError> {
    let verifier = ChainVerifier::new(anchors.iter().map(|c| parsed(c)).collect());
    let pool: Vec<_> = pool.iter().map(|c| parsed(c)).collect();
    verifier
        .verify(&parsed(leaf), &pool, &RevocationData::default(), &ValidationOptions::new(NOW, purpose))
        .map(|p| p.chain.iter().map(ParsedCertificate::subject_text).collect())
}

#[test]
fn three_certificate_chain_across_curves() {
    let r = root("Root", Curve::P256);
    let i = r.subordinate("CN=Intermediate,O=mobile-id tests", Curve::P384, at(NOW - DAY), at(NOW + 300 * DAY), Some(0)).unwrap();
    let leaf = signing_leaf(&i);
    let chain = verify(&[r.certificate()], &[i.certificate()], &leaf, Purpose::Signing).unwrap();
    assert_eq!(chain.len(), 3);
    assert!(chain[0].contains("Signer") && chain[2].contains("Root"));
    assert_eq!(verify(&[r.certificate()], &[i.certificate()], &leaf, Purpose::Authentication), Err(ValidationError::KeyUsage { required: "digitalSignature" }));
    assert_eq!(verify(&[r.certificate()], &[], &leaf, Purpose::Signing), Err(ValidationError::UnknownIssuer));
}

#[test]
fn prefers_the_valid_of_two_cross_signed_intermediates() {
    let (r1, r2) = (root("Old Root", Curve::P256), root("New Root", Curve::P256));
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let spki = key.public_key_info().unwrap();
    let name = "CN=Cross CA,O=mobile-id tests";
    let expired = r1.issue(name, spki.clone(), at(NOW - 300 * DAY), at(NOW - DAY), ca_extensions(None).unwrap()).unwrap();
    let current = r2.issue(name, spki, at(NOW - DAY), at(NOW + 300 * DAY), ca_extensions(None).unwrap()).unwrap();
    let ca = DemoCa::from_parts(key, current.clone());
    let leaf = signing_leaf(&ca);
    for pool in [[&expired, &current], [&current, &expired]] {
        let chain = verify(&[r1.certificate(), r2.certificate()], &pool, &leaf, Purpose::Signing).unwrap();
        assert!(chain[2].contains("New Root"), "{chain:?}");
    }
    // With only the expired path available, the specific reason comes back.
    assert!(matches!(verify(&[r1.certificate()], &[&expired, &current], &leaf, Purpose::Signing), Err(ValidationError::Expired { .. })));
}

#[test]
fn loops_end() {
    let anchor = root("Unrelated Root", Curve::P256);
    let (ka, kb) = (EcSigningKey::generate(Curve::P256).unwrap(), EcSigningKey::generate(Curve::P256).unwrap());
    let placeholder = root("Placeholder", Curve::P256);
    // A and B certify each other.
    let a_by_placeholder = placeholder.issue("CN=A", ka.public_key_info().unwrap(), at(NOW - DAY), at(NOW + DAY), ca_extensions(None).unwrap()).unwrap();
    let b_by_placeholder = placeholder.issue("CN=B", kb.public_key_info().unwrap(), at(NOW - DAY), at(NOW + DAY), ca_extensions(None).unwrap()).unwrap();
    let a = DemoCa::from_parts(ka, a_by_placeholder);
    let b = DemoCa::from_parts(kb, b_by_placeholder);
    let a_by_b = b
        .issue("CN=A", a.certificate().tbs_certificate().subject_public_key_info().clone(), at(NOW - DAY), at(NOW + DAY), ca_extensions(None).unwrap())
        .unwrap();
    let b_by_a = a
        .issue("CN=B", b.certificate().tbs_certificate().subject_public_key_info().clone(), at(NOW - DAY), at(NOW + DAY), ca_extensions(None).unwrap())
        .unwrap();
    let leaf = signing_leaf(&a);
    let result = verify(&[anchor.certificate()], &[&a_by_b, &b_by_a], &leaf, Purpose::Signing);
    assert!(result.is_err());
}

#[test]
fn a_hostile_pool_ends_with_a_budget_error() {
    let r = root("Root", Curve::P256);
    let i = r.subordinate("CN=Target CA,O=mobile-id tests", Curve::P256, at(NOW - DAY), at(NOW + 300 * DAY), None).unwrap();
    let leaf = signing_leaf(&i);
    // Thousands of certificates named like the leaf's issuer, none holding its key.
    let decoy_issuer = root("Decoy", Curve::P256);
    let key = EcSigningKey::generate(Curve::P256).unwrap().public_key_info().unwrap();
    let decoys: Vec<Certificate> = (0..2000)
        .map(|_| decoy_issuer.issue("CN=Target CA,O=mobile-id tests", key.clone(), at(NOW - DAY), at(NOW + DAY), ca_extensions(None).unwrap()).unwrap())
        .collect();
    let pool: Vec<&Certificate> = decoys.iter().collect();
    assert_eq!(verify(&[r.certificate()], &pool, &leaf, Purpose::Signing), Err(ValidationError::BudgetExceeded));
}

#[test]
fn validity_constraints_and_critical_extensions() {
    let r = root("Root", Curve::P256);
    let expired = end_entity(&r, "Old", NOW - 30 * DAY, NOW - DAY, vec![usage(KeyUsages::NonRepudiation)]);
    assert!(matches!(verify(&[r.certificate()], &[], &expired, Purpose::Signing), Err(ValidationError::Expired { .. })));
    let future = end_entity(&r, "Future", NOW + DAY, NOW + 30 * DAY, vec![usage(KeyUsages::NonRepudiation)]);
    assert!(matches!(verify(&[r.certificate()], &[], &future, Purpose::Signing), Err(ValidationError::NotYetValid { .. })));
    let unknown = x509_cert::ext::Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
        critical: true,
        extn_value: der::asn1::OctetString::new(vec![5, 0]).unwrap(),
    };
    let odd = end_entity(&r, "Odd", NOW - DAY, NOW + DAY, vec![usage(KeyUsages::NonRepudiation), unknown]);
    assert!(matches!(verify(&[r.certificate()], &[], &odd, Purpose::Signing), Err(ValidationError::UnknownCriticalExtension { .. })));
    // An intermediate that is not a CA, and a pathLenConstraint of 0 over two CAs.
    let not_ca_key = EcSigningKey::generate(Curve::P256).unwrap();
    let not_ca = r.issue("CN=Not a CA", not_ca_key.public_key_info().unwrap(), at(NOW - DAY), at(NOW + DAY), vec![usage(KeyUsages::DigitalSignature)]).unwrap();
    let leaf = signing_leaf(&DemoCa::from_parts(not_ca_key, not_ca.clone()));
    assert_eq!(verify(&[r.certificate()], &[&not_ca], &leaf, Purpose::Signing), Err(ValidationError::BasicConstraints));
    let i1 = r.subordinate("CN=I1", Curve::P256, at(NOW - DAY), at(NOW + DAY), Some(0)).unwrap();
    let i2 = i1.subordinate("CN=I2", Curve::P256, at(NOW - DAY), at(NOW + DAY), None).unwrap();
    let leaf = signing_leaf(&i2);
    assert_eq!(verify(&[r.certificate()], &[i1.certificate(), i2.certificate()], &leaf, Purpose::Signing), Err(ValidationError::PathLength));
}

#[test]
fn virtual_sim_certificates_purpose_identity_and_qc() {
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, at(NOW))).unwrap();
    let ca = parsed(&Certificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap());
    let profile = sim.profile().clone();
    let mut session = CardSession::new(&mut sim, profile);
    let auth = ParsedCertificate::from_der(&session.read_certificate(KeyRole::Authentication).unwrap()).unwrap();
    let sign = ParsedCertificate::from_der(&session.read_certificate(KeyRole::Signing).unwrap()).unwrap();
    let verifier = ChainVerifier::new(vec![ca]);
    let options = |purpose| ValidationOptions::new(NOW, purpose);
    let path = verifier.verify(&sign, &[], &RevocationData::default(), &options(Purpose::Signing)).unwrap();
    let qc = path.qc_statements.unwrap();
    assert!(qc.compliance && qc.sscd);
    assert_eq!(qc.types, ["0.4.0.1862.1.6.1"]);
    assert_eq!(path.identity.given_name.as_deref(), Some("AYSEL"));
    assert_eq!(path.identity.surname.as_deref(), Some("MAMMADOVA"));
    assert_eq!(path.identity.country.as_deref(), Some("AZ"));
    let id = path.identity.semantics_identifier.unwrap();
    assert_eq!((id.kind.as_str(), id.country.as_str(), id.value.as_str()), ("PNO", "AZ", "7TEST01"));
    assert_eq!(path.policies.iter().map(String::as_str).collect::<Vec<_>>(), ["1.3.6.1.5.5.7.13.1"]);
    verifier.verify(&auth, &[], &RevocationData::default(), &options(Purpose::Authentication)).unwrap();
    assert!(matches!(verifier.verify(&auth, &[], &RevocationData::default(), &options(Purpose::Signing)), Err(ValidationError::KeyUsage { .. })));
    assert!(matches!(verifier.verify(&sign, &[], &RevocationData::default(), &options(Purpose::Authentication)), Err(ValidationError::KeyUsage { .. })));
    assert!(matches!(verifier.verify(&sign, &[], &RevocationData::default(), &options(Purpose::Timestamping)), Err(ValidationError::ExtendedKeyUsage { .. })));
}

#[test]
fn the_verifier_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ChainVerifier>();
    let r = root("Root", Curve::P256);
    let i = r.subordinate("CN=I", Curve::P256, at(NOW - DAY), at(NOW + DAY), None).unwrap();
    let verifier = std::sync::Arc::new(ChainVerifier::new(vec![parsed(r.certificate())]));
    let pool = vec![parsed(i.certificate())];
    let leaves: Vec<ParsedCertificate> = (0..8).map(|_| parsed(&signing_leaf(&i))).collect();
    std::thread::scope(|s| {
        for leaf in &leaves {
            let (verifier, pool) = (verifier.clone(), &pool);
            s.spawn(move || verifier.verify(leaf, pool, &RevocationData::default(), &ValidationOptions::new(NOW, Purpose::Signing)).unwrap());
        }
    });
}

fn openssl_verify(dir: &std::path::Path, anchor: &Certificate, pool: &[&Certificate], leaf: &Certificate) -> bool {
    let write = |name: &str, certs: &[&Certificate]| {
        let pem: String = certs.iter().map(|c| c.to_pem(der::pem::LineEnding::LF).unwrap()).collect();
        std::fs::write(dir.join(name), pem).unwrap();
        dir.join(name).to_str().unwrap().to_string()
    };
    let (ca, leaf) = (write("ca.pem", &[anchor]), write("leaf.pem", &[leaf]));
    let mut cmd = Command::new("openssl");
    cmd.args(["verify", "-attime", &NOW.to_string(), "-CAfile", &ca]);
    if !pool.is_empty() {
        cmd.args(["-untrusted", &write("pool.pem", pool)]);
    }
    cmd.arg(&leaf).output().expect("openssl is installed by scripts/test.sh").status.success()
}

#[test]
fn openssl_agrees_on_generated_chains() {
    let dir = tempfile::tempdir().unwrap();
    let r = root("Root", Curve::P384);
    let i = r.subordinate("CN=I,O=mobile-id tests", Curve::P256, at(NOW - DAY), at(NOW + 300 * DAY), Some(0)).unwrap();
    let i2 = i.subordinate("CN=I2,O=mobile-id tests", Curve::P256, at(NOW - DAY), at(NOW + 300 * DAY), None).unwrap();
    let other = root("Other Root", Curve::P256);
    let cases: Vec<(&str, &Certificate, Vec<&Certificate>, Certificate)> = vec![
        ("valid", r.certificate(), vec![i.certificate()], signing_leaf(&i)),
        ("expired leaf", r.certificate(), vec![i.certificate()], end_entity(&i, "Old", NOW - 9 * DAY, NOW - DAY, vec![usage(KeyUsages::NonRepudiation)])),
        ("future leaf", r.certificate(), vec![i.certificate()], end_entity(&i, "New", NOW + DAY, NOW + 9 * DAY, vec![usage(KeyUsages::NonRepudiation)])),
        ("wrong anchor", other.certificate(), vec![i.certificate()], signing_leaf(&i)),
        ("missing intermediate", r.certificate(), vec![], signing_leaf(&i)),
        ("path length", r.certificate(), vec![i.certificate(), i2.certificate()], signing_leaf(&i2)),
    ];
    for (name, anchor, pool, leaf) in cases {
        let ours = verify(&[anchor], &pool, &leaf, Purpose::Any).is_ok();
        let theirs = openssl_verify(dir.path(), anchor, &pool, &leaf);
        assert_eq!(ours, theirs, "{name}: library {ours}, openssl {theirs}");
        assert_eq!(ours, name == "valid", "{name}");
    }
    // Sanity: the DER we feed OpenSSL is what we validated.
    assert!(!r.certificate().to_der().unwrap().is_empty());
}

#[test]
fn any_revocation_wins_whatever_the_order_of_the_crls() {
    use mobile_id::x509::{ParsedCrl, RevocationMode};
    let r = root("Root", Curve::P256);
    let leaf = signing_leaf(&r);
    let serial = leaf.tbs_certificate().serial_number().clone();
    let clean = r.issue_crl(&[], at(NOW - 3600), at(NOW + 86_400)).unwrap();
    let revoking = r.issue_crl(&[(serial, at(NOW - 60))], at(NOW - 1800), at(NOW + 86_400)).unwrap();
    let verifier = ChainVerifier::new(vec![parsed(r.certificate())]);
    let mut options = ValidationOptions::new(NOW, Purpose::Signing);
    options.revocation = RevocationMode::Required;
    for order in [[&clean, &revoking], [&revoking, &clean]] {
        let crls = order.iter().map(|c| ParsedCrl::from_der(c).unwrap()).collect();
        let result = verifier.verify(&parsed(&leaf), &[], &RevocationData { crls, ocsp: vec![], fetcher: None }, &options);
        assert!(matches!(result, Err(ValidationError::Revoked { .. })), "{result:?}");
    }
    // Only the clean CRL: good.
    let crls = vec![ParsedCrl::from_der(&clean).unwrap()];
    verifier.verify(&parsed(&leaf), &[], &RevocationData { crls, ocsp: vec![], fetcher: None }, &options).unwrap();
}

/// A certificate valid from 1955 (a UTCTime with year 55, RFC 5280 §4.1.2.5.1), as old roots
/// and some test suites carry: it decodes, its validity starts at 1970 in the typed view, its
/// original bytes are kept, and the issuer's signature over them verifies in a chain.
#[test]
fn a_validity_before_1970_is_read_and_the_signature_still_verifies() {
    let ca = root("Old Root", Curve::P256);
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let issued = ca.issue("CN=Old,O=mobile-id tests", key.public_key_info().unwrap(), at(31_536_000), at(NOW + 30 * DAY), vec![]).unwrap();
    // The same TBS with notBefore 1955-01-01, signed again by the CA.
    let mut tbs = issued.tbs_certificate().to_der().unwrap();
    let at_time = tbs.windows(13).position(|w| w == b"710101000000Z").expect("a 1971 UTCTime");
    tbs[at_time..at_time + 2].copy_from_slice(b"55");
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&tbs);
    let signature = mobile_id::signer::raw_to_der(Curve::P256, &ca.key().sign_prehash_raw(&digest).unwrap()).unwrap();
    let mut body = tbs.clone();
    body.extend_from_slice(&issued.signature_algorithm().to_der().unwrap());
    body.extend_from_slice(&der::asn1::BitString::from_bytes(&signature).unwrap().to_der().unwrap());
    let old = der::asn1::AnyRef::new(der::Tag::Sequence, &body).unwrap().to_der().unwrap();
    assert!(Certificate::from_der(&old).is_err(), "x509-cert learnt pre-1970 UTCTime: the hand decoder can go");

    let parsed = ParsedCertificate::from_der(&old).unwrap();
    assert_eq!(parsed.der(), old.as_slice());
    assert_eq!(parsed.tbs_der(), tbs.as_slice());
    assert_eq!(parsed.certificate().tbs_certificate().validity().not_before.to_unix_duration(), Duration::ZERO);
    let anchor = ParsedCertificate::from_certificate(ca.certificate()).unwrap();
    let path = ChainVerifier::new(vec![anchor]).verify(&parsed, &[], &RevocationData::default(), &ValidationOptions::new(NOW, Purpose::Any));
    assert!(path.is_ok(), "{path:?}");
    // A byte changed in the signed part breaks the signature, as for any certificate.
    let mut forged = old.clone();
    let name_at = forged.windows(3).position(|w| w == b"Old").unwrap();
    forged[name_at] = b'0';
    let forged = ParsedCertificate::from_der(&forged).unwrap();
    let anchor = ParsedCertificate::from_certificate(ca.certificate()).unwrap();
    assert!(ChainVerifier::new(vec![anchor]).verify(&forged, &[], &RevocationData::default(), &ValidationOptions::new(NOW, Purpose::Any)).is_err());
}
