//! One connection to a Redis shared by the instances of a cluster (feature `redis`): connect on
//! first use and again after a failure, bounded timeouts, one retry on a dropped connection.
//! Used by the challenge store (`auth::RedisChallengeStore`) and the shared revocation cache
//! ([`super::OnlineRevocation::with_redis_cache`]).

use std::sync::Mutex;
use std::time::Duration;

/// How long one Redis exchange may take before it is an error.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis client holding one connection.
pub struct RedisLink {
    client: redis::Client,
    connection: Mutex<Option<redis::Connection>>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to the Redis at `url` (`redis://HOST:PORT/DB`, or `rediss://` for TLS with
    /// Mozilla's roots); connects on first use.
    ///
    /// # Errors
    /// The reason, for a URL that does not parse.
    pub fn open(url: &str) -> Result<Self, String> {
        Self::open_with_tls_roots(url, &[])
    }

    /// The same, trusting exactly `tls_roots` (DER certificates) for a `rediss://` URL when
    /// any are given (a Redis with a private CA's certificate); a `redis://` URL has no TLS and
    /// ignores them.
    ///
    /// # Errors
    /// The reason, for a URL that does not parse or a root that is not a certificate.
    pub fn open_with_tls_roots(url: &str, tls_roots: &[Vec<u8>]) -> Result<Self, String> {
        use der::{Decode, EncodePem};
        let client = if tls_roots.is_empty() || !url.starts_with("rediss://") {
            redis::Client::open(url)
        } else {
            let mut pem = String::new();
            for root_der in tls_roots {
                let root = x509_cert::Certificate::from_der(root_der).map_err(|e| format!("a TLS root for Redis: {e}"))?;
                pem.push_str(&root.to_pem(der::pem::LineEnding::LF).map_err(|e| format!("a TLS root for Redis: {e}"))?);
            }
            redis::Client::build_with_tls(url, redis::TlsCertificates { client_tls: None, root_cert: Some(pem.into_bytes()) })
        };
        let client = client.map_err(|e| format!("the Redis URL: {e}"))?;
        Ok(Self { client, connection: Mutex::new(None) })
    }

    /// Runs `command`, connecting first if needed; a connection that failed is dropped and the
    /// command tried once more on a new one.
    ///
    /// # Errors
    /// What failed, naming `what` (no data of the command).
    pub fn run<T: redis::FromRedisValue>(&self, what: &str, command: &redis::Cmd) -> Result<T, String> {
        let fail = |e: &redis::RedisError| format!("{what}: {e}");
        let mut slot = self.connection.lock().map_err(|_| "the Redis link's lock is poisoned".to_string())?;
        let mut last = None;
        for _ in 0..2 {
            if slot.is_none() {
                let connection = self.client.get_connection_with_timeout(REDIS_TIMEOUT).map_err(|e| format!("connecting to Redis: {e}"))?;
                connection.set_read_timeout(Some(REDIS_TIMEOUT)).map_err(|e| format!("connecting to Redis: {e}"))?;
                connection.set_write_timeout(Some(REDIS_TIMEOUT)).map_err(|e| format!("connecting to Redis: {e}"))?;
                *slot = Some(connection);
            }
            let Some(connection) = slot.as_mut() else { continue };
            match command.query::<T>(connection) {
                Ok(value) => return Ok(value),
                Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() => {
                    *slot = None;
                    last = Some(e);
                }
                Err(e) => return Err(fail(&e)),
            }
        }
        Err(last.map_or_else(|| format!("{what}: no connection"), |e| fail(&e)))
    }
}
