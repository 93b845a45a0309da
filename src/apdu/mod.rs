//! APDU layer (ISO/IEC 7816-4): command and response APDUs, status words, the
//! [`ApduTransport`] seam that hosts implement, the exchange rules (61xx, 6Cxx, chunked reads,
//! logical channels), a bounded BER-TLV reader, and record/replay of scripts.
//!
//! This module uses nothing else in the crate.

mod command;
mod response;
pub mod script;
mod tlv;
mod transport;

pub use command::{CommandApdu, MAX_EXTENDED_DATA, MAX_EXTENDED_NE, MAX_SHORT_DATA, MAX_SHORT_NE};
pub use response::{ResponseApdu, StatusMeaning, StatusWord};
pub use script::{RecordingTransport, ReplayTransport, Script, ScriptCollection, ScriptStep};
pub use tlv::{Tlv, TlvReader, encode_tlv};
pub use transport::{ApduClient, ApduTransport, LogicalChannel, MAX_READ_BINARY_OFFSET, MAX_RESPONSE_BYTES, TransportError};

/// Errors of the APDU layer. None carries command data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Command data longer than an extended APDU can carry.
    #[error("command data of {nc} bytes is too long for an APDU")]
    CommandTooLong {
        /// The data length.
        nc: usize,
    },
    /// `Ne` outside 1..=65536.
    #[error("expected response length {ne} is outside 1..=65536")]
    InvalidLe {
        /// The requested length.
        ne: u32,
    },
    /// Bytes that are not a command APDU of any case.
    #[error("malformed command APDU")]
    MalformedCommand,
    /// A response without SW1 SW2.
    #[error("response of {len} bytes has no status word")]
    ResponseTooShort {
        /// Bytes received.
        len: usize,
    },
    /// A response beyond [`MAX_RESPONSE_BYTES`].
    #[error("response is larger than any card answer")]
    ResponseTooLarge,
    /// The card kept answering 61xx or 6Cxx.
    #[error("the card keeps asking for the command again (61xx/6Cxx loop)")]
    ProtocolLoop,
    /// A status word other than 9000 where success was required.
    #[error("the card answered {sw}")]
    Status {
        /// The card's status word.
        sw: StatusWord,
    },
    /// Malformed BER-TLV.
    #[error("malformed BER-TLV: {0}")]
    MalformedTlv(&'static str),
    /// A file larger than READ BINARY can address.
    #[error("file of {size} bytes is too large to read")]
    FileTooLarge {
        /// The size the card declared.
        size: usize,
    },
    /// The card returned less (or more) than asked.
    #[error("read {read} of {expected} bytes before the card stopped")]
    ShortRead {
        /// The declared size.
        expected: usize,
        /// Bytes read when it stopped.
        read: usize,
    },
    /// Logical channel number above 19.
    #[error("logical channel {number} does not exist (0..=19)")]
    InvalidChannel {
        /// The number asked for.
        number: u8,
    },
    /// A script step that is not hex.
    #[error("replay script step {step} is not hex")]
    MalformedScript {
        /// The step index.
        step: usize,
    },
}
