//! A mock mobile-ID service (feature `mock-mssp`): it speaks the Mobile-ID REST protocol over
//! HTTP/1.1 on loopback and answers sessions by driving virtual SIMs, so the whole portal →
//! service → SIM → portal loop runs for real in tests and from the command line. For tests and
//! demos only.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;

use base64ct::{Base64, Encoding};
use serde_json::json;

use crate::auth::HashType;
use crate::auth::mssp::{CertificateRequest, SessionRequest};
use crate::card::sim::VirtualSim;
use crate::card::{CardError, CardSession, KeyRole, Pin};

/// What the simulated person does when their phone asks.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Enters these PINs.
    Answers {
        /// PIN1, for logins.
        pin1: Pin,
        /// PIN2, for signatures.
        pin2: Pin,
    },
    /// Presses cancel.
    Cancels,
    /// Never reacts: the session times out.
    Ignores,
    /// Types a wrong PIN (a try is spent on the SIM) and gives up.
    EntersWrongPin,
}

/// One person known to the mock service.
#[derive(Debug)]
pub struct MockUser {
    /// Phone number, `+…`.
    pub phone: String,
    /// National identity number.
    pub national_id: String,
    /// Their SIM.
    pub sim: VirtualSim,
    /// What they do.
    pub behaviour: Behaviour,
}

#[derive(Clone, Debug)]
struct Session {
    polls_before_complete: u32,
    status: serde_json::Value,
}

/// The mock service.
#[derive(Debug)]
pub struct MockMssp {
    users: Vec<Mutex<MockUser>>,
    sessions: Mutex<HashMap<String, Session>>,
    running_polls: u32,
}

/// Largest request accepted (headers and body).
const MAX_REQUEST: usize = 64 * 1024;
/// Most sessions kept.
const MAX_SESSIONS: usize = 10_000;

impl MockMssp {
    /// A service for `users`; each session answers RUNNING `running_polls` times before
    /// COMPLETE, to exercise the client's long-poll loop.
    pub fn new(users: Vec<MockUser>, running_polls: u32) -> Self {
        Self { users: users.into_iter().map(Mutex::new).collect(), sessions: Mutex::new(HashMap::new()), running_polls }
    }

    /// Serves connections from `listener` (one request each) until `max_requests` have been
    /// answered, or forever with `None`.
    pub fn serve(&self, listener: &TcpListener, max_requests: Option<usize>) {
        let mut served = 0usize;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            self.handle(stream);
            served += 1;
            if max_requests.is_some_and(|m| served >= m) {
                break;
            }
        }
    }

    fn handle(&self, stream: TcpStream) {
        let Ok(clone) = stream.try_clone() else { return };
        let mut reader = BufReader::new(clone.take(MAX_REQUEST as u64));
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" || line == "\n" => break,
                Ok(_) => {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(MAX_REQUEST + 1);
                    }
                }
            }
        }
        let (status, body) = if length > MAX_REQUEST {
            (413, json!({"error": "request too large"}))
        } else {
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let mut parts = request_line.split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            self.route(method, target, &body)
        };
        let text = body.to_string();
        let mut stream = stream;
        let reason = if status == 200 { "OK" } else { "Error" };
        let _ =
            write!(stream, "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len());
    }

    fn route(&self, method: &str, target: &str, body: &[u8]) -> (u16, serde_json::Value) {
        let path = target.strip_prefix("/mid-api").unwrap_or(target);
        let path = path.split('?').next().unwrap_or("");
        match (method, path) {
            ("POST", "/certificate") => self.certificate(body),
            ("POST", "/authentication") => self.start(body, KeyRole::Authentication),
            ("POST", "/signature") => self.start(body, KeyRole::Signing),
            ("GET", p) => match p.strip_prefix("/authentication/session/").or_else(|| p.strip_prefix("/signature/session/")) {
                Some(id) => self.poll(id),
                None => (404, json!({"error": "not found"})),
            },
            _ => (405, json!({"error": "method not allowed"})),
        }
    }

    fn user(&self, phone: &str, national_id: &str) -> Option<&Mutex<MockUser>> {
        self.users.iter().find(|u| u.lock().is_ok_and(|u| u.phone == phone && u.national_id == national_id))
    }

    fn certificate(&self, body: &[u8]) -> (u16, serde_json::Value) {
        let Ok(request) = serde_json::from_slice::<CertificateRequest>(body) else { return (400, json!({"error": "bad request"})) };
        let Some(user) = self.user(&request.phone_number, &request.national_identity_number) else { return (200, json!({"result": "NOT_FOUND"})) };
        let Ok(mut user) = user.lock() else { return (500, json!({"error": "internal"})) };
        let profile = user.sim.profile().clone();
        match CardSession::new(&mut user.sim, profile).read_certificate(KeyRole::Signing) {
            Ok(cert) => (200, json!({"result": "OK", "cert": Base64::encode_string(&cert)})),
            Err(_) => (200, json!({"result": "NOT_FOUND"})),
        }
    }

    fn start(&self, body: &[u8], role: KeyRole) -> (u16, serde_json::Value) {
        let Ok(request) = serde_json::from_slice::<SessionRequest>(body) else { return (400, json!({"error": "bad request"})) };
        let Ok(hash) = Base64::decode_vec(&request.hash) else { return (400, json!({"error": "bad hash"})) };
        if hash.len() != request.hash_type.len() {
            return (400, json!({"error": "hash length does not match hashType"}));
        }
        let status = match self.user(&request.phone_number, &request.national_identity_number) {
            None => json!({"state": "COMPLETE", "result": "NOT_MID_CLIENT"}),
            Some(user) => match user.lock() {
                Ok(mut user) => Self::drive(&mut user, role, &hash, request.hash_type),
                Err(_) => return (500, json!({"error": "internal"})),
            },
        };
        let mut id = [0u8; 16];
        if getrandom::fill(&mut id).is_err() {
            return (500, json!({"error": "internal"}));
        }
        let id = hex::encode(id);
        if let Ok(mut sessions) = self.sessions.lock() {
            if sessions.len() >= MAX_SESSIONS {
                sessions.clear();
            }
            sessions.insert(id.clone(), Session { polls_before_complete: self.running_polls, status });
        }
        (200, json!({"sessionID": id}))
    }

    fn drive(user: &mut MockUser, role: KeyRole, hash: &[u8], hash_type: HashType) -> serde_json::Value {
        let (pin, wrong) = match (&user.behaviour, role) {
            (Behaviour::Answers { pin1, .. }, KeyRole::Authentication) => (pin1.clone(), false),
            (Behaviour::Answers { pin2, .. }, KeyRole::Signing) => (pin2.clone(), false),
            (Behaviour::Cancels, _) => return json!({"state": "COMPLETE", "result": "USER_CANCELLED"}),
            (Behaviour::Ignores, _) => return json!({"state": "COMPLETE", "result": "TIMEOUT"}),
            (Behaviour::EntersWrongPin, KeyRole::Authentication) => (Pin::new("0000"), true),
            (Behaviour::EntersWrongPin, KeyRole::Signing) => (Pin::new("00000"), true),
        };
        user.sim.reset();
        let profile = user.sim.profile().clone();
        let mut session = CardSession::new(&mut user.sim, profile);
        let cert = session.read_certificate(role);
        let signature = match role {
            KeyRole::Authentication => session.authenticate(&pin, hash),
            KeyRole::Signing => session.sign_digest(&pin, hash),
        };
        match (cert, signature) {
            (Ok(cert), Ok(signature)) if !wrong => {
                let algorithm = match hash_type {
                    HashType::Sha256 => "SHA256WithECEncryption",
                    HashType::Sha384 => "SHA384WithECEncryption",
                    HashType::Sha512 => "SHA512WithECEncryption",
                };
                json!({"state": "COMPLETE", "result": "OK", "signature": {"value": Base64::encode_string(&signature), "algorithm": algorithm},
                       "cert": Base64::encode_string(&cert)})
            }
            (_, Err(CardError::PinIncorrect { .. })) => json!({"state": "COMPLETE", "result": "USER_CANCELLED"}),
            (_, Err(CardError::PinBlocked { .. })) => json!({"state": "COMPLETE", "result": "SIM_ERROR"}),
            _ => json!({"state": "COMPLETE", "result": "SIM_ERROR"}),
        }
    }

    fn poll(&self, id: &str) -> (u16, serde_json::Value) {
        let Ok(mut sessions) = self.sessions.lock() else { return (500, json!({"error": "internal"})) };
        let Some(session) = sessions.get_mut(id) else { return (404, json!({"error": "session not found"})) };
        if session.polls_before_complete > 0 {
            session.polls_before_complete -= 1;
            return (200, json!({"state": "RUNNING"}));
        }
        let status = session.status.clone();
        sessions.remove(id);
        (200, status)
    }
}
