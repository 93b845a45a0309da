//! RFC 3161 time-stamp protocol: the request (§2.4.1), the response (§2.4.2) and TSTInfo,
//! written as the RFC's ASN.1 with `der` derives; building a request, checking a response, and
//! the [`TimestampClient`] seam through which hosts bring their own network.

use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;

use super::CmsError;
use crate::x509::HashAlgorithm;

/// ```text
/// MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// ```text
/// TimeStampReq ::= SEQUENCE {
///     version INTEGER { v1(1) }, messageImprint MessageImprint, reqPolicy TSAPolicyId OPTIONAL,
///     nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<Extension>>,
}

/// ```text
/// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct TimeStampResp {
    pub status: PkiStatusInfoAny,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// PKIStatusInfo read loosely: the status integer first, the rest kept as it is.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct PkiStatusInfoAny {
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Any>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<der::asn1::BitString>,
}

/// ```text
/// Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// ```text
/// TSTInfo ::= SEQUENCE {
///     version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
///     serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL,
///     ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL,
///     extensions [1] IMPLICIT Extensions OPTIONAL }
/// ```
/// `genTime` is kept as its encoding because TSAs add fractions of a second, which the `der`
/// GeneralizedTime type does not read; [`TstInfo::gen_time`] parses it.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: Any,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Vec<Extension>>,
}

impl TstInfo {
    /// genTime in Unix seconds (fractions dropped).
    ///
    /// # Errors
    /// [`CmsError::Malformed`] if it is not a GeneralizedTime `YYYYMMDDhhmmss[.f]Z`.
    pub fn gen_time(&self) -> Result<u64, CmsError> {
        let bad = CmsError::Malformed("TSTInfo genTime");
        if self.gen_time.tag() != der::Tag::GeneralizedTime {
            return Err(bad);
        }
        let text = std::str::from_utf8(self.gen_time.value()).map_err(|_| bad.clone())?;
        let text = text.strip_suffix('Z').ok_or(bad.clone())?;
        let whole = text.split('.').next().ok_or(bad.clone())?;
        if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad);
        }
        let n = |r: std::ops::Range<usize>| whole.get(r).and_then(|s| s.parse::<u16>().ok()).ok_or(bad.clone());
        let dt = der::DateTime::new(n(0..4)?, n(4..6)? as u8, n(6..8)? as u8, n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8).map_err(|_| bad.clone())?;
        let _ = GeneralizedTime::from_date_time(dt);
        Ok(dt.unix_duration().as_secs())
    }
}

/// What a TSA transport reports when it cannot deliver.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The TSA could not be reached or answered with an HTTP error.
    #[error("the time-stamping authority could not be reached: {0}")]
    Unreachable(String),
}

/// Carries a DER TimeStampReq to a TSA and returns its DER TimeStampResp. Hosts implement it
/// with their own network stack; `HttpTimestampClient` does it over HTTP (feature `http`).
pub trait TimestampClient {
    /// Sends the request, returns the response.
    ///
    /// # Errors
    /// [`TimestampError`] when the exchange fails.
    fn timestamp(&mut self, request: &[u8]) -> Result<Vec<u8>, TimestampError>;
}

/// RFC 3161 §3.4 over HTTP: POST `application/timestamp-query`, read
/// `application/timestamp-reply`. `http://` and `https://` are both fine: a timestamp token is signed, so what matters is
/// the TSA's certificate, not the channel.
#[cfg(feature = "http")]
#[derive(Clone, Debug)]
pub struct HttpTimestampClient {
    url: String,
    fetcher: crate::net::Fetcher,
}

#[cfg(feature = "http")]
impl HttpTimestampClient {
    /// A client for the TSA at `url`, trusting Mozilla's roots for HTTPS.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_options(url, crate::net::HttpOptions::new())
    }

    /// A client for the TSA at `url` with these connection options (HTTPS roots, timeout).
    pub fn with_options(url: impl Into<String>, options: crate::net::HttpOptions) -> Self {
        Self { url: url.into(), fetcher: crate::net::Fetcher::new(&options) }
    }
}

/// Largest TimeStampResp accepted.
#[cfg(feature = "http")]
pub const MAX_RESPONSE: u64 = 1024 * 1024;

#[cfg(feature = "http")]
impl TimestampClient for HttpTimestampClient {
    fn timestamp(&mut self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let answer =
            self.fetcher.post(&self.url, "application/timestamp-query", request, MAX_RESPONSE).map_err(|e| TimestampError::Unreachable(e.to_string()))?;
        if answer.status != 200 {
            return Err(TimestampError::Unreachable(format!("the TSA answered HTTP {}", answer.status)));
        }
        Ok(answer.body)
    }
}

/// A request for a timestamp over `digest` (the hash of what is to be timestamped), with a
/// random nonce and certReq set, as DER with its nonce.
///
/// # Errors
/// [`CmsError::Malformed`] if it does not encode, [`CmsError::Random`] without randomness.
pub fn build_request(hash: HashAlgorithm, digest: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CmsError> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|_| CmsError::Random)?;
    nonce[0] &= 0x7F;
    nonce[0] |= 0x01;
    let request = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned { oid: hash.oid(), parameters: None },
            hashed_message: OctetString::new(digest.to_vec()).map_err(|_| CmsError::Malformed("digest"))?,
        },
        req_policy: None,
        nonce: Some(Int::new(&nonce).map_err(|_| CmsError::Malformed("nonce"))?),
        cert_req: true,
        extensions: None,
    };
    Ok((request.to_der().map_err(|_| CmsError::Malformed("TimeStampReq"))?, nonce.to_vec()))
}

/// Reads a TimeStampResp: the status must be granted (0) or grantedWithMods (1), and a token
/// must be present. Returns the token (a ContentInfo) as DER.
///
/// # Errors
/// [`CmsError::TimestampRejected`] with the status, [`CmsError::Malformed`].
pub fn token_from_response(response: &[u8]) -> Result<Vec<u8>, CmsError> {
    let response = TimeStampResp::from_der(response).map_err(|_| CmsError::Malformed("TimeStampResp"))?;
    if response.status.status > 1 {
        return Err(CmsError::TimestampRejected { status: response.status.status });
    }
    response.time_stamp_token.ok_or(CmsError::Malformed("TimeStampResp without a token"))?.to_der().map_err(|_| CmsError::Malformed("TimeStampToken"))
}
