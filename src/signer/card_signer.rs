//! A key on a SIM or eID card as a [`DigestSigner`].

use x509_cert::Certificate;

use super::{DigestSigner, SignerError, SigningAlgorithm, check_digest, check_signature, parse_certificate, raw_to_der};
use crate::apdu::ApduTransport;
use crate::card::{CardSession, KeyRole, Pin};

/// Signs with the card's signing key (PIN2, PSO: COMPUTE DIGITAL SIGNATURE) or authentication
/// key (PIN1, INTERNAL AUTHENTICATE). The PIN is verified again for every signature; it lives
/// in this object (zeroized when it is dropped), so drop the signer as soon as the job is done.
#[derive(Debug)]
pub struct CardSigner<T> {
    session: CardSession<T>,
    role: KeyRole,
    pin: Pin,
    certificate: Certificate,
    algorithm: SigningAlgorithm,
}

impl<T: ApduTransport> CardSigner<T> {
    /// Reads the certificate of `role` from the card and keeps `pin` for the signatures.
    ///
    /// # Errors
    /// Card errors while reading, or a certificate whose key is not on the profile's curve.
    pub fn new(mut session: CardSession<T>, role: KeyRole, pin: Pin) -> Result<Self, SignerError> {
        let der = session.read_certificate(role)?;
        let (certificate, algorithm) = parse_certificate(&der)?;
        if algorithm.curve() != session.profile().curve {
            return Err(SignerError::KeyMismatch);
        }
        Ok(Self { session, role, pin, certificate, algorithm })
    }

    /// Ends signing and returns the session (the PIN is wiped).
    pub fn into_session(self) -> CardSession<T> {
        self.session
    }
}

impl<T: ApduTransport> DigestSigner for CardSigner<T> {
    fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, SignerError> {
        card_signature(&mut self.session, self.role, &self.pin, &self.certificate, self.algorithm, digest)
    }
}

/// One signature on the card with an already read certificate: the PIN, the card operation,
/// r‖s → DER, and the check against the certificate.
fn card_signature<T: ApduTransport>(
    session: &mut CardSession<T>,
    role: KeyRole,
    pin: &Pin,
    certificate: &Certificate,
    algorithm: SigningAlgorithm,
    digest: &[u8],
) -> Result<Vec<u8>, SignerError> {
    check_digest(digest)?;
    let raw = match role {
        KeyRole::Signing => session.sign_digest(pin, digest)?,
        KeyRole::Authentication => session.authenticate(pin, digest)?,
    };
    let der = raw_to_der(algorithm.curve(), &raw)?;
    check_signature(certificate, digest, &der)?;
    Ok(der)
}

/// Reads the certificate of `role` and makes one checked signature with that key, for callers
/// that keep their own session (command line, bindings). Returns the certificate and the DER
/// signature.
///
/// # Errors
/// As [`CardSigner::new`] and [`DigestSigner::sign_digest`].
pub fn sign_on_card<T: ApduTransport>(session: &mut CardSession<T>, role: KeyRole, pin: &Pin, digest: &[u8]) -> Result<(Certificate, Vec<u8>), SignerError> {
    let (certificate, algorithm) = parse_certificate(&session.read_certificate(role)?)?;
    let signature = card_signature(session, role, pin, &certificate, algorithm, digest)?;
    Ok((certificate, signature))
}
