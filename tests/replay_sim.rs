//! Recorded scripts of the project's SIM applet profile (tests/fixtures/sim/project-sim.json),
//! played back through the replay transport: the card layer must send exactly the recorded
//! commands and reach the recorded outcomes.
//!
//! The fixture is made by the ignored test `regenerate_fixture` of this file, which runs the
//! same scenarios against a fresh virtual SIM through the recording transport:
//! `cargo test --test replay_sim -- --ignored regenerate_fixture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::time::SystemTime;

use der::Decode;
use mobile_id::apdu::{ApduTransport, RecordingTransport, ReplayTransport, ScriptCollection};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{AppletProfile, CardError, CardSession, Curve, KeyRole, Pin, PinKind};
use mobile_id::signer::{check_signature, raw_to_der};
use x509_cert::Certificate;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sim/project-sim.json");
const DIGEST: [u8; 32] = [0x5A; 32];

type Scenario = fn(&mut CardSession<&mut dyn ApduTransport>);

fn read_certificates_and_retries(s: &mut CardSession<&mut dyn ApduTransport>) {
    for role in [KeyRole::Authentication, KeyRole::Signing] {
        let der = s.read_certificate(role).unwrap();
        Certificate::from_der(&der).unwrap();
    }
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
    assert_eq!(s.pin_status(PinKind::Pin2).unwrap().retries_left, 3);
    assert_eq!(s.pin_status(PinKind::Puk).unwrap().retries_left, 10);
}

fn wrong_then_right_pin(s: &mut CardSession<&mut dyn ApduTransport>) {
    assert_eq!(s.verify_pin(PinKind::Pin1, &Pin::new("0000")), Err(CardError::PinIncorrect { pin: PinKind::Pin1, retries_left: 2 }));
    s.verify_pin(PinKind::Pin1, &Pin::new("1234")).unwrap();
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
}

fn blocked_pin_and_unblock(s: &mut CardSession<&mut dyn ApduTransport>) {
    for left in [2, 1] {
        assert_eq!(s.verify_pin(PinKind::Pin2, &Pin::new("00000")), Err(CardError::PinIncorrect { pin: PinKind::Pin2, retries_left: left }));
    }
    assert_eq!(s.verify_pin(PinKind::Pin2, &Pin::new("00000")), Err(CardError::PinBlocked { pin: PinKind::Pin2 }));
    assert!(s.pin_status(PinKind::Pin2).unwrap().blocked);
    assert_eq!(s.sign_digest(&Pin::new("12345"), &DIGEST), Err(CardError::PinBlocked { pin: PinKind::Pin2 }));
    s.unblock_pin(PinKind::Pin2, &Pin::new("12345678"), &Pin::new("54321")).unwrap();
    assert_eq!(s.pin_status(PinKind::Pin2).unwrap().retries_left, 3);
}

fn sign(s: &mut CardSession<&mut dyn ApduTransport>) {
    let certificate = Certificate::from_der(&s.read_certificate(KeyRole::Signing).unwrap()).unwrap();
    let raw = s.sign_digest(&Pin::new("54321"), &DIGEST).unwrap();
    check_signature(&certificate, &DIGEST, &raw_to_der(Curve::P256, &raw).unwrap()).unwrap();
}

const SCENARIOS: [(&str, Scenario); 4] = [
    ("read-certificates-and-retries", read_certificates_and_retries),
    ("wrong-then-right-pin", wrong_then_right_pin),
    ("blocked-pin-and-unblock", blocked_pin_and_unblock),
    ("sign", sign),
];

fn profile() -> AppletProfile {
    AppletProfile::project_sim(Curve::P256)
}

#[test]
fn replays_every_recorded_scenario() {
    let collection: ScriptCollection = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    assert_eq!(collection.scripts.len(), SCENARIOS.len());
    for (name, scenario) in SCENARIOS {
        let mut replay = ReplayTransport::from_steps(&collection.scripts[name]).unwrap();
        let mut session = CardSession::new(&mut replay as &mut dyn ApduTransport, profile());
        scenario(&mut session);
        drop(session);
        assert!(replay.is_finished(), "{name}: every recorded command was sent");
    }
}

#[test]
fn the_scenarios_hold_on_a_live_virtual_sim() {
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now())).unwrap();
    for (_, scenario) in SCENARIOS {
        let mut session = CardSession::new(&mut sim as &mut dyn ApduTransport, profile());
        scenario(&mut session);
    }
}

#[test]
#[ignore = "regenerates tests/fixtures/sim/project-sim.json"]
fn regenerate_fixture() {
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now())).unwrap();
    let mut scripts = BTreeMap::new();
    for (name, scenario) in SCENARIOS {
        let mut recorder = RecordingTransport::new(&mut sim);
        let mut session = CardSession::new(&mut recorder as &mut dyn ApduTransport, profile());
        scenario(&mut session);
        drop(session);
        let (script, _) = recorder.finish(None);
        scripts.insert(name.to_string(), script.steps);
    }
    let collection = ScriptCollection {
        card: "mobile-id virtual SIM, project SIM PKI applet profile, P-256".into(),
        source: "recorded by tests/replay_sim.rs regenerate_fixture".into(),
        format: "each script is an ordered list of steps; command and response are hex; the response ends with SW1 SW2".into(),
        scripts,
    };
    std::fs::write(FIXTURE, serde_json::to_string_pretty(&collection).unwrap() + "\n").unwrap();
}
