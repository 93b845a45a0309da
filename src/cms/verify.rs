//! Verification of CMS SignedData (RFC 5652 §5.6) with CAdES checks (ETSI EN 319 122-1):
//! DER or BER input, attached or detached content (streamed), signed attributes or none,
//! signer by issuerAndSerialNumber or subjectKeyIdentifier, several signers, signature
//! timestamps (RFC 3161), and the signer's chain through [`ChainVerifier`] at the right time.
//! Each signer gets a [`SignatureReport`]; `Err` means the input could not be read at all.

use std::io::Read;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use sha1::Digest as _;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use super::CmsError;
use super::attributes::{
    EssCertIdV2, ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE, ID_CT_TST_INFO,
    ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME, SigningCertificate, SigningCertificateV2,
};
use super::tsp::TstInfo;
use crate::report::{Indication, SignatureReport, SubIndication, chain_failure};
use crate::x509::{
    ChainVerifier, HashAlgorithm, NormalizedName, ParsedCertificate, Purpose, RevocationData, RevocationMode, ValidationError, ValidationOptions,
    VerifiedPath, verify_signature_prehashed,
};

/// How far a timestamp's genTime may lie after the caller's time (clock skew).
pub const TIMESTAMP_CLOCK_SKEW: u64 = 300;
/// Most signers judged in one SignedData.
pub const MAX_SIGNERS: usize = 64;
/// Most certificates read from one SignedData.
pub const MAX_CERTIFICATES: usize = 256;

/// How to verify.
#[derive(Clone, Debug)]
pub struct CmsVerifyOptions {
    /// The time the caller validates at (Unix seconds) when no valid signature timestamp gives
    /// a better one.
    pub time: u64,
    /// Use the signer's claimed signingTime instead of `time` when there is no timestamp. Off
    /// by default: the claim is not authenticated by anyone but the signer.
    pub trust_claimed_signing_time: bool,
    /// CRLs and OCSP responses for the chains.
    pub revocation: RevocationData,
    /// Revocation mode for the chains.
    pub revocation_mode: RevocationMode,
    /// The signer certificate's purpose (default: signing).
    pub purpose: Purpose,
    /// Certificates from elsewhere (a PDF's DSS, say) that may complete chains beside the
    /// ones the SignedData carries. They are candidates, never anchors.
    pub extra_certificates: Vec<ParsedCertificate>,
}

impl CmsVerifyOptions {
    /// Strict defaults at `time`: purpose signing, revocation if present.
    pub fn new(time: u64) -> Self {
        Self { time, trust_claimed_signing_time: false, revocation: RevocationData::default(), revocation_mode: RevocationMode::IfPresent, purpose: Purpose::Signing, extra_certificates: Vec::new() }
    }
}

/// The verdict on a CMS SignedData.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CmsReport {
    /// eContentType, dotted.
    pub content_type: String,
    /// Whether the content was inside the SignedData.
    pub attached: bool,
    /// One report per SignerInfo, in the order they appear.
    pub signers: Vec<SignatureReport>,
}

impl CmsReport {
    /// Whether there is at least one signer and every signer is TOTAL-PASSED.
    pub fn passed(&self) -> bool {
        !self.signers.is_empty() && self.signers.iter().all(SignatureReport::passed)
    }
}

/// A SignedData read once: the decoded structure, each SignerInfo's original encoding, and the
/// embedded certificates.
pub(crate) struct ParsedSignedData {
    pub(crate) signed_data: SignedData,
    /// The content octets when attached, read with the input's own encoding rules.
    pub(crate) content: Option<Vec<u8>>,
    pub(crate) signer_infos: Vec<Vec<u8>>,
    pub(crate) certificates: Vec<ParsedCertificate>,
}

fn malformed(what: &'static str) -> CmsError {
    CmsError::Malformed(what)
}

/// The TLVs inside a constructed value.
fn elements(value: &[u8]) -> Result<Vec<Vec<u8>>, CmsError> {
    let mut reader = SliceReader::new(value).map_err(|_| malformed("SignedData"))?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        let any = AnyRef::decode(&mut reader).map_err(|_| malformed("SignedData"))?;
        out.push(any.to_der().map_err(|_| malformed("SignedData"))?);
        if out.len() > MAX_SIGNERS + 8 {
            return Err(malformed("SignedData with too many elements"));
        }
    }
    Ok(out)
}

/// Reads a ContentInfo holding SignedData, in DER or in BER (indefinite lengths, constructed
/// strings), normalised to DER.
pub(crate) fn parse_signed_data(bytes: &[u8]) -> Result<ParsedSignedData, CmsError> {
    let (info, ber) = match ContentInfo::from_der(bytes) {
        Ok(info) => (info, false),
        Err(_) => (ContentInfo::from_ber(bytes).map_err(|_| malformed("ContentInfo"))?, true),
    };
    if info.content_type != ID_SIGNED_DATA {
        return Err(CmsError::NotSignedData);
    }
    let inner = info.content.to_der().map_err(|_| malformed("SignedData"))?;
    // DER input keeps its own encoding for the SignerInfos; BER input is normalised first.
    let (signed_data, der_bytes) = match SignedData::from_der(&inner) {
        Ok(sd) => (sd, inner),
        Err(_) => {
            let sd = SignedData::from_ber(&inner).map_err(|_| malformed("SignedData"))?;
            let der_bytes = sd.to_der().map_err(|_| malformed("SignedData"))?;
            (sd, der_bytes)
        }
    };
    // Each SignerInfo in its original order and encoding: the last element of SignedData.
    let sequence = AnyRef::from_der(&der_bytes).map_err(|_| malformed("SignedData"))?;
    let fields = elements(sequence.value())?;
    let set = fields.last().ok_or(malformed("SignedData without signerInfos"))?;
    let set = AnyRef::from_der(set).map_err(|_| malformed("signerInfos"))?;
    let signer_infos = elements(set.value())?;
    if signer_infos.len() > MAX_SIGNERS {
        return Err(malformed("too many signers"));
    }
    let mut certificates = Vec::new();
    for choice in signed_data.certificates.iter().flat_map(|c| c.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(cert) = choice {
            if certificates.len() >= MAX_CERTIFICATES {
                return Err(malformed("too many certificates"));
            }
            // A certificate the library cannot read cannot be the signer's.
            if let Ok(parsed) = ParsedCertificate::from_certificate(cert) {
                certificates.push(parsed);
            }
        }
    }
    let content = if ber {
        // BER producers stream the content as a constructed OCTET STRING of chunks; read it
        // with a structure whose eContent is an OCTET STRING so the decoder reassembles it.
        ContentInfoBer::from_ber(bytes).map_err(|_| malformed("eContent"))?.content.encap_content_info.econtent.map(|o| o.as_bytes().to_vec())
    } else {
        match &signed_data.encap_content_info.econtent {
            Some(any) => Some(any.decode_as::<OctetString>().map_err(|_| malformed("eContent"))?.as_bytes().to_vec()),
            None => None,
        }
    };
    Ok(ParsedSignedData { signed_data, content, signer_infos, certificates })
}

/// ContentInfo as RFC 5652 §3 and §5.1 give it, with eContent typed as the OCTET STRING it is
/// for id-data, so that BER's constructed, indefinite-length strings are reassembled.
#[derive(der::Sequence)]
struct ContentInfoBer {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: SignedDataBer,
}

#[derive(der::Sequence)]
struct SignedDataBer {
    version: cms::content_info::CmsVersion,
    digest_algorithms: cms::signed_data::DigestAlgorithmIdentifiers,
    encap_content_info: EncapsulatedContentBer,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<cms::signed_data::CertificateSet>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<cms::revocation::RevocationInfoChoices>,
    signer_infos: cms::signed_data::SignerInfos,
}

#[derive(der::Sequence)]
struct EncapsulatedContentBer {
    econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    econtent: Option<OctetString>,
}

/// The encapsulated content octets, if attached.
pub(crate) fn attached_content(parsed: &ParsedSignedData) -> Result<Option<Vec<u8>>, CmsError> {
    Ok(parsed.content.clone())
}

/// The content digests a signer needs, computed once.
pub(crate) struct ContentDigests(Vec<(HashAlgorithm, Vec<u8>)>);

impl ContentDigests {
    /// Hashes `content` with every algorithm in `hashes`, reading it once in 64 KiB blocks.
    pub(crate) fn from_reader(content: &mut dyn Read, hashes: &[HashAlgorithm]) -> Result<Self, CmsError> {
        let mut h256 = hashes.contains(&HashAlgorithm::Sha256).then(sha2::Sha256::new);
        let mut h384 = hashes.contains(&HashAlgorithm::Sha384).then(sha2::Sha384::new);
        let mut h512 = hashes.contains(&HashAlgorithm::Sha512).then(sha2::Sha512::new);
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = content.read(&mut buffer).map_err(|e| CmsError::Io(e.kind()))?;
            let Some(chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else { break };
            if let Some(h) = h256.as_mut() {
                h.update(chunk);
            }
            if let Some(h) = h384.as_mut() {
                h.update(chunk);
            }
            if let Some(h) = h512.as_mut() {
                h.update(chunk);
            }
        }
        let mut out = Vec::new();
        out.extend(h256.map(|h| (HashAlgorithm::Sha256, h.finalize().to_vec())));
        out.extend(h384.map(|h| (HashAlgorithm::Sha384, h.finalize().to_vec())));
        out.extend(h512.map(|h| (HashAlgorithm::Sha512, h.finalize().to_vec())));
        Ok(Self(out))
    }

    /// The first digest computed (for single-hash callers).
    pub(crate) fn into_first(self) -> Option<Vec<u8>> {
        self.0.into_iter().next().map(|(_, d)| d)
    }

    fn get(&self, hash: HashAlgorithm) -> Option<&[u8]> {
        self.0.iter().find(|(h, _)| *h == hash).map(|(_, d)| d.as_slice())
    }
}

/// A failure of one signer, as a report.
pub(crate) struct Failure(Indication, SubIndication, String);

fn fail(indication: Indication, sub: SubIndication, message: impl Into<String>) -> Failure {
    Failure(indication, sub, message.into())
}

fn format_failure(message: &str) -> Failure {
    fail(Indication::TotalFailed, SubIndication::FormatFailure, message)
}

/// What the cryptographic checks of one SignerInfo established.
pub(crate) struct CheckedSigner {
    pub(crate) certificate: ParsedCertificate,
    pub(crate) signing_time: Option<u64>,
    pub(crate) signature: Vec<u8>,
    pub(crate) info: SignerInfo,
    pub(crate) warnings: Vec<String>,
}

fn single_value(attrs: &[Attribute], oid: ObjectIdentifier) -> Result<Option<&der::Any>, Failure> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else { return Ok(None) };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(format_failure("a signed attribute is repeated or has several values"));
    }
    Ok(attr.values.iter().next())
}

fn find_signer(parsed: &ParsedSignedData, sid: &SignerIdentifier) -> Option<ParsedCertificate> {
    parsed
        .certificates
        .iter()
        .find(|c| match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                NormalizedName::new(&isn.issuer) == c.issuer && isn.serial_number == *c.certificate().tbs_certificate().serial_number()
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => c.extensions().subject_key_id.as_deref() == Some(ski.0.as_bytes()),
        })
        .cloned()
}

fn unsupported(e: &ValidationError) -> Failure {
    fail(Indication::Indeterminate, SubIndication::CryptoConstraintsFailure, e.to_string())
}

/// The checks of RFC 5652 §5.6 and ETSI EN 319 122-1 §5.2 on one SignerInfo: signer
/// certificate, contentType, messageDigest, signingCertificate(V2), the signature over the
/// signed attributes (or the content) — everything but the chain.
pub(crate) fn check_signer(parsed: &ParsedSignedData, raw: &[u8], digests: Option<&ContentDigests>) -> Result<CheckedSigner, Failure> {
    let info = SignerInfo::from_der(raw).map_err(|_| format_failure("a SignerInfo does not decode"))?;
    let certificate = find_signer(parsed, &info.sid)
        .ok_or_else(|| fail(Indication::Indeterminate, SubIndication::NoSigningCertificateFound, "the signer's certificate is not in the SignedData"))?;
    let hash = HashAlgorithm::from_oid(&info.digest_alg.oid).map_err(|e| unsupported(&e))?;
    let digests = digests.ok_or_else(|| fail(Indication::Indeterminate, SubIndication::SignedDataNotFound, "the signed content was not supplied"))?;
    let content_digest = digests.get(hash).ok_or_else(|| format_failure("the content digest was not computed"))?;
    let spki = certificate.certificate().tbs_certificate().subject_public_key_info().clone();
    let signature = info.signature.as_bytes().to_vec();
    let mut warnings = Vec::new();
    let mut signing_time = None;
    let signed_digest = match &info.signed_attrs {
        // RFC 5652 §5.3: only id-data may be signed without signed attributes.
        None if parsed.signed_data.encap_content_info.econtent_type != super::attributes::ID_DATA => {
            return Err(format_failure("content other than id-data signed without signed attributes"));
        }
        None => {
            warnings.push("no signed attributes: neither the signing time nor the signer certificate is bound".into());
            content_digest.to_vec()
        }
        Some(attrs) => {
            let attrs: Vec<Attribute> = attrs.iter().cloned().collect();
            // contentType must equal eContentType (RFC 5652 §11.1).
            let content_type = single_value(&attrs, ID_CONTENT_TYPE)?.ok_or_else(|| format_failure("no contentType attribute"))?;
            let content_type: ObjectIdentifier = content_type.decode_as().map_err(|_| format_failure("contentType attribute does not decode"))?;
            if content_type != parsed.signed_data.encap_content_info.econtent_type {
                return Err(format_failure("the contentType attribute differs from eContentType"));
            }
            // messageDigest (RFC 5652 §11.2).
            let digest = single_value(&attrs, ID_MESSAGE_DIGEST)?.ok_or_else(|| format_failure("no messageDigest attribute"))?;
            let digest: OctetString = digest.decode_as().map_err(|_| format_failure("messageDigest attribute does not decode"))?;
            if digest.as_bytes() != content_digest {
                return Err(fail(Indication::TotalFailed, SubIndication::HashFailure, "the content does not match the signed message digest"));
            }
            if let Some(time) = single_value(&attrs, ID_SIGNING_TIME)? {
                let time: x509_cert::time::Time = time.decode_as().map_err(|_| format_failure("signingTime does not decode"))?;
                signing_time = Some(time.to_unix_duration().as_secs());
            }
            check_signing_certificate(&attrs, &certificate, &mut warnings)?;
            // The signature is over the DER of the SET OF attributes as sent (RFC 5652 §5.4):
            // the [0] IMPLICIT tag of the SignerInfo replaced by the SET tag.
            let raw_attrs = raw_signed_attributes(raw).ok_or_else(|| format_failure("signed attributes do not decode"))?;
            hash.digest(&raw_attrs)
        }
    };
    verify_signature_prehashed(&spki, &info.signature_algorithm, hash, &signed_digest, &signature, "CMS signature").map_err(|e| match e {
        ValidationError::BadSignature { .. } => fail(Indication::TotalFailed, SubIndication::SigCryptoFailure, "the signature does not verify"),
        other if other.is_unsupported() => unsupported(&other),
        other => fail(Indication::TotalFailed, SubIndication::SigCryptoFailure, other.to_string()),
    })?;
    Ok(CheckedSigner { certificate, signing_time, signature, info, warnings })
}

/// The signedAttrs of an encoded SignerInfo, retagged as the SET OF they are signed as.
fn raw_signed_attributes(signer_info: &[u8]) -> Option<Vec<u8>> {
    let sequence = AnyRef::from_der(signer_info).ok()?;
    let fields = elements(sequence.value()).ok()?;
    let field = fields.iter().find(|f| f.first() == Some(&0xA0))?;
    let mut out = field.clone();
    *out.first_mut()? = 0x31;
    Some(out)
}

/// ESS signingCertificateV2 (or v1): the first certificate hash must be the signer's
/// (RFC 5035 §3, ETSI EN 319 122-1 §5.2.2.3).
fn check_signing_certificate(attrs: &[Attribute], certificate: &ParsedCertificate, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let mismatch = || fail(Indication::Indeterminate, SubIndication::NoSigningCertificateFound, "signingCertificateV2 does not name the signer's certificate");
    let issuer_serial_ok = |issuer_serial: &Option<super::attributes::IssuerSerial>| {
        issuer_serial.as_ref().is_none_or(|is| {
            is.serial_number == *certificate.certificate().tbs_certificate().serial_number()
                && is.issuer.iter().any(|n| matches!(n, GeneralName::DirectoryName(d) if NormalizedName::new(d) == certificate.issuer))
        })
    };
    if let Some(v2) = single_value(attrs, ID_AA_SIGNING_CERTIFICATE_V2)? {
        let v2: SigningCertificateV2 = v2.decode_as().map_err(|_| format_failure("signingCertificateV2 does not decode"))?;
        let first: &EssCertIdV2 = v2.certs.first().ok_or_else(mismatch)?;
        let hash = match &first.hash_algorithm {
            None => HashAlgorithm::Sha256,
            Some(alg) => HashAlgorithm::from_oid(&alg.oid).map_err(|e| unsupported(&e))?,
        };
        if first.cert_hash.as_bytes() != hash.digest(certificate.der()) || !issuer_serial_ok(&first.issuer_serial) {
            return Err(mismatch());
        }
    } else if let Some(v1) = single_value(attrs, ID_AA_SIGNING_CERTIFICATE)? {
        let v1: SigningCertificate = v1.decode_as().map_err(|_| format_failure("signingCertificate does not decode"))?;
        let first = v1.certs.first().ok_or_else(mismatch)?;
        if first.cert_hash.as_bytes() != sha1::Sha1::digest(certificate.der()).as_slice() || !issuer_serial_ok(&first.issuer_serial) {
            return Err(mismatch());
        }
        warnings.push("the signer certificate is bound with ESS signingCertificate (SHA-1), not signingCertificateV2".into());
    } else {
        warnings.push("no signingCertificateV2 attribute: not a CAdES signature, the signer certificate is not bound".into());
    }
    Ok(())
}

/// A validated RFC 3161 token: its genTime.
pub(crate) struct ValidToken {
    pub(crate) gen_time: u64,
}

/// Validates a TimeStampToken over `imprint_source` (the bytes that were timestamped): the
/// token's own CMS signature, the TSA certificate (critical EKU timeStamping) chained to an
/// anchor at genTime, and the message imprint.
pub(crate) fn validate_token(token: &[u8], imprint_source: &[u8], verifier: &ChainVerifier, options: &CmsVerifyOptions) -> Result<ValidToken, String> {
    validate_token_over(token, &mut |hash| Ok(hash.digest(imprint_source)), verifier, options)
}

/// Verifies an RFC 3161 document timestamp (PAdES, ETSI EN 319 142-1 §5.4) over `content`,
/// streamed once through the token's imprint hash: the imprint, the token's signature and the
/// TSA certificate chained to an anchor at genTime. Returns genTime (Unix seconds).
///
/// # Errors
/// A sentence saying why the token is not valid.
pub fn verify_timestamp_token(token: &[u8], content: &mut dyn Read, verifier: &ChainVerifier, options: &CmsVerifyOptions) -> Result<u64, String> {
    let mut digest_of = |hash: HashAlgorithm| -> Result<Vec<u8>, String> {
        ContentDigests::from_reader(content, &[hash]).map_err(|e| e.to_string())?.into_first().ok_or_else(|| "digest".to_string())
    };
    validate_token_over(token, &mut digest_of, verifier, options).map(|v| v.gen_time)
}

fn validate_token_over(
    token: &[u8],
    imprint_of: &mut dyn FnMut(HashAlgorithm) -> Result<Vec<u8>, String>,
    verifier: &ChainVerifier,
    options: &CmsVerifyOptions,
) -> Result<ValidToken, String> {
    let parsed = parse_signed_data(token).map_err(|e| e.to_string())?;
    if parsed.signed_data.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the timestamp token does not hold a TSTInfo".into());
    }
    let tst_der = attached_content(&parsed).map_err(|e| e.to_string())?.ok_or("the timestamp token has no TSTInfo")?;
    let tst_info = TstInfo::from_der(&tst_der).map_err(|_| "the TSTInfo does not decode")?;
    let imprint_hash = HashAlgorithm::from_oid(&tst_info.message_imprint.hash_algorithm.oid).map_err(|e| e.to_string())?;
    if tst_info.message_imprint.hashed_message.as_bytes() != imprint_of(imprint_hash)? {
        return Err("the timestamp's message imprint does not match the data it claims to cover".into());
    }
    let gen_time = tst_info.gen_time().map_err(|e| e.to_string())?;
    // A timestamp from the future cannot move validation past the caller's time.
    if gen_time > options.time.saturating_add(TIMESTAMP_CLOCK_SKEW) {
        return Err("the timestamp's genTime is later than the validation time".into());
    }
    let raw = match parsed.signer_infos.as_slice() {
        [one] => one,
        _ => return Err("a timestamp token has exactly one signer".into()),
    };
    let info = SignerInfo::from_der(raw).map_err(|_| "the timestamp SignerInfo does not decode")?;
    let hash = HashAlgorithm::from_oid(&info.digest_alg.oid).map_err(|e| e.to_string())?;
    let digests = ContentDigests::from_reader(&mut tst_der.as_slice(), &[hash]).map_err(|e| e.to_string())?;
    let checked = check_signer(&parsed, raw, Some(&digests)).map_err(|Failure(_, _, m)| format!("timestamp: {m}"))?;
    let mut chain_options = ValidationOptions::new(gen_time, Purpose::Timestamping);
    chain_options.revocation = options.revocation_mode;
    verifier
        .verify(&checked.certificate, &with_extra(&parsed.certificates, options), &options.revocation, &chain_options)
        .map_err(|e| format!("the timestamping authority's certificate: {e}"))?;
    Ok(ValidToken { gen_time })
}

/// Verifies every signer of a CMS SignedData. `detached` supplies the content when it is not
/// inside; it is read once, streamed through the hashes.
///
/// # Errors
/// [`CmsError`] when the input is not a readable SignedData at all; a bad signature is a
/// report, not an error.
pub fn verify(cms: &[u8], detached: Option<&mut dyn Read>, verifier: &ChainVerifier, options: &CmsVerifyOptions) -> Result<CmsReport, CmsError> {
    let parsed = parse_signed_data(cms)?;
    let attached = attached_content(&parsed)?;
    let hashes: Vec<HashAlgorithm> = parsed
        .signer_infos
        .iter()
        .filter_map(|raw| SignerInfo::from_der(raw).ok())
        .filter_map(|info| HashAlgorithm::from_oid(&info.digest_alg.oid).ok())
        .collect();
    let digests = match (&attached, detached) {
        (Some(_), Some(_)) => return Err(CmsError::InvalidInput("content was supplied for a signature that holds its own")),
        (Some(content), None) => Some(ContentDigests::from_reader(&mut content.as_slice(), &hashes)?),
        (None, Some(reader)) => Some(ContentDigests::from_reader(reader, &hashes)?),
        (None, None) => None,
    };
    let signers = parsed.signer_infos.iter().map(|raw| judge_signer(&parsed, raw, digests.as_ref(), verifier, options)).collect();
    Ok(CmsReport { content_type: parsed.signed_data.encap_content_info.econtent_type.to_string(), attached: attached.is_some(), signers })
}

fn judge_signer(parsed: &ParsedSignedData, raw: &[u8], digests: Option<&ContentDigests>, verifier: &ChainVerifier, options: &CmsVerifyOptions) -> SignatureReport {
    let checked = match check_signer(parsed, raw, digests) {
        Ok(c) => c,
        Err(Failure(indication, sub, message)) => {
            let mut report = SignatureReport::new(indication, Some(sub), message, options.time);
            if let Ok(info) = SignerInfo::from_der(raw) {
                report.signer_subject = find_signer(parsed, &info.sid).map(|c| c.subject_text());
            }
            return report;
        }
    };
    let mut validation_time = if options.trust_claimed_signing_time { checked.signing_time.unwrap_or(options.time) } else { options.time };
    let mut timestamp_time = None;
    let token = checked
        .info
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .map(|v| v.to_der());
    let mut timestamp_problem = None;
    if let Some(token) = token {
        match token.map_err(|_| "the timestamp attribute does not encode".to_string()).and_then(|t| validate_token(&t, &checked.signature, verifier, options)) {
            Ok(valid) => {
                timestamp_time = Some(valid.gen_time);
                validation_time = valid.gen_time;
            }
            Err(problem) => timestamp_problem = Some(problem),
        }
    }
    let mut chain_options = ValidationOptions::new(validation_time, options.purpose);
    chain_options.revocation = options.revocation_mode;
    let result: Result<VerifiedPath, ValidationError> = verifier.verify(&checked.certificate, &with_extra(&parsed.certificates, options), &options.revocation, &chain_options);
    let mut report = match (&result, timestamp_problem) {
        (_, Some(problem)) => SignatureReport::new(Indication::Indeterminate, Some(SubIndication::TimestampFailure), problem, validation_time),
        (Ok(_), None) => SignatureReport::new(Indication::TotalPassed, None, "the signature is valid", validation_time),
        (Err(e), None) => {
            let (indication, sub) = chain_failure(e);
            SignatureReport::new(indication, Some(sub), format!("signer certificate: {e}"), validation_time)
        }
    };
    if let Ok(path) = &result {
        report = report.with_path(path);
    }
    report.signer_subject = Some(checked.certificate.subject_text());
    report.signing_time = checked.signing_time;
    report.timestamp_time = timestamp_time;
    report.warnings = checked.warnings;
    report
}

/// Every certificate a CMS SignedData carries, with those inside its signers' timestamp
/// tokens, DER; empty for anything that does not parse.
pub fn certificates_in(cms: &[u8]) -> Vec<Vec<u8>> {
    let Ok(parsed) = parse_signed_data(cms) else { return Vec::new() };
    let mut out: Vec<Vec<u8>> = parsed.certificates.iter().map(|c| c.der().to_vec()).collect();
    for raw in &parsed.signer_infos {
        let Ok(info) = SignerInfo::from_der(raw) else { continue };
        for attr in info.unsigned_attrs.iter().flat_map(|a| a.iter()).filter(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN) {
            for value in attr.values.iter() {
                let Ok(token) = value.to_der() else { continue };
                if let Ok(inner) = parse_signed_data(&token) {
                    out.extend(inner.certificates.iter().map(|c| c.der().to_vec()));
                }
            }
        }
    }
    out
}

/// The SignedData's certificates followed by the caller's extra candidates.
fn with_extra(certificates: &[ParsedCertificate], options: &CmsVerifyOptions) -> Vec<ParsedCertificate> {
    certificates.iter().chain(options.extra_certificates.iter().take(MAX_CERTIFICATES)).cloned().collect()
}
