//! Card layer: the ISO/IEC 7816-4/-8 sequences of an eID/SIM PKI applet over any
//! [`ApduTransport`](crate::apdu::ApduTransport), applet profiles as data, PINs, and the
//! virtual SIM that answers exactly as the project's applet does.
//!
//! Uses only [`crate::apdu`].

mod pin;
mod profile;
mod session;
pub mod sim;

pub use crate::ec::{Curve, EcSigningKey};
pub use pin::{Pin, PinFormatError, PinKind, PinStatus};
pub use profile::{AppletProfile, KeyReference, KeyRole, PROJECT_SIM_AID, PinPolicy, UnblockMethod};
pub use session::{CardSession, MAX_CERTIFICATE_FILE, SessionOptions};

use crate::apdu::{ApduError, StatusWord, TransportError};

/// Errors of card operations. They carry references and counters, never PIN values or
/// certificate contents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The PIN was wrong; `retries_left` tries remain.
    #[error("{pin} is incorrect; tries left: {retries_left}")]
    PinIncorrect {
        /// Which PIN.
        pin: PinKind,
        /// Tries left.
        retries_left: u8,
    },
    /// The PIN (or PUK) is blocked.
    #[error("{pin} is blocked")]
    PinBlocked {
        /// Which PIN.
        pin: PinKind,
    },
    /// The PIN was refused before any APDU was sent (no try was used).
    #[error("{pin} has the wrong format: {reason}")]
    PinFormat {
        /// Which PIN.
        pin: PinKind,
        /// What is wrong.
        reason: PinFormatError,
    },
    /// 6982: the key needs a PIN verification first.
    #[error("security status not satisfied (PIN not verified)")]
    SecurityStatusNotSatisfied,
    /// Any other status word where success was expected.
    #[error("the card answered {sw}")]
    CardError {
        /// The status word.
        sw: StatusWord,
    },
    /// The transport failed.
    #[error(transparent)]
    Transport(TransportError),
    /// The card's answer broke the APDU rules (malformed, looping, too large).
    #[error("malformed card response: {0}")]
    Apdu(ApduError),
    /// The card's answer is well-formed APDU but not what the operation expects.
    #[error("unexpected card response: {0}")]
    InvalidResponse(&'static str),
    /// The caller's input cannot be sent.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The profile or applet does not support the operation.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

impl From<ApduError> for CardError {
    fn from(e: ApduError) -> Self {
        match e {
            ApduError::Transport(t) => Self::Transport(t),
            other => Self::Apdu(other),
        }
    }
}
