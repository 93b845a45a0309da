//! Command APDUs, ISO/IEC 7816-4:2020 §5.1 (command-response pairs, cases 1–4, short and
//! extended length fields).

use super::ApduError;

/// The largest `Nc` (command data length) an extended APDU can carry (ISO 7816-4 §5.1).
pub const MAX_EXTENDED_DATA: usize = 65_535;
/// The largest `Nc` a short APDU can carry.
pub const MAX_SHORT_DATA: usize = 255;
/// `Ne` = 256 is "as much as fits" in a short APDU (Le byte `00`).
pub const MAX_SHORT_NE: u32 = 256;
/// `Ne` = 65536 is "as much as fits" in an extended APDU (Le bytes `00 00`).
pub const MAX_EXTENDED_NE: u32 = 65_536;

/// A command APDU: the four header bytes, optional command data and the expected response
/// length `Ne` (`None` means no Le field, i.e. no response data expected).
///
/// The encoding (short or extended) is chosen by [`CommandApdu::to_bytes`]: short whenever both
/// `Nc <= 255` and `Ne <= 256`, extended otherwise, as ISO 7816-4 §5.1 describes.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte. Card operations set the logical-channel bits through
    /// [`LogicalChannel`](super::LogicalChannel) rather than writing them here.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (`Nc` bytes). May hold a PIN: encoded buffers are wiped after transmission.
    pub data: Vec<u8>,
    /// Expected response length `Ne` (1..=65536), or `None` for no Le field.
    pub ne: Option<u32>,
}

impl std::fmt::Debug for CommandApdu {
    // The data field may carry a PIN or PUK: print only its length.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandApdu")
            .field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2))
            .field("nc", &self.data.len())
            .field("ne", &self.ne)
            .finish()
    }
}

impl Drop for CommandApdu {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.data);
    }
}

impl CommandApdu {
    /// Case 1: header only.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), ne: None }
    }

    /// Adds command data (case 3, or case 4 together with [`Self::with_le`]).
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets `Ne`, the number of response bytes expected (case 2, or case 4 with data).
    pub fn with_le(mut self, ne: u32) -> Self {
        self.ne = Some(ne);
        self
    }

    /// Whether this command needs the extended length encoding.
    pub fn is_extended(&self) -> bool {
        self.data.len() > MAX_SHORT_DATA || self.ne.is_some_and(|ne| ne > MAX_SHORT_NE)
    }

    /// Encodes the APDU (ISO 7816-4 §5.1, figures "command APDU" and table 1).
    ///
    /// # Errors
    /// [`ApduError::CommandTooLong`] when `Nc > 65535`, [`ApduError::InvalidLe`] when `Ne` is 0
    /// or greater than 65536.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        let nc = self.data.len();
        if nc > MAX_EXTENDED_DATA {
            return Err(ApduError::CommandTooLong { nc });
        }
        if let Some(ne) = self.ne
            && (ne == 0 || ne > MAX_EXTENDED_NE)
        {
            return Err(ApduError::InvalidLe { ne });
        }
        let extended = self.is_extended();
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if nc > 0 {
            if extended {
                out.push(0);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
            } else {
                out.push(nc as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(ne) = self.ne {
            if extended {
                if nc == 0 {
                    out.push(0);
                }
                // Ne = 65536 encodes as 00 00.
                out.extend_from_slice(&((ne % MAX_EXTENDED_NE) as u16).to_be_bytes());
            } else {
                // Ne = 256 encodes as 00.
                out.push((ne % MAX_SHORT_NE) as u8);
            }
        }
        Ok(out)
    }

    /// Parses an encoded command APDU (the card side of ISO 7816-4 §5.1). Every length is
    /// checked against the bytes present; trailing bytes are an error.
    ///
    /// # Errors
    /// [`ApduError::MalformedCommand`] for anything that is not one of the four cases.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        const MALFORMED: ApduError = ApduError::MalformedCommand;
        let (header, body) = bytes.split_first_chunk::<4>().ok_or(MALFORMED)?;
        let [cla, ins, p1, p2] = *header;
        let mut apdu = Self::new(cla, ins, p1, p2);
        match body {
            // Case 1.
            [] => {}
            // Case 2S.
            [le] => apdu.ne = Some(short_ne(*le)),
            // Extended: a first byte 00 followed by at least two more bytes.
            [0, rest @ ..] if rest.len() >= 2 => {
                let (len_bytes, rest) = rest.split_first_chunk::<2>().ok_or(MALFORMED)?;
                let n = usize::from(u16::from_be_bytes(*len_bytes));
                match rest {
                    // Case 2E.
                    [] => apdu.ne = Some(extended_ne(n)),
                    // Cases 3E and 4E.
                    _ => {
                        (apdu.data, apdu.ne) = data_and_le(rest, n, |le| match le {
                            [a, b] => Some(extended_ne(usize::from(u16::from_be_bytes([*a, *b])))),
                            _ => None,
                        })?
                    }
                }
            }
            // Cases 3S and 4S: Lc in 1..=255.
            [lc, rest @ ..] => {
                (apdu.data, apdu.ne) = data_and_le(rest, usize::from(*lc), |le| match le {
                    [le] => Some(short_ne(*le)),
                    _ => None,
                })?;
            }
        }
        Ok(apdu)
    }
}

/// Splits `Nc` data bytes off `rest` (Nc > 0) and reads what follows as an Le field with
/// `read_le` (cases 3 and 4, §5.1): nothing after the data is case 3, a well-formed Le is
/// case 4, anything else is malformed.
fn data_and_le(rest: &[u8], nc: usize, read_le: impl Fn(&[u8]) -> Option<u32>) -> Result<(Vec<u8>, Option<u32>), ApduError> {
    if nc == 0 {
        return Err(ApduError::MalformedCommand);
    }
    let data = rest.get(..nc).ok_or(ApduError::MalformedCommand)?.to_vec();
    match rest.get(nc..).ok_or(ApduError::MalformedCommand)? {
        [] => Ok((data, None)),
        le => read_le(le).map(|ne| (data, Some(ne))).ok_or(ApduError::MalformedCommand),
    }
}

fn short_ne(le: u8) -> u32 {
    if le == 0 { MAX_SHORT_NE } else { u32::from(le) }
}

fn extended_ne(le: usize) -> u32 {
    if le == 0 { MAX_EXTENDED_NE } else { le as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(apdu: &CommandApdu) -> Vec<u8> {
        let bytes = apdu.to_bytes().unwrap();
        assert_eq!(&CommandApdu::parse(&bytes).unwrap(), apdu);
        bytes
    }

    #[test]
    fn encodes_the_four_short_cases() {
        assert_eq!(roundtrip(&CommandApdu::new(0, 0x20, 0, 1)), [0, 0x20, 0, 1]);
        assert_eq!(roundtrip(&CommandApdu::new(0, 0xB0, 0, 0).with_le(256)), [0, 0xB0, 0, 0, 0]);
        assert_eq!(roundtrip(&CommandApdu::new(0, 0xA4, 4, 0x0C).with_data([1, 2])), [0, 0xA4, 4, 0x0C, 2, 1, 2]);
        assert_eq!(roundtrip(&CommandApdu::new(0, 0xA4, 9, 4).with_data([0xAD, 0xF1]).with_le(256)), [0, 0xA4, 9, 4, 2, 0xAD, 0xF1, 0]);
    }

    #[test]
    fn encodes_extended_cases() {
        assert_eq!(roundtrip(&CommandApdu::new(0, 0xB0, 0, 0).with_le(65_536)), [0, 0xB0, 0, 0, 0, 0, 0]);
        assert_eq!(roundtrip(&CommandApdu::new(0, 0xB0, 0, 0).with_le(300)), [0, 0xB0, 0, 0, 0, 1, 0x2C]);
        let data = vec![7u8; 300];
        let bytes = roundtrip(&CommandApdu::new(0, 0x2A, 0x9E, 0x9A).with_data(data.clone()));
        assert_eq!(&bytes[..7], &[0, 0x2A, 0x9E, 0x9A, 0, 1, 0x2C]);
        let bytes = roundtrip(&CommandApdu::new(0, 0x2A, 0x9E, 0x9A).with_data(data).with_le(65_536));
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 0]);
    }

    #[test]
    fn rejects_bad_lengths() {
        assert!(CommandApdu::new(0, 0, 0, 0).with_le(0).to_bytes().is_err());
        assert!(CommandApdu::new(0, 0, 0, 0).with_le(65_537).to_bytes().is_err());
        assert!(CommandApdu::new(0, 0, 0, 0).with_data(vec![0; 65_536]).to_bytes().is_err());
        for bad in [&[0u8, 1, 2][..], &[0, 0xA4, 4, 0, 3, 1, 2], &[0, 0xA4, 4, 0, 1, 1, 0, 0], &[0, 0, 0, 0, 0, 0, 1, 5, 6]] {
            assert!(CommandApdu::parse(bad).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn debug_hides_the_data() {
        let apdu = CommandApdu::new(0, 0x20, 0, 1).with_data(*b"1234");
        assert!(!format!("{apdu:?}").contains("49"));
    }
}
