//! A bounded BER-TLV reader and a small writer, ISO/IEC 7816-4:2020 §6.3 (BER-TLV data objects),
//! with the tag and length rules of ISO/IEC 8825-1 (X.690) §8.1.2–8.1.3.
//!
//! Used for the card's FCP templates and PIN-status templates, which are not DER and so are not
//! read with the `der` crate. Every length is checked against the bytes present; tags are at most
//! three bytes, lengths at most four; the indefinite form is rejected.

use super::ApduError;

/// Longest tag accepted, in bytes (ISO 7816-4 §6.3 uses at most three).
const MAX_TAG_BYTES: usize = 3;
/// Most data objects read at one level; a card template never comes near it.
const MAX_OBJECTS: usize = 256;

/// One data object: its tag (as the big-endian value of its tag bytes) and its value bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, e.g. `0x62` or `0xBF8101`.
    pub tag: u32,
    /// The value field.
    pub value: &'a [u8],
}

impl Tlv<'_> {
    /// Whether the tag says the value holds further data objects (bit 6 of the first tag byte).
    pub fn is_constructed(&self) -> bool {
        let first = self.tag.to_be_bytes().into_iter().find(|b| *b != 0).unwrap_or(0);
        first & 0x20 != 0
    }
}

/// Reads sibling data objects from a byte string. Padding bytes `00` and `FF` between objects
/// are skipped (ISO 7816-4 §6.3).
#[derive(Clone, Debug)]
pub struct TlvReader<'a> {
    rest: &'a [u8],
    count: usize,
}

impl<'a> TlvReader<'a> {
    /// Starts reading at the first byte of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes, count: 0 }
    }

    fn read_one(&mut self) -> Result<Option<Tlv<'a>>, ApduError> {
        while let [0x00 | 0xFF, rest @ ..] = self.rest {
            self.rest = rest;
        }
        let Some((&first, mut rest)) = self.rest.split_first() else {
            return Ok(None);
        };
        self.count += 1;
        if self.count > MAX_OBJECTS {
            return Err(ApduError::MalformedTlv("too many data objects"));
        }
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            let mut tag_len = 1;
            loop {
                let (&b, tail) = rest.split_first().ok_or(ApduError::MalformedTlv("truncated tag"))?;
                rest = tail;
                tag = (tag << 8) | u32::from(b);
                tag_len += 1;
                if tag_len > MAX_TAG_BYTES {
                    return Err(ApduError::MalformedTlv("tag longer than three bytes"));
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let (&len_byte, tail) = rest.split_first().ok_or(ApduError::MalformedTlv("missing length"))?;
        rest = tail;
        let len = match len_byte {
            0x00..=0x7F => usize::from(len_byte),
            0x81..=0x84 => {
                let n = usize::from(len_byte & 0x7F);
                let bytes = rest.get(..n).ok_or(ApduError::MalformedTlv("truncated length"))?;
                rest = rest.get(n..).unwrap_or_default();
                bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
            }
            _ => return Err(ApduError::MalformedTlv("indefinite or oversized length")),
        };
        let value = rest.get(..len).ok_or(ApduError::MalformedTlv("length beyond the data"))?;
        self.rest = rest.get(len..).unwrap_or_default();
        Ok(Some(Tlv { tag, value }))
    }

    /// The first sibling with `tag`, reading (and so checking) every object before it.
    ///
    /// # Errors
    /// [`ApduError::MalformedTlv`] when the bytes before the match are not valid BER-TLV.
    pub fn find(bytes: &'a [u8], tag: u32) -> Result<Option<&'a [u8]>, ApduError> {
        for tlv in TlvReader::new(bytes) {
            let tlv = tlv?;
            if tlv.tag == tag {
                return Ok(Some(tlv.value));
            }
        }
        Ok(None)
    }

    /// Follows a path of tags through nested templates: `find_path(b, &[0x70, 0xBF8101, 0xA0])`.
    ///
    /// # Errors
    /// [`ApduError::MalformedTlv`] when a level is not valid BER-TLV.
    pub fn find_path(bytes: &'a [u8], path: &[u32]) -> Result<Option<&'a [u8]>, ApduError> {
        let mut current = bytes;
        for tag in path {
            match Self::find(current, *tag)? {
                Some(value) => current = value,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, ApduError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.read_one() {
            Ok(Some(tlv)) => Some(Ok(tlv)),
            Ok(None) => None,
            Err(e) => {
                // Stop after the first error: nothing after it can be trusted.
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Encodes one BER-TLV data object (definite length, minimal length octets).
pub fn encode_tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take(3).take_while(|b| **b == 0).count();
    out.extend(tag_bytes.iter().skip(skip));
    let len = value.len();
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
    }
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_templates() {
        // The PIN1 status template an Estonian ID card 2018 returns.
        let bytes = hex::decode("701ebf81011aa0189a01039b0103a1108c06f300000000008406000000000000").unwrap();
        let tries = TlvReader::find_path(&bytes, &[0x70, 0xBF8101, 0xA0, 0x9B]).unwrap();
        assert_eq!(tries, Some(&[3u8][..]));
        assert_eq!(TlvReader::find_path(&bytes, &[0x70, 0xBF8105]).unwrap(), None);
    }

    #[test]
    fn reads_fcp_size() {
        let fcp = hex::decode("6204800204 07".replace(' ', "")).unwrap();
        assert_eq!(TlvReader::find_path(&fcp, &[0x62, 0x80]).unwrap(), Some(&[4u8, 7][..]));
    }

    #[test]
    fn long_lengths_and_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let value = vec![0xAB; len];
            let enc = encode_tlv(0xBF8101, &value);
            let tlv = TlvReader::new(&enc).next().unwrap().unwrap();
            assert_eq!(tlv.tag, 0xBF8101);
            assert_eq!(tlv.value.len(), len);
            assert!(tlv.is_constructed());
        }
    }

    #[test]
    fn rejects_lies() {
        for bad in ["6205800204", "62", "5f", "5f8181810100", "6280", "628501", "62830100"] {
            let bytes = hex::decode(bad).unwrap();
            assert!(TlvReader::new(&bytes).any(|t| t.is_err()), "{bad}");
        }
    }

    #[test]
    fn skips_padding() {
        let bytes = hex::decode("00ff800101ff").unwrap();
        let all: Vec<_> = TlvReader::new(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(all, [Tlv { tag: 0x80, value: &[1] }]);
    }
}
