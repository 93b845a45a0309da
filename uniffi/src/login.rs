//! Mobile-ID login: the portal's challenges and validation, a whole login through the
//! Mobile-ID service (the host carries its HTTP), the phone's answer, verification codes.

use std::sync::{Arc, Mutex};

use mobile_id::auth::{
    self, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, KeyValueChallengeStore, MemoryChallengeStore, SharedKeyValue,
};

use std::time::SystemTime;

use crate::MobileIdError;
use crate::card::SimSession;
use crate::report::time_of;
use crate::signing::now;
use crate::verify::Verifier;

/// An issued challenge.
#[derive(Clone, Debug, uniffi::Record)]
pub struct LoginChallenge {
    /// Its id (send back with the answer).
    pub id: String,
    /// The hash the phone signs.
    pub hash: Vec<u8>,
    /// The code both screens show.
    pub verification_code: String,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

/// Who logged in.
#[derive(Clone, Debug, uniffi::Record)]
pub struct LoginIdentity {
    /// givenName.
    pub given_name: Option<String>,
    /// surname.
    pub surname: Option<String>,
    /// countryName.
    pub country: Option<String>,
    /// serialNumber as written, e.g. PNOAZ-7TEST01.
    pub serial_number: Option<String>,
    /// The certificate's validity starts.
    pub not_before: SystemTime,
    /// The certificate's validity ends.
    pub not_after: SystemTime,
}

/// The phone's answer.
#[derive(Clone, Debug, uniffi::Record)]
pub struct LoginAnswer {
    /// DER signature over the challenge.
    pub signature: Vec<u8>,
    /// The authentication certificate, DER.
    pub certificate: Vec<u8>,
    /// The verification code to show.
    pub verification_code: String,
}

/// A portal: issues single-use challenges and validates answers against its trust anchors.
#[derive(uniffi::Object)]
pub struct LoginPortal {
    verifier: Arc<Verifier>,
    store: Box<dyn ChallengeStore>,
}

#[uniffi::export]
impl LoginPortal {
    /// A portal trusting `verifier`'s anchors, keeping its challenges in this process's memory
    /// (at most 10,000): for a portal that runs as one process.
    #[uniffi::constructor]
    pub fn new(verifier: Arc<Verifier>) -> Arc<Self> {
        Arc::new(Self { verifier, store: Box::new(MemoryChallengeStore::new(10_000)) })
    }

    /// A portal trusting `verifier`'s anchors, keeping its challenges in `store`, which the host
    /// shares between its processes or instances: a challenge issued by one is answered at any
    /// other, once.
    #[uniffi::constructor]
    pub fn with_shared_store(verifier: Arc<Verifier>, store: Arc<dyn SharedChallengeStore>) -> Arc<Self> {
        Arc::new(Self { verifier, store: Box::new(KeyValueChallengeStore::new(HostKeyValue(store))) })
    }

    /// Issues a SHA-256-sized challenge valid five minutes.
    pub fn issue_challenge(&self) -> Result<LoginChallenge, MobileIdError> {
        let now = now();
        let challenge = Challenge::new(HashType::Sha256, now, auth::DEFAULT_CHALLENGE_LIFETIME)?;
        self.store.insert(challenge.clone(), now)?;
        Ok(LoginChallenge {
            verification_code: challenge.verification_code(),
            id: challenge.id,
            hash: challenge.hash,
            expires_at: time_of(challenge.expires_at),
        })
    }

    /// Starts a login through the Mobile-ID service: issues a challenge and asks `service` to
    /// have the person's phone sign it. Show the returned login's verification code, then call
    /// its `finish`.
    pub fn start_service_login(
        self: Arc<Self>,
        service: Arc<MobileIdService>,
        phone: String,
        national_id: String,
        display_text: Option<String>,
    ) -> Result<Arc<PendingLogin>, MobileIdError> {
        use mobile_id::auth::mssp::{DEFAULT_LONG_POLL_MS, DEFAULT_MAX_POLLS};
        use mobile_id::auth::{MsspTransport, SessionKind};
        let now = now();
        let challenge = Challenge::new(HashType::Sha256, now, auth::DEFAULT_CHALLENGE_LIFETIME)?;
        let request =
            service.client.session_request(SessionKind::Authentication, &phone, &national_id, &challenge.hash, challenge.hash_type, display_text.as_deref())?;
        // Kept only once the request is good, so that refused input fills no store.
        let (challenge_id, verification_code) = (challenge.id.clone(), challenge.verification_code());
        self.store.insert(challenge, now)?;
        let bridge = HostService(service.transport.clone());
        let (status, body) = bridge.execute(&request)?;
        let poller = service.client.read_session_start(SessionKind::Authentication, status, &body, DEFAULT_LONG_POLL_MS, DEFAULT_MAX_POLLS)?;
        Ok(Arc::new(PendingLogin { portal: self, transport: service.transport.clone(), challenge_id, verification_code, poller: Mutex::new(Some(poller)) }))
    }

    /// Validates an answer (once: a replay fails) and returns who logged in.
    pub fn validate(&self, challenge_id: String, signature: Vec<u8>, certificate: Vec<u8>) -> Result<LoginIdentity, MobileIdError> {
        self.identify(&AuthenticationResponse { challenge_id, signature, certificate })
    }
}

impl LoginPortal {
    /// Validates `response` against the challenge it names, now.
    fn identify(&self, response: &AuthenticationResponse) -> Result<LoginIdentity, MobileIdError> {
        let who = auth::validate_response(response, self.store.as_ref(), self.verifier.chain_verifier(), &AuthOptions::new(now()))?;
        Ok(LoginIdentity {
            given_name: who.identity.given_name,
            surname: who.identity.surname,
            country: who.identity.country,
            serial_number: who.identity.serial_number,
            not_before: time_of(who.not_before),
            not_after: time_of(who.not_after),
        })
    }
}

/// A store the host runs for its portal instances (Redis, memcached, a database), holding each
/// challenge as a short text record under a key until it is answered or expires. The keys are
/// `mobile-id:challenge:<id>` and the records the library's own Redis store writes, so portals
/// in other languages on the library can share the same Redis. A store that fails makes the
/// login fail (`HostError`), never pass.
#[uniffi::export(with_foreign)]
pub trait SharedChallengeStore: Send + Sync {
    /// Keeps `record` under `key` for `ttl_seconds`, unless `key` is present: then keeps the old
    /// record and returns false. Redis: `SET key record NX EX ttl_seconds`.
    fn put_new(&self, key: String, record: String, ttl_seconds: u64) -> Result<bool, MobileIdError>;
    /// Returns the record under `key` and deletes it, in one atomic step: of two takes of one
    /// key, from any instance, at most one may get it. Redis: `GETDEL key`.
    fn take(&self, key: String) -> Result<Option<String>, MobileIdError>;
}

/// The host's shared store as the core's key-value store.
struct HostKeyValue(Arc<dyn SharedChallengeStore>);

impl SharedKeyValue for HostKeyValue {
    fn put_new(&self, key: &str, value: &str, ttl_seconds: u64) -> Result<bool, String> {
        self.0.put_new(key.into(), value.into(), ttl_seconds).map_err(host_reason)
    }

    fn take(&self, key: &str) -> Result<Option<String>, String> {
        self.0.take(key.into()).map_err(host_reason)
    }
}

/// The host's failure in its own words (not wrapped in "the host failed").
fn host_reason(e: MobileIdError) -> String {
    match e {
        MobileIdError::HostError { reason } => reason,
        other => other.to_string(),
    }
}

/// One HTTP answer of the Mobile-ID service.
#[derive(Clone, Debug, uniffi::Record)]
pub struct ServiceAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body (JSON).
    pub body: Vec<u8>,
}

/// Carries the portal's requests to its Mobile-ID service (MSSP, the Mobile-ID REST API) over
/// the host's HTTP stack — its TLS roots, certificate pinning, proxy and timeouts. The service's
/// answers are not signed: send them over HTTPS only.
#[uniffi::export(with_foreign)]
pub trait MobileIdServiceTransport: Send + Sync {
    /// Sends `method` ("GET" or "POST") for `path`, which is below the service's base URL
    /// (e.g. `/authentication`), with `body` (JSON) for POST; returns the status and body.
    fn execute(&self, method: String, path: String, body: Option<Vec<u8>>) -> Result<ServiceAnswer, MobileIdError>;
}

/// The host's transport as the core's.
struct HostService(Arc<dyn MobileIdServiceTransport>);

impl mobile_id::auth::MsspTransport for HostService {
    fn execute(&self, request: &mobile_id::auth::mssp::HttpRequest) -> Result<(u16, Vec<u8>), mobile_id::auth::AuthError> {
        let answer = self
            .0
            .execute(request.method.to_string(), request.path.clone(), request.body.clone())
            .map_err(|e| mobile_id::auth::AuthError::Unreachable(e.to_string()))?;
        Ok((answer.status, answer.body))
    }
}

/// A Mobile-ID service as the portal's relying party knows it: its registered UUID and name,
/// and the host's transport to it.
#[derive(uniffi::Object)]
pub struct MobileIdService {
    client: mobile_id::auth::MsspClient,
    transport: Arc<dyn MobileIdServiceTransport>,
}

#[uniffi::export]
impl MobileIdService {
    /// The service reached through `transport`, for the relying party registered as
    /// `relying_party_uuid` / `relying_party_name`.
    #[uniffi::constructor]
    pub fn new(relying_party_uuid: String, relying_party_name: String, transport: Arc<dyn MobileIdServiceTransport>) -> Arc<Self> {
        Arc::new(Self { client: mobile_id::auth::MsspClient::new(relying_party_uuid, relying_party_name), transport })
    }
}

/// A login the service is running: show the verification code, then `finish`.
#[derive(uniffi::Object)]
pub struct PendingLogin {
    portal: Arc<LoginPortal>,
    transport: Arc<dyn MobileIdServiceTransport>,
    challenge_id: String,
    verification_code: String,
    poller: Mutex<Option<mobile_id::auth::SessionPoller>>,
}

#[uniffi::export]
impl PendingLogin {
    /// The code the portal shows, for the person to compare with the phone's.
    pub fn verification_code(&self) -> String {
        self.verification_code.clone()
    }

    /// Waits for the phone (polling the service), then validates its answer against the
    /// portal's challenge and anchors; once. A refusal on the phone is `UserCancelled`, any
    /// other result of the service `Untrusted` with its code; when the host's transport fails
    /// (`HostError`), `finish` may be called again.
    pub fn finish(&self) -> Result<LoginIdentity, MobileIdError> {
        let mut slot = self.poller.lock().map_err(|_| MobileIdError::InvalidInput { reason: "this login failed in another thread".into() })?;
        let poller = slot.as_mut().ok_or(MobileIdError::InvalidInput { reason: "this login was already finished".into() })?;
        let outcome = poller.run(&HostService(self.transport.clone()))?;
        *slot = None;
        drop(slot);
        self.portal.identify(&outcome.into_response(self.challenge_id.clone())?)
    }
}

/// Answers a login challenge on the SIM after PIN1.
#[uniffi::export]
pub fn answer_login(session: Arc<SimSession>, pin1: String, challenge: Vec<u8>) -> Result<LoginAnswer, MobileIdError> {
    let answer = mobile_id::wallet::answer_challenge(&mut session.session(), &mobile_id::card::Pin::new(pin1), &challenge)?;
    Ok(LoginAnswer { signature: answer.signature, certificate: answer.certificate, verification_code: answer.verification_code })
}

/// The Mobile-ID verification code of a hash.
#[uniffi::export]
pub fn mobile_id_verification_code(hash: Vec<u8>) -> Result<String, MobileIdError> {
    auth::mobile_id_code(&hash).ok_or(MobileIdError::InvalidInput { reason: "empty hash".into() })
}

/// The Smart-ID verification code of a hash.
#[uniffi::export]
pub fn smart_id_verification_code(hash: Vec<u8>) -> String {
    auth::smart_id_code(&hash)
}
