//! Reading certificates, CRLs and OCSP responses from what people hand over: DER, PEM with one
//! or many blocks (RFC 7468), or base64 DER (JSON requests). Bounded: at most
//! [`MAX_PEM_BLOCKS`] blocks per input.

use base64ct::Encoding;

use super::ValidationError;
use super::cert::ParsedCertificate;
use super::crl::ParsedCrl;
use super::ocsp::ParsedOcspResponse;

/// Most PEM blocks read from one input.
pub const MAX_PEM_BLOCKS: usize = 1000;

fn malformed(what: &'static str) -> ValidationError {
    ValidationError::Malformed { what }
}

/// The DER documents in `bytes`: every PEM block when it is PEM text, the bytes themselves
/// when they are DER, or base64-decoded bytes when they are bare base64.
///
/// # Errors
/// [`ValidationError::Malformed`] for broken PEM or base64, or too many blocks.
pub fn der_documents(bytes: &[u8]) -> Result<Vec<Vec<u8>>, ValidationError> {
    let text = std::str::from_utf8(bytes).ok();
    match text.map(str::trim) {
        Some(t) if t.contains("-----BEGIN ") => {
            let mut out = Vec::new();
            let mut rest = t;
            while let Some(start) = rest.find("-----BEGIN ") {
                let block = rest.get(start..).unwrap_or_default();
                let end_marker = block.find("-----END ").ok_or(malformed("PEM (no END line)"))?;
                let after = block.get(end_marker + 9..).unwrap_or_default();
                let close = after.find("-----").ok_or(malformed("PEM (unterminated END line)"))? + end_marker + 9 + 5;
                let pem = block.get(..close).ok_or(malformed("PEM"))?;
                let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).map_err(|_| malformed("PEM"))?;
                out.push(der);
                if out.len() > MAX_PEM_BLOCKS {
                    return Err(malformed("PEM (too many blocks)"));
                }
                rest = block.get(close..).unwrap_or_default();
            }
            Ok(out)
        }
        Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n' | b'\r')) => {
            let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            base64ct::Base64::decode_vec(&compact).map(|d| vec![d]).map_err(|_| malformed("base64"))
        }
        _ => Ok(vec![bytes.to_vec()]),
    }
}

/// Certificates from DER, PEM (one or many) or base64.
///
/// # Errors
/// [`ValidationError::Malformed`] when any of them does not decode.
pub fn certificates(bytes: &[u8]) -> Result<Vec<ParsedCertificate>, ValidationError> {
    der_documents(bytes)?.iter().map(|d| ParsedCertificate::from_der(d)).collect()
}

/// CRLs from DER, PEM or base64.
///
/// # Errors
/// [`ValidationError::Malformed`] when any of them does not decode.
pub fn crls(bytes: &[u8]) -> Result<Vec<ParsedCrl>, ValidationError> {
    der_documents(bytes)?.iter().map(|d| ParsedCrl::from_der(d)).collect()
}

/// OCSP responses from DER, PEM or base64.
///
/// # Errors
/// [`ValidationError::Malformed`] when any of them does not decode.
pub fn ocsp_responses(bytes: &[u8]) -> Result<Vec<ParsedOcspResponse>, ValidationError> {
    der_documents(bytes)?.iter().map(|d| ParsedOcspResponse::from_der(d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pem_der_and_base64() {
        let pem = "-----BEGIN X-----\nAQID\n-----END X-----\ntext\n-----BEGIN Y-----\nBAU=\n-----END Y-----\n";
        assert_eq!(der_documents(pem.as_bytes()).unwrap(), vec![vec![1, 2, 3], vec![4, 5]]);
        assert_eq!(der_documents(b"AQID").unwrap(), vec![vec![1, 2, 3]]);
        assert_eq!(der_documents(&[0x30, 0x00]).unwrap(), vec![vec![0x30, 0x00]]);
        assert!(der_documents(b"-----BEGIN X-----\nAQID\n").is_err());
        assert!(der_documents(b"-----BEGIN X-----\n!!\n-----END X-----").is_err());
    }
}
