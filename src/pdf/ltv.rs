//! Long-term validation material after signing: a Document Security Store (PAdES B-LT, ETSI
//! EN 319 142-1 §5.4.2) and document timestamps (B-LTA, §5.4.3), each an incremental update of
//! its own, and the certificates a file's signatures carry (what a DSS should hold).

use std::io::{Read, Seek, SeekFrom, Write};

use der::Decode;
use x509_cert::Certificate;

use super::document::{catalog, reference, signature_fields};
use super::object::{Dictionary, Object};
use super::placement::{SigKind, plan, set};
use super::write::{Body, Update, copy_observed};
use super::{PadesError, PdfError, PdfReader, RangeHasher};
use crate::cms::{TimestampClient, timestamp_digest};
use crate::x509::HashAlgorithm;

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
