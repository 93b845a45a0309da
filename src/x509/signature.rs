//! Signature verification for certificates, CRLs, OCSP responses and CMS signers:
//! ECDSA on P-256, P-384, P-521, brainpoolP256r1 and brainpoolP384r1 (RFC 5758 §3.2, RFC 5639,
//! BSI TR-03111 plain r‖s), RSA PKCS#1 v1.5 (RFC 8017 §8.2) and RSASSA-PSS (RFC 4055 §3.1) with
//! any supported digest, Ed25519 (RFC 8410, RFC 8419 for CMS). The maths is always checked,
//! whatever the digest's age; whether an algorithm still counts is an [`AlgorithmPolicy`]'s
//! call ([`verify_signature`] applies the strictest, today's; chains and CMS signers apply a
//! dated policy at their proof-of-existence time). DSA, Ed448 and unknown algorithms are
//! "unsupported": never valid.

use const_oid::db::{rfc5639, rfc5912, rfc8410, rfc9688};
use der::asn1::ObjectIdentifier;
use der::{Encode, Sequence, Tagged};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SubjectPublicKeyInfoOwned};

use super::ValidationError;
use crate::algorithms::{AlgorithmPolicy, AlgorithmUse, HashAlgorithm, PolicyError, PublicKeyKind, with_digest};

/// RSA PKCS#1 v1.5 with SHA-3 (NIST CSOR sigAlgs 13–16), not in `const-oid`'s database.
const RSA_WITH_SHA3: [(ObjectIdentifier, HashAlgorithm); 4] = [
    (ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.13"), HashAlgorithm::Sha3_224),
    (ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.14"), HashAlgorithm::Sha3_256),
    (ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.15"), HashAlgorithm::Sha3_384),
    (ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.16"), HashAlgorithm::Sha3_512),
];
/// ECDSA with SHA-3 (RFC 9688).
const ECDSA_WITH_SHA3: [(ObjectIdentifier, HashAlgorithm); 4] = [
    (rfc9688::ID_ECDSA_WITH_SHA_3_224, HashAlgorithm::Sha3_224),
    (rfc9688::ID_ECDSA_WITH_SHA_3_256, HashAlgorithm::Sha3_256),
    (rfc9688::ID_ECDSA_WITH_SHA_3_384, HashAlgorithm::Sha3_384),
    (rfc9688::ID_ECDSA_WITH_SHA_3_512, HashAlgorithm::Sha3_512),
];
/// BSI TR-03111 §5.2.1 ecdsa-plain-signatures: r‖s instead of a DER SEQUENCE.
const ECDSA_PLAIN: [(ObjectIdentifier, HashAlgorithm); 9] = [
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.1"), HashAlgorithm::Sha1),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.2"), HashAlgorithm::Sha224),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3"), HashAlgorithm::Sha256),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.4"), HashAlgorithm::Sha384),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.5"), HashAlgorithm::Sha512),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.8"), HashAlgorithm::Sha3_224),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.9"), HashAlgorithm::Sha3_256),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.10"), HashAlgorithm::Sha3_384),
    (ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.11"), HashAlgorithm::Sha3_512),
];
/// ecdsa-with-SHA1 (RFC 3279 §2.2.3).
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
/// DSA (RFC 3279 §2.3.2) and DSA with SHA-2 / SHA-3 (NIST CSOR sigAlgs 1–8).
const DSA_PREFIX: &str = "1.2.840.10040.4";
const NIST_SIG_ALGS: &str = "2.16.840.1.101.3.4.3.";

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

/// A signature scheme this library verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    /// ECDSA; `plain` for BSI TR-03111 r‖s signatures.
    Ecdsa {
        hash: HashAlgorithm,
        plain: bool,
    },
    RsaPkcs1(HashAlgorithm),
    RsaPss {
        hash: HashAlgorithm,
        salt_len: usize,
    },
    /// Pure Ed25519 over the message itself.
    Ed25519,
}

/// What a signature covers: the message, or (CMS without signed attributes) its digest.
#[derive(Clone, Copy, Debug)]
pub enum Signed<'a> {
    /// The signed bytes.
    Message(&'a [u8]),
    /// The digest of the signed bytes, made with the CMS digest algorithm.
    Digest(&'a [u8]),
}

fn params_absent_or_null(algorithm: &AlgorithmIdentifierOwned) -> bool {
    match &algorithm.parameters {
        None => true,
        Some(any) => any.tag() == der::Tag::Null && any.value().is_empty(),
    }
}

fn unsupported(what: String) -> ValidationError {
    ValidationError::UnsupportedAlgorithm { what }
}

/// The scheme a signature AlgorithmIdentifier names. `digest` is the CMS digest algorithm,
/// which the bare key algorithms (rsaEncryption, id-ecPublicKey: RFC 3370 §3.2, RFC 5753
/// §7.1.3) take their hash from and which a named hash must agree with.
fn scheme(algorithm: &AlgorithmIdentifierOwned, digest: Option<HashAlgorithm>) -> Result<Scheme, ValidationError> {
    let malformed = ValidationError::Malformed { what: "signature algorithm parameters" };
    let oid = algorithm.oid;
    // A named hash must come with absent or NULL parameters (RFC 5754 §3.2 allows both) and
    // must be the digest algorithm: a signature algorithm that names another hash is not a
    // signature over that digest (EU DSS and NSS refuse it likewise).
    let named = |hash: HashAlgorithm, scheme: Scheme, parameters_ok: bool| -> Result<Scheme, ValidationError> {
        if !parameters_ok {
            return Err(malformed.clone());
        }
        if digest.is_some_and(|d| d != hash) {
            return Err(ValidationError::HashMismatch);
        }
        Ok(scheme)
    };
    let plain_parameters = params_absent_or_null(algorithm);
    let ecdsa = |hash| named(hash, Scheme::Ecdsa { hash, plain: false }, plain_parameters);
    let pkcs1 = |hash| named(hash, Scheme::RsaPkcs1(hash), plain_parameters);
    let needs_digest = || digest.ok_or(ValidationError::Malformed { what: "a key algorithm used as signature algorithm outside CMS" });
    match oid {
        rfc5912::RSA_ENCRYPTION if params_absent_or_null(algorithm) => Ok(Scheme::RsaPkcs1(needs_digest()?)),
        rfc5912::ID_EC_PUBLIC_KEY => Ok(Scheme::Ecdsa { hash: needs_digest()?, plain: false }),
        ECDSA_WITH_SHA1 => ecdsa(HashAlgorithm::Sha1),
        rfc5912::ECDSA_WITH_SHA_224 => ecdsa(HashAlgorithm::Sha224),
        rfc5912::ECDSA_WITH_SHA_256 => ecdsa(HashAlgorithm::Sha256),
        rfc5912::ECDSA_WITH_SHA_384 => ecdsa(HashAlgorithm::Sha384),
        rfc5912::ECDSA_WITH_SHA_512 => ecdsa(HashAlgorithm::Sha512),
        rfc5912::MD_5_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Md5),
        rfc5912::SHA_1_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Sha1),
        rfc5912::SHA_224_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Sha224),
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Sha256),
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Sha384),
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION => pkcs1(HashAlgorithm::Sha512),
        // RSASSA-PSS names its hash in its parameters, and that hash is the one the signature
        // uses over the signed attributes (RFC 4056 §2; EU DSS accepts a CMS digest algorithm
        // that differs from it).
        rfc5912::ID_RSASSA_PSS => pss_scheme(algorithm),
        rfc8410::ID_ED_25519 if algorithm.parameters.is_none() => Ok(Scheme::Ed25519),
        rfc8410::ID_ED_448 => Err(unsupported("Ed448".into())),
        other => {
            if let Some((_, hash)) = RSA_WITH_SHA3.iter().find(|(o, _)| *o == other) {
                return pkcs1(*hash);
            }
            if let Some((_, hash)) = ECDSA_WITH_SHA3.iter().find(|(o, _)| *o == other) {
                return ecdsa(*hash);
            }
            if let Some((_, hash)) = ECDSA_PLAIN.iter().find(|(o, _)| *o == other) {
                // BSI TR-03111 §5.2.1 also lets the parameters name the curve; the key's own
                // curve is the one used.
                let names_curve = algorithm.parameters.as_ref().is_some_and(|p| p.tag() == der::Tag::ObjectIdentifier);
                return named(*hash, Scheme::Ecdsa { hash: *hash, plain: true }, plain_parameters || names_curve);
            }
            let text = other.to_string();
            let dsa = text.starts_with(DSA_PREFIX) || text.strip_prefix(NIST_SIG_ALGS).and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=8).contains(&n));
            Err(unsupported(if dsa { "DSA".into() } else { format!("signature {other}") }))
        }
    }
}

fn pss_scheme(algorithm: &AlgorithmIdentifierOwned) -> Result<Scheme, ValidationError> {
    let malformed = ValidationError::Malformed { what: "RSASSA-PSS parameters" };
    let params: PssParams = match &algorithm.parameters {
        Some(any) => any.decode_as().map_err(|_| malformed.clone())?,
        None => return Err(malformed),
    };
    let digest_of = |alg: &Option<AlgorithmIdentifierOwned>| match alg {
        Some(h) => HashAlgorithm::from_oid(&h.oid).ok_or_else(|| unsupported(format!("digest {}", h.oid))),
        None => Ok(HashAlgorithm::Sha1),
    };
    let hash = digest_of(&params.hash_algorithm)?;
    let mgf_hash = match &params.mask_gen_algorithm {
        None => HashAlgorithm::Sha1,
        Some(mgf) if mgf.oid == rfc5912::ID_MGF_1 => {
            let inner: AlgorithmIdentifierOwned = mgf.parameters.as_ref().ok_or(malformed.clone())?.decode_as().map_err(|_| malformed.clone())?;
            digest_of(&Some(inner))?
        }
        Some(mgf) => return Err(unsupported(format!("mask generation {}", mgf.oid))),
    };
    if mgf_hash != hash {
        return Err(unsupported("RSASSA-PSS with an MGF1 hash different from the message hash".into()));
    }
    if params.trailer_field.unwrap_or(1) != 1 {
        return Err(malformed);
    }
    let salt_len = usize::try_from(params.salt_length.unwrap_or(20)).map_err(|_| malformed)?;
    Ok(Scheme::RsaPss { hash, salt_len })
}

impl Scheme {
    fn hash(self) -> Option<HashAlgorithm> {
        match self {
            Self::Ecdsa { hash, .. } | Self::RsaPkcs1(hash) | Self::RsaPss { hash, .. } => Some(hash),
            Self::Ed25519 => None,
        }
    }
}

/// Verifies `signature` over `message` with the key in `spki`, by the algorithm in
/// `algorithm`, and holds the algorithm to today's rule ([`AlgorithmPolicy::modern_only`]):
/// the check for CRLs and OCSP responses. `what` names the signed object in the error.
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
    let used = verify_signature_maths(spki, algorithm, None, Signed::Message(message), signature, what)?;
    AlgorithmPolicy::modern_only().check(&used, 0).map_err(|e| weak(&e))
}

/// Verifies `signature` over an already computed `digest` made with `hash` (a CMS signer
/// without signed attributes, a login challenge), held to today's rule like
/// [`verify_signature`]. The algorithm may be the bare key algorithm (rsaEncryption,
/// id-ecPublicKey: RFC 3370 §3.2, RFC 5753 §7.1.3).
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
    let used = verify_signature_maths(spki, algorithm, Some(hash), Signed::Digest(digest), signature, what)?;
    AlgorithmPolicy::modern_only().check(&used, 0).map_err(|e| weak(&e))
}

/// The policy's refusal as a validation error.
pub(crate) fn weak(error: &PolicyError) -> ValidationError {
    ValidationError::WeakAlgorithm { what: error.to_string() }
}

/// The named curves ECDSA is verified on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EcCurve {
    P256,
    P384,
    P521,
    BrainpoolP256r1,
    BrainpoolP384r1,
}

impl EcCurve {
    fn of(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            rfc5912::SECP_256_R_1 => Some(Self::P256),
            rfc5912::SECP_384_R_1 => Some(Self::P384),
            rfc5912::SECP_521_R_1 => Some(Self::P521),
            rfc5639::BRAINPOOL_P_256_R_1 => Some(Self::BrainpoolP256r1),
            rfc5639::BRAINPOOL_P_384_R_1 => Some(Self::BrainpoolP384r1),
            _ => None,
        }
    }

    fn kind(self) -> PublicKeyKind {
        let (curve, bits) = match self {
            Self::P256 => ("P-256", 256),
            Self::P384 => ("P-384", 384),
            Self::P521 => ("P-521", 521),
            Self::BrainpoolP256r1 => ("brainpoolP256r1", 256),
            Self::BrainpoolP384r1 => ("brainpoolP384r1", 384),
        };
        PublicKeyKind::Ec { curve, bits }
    }
}

/// A public key read once, for the policy (its kind and size) and for the maths.
enum PublicKey {
    /// The curve and the SubjectPublicKeyInfo's DER, which the curve crates decode.
    Ec(EcCurve, Vec<u8>),
    Rsa(rsa::PublicKey),
    Ed25519([u8; 32]),
}

impl PublicKey {
    /// The key in `spki`, of the type `scheme` needs.
    fn read(spki: &SubjectPublicKeyInfoOwned, scheme: Scheme) -> Result<Self, ValidationError> {
        let mismatch = ValidationError::BadSignature { what: "key type does not match the algorithm" };
        let bad_key = || ValidationError::Malformed { what: "public key" };
        match scheme {
            Scheme::Ecdsa { .. } => {
                if spki.algorithm.oid != rfc5912::ID_EC_PUBLIC_KEY {
                    return Err(mismatch);
                }
                let oid: ObjectIdentifier =
                    spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as().ok()).ok_or(ValidationError::Malformed { what: "EC key parameters" })?;
                let curve = EcCurve::of(oid).ok_or_else(|| unsupported(format!("curve {oid}")))?;
                Ok(Self::Ec(curve, spki.to_der().map_err(|_| bad_key())?))
            }
            Scheme::RsaPkcs1(_) | Scheme::RsaPss { .. } => Ok(Self::Rsa(rsa_key(spki)?)),
            Scheme::Ed25519 => {
                if spki.algorithm.oid != rfc8410::ID_ED_25519 {
                    return Err(mismatch);
                }
                let bytes = spki.subject_public_key.as_bytes().and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(bad_key)?;
                Ok(Self::Ed25519(bytes))
            }
        }
    }

    fn kind(&self) -> PublicKeyKind {
        match self {
            Self::Ec(curve, _) => curve.kind(),
            Self::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                PublicKeyKind::Rsa { bits: key.size() * 8 }
            }
            Self::Ed25519(_) => PublicKeyKind::Ed25519,
        }
    }
}

/// The digest a signature scheme signs: computed from the message, or handed over (CMS
/// without signed attributes) and then of the hash's length.
fn prehash(hash: HashAlgorithm, signed: Signed<'_>) -> Result<Vec<u8>, ValidationError> {
    match signed {
        Signed::Message(message) => Ok(hash.digest(message)),
        Signed::Digest(d) if d.len() == hash.output_len() => Ok(d.to_vec()),
        Signed::Digest(_) => Err(ValidationError::Malformed { what: "digest length" }),
    }
}

/// Checks the maths of `signature` and says what it used; no policy is applied. `digest` is
/// the CMS digest algorithm (RFC 5652 §5.4), `None` for certificates, CRLs and OCSP, whose
/// signature algorithm names its own hash.
///
/// # Errors
/// [`ValidationError::BadSignature`] when the maths fails, [`ValidationError::HashMismatch`]
/// when the algorithm contradicts the digest algorithm; unsupported or malformed algorithms
/// and keys as their own errors.
pub fn verify_signature_maths(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest: Option<HashAlgorithm>,
    signed: Signed<'_>,
    signature: &[u8],
    what: &'static str,
) -> Result<AlgorithmUse, ValidationError> {
    let scheme = scheme(algorithm, digest)?;
    let key = PublicKey::read(spki, scheme)?;
    let used = AlgorithmUse { hash: scheme.hash(), key: key.kind() };
    #[cfg(feature = "ring-backend")]
    if let (super::backend::VerifyBackend::Ring, Signed::Message(message)) = (super::backend::verify_backend(), signed)
        && ring_accepts(spki, &key, scheme, message, signature)
    {
        return Ok(used);
    }
    let ok = match (key, scheme) {
        (PublicKey::Ed25519(key), _) => match signed {
            Signed::Message(message) => verify_ed25519(&key, message, signature),
            Signed::Digest(_) => return Err(unsupported("Ed25519 over a precomputed digest".into())),
        },
        (PublicKey::Ec(curve, spki_der), Scheme::Ecdsa { hash, plain }) => verify_ecdsa(curve, &spki_der, &prehash(hash, signed)?, signature, plain)?,
        (PublicKey::Rsa(key), Scheme::RsaPkcs1(hash)) => verify_pkcs1(key, hash, &prehash(hash, signed)?, signature),
        (PublicKey::Rsa(key), Scheme::RsaPss { hash, salt_len }) => verify_pss(key, hash, salt_len, &prehash(hash, signed)?, signature),
        _ => false,
    };
    if ok { Ok(used) } else { Err(ValidationError::BadSignature { what }) }
}

/// Whether ring verifies this signature (see [`super::backend`]); `false` sends it to the
/// default code.
#[cfg(feature = "ring-backend")]
fn ring_accepts(spki: &SubjectPublicKeyInfoOwned, key: &PublicKey, scheme: Scheme, message: &[u8], signature: &[u8]) -> bool {
    use super::backend::RingKey;
    let Some(bits) = spki.subject_public_key.as_bytes() else { return false };
    let (ring_key, hash) = match (key, scheme) {
        (PublicKey::Ec(EcCurve::P256, _), Scheme::Ecdsa { hash, plain }) => (RingKey::P256 { point: bits, plain }, hash),
        (PublicKey::Ec(EcCurve::P384, _), Scheme::Ecdsa { hash, plain }) => (RingKey::P384 { point: bits, plain }, hash),
        (PublicKey::Rsa(rsa_key), Scheme::RsaPkcs1(hash)) => (RingKey::Rsa { pkcs1: bits, bits: rsa::traits::PublicKeyParts::size(rsa_key) * 8 }, hash),
        // pss_scheme has checked that MGF1 uses the message's hash.
        (PublicKey::Rsa(rsa_key), Scheme::RsaPss { hash, salt_len }) if salt_len == hash.output_len() => {
            (RingKey::RsaPss { pkcs1: bits, bits: rsa::traits::PublicKeyParts::size(rsa_key) * 8 }, hash)
        }
        _ => return false,
    };
    super::backend::ring_accepts(ring_key, hash, message, signature)
}

fn verify_ed25519(key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(key) else { return false };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else { return false };
    key.verify_strict(message, &sig).is_ok()
}

/// ECDSA over a curve's verifying key, the signature DER or plain r‖s.
macro_rules! ecdsa_verify {
    ($key:ty, $signature_type:ty, $spki_der:expr, $prehash:expr, $signature:expr, $plain:expr) => {{
        let key = <$key>::from_public_key_der($spki_der).map_err(|_| ValidationError::Malformed { what: "public key" })?;
        let sig = if $plain { <$signature_type>::from_slice($signature) } else { <$signature_type>::from_der($signature) };
        Ok(sig.is_ok_and(|sig| key.verify_prehash($prehash, &sig).is_ok()))
    }};
}

fn verify_ecdsa(curve: EcCurve, spki_der: &[u8], prehash: &[u8], signature: &[u8], plain: bool) -> Result<bool, ValidationError> {
    match curve {
        EcCurve::P256 => ecdsa_verify!(p256::ecdsa::VerifyingKey, p256::ecdsa::Signature, spki_der, prehash, signature, plain),
        EcCurve::P384 => ecdsa_verify!(p384::ecdsa::VerifyingKey, p384::ecdsa::Signature, spki_der, prehash, signature, plain),
        // p521 keeps its own verifying key type.
        EcCurve::P521 => ecdsa_verify!(p521::ecdsa::VerifyingKey, p521::ecdsa::Signature, spki_der, prehash, signature, plain),
        EcCurve::BrainpoolP256r1 => {
            ecdsa_verify!(ecdsa::VerifyingKey<bp256::BrainpoolP256r1>, ecdsa::Signature<bp256::BrainpoolP256r1>, spki_der, prehash, signature, plain)
        }
        EcCurve::BrainpoolP384r1 => {
            ecdsa_verify!(ecdsa::VerifyingKey<bp384::BrainpoolP384r1>, ecdsa::Signature<bp384::BrainpoolP384r1>, spki_der, prehash, signature, plain)
        }
    }
}

/// RSA PKCS#1 v1.5 over a prehash: the DigestInfo must name `hash` (RFC 8017 §9.2).
fn verify_pkcs1(key: rsa::PublicKey, hash: HashAlgorithm, prehash: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else { return false };
    with_digest!(hash, D => rsa::pkcs1v15::VerifyingKey::<D>::new(key).verify_prehash(prehash, &sig).is_ok())
}

/// RSASSA-PSS over a prehash with MGF1 of the same hash (RFC 8017 §8.1).
fn verify_pss(key: rsa::PublicKey, hash: HashAlgorithm, salt_len: usize, prehash: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = rsa::pss::Signature::try_from(signature) else { return false };
    with_digest!(hash, D => rsa::pss::VerifyingKey::<D>::new_with_salt_len(key, salt_len).verify_prehash(prehash, &sig).is_ok())
}

fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<rsa::PublicKey, ValidationError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    if spki.algorithm.oid != rfc5912::RSA_ENCRYPTION && spki.algorithm.oid != rfc5912::ID_RSASSA_PSS {
        return Err(ValidationError::BadSignature { what: "key type does not match the algorithm" });
    }
    let bits = spki.subject_public_key.as_bytes().ok_or(ValidationError::Malformed { what: "RSA public key" })?;
    rsa::PublicKey::from_pkcs1_der(bits).map_err(|_| unsupported("RSA key (malformed or larger than supported)".into()))
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
        let key_a =
            spki::SubjectPublicKeyInfoOwned { algorithm: alg("1.2.840.10045.2.1"), subject_public_key: der::asn1::BitString::from_bytes(&[4, 1, 2]).unwrap() };
        let key_b =
            spki::SubjectPublicKeyInfoOwned { algorithm: alg("1.2.840.10045.2.1"), subject_public_key: der::asn1::BitString::from_bytes(&[4, 3, 4]).unwrap() };
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
    fn schemes_are_named_right() {
        assert_eq!(scheme(&alg("1.2.840.113549.1.1.5"), None), Ok(Scheme::RsaPkcs1(HashAlgorithm::Sha1)));
        assert_eq!(scheme(&alg("1.2.840.113549.1.1.4"), None), Ok(Scheme::RsaPkcs1(HashAlgorithm::Md5)));
        assert!(matches!(scheme(&alg("1.2.840.10040.4.3"), None), Err(ValidationError::UnsupportedAlgorithm { what }) if what == "DSA"));
        assert!(matches!(scheme(&alg("2.16.840.1.101.3.4.3.2"), None), Err(ValidationError::UnsupportedAlgorithm { what }) if what == "DSA"));
        // RSA with SHA3-256 is not DSA.
        assert_eq!(scheme(&alg("2.16.840.1.101.3.4.3.14"), None), Ok(Scheme::RsaPkcs1(HashAlgorithm::Sha3_256)));
        assert_eq!(scheme(&alg("2.16.840.1.101.3.4.3.10"), None), Ok(Scheme::Ecdsa { hash: HashAlgorithm::Sha3_256, plain: false }));
        assert_eq!(scheme(&alg("0.4.0.127.0.7.1.1.4.1.3"), None), Ok(Scheme::Ecdsa { hash: HashAlgorithm::Sha256, plain: true }));
        assert_eq!(scheme(&alg("1.3.101.112"), None), Ok(Scheme::Ed25519));
        assert!(matches!(scheme(&alg("1.3.101.113"), None), Err(ValidationError::UnsupportedAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.3.4"), None), Err(ValidationError::UnsupportedAlgorithm { .. })));
        assert!(matches!(scheme(&alg("1.2.840.113549.1.1.10"), None), Err(ValidationError::Malformed { .. })));
        assert_eq!(scheme(&alg("1.2.840.10045.4.3.2"), None), Ok(Scheme::Ecdsa { hash: HashAlgorithm::Sha256, plain: false }));
    }

    #[test]
    fn ecdsa_with_explicit_null_parameters_is_accepted() {
        let mut with_null = alg("1.2.840.10045.4.3.2");
        with_null.parameters = Some(der::Any::new(der::Tag::Null, Vec::<u8>::new()).unwrap());
        assert_eq!(scheme(&with_null, None), Ok(Scheme::Ecdsa { hash: HashAlgorithm::Sha256, plain: false }));
    }

    #[test]
    fn a_hash_that_contradicts_the_digest_algorithm_fails() {
        let sha256_rsa = alg("1.2.840.113549.1.1.11");
        assert_eq!(scheme(&sha256_rsa, Some(HashAlgorithm::Sha384)), Err(ValidationError::HashMismatch));
        assert_eq!(scheme(&sha256_rsa, Some(HashAlgorithm::Sha256)), Ok(Scheme::RsaPkcs1(HashAlgorithm::Sha256)));
        assert_eq!(scheme(&alg("1.2.840.113549.1.1.1"), Some(HashAlgorithm::Sha3_512)), Ok(Scheme::RsaPkcs1(HashAlgorithm::Sha3_512)));
        assert!(scheme(&alg("1.2.840.113549.1.1.1"), None).is_err());
    }
}
