//! Signing and verifying a 100 MiB PDF keeps peak memory under 64 MiB: the original is copied
//! and hashed in pieces, objects are read through bounded windows, the byte ranges are
//! streamed through the hash. (Alone in its test binary so the process's peak is its own.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::fs::{File, OpenOptions};
use std::io::BufWriter;

use common::{Pki, now, peak_rss_kib};
use mobile_id::pdf::{self, PdfSignOptions, PdfVerifyOptions};

#[test]
fn a_100_mib_pdf_is_signed_and_verified_in_bounded_memory() {
    const SIZE: u64 = 100 * 1024 * 1024;
    let pki = Pki::new();
    let mut signer = pki.signer("signer");
    let verifier = pki.verifier();
    let input = pki.path("big.pdf");
    {
        let mut out = BufWriter::new(File::create(&input).unwrap());
        pdf::sample::write_sample_document(&mut out, &["A large document"], SIZE).unwrap();
    }
    assert!(std::fs::metadata(&input).unwrap().len() > SIZE);
    let before = peak_rss_kib();
    let output = pki.path("big-signed.pdf");
    let mut out = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&output).unwrap();
    pdf::sign(&mut File::open(&input).unwrap(), &mut out, &mut signer, &PdfSignOptions::new(now()), None).unwrap();
    drop(out);
    let report = pdf::verify(File::open(&output).unwrap(), &verifier, &PdfVerifyOptions::new(now())).unwrap();
    assert!(report.passed(), "{report:#?}");
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "peak memory grew by {grown} KiB signing and verifying a 100 MiB PDF");
    // qpdf agrees the large signed file is well formed.
    let (ok, text) = common::qpdf_check(&output);
    assert!(ok, "{text}");
}
