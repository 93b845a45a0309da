//! PDF objects (ISO 32000-1 §7.3) and a bounded parser for them: nesting depth, collection
//! sizes and string lengths are capped, every length is checked against the bytes present.

use super::PdfError;

/// Deepest nesting of arrays and dictionaries accepted.
pub const MAX_DEPTH: usize = 32;
/// Most entries in one array or dictionary.
pub const MAX_ENTRIES: usize = 100_000;

/// A PDF object.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A literal or hexadecimal string, decoded to bytes.
    String(Vec<u8>),
    /// A name, without the slash, `#xx` escapes decoded.
    Name(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dictionary(Dictionary),
    /// A stream: its dictionary and the absolute offset and length of its raw data.
    Stream(Dictionary, StreamData),
    /// An indirect reference `n g R`.
    Reference(u32, u16),
}

/// Where a stream's raw bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamData {
    /// Absolute offset of the first data byte.
    pub offset: u64,
    /// Length in bytes (from /Length).
    pub length: u64,
    /// The stream object's number and generation (its decryption key depends on them).
    pub object: (u32, u16),
}

/// A dictionary, in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dictionary(pub Vec<(Vec<u8>, Object)>);

impl Dictionary {
    /// The value of `key` (without slash).
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` as an integer.
    pub fn integer(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Integer(i)) => Some(*i),
            _ => None,
        }
    }

    /// The value of `key` as a name.
    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }
}

impl Object {
    /// As a dictionary (a stream's dictionary counts).
    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Self::Dictionary(d) | Self::Stream(d, _) => Some(d),
            _ => None,
        }
    }

    /// As an integer.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// As an array.
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// Whitespace (ISO 32000-1 §7.2.2, table 1).
pub fn is_whitespace(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

/// Delimiters (table 2).
pub fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// A cursor over bytes that starts at absolute offset `base`.
#[derive(Debug)]
pub struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: u64,
}

fn bad(what: &'static str) -> PdfError {
    PdfError::Malformed(what)
}

impl<'a> Parser<'a> {
    /// A parser over `bytes`, which sit at absolute offset `base` in the file.
    pub fn new(bytes: &'a [u8], base: u64) -> Self {
        Self { bytes, pos: 0, base }
    }

    /// The absolute offset of the cursor.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The bytes after the cursor.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips whitespace and comments.
    pub fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a keyword or number token (regular characters).
    pub fn token(&mut self) -> &'a [u8] {
        self.skip_space();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        self.bytes.get(start..self.pos).unwrap_or_default()
    }

    /// Expects the keyword `word`.
    ///
    /// # Errors
    /// [`PdfError::Malformed`] when another token follows.
    pub fn keyword(&mut self, word: &[u8], what: &'static str) -> Result<(), PdfError> {
        if self.token() == word { Ok(()) } else { Err(bad(what)) }
    }

    /// Reads an unsigned integer token.
    ///
    /// # Errors
    /// [`PdfError::Malformed`].
    pub fn unsigned(&mut self, what: &'static str) -> Result<u64, PdfError> {
        let t = self.token();
        if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
            return Err(bad(what));
        }
        std::str::from_utf8(t).ok().and_then(|s| s.parse().ok()).ok_or(bad(what))
    }

    /// Parses one object (without `stream` handling, which needs the file).
    ///
    /// # Errors
    /// [`PdfError::Malformed`] or [`PdfError::LimitExceeded`].
    pub fn object(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > MAX_DEPTH {
            return Err(PdfError::LimitExceeded("nesting depth"));
        }
        self.skip_space();
        match self.peek().ok_or(bad("unexpected end of data"))? {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()?))
            }
            b'(' => {
                self.pos += 1;
                Ok(Object::String(self.literal_string()?))
            }
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut entries: Vec<(Vec<u8>, Object)> = Vec::new();
                let mut keys = std::collections::HashSet::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            break;
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name_body()?;
                            let value = self.object(depth + 1)?;
                            if entries.len() >= MAX_ENTRIES {
                                return Err(PdfError::LimitExceeded("dictionary size"));
                            }
                            // Readers disagree on which of two equal keys counts (first or
                            // last): a dictionary that says two things is refused. The same
                            // key with the same value says one thing to every reader and is
                            // kept once.
                            if !keys.insert(key.clone()) {
                                if entries.iter().any(|(k, v)| *k == key && *v == value) {
                                    continue;
                                }
                                return Err(bad("a dictionary key appears twice with different values"));
                            }
                            entries.push((key, value));
                        }
                        _ => return Err(bad("dictionary key")),
                    }
                }
                Ok(Object::Dictionary(Dictionary(entries)))
            }
            b'<' => {
                self.pos += 1;
                Ok(Object::String(self.hex_string()?))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        break;
                    }
                    if items.len() >= MAX_ENTRIES {
                        return Err(PdfError::LimitExceeded("array size"));
                    }
                    items.push(self.object(depth + 1)?);
                }
                Ok(Object::Array(items))
            }
            _ => {
                let t = self.token();
                match t {
                    b"null" => Ok(Object::Null),
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    _ => self.number_or_reference(t),
                }
            }
        }
    }

    fn number_or_reference(&mut self, t: &[u8]) -> Result<Object, PdfError> {
        let text = std::str::from_utf8(t).map_err(|_| bad("token"))?;
        if let Ok(n) = text.parse::<i64>() {
            // `n g R`?
            let save = self.pos;
            if n >= 0 {
                let g = self.token();
                let r = self.token();
                if r == b"R" && !g.is_empty() && g.iter().all(u8::is_ascii_digit) {
                    let num = u32::try_from(n).map_err(|_| bad("object number"))?;
                    let generation = std::str::from_utf8(g).ok().and_then(|s| s.parse::<u16>().ok()).ok_or(bad("generation"))?;
                    return Ok(Object::Reference(num, generation));
                }
            }
            self.pos = save;
            return Ok(Object::Integer(n));
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') {
            return text.parse::<f64>().map(Object::Real).map_err(|_| bad("number"));
        }
        Err(bad("unknown token"))
    }

    fn name_body(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hex = self.bytes.get(self.pos..self.pos + 2).ok_or(bad("name escape"))?;
                let v = std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(bad("name escape"))?;
                out.push(v);
                self.pos += 2;
            } else {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self.peek().ok_or(bad("unterminated string"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or(bad("unterminated string"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut digits = Vec::new();
        loop {
            let b = self.peek().ok_or(bad("unterminated hex string"))?;
            self.pos += 1;
            match b {
                b'>' => break,
                b if b.is_ascii_hexdigit() => digits.push(b),
                b if is_whitespace(b) => {}
                _ => return Err(bad("hex string")),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        digits.chunks(2).map(|p| std::str::from_utf8(p).ok().and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(bad("hex string"))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Object {
        Parser::new(s.as_bytes(), 0).object(0).unwrap()
    }

    #[test]
    fn objects() {
        assert_eq!(parse("12 0 R"), Object::Reference(12, 0));
        assert_eq!(parse("12 0 obj"), Object::Integer(12));
        assert_eq!(parse("-3.5"), Object::Real(-3.5));
        assert_eq!(parse("(a\\(b\\)c\\101)"), Object::String(b"a(b)cA".to_vec()));
        assert_eq!(parse("<48 65 6c6c 6f>"), Object::String(b"Hello".to_vec()));
        assert_eq!(parse("/A#20B"), Object::Name(b"A B".to_vec()));
        let d = parse("<< /Type /Catalog /Pages 2 0 R /Kids [1 2 (x)] /N null >>");
        let d = d.as_dict().unwrap();
        assert_eq!(d.name(b"Type"), Some(&b"Catalog"[..]));
        assert_eq!(d.get(b"Pages"), Some(&Object::Reference(2, 0)));
        assert_eq!(d.get(b"Kids").unwrap().as_array().unwrap().len(), 3);
    }

    #[test]
    fn hostile_inputs_end_in_errors() {
        for bad in ["<<", "[", "(abc", "<4", "/A#G1", "[".repeat(100).as_str(), "<< 1 2 >>", "@"] {
            assert!(Parser::new(bad.as_bytes(), 0).object(0).is_err(), "{bad}");
        }
    }
}
