//! PDF (ISO 32000-1): a bounded reader of objects, cross-reference tables and streams, object
//! streams and incremental revisions — the foundation for PAdES signing and verification, which
//! are not built yet.

pub mod object;
pub mod reader;

pub use object::{Dictionary, Object, StreamData};
pub use reader::{PdfReader, Revision, XrefEntry, XrefKind};

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
    /// Reading failed.
    #[error("reading the PDF failed: {0}")]
    Io(std::io::ErrorKind),
}

impl PdfError {
    pub(crate) fn io(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Self::Malformed("truncated"),
            kind => Self::Io(kind),
        }
    }
}
