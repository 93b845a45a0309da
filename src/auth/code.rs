//! Verification codes shown on both screens during a login or signature, so the user can see
//! that the phone's request is the portal's.

use sha2::{Digest, Sha256};

/// The Mobile-ID verification code (Mobile-ID REST API, "Verification code calculation"):
/// `((h[0] & 0xFC) << 5) | (h[len-1] & 0x7F)`, a 13-bit number shown as four digits with
/// leading zeros, over the hash actually sent to the phone. `None` for an empty hash.
pub fn mobile_id_code(hash: &[u8]) -> Option<String> {
    let first = u16::from(*hash.first()?);
    let last = u16::from(*hash.last()?);
    Some(format!("{:04}", ((first & 0xFC) << 5) | (last & 0x7F)))
}

/// The Smart-ID verification code (Smart-ID RP API): the last two bytes of SHA-256 of the hash,
/// big-endian, modulo 10000, as four digits.
pub fn smart_id_code(hash: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(hash).into();
    let [.., a, b] = digest;
    let tail = u16::from_be_bytes([a, b]);
    format!("{:04}", tail % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Sha384, Sha512};

    #[test]
    fn reference_vectors() {
        assert_eq!(mobile_id_code(&hex::decode("2f665f6a6999e0ef0752e00ec9f453adf59d8cb6").unwrap()).unwrap(), "1462");
        assert_eq!(mobile_id_code(&Sha256::digest(b"HACKERMAN_SHA256")).unwrap(), "6008");
        assert_eq!(mobile_id_code(&Sha384::digest(b"HACKERMAN_SHA384")).unwrap(), "7230");
        assert_eq!(mobile_id_code(&Sha512::digest(b"HACKERMAN_SHA512")).unwrap(), "3843");
        assert_eq!(smart_id_code(&Sha256::digest(b"Hello World!")), "7712");
        assert_eq!(mobile_id_code(&[]), None);
        assert_eq!(mobile_id_code(&[0xFF]).unwrap(), "8191");
    }
}
