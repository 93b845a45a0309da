//! The HTTP clients over TLS: a TSA behind HTTPS answers when its server's CA is given as the
//! trust anchor, and the handshake fails against Mozilla's roots; the Mobile-ID client refuses
//! plain HTTP except to this machine. The TLS server is Python's `ssl` in front of the test
//! TSA (tests/fixtures/https/tls_proxy.py).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader, Cursor};
use std::process::{Command, Stdio};

use common::{Pki, tsa_server};
use der::Encode;
use mobile_id::auth::mssp::HttpMsspTransport;
use mobile_id::auth::{AuthError, MsspClient, MsspTransport};
use mobile_id::cms::{HttpTimestampClient, TimestampClient, TimestampError};
use mobile_id::net::HttpOptions;
use mobile_id::pdf::{self, PdfSignOptions};

#[test]
fn a_tsa_over_https_with_the_callers_root() {
    let pki = Pki::new();
    pki.issue("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
    let (backend, tsa) = tsa_server(pki.dir.path(), 1);
    let backend_port = backend.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/https/tls_proxy.py");
    let mut proxy =
        Command::new("python3").args([script, &pki.p("server.pem"), &pki.p("server.key"), &backend_port, "2"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut port = String::new();
    BufReader::new(proxy.stdout.take().unwrap()).read_line(&mut port).unwrap();
    let url = format!("https://127.0.0.1:{}/tsa", port.trim());

    // Mozilla's roots do not know the test CA: the handshake fails, nothing is sent.
    let refused = HttpTimestampClient::new(url.clone()).timestamp(b"not even a request");
    assert!(matches!(refused, Err(TimestampError::Unreachable(_))), "{refused:?}");

    // With the test CA as the root, a PAdES B-T signature gets its timestamp over TLS.
    let ca = pki.cert("ca.pem").to_der().unwrap();
    let mut client = HttpTimestampClient::with_options(url, HttpOptions::with_tls_roots(vec![ca]));
    let original = pdf::sample_document(&["over TLS"], 0);
    let mut out = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&original), &mut out, &mut pki.signer("signer"), &PdfSignOptions::new(common::now()), Some(&mut client)).unwrap();
    let report = pki.verify(&out.into_inner());
    assert!(report.signatures[0].timestamp_time.is_some(), "{report:#?}");
    tsa.join().unwrap();
    proxy.wait().unwrap();
}

#[test]
fn the_mobile_id_client_refuses_plain_http_to_other_hosts() {
    let request = MsspClient::new("00000000-0000-0000-0000-000000000000", "DEMO").certificate_request("+37200000766", "60001019906").unwrap();
    let result = HttpMsspTransport::new("http://mid.example.test/mid-api").execute(&request);
    assert!(matches!(&result, Err(AuthError::InvalidInput(m)) if m.contains("https")), "{result:?}");
}
