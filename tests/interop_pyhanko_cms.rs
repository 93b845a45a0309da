//! CMS interop with a second peer: pyHanko validates this library's detached CAdES signatures
//! (`pyhanko sign validate --detached`), made with a software key and made on the virtual
//! SIM, timestamped or not, and rejects them over changed content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::process::Command;
use std::time::SystemTime;

use common::{Pki, now};
use der::{Decode, EncodePem};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, KeyRole, Pin};
use mobile_id::cms::{self, CmsSignOptions};
use mobile_id::signer::CardSigner;
use x509_cert::Certificate;

fn pyhanko_detached(dir: &std::path::Path, signature: &[u8], content: &[u8], root: &str) -> (bool, String) {
    std::fs::write(dir.join("sig.p7s"), signature).unwrap();
    std::fs::write(dir.join("content.bin"), content).unwrap();
    let out = Command::new(common::pyhanko())
        .current_dir(dir)
        .args(["sign", "validate", "--trust", root, "--trust-replace", "--no-revocation-check", "--detached", "sig.p7s", "content.bin"])
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn pyhanko_validates_detached_cades_from_here() {
    let pki = Pki::new();
    let content = b"A detached document, signed here, validated by pyHanko.".to_vec();
    let plain = cms::sign(&mut content.as_slice(), &mut pki.signer("signer"), &CmsSignOptions::detached(Some(now()))).unwrap();
    let stamped = cms::add_signature_timestamps(&plain, &mut pki.tsa()).unwrap();
    for signature in [&plain, &stamped] {
        let (ok, out) = pyhanko_detached(pki.dir.path(), signature, &content, &pki.p("ca.pem"));
        assert!(ok && out.contains("INTACT:TRUSTED"), "{out}");
        let (ok, out) = pyhanko_detached(pki.dir.path(), signature, b"other content", &pki.p("ca.pem"));
        assert!(!ok, "{out}");
    }

    // Made on the virtual SIM.
    let dir = tempfile::tempdir().unwrap();
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now())).unwrap();
    let ca = Certificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
    let profile = sim.profile().clone();
    let mut signer = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, Pin::new("12345")).unwrap();
    let on_sim = cms::sign(&mut content.as_slice(), &mut signer, &CmsSignOptions::detached(Some(now()))).unwrap();
    let (ok, out) = pyhanko_detached(dir.path(), &on_sim, &content, dir.path().join("ca.pem").to_str().unwrap());
    assert!(ok && out.contains("INTACT:TRUSTED"), "{out}");
}
