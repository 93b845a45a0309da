//! The phone's answer to a login challenge, made through the signing seam: any
//! [`DigestSigner`] holding an authentication key — the SIM's (the `wallet` module), a
//! platform key store's, a software key — signs the challenge hash, and the answer carries its
//! certificate and the verification code the portal shows too.

use der::Encode;

use super::AuthError;
use super::challenge::HashType;
use super::code::mobile_id_code;
use crate::signer::DigestSigner;

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

/// Signs `challenge` (a SHA-256, SHA-384 or SHA-512 hash, used as the digest) with `signer`,
/// whose signature is checked against its certificate before it is returned.
///
/// # Errors
/// [`AuthError::InvalidInput`] for a challenge that is not a SHA-2 hash; [`AuthError::Signer`]
/// from the signer (a wrong PIN, a card removed, a host key store's failure).
pub fn answer_with(signer: &mut dyn DigestSigner, challenge: &[u8]) -> Result<LoginAnswer, AuthError> {
    if HashType::for_len(challenge.len()).is_none() {
        return Err(AuthError::InvalidInput("a challenge is a SHA-256, SHA-384 or SHA-512 hash"));
    }
    let signature = signer.sign_digest(challenge)?;
    let certificate = signer.certificate().to_der().map_err(|_| AuthError::InvalidInput("the signer's certificate does not encode"))?;
    Ok(LoginAnswer { signature, certificate, verification_code: mobile_id_code(challenge).unwrap_or_default() })
}
