//! PDF decryption on hostile input: /Encrypt values and ciphertext taken from the input
//! (every /V, /R and method), and a real AES-128 encrypted file with the input written over it
//! at an offset the input chooses, read and verified. Never a panic, never unbounded work.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use mobile_id::pdf::crypt::{CryptMethod, Decryptor, EncryptParams};
use mobile_id::pdf::{self, PdfVerifyOptions};
use mobile_id::x509::ChainVerifier;

const ENCRYPTED: &[u8] = include_bytes!("../../tests/fixtures/crypt/aes-128.pdf");

fn method(b: u8) -> CryptMethod {
    match b % 4 {
        0 => CryptMethod::None,
        1 => CryptMethod::Rc4,
        2 => CryptMethod::Aes128,
        _ => CryptMethod::Aes256,
    }
}

fuzz_target!(|data: &[u8]| {
    // The decoder alone: parameters and data straight from the input.
    if data.len() >= 8 {
        let (head, rest) = data.split_at(8);
        let third = rest.len() / 3;
        let (o, rest) = rest.split_at(third);
        let (u, ciphertext) = rest.split_at(third);
        let params = EncryptParams {
            filter: b"Standard".to_vec(),
            sub_filter: None,
            v: i64::from(head[0] % 7),
            r: i64::from(head[1] % 8),
            length_bits: Some(i64::from(head[2]) * 8),
            o: o.to_vec(),
            u: u.to_vec(),
            oe: Some(o.to_vec()),
            ue: Some(u.to_vec()),
            p: i64::from(i32::from_le_bytes([head[3], head[4], head[5], 0])),
            perms: None,
            encrypt_metadata: head[5] & 1 == 0,
            stream_method: method(head[6]),
            string_method: method(head[7]),
        };
        if let Ok(decryptor) = Decryptor::open(&params, o) {
            let _ = decryptor.decrypt_string(7, 0, ciphertext);
            let _ = decryptor.decrypt_stream(7, 0, ciphertext);
        }
    }
    // The reader over a real encrypted file, overwritten where the input says.
    if let Some((&at, patch)) = data.split_first() {
        let mut file = ENCRYPTED.to_vec();
        let start = (usize::from(at) * file.len() / 256).min(file.len());
        let end = start.saturating_add(patch.len()).min(file.len());
        if let (Some(target), Some(source)) = (file.get_mut(start..end), patch.get(..end - start)) {
            target.copy_from_slice(source);
        }
        let _ = pdf::verify(Cursor::new(file), &ChainVerifier::new(Vec::new()), &PdfVerifyOptions::new(1_700_000_000));
    }
});
