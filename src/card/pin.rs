//! PINs and PUKs: a zeroizing value type, the three references a mobile ID applet holds, and
//! their retry status (ISO/IEC 7816-4:2020 §11.5.6 VERIFY, §11.5.7 CHANGE REFERENCE DATA,
//! §11.5.10 RESET RETRY COUNTER).

use zeroize::{Zeroize, Zeroizing};

use super::profile::PinPolicy;

/// Which secret an operation concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinKind {
    /// PIN1: unlocks the authentication key.
    Pin1,
    /// PIN2: unlocks the qualified signing key, for one signature at a time.
    Pin2,
    /// PUK: unblocks PIN1 and PIN2.
    Puk,
}

impl std::fmt::Display for PinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pin1 => "PIN1",
            Self::Pin2 => "PIN2",
            Self::Puk => "PUK",
        })
    }
}

/// A PIN or PUK value. Zeroized on drop; `Debug` never shows it.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// Why a PIN was refused before any APDU was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinFormatError {
    /// Characters other than the digits 0–9.
    #[error("a PIN has digits only")]
    NotDigits,
    /// Shorter or longer than the applet allows.
    #[error("a PIN here has {min} to {max} digits")]
    Length {
        /// Fewest digits allowed.
        min: u8,
        /// Most digits allowed.
        max: u8,
    },
}

impl Pin {
    /// Wraps a PIN value. Its format is checked against the applet's policy when it is used.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The number of characters.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether the PIN is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks the PIN against `policy`: digits only, length within the limits.
    ///
    /// # Errors
    /// [`PinFormatError`] saying what is wrong (never the PIN).
    pub fn check(&self, policy: &PinPolicy) -> Result<(), PinFormatError> {
        if !self.0.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinFormatError::NotDigits);
        }
        let len = self.0.len();
        if len < usize::from(policy.min_length) || len > usize::from(policy.max_length) {
            return Err(PinFormatError::Length { min: policy.min_length, max: policy.max_length });
        }
        Ok(())
    }

    /// The PIN as the applet expects it in a command: ASCII digits padded with the policy's
    /// padding byte to its fixed length. The buffer is zeroized when dropped.
    ///
    /// # Errors
    /// As [`Pin::check`].
    pub fn padded(&self, policy: &PinPolicy) -> Result<Zeroizing<Vec<u8>>, PinFormatError> {
        self.check(policy)?;
        let width = usize::from(policy.padded_length).max(self.0.len());
        let mut out = Zeroizing::new(Vec::with_capacity(width));
        out.extend_from_slice(self.0.as_bytes());
        out.resize(width, policy.padding);
        Ok(out)
    }

    /// Compares two PINs in time independent of where they differ.
    pub fn ct_eq(&self, other: &Pin) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The digits, for code that must hash or transmit them. Do not log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Retry status of one PIN or PUK as the card reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PinStatus {
    /// Tries left before the reference is blocked.
    pub retries_left: u8,
    /// The maximum number of tries, when the card says.
    pub max_retries: Option<u8>,
    /// Whether the reference is blocked (no tries left).
    pub blocked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::profile::AppletProfile;

    #[test]
    fn pads_and_checks() {
        let policy = AppletProfile::esteid_2018().pin1;
        assert_eq!(&Pin::new("1234").padded(&policy).unwrap()[..], hex::decode("31323334ffffffffffffffff").unwrap());
        assert_eq!(Pin::new("12a4").check(&policy), Err(PinFormatError::NotDigits));
        assert_eq!(Pin::new("123").check(&policy), Err(PinFormatError::Length { min: 4, max: 12 }));
        assert!(Pin::new("1234567890123").check(&policy).is_err());
        assert!(Pin::new("١٢٣٤").check(&policy).is_err());
    }

    #[test]
    fn debug_redacts() {
        assert_eq!(format!("{:?}", Pin::new("1234")), "Pin(<redacted>)");
        assert!(Pin::new("1234").ct_eq(&Pin::new("1234")));
        assert!(!Pin::new("1234").ct_eq(&Pin::new("1235")));
        assert!(!Pin::new("1234").ct_eq(&Pin::new("12345")));
    }
}
