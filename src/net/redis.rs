//! The link to a Redis shared by the instances of a cluster (feature `redis`), `redis://` or
//! `rediss://` (TLS): a few pooled connections opened on use, bounded timeouts, one retry on a
//! new connection after a dropped one.
//! Used by the challenge store (`auth::RedisChallengeStore`) and the shared revocation cache
//! ([`super::OnlineRevocation::with_redis_cache`]).

use std::sync::Mutex;
use std::time::Duration;

/// How long one Redis exchange may take before it is an error.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Most idle connections a link keeps for the next exchanges.
pub const MAX_IDLE_CONNECTIONS: usize = 8;

/// A Redis client with a small pool of connections: each exchange takes an idle connection
/// (or opens one) and gives it back after, so that the threads of a server do not wait on one
/// another's round trips; at most [`MAX_IDLE_CONNECTIONS`] stay open between exchanges.
pub struct RedisLink {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
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
        Ok(Self { client, idle: Mutex::new(Vec::new()) })
    }

    /// Runs `command` on an idle connection, or a new one; a connection that fails is
    /// dropped with every idle one (a Redis that restarted closed them all), and the command
    /// tried once more on a new connection.
    ///
    /// # Errors
    /// What failed, naming `what` (no data of the command).
    pub fn run<T: redis::FromRedisValue>(&self, what: &str, command: &redis::Cmd) -> Result<T, String> {
        let fail = |e: &redis::RedisError| format!("{what}: {e}");
        let mut last = None;
        for attempt in 0..2 {
            let pooled = if attempt == 0 { self.idle()?.pop() } else { None };
            let mut connection = match pooled {
                Some(connection) => connection,
                None => self.connect()?,
            };
            match command.query::<T>(&mut connection) {
                Ok(value) => {
                    self.give_back(connection)?;
                    return Ok(value);
                }
                Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() => {
                    self.idle()?.clear();
                    last = Some(e);
                }
                // An error reply (a wrong type, say) leaves the connection usable.
                Err(e) => {
                    self.give_back(connection)?;
                    return Err(fail(&e));
                }
            }
        }
        Err(last.map_or_else(|| format!("{what}: no connection"), |e| fail(&e)))
    }

    /// A new connection with the exchange timeouts set.
    fn connect(&self) -> Result<redis::Connection, String> {
        let failed = |e: redis::RedisError| format!("connecting to Redis: {e}");
        let connection = self.client.get_connection_with_timeout(REDIS_TIMEOUT).map_err(failed)?;
        connection.set_read_timeout(Some(REDIS_TIMEOUT)).map_err(failed)?;
        connection.set_write_timeout(Some(REDIS_TIMEOUT)).map_err(failed)?;
        Ok(connection)
    }

    /// Keeps `connection` for a later exchange, unless enough are idle (then it closes).
    fn give_back(&self, connection: redis::Connection) -> Result<(), String> {
        let mut idle = self.idle()?;
        if idle.len() < MAX_IDLE_CONNECTIONS {
            idle.push(connection);
        }
        Ok(())
    }

    fn idle(&self) -> Result<std::sync::MutexGuard<'_, Vec<redis::Connection>>, String> {
        self.idle.lock().map_err(|_| "the Redis link's lock is poisoned".to_string())
    }
}
