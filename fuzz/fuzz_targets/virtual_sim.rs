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
    SIM.get_or_init(|| VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000))).expect("a SIM"))
}

fuzz_target!(|data: &[u8]| {
    let mut sim = template().clone();
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
