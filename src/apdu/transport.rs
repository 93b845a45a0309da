//! The transport seam and the exchange rules every card operation relies on:
//! logical channels in CLA (ISO/IEC 7816-4:2020 §5.4.1), 61xx → GET RESPONSE (§5.3.4 and §11.4.2),
//! 6Cxx → resend with the right Le (§5.6), and READ BINARY in chunks (§11.2.3).

use zeroize::Zeroizing;

use super::{ApduError, CommandApdu, ResponseApdu, StatusMeaning, StatusWord};

/// Whatever carries APDU bytes to a card and back: an Android OMAPI channel, NFC IsoDep, iOS
/// CoreNFC, PC/SC, the virtual SIM, or a replay script.
///
/// `command` is a complete encoded command APDU; the answer is the complete response including
/// SW1 SW2. The transport does no GET RESPONSE or Le handling of its own: [`ApduClient`] does.
pub trait ApduTransport {
    /// Sends one command APDU and returns the card's response bytes.
    ///
    /// # Errors
    /// A [`TransportError`] when the bytes could not be exchanged.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: ApduTransport + ?Sized> ApduTransport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: ApduTransport + ?Sized> ApduTransport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// Why bytes could not be exchanged with the card. Carries no APDU contents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The card, SIM or channel is gone (removed, closed, out of NFC range).
    #[error("the card is not reachable")]
    Unavailable,
    /// The host transport failed; the text is the host's, and must hold no personal data.
    #[error("the card transport failed: {reason}")]
    Failed {
        /// The host's description.
        reason: String,
    },
    /// The host's own code failed while it carried the command (an exception in an app's
    /// channel implementation); the text is the host's, and must hold no personal data.
    #[error("the host's channel failed: {reason}")]
    Host {
        /// The host's description.
        reason: String,
    },
    /// A replay script expected another command at this step (0-based).
    #[error("the replay script expected a different command at step {step}")]
    ScriptMismatch {
        /// The step whose command differs.
        step: usize,
    },
    /// A replay script has no more steps.
    #[error("the replay script ended after {steps} steps")]
    ScriptExhausted {
        /// How many steps it had.
        steps: usize,
    },
}

/// A logical channel number, 0 (the basic channel) to 19, encoded into CLA as ISO/IEC 7816-4
/// §5.4.1 prescribes. When a host opens a logical channel (Android OMAPI does), the core must
/// send its commands with that channel's CLA, never a fixed `00`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LogicalChannel(u8);

impl LogicalChannel {
    /// The basic channel, number 0.
    pub const BASIC: Self = Self(0);

    /// Channel `number`, 0 to 19.
    ///
    /// # Errors
    /// [`ApduError::InvalidChannel`] above 19.
    pub fn new(number: u8) -> Result<Self, ApduError> {
        if number <= 19 { Ok(Self(number)) } else { Err(ApduError::InvalidChannel { number }) }
    }

    /// The channel number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Sets this channel's bits in an inter-industry CLA (§5.4.1, tables 2 and 3), keeping the
    /// command-chaining bit.
    pub fn apply(self, cla: u8) -> u8 {
        let chaining = cla & 0x10;
        if self.0 < 4 { (cla & 0xFC) | self.0 } else { 0x40 | chaining | (self.0 - 4) }
    }

    /// Reads the channel from an inter-industry CLA; `None` for proprietary classes (b8 set).
    pub fn from_cla(cla: u8) -> Option<Self> {
        match cla & 0xE0 {
            0x00 | 0x20 => Some(Self(cla & 0x03)),
            0x40 | 0x60 => Some(Self(4 + (cla & 0x0F))),
            _ => None,
        }
    }
}

/// Most GET RESPONSE rounds for one command before the card is judged to be looping.
const MAX_GET_RESPONSE_ROUNDS: usize = 256;
/// Most response bytes accepted for one command, GET RESPONSE rounds included.
pub const MAX_RESPONSE_BYTES: usize = 65_536 + 2;
/// Largest offset READ BINARY with INS B0 can address (15 bits, §11.2.3).
pub const MAX_READ_BINARY_OFFSET: usize = 0x7FFF;

/// Runs command-response pairs over a transport on one logical channel, handling 61xx and 6Cxx,
/// and wiping every encoded command buffer (it may hold a PIN) once it has been sent.
#[derive(Debug)]
pub struct ApduClient<T> {
    transport: T,
    channel: LogicalChannel,
}

impl<T: ApduTransport> ApduClient<T> {
    /// A client on `channel` of `transport`.
    pub fn new(transport: T, channel: LogicalChannel) -> Self {
        Self { transport, channel }
    }

    /// The channel this client talks on.
    pub fn channel(&self) -> LogicalChannel {
        self.channel
    }

    /// The transport, for hosts that need it back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Borrows the transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ApduError> {
        let mut with_channel = command.clone();
        with_channel.cla = self.channel.apply(command.cla);
        let bytes = Zeroizing::new(with_channel.to_bytes()?);
        let raw = self.transport.transmit(&bytes).map_err(ApduError::Transport)?;
        if raw.len() > MAX_RESPONSE_BYTES {
            return Err(ApduError::ResponseTooLarge);
        }
        ResponseApdu::parse(&raw)
    }

    /// Sends `command` and returns the complete response: a `6Cxx` answer is followed by one
    /// resend with `Le = xx`, and `61xx` answers by GET RESPONSE until the card is done.
    ///
    /// # Errors
    /// Transport failures, malformed responses, or a card that keeps answering 61xx or 6Cxx.
    pub fn transmit(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ApduError> {
        let mut response = self.exchange(command)?;
        if let StatusMeaning::WrongLe(le) = response.sw.meaning() {
            let mut resend = command.clone();
            resend.ne = Some(if le == 0 { 256 } else { u32::from(le) });
            response = self.exchange(&resend)?;
            if matches!(response.sw.meaning(), StatusMeaning::WrongLe(_)) {
                return Err(ApduError::ProtocolLoop);
            }
        }
        let mut data = std::mem::take(&mut response.data);
        let mut rounds = 0;
        while let StatusMeaning::BytesAvailable(available) = response.sw.meaning() {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE_ROUNDS {
                return Err(ApduError::ProtocolLoop);
            }
            let ne = if available == 0 { 256 } else { u32::from(available) };
            let get_response = CommandApdu::new(command.cla & 0x80, 0xC0, 0x00, 0x00).with_le(ne);
            response = self.exchange(&get_response)?;
            if data.len() + response.data.len() > MAX_RESPONSE_BYTES {
                return Err(ApduError::ResponseTooLarge);
            }
            data.append(&mut response.data);
        }
        Ok(ResponseApdu::new(data, response.sw))
    }

    /// Sends `command` and insists on 9000.
    ///
    /// # Errors
    /// [`ApduError::Status`] with the card's status word when it is not 9000.
    pub fn transmit_ok(&mut self, command: &CommandApdu) -> Result<Vec<u8>, ApduError> {
        let response = self.transmit(command)?;
        if response.sw.is_success() { Ok(response.data) } else { Err(ApduError::Status { sw: response.sw }) }
    }

    /// Reads `size` bytes of the current EF with READ BINARY (INS B0), `chunk` bytes a command,
    /// the last command asking for exactly what remains.
    ///
    /// # Errors
    /// [`ApduError::FileTooLarge`] when `size` is beyond a 15-bit offset; [`ApduError::Status`]
    /// on a card error; [`ApduError::ShortRead`] when the card stops returning data early.
    pub fn read_binary(&mut self, cla: u8, size: usize, chunk: u16) -> Result<Vec<u8>, ApduError> {
        if size > MAX_READ_BINARY_OFFSET + 1 {
            return Err(ApduError::FileTooLarge { size });
        }
        let chunk = usize::from(chunk.clamp(1, 256));
        let mut out = Vec::with_capacity(size);
        while out.len() < size {
            let offset = out.len() as u16;
            let want = (size - out.len()).min(chunk);
            let [hi, lo] = offset.to_be_bytes();
            let cmd = CommandApdu::new(cla, 0xB0, hi, lo).with_le(want as u32);
            let response = self.transmit(&cmd)?;
            let end_of_file = response.sw == StatusWord(0x6282);
            if !response.sw.is_success() && !end_of_file {
                return Err(ApduError::Status { sw: response.sw });
            }
            if response.data.is_empty() || response.data.len() > want {
                return Err(ApduError::ShortRead { expected: size, read: out.len() });
            }
            out.extend_from_slice(&response.data);
            if end_of_file && out.len() < size {
                return Err(ApduError::ShortRead { expected: size, read: out.len() });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::script::{ReplayTransport, ScriptStep};

    fn step(command: &str, response: &str) -> ScriptStep {
        ScriptStep { comment: None, command: command.into(), response: response.into() }
    }

    #[test]
    fn channel_bits() {
        assert_eq!(LogicalChannel::new(0).unwrap().apply(0x00), 0x00);
        assert_eq!(LogicalChannel::new(2).unwrap().apply(0x00), 0x02);
        assert_eq!(LogicalChannel::new(4).unwrap().apply(0x00), 0x40);
        assert_eq!(LogicalChannel::new(19).unwrap().apply(0x10), 0x5F);
        assert!(LogicalChannel::new(20).is_err());
        for n in 0..20 {
            let ch = LogicalChannel::new(n).unwrap();
            assert_eq!(LogicalChannel::from_cla(ch.apply(0)), Some(ch));
        }
        assert_eq!(LogicalChannel::from_cla(0x80), None);
    }

    #[test]
    fn get_response_and_wrong_le() {
        let script = vec![step("01b0000004", "6c02"), step("01b0000002", "aabb6103"), step("01c0000003", "ccddee6101"), step("01c0000001", "ff9000")];
        let mut client = ApduClient::new(ReplayTransport::from_steps(&script).unwrap(), LogicalChannel::new(1).unwrap());
        let r = client.transmit(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)).unwrap();
        assert_eq!(r.data, hex::decode("aabbccddeeff").unwrap());
        assert!(r.sw.is_success());
        assert!(client.into_transport().is_finished());
    }

    #[test]
    fn endless_wrong_le_is_an_error() {
        let script = vec![step("00b0000004", "6c02"), step("00b0000002", "6c02")];
        let mut client = ApduClient::new(ReplayTransport::from_steps(&script).unwrap(), LogicalChannel::BASIC);
        assert_eq!(client.transmit(&CommandApdu::new(0, 0xB0, 0, 0).with_le(4)), Err(ApduError::ProtocolLoop));
    }

    #[test]
    fn reads_in_chunks_and_rejects_over_long_chunks() {
        let script = vec![step("00b0000002", "01029000"), step("00b0000201", "039000")];
        let mut client = ApduClient::new(ReplayTransport::from_steps(&script).unwrap(), LogicalChannel::BASIC);
        assert_eq!(client.read_binary(0, 3, 2).unwrap(), [1, 2, 3]);
        let script = vec![step("00b0000002", "0102039000")];
        let mut client = ApduClient::new(ReplayTransport::from_steps(&script).unwrap(), LogicalChannel::BASIC);
        assert!(matches!(client.read_binary(0, 3, 2), Err(ApduError::ShortRead { .. })));
        let mut client = ApduClient::new(ReplayTransport::from_steps(&[]).unwrap(), LogicalChannel::BASIC);
        assert!(matches!(client.read_binary(0, 40_000, 2), Err(ApduError::FileTooLarge { .. })));
    }
}
