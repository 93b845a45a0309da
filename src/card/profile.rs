//! Applet profiles: everything that differs between one eID/SIM PKI applet and another, as data.
//! The command sequences in [`super::CardSession`] are the same for all of them.

use serde::{Deserialize, Serialize};

use super::pin::PinKind;
use crate::ec::Curve;

/// The layout of one applet: AIDs, certificate files, PIN and key references, algorithm bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppletProfile {
    /// A short human name.
    pub name: String,
    /// AID of the main applet (SELECT by DF name, ISO 7816-4 §11.2.2).
    pub aid: Vec<u8>,
    /// The curve of both keys.
    pub curve: Curve,
    /// READ BINARY chunk size.
    pub read_chunk: u16,
    /// PIN1 (authentication).
    pub pin1: PinPolicy,
    /// PIN2 (signing).
    pub pin2: PinPolicy,
    /// PUK.
    pub puk: PinPolicy,
    /// The authentication key.
    pub auth_key: KeyReference,
    /// The signing key.
    pub sign_key: KeyReference,
    /// How RESET RETRY COUNTER is driven.
    pub unblock: UnblockMethod,
    /// Whether a digest shorter than the curve is left-padded with zeros before PSO/INTERNAL
    /// AUTHENTICATE (some cards insist; the ECDSA result is the same either way).
    pub pad_digest_to_curve: bool,
}

/// One PIN or PUK reference and its format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinPolicy {
    /// The application the reference lives in (`None`: the main applet).
    pub application: Option<Vec<u8>>,
    /// P2 of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER.
    pub reference: u8,
    /// The last byte of the `BF81xx` data object that GET DATA returns its retry counter in.
    pub status_reference: u8,
    /// Fewest digits.
    pub min_length: u8,
    /// Most digits.
    pub max_length: u8,
    /// The fixed length the value is padded to in commands.
    pub padded_length: u8,
    /// The padding byte.
    pub padding: u8,
}

impl PinPolicy {
    /// The common layout: ASCII digits, at most 12, padded with `FF` to 12 bytes.
    pub fn ascii_ff_padded(application: Option<&[u8]>, reference: u8, status_reference: u8, min_length: u8) -> Self {
        Self { application: application.map(<[u8]>::to_vec), reference, status_reference, min_length, max_length: 12, padded_length: 12, padding: 0xFF }
    }
}

/// One private key on the applet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyReference {
    /// Path of the certificate EF relative to the main applet (SELECT P1 = 09).
    pub certificate_path: Vec<u8>,
    /// The application the key lives in (`None`: the main applet).
    pub application: Option<Vec<u8>>,
    /// Key reference, tag 84 of MSE:SET.
    pub key_reference: u8,
    /// Algorithm reference, tag 80 of MSE:SET.
    pub algorithm: u8,
}

/// How PINs are unblocked with the PUK (ISO 7816-4 §11.5.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnblockMethod {
    /// One RESET RETRY COUNTER with P1 = 00 and data PUK ‖ new PIN.
    PukAndNewPin,
    /// VERIFY of the PUK, then RESET RETRY COUNTER with P1 = 02 and data new PIN.
    VerifyPukThenNewPin,
}

/// Which key an operation uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyRole {
    /// The authentication key (PIN1, INTERNAL AUTHENTICATE).
    Authentication,
    /// The signing key (PIN2, PSO: COMPUTE DIGITAL SIGNATURE).
    Signing,
}

impl KeyRole {
    /// The PIN that unlocks this key.
    pub fn pin(self) -> PinKind {
        match self {
            Self::Authentication => PinKind::Pin1,
            Self::Signing => PinKind::Pin2,
        }
    }
}

/// The AID of the project's SIM PKI applet: `F0` (an unregistered, proprietary RID category,
/// ISO/IEC 7816-5) followed by "MOBILE-ID" and version 01.
pub const PROJECT_SIM_AID: [u8; 11] = *b"\xF0MOBILE-ID\x01";

impl AppletProfile {
    /// The PIN policy for `pin`.
    pub fn pin_policy(&self, pin: PinKind) -> &PinPolicy {
        match pin {
            PinKind::Pin1 => &self.pin1,
            PinKind::Pin2 => &self.pin2,
            PinKind::Puk => &self.puk,
        }
    }

    /// The key reference for `role`.
    pub fn key(&self, role: KeyRole) -> &KeyReference {
        match role {
            KeyRole::Authentication => &self.auth_key,
            KeyRole::Signing => &self.sign_key,
        }
    }

    /// The project's own SIM PKI applet, the one the virtual SIM implements: one applet holding
    /// both keys (so a host that opened a logical channel to it never has to SELECT again),
    /// PIN1 4–12, PIN2 5–12 and PUK 8–12 digits padded with `FF` to 12 bytes.
    pub fn project_sim(curve: Curve) -> Self {
        let pin = |reference, status_reference, min_length| PinPolicy::ascii_ff_padded(None, reference, status_reference, min_length);
        Self {
            name: "mobile-id SIM PKI applet".into(),
            aid: PROJECT_SIM_AID.to_vec(),
            curve,
            read_chunk: 0xE0,
            pin1: pin(0x01, 0x01, 4),
            pin2: pin(0x81, 0x03, 5),
            puk: pin(0x02, 0x02, 8),
            auth_key: KeyReference { certificate_path: vec![0xC0, 0x01], application: None, key_reference: 0x81, algorithm: 0x04 },
            sign_key: KeyReference { certificate_path: vec![0xC0, 0x02], application: None, key_reference: 0x82, algorithm: 0x04 },
            unblock: UnblockMethod::PukAndNewPin,
            pad_digest_to_curve: false,
        }
    }

    /// The Estonian ID card 2018 (IDEMIA), P-384: main AID `A000000077010800070000FE00000100`,
    /// the authentication key in the AWP application, the signing key and PIN2 (reference 85)
    /// in the QSCD application. The reading, PIN status, VERIFY, MSE:SET, INTERNAL AUTHENTICATE
    /// and PSO commands are proven byte for byte against recorded card transcripts; the PUK
    /// unblock sequence follows the card's published command set and is not in a transcript.
    pub fn esteid_2018() -> Self {
        const QSCD: &[u8] = b"QSCD Application";
        const AWP: &[u8] = b"\xE8\x28\xBD\x08\x0F\xF2\x50\x4F\x54\x20\x41\x57\x50";
        let pin = PinPolicy::ascii_ff_padded;
        Self {
            name: "Estonian ID card 2018 (IDEMIA)".into(),
            aid: vec![0xA0, 0x00, 0x00, 0x00, 0x77, 0x01, 0x08, 0x00, 0x07, 0x00, 0x00, 0xFE, 0x00, 0x00, 0x01, 0x00],
            curve: Curve::P384,
            read_chunk: 0xC0,
            pin1: pin(None, 0x01, 0x01, 4),
            pin2: pin(Some(QSCD), 0x85, 0x05, 5),
            puk: pin(None, 0x02, 0x02, 8),
            auth_key: KeyReference { certificate_path: vec![0xAD, 0xF1, 0x34, 0x01], application: Some(AWP.to_vec()), key_reference: 0x81, algorithm: 0x04 },
            sign_key: KeyReference { certificate_path: vec![0xAD, 0xF2, 0x34, 0x1F], application: Some(QSCD.to_vec()), key_reference: 0x9F, algorithm: 0x54 },
            unblock: UnblockMethod::VerifyPukThenNewPin,
            pad_digest_to_curve: true,
        }
    }
}
