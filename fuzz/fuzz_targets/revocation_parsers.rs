//! CRLs, OCSP responses and the PEM/base64 loader from arbitrary bytes: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::x509::{ParsedCrl, ParsedOcspResponse, load};

fuzz_target!(|data: &[u8]| {
    let _ = ParsedCrl::from_der(data);
    let _ = ParsedOcspResponse::from_der(data);
    let _ = load::der_documents(data);
});
