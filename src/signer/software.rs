//! A PKCS#8 key in memory as a [`DigestSigner`].

use x509_cert::Certificate;

use super::{DigestSigner, SignerError, SigningAlgorithm, check_digest, check_signature, parse_certificate, raw_to_der};
use crate::ec::EcSigningKey;

/// A software P-256/P-384 key with its certificate. The key is zeroized when dropped.
#[derive(Debug)]
pub struct SoftwareSigner {
    key: EcSigningKey,
    certificate: Certificate,
    chain: Vec<Certificate>,
    algorithm: SigningAlgorithm,
}

impl SoftwareSigner {
    /// A signer from an unencrypted PKCS#8 key (RFC 5958) and the DER certificate of its public
    /// key.
    ///
    /// # Errors
    /// A key that does not decode, an unsupported curve, or a key that is not the certificate's.
    pub fn from_pkcs8_der(key_der: &[u8], certificate_der: &[u8]) -> Result<Self, SignerError> {
        let key = EcSigningKey::from_pkcs8_der(key_der).map_err(|_| SignerError::UnsupportedKey)?;
        Self::new(key, certificate_der)
    }

    /// A signer from a key and the DER certificate of its public key.
    ///
    /// # Errors
    /// As [`Self::from_pkcs8_der`].
    pub fn new(key: EcSigningKey, certificate_der: &[u8]) -> Result<Self, SignerError> {
        let (certificate, algorithm) = parse_certificate(certificate_der)?;
        let public = key.public_key_info().map_err(|_| SignerError::UnsupportedKey)?;
        if &public != certificate.tbs_certificate().subject_public_key_info() {
            return Err(SignerError::KeyMismatch);
        }
        Ok(Self { key, certificate, chain: Vec::new(), algorithm })
    }

    /// Adds intermediate certificates to embed beside the signer's.
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Self {
        self.chain = chain;
        self
    }
}

impl DigestSigner for SoftwareSigner {
    fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, SignerError> {
        check_digest(digest)?;
        let raw = self.key.sign_prehash_raw(digest).map_err(|_| SignerError::InvalidDigest { len: digest.len() })?;
        let der = raw_to_der(self.algorithm.curve(), &raw)?;
        check_signature(&self.certificate, digest, &der)?;
        Ok(der)
    }
}
