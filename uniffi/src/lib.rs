//! `mobile-id-ffi`: the uniffi facade over the `mobile-id` core for Kotlin (Android wallets, JVM
//! servers), Swift (iOS) and Python. Thin: every method delegates to the core's public API;
//! errors are mapped in one place ([`MobileIdError`]); no `async`; objects are `Send + Sync` and
//! hold no lock while host code (channels, signers) runs.

mod card;
mod error;
mod login;
mod pdf;
mod report;
mod signing;
mod verify;

pub use card::{ApduChannel, AppletKind, KeyKind, PinId, PinState, SimSession, VirtualSimCard};
pub use error::MobileIdError;
pub use login::{LoginAnswer, LoginChallenge, LoginIdentity, LoginPortal, answer_login, mobile_id_verification_code, smart_id_verification_code};
pub use pdf::{
    PdfSignatureVerdict, PdfSigningOptions, PdfSigningSession, PdfVerdict, RevocationFetcher, VisibleStamp, pdf_add_document_timestamp,
    pdf_add_validation_data, sample_pdf,
};
pub use report::{ChangeKind, Coverage, Indication, LaterChanges, PdfChange, SignatureKind, SubIndication};
pub use signing::{CmsSigningSession, ExternalSigner, Signer, TimestampFetcher, add_signature_timestamp};
pub use verify::{CertificatePurpose, ChainReport, CmsVerdict, SignatureVerdict, Verifier};

uniffi::setup_scaffolding!();

/// The version of the core library.
#[uniffi::export]
pub fn core_version() -> String {
    mobile_id::VERSION.to_string()
}
