//! The portal's side of a login: validate the phone's answer to a challenge the portal issued —
//! the challenge exists, is unexpired and is consumed; the signature is over the portal's own
//! challenge (ECDSA raw r‖s or DER; RSA PKCS #1 v1.5 over DigestInfo); the certificate chains to
//! a configured anchor now, for authentication, unrevoked as configured — and read the identity
//! from the certificate, never from the request.

use serde::Serialize;
use spki::AlgorithmIdentifierOwned;

use super::AuthError;
use super::challenge::ChallengeStore;
use crate::report::ChainEntry;
use crate::signer::raw_to_der;
use crate::x509::{ChainVerifier, Identity, ParsedCertificate, Purpose, RevocationData, RevocationMode, ValidationOptions, verify_signature_prehashed};

/// id-ecPublicKey as the signature algorithm: ECDSA over the challenge's own hash.
const ID_EC_PUBLIC_KEY: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;

/// What the phone (or the MSSP on its behalf) sends back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticationResponse {
    /// The id of the challenge answered.
    pub challenge_id: String,
    /// The signature over the challenge hash: ECDSA as raw r‖s or DER, or RSA PKCS #1 v1.5.
    pub signature: Vec<u8>,
    /// The authentication certificate, DER.
    pub certificate: Vec<u8>,
}

/// How to validate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthOptions {
    /// Now, Unix seconds (challenge expiry and the chain are judged at this time).
    pub now: u64,
    /// Revocation mode for the chain.
    pub revocation_mode: RevocationMode,
    /// CRLs and OCSP responses (e.g. an OCSP response fetched for this login).
    pub revocation: RevocationData,
    /// The nonce of the OCSP request, when one was sent.
    pub ocsp_nonce: Option<Vec<u8>>,
}

impl AuthOptions {
    /// Strict defaults at `now`: revocation checked when data is given.
    pub fn new(now: u64) -> Self {
        Self { now, revocation_mode: RevocationMode::IfPresent, revocation: RevocationData::default(), ocsp_nonce: None }
    }
}

/// Who logged in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AuthenticatedIdentity {
    /// From the certificate's subject.
    pub identity: Identity,
    /// Certificate notBefore, Unix seconds (RFC 3339 in JSON).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_before: u64,
    /// Certificate notAfter, Unix seconds (RFC 3339 in JSON).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_after: u64,
    /// The validated chain, leaf first.
    pub chain: Vec<ChainEntry>,
}

/// Validates a login response against the challenge kept in `store` (which is consumed, so a
/// replay fails).
///
/// # Errors
/// [`AuthError`] naming the reason: unknown or replayed challenge, expired challenge, bad
/// signature, or the certificate's [`crate::x509::ValidationError`].
pub fn validate_response(
    response: &AuthenticationResponse,
    store: &dyn ChallengeStore,
    verifier: &ChainVerifier,
    options: &AuthOptions,
) -> Result<AuthenticatedIdentity, AuthError> {
    let challenge = store.take(&response.challenge_id)?.ok_or(AuthError::UnknownChallenge)?;
    if options.now > challenge.expires_at {
        return Err(AuthError::ChallengeExpired);
    }
    let certificate = ParsedCertificate::from_der(&response.certificate).map_err(AuthError::Certificate)?;
    let spki = certificate.certificate().tbs_certificate().subject_public_key_info();
    let hash = challenge.hash_type.algorithm();
    let (algorithm, signature) = match crate::ec::Curve::of_public_key(spki) {
        Some(curve) => {
            // DER first: a DER signature can happen to be exactly 2 × the field length.
            let is_der = crate::signer::der_to_raw(curve, &response.signature).is_ok();
            let der = if is_der { response.signature.clone() } else { raw_to_der(curve, &response.signature).map_err(|_| AuthError::BadSignature)? };
            (ID_EC_PUBLIC_KEY, der)
        }
        None => (RSA_ENCRYPTION, response.signature.clone()),
    };
    let algorithm = AlgorithmIdentifierOwned { oid: algorithm, parameters: None };
    verify_signature_prehashed(spki, &algorithm, hash, &challenge.hash, &signature, "authentication signature").map_err(|e| match e {
        crate::x509::ValidationError::BadSignature { .. } => AuthError::BadSignature,
        other => AuthError::Certificate(other),
    })?;
    let mut chain_options = ValidationOptions::new(options.now, Purpose::Authentication);
    chain_options.revocation = options.revocation_mode;
    chain_options.ocsp_nonce = options.ocsp_nonce.clone();
    let path = verifier.verify(&certificate, &[], &options.revocation, &chain_options).map_err(AuthError::Certificate)?;
    Ok(AuthenticatedIdentity {
        identity: path.identity.clone(),
        not_before: certificate.certificate().tbs_certificate().validity().not_before.to_unix_duration().as_secs(),
        not_after: certificate.certificate().tbs_certificate().validity().not_after.to_unix_duration().as_secs(),
        chain: path.chain.iter().map(|c| ChainEntry { subject: c.subject_text(), sha256: hex::encode(c.fingerprint()), der: c.shared_der() }).collect(),
    })
}
