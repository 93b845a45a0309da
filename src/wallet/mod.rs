//! The phone's side of mobile ID, over the card: answering a login challenge with the SIM's
//! authentication key after PIN1 ([`answer_challenge`]), and, behind feature `mock-mssp`, a
//! mock mobile-ID service whose "phones" are virtual SIMs (`mock_mssp`). The portal's side
//! (challenges, validation, the MSSP client) is [`crate::auth`], which needs no card.

#[cfg(feature = "mock-mssp")]
pub mod mock_mssp;

use crate::apdu::ApduTransport;
use crate::auth::{AuthError, LoginAnswer, answer_with};
use crate::card::{CardSession, KeyRole, Pin};
use crate::signer::CardSigner;

/// Answers a login challenge on the card: reads the authentication certificate, verifies PIN1
/// and signs `challenge` with INTERNAL AUTHENTICATE, through [`crate::signer::CardSigner`] and
/// [`crate::auth::answer_with`]. The session stays usable afterwards.
///
/// # Errors
/// [`AuthError::Signer`] for PIN and card errors (a malformed PIN costs no try),
/// [`AuthError::InvalidInput`] for a challenge that is not a SHA-2 hash.
pub fn answer_challenge<T: ApduTransport>(session: &mut CardSession<T>, pin1: &Pin, challenge: &[u8]) -> Result<LoginAnswer, AuthError> {
    let profile = session.profile().clone();
    let options = session.options();
    let borrowed = CardSession::with_options(session.transport_mut(), profile, options);
    let mut signer = CardSigner::new(borrowed, KeyRole::Authentication, pin1.clone())?;
    answer_with(&mut signer, challenge)
}
