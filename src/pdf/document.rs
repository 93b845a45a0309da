//! The parts of a document that signing and verification walk: the catalog (ISO 32000-1
//! §7.7.2), the page tree (§7.7.3), the interactive form and its signature fields (§12.7,
//! §12.7.4.5), each walk bounded in depth and size.

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

use super::object::{Dictionary, Object};
use super::{PdfError, PdfReader};

/// Deepest page tree or field hierarchy walked.
pub const MAX_TREE_DEPTH: usize = 32;
/// Most nodes visited in one page tree or field hierarchy.
pub const MAX_TREE_NODES: usize = 100_000;

fn bad(what: &'static str) -> PdfError {
    PdfError::Malformed(what)
}

/// The document catalog: its object number and dictionary.
///
/// # Errors
/// [`PdfError::Malformed`] when the trailer's `/Root` is not a reference to a dictionary.
pub fn catalog<R: Read + Seek>(reader: &mut PdfReader<R>) -> Result<(u32, Dictionary), PdfError> {
    let root = match reader.trailer().and_then(|t| t.get(b"Root")) {
        Some(Object::Reference(n, _)) => *n,
        _ => return Err(bad("the trailer's /Root is not a reference")),
    };
    match reader.object(root)? {
        Object::Dictionary(d) => Ok((root, d)),
        _ => Err(bad("the catalog is not a dictionary")),
    }
}

/// A reference's object number.
pub fn reference(object: Option<&Object>) -> Option<u32> {
    match object {
        Some(Object::Reference(n, _)) => Some(*n),
        _ => None,
    }
}

/// The pages, in order, as object numbers (§7.7.3.2). Loops and over-deep trees are errors.
///
/// # Errors
/// [`PdfError`] for a malformed or hostile page tree.
pub fn pages<R: Read + Seek>(reader: &mut PdfReader<R>, catalog: &Dictionary) -> Result<Vec<u32>, PdfError> {
    let root = reference(catalog.get(b"Pages")).ok_or(bad("the catalog has no /Pages reference"))?;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((num, depth)) = stack.pop() {
        if !seen.insert(num) {
            return Err(bad("the page tree loops"));
        }
        if depth > MAX_TREE_DEPTH || seen.len() > MAX_TREE_NODES {
            return Err(PdfError::LimitExceeded("page tree"));
        }
        let node = reader.object(num)?;
        let dict = node.as_dict().ok_or(bad("a page tree node is not a dictionary"))?;
        // An intermediate node says /Type /Pages, or (leniently) has /Kids and no /Type.
        let node = match dict.name(b"Type") {
            Some(b"Pages") => true,
            None => dict.get(b"Kids").is_some(),
            Some(_) => false,
        };
        if node {
            let kids = reader.resolve(dict.get(b"Kids").unwrap_or(&Object::Null))?;
            let kids = kids.as_array().ok_or(bad("/Kids is not an array"))?;
            for kid in kids.iter().rev() {
                stack.push((reference(Some(kid)).ok_or(bad("/Kids holds a non-reference"))?, depth + 1));
            }
        } else {
            out.push(num);
        }
    }
    Ok(out)
}

/// Whether a widget shows nothing, on screen or on paper (ISO 32000-1 §12.5.3): a signature
/// widget without an appearance, a zero-area rectangle, or flags that hide it
/// ([`hidden_by_flags`]).
pub fn invisible(widget: &Dictionary) -> bool {
    // A signature widget without an appearance stream (ISO 32000-1 §12.5.5) is drawn by no
    // reader: viewers synthesise appearances for text and choice fields, not for signatures.
    if widget.get(b"AP").is_none() && widget.name(b"FT") == Some(b"Sig") {
        return true;
    }
    if hidden_by_flags(widget) {
        return true;
    }
    rectangle(widget.get(b"Rect")).is_some_and(|[x1, y1, x2, y2]| (x2 - x1).abs() < f64::EPSILON || (y2 - y1).abs() < f64::EPSILON)
}

/// The annotation flags (§12.5.3) hide it: Hidden, or NoView without Print and ToggleNoView.
pub fn hidden_by_flags(annotation: &Dictionary) -> bool {
    let flags = annotation.integer(b"F").unwrap_or(0);
    flags & 2 != 0 || (flags & 32 != 0 && flags & (4 | 256) == 0)
}

/// A rectangle (ISO 32000-1 §7.9.5) as `[llx, lly, urx, ury]`, corners normalised.
pub fn rectangle(value: Option<&Object>) -> Option<[f64; 4]> {
    let numbers: Vec<f64> = value?
        .as_array()?
        .iter()
        .map(|o| match o {
            Object::Integer(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let [x1, y1, x2, y2] = numbers.as_slice() else { return None };
    Some([x1.min(*x2), y1.min(*y2), x1.max(*x2), y1.max(*y2)])
}

/// A page's `/MediaBox`, inherited through the page tree (§7.7.3.4); US Letter when none.
///
/// # Errors
/// [`PdfError`] when the tree cannot be read.
pub fn media_box<R: Read + Seek>(page: &Dictionary, reader: &mut PdfReader<R>) -> Result<[f64; 4], PdfError> {
    let mut node = page.clone();
    for _ in 0..MAX_TREE_DEPTH {
        let value = reader.resolve(node.get(b"MediaBox").unwrap_or(&Object::Null))?;
        if let Some(found) = rectangle(Some(&value)) {
            return Ok(found);
        }
        let Some(parent) = reference(node.get(b"Parent")) else { break };
        let Some(parent) = reader.object(parent)?.as_dict().cloned() else { break };
        node = parent;
    }
    Ok([0.0, 0.0, 612.0, 792.0])
}

/// Most annotations of one page looked at for overlap.
const MAX_PAGE_ANNOTATIONS: usize = 10_000;

/// What a visible stamp at `[x1, y1, x2, y2]` on page `page` would cover, as the change
/// analysis judges a later signature's widget: more than a quarter of the page (a cover, not a
/// stamp), or any visible annotation already there (another signature's appearance, a form
/// field, a note). `None` when it covers neither.
///
/// # Errors
/// [`PdfError`] when the page cannot be read.
pub fn covered_on_page<R: Read + Seek>([x1, y1, x2, y2]: [f64; 4], page: u32, reader: &mut PdfReader<R>) -> Result<Option<String>, PdfError> {
    let page_object = reader.object(page)?;
    let page_dict = page_object.as_dict().cloned().unwrap_or_default();
    let [m1, n1, m2, n2] = media_box(&page_dict, reader)?;
    if (x2 - x1) * (y2 - y1) > (m2 - m1) * (n2 - n1) / 4.0 {
        return Ok(Some("more than a quarter of the page".into()));
    }
    let annots = reader.resolve(page_dict.get(b"Annots").unwrap_or(&Object::Null))?;
    for a in annots.as_array().unwrap_or_default().iter().take(MAX_PAGE_ANNOTATIONS) {
        let annotation = reader.resolve(a)?;
        let Some(d) = annotation.as_dict() else { continue };
        if invisible(d) {
            continue;
        }
        if let Some([a1, b1, a2, b2]) = rectangle(d.get(b"Rect"))
            && x1 < a2
            && a1 < x2
            && y1 < b2
            && b1 < y2
        {
            let what = reference(Some(a)).map_or("an annotation".to_string(), |n| format!("annotation {n} of the signed revision"));
            return Ok(Some(what));
        }
    }
    Ok(None)
}

/// One field of the interactive form that is (or inherits being) a signature field.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureField {
    /// Fully qualified name (partial names joined with `.`, §12.7.3.2).
    pub name: String,
    /// The field's object number.
    pub number: u32,
    /// The field dictionary.
    pub dict: Dictionary,
    /// The object number of its value, the signature dictionary, when signed.
    pub value: Option<u32>,
}

/// A field as (fully qualified name, object number, dictionary, field type, inherited).
pub type FieldEntry = (String, u32, Dictionary, Option<Vec<u8>>);

/// Every field of the AcroForm as (fully qualified name, object number, dictionary, inherited
/// field type), walking `/Kids` with bounds.
///
/// # Errors
/// [`PdfError`] for a malformed or hostile field tree.
pub fn fields<R: Read + Seek>(reader: &mut PdfReader<R>, catalog: &Dictionary) -> Result<Vec<FieldEntry>, PdfError> {
    let Some(form) = catalog.get(b"AcroForm") else { return Ok(Vec::new()) };
    let form = reader.resolve(form)?;
    let Some(form) = form.as_dict() else { return Ok(Vec::new()) };
    let roots = reader.resolve(form.get(b"Fields").unwrap_or(&Object::Null))?;
    let Some(roots) = roots.as_array() else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<(u32, String, Option<Vec<u8>>, usize)> =
        roots.iter().rev().filter_map(|r| reference(Some(r))).map(|n| (n, String::new(), None, 0)).collect();
    while let Some((num, parent_name, inherited_type, depth)) = stack.pop() {
        if !seen.insert(num) {
            continue;
        }
        if depth > MAX_TREE_DEPTH || seen.len() > MAX_TREE_NODES {
            return Err(PdfError::LimitExceeded("field tree"));
        }
        let object = reader.object(num)?;
        let Some(dict) = object.as_dict() else { continue };
        let partial = match dict.get(b"T") {
            Some(Object::String(t)) => Some(text_string(t)),
            _ => None,
        };
        let name = match (&partial, parent_name.is_empty()) {
            (Some(p), true) => p.clone(),
            (Some(p), false) => format!("{parent_name}.{p}"),
            (None, _) => parent_name.clone(),
        };
        let field_type = dict.name(b"FT").map(<[u8]>::to_vec).or(inherited_type);
        if let Some(kids) = dict.get(b"Kids") {
            let kids = reader.resolve(kids)?;
            for kid in kids.as_array().unwrap_or_default().iter().rev() {
                if let Some(k) = reference(Some(kid)) {
                    stack.push((k, name.clone(), field_type.clone(), depth + 1));
                }
            }
        }
        out.push((name, num, dict.clone(), field_type));
    }
    Ok(out)
}

/// The signature fields (`/FT /Sig`, possibly inherited), in form order.
///
/// # Errors
/// As [`fields`].
pub fn signature_fields<R: Read + Seek>(reader: &mut PdfReader<R>, catalog: &Dictionary) -> Result<Vec<SignatureField>, PdfError> {
    Ok(signature_fields_of(&fields(reader, catalog)?))
}

/// The signature fields among fields already walked by [`fields`].
pub fn signature_fields_of(all: &[FieldEntry]) -> Vec<SignatureField> {
    all.iter()
        .filter(|(_, _, dict, ft)| ft.as_deref() == Some(b"Sig") && dict.get(b"T").is_some())
        .map(|(name, number, dict, _)| SignatureField { name: name.clone(), number: *number, dict: dict.clone(), value: reference(dict.get(b"V")) })
        .collect()
}

/// A text string (§7.9.2.2) as Rust text: UTF-16BE with a BOM, UTF-8 with a BOM, or
/// PDFDocEncoding read as Latin-1.
pub fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)])).collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|b| char::from(*b)).collect()
    }
}

/// Rust text as a PDF text string: PDFDocEncoding-compatible ASCII stays as it is, anything
/// else becomes UTF-16BE with a BOM.
pub fn encode_text(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        text.as_bytes().to_vec()
    } else {
        let mut out = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_be_bytes());
        }
        out
    }
}

/// DocMDP permissions of a certification signature (ISO 32000-1 §12.8.2.2, table 254).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocMdp {
    /// P = 1: no changes at all (PAdES still allows DSS and document timestamps).
    NoChanges = 1,
    /// P = 2: filling in forms, instantiating page templates, signing.
    FormFilling = 2,
    /// P = 3: as 2, plus annotations.
    Annotations = 3,
}

impl DocMdp {
    /// From `/P` (1, 2 or 3).
    pub fn from_p(p: i64) -> Option<Self> {
        match p {
            1 => Some(Self::NoChanges),
            2 => Some(Self::FormFilling),
            3 => Some(Self::Annotations),
            _ => None,
        }
    }
}

/// Parses a PDF date (`D:YYYYMMDDHHmmSS` with an optional `Z`/`+HH'mm'` offset; missing
/// fields default to their start) to Unix seconds.
pub fn parse_pdf_date(s: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(s).ok()?;
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = |range: std::ops::Range<usize>, default: u16| -> Option<u16> {
        match s.get(range) {
            Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => v.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = digits(0..4, 0).filter(|y| *y >= 1970)?;
    let field = |range, default| digits(range, default).and_then(|v| u8::try_from(v).ok());
    let t = der::DateTime::new(year, field(4..6, 1)?, field(6..8, 1)?, field(8..10, 0)?, field(10..12, 0)?, field(12..14, 0)?).ok()?;
    let offset = match s.as_bytes().get(14) {
        Some(sign @ (b'+' | b'-')) => {
            let oh = i64::from(digits(15..17, 0)?);
            let om = s.get(18..20).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            let total = oh * 3600 + om * 60;
            if *sign == b'+' { total } else { -total }
        }
        _ => 0,
    };
    u64::try_from(i64::try_from(t.unix_duration().as_secs()).ok()? - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_round_trip() {
        for text in ["Signature1", "Tõnu Šaš", "签名"] {
            assert_eq!(text_string(&encode_text(text)), text);
        }
    }
}
