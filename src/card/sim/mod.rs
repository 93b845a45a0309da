//! The virtual SIM: a software implementation of the project's SIM PKI applet
//! ([`AppletProfile::project_sim`]) behind [`ApduTransport`], answering the same commands with
//! the same status words as the real applet, so that tests and the demo exercise the real APDU
//! path.
//!
//! **For tests and demos only.** Its private keys are files on disk (mode 0600) and its demo CA
//! signs whatever identity it is told.
//!
//! Rules it keeps: a wrong PIN decrements the counter and the new counter is on disk before the
//! answer leaves; the right PIN resets it; 0 blocks; the PUK unblocks; a blocked PUK is final;
//! PIN2 is consumed by every signature.

// The demo CA's issuing API is for tests, benches and the demo: public only with the
// `testing` feature; the virtual SIM uses it inside either way.
#[cfg_attr(not(feature = "testing"), allow(dead_code, unreachable_pub))]
mod issuer;
pub mod state;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use der::{Decode, Encode};
use x509_cert::Certificate;

#[cfg(not(feature = "testing"))]
pub(crate) use issuer::DemoCa;
pub use issuer::DemoIdentity;
#[cfg(feature = "testing")]
pub use issuer::{
    DEMO_POLICY, DemoCa, ID_KP_CLIENT_AUTH, ID_PE_QC_STATEMENTS, QC_COMPLIANCE, QC_SSCD, QC_TYPE, QC_TYPE_ESIGN, QcStatement, ca_extensions, extension,
    key_identifier,
};
pub use state::{PinRecord, PinRecords, SimKeys, SimState, SimStore};

use crate::apdu::{ApduTransport, CommandApdu, LogicalChannel, ResponseApdu, StatusWord, TlvReader, TransportError, encode_tlv};
use crate::card::pin::{Pin, PinKind, PinStatus};
use crate::card::profile::{AppletProfile, KeyRole, PinPolicy};
use crate::ec::{Curve, EcSigningKey, MAX_DIGEST_LEN, MIN_DIGEST_LEN};

/// Errors of the virtual SIM's setup and storage (never of its APDU answers, which are status
/// words).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The directory has no SIM.
    #[error("no virtual SIM in that directory (run `mobile-id sim init` first)")]
    NotInitialised,
    /// The directory already holds a SIM.
    #[error("that directory already holds a virtual SIM")]
    AlreadyInitialised,
    /// The state is damaged; nothing was reset.
    #[error("the virtual SIM state is corrupt: {0}; it was not reset")]
    CorruptState(&'static str),
    /// A file operation failed.
    #[error("virtual SIM storage failed: {0}")]
    Io(std::io::ErrorKind),
    /// The random source failed.
    #[error("the random source failed")]
    Random,
    /// A certificate could not be built.
    #[error("a demo certificate could not be built")]
    Certificate,
    /// Another process (or another open handle) holds the SIM for longer than the wait allows.
    #[error("the virtual SIM is in use by another process; try again")]
    Busy,
    /// An initial PIN does not fit the applet's policy.
    #[error("the initial {0} does not fit the applet's PIN policy")]
    InitialPin(PinKind),
}

/// How to set up a new virtual SIM.
#[derive(Clone, Debug)]
pub struct SimInit {
    /// Curve of both keys and of the demo CA.
    pub curve: Curve,
    /// Initial PIN1.
    pub pin1: Pin,
    /// Initial PIN2.
    pub pin2: Pin,
    /// Initial PUK.
    pub puk: Pin,
    /// Tries for PIN1, PIN2, PUK.
    pub retries: [u8; 3],
    /// The certificate holder.
    pub identity: DemoIdentity,
    /// "Now", for the certificates' validity.
    pub now: SystemTime,
}

impl SimInit {
    /// The defaults: PIN1 1234, PIN2 12345, PUK 12345678, 3/3/10 tries, the demo identity.
    pub fn new(curve: Curve, now: SystemTime) -> Self {
        Self { curve, pin1: Pin::new("1234"), pin2: Pin::new("12345"), puk: Pin::new("12345678"), retries: [3, 3, 10], identity: DemoIdentity::default(), now }
    }
}

/// What the applet remembers between commands and forgets at reset.
#[derive(Clone, Debug, Default)]
struct Volatile {
    application_selected: bool,
    current_ef: Option<KeyRole>,
    environment: Option<KeyRole>,
    pin1_verified: bool,
    pin2_verified: bool,
    puk_verified: bool,
    pending: Vec<u8>,
}

/// The virtual SIM applet. A clone shares nothing with the original: cloning one stored in a
/// directory gives two applets writing the same files, so clone in-memory SIMs only.
#[derive(Clone, Debug)]
pub struct VirtualSim {
    profile: AppletProfile,
    state: SimState,
    keys: SimKeys,
    store: SimStore,
    auth_certificate: Vec<u8>,
    sign_certificate: Vec<u8>,
    volatile: Volatile,
    /// The state directory's lock, held while this handle lives.
    lock: Option<std::sync::Arc<std::fs::File>>,
}

const OK: StatusWord = StatusWord::OK;

impl VirtualSim {
    /// Creates a SIM in `dir` (created if missing; refused if it already holds one): generates
    /// both key pairs, a demo CA and the two certificates, and writes everything.
    ///
    /// # Errors
    /// [`SimError`] for storage, randomness, PIN policy or certificate failures.
    pub fn init(dir: &Path, init: &SimInit) -> Result<Self, SimError> {
        std::fs::create_dir_all(dir).map_err(|e| SimError::Io(e.kind()))?;
        let lock = state::lock(dir)?;
        if dir.join(state::STATE_FILE).exists() {
            return Err(SimError::AlreadyInitialised);
        }
        let mut sim = Self::create(SimStore::Directory(dir.to_path_buf()), init)?;
        sim.store.save_keys(&sim.keys)?;
        sim.store.save_state(&sim.state)?;
        sim.lock = Some(std::sync::Arc::new(lock));
        Ok(sim)
    }

    /// A SIM that lives in memory only.
    ///
    /// # Errors
    /// As [`Self::init`], without storage.
    pub fn in_memory(init: &SimInit) -> Result<Self, SimError> {
        Self::create(SimStore::Memory, init)
    }

    fn create(store: SimStore, init: &SimInit) -> Result<Self, SimError> {
        let profile = AppletProfile::project_sim(init.curve);
        for (kind, pin) in [(PinKind::Pin1, &init.pin1), (PinKind::Pin2, &init.pin2), (PinKind::Puk, &init.puk)] {
            pin.check(profile.pin_policy(kind)).map_err(|_| SimError::InitialPin(kind))?;
        }
        let ca = DemoCa::generate(init.curve, init.now)?;
        let auth = EcSigningKey::generate(init.curve).map_err(|_| SimError::Random)?;
        let sign = EcSigningKey::generate(init.curve).map_err(|_| SimError::Random)?;
        let spki = |k: &EcSigningKey| k.public_key_info().map_err(|_| SimError::Certificate);
        let auth_cert = ca.issue_person(KeyRole::Authentication, spki(&auth)?, &init.identity, init.now)?;
        let sign_cert = ca.issue_person(KeyRole::Signing, spki(&sign)?, &init.identity, init.now)?;
        let der = |c: &Certificate| c.to_der().map_err(|_| SimError::Certificate);
        let [r1, r2, r3] = init.retries;
        let state = SimState {
            format: state::STATE_FORMAT.into(),
            curve: init.curve,
            pins: PinRecords { pin1: PinRecord::new(&init.pin1, r1)?, pin2: PinRecord::new(&init.pin2, r2)?, puk: PinRecord::new(&init.puk, r3)? },
            auth_certificate: hex::encode(der(&auth_cert)?),
            sign_certificate: hex::encode(der(&sign_cert)?),
            ca_certificate: hex::encode(der(ca.certificate())?),
        };
        let keys = SimKeys { auth, sign, ca: ca.key().clone() };
        Self::assemble(state, keys, store)
    }

    fn assemble(state: SimState, keys: SimKeys, store: SimStore) -> Result<Self, SimError> {
        let decode = |h: &str| -> Result<Vec<u8>, SimError> {
            let bytes = hex::decode(h).map_err(|_| SimError::CorruptState("a certificate is not hex"))?;
            Certificate::from_der(&bytes).map_err(|_| SimError::CorruptState("a certificate does not decode"))?;
            Ok(bytes)
        };
        let auth_certificate = decode(&state.auth_certificate)?;
        let sign_certificate = decode(&state.sign_certificate)?;
        decode(&state.ca_certificate)?;
        Ok(Self {
            profile: AppletProfile::project_sim(state.curve),
            state,
            keys,
            store,
            auth_certificate,
            sign_certificate,
            volatile: Volatile::default(),
            lock: None,
        })
    }

    /// Opens the SIM stored in `dir`.
    ///
    /// # Errors
    /// [`SimError::NotInitialised`], [`SimError::CorruptState`] (never a silent reset), I/O.
    pub fn open(dir: &Path) -> Result<Self, SimError> {
        if !dir.join(state::STATE_FILE).exists() {
            return Err(SimError::NotInitialised);
        }
        // Held from the read to the last write, so that counters are changed by one process
        // at a time (two wrong PINs are never counted as one).
        let lock = state::lock(dir)?;
        let (state, keys) = state::load(dir)?;
        let mut sim = Self::assemble(state, keys, SimStore::Directory(dir.to_path_buf()))?;
        sim.lock = Some(std::sync::Arc::new(lock));
        Ok(sim)
    }

    /// The profile this applet implements (hand it to [`crate::card::CardSession`]).
    pub fn profile(&self) -> &AppletProfile {
        &self.profile
    }

    /// The state directory, if any.
    pub fn directory(&self) -> Option<&PathBuf> {
        match &self.store {
            SimStore::Directory(d) => Some(d),
            SimStore::Memory => None,
        }
    }

    /// The demo CA's root certificate, DER.
    ///
    /// # Errors
    /// [`SimError::CorruptState`] if the stored hex is damaged.
    pub fn ca_certificate_der(&self) -> Result<Vec<u8>, SimError> {
        hex::decode(&self.state.ca_certificate).map_err(|_| SimError::CorruptState("CA certificate is not hex"))
    }

    /// The demo CA (to issue further certificates in tests: TSA, OCSP responder, …); with the
    /// `testing` feature.
    ///
    /// # Errors
    /// [`SimError::CorruptState`] if the stored certificate is damaged.
    #[cfg(feature = "testing")]
    pub fn demo_ca(&self) -> Result<DemoCa, SimError> {
        let cert = Certificate::from_der(&self.ca_certificate_der()?).map_err(|_| SimError::CorruptState("CA certificate does not decode"))?;
        Ok(DemoCa::from_parts(self.keys.ca.clone(), cert))
    }

    /// The counters as stored, for checks that go around the APDU interface.
    pub fn counters(&self) -> [PinStatus; 3] {
        [self.state.pins.pin1.status(), self.state.pins.pin2.status(), self.state.pins.puk.status()]
    }

    /// A card reset: forgets selections, security environment and verified PINs.
    pub fn reset(&mut self) {
        self.volatile = Volatile::default();
    }

    /// Answers one command APDU. Never fails: every problem is a status word.
    pub fn process(&mut self, command: &[u8]) -> ResponseApdu {
        let Ok(cmd) = CommandApdu::parse(command) else {
            self.volatile.pending.clear();
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        };
        if let Some(sw) = class_error(cmd.cla) {
            return ResponseApdu::status(sw);
        }
        if cmd.ins != 0xC0 {
            self.volatile.pending.clear();
        }
        match cmd.ins {
            0xA4 => self.select(&cmd),
            0xB0 => self.read_binary(&cmd),
            0xCB => self.get_data(&cmd),
            0x20 => self.verify(&cmd),
            0x24 => self.change_reference_data(&cmd),
            0x2C => self.reset_retry_counter(&cmd),
            0x22 => self.manage_security_environment(&cmd),
            0x2A => self.perform_security_operation(&cmd),
            0x88 => self.internal_authenticate(&cmd),
            0xC0 => self.get_response(&cmd),
            _ => ResponseApdu::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// Sends `data` back within the command's Ne: 61xx (data waiting for GET RESPONSE) when
    /// the command had no Le, 6Cxx when Le was too small, as ISO 7816-4 §5.3.4 and §5.6 allow.
    fn answer(&mut self, cmd: &CommandApdu, data: Vec<u8>) -> ResponseApdu {
        match cmd.ne {
            _ if data.is_empty() => ResponseApdu::status(OK),
            None => {
                let sw2 = data.len().min(256) as u8;
                self.volatile.pending = data;
                ResponseApdu::status(StatusWord::from_bytes(0x61, sw2))
            }
            Some(ne) if (ne as usize) < data.len() && data.len() <= 256 => ResponseApdu::status(StatusWord::from_bytes(0x6C, data.len() as u8)),
            Some(ne) if (ne as usize) < data.len() => {
                let mut data = data;
                let rest = data.split_off(ne as usize);
                let sw2 = rest.len().min(256) as u8;
                self.volatile.pending = rest;
                ResponseApdu::new(data, StatusWord::from_bytes(0x61, sw2))
            }
            Some(_) => ResponseApdu::new(data, OK),
        }
    }

    fn get_response(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        if self.volatile.pending.is_empty() {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let ne = cmd.ne.unwrap_or(256) as usize;
        let take = ne.min(self.volatile.pending.len());
        let rest = self.volatile.pending.split_off(take);
        let data = std::mem::replace(&mut self.volatile.pending, rest);
        let sw = if self.volatile.pending.is_empty() { OK } else { StatusWord::from_bytes(0x61, self.volatile.pending.len().min(256) as u8) };
        ResponseApdu::new(data, sw)
    }

    fn select(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        match (cmd.p1, cmd.p2) {
            (0x04, 0x0C | 0x00 | 0x04) => {
                if cmd.data != self.profile.aid {
                    return ResponseApdu::status(StatusWord::FILE_NOT_FOUND);
                }
                self.volatile.application_selected = true;
                self.volatile.current_ef = None;
                self.volatile.environment = None;
                if cmd.p2 == 0x0C {
                    return ResponseApdu::status(OK);
                }
                let fcp = encode_tlv(0x62, &encode_tlv(0x84, &self.profile.aid));
                self.answer(cmd, fcp)
            }
            (0x08 | 0x09, 0x04 | 0x0C) => {
                if !self.volatile.application_selected {
                    return ResponseApdu::status(StatusWord::FILE_NOT_FOUND);
                }
                let role = [KeyRole::Authentication, KeyRole::Signing].into_iter().find(|r| self.profile.key(*r).certificate_path == cmd.data);
                let Some(role) = role else { return ResponseApdu::status(StatusWord::FILE_NOT_FOUND) };
                self.volatile.current_ef = Some(role);
                if cmd.p2 == 0x0C {
                    return ResponseApdu::status(OK);
                }
                let size = self.certificate(role).len() as u16;
                let fid = cmd.data.rchunks(2).next().unwrap_or_default().to_vec();
                let body = [encode_tlv(0x80, &size.to_be_bytes()), encode_tlv(0x82, &[0x01]), encode_tlv(0x83, &fid)].concat();
                self.answer(cmd, encode_tlv(0x62, &body))
            }
            _ => ResponseApdu::status(StatusWord::WRONG_P1P2),
        }
    }

    fn certificate(&self, role: KeyRole) -> &[u8] {
        match role {
            KeyRole::Authentication => &self.auth_certificate,
            KeyRole::Signing => &self.sign_certificate,
        }
    }

    fn read_binary(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 & 0x80 != 0 {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        let Some(role) = self.volatile.current_ef else { return ResponseApdu::status(StatusWord::COMMAND_NOT_ALLOWED) };
        let Some(ne) = cmd.ne else { return ResponseApdu::status(StatusWord::WRONG_LENGTH) };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let file = self.certificate(role);
        let Some(rest) = file.get(offset..).filter(|r| !r.is_empty()) else {
            return ResponseApdu::status(StatusWord::WRONG_OFFSET);
        };
        let take = rest.len().min(ne as usize);
        let data = rest.get(..take).unwrap_or_default().to_vec();
        // 6282: end of file reached before Ne bytes were read.
        let sw = if take < ne as usize && !(ne == 256 && cmd.data.is_empty() && take == rest.len()) { StatusWord(0x6282) } else { OK };
        ResponseApdu::new(data, sw)
    }

    fn pin_by_reference(&self, reference: u8) -> Option<PinKind> {
        [PinKind::Pin1, PinKind::Pin2, PinKind::Puk].into_iter().find(|k| self.profile.pin_policy(*k).reference == reference)
    }

    fn get_data(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        let Ok(Some(list)) = TlvReader::find_path(&cmd.data, &[0x4D, 0x70]) else {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        };
        let Some(Ok(requested)) = TlvReader::new(list).next() else { return ResponseApdu::status(StatusWord::WRONG_DATA) };
        let kind = [PinKind::Pin1, PinKind::Pin2, PinKind::Puk]
            .into_iter()
            .find(|k| 0xBF8100 | u32::from(self.profile.pin_policy(*k).status_reference) == requested.tag);
        let Some(kind) = kind else { return ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND) };
        let record = self.state.pins.get(kind);
        let inner = [encode_tlv(0x9A, &[record.max_retries]), encode_tlv(0x9B, &[record.retries_left])].concat();
        let data = encode_tlv(0x70, &encode_tlv(requested.tag, &encode_tlv(0xA0, &inner)));
        self.answer(cmd, data)
    }

    fn verified_mut(&mut self, kind: PinKind) -> &mut bool {
        match kind {
            PinKind::Pin1 => &mut self.volatile.pin1_verified,
            PinKind::Pin2 => &mut self.volatile.pin2_verified,
            PinKind::Puk => &mut self.volatile.puk_verified,
        }
    }

    /// Writes the state after a decrement, which is already in memory and stays there even if
    /// the write fails (the command then answers 6581): a try is never given back.
    fn persist(&mut self) -> Result<(), StatusWord> {
        self.store.save_state(&self.state).map_err(|_| StatusWord::MEMORY_FAILURE)
    }

    /// Applies a change that grants something (a counter reset, a new PIN) only once it is
    /// stored: on a failed write memory keeps the old state and the command answers 6581.
    fn commit(&mut self, change: impl FnOnce(&mut SimState)) -> Result<(), StatusWord> {
        let mut next = self.state.clone();
        change(&mut next);
        self.store.save_state(&next).map_err(|_| StatusWord::MEMORY_FAILURE)?;
        self.state = next;
        Ok(())
    }

    /// Checks `candidate` against `kind`'s record, with the counter rules. The decrement is
    /// stored before this returns.
    fn check_secret(&mut self, kind: PinKind, candidate: &Pin) -> Result<(), StatusWord> {
        let record = self.state.pins.get_mut(kind);
        if record.retries_left == 0 {
            return Err(StatusWord::AUTH_METHOD_BLOCKED);
        }
        if record.matches(candidate) {
            if record.retries_left != record.max_retries {
                let max = record.max_retries;
                self.commit(|state| state.pins.get_mut(kind).retries_left = max)?;
            }
            Ok(())
        } else {
            record.retries_left -= 1;
            let left = record.retries_left;
            *self.verified_mut(kind) = false;
            self.persist()?;
            Err(StatusWord::verify_failed(left))
        }
    }

    fn verify(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0x00 {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        let Some(kind) = self.pin_by_reference(cmd.p2) else { return ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND) };
        if cmd.data.is_empty() {
            // Status query (ISO 7816-4 §11.5.6): no try is used.
            let left = self.state.pins.get(kind).retries_left;
            let sw = if left == 0 {
                StatusWord::AUTH_METHOD_BLOCKED
            } else if *self.verified_mut(kind) {
                OK
            } else {
                StatusWord::verify_failed(left)
            };
            return ResponseApdu::status(sw);
        }
        let policy = self.profile.pin_policy(kind).clone();
        let candidate = match unpad(&cmd.data, &policy) {
            Ok(pin) => pin,
            Err(sw) => return ResponseApdu::status(sw),
        };
        match self.check_secret(kind, &candidate) {
            Ok(()) => {
                *self.verified_mut(kind) = true;
                ResponseApdu::status(OK)
            }
            Err(sw) => ResponseApdu::status(sw),
        }
    }

    fn set_secret(&mut self, kind: PinKind, new: &Pin) -> Result<(), StatusWord> {
        let max = self.state.pins.get(kind).max_retries;
        let record = PinRecord::new(new, max).map_err(|_| StatusWord::MEMORY_FAILURE)?;
        self.commit(|state| *state.pins.get_mut(kind) = record)
    }

    fn change_reference_data(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.p1 != 0x00 {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        let Some(kind) = self.pin_by_reference(cmd.p2) else { return ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND) };
        let policy = self.profile.pin_policy(kind).clone();
        let width = usize::from(policy.padded_length);
        if cmd.data.len() != 2 * width {
            return ResponseApdu::status(StatusWord::WRONG_LENGTH);
        }
        let (old, new) = cmd.data.split_at(width);
        // Both formats are checked before the old value is compared, so a typo in the new PIN
        // costs no try.
        let (old, new) = match (unpad(old, &policy), unpad(new, &policy)) {
            (Ok(o), Ok(n)) => (o, n),
            (Err(sw), _) | (_, Err(sw)) => return ResponseApdu::status(sw),
        };
        let result = self.check_secret(kind, &old).and_then(|()| self.set_secret(kind, &new));
        *self.verified_mut(kind) = false;
        ResponseApdu::status(result.err().unwrap_or(OK))
    }

    fn reset_retry_counter(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(kind) = self.pin_by_reference(cmd.p2).filter(|k| *k != PinKind::Puk) else {
            return ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND);
        };
        let pin_policy = self.profile.pin_policy(kind).clone();
        let puk_policy = self.profile.puk.clone();
        let puk_width = usize::from(puk_policy.padded_length);
        // P1: 00 PUK ‖ new, 01 PUK only, 02 new only (PUK verified before), 03 nothing.
        let (puk, new) = match cmd.p1 {
            0x00 if cmd.data.len() == puk_width + usize::from(pin_policy.padded_length) => {
                let (p, n) = cmd.data.split_at(puk_width);
                match (unpad(p, &puk_policy), unpad(n, &pin_policy)) {
                    (Ok(p), Ok(n)) => (Some(p), Some(n)),
                    (Err(sw), _) | (_, Err(sw)) => return ResponseApdu::status(sw),
                }
            }
            0x01 if cmd.data.len() == puk_width => match unpad(&cmd.data, &puk_policy) {
                Ok(p) => (Some(p), None),
                Err(sw) => return ResponseApdu::status(sw),
            },
            0x02 if cmd.data.len() == usize::from(pin_policy.padded_length) => match unpad(&cmd.data, &pin_policy) {
                Ok(n) => (None, Some(n)),
                Err(sw) => return ResponseApdu::status(sw),
            },
            0x03 if cmd.data.is_empty() => (None, None),
            0x00..=0x03 => return ResponseApdu::status(StatusWord::WRONG_LENGTH),
            _ => return ResponseApdu::status(StatusWord::WRONG_P1P2),
        };
        let authorised = match &puk {
            Some(p) => self.check_secret(PinKind::Puk, p),
            None if self.volatile.puk_verified && self.state.pins.puk.retries_left > 0 => Ok(()),
            None => Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
        };
        self.volatile.puk_verified = false;
        if let Err(sw) = authorised {
            return ResponseApdu::status(sw);
        }
        let result = match new {
            Some(n) => self.set_secret(kind, &n),
            None => self.commit(|state| {
                let record = state.pins.get_mut(kind);
                record.retries_left = record.max_retries;
            }),
        };
        ResponseApdu::status(result.err().unwrap_or(OK))
    }

    fn manage_security_environment(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let role = match (cmd.p1, cmd.p2) {
            (0x41, 0xB6) => KeyRole::Signing,
            (0x41, 0xA4) => KeyRole::Authentication,
            _ => return ResponseApdu::status(StatusWord::WRONG_P1P2),
        };
        if !self.volatile.application_selected {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let key = self.profile.key(role);
        let algorithm = TlvReader::find(&cmd.data, 0x80);
        let reference = TlvReader::find(&cmd.data, 0x84);
        match (algorithm, reference) {
            (Ok(Some(&[a])), Ok(Some(&[r]))) if a == key.algorithm && r == key.key_reference => {
                self.volatile.environment = Some(role);
                ResponseApdu::status(OK)
            }
            (Ok(_), Ok(_)) => {
                self.volatile.environment = None;
                ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND)
            }
            _ => {
                self.volatile.environment = None;
                ResponseApdu::status(StatusWord::WRONG_DATA)
            }
        }
    }

    fn private_key_operation(&mut self, cmd: &CommandApdu, role: KeyRole) -> ResponseApdu {
        if self.volatile.environment != Some(role) {
            return ResponseApdu::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let verified = match role {
            KeyRole::Authentication => self.volatile.pin1_verified,
            // PIN2 is good for exactly one signature attempt.
            KeyRole::Signing => std::mem::take(&mut self.volatile.pin2_verified),
        };
        if !verified {
            return ResponseApdu::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        if !(MIN_DIGEST_LEN..=MAX_DIGEST_LEN).contains(&cmd.data.len()) {
            return ResponseApdu::status(StatusWord::WRONG_DATA);
        }
        let key = match role {
            KeyRole::Authentication => &self.keys.auth,
            KeyRole::Signing => &self.keys.sign,
        };
        match key.sign_prehash_raw(&cmd.data) {
            Ok(signature) => self.answer(cmd, signature),
            Err(_) => ResponseApdu::status(StatusWord::WRONG_DATA),
        }
    }

    fn perform_security_operation(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if (cmd.p1, cmd.p2) != (0x9E, 0x9A) {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        self.private_key_operation(cmd, KeyRole::Signing)
    }

    fn internal_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if (cmd.p1, cmd.p2) != (0x00, 0x00) {
            return ResponseApdu::status(StatusWord::WRONG_P1P2);
        }
        self.private_key_operation(cmd, KeyRole::Authentication)
    }
}

impl ApduTransport for VirtualSim {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.process(command).to_bytes())
    }
}

/// Refuses class bytes this applet does not implement: proprietary classes (6E00), secure
/// messaging (6882) and command chaining (6884), per ISO 7816-4 §5.4.1.
fn class_error(cla: u8) -> Option<StatusWord> {
    if LogicalChannel::from_cla(cla).is_none() {
        return Some(StatusWord::CLA_NOT_SUPPORTED);
    }
    let secure_messaging = match cla & 0xE0 {
        0x00 | 0x20 => cla & 0x0C != 0,
        _ => cla & 0x20 != 0,
    };
    if secure_messaging {
        Some(StatusWord::SECURE_MESSAGING_NOT_SUPPORTED)
    } else if cla & 0x10 != 0 {
        Some(StatusWord::CHAINING_NOT_SUPPORTED)
    } else {
        None
    }
}

/// Reads a padded PIN from command data: exactly the padded length, digits then padding only.
fn unpad(data: &[u8], policy: &PinPolicy) -> Result<Pin, StatusWord> {
    if data.len() != usize::from(policy.padded_length) {
        return Err(StatusWord::WRONG_LENGTH);
    }
    let digits = data.iter().take_while(|b| b.is_ascii_digit()).count();
    let (value, padding) = data.split_at(digits);
    if padding.iter().any(|b| *b != policy.padding) {
        return Err(StatusWord::WRONG_DATA);
    }
    let pin = Pin::new(String::from_utf8_lossy(value).into_owned());
    pin.check(policy).map_err(|_| StatusWord::WRONG_DATA)?;
    Ok(pin)
}
