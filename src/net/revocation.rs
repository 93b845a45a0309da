//! Online revocation (opt-in): an [`x509::RevocationFetcher`](crate::x509::RevocationFetcher)
//! that asks the OCSP responder a certificate's authorityInfoAccess names (RFC 6960, HTTP POST
//! of an OCSPRequest, §A.1) and, when that gives nothing, downloads the CRLs of its
//! distribution points (RFC 5280 §4.2.1.13). Each exchange is bounded in time and size and
//! retried with back-off. OCSP answers are cached per certificate, CRLs per URL (one download
//! serves every certificate of the CA), each until its nextUpdate (at most a day, a bounded
//! number of entries), and shared by the cache's clones as they are (an `Arc`, not a copy).
//! What is fetched is validated like any other revocation data: signed by the issuer or a
//! delegated responder, current at the time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::{Fetcher, HttpOptions};
use crate::x509::{ParsedCertificate, ParsedCrl, ParsedOcspResponse, RevocationData, RevocationFetcher, ocsp_request};

/// Largest OCSP response read.
pub const MAX_OCSP_RESPONSE: u64 = 1 << 20;
/// Largest CRL read.
pub const MAX_CRL: u64 = 16 << 20;
/// Most entries of each cache, OCSP answers (per certificate) and CRLs (per URL); a full
/// cache is emptied.
pub const REVOCATION_CACHE_LIMIT: usize = 10_000;
/// Longest an answer is cached, whatever its nextUpdate says.
pub const MAX_CACHE_TIME: Duration = Duration::from_secs(86_400);
/// How long "nothing came back" is remembered, so that a responder that is down is not asked
/// again by every verification.
const NOTHING_CACHE_TIME: Duration = Duration::from_secs(60);

/// A revocation answer as the caches hold it.
trait Answer: Clone {
    /// The answer in `der`, if it is one.
    fn read(der: &[u8]) -> Option<Self>;
    /// Until when its issuer stands by it, Unix seconds.
    fn next_update(&self) -> Option<u64>;
}

impl Answer for ParsedOcspResponse {
    fn read(der: &[u8]) -> Option<Self> {
        Self::from_der(der).ok()
    }
    fn next_update(&self) -> Option<u64> {
        ParsedOcspResponse::next_update(self)
    }
}

impl Answer for ParsedCrl {
    fn read(der: &[u8]) -> Option<Self> {
        Self::from_der(der).ok()
    }
    fn next_update(&self) -> Option<u64> {
        ParsedCrl::next_update(self)
    }
}

/// What a cache holds for a key until a time: the parsed answer, or that there was none.
type Cached<T> = Mutex<HashMap<[u8; 32], (SystemTime, Option<T>)>>;

/// Fetches OCSP responses and CRLs over HTTP(S) for verification, through a [`Fetcher`].
#[derive(Debug)]
pub struct OnlineRevocation {
    fetcher: Fetcher,
    /// By the certificate's SHA-256.
    ocsp: Cached<ParsedOcspResponse>,
    /// By the SHA-256 of the distribution point's URL.
    crls: Cached<ParsedCrl>,
    #[cfg(feature = "redis")]
    shared: Option<super::RedisLink>,
}

impl OnlineRevocation {
    /// A fetcher connecting as `options` say (trust roots for HTTPS responders, timeout),
    /// trying each URL up to three times with back-off.
    pub fn new(options: &HttpOptions) -> Self {
        Self {
            fetcher: Fetcher::new(options),
            ocsp: Mutex::new(HashMap::new()),
            crls: Mutex::new(HashMap::new()),
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// The same, sharing fetched answers with the other instances of a cluster through the
    /// Redis at `url` (feature `redis`), each kept until its nextUpdate: one instance asks the
    /// responder or downloads the CRL, the others read what it got. A Redis that does not
    /// answer is skipped (the cache only saves work; every answer is validated when used).
    ///
    /// # Errors
    /// The reason, for a URL that does not parse.
    #[cfg(feature = "redis")]
    pub fn with_redis_cache(self, url: &str) -> Result<Self, String> {
        Ok(self.with_redis_link(super::RedisLink::open(url)?))
    }

    /// The same over `link` (a `rediss://` link with its own TLS roots, say).
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn with_redis_link(mut self, link: super::RedisLink) -> Self {
        self.shared = Some(link);
        self
    }

    /// A `200 OK` answer's body.
    fn ok(answer: Result<super::Fetched, super::FetchError>) -> Option<Vec<u8>> {
        answer.ok().filter(|a| a.status == 200).map(|a| a.body)
    }

    /// The OCSP answer of the first of the certificate's responders that gives one.
    fn ask_responders(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate) -> Option<(Vec<u8>, ParsedOcspResponse)> {
        let request = ocsp_request(certificate.certificate(), issuer.certificate(), None).ok()?;
        ocsp_urls(certificate).iter().find_map(|url| {
            let body = Self::ok(self.fetcher.post(url, "application/ocsp-request", &request, MAX_OCSP_RESPONSE))?;
            ParsedOcspResponse::from_der(&body).ok().map(|parsed| (body, parsed))
        })
    }

    /// The CRL at `url`.
    fn download(&self, url: &str) -> Option<(Vec<u8>, ParsedCrl)> {
        let body = Self::ok(self.fetcher.get(url, MAX_CRL))?;
        ParsedCrl::from_der(&body).ok().map(|parsed| (body, parsed))
    }

    /// `key`'s answer: from this instance's cache, else the cluster's, else `fetch` (the
    /// network); only an answer that `valid` accepts (signed by the issuer, about this
    /// certificate) is used and kept, until its nextUpdate (at most a day); for a minute when
    /// nothing acceptable came. What comes over plain HTTP, or out of a shared Redis, cannot so
    /// set its own lifetime, or stand in for the fallback.
    fn cached<T: Answer>(
        &self,
        cache: &Cached<T>,
        key: [u8; 32],
        shared_key: &str,
        valid: impl Fn(&T) -> bool,
        fetch: impl FnOnce() -> Option<(Vec<u8>, T)>,
    ) -> Option<T> {
        let now = SystemTime::now();
        if let Some((_, answer)) = cache.lock().ok().and_then(|c| c.get(&key).cloned()).filter(|(until, _)| now < *until) {
            return answer;
        }
        let now_secs = crate::time::now();
        let keep_for = |answer: Option<&T>| match answer.map(T::next_update) {
            None => NOTHING_CACHE_TIME,
            Some(Some(next)) => Duration::from_secs(next.saturating_sub(now_secs)).min(MAX_CACHE_TIME),
            Some(None) => Duration::from_secs(300),
        };
        let answer = match self.shared_get(shared_key).and_then(|der| T::read(&der)).filter(&valid) {
            Some(parsed) => Some(parsed),
            None => {
                let fetched = fetch().filter(|(_, parsed)| valid(parsed));
                if let Some((der, parsed)) = &fetched {
                    self.shared_put(shared_key, der, keep_for(Some(parsed)));
                }
                fetched.map(|(_, parsed)| parsed)
            }
        };
        if let Ok(mut cache) = cache.lock() {
            if cache.len() >= REVOCATION_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, (now + keep_for(answer.as_ref()), answer.clone()));
        }
        answer
    }

    #[cfg(feature = "redis")]
    fn shared_get(&self, key: &str) -> Option<Vec<u8>> {
        let link = self.shared.as_ref()?;
        let mut command = redis::cmd("GET");
        command.arg(key);
        let value: Option<Vec<u8>> = link.run("reading the revocation cache", &command).ok()?;
        value
    }

    #[cfg(feature = "redis")]
    fn shared_put(&self, key: &str, der: &[u8], keep: Duration) {
        let Some(link) = &self.shared else { return };
        let mut command = redis::cmd("SET");
        command.arg(key).arg(der).arg("EX").arg(keep.as_secs().max(1));
        let _: Result<Option<String>, String> = link.run("writing the revocation cache", &command);
    }

    #[cfg(not(feature = "redis"))]
    fn shared_get(&self, _key: &str) -> Option<Vec<u8>> {
        None
    }

    #[cfg(not(feature = "redis"))]
    fn shared_put(&self, _key: &str, _der: &[u8], _keep: Duration) {}
}

impl RevocationFetcher for OnlineRevocation {
    fn fetch(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate, _time: u64) -> RevocationData {
        let key = certificate.fingerprint();
        let ocsp = self.cached(
            &self.ocsp,
            key,
            &format!("mobile-id:revocation:ocsp:{}", hex::encode(key)),
            |ocsp: &ParsedOcspResponse| ocsp.answers_for(certificate, issuer, crate::time::now()),
            || self.ask_responders(certificate, issuer),
        );
        if let Some(ocsp) = ocsp {
            return RevocationData { ocsp: vec![ocsp], crls: Vec::new(), fetcher: None };
        }
        let crls = crl_urls(certificate)
            .iter()
            .filter_map(|url| {
                let key: [u8; 32] = Sha256::digest(url.as_bytes()).into();
                let shared_key = format!("mobile-id:revocation:crl:{}", hex::encode(key));
                self.cached(&self.crls, key, &shared_key, |crl: &ParsedCrl| crl.signed_by(issuer), || self.download(url))
            })
            .collect();
        RevocationData { ocsp: Vec::new(), crls, fetcher: None }
    }
}

fn http_url(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(uri) => {
            let uri = uri.to_string();
            (uri.starts_with("http://") || uri.starts_with("https://")).then_some(uri)
        }
        _ => None,
    }
}

/// The HTTP(S) OCSP responders a certificate's authorityInfoAccess names.
pub fn ocsp_urls(certificate: &ParsedCertificate) -> Vec<String> {
    use der::Decode;
    certificate
        .certificate()
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(|e| e.extn_id == const_oid::db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS)
        .filter_map(|e| x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()).ok())
        .flat_map(|aia| aia.0.into_iter())
        .filter(|d| d.access_method == const_oid::db::rfc5280::ID_AD_OCSP)
        .filter_map(|d| http_url(&d.access_location))
        .collect()
}

/// The HTTP(S) URLs of a certificate's CRL distribution points.
pub fn crl_urls(certificate: &ParsedCertificate) -> Vec<String> {
    let mut urls = Vec::new();
    for point in certificate.extensions().crl_distribution_points.iter().flatten() {
        if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
            for url in names.iter().filter_map(http_url) {
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
        }
    }
    urls
}
