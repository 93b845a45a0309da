//! Which code checks signature maths. The default is pure Rust (the RustCrypto `p256`, `p384`,
//! `rsa` crates), which builds everywhere, phones included. Servers that verify at volume can
//! build the `ring-backend` feature and select [`VerifyBackend::Ring`]: ECDSA P-256/P-384 and
//! RSA PKCS#1 v1.5 (2048–8192-bit keys) over a whole message — certificates, CRLs, OCSP
//! responses, CMS signed attributes, PDFs — are then checked by ring. What ring does not do
//! (prehashed digests such as login challenges, PSS, other curves) stays on the default code,
//! and a signature ring rejects is checked again there, so both backends give the same
//! verdicts and differ only in speed.

use std::sync::atomic::{AtomicU8, Ordering};

/// A signature-verification backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyBackend {
    /// The RustCrypto crates (the default; pure Rust).
    RustCrypto,
    /// ring (feature `ring-backend`), with the RustCrypto crates for what ring does not do.
    Ring,
}

impl VerifyBackend {
    /// Its name: `p256` (the RustCrypto default, named after its curve crate) or `ring`.
    pub fn name(self) -> &'static str {
        match self {
            Self::RustCrypto => "p256",
            Self::Ring => "ring",
        }
    }

    /// The backends this build has.
    pub fn available() -> &'static [Self] {
        if cfg!(feature = "ring-backend") { &[Self::RustCrypto, Self::Ring] } else { &[Self::RustCrypto] }
    }

    /// The backend named `name` (`p256`, `rustcrypto` or `ring`), when this build has it.
    pub fn from_name(name: &str) -> Option<Self> {
        let backend = match name {
            "p256" | "rustcrypto" => Self::RustCrypto,
            "ring" => Self::Ring,
            _ => return None,
        };
        Self::available().contains(&backend).then_some(backend)
    }
}

/// 0 RustCrypto, 1 ring, `UNSET` until first read: then `MOBILE_ID_VERIFY_BACKEND` decides.
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = u8::MAX;

/// Selects the backend for the whole process (a host sets it once, at start).
///
/// # Errors
/// The backend's name when this build does not have it.
pub fn set_verify_backend(backend: VerifyBackend) -> Result<(), &'static str> {
    if !VerifyBackend::available().contains(&backend) {
        return Err(backend.name());
    }
    ACTIVE.store(
        match backend {
            VerifyBackend::RustCrypto => 0,
            VerifyBackend::Ring => 1,
        },
        Ordering::Relaxed,
    );
    Ok(())
}

/// The backend in use: the one [`set_verify_backend`] selected, else the one the environment
/// variable `MOBILE_ID_VERIFY_BACKEND` names (`p256` or `ring`, for deployments and for running
/// a test suite on each backend), else the default.
pub fn verify_backend() -> VerifyBackend {
    let mut value = ACTIVE.load(Ordering::Relaxed);
    if value == UNSET {
        let chosen = std::env::var("MOBILE_ID_VERIFY_BACKEND").ok().and_then(|name| VerifyBackend::from_name(&name)).unwrap_or(VerifyBackend::RustCrypto);
        value = u8::from(chosen == VerifyBackend::Ring);
        // A concurrent set_verify_backend wins over the environment.
        value = match ACTIVE.compare_exchange(UNSET, value, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => value,
            Err(current) => current,
        };
    }
    match value {
        1 if cfg!(feature = "ring-backend") => VerifyBackend::Ring,
        _ => VerifyBackend::RustCrypto,
    }
}

/// Whether ring verifies a signature over a whole `message`; `false` when ring does not handle
/// this key and scheme, or rejects it (the caller then checks with the default code, which
/// gives the verdict).
#[cfg(feature = "ring-backend")]
pub(crate) fn ring_accepts(key_kind: RingKey<'_>, hash: crate::algorithms::HashAlgorithm, message: &[u8], signature: &[u8]) -> bool {
    use crate::algorithms::HashAlgorithm as H;
    use ring::signature as rs;
    let (algorithm, key): (&dyn rs::VerificationAlgorithm, &[u8]) = match (key_kind, hash) {
        (RingKey::P256 { point, plain: false }, H::Sha256) => (&rs::ECDSA_P256_SHA256_ASN1, point),
        (RingKey::P256 { point, plain: false }, H::Sha384) => (&rs::ECDSA_P256_SHA384_ASN1, point),
        (RingKey::P384 { point, plain: false }, H::Sha256) => (&rs::ECDSA_P384_SHA256_ASN1, point),
        (RingKey::P384 { point, plain: false }, H::Sha384) => (&rs::ECDSA_P384_SHA384_ASN1, point),
        (RingKey::P256 { point, plain: true }, H::Sha256) => (&rs::ECDSA_P256_SHA256_FIXED, point),
        (RingKey::P384 { point, plain: true }, H::Sha384) => (&rs::ECDSA_P384_SHA384_FIXED, point),
        (RingKey::Rsa { pkcs1, bits }, H::Sha256) if (2048..=8192).contains(&bits) => (&rs::RSA_PKCS1_2048_8192_SHA256, pkcs1),
        (RingKey::Rsa { pkcs1, bits }, H::Sha384) if (2048..=8192).contains(&bits) => (&rs::RSA_PKCS1_2048_8192_SHA384, pkcs1),
        (RingKey::Rsa { pkcs1, bits }, H::Sha512) if (2048..=8192).contains(&bits) => (&rs::RSA_PKCS1_2048_8192_SHA512, pkcs1),
        _ => return false,
    };
    rs::UnparsedPublicKey::new(algorithm, key).verify(message, signature).is_ok()
}

/// A public key as ring reads it.
#[cfg(feature = "ring-backend")]
#[derive(Clone, Copy)]
pub(crate) enum RingKey<'a> {
    /// An uncompressed P-256 point; `plain` for r‖s signatures.
    P256 { point: &'a [u8], plain: bool },
    /// An uncompressed P-384 point.
    P384 { point: &'a [u8], plain: bool },
    /// An RSA PKCS#1 RSAPublicKey, with its modulus size in bits.
    Rsa { pkcs1: &'a [u8], bits: usize },
}
