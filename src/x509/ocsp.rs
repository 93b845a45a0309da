//! OCSP, RFC 6960: the request (§4.1.1) and response (§4.2.1) structures, written as the
//! spec's ASN.1 with `der` derives, and the client-side checks of §3.2 and §4.2.2.2 — the
//! responder is the CA or a delegate holding id-kp-OCSPSigning issued by it, the signature
//! verifies, the CertID matches, thisUpdate/nextUpdate bracket the validation time, the nonce
//! is echoed when one was sent.

use der::asn1::{Any, BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::ValidationError;
use super::cert::{ParsedCertificate, oid};
use super::signature::verify_signature;

/// id-pkix-ocsp-basic.
pub const ID_PKIX_OCSP_BASIC: ObjectIdentifier = const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;
/// id-pkix-ocsp-nonce.
pub const ID_PKIX_OCSP_NONCE: ObjectIdentifier = const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE;
const ID_SHA1: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_1;
const ID_SHA256: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_256;

/// Clock skew tolerated between responder and validation time.
pub const OCSP_CLOCK_SKEW: u64 = 300;
/// How old a response without nextUpdate may be.
pub const OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE: u64 = 24 * 3600;

/// `OCSPResponseStatus ::= ENUMERATED { successful (0), malformedRequest (1), internalError (2),
/// tryLater (3), sigRequired (5), unauthorized (6) }`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u32)]
#[allow(missing_docs)]
pub enum OcspResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// `OCSPResponse ::= SEQUENCE { responseStatus OCSPResponseStatus,
/// responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct OcspResponse {
    pub response_status: OcspResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct ResponseBytes {
    pub response_type: ObjectIdentifier,
    pub response: OctetString,
}

/// `BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm
/// AlgorithmIdentifier, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate
/// OPTIONAL }` — tbsResponseData kept as its encoding, the signed bytes.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct BasicOcspResponse {
    pub tbs_response_data: Any,
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// `ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID
/// ResponderID, producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
/// responseExtensions [1] EXPLICIT Extensions OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", default = "Default::default")]
    pub version: u32,
    pub responder_id: ResponderId,
    pub produced_at: GeneralizedTime,
    pub responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Vec<Extension>>,
}

/// `ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }`
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
#[allow(missing_docs)]
pub enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// `SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate
/// GeneralizedTime, nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1]
/// EXPLICIT Extensions OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct SingleResponse {
    pub cert_id: CertId,
    pub cert_status: CertStatus,
    pub this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<Vec<Extension>>,
}

/// `CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
/// issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct CertId {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub issuer_name_hash: OctetString,
    pub issuer_key_hash: OctetString,
    pub serial_number: SerialNumber,
}

/// `CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
/// unknown [2] IMPLICIT UnknownInfo }`
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
#[allow(missing_docs)]
pub enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT
/// CRLReason OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct RevokedInfo {
    pub revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}

/// `OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT
/// Signature OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct OcspRequest {
    pub tbs_request: TbsRequest,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<Any>,
}

/// `TBSRequest ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1]
/// EXPLICIT GeneralName OPTIONAL, requestList SEQUENCE OF Request, requestExtensions [2]
/// EXPLICIT Extensions OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct TbsRequest {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", default = "Default::default")]
    pub version: u32,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<GeneralName>,
    pub request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Vec<Extension>>,
}

/// `Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions
/// OPTIONAL }`
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct Request {
    pub req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Vec<Extension>>,
}

fn malformed() -> ValidationError {
    ValidationError::Malformed { what: "OCSP response" }
}

/// The CertID of `cert` (issued by `issuer`) with SHA-1, as responders index by default
/// (RFC 6960 §4.1.1; SHA-1 only identifies here, it protects nothing).
///
/// # Errors
/// [`ValidationError::Malformed`] if the issuer's name does not encode.
pub fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId, ValidationError> {
    let name_der = issuer.tbs_certificate().subject().to_der().map_err(|_| malformed())?;
    let key = issuer.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned { oid: ID_SHA1, parameters: Some(Any::from(Null)) },
        issuer_name_hash: OctetString::new(Sha1::digest(&name_der).to_vec()).map_err(|_| malformed())?,
        issuer_key_hash: OctetString::new(Sha1::digest(key).to_vec()).map_err(|_| malformed())?,
        serial_number: cert.tbs_certificate().serial_number().clone(),
    })
}

/// Builds a DER OCSPRequest for `cert`, with a nonce extension when `nonce` is given.
///
/// # Errors
/// [`ValidationError::Malformed`] if something does not encode.
pub fn build_request(cert: &Certificate, issuer: &Certificate, nonce: Option<&[u8]>) -> Result<Vec<u8>, ValidationError> {
    let request_extensions = match nonce {
        Some(n) => {
            let value = OctetString::new(n.to_vec()).and_then(|o| o.to_der()).map_err(|_| malformed())?;
            Some(vec![Extension { extn_id: ID_PKIX_OCSP_NONCE, critical: false, extn_value: OctetString::new(value).map_err(|_| malformed())? }])
        }
        None => None,
    };
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: 0,
            requestor_name: None,
            request_list: vec![Request { req_cert: cert_id(cert, issuer)?, single_request_extensions: None }],
            request_extensions,
        },
        optional_signature: None,
    };
    request.to_der().map_err(|_| malformed())
}

/// An OCSP response decoded for status checks.
#[derive(Clone, Debug)]
pub struct ParsedOcspResponse {
    basic: std::sync::Arc<BasicOcspResponse>,
    data: std::sync::Arc<ResponseData>,
    certs: Vec<ParsedCertificate>,
    verified_by: super::signature::VerifiedBy,
}

impl ParsedOcspResponse {
    /// Decodes a DER OCSPResponse. A status other than `successful` is an error.
    ///
    /// # Errors
    /// [`ValidationError::Malformed`] for bad DER or an unsuccessful/unknown response type.
    pub fn from_der(der_bytes: &[u8]) -> Result<Self, ValidationError> {
        let response = OcspResponse::from_der(der_bytes).map_err(|_| malformed())?;
        if response.response_status != OcspResponseStatus::Successful {
            return Err(ValidationError::Malformed { what: "OCSP response (status is not successful)" });
        }
        let bytes = response.response_bytes.ok_or_else(malformed)?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return Err(ValidationError::UnsupportedAlgorithm { what: format!("OCSP response type {}", bytes.response_type) });
        }
        Self::from_basic_der(bytes.response.as_bytes())
    }

    /// Decodes a DER BasicOCSPResponse (RFC 6960 §4.2.1), as CMS carries it in its `crls`
    /// under id-pkix-ocsp-basic (RFC 5940 §2.2.1 and ETSI EN 319 122-1 §A.1.2).
    ///
    /// # Errors
    /// [`ValidationError::Malformed`] for bad DER.
    pub fn from_basic_der(der_bytes: &[u8]) -> Result<Self, ValidationError> {
        let basic = BasicOcspResponse::from_der(der_bytes).map_err(|_| malformed())?;
        let data: ResponseData = basic.tbs_response_data.decode_as().map_err(|_| malformed())?;
        let certs = basic.certs.iter().flatten().map(ParsedCertificate::from_certificate).collect::<Result<_, _>>()?;
        Ok(Self { basic: basic.into(), data: data.into(), certs, verified_by: super::signature::VerifiedBy::default() })
    }

    /// Whether this response gives `cert`'s status (good, revoked or unknown) at `time`, signed
    /// by `issuer` or a responder it delegated to — what a cache checks before keeping an
    /// answer that came over plain HTTP. The delegated responder's own revocation is not
    /// checked here; validation does that when the answer is used.
    pub fn answers_for(&self, cert: &ParsedCertificate, issuer: &ParsedCertificate, time: u64) -> bool {
        let check = OcspCheck { cert, issuer, time, nonce: None };
        matches!(ocsp_status(&check, std::slice::from_ref(self), &mut |_| true), OcspStatus::Good | OcspStatus::Revoked { .. } | OcspStatus::Unknown)
    }

    /// The earliest nextUpdate of its single responses (Unix seconds): until when the
    /// responder stands by it.
    pub fn next_update(&self) -> Option<u64> {
        self.data.responses.iter().filter_map(|r| r.next_update.map(|t| t.to_unix_duration().as_secs())).min()
    }

    fn nonce(&self) -> Option<Vec<u8>> {
        let ext = self.data.response_extensions.iter().flatten().find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)?;
        let raw = ext.extn_value.as_bytes();
        Some(OctetString::from_der(raw).map(|o| o.as_bytes().to_vec()).unwrap_or_else(|_| raw.to_vec()))
    }

    fn verify_with(&self, key: &SubjectPublicKeyInfoOwned) -> Result<(), ValidationError> {
        self.verified_by.check(key, || {
            let tbs = self.basic.tbs_response_data.to_der().map_err(|_| malformed())?;
            let sig = self.basic.signature.as_bytes().ok_or_else(malformed)?;
            verify_signature(key, &self.basic.signature_algorithm, &tbs, sig, "OCSP response")
        })
    }

    fn responder_matches(&self, cert: &ParsedCertificate) -> bool {
        match &self.data.responder_id {
            ResponderId::ByName(name) => super::name::NormalizedName::new(name) == cert.subject,
            ResponderId::ByKey(hash) => {
                let key = cert.certificate().tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
                hash.as_bytes() == Sha1::digest(key).as_slice()
            }
        }
    }
}

/// The status an OCSP response gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspStatus {
    /// good.
    Good,
    /// revoked.
    Revoked {
        /// CRL reason name.
        reason: &'static str,
        /// Revocation time, Unix seconds.
        time: u64,
    },
    /// The responder does not know the certificate.
    Unknown,
    /// No response concerns the certificate.
    NoData,
    /// Responses concern it but none is acceptable.
    Undetermined(&'static str),
}

/// What [`ocsp_status`] needs.
pub struct OcspCheck<'a> {
    /// The certificate.
    pub cert: &'a ParsedCertificate,
    /// Its issuer (a path certificate or the trust anchor).
    pub issuer: &'a ParsedCertificate,
    /// The validation time, Unix seconds.
    pub time: u64,
    /// The nonce sent in the request, if one was.
    pub nonce: Option<&'a [u8]>,
}

fn matches_cert_id(id: &CertId, cert: &ParsedCertificate, issuer: &ParsedCertificate) -> bool {
    let serial = cert.certificate().tbs_certificate().serial_number();
    if id.serial_number != *serial {
        return false;
    }
    let Ok(name_der) = issuer.certificate().tbs_certificate().subject().to_der() else { return false };
    let key = issuer.certificate().tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    let (name_hash, key_hash) = match id.hash_algorithm.oid {
        ID_SHA1 => (Sha1::digest(&name_der).to_vec(), Sha1::digest(key).to_vec()),
        ID_SHA256 => (Sha256::digest(&name_der).to_vec(), Sha256::digest(key).to_vec()),
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash
}

/// RFC 6960 status of one certificate from the responses at hand. `responder_not_revoked`
/// answers for a delegated responder without id-pkix-ocsp-nocheck.
pub fn ocsp_status(check: &OcspCheck<'_>, responses: &[ParsedOcspResponse], responder_not_revoked: &mut dyn FnMut(&ParsedCertificate) -> bool) -> OcspStatus {
    // Every acceptable answer is weighed: a revocation wins over any "good", so the verdict
    // does not depend on the order of the responses.
    let mut result = OcspStatus::NoData;
    for response in responses {
        for single in response.data.responses.iter().filter(|r| matches_cert_id(&r.cert_id, check.cert, check.issuer)) {
            match judge(check, response, single, responder_not_revoked) {
                Ok(revoked @ OcspStatus::Revoked { .. }) => return revoked,
                Ok(OcspStatus::Good) => result = OcspStatus::Good,
                Ok(status) => {
                    if result != OcspStatus::Good {
                        result = status;
                    }
                }
                Err(why) => {
                    if matches!(result, OcspStatus::NoData | OcspStatus::Undetermined(_)) {
                        result = OcspStatus::Undetermined(why);
                    }
                }
            }
        }
    }
    result
}

fn judge(
    check: &OcspCheck<'_>,
    response: &ParsedOcspResponse,
    single: &SingleResponse,
    responder_not_revoked: &mut dyn FnMut(&ParsedCertificate) -> bool,
) -> Result<OcspStatus, &'static str> {
    let issuer_key = check.issuer.certificate().tbs_certificate().subject_public_key_info();
    // A response made after a past validation time (a signature validated at its timestamp,
    // ETSI EN 319 102-1 §5.2.5) is fresh evidence for that time while the certificate was
    // still within its validity: its responder is then judged when it answered.
    let this_update = single.this_update.to_unix_duration().as_secs();
    let later = this_update > check.time + OCSP_CLOCK_SKEW && this_update <= check.cert.not_after;
    let responder_time = if later { this_update } else { check.time };
    // §4.2.2.2: the CA itself, or a delegate it certified for OCSP signing.
    if response.responder_matches(check.issuer) {
        response.verify_with(issuer_key).map_err(|_| "the OCSP response signature does not verify")?;
    } else {
        let delegate =
            response.certs.iter().find(|c| response.responder_matches(c)).ok_or("the OCSP responder is neither the CA nor a certificate in the response")?;
        if delegate.issuer != check.issuer.subject {
            return Err("the OCSP responder certificate is not issued by the CA");
        }
        let sig = delegate.certificate().signature().as_bytes().ok_or("malformed responder certificate")?;
        verify_signature(issuer_key, delegate.certificate().signature_algorithm(), delegate.tbs_der(), sig, "OCSP responder certificate")
            .map_err(|_| "the OCSP responder certificate is not signed by the CA")?;
        let eku = delegate.ext.ext_key_usage.as_ref().map(|(e, _)| e.0.contains(&oid::KP_OCSP_SIGNING)).unwrap_or(false);
        if !eku {
            return Err("the OCSP responder certificate lacks id-kp-OCSPSigning");
        }
        if responder_time < delegate.not_before || responder_time > delegate.not_after {
            return Err("the OCSP responder certificate is not valid at the validation time");
        }
        if delegate.ext.key_usage.as_ref().is_some_and(|ku| !ku.digital_signature()) {
            return Err("the OCSP responder certificate lacks digitalSignature");
        }
        if !delegate.ext.ocsp_nocheck && !responder_not_revoked(delegate) {
            return Err("the OCSP responder certificate's own status is not good");
        }
        response.verify_with(delegate.certificate().tbs_certificate().subject_public_key_info()).map_err(|_| "the OCSP response signature does not verify")?;
    }
    // An authenticated revocation is evidence whenever it was issued, if it predates the
    // validation time or names a compromise.
    if let CertStatus::Revoked(info) = &single.cert_status {
        let when = info.revocation_time.to_unix_duration().as_secs();
        let compromise = matches!(
            info.revocation_reason,
            None | Some(CrlReason::KeyCompromise | CrlReason::CaCompromise | CrlReason::AaCompromise | CrlReason::Unspecified)
        );
        if when <= check.time || compromise {
            return Ok(OcspStatus::Revoked { reason: info.revocation_reason.map_or("unspecified", super::crl::reason_name), time: when });
        }
    }
    // §4.2.2.1 / §3.2: time window.
    if this_update > check.time + OCSP_CLOCK_SKEW && !later {
        return Err("the OCSP response is newer than the validation time");
    }
    match single.next_update {
        _ if later => {}
        Some(next) if next.to_unix_duration().as_secs() + OCSP_CLOCK_SKEW < check.time => return Err("the OCSP response is stale"),
        None if check.time > this_update + OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE => return Err("the OCSP response is stale"),
        _ => {}
    }
    if let Some(expected) = check.nonce
        && response.nonce().as_deref() != Some(expected)
    {
        return Err("the OCSP response does not echo the request nonce");
    }
    Ok(match &single.cert_status {
        CertStatus::Good(_) => OcspStatus::Good,
        CertStatus::Revoked(info) => OcspStatus::Revoked {
            reason: info.revocation_reason.map_or("unspecified", super::crl::reason_name),
            time: info.revocation_time.to_unix_duration().as_secs(),
        },
        CertStatus::Unknown(_) => OcspStatus::Unknown,
    })
}
