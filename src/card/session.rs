//! The ISO/IEC 7816-4/-8 command sequences of a PKI applet, over any transport:
//! SELECT (7816-4 §11.2.2), READ BINARY (§11.2.3), GET DATA (§11.4.3), VERIFY (§11.5.6),
//! CHANGE REFERENCE DATA (§11.5.7), RESET RETRY COUNTER (§11.5.10), MANAGE SECURITY ENVIRONMENT
//! (§11.5.11), INTERNAL AUTHENTICATE (§11.5.2) and PERFORM SECURITY OPERATION: COMPUTE DIGITAL
//! SIGNATURE (ISO/IEC 7816-8 §5.4).
//!
//! Every operation selects the application it needs first, so operations can be called in any
//! order and a card reset between them loses nothing.

use der::{Decode, Encode};

use super::CardError;
use super::pin::{Pin, PinKind, PinStatus};
use super::profile::{AppletProfile, KeyRole, UnblockMethod};
use crate::apdu::{ApduClient, ApduError, ApduTransport, CommandApdu, LogicalChannel, StatusMeaning, StatusWord, TlvReader, encode_tlv};

/// Largest certificate file read (the Estonian certificates are about 1 KiB).
pub const MAX_CERTIFICATE_FILE: usize = 16 * 1024;

/// How the session reaches the applet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// The logical channel the host opened (0 for the basic channel).
    pub channel: LogicalChannel,
    /// Whether the host already selected the main applet when it opened the channel (Android
    /// OMAPI `openLogicalChannel(aid)` does, and forbids SELECT by AID afterwards). The session
    /// then never selects the main applet itself.
    pub applet_selected_by_host: bool,
}

/// A session with one applet over one transport.
#[derive(Debug)]
pub struct CardSession<T> {
    client: ApduClient<T>,
    profile: AppletProfile,
    options: SessionOptions,
}

impl<T: ApduTransport> CardSession<T> {
    /// A session on the basic channel, selecting applications itself.
    pub fn new(transport: T, profile: AppletProfile) -> Self {
        Self::with_options(transport, profile, SessionOptions::default())
    }

    /// A session with explicit channel options.
    pub fn with_options(transport: T, profile: AppletProfile, options: SessionOptions) -> Self {
        Self { client: ApduClient::new(transport, options.channel), profile, options }
    }

    /// The applet profile.
    pub fn profile(&self) -> &AppletProfile {
        &self.profile
    }

    /// How the session reaches the applet.
    pub fn options(&self) -> SessionOptions {
        self.options
    }

    /// Ends the session and returns the transport.
    pub fn into_transport(self) -> T {
        self.client.into_transport()
    }

    /// Borrows the transport.
    pub fn transport_mut(&mut self) -> &mut T {
        self.client.transport_mut()
    }

    fn select_application(&mut self, application: Option<&[u8]>) -> Result<(), CardError> {
        let aid = match application {
            None if self.options.applet_selected_by_host => return Ok(()),
            None => self.profile.aid.clone(),
            Some(aid) if self.options.applet_selected_by_host && aid == self.profile.aid.as_slice() => return Ok(()),
            Some(aid) => aid.to_vec(),
        };
        // P2 = 0C: no response data (ISO 7816-4 table 63).
        let cmd = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid);
        self.expect_ok(&cmd)
    }

    fn expect_ok(&mut self, cmd: &CommandApdu) -> Result<(), CardError> {
        let response = self.client.transmit(cmd)?;
        check_status(response.sw)
    }

    /// Reads the certificate of `role` from its EF and returns its DER, trimmed of any padding
    /// after the certificate and checked to decode as an X.509 certificate.
    ///
    /// # Errors
    /// Card errors, [`CardError::InvalidResponse`] for an FCP without a size, an oversized file
    /// or bytes that are not a certificate.
    pub fn read_certificate(&mut self, role: KeyRole) -> Result<Vec<u8>, CardError> {
        self.select_application(None)?;
        let path = self.profile.key(role).certificate_path.clone();
        // SELECT by path from the current DF, P2 = 04: return the FCP template.
        let select = CommandApdu::new(0x00, 0xA4, 0x09, 0x04).with_data(path).with_le(256);
        let response = self.client.transmit(&select)?;
        check_status(response.sw)?;
        let size = fcp_file_size(&response.data)?;
        if size == 0 || size > MAX_CERTIFICATE_FILE {
            return Err(CardError::InvalidResponse("certificate file size out of range"));
        }
        let bytes = self.client.read_binary(0x00, size, self.profile.read_chunk).map_err(map_apdu_error)?;
        certificate_prefix(&bytes)
    }

    /// Reads the retry counter of `pin` (GET DATA of the PIN status template).
    ///
    /// # Errors
    /// Card errors, or [`CardError::InvalidResponse`] for a template without a counter.
    pub fn pin_status(&mut self, pin: PinKind) -> Result<PinStatus, CardError> {
        let policy = self.profile.pin_policy(pin).clone();
        self.select_application(policy.application.as_deref())?;
        let object = 0xBF8100 | u32::from(policy.status_reference);
        // Extended header list (tag 4D) asking for the security environment template 70
        // holding data object BF81xx with its A0 sub-template.
        let header_list = encode_tlv(0x4D, &encode_tlv(0x70, &encode_tlv(object, &[0xA0, 0x80])));
        let cmd = CommandApdu::new(0x00, 0xCB, 0x3F, 0xFF).with_data(header_list).with_le(256);
        let response = self.client.transmit(&cmd)?;
        check_status(response.sw)?;
        let template = TlvReader::find_path(&response.data, &[0x70, object, 0xA0])?.ok_or(CardError::InvalidResponse("no PIN status template"))?;
        let left = single_byte(TlvReader::find(template, 0x9B)?).ok_or(CardError::InvalidResponse("no retry counter"))?;
        let max = single_byte(TlvReader::find(template, 0x9A)?);
        Ok(PinStatus { retries_left: left, max_retries: max, blocked: left == 0 })
    }

    /// VERIFY: presents `value` for `pin`. The format is checked first, so a malformed PIN never
    /// costs a try.
    ///
    /// # Errors
    /// [`CardError::PinFormat`], [`CardError::PinIncorrect`], [`CardError::PinBlocked`], …
    pub fn verify_pin(&mut self, pin: PinKind, value: &Pin) -> Result<(), CardError> {
        let policy = self.profile.pin_policy(pin).clone();
        let padded = value.padded(&policy).map_err(|reason| CardError::PinFormat { pin, reason })?;
        self.select_application(policy.application.as_deref())?;
        self.send_verify(pin, policy.reference, &padded)
    }

    fn send_verify(&mut self, pin: PinKind, reference: u8, padded: &[u8]) -> Result<(), CardError> {
        let cmd = CommandApdu::new(0x00, 0x20, 0x00, reference).with_data(padded.to_vec());
        let response = self.client.transmit(&cmd)?;
        pin_result(pin, response.sw)
    }

    /// CHANGE REFERENCE DATA: replaces `pin` after presenting the current value.
    ///
    /// # Errors
    /// As [`Self::verify_pin`]; the new value's format is checked before anything is sent.
    pub fn change_pin(&mut self, pin: PinKind, current: &Pin, new: &Pin) -> Result<(), CardError> {
        let policy = self.profile.pin_policy(pin).clone();
        let old = current.padded(&policy).map_err(|reason| CardError::PinFormat { pin, reason })?;
        let new = new.padded(&policy).map_err(|reason| CardError::PinFormat { pin, reason })?;
        self.select_application(policy.application.as_deref())?;
        let mut data = zeroize::Zeroizing::new(Vec::with_capacity(old.len() + new.len()));
        data.extend_from_slice(&old);
        data.extend_from_slice(&new);
        let cmd = CommandApdu::new(0x00, 0x24, 0x00, policy.reference).with_data(data.to_vec());
        let response = self.client.transmit(&cmd)?;
        pin_result(pin, response.sw)
    }

    /// RESET RETRY COUNTER: unblocks `pin` with the PUK and sets `new` as its value.
    ///
    /// # Errors
    /// Errors about the PUK come back with `pin: PinKind::Puk`.
    pub fn unblock_pin(&mut self, pin: PinKind, puk: &Pin, new: &Pin) -> Result<(), CardError> {
        if pin == PinKind::Puk {
            return Err(CardError::Unsupported("the PUK cannot unblock itself"));
        }
        let policy = self.profile.pin_policy(pin).clone();
        let puk_policy = self.profile.puk.clone();
        let puk_padded = puk.padded(&puk_policy).map_err(|reason| CardError::PinFormat { pin: PinKind::Puk, reason })?;
        let new_padded = new.padded(&policy).map_err(|reason| CardError::PinFormat { pin, reason })?;
        self.select_application(policy.application.as_deref())?;
        match self.profile.unblock {
            UnblockMethod::PukAndNewPin => {
                let mut data = zeroize::Zeroizing::new(Vec::with_capacity(puk_padded.len() + new_padded.len()));
                data.extend_from_slice(&puk_padded);
                data.extend_from_slice(&new_padded);
                let cmd = CommandApdu::new(0x00, 0x2C, 0x00, policy.reference).with_data(data.to_vec());
                let response = self.client.transmit(&cmd)?;
                pin_result(PinKind::Puk, response.sw)
            }
            UnblockMethod::VerifyPukThenNewPin => {
                self.send_verify(PinKind::Puk, puk_policy.reference, &puk_padded)?;
                let cmd = CommandApdu::new(0x00, 0x2C, 0x02, policy.reference).with_data(new_padded.to_vec());
                let response = self.client.transmit(&cmd)?;
                pin_result(pin, response.sw)
            }
        }
    }

    /// Signs `digest` with the signing key: select its application, MSE:SET for digital
    /// signature, VERIFY PIN2, PSO: COMPUTE DIGITAL SIGNATURE. Returns the card's raw `r ‖ s`.
    ///
    /// # Errors
    /// PIN errors, card errors, or a response of the wrong length.
    pub fn sign_digest(&mut self, pin2: &Pin, digest: &[u8]) -> Result<Vec<u8>, CardError> {
        self.private_key_operation(KeyRole::Signing, pin2, digest)
    }

    /// Authenticates over `challenge` (a digest) with the authentication key: select its
    /// application, MSE:SET for authentication, VERIFY PIN1, INTERNAL AUTHENTICATE. Returns the
    /// card's raw `r ‖ s`.
    ///
    /// # Errors
    /// As [`Self::sign_digest`].
    pub fn authenticate(&mut self, pin1: &Pin, challenge: &[u8]) -> Result<Vec<u8>, CardError> {
        self.private_key_operation(KeyRole::Authentication, pin1, challenge)
    }

    fn private_key_operation(&mut self, role: KeyRole, pin_value: &Pin, digest: &[u8]) -> Result<Vec<u8>, CardError> {
        let pin = role.pin();
        let pin_policy = self.profile.pin_policy(pin).clone();
        let padded_pin = pin_value.padded(&pin_policy).map_err(|reason| CardError::PinFormat { pin, reason })?;
        let field_len = self.profile.curve.field_len();
        if !(crate::ec::MIN_DIGEST_LEN..=crate::ec::MAX_DIGEST_LEN).contains(&digest.len()) {
            return Err(CardError::InvalidInput("digest length must be 20 to 64 bytes"));
        }
        let mut input = digest.to_vec();
        if self.profile.pad_digest_to_curve && input.len() < field_len {
            let mut padded = vec![0u8; field_len - input.len()];
            padded.append(&mut input);
            input = padded;
        }
        let key = self.profile.key(role).clone();
        self.select_application(key.application.as_deref())?;
        // MSE:SET, P1 = 41 (set for computation), P2 = B6 (DST) or A4 (AT), ISO 7816-4 §11.5.11.
        let p2 = match role {
            KeyRole::Signing => 0xB6,
            KeyRole::Authentication => 0xA4,
        };
        let crt = [encode_tlv(0x80, &[key.algorithm]), encode_tlv(0x84, &[key.key_reference])].concat();
        self.expect_ok(&CommandApdu::new(0x00, 0x22, 0x41, p2).with_data(crt))?;
        self.send_verify(pin, pin_policy.reference, &padded_pin)?;
        let cmd = match role {
            KeyRole::Signing => CommandApdu::new(0x00, 0x2A, 0x9E, 0x9A),
            KeyRole::Authentication => CommandApdu::new(0x00, 0x88, 0x00, 0x00),
        }
        .with_data(input)
        .with_le(256);
        let response = self.client.transmit(&cmd)?;
        check_status(response.sw)?;
        if response.data.len() != 2 * field_len {
            return Err(CardError::InvalidResponse("signature length does not match the curve"));
        }
        Ok(response.data)
    }
}

/// The file size from an FCP template (ISO 7816-4 §7.4.3, table 12): tag 80 (data bytes) or,
/// failing that, tag 81 (total allocated).
fn fcp_file_size(fcp: &[u8]) -> Result<usize, CardError> {
    let template = TlvReader::find(fcp, 0x62)?.ok_or(CardError::InvalidResponse("no FCP template"))?;
    let size = match TlvReader::find(template, 0x80)? {
        Some(v) => v,
        None => TlvReader::find(template, 0x81)?.ok_or(CardError::InvalidResponse("FCP without a file size"))?,
    };
    if size.is_empty() || size.len() > 4 {
        return Err(CardError::InvalidResponse("FCP file size field has a bad length"));
    }
    Ok(size.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
}

/// The certificate at the start of a file that may be padded after it.
fn certificate_prefix(file: &[u8]) -> Result<Vec<u8>, CardError> {
    let not_a_certificate = CardError::InvalidResponse("the certificate file does not hold a certificate");
    let mut reader = der::SliceReader::new(file).map_err(|_| not_a_certificate.clone())?;
    let header = der::Header::decode(&mut reader).map_err(|_| not_a_certificate.clone())?;
    let total = header.encoded_len().and_then(|h| h + header.length()).map_err(|_| not_a_certificate.clone())?;
    let total = usize::try_from(u32::from(total)).map_err(|_| not_a_certificate.clone())?;
    let bytes = file.get(..total).ok_or(not_a_certificate.clone())?;
    x509_cert::Certificate::from_der(bytes).map_err(|_| not_a_certificate)?;
    Ok(bytes.to_vec())
}

fn single_byte(value: Option<&[u8]>) -> Option<u8> {
    match value {
        Some([b]) => Some(*b),
        _ => None,
    }
}

fn map_apdu_error(e: ApduError) -> CardError {
    match e {
        ApduError::Status { sw } => status_error(sw),
        other => CardError::from(other),
    }
}

fn check_status(sw: StatusWord) -> Result<(), CardError> {
    if sw.is_success() { Ok(()) } else { Err(status_error(sw)) }
}

fn status_error(sw: StatusWord) -> CardError {
    match sw.meaning() {
        StatusMeaning::SecurityStatusNotSatisfied => CardError::SecurityStatusNotSatisfied,
        _ => CardError::CardError { sw },
    }
}

/// Maps the answer to VERIFY / CHANGE / RESET RETRY COUNTER once, for every caller.
fn pin_result(pin: PinKind, sw: StatusWord) -> Result<(), CardError> {
    match sw.meaning() {
        StatusMeaning::Success => Ok(()),
        StatusMeaning::VerificationFailed { retries_left: 0 } | StatusMeaning::AuthenticationMethodBlocked => Err(CardError::PinBlocked { pin }),
        StatusMeaning::VerificationFailed { retries_left } => Err(CardError::PinIncorrect { pin, retries_left }),
        _ => Err(status_error(sw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcp_sizes() {
        assert_eq!(fcp_file_size(&hex::decode("620480020407").unwrap()).unwrap(), 0x407);
        assert_eq!(fcp_file_size(&hex::decode("6204810203f0").unwrap()).unwrap(), 0x3f0);
        assert!(fcp_file_size(&hex::decode("6203820101").unwrap()).is_err());
        assert!(fcp_file_size(&hex::decode("62028000").unwrap()).is_err());
        assert!(fcp_file_size(&hex::decode("6f00").unwrap()).is_err());
    }

    #[test]
    fn pin_status_words() {
        assert_eq!(pin_result(PinKind::Pin1, StatusWord(0x63C2)), Err(CardError::PinIncorrect { pin: PinKind::Pin1, retries_left: 2 }));
        assert_eq!(pin_result(PinKind::Pin2, StatusWord(0x63C0)), Err(CardError::PinBlocked { pin: PinKind::Pin2 }));
        assert_eq!(pin_result(PinKind::Puk, StatusWord(0x6983)), Err(CardError::PinBlocked { pin: PinKind::Puk }));
        assert_eq!(pin_result(PinKind::Pin1, StatusWord(0x6982)), Err(CardError::SecurityStatusNotSatisfied));
        assert_eq!(pin_result(PinKind::Pin1, StatusWord(0x6A80)), Err(CardError::CardError { sw: StatusWord(0x6A80) }));
    }

    #[test]
    fn certificate_prefix_rejects_garbage() {
        assert!(certificate_prefix(&[0x30, 0x82, 0xFF]).is_err());
        assert!(certificate_prefix(&[0x30, 0x03, 1, 2, 3, 0, 0]).is_err());
        assert!(certificate_prefix(&[]).is_err());
    }
}
