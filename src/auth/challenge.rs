//! Login challenges: a fresh random hash of a SHA-2 size with an id, an expiry and single use,
//! kept in a [`ChallengeStore`] (a bounded in-memory one by default).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::AuthError;
use crate::x509::HashAlgorithm;

/// Default lifetime of a challenge: five minutes.
pub const DEFAULT_CHALLENGE_LIFETIME: u64 = 300;

/// The hash sizes a challenge can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HashType {
    /// 32 bytes.
    Sha256,
    /// 48 bytes.
    Sha384,
    /// 64 bytes.
    Sha512,
}

impl HashType {
    /// Length of the hash in bytes.
    pub fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Never empty; for clippy's `len` convention.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The type whose length is `len`.
    pub fn for_len(len: usize) -> Option<Self> {
        [Self::Sha256, Self::Sha384, Self::Sha512].into_iter().find(|t| t.len() == len)
    }

    /// The matching hash algorithm.
    pub fn algorithm(self) -> HashAlgorithm {
        match self {
            Self::Sha256 => HashAlgorithm::Sha256,
            Self::Sha384 => HashAlgorithm::Sha384,
            Self::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

/// A login challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Opaque id, hex.
    pub id: String,
    /// The random hash the phone signs.
    #[serde(with = "hex::serde")]
    pub hash: Vec<u8>,
    /// Its type.
    pub hash_type: HashType,
    /// Unix seconds after which it is refused (RFC 3339 in JSON; a number is read too).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub expires_at: u64,
}

impl Challenge {
    /// A fresh challenge issued at `now`, living `lifetime` seconds.
    ///
    /// # Errors
    /// [`AuthError::Random`] without randomness.
    pub fn new(hash_type: HashType, now: u64, lifetime: u64) -> Result<Self, AuthError> {
        let mut hash = vec![0u8; hash_type.len()];
        getrandom::fill(&mut hash).map_err(|_| AuthError::Random)?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|_| AuthError::Random)?;
        Ok(Self { id: hex::encode(id), hash, hash_type, expires_at: now.saturating_add(lifetime) })
    }

    /// The Mobile-ID verification code of this challenge.
    pub fn verification_code(&self) -> String {
        super::code::mobile_id_code(&self.hash).unwrap_or_default()
    }
}

/// The prefix of the key under which shared stores keep a challenge: `mobile-id:challenge:<id>`.
pub const CHALLENGE_KEY_PREFIX: &str = "mobile-id:challenge:";

/// Most bytes a stored challenge record may have: a SHA-512 hash in hex and an expiry need
/// under 200. A longer record is refused unread.
const MAX_RECORD_LEN: usize = 512;

/// A challenge as a shared store keeps it under its key: JSON, the hash in hex, the expiry in
/// Unix seconds. The id is the key's.
#[derive(Serialize, Deserialize)]
struct Record {
    hash: String,
    expires_at: u64,
}

impl Challenge {
    /// What a [`KeyValueChallengeStore`] keeps for this challenge: JSON
    /// `{"hash":"<hex>","expires_at":<unix>}`, so that portals built on the library in different
    /// languages share one store.
    ///
    /// # Errors
    /// [`AuthError::Store`] if it does not encode.
    pub fn to_record(&self) -> Result<String, AuthError> {
        serde_json::to_string(&Record { hash: hex::encode(&self.hash), expires_at: self.expires_at })
            .map_err(|_| AuthError::Store("a challenge does not encode".into()))
    }

    /// The challenge `id` from the record a shared store kept for it.
    ///
    /// # Errors
    /// [`AuthError::Store`] when the record is too long, not such JSON, or its hash has no
    /// SHA-2 size: the login is then refused.
    pub fn from_record(id: &str, record: &str) -> Result<Self, AuthError> {
        let unreadable = || AuthError::Store("a stored challenge does not read".into());
        if record.len() > MAX_RECORD_LEN {
            return Err(unreadable());
        }
        let stored: Record = serde_json::from_str(record).map_err(|_| unreadable())?;
        let hash = hex::decode(&stored.hash).map_err(|_| unreadable())?;
        let hash_type = HashType::for_len(hash.len()).ok_or_else(unreadable)?;
        Ok(Self { id: id.into(), hash, hash_type, expires_at: stored.expires_at })
    }
}

/// A key-value store that a portal's instances share (Redis, memcached, a database), with the
/// two atomic steps a single-use challenge needs. Errors are the store's reason.
pub trait SharedKeyValue: Send + Sync {
    /// Keeps `value` under `key` for `ttl_seconds` unless `key` is present: then keeps the old
    /// value and returns false. Redis: `SET key value NX EX ttl_seconds`.
    ///
    /// # Errors
    /// Why the store could not answer.
    fn put_new(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<bool, String>;
    /// The value under `key`, deleted in the same atomic step: of two takes of one key, from
    /// any instance, at most one gets it. Redis: `GETDEL key`.
    ///
    /// # Errors
    /// Why the store could not answer.
    fn take(&self, key: &str) -> Result<Option<String>, String>;
}

/// A [`ChallengeStore`] in a [`SharedKeyValue`], for portals that run as several instances: a
/// challenge issued by one is answered at any other, survives a restart of either, and is taken
/// once across all of them. Each challenge is one key, [`CHALLENGE_KEY_PREFIX`] and its id,
/// holding [`Challenge::to_record`], written once and expiring with the challenge. A store that
/// cannot answer is [`AuthError::Store`], never an accepted login.
#[derive(Debug)]
pub struct KeyValueChallengeStore<S> {
    store: S,
    prefix: String,
}

impl<S> KeyValueChallengeStore<S> {
    /// Challenges in `store` under `mobile-id:challenge:<id>`.
    pub fn new(store: S) -> Self {
        Self { store, prefix: CHALLENGE_KEY_PREFIX.into() }
    }

    /// Keys under `prefix` instead of `mobile-id:challenge:` (several portals on one store).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.into();
        self
    }
}

impl<S: SharedKeyValue> ChallengeStore for KeyValueChallengeStore<S> {
    fn insert(&self, challenge: Challenge, now: u64) -> Result<(), AuthError> {
        let ttl = challenge.expires_at.saturating_sub(now).max(1);
        let written = self.store.put_new(&format!("{}{}", self.prefix, challenge.id), &challenge.to_record()?, ttl).map_err(AuthError::Store)?;
        // Never overwritten: an id already present (a collision of 128 random bits, or a
        // replayed insert) is an error.
        if written { Ok(()) } else { Err(AuthError::Store("a challenge with that id exists".into())) }
    }

    fn take(&self, id: &str) -> Result<Option<Challenge>, AuthError> {
        let record = self.store.take(&format!("{}{id}", self.prefix)).map_err(AuthError::Store)?;
        record.map(|r| Challenge::from_record(id, &r)).transpose()
    }
}

/// Where a portal keeps issued challenges until they are answered. `take` must remove the
/// challenge so that it can be used once only.
pub trait ChallengeStore: Send + Sync {
    /// Keeps `challenge`.
    ///
    /// # Errors
    /// [`AuthError`] when it cannot be kept.
    fn insert(&self, challenge: Challenge, now: u64) -> Result<(), AuthError>;
    /// Removes and returns the challenge with `id`, if any, in one step (of two concurrent
    /// takes of one challenge, at most one gets it).
    ///
    /// # Errors
    /// [`AuthError::Store`] when the store cannot answer: the login is then refused.
    fn take(&self, id: &str) -> Result<Option<Challenge>, AuthError>;
}

/// A bounded in-memory store: when full, expired challenges go first, then the oldest.
#[derive(Debug)]
pub struct MemoryChallengeStore {
    capacity: usize,
    entries: Mutex<HashMap<String, (u64, Challenge)>>,
}

impl MemoryChallengeStore {
    /// A store holding at most `capacity` challenges.
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), entries: Mutex::new(HashMap::new()) }
    }

    /// How many challenges are held.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryChallengeStore {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl ChallengeStore for MemoryChallengeStore {
    fn insert(&self, challenge: Challenge, now: u64) -> Result<(), AuthError> {
        let mut entries = self.entries.lock().map_err(|_| AuthError::Store("the store's lock is poisoned".into()))?;
        if entries.len() >= self.capacity {
            entries.retain(|_, (_, c)| c.expires_at >= now);
        }
        while entries.len() >= self.capacity {
            let oldest = entries.iter().min_by_key(|(_, (issued, _))| *issued).map(|(k, _)| k.clone());
            match oldest {
                Some(key) => {
                    entries.remove(&key);
                }
                None => break,
            }
        }
        entries.insert(challenge.id.clone(), (now, challenge));
        Ok(())
    }

    fn take(&self, id: &str) -> Result<Option<Challenge>, AuthError> {
        let mut entries = self.entries.lock().map_err(|_| AuthError::Store("the store's lock is poisoned".into()))?;
        Ok(entries.remove(id).map(|(_, c)| c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_the_same_challenge() -> Result<(), AuthError> {
        for hash_type in [HashType::Sha256, HashType::Sha384, HashType::Sha512] {
            let challenge = Challenge::new(hash_type, 1_000, DEFAULT_CHALLENGE_LIFETIME)?;
            let record = challenge.to_record()?;
            assert!(!record.contains(&challenge.id), "the id is the key's, not the record's");
            assert_eq!(Challenge::from_record(&challenge.id, &record)?, challenge);
        }
        Ok(())
    }

    #[test]
    fn a_record_that_does_not_read_is_a_store_error() {
        let hash = "00".repeat(32);
        for record in [
            String::new(),
            "not json".into(),
            format!(r#"{{"hash":"{hash}"}}"#),
            r#"{"hash":"zz","expires_at":5}"#.into(),
            format!(r#"{{"hash":"{}","expires_at":5}}"#, "00".repeat(20)),
            format!(r#"{{"hash":"{hash}","expires_at":5,"pad":"{}"}}"#, "x".repeat(600)),
        ] {
            assert!(matches!(Challenge::from_record("id", &record), Err(AuthError::Store(_))), "{record:.40}");
        }
    }
}
