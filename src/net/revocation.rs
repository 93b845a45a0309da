//! Online revocation (opt-in): an [`x509::RevocationFetcher`](crate::x509::RevocationFetcher)
//! that asks the OCSP responder a certificate's authorityInfoAccess names (RFC 6960, HTTP POST
//! of an OCSPRequest, §A.1) and, when that gives nothing, downloads the CRLs of its
//! distribution points (RFC 5280 §4.2.1.13). Each exchange is bounded in time and size and
//! retried with back-off; answers are cached per certificate until their nextUpdate (at most a
//! day, a bounded number of certificates). What is fetched is validated like any other
//! revocation data: signed by the issuer or a delegated responder, current at the time.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::HttpOptions;
use crate::x509::{ParsedCertificate, ParsedCrl, ParsedOcspResponse, RevocationData, RevocationFetcher, ocsp_request};

/// Largest OCSP response read.
pub const MAX_OCSP_RESPONSE: u64 = 1 << 20;
/// Largest CRL read.
pub const MAX_CRL: u64 = 16 << 20;
/// Most certificates whose answers are cached (the cache is emptied when full).
pub const REVOCATION_CACHE_LIMIT: usize = 10_000;
/// Longest an answer is cached, whatever its nextUpdate says.
pub const MAX_CACHE_TIME: Duration = Duration::from_secs(86_400);

/// Fetches OCSP responses and CRLs over HTTP(S) for verification.
#[derive(Debug)]
pub struct OnlineRevocation {
    agent: ureq::Agent,
    attempts: u32,
    cache: Mutex<HashMap<[u8; 32], (SystemTime, RevocationData)>>,
}

impl OnlineRevocation {
    /// A fetcher connecting as `options` says (trust roots for HTTPS responders, timeout),
    /// trying each URL up to three times with a back-off of 200 ms, then 400 ms.
    pub fn new(options: &HttpOptions) -> Self {
        Self { agent: options.agent(), attempts: 3, cache: Mutex::new(HashMap::new()) }
    }

    /// The body of a `200 OK` answer, at most `limit` bytes; `None` after the last attempt.
    fn exchange(&self, limit: u64, send: &dyn Fn(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Option<Vec<u8>> {
        let mut pause = Duration::from_millis(200);
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(pause);
                pause *= 2;
            }
            let Ok(response) = send(&self.agent) else { continue };
            if response.status() != 200 {
                // A server that answers with an error will not answer better in a moment.
                return None;
            }
            let mut body = Vec::new();
            if response.into_body().into_reader().take(limit + 1).read_to_end(&mut body).is_ok() && body.len() as u64 <= limit {
                return Some(body);
            }
        }
        None
    }

    fn ocsp(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate) -> Vec<ParsedOcspResponse> {
        let Ok(request) = ocsp_request(certificate.certificate(), issuer.certificate(), None) else { return Vec::new() };
        for url in ocsp_urls(certificate) {
            let send = |agent: &ureq::Agent| agent.post(&url).header("Content-Type", "application/ocsp-request").send(&request[..]);
            if let Some(parsed) = self.exchange(MAX_OCSP_RESPONSE, &send).and_then(|body| ParsedOcspResponse::from_der(&body).ok()) {
                return vec![parsed];
            }
        }
        Vec::new()
    }

    fn crls(&self, certificate: &ParsedCertificate) -> Vec<ParsedCrl> {
        crl_urls(certificate)
            .into_iter()
            .filter_map(|url| self.exchange(MAX_CRL, &|agent: &ureq::Agent| agent.get(&url).call()))
            .filter_map(|body| ParsedCrl::from_der(&body).ok())
            .collect()
    }
}

impl RevocationFetcher for OnlineRevocation {
    fn fetch(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate, _time: u64) -> RevocationData {
        let key = certificate.fingerprint();
        let now = SystemTime::now();
        if let Some((_, data)) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()).filter(|(until, _)| now < *until) {
            return data;
        }
        let ocsp = self.ocsp(certificate, issuer);
        let crls = if ocsp.is_empty() { self.crls(certificate) } else { Vec::new() };
        // Cached until the earliest nextUpdate, at most a day; an empty answer for a minute.
        let next = ocsp.iter().filter_map(ParsedOcspResponse::next_update).chain(crls.iter().filter_map(ParsedCrl::next_update)).min();
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let keep = match next {
            _ if ocsp.is_empty() && crls.is_empty() => Duration::from_secs(60),
            Some(next) => Duration::from_secs(next.saturating_sub(now_secs)).min(MAX_CACHE_TIME),
            None => Duration::from_secs(300),
        };
        let data = RevocationData { crls, ocsp, fetcher: None };
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
