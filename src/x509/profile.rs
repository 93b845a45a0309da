//! The RFC 5280 requirements on issued certificates and CRLs that a relying party can check,
//! enforced on every certificate of a path (not on the trust anchor, whose rules are
//! RFC 5937's) and on every CRL consulted, in the strict profile that is the default. Each broken rule has its own code, so a caller can see which one a CA broke.
//!
//! Rules that are only SHOULDs, and MUSTs whose breach real qualified CAs still ship in
//! numbers (negative serial numbers, non-critical nameConstraints), are not here.

use serde::Serialize;

use super::cert::{ParsedCertificate, oid};
use super::verifier::Purpose;

/// Whether the RFC 5280 profile rules below are enforced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conformance {
    /// Every rule of [`ProfileRule`] but one is enforced (the default): a non-critical
    /// policyConstraints is accepted, because NIST PKITS, the reference suite, marks it so in
    /// sixteen CA certificates on 28 paths it calls valid, and this library processes the
    /// extension whatever its criticality, so the flag cannot widen what is accepted.
    #[default]
    Strict,
    /// Every rule, policyConstraints criticality included.
    Pedantic,
    /// Only what RFC 5280 §6 itself requires of a validator; for archives of certificates
    /// from CAs known to break the profile.
    Lenient,
}

/// One RFC 5280 MUST that a certificate or CRL breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProfileRule {
    /// §4.2.1.1: a certificate that is not self-signed names its issuer's key.
    AuthorityKeyIdMissing,
    /// §4.2.1.1: authorityKeyIdentifier is non-critical.
    AuthorityKeyIdCritical,
    /// §4.2.1.2: a CA certificate carries subjectKeyIdentifier.
    SubjectKeyIdMissing,
    /// §4.2.1.2: subjectKeyIdentifier is non-critical.
    SubjectKeyIdCritical,
    /// §4.1.2.2: the serial number is positive…
    SerialZero,
    /// …and at most 20 octets.
    SerialTooLong,
    /// §4.2.1.12: extKeyUsage lists at least one purpose.
    ExtendedKeyUsageEmpty,
    /// §4.1.2.6: an empty subject needs a critical subjectAltName.
    EmptySubjectWithoutCriticalAltName,
    /// §4.2.1.11: policyConstraints is critical.
    PolicyConstraintsNotCritical,
    /// §4.2.1.9: keyCertSign only in a CA certificate (cA TRUE).
    KeyCertSignWithoutCa,
    /// A CA certificate (cA TRUE) presented as the end entity of a signing, login,
    /// time-stamping or OCSP path: those keys belong to end entities (§4.2.1.9, ETSI EN 319 412-2
    /// §4.3.1).
    CaAsEndEntity,
    /// §4.1.2.2, pedantic: the serial number is positive (old CAs issued negative ones).
    SerialNegative,
    /// §4.1.2.6: a CA certificate names its subject.
    CaEmptySubject,
    /// §4.2.2.1, §4.2.2.2: authorityInfoAccess and subjectInfoAccess are non-critical.
    InfoAccessCritical,
    /// §4.2.1.10: nameConstraints only in CA certificates…
    NameConstraintsInEndEntity,
    /// …marked critical.
    NameConstraintsNotCritical,
    /// §5.2.3: a CRL carries cRLNumber…
    CrlNumberMissing,
    /// …non-critical.
    CrlNumberCritical,
}

impl ProfileRule {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::AuthorityKeyIdMissing => "aki-missing",
            Self::AuthorityKeyIdCritical => "aki-critical",
            Self::SubjectKeyIdMissing => "ski-missing",
            Self::SubjectKeyIdCritical => "ski-critical",
            Self::SerialZero => "serial-zero",
            Self::SerialTooLong => "serial-too-long",
            Self::ExtendedKeyUsageEmpty => "eku-empty",
            Self::EmptySubjectWithoutCriticalAltName => "empty-subject-without-critical-san",
            Self::PolicyConstraintsNotCritical => "policy-constraints-not-critical",
            Self::KeyCertSignWithoutCa => "key-cert-sign-without-ca",
            Self::CaAsEndEntity => "ca-as-end-entity",
            Self::SerialNegative => "serial-negative",
            Self::CaEmptySubject => "ca-empty-subject",
            Self::InfoAccessCritical => "info-access-critical",
            Self::NameConstraintsInEndEntity => "name-constraints-in-end-entity",
            Self::NameConstraintsNotCritical => "name-constraints-not-critical",
            Self::CrlNumberMissing => "crl-number-missing",
            Self::CrlNumberCritical => "crl-number-critical",
        }
    }

    /// What the rule says, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::AuthorityKeyIdMissing => "a certificate that is not self-signed has no authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1)",
            Self::AuthorityKeyIdCritical => "authorityKeyIdentifier is marked critical (RFC 5280 §4.2.1.1)",
            Self::SubjectKeyIdMissing => "a CA certificate has no subjectKeyIdentifier (RFC 5280 §4.2.1.2)",
            Self::SubjectKeyIdCritical => "subjectKeyIdentifier is marked critical (RFC 5280 §4.2.1.2)",
            Self::SerialZero => "a serial number is zero (RFC 5280 §4.1.2.2)",
            Self::SerialTooLong => "a serial number is longer than 20 octets (RFC 5280 §4.1.2.2)",
            Self::ExtendedKeyUsageEmpty => "extKeyUsage lists no purpose (RFC 5280 §4.2.1.12)",
            Self::EmptySubjectWithoutCriticalAltName => "an empty subject without a critical subjectAltName (RFC 5280 §4.1.2.6)",
            Self::PolicyConstraintsNotCritical => "policyConstraints is not marked critical (RFC 5280 §4.2.1.11)",
            Self::KeyCertSignWithoutCa => "keyCertSign asserted in a certificate that is not a CA (RFC 5280 §4.2.1.9)",
            Self::CaAsEndEntity => "a CA certificate is used as the end entity",
            Self::SerialNegative => "a serial number is negative (RFC 5280 §4.1.2.2)",
            Self::CaEmptySubject => "a CA certificate has an empty subject (RFC 5280 §4.1.2.6)",
            Self::InfoAccessCritical => "authorityInfoAccess or subjectInfoAccess is marked critical (RFC 5280 §4.2.2)",
            Self::NameConstraintsInEndEntity => "nameConstraints in a certificate that is not a CA (RFC 5280 §4.2.1.10)",
            Self::NameConstraintsNotCritical => "nameConstraints is not marked critical (RFC 5280 §4.2.1.10)",
            Self::CrlNumberMissing => "a CRL has no cRLNumber (RFC 5280 §5.2.3)",
            Self::CrlNumberCritical => "a CRL's cRLNumber is marked critical (RFC 5280 §5.2.3)",
        }
    }
}

/// Which certificate of the path is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The trust anchor certificate (its serial number is not judged: some roots in service
    /// predate the rule).
    Anchor,
    /// An intermediate CA.
    Intermediate,
    /// The leaf, used for `purpose`.
    Leaf(Purpose),
    /// A certificate trusted as itself.
    TrustedItself,
}

/// The rules of §4 on one certificate. `self_signed` says whether its own key signs it (then
/// it need not name an authority key).
pub(crate) fn check_certificate(cert: &ParsedCertificate, self_signed: bool, role: Role, level: Conformance) -> Result<(), ProfileRule> {
    if level == Conformance::Lenient {
        return Ok(());
    }
    if role != Role::Anchor {
        let serial = cert.certificate().tbs_certificate().serial_number().as_bytes();
        let value = serial.strip_prefix(&[0]).filter(|rest| !rest.is_empty()).unwrap_or(serial);
        if value.iter().all(|b| *b == 0) {
            return Err(ProfileRule::SerialZero);
        }
        if value.len() > 20 {
            return Err(ProfileRule::SerialTooLong);
        }
        if level == Conformance::Pedantic && serial.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(ProfileRule::SerialNegative);
        }
    }
    let ext = &cert.ext;
    let critical = |id| ext.critical.contains(&id);
    if critical(oid::AUTHORITY_KEY_IDENTIFIER) {
        return Err(ProfileRule::AuthorityKeyIdCritical);
    }
    if critical(oid::SUBJECT_KEY_IDENTIFIER) {
        return Err(ProfileRule::SubjectKeyIdCritical);
    }
    if !self_signed && ext.authority_key_id.is_none() {
        return Err(ProfileRule::AuthorityKeyIdMissing);
    }
    if cert.is_ca() && ext.subject_key_id.is_none() {
        return Err(ProfileRule::SubjectKeyIdMissing);
    }
    if ext.ext_key_usage.as_ref().is_some_and(|(eku, _)| eku.0.is_empty()) {
        return Err(ProfileRule::ExtendedKeyUsageEmpty);
    }
    if cert.is_ca() && cert.subject.is_empty() {
        return Err(ProfileRule::CaEmptySubject);
    }
    if cert.subject.is_empty() && !(ext.subject_alt_name.is_some() && critical(oid::SUBJECT_ALT_NAME)) {
        return Err(ProfileRule::EmptySubjectWithoutCriticalAltName);
    }
    if level == Conformance::Pedantic && ext.policy_constraints.is_some() && !critical(oid::POLICY_CONSTRAINTS) {
        return Err(ProfileRule::PolicyConstraintsNotCritical);
    }
    if ext.key_usage.as_ref().is_some_and(|ku| ku.key_cert_sign()) && !cert.is_ca() {
        return Err(ProfileRule::KeyCertSignWithoutCa);
    }
    if cert.is_ca() && matches!(role, Role::Leaf(p) if p != Purpose::Any) {
        return Err(ProfileRule::CaAsEndEntity);
    }
    if critical(oid::AUTHORITY_INFO_ACCESS) || critical(oid::SUBJECT_INFO_ACCESS) {
        return Err(ProfileRule::InfoAccessCritical);
    }
    if ext.name_constraints.is_some() {
        if !cert.is_ca() {
            return Err(ProfileRule::NameConstraintsInEndEntity);
        }
        if !critical(oid::NAME_CONSTRAINTS) {
            return Err(ProfileRule::NameConstraintsNotCritical);
        }
    }
    Ok(())
}
