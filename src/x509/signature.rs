//! Signature verification for certificates, CRLs and OCSP responses: ECDSA on P-256/P-384
//! with SHA-256/384/512 (RFC 5758 §3.2), RSA PKCS#1 v1.5 with SHA-256/384/512 (RFC 4055 §5)
//! and RSASSA-PSS (RFC 4055 §3.1), RSA keys of at least 2048 bits. SHA-1, MD5, small RSA keys
//! are "weak"; DSA and anything else "unsupported": neither is ever "valid".

use der::asn1::ObjectIdentifier;
use der::{Encode, Sequence, Tagged};
use sha2::Digest;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SubjectPublicKeyInfoOwned};

use super::ValidationError;

const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const MD2_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2");
const MD5_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const DSA_PREFIX: &str = "1.2.840.10040.4";
const DSA_WITH_SHA2_PREFIX: &str = "2.16.840.1.101.3.4.3";

/// Smallest RSA modulus accepted.
pub const MIN_RSA_BITS: usize = 2048;

/// Remembers which keys verified (or failed to verify) one signed object, so a CRL or OCSP
/// response checked for every certificate of every candidate path costs one verification per
/// key. Shared by clones; at most 16 keys are remembered.
#[derive(Clone, Debug, Default)]
pub(crate) struct VerifiedBy(std::sync::Arc<std::sync::Mutex<Vec<KeyVerdict>>>);

/// A key (SubjectPublicKeyInfo, DER) and whether the signature verified under it.
type KeyVerdict = (Vec<u8>, bool);

impl VerifiedBy {
    /// The remembered verdict for `key`, or `verify()` remembered.
    pub(crate) fn check(&self, key: &spki::SubjectPublicKeyInfoOwned, verify: impl FnOnce() -> Result<(), ValidationError>) -> Result<(), ValidationError> {
        let Ok(key_der) = der::Encode::to_der(key) else { return verify() };
        if let Ok(seen) = self.0.lock()
            && let Some((_, ok)) = seen.iter().find(|(k, _)| *k == key_der)
        {
            return if *ok { Ok(()) } else { Err(ValidationError::BadSignature { what: "a remembered signature" }) };
        }
        let result = verify();
        // Only verdicts on the maths are remembered; other errors come back as they were.
        if matches!(result, Ok(()) | Err(ValidationError::BadSignature { .. }))
            && let Ok(mut seen) = self.0.lock()
            && seen.len() < 16
        {
            seen.push((key_der, result.is_ok()));
        }
        result
    }
}

/// The SHA-2 hashes signatures may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The hash named by a digest AlgorithmIdentifier OID; SHA-1 is weak, others unsupported.
    ///
    /// # Errors
    /// [`ValidationError::WeakAlgorithm`] or [`ValidationError::UnsupportedAlgorithm`].
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, ValidationError> {
        match *oid {
            ID_SHA256 => Ok(Self::Sha256),
            ID_SHA384 => Ok(Self::Sha384),
            ID_SHA512 => Ok(Self::Sha512),
            ID_SHA1 => Err(ValidationError::WeakAlgorithm { what: "SHA-1" }),
            other => Err(ValidationError::UnsupportedAlgorithm { what: format!("digest {other}") }),
        }
    }

    /// The digest OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => ID_SHA256,
            Self::Sha384 => ID_SHA384,
            Self::Sha512 => ID_SHA512,
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1).
///
/// ```text
/// RSASSA-PSS-params ::= SEQUENCE {
///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
///     saltLength         [2] INTEGER DEFAULT 20,
///     trailerField       [3] INTEGER DEFAULT 1 }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// A signature algorithm this library verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Ecdsa(HashAlgorithm),
    RsaPkcs1(HashAlgorithm),
    RsaPss { hash: HashAlgorithm, salt_len: usize },
}

fn params_absent_or_null(algorithm: &AlgorithmIdentifierOwned) -> bool {
    match &algorithm.parameters {
        None => true,
        Some(any) => any.tag() == der::Tag::Null && any.value().is_empty(),
    }
}

fn scheme(algorithm: &AlgorithmIdentifierOwned) -> Result<Scheme, ValidationError> {
    let malformed = || ValidationError::Malformed { what: "signature algorithm parameters" };
    let ecdsa = |h| if algorithm.parameters.is_none() { Ok(Scheme::Ecdsa(h)) } else { Err(malformed()) };
    let pkcs1 = |h| if params_absent_or_null(algorithm) { Ok(Scheme::RsaPkcs1(h)) } else { Err(malformed()) };
    match algorithm.oid {
        ECDSA_WITH_SHA256 => ecdsa(HashAlgorithm::Sha256),
        ECDSA_WITH_SHA384 => ecdsa(HashAlgorithm::Sha384),
        ECDSA_WITH_SHA512 => ecdsa(HashAlgorithm::Sha512),
        SHA256_WITH_RSA => pkcs1(HashAlgorithm::Sha256),
        SHA384_WITH_RSA => pkcs1(HashAlgorithm::Sha384),
        SHA512_WITH_RSA => pkcs1(HashAlgorithm::Sha512),
        RSASSA_PSS => pss_scheme(algorithm),
        SHA1_WITH_RSA | ECDSA_WITH_SHA1 => Err(ValidationError::WeakAlgorithm { what: "SHA-1 signature" }),
        MD5_WITH_RSA | MD2_WITH_RSA => Err(ValidationError::WeakAlgorithm { what: "MD5/MD2 signature" }),
        other => {
            let text = other.to_string();
            if text.starts_with(DSA_PREFIX) || text.starts_with(DSA_WITH_SHA2_PREFIX) {
                Err(ValidationError::UnsupportedAlgorithm { what: "DSA".into() })
            } else {
                Err(ValidationError::UnsupportedAlgorithm { what: format!("signature {other}") })
            }
        }
    }
}

fn pss_scheme(algorithm: &AlgorithmIdentifierOwned) -> Result<Scheme, ValidationError> {
    let malformed = ValidationError::Malformed { what: "RSASSA-PSS parameters" };
    let params: PssParams = match &algorithm.parameters {
        Some(any) => any.decode_as().map_err(|_| malformed.clone())?,
        None => return Err(malformed),
    };
    let hash = match &params.hash_algorithm {
        Some(h) => HashAlgorithm::from_oid(&h.oid)?,
        None => return Err(ValidationError::WeakAlgorithm { what: "RSASSA-PSS with SHA-1" }),
    };
    let mgf = params.mask_gen_algorithm.ok_or(ValidationError::WeakAlgorithm { what: "RSASSA-PSS with MGF1-SHA-1" })?;
    if mgf.oid != ID_MGF1 {
        return Err(ValidationError::UnsupportedAlgorithm { what: format!("mask generation {}", mgf.oid) });
    }
    let mgf_hash: AlgorithmIdentifierOwned = mgf.parameters.as_ref().ok_or(malformed.clone())?.decode_as().map_err(|_| malformed.clone())?;
    if HashAlgorithm::from_oid(&mgf_hash.oid)? != hash {
        return Err(ValidationError::UnsupportedAlgorithm { what: "RSASSA-PSS with MGF1 hash different from the message hash".into() });
    }
    if params.trailer_field.unwrap_or(1) != 1 {
        return Err(malformed);
    }
    let salt_len = usize::try_from(params.salt_length.unwrap_or(20)).map_err(|_| malformed)?;
    Ok(Scheme::RsaPss { hash, salt_len })
}

impl Scheme {
    fn hash(self) -> HashAlgorithm {
        match self {
            Self::Ecdsa(h) | Self::RsaPkcs1(h) | Self::RsaPss { hash: h, .. } => h,
        }
    }
}

/// Verifies `signature` over `message` with the key in `spki`, by the algorithm in
/// `algorithm`. `what` names the signed object in the error.
///
/// # Errors
/// [`ValidationError::BadSignature`] when the maths fails; weak, unsupported or malformed
/// algorithms and keys as their own errors.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), ValidationError> {
    let scheme = scheme(algorithm)?;
    verify_scheme(spki, scheme, &scheme.hash().digest(message), signature, what)
}

/// Verifies `signature` over an already computed `digest` made with `hash` — the CMS case
/// (RFC 5652 §5.4), where the SignerInfo names the digest and the signature algorithm may be
/// the bare key algorithm (rsaEncryption, id-ecPublicKey: RFC 3370 §3.2, RFC 5753 §7.1.3).
///
/// # Errors
/// As [`verify_signature`].
pub fn verify_signature_prehashed(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    hash: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), ValidationError> {
    let scheme = match algorithm.oid {
        RSA_ENCRYPTION if params_absent_or_null(algorithm) => Scheme::RsaPkcs1(hash),
        ID_EC_PUBLIC_KEY => Scheme::Ecdsa(hash),
        _ => match scheme(algorithm)? {
            Scheme::Ecdsa(_) => Scheme::Ecdsa(hash),
            Scheme::RsaPkcs1(_) => Scheme::RsaPkcs1(hash),
            pss => pss,
        },
    };
    if digest.len() != hash.digest(&[]).len() {
        return Err(ValidationError::Malformed { what: "digest length" });
    }
    verify_scheme(spki, scheme, digest, signature, what)
}

fn verify_scheme(spki: &SubjectPublicKeyInfoOwned, scheme: Scheme, digest: &[u8], signature: &[u8], what: &'static str) -> Result<(), ValidationError> {
    let bad = ValidationError::BadSignature { what };
    let bad_key = ValidationError::Malformed { what: "public key" };
    match scheme {
        Scheme::Ecdsa(_) => {
            if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
                return Err(bad);
            }
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as().ok())
                .ok_or(ValidationError::Malformed { what: "EC key parameters" })?;
            let spki_der = spki.to_der().map_err(|_| bad_key.clone())?;
            match curve {
                SECP256R1 => {
                    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|_| bad_key)?;
                    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad.clone())?;
                    key.verify_prehash(digest, &sig).map_err(|_| bad)
                }
                SECP384R1 => {
                    let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|_| bad_key)?;
                    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad.clone())?;
                    key.verify_prehash(digest, &sig).map_err(|_| bad)
                }
                other => Err(ValidationError::UnsupportedAlgorithm { what: format!("curve {other}") }),
            }
        }
        Scheme::RsaPkcs1(hash) => {
            let key = rsa_key(spki)?;
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| bad.clone())?;
            match hash {
                HashAlgorithm::Sha256 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key).verify_prehash(digest, &sig),
                HashAlgorithm::Sha384 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(key).verify_prehash(digest, &sig),
                HashAlgorithm::Sha512 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(key).verify_prehash(digest, &sig),
            }
            .map_err(|_| bad)
        }
        Scheme::RsaPss { hash, salt_len } => {
            let key = rsa_key(spki)?;
            let sig = rsa::pss::Signature::try_from(signature).map_err(|_| bad.clone())?;
            match hash {
                HashAlgorithm::Sha256 => rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_salt_len(key, salt_len).verify_prehash(digest, &sig),
                HashAlgorithm::Sha384 => rsa::pss::VerifyingKey::<sha2::Sha384>::new_with_salt_len(key, salt_len).verify_prehash(digest, &sig),
                HashAlgorithm::Sha512 => rsa::pss::VerifyingKey::<sha2::Sha512>::new_with_salt_len(key, salt_len).verify_prehash(digest, &sig),
            }
            .map_err(|_| bad)
        }
    }
}

fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<rsa::PublicKey, ValidationError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::traits::PublicKeyParts;
    if spki.algorithm.oid != RSA_ENCRYPTION && spki.algorithm.oid != RSASSA_PSS {
        return Err(ValidationError::BadSignature { what: "key type does not match the algorithm" });
    }
    let bits = spki.subject_public_key.as_bytes().ok_or(ValidationError::Malformed { what: "RSA public key" })?;
    let key = rsa::PublicKey::from_pkcs1_der(bits)
        .map_err(|_| ValidationError::UnsupportedAlgorithm { what: "RSA key (malformed or larger than supported)".into() })?;
    if key.size() * 8 < MIN_RSA_BITS {
        return Err(ValidationError::WeakAlgorithm { what: "RSA key shorter than 2048 bits" });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alg(oid: &str) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: ObjectIdentifier::new_unwrap(oid), parameters: None }
    }

    #[test]
    fn a_verdict_is_remembered_per_key() {
        let memo = VerifiedBy::default();
        let key_a = spki::SubjectPublicKeyInfoOwned { algorithm: alg("1.2.840.10045.2.1"), subject_public_key: der::asn1::BitString::from_bytes(&[4, 1, 2]).unwrap() };
        let key_b = spki::SubjectPublicKeyInfoOwned { algorithm: alg("1.2.840.10045.2.1"), subject_public_key: der::asn1::BitString::from_bytes(&[4, 3, 4]).unwrap() };
        let calls = std::cell::Cell::new(0);
        let good = || {
            calls.set(calls.get() + 1);
            Ok(())
        };
        assert!(memo.check(&key_a, good).is_ok());
        assert!(memo.check(&key_a, good).is_ok());
        assert_eq!(calls.get(), 1);
        let bad = || {
            calls.set(calls.get() + 1);
            Err(ValidationError::BadSignature { what: "test" })
        };
        assert!(memo.check(&key_b, bad).is_err());
        assert!(memo.check(&key_b, good).is_err(), "the failure for key B is remembered");
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn weak_and_unsupported_are_never_valid() {
        assert!(matches!(scheme(&alg("1.2.840.113549.1.1.5")), Err(ValidationError::WeakAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.840.113549.1.1.4")), Err(ValidationError::WeakAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.840.10040.4.3")), Err(ValidationError::UnsupportedAlgorithm { .. })));
        assert!(matches!(scheme(&alg("2.16.840.1.101.3.4.3.2")), Err(ValidationError::UnsupportedAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.3.4")), Err(ValidationError::UnsupportedAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.840.113549.1.1.10")), Err(ValidationError::Malformed { .. })));
        assert_eq!(scheme(&alg("1.2.840.10045.4.3.2")), Ok(Scheme::Ecdsa(HashAlgorithm::Sha256)));
    }
}
