//! Mobile-ID login: the portal's challenges and validation, the phone's answer, verification
//! codes.

use std::sync::Arc;

use mobile_id::auth::{self, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore};

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
    store: MemoryChallengeStore,
}

#[uniffi::export]
impl LoginPortal {
    /// A portal trusting `verifier`'s anchors.
    #[uniffi::constructor]
    pub fn new(verifier: Arc<Verifier>) -> Arc<Self> {
        Arc::new(Self { verifier, store: MemoryChallengeStore::new(10_000) })
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

    /// Validates an answer (once: a replay fails) and returns who logged in.
    pub fn validate(&self, challenge_id: String, signature: Vec<u8>, certificate: Vec<u8>) -> Result<LoginIdentity, MobileIdError> {
        let response = AuthenticationResponse { challenge_id, signature, certificate };
        let who = auth::validate_response(&response, &self.store, self.verifier.chain_verifier(), &AuthOptions::new(now()))?;
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
