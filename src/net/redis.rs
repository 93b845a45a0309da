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
    /// any are given (a Redis with a private CA's certificate); with roots, a URL without TLS
    /// is an error.
    ///
    /// # Errors
    /// The reason, for a URL that does not parse or a root that is not a certificate.
    pub fn open_with_tls_roots(url: &str, tls_roots: &[Vec<u8>]) -> Result<Self, String> {
        use der::{Decode, EncodePem};
        // With roots given the client is built for TLS whatever the URL says: redis-rs then
        // refuses a URL without TLS rather than connecting in the clear.
        let client = if tls_roots.is_empty() {
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

    /// Runs `command` on an idle connection, or a new one. An idle connection the server has
    /// closed meanwhile (a restart, an idle timeout) is dropped with every other idle one, and
    /// the command sent once more on a new connection; nothing else is retried, so a command
    /// that may have run (a timeout, a connection lost while waiting) is never sent twice: a
    /// `GETDEL` whose answer was lost fails as a store error, not as an unknown challenge.
    ///
    /// # Errors
    /// What failed, naming `what` (no data of the command).
    pub fn run<T: redis::FromRedisValue>(&self, what: &str, command: &redis::Cmd) -> Result<T, String> {
        let fail = |e: &redis::RedisError| format!("{what}: {e}");
        let pooled = self.idle()?.pop();
        let was_pooled = pooled.is_some();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.connect()?,
        };
        match command.query::<T>(&mut connection) {
            Ok(value) => {
                self.give_back(connection);
                Ok(value)
            }
            Err(e) if was_pooled && !e.is_timeout() && (e.is_connection_dropped() || e.is_io_error()) => {
                self.drop_idle();
                let mut fresh = self.connect()?;
                let value = command.query::<T>(&mut fresh).map_err(|e| fail(&e))?;
                self.give_back(fresh);
                Ok(value)
            }
            Err(e) => {
                if e.is_timeout() || e.is_connection_dropped() || e.is_io_error() {
                    self.drop_idle();
                } else {
                    // An error reply (a wrong type, say) leaves the connection usable.
                    self.give_back(connection);
                }
                Err(fail(&e))
            }
        }
    }

    /// A new connection with the exchange timeouts set.
    fn connect(&self) -> Result<redis::Connection, String> {
        let failed = |e: redis::RedisError| format!("connecting to Redis: {e}");
        let connection = self.client.get_connection_with_timeout(REDIS_TIMEOUT).map_err(failed)?;
        connection.set_read_timeout(Some(REDIS_TIMEOUT)).map_err(failed)?;
        connection.set_write_timeout(Some(REDIS_TIMEOUT)).map_err(failed)?;
        Ok(connection)
    }

    /// Keeps `connection` for a later exchange, unless it is closed or enough are idle (then it
    /// closes). The answer it carried stands either way.
    fn give_back(&self, connection: redis::Connection) {
        use redis::ConnectionLike;
        if !connection.is_open() {
            return;
        }
        if let Ok(mut idle) = self.idle()
            && idle.len() < MAX_IDLE_CONNECTIONS
        {
            idle.push(connection);
        }
    }

    /// Closes every idle connection: after one failed, the others are suspect too.
    fn drop_idle(&self) {
        if let Ok(mut idle) = self.idle() {
            idle.clear();
        }
    }

    fn idle(&self) -> Result<std::sync::MutexGuard<'_, Vec<redis::Connection>>, String> {
        self.idle.lock().map_err(|_| "the Redis link's lock is poisoned".to_string())
    }
}
