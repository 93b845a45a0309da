//! Chain validation that crafted certificates cannot fool: RFC 5280's MUSTs as the strict
//! profile (each with its own code), the trust anchor's own constraints (RFC 5937), name
//! constraints with strict syntax, wildcards and a work budget, anyPolicy as the default
//! initial policy set, and max_depth that skips self-issued certificates. Every certificate is
//! generated here with x509-cert's builder, so each case differs from a valid chain in one rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString, UtcTime};
use der::{Decode, Encode};
use mobile_id::card::sim::extension;
use mobile_id::x509::{
    AnchorConstraints, ChainVerifier, Conformance, InitialPolicySet, ParsedCertificate, ParsedCrl, Purpose, RevocationData, ValidationError, ValidationOptions,
};
use p256::ecdsa::{DerSignature, SigningKey};
use signature::Signer;
use spki::{AlgorithmIdentifierOwned, EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, PolicyConstraints, SubjectAltName, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use const_oid::db::rfc5280 as ids;

const DAY: u64 = 86_400;

fn fresh_key() -> SigningKey {
    match mobile_id::card::EcSigningKey::generate(mobile_id::card::Curve::P256).unwrap() {
        mobile_id::card::EcSigningKey::P256(key) => key,
        _ => unreachable!(),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

fn time(secs: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).unwrap())
}

/// The extensions, issuer and subject exactly as given: nothing added behind the test's back.
struct Exact {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Exact {
    fn get_issuer(&self, _: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: spki::SubjectPublicKeyInfoRef<'_>,
        _: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// A key pair with a name.
struct Party {
    key: SigningKey,
    name: Name,
}

impl Party {
    fn new(name: &str) -> Self {
        Self { key: fresh_key(), name: Name::from_str(name).unwrap() }
    }

    fn spki(&self) -> SubjectPublicKeyInfoOwned {
        SubjectPublicKeyInfoOwned::from_der(&self.key.verifying_key().to_public_key_der().unwrap().into_vec()).unwrap()
    }

    fn key_id(&self) -> Vec<u8> {
        mobile_id::card::sim::key_identifier(&self.spki())
    }

    fn ski(&self) -> Extension {
        extension(ids::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &SubjectKeyIdentifier(OctetString::new(self.key_id()).unwrap())).unwrap()
    }

    fn aki(&self) -> Extension {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.key_id()).unwrap()),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extension(ids::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki).unwrap()
    }
}

fn ca_constraints(path_len: Option<u8>) -> Vec<Extension> {
    vec![
        extension(ids::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: true, path_len_constraint: path_len }).unwrap(),
        usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
    ]
}

fn usage(bits: impl Into<der::flagset::FlagSet<KeyUsages>>) -> Extension {
    extension(ids::ID_CE_KEY_USAGE, true, &KeyUsage(bits.into())).unwrap()
}

fn signing_usage() -> Extension {
    usage(KeyUsages::NonRepudiation)
}

/// `subject` certified by `issuer` with exactly `extensions` and serial `serial`.
fn certify(issuer: &Party, subject: &Party, serial: SerialNumber, extensions: Vec<Extension>) -> Certificate {
    let validity = Validity::new(time(now() - DAY), time(now() + 30 * DAY));
    let profile = Exact { issuer: issuer.name.clone(), subject: subject.name.clone(), extensions };
    CertificateBuilder::new(profile, serial, validity, subject.spki()).unwrap().build::<_, DerSignature>(&issuer.key).unwrap()
}

fn serial() -> SerialNumber {
    SerialNumber::from(0x1234_5678u32)
}

/// A conforming root: critical CA basicConstraints, keyCertSign, a subject key identifier.
fn root_certificate(root: &Party, mut extra: Vec<Extension>) -> Certificate {
    let mut extensions = ca_constraints(None);
    extensions.push(root.ski());
    extensions.append(&mut extra);
    certify(root, root, serial(), extensions)
}

/// A conforming intermediate under `issuer`.
fn intermediate(issuer: &Party, subject: &Party, mut extra: Vec<Extension>) -> Certificate {
    let mut extensions = ca_constraints(None);
    extensions.push(subject.ski());
    extensions.push(issuer.aki());
    extensions.append(&mut extra);
    certify(issuer, subject, serial(), extensions)
}

/// A conforming signing end entity under `issuer`, with `extra` extensions.
fn leaf(issuer: &Party, subject: &Party, mut extra: Vec<Extension>) -> Certificate {
    let mut extensions = vec![signing_usage(), issuer.aki()];
    extensions.append(&mut extra);
    certify(issuer, subject, serial(), extensions)
}

fn parsed(c: &Certificate) -> ParsedCertificate {
    ParsedCertificate::from_certificate(c).unwrap()
}

fn options() -> ValidationOptions {
    ValidationOptions::new(now(), Purpose::Signing)
}

fn check(anchor: &Certificate, pool: &[&Certificate], leaf: &Certificate, options: &ValidationOptions, crls: &[Vec<u8>]) -> Result<(), ValidationError> {
    let verifier = ChainVerifier::new(vec![parsed(anchor)]);
    let pool: Vec<ParsedCertificate> = pool.iter().map(|c| parsed(c)).collect();
    let crls = crls.iter().map(|c| ParsedCrl::from_der(c).unwrap()).collect();
    verifier.verify(&parsed(leaf), &pool, &RevocationData { crls, ocsp: Vec::new(), fetcher: None }, options).map(|_| ())
}

fn code(result: Result<(), ValidationError>) -> &'static str {
    match result {
        Ok(()) => "valid",
        Err(e) => e.code(),
    }
}

#[test]
fn each_rfc5280_must_has_its_own_code() {
    // The intermediate's key identifier is needed in the leaf's AKI: build the parties once.
    let (root, ca, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=CA,O=strictness"), Party::new("CN=Person,O=strictness"));
    let anchor = root_certificate(&root, Vec::new());
    let good_ica = intermediate(&root, &ca, Vec::new());
    let run = |ica: &Certificate, end: &Certificate, level: Conformance| {
        let mut o = options();
        o.conformance = level;
        code(check(&anchor, &[ica], end, &o, &[]))
    };
    let leaf_with = |extensions: Vec<Extension>| certify(&ca, &person, serial(), extensions);
    let critical_aki = {
        let mut e = ca.aki();
        e.critical = true;
        e
    };
    let critical_ski = {
        let mut e = person.ski();
        e.critical = true;
        e
    };
    let empty_eku = Extension { extn_id: ids::ID_CE_EXT_KEY_USAGE, critical: false, extn_value: OctetString::new(vec![0x30, 0x00]).unwrap() };
    let too_long = SerialNumber::from_der(&[&[0x02, 21][..], &[0x01; 21][..]].concat()).unwrap();
    let cases: Vec<(&str, Certificate, Certificate)> = vec![
        ("aki-missing", good_ica.clone(), leaf_with(vec![signing_usage()])),
        ("aki-critical", good_ica.clone(), leaf_with(vec![signing_usage(), critical_aki])),
        ("ski-critical", good_ica.clone(), leaf_with(vec![signing_usage(), ca.aki(), critical_ski])),
        ("ski-missing", certify(&root, &ca, serial(), [ca_constraints(None), vec![root.aki()]].concat()), leaf_with(vec![signing_usage(), ca.aki()])),
        ("serial-zero", good_ica.clone(), certify(&ca, &person, SerialNumber::new(&[0]).unwrap(), vec![signing_usage(), ca.aki()])),
        ("serial-too-long", good_ica.clone(), certify(&ca, &person, too_long, vec![signing_usage(), ca.aki()])),
        ("eku-empty", good_ica.clone(), leaf_with(vec![signing_usage(), ca.aki(), empty_eku])),
        ("key-cert-sign-without-ca", good_ica.clone(), leaf_with(vec![usage(KeyUsages::NonRepudiation | KeyUsages::KeyCertSign), ca.aki()])),
        (
            "ca-as-end-entity",
            good_ica.clone(),
            leaf_with(vec![
                extension(ids::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: true, path_len_constraint: None }).unwrap(),
                usage(KeyUsages::KeyCertSign | KeyUsages::NonRepudiation),
                person.ski(),
                ca.aki(),
            ]),
        ),
    ];
    assert_eq!(run(&good_ica, &leaf_with(vec![signing_usage(), ca.aki()]), Conformance::Strict), "valid");
    for (expected, ica, end) in &cases {
        assert_eq!(run(ica, end, Conformance::Strict), *expected);
        // Without the profile, an empty extendedKeyUsage still allows no purpose at all.
        let lenient = if *expected == "eku-empty" { "eku" } else { "valid" };
        assert_eq!(run(ica, end, Conformance::Lenient), lenient, "{expected} under the lenient profile");
    }
    // An empty subject needs a critical subjectAltName.
    let nobody = Party { key: fresh_key(), name: Name::default() };
    let san = |critical| {
        extension(ids::ID_CE_SUBJECT_ALT_NAME, critical, &SubjectAltName(vec![GeneralName::Rfc822Name(Ia5String::new("a@example.com").unwrap())])).unwrap()
    };
    let anonymous = certify(&ca, &nobody, serial(), vec![signing_usage(), ca.aki(), san(false)]);
    assert_eq!(run(&good_ica, &anonymous, Conformance::Strict), "empty-subject-without-critical-san");
    let anonymous = certify(&ca, &nobody, serial(), vec![signing_usage(), ca.aki(), san(true)]);
    assert_eq!(run(&good_ica, &anonymous, Conformance::Strict), "valid");
    // Further MUSTs: info access non-critical, nameConstraints only in CAs and critical, a CA
    // names its subject, a serial number is positive (pedantic only).
    let aia = |critical| {
        let access = x509_cert::ext::pkix::AuthorityInfoAccessSyntax(vec![x509_cert::ext::pkix::AccessDescription {
            access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2"),
            access_location: GeneralName::UniformResourceIdentifier(Ia5String::new("http://ca.example.test/ca.cer").unwrap()),
        }]);
        extension(ids::ID_PE_AUTHORITY_INFO_ACCESS, critical, &access).unwrap()
    };
    assert_eq!(run(&good_ica, &leaf_with(vec![signing_usage(), ca.aki(), aia(false)]), Conformance::Strict), "valid");
    assert_eq!(run(&good_ica, &leaf_with(vec![signing_usage(), ca.aki(), aia(true)]), Conformance::Strict), "info-access-critical");
    let nc = |critical| {
        let constraints = NameConstraints {
            permitted_subtrees: Some(vec![GeneralSubtree { base: dns_name("example.test"), minimum: 0, maximum: None }]),
            excluded_subtrees: None,
        };
        extension(ids::ID_CE_NAME_CONSTRAINTS, critical, &constraints).unwrap()
    };
    assert_eq!(run(&good_ica, &leaf_with(vec![signing_usage(), ca.aki(), nc(true)]), Conformance::Strict), "name-constraints-in-end-entity");
    let end = leaf_with(vec![signing_usage(), ca.aki()]);
    assert_eq!(run(&intermediate(&root, &ca, vec![nc(false)]), &end, Conformance::Strict), "name-constraints-not-critical");
    assert_eq!(run(&intermediate(&root, &ca, vec![nc(true)]), &end, Conformance::Strict), "valid");
    let unnamed = Party { key: fresh_key(), name: Name::default() };
    let unnamed_ica = intermediate(&root, &unnamed, Vec::new());
    let below_unnamed = certify(&unnamed, &person, serial(), vec![signing_usage(), unnamed.aki()]);
    assert_eq!(run(&unnamed_ica, &below_unnamed, Conformance::Strict), "ca-empty-subject");
    let negative = certify(&ca, &person, SerialNumber::from_der(&[0x02, 0x02, 0x80, 0x01]).unwrap(), vec![signing_usage(), ca.aki()]);
    assert_eq!(run(&good_ica, &negative, Conformance::Strict), "valid");
    assert_eq!(run(&good_ica, &negative, Conformance::Pedantic), "serial-negative");
    // A CA certificate may be validated as such when no end-entity purpose is asked for.
    let mut any = options();
    any.purpose = Purpose::Any;
    assert_eq!(code(check(&anchor, &[], &good_ica, &any, &[])), "valid");
    // policyConstraints not critical: only the pedantic profile refuses it (PKITS uses it).
    let pc = PolicyConstraints { require_explicit_policy: None, inhibit_policy_mapping: Some(5) };
    let ica_pc = intermediate(&root, &ca, vec![extension(ids::ID_CE_POLICY_CONSTRAINTS, false, &pc).unwrap()]);
    let end = leaf_with(vec![signing_usage(), ca.aki()]);
    assert_eq!(run(&ica_pc, &end, Conformance::Strict), "valid");
    assert_eq!(run(&ica_pc, &end, Conformance::Pedantic), "policy-constraints-not-critical");
}

/// A CRL by `issuer` with the given extensions, signed ECDSA P-256 SHA-256.
fn crl(issuer: &Party, extensions: Option<Vec<Extension>>) -> Vec<u8> {
    crl_listing(issuer, None, extensions)
}

/// As [`crl`], listing `revoked`.
fn crl_listing(issuer: &Party, revoked: Option<Vec<x509_cert::crl::RevokedCert>>, extensions: Option<Vec<Extension>>) -> Vec<u8> {
    let algorithm = AlgorithmIdentifierOwned { oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"), parameters: None };
    let tbs: TbsCertList = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.name.clone(),
        this_update: time(now() - DAY),
        next_update: Some(time(now() + DAY)),
        revoked_certificates: revoked,
        crl_extensions: extensions,
    };
    let signature: DerSignature = issuer.key.sign(&tbs.to_der().unwrap());
    let list = CertificateList { tbs_cert_list: tbs, signature_algorithm: algorithm, signature: BitString::from_bytes(signature.as_bytes()).unwrap() };
    list.to_der().unwrap()
}

#[test]
fn crls_need_a_non_critical_crl_number() {
    let (root, ca, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=CA,O=strictness"), Party::new("CN=Person,O=strictness"));
    let anchor = root_certificate(&root, Vec::new());
    let ica = intermediate(&root, &ca, Vec::new());
    let end = leaf(&ca, &person, Vec::new());
    let number = |critical| {
        let mut e = extension(ids::ID_CE_CRL_NUMBER, critical, &x509_cert::ext::pkix::CrlNumber(der::asn1::Uint::new(&[7]).unwrap())).unwrap();
        e.critical = critical;
        vec![e, root.aki()]
    };
    let mut o = options();
    o.revocation = mobile_id::x509::RevocationMode::IfPresent;
    let with = |crl_bytes: Vec<u8>| code(check(&anchor, &[&ica], &end, &o, &[crl_bytes]));
    assert_eq!(with(crl(&root, Some(number(false)))), "valid");
    assert_eq!(with(crl(&root, Some(vec![root.aki()]))), "crl-number-missing");
    assert_eq!(with(crl(&root, Some(number(true)))), "crl-number-critical");
}

#[test]
fn the_trust_anchor_certificate_constrains_the_path() {
    let (root, ca, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=CA,O=strictness"), Party::new("CN=Person,O=strictness"));
    let ica = intermediate(&root, &ca, Vec::new());
    let dns = |name: &str| extension(ids::ID_CE_SUBJECT_ALT_NAME, false, &SubjectAltName(vec![GeneralName::DnsName(Ia5String::new(name).unwrap())])).unwrap();
    let end = leaf(&ca, &person, vec![dns("signer.other.test")]);
    let bare_key = {
        let mut o = options();
        o.anchor_constraints = AnchorConstraints::BareKey;
        o
    };
    let permit_example = NameConstraints {
        permitted_subtrees: Some(vec![GeneralSubtree { base: GeneralName::DnsName(Ia5String::new("example.test").unwrap()), minimum: 0, maximum: None }]),
        excluded_subtrees: None,
    };
    let unknown_critical =
        Extension { extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1"), critical: true, extn_value: OctetString::new(vec![0x05, 0x00]).unwrap() };
    let non_critical_bc = vec![
        extension(ids::ID_CE_BASIC_CONSTRAINTS, false, &BasicConstraints { ca: true, path_len_constraint: None }).unwrap(),
        usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        root.ski(),
    ];
    let critical_aki = {
        let mut e = root.aki();
        e.critical = true;
        e
    };
    let anchors: Vec<(&str, Certificate)> = vec![
        ("valid", root_certificate(&root, Vec::new())),
        ("aki-critical", root_certificate(&root, vec![critical_aki])),
        ("ski-missing", certify(&root, &root, serial(), ca_constraints(None))),
        ("name-constraints", root_certificate(&root, vec![extension(ids::ID_CE_NAME_CONSTRAINTS, true, &permit_example).unwrap()])),
        ("trust-anchor", certify(&root, &root, serial(), vec![root.ski()])),
        ("trust-anchor", certify(&root, &root, serial(), non_critical_bc)),
        ("trust-anchor", root_certificate(&root, vec![unknown_critical])),
        (
            "trust-anchor",
            certify(
                &root,
                &root,
                serial(),
                vec![
                    extension(ids::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: true, path_len_constraint: None }).unwrap(),
                    usage(KeyUsages::CRLSign),
                    root.ski(),
                ],
            ),
        ),
        ("path-length", certify(&root, &root, serial(), [ca_constraints(Some(0)), vec![root.ski()]].concat())),
    ];
    for (expected, anchor) in &anchors {
        assert_eq!(code(check(anchor, &[&ica], &end, &options(), &[])), *expected, "anchor expected {expected}");
        assert_eq!(code(check(anchor, &[&ica], &end, &bare_key, &[])), "valid", "a bare-key anchor ({expected}) only lends its key");
    }
}

fn name_constraints(permitted: &[GeneralName], excluded: &[GeneralName]) -> Extension {
    let trees =
        |names: &[GeneralName]| (!names.is_empty()).then(|| names.iter().map(|n| GeneralSubtree { base: n.clone(), minimum: 0, maximum: None }).collect());
    extension(ids::ID_CE_NAME_CONSTRAINTS, true, &NameConstraints { permitted_subtrees: trees(permitted), excluded_subtrees: trees(excluded) }).unwrap()
}

fn dns_name(text: &str) -> GeneralName {
    GeneralName::DnsName(Ia5String::new(text).unwrap())
}

/// The code for a leaf with `sans` under an intermediate constrained by `constraint`.
fn constrained(constraint: Extension, sans: Vec<GeneralName>) -> &'static str {
    let (root, ca, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=CA,O=strictness"), Party::new("CN=Person,O=strictness"));
    let anchor = root_certificate(&root, Vec::new());
    let ica = intermediate(&root, &ca, vec![constraint]);
    let end = leaf(&ca, &person, vec![extension(ids::ID_CE_SUBJECT_ALT_NAME, false, &SubjectAltName(sans)).unwrap()]);
    code(check(&anchor, &[&ica], &end, &options(), &[]))
}

#[test]
fn name_constraints_judge_wildcards_and_refuse_malformed_values() {
    let exclude_host = name_constraints(&[], &[dns_name("secret.example.test")]);
    assert_eq!(constrained(exclude_host.clone(), vec![dns_name("www.example.test")]), "valid");
    // *.example.test stands for secret.example.test too: it may not escape the exclusion.
    assert_eq!(constrained(exclude_host, vec![dns_name("*.example.test")]), "name-constraints");
    let permit = name_constraints(&[dns_name("example.test")], &[]);
    assert_eq!(constrained(permit.clone(), vec![dns_name("*.example.test")]), "valid");
    assert_eq!(constrained(permit.clone(), vec![dns_name("*.test")]), "name-constraints");
    // Values that are not what their form says.
    assert_eq!(constrained(permit.clone(), vec![dns_name("192.0.2.1")]), "malformed");
    assert_eq!(constrained(permit.clone(), vec![GeneralName::IpAddress(OctetString::new(vec![192, 0, 2]).unwrap())]), "malformed");
    assert_eq!(constrained(permit, vec![GeneralName::Rfc822Name(Ia5String::new("no-domain@").unwrap())]), "malformed");
    for bad in [
        name_constraints(&[dns_name(".example.test")], &[]),
        name_constraints(&[dns_name("*.example.test")], &[]),
        name_constraints(&[GeneralName::IpAddress(OctetString::new(vec![192, 0, 2, 0, 255, 255, 255]).unwrap())], &[]),
        name_constraints(&[GeneralName::IpAddress(OctetString::new(vec![192, 0, 2, 0, 255, 0, 255, 0]).unwrap())], &[]),
        name_constraints(&[GeneralName::Rfc822Name(Ia5String::new("a@b@example.test").unwrap())], &[]),
    ] {
        assert_eq!(constrained(bad, vec![dns_name("www.example.test")]), "malformed");
    }
}

#[test]
fn name_constraint_work_is_bounded() {
    let many_constraints: Vec<GeneralName> = (0..300).map(|i| dns_name(&format!("excluded{i}.example.test"))).collect();
    let many_names: Vec<GeneralName> = (0..300).map(|i| dns_name(&format!("host{i}.example.test"))).collect();
    assert_eq!(constrained(name_constraints(&[], &many_constraints), many_names), "budget-exceeded");
    // A realistic load stays far inside the budget.
    let few: Vec<GeneralName> = (0..10).map(|i| dns_name(&format!("excluded{i}.example.test"))).collect();
    assert_eq!(constrained(name_constraints(&[], &few), vec![dns_name("www.example.test")]), "valid");
}

#[test]
fn max_depth_does_not_count_self_issued_certificates() {
    // Root → CA (old key) → CA (new key, self-issued rollover) → leaf: one step of depth.
    let (root, old, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=CA,O=strictness"), Party::new("CN=Person,O=strictness"));
    let new = Party { key: fresh_key(), name: old.name.clone() };
    let anchor = root_certificate(&root, Vec::new());
    let first = intermediate(&root, &old, Vec::new());
    let rollover = intermediate(&old, &new, Vec::new());
    let end = leaf(&new, &person, Vec::new());
    let mut o = options();
    o.max_depth = Some(1);
    assert_eq!(code(check(&anchor, &[&first, &rollover], &end, &o, &[])), "valid");
    o.max_depth = Some(0);
    assert_eq!(code(check(&anchor, &[&first, &rollover], &end, &o, &[])), "path-length");
}

#[test]
fn any_policy_in_the_initial_set_is_the_default() {
    let any = ObjectIdentifier::new_unwrap("2.5.29.32.0");
    let other = ObjectIdentifier::new_unwrap("1.2.3.4");
    assert_eq!(InitialPolicySet::from_oids([any]), InitialPolicySet::any());
    assert_eq!(InitialPolicySet::from_oids([other, any]), InitialPolicySet::any());
    assert_eq!(InitialPolicySet::from_oids([]), InitialPolicySet::any());
    assert!(!InitialPolicySet::from_oids([other]).is_any());
}

#[test]
fn a_directly_trusted_self_signed_signer_is_its_own_path() {
    // What `openssl req -x509` makes: cA TRUE by default, keyUsage nonRepudiation only. Trusted
    // as itself it stands; as the anchor of anything below it, it does not.
    let me = Party::new("CN=Self-signed signer,O=strictness");
    let own = certify(
        &me,
        &me,
        serial(),
        vec![extension(ids::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: true, path_len_constraint: None }).unwrap(), signing_usage(), me.ski()],
    );
    assert_eq!(code(check(&own, &[], &own, &options(), &[])), "valid");
    let other = Party::new("CN=Other,O=strictness");
    let below = leaf(&me, &other, Vec::new());
    assert_eq!(code(check(&own, &[], &below, &options(), &[])), "trust-anchor");
}

/// The certificate with its outer signatureAlgorithm replaced (the signed part untouched).
fn with_outer_algorithm(cert: &Certificate, oid: &str) -> Vec<u8> {
    #[derive(der::Sequence)]
    struct Outer<'a> {
        tbs: der::asn1::AnyRef<'a>,
        algorithm: AlgorithmIdentifierOwned,
        signature: BitString,
    }
    let der_bytes = cert.to_der().unwrap();
    let mut outer = Outer::from_der(&der_bytes).unwrap();
    outer.algorithm = AlgorithmIdentifierOwned { oid: ObjectIdentifier::new_unwrap(oid), parameters: None };
    outer.to_der().unwrap()
}

#[test]
fn malformed_certificates_and_crls_are_refused_when_read() {
    let (root, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=Person,O=strictness"));
    let end = leaf(&root, &person, Vec::new());
    // ecdsa-with-SHA384 outside, ecdsa-with-SHA256 inside: RFC 5280 §4.1.1.2 wants them equal.
    let mismatched = with_outer_algorithm(&end, "1.2.840.10045.4.3.3");
    assert!(matches!(ParsedCertificate::from_der(&mismatched), Err(ValidationError::Malformed { .. })));
    assert!(ParsedCertificate::from_der(&with_outer_algorithm(&end, "1.2.840.10045.4.3.2")).is_ok());
    // A CRL that lists one certificate twice.
    let entry = x509_cert::crl::RevokedCert { serial_number: serial(), revocation_date: time(now() - DAY), crl_entry_extensions: None };
    let number = extension(ids::ID_CE_CRL_NUMBER, false, &x509_cert::ext::pkix::CrlNumber(der::asn1::Uint::new(&[7]).unwrap())).unwrap();
    let twice = crl_listing(&root, Some(vec![entry.clone(), entry]), Some(vec![number]));
    assert!(matches!(ParsedCrl::from_der(&twice), Err(ValidationError::Malformed { .. })));
}

#[test]
fn a_signing_leaf_whose_eku_names_other_purposes_only_is_not_for_signing() {
    let (root, person) = (Party::new("CN=Root,O=strictness"), Party::new("CN=Person,O=strictness"));
    let anchor = root_certificate(&root, Vec::new());
    let eku = |oids: &[&str]| {
        let list = x509_cert::ext::pkix::ExtendedKeyUsage(oids.iter().map(|o| ObjectIdentifier::new_unwrap(o)).collect());
        extension(ids::ID_CE_EXT_KEY_USAGE, false, &list).unwrap()
    };
    let server_only = leaf(&root, &person, vec![eku(&["1.3.6.1.5.5.7.3.1"])]);
    assert_eq!(code(check(&anchor, &[], &server_only, &options(), &[])), "eku");
    let document_signing = leaf(&root, &person, vec![eku(&["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.36"])]);
    assert_eq!(code(check(&anchor, &[], &document_signing, &options(), &[])), "valid");
}
