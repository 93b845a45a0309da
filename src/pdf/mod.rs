//! PDF (ISO 32000-1) and PAdES (ETSI EN 319 142-1): a bounded reader of objects,
//! cross-reference tables and streams, object streams and incremental revisions; an incremental
//! writer; the PAdES signing session (B-B, B-T, B-LT with a DSS, B-LTA with document
//! timestamps, DocMDP certification); and a verifier that checks every signature's byte range,
//! CMS and chain and judges what each later revision changed.

/// Declares modules that are the library's own, and public only with the `testing` feature:
/// the object model, reader, writer and document helpers that tests use to craft attacks,
/// the encryption layer the fuzzer drives, and the sample document generator.
macro_rules! testing_modules {
    ($($name:ident),*) => {
        $(
            #[cfg(feature = "testing")]
            pub mod $name;
            #[cfg(not(feature = "testing"))]
            #[allow(dead_code, unreachable_pub)]
            mod $name;
        )*
    };
}

mod appearance;
mod changes;

mod ltv;
mod placement;
mod sign;
mod verify;
testing_modules!(crypt, document, object, reader, sample, write);

/// A small valid PDF with the given text lines (and optional padding), for demos and tests.
pub use sample::sample_document;

pub use appearance::{ImagePlacement, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, Rect, Stamp, StampImage, StampTemplate};
pub use document::DocMdp;
pub use ltv::{DssMaterial, add_document_timestamp, add_dss, embedded_certificates};
#[cfg(not(feature = "testing"))]
pub(crate) use object::Dictionary;
#[cfg(feature = "testing")]
pub use object::{Dictionary, Object, StreamData};
#[cfg(feature = "testing")]
pub use reader::{PdfReader, Revision, SharedView, XrefEntry, XrefKind};
#[cfg(not(feature = "testing"))]
pub(crate) use reader::{PdfReader, XrefEntry, XrefKind};
pub use sign::{DEFAULT_CAPACITY, DEFAULT_TIMESTAMP_CAPACITY, PdfSignOptions, PreparedPdf, TIMESTAMP_ALLOWANCE, estimated_capacity, prepare, sign};
pub use verify::{Change, ChangeKind, Coverage, LaterChanges, PdfReport, PdfSignatureReport, PdfVerifyOptions, RevisionChanges, SignatureKind, verify};

/// Why a PDF could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PadesError {
    /// The PDF could not be read or written.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// Building the CMS failed (signer, TSA, encoding).
    #[error(transparent)]
    Cms(#[from] crate::cms::CmsError),
    /// The caller's input cannot be used.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Something this signer does not do.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A visible signature's rectangle on a signed document would cover what is already shown
    /// there (named), which verifiers refuse as a change that could hide signed content.
    #[error("the stamp would cover {0} on a signed page; choose another rectangle")]
    StampCovers(String),
    /// The CMS does not fit the space reserved for it.
    #[error("the signature needs {needed} bytes but {capacity} were reserved; sign again with a larger capacity")]
    PlaceholderTooSmall {
        /// Bytes the CMS needs.
        needed: usize,
        /// Bytes reserved.
        capacity: usize,
    },
}

/// A hash fed piece by piece: the byte ranges of a signature.
pub use crate::algorithms::Hasher as RangeHasher;

/// Why a PDF could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The bytes do not follow ISO 32000.
    #[error("malformed PDF: {0}")]
    Malformed(&'static str),
    /// A limit that protects against hostile files was reached.
    #[error("PDF limit reached: {0}")]
    LimitExceeded(&'static str),
    /// A feature this reader does not implement.
    #[error("unsupported PDF feature: {0}")]
    Unsupported(&'static str),
    /// The document is encrypted and the empty user password does not open it.
    #[error("the PDF needs a password")]
    NeedsPassword,
    /// Reading failed.
    #[error("reading the PDF failed: {0}")]
    Io(std::io::ErrorKind),
}

impl From<crypt::CryptError> for PdfError {
    fn from(e: crypt::CryptError) -> Self {
        match e {
            crypt::CryptError::NeedsPassword => Self::NeedsPassword,
            crypt::CryptError::Unsupported(what) => Self::Unsupported(what),
            crypt::CryptError::Malformed(what) => Self::Malformed(what),
        }
    }
}

impl PdfError {
    pub(crate) fn io(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Self::Malformed("truncated"),
            kind => Self::Io(kind),
        }
    }
}
