//! The virtual SIM's persistent state: retry counters, PIN verifiers and certificates in one
//! checksummed JSON file, private keys in PKCS#8 files, all mode 0600 and every change written
//! atomically (temporary file, fsync, rename, fsync of the directory) before the applet answers.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::SimError;
use crate::card::pin::{Pin, PinKind, PinStatus};
use crate::ec::{Curve, EcSigningKey};

/// File holding counters, verifiers and certificates.
pub const STATE_FILE: &str = "sim-state.json";
/// PKCS#8 file of the authentication key.
pub const AUTH_KEY_FILE: &str = "auth-key.p8";
/// PKCS#8 file of the signing key.
pub const SIGN_KEY_FILE: &str = "sign-key.p8";
/// PKCS#8 file of the demo CA key.
pub const CA_KEY_FILE: &str = "ca-key.p8";
/// The format tag written into the state file.
pub const STATE_FORMAT: &str = "mobile-id-virtual-sim/1";
/// Largest state file read; a real one is a few KiB.
const MAX_STATE_FILE: u64 = 1024 * 1024;

/// One PIN or PUK: a salted SHA-256 verifier (never the value) and its counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRecord {
    /// Random salt, hex.
    pub salt: String,
    /// SHA-256(salt ‖ PIN), hex.
    pub verifier: String,
    /// Tries left.
    pub retries_left: u8,
    /// Tries after a reset.
    pub max_retries: u8,
}

impl PinRecord {
    /// A record for `pin` with `max_retries` tries.
    ///
    /// # Errors
    /// [`SimError::Random`] when no salt can be drawn.
    pub fn new(pin: &Pin, max_retries: u8) -> Result<Self, SimError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| SimError::Random)?;
        Ok(Self { salt: hex::encode(salt), verifier: Self::verifier(&salt, pin), retries_left: max_retries, max_retries })
    }

    fn verifier(salt: &[u8], pin: &Pin) -> String {
        let mut h = Sha256::new();
        h.update(salt);
        h.update(pin.expose().as_bytes());
        hex::encode(h.finalize())
    }

    /// Whether `pin` matches, compared in constant time.
    pub fn matches(&self, pin: &Pin) -> bool {
        let Ok(salt) = hex::decode(&self.salt) else { return false };
        let candidate = Self::verifier(&salt, pin);
        candidate.len() == self.verifier.len() && candidate.bytes().zip(self.verifier.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// The status as the card reports it.
    pub fn status(&self) -> PinStatus {
        PinStatus { retries_left: self.retries_left, max_retries: Some(self.max_retries), blocked: self.retries_left == 0 }
    }
}

/// The three secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRecords {
    /// PIN1.
    pub pin1: PinRecord,
    /// PIN2.
    pub pin2: PinRecord,
    /// PUK.
    pub puk: PinRecord,
}

impl PinRecords {
    /// The record of `kind`.
    pub fn get(&self, kind: PinKind) -> &PinRecord {
        match kind {
            PinKind::Pin1 => &self.pin1,
            PinKind::Pin2 => &self.pin2,
            PinKind::Puk => &self.puk,
        }
    }

    /// The record of `kind`, mutable.
    pub fn get_mut(&mut self, kind: PinKind) -> &mut PinRecord {
        match kind {
            PinKind::Pin1 => &mut self.pin1,
            PinKind::Pin2 => &mut self.pin2,
            PinKind::Puk => &mut self.puk,
        }
    }
}

/// Everything about the SIM that must survive a restart, except the private keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimState {
    /// [`STATE_FORMAT`].
    pub format: String,
    /// Curve of both keys.
    pub curve: Curve,
    /// PIN1, PIN2, PUK.
    pub pins: PinRecords,
    /// Authentication certificate, DER in hex.
    pub auth_certificate: String,
    /// Signing certificate, DER in hex.
    pub sign_certificate: String,
    /// Demo root CA certificate, DER in hex.
    pub ca_certificate: String,
}

/// The state file: the state and a SHA-256 over its JSON, so that a flipped byte is noticed.
#[derive(Serialize, Deserialize)]
struct StateFile {
    state: SimState,
    sha256: String,
}

fn state_checksum(state: &SimState) -> Result<String, SimError> {
    let json = serde_json::to_vec(state).map_err(|_| SimError::CorruptState("cannot encode"))?;
    Ok(hex::encode(Sha256::digest(&json)))
}

/// The private keys of a SIM, zeroized on drop.
#[derive(Clone, Debug)]
pub struct SimKeys {
    /// Authentication key.
    pub auth: EcSigningKey,
    /// Signing key.
    pub sign: EcSigningKey,
    /// Demo CA key.
    pub ca: EcSigningKey,
}

/// Where a SIM keeps its state.
#[derive(Clone, Debug)]
pub enum SimStore {
    /// A directory, written atomically on every change.
    Directory(PathBuf),
    /// Memory only (tests, fuzzing, benchmarks): nothing survives the process.
    Memory,
}

impl SimStore {
    /// Writes the state (for [`SimStore::Directory`], atomically and durably).
    ///
    /// # Errors
    /// [`SimError::Io`] when any step of the write fails.
    pub fn save_state(&self, state: &SimState) -> Result<(), SimError> {
        let SimStore::Directory(dir) = self else { return Ok(()) };
        let file = StateFile { state: state.clone(), sha256: state_checksum(state)? };
        let json = serde_json::to_vec_pretty(&file).map_err(|_| SimError::CorruptState("cannot encode"))?;
        write_atomic(&dir.join(STATE_FILE), &json)
    }

    /// Writes the private keys (mode 0600).
    ///
    /// # Errors
    /// [`SimError::Io`] when a write fails.
    pub fn save_keys(&self, keys: &SimKeys) -> Result<(), SimError> {
        let SimStore::Directory(dir) = self else { return Ok(()) };
        for (name, key) in [(AUTH_KEY_FILE, &keys.auth), (SIGN_KEY_FILE, &keys.sign), (CA_KEY_FILE, &keys.ca)] {
            let der = key.to_pkcs8_der().map_err(|_| SimError::CorruptState("cannot encode a key"))?;
            write_atomic(&dir.join(name), &der)?;
        }
        Ok(())
    }
}

/// Reads and checks the state and keys in `dir`.
///
/// # Errors
/// [`SimError::NotInitialised`] when there is no state file; [`SimError::CorruptState`] for a
/// truncated, altered or inconsistent one; [`SimError::Io`] for read failures.
pub fn load(dir: &Path) -> Result<(SimState, SimKeys), SimError> {
    let path = dir.join(STATE_FILE);
    let meta = match fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SimError::NotInitialised),
        Err(e) => return Err(SimError::Io(e.kind())),
    };
    if meta.len() > MAX_STATE_FILE {
        return Err(SimError::CorruptState("state file is too large"));
    }
    let bytes = fs::read(&path).map_err(|e| SimError::Io(e.kind()))?;
    let file: StateFile = serde_json::from_slice(&bytes).map_err(|_| SimError::CorruptState("state file does not parse (truncated or edited)"))?;
    if file.state.format != STATE_FORMAT {
        return Err(SimError::CorruptState("unknown state format"));
    }
    if state_checksum(&file.state)? != file.sha256 {
        return Err(SimError::CorruptState("state checksum does not match"));
    }
    for record in [&file.state.pins.pin1, &file.state.pins.pin2, &file.state.pins.puk] {
        if record.retries_left > record.max_retries || record.max_retries == 0 || record.max_retries > 15 {
            return Err(SimError::CorruptState("retry counter out of range"));
        }
    }
    let read_key = |name: &str| -> Result<EcSigningKey, SimError> {
        let der = Zeroizing::new(fs::read(dir.join(name)).map_err(|e| SimError::Io(e.kind()))?);
        EcSigningKey::from_pkcs8_der(&der).map_err(|_| SimError::CorruptState("a key file does not decode"))
    };
    let keys = SimKeys { auth: read_key(AUTH_KEY_FILE)?, sign: read_key(SIGN_KEY_FILE)?, ca: read_key(CA_KEY_FILE)? };
    if keys.auth.curve() != file.state.curve || keys.sign.curve() != file.state.curve {
        return Err(SimError::CorruptState("key curve does not match the state"));
    }
    Ok((file.state, keys))
}

/// The lock file beside the state.
pub const LOCK_FILE: &str = "lock";
/// How long [`lock`] waits for another holder before giving up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Takes the exclusive lock on the SIM in `dir` (an advisory file lock, released when the
/// returned file is dropped or the process ends, so a crash never leaves it held), waiting up
/// to 30 s for another holder.
///
/// # Errors
/// [`SimError::Busy`] after the wait; [`SimError::Io`] when the lock file cannot be opened.
pub fn lock(dir: &Path) -> Result<fs::File, SimError> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(dir.join(LOCK_FILE)).map_err(|e| SimError::Io(e.kind()))?;
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(fs::TryLockError::WouldBlock) => return Err(SimError::Busy),
            Err(fs::TryLockError::Error(e)) => return Err(SimError::Io(e.kind())),
        }
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new content: a
/// temporary file beside it (mode 0600), fsync, rename over `path`, fsync of the directory.
///
/// # Errors
/// [`SimError::Io`] with the kind of the failing step.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let io = |e: std::io::Error| SimError::Io(e.kind());
    let dir = path.parent().ok_or(SimError::Io(std::io::ErrorKind::InvalidInput))?;
    let mut tmp_name = path.file_name().ok_or(SimError::Io(std::io::ErrorKind::InvalidInput))?.to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    fs::rename(&tmp, path).map_err(io)?;
    #[cfg(unix)]
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    Ok(())
}
