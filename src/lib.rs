//! # mobile-id
//!
//! One core for everyone around a mobile ID: the wallet that holds a SIM-bound key and talks to
//! the applet over APDUs, the bank that verifies signatures and chains, and the portal that runs
//! the login. See `README.md` for the capability table.
//!
//! Modules, lowest first (a module uses only modules above it; `ARCHITECTURE.md` has the table
//! and `tests/architecture.rs` checks it):
//! - [`time`]: RFC 3339 in and out (a leaf).
//! - [`algorithms`]: digest algorithms and the dated algorithm policy (a leaf).
//! - [`ec`]: the curves of mobile ID keys and software ECDSA keys (a leaf).
//! - [`apdu`]: APDUs, status words, transport seam, BER-TLV, record/replay.
//! - [`card`]: ISO 7816-4/-8 sequences over any transport, applet profiles, PINs, the virtual SIM.
//! - [`signer`]: the one signing seam ([`signer::DigestSigner`]) with card, software and host
//!   implementations.
//! - [`x509`]: certificate chains (RFC 5280), CRL, OCSP, QC statements, identity.
//! - [`report`]: ETSI EN 319 102-1 indications and per-signature reports.
//! - [`cms`]: CAdES signing and verification, RFC 3161 timestamps.
//! - [`pdf`]: PAdES signing and verification, the bounded PDF reader and change analysis.
//! - [`auth`]: Mobile-ID login, the portal's side (and the phone's answer through a signer).
//! - [`wallet`]: the phone's side over the card: answering a login on the SIM, the mock MSSP.
//!
//! ## A wallet: sign on the SIM, answer a login
//!
//! The wallet reaches the applet through an [`apdu::ApduTransport`] (Android OMAPI, NFC, a PC/SC
//! reader); here the built-in virtual SIM stands in for it. A [`signer::CardSigner`] signs with
//! the SIM's signing key after PIN2 — a PDF with a visible stamp, or any content as CAdES —
//! and [`wallet::answer_challenge`] answers a portal's login challenge after PIN1.
//!
//! ```
//! use std::io::Cursor;
//! use std::time::SystemTime;
//! use mobile_id::card::sim::{SimInit, VirtualSim};
//! use mobile_id::card::{CardSession, Curve, KeyRole};
//! use mobile_id::{cms, pdf, signer::CardSigner, wallet};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let init = SimInit::new(Curve::P256, SystemTime::now());
//! let mut sim = VirtualSim::in_memory(&init)?;
//! let profile = sim.profile().clone();
//! let session = CardSession::new(&mut sim, profile);
//! let mut signer = CardSigner::new(session, KeyRole::Signing, init.pin2.clone())?;
//!
//! // A PDF, signed with a stamp in the lower right of page 1 (PAdES-B-B).
//! let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_secs();
//! let mut options = pdf::PdfSignOptions::new(now);
//! options.reason = Some("Müqavilə ilə razıyam".into());
//! options.stamp = Some(pdf::Stamp::at(pdf::Rect::new(330.0, 60.0, 580.0, 140.0)?));
//! let original = pdf::sample_document(&["A contract"], 0);
//! let mut signed = Cursor::new(Vec::new());
//! pdf::sign(&mut Cursor::new(&original), &mut signed, &mut signer, &options, None)?;
//!
//! // Any content as a detached CAdES signature.
//! let cms_signature = cms::sign(&mut &b"a contract"[..], &mut signer, &cms::CmsSignOptions::detached(Some(now)))?;
//!
//! // The login: the portal sent a challenge hash; PIN1 unlocks the authentication key.
//! let mut session = signer.into_session();
//! let challenge_hash = [7u8; 32];
//! let answer = wallet::answer_challenge(&mut session, &init.pin1, &challenge_hash)?;
//! println!("show {} on the phone, send the signature", answer.verification_code);
//! # assert!(signed.get_ref().len() > original.len() && !cms_signature.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! ## A bank: verify a PDF, a CMS, a chain
//!
//! A [`x509::ChainVerifier`] holds the trust anchors (and caches what it has checked); share one
//! across threads. Each verification returns a report, not an error, for anything the document
//! says: ETSI indications, per-signature integrity, maths, trust, and for PDFs what later
//! revisions changed.
//!
//! ```
//! # use std::io::Cursor;
//! # use std::time::SystemTime;
//! # use mobile_id::card::sim::{SimInit, VirtualSim};
//! # use mobile_id::card::{CardSession, Curve, KeyRole};
//! # use mobile_id::signer::CardSigner;
//! use mobile_id::x509::{ChainVerifier, ParsedCertificate, Purpose, RevocationData, ValidationOptions};
//! use mobile_id::{cms, pdf, report::Indication};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let init = SimInit::new(Curve::P256, SystemTime::now());
//! # let mut sim = VirtualSim::in_memory(&init)?;
//! # let root_der = sim.ca_certificate_der()?;
//! # let profile = sim.profile().clone();
//! # let mut signer = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, init.pin2.clone())?;
//! # let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_secs();
//! # let mut signed = Cursor::new(Vec::new());
//! # pdf::sign(&mut Cursor::new(pdf::sample_document(&["A contract"], 0)), &mut signed, &mut signer, &pdf::PdfSignOptions::new(now), None)?;
//! # let signed_pdf = signed.into_inner();
//! # let content = b"a contract";
//! # let cms_signature = cms::sign(&mut &content[..], &mut signer, &cms::CmsSignOptions::detached(Some(now)))?;
//! # let leaf_der = mobile_id::signer::DigestSigner::certificate(&signer).clone();
//! let verifier = ChainVerifier::new(vec![ParsedCertificate::from_der(&root_der)?]);
//!
//! let report = pdf::verify(Cursor::new(&signed_pdf), &verifier, &pdf::PdfVerifyOptions::new(now))?;
//! for s in &report.signatures {
//!     println!("{}: {} (intact {:?}, trusted {:?}, covers {:?})", s.field, s.indication.as_str(), s.intact, s.trusted, s.coverage);
//! }
//! assert!(report.passed());
//!
//! let report = cms::verify(&cms_signature, Some(&mut &content[..]), &verifier, &cms::CmsVerifyOptions::new(now))?;
//! assert_eq!(report.signers[0].indication, Indication::TotalPassed);
//!
//! let leaf = ParsedCertificate::from_der(&der::Encode::to_der(&leaf_der)?)?;
//! let path = verifier.verify(&leaf, &[], &RevocationData::default(), &ValidationOptions::new(now, Purpose::Signing))?;
//! println!("{} certificates to the anchor", path.chain.len());
//! # Ok(())
//! # }
//! ```
//!
//! ## A portal: challenge, validate, identity
//!
//! The portal issues a single-use [`auth::Challenge`] (its verification code is shown on both
//! screens), keeps it in a [`auth::ChallengeStore`], and validates the phone's answer against
//! its anchors: the signature over the challenge, the authentication certificate's chain and
//! purpose, single use. What it gets back is who logged in.
//!
//! ```
//! # use std::time::SystemTime;
//! # use mobile_id::card::sim::{SimInit, VirtualSim};
//! # use mobile_id::card::{CardSession, Curve};
//! use mobile_id::auth::{self, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore};
//! use mobile_id::x509::{ChainVerifier, ParsedCertificate};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let init = SimInit::new(Curve::P256, SystemTime::now());
//! # let mut sim = VirtualSim::in_memory(&init)?;
//! # let root_der = sim.ca_certificate_der()?;
//! # let profile = sim.profile().clone();
//! # let mut phone = CardSession::new(&mut sim, profile);
//! let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_secs();
//! let verifier = ChainVerifier::new(vec![ParsedCertificate::from_der(&root_der)?]);
//! let store = MemoryChallengeStore::new(10_000);
//!
//! let challenge = Challenge::new(HashType::Sha256, now, auth::DEFAULT_CHALLENGE_LIFETIME)?;
//! store.insert(challenge.clone(), now)?;
//! println!("verification code: {}", challenge.verification_code());
//!
//! // … the phone answers (here: the virtual SIM, after PIN1) …
//! let answer = mobile_id::wallet::answer_challenge(&mut phone, &init.pin1, &challenge.hash)?;
//! let response = AuthenticationResponse { challenge_id: challenge.id.clone(), signature: answer.signature, certificate: answer.certificate };
//!
//! let who = auth::validate_response(&response, &store, &verifier, &AuthOptions::new(now))?;
//! println!("{:?} {:?}", who.identity.given_name, who.identity.surname);
//! // The same answer again is refused: the challenge was used.
//! assert!(auth::validate_response(&response, &store, &verifier, &AuthOptions::new(now)).is_err());
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod algorithms;
pub mod apdu;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod auth;
pub mod card;
pub mod cms;
pub mod ec;
#[cfg(feature = "http")]
pub mod net;
pub mod pdf;
pub mod report;
pub mod signer;
pub mod time;
pub mod wallet;
pub mod x509;
