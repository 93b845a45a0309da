//! The link to a Redis shared by the instances of a cluster (feature `redis`), `redis://` or
//! `rediss://` (TLS): a bounded pool of connections opened on use, bounded timeouts, one retry
//! on a new connection when an idle one turns out closed.
//! Used by the challenge store (`auth::RedisChallengeStore`) and the shared revocation cache
//! ([`super::OnlineRevocation::with_redis_cache`]).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long one Redis exchange may take before it is an error; also how long an exchange
/// waits for a free connection when all are busy.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Most idle connections a link keeps for the next exchanges.
pub const MAX_IDLE_CONNECTIONS: usize = 8;

/// Most connections a link has open at once, idle or busy; more exchanges at once wait.
pub const MAX_CONNECTIONS: usize = 32;

/// A Redis client with a bounded pool of connections: each exchange takes an idle connection
/// (or opens one) and gives it back after, so that the threads of a server do not wait on one
/// another's round trips. At most [`MAX_CONNECTIONS`] are open at once and
/// [`MAX_IDLE_CONNECTIONS`] stay open between exchanges.
pub struct RedisLink {
    client: redis::Client,
    pool: Mutex<Pool>,
    /// Signalled when a connection becomes idle or a slot frees.
    freed: Condvar,
}

/// The connections of a link: those idle, and how many are open in all (idle, busy or being
/// opened).
#[derive(Default)]
struct Pool {
    idle: Vec<redis::Connection>,
    open: usize,
}

/// One exchange's share of the pool: an idle connection, or the right to open one. Dropped,
/// it closes its connection and frees its place; [`Slot::keep`] gives the connection back.
struct Slot<'a> {
    link: &'a RedisLink,
    connection: Option<redis::Connection>,
    kept: bool,
}

impl Slot<'_> {
    /// Gives the connection back to the idle ones, if it is open and there is room.
    fn keep(mut self) {
        use redis::ConnectionLike;
        let Some(connection) = self.connection.take().filter(|c| c.is_open()) else { return };
        if let Ok(mut pool) = self.link.pool()
            && pool.idle.len() < MAX_IDLE_CONNECTIONS
        {
            pool.idle.push(connection);
            self.kept = true;
            self.link.freed.notify_one();
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        self.connection = None;
        if let Ok(mut pool) = self.link.pool() {
            pool.open = pool.open.saturating_sub(1);
        }
        self.link.freed.notify_one();
    }
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
        Ok(Self { client, pool: Mutex::new(Pool::default()), freed: Condvar::new() })
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
        let mut slot = self.slot()?;
        let was_pooled = slot.connection.is_some();
        let outcome = command.query::<T>(self.connection(&mut slot)?);
        match outcome {
            Ok(value) => {
                slot.keep();
                Ok(value)
            }
            Err(e) if was_pooled && !e.is_timeout() && (e.is_connection_dropped() || e.is_io_error()) => {
                drop(slot);
                self.drop_idle();
                let mut fresh = self.slot()?;
                let value = command.query::<T>(self.connection(&mut fresh)?).map_err(|e| fail(&e))?;
                fresh.keep();
                Ok(value)
            }
            Err(e) => {
                if e.is_timeout() || e.is_connection_dropped() || e.is_io_error() {
                    drop(slot);
                    self.drop_idle();
                } else {
                    // An error reply (a wrong type, say) leaves the connection usable.
                    slot.keep();
                }
                Err(fail(&e))
            }
        }
    }

    /// How many connections the link has open (idle or busy): for monitoring.
    pub fn connections_open(&self) -> usize {
        self.pool().map(|pool| pool.open).unwrap_or(0)
    }

    /// The slot's connection, opened first if the slot has none.
    fn connection<'s>(&self, slot: &'s mut Slot<'_>) -> Result<&'s mut redis::Connection, String> {
        match slot.connection {
            Some(ref mut connection) => Ok(connection),
            None => Ok(slot.connection.insert(self.connect()?)),
        }
    }

    /// An idle connection, or a place to open one; when [`MAX_CONNECTIONS`] are busy, waits up
    /// to [`REDIS_TIMEOUT`] for one to come free.
    fn slot(&self) -> Result<Slot<'_>, String> {
        let deadline = Instant::now() + REDIS_TIMEOUT;
        let mut pool = self.pool()?;
        loop {
            if let Some(connection) = pool.idle.pop() {
                return Ok(Slot { link: self, connection: Some(connection), kept: false });
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                return Ok(Slot { link: self, connection: None, kept: false });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("all {MAX_CONNECTIONS} connections to Redis stayed busy for {} s", REDIS_TIMEOUT.as_secs()));
            }
            pool = self.freed.wait_timeout(pool, left).map_err(|_| "the Redis link's lock is poisoned".to_string())?.0;
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

    /// Closes every idle connection: after one failed, the others are suspect too.
    fn drop_idle(&self) {
        if let Ok(mut pool) = self.pool() {
            pool.open = pool.open.saturating_sub(pool.idle.len());
            pool.idle.clear();
            self.freed.notify_all();
        }
    }

    fn pool(&self) -> Result<MutexGuard<'_, Pool>, String> {
        self.pool.lock().map_err(|_| "the Redis link's lock is poisoned".to_string())
    }
}
