//! The elliptic curves mobile ID keys live on, and software ECDSA keys for the virtual SIM and
//! the software signer (FIPS 186-5 §6.4; keys stored as PKCS#8, RFC 5958).

use der::{Decode, Encode};
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use serde::{Deserialize, Serialize};
use spki::{DecodePublicKey, EncodePublicKey, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

/// A named curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Curve {
    /// NIST P-256 (secp256r1): SIM applets, Secure Enclave.
    P256,
    /// NIST P-384 (secp384r1): the Estonian ID card 2018.
    P384,
}

impl Curve {
    /// Length in bytes of a field element, and so of `r` and of `s`.
    pub fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }

    /// The curve's OID (RFC 5480 §2.1.1.1).
    pub fn oid(self) -> der::asn1::ObjectIdentifier {
        match self {
            Self::P256 => const_oid::db::rfc5912::SECP_256_R_1,
            Self::P384 => const_oid::db::rfc5912::SECP_384_R_1,
        }
    }

    /// Which curve a SubjectPublicKeyInfo names, if it is an EC key on P-256 or P-384.
    pub fn of_public_key(spki: &SubjectPublicKeyInfoOwned) -> Option<Self> {
        if spki.algorithm.oid != const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            return None;
        }
        let named = spki.algorithm.parameters.as_ref()?.decode_as::<der::asn1::ObjectIdentifier>().ok()?;
        [Self::P256, Self::P384].into_iter().find(|c| c.oid() == named)
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
        })
    }
}

impl std::str::FromStr for Curve {
    type Err = EcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "p256" | "p-256" | "secp256r1" => Ok(Self::P256),
            "p384" | "p-384" | "secp384r1" => Ok(Self::P384),
            _ => Err(EcError::UnsupportedCurve),
        }
    }
}

/// Errors of EC key handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EcError {
    /// Not a P-256 or P-384 key.
    #[error("unsupported key or curve (P-256 and P-384 are supported)")]
    UnsupportedCurve,
    /// The key bytes do not decode.
    #[error("the key does not decode")]
    MalformedKey,
    /// The signature does not decode or does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The operating system's random source failed.
    #[error("the random source failed")]
    RandomSource,
    /// The digest length is not usable with this curve.
    #[error("a digest of {len} bytes cannot be signed")]
    BadDigest {
        /// The digest length.
        len: usize,
    },
}

/// A software ECDSA private key. The scalar is zeroized on drop (the RustCrypto key types do
/// it); `Debug` shows only the curve.
#[derive(Clone)]
pub enum EcSigningKey {
    /// P-256.
    P256(p256::ecdsa::SigningKey),
    /// P-384.
    P384(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for EcSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcSigningKey({}, <redacted>)", self.curve())
    }
}

/// Shortest digest accepted for signing: 160 bits. ECDSA itself takes shorter input, but
/// nothing this library signs is shorter, and a short "digest" is almost always a mistake.
pub const MIN_DIGEST_LEN: usize = 20;
/// Longest digest accepted for signing: SHA-512.
pub const MAX_DIGEST_LEN: usize = 64;

fn check_digest(digest: &[u8]) -> Result<(), EcError> {
    if (MIN_DIGEST_LEN..=MAX_DIGEST_LEN).contains(&digest.len()) { Ok(()) } else { Err(EcError::BadDigest { len: digest.len() }) }
}

impl EcSigningKey {
    /// A fresh key from the operating system's random source.
    ///
    /// # Errors
    /// [`EcError::RandomSource`] when the operating system gives no randomness.
    pub fn generate(curve: Curve) -> Result<Self, EcError> {
        use elliptic_curve::Generate;
        let mut rng = getrandom::SysRng;
        match curve {
            Curve::P256 => p256::ecdsa::SigningKey::try_generate_from_rng(&mut rng).map(Self::P256),
            Curve::P384 => p384::ecdsa::SigningKey::try_generate_from_rng(&mut rng).map(Self::P384),
        }
        .map_err(|_| EcError::RandomSource)
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            Self::P256(_) => Curve::P256,
            Self::P384(_) => Curve::P384,
        }
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo` (RFC 5958) holding a P-256 or P-384 key.
    ///
    /// # Errors
    /// [`EcError::MalformedKey`] or [`EcError::UnsupportedCurve`].
    pub fn from_pkcs8_der(der_bytes: &[u8]) -> Result<Self, EcError> {
        use p256::pkcs8::DecodePrivateKey;
        let info = pkcs8::PrivateKeyInfoRef::from_der(der_bytes).map_err(|_| EcError::MalformedKey)?;
        let named = info.algorithm.parameters_oid().map_err(|_| EcError::UnsupportedCurve)?;
        if named == Curve::P256.oid() {
            p256::ecdsa::SigningKey::from_pkcs8_der(der_bytes).map(Self::P256).map_err(|_| EcError::MalformedKey)
        } else if named == Curve::P384.oid() {
            p384::ecdsa::SigningKey::from_pkcs8_der(der_bytes).map(Self::P384).map_err(|_| EcError::MalformedKey)
        } else {
            Err(EcError::UnsupportedCurve)
        }
    }

    /// The key as PKCS#8 DER, in a buffer zeroized on drop.
    ///
    /// # Errors
    /// [`EcError::MalformedKey`] if encoding fails.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, EcError> {
        use p256::pkcs8::EncodePrivateKey;
        let doc = match self {
            Self::P256(k) => k.to_pkcs8_der(),
            Self::P384(k) => k.to_pkcs8_der(),
        }
        .map_err(|_| EcError::MalformedKey)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The public key as a SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`EcError::MalformedKey`] if encoding fails.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, EcError> {
        let der_bytes = match self {
            Self::P256(k) => k.verifying_key().to_public_key_der(),
            Self::P384(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|_| EcError::MalformedKey)?;
        SubjectPublicKeyInfoOwned::from_der(der_bytes.as_bytes()).map_err(|_| EcError::MalformedKey)
    }

    /// Signs a digest and returns the raw `r ‖ s`, as a card does.
    ///
    /// # Errors
    /// [`EcError::BadDigest`] for a digest shorter than 20 or longer than 64 bytes.
    pub fn sign_prehash_raw(&self, digest: &[u8]) -> Result<Vec<u8>, EcError> {
        check_digest(digest)?;
        match self {
            Self::P256(k) => PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(k, digest).map(|s| s.to_bytes().to_vec()),
            Self::P384(k) => PrehashSigner::<p384::ecdsa::Signature>::sign_prehash(k, digest).map(|s| s.to_bytes().to_vec()),
        }
        .map_err(|_| EcError::BadDigest { len: digest.len() })
    }
}

/// Verifies a DER `ECDSA-Sig-Value` over a digest with the public key in `spki`.
///
/// # Errors
/// [`EcError::UnsupportedCurve`] for keys other than P-256/P-384, [`EcError::BadSignature`]
/// when the signature does not decode or does not verify.
pub fn verify_prehash_der(spki: &SubjectPublicKeyInfoOwned, digest: &[u8], signature_der: &[u8]) -> Result<(), EcError> {
    check_digest(digest)?;
    let curve = Curve::of_public_key(spki).ok_or(EcError::UnsupportedCurve)?;
    let spki_der = spki.to_der().map_err(|_| EcError::MalformedKey)?;
    match curve {
        Curve::P256 => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|_| EcError::MalformedKey)?;
            let sig = p256::ecdsa::Signature::from_der(signature_der).map_err(|_| EcError::BadSignature)?;
            key.verify_prehash(digest, &sig).map_err(|_| EcError::BadSignature)
        }
        Curve::P384 => {
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|_| EcError::MalformedKey)?;
            let sig = p384::ecdsa::Signature::from_der(signature_der).map_err(|_| EcError::BadSignature)?;
            key.verify_prehash(digest, &sig).map_err(|_| EcError::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_and_sign() {
        for curve in [Curve::P256, Curve::P384] {
            let key = EcSigningKey::generate(curve).unwrap();
            let again = EcSigningKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap();
            assert_eq!(again.curve(), curve);
            let raw = again.sign_prehash_raw(&[7; 32]).unwrap();
            assert_eq!(raw.len(), 2 * curve.field_len());
            assert_eq!(Curve::of_public_key(&key.public_key_info().unwrap()), Some(curve));
            assert!(!format!("{key:?}").contains('['));
        }
        assert!(EcSigningKey::generate(Curve::P256).unwrap().sign_prehash_raw(&[1; 19]).is_err());
        assert!(EcSigningKey::from_pkcs8_der(&[0x30, 0]).is_err());
    }
}
