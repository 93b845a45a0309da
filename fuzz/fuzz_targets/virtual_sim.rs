//! The virtual SIM fed arbitrary command APDUs: it never panics, and its retry counters only
//! move by the rules — down by one with a 63Cx answer, back to the maximum only with 9000 to a
//! VERIFY, CHANGE REFERENCE DATA or RESET RETRY COUNTER.
#![no_main]

use std::sync::OnceLock;
use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use mobile_id::apdu::StatusWord;
use mobile_id::card::Curve;
use mobile_id::card::sim::{SimInit, VirtualSim};

fn template() -> &'static VirtualSim {
    static SIM: OnceLock<VirtualSim> = OnceLock::new();
    SIM.get_or_init(|| {
        VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000))).expect("a SIM")
    })
}

/// Valid commands that open the deeper states (applet selected, both PINs verified, a security
/// environment set), played first when the input's first byte is odd.
fn preamble(sim: &mut VirtualSim) {
    let aid = mobile_id::card::PROJECT_SIM_AID;
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    select.extend_from_slice(&aid);
    let pad = |pin: &[u8]| {
        let mut v = pin.to_vec();
        v.resize(12, 0xFF);
        v
    };
    let verify = |reference: u8, pin: &[u8]| [vec![0x00, 0x20, 0x00, reference, 12], pad(pin)].concat();
    for command in [select, verify(0x01, b"1234"), verify(0x81, b"12345"), vec![0x00, 0x22, 0x41, 0xB6, 6, 0x80, 1, 0x04, 0x84, 1, 0x82]] {
        assert!(sim.process(&command).sw.is_success(), "the preamble is valid");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut sim = template().clone();
    let Some((&mode, data)) = data.split_first() else { return };
    if mode & 1 == 1 {
        preamble(&mut sim);
    }
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (command, tail) = tail.split_at(len);
        rest = tail;
        let before = sim.counters();
        let response = sim.process(command);
        let after = sim.counters();
        let ins = command.get(1).copied();
        for (b, a) in before.iter().zip(after.iter()) {
            if a.retries_left == b.retries_left {
                continue;
            }
            if a.retries_left + 1 == b.retries_left {
                assert_eq!(response.sw, StatusWord::verify_failed(a.retries_left), "a decrement answers 63Cx");
            } else {
                assert!(a.retries_left > b.retries_left, "counters fall by one at a time");
                assert_eq!(Some(a.retries_left), a.max_retries, "a raise is a reset to the maximum");
                assert!(response.sw.is_success(), "a reset only on success");
                assert!(matches!(ins, Some(0x20 | 0x24 | 0x2C)), "a reset only by a PIN command");
            }
        }
    }
});
