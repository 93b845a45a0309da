//! Digest algorithms (RFC 3279 §2.2, RFC 4055 §2.1, RFC 5754 §2, NIST CSOR for SHA-3) by
//! their `const-oid` database names, computed in one go or fed piece by piece.

use const_oid::ObjectIdentifier;
use const_oid::db::{fips202, rfc5912};
use sha2::Digest;
use sha2::digest::DynDigest;

/// RIPEMD-160 (ISO/IEC 10118-3), still found in old documents; not in `const-oid`'s database.
const RIPEMD160: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.2.1");

/// A digest algorithm. Which of them are acceptable, and until when, is the business of an
/// [`super::AlgorithmPolicy`], not of this type: old documents are hashed with MD5 or SHA-1,
/// and their maths is still checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD5 (RFC 1321): broken, only judged on old documents.
    Md5,
    /// SHA-1 (FIPS 180-4): collisions are practical.
    Sha1,
    /// RIPEMD-160.
    Ripemd160,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA3-224 (FIPS 202).
    Sha3_224,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
}

/// Every digest algorithm, for look-ups by OID or name.
const ALL: [HashAlgorithm; 11] = [
    HashAlgorithm::Md5,
    HashAlgorithm::Sha1,
    HashAlgorithm::Ripemd160,
    HashAlgorithm::Sha224,
    HashAlgorithm::Sha256,
    HashAlgorithm::Sha384,
    HashAlgorithm::Sha512,
    HashAlgorithm::Sha3_224,
    HashAlgorithm::Sha3_256,
    HashAlgorithm::Sha3_384,
    HashAlgorithm::Sha3_512,
];

impl HashAlgorithm {
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = Hasher::new(self);
        hasher.update(data);
        hasher.finish()
    }

    /// The algorithm a digest AlgorithmIdentifier names, or `None` when it is not one of these.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        ALL.into_iter().find(|h| h.oid() == *oid)
    }

    /// The digest OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Md5 => rfc5912::ID_MD_5,
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Ripemd160 => RIPEMD160,
            Self::Sha224 => rfc5912::ID_SHA_224,
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
            Self::Sha3_224 => fips202::ID_SHA_3_224,
            Self::Sha3_256 => fips202::ID_SHA_3_256,
            Self::Sha3_384 => fips202::ID_SHA_3_384,
            Self::Sha3_512 => fips202::ID_SHA_3_512,
        }
    }

    /// The lowercase name used in policies, saved states and reports (`sha256`, `sha3-256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Ripemd160 => "ripemd160",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Sha3_224 => "sha3-224",
            Self::Sha3_256 => "sha3-256",
            Self::Sha3_384 => "sha3-384",
            Self::Sha3_512 => "sha3-512",
        }
    }

    /// The algorithm named by [`Self::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        ALL.into_iter().find(|h| h.name() == name)
    }

    /// The digest's length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 | Self::Ripemd160 => 20,
            Self::Sha224 | Self::Sha3_224 => 28,
            Self::Sha256 | Self::Sha3_256 => 32,
            Self::Sha384 | Self::Sha3_384 => 48,
            Self::Sha512 | Self::Sha3_512 => 64,
        }
    }
}

/// Evaluates `$body` with the type alias `$D` bound to the RustCrypto digest type of `$hash`:
/// the one place that maps a [`HashAlgorithm`] to its implementation, for hashing and for the
/// RSA schemes that are generic over the digest.
macro_rules! with_digest {
    ($hash:expr, $D:ident => $body:expr) => {{
        use $crate::algorithms::HashAlgorithm as H;
        match $hash {
            H::Md5 => {
                type $D = md5::Md5;
                $body
            }
            H::Sha1 => {
                type $D = sha1::Sha1;
                $body
            }
            H::Ripemd160 => {
                type $D = ripemd::Ripemd160;
                $body
            }
            H::Sha224 => {
                type $D = sha2::Sha224;
                $body
            }
            H::Sha256 => {
                type $D = sha2::Sha256;
                $body
            }
            H::Sha384 => {
                type $D = sha2::Sha384;
                $body
            }
            H::Sha512 => {
                type $D = sha2::Sha512;
                $body
            }
            H::Sha3_224 => {
                type $D = sha3::Sha3_224;
                $body
            }
            H::Sha3_256 => {
                type $D = sha3::Sha3_256;
                $body
            }
            H::Sha3_384 => {
                type $D = sha3::Sha3_384;
                $body
            }
            H::Sha3_512 => {
                type $D = sha3::Sha3_512;
                $body
            }
        }
    }};
}
pub(crate) use with_digest;

/// A hash fed piece by piece (the byte ranges of a PDF signature, streamed content).
pub struct Hasher {
    algorithm: HashAlgorithm,
    state: Box<dyn DynDigest + Send>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl Hasher {
    /// A fresh hasher for `hash`.
    pub fn new(hash: HashAlgorithm) -> Self {
        let state: Box<dyn DynDigest + Send> = with_digest!(hash, D => Box::new(D::new()));
        Self { algorithm: hash, state }
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.state.update(bytes);
    }

    /// The digest.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = vec![0u8; self.state.output_size()];
        // The buffer has exactly the output size, which is all finalize_into_reset asks.
        match self.state.finalize_into_reset(&mut out) {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    }

    /// Which algorithm this is.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_for_abc() {
        // FIPS 180-4 / FIPS 202 / RFC 1321 / ISO 10118-3 test vectors for "abc".
        let cases = [
            (HashAlgorithm::Md5, "900150983cd24fb0d6963f7d28e17f72"),
            (HashAlgorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (HashAlgorithm::Ripemd160, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
            (HashAlgorithm::Sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (HashAlgorithm::Sha3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
        ];
        for (hash, hex_digest) in cases {
            assert_eq!(hex::encode(hash.digest(b"abc")), hex_digest, "{}", hash.name());
            assert_eq!(hash.digest(b"abc").len(), hash.output_len());
        }
    }

    #[test]
    fn oids_and_names_round_trip() {
        for hash in ALL {
            assert_eq!(HashAlgorithm::from_oid(&hash.oid()), Some(hash));
            assert_eq!(HashAlgorithm::from_name(hash.name()), Some(hash));
            assert_eq!(Hasher::new(hash).algorithm(), hash);
        }
        assert_eq!(HashAlgorithm::from_oid(&ObjectIdentifier::new_unwrap("1.2.3.4")), None);
    }
}
