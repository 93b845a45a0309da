//! Challenges in Redis (feature `redis`): [`KeyValueChallengeStore`] over a [`RedisLink`], each
//! challenge written with `SET … NX EX` (never overwritten, expiring with the challenge) and
//! taken with `GETDEL` (Redis 6.2+), which reads and deletes in one atomic step: of two
//! instances taking the same challenge, one gets it and the other finds nothing.

use super::AuthError;
use super::challenge::{KeyValueChallengeStore, SharedKeyValue};
use crate::net::RedisLink;

/// A [`super::ChallengeStore`] in Redis, for portals that run as several instances.
pub type RedisChallengeStore = KeyValueChallengeStore<RedisLink>;

impl KeyValueChallengeStore<RedisLink> {
    /// A store on the Redis at `url` (`redis://HOST:PORT/DB`, or `rediss://` for TLS with
    /// Mozilla's roots); a link with other TLS roots goes to [`KeyValueChallengeStore::new`].
    /// Connects on first use, and again after a failure.
    ///
    /// # Errors
    /// [`AuthError::Store`] for a URL that does not parse.
    pub fn open(url: &str) -> Result<Self, AuthError> {
        Ok(Self::new(RedisLink::open(url).map_err(AuthError::Store)?))
    }
}

impl SharedKeyValue for RedisLink {
    fn put_new(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<bool, String> {
        let mut command = redis::cmd("SET");
        command.arg(key).arg(value).arg("NX").arg("EX").arg(ttl_seconds);
        let written: Option<String> = self.run("storing a challenge", &command)?;
        Ok(written.is_some())
    }

    fn take(&self, key: &str) -> Result<Option<String>, String> {
        let mut command = redis::cmd("GETDEL");
        command.arg(key);
        self.run("taking a challenge", &command)
    }
}
