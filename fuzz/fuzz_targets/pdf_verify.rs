//! The PDF signature verifier on hostile files: the raw input as a PDF; a genuinely signed PDF
//! with the input appended as a later revision (what an attacker controls after signing); and
//! the signed PDF with the input written over it at an offset the input chooses. Never a
//! panic, never unbounded work; a tampered file never passes.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::pdf::{self, PdfSignOptions, PdfVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

struct Fixture {
    signed: Vec<u8>,
    gap: (usize, usize),
    verifier: ChainVerifier,
    time: u64,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let now = SystemTime::now();
        let time = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let root = DemoCa::root("CN=Fuzz Root", Curve::P256, now - Duration::from_secs(3600), now + Duration::from_secs(86_400)).expect("root");
        let key = EcSigningKey::generate(Curve::P256).expect("key");
        let ku =
            extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &x509_cert::ext::pkix::KeyUsage(x509_cert::ext::pkix::KeyUsages::NonRepudiation.into()))
                .expect("ku");
        let cert = root
            .issue("CN=Fuzz Signer", key.public_key_info().expect("spki"), now - Duration::from_secs(60), now + Duration::from_secs(3600), vec![ku])
            .expect("cert");
        let mut signer = SoftwareSigner::new(key, &der::Encode::to_der(&cert).expect("der")).expect("signer");
        let mut options = PdfSignOptions::new(time);
        options.capacity = Some(4096);
        let mut out = Cursor::new(Vec::new());
        let document = pdf::sample::sample_document(&["fuzz"], 0);
        pdf::sign(&mut Cursor::new(&document), &mut out, &mut signer, &options, None).expect("sign");
        let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(root.certificate()).expect("anchor")]);
        let signed = out.into_inner();
        let report = pdf::verify(Cursor::new(&signed), &verifier, &PdfVerifyOptions::new(time)).expect("verify");
        assert!(report.passed());
        let range = report.signatures[0].byte_range.expect("byte range");
        Fixture { signed, gap: (range[1] as usize, range[2] as usize), verifier, time }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let options = PdfVerifyOptions::new(f.time);
    let _ = pdf::verify(Cursor::new(data), &f.verifier, &options);

    let mut appended = f.signed.clone();
    appended.extend_from_slice(data);
    if let Ok(report) = pdf::verify(Cursor::new(&appended), &f.verifier, &options) {
        // Anything appended is either nothing at all or reported.
        assert!(data.iter().all(|b| mobile_id::pdf::object::is_whitespace(*b)) || !report.passed() || report.revisions > 2);
    }

    if let Some((&at, rest)) = data.split_first() {
        let mut overwritten = f.signed.clone();
        let start = usize::from(at) * overwritten.len() / 256;
        let end = (start + rest.len()).min(overwritten.len());
        let changed = overwritten[start..end] != rest[..end - start];
        overwritten[start..end].copy_from_slice(&rest[..end - start]);
        if let Ok(report) = pdf::verify(Cursor::new(&overwritten), &f.verifier, &options) {
            let in_gap = start < f.gap.1 && end > f.gap.0;
            if changed && !in_gap {
                // A change inside the signed bytes can never pass (the /Contents string is
                // the one part that is not signed).
                assert!(!report.passed(), "a modified signed PDF passed");
            }
        }
    }
});
