//! The HTTP clients over TLS: a TSA behind HTTPS answers when its server's CA is given as the
//! trust anchor, and the handshake fails against Mozilla's roots; the Mobile-ID client refuses
//! plain HTTP except to this machine, and runs a login through the mock service behind TLS, with
//! and without a pinned server key. The
//! TLS server is Python's `ssl` in front of the test servers (tests/fixtures/https/tls_proxy.py).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

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
    let (backend, tsa) = tsa_server(pki.dir.path(), 1);
    let backend_port = backend.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().parse().unwrap();
    let (mut proxy, port) = common::tls_front(&pki, backend_port, 2);
    let url = format!("https://127.0.0.1:{port}/tsa");

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

/// The mock Mobile-ID service on loopback behind the TLS front, for `connections` connections:
/// the service thread, the front, and the front's port.
fn mock_service_over_tls(pki: &Pki, connections: usize) -> (std::thread::JoinHandle<()>, std::process::Child, u16) {
    use mobile_id::card::Pin;
    use mobile_id::card::sim::{SimInit, VirtualSim};
    use mobile_id::wallet::mock_mssp::{Behaviour, MockMssp, MockUser};

    let sim = VirtualSim::in_memory(&SimInit::new(mobile_id::card::Curve::P256, std::time::SystemTime::now())).unwrap();
    let user = MockUser {
        phone: "+99450000001".into(),
        national_id: "60001019906".into(),
        sim,
        behaviour: Behaviour::Answers { pin1: Pin::new("1234"), pin2: Pin::new("12345") },
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let backend_port = listener.local_addr().unwrap().port();
    // One certificate lookup, then a session: start, two RUNNING polls, COMPLETE.
    let service = std::sync::Arc::new(MockMssp::new(vec![user], 2));
    let server = std::thread::spawn(move || {
        service.serve(&listener, Some(5));
    });
    let (proxy, port) = common::tls_front(pki, backend_port, connections);
    (server, proxy, port)
}

/// A whole login through `transport`: the certificate, then an authentication session.
fn login(transport: &HttpMsspTransport) -> Result<mobile_id::auth::SessionOutcome, AuthError> {
    use mobile_id::auth::{HashType, SessionKind};
    let client = MsspClient::new("00000000-0000-0000-0000-000000000000", "mobile-id tests");
    let (status, body) = transport.execute(&client.certificate_request("+99450000001", "60001019906")?)?;
    client.read_certificate(status, &body)?;
    let request = client.session_request(SessionKind::Authentication, "+99450000001", "60001019906", &[7; 32], HashType::Sha256, None)?;
    let (status, body) = transport.execute(&request)?;
    client.read_session_start(SessionKind::Authentication, status, &body, 1000, 10)?.run(transport)
}

#[test]
fn a_login_through_the_mock_service_over_https() {
    let pki = Pki::new();
    let (server, mut proxy, port) = mock_service_over_tls(&pki, 5);
    let ca = pki.cert("ca.pem").to_der().unwrap();
    let transport = HttpMsspTransport::with_options(format!("https://127.0.0.1:{port}/mid-api"), HttpOptions::with_tls_roots(vec![ca]));
    let outcome = login(&transport).unwrap();
    assert_eq!(outcome.result, mobile_id::auth::MsspResult::Ok);
    assert!(outcome.signature.is_some() && outcome.certificate.is_some());
    server.join().unwrap();
    proxy.wait().unwrap();
}

#[test]
fn a_pinned_service_is_reached_only_with_its_own_key() {
    use mobile_id::net::public_key_pin;
    let pki = Pki::new();
    // Two refused handshakes, then a login's five exchanges.
    let (server, mut proxy, port) = mock_service_over_tls(&pki, 7);
    let url = format!("https://127.0.0.1:{port}/mid-api");
    let ca = pki.cert("ca.pem").to_der().unwrap();
    let server_key = public_key_pin(&pki.cert("server.pem").to_der().unwrap()).unwrap();
    let unreachable = |result: Result<mobile_id::auth::SessionOutcome, AuthError>| match result {
        Err(AuthError::Unreachable(message)) => message,
        other => panic!("{other:?}"),
    };

    // The CA's key is in the chain, but the pin is of the server's own certificate.
    let ca_key = public_key_pin(&ca).unwrap();
    let wrong = HttpMsspTransport::with_options(url.clone(), HttpOptions::with_tls_roots(vec![ca.clone()]).with_pinned_keys(vec![ca_key]));
    let message = unreachable(login(&wrong));
    assert!(message.contains("not one of the pinned keys"), "{message}");

    // The right key does not stand in for the roots: Mozilla's do not know the test CA.
    let unrooted = HttpMsspTransport::with_options(url.clone(), HttpOptions::new().with_pinned_keys(vec![server_key]));
    let message = unreachable(login(&unrooted));
    assert!(message.contains("certificate") && !message.contains("pinned"), "{message}");

    // A pinned client never speaks plain HTTP, even to this machine.
    let plain = HttpMsspTransport::with_options(format!("http://127.0.0.1:{port}/mid-api"), HttpOptions::new().with_pinned_keys(vec![server_key]));
    let message = unreachable(login(&plain));
    assert!(message.to_lowercase().contains("https"), "{message}");

    // Roots and pin both right: the login runs, every exchange over the pinned connection.
    let pinned = HttpMsspTransport::with_options(url, HttpOptions::with_tls_roots(vec![ca]).with_pinned_keys(vec![ca_key, server_key]));
    assert_eq!(login(&pinned).unwrap().result, mobile_id::auth::MsspResult::Ok);
    server.join().unwrap();
    proxy.wait().unwrap();
}
