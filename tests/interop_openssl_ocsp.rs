//! Chains and OCSP responses made by a real peer, OpenSSL: an RSA-PSS root over an ECDSA
//! leaf, and `openssl ocsp` answering requests this library builds — good, revoked, unknown,
//! an unauthorised responder, a stale response and a wrong nonce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use der::{Decode, DecodePem};
use mobile_id::x509::ocsp_request;
use mobile_id::x509::{
    ChainVerifier, ParsedCertificate, ParsedOcspResponse, Purpose, RevocationData, RevocationMode, RevocationSource, ValidationError, ValidationOptions,
};
use x509_cert::Certificate;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl is installed by scripts/test.sh");
    assert!(out.status.success(), "openssl {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(std::fs::read(self.path(name)).unwrap()).unwrap()
    }

    /// An RSA-PSS root, an ECDSA leaf for signing, a delegated OCSP responder and an
    /// unauthorised one (no OCSPSigning EKU).
    fn new() -> Self {
        let pki = Self { dir: tempfile::tempdir().unwrap() };
        let d = pki.dir.path();
        let pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sha256"];
        openssl(
            d,
            &[
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "ca.key",
                    "-subj",
                    "/CN=PSS Root/O=mobile-id tests",
                    "-days",
                    "3650",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                    "-out",
                    "ca.pem",
                ][..],
                &pss[..],
            ]
            .concat(),
        );
        std::fs::write(d.join("leaf.ext"), "keyUsage=critical,nonRepudiation\n").unwrap();
        std::fs::write(d.join("ocsp.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\n").unwrap();
        std::fs::write(d.join("rogue.ext"), "keyUsage=critical,digitalSignature\n").unwrap();
        for (name, ext) in [("leaf", "leaf.ext"), ("ocsp", "ocsp.ext"), ("rogue", "rogue.ext")] {
            openssl(
                d,
                &[
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-subj",
                    &format!("/CN={name}/O=mobile-id tests"),
                    "-out",
                    &format!("{name}.csr"),
                ],
            );
            openssl(
                d,
                &[
                    &[
                        "x509",
                        "-req",
                        "-in",
                        &format!("{name}.csr"),
                        "-CA",
                        "ca.pem",
                        "-CAkey",
                        "ca.key",
                        "-CAcreateserial",
                        "-days",
                        "30",
                        "-extfile",
                        ext,
                        "-out",
                        &format!("{name}.pem"),
                    ][..],
                    &pss[..],
                ]
                .concat(),
            );
        }
        pki
    }

    fn serial(&self) -> String {
        let cert = self.cert("leaf.pem");
        let bytes = cert.tbs_certificate().serial_number().as_bytes();
        let significant = bytes.iter().position(|b| *b != 0).map_or(&bytes[bytes.len() - 1..], |i| &bytes[i..]);
        hex::encode_upper(significant)
    }

    /// Writes the responder database with the leaf `V`alid, `R`evoked or absent.
    fn index(&self, status: Option<char>) {
        let line = match status {
            Some('R') => format!("R\t491231235959Z\t240101000000Z,keyCompromise\t{}\tunknown\t/CN=leaf\n", self.serial()),
            Some(s) => format!("{s}\t491231235959Z\t\t{}\tunknown\t/CN=leaf\n", self.serial()),
            None => String::new(),
        };
        std::fs::write(self.path("index.txt"), line).unwrap();
    }

    /// Asks `openssl ocsp` to answer a request built by this library.
    fn respond(&self, signer: &str, nonce: &[u8], ndays: &str) -> ParsedOcspResponse {
        let request = ocsp_request(&self.cert("leaf.pem"), &self.cert("ca.pem"), Some(nonce)).unwrap();
        std::fs::write(self.path("req.der"), request).unwrap();
        openssl(
            self.dir.path(),
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-rsigner",
                &format!("{signer}.pem"),
                "-rkey",
                &format!("{signer}.key"),
                "-CA",
                "ca.pem",
                "-reqin",
                "req.der",
                "-respout",
                "resp.der",
                "-ndays",
                ndays,
            ],
        );
        ParsedOcspResponse::from_der(&std::fs::read(self.path("resp.der")).unwrap()).unwrap()
    }

    fn verify(&self, response: ParsedOcspResponse, nonce: &[u8], time: u64) -> Result<RevocationSource, ValidationError> {
        let anchor = ParsedCertificate::from_der(&der::Encode::to_der(&self.cert("ca.pem")).unwrap()).unwrap();
        let leaf = ParsedCertificate::from_certificate(&self.cert("leaf.pem")).unwrap();
        let mut options = ValidationOptions::new(time, Purpose::Signing);
        options.revocation = RevocationMode::Required;
        options.ocsp_nonce = Some(nonce.to_vec());
        ChainVerifier::new(vec![anchor])
            .verify(&leaf, &[], &RevocationData { crls: vec![], ocsp: vec![response], fetcher: None }, &options)
            .map(|path| path.revocation[0])
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn rsa_pss_chain_and_ocsp_statuses() {
    let pki = Pki::new();
    let nonce = b"0123456789abcdef";
    // Without revocation data the RSA-PSS-signed chain validates.
    let anchor = ParsedCertificate::from_certificate(&pki.cert("ca.pem")).unwrap();
    let leaf = ParsedCertificate::from_certificate(&pki.cert("leaf.pem")).unwrap();
    ChainVerifier::new(vec![anchor]).verify(&leaf, &[], &RevocationData::default(), &ValidationOptions::new(now(), Purpose::Signing)).unwrap();

    pki.index(Some('V'));
    assert_eq!(pki.verify(pki.respond("ocsp", nonce, "1"), nonce, now()), Ok(RevocationSource::Ocsp), "good from a delegated responder");
    assert_eq!(pki.verify(pki.respond("ca", nonce, "1"), nonce, now()), Ok(RevocationSource::Ocsp), "good from the CA itself");
    assert!(
        matches!(pki.verify(pki.respond("rogue", nonce, "1"), nonce, now()), Err(ValidationError::RevocationUnavailable { .. })),
        "responder without OCSPSigning"
    );
    assert!(matches!(pki.verify(pki.respond("ocsp", nonce, "1"), nonce, now() + 3 * 86_400), Err(ValidationError::RevocationUnavailable { .. })), "stale");
    assert!(matches!(pki.verify(pki.respond("ocsp", nonce, "1"), b"another nonce", now()), Err(ValidationError::RevocationUnavailable { .. })), "wrong nonce");

    pki.index(Some('R'));
    assert!(matches!(pki.verify(pki.respond("ocsp", nonce, "1"), nonce, now()), Err(ValidationError::Revoked { reason: "keyCompromise", .. })));

    pki.index(None);
    assert!(matches!(pki.verify(pki.respond("ocsp", nonce, "1"), nonce, now()), Err(ValidationError::RevocationUnavailable { .. })), "unknown");
}

#[test]
fn malformed_ocsp_bytes_are_errors() {
    for bad in [&b""[..], b"\x30\x03\x0a\x01\x00", b"\x30\x03\x0a\x01\x03", b"\x30\x80\x00\x00"] {
        assert!(ParsedOcspResponse::from_der(bad).is_err());
    }
    let _ = Certificate::from_der(&[]).is_err();
}
