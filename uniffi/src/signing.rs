//! Signers (SIM, host key store) and CMS / CAdES signing, including a signing session that
//! can be serialised across the trip to the PIN prompt.

use std::sync::Arc;

use der::Decode;
use mobile_id::cms::{self, CmsSignOptions, PreparedCms};
use mobile_id::signer::{CardSigner, DigestSigner, HostKey, HostKeyError, HostSigner, SignatureFormat};
use x509_cert::Certificate;

use crate::MobileIdError;
use crate::card::{KeyKind, SimSession};

/// A key held by the host platform (Secure Enclave, Android StrongBox/Keystore).
#[uniffi::export(with_foreign)]
pub trait ExternalSigner: Send + Sync {
    /// The key's certificate, DER.
    fn certificate(&self) -> Vec<u8>;
    /// Intermediate certificates to embed, DER (may be empty).
    fn chain(&self) -> Vec<Vec<u8>>;
    /// Signs a digest; returns a DER ECDSA signature.
    fn sign_digest(&self, digest: Vec<u8>) -> Result<Vec<u8>, MobileIdError>;
}

/// Carries an RFC 3161 TimeStampReq to a TSA over the host's network and returns the
/// TimeStampResp.
#[uniffi::export(with_foreign)]
pub trait TimestampFetcher: Send + Sync {
    /// Sends the DER request, returns the DER response.
    fn fetch(&self, request: Vec<u8>) -> Result<Vec<u8>, MobileIdError>;
}

pub(crate) struct FetcherBridge(pub(crate) Arc<dyn TimestampFetcher>);

impl cms::TimestampClient for FetcherBridge {
    fn timestamp(&mut self, request: &[u8]) -> Result<Vec<u8>, cms::TimestampError> {
        self.0.fetch(request.to_vec()).map_err(|e| cms::TimestampError::Unreachable(e.to_string()))
    }
}

/// Adds a signature timestamp from `fetcher`'s TSA to every signer of `cms` (CAdES-B-T).
#[uniffi::export]
pub fn add_signature_timestamp(cms: Vec<u8>, fetcher: Arc<dyn TimestampFetcher>) -> Result<Vec<u8>, MobileIdError> {
    Ok(cms::add_signature_timestamps(&cms, &mut FetcherBridge(fetcher))?)
}

struct HostKeyBridge(Arc<dyn ExternalSigner>);

impl HostKey for HostKeyBridge {
    fn certificate_der(&self) -> Vec<u8> {
        self.0.certificate()
    }
    fn signature_format(&self) -> SignatureFormat {
        SignatureFormat::Der
    }
    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, HostKeyError> {
        self.0.sign_digest(digest.to_vec()).map_err(|e| match e {
            MobileIdError::UserCancelled => HostKeyError::UserCancelled,
            other => HostKeyError::Failed { reason: other.to_string() },
        })
    }
}

enum Source {
    Card { session: Arc<SimSession>, key: KeyKind, pin: String },
    External(Arc<dyn ExternalSigner>),
}

/// Something that signs: a SIM key (with its PIN, verified again for every signature) or a
/// host key. Each signature builds a fresh core signer, so no lock is held while host code runs.
#[derive(uniffi::Object)]
pub struct Signer {
    source: Source,
}

impl Signer {
    pub(crate) fn with_core<R>(&self, job: impl FnOnce(&mut dyn DigestSigner) -> Result<R, MobileIdError>) -> Result<R, MobileIdError> {
        match &self.source {
            Source::Card { session, key, pin } => {
                let mut signer = CardSigner::new(session.session(), key.role(), mobile_id::card::Pin::new(pin.clone()))?;
                job(&mut signer)
            }
            Source::External(host) => {
                let mut signer = HostSigner::new(Box::new(HostKeyBridge(host.clone())))?;
                let chain: Vec<Certificate> = host.chain().iter().filter_map(|c| Certificate::from_der(c).ok()).collect();
                job(&mut WithChain { inner: &mut signer, chain })
            }
        }
    }
}

/// A signer with intermediates to embed.
struct WithChain<'a> {
    inner: &'a mut HostSigner,
    chain: Vec<Certificate>,
}

impl DigestSigner for WithChain<'_> {
    fn algorithm(&self) -> mobile_id::signer::SigningAlgorithm {
        self.inner.algorithm()
    }
    fn certificate(&self) -> &Certificate {
        self.inner.certificate()
    }
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    fn sign_digest(&mut self, digest: &[u8]) -> Result<Vec<u8>, mobile_id::signer::SignerError> {
        self.inner.sign_digest(digest)
    }
}

#[uniffi::export]
impl Signer {
    /// A signer using a key on the SIM behind `session`; `pin` is PIN2 for signing, PIN1 for
    /// authentication.
    #[uniffi::constructor]
    pub fn for_sim(session: Arc<SimSession>, key: KeyKind, pin: String) -> Arc<Self> {
        Arc::new(Self { source: Source::Card { session, key, pin } })
    }

    /// A signer using a host key store.
    #[uniffi::constructor]
    pub fn for_host(signer: Arc<dyn ExternalSigner>) -> Arc<Self> {
        Arc::new(Self { source: Source::External(signer) })
    }

    /// The signer's certificate, DER.
    pub fn certificate(&self) -> Result<Vec<u8>, MobileIdError> {
        self.with_core(|s| der::Encode::to_der(s.certificate()).map_err(|_| MobileIdError::InvalidInput { reason: "certificate".into() }))
    }

    /// Signs a digest; the DER signature is checked against the certificate before it returns.
    pub fn sign_digest(&self, digest: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        self.with_core(|s| Ok(s.sign_digest(&digest)?))
    }

    /// A CAdES-B-B CMS signature of `content` (detached unless `attached`), signingTime now.
    pub fn sign_cms(&self, content: Vec<u8>, attached: bool) -> Result<Vec<u8>, MobileIdError> {
        let options = CmsSignOptions::new(attached, Some(now()));
        self.with_core(|s| Ok(cms::sign(&mut content.as_slice(), s, &options)?))
    }
}

pub(crate) use mobile_id::time::now;

/// A CMS signature in two phases: prepare → digest → (PIN prompt, app suspended, serialised)
/// → finish with the signature from anywhere.
#[derive(uniffi::Object)]
pub struct CmsSigningSession {
    prepared: PreparedCms,
    digest: Vec<u8>,
}

#[uniffi::export]
impl CmsSigningSession {
    /// Prepares a detached (or attached) CAdES signature of `content` by `certificate`'s key.
    #[uniffi::constructor]
    pub fn prepare(content: Vec<u8>, certificate: Vec<u8>, chain: Vec<Vec<u8>>, attached: bool) -> Result<Arc<Self>, MobileIdError> {
        let cert = Certificate::from_der(&certificate).map_err(|_| MobileIdError::InvalidInput { reason: "certificate does not decode".into() })?;
        let chain: Vec<Certificate> = chain.iter().filter_map(|c| Certificate::from_der(c).ok()).collect();
        let (digest, prepared) = cms::prepare(&mut content.as_slice(), &cert, &chain, &CmsSignOptions::new(attached, Some(now())))?;
        Ok(Arc::new(Self { prepared, digest }))
    }

    /// A session from [`Self::to_bytes`].
    #[uniffi::constructor]
    pub fn resume(state: Vec<u8>) -> Result<Arc<Self>, MobileIdError> {
        let prepared = PreparedCms::from_bytes(&state)?;
        let digest = prepared.digest_to_sign()?;
        Ok(Arc::new(Self { prepared, digest }))
    }

    /// The digest to be signed.
    pub fn digest(&self) -> Vec<u8> {
        self.digest.clone()
    }

    /// The session as bytes, to keep across a suspension.
    pub fn to_bytes(&self) -> Result<Vec<u8>, MobileIdError> {
        Ok(self.prepared.to_bytes()?)
    }

    /// Assembles the CMS with a DER signature over [`Self::digest`].
    pub fn finish(&self, signature: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        Ok(self.prepared.finish(&signature)?)
    }
}
