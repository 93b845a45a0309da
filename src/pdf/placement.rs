//! Where a signature goes (ISO 32000-1 §12.7.4.5, §12.8.1): the update that adds a signature
//! dictionary with its `/ByteRange` and `/Contents` placeholders, the field — a new one with a
//! widget on a page (invisible, or stamped), or an existing empty one signed in place and
//! stamped where it shows — the AcroForm's `/SigFlags`, and DocMDP's `/Perms` (§12.8.2.2).

use std::io::{Read, Seek};

use x509_cert::Certificate;

use super::appearance::{Rect, Stamp, StampValues, write_empty, write_stamp};
use super::document::{catalog, covered_on_page, encode_text, hidden_by_flags, pages, reference};
use super::object::{Dictionary, Object};
use super::sign::{MAX_CAPACITY, PdfSignOptions};
use super::write::{Body, Update, WrittenUpdate, pdf_date, write_name, write_string};
use super::{PadesError, PdfError, PdfReader, RangeHasher};

/// What kind of signature dictionary an update carries.
pub(super) enum SigKind<'a> {
    /// A signature, with the signer's name for a stamp.
    Signature(&'a PdfSignOptions, &'a str),
    DocumentTimestamp,
}

/// Where the placeholders sit inside a written update.
pub(super) struct Layout {
    pub(super) update: WrittenUpdate,
    pub(super) contents_start: usize,
    contents_end: usize,
    byte_range_at: usize,
}

const BYTE_RANGE_WIDTH: usize = 49;

/// Builds the update that adds one signature dictionary, its field and widget.
pub(super) fn plan<R: Read + Seek>(reader: &mut PdfReader<R>, kind: &SigKind<'_>, capacity: usize) -> Result<Layout, PadesError> {
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
        // The change analysis (here and in other verifiers) judges a later signature by its
        // merged field and widget; a field whose widgets are kids, signed after another
        // signature, would make that earlier one fail. Refused before anything is written.
        if dict.get(b"Kids").is_some() && existing.iter().any(|f| f.value.is_some()) {
            return Err(PadesError::Unsupported("signing a field whose widgets are kids on a document that is already signed"));
        }
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
pub(super) fn signer_name(certificate: &Certificate) -> String {
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
pub(super) fn set(dict: &mut Dictionary, key: &[u8], value: Object) {
    dict.0.retain(|(k, _)| k != key);
    dict.0.push((key.to_vec(), value));
}

impl Layout {
    /// Fills in `/ByteRange` for a base of `base_len` bytes; returns the absolute offsets of
    /// the `/Contents` string's `<` and just past its `>`.
    pub(super) fn fix_byte_range(&mut self, base_len: u64) -> Result<(u64, u64), PadesError> {
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
    pub(super) fn hash_update(&self, hasher: &mut RangeHasher) {
        hasher.update(self.update.bytes.get(..self.contents_start).unwrap_or_default());
        hasher.update(self.update.bytes.get(self.contents_end..).unwrap_or_default());
    }
}
