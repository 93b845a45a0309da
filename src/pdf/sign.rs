//! PAdES signing (ETSI EN 319 142-1 §5.3–5.5, ISO 32000-1 §12.8): an incremental update with a
//! signature dictionary whose `/Contents` placeholder is excluded by `/ByteRange`, a signature
//! field and widget, the AcroForm with `/SigFlags 3`, and optionally DocMDP certification
//! (§12.8.2.2). Staged like the CMS signer: [`prepare`] copies the original to the output
//! while hashing it, appends the update and returns the digest to be signed with a
//! serialisable [`PreparedPdf`]; [`PreparedPdf::embed`] writes the CMS into the placeholder.
//! Where the signature goes is [`super::placement`]; B-LT and B-LTA updates are
//! [`super::ltv`].

use std::io::{Read, Seek, SeekFrom, Write};

use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use super::appearance::Stamp;
use super::document::DocMdp;
use super::placement::{SigKind, plan, signer_name};
use super::write::{copy_hashed, copy_observed};
use super::{PadesError, PdfError, PdfReader, RangeHasher};
use crate::cms::{CmsSignOptions, PreparedCms, TimestampClient, add_signature_timestamps};
use crate::signer::{DigestSigner, SigningAlgorithm};
use crate::x509::HashAlgorithm;

/// Bytes reserved for a signature's CMS when the caller does not say: room for a chain of a
/// few certificates and a signature timestamp with its TSA chain.
pub const DEFAULT_CAPACITY: usize = 24 * 1024;
/// Bytes reserved for a document timestamp token by default.
pub const DEFAULT_TIMESTAMP_CAPACITY: usize = 16 * 1024;
/// The largest placeholder accepted (1 MiB of DER).
pub const MAX_CAPACITY: usize = 1024 * 1024;

/// How a PDF is signed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PdfSignOptions {
    /// The signature field's name; the first free `SignatureN` when `None`. An existing
    /// empty signature field of that name is signed in place.
    pub field: Option<String>,
    /// The page (1-based) a new field's widget goes on.
    pub page: u32,
    /// A visible signature: the stamp drawn in the widget's rectangle. `None` makes a new
    /// field invisible; an existing field that has an area on its page is always given a stamp
    /// (this one's template and image without a rectangle, or the default).
    pub stamp: Option<Stamp>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// `/M`, the claimed signing time (Unix seconds): PAdES puts it here, not in the CMS.
    pub signing_time: u64,
    /// Make this a certification signature with these DocMDP permissions.
    pub certify: Option<DocMdp>,
    /// Bytes reserved for the CMS; `None` (the default) reserves what the signer's certificates
    /// and the signature need, plus room for a signature timestamp when `expect_timestamp`,
    /// plus a margin ([`estimated_capacity`]).
    pub capacity: Option<usize>,
    /// A signature timestamp will be added (PAdES B-T and above): reserve room for its token.
    pub expect_timestamp: bool,
    /// Sign with a certificate not meant for signatures (see
    /// [`crate::cms::check_signing_certificate`]); refused by default.
    pub allow_non_signing_certificate: bool,
}

impl PdfSignOptions {
    /// Defaults at `signing_time`: next free field, page 1, approval signature, a placeholder
    /// sized from the inputs.
    pub fn new(signing_time: u64) -> Self {
        Self {
            field: None,
            page: 1,
            stamp: None,
            reason: None,
            location: None,
            contact_info: None,
            signing_time,
            certify: None,
            capacity: None,
            expect_timestamp: false,
            allow_non_signing_certificate: false,
        }
    }
}

/// Room reserved for a signature timestamp token: TSAs answer with 2–6 KiB (a SignedData with
/// their own certificate, often their chain); a token that does not fit is reported as
/// [`PadesError::PlaceholderTooSmall`], never truncated.
pub const TIMESTAMP_ALLOWANCE: usize = 10 * 1024;

/// The CMS bytes to reserve for a signature by `certificate` with `chain`: the certificates as
/// they will be embedded, the signed attributes and SignerInfo structure (at most 1 KiB with
/// signingCertificateV2), the largest ECDSA signature the key can make, a timestamp token when
/// one is expected, and an eighth more for what varies.
pub fn estimated_capacity(certificate: &Certificate, chain: &[Certificate], expect_timestamp: bool) -> usize {
    let certificates: usize = std::iter::once(certificate)
        .chain(chain)
        .map(|c| der::Encode::encoded_len(c).ok().and_then(|l| usize::try_from(u32::from(l)).ok()).unwrap_or(4096))
        .sum();
    let signature = 2 * 66 + 9;
    let structure = 1024;
    let timestamp = if expect_timestamp { TIMESTAMP_ALLOWANCE } else { 0 };
    let needed = certificates + signature + structure + timestamp;
    (needed + needed / 8).min(MAX_CAPACITY)
}

/// The state between [`prepare`] and [`PreparedPdf::embed`]: where the placeholder is in the
/// output, and the CMS state. Serialises to bytes, so signing survives a PIN prompt, a process
/// restart or a trip to a remote signer; the output file is the rest of the state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedPdf {
    format: String,
    contents_offset: u64,
    capacity: u64,
    output_len: u64,
    /// The hash of the byte ranges (`sha256` / `sha384`) and its value, hex: what the
    /// signature will cover, checked again before it is embedded into a file.
    ranges_hash: String,
    ranges_digest: String,
    cms: PreparedCms,
}

/// The hash a saved state names; only those this library signs with.
fn hash_named(name: &str) -> Option<HashAlgorithm> {
    HashAlgorithm::from_name(name).filter(|h| matches!(h, HashAlgorithm::Sha256 | HashAlgorithm::Sha384 | HashAlgorithm::Sha512))
}

const PREPARED_FORMAT: &str = "mobile-id-prepared-pdf/1";

fn hash_for(certificate: &Certificate) -> Result<HashAlgorithm, PadesError> {
    match SigningAlgorithm::of_certificate(certificate) {
        Some(SigningAlgorithm::EcdsaP256) => Ok(HashAlgorithm::Sha256),
        Some(SigningAlgorithm::EcdsaP384) => Ok(HashAlgorithm::Sha384),
        None => Err(PadesError::InvalidInput("the certificate's key is not P-256 or P-384")),
    }
}

/// Writes `input` followed by a signature update to `output` (streaming: the original is
/// copied and hashed in one pass, never held whole) and prepares the CAdES signature over the
/// byte ranges. Returns the digest the key must sign and the state to finish with.
///
/// # Errors
/// [`PadesError`] for unreadable or encrypted input, a bad option, I/O failures.
pub fn prepare<R: Read + Seek, W: Write>(
    input: &mut R,
    output: &mut W,
    certificate: &Certificate,
    chain: &[Certificate],
    options: &PdfSignOptions,
) -> Result<(Vec<u8>, PreparedPdf), PadesError> {
    let hash = hash_for(certificate)?;
    // Before a byte is written: a certificate that cannot sign is refused up front.
    crate::cms::check_signing_certificate(certificate, Some(options.signing_time), options.allow_non_signing_certificate)?;
    let mut reader = PdfReader::open(&mut *input)?;
    let base_len = reader.len();
    let capacity = options.capacity.unwrap_or_else(|| estimated_capacity(certificate, chain, options.expect_timestamp));
    let mut layout = plan(&mut reader, &SigKind::Signature(options, &signer_name(certificate)), capacity)?;
    drop(reader);
    let (contents_offset, _) = layout.fix_byte_range(base_len)?;
    input.seek(SeekFrom::Start(0)).map_err(PdfError::io)?;
    // Large files: copy and hash on two threads; small ones are not worth a thread.
    let (copied, mut hasher) = if base_len >= 8 << 20 {
        copy_hashed(&mut input.take(base_len), output, RangeHasher::new(hash))?
    } else {
        let mut hasher = RangeHasher::new(hash);
        (copy_observed(&mut input.take(base_len), output, &mut |piece| hasher.update(piece))?, hasher)
    };
    if copied != base_len {
        return Err(PdfError::Malformed("the input changed while it was read").into());
    }
    output.write_all(&layout.update.bytes).map_err(PdfError::io)?;
    output.flush().map_err(PdfError::io)?;
    layout.hash_update(&mut hasher);
    let digest = hasher.finish();
    // PAdES keeps the claimed time in /M, not in the CMS (ETSI EN 319 142-1 §6.3); the
    // certificate was checked for that time before anything was written.
    let (to_sign, cms) = crate::cms::build_prepared(&digest, None, certificate, chain, &CmsSignOptions::detached(None))?;
    let prepared = PreparedPdf {
        format: PREPARED_FORMAT.into(),
        contents_offset,
        capacity: capacity as u64,
        output_len: base_len + layout.update.bytes.len() as u64,
        ranges_hash: hash.name().into(),
        ranges_digest: hex::encode(&digest),
        cms,
    };
    Ok((to_sign, prepared))
}

impl PreparedPdf {
    /// The state as bytes (JSON).
    ///
    /// # Errors
    /// [`PadesError::Cms`] if it does not encode.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PadesError> {
        serde_json::to_vec(self).map_err(|_| PadesError::InvalidInput("prepared state"))
    }

    /// The state from [`Self::to_bytes`].
    ///
    /// # Errors
    /// [`PadesError::InvalidInput`] for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PadesError> {
        let state: Self = serde_json::from_slice(bytes).map_err(|_| PadesError::InvalidInput("not a prepared PDF signature state"))?;
        if state.format != PREPARED_FORMAT {
            return Err(PadesError::InvalidInput("a prepared state of another format"));
        }
        let slot_end = state.capacity.checked_mul(2).and_then(|c| c.checked_add(2)).and_then(|c| c.checked_add(state.contents_offset));
        if state.capacity == 0
            || state.capacity > MAX_CAPACITY as u64
            || slot_end.is_none_or(|end| end > state.output_len)
            || hash_named(&state.ranges_hash).is_none()
        {
            return Err(PadesError::InvalidInput("a damaged prepared state"));
        }
        Ok(state)
    }

    /// The digest to be signed.
    ///
    /// # Errors
    /// [`PadesError::Cms`] for a damaged state.
    pub fn digest_to_sign(&self) -> Result<Vec<u8>, PadesError> {
        Ok(self.cms.digest_to_sign()?)
    }

    /// Checks `signature` (DER ECDSA-Sig-Value) and assembles the CMS, which may then be
    /// timestamped before [`Self::embed`].
    ///
    /// # Errors
    /// [`PadesError::Cms`] when the signature does not verify.
    pub fn finish_cms(&self, signature: &[u8]) -> Result<Vec<u8>, PadesError> {
        Ok(self.cms.finish(signature)?)
    }

    /// Writes `cms` into the placeholder of `output` (the file [`prepare`] wrote). The file
    /// must be its original length, its placeholder still empty, and its byte ranges must hash
    /// to what the signature covers — so a saved state cannot be finished into another file.
    ///
    /// # Errors
    /// [`PadesError::PlaceholderTooSmall`], [`PadesError::InvalidInput`] for another file.
    pub fn embed<F: Read + Write + Seek>(&self, output: &mut F, cms: &[u8]) -> Result<(), PadesError> {
        let hash = hash_named(&self.ranges_hash).ok_or(PadesError::InvalidInput("a damaged prepared state"))?;
        let mut hasher = RangeHasher::new(hash);
        let slot_end = self.contents_offset + self.capacity * 2 + 2;
        output.seek(SeekFrom::Start(0)).map_err(PdfError::io)?;
        copy_observed(&mut (&mut *output).take(self.contents_offset), &mut std::io::sink(), &mut |piece| hasher.update(piece))?;
        output.seek(SeekFrom::Start(slot_end)).map_err(PdfError::io)?;
        copy_observed(&mut (&mut *output).take(self.output_len.saturating_sub(slot_end)), &mut std::io::sink(), &mut |piece| hasher.update(piece))?;
        if hex::encode(hasher.finish()) != self.ranges_digest {
            return Err(PadesError::InvalidInput("the output file is not the one the signature was prepared in"));
        }
        embed_at(output, self.contents_offset, self.capacity, Some(self.output_len), cms)
    }

    /// Signs with `signer` and embeds, timestamping first when a TSA is given (B-T).
    ///
    /// # Errors
    /// [`PadesError`] from the signer, the TSA or the file.
    fn complete<F: Read + Write + Seek>(&self, output: &mut F, signer: &mut dyn DigestSigner, tsa: Option<&mut dyn TimestampClient>) -> Result<(), PadesError> {
        let signature = signer.sign_digest(&self.digest_to_sign()?).map_err(crate::cms::CmsError::from)?;
        let mut cms = self.finish_cms(&signature)?;
        if let Some(tsa) = tsa {
            cms = add_signature_timestamps(&cms, tsa)?;
        }
        // The output was written by `prepare` in this call chain: no need to hash it again.
        embed_at(output, self.contents_offset, self.capacity, Some(self.output_len), &cms)
    }
}

fn embed_at<F: Read + Write + Seek>(file: &mut F, offset: u64, capacity: u64, expected_len: Option<u64>, der: &[u8]) -> Result<(), PadesError> {
    if der.len() as u64 > capacity {
        return Err(PadesError::PlaceholderTooSmall { needed: der.len(), capacity: capacity as usize });
    }
    let len = file.seek(SeekFrom::End(0)).map_err(PdfError::io)?;
    if expected_len.is_some_and(|e| e != len) {
        return Err(PadesError::InvalidInput("the output file is not the one the signature was prepared in"));
    }
    let slot_len = usize::try_from(capacity * 2 + 2).map_err(|_| PadesError::InvalidInput("capacity"))?;
    file.seek(SeekFrom::Start(offset)).map_err(PdfError::io)?;
    let mut slot = vec![0u8; slot_len];
    file.read_exact(&mut slot).map_err(PdfError::io)?;
    let empty = slot.first() == Some(&b'<') && slot.last() == Some(&b'>') && slot.get(1..slot_len - 1).is_some_and(|s| s.iter().all(|b| *b == b'0'));
    if !empty {
        return Err(PadesError::InvalidInput("the placeholder is missing or already filled"));
    }
    file.seek(SeekFrom::Start(offset + 1)).map_err(PdfError::io)?;
    file.write_all(hex::encode_upper(der).as_bytes()).map_err(PdfError::io)?;
    file.flush().map_err(PdfError::io)?;
    Ok(())
}

/// Signs `input` into `output` with `signer` in one call; with a TSA the signature is
/// timestamped (PAdES B-T).
///
/// # Errors
/// [`PadesError`].
pub fn sign<R: Read + Seek, F: Read + Write + Seek>(
    input: &mut R,
    output: &mut F,
    signer: &mut dyn DigestSigner,
    options: &PdfSignOptions,
    tsa: Option<&mut dyn TimestampClient>,
) -> Result<(), PadesError> {
    let certificate = signer.certificate().clone();
    let chain = signer.chain().to_vec();
    let mut options = options.clone();
    options.expect_timestamp |= tsa.is_some();
    let (_, prepared) = prepare(input, output, &certificate, &chain, &options)?;
    prepared.complete(output, signer, tsa)
}
