//! A platform key store reached through a host callback (iOS Secure Enclave, Android
//! StrongBox/Keystore) as a [`DigestSigner`]. The FFI crate bridges its foreign trait to
//! [`HostKey`].

use x509_cert::Certificate;

use super::{DigestSigner, SignerError, SigningAlgorithm, check_digest, check_signature, parse_certificate, raw_to_der};

/// How the host returns signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureFormat {
    /// DER `ECDSA-Sig-Value` (Android Keystore, Apple `SecKeyCreateSignature`).
    Der,
    /// Raw `r ‖ s` (cards, some HSMs).
    Raw,
}

/// What a host key store reports when it cannot sign. The reason must hold no personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostKeyError {
    /// The user dismissed the prompt.
    #[error("the user cancelled")]
    UserCancelled,
    /// The key or the key store is not available.
    #[error("the key store is not available")]
    Unavailable,
    /// Anything else the host reports.
    #[error("the key store failed: {reason}")]
    Failed {
        /// The host's description.
        reason: String,
    },
}

/// A key held by the host platform.
pub trait HostKey: Send + Sync {
    /// The certificate of the key, DER.
    fn certificate_der(&self) -> Vec<u8>;
    /// The signature encoding the host returns.
    fn signature_format(&self) -> SignatureFormat;
    /// Signs a digest.
    ///
    /// # Errors
    /// [`HostKeyError`].
    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, HostKeyError>;
}

/// A [`HostKey`] as a [`DigestSigner`]: normalises the host's signature to DER and checks it
/// against the certificate before returning it.
pub struct HostSigner {
    key: Box<dyn HostKey>,
    certificate: Certificate,
    algorithm: SigningAlgorithm,
}

impl std::fmt::Debug for HostSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSigner").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl HostSigner {
    /// Wraps a host key, reading its certificate once.
    ///
    /// # Errors
    /// A certificate that does not decode or holds an unsupported key.
    pub fn new(key: Box<dyn HostKey>) -> Result<Self, SignerError> {
        let (certificate, algorithm) = parse_certificate(&key.certificate_der())?;
        Ok(Self { key, certificate, algorithm })
    }
}

impl DigestSigner for HostSigner {
    fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, SignerError> {
        check_digest(digest)?;
        let signature = self.key.sign_digest(digest)?;
        let der = match self.key.signature_format() {
            SignatureFormat::Der => signature,
            SignatureFormat::Raw => raw_to_der(self.algorithm.curve(), &signature)?,
        };
        check_signature(&self.certificate, digest, &der)?;
        Ok(der)
    }
}
