//! Serialising objects (ISO 32000-1 §7.3) and appending an incremental update (§7.5.6): new
//! and replaced objects, then a cross-reference section of the kind the file already uses — a
//! classic table (§7.5.4) or a cross-reference stream (§7.5.8) — whose trailer points back
//! through `/Prev`. The original bytes are never touched.

use std::io::Write;

use super::object::{Dictionary, Object, is_delimiter, is_whitespace};
use super::reader::XrefKind;
use super::{PdfError, PdfReader};

/// The body of one object in an update.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// An ordinary object.
    Object(Object),
    /// A stream: its dictionary (without `/Length`, which is written here) and raw data.
    Stream(Dictionary, Vec<u8>),
    /// Bytes written verbatim between `n 0 obj` and `endobj` (signature dictionaries, whose
    /// placeholders must sit at known offsets).
    Raw(Vec<u8>),
}

/// Writes `object` in PDF syntax.
pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            let r = if r.is_finite() { *r } else { 0.0 };
            out.extend_from_slice(format!("{r}").as_bytes());
        }
        Object::String(s) => write_string(out, s),
        Object::Name(n) => write_name(out, n),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) | Object::Stream(d, _) => write_dictionary(out, d),
        Object::Reference(n, g) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
    }
}

/// Writes a dictionary.
pub fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in &dict.0 {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// Writes a name with `#xx` escapes for anything outside the regular characters (§7.3.5).
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if (0x21..=0x7e).contains(&b) && b != b'#' && !is_delimiter(b) && !is_whitespace(b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// Writes a string: literal when it is printable ASCII, hexadecimal otherwise (§7.3.4).
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().all(|b| (0x20..0x7f).contains(b)) {
        out.push(b'(');
        for &b in s {
            if matches!(b, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b')');
    } else {
        out.push(b'<');
        out.extend_from_slice(hex::encode_upper(s).as_bytes());
        out.push(b'>');
    }
}

/// A PDF date string `D:YYYYMMDDHHmmSSZ` (§7.9.4) for Unix seconds (calendar by
/// `der::DateTime`, as everywhere else in the crate; years past 9999 are clamped to 9999).
pub fn pdf_date(unix: u64) -> String {
    let max = der::DateTime::new(9999, 12, 31, 23, 59, 59).map(|d| d.unix_duration().as_secs()).unwrap_or(u64::MAX);
    match der::DateTime::from_unix_duration(std::time::Duration::from_secs(unix.min(max))) {
        Ok(t) => format!("D:{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year(), t.month(), t.day(), t.hour(), t.minutes(), t.seconds()),
        Err(_) => "D:99991231235959Z".into(),
    }
}

/// An incremental update being assembled over a file of `base_len` bytes.
#[derive(Debug)]
pub struct Update {
    base_len: u64,
    kind: XrefKind,
    prev: u64,
    next_number: u32,
    trailer: Dictionary,
    objects: Vec<(u32, u16, Body)>,
}

/// An update serialised: its bytes (to append at `base_len`) and where each object starts.
#[derive(Debug)]
pub struct WrittenUpdate {
    /// The bytes, starting with an end-of-line.
    pub bytes: Vec<u8>,
    /// (object number, offset of `n 0 obj` within `bytes`).
    pub offsets: Vec<(u32, usize)>,
}

impl WrittenUpdate {
    /// Where object `num` starts within the update.
    pub fn offset_of(&self, num: u32) -> Option<usize> {
        self.offsets.iter().find(|(n, _)| *n == num).map(|(_, o)| *o)
    }
}

impl Update {
    /// An update over `reader`'s file. Refuses encrypted files.
    ///
    /// # Errors
    /// [`PdfError::Unsupported`] for encrypted files; [`PdfError::Malformed`] without a
    /// cross-reference section.
    pub fn new<R: std::io::Read + std::io::Seek>(reader: &PdfReader<R>) -> Result<Self, PdfError> {
        let newest = reader.revisions().first().ok_or(PdfError::Malformed("no cross-reference section"))?;
        if newest.trailer.get(b"Encrypt").is_some() {
            return Err(PdfError::Unsupported("encrypted PDF"));
        }
        let mut trailer = Dictionary::default();
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Some(v) = newest.trailer.get(key) {
                trailer.0.push((key.to_vec(), v.clone()));
            }
        }
        if trailer.get(b"Root").is_none() {
            return Err(PdfError::Malformed("the trailer has no /Root"));
        }
        Ok(Self { base_len: reader.len(), kind: newest.kind, prev: newest.xref_offset, next_number: reader.size().max(1), trailer, objects: Vec::new() })
    }

    /// A fresh object number.
    pub fn allocate(&mut self) -> u32 {
        let n = self.next_number;
        self.next_number = self.next_number.saturating_add(1);
        n
    }

    /// Adds (or replaces) object `num`, generation 0 (new objects).
    pub fn put(&mut self, num: u32, body: Body) {
        self.put_generation(num, 0, body);
    }

    /// Replaces object `num` of `reader`'s file, keeping its generation so references to it
    /// (`num gen R`) still resolve.
    pub fn put_existing<R: std::io::Read + std::io::Seek>(&mut self, reader: &PdfReader<R>, num: u32, body: Body) {
        self.put_generation(num, generation_of(reader, num), body);
    }

    fn put_generation(&mut self, num: u32, generation: u16, body: Body) {
        self.objects.retain(|(n, _, _)| *n != num);
        self.objects.push((num, generation, body));
    }

    /// Sets a trailer entry of the update (`/Info`, say).
    pub fn set_trailer(&mut self, key: &[u8], value: Object) {
        self.trailer.0.retain(|(k, _)| k != key);
        self.trailer.0.push((key.to_vec(), value));
    }

    /// The trailer's `/Root` reference.
    pub fn root(&self) -> Option<u32> {
        match self.trailer.get(b"Root") {
            Some(Object::Reference(n, _)) => Some(*n),
            _ => None,
        }
    }

    /// Serialises the update: objects, cross-reference section, trailer, `startxref`, `%%EOF`.
    pub fn write(mut self) -> WrittenUpdate {
        let mut out = Vec::new();
        out.push(b'\n');
        let mut offsets = Vec::new();
        for (num, generation, body) in &self.objects {
            offsets.push((*num, *generation, out.len()));
            out.extend_from_slice(format!("{num} {generation} obj\n").as_bytes());
            match body {
                Body::Object(o) => write_object(&mut out, o),
                Body::Raw(raw) => out.extend_from_slice(raw),
                Body::Stream(dict, data) => {
                    let mut d = dict.clone();
                    d.0.retain(|(k, _)| k != b"Length");
                    d.0.push((b"Length".to_vec(), Object::Integer(data.len() as i64)));
                    write_dictionary(&mut out, &d);
                    out.extend_from_slice(b"\nstream\n");
                    out.extend_from_slice(data);
                    out.extend_from_slice(b"\nendstream");
                }
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_num = matches!(self.kind, XrefKind::Stream).then(|| self.allocate());
        let size = self.next_number;
        let mut entries: Vec<(u32, u64, u16)> = offsets.iter().map(|(n, g, o)| (*n, self.base_len + *o as u64, *g)).collect();
        let xref_at = out.len();
        if let Some(xn) = xref_num {
            entries.push((xn, self.base_len + xref_at as u64, 0));
        }
        entries.sort_unstable();
        let runs = runs(&entries);
        let mut trailer = self.trailer.clone();
        trailer.0.push((b"Size".to_vec(), Object::Integer(i64::from(size))));
        trailer.0.push((b"Prev".to_vec(), Object::Integer(self.prev as i64)));
        match xref_num {
            None => {
                out.extend_from_slice(b"xref\n");
                for run in &runs {
                    let first = run.first().map_or(0, |(n, _, _)| *n);
                    out.extend_from_slice(format!("{first} {}\n", run.len()).as_bytes());
                    for (_, offset, generation) in run.iter() {
                        out.extend_from_slice(format!("{offset:010} {generation:05} n\r\n").as_bytes());
                    }
                }
                out.extend_from_slice(b"trailer\n");
                write_dictionary(&mut out, &trailer);
                out.push(b'\n');
            }
            Some(xn) => {
                let mut data = Vec::with_capacity(entries.len() * 7);
                let mut index = Vec::new();
                for run in &runs {
                    index.push(Object::Integer(i64::from(run.first().map_or(0, |(n, _, _)| *n))));
                    index.push(Object::Integer(run.len() as i64));
                    for (_, offset, generation) in run.iter() {
                        data.push(1);
                        data.extend_from_slice(&offset.to_be_bytes()[3..]);
                        data.extend_from_slice(&generation.to_be_bytes());
                    }
                }
                trailer.0.push((b"Type".to_vec(), Object::Name(b"XRef".to_vec())));
                trailer.0.push((b"W".to_vec(), Object::Array(vec![Object::Integer(1), Object::Integer(5), Object::Integer(2)])));
                trailer.0.push((b"Index".to_vec(), Object::Array(index)));
                trailer.0.push((b"Length".to_vec(), Object::Integer(data.len() as i64)));
                out.extend_from_slice(format!("{xn} 0 obj\n").as_bytes());
                write_dictionary(&mut out, &trailer);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\nendstream\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{}\n%%EOF\n", self.base_len + xref_at as u64).as_bytes());
        WrittenUpdate { bytes: out, offsets: offsets.into_iter().map(|(n, _, o)| (n, o)).collect() }
    }
}

/// Splits sorted (number, offset, generation) entries into runs of consecutive numbers.
fn runs(entries: &[(u32, u64, u16)]) -> Vec<Vec<(u32, u64, u16)>> {
    let mut runs: Vec<Vec<(u32, u64, u16)>> = Vec::new();
    for &(n, o, g) in entries {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|(last, _, _)| last.checked_add(1) == Some(n)) => run.push((n, o, g)),
            _ => runs.push(vec![(n, o, g)]),
        }
    }
    runs
}

/// The generation of object `num` in `reader`'s file (0 for compressed or unknown objects).
pub fn generation_of<R: std::io::Read + std::io::Seek>(reader: &PdfReader<R>, num: u32) -> u16 {
    match reader.entry(num) {
        Some(super::XrefEntry::InFile { generation, .. }) => generation,
        _ => 0,
    }
}

/// Copies `source` into `sink` in 64 KiB pieces, feeding every piece to `observe`.
///
/// # Errors
/// I/O errors.
pub fn copy_observed(source: &mut dyn std::io::Read, sink: &mut dyn Write, observe: &mut dyn FnMut(&[u8])) -> Result<u64, PdfError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(PdfError::io(e)),
        };
        let piece = buf.get(..n).unwrap_or_default();
        observe(piece);
        sink.write_all(piece).map_err(PdfError::io)?;
        total += n as u64;
    }
}

/// Copies `source` into `sink` while `hasher` digests the same bytes on a second thread: the
/// copy and the hash overlap, so signing costs about what hashing alone does. Pieces of 1 MiB
/// circulate between the two threads; at most four exist at once.
///
/// # Errors
/// I/O errors; the hasher is returned only on success.
pub fn copy_hashed(source: &mut dyn std::io::Read, sink: &mut dyn Write, hasher: super::RangeHasher) -> Result<(u64, super::RangeHasher), PdfError> {
    const PIECE: usize = 1 << 20;
    std::thread::scope(|scope| {
        let (to_hash, hash_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let (give_back, free_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let worker = scope.spawn(move || {
            let mut hasher = hasher;
            for piece in hash_rx {
                hasher.update(&piece);
                // The copier may have finished; then the piece is simply dropped.
                let _ = give_back.try_send(piece);
            }
            hasher
        });
        let mut total = 0u64;
        let mut made = 0;
        let result = loop {
            let mut piece = match free_rx.try_recv() {
                Ok(p) => p,
                Err(_) if made < 4 => {
                    made += 1;
                    Vec::with_capacity(PIECE)
                }
                Err(_) => match free_rx.recv() {
                    Ok(p) => p,
                    Err(_) => break Err(PdfError::Malformed("the hashing thread stopped")),
                },
            };
            piece.clear();
            match std::io::Read::read_to_end(&mut std::io::Read::take(&mut *source, PIECE as u64), &mut piece) {
                Ok(0) => break Ok(()),
                Ok(n) => total += n as u64,
                Err(e) => break Err(PdfError::io(e)),
            }
            if let Err(e) = sink.write_all(&piece) {
                break Err(PdfError::io(e));
            }
            if to_hash.send(piece).is_err() {
                break Err(PdfError::Malformed("the hashing thread stopped"));
            }
        };
        drop(to_hash);
        let hasher = worker.join().map_err(|_| PdfError::Malformed("the hashing thread failed"))?;
        result.map(|()| (total, hasher))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::object::Parser;

    #[test]
    fn objects_round_trip_through_the_parser() {
        let mut dict = Dictionary::default();
        dict.0.push((b"Type".to_vec(), Object::Name(b"Sig".to_vec())));
        dict.0.push((b"Odd Name#".to_vec(), Object::Name(b"a/b".to_vec())));
        dict.0.push((b"S".to_vec(), Object::String(b"a(b)\\c".to_vec())));
        dict.0.push((b"B".to_vec(), Object::String(vec![0, 255, 10])));
        dict.0.push((b"A".to_vec(), Object::Array(vec![Object::Integer(-3), Object::Real(0.5), Object::Reference(12, 0), Object::Null, Object::Bool(true)])));
        let object = Object::Dictionary(dict);
        let mut out = Vec::new();
        write_object(&mut out, &object);
        assert_eq!(Parser::new(&out, 0).object(0).unwrap(), object);
    }

    #[test]
    fn dates() {
        use super::super::document::parse_pdf_date;
        assert_eq!(pdf_date(0), "D:19700101000000Z");
        assert_eq!(pdf_date(1_795_000_000), "D:20261118110640Z");
        assert_eq!(parse_pdf_date(b"D:20261118110640Z"), Some(1_795_000_000));
        assert_eq!(parse_pdf_date(b"D:20261118130640+02'00'"), Some(1_795_000_000));
        assert_eq!(parse_pdf_date(b"D:2026"), Some(1_767_225_600));
        assert_eq!(parse_pdf_date(b"D:20261315"), None);
        assert_eq!(parse_pdf_date(b"D:20260230"), None, "no 30 February");
        assert_eq!(parse_pdf_date(b"garbage"), None);
    }

    #[test]
    fn copy_hashed_copies_and_hashes_the_same_bytes() {
        let data: Vec<u8> = (0..3_000_001u32).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        let (n, hasher) = copy_hashed(&mut data.as_slice(), &mut out, crate::pdf::RangeHasher::new(crate::x509::HashAlgorithm::Sha256)).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(out, data);
        assert_eq!(hasher.finish(), crate::x509::HashAlgorithm::Sha256.digest(&data));
    }

    #[test]
    fn runs_split_on_gaps() {
        let r = runs(&[(3, 10, 0), (4, 20, 0), (7, 30, 0)]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].len(), 2);
    }
}
