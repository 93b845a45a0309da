//! CMS / CAdES: two-phase SignedData signing with CAdES-B-B attributes and CAdES-B-T signature
//! timestamps, RFC 3161 time-stamp requests and tokens, and verification of what any producer
//! emits, with a per-signer report in the style of ETSI EN 319 102-1.
//!
//! Uses [`crate::x509`] (chains), [`crate::signer`] (the signing seam) and [`crate::report`].

pub(crate) mod attributes;
mod sign;
pub(crate) use sign::build_prepared;
mod tsp;
mod verify;
pub(crate) use verify::{digest_of, encapsulated_content};

pub use sign::{CmsSignOptions, PreparedCms, add_signature_timestamps, check_signing_certificate, prepare, prepare_digest, sign, timestamp_digest};
#[cfg(feature = "http")]
pub use tsp::HttpTimestampClient;
pub use tsp::{TimestampClient, TimestampError, build_request as timestamp_request, token_from_response};
pub use verify::{
    CmsReport, CmsVerifyOptions, MAX_CERTIFICATES, MAX_SIGNERS, TimestampVerifyError, certificates_in, leading_value, verify, verify_timestamp_token,
};

use crate::signer::SignerError;

/// Why a CMS could not be produced or read. A signature that reads but does not verify is a
/// report, not one of these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// Bytes that do not decode as what they should be.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A ContentInfo of another type than SignedData.
    #[error("the input is not a CMS SignedData")]
    NotSignedData,
    /// The signer's certificate is not for signatures, or not valid at the signing time.
    #[error("the signer's certificate cannot sign: {0}")]
    SignerCertificate(&'static str),
    /// The caller's input cannot be used.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Reading the content failed.
    #[error("reading the content failed: {0}")]
    Io(std::io::ErrorKind),
    /// No randomness.
    #[error("the random source failed")]
    Random,
    /// The signer failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The signature handed to `finish` does not verify under the certificate.
    #[error("the signature does not verify under the signer certificate")]
    SignatureMismatch,
    /// The TSA refused the request.
    #[error("the time-stamping authority refused the request (status {status})")]
    TimestampRejected {
        /// PKIStatus.
        status: u8,
    },
    /// The TSA's answer is not for this request.
    #[error("the timestamp does not answer the request: {0}")]
    TimestampMismatch(&'static str),
    /// The TSA could not be reached.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
}
