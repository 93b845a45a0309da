//! A dated algorithm policy in the style of ETSI TS 119 312 and the cryptographic constraints
//! of EU DSS's default validation policy: for each digest algorithm and public-key size, the
//! date after which a signature made with it is no longer acceptable without proof that it
//! existed before. The signature maths is always checked; the policy only decides whether a
//! mathematically valid signature still counts (ETSI EN 319 102-1 §5.2.8 "cryptographic
//! verification" and §5.6.2.4 "past signature validation": a proof of existence before the
//! date keeps the signature's standing).
//!
//! The policy is data. [`AlgorithmPolicy::default`] is the library's choice; callers replace it
//! with their own, read from JSON ([`AlgorithmPolicy::from_json`]):
//!
//! ```json
//! { "digests": { "sha1": "2009-12-31", "sha256": null },
//!   "rsa": [ { "min_bits": 1024, "until": "2013-12-31" }, { "min_bits": 2048, "until": null } ],
//!   "ec_min_bits": 256, "eddsa": true }
//! ```
//!
//! A date means "acceptable up to the end of that day, UTC"; `null` means no end date; a digest
//! that is not listed, or a key below the smallest listed size, is never acceptable.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};

use super::HashAlgorithm;

/// The kind and size of the public key that made a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
#[non_exhaustive]
pub enum PublicKeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on a named curve of `bits` bits.
    Ec {
        /// The curve's name (`P-256`, `brainpoolP256r1`, …).
        curve: &'static str,
        /// Its field size.
        bits: usize,
    },
    /// Ed25519 (RFC 8032).
    Ed25519,
}

/// What a signature was made with: the digest it signs (none for pure EdDSA, whose hash is
/// part of the scheme) and the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AlgorithmUse {
    /// The digest algorithm the signature covers.
    pub hash: Option<HashAlgorithm>,
    /// The key.
    pub key: PublicKeyKind,
}

impl AlgorithmUse {
    /// `sha256 with RSA 2048`, `sha384 with ECDSA brainpoolP384r1`, `Ed25519`.
    pub fn describe(&self) -> String {
        let key = match self.key {
            PublicKeyKind::Rsa { bits } => format!("RSA {bits}"),
            PublicKeyKind::Ec { curve, .. } => format!("ECDSA {curve}"),
            PublicKeyKind::Ed25519 => "Ed25519".to_string(),
        };
        match self.hash {
            Some(hash) => format!("{} with {key}", hash.name()),
            None => key,
        }
    }
}

/// Why an algorithm is not acceptable at a time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy never accepts it.
    #[error("{what} is not acceptable under the algorithm policy")]
    NotAllowed {
        /// The digest or key, in words.
        what: String,
    },
    /// Acceptable only up to `until` (Unix seconds), which is before the time asked about.
    #[error("{what} was acceptable only until {}", rfc3339(*until))]
    Expired {
        /// The digest or key, in words.
        what: String,
        /// The end of its acceptability, Unix seconds.
        until: u64,
    },
}

impl PolicyError {
    /// The end date, when the algorithm once was acceptable.
    pub fn until(&self) -> Option<u64> {
        match self {
            Self::NotAllowed { .. } => None,
            Self::Expired { until, .. } => Some(*until),
        }
    }
}

/// An RSA size rule: keys of at least `min_bits` are acceptable until `until`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RsaRule {
    min_bits: usize,
    until: Option<String>,
}

/// The policy as written in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyText {
    digests: BTreeMap<String, Option<String>>,
    rsa: Vec<RsaRule>,
    ec_min_bits: usize,
    eddsa: bool,
}

/// A dated algorithm policy. Cheap to clone (shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgorithmPolicy(Arc<Compiled>);

#[derive(Debug, PartialEq, Eq)]
struct Compiled {
    /// Each acceptable digest and the end of its acceptability.
    digests: Vec<(HashAlgorithm, Option<u64>)>,
    /// RSA rules, largest `min_bits` first.
    rsa: Vec<(usize, Option<u64>)>,
    ec_min_bits: usize,
    eddsa: bool,
}

/// The default policy's text. The dates follow ETSI TS 119 312 and the defaults of EU DSS's
/// validation policy: MD5 until August 2004, SHA-1 until the end of 2009, RIPEMD-160 until the
/// end of 2011; RSA keys under 1024 bits until 2008, under 1536 until 2013, under 1900 until
/// 2016, under 2048 until 2019; elliptic curves from 256 bits and Ed25519 without end.
const DEFAULT_POLICY: &str = r#"{
  "digests": {
    "md5": "2004-08-01", "sha1": "2009-12-31", "ripemd160": "2011-12-31",
    "sha224": null, "sha256": null, "sha384": null, "sha512": null,
    "sha3-224": null, "sha3-256": null, "sha3-384": null, "sha3-512": null
  },
  "rsa": [
    { "min_bits": 768, "until": "2008-12-31" },
    { "min_bits": 1024, "until": "2013-12-31" },
    { "min_bits": 1536, "until": "2016-12-31" },
    { "min_bits": 1900, "until": "2019-12-31" },
    { "min_bits": 2048, "until": null }
  ],
  "ec_min_bits": 256,
  "eddsa": true
}"#;

/// The default policy, parsed once.
static DEFAULT: LazyLock<AlgorithmPolicy> = LazyLock::new(|| {
    // The built-in text is a constant that the tests parse; an error cannot happen, but an
    // empty policy (nothing acceptable) stands in rather than a panic.
    AlgorithmPolicy::from_json(DEFAULT_POLICY)
        .unwrap_or_else(|_| AlgorithmPolicy(Arc::new(Compiled { digests: Vec::new(), rsa: Vec::new(), ec_min_bits: usize::MAX, eddsa: false })))
});

/// The default policy less everything that has an end date.
static MODERN_ONLY: LazyLock<AlgorithmPolicy> = LazyLock::new(|| {
    let default = &DEFAULT.0;
    AlgorithmPolicy(Arc::new(Compiled {
        digests: default.digests.iter().filter(|(_, until)| until.is_none()).copied().collect(),
        rsa: default.rsa.iter().filter(|(_, until)| until.is_none()).copied().collect(),
        ec_min_bits: default.ec_min_bits,
        eddsa: default.eddsa,
    }))
});

impl Default for AlgorithmPolicy {
    fn default() -> Self {
        DEFAULT.clone()
    }
}

/// Unix seconds as RFC 3339 (UTC).
fn rfc3339(seconds: u64) -> String {
    der::DateTime::from_unix_duration(std::time::Duration::from_secs(seconds)).map_or_else(|_| format!("{seconds} (Unix seconds)"), |t| t.to_string())
}

/// The end of day `YYYY-MM-DD`, UTC, as Unix seconds.
fn end_of_day(date: &str) -> Result<u64, String> {
    let bad = || format!("'{date}' is not a date YYYY-MM-DD");
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    let y: u16 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    let d: u8 = d.parse().map_err(|_| bad())?;
    let time = der::DateTime::new(y, m, d, 23, 59, 59).map_err(|_| bad())?;
    Ok(time.unix_duration().as_secs())
}

impl AlgorithmPolicy {
    /// Reads a policy from its JSON text (see the module documentation).
    ///
    /// # Errors
    /// A sentence naming what is wrong: unknown keys or digest names, bad dates.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let parsed: PolicyText = serde_json::from_str(text).map_err(|e| format!("algorithm policy: {e}"))?;
        let mut digests = Vec::new();
        for (name, until) in &parsed.digests {
            let hash = HashAlgorithm::from_name(name).ok_or_else(|| format!("algorithm policy: unknown digest '{name}'"))?;
            digests.push((hash, until.as_deref().map(end_of_day).transpose()?));
        }
        let mut rsa = Vec::new();
        for rule in &parsed.rsa {
            rsa.push((rule.min_bits, rule.until.as_deref().map(end_of_day).transpose()?));
        }
        rsa.sort_by_key(|rule| std::cmp::Reverse(rule.0));
        Ok(Self(Arc::new(Compiled { digests, rsa, ec_min_bits: parsed.ec_min_bits, eddsa: parsed.eddsa })))
    }

    /// The default policy less everything that has an end date: SHA-2 and SHA-3, RSA from
    /// 2048 bits, curves from 256 bits, Ed25519 — the rule for CRLs and OCSP responses,
    /// judged now.
    pub fn modern_only() -> Self {
        MODERN_ONLY.clone()
    }

    /// Whether `used` is acceptable at `time` (Unix seconds).
    ///
    /// # Errors
    /// [`PolicyError`] saying which part is not acceptable, and since when.
    pub fn check(&self, used: &AlgorithmUse, time: u64) -> Result<(), PolicyError> {
        if let Some(hash) = used.hash {
            self.check_digest(hash, time)?;
        }
        match used.key {
            PublicKeyKind::Rsa { bits } => {
                let what = || format!("an RSA key of {bits} bits");
                match self.0.rsa.iter().find(|(min, _)| bits >= *min) {
                    None => Err(PolicyError::NotAllowed { what: what() }),
                    Some((_, Some(until))) if time > *until => Err(PolicyError::Expired { what: what(), until: *until }),
                    Some(_) => Ok(()),
                }
            }
            PublicKeyKind::Ec { curve, bits } if bits < self.0.ec_min_bits => Err(PolicyError::NotAllowed { what: format!("curve {curve}") }),
            PublicKeyKind::Ec { .. } => Ok(()),
            PublicKeyKind::Ed25519 if !self.0.eddsa => Err(PolicyError::NotAllowed { what: "Ed25519".into() }),
            PublicKeyKind::Ed25519 => Ok(()),
        }
    }

    /// Whether `hash` is acceptable at `time` for a digest that binds signed data.
    ///
    /// # Errors
    /// [`PolicyError`] saying since when it is not.
    pub fn check_digest(&self, hash: HashAlgorithm, time: u64) -> Result<(), PolicyError> {
        let what = || format!("digest {}", hash.name());
        match self.0.digests.iter().find(|(h, _)| *h == hash) {
            None => Err(PolicyError::NotAllowed { what: what() }),
            Some((_, Some(until))) if time > *until => Err(PolicyError::Expired { what: what(), until: *until }),
            Some(_) => Ok(()),
        }
    }

    /// The default policy's JSON text, a starting point for a caller's own.
    pub fn default_json() -> &'static str {
        DEFAULT_POLICY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> u64 {
        end_of_day(date).unwrap()
    }

    fn rsa(hash: HashAlgorithm, bits: usize) -> AlgorithmUse {
        AlgorithmUse { hash: Some(hash), key: PublicKeyKind::Rsa { bits } }
    }

    #[test]
    fn sha1_is_acceptable_before_its_date_only() {
        let policy = AlgorithmPolicy::default();
        assert!(policy.check(&rsa(HashAlgorithm::Sha1, 2048), at("2009-06-01")).is_ok());
        let late = policy.check(&rsa(HashAlgorithm::Sha1, 2048), at("2010-01-02")).unwrap_err();
        assert_eq!(late.until(), Some(at("2009-12-31")));
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 2048), at("2040-01-01")).is_ok());
    }

    #[test]
    fn rsa_sizes_follow_their_rules() {
        let policy = AlgorithmPolicy::default();
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 1024), at("2012-01-01")).is_ok());
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 1024), at("2015-01-01")).is_err());
        assert!(matches!(policy.check(&rsa(HashAlgorithm::Sha256, 512), at("2000-01-01")), Err(PolicyError::NotAllowed { .. })));
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 4096), at("2099-01-01")).is_ok());
    }

    #[test]
    fn a_caller_policy_replaces_the_default() {
        let policy = AlgorithmPolicy::from_json(
            r#"{"digests": {"sha256": "2030-01-01"}, "rsa": [{"min_bits": 3072, "until": null}], "ec_min_bits": 384, "eddsa": false}"#,
        )
        .unwrap();
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 3072), at("2029-01-01")).is_ok());
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 2048), at("2029-01-01")).is_err());
        assert!(policy.check(&rsa(HashAlgorithm::Sha256, 3072), at("2031-01-01")).is_err());
        let p256 = AlgorithmUse { hash: Some(HashAlgorithm::Sha256), key: PublicKeyKind::Ec { curve: "P-256", bits: 256 } };
        assert!(policy.check(&p256, at("2020-01-01")).is_err());
        assert!(AlgorithmPolicy::from_json(r#"{"digests": {"sha9": null}, "rsa": [], "ec_min_bits": 256, "eddsa": true}"#).is_err());
        assert!(AlgorithmPolicy::from_json(r#"{"digests": {"sha1": "2009-13-01"}, "rsa": [], "ec_min_bits": 256, "eddsa": true}"#).is_err());
    }

    #[test]
    fn the_default_text_parses() {
        assert_eq!(AlgorithmPolicy::from_json(DEFAULT_POLICY).unwrap(), AlgorithmPolicy::default());
        let modern = AlgorithmPolicy::modern_only();
        assert!(modern.check(&rsa(HashAlgorithm::Sha1, 4096), 0).is_err());
        assert!(modern.check(&rsa(HashAlgorithm::Sha256, 1024), 0).is_err());
        assert!(modern.check(&rsa(HashAlgorithm::Sha3_256, 2048), u64::MAX).is_ok());
    }
}
