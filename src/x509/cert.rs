//! A certificate decoded once for validation: the x509-cert structure, its DER and SHA-256,
//! prepared names, validity in Unix seconds, and every extension RFC 5280 §4.2 asks a
//! validator to process, decoded and checked for duplicates.

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode, Sequence, Tagged};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::certpolicy::CertificatePolicies;
use x509_cert::ext::pkix::constraints::{BasicConstraints, NameConstraints, PolicyConstraints};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::crl::{CrlDistributionPoints, FreshestCrl};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage, PolicyMappings, SubjectAltName, SubjectKeyIdentifier};

use super::ValidationError;
use super::name::NormalizedName;
use super::qc::QcStatements;

/// Extension OIDs (RFC 5280 §4.2, RFC 3739, RFC 6960): names of const-oid's database where it
/// has them; only id-pe-qcStatements (RFC 3739) is written out.
pub mod oid {
    use const_oid::db;
    use der::asn1::ObjectIdentifier;
    /// id-ce-subjectKeyIdentifier.
    pub const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
    /// id-ce-keyUsage.
    pub const KEY_USAGE: ObjectIdentifier = db::rfc5280::ID_CE_KEY_USAGE;
    /// id-ce-subjectAltName.
    pub const SUBJECT_ALT_NAME: ObjectIdentifier = db::rfc5280::ID_CE_SUBJECT_ALT_NAME;
    /// id-ce-issuerAltName.
    pub const ISSUER_ALT_NAME: ObjectIdentifier = db::rfc5280::ID_CE_ISSUER_ALT_NAME;
    /// id-ce-basicConstraints.
    pub const BASIC_CONSTRAINTS: ObjectIdentifier = db::rfc5280::ID_CE_BASIC_CONSTRAINTS;
    /// id-ce-nameConstraints.
    pub const NAME_CONSTRAINTS: ObjectIdentifier = db::rfc5280::ID_CE_NAME_CONSTRAINTS;
    /// id-ce-cRLDistributionPoints.
    pub const CRL_DISTRIBUTION_POINTS: ObjectIdentifier = db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS;
    /// id-ce-certificatePolicies.
    pub const CERTIFICATE_POLICIES: ObjectIdentifier = db::rfc5280::ID_CE_CERTIFICATE_POLICIES;
    /// anyPolicy.
    pub const ANY_POLICY: ObjectIdentifier = db::rfc5280::ANY_POLICY;
    /// id-ce-policyMappings.
    pub const POLICY_MAPPINGS: ObjectIdentifier = db::rfc5280::ID_CE_POLICY_MAPPINGS;
    /// id-ce-authorityKeyIdentifier.
    pub const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;
    /// id-ce-policyConstraints.
    pub const POLICY_CONSTRAINTS: ObjectIdentifier = db::rfc5280::ID_CE_POLICY_CONSTRAINTS;
    /// id-ce-extKeyUsage.
    pub const EXT_KEY_USAGE: ObjectIdentifier = db::rfc5280::ID_CE_EXT_KEY_USAGE;
    /// id-ce-freshestCRL.
    pub const FRESHEST_CRL: ObjectIdentifier = db::rfc5280::ID_CE_FRESHEST_CRL;
    /// id-ce-inhibitAnyPolicy.
    pub const INHIBIT_ANY_POLICY: ObjectIdentifier = db::rfc5280::ID_CE_INHIBIT_ANY_POLICY;
    /// id-ce-subjectDirectoryAttributes.
    pub const SUBJECT_DIRECTORY_ATTRIBUTES: ObjectIdentifier = db::rfc5280::ID_CE_SUBJECT_DIRECTORY_ATTRIBUTES;
    /// id-pe-authorityInfoAccess.
    pub const AUTHORITY_INFO_ACCESS: ObjectIdentifier = db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS;
    /// id-pe-subjectInfoAccess.
    pub const SUBJECT_INFO_ACCESS: ObjectIdentifier = db::rfc5280::ID_PE_SUBJECT_INFO_ACCESS;
    /// id-pe-qcStatements.
    pub const QC_STATEMENTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.3");
    /// id-pkix-ocsp-nocheck.
    pub const OCSP_NOCHECK: ObjectIdentifier = db::rfc6960::ID_PKIX_OCSP_NOCHECK;
    /// id-kp-clientAuth.
    pub const KP_CLIENT_AUTH: ObjectIdentifier = db::rfc5280::ID_KP_CLIENT_AUTH;
    /// id-kp-timeStamping.
    pub const KP_TIME_STAMPING: ObjectIdentifier = db::rfc5280::ID_KP_TIME_STAMPING;
    /// id-kp-OCSPSigning.
    pub const KP_OCSP_SIGNING: ObjectIdentifier = db::rfc5280::ID_KP_OCSP_SIGNING;
    /// emailAddress (PKCS #9), constrained like rfc822Name.
    pub const EMAIL_ADDRESS: ObjectIdentifier = db::rfc3280::EMAIL_ADDRESS;
}

/// The extensions a validator acts on, decoded.
#[derive(Clone, Debug, Default)]
pub struct ParsedExtensions {
    /// basicConstraints.
    pub basic_constraints: Option<BasicConstraints>,
    /// keyUsage.
    pub key_usage: Option<KeyUsage>,
    /// extKeyUsage and whether it is critical.
    pub ext_key_usage: Option<(ExtendedKeyUsage, bool)>,
    /// nameConstraints.
    pub name_constraints: Option<NameConstraints>,
    /// certificatePolicies: the policy OIDs (qualifiers are not processed).
    pub policies: Option<Vec<ObjectIdentifier>>,
    /// policyMappings.
    pub policy_mappings: Option<PolicyMappings>,
    /// policyConstraints.
    pub policy_constraints: Option<PolicyConstraints>,
    /// inhibitAnyPolicy.
    pub inhibit_any_policy: Option<u32>,
    /// subjectAltName.
    pub subject_alt_name: Option<Vec<GeneralName>>,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// cRLDistributionPoints.
    pub crl_distribution_points: Option<Vec<DistributionPoint>>,
    /// freshestCRL (where delta CRLs are).
    pub freshest_crl: Option<Vec<DistributionPoint>>,
    /// QC statements.
    pub qc_statements: Option<QcStatements>,
    /// id-pkix-ocsp-nocheck present.
    pub ocsp_nocheck: bool,
    /// Critical extensions not processed by this library.
    pub unknown_critical: Vec<ObjectIdentifier>,
    /// Every extension marked critical, processed or not.
    pub critical: Vec<ObjectIdentifier>,
}

/// A certificate ready for validation. Cloning it is cheap (its parts are shared), so paths,
/// caches and reports hold clones rather than parsing again.
#[derive(Clone, Debug)]
pub struct ParsedCertificate(Arc<ParsedParts>);

/// What a [`ParsedCertificate`] holds, shared by its clones.
#[derive(Debug)]
#[allow(unreachable_pub)]
pub struct ParsedParts {
    certificate: Certificate,
    der: Arc<[u8]>,
    tbs_der: Vec<u8>,
    fingerprint: [u8; 32],
    /// Prepared subject.
    pub(crate) subject: NormalizedName,
    /// Prepared issuer.
    pub(crate) issuer: NormalizedName,
    /// notBefore, Unix seconds.
    pub(crate) not_before: u64,
    /// notAfter, Unix seconds.
    pub(crate) not_after: u64,
    /// The decoded extensions.
    pub(crate) ext: ParsedExtensions,
    /// The subject as RFC 4514 text, made on first use.
    subject_text: OnceLock<String>,
}

impl std::ops::Deref for ParsedCertificate {
    type Target = ParsedParts;

    fn deref(&self) -> &ParsedParts {
        &self.0
    }
}

/// Most certificates kept parsed for reuse (the cache is emptied when full, so it stays
/// bounded: a few MiB).
pub const PARSED_CACHE_LIMIT: usize = 1024;

fn parsed_cache() -> &'static Mutex<HashMap<[u8; 32], ParsedCertificate>> {
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], ParsedCertificate>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Any signed structure (`Certificate`, `CertificateList`): the signed part kept as its
/// original encoding, because a decode/encode round trip may change it (RFC 5280 §4.1.1.3:
/// the signature is over the DER as issued).
#[derive(Sequence)]
pub(crate) struct RawSigned<'a> {
    pub(crate) tbs: AnyRef<'a>,
    pub(crate) algorithm: AnyRef<'a>,
    pub(crate) signature: AnyRef<'a>,
}

/// The original bytes of the signed part of a `SIGNED{…}` structure.
pub(crate) fn raw_tbs(der: &[u8], what: &'static str) -> Result<Vec<u8>, ValidationError> {
    RawSigned::from_der(der).and_then(|raw| raw.tbs.to_der()).map_err(|_| ValidationError::Malformed { what })
}

fn decode<T: for<'a> Decode<'a>>(bytes: &[u8], what: &'static str) -> Result<T, ValidationError> {
    T::from_der(bytes).map_err(|_| ValidationError::Malformed { what })
}

impl ParsedCertificate {
    /// Decodes a DER certificate and its extensions.
    ///
    /// # Errors
    /// [`ValidationError::Malformed`] for bad DER, a bad extension value, a duplicated
    /// extension, or a version that cannot carry extensions.
    pub fn from_der(der: &[u8]) -> Result<Self, ValidationError> {
        // A server sees the same certificates again and again (the CA's, a frequent signer's):
        // those parsed recently are shared, keyed by the DER's SHA-256 and compared in full.
        let fingerprint: [u8; 32] = Sha256::digest(der).into();
        if let Some(hit) = parsed_cache().lock().ok().and_then(|cache| cache.get(&fingerprint).cloned()).filter(|hit| &*hit.der == der) {
            return Ok(hit);
        }
        let parsed = Self::decode(der, fingerprint)?;
        if let Ok(mut cache) = parsed_cache().lock() {
            if cache.len() >= PARSED_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(fingerprint, parsed.clone());
        }
        Ok(parsed)
    }

    fn decode(der: &[u8], fingerprint: [u8; 32]) -> Result<Self, ValidationError> {
        let certificate = match Certificate::from_der(der) {
            Ok(c) => c,
            // `x509-cert` cannot represent UTCTime years 1950–1969: such a validity is read
            // by hand and starts at 1970-01-01 for the typed view.
            Err(_) => with_pre_1970_validity(der).ok_or(ValidationError::Malformed { what: "certificate" })?,
        };
        Self::new(certificate, der.to_vec(), fingerprint)
    }

    /// Prepares an already decoded certificate.
    ///
    /// # Errors
    /// As [`Self::from_der`].
    pub fn from_certificate(certificate: &Certificate) -> Result<Self, ValidationError> {
        let der = certificate.to_der().map_err(|_| ValidationError::Malformed { what: "certificate" })?;
        let fingerprint = Sha256::digest(&der).into();
        Self::new(certificate.clone(), der, fingerprint)
    }

    fn new(certificate: Certificate, der: Vec<u8>, fingerprint: [u8; 32]) -> Result<Self, ValidationError> {
        let tbs = certificate.tbs_certificate();
        // §4.1.1.2: the outer signatureAlgorithm is the one inside the signed part.
        if certificate.signature_algorithm() != tbs.signature() {
            return Err(ValidationError::Malformed { what: "certificate whose two signature algorithm fields differ" });
        }
        let tbs_der = raw_tbs(&der, "certificate")?;
        let ext = parse_extensions(tbs.extensions().map(Vec::as_slice).unwrap_or_default())?;
        Ok(Self(Arc::new(ParsedParts {
            subject: NormalizedName::new(tbs.subject()),
            issuer: NormalizedName::new(tbs.issuer()),
            not_before: tbs.validity().not_before.to_unix_duration().as_secs(),
            not_after: tbs.validity().not_after.to_unix_duration().as_secs(),
            fingerprint,
            certificate,
            der: der.into(),
            tbs_der,
            ext,
            subject_text: OnceLock::new(),
        })))
    }

    /// The decoded certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Its DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Its DER, shared (reports keep it without copying).
    pub fn shared_der(&self) -> Arc<[u8]> {
        self.der.clone()
    }

    /// The DER of its TBSCertificate, the signed bytes.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs_der
    }

    /// SHA-256 of the DER.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The decoded extensions.
    pub fn extensions(&self) -> &ParsedExtensions {
        &self.ext
    }

    /// Subject and issuer are the same name (RFC 5280 §6.1: "self-issued").
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// basicConstraints cA is TRUE.
    pub fn is_ca(&self) -> bool {
        self.ext.basic_constraints.as_ref().is_some_and(|bc| bc.ca)
    }

    /// The subject as RFC 4514 text (for reports), made once per certificate.
    pub fn subject_text(&self) -> String {
        self.subject_text.get_or_init(|| self.certificate.tbs_certificate().subject().to_string()).clone()
    }
}

/// Decodes a certificate whose Validity holds a UTCTime in 1950–1969 (RFC 5280 §4.1.2.5.1:
/// two-digit years 50–99 are 19YY), which `x509-cert`'s `Time` cannot represent: the TBS is
/// read element by element, the Validity's two times are decoded here, a time before 1970 is
/// replaced by 1970-01-01T00:00:00Z (the same for every time this library validates at), and
/// the structure is re-encoded for the typed view. The caller keeps the original bytes, over
/// which the issuer's signature is checked. `None` when the Validity holds no such time or the
/// structure does not read.
fn with_pre_1970_validity(der: &[u8]) -> Option<Certificate> {
    let raw = RawSigned::from_der(der).ok()?;
    let mut reader = der::SliceReader::new(raw.tbs.value()).ok()?;
    let mut items = Vec::new();
    while !der::Reader::is_finished(&reader) {
        items.push(AnyRef::decode(&mut reader).ok()?);
        if items.len() > 10 {
            return None;
        }
    }
    // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, …
    let version = der::Tag::ContextSpecific { constructed: true, number: der::TagNumber(0) };
    let at = if items.first()?.tag() == version { 4 } else { 3 };
    let validity = items.get(at)?;
    let mut times = der::SliceReader::new(validity.value()).ok()?;
    let mut validity_body = Vec::new();
    let mut changed = false;
    for _ in 0..2 {
        let time = AnyRef::decode(&mut times).ok()?;
        let value = time.value();
        let before_1970 =
            time.tag() == der::Tag::UtcTime && value.len() == 13 && value.get(..2).is_some_and(|yy| (b"50".as_slice()..=b"69".as_slice()).contains(&yy));
        if before_1970 {
            changed = true;
            validity_body.extend_from_slice(&der::asn1::UtcTime::from_unix_duration(std::time::Duration::ZERO).ok()?.to_der().ok()?);
        } else {
            validity_body.extend_from_slice(&time.to_der().ok()?);
        }
    }
    if !changed || !der::Reader::is_finished(&times) {
        return None;
    }
    let validity_der = AnyRef::new(der::Tag::Sequence, &validity_body).ok()?.to_der().ok()?;
    let mut tbs_body = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i == at {
            tbs_body.extend_from_slice(&validity_der);
        } else {
            tbs_body.extend_from_slice(&item.to_der().ok()?);
        }
    }
    let tbs = AnyRef::new(der::Tag::Sequence, &tbs_body).ok()?;
    let rebuilt = RawSigned { tbs, algorithm: raw.algorithm, signature: raw.signature }.to_der().ok()?;
    Certificate::from_der(&rebuilt).ok()
}

/// Most extensions accepted on one certificate (real ones have about a dozen).
pub const MAX_EXTENSIONS: usize = 64;
/// Most policies accepted in one certificatePolicies extension.
pub const MAX_POLICIES: usize = 256;

fn parse_extensions(extensions: &[x509_cert::ext::Extension]) -> Result<ParsedExtensions, ValidationError> {
    if extensions.len() > MAX_EXTENSIONS {
        return Err(ValidationError::Malformed { what: "certificate with too many extensions" });
    }
    let mut parsed = ParsedExtensions::default();
    let mut seen = std::collections::BTreeSet::new();
    for ext in extensions {
        if !seen.insert(ext.extn_id) {
            return Err(ValidationError::Malformed { what: "certificate with a repeated extension" });
        }
        let value = ext.extn_value.as_bytes();
        if ext.critical {
            parsed.critical.push(ext.extn_id);
        }
        match ext.extn_id {
            oid::BASIC_CONSTRAINTS => parsed.basic_constraints = Some(decode(value, "basicConstraints")?),
            oid::KEY_USAGE => parsed.key_usage = Some(decode(value, "keyUsage")?),
            oid::EXT_KEY_USAGE => parsed.ext_key_usage = Some((decode(value, "extKeyUsage")?, ext.critical)),
            oid::NAME_CONSTRAINTS => parsed.name_constraints = Some(decode(value, "nameConstraints")?),
            oid::CERTIFICATE_POLICIES => {
                let policies: CertificatePolicies = decode(value, "certificatePolicies")?;
                let oids: Vec<_> = policies.0.iter().map(|p| p.policy_identifier).collect();
                if oids.len() > MAX_POLICIES {
                    return Err(ValidationError::Malformed { what: "certificatePolicies with too many policies" });
                }
                if oids.iter().collect::<std::collections::BTreeSet<_>>().len() != oids.len() {
                    return Err(ValidationError::Malformed { what: "certificatePolicies with a repeated policy" });
                }
                parsed.policies = Some(oids);
            }
            oid::POLICY_MAPPINGS => parsed.policy_mappings = Some(decode(value, "policyMappings")?),
            oid::POLICY_CONSTRAINTS => parsed.policy_constraints = Some(decode(value, "policyConstraints")?),
            oid::INHIBIT_ANY_POLICY => parsed.inhibit_any_policy = Some(decode::<InhibitAnyPolicy>(value, "inhibitAnyPolicy")?.0),
            oid::SUBJECT_ALT_NAME => parsed.subject_alt_name = Some(decode::<SubjectAltName>(value, "subjectAltName")?.0),
            oid::SUBJECT_KEY_IDENTIFIER => {
                parsed.subject_key_id = Some(decode::<SubjectKeyIdentifier>(value, "subjectKeyIdentifier")?.0.as_bytes().to_vec());
            }
            oid::AUTHORITY_KEY_IDENTIFIER => {
                let aki: AuthorityKeyIdentifier = decode(value, "authorityKeyIdentifier")?;
                parsed.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            }
            oid::CRL_DISTRIBUTION_POINTS => {
                parsed.crl_distribution_points = Some(decode::<CrlDistributionPoints>(value, "cRLDistributionPoints")?.0);
            }
            oid::FRESHEST_CRL => parsed.freshest_crl = Some(decode::<FreshestCrl>(value, "freshestCRL")?.0),
            oid::QC_STATEMENTS => parsed.qc_statements = Some(QcStatements::from_der(value)?),
            oid::OCSP_NOCHECK => parsed.ocsp_nocheck = true,
            // Recognised, informational: nothing to enforce.
            oid::ISSUER_ALT_NAME | oid::AUTHORITY_INFO_ACCESS | oid::SUBJECT_INFO_ACCESS | oid::SUBJECT_DIRECTORY_ATTRIBUTES => {}
            other => {
                if ext.critical {
                    parsed.unknown_critical.push(other);
                }
            }
        }
    }
    Ok(parsed)
}
