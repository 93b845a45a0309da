//! Online revocation (opt-in, `net::OnlineRevocation`): verification asks the OCSP responder
//! the signer's certificate names (an `openssl ocsp` responder on loopback), falls back to the
//! CRL distribution point (a loopback HTTP server), caches answers until their nextUpdate, and
//! without any answer leaves a required status unavailable — never good.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{Pki, now, openssl};
use der::Encode;
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::net::{HttpOptions, OnlineRevocation};
use mobile_id::report::{Indication, SubIndication};
use mobile_id::x509::RevocationMode;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Issues `name` through `openssl ca`, so that the responder's index knows it.
fn issue_indexed(pki: &Pki, name: &str, extensions: &str) {
    let d = pki.dir.path();
    std::fs::write(
        d.join("indexed-ca.cnf"),
        "[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = ./index.txt\nserial = ./indexed.srl\ncertificate = ./ca.pem\n\
        private_key = ./ca.key\ndefault_md = sha256\ndefault_days = 30\ndefault_crl_days = 30\ncrlnumber = ./crlnumber\nnew_certs_dir = .\n\
        policy = p\nunique_subject = no\n[ p ]\ncommonName = supplied\n",
    )
    .unwrap();
    if !d.join("indexed.srl").exists() {
        std::fs::write(d.join("indexed.srl"), "1000\n").unwrap();
    }
    std::fs::write(d.join(format!("{name}.ext")), extensions).unwrap();
    let (key, csr) = (format!("{name}.key"), format!("{name}.csr"));
    assert!(openssl(
        d,
        &["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", &key, "-subj", &format!("/CN={name}"), "-out", &csr]
    ));
    let ext = format!("{name}.ext");
    let pem = format!("{name}.pem");
    assert!(openssl(d, &["ca", "-config", "indexed-ca.cnf", "-batch", "-notext", "-in", &csr, "-extfile", &ext, "-out", &pem]));
}

/// `openssl ocsp` answering from the CA's index until killed.
fn responder(pki: &Pki, port: u16) -> std::process::Child {
    let mut child = std::process::Command::new("openssl")
        .current_dir(pki.dir.path())
        .args(["ocsp", "-index", "index.txt", "-port", &port.to_string(), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-ndays", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("waiting") {
        line.clear();
    }
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    child
}

fn verify(pki: &Pki, signer: &str, fetcher: Option<&Arc<OnlineRevocation>>) -> (Indication, Option<SubIndication>) {
    verify_with(pki, signer, fetcher, &[])
}

/// As [`verify`], with CRLs the caller already holds.
fn verify_with(pki: &Pki, signer: &str, fetcher: Option<&Arc<OnlineRevocation>>, crls: &[Vec<u8>]) -> (Indication, Option<SubIndication>) {
    let content = b"revocation, fetched";
    let signature = cms::sign(&mut &content[..], &mut pki.signer(signer), &CmsSignOptions::detached(Some(now()))).unwrap();
    let mut options = CmsVerifyOptions::new(now());
    options.revocation_mode = RevocationMode::Required;
    options.revocation.fetcher = fetcher.map(|f| f.clone() as Arc<dyn mobile_id::x509::RevocationFetcher>);
    options.revocation.crls = crls.iter().map(|der| mobile_id::x509::ParsedCrl::from_der(der).unwrap()).collect();
    let report = cms::verify(&signature, Some(&mut &content[..]), &pki.verifier(), &options).unwrap();
    (report.signers[0].indication, report.signers[0].sub_indication)
}

#[test]
fn ocsp_from_the_responder_then_revoked_then_unreachable() {
    let pki = Pki::new();
    let port = free_port();
    issue_indexed(&pki, "aia", &format!("keyUsage=critical,nonRepudiation,digitalSignature\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/\n"));
    let mut ocsp = responder(&pki, port);
    // Without fetching, a required status is unavailable.
    assert_eq!(verify(&pki, "aia", None), (Indication::Indeterminate, Some(SubIndication::TryLater)));
    let online = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify(&pki, "aia", Some(&online)), (Indication::TotalPassed, None));

    // Revoked at the CA: a fresh fetcher learns it; the first one answers from its cache,
    // which holds the earlier answer until that answer's nextUpdate.
    assert!(openssl(pki.dir.path(), &["ca", "-config", "indexed-ca.cnf", "-revoke", "aia.pem", "-crl_reason", "keyCompromise"]));
    let _ = ocsp.kill();
    let _ = ocsp.wait();
    let mut ocsp = responder(&pki, port);
    let fresh = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify(&pki, "aia", Some(&fresh)), (Indication::TotalFailed, Some(SubIndication::Revoked)));
    assert_eq!(verify(&pki, "aia", Some(&online)), (Indication::TotalPassed, None), "the cached answer was not used");

    // No responder: nothing is fetched, the status stays unavailable.
    let _ = ocsp.kill();
    let _ = ocsp.wait();
    let unreachable = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify(&pki, "aia", Some(&unreachable)).0, Indication::Indeterminate);
}

#[test]
fn crls_from_the_distribution_point_when_there_is_no_responder() {
    let pki = Pki::new();
    let point = common::FileServer::bind();
    let port = point.port;
    issue_indexed(&pki, "dp", &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{port}/ca.crl\n"));
    let served = point.serve(pki.crl());
    let online = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify(&pki, "dp", Some(&online)), (Indication::TotalPassed, None));
    assert_eq!(verify(&pki, "dp", Some(&online)), (Indication::TotalPassed, None));
    assert_eq!(served.load(Ordering::SeqCst), 1, "the CRL was fetched again instead of cached");
    // Another certificate of the same CA names the same distribution point: the CRL is cached
    // by its URL, so one download serves both.
    issue_indexed(&pki, "dp2", &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{port}/ca.crl\n"));
    assert_eq!(verify(&pki, "dp2", Some(&online)), (Indication::TotalPassed, None));
    assert_eq!(served.load(Ordering::SeqCst), 1, "the CRL was downloaded again for another certificate");
}

/// Revocation data a document carries (a CRL still within its nextUpdate, saying good) does
/// not stand in for asking online: the distribution point's newer CRL says revoked, and wins.
#[test]
fn online_revocation_is_asked_even_when_supplied_data_says_good() {
    let pki = Pki::new();
    let point = common::FileServer::bind();
    issue_indexed(
        &pki,
        "later",
        &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{}/ca.crl\n", point.port),
    );
    let before = pki.crl();
    assert!(openssl(pki.dir.path(), &["ca", "-config", "indexed-ca.cnf", "-revoke", "later.pem", "-crl_reason", "keyCompromise"]));
    let served = point.serve(pki.crl());
    assert_eq!(verify_with(&pki, "later", None, std::slice::from_ref(&before)), (Indication::TotalPassed, None), "the old CRL alone says good");
    let online = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify_with(&pki, "later", Some(&online), &[before]), (Indication::TotalFailed, Some(SubIndication::Revoked)));
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[test]
fn ocsp_from_a_responder_behind_https() {
    let pki = Pki::new();
    let backend = free_port();
    // The TLS front first: the certificate names its port.
    let (mut front, port) = common::tls_front(&pki, backend, 1);
    issue_indexed(&pki, "tls", &format!("keyUsage=critical,nonRepudiation,digitalSignature\nauthorityInfoAccess=OCSP;URI:https://127.0.0.1:{port}/\n"));
    let mut ocsp = responder(&pki, backend);
    let ca = pki.cert("ca.pem").to_der().unwrap();
    let online = Arc::new(OnlineRevocation::new(&HttpOptions::with_tls_roots(vec![ca])));
    assert_eq!(verify(&pki, "tls", Some(&online)), (Indication::TotalPassed, None));
    let _ = ocsp.kill();
    let _ = ocsp.wait();
    front.wait().unwrap();
}

/// A fetched CRL is kept (and shared) only when the certificate's issuer signed it: another
/// CA's CRL at the distribution point is not the issuer's, whatever nextUpdate it claims.
#[test]
fn only_the_issuers_crl_is_kept() {
    use mobile_id::x509::{ParsedCertificate, ParsedCrl};
    let (pki, other) = (Pki::new(), Pki::new());
    let ca = ParsedCertificate::from_der(&pki.cert("ca.pem").to_der().unwrap()).unwrap();
    let other_ca = ParsedCertificate::from_der(&other.cert("ca.pem").to_der().unwrap()).unwrap();
    let crl = ParsedCrl::from_der(&pki.crl()).unwrap();
    assert!(crl.signed_by(&ca));
    assert!(!crl.signed_by(&other_ca));

    // End to end: the point serves the other CA's CRL; the status stays unknown.
    let point = common::FileServer::bind();
    issue_indexed(
        &pki,
        "foreign",
        &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{}/ca.crl\n", point.port),
    );
    let _served = point.serve(other.crl());
    let online = Arc::new(OnlineRevocation::new(&HttpOptions::new()));
    assert_eq!(verify(&pki, "foreign", Some(&online)).0, Indication::Indeterminate);
}
