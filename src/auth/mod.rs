//! Mobile-ID login, the portal's side: issue a challenge, validate the answer (signature,
//! chain, purpose, single use), learn who logged in; both screens show the same verification
//! code; a sans-IO client for a mobile-ID service (MSSP). The phone's answer is made through
//! the signing seam ([`answer_with`]); on a SIM, the `wallet` module's `answer_challenge` does it.
//!
//! Uses [`crate::x509`] and [`crate::signer`]; no card.

mod answer;
mod challenge;
mod code;
pub mod mssp;
#[cfg(feature = "redis")]
mod redis_store;
mod response;

pub use answer::{LoginAnswer, answer_with};
pub use challenge::{
    CHALLENGE_KEY_PREFIX, Challenge, ChallengeStore, DEFAULT_CHALLENGE_LIFETIME, HashType, KeyValueChallengeStore, MemoryChallengeStore, SharedKeyValue,
};
pub use code::{mobile_id_code, smart_id_code};
pub use mssp::{MsspClient, MsspResult, MsspTransport, PollStep, SessionKind, SessionOutcome, SessionPoller};
#[cfg(feature = "redis")]
pub use redis_store::RedisChallengeStore;
pub use response::{AuthOptions, AuthenticatedIdentity, AuthenticationResponse, validate_response};

use crate::signer::SignerError;
use crate::x509::ValidationError;

/// Why a login (or an MSSP exchange) failed. No variant carries personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No such challenge: never issued here, or already used (a replay).
    #[error("unknown or already used challenge")]
    UnknownChallenge,
    /// The challenge's lifetime is over.
    #[error("the challenge has expired")]
    ChallengeExpired,
    /// The signature is not over this challenge by this certificate's key.
    #[error("the signature does not verify over the challenge")]
    BadSignature,
    /// The certificate is not acceptable.
    #[error("the certificate is not accepted: {0}")]
    Certificate(ValidationError),
    /// The phone's signer refused or failed (wrong PIN, blocked, card removed, key store).
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// Input that cannot be sent.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A response that does not read.
    #[error("malformed response: {0}")]
    MalformedResponse(&'static str),
    /// The service answered an HTTP error.
    #[error("the service answered HTTP {status}")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The service could not be reached.
    #[error("the service could not be reached: {0}")]
    Unreachable(String),
    /// The service's session ended with a result other than OK.
    #[error("the mobile-ID service answered {}", result.code())]
    Mssp {
        /// The result.
        result: MsspResult,
    },
    /// No randomness.
    #[error("the random source failed")]
    Random,
    /// The challenge store failed (unreachable, timed out, damaged): no login is accepted.
    #[error("the challenge store failed: {0}")]
    Store(String),
}
