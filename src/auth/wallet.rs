//! The phone's side of a login: answer a challenge with the SIM's authentication key after
//! PIN1, and show the same verification code as the portal.

use der::Decode;

use super::AuthError;
use super::code::mobile_id_code;
use crate::apdu::ApduTransport;
use crate::card::{CardSession, KeyRole, Pin};
use crate::signer::{check_signature, raw_to_der};

/// The phone's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginAnswer {
    /// DER ECDSA signature over the challenge hash, checked against the certificate.
    pub signature: Vec<u8>,
    /// The authentication certificate, DER.
    pub certificate: Vec<u8>,
    /// The Mobile-ID verification code of the challenge, to show to the user.
    pub verification_code: String,
}

/// Reads the authentication certificate, verifies PIN1 and signs `challenge` with INTERNAL
/// AUTHENTICATE.
///
/// # Errors
/// [`AuthError::Card`] for PIN and card errors (a malformed PIN costs no try),
/// [`AuthError::InvalidInput`] for a challenge that is not a SHA-2 hash.
pub fn answer_challenge<T: ApduTransport>(session: &mut CardSession<T>, pin1: &Pin, challenge: &[u8]) -> Result<LoginAnswer, AuthError> {
    if super::challenge::HashType::for_len(challenge.len()).is_none() {
        return Err(AuthError::InvalidInput("a challenge is a SHA-256, SHA-384 or SHA-512 hash"));
    }
    let certificate = session.read_certificate(KeyRole::Authentication)?;
    let raw = session.authenticate(pin1, challenge)?;
    let signature = raw_to_der(session.profile().curve, &raw).map_err(|_| AuthError::BadSignature)?;
    let parsed = x509_cert::Certificate::from_der(&certificate).map_err(|_| AuthError::MalformedResponse("certificate"))?;
    check_signature(&parsed, challenge, &signature).map_err(|_| AuthError::BadSignature)?;
    Ok(LoginAnswer { signature, certificate, verification_code: mobile_id_code(challenge).unwrap_or_default() })
}
