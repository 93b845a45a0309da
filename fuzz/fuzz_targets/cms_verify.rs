//! CMS SignedData parse + verify, and TimeStampResp parsing, on arbitrary bytes: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_id::cms::{self, CmsVerifyOptions};
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

const ANCHOR: &[u8] = include_bytes!("../../tests/fixtures/pkits/certs/TrustAnchorRootCertificate.crt");

fuzz_target!(|data: &[u8]| {
    let anchors = ParsedCertificate::from_der(ANCHOR).into_iter().collect();
    let verifier = ChainVerifier::new(anchors);
    let (content, signature) = data.split_at(data.len().min(16));
    let _ = cms::verify(signature, Some(&mut &content[..]), &verifier, &CmsVerifyOptions::new(1_700_000_000));
    let _ = cms::verify(data, None, &verifier, &CmsVerifyOptions::new(1_700_000_000));
    let _ = cms::token_from_response(data);
});
