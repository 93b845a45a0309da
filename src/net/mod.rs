//! The blocking HTTP(S) agent behind the `http` feature: TLS by rustls with the ring provider
//! (no C toolchain beyond `cc`), Mozilla's roots by default or the caller's own, optional
//! public-key pins (for a Mobile-ID service), timeouts, and the rule for plain HTTP; the one
//! client every network job goes through ([`Fetcher`]: timeouts, size limits, retries with
//! back-off); and online revocation ([`OnlineRevocation`]).
//! Uses `x509` (certificates, OCSP requests) and `time` (now), nothing else in the crate.

mod fetcher;
#[cfg(feature = "redis")]
mod redis;
mod revocation;
mod tls;

pub use fetcher::{FetchError, Fetched, Fetcher};
#[cfg(feature = "redis")]
pub use redis::{MAX_CONNECTIONS, MAX_IDLE_CONNECTIONS, REDIS_TIMEOUT, RedisLink};
pub use revocation::{MAX_CACHE_TIME, MAX_CRL, MAX_OCSP_RESPONSE, OnlineRevocation, REVOCATION_CACHE_LIMIT, crl_urls, ocsp_urls};
pub use tls::public_key_pin;

use std::time::Duration;

/// How the built-in HTTP clients connect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Trust anchors for HTTPS servers, DER; empty means Mozilla's roots (webpki-roots). When
    /// given, only these are trusted (a private TSA or MSSP, a test CA).
    pub tls_roots: Vec<Vec<u8>>,
    /// The whole exchange's limit; 30 s when `None`.
    pub timeout: Option<Duration>,
    /// Pinned server keys, each the SHA-256 of a SubjectPublicKeyInfo ([`public_key_pin`]);
    /// when any is given, an HTTPS server must pass the roots *and* present one of these keys
    /// in its own certificate, plain `http://` is refused and redirects are not followed. For
    /// a relying party that knows its Mobile-ID service's key.
    pub tls_pins: Vec<[u8; 32]>,
}

impl HttpOptions {
    /// Mozilla's roots, a 30 s timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusting exactly `roots` (DER certificates) for HTTPS.
    pub fn with_tls_roots(roots: Vec<Vec<u8>>) -> Self {
        Self { tls_roots: roots, ..Self::default() }
    }

    /// The same, also requiring an HTTPS server's key to be one of `pins` (see
    /// [`Self::tls_pins`]).
    #[must_use]
    pub fn with_pinned_keys(mut self, pins: Vec<[u8; 32]>) -> Self {
        self.tls_pins = pins;
        self
    }

    /// The agent these options describe; responses with error statuses are returned, not
    /// raised, so the caller can read what the server said.
    pub fn agent(&self) -> ureq::Agent {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots = if self.tls_roots.is_empty() {
            RootCerts::WebPki
        } else {
            let certs: Vec<Certificate<'static>> = self.tls_roots.iter().map(|der| Certificate::from_der(der).to_owned()).collect();
            RootCerts::new_with_certs(&certs)
        };
        let pinned = !self.tls_pins.is_empty();
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout.unwrap_or(Duration::from_secs(30))))
            .tls_config(TlsConfig::builder().root_certs(roots).build());
        if pinned {
            // A pinned server is only ever spoken to over pinned TLS: no plain http://, and no
            // redirect elsewhere.
            builder = builder.https_only(true).max_redirects(0);
        }
        let config = builder.build();
        if !pinned {
            return config.into();
        }
        // ureq's own chain (proxy, TCP, TLS) with the TLS step verifying the pins.
        use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
        let connector = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default()).chain(tls::PinnedTls::new(&self.tls_roots, &self.tls_pins));
        ureq::Agent::with_parts(config, connector, ureq::unversioned::resolver::DefaultResolver::default())
    }
}

/// Whether `url` is an `https://` URL (the scheme in any case).
pub fn is_https(url: &str) -> bool {
    url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

/// Whether `url` may be fetched over plain HTTP by a client whose answers are not signed (the
/// Mobile-ID service): only `https://`, or `http://` to this machine (a local mock or proxy).
pub fn secure_or_loopback(url: &str) -> bool {
    if is_https(url) {
        return true;
    }
    let Some(rest) = url.get(..7).filter(|s| s.eq_ignore_ascii_case("http://")).and_then(|_| url.get(7..)) else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::secure_or_loopback;

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in ["https://mid.example.test/mid-api", "HTTPS://x", "http://127.0.0.1:8099/", "http://localhost/x", "http://[::1]:80/", "http://127.0.0.2"] {
            assert!(secure_or_loopback(ok), "{ok}");
        }
        for refused in
            ["http://mid.example.test/", "http://127.0.0.1.example.test/", "http://user@example.test@127.0.0.1x/", "ftp://127.0.0.1/", "http://[::2]/"]
        {
            assert!(!secure_or_loopback(refused), "{refused}");
        }
    }
}
