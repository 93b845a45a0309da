//! The virtual SIM's state directory: counters survive restarts, damage is reported (never a
//! silent reset), secrets are private files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::time::SystemTime;

use mobile_id::card::sim::state::{AUTH_KEY_FILE, STATE_FILE};
use mobile_id::card::sim::{SimError, SimInit, VirtualSim};
use mobile_id::card::{CardError, CardSession, Curve, Pin, PinKind};

fn init(dir: &std::path::Path) {
    VirtualSim::init(dir, &SimInit::new(Curve::P256, SystemTime::now())).unwrap();
}

fn verify_in_new_process(dir: &std::path::Path, kind: PinKind, pin: &str) -> Result<(), CardError> {
    // A fresh open per attempt is a restart: nothing but the directory carries over.
    let mut sim = VirtualSim::open(dir).unwrap();
    let profile = sim.profile().clone();
    CardSession::new(&mut sim, profile).verify_pin(kind, &Pin::new(pin))
}

#[test]
fn counters_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    assert!(matches!(verify_in_new_process(dir.path(), PinKind::Pin1, "0000"), Err(CardError::PinIncorrect { retries_left: 2, .. })));
    assert!(matches!(verify_in_new_process(dir.path(), PinKind::Pin1, "0000"), Err(CardError::PinIncorrect { retries_left: 1, .. })));
    assert_eq!(verify_in_new_process(dir.path(), PinKind::Pin1, "0000"), Err(CardError::PinBlocked { pin: PinKind::Pin1 }));
    assert_eq!(verify_in_new_process(dir.path(), PinKind::Pin1, "1234"), Err(CardError::PinBlocked { pin: PinKind::Pin1 }));
    let mut sim = VirtualSim::open(dir.path()).unwrap();
    assert!(sim.counters()[0].blocked);
    let profile = sim.profile().clone();
    CardSession::new(&mut sim, profile).unblock_pin(PinKind::Pin1, &Pin::new("12345678"), &Pin::new("2468")).unwrap();
    // An open handle holds the SIM: another opens it once this one is closed.
    drop(sim);
    verify_in_new_process(dir.path(), PinKind::Pin1, "2468").unwrap();
}

#[test]
fn refuses_to_overwrite_a_sim() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let again = VirtualSim::init(dir.path(), &SimInit::new(Curve::P256, SystemTime::now()));
    assert!(matches!(again, Err(SimError::AlreadyInitialised)));
    assert!(matches!(VirtualSim::open(&dir.path().join("nothing")), Err(SimError::NotInitialised)));
}

#[test]
fn damage_is_an_error_not_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let path = dir.path().join(STATE_FILE);
    let good = fs::read(&path).unwrap();
    // Truncated.
    fs::write(&path, &good[..good.len() / 2]).unwrap();
    assert!(matches!(VirtualSim::open(dir.path()), Err(SimError::CorruptState(_))));
    // A counter edited by hand: valid JSON, wrong checksum.
    let edited = String::from_utf8(good.clone()).unwrap().replacen("\"retries_left\": 3", "\"retries_left\": 2", 1);
    assert_ne!(edited.as_bytes(), good.as_slice());
    fs::write(&path, edited).unwrap();
    assert!(matches!(VirtualSim::open(dir.path()), Err(SimError::CorruptState(_))));
    // Empty.
    fs::write(&path, b"").unwrap();
    assert!(matches!(VirtualSim::open(dir.path()), Err(SimError::CorruptState(_))));
    // A damaged key file.
    fs::write(&path, &good).unwrap();
    VirtualSim::open(dir.path()).unwrap();
    fs::write(dir.path().join(AUTH_KEY_FILE), b"\x30\x03\x02\x01\x00").unwrap();
    assert!(matches!(VirtualSim::open(dir.path()), Err(SimError::CorruptState(_))));
}

#[cfg(unix)]
#[test]
fn secrets_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    for entry in fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", entry.file_name());
        assert!(!entry.file_name().to_string_lossy().ends_with(".tmp"));
    }
    let state = fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
    assert!(!state.contains("12345678") && !state.contains("\"1234\""), "no PIN in the clear");
}

#[test]
fn a_failed_write_never_gives_a_try_back() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let mut sim = VirtualSim::open(dir.path()).unwrap();
    // A directory where the temporary file must go: the decrement cannot be stored (even as
    // root).
    fs::create_dir(dir.path().join(format!("{STATE_FILE}.tmp"))).unwrap();
    let profile = sim.profile().clone();
    let result = CardSession::new(&mut sim, profile).verify_pin(PinKind::Pin1, &Pin::new("0000"));
    assert!(matches!(result, Err(CardError::CardError { sw }) if sw.0 == 0x6581), "{result:?}");
    // The try is gone in memory, and the right PIN cannot be stored as a reset either.
    assert_eq!(sim.counters()[0].retries_left, 2);
    let profile = sim.profile().clone();
    let result = CardSession::new(&mut sim, profile).verify_pin(PinKind::Pin1, &Pin::new("1234"));
    assert!(result.is_err(), "a reset that cannot be stored is not granted");
}
