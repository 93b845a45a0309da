//! The verdicts' vocabulary for the host languages, typed: ETSI EN 319 102-1 indications and
//! sub-indications, what a PDF signature is and covers, what later revisions changed, and
//! times as the platform's own (`datetime`, `java.time.Instant`, `Date`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mobile_id::pdf;
use mobile_id::report;

use crate::MobileIdError;

/// The main indication (ETSI EN 319 102-1 §5.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Indication {
    /// Every check passed.
    TotalPassed,
    /// Something could not be established (missing data, unsupported algorithm, chain).
    Indeterminate,
    /// The signature is proven bad.
    TotalFailed,
}

impl From<report::Indication> for Indication {
    fn from(i: report::Indication) -> Self {
        match i {
            report::Indication::TotalPassed => Self::TotalPassed,
            report::Indication::Indeterminate => Self::Indeterminate,
            report::Indication::TotalFailed => Self::TotalFailed,
        }
    }
}

/// Why a signature is not TOTAL-PASSED (ETSI EN 319 102-1 §5.1.3, the ones this library
/// reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SubIndication {
    /// The signed data does not match the digest.
    HashFailure,
    /// The signature maths fails.
    SigCryptoFailure,
    /// The signer's certificate is revoked.
    Revoked,
    /// The signature is not in a form this library reads.
    FormatFailure,
    /// No chain to a trust anchor.
    NoCertificateChainFound,
    /// The signer's certificate is not present or not readable.
    NoSigningCertificateFound,
    /// The certificate was not valid at the validation time, and no proof of existence helps.
    OutOfBoundsNoPoe,
    /// The certificate is not yet valid.
    NotYetValid,
    /// The chain breaks a constraint (policy, name, purpose).
    ChainConstraintsFailure,
    /// An algorithm is too weak or unknown at the validation time.
    CryptoConstraintsFailure,
    /// As above, with no proof of existence before the algorithm fell.
    CryptoConstraintsFailureNoPoe,
    /// The document was changed after signing in a way not permitted.
    DisallowedModification,
    /// Revocation status is not yet available.
    TryLater,
    /// The signed content was not supplied.
    SignedDataNotFound,
    /// A signature timestamp is present but not valid.
    TimestampFailure,
}

impl From<report::SubIndication> for SubIndication {
    fn from(s: report::SubIndication) -> Self {
        use report::SubIndication as S;
        match s {
            S::HashFailure => Self::HashFailure,
            S::SigCryptoFailure => Self::SigCryptoFailure,
            S::Revoked => Self::Revoked,
            S::FormatFailure => Self::FormatFailure,
            S::NoCertificateChainFound => Self::NoCertificateChainFound,
            S::NoSigningCertificateFound => Self::NoSigningCertificateFound,
            S::OutOfBoundsNoPoe => Self::OutOfBoundsNoPoe,
            S::NotYetValid => Self::NotYetValid,
            S::ChainConstraintsFailure => Self::ChainConstraintsFailure,
            S::CryptoConstraintsFailure => Self::CryptoConstraintsFailure,
            S::CryptoConstraintsFailureNoPoe => Self::CryptoConstraintsFailureNoPoe,
            S::DisallowedModification => Self::DisallowedModification,
            S::TryLater => Self::TryLater,
            S::SignedDataNotFound => Self::SignedDataNotFound,
            S::TimestampFailure => Self::TimestampFailure,
        }
    }
}

/// What a PDF signature field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureKind {
    /// A signature (approval or certification).
    Signature,
    /// A document timestamp (PAdES B-LTA).
    DocumentTimestamp,
}

impl From<pdf::SignatureKind> for SignatureKind {
    fn from(k: pdf::SignatureKind) -> Self {
        match k {
            pdf::SignatureKind::Signature => Self::Signature,
            pdf::SignatureKind::DocumentTimestamp => Self::DocumentTimestamp,
        }
    }
}

/// How much of the file a PDF signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Coverage {
    /// The whole file as it is.
    WholeFile,
    /// Its own revision; later revisions follow.
    Revision,
    /// Not established (the byte range is unusable).
    Unknown,
}

impl From<pdf::Coverage> for Coverage {
    fn from(c: pdf::Coverage) -> Self {
        match c {
            pdf::Coverage::WholeFile => Self::WholeFile,
            pdf::Coverage::Revision => Self::Revision,
            pdf::Coverage::Unknown => Self::Unknown,
        }
    }
}

/// The verdict on what later revisions did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LaterChanges {
    /// No later revision.
    None,
    /// Only allowed changes.
    Allowed,
    /// At least one change that is not allowed.
    Disallowed,
}

impl From<pdf::LaterChanges> for LaterChanges {
    fn from(c: pdf::LaterChanges) -> Self {
        match c {
            pdf::LaterChanges::None => Self::None,
            pdf::LaterChanges::Allowed => Self::Allowed,
            pdf::LaterChanges::Disallowed => Self::Disallowed,
        }
    }
}

/// What part of a document a change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeKind {
    /// A signature field or its value.
    Signature,
    /// A document timestamp.
    DocumentTimestamp,
    /// DSS or VRI validation material.
    ValidationMaterial,
    /// The document catalog.
    Catalog,
    /// The interactive form.
    Form,
    /// A page or the page tree.
    Page,
    /// An annotation.
    Annotation,
    /// Metadata (Info, XMP).
    Metadata,
    /// Page content.
    Content,
    /// The file's structure (objects, cross-references).
    Structure,
    /// A kind the core names that these bindings predate.
    Other,
}

impl From<pdf::ChangeKind> for ChangeKind {
    fn from(k: pdf::ChangeKind) -> Self {
        use pdf::ChangeKind as K;
        match k {
            K::Signature => Self::Signature,
            K::DocumentTimestamp => Self::DocumentTimestamp,
            K::ValidationMaterial => Self::ValidationMaterial,
            K::Catalog => Self::Catalog,
            K::Form => Self::Form,
            K::Page => Self::Page,
            K::Annotation => Self::Annotation,
            K::Metadata => Self::Metadata,
            K::Content => Self::Content,
            K::Structure => Self::Structure,
            _ => Self::Other,
        }
    }
}

/// One change a later revision made, as the change analysis judged it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PdfChange {
    /// The revision that made it (1 is the original document).
    pub revision: u32,
    /// Whether it is allowed after this signature.
    pub allowed: bool,
    /// What part of the document it touched.
    pub kind: ChangeKind,
    /// What it did, in words.
    pub what: String,
}

/// Unix seconds as a platform time.
pub(crate) fn time_of(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A platform time as Unix seconds; times before 1970 are not validation times.
pub(crate) fn secs_of(time: SystemTime) -> Result<u64, MobileIdError> {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).map_err(|_| MobileIdError::InvalidInput { reason: "a time before 1970".into() })
}
