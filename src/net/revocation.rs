//! Online revocation (opt-in): an [`x509::RevocationFetcher`](crate::x509::RevocationFetcher)
//! that asks the OCSP responder a certificate's authorityInfoAccess names (RFC 6960, HTTP POST
//! of an OCSPRequest, §A.1) and, when that gives nothing, downloads the CRLs of its
//! distribution points (RFC 5280 §4.2.1.13). Each exchange is bounded in time and size and
//! retried with back-off; answers are cached per certificate until their nextUpdate (at most a
//! day, a bounded number of certificates). What is fetched is validated like any other
//! revocation data: signed by the issuer or a delegated responder, current at the time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::{Fetcher, HttpOptions};
use crate::x509::{ParsedCertificate, ParsedCrl, ParsedOcspResponse, RevocationData, RevocationFetcher, ocsp_request};

/// Largest OCSP response read.
pub const MAX_OCSP_RESPONSE: u64 = 1 << 20;
/// Largest CRL read.
pub const MAX_CRL: u64 = 16 << 20;
/// Most certificates whose answers are cached (the cache is emptied when full).
pub const REVOCATION_CACHE_LIMIT: usize = 10_000;
/// Longest an answer is cached, whatever its nextUpdate says.
pub const MAX_CACHE_TIME: Duration = Duration::from_secs(86_400);

/// Fetches OCSP responses and CRLs over HTTP(S) for verification, through a [`Fetcher`].
#[derive(Debug)]
pub struct OnlineRevocation {
    fetcher: Fetcher,
    cache: Mutex<HashMap<[u8; 32], (SystemTime, RevocationData)>>,
    #[cfg(feature = "redis")]
    shared: Option<super::RedisLink>,
}

/// Answers as fetched, DER: what the shared cache holds.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Raw {
    ocsp: Vec<String>,
    crls: Vec<String>,
}

impl Raw {
    fn parsed(&self) -> RevocationData {
        let der = |items: &[String]| items.iter().filter_map(|h| hex::decode(h).ok()).collect::<Vec<_>>();
        RevocationData {
            ocsp: der(&self.ocsp).iter().filter_map(|d| ParsedOcspResponse::from_der(d).ok()).collect(),
            crls: der(&self.crls).iter().filter_map(|d| ParsedCrl::from_der(d).ok()).collect(),
            fetcher: None,
        }
    }
}

impl OnlineRevocation {
    /// A fetcher connecting as `options` say (trust roots for HTTPS responders, timeout),
    /// trying each URL up to three times with back-off.
    pub fn new(options: &HttpOptions) -> Self {
        Self {
            fetcher: Fetcher::new(options),
            cache: Mutex::new(HashMap::new()),
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// The same, sharing fetched answers with the other instances of a cluster through the
    /// Redis at `url` (feature `redis`), each kept until its nextUpdate: one instance asks the
    /// responder, the others read what it got. A Redis that does not answer is skipped (the
    /// cache only saves work; every answer is validated when used).
    ///
    /// # Errors
    /// The reason, for a URL that does not parse.
    #[cfg(feature = "redis")]
    pub fn with_redis_cache(mut self, url: &str) -> Result<Self, String> {
        self.shared = Some(super::RedisLink::open(url)?);
        Ok(self)
    }

    /// A `200 OK` answer's body.
    fn ok(answer: Result<super::Fetched, super::FetchError>) -> Option<Vec<u8>> {
        answer.ok().filter(|a| a.status == 200).map(|a| a.body)
    }

    /// OCSP from the responders the certificate names, else its CRLs; DER, hex.
    fn ask_the_network(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate) -> Raw {
        let mut raw = Raw::default();
        if let Ok(request) = ocsp_request(certificate.certificate(), issuer.certificate(), None) {
            for url in ocsp_urls(certificate) {
                let answer = Self::ok(self.fetcher.post(&url, "application/ocsp-request", &request, MAX_OCSP_RESPONSE));
                if let Some(body) = answer.filter(|body| ParsedOcspResponse::from_der(body).is_ok()) {
                    raw.ocsp.push(hex::encode(body));
                    return raw;
                }
            }
        }
        for url in crl_urls(certificate) {
            if let Some(body) = Self::ok(self.fetcher.get(&url, MAX_CRL)).filter(|body| ParsedCrl::from_der(body).is_ok()) {
                raw.crls.push(hex::encode(body));
            }
        }
        raw
    }

    #[cfg(feature = "redis")]
    fn shared_get(&self, key: &[u8; 32]) -> Option<Raw> {
        let link = self.shared.as_ref()?;
        let mut command = redis::cmd("GET");
        command.arg(format!("mobile-id:revocation:{}", hex::encode(key)));
        let value: Option<String> = link.run("reading the revocation cache", &command).ok()?;
        serde_json::from_str(&value?).ok()
    }

    #[cfg(feature = "redis")]
    fn shared_put(&self, key: &[u8; 32], raw: &Raw, keep: Duration) {
        let Some(link) = &self.shared else { return };
        let Ok(value) = serde_json::to_string(raw) else { return };
        let mut command = redis::cmd("SET");
        command.arg(format!("mobile-id:revocation:{}", hex::encode(key))).arg(value).arg("EX").arg(keep.as_secs().max(1));
        let _: Result<Option<String>, String> = link.run("writing the revocation cache", &command);
    }

    #[cfg(not(feature = "redis"))]
    fn shared_get(&self, _key: &[u8; 32]) -> Option<Raw> {
        None
    }

    #[cfg(not(feature = "redis"))]
    fn shared_put(&self, _key: &[u8; 32], _raw: &Raw, _keep: Duration) {}
}

impl RevocationFetcher for OnlineRevocation {
    fn fetch(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate, _time: u64) -> RevocationData {
        let key = certificate.fingerprint();
        let now = SystemTime::now();
        if let Some((_, data)) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()).filter(|(until, _)| now < *until) {
            return data;
        }
        let (raw, from_network) = match self.shared_get(&key) {
            Some(raw) => (raw, false),
            None => (self.ask_the_network(certificate, issuer), true),
        };
        let data = raw.parsed();
        // Kept until the earliest nextUpdate, at most a day; an empty answer for a minute.
        let next = data.ocsp.iter().filter_map(ParsedOcspResponse::next_update).chain(data.crls.iter().filter_map(ParsedCrl::next_update)).min();
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let keep = match next {
            _ if data.ocsp.is_empty() && data.crls.is_empty() => Duration::from_secs(60),
            Some(next) => Duration::from_secs(next.saturating_sub(now_secs)).min(MAX_CACHE_TIME),
            None => Duration::from_secs(300),
        };
        if from_network && !(data.ocsp.is_empty() && data.crls.is_empty()) {
            self.shared_put(&key, &raw, keep);
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= REVOCATION_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, (now + keep, data.clone()));
        }
        data
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
