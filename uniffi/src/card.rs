//! SIM and card access from the host: the host's channel (Android OMAPI, NFC IsoDep, iOS
//! CoreNFC) as a foreign trait, a card session over it, and the virtual SIM.

use std::sync::{Arc, Mutex};

use der::Decode;
use mobile_id::apdu::{ApduTransport, LogicalChannel, TransportError};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{AppletProfile, CardSession, Curve, KeyRole, Pin, PinKind, SessionOptions};

use crate::MobileIdError;

/// A channel to the applet, implemented by the host: one command APDU in, the response (data
/// and SW1 SW2) out.
#[uniffi::export(with_foreign)]
pub trait ApduChannel: Send + Sync {
    /// Sends one command APDU.
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, MobileIdError>;
}

/// The host channel as the core's transport. Holds no lock while the host runs.
pub(crate) struct HostTransport(pub(crate) Arc<dyn ApduChannel>);

impl ApduTransport for HostTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command.to_vec()).map_err(|e| match e {
            MobileIdError::CardUnavailable { .. } => TransportError::Unavailable,
            other => TransportError::Host { reason: other.to_string() },
        })
    }
}

/// Which applet is on the other side.
#[derive(Clone, Copy, Debug, uniffi::Enum)]
pub enum AppletKind {
    /// The project's SIM PKI applet with P-256 keys.
    ProjectSimP256,
    /// The project's SIM PKI applet with P-384 keys.
    ProjectSimP384,
    /// The Estonian ID card 2018.
    EstonianIdCard2018,
}

impl AppletKind {
    pub(crate) fn profile(self) -> AppletProfile {
        match self {
            Self::ProjectSimP256 => AppletProfile::project_sim(Curve::P256),
            Self::ProjectSimP384 => AppletProfile::project_sim(Curve::P384),
            Self::EstonianIdCard2018 => AppletProfile::esteid_2018(),
        }
    }
}

/// Which key.
#[derive(Clone, Copy, Debug, uniffi::Enum)]
pub enum KeyKind {
    /// Authentication (PIN1).
    Authentication,
    /// Signing (PIN2).
    Signing,
}

impl KeyKind {
    pub(crate) fn role(self) -> KeyRole {
        match self {
            Self::Authentication => KeyRole::Authentication,
            Self::Signing => KeyRole::Signing,
        }
    }
}

/// Which secret.
#[derive(Clone, Copy, Debug, uniffi::Enum)]
pub enum PinId {
    /// PIN1.
    Pin1,
    /// PIN2.
    Pin2,
    /// PUK.
    Puk,
}

impl PinId {
    fn kind(self) -> PinKind {
        match self {
            Self::Pin1 => PinKind::Pin1,
            Self::Pin2 => PinKind::Pin2,
            Self::Puk => PinKind::Puk,
        }
    }
}

/// Retry status of a PIN.
#[derive(Clone, Debug, uniffi::Record)]
pub struct PinState {
    /// Tries left.
    pub retries_left: u8,
    /// Maximum tries, when the card says.
    pub max_retries: Option<u8>,
    /// Blocked.
    pub blocked: bool,
}

/// A session with the applet behind a host channel. Every call runs its own APDU sequence; no
/// lock is held while the host transmits.
#[derive(uniffi::Object)]
pub struct SimSession {
    channel: Arc<dyn ApduChannel>,
    profile: AppletProfile,
    options: SessionOptions,
}

impl SimSession {
    pub(crate) fn session(&self) -> CardSession<HostTransport> {
        CardSession::with_options(HostTransport(self.channel.clone()), self.profile.clone(), self.options)
    }
}

#[uniffi::export]
impl SimSession {
    /// A session over `channel`. `logical_channel` is the channel number the host opened (0 for
    /// the basic channel); `applet_selected_by_host` is true when the host already selected the
    /// applet (Android OMAPI `openLogicalChannel`).
    #[uniffi::constructor]
    pub fn new(channel: Arc<dyn ApduChannel>, applet: AppletKind, logical_channel: u8, applet_selected_by_host: bool) -> Result<Arc<Self>, MobileIdError> {
        let logical = LogicalChannel::new(logical_channel).map_err(|e| MobileIdError::InvalidInput { reason: e.to_string() })?;
        Ok(Arc::new(Self { channel, profile: applet.profile(), options: SessionOptions { channel: logical, applet_selected_by_host } }))
    }

    /// A session on the virtual SIM itself, with no host channel in between.
    #[uniffi::constructor]
    pub fn on_virtual_sim(card: Arc<VirtualSimCard>) -> Result<Arc<Self>, MobileIdError> {
        let profile = card.sim.lock().map_err(|_| MobileIdError::CardUnavailable { reason: "the virtual SIM is poisoned".into() })?.profile().clone();
        Ok(Arc::new(Self { channel: card, profile, options: SessionOptions::default() }))
    }

    /// The certificate of a key, DER.
    pub fn read_certificate(&self, key: KeyKind) -> Result<Vec<u8>, MobileIdError> {
        Ok(self.session().read_certificate(key.role())?)
    }

    /// A PIN's retry status.
    pub fn pin_state(&self, pin: PinId) -> Result<PinState, MobileIdError> {
        let s = self.session().pin_status(pin.kind())?;
        Ok(PinState { retries_left: s.retries_left, max_retries: s.max_retries, blocked: s.blocked })
    }

    /// VERIFY.
    pub fn verify_pin(&self, pin: PinId, value: String) -> Result<(), MobileIdError> {
        Ok(self.session().verify_pin(pin.kind(), &Pin::new(value))?)
    }

    /// CHANGE REFERENCE DATA.
    pub fn change_pin(&self, pin: PinId, current: String, new: String) -> Result<(), MobileIdError> {
        Ok(self.session().change_pin(pin.kind(), &Pin::new(current), &Pin::new(new))?)
    }

    /// Unblocks a PIN with the PUK and sets a new value.
    pub fn unblock_pin(&self, pin: PinId, puk: String, new: String) -> Result<(), MobileIdError> {
        Ok(self.session().unblock_pin(pin.kind(), &Pin::new(puk), &Pin::new(new))?)
    }

    /// Signs a digest with the signing key after PIN2; returns a DER signature checked against
    /// the certificate.
    pub fn sign_digest(&self, pin2: String, digest: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        Ok(mobile_id::signer::sign_on_card(&mut self.session(), KeyRole::Signing, &Pin::new(pin2), &digest)?.1)
    }
}

/// The virtual SIM (tests and demos only): an applet in software that a host channel can
/// forward to.
#[derive(uniffi::Object)]
pub struct VirtualSimCard {
    sim: Mutex<VirtualSim>,
}

#[uniffi::export]
impl VirtualSimCard {
    /// A new SIM in memory (PIN1 1234, PIN2 12345, PUK 12345678).
    #[uniffi::constructor]
    pub fn new_in_memory(p384: bool) -> Result<Arc<Self>, MobileIdError> {
        let curve = if p384 { Curve::P384 } else { Curve::P256 };
        let sim = VirtualSim::in_memory(&SimInit::new(curve, std::time::SystemTime::now()))?;
        Ok(Arc::new(Self { sim: Mutex::new(sim) }))
    }

    /// The SIM stored in `directory` (made by `mobile-id sim init`).
    #[uniffi::constructor]
    pub fn open(directory: String) -> Result<Arc<Self>, MobileIdError> {
        Ok(Arc::new(Self { sim: Mutex::new(VirtualSim::open(std::path::Path::new(&directory))?) }))
    }

    /// Answers one command APDU, as a SIM would.
    pub fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        let mut sim = self.sim.lock().map_err(|_| MobileIdError::CardUnavailable { reason: "the virtual SIM is poisoned".into() })?;
        Ok(sim.process(&command).to_bytes())
    }

    /// The demo CA's root certificate, DER (trust it to verify this SIM's signatures).
    pub fn ca_certificate(&self) -> Result<Vec<u8>, MobileIdError> {
        let sim = self.sim.lock().map_err(|_| MobileIdError::CardUnavailable { reason: "the virtual SIM is poisoned".into() })?;
        Ok(sim.ca_certificate_der()?)
    }

    /// Issues a signing certificate (nonRepudiation) from the demo CA for a public key
    /// (SubjectPublicKeyInfo DER) — for tests of host key stores.
    pub fn issue_signing_certificate(&self, subject_public_key_info: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        use der::Encode;
        let sim = self.sim.lock().map_err(|_| MobileIdError::CardUnavailable { reason: "the virtual SIM is poisoned".into() })?;
        let ca = sim.demo_ca()?;
        let spki = spki_from(&subject_public_key_info)?;
        let ku = mobile_id::card::sim::extension(
            der::asn1::ObjectIdentifier::new_unwrap("2.5.29.15"),
            true,
            &x509_cert::ext::pkix::KeyUsage(x509_cert::ext::pkix::KeyUsages::NonRepudiation.into()),
        )?;
        let now = std::time::SystemTime::now();
        let cert =
            ca.issue("CN=Host Key,O=mobile-id tests", spki, now - std::time::Duration::from_secs(60), now + std::time::Duration::from_secs(86_400), vec![ku])?;
        cert.to_der().map_err(|_| MobileIdError::InvalidInput { reason: "certificate".into() })
    }

    /// A current CRL (DER) from the demo CA revoking nothing, valid for a day — revocation
    /// data for tests of relying parties.
    pub fn ca_crl(&self) -> Result<Vec<u8>, MobileIdError> {
        let sim = self.sim.lock().map_err(|_| MobileIdError::CardUnavailable { reason: "the virtual SIM is poisoned".into() })?;
        let ca = sim.demo_ca()?;
        let now = std::time::SystemTime::now();
        Ok(ca.issue_crl(&[], now - std::time::Duration::from_secs(60), now + std::time::Duration::from_secs(86_400))?)
    }
}

/// The virtual SIM answers as a host channel would, so a session can run on it directly.
impl ApduChannel for VirtualSimCard {
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, MobileIdError> {
        VirtualSimCard::transmit(self, command)
    }
}

fn spki_from(der_bytes: &[u8]) -> Result<x509_cert::spki::SubjectPublicKeyInfoOwned, MobileIdError> {
    x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(der_bytes).map_err(|_| MobileIdError::InvalidInput { reason: "not a SubjectPublicKeyInfo".into() })
}
