//! PAdES signing (ETSI EN 319 142-1 §5.3–5.5, ISO 32000-1 §12.8): an incremental update with a
//! signature dictionary whose `/Contents` placeholder is excluded by `/ByteRange`, a signature
//! field and widget, the AcroForm with `/SigFlags 3`, and optionally DocMDP certification
//! (§12.8.2.2). Staged like the CMS signer: [`prepare`] copies the original to the output
//! while hashing it, appends the update and returns the digest to be signed with a
//! serialisable [`PreparedPdf`]; [`PreparedPdf::embed`] writes the CMS into the placeholder.
//! [`add_dss`] (B-LT) and [`add_document_timestamp`] (B-LTA) append further updates.

use std::io::{Read, Seek, SeekFrom, Write};

use der::Decode;
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use super::appearance::{Rect, Stamp, StampValues, write_empty, write_stamp};
use super::document::{DocMdp, catalog, covered_on_page, encode_text, hidden_by_flags, pages, reference, signature_fields};
use super::object::{Dictionary, Object};
use super::write::{Body, Update, WrittenUpdate, copy_hashed, copy_observed, pdf_date, write_name, write_string};
use super::{PadesError, PdfError, PdfReader, RangeHasher};
use crate::cms::{CmsSignOptions, PreparedCms, TimestampClient, add_signature_timestamps, timestamp_digest};
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

/// What kind of signature dictionary an update carries.
enum SigKind<'a> {
    /// A signature, with the signer's name for a stamp.
    Signature(&'a PdfSignOptions, &'a str),
    DocumentTimestamp,
}

/// Where the placeholders sit inside a written update.
struct Layout {
    update: WrittenUpdate,
    contents_start: usize,
    contents_end: usize,
    byte_range_at: usize,
}

const BYTE_RANGE_WIDTH: usize = 49;

/// Builds the update that adds one signature dictionary, its field and widget.
fn plan<R: Read + Seek>(reader: &mut PdfReader<R>, kind: &SigKind<'_>, capacity: usize) -> Result<Layout, PadesError> {
    if capacity == 0 || capacity > MAX_CAPACITY {
        return Err(PadesError::InvalidInput("the signature capacity must be between 1 byte and 1 MiB"));
    }
    let mut update = Update::new(reader)?;
    let (root, mut cat) = catalog(reader)?;
    // One walk of the form serves every question below.
    let all_fields = super::document::fields(reader, &cat)?;
    let existing = super::document::signature_fields_of(&all_fields);
    let (field_name, page_number, certify) = match kind {
        SigKind::Signature(o, _) => (o.field.clone(), o.page, o.certify),
        SigKind::DocumentTimestamp => (None, 1, None),
    };
    if certify.is_some() && existing.iter().any(|f| f.value.is_some()) {
        return Err(PadesError::InvalidInput("a certification signature must be the document's first signature"));
    }
    let name = match field_name {
        Some(n) if n.is_empty() || n.contains('.') => return Err(PadesError::InvalidInput("a field name must be non-empty and without dots")),
        Some(n) => n,
        None => (1..).map(|i| format!("Signature{i}")).find(|c| !all_fields.iter().any(|(n, _, _, _)| n == c)).unwrap_or_default(),
    };
    let existing_field = all_fields.iter().find(|(n, _, _, _)| *n == name);
    if let Some((_, _, dict, ft)) = existing_field {
        if ft.as_deref() != Some(b"Sig") {
            return Err(PadesError::InvalidInput("a field of that name exists and is not a signature field"));
        }
        if dict.get(b"V").is_some() {
            return Err(PadesError::InvalidInput("that signature field is already signed"));
        }
    }

    // The signature dictionary, written by hand so its placeholders sit at known offsets.
    let sig_num = update.allocate();
    let mut sig = Vec::new();
    match kind {
        SigKind::Signature(o, _) => {
            sig.extend_from_slice(b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M");
            write_string(&mut sig, pdf_date(o.signing_time).as_bytes());
            for (key, value) in [(&b"Reason"[..], &o.reason), (b"Location", &o.location), (b"ContactInfo", &o.contact_info)] {
                if let Some(v) = value {
                    write_name(&mut sig, key);
                    write_string(&mut sig, &encode_text(v));
                }
            }
            if let Some(level) = o.certify {
                sig.extend_from_slice(
                    format!("/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P {}/V/1.2>>>>]", level as u8).as_bytes(),
                );
            }
        }
        SigKind::DocumentTimestamp => sig.extend_from_slice(b"<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161"),
    }
    sig.extend_from_slice(b"/ByteRange");
    let byte_range_in_sig = sig.len();
    sig.extend_from_slice(&[b' '; BYTE_RANGE_WIDTH]);
    sig.extend_from_slice(b"/Contents");
    let contents_in_sig = sig.len();
    sig.push(b'<');
    sig.resize(sig.len() + capacity * 2, b'0');
    sig.push(b'>');
    sig.extend_from_slice(b">>");
    update.put(sig_num, Body::Raw(sig));

    // The field: an existing empty one gets its value and, where it shows on a page, a stamp;
    // otherwise a new field-and-widget, visible when a stamp is asked for.
    let stamp = match kind {
        SigKind::Signature(o, name) => Some((o.stamp.as_ref(), stamp_values(o, name))),
        SigKind::DocumentTimestamp => None,
    };
    let mut new_field = None;
    if let Some((_, num, dict, _)) = existing_field {
        let mut field = dict.clone();
        field.0.push((b"V".to_vec(), Object::Reference(sig_num, 0)));
        let mut drawn = false;
        for (widget_num, widget) in widgets_of(reader, *num, &field)? {
            let Some(rect) = shown_rect(&widget) else { continue };
            let Some((asked, values)) = &stamp else { continue };
            if asked.is_some_and(|s| s.rect.is_some()) {
                return Err(PadesError::InvalidInput("an existing visible field keeps its own rectangle: give a stamp without one"));
            }
            let default = Stamp::default();
            let form = write_stamp(&mut update, rect.width(), rect.height(), asked.unwrap_or(&default), values)?;
            let mut appearance = Dictionary::default();
            appearance.0.push((b"N".to_vec(), Object::Reference(form, 0)));
            if widget_num == *num {
                set(&mut field, b"AP", Object::Dictionary(appearance));
            } else {
                let mut widget = widget;
                set(&mut widget, b"AP", Object::Dictionary(appearance));
                update.put_existing(reader, widget_num, Body::Object(Object::Dictionary(widget)));
            }
            drawn = true;
        }
        if !drawn && stamp.as_ref().is_some_and(|(asked, _)| asked.is_some()) {
            return Err(PadesError::InvalidInput("that signature field is invisible (it has no area on a page): sign it without a stamp"));
        }
        update.put_existing(reader, *num, Body::Object(Object::Dictionary(field)));
    } else {
        let page_list = pages(reader, &cat)?;
        let index = usize::try_from(page_number).ok().and_then(|p| p.checked_sub(1)).ok_or(PadesError::InvalidInput("pages are numbered from 1"))?;
        let page = *page_list.get(index).ok_or(PadesError::InvalidInput("the document has no such page"))?;
        let (rect, appearance) = match &stamp {
            Some((Some(asked), values)) => {
                let rect = asked.rect.ok_or(PadesError::InvalidInput("a visible signature in a new field needs a rectangle"))?;
                // On a signed document, a stamp over what the page already shows would make
                // every earlier signature fail the change analysis: refused before writing.
                if existing.iter().any(|f| f.value.is_some())
                    && let Some(what) = covered_on_page([rect.x1, rect.y1, rect.x2, rect.y2], page, reader)?
                {
                    return Err(PadesError::StampCovers(what.replace(" of the signed revision", "")));
                }
                (rect.to_object(), write_stamp(&mut update, rect.width(), rect.height(), asked, values)?)
            }
            _ => (Object::Array(vec![Object::Integer(0); 4]), write_empty(&mut update)),
        };
        let field = update.allocate();
        let mut widget = Dictionary::default();
        for (k, v) in [
            (&b"Type"[..], Object::Name(b"Annot".to_vec())),
            (b"Subtype", Object::Name(b"Widget".to_vec())),
            (b"FT", Object::Name(b"Sig".to_vec())),
            (b"T", Object::String(encode_text(&name))),
            (b"V", Object::Reference(sig_num, 0)),
            // Print and Locked (§12.5.3).
            (b"F", Object::Integer(132)),
            (b"Rect", rect),
            (b"P", Object::Reference(page, super::write::generation_of(reader, page))),
        ] {
            widget.0.push((k.to_vec(), v));
        }
        let mut ap_dict = Dictionary::default();
        ap_dict.0.push((b"N".to_vec(), Object::Reference(appearance, 0)));
        widget.0.push((b"AP".to_vec(), Object::Dictionary(ap_dict)));
        update.put(field, Body::Object(Object::Dictionary(widget)));
        new_field = Some(field);
        // The page's annotations gain the widget.
        let page_object = reader.object(page)?;
        let mut page_dict = page_object.as_dict().ok_or(PdfError::Malformed("a page is not a dictionary"))?.clone();
        if append_to_list(reader, &mut update, &mut page_dict, b"Annots", Object::Reference(field, 0))? {
            update.put_existing(reader, page, Body::Object(Object::Dictionary(page_dict)));
        }
    }

    // The AcroForm: the new field joins /Fields, /SigFlags gains SignaturesExist|AppendOnly.
    let mut catalog_changed = false;
    let (form_num, mut form) = match cat.get(b"AcroForm") {
        Some(Object::Reference(n, _)) => {
            let n = *n;
            (Some(n), reader.object(n)?.as_dict().cloned().unwrap_or_default())
        }
        Some(Object::Dictionary(d)) => (None, d.clone()),
        _ => (Some(update.allocate()), Dictionary::default()),
    };
    if let Some(field) = new_field {
        // The form is written below in any case.
        append_to_list(reader, &mut update, &mut form, b"Fields", Object::Reference(field, 0))?;
    }
    let flags = form.integer(b"SigFlags").unwrap_or(0) | 3;
    set(&mut form, b"SigFlags", Object::Integer(flags));
    match form_num {
        Some(n) => {
            update.put_existing(reader, n, Body::Object(Object::Dictionary(form)));
            if reference(cat.get(b"AcroForm")) != Some(n) {
                set(&mut cat, b"AcroForm", Object::Reference(n, 0));
                catalog_changed = true;
            }
        }
        None => {
            set(&mut cat, b"AcroForm", Object::Dictionary(form));
            catalog_changed = true;
        }
    }
    if certify.is_some() {
        let mut perms = Dictionary::default();
        perms.0.push((b"DocMDP".to_vec(), Object::Reference(sig_num, 0)));
        set(&mut cat, b"Perms", Object::Dictionary(perms));
        catalog_changed = true;
    }
    if catalog_changed {
        update.put_existing(reader, root, Body::Object(Object::Dictionary(cat)));
    }

    let written = update.write();
    let sig_at = written.offset_of(sig_num).ok_or(PdfError::Malformed("signature object"))?;
    let header = format!("{sig_num} 0 obj\n").len();
    let contents_start = sig_at + header + contents_in_sig;
    Ok(Layout { contents_start, contents_end: contents_start + capacity * 2 + 2, byte_range_at: sig_at + header + byte_range_in_sig, update: written })
}

/// The widget annotations of the field `num` (§12.7.3.1): the field itself when field and
/// widget are merged, else its kids, which must then all be widgets (kids with names of their
/// own are fields, and a field with child fields holds no value).
fn widgets_of<R: Read + Seek>(reader: &mut PdfReader<R>, num: u32, field: &Dictionary) -> Result<Vec<(u32, Dictionary)>, PadesError> {
    let Some(kids) = field.get(b"Kids") else {
        return Ok(if field.name(b"Subtype") == Some(b"Widget") || field.get(b"Rect").is_some() { vec![(num, field.clone())] } else { Vec::new() });
    };
    let kids = reader.resolve(kids)?;
    let mut out = Vec::new();
    for kid in kids.as_array().unwrap_or_default() {
        let Some(n) = reference(Some(kid)) else { continue };
        let kid = reader.object(n)?.as_dict().cloned().ok_or(PdfError::Malformed("a field's kid is not a dictionary"))?;
        if kid.get(b"T").is_some() {
            return Err(PadesError::InvalidInput("that name is a field with child fields, not a signature field"));
        }
        out.push((n, kid));
    }
    Ok(out)
}

/// A widget's rectangle when it shows on its page: an area, and no flag that hides it
/// (§12.5.3). An empty field's widget often has no appearance yet; it is drawn once signed.
fn shown_rect(widget: &Dictionary) -> Option<Rect> {
    if hidden_by_flags(widget) {
        return None;
    }
    Rect::of_annotation(widget.get(b"Rect"))
}

/// What a stamp's placeholders stand for: the signer's name from the certificate, the claimed
/// time, the reason and location.
fn stamp_values<'a>(options: &'a PdfSignOptions, name: &'a str) -> StampValues<'a> {
    let time = crate::time::format_rfc3339(options.signing_time).replace('T', " ").replace('Z', " UTC");
    StampValues { name, time, reason: options.reason.as_deref(), location: options.location.as_deref() }
}

/// The signer as a stamp names them: given name and surname, else the common name.
fn signer_name(certificate: &Certificate) -> String {
    let identity = crate::x509::Identity::from_name(certificate.tbs_certificate().subject());
    match (identity.given_name, identity.surname, identity.common_name) {
        (Some(given), Some(surname), _) => format!("{given} {surname}"),
        (_, _, Some(common)) => common,
        _ => "(no name in the certificate)".into(),
    }
}

/// Appends `item` to the array `dict[key]`: in the array's own object when `key` refers to
/// one (rewritten in `update`), else in `dict` itself. Returns whether `dict` changed.
fn append_to_list<R: Read + Seek>(reader: &mut PdfReader<R>, update: &mut Update, dict: &mut Dictionary, key: &[u8], item: Object) -> Result<bool, PadesError> {
    if let Some(Object::Reference(n, _)) = dict.get(key) {
        let n = *n;
        let mut list = reader.object(n)?.as_array().ok_or(PdfError::Malformed("an /Annots or /Fields object is not an array"))?.to_vec();
        list.push(item);
        update.put_existing(reader, n, Body::Object(Object::Array(list)));
        return Ok(false);
    }
    let mut list = dict.get(key).and_then(Object::as_array).map(<[Object]>::to_vec).unwrap_or_default();
    list.push(item);
    set(dict, key, Object::Array(list));
    Ok(true)
}

/// Replaces or appends `key` in `dict`.
fn set(dict: &mut Dictionary, key: &[u8], value: Object) {
    dict.0.retain(|(k, _)| k != key);
    dict.0.push((key.to_vec(), value));
}

impl Layout {
    /// Fills in `/ByteRange` for a base of `base_len` bytes; returns the absolute offsets of
    /// the `/Contents` string's `<` and just past its `>`.
    fn fix_byte_range(&mut self, base_len: u64) -> Result<(u64, u64), PadesError> {
        let a = base_len + self.contents_start as u64;
        let b = base_len + self.contents_end as u64;
        let total = base_len + self.update.bytes.len() as u64;
        let text = format!("[0 {a} {b} {}]", total - b);
        let slot = self.update.bytes.get_mut(self.byte_range_at..self.byte_range_at + BYTE_RANGE_WIDTH).ok_or(PdfError::Malformed("byte range slot"))?;
        if text.len() > slot.len() {
            return Err(PadesError::InvalidInput("the file is too large for a byte range"));
        }
        slot.fill(b' ');
        slot.get_mut(..text.len()).ok_or(PdfError::Malformed("byte range slot"))?.copy_from_slice(text.as_bytes());
        Ok((a, b))
    }

    /// Feeds the update's signed parts (all but the `/Contents` string) to `hasher`.
    fn hash_update(&self, hasher: &mut RangeHasher) {
        hasher.update(self.update.bytes.get(..self.contents_start).unwrap_or_default());
        hasher.update(self.update.bytes.get(self.contents_end..).unwrap_or_default());
    }
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

/// Validation material for a DSS (ETSI EN 319 142-1 §5.4.2): certificates, CRLs and OCSP
/// responses, each DER.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DssMaterial {
    /// Certificates.
    pub certificates: Vec<Vec<u8>>,
    /// CRLs.
    pub crls: Vec<Vec<u8>>,
    /// OCSPResponse structures.
    pub ocsp: Vec<Vec<u8>>,
}

/// Appends an update holding a Document Security Store (PAdES B-LT): the catalog's `/DSS`
/// gains the material (earlier DSS entries are kept), each item in its own stream. Items
/// already present are not added twice.
///
/// # Errors
/// [`PadesError`] for unreadable files or I/O failures.
pub fn add_dss<F: Read + Write + Seek>(file: &mut F, material: &DssMaterial) -> Result<(), PadesError> {
    for c in &material.certificates {
        Certificate::from_der(c).map_err(|_| PadesError::InvalidInput("a DSS certificate does not decode"))?;
    }
    let mut reader = PdfReader::open(&mut *file)?;
    let mut update = Update::new(&reader)?;
    let (root, mut cat) = catalog(&mut reader)?;
    let (dss_num, mut dss) = match cat.get(b"DSS") {
        Some(Object::Reference(n, _)) => {
            let n = *n;
            (n, reader.object(n)?.as_dict().cloned().unwrap_or_default())
        }
        Some(Object::Dictionary(d)) => (update.allocate(), d.clone()),
        _ => (update.allocate(), Dictionary::default()),
    };
    set(&mut dss, b"Type", Object::Name(b"DSS".to_vec()));
    for (key, items) in [(&b"Certs"[..], &material.certificates), (b"CRLs", &material.crls), (b"OCSPs", &material.ocsp)] {
        let mut list = reader.resolve(dss.get(key).unwrap_or(&Object::Null))?.as_array().map(<[Object]>::to_vec).unwrap_or_default();
        let mut present = Vec::new();
        for item in &list {
            if let Object::Stream(d, data) = reader.resolve(item)? {
                present.push(reader.decode_stream(&d, &data)?);
            }
        }
        for item in items {
            if present.contains(item) {
                continue;
            }
            present.push(item.clone());
            let n = update.allocate();
            update.put(n, Body::Stream(Dictionary::default(), item.clone()));
            list.push(Object::Reference(n, 0));
        }
        if !list.is_empty() {
            set(&mut dss, key, Object::Array(list));
        }
    }
    update.put_existing(&reader, dss_num, Body::Object(Object::Dictionary(dss)));
    if reference(cat.get(b"DSS")) != Some(dss_num) {
        set(&mut cat, b"DSS", Object::Reference(dss_num, 0));
        update.put_existing(&reader, root, Body::Object(Object::Dictionary(cat)));
    }
    let base_len = reader.len();
    drop(reader);
    let written = update.write();
    file.seek(SeekFrom::Start(base_len)).map_err(PdfError::io)?;
    file.write_all(&written.bytes).map_err(PdfError::io)?;
    file.flush().map_err(PdfError::io)?;
    Ok(())
}

/// Appends a document timestamp (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3): a `/DocTimeStamp`
/// signature dictionary with `/SubFilter /ETSI.RFC3161` whose token covers the whole file as
/// it then is, DSS included.
///
/// # Errors
/// [`PadesError`] from the file or the TSA.
pub fn add_document_timestamp<F: Read + Write + Seek>(file: &mut F, tsa: &mut dyn TimestampClient, capacity: usize) -> Result<(), PadesError> {
    let mut reader = PdfReader::open(&mut *file)?;
    let base_len = reader.len();
    let mut layout = plan(&mut reader, &SigKind::DocumentTimestamp, capacity)?;
    drop(reader);
    layout.fix_byte_range(base_len)?;
    let hash = HashAlgorithm::Sha256;
    let mut hasher = RangeHasher::new(hash);
    file.seek(SeekFrom::Start(0)).map_err(PdfError::io)?;
    copy_observed(&mut (&mut *file).take(base_len), &mut std::io::sink(), &mut |piece| hasher.update(piece))?;
    layout.hash_update(&mut hasher);
    // The token is fetched and placed before anything is written: a TSA failure leaves the
    // file as it was.
    let token = timestamp_digest(hash, &hasher.finish(), tsa)?;
    if token.len() > capacity {
        return Err(PadesError::PlaceholderTooSmall { needed: token.len(), capacity });
    }
    let hex_token = hex::encode_upper(&token);
    let slot = layout.update.bytes.get_mut(layout.contents_start + 1..layout.contents_start + 1 + hex_token.len()).ok_or(PdfError::Malformed("placeholder"))?;
    slot.copy_from_slice(hex_token.as_bytes());
    file.seek(SeekFrom::Start(base_len)).map_err(PdfError::io)?;
    file.write_all(&layout.update.bytes).map_err(PdfError::io)?;
    file.flush().map_err(PdfError::io)?;
    Ok(())
}

/// Every certificate a file's signatures carry (signer chains and timestamp tokens), DER,
/// without duplicates: what a DSS should hold.
///
/// # Errors
/// [`PadesError`] for unreadable files.
pub fn embedded_certificates<R: Read + Seek>(file: &mut R) -> Result<Vec<Vec<u8>>, PadesError> {
    let mut reader = PdfReader::open(file)?;
    let (_, cat) = catalog(&mut reader)?;
    let mut out: Vec<Vec<u8>> = Vec::new();
    for field in signature_fields(&mut reader, &cat)? {
        let Some(v) = field.value else { continue };
        let Some(Object::String(contents)) = reader.object(v)?.as_dict().and_then(|d| d.get(b"Contents")).cloned() else { continue };
        for der in crate::cms::certificates_in(crate::cms::leading_value(&contents).unwrap_or(&contents)) {
            if !out.contains(&der) {
                out.push(der);
            }
        }
    }
    Ok(out)
}
