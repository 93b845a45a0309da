//! One way out to the network for every client of the library — TSA, OCSP, CRL, Mobile-ID
//! service: an HTTP(S) exchange with a timeout (from [`HttpOptions`]), a limit on the answer's
//! size, and retries with back-off when the server could not be reached (connection refused or
//! reset, name not found); an exchange that times out is not tried again. An answer, whatever
//! its status, is never retried, nor is a refused TLS certificate: the caller decides what
//! they mean.

use std::io::Read;
use std::time::Duration;

use super::HttpOptions;

/// Why an exchange gave no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server could not be reached (after the retries): connection, TLS or timeout.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The answer is larger than the caller accepts.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

/// An HTTP answer: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The HTTP status.
    pub status: u16,
    /// The body, within the limit.
    pub body: Vec<u8>,
}

/// The blocking HTTP(S) client every network job goes through.
#[derive(Clone, Debug)]
pub struct Fetcher {
    agent: ureq::Agent,
    attempts: u32,
    first_pause: Duration,
}

impl Fetcher {
    /// A client as `options` say (roots, timeout), trying an unreachable server three times
    /// with pauses of 200 ms, then 400 ms.
    pub fn new(options: &HttpOptions) -> Self {
        Self { agent: options.agent(), attempts: 3, first_pause: Duration::from_millis(200) }
    }

    /// The same with `attempts` tries (at least one).
    #[must_use]
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// GET `url`.
    ///
    /// # Errors
    /// [`FetchError`] when there is no answer within the retries, or it is over `limit`.
    pub fn get(&self, url: &str, limit: u64) -> Result<Fetched, FetchError> {
        self.exchange(limit, &|agent| agent.get(url).call())
    }

    /// POST `body` as `content_type` to `url`.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn post(&self, url: &str, content_type: &str, body: &[u8], limit: u64) -> Result<Fetched, FetchError> {
        self.exchange(limit, &|agent| agent.post(url).header("Content-Type", content_type).send(body))
    }

    fn exchange(&self, limit: u64, send: &dyn Fn(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Fetched, FetchError> {
        let mut pause = self.first_pause;
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(pause);
                pause *= 2;
            }
            match send(&self.agent) {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let mut body = Vec::new();
                    response.into_body().into_reader().take(limit + 1).read_to_end(&mut body).map_err(|e| FetchError::Unreachable(e.to_string()))?;
                    if body.len() as u64 > limit {
                        return Err(FetchError::TooLarge { limit });
                    }
                    return Ok(Fetched { status, body });
                }
                // Reaching the server may work a moment later; a refused certificate, a bad URL
                // or a protocol error will not.
                Err(e) if worth_retrying(&e) => last = e.to_string(),
                Err(e) => return Err(FetchError::Unreachable(e.to_string())),
            }
        }
        Err(FetchError::Unreachable(last))
    }
}

/// Whether the server might be reached a moment later: refused or reset connections, names
/// not found — not an exchange that ran out of time (its timeout is the caller's whole budget),
/// a TLS certificate the roots refuse (ureq reports that as invalid data), a bad URL or a
/// protocol error.
fn worth_retrying(error: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    match error {
        ureq::Error::Io(io) => {
            matches!(io.kind(), K::ConnectionRefused | K::ConnectionReset | K::ConnectionAborted | K::NotConnected | K::BrokenPipe)
        }
        // The timeout bounds the whole exchange: trying again would multiply it.
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn retries_until_the_server_answers_and_bounds_the_answer() {
        // A port that refuses at first: nothing listens, then a server does.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let server = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = [0u8; 512];
                let _ = std::io::Read::read(&mut stream, &mut request);
                let _ = stream.write_all(b"HTTP/1.1 503 Busy\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy!");
            }
        });
        let fetcher = Fetcher::new(&HttpOptions::new());
        let url = format!("http://127.0.0.1:{port}/");
        let answer = fetcher.get(&url, 64).unwrap();
        // An answer is never retried, whatever its status.
        assert_eq!((answer.status, answer.body.as_slice()), (503, &b"busy!"[..]));
        assert_eq!(fetcher.get(&url, 3), Err(FetchError::TooLarge { limit: 3 }));
        server.join().unwrap();
        let gone = Fetcher::new(&HttpOptions::new()).with_attempts(2);
        assert!(matches!(gone.get(&url, 64), Err(FetchError::Unreachable(_))));
    }
}
