//! Digest algorithms (RFC 3279 §2.2, RFC 4055 §2.1, RFC 5754 §2, NIST CSOR for SHA-3) by
//! their `const-oid` database names, computed in one go or fed piece by piece.

use const_oid::ObjectIdentifier;
use const_oid::db::{fips202, rfc5912};
use sha2::Digest;

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

/// A hash fed piece by piece (the byte ranges of a PDF signature, streamed content).
#[derive(Clone, Debug)]
pub enum Hasher {
    /// MD5.
    Md5(md5::Md5),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// RIPEMD-160.
    Ripemd160(ripemd::Ripemd160),
    /// SHA-224.
    Sha224(sha2::Sha224),
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-384.
    Sha384(sha2::Sha384),
    /// SHA-512.
    Sha512(sha2::Sha512),
    /// SHA3-224.
    Sha3_224(sha3::Sha3_224),
    /// SHA3-256.
    Sha3_256(sha3::Sha3_256),
    /// SHA3-384.
    Sha3_384(sha3::Sha3_384),
    /// SHA3-512.
    Sha3_512(sha3::Sha3_512),
}

impl Hasher {
    /// A fresh hasher for `hash`.
    pub fn new(hash: HashAlgorithm) -> Self {
        match hash {
            HashAlgorithm::Md5 => Self::Md5(md5::Md5::new()),
            HashAlgorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            HashAlgorithm::Ripemd160 => Self::Ripemd160(ripemd::Ripemd160::new()),
            HashAlgorithm::Sha224 => Self::Sha224(sha2::Sha224::new()),
            HashAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => Self::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
            HashAlgorithm::Sha3_224 => Self::Sha3_224(sha3::Sha3_224::new()),
            HashAlgorithm::Sha3_256 => Self::Sha3_256(sha3::Sha3_256::new()),
            HashAlgorithm::Sha3_384 => Self::Sha3_384(sha3::Sha3_384::new()),
            HashAlgorithm::Sha3_512 => Self::Sha3_512(sha3::Sha3_512::new()),
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Md5(h) => h.update(bytes),
            Self::Sha1(h) => h.update(bytes),
            Self::Ripemd160(h) => h.update(bytes),
            Self::Sha224(h) => h.update(bytes),
            Self::Sha256(h) => h.update(bytes),
            Self::Sha384(h) => h.update(bytes),
            Self::Sha512(h) => h.update(bytes),
            Self::Sha3_224(h) => h.update(bytes),
            Self::Sha3_256(h) => h.update(bytes),
            Self::Sha3_384(h) => h.update(bytes),
            Self::Sha3_512(h) => h.update(bytes),
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Ripemd160(h) => h.finalize().to_vec(),
            Self::Sha224(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
            Self::Sha3_224(h) => h.finalize().to_vec(),
            Self::Sha3_256(h) => h.finalize().to_vec(),
            Self::Sha3_384(h) => h.finalize().to_vec(),
            Self::Sha3_512(h) => h.finalize().to_vec(),
        }
    }

    /// Which algorithm this is.
    pub fn algorithm(&self) -> HashAlgorithm {
        match self {
            Self::Md5(_) => HashAlgorithm::Md5,
            Self::Sha1(_) => HashAlgorithm::Sha1,
            Self::Ripemd160(_) => HashAlgorithm::Ripemd160,
            Self::Sha224(_) => HashAlgorithm::Sha224,
            Self::Sha256(_) => HashAlgorithm::Sha256,
            Self::Sha384(_) => HashAlgorithm::Sha384,
            Self::Sha512(_) => HashAlgorithm::Sha512,
            Self::Sha3_224(_) => HashAlgorithm::Sha3_224,
            Self::Sha3_256(_) => HashAlgorithm::Sha3_256,
            Self::Sha3_384(_) => HashAlgorithm::Sha3_384,
            Self::Sha3_512(_) => HashAlgorithm::Sha3_512,
        }
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
