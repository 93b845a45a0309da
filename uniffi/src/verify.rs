//! Verification for banks and portals: a verifier holding trust anchors (and its signature
//! cache), for chains and CMS signatures, returning report records.

use std::sync::Arc;

use mobile_id::algorithms::AlgorithmPolicy;
use mobile_id::report::SignatureReport;
use mobile_id::x509::{ChainVerifier, ParsedCertificate, Purpose, RevocationData, ValidationOptions, load};

use std::time::SystemTime;

use crate::MobileIdError;
use crate::report::{Indication, SubIndication, secs_of, time_of};
use crate::signing::now;

/// What a certificate is checked for.
#[derive(Clone, Copy, Debug, uniffi::Enum)]
pub enum CertificatePurpose {
    /// nonRepudiation.
    Signing,
    /// digitalSignature (+ clientAuth when an EKU is present).
    Authentication,
    /// No purpose check.
    Any,
}

/// The verdict on a chain.
#[derive(Clone, Debug, uniffi::Record)]
pub struct ChainReport {
    /// Whether the chain is valid.
    pub valid: bool,
    /// A stable reason code (`ok`, `expired`, `revoked`, …).
    pub code: String,
    /// A human message.
    pub message: String,
    /// Subjects, leaf first.
    pub chain: Vec<String>,
}

/// The verdict on one signature (ETSI EN 319 102-1 style).
#[derive(Clone, Debug, uniffi::Record)]
pub struct SignatureVerdict {
    /// TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED.
    pub indication: Indication,
    /// Why, when not TOTAL-PASSED.
    pub sub_indication: Option<SubIndication>,
    /// A human message.
    pub message: String,
    /// The signer's subject.
    pub signer_subject: Option<String>,
    /// The signer's given name.
    pub given_name: Option<String>,
    /// The signer's surname.
    pub surname: Option<String>,
    /// The semantics identifier, e.g. PNOAZ-7TEST01.
    pub semantics_identifier: Option<String>,
    /// The time a valid signature timestamp proves.
    pub timestamp_time: Option<SystemTime>,
    /// The claimed signing time (signingTime), not proven by anything.
    pub claimed_signing_time: Option<SystemTime>,
    /// The signer's certificate, DER, when the chain validated.
    pub signer_certificate: Option<Vec<u8>>,
}

/// The verdict on a CMS.
#[derive(Clone, Debug, uniffi::Record)]
pub struct CmsVerdict {
    /// Every signer TOTAL-PASSED.
    pub passed: bool,
    /// One per signer.
    pub signers: Vec<SignatureVerdict>,
}

fn verdict(r: &SignatureReport) -> SignatureVerdict {
    let id = r.signer.as_ref();
    SignatureVerdict {
        indication: r.indication.into(),
        sub_indication: r.sub_indication.map(Into::into),
        message: r.message.clone(),
        signer_subject: r.signer_subject.clone(),
        given_name: id.and_then(|i| i.given_name.clone()),
        surname: id.and_then(|i| i.surname.clone()),
        semantics_identifier: id.and_then(|i| i.semantics_identifier.as_ref()).map(ToString::to_string),
        timestamp_time: r.timestamp_time.map(time_of),
        claimed_signing_time: r.signing_time.map(time_of),
        signer_certificate: r.chain.first().map(|c| c.der.to_vec()),
    }
}

/// Trust anchors, their cache and the algorithm policy; share one across threads.
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: ChainVerifier,
    policy: AlgorithmPolicy,
}

impl Verifier {
    pub(crate) fn chain_verifier(&self) -> &ChainVerifier {
        &self.inner
    }

    pub(crate) fn algorithm_policy(&self) -> &AlgorithmPolicy {
        &self.policy
    }
}

/// Certificates from a list of DER or PEM items (a PEM item may hold several).
fn certificates_of(items: &[Vec<u8>]) -> Result<Vec<ParsedCertificate>, mobile_id::x509::ValidationError> {
    let mut parsed = Vec::new();
    for item in items {
        parsed.extend(load::certificates(item)?);
    }
    Ok(parsed)
}

fn anchors_of(anchors: &[Vec<u8>]) -> Result<Vec<ParsedCertificate>, MobileIdError> {
    Ok(certificates_of(anchors)?)
}

#[uniffi::export]
impl Verifier {
    /// A verifier trusting `anchors` (DER or PEM each).
    #[uniffi::constructor]
    pub fn new(anchors: Vec<Vec<u8>>) -> Result<Arc<Self>, MobileIdError> {
        Ok(Arc::new(Self { inner: ChainVerifier::new(anchors_of(&anchors)?), policy: AlgorithmPolicy::default() }))
    }

    /// A verifier trusting `anchors` that judges algorithms by `algorithm_policy`, a dated
    /// policy in JSON (the form `default_algorithm_policy()` returns).
    #[uniffi::constructor]
    pub fn with_algorithm_policy(anchors: Vec<Vec<u8>>, algorithm_policy: String) -> Result<Arc<Self>, MobileIdError> {
        let policy = AlgorithmPolicy::from_json(&algorithm_policy).map_err(|reason| MobileIdError::InvalidInput { reason })?;
        Ok(Arc::new(Self { inner: ChainVerifier::new(anchors_of(&anchors)?), policy }))
    }

    /// Validates `leaf` through `intermediates` (DER or PEM each, like the anchors) at `time`
    /// (now when absent). A certificate that does not decode is a verdict
    /// (`valid` false, code `malformed`), as on the command line.
    pub fn verify_chain(
        &self,
        leaf: Vec<u8>,
        intermediates: Vec<Vec<u8>>,
        purpose: CertificatePurpose,
        time: Option<SystemTime>,
    ) -> Result<ChainReport, MobileIdError> {
        let time = time.map(secs_of).transpose()?;
        let malformed = |what: &str, e: mobile_id::x509::ValidationError| ChainReport {
            valid: false,
            code: "malformed".into(),
            message: format!("{what}: {e}"),
            chain: Vec::new(),
        };
        let leaf = match certificates_of(std::slice::from_ref(&leaf)) {
            Ok(mut one) if one.len() == 1 => one.remove(0),
            Ok(_) => return Err(MobileIdError::InvalidInput { reason: "the leaf must be exactly one certificate".into() }),
            Err(e) => return Ok(malformed("leaf", e)),
        };
        let pool = match certificates_of(&intermediates) {
            Ok(pool) => pool,
            Err(e) => return Ok(malformed("intermediates", e)),
        };
        let purpose = match purpose {
            CertificatePurpose::Signing => Purpose::Signing,
            CertificatePurpose::Authentication => Purpose::Authentication,
            CertificatePurpose::Any => Purpose::Any,
        };
        let mut options = ValidationOptions::new(time.unwrap_or_else(now), purpose);
        options.algorithm_policy = self.policy.clone();
        Ok(match self.inner.verify(&leaf, &pool, &RevocationData::default(), &options) {
            Ok(path) => ChainReport {
                valid: true,
                code: "ok".into(),
                message: "the chain is valid".into(),
                chain: path.chain.iter().map(ParsedCertificate::subject_text).collect(),
            },
            Err(e) => ChainReport { valid: false, code: e.code().into(), message: e.to_string(), chain: Vec::new() },
        })
    }

    /// Verifies a CMS signature; `content` for a detached one.
    pub fn verify_cms(&self, signature: Vec<u8>, content: Option<Vec<u8>>, time: Option<SystemTime>) -> Result<CmsVerdict, MobileIdError> {
        let time = time.map(secs_of).transpose()?;
        let mut options = mobile_id::cms::CmsVerifyOptions::new(time.unwrap_or_else(now));
        options.algorithm_policy = self.policy.clone();
        let mut reader = content.as_deref();
        let detached: Option<&mut dyn std::io::Read> = reader.as_mut().map(|r| r as &mut dyn std::io::Read);
        let report = mobile_id::cms::verify(&signature, detached, &self.inner, &options)?;
        Ok(CmsVerdict { passed: report.passed(), signers: report.signers.iter().map(verdict).collect() })
    }
}

/// The library's default dated algorithm policy, as JSON: a starting point for one's own.
#[uniffi::export]
pub fn default_algorithm_policy() -> String {
    AlgorithmPolicy::default_json().to_string()
}
