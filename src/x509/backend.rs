//! Which code checks signature maths. The default is pure Rust (the RustCrypto `p256`, `p384`,
//! `rsa` crates), which builds everywhere, phones included. Servers that verify at volume can
//! build the `ring-backend` feature and select [`VerifyBackend::Ring`]: ECDSA P-256/P-384, RSA
//! PKCS#1 v1.5 and RSA-PSS with a salt as long as the hash (2048–8192-bit keys) over a whole
//! message — certificates, CRLs, OCSP responses, CMS signed attributes, PDFs — are then
//! checked by ring. What ring does not do (prehashed digests such as login challenges, PSS
//! with other salts, other curves) stays on the default code,
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
        (RingKey::RsaPss { pkcs1, bits }, H::Sha256) if (2048..=8192).contains(&bits) => (&rs::RSA_PSS_2048_8192_SHA256, pkcs1),
        (RingKey::RsaPss { pkcs1, bits }, H::Sha384) if (2048..=8192).contains(&bits) => (&rs::RSA_PSS_2048_8192_SHA384, pkcs1),
        (RingKey::RsaPss { pkcs1, bits }, H::Sha512) if (2048..=8192).contains(&bits) => (&rs::RSA_PSS_2048_8192_SHA512, pkcs1),
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
    /// The same for RSASSA-PSS (RFC 8017 §8.1) with MGF1 over the message's hash and a salt as
    /// long as that hash, the only form ring verifies.
    RsaPss { pkcs1: &'a [u8], bits: usize },
}

#[cfg(all(test, feature = "ring-backend"))]
mod tests {
    use super::{RingKey, ring_accepts};
    use crate::algorithms::HashAlgorithm;

    // An RSA-2048 RSAPublicKey and two RSASSA-PSS/SHA-256 signatures of MESSAGE by OpenSSL
    // (`openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32`, and 20).
    const MESSAGE: &[u8] = b"mobile-id: ring verifies RSASSA-PSS";
    const KEY: &str = "3082010a0282010100b2fb51690b94beebd1de20ef4d2af004e410287a911f36f25fc6c4feff598d60a01f382bf8fecd214a28e05bf357bbe3b9f3a56f63bd37\
        4bf35b550e069e952d238b8662d26ac0cf2b21923f9b35801fd6f838b08ea36c6eddc7669143d47ace42c06dc89f0b71ad9d598df666a8852f0527d9f2301431\
        faff7683ef2c1f46eaf3e33bf2180be732430dababe0b35c3164cf53c75d947b63f427306c3bf63e0c92f6e7edd39e3aa2921aeedd1d0272b5d343211eedf7bf\
        d3ca1163bfdf9881cef895053e28297a71c076e1686f5d4122364560cbc433d226bf262b2aa49e44a87edc45009e2f2e5c59a3f7d134a83870ec41c875f90089\
        206950b48e001b3a610203010001";
    const SALT_32: &str = "768d0fadb94bcc4a73b6a3c55f9499302aa17951933c67ef8f7dada31660261f469c675c9c9a76515f1e1f9c7ae09a936f67266f187fa6deefaa5cbeb0c3f043\
        550adef00e61efa488dbaa104a3962d51275da9c57f36e5da4920b750503342585a01eb808b3105952d0b7219451fc1a0557da3f48f76cd6a8d3f7173c6c3d1b\
        74b616fdc5aab61183b7e91cb89f1689aa2f98735177b87a110abb1541318b96e529c3fdd3b4c74e7db4f52e48efb679dcff94300d5cc500bc20df1b1996ae34\
        e82a8f38c6b615e8fb700578d31ef53e5a33e9b282026029e59ad6acc53936032efe53c97c618e5b8fa707cd45ae737e8d9a81f226761c52ee590b611a38d791";
    const SALT_20: &str = "23d35a29d34720dadd9143e22c745ef3be76de0f726fb29118ccdb99823d106b4b77a9fb7b2233d681e9a69fd27c4fb66542f7853248bd14974405ab818591a0\
        ee4e34d619a36da30fe593971adaad8348b2fbd53bbf209e67f252641a4489da092ed64a61efcd2740a6760bfd3d64f8cc0f40375a46298d3b12382836e5e692\
        21da91f67138d2a0a7616f3d2961fd05ede5ae6e0b657704b300f88da67023acfa8eaeab14abc56220a2f849ffb1c1a03aa460df5cd8af866cf45ccffe57fe39\
        b78076e3c5788a1cfca2974fa52e352f7d022b37dae47564427321a5cfb6b3da6dfd6b412be509eee3a8f9890994fde802b9befc1f0d8af03d9409db9c24f3ec";

    #[test]
    fn ring_verifies_pss_with_a_salt_as_long_as_the_hash() -> Result<(), hex::FromHexError> {
        let (key, salt_32, salt_20) = (hex::decode(KEY)?, hex::decode(SALT_32)?, hex::decode(SALT_20)?);
        let pss = RingKey::RsaPss { pkcs1: &key, bits: 2048 };
        assert!(ring_accepts(pss, HashAlgorithm::Sha256, MESSAGE, &salt_32));
        assert!(!ring_accepts(pss, HashAlgorithm::Sha256, b"another message", &salt_32));
        // Another salt length is not ring's to verify (the default code decides it), and a PSS
        // signature is no PKCS #1 v1.5 one.
        assert!(!ring_accepts(pss, HashAlgorithm::Sha256, MESSAGE, &salt_20));
        assert!(!ring_accepts(RingKey::Rsa { pkcs1: &key, bits: 2048 }, HashAlgorithm::Sha256, MESSAGE, &salt_32));
        Ok(())
    }
}
