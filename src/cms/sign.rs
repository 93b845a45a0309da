//! Two-phase CAdES-B-B signing (ETSI EN 319 122-1 §5.2, RFC 5652 §5): [`prepare`] hashes the
//! content (streamed) and builds the signed attributes — contentType, signingTime (optional),
//! messageDigest, signingCertificateV2 — then hands back the digest to be signed and a
//! [`PreparedCms`] that serialises to bytes; [`PreparedCms::finish`] takes the signature from
//! wherever it was made (SIM, host keystore, remote service, software key), checks it against
//! the certificate, and assembles the SignedData. [`sign`] does both with a [`DigestSigner`].
//! [`add_signature_timestamps`] makes CAdES-B-T (RFC 3161 token over the signature value).

use std::io::Read;

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use super::CmsError;
use super::attributes::{
    ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, EssCertIdV2, ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_AA_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE, ID_DATA,
    ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME, IssuerSerial, SigningCertificateV2,
};
use super::tsp::{TimestampClient, TstInfo, build_request, token_from_response};
use super::verify::{attached_content, parse_signed_data};
use crate::signer::{DigestSigner, SigningAlgorithm};
use crate::x509::{HashAlgorithm, ParsedCertificate, Purpose, ValidationError, check_leaf_purpose, verify_signature_prehashed};

/// How to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CmsSignOptions {
    /// Put the content inside the SignedData (default: detached).
    pub attached: bool,
    /// The signingTime attribute, Unix seconds; `None` leaves it out (PAdES does).
    pub signing_time: Option<u64>,
    /// When the signer's certificate must be valid; `signing_time` when `None`. With neither,
    /// the validity period is not checked (the core has no clock).
    pub validity_time: Option<u64>,
    /// Sign with a certificate that is not meant for signatures (no nonRepudiation, or an
    /// extendedKeyUsage of other purposes only). Refused by default.
    pub allow_non_signing_certificate: bool,
}

impl CmsSignOptions {
    /// Detached, with `signing_time` (the core has no clock: the caller says what "now" is).
    pub fn detached(signing_time: Option<u64>) -> Self {
        Self::new(false, signing_time)
    }

    /// Content inside the SignedData when `attached`, else detached, with `signing_time`.
    pub fn new(attached: bool, signing_time: Option<u64>) -> Self {
        Self { attached, signing_time, validity_time: None, allow_non_signing_certificate: false }
    }
}

/// Checks, before anything is signed, that `certificate` is meant for signatures with legal
/// effect — the leaf rules of [`Purpose::Signing`] (keyUsage nonRepudiation/contentCommitment,
/// ETSI EN 319 412-2 §4.3.2; no extendedKeyUsage that names only other purposes, such as the
/// login key's clientAuth) unless `allow_other_purposes` — and that it is valid at `time` when a
/// time is given.
///
/// # Errors
/// [`CmsError::SignerCertificate`] naming what is wrong.
pub fn check_signing_certificate(certificate: &Certificate, time: Option<u64>, allow_other_purposes: bool) -> Result<(), CmsError> {
    let parsed = ParsedCertificate::from_certificate(certificate).map_err(|_| CmsError::SignerCertificate("it does not parse"))?;
    let purpose = if allow_other_purposes { Purpose::Any } else { Purpose::Signing };
    match (time, check_leaf_purpose(&parsed, purpose, time.unwrap_or(parsed.not_before))) {
        (_, Ok(())) => Ok(()),
        (Some(_), Err(ValidationError::NotYetValid { .. })) => Err(CmsError::SignerCertificate("it is not valid yet")),
        (Some(_), Err(ValidationError::Expired { .. })) => Err(CmsError::SignerCertificate("it has expired")),
        // Checked at its own notBefore, a certificate is out of its validity only when the
        // period is empty: it is valid at no time, and the purpose was never looked at.
        (None, Err(ValidationError::NotYetValid { .. } | ValidationError::Expired { .. })) => {
            Err(CmsError::SignerCertificate("its validity period is empty (notAfter before notBefore)"))
        }
        (_, Err(ValidationError::KeyUsage { .. })) => {
            Err(CmsError::SignerCertificate("its keyUsage lacks nonRepudiation (contentCommitment), so it is not meant for signatures"))
        }
        (_, Err(ValidationError::ExtendedKeyUsage { .. })) => {
            Err(CmsError::SignerCertificate("its extendedKeyUsage names only purposes other than signing documents"))
        }
        (_, Err(_)) => Err(CmsError::SignerCertificate("it is not acceptable for signing")),
    }
}

/// The state between [`prepare`] and [`PreparedCms::finish`]; serialises to bytes so a wallet
/// can survive the trip to the PIN prompt and a server can finish with a signature made
/// elsewhere. Attached content travels inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedCms {
    format: String,
    algorithm: SigningAlgorithm,
    signed_attributes: String,
    signer_certificate: String,
    chain: Vec<String>,
    content: Option<String>,
}

const PREPARED_FORMAT: &str = "mobile-id-prepared-cms/1";

fn der_error(_: der::Error) -> CmsError {
    CmsError::Malformed("encoding")
}

fn hash_for(algorithm: SigningAlgorithm) -> HashAlgorithm {
    match algorithm {
        SigningAlgorithm::EcdsaP256 => HashAlgorithm::Sha256,
        SigningAlgorithm::EcdsaP384 => HashAlgorithm::Sha384,
    }
}

fn attribute<T: Encode>(oid: ObjectIdentifier, value: &T) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(Any::from_der(&value.to_der().map_err(der_error)?).map_err(der_error)?).map_err(der_error)?;
    Ok(Attribute { oid, values })
}

/// Hashes `content` and prepares a CAdES-B-B signature by `certificate`'s key (`chain` is
/// embedded beside it). Returns the digest to sign and the state to finish with.
///
/// # Errors
/// [`CmsError`] for an unsupported certificate key, I/O or encoding failures.
pub fn prepare(content: &mut dyn Read, certificate: &Certificate, chain: &[Certificate], options: &CmsSignOptions) -> Result<(Vec<u8>, PreparedCms), CmsError> {
    check_signing_certificate(certificate, options.validity_time.or(options.signing_time), options.allow_non_signing_certificate)?;
    let algorithm = SigningAlgorithm::of_certificate(certificate).ok_or(CmsError::InvalidInput("the certificate's key is not P-256 or P-384"))?;
    let hash = hash_for(algorithm);
    let (digest, kept) = if options.attached {
        let mut bytes = Vec::new();
        content.read_to_end(&mut bytes).map_err(|e| CmsError::Io(e.kind()))?;
        (hash.digest(&bytes), Some(bytes))
    } else {
        (super::verify::digest_of(content, hash)?, None)
    };
    build_prepared(&digest, kept, certificate, chain, options)
}

/// As [`prepare`] for a content digest computed elsewhere (SHA-256 for a P-256 key, SHA-384 for
/// P-384). `content` is the content itself when the signature is to be attached.
///
/// # Errors
/// [`CmsError::InvalidInput`] for a digest of the wrong length.
pub fn prepare_digest(
    content_digest: &[u8],
    content: Option<Vec<u8>>,
    certificate: &Certificate,
    chain: &[Certificate],
    options: &CmsSignOptions,
) -> Result<(Vec<u8>, PreparedCms), CmsError> {
    check_signing_certificate(certificate, options.validity_time.or(options.signing_time), options.allow_non_signing_certificate)?;
    build_prepared(content_digest, content, certificate, chain, options)
}

/// [`prepare_digest`] for a certificate the caller has already checked with
/// [`check_signing_certificate`] (before reading the content, or writing a byte of a PDF).
pub(crate) fn build_prepared(
    content_digest: &[u8],
    content: Option<Vec<u8>>,
    certificate: &Certificate,
    chain: &[Certificate],
    options: &CmsSignOptions,
) -> Result<(Vec<u8>, PreparedCms), CmsError> {
    let algorithm = SigningAlgorithm::of_certificate(certificate).ok_or(CmsError::InvalidInput("the certificate's key is not P-256 or P-384"))?;
    let hash = hash_for(algorithm);
    if content_digest.len() != hash.digest(&[]).len() {
        return Err(CmsError::InvalidInput("the content digest has the wrong length for the key's hash"));
    }
    if options.attached != content.is_some() {
        return Err(CmsError::InvalidInput("attached signatures need the content, detached ones must not carry it"));
    }
    let certificate_der = certificate.to_der().map_err(der_error)?;
    let tbs = certificate.tbs_certificate();
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(HashAlgorithm::Sha256.digest(&certificate_der)).map_err(der_error)?,
            issuer_serial: Some(IssuerSerial { issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())], serial_number: tbs.serial_number().clone() }),
        }],
        policies: None,
    };
    let mut attrs = SetOfVec::new();
    attrs.insert(attribute(ID_CONTENT_TYPE, &ID_DATA)?).map_err(der_error)?;
    if let Some(time) = options.signing_time {
        let time = x509_cert::time::Time::UtcTime(
            der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(time)).map_err(|_| CmsError::InvalidInput("signing time out of range"))?,
        );
        attrs.insert(attribute(ID_SIGNING_TIME, &time)?).map_err(der_error)?;
    }
    attrs.insert(attribute(ID_MESSAGE_DIGEST, &OctetString::new(content_digest.to_vec()).map_err(der_error)?)?).map_err(der_error)?;
    attrs.insert(attribute(ID_AA_SIGNING_CERTIFICATE_V2, &ess)?).map_err(der_error)?;
    let signed_attributes = attrs.to_der().map_err(der_error)?;
    let prepared = PreparedCms {
        format: PREPARED_FORMAT.into(),
        algorithm,
        signed_attributes: hex::encode(&signed_attributes),
        signer_certificate: hex::encode(certificate_der),
        chain: chain.iter().map(|c| c.to_der().map(hex::encode)).collect::<Result<_, _>>().map_err(der_error)?,
        content: content.map(hex::encode),
    };
    Ok((hash.digest(&signed_attributes), prepared))
}

impl PreparedCms {
    /// The state as bytes (JSON).
    ///
    /// # Errors
    /// [`CmsError::Malformed`] if it does not encode.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CmsError> {
        serde_json::to_vec(self).map_err(|_| CmsError::Malformed("prepared state"))
    }

    /// The state from [`Self::to_bytes`].
    ///
    /// # Errors
    /// [`CmsError::Malformed`] for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CmsError> {
        let state: Self = serde_json::from_slice(bytes).map_err(|_| CmsError::Malformed("prepared state"))?;
        if state.format != PREPARED_FORMAT {
            return Err(CmsError::Malformed("prepared state of another format"));
        }
        Ok(state)
    }

    /// The digest to be signed (of the signed attributes).
    ///
    /// # Errors
    /// [`CmsError::Malformed`] for a damaged state.
    pub fn digest_to_sign(&self) -> Result<Vec<u8>, CmsError> {
        let attrs = hex::decode(&self.signed_attributes).map_err(|_| CmsError::Malformed("prepared state"))?;
        Ok(hash_for(self.algorithm).digest(&attrs))
    }

    /// Checks `signature` (DER ECDSA-Sig-Value) against the certificate and assembles the
    /// CMS ContentInfo (DER).
    ///
    /// # Errors
    /// [`CmsError::SignatureMismatch`] when the signature does not verify; encoding errors.
    pub fn finish(&self, signature: &[u8]) -> Result<Vec<u8>, CmsError> {
        let bad_state = || CmsError::Malformed("prepared state");
        let attrs_der = hex::decode(&self.signed_attributes).map_err(|_| bad_state())?;
        let certificate = Certificate::from_der(&hex::decode(&self.signer_certificate).map_err(|_| bad_state())?).map_err(|_| bad_state())?;
        let hash = hash_for(self.algorithm);
        let signature_algorithm = AlgorithmIdentifierOwned {
            oid: match self.algorithm {
                SigningAlgorithm::EcdsaP256 => ECDSA_WITH_SHA256,
                SigningAlgorithm::EcdsaP384 => ECDSA_WITH_SHA384,
            },
            parameters: None,
        };
        verify_signature_prehashed(
            certificate.tbs_certificate().subject_public_key_info(),
            &signature_algorithm,
            hash,
            &hash.digest(&attrs_der),
            signature,
            "CMS signature",
        )
        .map_err(|_| CmsError::SignatureMismatch)?;
        let tbs = certificate.tbs_certificate();
        let digest_algorithm = AlgorithmIdentifierOwned { oid: hash.oid(), parameters: None };
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber { issuer: tbs.issuer().clone(), serial_number: tbs.serial_number().clone() }),
            digest_alg: digest_algorithm.clone(),
            signed_attrs: Some(SetOfVec::<Attribute>::from_der(&attrs_der).map_err(|_| bad_state())?),
            signature_algorithm,
            signature: OctetString::new(signature.to_vec()).map_err(der_error)?,
            unsigned_attrs: None,
        };
        let mut certificates = vec![cms::cert::CertificateChoices::Certificate(certificate.clone())];
        for c in &self.chain {
            let c = Certificate::from_der(&hex::decode(c).map_err(|_| bad_state())?).map_err(|_| bad_state())?;
            certificates.push(cms::cert::CertificateChoices::Certificate(c));
        }
        let content = match &self.content {
            Some(h) => Some(Any::encode_from(&OctetString::new(hex::decode(h).map_err(|_| bad_state())?).map_err(der_error)?).map_err(der_error)?),
            None => None,
        };
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(digest_algorithm).map_err(der_error)?;
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: content },
            certificates: Some(CertificateSet::try_from(certificates).map_err(der_error)?),
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(der_error)?,
        };
        content_info(&signed_data)
    }
}

fn content_info(signed_data: &SignedData) -> Result<Vec<u8>, CmsError> {
    ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(signed_data).map_err(der_error)? }.to_der().map_err(der_error)
}

/// Prepares, signs with `signer`, and finishes, in one call.
///
/// # Errors
/// [`CmsError`], including the signer's own errors.
pub fn sign(content: &mut dyn Read, signer: &mut dyn DigestSigner, options: &CmsSignOptions) -> Result<Vec<u8>, CmsError> {
    let chain = signer.chain().to_vec();
    let (digest, prepared) = prepare(content, signer.certificate(), &chain, options)?;
    let signature = signer.sign_digest(&digest)?;
    prepared.finish(&signature)
}

/// Adds a signature timestamp (RFC 3161 token over the signature value, the unsigned attribute
/// id-aa-signatureTimeStampToken) to every signer: CAdES-B-T. The response is checked for
/// status, nonce and message imprint here; the TSA's signature and certificate are checked when
/// the signature is verified.
///
/// # Errors
/// [`CmsError`] when the TSA refuses, answers for another request, or cannot be reached.
pub fn add_signature_timestamps(cms: &[u8], tsa: &mut dyn TimestampClient) -> Result<Vec<u8>, CmsError> {
    let parsed = parse_signed_data(cms)?;
    let mut signed_data = parsed.signed_data;
    let mut infos = Vec::new();
    for raw in parsed.signer_infos {
        let mut info = raw.info.ok_or(CmsError::Malformed("SignerInfo"))?;
        let hash = HashAlgorithm::Sha256;
        let token = timestamp_digest(hash, &hash.digest(info.signature.as_bytes()), tsa)?;
        let value = Any::from_der(&token).map_err(|_| CmsError::Malformed("TimeStampToken"))?;
        let mut values = SetOfVec::new();
        values.insert(value).map_err(der_error)?;
        let mut unsigned = info.unsigned_attrs.take().unwrap_or_default();
        unsigned.insert(Attribute { oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN, values }).map_err(der_error)?;
        info.unsigned_attrs = Some(unsigned);
        infos.push(info);
    }
    signed_data.signer_infos = SignerInfos::try_from(infos).map_err(der_error)?;
    content_info(&signed_data)
}

/// Asks `tsa` for an RFC 3161 token over `digest` (made with `hash`) and checks that the token
/// answers this request (imprint and nonce). Returns the TimeStampToken (DER ContentInfo).
///
/// # Errors
/// [`CmsError`] when the TSA refuses, answers for another request, or cannot be reached.
pub fn timestamp_digest(hash: HashAlgorithm, digest: &[u8], tsa: &mut dyn TimestampClient) -> Result<Vec<u8>, CmsError> {
    let (request, nonce) = build_request(hash, digest)?;
    let token = token_from_response(&tsa.timestamp(&request)?)?;
    check_token_answers(&token, digest, &nonce)?;
    Ok(token)
}

/// The token answers our request: TSTInfo imprint equal to `digest`, and our nonce.
fn check_token_answers(token: &[u8], digest: &[u8], nonce: &[u8]) -> Result<(), CmsError> {
    let parsed = parse_signed_data(token)?;
    let tst = attached_content(&parsed)?.ok_or(CmsError::Malformed("timestamp token without TSTInfo"))?;
    let tst = TstInfo::from_der(&tst).map_err(|_| CmsError::Malformed("TSTInfo"))?;
    let hash = HashAlgorithm::from_oid(&tst.message_imprint.hash_algorithm.oid).ok_or(CmsError::TimestampMismatch("imprint hash"))?;
    if tst.message_imprint.hashed_message.as_bytes() != digest || hash.digest(&[]).len() != digest.len() {
        return Err(CmsError::TimestampMismatch("the token's message imprint is not over this data"));
    }
    let echoed = tst.nonce.as_ref().map(|n| n.as_bytes().to_vec());
    if echoed.as_deref() != Some(nonce) {
        return Err(CmsError::TimestampMismatch("the token does not echo the request nonce"));
    }
    Ok(())
}
