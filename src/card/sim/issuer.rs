//! The virtual SIM's demo certification authority: a self-signed root that issues the
//! authentication and signing certificates of a demo person (RFC 5280 §4 profile, ETSI EN 319
//! 412-1 §5.1.3 semantics identifiers, ETSI EN 319 412-5 QC statements).
//!
//! For tests and demos only: the root's key sits in the SIM's state directory.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{Any, ObjectIdentifier, OctetString, UtcTime};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::{CertificatePolicies, PolicyInformation};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::SimError;
use crate::card::profile::KeyRole;
use crate::ec::{Curve, EcSigningKey};

/// id-pe-qcStatements (RFC 3739 §3.2.6).
pub const ID_PE_QC_STATEMENTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.3");
/// esi4-qcStatement-1, QcCompliance (ETSI EN 319 412-5 §4.2.1).
pub const QC_COMPLIANCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.1");
/// esi4-qcStatement-4, QcSSCD (ETSI EN 319 412-5 §4.2.2).
pub const QC_SSCD: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.4");
/// esi4-qcStatement-6, QcType (ETSI EN 319 412-5 §4.2.3).
pub const QC_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.6");
/// id-etsi-qct-esign (ETSI EN 319 412-5 §4.2.3).
pub const QC_TYPE_ESIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.6.1");
/// The demo CA's certificate policy: id-TEST-certPolicyOne (RFC 7229 §2), an OID set aside for
/// test certificates, so a demo certificate can never claim a real policy.
pub const DEMO_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.13.1");
/// id-kp-clientAuth (RFC 5280 §4.2.1.12).
pub const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// One QCStatement (RFC 3739 §3.2.6).
///
/// ```text
/// QCStatement ::= SEQUENCE {
///     statementId   QC-STATEMENT.&id({SupportedStatements}),
///     statementInfo QC-STATEMENT.&Type({SupportedStatements}{@statementId}) OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct QcStatement {
    /// The statement's OID.
    pub statement_id: ObjectIdentifier,
    /// Its parameters, when it has any.
    #[asn1(optional = "true")]
    pub statement_info: Option<Any>,
}

/// The person a demo SIM belongs to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DemoIdentity {
    /// givenName.
    pub given_name: String,
    /// surname.
    pub surname: String,
    /// ISO 3166 country code.
    pub country: String,
    /// The ETSI EN 319 412-1 semantics identifier, e.g. `PNOAZ-7TEST01`.
    pub semantics_identifier: String,
}

impl Default for DemoIdentity {
    fn default() -> Self {
        Self { given_name: "AYSEL".into(), surname: "MAMMADOVA".into(), country: "AZ".into(), semantics_identifier: "PNOAZ-7TEST01".into() }
    }
}

/// The demo certification authority.
#[derive(Debug)]
pub struct DemoCa {
    key: EcSigningKey,
    certificate: Certificate,
}

/// Escapes a value for an RFC 4514 string.
fn rfc4514_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') || (i == 0 && matches!(c, '#' | ' ')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn der_err(_: der::Error) -> SimError {
    SimError::Certificate
}

fn utc(time: SystemTime) -> Result<Time, SimError> {
    let since = time.duration_since(SystemTime::UNIX_EPOCH).map_err(|_| SimError::Certificate)?;
    // Whole seconds, as DER times carry no fractions here.
    let since = Duration::from_secs(since.as_secs());
    Ok(Time::UtcTime(UtcTime::from_unix_duration(since).map_err(der_err)?))
}

fn validity(now: SystemTime, years: u64) -> Result<Validity, SimError> {
    let day = Duration::from_secs(86_400);
    Ok(Validity::new(utc(now.checked_sub(day).ok_or(SimError::Certificate)?)?, utc(now + Duration::from_secs(years * 365 * 86_400))?))
}

/// Encodes an extension value (any `der` type) as an X.509 Extension (RFC 5280 §4.1).
///
/// # Errors
/// [`SimError::Certificate`] if the value does not encode.
pub fn extension<T: Encode>(oid: ObjectIdentifier, critical: bool, value: &T) -> Result<Extension, SimError> {
    Ok(Extension { extn_id: oid, critical, extn_value: OctetString::new(value.to_der().map_err(der_err)?).map_err(der_err)? })
}

/// basicConstraints cA TRUE (with `path_len`) and keyUsage keyCertSign + cRLSign, both critical.
///
/// # Errors
/// [`SimError::Certificate`] if they do not encode.
pub fn ca_extensions(path_len: Option<u8>) -> Result<Vec<Extension>, SimError> {
    Ok(vec![
        extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: true, path_len_constraint: path_len })?,
        extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign))?,
    ])
}

/// The key identifier of RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the
/// subjectPublicKey bits.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    let digest = Sha256::digest(spki.subject_public_key.raw_bytes());
    digest.iter().take(20).copied().collect()
}

fn random_serial() -> Result<SerialNumber, SimError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| SimError::Random)?;
    bytes[0] &= 0x7F;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).map_err(der_err)
}

impl DemoCa {
    /// A new root CA on `curve`, valid for ten years from a day before `now`.
    ///
    /// # Errors
    /// [`SimError::Certificate`] if the certificate cannot be built.
    pub fn generate(curve: Curve, now: SystemTime) -> Result<Self, SimError> {
        let window = validity(now, 10)?;
        Self::root_with_validity("CN=mobile-id demo root CA (virtual SIM; not for production),O=mobile-id demo,C=AZ", curve, window)
    }

    /// A self-signed root named `subject` (RFC 4514), valid from `not_before` to `not_after`.
    ///
    /// # Errors
    /// [`SimError::Certificate`] for a bad name or time.
    pub fn root(subject: &str, curve: Curve, not_before: SystemTime, not_after: SystemTime) -> Result<Self, SimError> {
        Self::root_with_validity(subject, curve, Validity::new(utc(not_before)?, utc(not_after)?))
    }

    fn root_with_validity(subject: &str, curve: Curve, window: Validity) -> Result<Self, SimError> {
        let key = EcSigningKey::generate(curve).map_err(|_| SimError::Random)?;
        let spki = key.public_key_info().map_err(|_| SimError::Certificate)?;
        let name = Name::from_str(subject).map_err(der_err)?;
        let mut extensions = ca_extensions(None)?;
        extensions.push(extension(
            const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(OctetString::new(key_identifier(&spki)).map_err(der_err)?),
        )?);
        let certificate = sign_tbs(&key, name.clone(), name, spki, window, extensions)?;
        Ok(Self { key, certificate })
    }

    /// A subordinate CA under this one, with a fresh key on `curve`.
    ///
    /// # Errors
    /// [`SimError::Certificate`] for a bad name or time.
    pub fn subordinate(&self, subject: &str, curve: Curve, not_before: SystemTime, not_after: SystemTime, path_len: Option<u8>) -> Result<Self, SimError> {
        let key = EcSigningKey::generate(curve).map_err(|_| SimError::Random)?;
        let spki = key.public_key_info().map_err(|_| SimError::Certificate)?;
        let certificate = self.issue(subject, spki, not_before, not_after, ca_extensions(path_len)?)?;
        Ok(Self { key, certificate })
    }

    /// Issues a certificate with exactly `extensions` plus subject and authority key
    /// identifiers: the building block for test PKIs (intermediates, TSA and OCSP responder
    /// certificates, edge cases).
    ///
    /// # Errors
    /// [`SimError::Certificate`] for a bad name or time.
    pub fn issue(
        &self,
        subject: &str,
        subject_key: SubjectPublicKeyInfoOwned,
        not_before: SystemTime,
        not_after: SystemTime,
        mut extensions: Vec<Extension>,
    ) -> Result<Certificate, SimError> {
        let subject = Name::from_str(subject).map_err(der_err)?;
        extensions.push(extension(
            const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(OctetString::new(key_identifier(&subject_key)).map_err(der_err)?),
        )?);
        extensions.push(self.authority_key_identifier()?);
        let window = Validity::new(utc(not_before)?, utc(not_after)?);
        sign_tbs(&self.key, self.certificate.tbs_certificate().subject().clone(), subject, subject_key, window, extensions)
    }

    /// Issues a CRL listing `revoked` (serial number and revocation time), valid from
    /// `this_update` to `next_update` (RFC 5280 §5), as DER.
    ///
    /// # Errors
    /// [`SimError::Certificate`] if it cannot be built.
    pub fn issue_crl(&self, revoked: &[(SerialNumber, SystemTime)], this_update: SystemTime, next_update: SystemTime) -> Result<Vec<u8>, SimError> {
        use x509_cert::builder::CrlBuilder;
        use x509_cert::crl::RevokedCert;
        use x509_cert::ext::pkix::CrlNumber;
        let entries = revoked
            .iter()
            .map(|(serial, when)| Ok(RevokedCert { serial_number: serial.clone(), revocation_date: utc(*when)?, crl_entry_extensions: None }))
            .collect::<Result<Vec<_>, SimError>>()?;
        let number = CrlNumber(der::asn1::Uint::new(&[1]).map_err(der_err)?);
        let builder = CrlBuilder::new_with_this_update(&self.certificate, number, utc(this_update)?)
            .map_err(der_err)?
            .with_next_update(Some(utc(next_update)?))
            .with_certificates(entries.into_iter());
        let crl = match &self.key {
            EcSigningKey::P256(key) => builder.build::<_, p256::ecdsa::DerSignature>(key),
            EcSigningKey::P384(key) => builder.build::<_, p384::ecdsa::DerSignature>(key),
        }
        .map_err(|_| SimError::Certificate)?;
        crl.to_der().map_err(der_err)
    }

    fn authority_key_identifier(&self) -> Result<Extension, SimError> {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_identifier(self.certificate.tbs_certificate().subject_public_key_info())).map_err(der_err)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extension(const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)
    }

    /// A CA from its stored key and certificate.
    pub fn from_parts(key: EcSigningKey, certificate: Certificate) -> Self {
        Self { key, certificate }
    }

    /// The root certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA key (to store it).
    pub fn key(&self) -> &EcSigningKey {
        &self.key
    }

    /// Issues `identity`'s certificate for the key in `subject_key`: for
    /// [`KeyRole::Authentication`] keyUsage digitalSignature with EKU clientAuth, for
    /// [`KeyRole::Signing`] keyUsage nonRepudiation with QC statements QcCompliance, QcSSCD and
    /// QcType esign. Valid five years from a day before `now`.
    ///
    /// # Errors
    /// [`SimError::Certificate`] if the certificate cannot be built.
    pub fn issue_person(
        &self,
        role: KeyRole,
        subject_key: SubjectPublicKeyInfoOwned,
        identity: &DemoIdentity,
        now: SystemTime,
    ) -> Result<Certificate, SimError> {
        let common_name = format!("{},{},{}", identity.surname, identity.given_name, identity.semantics_identifier);
        let subject = Name::from_str(&format!(
            "CN={},2.5.4.5={},2.5.4.42={},2.5.4.4={},C={}",
            rfc4514_escape(&common_name),
            rfc4514_escape(&identity.semantics_identifier),
            rfc4514_escape(&identity.given_name),
            rfc4514_escape(&identity.surname),
            rfc4514_escape(&identity.country),
        ))
        .map_err(der_err)?;
        let ski = key_identifier(&subject_key);
        let policies = CertificatePolicies(vec![PolicyInformation { policy_identifier: DEMO_POLICY, policy_qualifiers: None }]);
        let mut extensions = vec![
            extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS, true, &BasicConstraints { ca: false, path_len_constraint: None })?,
            extension(const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &SubjectKeyIdentifier(OctetString::new(ski).map_err(der_err)?))?,
            self.authority_key_identifier()?,
            extension(const_oid::db::rfc5280::ID_CE_CERTIFICATE_POLICIES, false, &policies)?,
        ];
        match role {
            KeyRole::Authentication => {
                extensions.push(extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::DigitalSignature.into()))?);
                extensions.push(extension(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE, false, &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]))?);
            }
            KeyRole::Signing => {
                extensions.push(extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into()))?);
                let qc_type = Any::encode_from(&vec![QC_TYPE_ESIGN]).map_err(der_err)?;
                let statements = vec![
                    QcStatement { statement_id: QC_COMPLIANCE, statement_info: None },
                    QcStatement { statement_id: QC_SSCD, statement_info: None },
                    QcStatement { statement_id: QC_TYPE, statement_info: Some(qc_type) },
                ];
                extensions.push(extension(ID_PE_QC_STATEMENTS, false, &statements)?);
            }
        }
        sign_tbs(&self.key, self.certificate.tbs_certificate().subject().clone(), subject, subject_key, validity(now, 5)?, extensions)
    }
}

/// The whole content of one certificate, handed to the x509-cert builder as its profile.
struct ExplicitProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for ExplicitProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// Builds and signs a certificate (RFC 5280 §4.1) with the issuer's key: ecdsa-with-SHA256 for
/// a P-256 issuer, ecdsa-with-SHA384 for P-384.
fn sign_tbs(
    issuer_key: &EcSigningKey,
    issuer: Name,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    validity: Validity,
    extensions: Vec<Extension>,
) -> Result<Certificate, SimError> {
    let profile = ExplicitProfile { issuer, subject, extensions };
    let builder = CertificateBuilder::new(profile, random_serial()?, validity, subject_public_key_info).map_err(|_| SimError::Certificate)?;
    let certificate = match issuer_key {
        EcSigningKey::P256(key) => builder.build::<_, p256::ecdsa::DerSignature>(key),
        EcSigningKey::P384(key) => builder.build::<_, p384::ecdsa::DerSignature>(key),
    }
    .map_err(|_| SimError::Certificate)?;
    // Round-trip once so that what is stored is exactly what decodes.
    Certificate::from_der(&certificate.to_der().map_err(der_err)?).map_err(der_err)
}
