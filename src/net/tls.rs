//! HTTPS with public-key pinning, for a relying party that knows its Mobile-ID service's key:
//! the server's certificate must pass the roots as usual *and* carry one of the pinned keys,
//! each pin being the SHA-256 of a SubjectPublicKeyInfo (the form of RFC 7469 §2.4 and of
//! curl's `--pinnedpubkey sha256//…`). The pin is checked on the end-entity certificate only:
//! any certificate may be appended to a chain, so matching the others would prove nothing.
//!
//! ureq's own TLS layer takes roots but no verifier of the caller's; this is a connector in its
//! place (ureq's transport API), with rustls and the ring provider as ureq uses them.

use std::io::{Read, Write};
use std::sync::Arc;

use der::{Decode, Encode};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme, StreamOwned};
use sha2::{Digest, Sha256};
use ureq::unversioned::transport::time::{Duration as Budget, Instant as Moment};
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport, TransportAdapter};

/// The pin of a certificate: the SHA-256 of its SubjectPublicKeyInfo, DER.
///
/// # Errors
/// When `certificate` is not a DER certificate.
pub fn public_key_pin(certificate: &[u8]) -> Result<[u8; 32], der::Error> {
    let certificate = x509_cert::Certificate::from_der(certificate)?;
    let spki = certificate.tbs_certificate().subject_public_key_info().to_der()?;
    Ok(Sha256::digest(spki).into())
}

/// Checks the chain against the roots with webpki, then the end entity's key against the pins.
#[derive(Debug)]
struct PinningVerifier {
    roots: Arc<WebPkiServerVerifier>,
    pins: Vec<[u8; 32]>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.roots.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        match public_key_pin(end_entity.as_ref()) {
            Ok(pin) if self.pins.contains(&pin) => Ok(verified),
            _ => Err(rustls::Error::General("the server's public key is not one of the pinned keys".into())),
        }
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.roots.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.roots.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.roots.supported_verify_schemes()
    }
}

/// The TLS step of a connector chain that verifies with [`PinningVerifier`].
#[derive(Debug)]
pub(super) struct PinnedTls {
    /// `None` when no root could be read: then no server is trusted.
    config: Option<Arc<ClientConfig>>,
}

impl PinnedTls {
    /// TLS trusting `roots` (DER; Mozilla's when empty; those that do not parse are left out,
    /// as ureq does) and accepting only servers whose key is one of `pins`.
    pub(super) fn new(roots: &[Vec<u8>], pins: &[[u8; 32]]) -> Self {
        let mut store = RootCertStore::empty();
        if roots.is_empty() {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        } else {
            store.add_parsable_certificates(roots.iter().map(|der| CertificateDer::from(der.as_slice())));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone()).build().ok().and_then(|webpki| {
            let verifier = Arc::new(PinningVerifier { roots: webpki, pins: pins.to_vec() });
            let builder = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().ok()?;
            // Not dangerous: the verifier is webpki's, with a check added.
            Some(Arc::new(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth()))
        });
        Self { config }
    }
}

impl<In: Transport> Connector<In> for PinnedTls {
    type Out = Either<In, PinnedTlsTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else { return Ok(None) };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        let name = ServerName::try_from(host).map_err(|_| ureq::Error::Tls("not a DNS name or IP address"))?.to_owned();
        let config = self.config.clone().ok_or(ureq::Error::Tls("none of the TLS roots could be read, so no server is trusted"))?;
        let mut connection = ClientConnection::new(config, name)?;
        let mut socket = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        // The budget counts from when the connection began, as ureq's own TLS step counts it:
        // the TCP connect has spent part of it.
        let mut timeout = details.timeout;
        if let (Budget::Exact(limit), Moment::Exact(started), Moment::Exact(now)) = (timeout.after, details.now, (details.current_time)()) {
            timeout.after = Budget::Exact(limit.saturating_sub(now.saturating_duration_since(started)));
        }
        socket.set_timeout(timeout);
        connection.complete_io(&mut socket)?;
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(PinnedTlsTransport { buffers, stream: StreamOwned::new(connection, socket) })))
    }
}

/// A connection through [`PinnedTls`].
pub(super) struct PinnedTlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for PinnedTlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinnedTlsTransport")
    }
}

impl Transport for PinnedTlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = self.buffers.output().get(..amount).ok_or(ureq::Error::Tls("more output than buffered"))?;
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let read = self.stream.read(self.buffers.input_append_buf())?;
        self.buffers.input_appended(read);
        Ok(read > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
