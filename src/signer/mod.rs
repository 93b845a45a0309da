//! The one signing seam: [`DigestSigner`] signs a prehash and returns a DER ECDSA signature
//! that has already been verified against the certificate's public key.
//!
//! Implementations: [`CardSigner`] (a key on a SIM or eID card, over APDUs, PIN per call),
//! [`SoftwareSigner`] (a PKCS#8 key in memory, zeroized) and [`HostSigner`] (a platform key
//! store reached through a host callback: Secure Enclave, Android StrongBox/Keystore).
//!
//! Uses [`crate::card`].

mod card_signer;
mod host;
mod software;

pub use card_signer::{CardSigner, sign_on_card};
pub use host::{HostKey, HostKeyError, HostSigner, SignatureFormat};
pub use software::SoftwareSigner;

use der::Decode;
use x509_cert::Certificate;

use crate::card::CardError;
use crate::ec::{Curve, verify_prehash_der};

/// The signature algorithms a mobile ID key signs with (the digest is the caller's choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SigningAlgorithm {
    /// ECDSA on P-256 (FIPS 186-5 §6.4).
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
}

impl SigningAlgorithm {
    /// The curve.
    pub fn curve(self) -> Curve {
        match self {
            Self::EcdsaP256 => Curve::P256,
            Self::EcdsaP384 => Curve::P384,
        }
    }

    /// The algorithm of a key on `curve`.
    pub fn for_curve(curve: Curve) -> Self {
        match curve {
            Curve::P256 => Self::EcdsaP256,
            Curve::P384 => Self::EcdsaP384,
        }
    }

    /// The algorithm of the key in `certificate`, if it is a supported EC key.
    pub fn of_certificate(certificate: &Certificate) -> Option<Self> {
        Curve::of_public_key(certificate.tbs_certificate().subject_public_key_info()).map(Self::for_curve)
    }
}

/// Why a signature could not be produced. No variant carries a PIN, a digest or a name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The card refused or failed (wrong PIN, blocked, removed, …).
    #[error(transparent)]
    Card(#[from] CardError),
    /// The host key store failed.
    #[error(transparent)]
    Host(#[from] HostKeyError),
    /// The certificate does not hold a P-256 or P-384 key.
    #[error("the certificate's key is not a supported EC key")]
    UnsupportedKey,
    /// The certificate does not decode.
    #[error("the certificate does not decode")]
    MalformedCertificate,
    /// The private key does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// The digest length is not 20 to 64 bytes.
    #[error("a digest of {len} bytes cannot be signed")]
    InvalidDigest {
        /// The length given.
        len: usize,
    },
    /// The signature bytes are not a signature of the expected shape.
    #[error("the signer returned a malformed signature")]
    MalformedSignature,
    /// The signature did not verify under the certificate's key: a fault, a swapped card or a
    /// wrong key. It was not returned.
    #[error("the signature failed its check against the certificate; it was discarded")]
    SelfCheckFailed,
}

/// Something that signs digests with the key of one certificate.
pub trait DigestSigner {
    /// The signature algorithm.
    fn algorithm(&self) -> SigningAlgorithm;

    /// The signer's certificate.
    fn certificate(&self) -> &Certificate;

    /// Intermediate certificates to embed beside it (may be empty).
    fn chain(&self) -> &[Certificate] {
        &[]
    }

    /// Signs `digest` (20 to 64 bytes, the output of the hash the caller chose) and returns the
    /// DER `ECDSA-Sig-Value` (RFC 5480 §2.2 / RFC 3279 §2.2.3), checked against the
    /// certificate's public key before it is returned.
    ///
    /// # Errors
    /// [`SignerError`].
    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, SignerError>;
}

impl<S: DigestSigner + ?Sized> DigestSigner for Box<S> {
    fn algorithm(&self) -> SigningAlgorithm {
        (**self).algorithm()
    }
    fn certificate(&self) -> &Certificate {
        (**self).certificate()
    }
    fn chain(&self) -> &[Certificate] {
        (**self).chain()
    }
    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, SignerError> {
        (**self).sign_digest(digest)
    }
}

/// Converts a card's raw `r ‖ s` (each `field_len` bytes, big-endian) into a DER
/// `ECDSA-Sig-Value` (RFC 3279 §2.2.3).
///
/// # Errors
/// [`SignerError::MalformedSignature`] for the wrong length or a zero `r` or `s`.
pub fn raw_to_der(curve: Curve, raw: &[u8]) -> Result<Vec<u8>, SignerError> {
    if raw.len() != 2 * curve.field_len() {
        return Err(SignerError::MalformedSignature);
    }
    match curve {
        Curve::P256 => p256::ecdsa::Signature::from_slice(raw).map(|s| s.to_der().as_bytes().to_vec()),
        Curve::P384 => p384::ecdsa::Signature::from_slice(raw).map(|s| s.to_der().as_bytes().to_vec()),
    }
    .map_err(|_| SignerError::MalformedSignature)
}

/// Converts a DER `ECDSA-Sig-Value` into raw `r ‖ s`.
///
/// # Errors
/// [`SignerError::MalformedSignature`] when the DER is not a valid signature for `curve`.
pub fn der_to_raw(curve: Curve, der_bytes: &[u8]) -> Result<Vec<u8>, SignerError> {
    match curve {
        Curve::P256 => p256::ecdsa::Signature::from_der(der_bytes).map(|s| s.to_bytes().to_vec()),
        Curve::P384 => p384::ecdsa::Signature::from_der(der_bytes).map(|s| s.to_bytes().to_vec()),
    }
    .map_err(|_| SignerError::MalformedSignature)
}

/// Verifies `signature_der` over `digest` with the certificate's key: the check every signer
/// runs before it hands a signature out.
///
/// # Errors
/// [`SignerError::SelfCheckFailed`] when it does not verify, [`SignerError::UnsupportedKey`]
/// for keys other than P-256/P-384.
pub fn check_signature(certificate: &Certificate, digest: &[u8], signature_der: &[u8]) -> Result<(), SignerError> {
    let spki = certificate.tbs_certificate().subject_public_key_info();
    if Curve::of_public_key(spki).is_none() {
        return Err(SignerError::UnsupportedKey);
    }
    verify_prehash_der(spki, digest, signature_der).map_err(|_| SignerError::SelfCheckFailed)
}

fn check_digest(digest: &[u8]) -> Result<(), SignerError> {
    if (crate::ec::MIN_DIGEST_LEN..=crate::ec::MAX_DIGEST_LEN).contains(&digest.len()) { Ok(()) } else { Err(SignerError::InvalidDigest { len: digest.len() }) }
}

fn parse_certificate(der_bytes: &[u8]) -> Result<(Certificate, SigningAlgorithm), SignerError> {
    let certificate = Certificate::from_der(der_bytes).map_err(|_| SignerError::MalformedCertificate)?;
    let algorithm = SigningAlgorithm::of_certificate(&certificate).ok_or(SignerError::UnsupportedKey)?;
    Ok((certificate, algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_der_round_trip() {
        let mut raw = vec![0u8; 64];
        raw[31] = 1;
        raw[63] = 2;
        let der = raw_to_der(Curve::P256, &raw).unwrap();
        assert_eq!(der, [0x30, 6, 2, 1, 1, 2, 1, 2]);
        assert_eq!(der_to_raw(Curve::P256, &der).unwrap(), raw);
        assert!(raw_to_der(Curve::P384, &raw).is_err());
        assert!(raw_to_der(Curve::P256, &[0; 64]).is_err());
        assert!(der_to_raw(Curve::P256, &[0x30, 0]).is_err());
    }
}
