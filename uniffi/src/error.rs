//! The one error type of the bindings, named by what the caller should do, mapped from the
//! core's errors in one place. Messages carry no personal data.

use mobile_id::auth::AuthError;
use mobile_id::card::CardError;
use mobile_id::card::sim::SimError;
use mobile_id::cms::CmsError;
use mobile_id::signer::SignerError;
use mobile_id::x509::ValidationError;

/// What went wrong, as something the app can act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MobileIdError {
    /// The PIN was wrong; show the tries left.
    #[error("wrong PIN, {retries_left} tries left")]
    PinIncorrect {
        /// Tries left.
        retries_left: u8,
    },
    /// The PIN (or PUK) is blocked: unblock with the PUK, or the PUK is gone.
    #[error("the PIN is blocked")]
    PinBlocked,
    /// The PIN has the wrong format (length, non-digits); no try was used.
    #[error("the PIN has the wrong format: {reason}")]
    PinFormat {
        /// What is wrong.
        reason: String,
    },
    /// The SIM or card cannot be reached, or answered something unexpected.
    #[error("the card is not available: {reason}")]
    CardUnavailable {
        /// Why.
        reason: String,
    },
    /// The user cancelled (on the phone, or in a host prompt).
    #[error("the user cancelled")]
    UserCancelled,
    /// The input cannot be used.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },
    /// A certificate, chain or login is not trusted or not acceptable.
    #[error("not trusted: {reason}")]
    Untrusted {
        /// The reason, with its stable code first.
        reason: String,
    },
    /// Host code (a transport, signer or fetcher) failed or threw.
    #[error("the host failed: {reason}")]
    HostError {
        /// The host's message.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for MobileIdError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::HostError { reason: e.reason }
    }
}

impl From<CardError> for MobileIdError {
    fn from(e: CardError) -> Self {
        match e {
            CardError::PinIncorrect { retries_left, .. } => Self::PinIncorrect { retries_left },
            CardError::PinBlocked { .. } => Self::PinBlocked,
            CardError::PinFormat { reason, .. } => Self::PinFormat { reason: reason.to_string() },
            CardError::Transport(t) => match t {
                mobile_id::apdu::TransportError::Host { reason } => Self::HostError { reason },
                other => Self::CardUnavailable { reason: other.to_string() },
            },
            CardError::InvalidInput(m) => Self::InvalidInput { reason: m.into() },
            other => Self::CardUnavailable { reason: other.to_string() },
        }
    }
}

impl From<SimError> for MobileIdError {
    fn from(e: SimError) -> Self {
        Self::CardUnavailable { reason: e.to_string() }
    }
}

impl From<SignerError> for MobileIdError {
    fn from(e: SignerError) -> Self {
        match e {
            SignerError::Card(c) => c.into(),
            SignerError::Host(mobile_id::signer::HostKeyError::UserCancelled) => Self::UserCancelled,
            SignerError::Host(h) => Self::HostError { reason: h.to_string() },
            other => Self::InvalidInput { reason: other.to_string() },
        }
    }
}

impl From<ValidationError> for MobileIdError {
    fn from(e: ValidationError) -> Self {
        match e {
            ValidationError::Malformed { .. } => Self::InvalidInput { reason: e.to_string() },
            other => Self::Untrusted { reason: format!("{}: {other}", other.code()) },
        }
    }
}

impl From<CmsError> for MobileIdError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Signer(s) => s.into(),
            CmsError::Timestamp(t) => Self::HostError { reason: t.to_string() },
            other => Self::InvalidInput { reason: other.to_string() },
        }
    }
}

impl From<AuthError> for MobileIdError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Signer(s) => s.into(),
            AuthError::InvalidInput(m) => Self::InvalidInput { reason: m.into() },
            AuthError::Mssp { result: mobile_id::auth::MsspResult::UserCancelled } => Self::UserCancelled,
            AuthError::Certificate(v) => v.into(),
            // The host's transport to the service failed or threw.
            AuthError::Unreachable(reason) => Self::HostError { reason },
            // The host's shared challenge store failed or threw: the login is refused.
            store @ AuthError::Store(_) => Self::HostError { reason: store.to_string() },
            other => Self::Untrusted { reason: other.to_string() },
        }
    }
}
