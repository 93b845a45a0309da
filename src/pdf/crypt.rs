//! Decryption for PDFs protected by the Standard Security Handler, opened
//! without a password (empty user password), as a signature validator must.
//!
//! Covered: ISO 32000-1 §7.6 (V 1/2 with R 2/3, V 4 with R 4 and the crypt
//! filters /V2, /AESV2 and /Identity), the Adobe extension level 3 revision 5
//! and ISO 32000-2 §7.6.4 revision 6 (/AESV3). The caller reads the /Encrypt
//! dictionary into [`EncryptParams`] (resolving /CF, /StmF and /StrF into
//! [`CryptMethod`]s) and decrypts each string and stream with its object's
//! number and generation. Which strings and streams are *not* encrypted stays
//! the caller's job (ISO 32000-2 §7.6.2, §7.5.8.2): the trailer's /ID, strings
//! in the /Encrypt dictionary, strings inside encrypted streams, hexadecimal
//! /Contents of signature dictionaries, cross-reference streams, and the
//! metadata stream when /EncryptMetadata is false.

use aes::{Aes128, Aes256};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit, StreamCipher};
use md5::{Digest, Md5};
use rc4::Rc4;
use sha2::{Sha256, Sha384, Sha512};

use super::object::{Dictionary, Object};

/// Padding string for passwords, ISO 32000-1 §7.6.3.3 algorithm 2 step (a).
const PASSWORD_PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C,
    0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// How strings or streams are encrypted: the /CFM of a crypt filter
/// (ISO 32000-1 §7.6.5, Table 25; ISO 32000-2 §7.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptMethod {
    /// /None, or the /Identity filter: data is not encrypted.
    None,
    /// /V2: RC4 with a per-object key (algorithm 1).
    Rc4,
    /// /AESV2: AES-128-CBC with a per-object key (algorithm 1 with "sAlT").
    Aes128,
    /// /AESV3: AES-256-CBC with the file key itself.
    Aes256,
}

/// Why a document cannot be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptError {
    /// The empty user password does not open the document.
    #[error("document needs a password")]
    NeedsPassword,
    /// A handler, version, revision or filter this module does not implement.
    #[error("unsupported encryption: {0}")]
    Unsupported(&'static str),
    /// Parameters or encrypted data that do not follow the specification.
    #[error("malformed encryption data: {0}")]
    Malformed(&'static str),
}

/// Values read from the /Encrypt dictionary by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptParams {
    /// /Filter, without the slash (only `Standard` is supported).
    pub filter: Vec<u8>,
    /// /SubFilter, informative only.
    pub sub_filter: Option<Vec<u8>>,
    /// /V.
    pub v: i64,
    /// /R.
    pub r: i64,
    /// /Length in bits (V 2 and V 4; default 40 for V 2 and 128 for V 4).
    pub length_bits: Option<i64>,
    /// /O.
    pub o: Vec<u8>,
    /// /U.
    pub u: Vec<u8>,
    /// /OE (R 5/6).
    pub oe: Option<Vec<u8>>,
    /// /UE (R 5/6).
    pub ue: Option<Vec<u8>>,
    /// /P, signed or unsigned: only its low 32 bits are used.
    pub p: i64,
    /// /Perms (R 5/6), not checked.
    pub perms: Option<Vec<u8>>,
    /// /EncryptMetadata (default true).
    pub encrypt_metadata: bool,
    /// Method for streams (/StmF resolved through /CF); ignored for V 1/2.
    pub stream_method: CryptMethod,
    /// Method for strings (/StrF resolved through /CF); ignored for V 1/2.
    pub string_method: CryptMethod,
}

impl EncryptParams {
    /// The values of an /Encrypt dictionary (ISO 32000-1 §7.6.1 Table 20, §7.6.3.2 Table 21,
    /// §7.6.5 Table 25 for crypt filters; ISO 32000-2 §7.6.4.2 for /OE, /UE, /Perms). /StmF
    /// and /StrF name entries of /CF (absent or /Identity: not encrypted).
    ///
    /// # Errors
    /// [`CryptError::Malformed`] for missing or mistyped entries, [`CryptError::Unsupported`]
    /// for a crypt filter method this module does not implement.
    pub fn from_dictionary(dict: &Dictionary) -> Result<Self, CryptError> {
        let string = |key: &[u8]| match dict.get(key) {
            Some(Object::String(s)) => Some(s.clone()),
            _ => None,
        };
        let method = |key: &[u8]| -> Result<CryptMethod, CryptError> {
            let name = match dict.get(key) {
                None => return Ok(CryptMethod::None),
                Some(Object::Name(n)) => n.as_slice(),
                Some(_) => return Err(CryptError::Malformed("/StmF or /StrF")),
            };
            if name == b"Identity" {
                return Ok(CryptMethod::None);
            }
            let filter = dict
                .get(b"CF")
                .and_then(Object::as_dict)
                .and_then(|cf| cf.get(name))
                .and_then(Object::as_dict)
                .ok_or(CryptError::Malformed("crypt filter missing from /CF"))?;
            match filter.name(b"CFM") {
                None => Ok(CryptMethod::None),
                Some(cfm) => crypt_method_from_name(cfm).ok_or(CryptError::Unsupported("crypt filter method")),
            }
        };
        Ok(Self {
            filter: dict.name(b"Filter").ok_or(CryptError::Malformed("/Filter"))?.to_vec(),
            sub_filter: dict.name(b"SubFilter").map(<[u8]>::to_vec),
            v: dict.integer(b"V").unwrap_or(0),
            r: dict.integer(b"R").ok_or(CryptError::Malformed("/R"))?,
            length_bits: dict.integer(b"Length"),
            o: string(b"O").ok_or(CryptError::Malformed("/O"))?,
            u: string(b"U").ok_or(CryptError::Malformed("/U"))?,
            oe: string(b"OE"),
            ue: string(b"UE"),
            p: dict.integer(b"P").ok_or(CryptError::Malformed("/P"))?,
            perms: string(b"Perms"),
            encrypt_metadata: !matches!(dict.get(b"EncryptMetadata"), Some(Object::Bool(false))),
            stream_method: method(b"StmF")?,
            string_method: method(b"StrF")?,
        })
    }
}

/// Maps a crypt filter's /CFM name (without the slash) to a [`CryptMethod`].
/// An /Identity /StmF or /StrF is [`CryptMethod::None`] too, for the caller to map.
pub fn crypt_method_from_name(cfm: &[u8]) -> Option<CryptMethod> {
    match cfm {
        b"None" => Some(CryptMethod::None),
        b"V2" => Some(CryptMethod::Rc4),
        b"AESV2" => Some(CryptMethod::Aes128),
        b"AESV3" => Some(CryptMethod::Aes256),
        _ => None,
    }
}

/// An authenticated document: the file encryption key and the methods.
pub struct Decryptor {
    key: Vec<u8>,
    stream_method: CryptMethod,
    string_method: CryptMethod,
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decryptor").field("key", &"<redacted>").field("stream_method", &self.stream_method).field("string_method", &self.string_method).finish()
    }
}

impl Drop for Decryptor {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl Decryptor {
    /// Authenticates the empty user password and derives the file key.
    /// `first_id` is the first element of the trailer's /ID (empty if absent).
    pub fn open(params: &EncryptParams, first_id: &[u8]) -> Result<Self, CryptError> {
        Self::open_with_password(params, first_id, b"")
    }

    /// As [`Decryptor::open`] with a user password: bytes in PDFDocEncoding
    /// for R 2..4, UTF-8 after SASLprep for R 5/6 (at most 127 bytes are used).
    pub fn open_with_password(params: &EncryptParams, first_id: &[u8], password: &[u8]) -> Result<Self, CryptError> {
        if params.filter != b"Standard" {
            return Err(CryptError::Unsupported("security handler other than /Standard"));
        }
        let key = match (params.v, params.r) {
            (1 | 2, 2..=4) | (4, 4) => legacy_file_key(params, first_id, password)?,
            (5, 5 | 6) => aes256_file_key(params, password)?,
            (3, _) => return Err(CryptError::Unsupported("/V 3 (unpublished algorithm)")),
            (1 | 2 | 4 | 5, _) => return Err(CryptError::Unsupported("/R for this /V")),
            _ => return Err(CryptError::Unsupported("/V value")),
        };
        let (stream_method, string_method) = match params.v {
            1 | 2 => (CryptMethod::Rc4, CryptMethod::Rc4),
            _ => (params.stream_method, params.string_method),
        };
        for method in [stream_method, string_method] {
            check_method(params.v, method, key.len())?;
        }
        Ok(Self { key, stream_method, string_method })
    }

    /// Decrypts a string of object `num` `generation` with the /StrF method.
    pub fn decrypt_string(&self, num: u32, generation: u16, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        self.decrypt(self.string_method, num, generation, data)
    }

    /// Decrypts the raw data of stream `num` `generation` with the /StmF method
    /// (before its /Filter is applied).
    pub fn decrypt_stream(&self, num: u32, generation: u16, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        self.decrypt(self.stream_method, num, generation, data)
    }

    fn decrypt(&self, method: CryptMethod, num: u32, generation: u16, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        match method {
            CryptMethod::None => Ok(data.to_vec()),
            CryptMethod::Rc4 => rc4(&self.object_key(num, generation, false), data),
            CryptMethod::Aes128 => aes_object_decrypt::<cbc::Decryptor<Aes128>>(&self.object_key(num, generation, true), data),
            CryptMethod::Aes256 => aes_object_decrypt::<cbc::Decryptor<Aes256>>(&self.key, data),
        }
    }

    /// ISO 32000-1 §7.6.2 algorithm 1: MD5 of the file key, the low 3 bytes of
    /// the object number and 2 bytes of the generation (little-endian), plus
    /// "sAlT" for AES; the first min(n + 5, 16) bytes are the object key.
    fn object_key(&self, num: u32, generation: u16, aes: bool) -> Vec<u8> {
        let [n0, n1, n2, _] = num.to_le_bytes();
        let mut md5 = Md5::new();
        md5.update(&self.key);
        md5.update([n0, n1, n2]);
        md5.update(generation.to_le_bytes());
        if aes {
            md5.update(b"sAlT");
        }
        let mut key = md5.finalize().to_vec();
        key.truncate((self.key.len() + 5).min(16));
        key
    }
}

/// Rejects method/version combinations the specification does not define.
fn check_method(v: i64, method: CryptMethod, key_len: usize) -> Result<(), CryptError> {
    match (v, method) {
        (_, CryptMethod::None) => Ok(()),
        (5, CryptMethod::Aes256) => Ok(()),
        (5, _) => Err(CryptError::Unsupported("/V 5 with a crypt filter other than /AESV3")),
        (_, CryptMethod::Aes256) => Err(CryptError::Unsupported("/AESV3 crypt filter below /V 5")),
        (_, CryptMethod::Aes128) if key_len != 16 => Err(CryptError::Malformed("/AESV2 needs a 128-bit key")),
        _ => Ok(()),
    }
}

/// Key length in bytes for R 2..4 (algorithm 2 step (h)): 5 for R 2 and V 1.
fn legacy_key_len(params: &EncryptParams) -> Result<usize, CryptError> {
    if params.r == 2 || params.v == 1 {
        return Ok(5);
    }
    let bits = params.length_bits.unwrap_or(if params.v == 4 { 128 } else { 40 });
    if !(40..=128).contains(&bits) || bits % 8 != 0 {
        return Err(CryptError::Malformed("/Length is not a multiple of 8 in 40..=128"));
    }
    usize::try_from(bits / 8).map_err(|_| CryptError::Malformed("/Length"))
}

/// The password truncated or padded to 32 bytes with [`PASSWORD_PAD`].
fn padded_password(password: &[u8]) -> Vec<u8> {
    password.iter().chain(PASSWORD_PAD.iter()).take(32).copied().collect()
}

/// ISO 32000-1 §7.6.3.3 algorithm 2 (file key for R 2..4), followed by the
/// user password check of algorithm 6 (§7.6.3.4), which uses algorithm 4
/// (R 2) or algorithm 5 (R 3/4) to recompute /U.
fn legacy_file_key(params: &EncryptParams, first_id: &[u8], password: &[u8]) -> Result<Vec<u8>, CryptError> {
    let n = legacy_key_len(params)?;
    let o = params.o.get(..32).ok_or(CryptError::Malformed("/O shorter than 32 bytes"))?;
    let mut md5 = Md5::new();
    md5.update(padded_password(password));
    md5.update(o);
    // /P may be written signed or unsigned; either way its low 32 bits count.
    md5.update(((params.p & 0xFFFF_FFFF) as u32).to_le_bytes());
    md5.update(first_id);
    if params.r >= 4 && !params.encrypt_metadata {
        md5.update([0xFF; 4]);
    }
    let mut digest = md5.finalize().to_vec();
    if params.r >= 3 {
        for _ in 0..50 {
            digest = Md5::digest(digest.get(..n).unwrap_or(&digest)).to_vec();
        }
    }
    digest.truncate(n);
    let computed_u = legacy_user_hash(params.r, &digest, first_id)?;
    let len = if params.r == 2 { 32 } else { 16 };
    let stored = params.u.get(..len).ok_or(CryptError::Malformed("/U too short"))?;
    match computed_u.get(..len) {
        Some(computed) if ct_eq(computed, stored) => Ok(digest),
        _ => Err(CryptError::NeedsPassword),
    }
}

/// Algorithm 4 (R 2: RC4 of the pad) or algorithm 5 (R 3/4: MD5 of pad and
/// ID, then RC4 with the key and 19 XOR-ed variants of it); ISO 32000-1 §7.6.3.4.
fn legacy_user_hash(r: i64, key: &[u8], first_id: &[u8]) -> Result<Vec<u8>, CryptError> {
    if r == 2 {
        return rc4(key, &PASSWORD_PAD);
    }
    let seed = Md5::new().chain_update(PASSWORD_PAD).chain_update(first_id).finalize();
    let mut out = rc4(key, &seed)?;
    for i in 1..=19u8 {
        let round_key: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        out = rc4(&round_key, &out)?;
    }
    Ok(out)
}

/// File key for R 5/6: authenticate the user password against /U's hash and
/// validation salt, then decrypt /UE (AES-256-CBC, zero IV, no padding) with
/// the hash of the password and /U's key salt. ISO 32000-2 §7.6.4.3.3
/// algorithm 2.A and §7.6.4.4 algorithm 11 (R 6); Adobe Supplement to
/// ISO 32000 extension level 3, algorithm 3.2a (R 5, plain SHA-256).
fn aes256_file_key(params: &EncryptParams, password: &[u8]) -> Result<Vec<u8>, CryptError> {
    let password = password.get(..127).unwrap_or(password);
    let u = params.u.get(..48).ok_or(CryptError::Malformed("/U shorter than 48 bytes"))?;
    let (hash, salts) = u.split_at_checked(32).ok_or(CryptError::Malformed("/U"))?;
    let (validation_salt, key_salt) = salts.split_at_checked(8).ok_or(CryptError::Malformed("/U"))?;
    if !ct_eq(&hash_r5_r6(params.r, password, validation_salt)?, hash) {
        return Err(CryptError::NeedsPassword);
    }
    let ue = params.ue.as_deref().ok_or(CryptError::Malformed("missing /UE"))?;
    let ue = ue.get(..32).ok_or(CryptError::Malformed("/UE shorter than 32 bytes"))?;
    let intermediate = hash_r5_r6(params.r, password, key_salt)?;
    let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&intermediate, &[0u8; 16]).map_err(|_| CryptError::Malformed("intermediate key length"))?;
    decryptor.decrypt_padded_vec::<NoPadding>(ue).map_err(|_| CryptError::Malformed("/UE length"))
}

/// SHA-256 of password and salt; for R 6 refined by algorithm 2.B. Only the
/// user variant is needed here (the owner variant would append /U to both).
fn hash_r5_r6(r: i64, password: &[u8], salt: &[u8]) -> Result<Vec<u8>, CryptError> {
    let first = Sha256::new().chain_update(password).chain_update(salt).finalize();
    if r == 5 { Ok(first.to_vec()) } else { hash_2b(password, first.to_vec()) }
}

/// ISO 32000-2 §7.6.4.3.4 algorithm 2.B (user variant: no /U data). Each
/// round AES-128-CBC-encrypts 64 copies of (password, K) with key K[0..16] and IV K[16..32], and
/// hashes the result E with SHA-256/384/512 chosen by the first 16 bytes of E
/// read as a number modulo 3 (equal to the sum of those bytes modulo 3, as
/// 256 ≡ 1 mod 3). At least 64 rounds; it stops once the last byte of E is at
/// most round − 32, so it always ends by round 288 (bounded work).
fn hash_2b(password: &[u8], mut k: Vec<u8>) -> Result<Vec<u8>, CryptError> {
    let mut round: u32 = 0;
    loop {
        let mut e = [password, k.as_slice()].concat().repeat(64);
        let key = k.get(..16).ok_or(CryptError::Malformed("hash length"))?;
        let iv = k.get(16..32).ok_or(CryptError::Malformed("hash length"))?;
        let len = e.len();
        cbc::Encryptor::<Aes128>::new_from_slices(key, iv)
            .map_err(|_| CryptError::Malformed("hash length"))?
            .encrypt_padded::<NoPadding>(&mut e, len)
            .map_err(|_| CryptError::Malformed("algorithm 2.B block length"))?;
        let selector = e.iter().take(16).map(|b| u32::from(*b)).sum::<u32>() % 3;
        k = match selector {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        round += 1;
        let last = u32::from(e.last().copied().unwrap_or(0));
        if round >= 64 && last + 32 <= round {
            break;
        }
    }
    k.truncate(32);
    Ok(k)
}

/// RC4 over `data` (RC4 is its own inverse).
fn rc4(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptError> {
    let mut cipher = Rc4::new_from_slice(key).map_err(|_| CryptError::Malformed("RC4 key length"))?;
    let mut out = data.to_vec();
    cipher.try_apply_keystream(&mut out).map_err(|_| CryptError::Malformed("RC4 keystream"))?;
    Ok(out)
}

/// AES-CBC for /AESV2 and /AESV3 data: a 16-byte IV, then ciphertext with
/// PKCS#5 padding (ISO 32000-1 §7.6.2). IV-only data decrypts to nothing.
fn aes_object_decrypt<D: KeyIvInit + BlockModeDecrypt>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptError> {
    let (iv, ciphertext) = data.split_at_checked(16).ok_or(CryptError::Malformed("AES data shorter than its IV"))?;
    if ciphertext.is_empty() {
        return Ok(Vec::new());
    }
    D::new_from_slices(key, iv)
        .map_err(|_| CryptError::Malformed("AES key length"))?
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| CryptError::Malformed("AES-CBC data length or padding"))
}

/// Equality without an early exit.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    //! Fixtures are real files written by qpdf; every expected key and
    //! plaintext in `*.expected` was printed by qpdf (tests/fixtures/crypt/make_fixtures.py).
    use super::*;
    use std::collections::HashMap;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).rposition(|w| w == needle)
    }

    /// The text after the last `key` (e.g. "/O ") up to the next delimiter.
    fn token<'a>(dict: &'a [u8], key: &str) -> Option<&'a str> {
        let start = rfind(dict, key.as_bytes())? + key.len();
        let rest = &dict[start..];
        let end = rest.iter().position(|b| b" />[]\n".contains(b)).unwrap_or(rest.len());
        std::str::from_utf8(&rest[..end]).ok()
    }

    fn hex_value(dict: &[u8], key: &str) -> Option<Vec<u8>> {
        token(dict, &format!("{key} <")).map(unhex)
    }

    fn int(dict: &[u8], key: &str) -> Option<i64> {
        token(dict, &format!("{key} ")).map(|t| t.parse().unwrap())
    }

    /// A fixture: the PDF bytes and its qpdf-made expectations.
    struct Fixture {
        pdf: Vec<u8>,
        expected: HashMap<String, String>,
    }

    impl Fixture {
        fn load(name: &str) -> Self {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crypt/");
            let pdf = std::fs::read(format!("{dir}{name}.pdf")).unwrap();
            let text = std::fs::read_to_string(format!("{dir}{name}.expected")).unwrap();
            let expected = text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect();
            Self { pdf, expected }
        }

        fn exp(&self, key: &str) -> &str {
            &self.expected[key]
        }

        fn object(&self, num: &str) -> &[u8] {
            let start = find(&self.pdf, format!("\n{num} 0 obj").as_bytes()).unwrap();
            let len = find(&self.pdf[start..], b"endobj").unwrap();
            &self.pdf[start..start + len]
        }

        fn trailer(&self) -> &[u8] {
            &self.pdf[rfind(&self.pdf, b"trailer").unwrap()..]
        }

        fn first_id(&self) -> Vec<u8> {
            let t = self.trailer();
            let start = find(t, b"/ID [<").unwrap() + 6;
            let end = find(&t[start..], b">").unwrap();
            unhex(std::str::from_utf8(&t[start..start + end]).unwrap())
        }

        fn params(&self) -> EncryptParams {
            let enc_num = token(self.trailer(), "/Encrypt ").unwrap().to_owned();
            let d = self.object(&enc_num);
            let v = int(d, "/V").unwrap();
            let method = |key: &str| match token(d, key) {
                Some("Identity") => CryptMethod::None,
                Some(_) => crypt_method_from_name(token(d, "/CFM /").unwrap().as_bytes()).unwrap(),
                None => CryptMethod::Rc4,
            };
            EncryptParams {
                filter: token(d, "/Filter /").unwrap().as_bytes().to_vec(),
                sub_filter: None,
                v,
                r: int(d, "/R").unwrap(),
                length_bits: int(d, "/Length"),
                o: hex_value(d, "/O").unwrap(),
                u: hex_value(d, "/U").unwrap(),
                oe: hex_value(d, "/OE"),
                ue: hex_value(d, "/UE"),
                p: int(d, "/P").unwrap(),
                perms: hex_value(d, "/Perms"),
                encrypt_metadata: token(d, "/EncryptMetadata ") != Some("false"),
                stream_method: method("/StmF /"),
                string_method: method("/StrF /"),
            }
        }

        /// Raw (encrypted) bytes of the /Title string of the /Info dictionary.
        fn title_ciphertext(&self) -> Vec<u8> {
            hex_value(self.object(self.exp("info")), "/Title").unwrap()
        }

        /// Raw (encrypted) data of the content stream.
        fn stream_ciphertext(&self) -> Vec<u8> {
            let obj = self.object(self.exp("stream"));
            let len = usize::try_from(int(obj, "/Length").unwrap()).unwrap();
            let start = find(obj, b"stream\n").unwrap() + 7;
            obj[start..start + len].to_vec()
        }
    }

    /// Opens with qpdf's user password, then checks key, string and stream.
    fn check(name: &str, v: i64, r: i64) -> Fixture {
        let f = Fixture::load(name);
        let params = f.params();
        assert_eq!((params.v, params.r), (v, r), "{name}");
        let d = Decryptor::open_with_password(&params, &f.first_id(), f.exp("password").as_bytes()).unwrap();
        assert_eq!(d.key, unhex(f.exp("key")), "{name}: file key");
        let num = |k: &str| f.exp(k).parse::<u32>().unwrap();
        let title = d.decrypt_string(num("info"), 0, &f.title_ciphertext()).unwrap();
        assert_eq!(title, unhex(f.exp("title")), "{name}: string");
        assert!(title.starts_with(b"Crypt test: (parens)"));
        let plain = d.decrypt_stream(num("stream"), 0, &f.stream_ciphertext()).unwrap();
        assert_eq!(plain, unhex(f.exp("plain")), "{name}: stream");
        assert!(find(&plain, b"Hello, encrypted world!").is_some());
        f
    }

    /// A no-password fixture must also open through `open`.
    fn check_open(name: &str, v: i64, r: i64) {
        let f = check(name, v, r);
        assert_eq!(f.exp("password"), "");
        let d = Decryptor::open(&f.params(), &f.first_id()).unwrap();
        assert_eq!(d.key, unhex(f.exp("key")));
    }

    #[test]
    fn rc4_40_v1_r2() {
        check_open("rc4-40", 1, 2);
    }

    #[test]
    fn rc4_128_v2_r3() {
        check_open("rc4-128", 2, 3);
    }

    #[test]
    fn rc4_128_v4_r4_crypt_filter_v2() {
        check_open("rc4-128-v4", 4, 4);
    }

    #[test]
    fn aes_128_v4_r4() {
        check_open("aes-128", 4, 4);
    }

    #[test]
    fn aes_128_encrypt_metadata_false() {
        let f = Fixture::load("aes-128-clearmeta");
        assert!(!f.params().encrypt_metadata);
        check_open("aes-128-clearmeta", 4, 4);
    }

    #[test]
    fn aes_256_v5_r5() {
        check_open("aes-256-r5", 5, 5);
    }

    #[test]
    fn aes_256_v5_r6() {
        check_open("aes-256-r6", 5, 6);
    }

    #[test]
    fn user_password_needs_password() {
        for (name, v, r) in [("user-rc4-128", 2, 3), ("user-aes-128", 4, 4), ("user-aes-256", 5, 6)] {
            let f = check(name, v, r); // opens with "user" and matches qpdf
            let err = Decryptor::open(&f.params(), &f.first_id()).unwrap_err();
            assert_eq!(err, CryptError::NeedsPassword, "{name}");
            let wrong = Decryptor::open_with_password(&f.params(), &f.first_id(), b"owner!").unwrap_err();
            assert_eq!(wrong, CryptError::NeedsPassword, "{name}");
        }
    }

    #[test]
    fn wrong_id_fails_legacy_check() {
        let f = Fixture::load("rc4-128");
        let err = Decryptor::open(&f.params(), b"not the id").unwrap_err();
        assert_eq!(err, CryptError::NeedsPassword);
    }

    #[test]
    fn unsupported_and_malformed_parameters() {
        type Edit = fn(&mut EncryptParams);
        let cases: [(&str, Edit, bool); 10] = [
            ("aes-128", |p| p.filter = b"Adobe.PubSec".to_vec(), true),
            ("aes-128", |p| p.v = 3, true),
            ("aes-128", |p| p.v = 0, true),
            ("aes-128", |p| p.r = 6, true),
            ("aes-128", |p| p.stream_method = CryptMethod::Aes256, true),
            ("aes-128", |p| p.u.truncate(10), false),
            ("aes-128", |p| p.o.truncate(31), false),
            ("aes-256-r6", |p| p.string_method = CryptMethod::Aes128, true),
            ("aes-256-r6", |p| p.ue = None, false),
            ("aes-256-r6", |p| p.u.truncate(47), false),
        ];
        for (i, (name, edit, unsupported)) in cases.into_iter().enumerate() {
            let f = Fixture::load(name);
            let mut p = f.params();
            edit(&mut p);
            let err = Decryptor::open(&p, &f.first_id()).unwrap_err();
            let ok = match err {
                CryptError::Unsupported(_) => unsupported,
                CryptError::Malformed(_) => !unsupported,
                CryptError::NeedsPassword => false,
            };
            assert!(ok, "case {i}: {err:?}");
        }
    }

    #[test]
    fn bad_aes_data_is_an_error() {
        for name in ["aes-128", "aes-256-r6"] {
            let f = Fixture::load(name);
            let d = Decryptor::open(&f.params(), &f.first_id()).unwrap();
            let num = f.exp("stream").parse::<u32>().unwrap();
            let ct = f.stream_ciphertext();
            assert!(d.decrypt_stream(num, 0, &ct[..15]).is_err(), "shorter than IV");
            assert_eq!(d.decrypt_stream(num, 0, &ct[..16]).unwrap(), b"", "IV only");
            assert!(d.decrypt_stream(num, 0, &ct[..ct.len() - 1]).is_err(), "partial block");
            // CBC: flipping a byte of the previous block flips the same byte of
            // the last plaintext block; turn the padding byte into 0.
            let pad = 16 - unhex(f.exp("plain")).len() % 16;
            let mut bad = ct.clone();
            bad[ct.len() - 17] ^= u8::try_from(pad).unwrap();
            let err = d.decrypt_stream(num, 0, &bad).unwrap_err();
            assert_eq!(err, CryptError::Malformed("AES-CBC data length or padding"));
        }
    }

    /// /Encrypt values, /ID and file keys printed by qpdf for three files from
    /// other producers (pdf.js issue17069.pdf, DSS encrypted.pdf, OpenPDF
    /// Demo1_encrypted_.pdf): /U padded with zeros, /EncryptMetadata false on R 6.
    #[test]
    fn real_world_keys() {
        let base = |v, r, o: &str, u: &str, p, m| EncryptParams {
            filter: b"Standard".to_vec(),
            sub_filter: None,
            v,
            r,
            length_bits: Some(if v == 5 { 256 } else { 128 }),
            o: unhex(o),
            u: unhex(u),
            oe: None,
            ue: None,
            p,
            perms: None,
            encrypt_metadata: true,
            stream_method: m,
            string_method: m,
        };
        let z16 = "00000000000000000000000000000000";
        let pdfjs = base(
            4,
            4,
            "3e03bd9b6635c12b7649e40d26e05bffbd275f24a9b8d2868e3bde30e22b8116",
            &format!("c0210e90b8c83b9b3351496a4f2a67b3{z16}"),
            -1028,
            CryptMethod::Aes128,
        );
        let dss = base(
            2,
            3,
            "37a47f5988223cd2f4737710f2879e37f2fb479827b664d3638c87768d87a992",
            &format!("b4b31faa9d992d0b0948d198569b612d{z16}"),
            -1836,
            CryptMethod::Rc4,
        );
        let mut openpdf = base(
            5,
            6,
            "3111ca033e8234a5e5aff6c732665df3c14c23d9c86a17d11e2ebf50d6e58a315b1540efd73f38c20fdc36f0321c97bb",
            "b257eb8bc168bd7f5c25294bfc63dddf460a684d1b71ae8c607984b24f0d223fb99a6082d5ae2dadbcc6857715a982d8",
            -1324,
            CryptMethod::Aes256,
        );
        openpdf.encrypt_metadata = false;
        openpdf.ue = Some(unhex("e045e92a9100bd4d166e4905ec376d557db018c9b5eca007788f436421d29a64"));
        for (params, id, key) in [
            (pdfjs, "6150494d6dac214e95ab866fdaa1ba66", "f7a9209b9925fa065a233c942244e66a"),
            (dss, "9b4469787e8eb11fa7608ecd94ee5f4f", "8ff447813f3beb6eaddc53d282c20fc1"),
            (openpdf, "fa4bdc5f3346cc4c9be132604412e2fa", "922e3b66866fa4dcd3ab4e66b3287207a7ee5ff2d6862ce0f890ebd5166505b5"),
        ] {
            assert_eq!(Decryptor::open(&params, &unhex(id)).unwrap().key, unhex(key));
        }
    }

    /// 120 files written by qpdf with random user passwords (1..=127 bytes,
    /// some UTF-8): 108 R 6 and 12 R 5; each checks two hashes and /UE.
    #[test]
    fn aes256_vectors_from_qpdf() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crypt/aes256-vectors.txt");
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let params = EncryptParams {
                filter: b"Standard".to_vec(),
                sub_filter: None,
                v: 5,
                r: f[0].parse().unwrap(),
                length_bits: Some(256),
                o: vec![0; 48],
                u: unhex(f[2]),
                oe: None,
                ue: Some(unhex(f[3])),
                p: -4,
                perms: None,
                encrypt_metadata: true,
                stream_method: CryptMethod::Aes256,
                string_method: CryptMethod::Aes256,
            };
            let password = unhex(f[1]);
            let d = Decryptor::open_with_password(&params, &[], &password).unwrap();
            assert_eq!(d.key, unhex(f[4]), "{line}");
            let wrong = [b"x", password.as_slice()].concat();
            let err = Decryptor::open_with_password(&params, &[], &wrong).unwrap_err();
            assert_eq!(err, CryptError::NeedsPassword);
        }
    }

    #[test]
    fn method_names() {
        assert_eq!(crypt_method_from_name(b"None"), Some(CryptMethod::None));
        assert_eq!(crypt_method_from_name(b"V2"), Some(CryptMethod::Rc4));
        assert_eq!(crypt_method_from_name(b"AESV2"), Some(CryptMethod::Aes128));
        assert_eq!(crypt_method_from_name(b"AESV3"), Some(CryptMethod::Aes256));
        assert_eq!(crypt_method_from_name(b"AESV4"), None);
    }

    #[test]
    fn debug_hides_the_key() {
        let f = Fixture::load("rc4-40");
        let d = Decryptor::open(&f.params(), &f.first_id()).unwrap();
        assert!(!format!("{d:?}").contains(&format!("{:?}", d.key)));
    }

    /// Truncated and mutated parameters and data never panic (bounded loop).
    #[test]
    fn mutations_do_not_panic() {
        let mut seed: u32 = 0x1234_5678;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            seed >> 8
        };
        for name in ["rc4-40", "rc4-128", "aes-128", "aes-256-r5", "aes-256-r6"] {
            let f = Fixture::load(name);
            let base = f.params();
            for _ in 0..40 {
                let mut p = base.clone();
                let field = match next() % 4 {
                    0 => &mut p.o,
                    1 => &mut p.u,
                    2 => p.ue.get_or_insert_with(Vec::new),
                    _ => p.oe.get_or_insert_with(Vec::new),
                };
                let len = field.len();
                if next() % 2 == 0 {
                    field.truncate(next() as usize % (len + 1));
                } else if len > 0 {
                    field[next() as usize % len] ^= 1 << (next() % 8);
                }
                p.r += i64::from(next() % 5 == 0);
                p.length_bits = Some(i64::from(next() % 300));
                let _ = Decryptor::open(&p, &f.first_id());
            }
            let d = Decryptor::open(&base, &f.first_id()).unwrap();
            let ct = f.stream_ciphertext();
            for cut in 0..ct.len() {
                let _ = d.decrypt_stream(1, 0, &ct[..cut]);
                let _ = d.decrypt_string(u32::MAX, u16::MAX, &ct[cut..]);
            }
        }
    }
}
