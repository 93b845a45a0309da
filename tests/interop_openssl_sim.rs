//! The virtual SIM's certificates and signatures checked by a real peer, OpenSSL: the exported
//! chain verifies, the purposes are what the certificates claim, and a signature made on the
//! SIM verifies with `openssl pkeyutl` (and a changed digest does not).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use der::{Decode, EncodePem};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, KeyRole, Pin};
use mobile_id::signer::{CardSigner, DigestSigner};
use x509_cert::Certificate;

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).output().expect("openssl is installed by scripts/test.sh");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn write_pem(path: &Path, der: &[u8]) {
    std::fs::write(path, Certificate::from_der(der).unwrap().to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
}

#[test]
fn openssl_accepts_chain_purposes_and_signatures() {
    for curve in [Curve::P256, Curve::P384] {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
        let mut sim = VirtualSim::in_memory(&SimInit::new(curve, SystemTime::now())).unwrap();
        write_pem(&dir.path().join("ca.pem"), &sim.ca_certificate_der().unwrap());
        let profile = sim.profile().clone();
        let mut session = CardSession::new(&mut sim, profile);
        write_pem(&dir.path().join("auth.pem"), &session.read_certificate(KeyRole::Authentication).unwrap());
        write_pem(&dir.path().join("sign.pem"), &session.read_certificate(KeyRole::Signing).unwrap());

        let (ok, out) = openssl(&["verify", "-x509_strict", "-CAfile", &p("ca.pem"), &p("auth.pem"), &p("sign.pem")]);
        assert!(ok, "{out}");
        let (ok, out) = openssl(&["verify", "-purpose", "sslclient", "-CAfile", &p("ca.pem"), &p("auth.pem")]);
        assert!(ok, "the authentication certificate is a client-auth certificate: {out}");
        let (ok, _) = openssl(&["verify", "-purpose", "sslclient", "-CAfile", &p("ca.pem"), &p("sign.pem")]);
        assert!(!ok, "the signing certificate is not for client authentication");

        let mut signer = CardSigner::new(session, KeyRole::Signing, Pin::new("12345")).unwrap();
        let digest = [0x42u8; 32];
        std::fs::write(p("digest.bin"), digest).unwrap();
        std::fs::write(p("sig.der"), signer.sign_digest(&digest).unwrap()).unwrap();
        let (ok, out) = openssl(&["x509", "-in", &p("sign.pem"), "-pubkey", "-noout", "-out", &p("pub.pem")]);
        assert!(ok, "{out}");
        let verify = |digest_file: &str| openssl(&["pkeyutl", "-verify", "-pubin", "-inkey", &p("pub.pem"), "-in", digest_file, "-sigfile", &p("sig.der")]);
        let (ok, out) = verify(&p("digest.bin"));
        assert!(ok && out.contains("Verified Successfully"), "{curve}: {out}");
        std::fs::write(p("other.bin"), [0x43u8; 32]).unwrap();
        let (ok, _) = verify(&p("other.bin"));
        assert!(!ok, "a changed digest must not verify");
    }
}
