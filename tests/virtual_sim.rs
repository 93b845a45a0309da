//! The virtual SIM behind the card layer: certificates, PIN lifecycle, signing, channels, and
//! the APDU exchange rules, all over real command/response bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::SystemTime;

use der::Decode;
use mobile_id::apdu::{ApduClient, ApduTransport, CommandApdu, LogicalChannel, RecordingTransport, StatusWord};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardError, CardSession, Curve, KeyRole, Pin, PinKind, SessionOptions};
use mobile_id::signer::{CardSigner, DigestSigner, SigningAlgorithm, check_signature};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};

fn sim(curve: Curve) -> VirtualSim {
    VirtualSim::in_memory(&SimInit::new(curve, SystemTime::now())).unwrap()
}

fn session(sim: &mut VirtualSim) -> CardSession<&mut VirtualSim> {
    let profile = sim.profile().clone();
    CardSession::new(sim, profile)
}

#[test]
fn certificates_carry_identity_and_purpose() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    let auth = Certificate::from_der(&s.read_certificate(KeyRole::Authentication).unwrap()).unwrap();
    let sign = Certificate::from_der(&s.read_certificate(KeyRole::Signing).unwrap()).unwrap();
    let subject = auth.tbs_certificate().subject().to_string();
    assert!(subject.contains("PNOAZ-7TEST01"), "{subject}");
    let (_, ku) = auth.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(ku.digital_signature() && !ku.non_repudiation());
    let (_, eku) = auth.tbs_certificate().get_extension::<ExtendedKeyUsage>().unwrap().unwrap();
    assert_eq!(eku.0, [const_oid::db::rfc5280::ID_KP_CLIENT_AUTH]);
    let (_, ku) = sign.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(ku.non_repudiation() && !ku.digital_signature());
    assert_ne!(auth.tbs_certificate().subject_public_key_info(), sign.tbs_certificate().subject_public_key_info());
}

#[test]
fn wrong_pin_decrements_right_pin_resets() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
    assert_eq!(s.pin_status(PinKind::Puk).unwrap().retries_left, 10);
    assert_eq!(s.verify_pin(PinKind::Pin1, &Pin::new("9999")), Err(CardError::PinIncorrect { pin: PinKind::Pin1, retries_left: 2 }));
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 2);
    s.verify_pin(PinKind::Pin1, &Pin::new("1234")).unwrap();
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
}

#[test]
fn a_malformed_pin_costs_no_try() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    for bad in ["12", "12345678901234", "12 4", "abcd"] {
        assert!(matches!(s.verify_pin(PinKind::Pin1, &Pin::new(bad)), Err(CardError::PinFormat { .. })));
    }
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
}

#[test]
fn three_wrong_pins_block_and_the_puk_unblocks() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    let wrong = Pin::new("99999");
    assert!(matches!(s.verify_pin(PinKind::Pin2, &wrong), Err(CardError::PinIncorrect { retries_left: 2, .. })));
    assert!(matches!(s.verify_pin(PinKind::Pin2, &wrong), Err(CardError::PinIncorrect { retries_left: 1, .. })));
    assert_eq!(s.verify_pin(PinKind::Pin2, &wrong), Err(CardError::PinBlocked { pin: PinKind::Pin2 }));
    // Blocked: even the right PIN is refused, and signing is impossible.
    assert_eq!(s.verify_pin(PinKind::Pin2, &Pin::new("12345")), Err(CardError::PinBlocked { pin: PinKind::Pin2 }));
    assert!(s.pin_status(PinKind::Pin2).unwrap().blocked);
    assert!(s.sign_digest(&Pin::new("12345"), &[1; 32]).is_err());
    // A wrong PUK costs a PUK try and unblocks nothing.
    assert_eq!(s.unblock_pin(PinKind::Pin2, &Pin::new("00000000"), &Pin::new("54321")), Err(CardError::PinIncorrect { pin: PinKind::Puk, retries_left: 9 }));
    s.unblock_pin(PinKind::Pin2, &Pin::new("12345678"), &Pin::new("54321")).unwrap();
    assert_eq!(s.pin_status(PinKind::Puk).unwrap().retries_left, 10);
    assert_eq!(s.pin_status(PinKind::Pin2).unwrap().retries_left, 3);
    s.verify_pin(PinKind::Pin2, &Pin::new("54321")).unwrap();
}

#[test]
fn a_blocked_puk_is_final() {
    let mut init = SimInit::new(Curve::P256, SystemTime::now());
    init.retries = [3, 3, 2];
    let mut sim = VirtualSim::in_memory(&init).unwrap();
    let mut s = session(&mut sim);
    let bad = Pin::new("87654321");
    assert!(matches!(s.unblock_pin(PinKind::Pin1, &bad, &Pin::new("1111")), Err(CardError::PinIncorrect { .. })));
    assert_eq!(s.unblock_pin(PinKind::Pin1, &bad, &Pin::new("1111")), Err(CardError::PinBlocked { pin: PinKind::Puk }));
    assert_eq!(s.unblock_pin(PinKind::Pin1, &Pin::new("12345678"), &Pin::new("1111")), Err(CardError::PinBlocked { pin: PinKind::Puk }));
    drop(s);
    assert!(sim.counters()[2].blocked);
}

#[test]
fn change_pin_needs_the_old_one() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    assert!(matches!(s.change_pin(PinKind::Pin1, &Pin::new("0000"), &Pin::new("4321")), Err(CardError::PinIncorrect { retries_left: 2, .. })));
    assert!(matches!(s.change_pin(PinKind::Pin1, &Pin::new("1234"), &Pin::new("43")), Err(CardError::PinFormat { .. })));
    s.change_pin(PinKind::Pin1, &Pin::new("1234"), &Pin::new("4321")).unwrap();
    assert_eq!(s.pin_status(PinKind::Pin1).unwrap().retries_left, 3);
    assert!(s.verify_pin(PinKind::Pin1, &Pin::new("1234")).is_err());
    s.verify_pin(PinKind::Pin1, &Pin::new("4321")).unwrap();
}

#[test]
fn signs_and_authenticates_on_both_curves() {
    for curve in [Curve::P256, Curve::P384] {
        let mut sim = sim(curve);
        let profile = sim.profile().clone();
        let mut signer = CardSigner::new(CardSession::new(&mut sim, profile.clone()), KeyRole::Signing, Pin::new("12345")).unwrap();
        assert_eq!(signer.algorithm(), SigningAlgorithm::for_curve(curve));
        for digest in [[3u8; 32].as_slice(), &[4u8; 48], &[5u8; 64]] {
            let der = signer.sign_digest(digest).unwrap();
            check_signature(signer.certificate(), digest, &der).unwrap();
        }
        let mut auth = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Authentication, Pin::new("1234")).unwrap();
        let der = auth.sign_digest(&[6; 32]).unwrap();
        check_signature(auth.certificate(), &[6; 32], &der).unwrap();
    }
}

#[test]
fn pin2_is_good_for_one_signature() {
    let mut sim = sim(Curve::P256);
    let mut s = session(&mut sim);
    s.sign_digest(&Pin::new("12345"), &[1; 32]).unwrap();
    let mut client = ApduClient::new(s.into_transport(), LogicalChannel::BASIC);
    let pso = CommandApdu::new(0, 0x2A, 0x9E, 0x9A).with_data(vec![1; 32]).with_le(256);
    assert_eq!(client.transmit(&pso).unwrap().sw, StatusWord::SECURITY_STATUS_NOT_SATISFIED);
}

#[test]
fn works_on_a_logical_channel_opened_by_the_host() {
    let mut sim = sim(Curve::P256);
    let profile = sim.profile().clone();
    // The host (OMAPI openLogicalChannel) selects the applet on channel 2.
    let select = CommandApdu::new(0x02, 0xA4, 0x04, 0x0C).with_data(profile.aid.clone());
    assert_eq!(sim.transmit(&select.to_bytes().unwrap()).unwrap(), [0x90, 0x00]);
    let options = SessionOptions { channel: LogicalChannel::new(2).unwrap(), applet_selected_by_host: true };
    let mut s = CardSession::with_options(RecordingTransport::new(&mut sim), profile, options);
    s.read_certificate(KeyRole::Signing).unwrap();
    s.sign_digest(&Pin::new("12345"), &[9; 32]).unwrap();
    let (script, _) = s.into_transport().finish(None);
    for step in &script.steps {
        assert!(step.command.starts_with("02"), "every command on channel 2: {}", step.command);
        assert!(!step.command.starts_with("02a404"), "no SELECT by AID after the host's");
    }
}

#[test]
fn get_response_and_wrong_le_are_handled_by_the_client() {
    let mut sim = sim(Curve::P256);
    let mut client = ApduClient::new(&mut sim, LogicalChannel::BASIC);
    let aid = mobile_id::card::PROJECT_SIM_AID.to_vec();
    client.transmit_ok(&CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(aid)).unwrap();
    // No Le: the applet answers 61xx, the client fetches with GET RESPONSE.
    let fcp = client.transmit_ok(&CommandApdu::new(0, 0xA4, 0x09, 0x04).with_data(vec![0xC0, 0x01])).unwrap();
    assert_eq!(fcp[0], 0x62);
    // Le too small: the applet answers 6Cxx, the client resends.
    let fcp2 = client.transmit_ok(&CommandApdu::new(0, 0xA4, 0x09, 0x04).with_data(vec![0xC0, 0x01]).with_le(2)).unwrap();
    assert_eq!(fcp, fcp2);
}

#[test]
fn unsupported_class_bytes_are_refused() {
    let mut sim = sim(Curve::P256);
    for (cla, sw) in [(0x80u8, 0x6E00u16), (0x0C, 0x6882), (0x10, 0x6884), (0x60, 0x6882)] {
        let response = sim.transmit(&[cla, 0xA4, 0x04, 0x0C, 0x01, 0xF0]).unwrap();
        assert_eq!(response, sw.to_be_bytes(), "CLA {cla:02X}");
    }
    assert_eq!(sim.transmit(&[0x00, 0xFF, 0, 0]).unwrap(), [0x6D, 0x00]);
    assert_eq!(sim.transmit(&[0x00]).unwrap(), [0x67, 0x00]);
}

#[test]
fn random_commands_never_panic_nor_move_counters() {
    let mut sim = sim(Curve::P256);
    let before = sim.counters();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 24) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|i| (x >> ((i % 8) * 8)) as u8 ^ i as u8).collect();
        // Keep VERIFY/CHANGE/RESET out: random data there is a legitimate wrong PIN.
        if let Some(ins) = bytes.get_mut(1)
            && matches!(*ins, 0x20 | 0x24 | 0x2C)
        {
            *ins = 0xB0;
        }
        let response = sim.transmit(&bytes).unwrap();
        assert!(response.len() >= 2);
    }
    assert_eq!(sim.counters(), before);
}
