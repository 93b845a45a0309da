//! A [`ChallengeStore`] in Redis (feature `redis`), for portals that run as several instances:
//! a challenge issued by one instance is answered at any other, survives a restart of either,
//! and is taken exactly once across all of them. Each challenge is one key written with
//! `SET … NX EX` (never overwritten, expiring with the challenge) and taken with `GETDEL`
//! (Redis 6.2+), which reads and deletes in one atomic step: of two instances taking the same
//! challenge, one gets it and the other finds nothing. A Redis that cannot be reached is an
//! error ([`AuthError::Store`]), never an accepted login.

use super::AuthError;
use super::challenge::{CHALLENGE_KEY_PREFIX, Challenge, ChallengeStore};
use crate::net::RedisLink;

/// Challenges in Redis under `mobile-id:challenge:<id>`, each as [`Challenge::to_record`]
/// writes it.
#[derive(Debug)]
pub struct RedisChallengeStore {
    link: RedisLink,
    prefix: String,
}

impl RedisChallengeStore {
    /// A store on the Redis at `url` (`redis://HOST:PORT/DB`, or `rediss://` for TLS with
    /// Mozilla's roots). Connects on first use, and again after a failure.
    ///
    /// # Errors
    /// [`AuthError::Store`] for a URL that does not parse.
    pub fn open(url: &str) -> Result<Self, AuthError> {
        Ok(Self::on(RedisLink::open(url).map_err(AuthError::Store)?))
    }

    /// A store over `link` (a `rediss://` link with its own TLS roots, say).
    pub fn on(link: RedisLink) -> Self {
        Self { link, prefix: CHALLENGE_KEY_PREFIX.into() }
    }

    /// Keys under `prefix` instead of `mobile-id:challenge:` (several portals on one Redis).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn run<T: redis::FromRedisValue>(&self, what: &str, command: &redis::Cmd) -> Result<T, AuthError> {
        self.link.run(what, command).map_err(AuthError::Store)
    }
}

impl ChallengeStore for RedisChallengeStore {
    fn insert(&self, challenge: Challenge, now: u64) -> Result<(), AuthError> {
        let ttl = challenge.expires_at.saturating_sub(now).max(1);
        let value = challenge.to_record()?;
        let mut command = redis::cmd("SET");
        command.arg(format!("{}{}", self.prefix, challenge.id)).arg(value).arg("NX").arg("EX").arg(ttl);
        let written: Option<String> = self.run("storing a challenge", &command)?;
        // NX: an id already present (a collision of 128 random bits, or a replayed insert) is
        // never overwritten.
        written.map(|_| ()).ok_or_else(|| AuthError::Store("a challenge with that id exists".into()))
    }

    fn take(&self, id: &str) -> Result<Option<Challenge>, AuthError> {
        let mut command = redis::cmd("GETDEL");
        command.arg(format!("{}{id}", self.prefix));
        let value: Option<String> = self.run("taking a challenge", &command)?;
        let Some(value) = value else { return Ok(None) };
        Challenge::from_record(id, &value).map(Some)
    }
}
