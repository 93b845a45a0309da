//! Every card operation against a card that answers with attacker-chosen bytes: never a panic,
//! never a hang, never an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::apdu::{ApduTransport, TransportError};
use mobile_id::card::{AppletProfile, CardSession, Curve, KeyRole, Pin, PinKind};

/// Answers each command with the next length-prefixed chunk of the input.
struct HostileCard<'a> {
    data: &'a [u8],
}

impl ApduTransport for HostileCard<'_> {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Some((&len, rest)) = self.data.split_first() else { return Err(TransportError::Unavailable) };
        let len = usize::from(len).min(rest.len());
        let (answer, rest) = rest.split_at(len);
        self.data = rest;
        Ok(answer.to_vec())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else { return };
    let profile = if selector & 1 == 0 { AppletProfile::project_sim(Curve::P256) } else { AppletProfile::esteid_2018() };
    let mut session = CardSession::new(HostileCard { data }, profile);
    let _ = session.read_certificate(KeyRole::Authentication);
    let _ = session.pin_status(PinKind::Pin1);
    let _ = session.verify_pin(PinKind::Pin2, &Pin::new("12345"));
    let _ = session.change_pin(PinKind::Pin1, &Pin::new("1234"), &Pin::new("4321"));
    let _ = session.unblock_pin(PinKind::Pin2, &Pin::new("12345678"), &Pin::new("54321"));
    let _ = session.sign_digest(&Pin::new("12345"), &[7; 48]);
    let _ = session.authenticate(&Pin::new("1234"), &[7; 32]);
});
