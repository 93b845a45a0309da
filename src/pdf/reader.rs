//! A bounded PDF reader over `Read + Seek` (ISO 32000-1 §7.5): the header, every
//! cross-reference section through `/Prev` (classic tables §7.5.4, cross-reference streams
//! §7.5.8 with PNG predictors, hybrid files with `/XRefStm`), object streams (§7.5.7), and
//! indirect `/Length`s. The file is never loaded whole: objects are read through bounded
//! windows, inflation is capped, and a work budget ends looping or enormous inputs with an
//! error.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};

use super::PdfError;
use super::object::{Dictionary, Object, Parser, StreamData};

/// Largest window read for one object or xref table.
pub const MAX_WINDOW: u64 = 8 * 1024 * 1024;
/// Largest decoded stream.
pub const MAX_DECODED: usize = 64 * 1024 * 1024;
/// Most cross-reference sections followed.
pub const MAX_SECTIONS: usize = 1024;
/// Objects resolved before the reader gives up.
pub const WORK_BUDGET: u64 = 1_000_000;
/// Most cross-reference entries held, over all sections.
pub const MAX_XREF_ENTRIES: usize = 4_000_000;

/// Where an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefEntry {
    /// Free.
    Free,
    /// At a byte offset.
    InFile {
        /// Offset of `n g obj`.
        offset: u64,
        /// Generation.
        generation: u16,
    },
    /// Inside an object stream.
    Compressed {
        /// The object stream's number.
        stream: u32,
        /// Index within it.
        index: u32,
    },
}

/// The kind of a cross-reference section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table.
    Table,
    /// A cross-reference stream.
    Stream,
}

/// One revision's cross-reference section.
#[derive(Clone, Debug)]
pub struct Revision {
    /// Offset of the section (what `startxref` pointed to).
    pub xref_offset: u64,
    /// Its kind.
    pub kind: XrefKind,
    /// Its trailer (for streams, the stream dictionary).
    pub trailer: Dictionary,
    /// The object numbers this section (and its `/XRefStm`) defines or frees, object 0 aside.
    pub objects: Vec<u32>,
}

/// The decoded data and parsed header (object number, offset) of one object stream.
type ObjectStreamCache = (u32, std::sync::Arc<Vec<u8>>, std::sync::Arc<Vec<(u64, u64)>>);

/// A PDF open for reading.
#[derive(Debug)]
pub struct PdfReader<R> {
    source: R,
    len: u64,
    version: String,
    xref: HashMap<u32, XrefEntry>,
    revisions: Vec<Revision>,
    section_objects: Vec<u32>,
    section_seen: HashSet<u32>,
    revision_inserted: HashSet<u32>,
    all_object_streams: HashSet<u32>,
    total_entries: usize,
    object_stream: Option<ObjectStreamCache>,
    work: u64,
    encryption: Option<Encryption>,
}

/// How an encrypted document is read (ISO 32000-1 §7.6): the key, opened with the empty user
/// password, and what it does not apply to.
#[derive(Debug)]
struct Encryption {
    decryptor: super::crypt::Decryptor,
    /// The /Encrypt dictionary's object number: its strings are not encrypted.
    dictionary: Option<u32>,
    /// /EncryptMetadata: whether the XMP stream is encrypted.
    metadata: bool,
}

fn bad(what: &'static str) -> PdfError {
    PdfError::Malformed(what)
}

impl<R: Read + Seek> PdfReader<R> {
    /// Opens a PDF: checks the header and reads every cross-reference section.
    ///
    /// # Errors
    /// [`PdfError`] for anything that is not a readable PDF, within the limits.
    pub fn open(mut source: R) -> Result<Self, PdfError> {
        let len = source.seek(SeekFrom::End(0)).map_err(PdfError::io)?;
        let mut reader = Self {
            source,
            len,
            version: String::new(),
            xref: HashMap::new(),
            revisions: Vec::new(),
            section_objects: Vec::new(),
            section_seen: HashSet::new(),
            revision_inserted: HashSet::new(),
            all_object_streams: HashSet::new(),
            total_entries: 0,
            object_stream: None,
            work: WORK_BUDGET,
            encryption: None,
        };
        let head = reader.window(0, 1024)?;
        let at = head.windows(5).position(|w| w == b"%PDF-").ok_or(bad("no %PDF- header"))?;
        reader.version = head.get(at + 5..at + 8).map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
        let tail_start = len.saturating_sub(2048);
        let tail = reader.window(tail_start, 2048)?;
        let at = tail.windows(9).rposition(|w| w == b"startxref").ok_or(bad("no startxref"))?;
        let mut p = Parser::new(tail.get(at + 9..).unwrap_or_default(), tail_start + at as u64 + 9);
        let mut next = Some(p.unsigned("startxref offset")?);
        let mut seen = HashSet::new();
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(bad("cross-reference sections loop through /Prev"));
            }
            if seen.len() > MAX_SECTIONS {
                return Err(PdfError::LimitExceeded("cross-reference sections"));
            }
            reader.revision_inserted.clear();
            let mut revision = reader.read_section(offset)?;
            if let Some(stm) = revision.trailer.integer(b"XRefStm") {
                let stm = u64::try_from(stm).map_err(|_| bad("/XRefStm"))?;
                reader.read_section(stm)?;
            }
            revision.objects = std::mem::take(&mut reader.section_objects);
            next = match revision.trailer.integer(b"Prev") {
                Some(prev) => Some(u64::try_from(prev).map_err(|_| bad("/Prev"))?),
                None => None,
            };
            reader.revisions.push(revision);
        }
        reader.encryption = reader.open_encryption()?;
        Ok(reader)
    }

    /// The trailer's /Encrypt, opened with the empty user password, as signature validators
    /// do (ISO 32000-1 §7.6.3.4 algorithm 6, ISO 32000-2 §7.6.4.4 algorithm 11).
    fn open_encryption(&mut self) -> Result<Option<Encryption>, PdfError> {
        let Some(trailer) = self.trailer().cloned() else { return Ok(None) };
        let Some(encrypt) = trailer.get(b"Encrypt") else { return Ok(None) };
        let dictionary = match encrypt {
            Object::Reference(n, _) => Some(*n),
            _ => None,
        };
        let resolved = self.resolve(encrypt)?;
        let params = super::crypt::EncryptParams::from_dictionary(resolved.as_dict().ok_or(bad("/Encrypt is not a dictionary"))?)?;
        let first_id = match trailer.get(b"ID").and_then(Object::as_array).and_then(|ids| ids.first()) {
            Some(Object::String(id)) => id.clone(),
            _ => Vec::new(),
        };
        let decryptor = super::crypt::Decryptor::open(&params, &first_id)?;
        Ok(Some(Encryption { decryptor, dictionary, metadata: params.encrypt_metadata }))
    }

    /// A string of object `num` `generation` as written, decrypted when the document is
    /// encrypted: for strings read outside [`Self::object`] (a signature dictionary parsed
    /// from its bytes).
    ///
    /// # Errors
    /// [`PdfError::Malformed`] for ciphertext that does not decrypt.
    pub fn decrypt_string(&self, num: u32, generation: u16, bytes: &[u8]) -> Result<Vec<u8>, PdfError> {
        match &self.encryption {
            Some(e) if e.dictionary != Some(num) => Ok(e.decryptor.decrypt_string(num, generation, bytes)?),
            _ => Ok(bytes.to_vec()),
        }
    }

    /// Decrypts every string in `object`, read from object `num` `generation` in the file, but
    /// a signature dictionary's /Contents, which is written in the clear (ISO 32000-2 §7.6.2).
    fn decrypt_strings(&self, num: u32, generation: u16, object: &mut Object) -> Result<(), PdfError> {
        if let Object::Dictionary(d) = object
            && d.get(b"ByteRange").is_some()
        {
            return d.0.iter_mut().filter(|(k, _)| k != b"Contents").try_for_each(|(_, v)| self.decrypt_strings(num, generation, v));
        }
        match object {
            Object::String(s) => *s = self.decrypt_string(num, generation, s)?,
            Object::Array(items) => items.iter_mut().try_for_each(|i| self.decrypt_strings(num, generation, i))?,
            Object::Dictionary(d) | Object::Stream(d, _) => d.0.iter_mut().try_for_each(|(_, v)| self.decrypt_strings(num, generation, v))?,
            _ => {}
        }
        Ok(())
    }

    /// The header's version, e.g. `1.7`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (it never is once opened).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The revisions, newest first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The newest trailer.
    pub fn trailer(&self) -> Option<&Dictionary> {
        self.revisions.first().map(|r| &r.trailer)
    }

    /// The cross-reference entry of object `num`.
    pub fn entry(&self, num: u32) -> Option<XrefEntry> {
        self.xref.get(&num).copied()
    }

    /// The object streams any cross-reference section puts objects in.
    pub fn object_streams(&self) -> HashSet<u32> {
        self.all_object_streams.clone()
    }

    /// The highest object number in use, plus one (the trailer's /Size).
    pub fn size(&self) -> u32 {
        let from_trailer = self.trailer().and_then(|t| t.integer(b"Size")).and_then(|s| u32::try_from(s).ok()).unwrap_or(0);
        let from_xref = self.xref.keys().max().map_or(0, |m| m.saturating_add(1));
        from_trailer.max(from_xref)
    }

    fn window(&mut self, offset: u64, max: u64) -> Result<Vec<u8>, PdfError> {
        if offset >= self.len {
            return Err(bad("offset beyond the end of the file"));
        }
        let n = max.min(self.len - offset).min(MAX_WINDOW);
        self.source.seek(SeekFrom::Start(offset)).map_err(PdfError::io)?;
        let mut buf = vec![0u8; n as usize];
        self.source.read_exact(&mut buf).map_err(PdfError::io)?;
        Ok(buf)
    }

    fn spend(&mut self) -> Result<(), PdfError> {
        self.work = self.work.checked_sub(1).ok_or(PdfError::LimitExceeded("work budget"))?;
        Ok(())
    }

    fn add(&mut self, num: u32, entry: XrefEntry) -> Result<(), PdfError> {
        // One section naming an object twice says two things; readers pick differently.
        if !self.section_seen.insert(num) {
            return Err(bad("a cross-reference section lists an object twice"));
        }
        self.total_entries += 1;
        if self.total_entries > MAX_XREF_ENTRIES {
            return Err(PdfError::LimitExceeded("cross-reference entries"));
        }
        if num != 0 {
            self.section_objects.push(num);
        }
        if let XrefEntry::Compressed { stream, .. } = entry {
            self.all_object_streams.insert(stream);
        }
        // Sections are read newest first: the first entry seen for a number wins — except that
        // in a hybrid file the /XRefStm of the same revision fills in what its table marks free
        // (ISO 32000-1 §7.5.8.4).
        match self.xref.get(&num) {
            None => {
                self.xref.insert(num, entry);
                self.revision_inserted.insert(num);
            }
            Some(XrefEntry::Free) if entry != XrefEntry::Free && self.revision_inserted.contains(&num) => {
                self.xref.insert(num, entry);
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// The end of the revision whose cross-reference section is at `xref_offset`: just past
    /// the first `%%EOF` after it and that marker's end-of-line.
    ///
    /// # Errors
    /// [`PdfError::Malformed`] when no `%%EOF` follows.
    pub fn end_of_revision(&mut self, xref_offset: u64) -> Result<u64, PdfError> {
        const CHUNK: u64 = 64 * 1024;
        let mut at = xref_offset;
        while at < self.len {
            self.spend()?;
            let data = self.window(at, CHUNK + 7)?;
            if let Some(i) = data.windows(5).position(|w| w == b"%%EOF") {
                let mut end = at + i as u64 + 5;
                let after = data.get(i + 5..).unwrap_or_default();
                if after.starts_with(b"\r\n") {
                    end += 2;
                } else if after.starts_with(b"\n") || after.starts_with(b"\r") {
                    end += 1;
                } else if after.is_empty() && end < self.len {
                    // The end-of-line lies beyond this window.
                    let next = self.window(end, 2)?;
                    end += if next.starts_with(b"\r\n") { 2 } else { u64::from(next.first().is_some_and(|b| *b == b'\n' || *b == b'\r')) };
                }
                return Ok(end);
            }
            at += CHUNK;
        }
        Err(bad("no %%EOF after the cross-reference section"))
    }

    /// Up to `len` bytes at `offset` (at most [`MAX_WINDOW`]).
    ///
    /// # Errors
    /// I/O errors or an offset beyond the end.
    pub fn bytes_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, PdfError> {
        self.window(offset, len)
    }

    fn read_section(&mut self, offset: u64) -> Result<Revision, PdfError> {
        self.spend()?;
        self.section_seen.clear();
        let data = self.window(offset, MAX_WINDOW)?;
        let mut p = Parser::new(&data, offset);
        p.skip_space();
        if p.rest().starts_with(b"xref") {
            p.keyword(b"xref", "xref keyword")?;
            let max_entries = self.len / 18 + 1;
            let mut total = 0u64;
            loop {
                p.skip_space();
                if p.rest().starts_with(b"trailer") {
                    p.keyword(b"trailer", "trailer")?;
                    break;
                }
                let start = p.unsigned("xref subsection start")?;
                let count = p.unsigned("xref subsection count")?;
                total += count;
                if total > max_entries {
                    return Err(PdfError::LimitExceeded("xref entries"));
                }
                for i in 0..count {
                    let field1 = p.unsigned("xref offset")?;
                    let generation = p.unsigned("xref generation")?;
                    let kind = p.token();
                    let num = u32::try_from(start + i).map_err(|_| bad("object number"))?;
                    let generation = u16::try_from(generation).map_err(|_| bad("generation"))?;
                    match kind {
                        b"n" => self.add(num, XrefEntry::InFile { offset: field1, generation })?,
                        b"f" => self.add(num, XrefEntry::Free)?,
                        _ => return Err(bad("xref entry type")),
                    }
                }
            }
            let trailer = match p.object(0)? {
                Object::Dictionary(d) => d,
                _ => return Err(bad("trailer is not a dictionary")),
            };
            Ok(Revision { xref_offset: offset, kind: XrefKind::Table, trailer, objects: Vec::new() })
        } else {
            let (_, object) = self.parse_indirect_at(offset, None)?;
            let Object::Stream(dict, data) = object else { return Err(bad("startxref points at neither a table nor a stream")) };
            if dict.name(b"Type") != Some(b"XRef") {
                return Err(bad("cross-reference stream without /Type /XRef"));
            }
            let decoded = self.decode_stream(&dict, &data)?;
            self.read_xref_stream(&dict, &decoded)?;
            Ok(Revision { xref_offset: offset, kind: XrefKind::Stream, trailer: dict, objects: Vec::new() })
        }
    }

    fn read_xref_stream(&mut self, dict: &Dictionary, data: &[u8]) -> Result<(), PdfError> {
        let widths: Vec<usize> = dict
            .get(b"W")
            .and_then(Object::as_array)
            .ok_or(bad("/W"))?
            .iter()
            .map(|w| w.as_integer().and_then(|w| usize::try_from(w).ok()).filter(|w| *w <= 8).ok_or(bad("/W")))
            .collect::<Result<_, _>>()?;
        let [w1, w2, w3] = widths.as_slice() else { return Err(bad("/W")) };
        let row = w1 + w2 + w3;
        if row == 0 {
            return Err(bad("/W"));
        }
        let size = dict.integer(b"Size").ok_or(bad("/Size"))?;
        let index: Vec<i64> = match dict.get(b"Index").and_then(Object::as_array) {
            Some(items) => items.iter().map(|i| i.as_integer().ok_or(bad("/Index"))).collect::<Result<_, _>>()?,
            None => vec![0, size],
        };
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks(2) {
            let [start, count] = pair else { return Err(bad("/Index")) };
            let (start, count) = (u64::try_from(*start).map_err(|_| bad("/Index"))?, u64::try_from(*count).map_err(|_| bad("/Index"))?);
            for i in 0..count {
                let r = rows.next().ok_or(bad("cross-reference stream shorter than /Index"))?;
                let (a, rest) = r.split_at(*w1);
                let (b, c) = rest.split_at(*w2);
                let kind = if *w1 == 0 { 1 } else { field(a) };
                let num = u32::try_from(start + i).map_err(|_| bad("object number"))?;
                match kind {
                    0 => self.add(num, XrefEntry::Free)?,
                    1 => self.add(num, XrefEntry::InFile { offset: field(b), generation: u16::try_from(field(c)).map_err(|_| bad("generation"))? })?,
                    2 => self.add(
                        num,
                        XrefEntry::Compressed {
                            stream: u32::try_from(field(b)).map_err(|_| bad("object stream"))?,
                            index: u32::try_from(field(c)).map_err(|_| bad("index"))?,
                        },
                    )?,
                    // Unknown types are null references (§7.5.8.3).
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Parses `n g obj … endobj` at `offset`; `expect` checks the object number.
    fn parse_indirect_at(&mut self, offset: u64, expect: Option<u32>) -> Result<(u32, Object), PdfError> {
        // Most objects are small: start with a small window and grow it sixteenfold while the
        // object may have been cut off, up to the largest.
        let available = self.len - offset.min(self.len);
        let mut window = 16 * 1024;
        loop {
            match self.parse_indirect_in(offset, expect, window) {
                Err(_) if available > window && window < MAX_WINDOW => window = (window * 16).min(MAX_WINDOW),
                result => return result,
            }
        }
    }

    fn parse_indirect_in(&mut self, offset: u64, expect: Option<u32>, window: u64) -> Result<(u32, Object), PdfError> {
        self.spend()?;
        let data = self.window(offset, window)?;
        let mut p = Parser::new(&data, offset);
        let num = p.unsigned("object number")?;
        let generation = u16::try_from(p.unsigned("generation")?).map_err(|_| bad("generation"))?;
        p.keyword(b"obj", "obj keyword")?;
        let num = u32::try_from(num).map_err(|_| bad("object number"))?;
        if expect.is_some_and(|e| e != num) {
            return Err(bad("the cross-reference points at another object"));
        }
        let object = p.object(0)?;
        p.skip_space();
        if p.rest().starts_with(b"stream") {
            let Object::Dictionary(dict) = object else { return Err(bad("stream without a dictionary")) };
            p.keyword(b"stream", "stream keyword")?;
            let mut start = p.offset();
            let rest = p.rest();
            if rest.starts_with(b"\r\n") {
                start += 2;
            } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
                start += 1;
            }
            let length = match dict.get(b"Length") {
                Some(Object::Integer(l)) => u64::try_from(*l).map_err(|_| bad("/Length"))?,
                Some(Object::Reference(n, _)) => {
                    let n = *n;
                    match self.object(n)? {
                        Object::Integer(l) => u64::try_from(l).map_err(|_| bad("/Length"))?,
                        _ => return Err(bad("/Length")),
                    }
                }
                _ => return Err(bad("stream without /Length")),
            };
            let end = start.checked_add(length).filter(|end| *end <= self.len).ok_or(bad("stream data beyond the end of the file"))?;
            // The data must end where `endstream` begins (after at most an end-of-line).
            let after = self.window(end, 16).unwrap_or_default();
            let keyword = after.iter().position(|b| !super::object::is_whitespace(*b)).and_then(|i| after.get(i..));
            if !keyword.is_some_and(|k| k.starts_with(b"endstream")) {
                return Err(bad("stream /Length does not end at endstream"));
            }
            return Ok((num, Object::Stream(dict, StreamData { offset: start, length, object: (num, generation) })));
        }
        Ok((num, object))
    }

    /// Object `num` as the newest revision has it (`Null` for free or missing objects).
    ///
    /// # Errors
    /// [`PdfError`] for unreadable objects or an exhausted work budget.
    pub fn object(&mut self, num: u32) -> Result<Object, PdfError> {
        match self.entry(num) {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::InFile { offset, generation }) => {
                let mut object = self.parse_indirect_at(offset, Some(num))?.1;
                // Strings in objects stored in the file are encrypted one by one; those in
                // object streams come decrypted with their stream.
                if self.encryption.is_some() {
                    self.decrypt_strings(num, generation, &mut object)?;
                }
                Ok(object)
            }
            Some(XrefEntry::Compressed { stream, index }) => self.compressed_object(num, stream, index),
        }
    }

    /// Follows a reference (once); other objects come back as they are.
    ///
    /// # Errors
    /// As [`Self::object`].
    pub fn resolve(&mut self, object: &Object) -> Result<Object, PdfError> {
        match object {
            Object::Reference(n, _) => self.object(*n),
            other => Ok(other.clone()),
        }
    }

    fn compressed_object(&mut self, num: u32, stream: u32, index: u32) -> Result<Object, PdfError> {
        let Some(XrefEntry::InFile { offset, .. }) = self.entry(stream) else { return Err(bad("object stream not found")) };
        let (_, object) = self.parse_indirect_at(offset, Some(stream))?;
        let Object::Stream(dict, data) = object else { return Err(bad("object stream is not a stream")) };
        if dict.name(b"Type") != Some(b"ObjStm") {
            return Err(bad("object stream without /Type /ObjStm"));
        }
        let n = dict.integer(b"N").and_then(|n| u32::try_from(n).ok()).ok_or(bad("/N"))?;
        let first = dict.integer(b"First").and_then(|f| usize::try_from(f).ok()).ok_or(bad("/First"))?;
        if index >= n {
            return Err(bad("object stream index beyond /N"));
        }
        // The last object stream stays decoded, its header parsed: objects are usually
        // fetched from one in a row.
        let (decoded, header) = match &self.object_stream {
            Some((cached, bytes, header)) if *cached == stream => (bytes.clone(), header.clone()),
            _ => {
                let bytes = std::sync::Arc::new(self.decode_stream(&dict, &data)?);
                let mut p = Parser::new(&bytes, 0);
                let mut header = Vec::new();
                for _ in 0..n.min(super::object::MAX_ENTRIES as u32) {
                    let Ok(number) = p.unsigned("object stream header") else { break };
                    let Ok(offset) = p.unsigned("object stream header") else { break };
                    header.push((number, offset));
                }
                let header = std::sync::Arc::new(header);
                self.object_stream = Some((stream, bytes.clone(), header.clone()));
                (bytes, header)
            }
        };
        let (header_num, off) = *header.get(index as usize).ok_or(bad("object stream header"))?;
        if header_num != u64::from(num) {
            return Err(bad("the object stream holds another object at that index"));
        }
        let off = usize::try_from(off).map_err(|_| bad("object stream offset"))?;
        let start = first.checked_add(off).ok_or(bad("object stream offset"))?;
        let body = decoded.get(start..).ok_or(bad("object stream offset beyond its data"))?;
        Parser::new(body, 0).object(0)
    }

    /// The raw bytes of a stream.
    ///
    /// # Errors
    /// I/O errors, or a stream larger than [`MAX_DECODED`].
    pub fn raw_stream(&mut self, data: &StreamData) -> Result<Vec<u8>, PdfError> {
        if data.length > MAX_DECODED as u64 {
            return Err(PdfError::LimitExceeded("stream size"));
        }
        self.source.seek(SeekFrom::Start(data.offset)).map_err(PdfError::io)?;
        let mut buf = vec![0u8; data.length as usize];
        self.source.read_exact(&mut buf).map_err(PdfError::io)?;
        Ok(buf)
    }

    /// A stream's data with its filters undone (FlateDecode with or without PNG predictors; no
    /// filter).
    ///
    /// # Errors
    /// [`PdfError::Unsupported`] for other filters, [`PdfError::LimitExceeded`] beyond
    /// [`MAX_DECODED`].
    pub fn decode_stream(&mut self, dict: &Dictionary, data: &StreamData) -> Result<Vec<u8>, PdfError> {
        let mut raw = self.raw_stream(data)?;
        // Cross-reference streams are never encrypted, nor the XMP stream under
        // /EncryptMetadata false (ISO 32000-1 §7.6.1, §7.5.8.2).
        if let Some(e) = &self.encryption {
            let exempt = match dict.name(b"Type") {
                Some(b"XRef") => true,
                Some(b"Metadata") => !e.metadata,
                _ => false,
            };
            if !exempt {
                raw = e.decryptor.decrypt_stream(data.object.0, data.object.1, &raw)?;
            }
        }
        let filter = match dict.get(b"Filter") {
            None => None,
            Some(Object::Name(n)) => Some(n.clone()),
            Some(Object::Array(a)) if a.len() == 1 => match a.first() {
                Some(Object::Name(n)) => Some(n.clone()),
                _ => return Err(bad("/Filter")),
            },
            Some(_) => return Err(PdfError::Unsupported("filter chains")),
        };
        let decoded = match filter.as_deref() {
            None => raw,
            Some(b"FlateDecode") => miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&raw, MAX_DECODED).map_err(|_| bad("FlateDecode data"))?,
            Some(_) => return Err(PdfError::Unsupported("stream filter")),
        };
        let params = match dict.get(b"DecodeParms") {
            Some(Object::Dictionary(d)) => Some(d.clone()),
            Some(Object::Array(a)) => a.first().and_then(Object::as_dict).cloned(),
            _ => None,
        };
        match params.as_ref().and_then(|p| p.integer(b"Predictor")) {
            None | Some(1) => Ok(decoded),
            Some(p) if p >= 10 => {
                let columns = params.as_ref().and_then(|p| p.integer(b"Columns")).unwrap_or(1);
                let columns = usize::try_from(columns).ok().filter(|c| (1..=4096).contains(c)).ok_or(bad("/Columns"))?;
                png_unfilter(&decoded, columns)
            }
            Some(_) => Err(PdfError::Unsupported("TIFF predictor")),
        }
    }
}

/// A view of a source shared through a `RefCell`, with its own position and an optional
/// length limit: several readers over one file (the file as it is now, and as it was when an
/// earlier revision ended) without reopening it.
#[derive(Debug)]
pub struct SharedView<'a, R> {
    cell: &'a std::cell::RefCell<R>,
    len: u64,
    pos: u64,
}

impl<'a, R: Read + Seek> SharedView<'a, R> {
    /// The first `len` bytes of the source (all of it when `None`).
    ///
    /// # Errors
    /// I/O errors while measuring the source.
    pub fn new(cell: &'a std::cell::RefCell<R>, len: Option<u64>) -> std::io::Result<Self> {
        let total = {
            let mut source = cell.try_borrow_mut().map_err(|_| std::io::Error::other("the source is busy"))?;
            source.seek(SeekFrom::End(0))?
        };
        Ok(Self { cell, len: len.map_or(total, |l| l.min(total)), pos: 0 })
    }
}

impl<R: Read + Seek> Read for SharedView<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        let mut source = self.cell.try_borrow_mut().map_err(|_| std::io::Error::other("the source is busy"))?;
        source.seek(SeekFrom::Start(self.pos))?;
        let read = source.read(buf.get_mut(..n).unwrap_or_default())?;
        self.pos += read as u64;
        Ok(read)
    }
}

impl<R: Read + Seek> Seek for SharedView<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

/// Undoes PNG row filters (RFC 2083 §6) for one byte per pixel, `columns` bytes per row.
fn png_unfilter(data: &[u8], columns: usize) -> Result<Vec<u8>, PdfError> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; columns];
    for row in data.chunks(columns + 1) {
        let (&kind, bytes) = row.split_first().ok_or(bad("predictor row"))?;
        if bytes.len() != columns {
            return Err(bad("predictor row length"));
        }
        let mut cur = vec![0u8; columns];
        for i in 0..columns {
            let x = bytes.get(i).copied().unwrap_or(0);
            let a = if i > 0 { cur.get(i - 1).copied().unwrap_or(0) } else { 0 };
            let b = prev.get(i).copied().unwrap_or(0);
            let c = if i > 0 { prev.get(i - 1).copied().unwrap_or(0) } else { 0 };
            let v = match kind {
                0 => x,
                1 => x.wrapping_add(a),
                2 => x.wrapping_add(b),
                3 => x.wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
                    x.wrapping_add(if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    })
                }
                _ => return Err(bad("PNG filter type")),
            };
            if let Some(slot) = cur.get_mut(i) {
                *slot = v;
            }
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}
