//! Recorded command/response scripts: a recorder that wraps any transport, and a replay
//! transport that plays a script back and fails on the first unexpected command.
//!
//! The JSON shape is the one of the Estonian ID card transcripts in the test fixtures: steps of
//! `{comment, command, response}` in hex, the response ending with SW1 SW2.
//!
//! A recording holds every command byte for byte, **PINs included**: record only test cards and
//! test PINs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ApduError, ApduTransport, TransportError};

/// One recorded exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptStep {
    /// A human note, or `null`.
    #[serde(default)]
    pub comment: Option<String>,
    /// The command APDU in hex.
    pub command: String,
    /// The response in hex, ending with SW1 SW2.
    pub response: String,
}

/// A single recorded session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// What the session did.
    #[serde(default)]
    pub description: Option<String>,
    /// The exchanges in order.
    pub steps: Vec<ScriptStep>,
}

/// A file of several named scripts with provenance, as the card transcripts are stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptCollection {
    /// Which card the scripts come from.
    pub card: String,
    /// Where they were recorded or taken from.
    pub source: String,
    /// How to read a step.
    pub format: String,
    /// The scripts by name.
    pub scripts: BTreeMap<String, Vec<ScriptStep>>,
}

/// Plays a script back as a transport: each command must equal the next recorded command byte
/// for byte, and is answered with the recorded response.
#[derive(Clone, Debug)]
pub struct ReplayTransport {
    steps: Vec<(Vec<u8>, Vec<u8>)>,
    next: usize,
}

impl ReplayTransport {
    /// Decodes the steps of a script.
    ///
    /// # Errors
    /// [`ApduError::MalformedScript`] when a step is not hex.
    pub fn from_steps(steps: &[ScriptStep]) -> Result<Self, ApduError> {
        let steps = steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let bad = ApduError::MalformedScript { step: i };
                Ok((hex::decode(&s.command).map_err(|_| bad.clone())?, hex::decode(&s.response).map_err(|_| bad)?))
            })
            .collect::<Result<_, ApduError>>()?;
        Ok(Self { steps, next: 0 })
    }

    /// Whether every step has been played.
    pub fn is_finished(&self) -> bool {
        self.next == self.steps.len()
    }

    /// How many steps have been played.
    pub fn position(&self) -> usize {
        self.next
    }
}

impl ApduTransport for ReplayTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, response) = self.steps.get(self.next).ok_or(TransportError::ScriptExhausted { steps: self.steps.len() })?;
        if expected.as_slice() != command {
            return Err(TransportError::ScriptMismatch { step: self.next });
        }
        self.next += 1;
        Ok(response.clone())
    }
}

/// Wraps a transport and records every exchange.
#[derive(Debug)]
pub struct RecordingTransport<T> {
    inner: T,
    steps: Vec<ScriptStep>,
}

impl<T: ApduTransport> RecordingTransport<T> {
    /// Starts recording what passes through `inner`.
    pub fn new(inner: T) -> Self {
        Self { inner, steps: Vec::new() }
    }

    /// The exchanges so far.
    pub fn steps(&self) -> &[ScriptStep] {
        &self.steps
    }

    /// Ends the recording: the script and the inner transport.
    pub fn finish(self, description: Option<String>) -> (Script, T) {
        (Script { description, steps: self.steps }, self.inner)
    }
}

impl<T: ApduTransport> ApduTransport for RecordingTransport<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.inner.transmit(command)?;
        self.steps.push(ScriptStep { comment: None, command: hex::encode(command), response: hex::encode(&response) });
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl ApduTransport for Echo {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok([command, &[0x90, 0x00]].concat())
        }
    }

    #[test]
    fn record_then_replay() {
        let mut rec = RecordingTransport::new(Echo);
        rec.transmit(&[0, 0xA4, 4, 0]).unwrap();
        rec.transmit(&[0, 0xB0, 0, 0, 1]).unwrap();
        let (script, _) = rec.finish(None);
        let json = serde_json::to_string(&script).unwrap();
        let script: Script = serde_json::from_str(&json).unwrap();
        let mut replay = ReplayTransport::from_steps(&script.steps).unwrap();
        assert_eq!(replay.transmit(&[0, 0xA4, 4, 0]).unwrap(), [0, 0xA4, 4, 0, 0x90, 0]);
        assert_eq!(replay.transmit(&[0, 0xB0, 0, 0, 2]), Err(TransportError::ScriptMismatch { step: 1 }));
        assert_eq!(replay.transmit(&[0, 0xB0, 0, 0, 1]).unwrap().len(), 7);
        assert!(replay.is_finished());
        assert_eq!(replay.transmit(&[0]), Err(TransportError::ScriptExhausted { steps: 2 }));
    }
}
