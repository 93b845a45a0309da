//! Response APDUs and status words, ISO/IEC 7816-4:2020 §5.6 (status bytes) and table 6.

use super::ApduError;

/// A response APDU: the response data field followed by SW1 SW2.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// The response data (may be empty).
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

impl std::fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseApdu").field("len", &self.data.len()).field("sw", &self.sw).finish()
    }
}

impl ResponseApdu {
    /// Splits raw response bytes into data and status word.
    ///
    /// # Errors
    /// [`ApduError::ResponseTooShort`] when fewer than two bytes arrive.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let (data, sw) = bytes.split_last_chunk::<2>().ok_or(ApduError::ResponseTooShort { len: bytes.len() })?;
        Ok(Self { data: data.to_vec(), sw: StatusWord::from_bytes(sw[0], sw[1]) })
    }

    /// A response with data and a status word.
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        Self { data, sw }
    }

    /// A bare status word.
    pub fn status(sw: StatusWord) -> Self {
        Self { data: Vec::new(), sw }
    }

    /// The encoded response: data, SW1, SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

/// A status word SW1 SW2. [`StatusWord::meaning`] classifies it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl std::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl StatusWord {
    /// 9000: normal processing.
    pub const OK: Self = Self(0x9000);
    /// 6581: memory failure.
    pub const MEMORY_FAILURE: Self = Self(0x6581);
    /// 6700: wrong length.
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// 6881: logical channel not supported.
    pub const CHANNEL_NOT_SUPPORTED: Self = Self(0x6881);
    /// 6882: secure messaging not supported.
    pub const SECURE_MESSAGING_NOT_SUPPORTED: Self = Self(0x6882);
    /// 6884: command chaining not supported.
    pub const CHAINING_NOT_SUPPORTED: Self = Self(0x6884);
    /// 6982: security status not satisfied.
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    /// 6983: authentication method blocked.
    pub const AUTH_METHOD_BLOCKED: Self = Self(0x6983);
    /// 6985: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// 6986: command not allowed (no current EF).
    pub const COMMAND_NOT_ALLOWED: Self = Self(0x6986);
    /// 6A80: incorrect parameters in the command data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// 6A82: file or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// 6A86: incorrect parameters P1-P2.
    pub const WRONG_P1P2: Self = Self(0x6A86);
    /// 6A88: referenced data not found.
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// 6B00: wrong parameters (offset outside the EF).
    pub const WRONG_OFFSET: Self = Self(0x6B00);
    /// 6D00: instruction not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// 6E00: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);

    /// Builds a status word from SW1 and SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    /// SW1.
    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// `63Cx` with `x` tries left.
    pub fn verify_failed(retries_left: u8) -> Self {
        Self(0x63C0 | u16::from(retries_left.min(15)))
    }

    /// What the status word means (ISO 7816-4 §5.6, table 6).
    pub fn meaning(self) -> StatusMeaning {
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => StatusMeaning::Success,
            (0x61, n) => StatusMeaning::BytesAvailable(n),
            (0x6C, n) => StatusMeaning::WrongLe(n),
            (0x63, x) if x & 0xF0 == 0xC0 => StatusMeaning::VerificationFailed { retries_left: x & 0x0F },
            (0x62 | 0x63, _) => StatusMeaning::Warning,
            (0x64 | 0x65, _) => StatusMeaning::ExecutionError,
            (0x67, 0x00) => StatusMeaning::WrongLength,
            (0x68, _) => StatusMeaning::ClaFunctionNotSupported,
            (0x69, 0x82) => StatusMeaning::SecurityStatusNotSatisfied,
            (0x69, 0x83) => StatusMeaning::AuthenticationMethodBlocked,
            (0x69, 0x84) => StatusMeaning::ReferenceDataNotUsable,
            (0x69, 0x85) => StatusMeaning::ConditionsNotSatisfied,
            (0x69, _) => StatusMeaning::CommandNotAllowed,
            (0x6A, 0x80) => StatusMeaning::WrongData,
            (0x6A, 0x82) => StatusMeaning::FileNotFound,
            (0x6A, 0x86) => StatusMeaning::WrongParameters,
            (0x6A, 0x88) => StatusMeaning::ReferencedDataNotFound,
            (0x6A | 0x6B, _) => StatusMeaning::WrongParameters,
            (0x6D, 0x00) => StatusMeaning::InstructionNotSupported,
            (0x6E, 0x00) => StatusMeaning::ClassNotSupported,
            _ => StatusMeaning::Other,
        }
    }

    /// Whether this is 9000.
    pub fn is_success(self) -> bool {
        self == Self::OK
    }
}

/// The classified meaning of a status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusMeaning {
    /// 9000.
    Success,
    /// 61xx: `xx` more bytes available through GET RESPONSE (00 means 256 or more).
    BytesAvailable(u8),
    /// 6Cxx: wrong Le; resend with Le = `xx`.
    WrongLe(u8),
    /// 63Cx: verification failed, `x` tries left.
    VerificationFailed {
        /// Tries left before the reference data is blocked.
        retries_left: u8,
    },
    /// Other 62xx / 63xx warnings.
    Warning,
    /// 64xx / 65xx: execution error (state of non-volatile memory may have changed).
    ExecutionError,
    /// 6700.
    WrongLength,
    /// 68xx: a CLA function (logical channel, secure messaging, chaining) is not supported.
    ClaFunctionNotSupported,
    /// 6982.
    SecurityStatusNotSatisfied,
    /// 6983.
    AuthenticationMethodBlocked,
    /// 6984.
    ReferenceDataNotUsable,
    /// 6985.
    ConditionsNotSatisfied,
    /// Other 69xx.
    CommandNotAllowed,
    /// 6A80.
    WrongData,
    /// 6A82.
    FileNotFound,
    /// 6A86 and other 6Axx / 6Bxx parameter errors.
    WrongParameters,
    /// 6A88.
    ReferencedDataNotFound,
    /// 6D00.
    InstructionNotSupported,
    /// 6E00.
    ClassNotSupported,
    /// Anything else.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_data_and_status() {
        let r = ResponseApdu::parse(&[1, 2, 3, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2, 3]);
        assert!(r.sw.is_success());
        assert_eq!(r.to_bytes(), [1, 2, 3, 0x90, 0]);
        assert!(ResponseApdu::parse(&[0x90]).is_err());
        assert!(ResponseApdu::parse(&[]).is_err());
    }

    #[test]
    fn classifies_status_words() {
        assert_eq!(StatusWord(0x63C2).meaning(), StatusMeaning::VerificationFailed { retries_left: 2 });
        assert_eq!(StatusWord(0x6110).meaning(), StatusMeaning::BytesAvailable(0x10));
        assert_eq!(StatusWord(0x6C47).meaning(), StatusMeaning::WrongLe(0x47));
        assert_eq!(StatusWord(0x6983).meaning(), StatusMeaning::AuthenticationMethodBlocked);
        assert_eq!(StatusWord(0x6982).meaning(), StatusMeaning::SecurityStatusNotSatisfied);
        assert_eq!(StatusWord::verify_failed(2), StatusWord(0x63C2));
        assert_eq!(StatusWord(0x1234).meaning(), StatusMeaning::Other);
    }
}
