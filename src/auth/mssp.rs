//! A relying-party client for a mobile-ID service (MSSP) following the Mobile-ID REST API, in
//! sans-IO form: it builds requests ([`HttpRequest`]) and reads responses; a [`MsspTransport`]
//! carries them (hosts bring their own, an HTTP one is behind feature `http`). Sessions are
//! polled with long-poll `timeoutMs` until COMPLETE; every documented result code is mapped and
//! anything else is [`MsspResult::Unknown`].

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

use super::AuthError;
use super::challenge::HashType;

/// One HTTP request to the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query below the base URL, e.g. `/authentication/session/…?timeoutMs=…`.
    pub path: String,
    /// JSON body for POST.
    pub body: Option<Vec<u8>>,
}

/// Carries requests to the service.
pub trait MsspTransport {
    /// Executes `request` and returns the HTTP status and body.
    ///
    /// # Errors
    /// [`AuthError::Mssp`] when the service cannot be reached.
    fn execute(&self, request: &HttpRequest) -> Result<(u16, Vec<u8>), AuthError>;
}

/// The session results of the Mobile-ID REST API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum MsspResult {
    /// OK.
    Ok,
    /// TIMEOUT or EXPIRED_TRANSACTION: the user did not answer in time.
    Timeout,
    /// NOT_MID_CLIENT: no active mobile ID for this person and phone.
    NotMidClient,
    /// USER_CANCELLED.
    UserCancelled,
    /// SIGNATURE_HASH_MISMATCH: the phone signed something else.
    SignatureHashMismatch,
    /// PHONE_ABSENT.
    PhoneAbsent,
    /// DELIVERY_ERROR.
    DeliveryError,
    /// SIM_ERROR.
    SimError,
    /// Any other code, as sent.
    Unknown(String),
}

impl MsspResult {
    /// Maps a result code.
    pub fn from_code(code: &str) -> Self {
        match code {
            "OK" => Self::Ok,
            "TIMEOUT" | "EXPIRED_TRANSACTION" => Self::Timeout,
            "NOT_MID_CLIENT" => Self::NotMidClient,
            "USER_CANCELLED" => Self::UserCancelled,
            "SIGNATURE_HASH_MISMATCH" => Self::SignatureHashMismatch,
            "PHONE_ABSENT" => Self::PhoneAbsent,
            "DELIVERY_ERROR" => Self::DeliveryError,
            "SIM_ERROR" => Self::SimError,
            // The text is the service's, untrusted: keep only a short, plain token of it.
            other => Self::Unknown(other.chars().take(32).filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()),
        }
    }

    /// The code as sent.
    pub fn code(&self) -> &str {
        match self {
            Self::Ok => "OK",
            Self::Timeout => "TIMEOUT",
            Self::NotMidClient => "NOT_MID_CLIENT",
            Self::UserCancelled => "USER_CANCELLED",
            Self::SignatureHashMismatch => "SIGNATURE_HASH_MISMATCH",
            Self::PhoneAbsent => "PHONE_ABSENT",
            Self::DeliveryError => "DELIVERY_ERROR",
            Self::SimError => "SIM_ERROR",
            Self::Unknown(code) => code,
        }
    }
}

/// Body of POST /certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CertificateRequest {
    #[serde(rename = "relyingPartyUUID")]
    pub relying_party_uuid: String,
    pub relying_party_name: String,
    pub phone_number: String,
    pub national_identity_number: String,
}

/// Answer to POST /certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct CertificateResponse {
    pub result: String,
    #[serde(default)]
    pub cert: Option<String>,
}

/// Body of POST /authentication and POST /signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SessionRequest {
    #[serde(rename = "relyingPartyUUID")]
    pub relying_party_uuid: String,
    pub relying_party_name: String,
    pub phone_number: String,
    pub national_identity_number: String,
    pub hash: String,
    pub hash_type: HashType,
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text_format: Option<String>,
}

/// Answer to a session start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SessionStarted {
    #[serde(rename = "sessionID")]
    pub session_id: String,
}

/// The signature in a session status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SessionSignature {
    pub value: String,
    pub algorithm: String,
}

/// Answer to GET …/session/{id}.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SessionStatus {
    pub state: String,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub signature: Option<SessionSignature>,
    #[serde(default)]
    pub cert: Option<String>,
}

/// A completed session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOutcome {
    /// The result.
    pub result: MsspResult,
    /// The signature (raw r‖s for ECDSA), when OK.
    pub signature: Option<Vec<u8>>,
    /// Its algorithm name as sent (e.g. SHA256WithECEncryption).
    pub algorithm: Option<String>,
    /// The certificate, DER, when sent.
    pub certificate: Option<Vec<u8>>,
}

impl SessionOutcome {
    /// The login answer an OK session brought, for [`super::validate_response`] against the
    /// challenge `challenge_id` names.
    ///
    /// # Errors
    /// [`AuthError::Mssp`] for a result other than OK; [`AuthError::MalformedResponse`] for an
    /// OK without signature or certificate.
    pub fn into_response(self, challenge_id: String) -> Result<super::AuthenticationResponse, AuthError> {
        if self.result != MsspResult::Ok {
            return Err(AuthError::Mssp { result: self.result });
        }
        let (Some(signature), Some(certificate)) = (self.signature, self.certificate) else {
            return Err(AuthError::MalformedResponse("the service's OK carries no signature or certificate"));
        };
        Ok(super::AuthenticationResponse { challenge_id, signature, certificate })
    }
}

/// Which kind of session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// Login with the authentication key.
    Authentication,
    /// Signature with the signing key.
    Signature,
}

/// Longest display text in GSM-7, in characters.
pub const MAX_DISPLAY_TEXT_GSM7: usize = 40;
/// Longest display text in UCS-2, in characters.
pub const MAX_DISPLAY_TEXT_UCS2: usize = 20;
/// Largest response body read.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;
/// The long poll a portal asks of the service (its API allows up to two minutes).
pub const DEFAULT_LONG_POLL_MS: u32 = 30_000;
/// Polls before a session still running counts as timed out (with [`DEFAULT_LONG_POLL_MS`],
/// about five minutes).
pub const DEFAULT_MAX_POLLS: u32 = 10;

/// The relying party's identity towards the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsspClient {
    /// relyingPartyUUID.
    pub relying_party_uuid: String,
    /// relyingPartyName.
    pub relying_party_name: String,
}

/// Checks a phone number: `+` and 8 to 15 digits (E.164).
pub fn valid_phone_number(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

fn gsm7_basic(c: char) -> bool {
    c.is_ascii_alphanumeric() || " @$_!\"#%&'()*+,-./:;<=>?\n\r".contains(c) || "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà¡".contains(c)
}

impl MsspClient {
    /// A client for a relying party.
    pub fn new(relying_party_uuid: impl Into<String>, relying_party_name: impl Into<String>) -> Self {
        Self { relying_party_uuid: relying_party_uuid.into(), relying_party_name: relying_party_name.into() }
    }

    fn body<T: Serialize>(value: &T) -> Result<Vec<u8>, AuthError> {
        serde_json::to_vec(value).map_err(|_| AuthError::InvalidInput("request does not encode"))
    }

    /// POST /certificate.
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] for a bad phone number or identity number.
    pub fn certificate_request(&self, phone: &str, national_id: &str) -> Result<HttpRequest, AuthError> {
        self.check_person(phone, national_id)?;
        let body = Self::body(&CertificateRequest {
            relying_party_uuid: self.relying_party_uuid.clone(),
            relying_party_name: self.relying_party_name.clone(),
            phone_number: phone.into(),
            national_identity_number: national_id.into(),
        })?;
        Ok(HttpRequest { method: "POST", path: "/certificate".into(), body: Some(body) })
    }

    fn check_person(&self, phone: &str, national_id: &str) -> Result<(), AuthError> {
        if !valid_phone_number(phone) {
            return Err(AuthError::InvalidInput("the phone number must be + and 8 to 15 digits"));
        }
        if national_id.is_empty() || national_id.len() > 32 || !national_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(AuthError::InvalidInput("the national identity number must be 1 to 32 letters, digits or dashes"));
        }
        Ok(())
    }

    /// POST /authentication or /signature for `hash`, with an optional display text (GSM-7 up
    /// to 40 characters, otherwise UCS-2 up to 20).
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] for bad phone, identity, hash length or display text.
    pub fn session_request(
        &self,
        kind: SessionKind,
        phone: &str,
        national_id: &str,
        hash: &[u8],
        hash_type: HashType,
        display_text: Option<&str>,
    ) -> Result<HttpRequest, AuthError> {
        self.check_person(phone, national_id)?;
        if hash.len() != hash_type.len() {
            return Err(AuthError::InvalidInput("the hash length does not match the hash type"));
        }
        let (display_text, format) = match display_text {
            None => (None, None),
            Some(text) if text.chars().all(gsm7_basic) => {
                if text.chars().count() > MAX_DISPLAY_TEXT_GSM7 {
                    return Err(AuthError::InvalidInput("GSM-7 display text is limited to 40 characters"));
                }
                (Some(text.to_string()), Some("GSM-7".to_string()))
            }
            Some(text) => {
                if text.chars().count() > MAX_DISPLAY_TEXT_UCS2 {
                    return Err(AuthError::InvalidInput("UCS-2 display text is limited to 20 characters"));
                }
                (Some(text.to_string()), Some("UCS-2".to_string()))
            }
        };
        let body = Self::body(&SessionRequest {
            relying_party_uuid: self.relying_party_uuid.clone(),
            relying_party_name: self.relying_party_name.clone(),
            phone_number: phone.into(),
            national_identity_number: national_id.into(),
            hash: Base64::encode_string(hash),
            hash_type,
            language: "ENG".into(),
            display_text,
            display_text_format: format,
        })?;
        let path = match kind {
            SessionKind::Authentication => "/authentication",
            SessionKind::Signature => "/signature",
        };
        Ok(HttpRequest { method: "POST", path: path.into(), body: Some(body) })
    }

    /// Reads the answer to POST /certificate: the certificate DER, or the result code.
    ///
    /// # Errors
    /// [`AuthError::Mssp`] for HTTP errors or a result other than OK.
    pub fn read_certificate(&self, status: u16, body: &[u8]) -> Result<Vec<u8>, AuthError> {
        let response: CertificateResponse = parse(status, body)?;
        if response.result != "OK" {
            return Err(AuthError::Mssp { result: MsspResult::from_code(&response.result) });
        }
        decode_base64(response.cert.as_deref().ok_or(AuthError::MalformedResponse("no certificate"))?)
    }

    /// Reads the answer to a session start and returns the poller for it.
    ///
    /// # Errors
    /// [`AuthError::MalformedResponse`] or an HTTP error.
    pub fn read_session_start(&self, kind: SessionKind, status: u16, body: &[u8], long_poll_ms: u32, max_polls: u32) -> Result<SessionPoller, AuthError> {
        let started: SessionStarted = parse(status, body)?;
        if started.session_id.is_empty() || started.session_id.len() > 128 || !started.session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(AuthError::MalformedResponse("session id"));
        }
        Ok(SessionPoller { kind, session_id: started.session_id, long_poll_ms: long_poll_ms.clamp(1000, 120_000), polls_left: max_polls.max(1) })
    }
}

fn parse<T: for<'de> Deserialize<'de>>(status: u16, body: &[u8]) -> Result<T, AuthError> {
    if body.len() > MAX_RESPONSE_BODY {
        return Err(AuthError::MalformedResponse("response too large"));
    }
    if !(200..300).contains(&status) {
        return Err(AuthError::HttpStatus { status });
    }
    serde_json::from_slice(body).map_err(|_| AuthError::MalformedResponse("JSON"))
}

fn decode_base64(text: &str) -> Result<Vec<u8>, AuthError> {
    Base64::decode_vec(text).map_err(|_| AuthError::MalformedResponse("base64"))
}

/// The long-poll state machine of one session: [`Self::request`] → transport →
/// [`Self::on_response`], until it yields an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionPoller {
    kind: SessionKind,
    session_id: String,
    long_poll_ms: u32,
    polls_left: u32,
}

/// What a poll answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollStep {
    /// Still RUNNING: poll again (the server already waited `timeoutMs`).
    Pending,
    /// COMPLETE.
    Complete(SessionOutcome),
}

impl SessionPoller {
    /// The session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// GET …/session/{id}?timeoutMs=….
    pub fn request(&self) -> HttpRequest {
        let kind = match self.kind {
            SessionKind::Authentication => "authentication",
            SessionKind::Signature => "signature",
        };
        HttpRequest { method: "GET", path: format!("/{kind}/session/{}?timeoutMs={}", self.session_id, self.long_poll_ms), body: None }
    }

    /// Reads a poll answer. After the last allowed poll a RUNNING session is a timeout.
    ///
    /// # Errors
    /// HTTP errors, malformed JSON, an unknown state.
    pub fn on_response(&mut self, status: u16, body: &[u8]) -> Result<PollStep, AuthError> {
        let status: SessionStatus = parse(status, body)?;
        match status.state.as_str() {
            "RUNNING" => {
                self.polls_left = self.polls_left.saturating_sub(1);
                if self.polls_left == 0 {
                    Ok(PollStep::Complete(SessionOutcome { result: MsspResult::Timeout, signature: None, algorithm: None, certificate: None }))
                } else {
                    Ok(PollStep::Pending)
                }
            }
            "COMPLETE" => {
                let result = MsspResult::from_code(status.result.as_deref().unwrap_or(""));
                let signature = status.signature.as_ref().map(|s| decode_base64(&s.value)).transpose()?;
                let certificate = status.cert.as_deref().map(decode_base64).transpose()?;
                if result == MsspResult::Ok && signature.is_none() {
                    return Err(AuthError::MalformedResponse("OK without a signature"));
                }
                Ok(PollStep::Complete(SessionOutcome { result, signature, algorithm: status.signature.map(|s| s.algorithm), certificate }))
            }
            _ => Err(AuthError::MalformedResponse("session state")),
        }
    }

    /// Polls through `transport` until the session completes. A transport failure leaves the
    /// poller as it was, so the caller may run it again.
    ///
    /// # Errors
    /// Transport and protocol errors.
    pub fn run(&mut self, transport: &dyn MsspTransport) -> Result<SessionOutcome, AuthError> {
        loop {
            let (status, body) = transport.execute(&self.request())?;
            if let PollStep::Complete(outcome) = self.on_response(status, &body)? {
                return Ok(outcome);
            }
        }
    }
}

/// The MSSP over HTTP with a blocking client (feature `http`).
#[cfg(feature = "http")]
#[derive(Debug)]
pub struct HttpMsspTransport {
    base_url: String,
    fetcher: crate::net::Fetcher,
}

#[cfg(feature = "http")]
impl HttpMsspTransport {
    /// A transport for the service at `base_url` (`https://…/mid-api`), trusting Mozilla's
    /// roots. Plain `http://` is refused at the first request unless it goes to this machine
    /// (a local mock or a TLS-terminating proxy): the service's answers are not signed.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_options(base_url, crate::net::HttpOptions::new())
    }

    /// As [`Self::new`] with these connection options (HTTPS roots; the timeout defaults to
    /// 150 s here, beyond the service's long poll).
    pub fn with_options(base_url: impl Into<String>, mut options: crate::net::HttpOptions) -> Self {
        options.timeout = options.timeout.or(Some(std::time::Duration::from_secs(150)));
        Self { base_url: base_url.into().trim_end_matches('/').to_string(), fetcher: crate::net::Fetcher::new(&options) }
    }
}

#[cfg(feature = "http")]
impl MsspTransport for HttpMsspTransport {
    fn execute(&self, request: &HttpRequest) -> Result<(u16, Vec<u8>), AuthError> {
        let url = format!("{}{}", self.base_url, request.path);
        if !crate::net::secure_or_loopback(&url) {
            return Err(AuthError::InvalidInput("the Mobile-ID service must be reached over https:// (plain http:// only to this machine)"));
        }
        // A poll that could not reach the service is retried with back-off; a session start
        // is sent once, as a timeout after the service received it must not start a second.
        let limit = MAX_RESPONSE_BODY as u64;
        let answer = match &request.body {
            Some(body) => self.fetcher.clone().with_attempts(1).post(&url, "application/json", body, limit),
            None => self.fetcher.get(&url, limit),
        }
        .map_err(|e| AuthError::Unreachable(e.to_string()))?;
        Ok((answer.status, answer.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_codes_and_inputs() {
        assert_eq!(MsspResult::from_code("EXPIRED_TRANSACTION"), MsspResult::Timeout);
        assert_eq!(MsspResult::from_code("SIM_ERROR"), MsspResult::SimError);
        assert_eq!(MsspResult::from_code("SOMETHING_NEW"), MsspResult::Unknown("SOMETHING_NEW".into()));
        assert!(valid_phone_number("+37200000766"));
        assert!(!valid_phone_number("37200000766") && !valid_phone_number("+372") && !valid_phone_number("+3720000x766"));
        let client = MsspClient::new("00000000-0000-0000-0000-000000000000", "DEMO");
        assert!(client.session_request(SessionKind::Authentication, "+37200000766", "60001019906", &[0; 31], HashType::Sha256, None).is_err());
        assert!(client.session_request(SessionKind::Authentication, "+37200000766", "60001019906", &[0; 32], HashType::Sha256, Some(&"x".repeat(41))).is_err());
        assert!(client.session_request(SessionKind::Authentication, "+37200000766", "60001019906", &[0; 32], HashType::Sha256, Some(&"ş".repeat(21))).is_err());
        let ok = client
            .session_request(SessionKind::Authentication, "+37200000766", "60001019906", &[0; 32], HashType::Sha256, Some("Log in to the portal"))
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(ok.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["hashType"], "SHA256");
        assert_eq!(body["displayTextFormat"], "GSM-7");
        assert_eq!(body["relyingPartyUUID"], "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn polling() {
        let client = MsspClient::new("u", "n");
        let mut poller = client.read_session_start(SessionKind::Authentication, 200, br#"{"sessionID":"abc-1"}"#, 5000, 2).unwrap();
        assert_eq!(poller.request().path, "/authentication/session/abc-1?timeoutMs=5000");
        assert_eq!(poller.on_response(200, br#"{"state":"RUNNING"}"#).unwrap(), PollStep::Pending);
        assert!(matches!(poller.on_response(200, br#"{"state":"RUNNING"}"#).unwrap(), PollStep::Complete(SessionOutcome { result: MsspResult::Timeout, .. })));
        let mut poller = client.read_session_start(SessionKind::Signature, 200, br#"{"sessionID":"abc"}"#, 5000, 2).unwrap();
        assert!(matches!(
            poller.on_response(200, br#"{"state":"COMPLETE","result":"USER_CANCELLED"}"#).unwrap(),
            PollStep::Complete(SessionOutcome { result: MsspResult::UserCancelled, .. })
        ));
        assert!(poller.on_response(200, br#"{"state":"COMPLETE","result":"OK"}"#).is_err());
        assert!(poller.on_response(404, b"{}").is_err());
        assert!(client.read_session_start(SessionKind::Signature, 200, br#"{"sessionID":"../x"}"#, 5000, 2).is_err());
    }
}
