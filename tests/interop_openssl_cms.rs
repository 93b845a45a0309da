//! CMS interop with a real peer, both directions: what this library signs (on the virtual SIM
//! and with a software key) `openssl cms -verify` accepts; what `openssl cms -sign` makes —
//! detached, attached, streamed BER, CAdES, no attributes, RSA, two signers — this library
//! accepts; tampering gives the right sub-indication; `openssl ts -reply` is the TSA for B-T.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::SystemTime;

use common::{OpensslTsa, now, openssl};

use der::{Decode, DecodePem, Encode, EncodePem};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, KeyRole, Pin};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::report::{Indication, SubIndication};
use mobile_id::signer::CardSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use x509_cert::Certificate;

/// A root, a P-256 signer (nonRepudiation), a second P-256 signer, an RSA signer and a P-256
/// TSA (critical EKU timeStamping), all made by OpenSSL.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let pki = Self { dir: tempfile::tempdir().unwrap() };
        let d = pki.dir.path();
        assert!(openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-subj",
                "/CN=CMS Root/O=mobile-id tests",
                "-days",
                "3650",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-out",
                "ca.pem"
            ]
        ));
        std::fs::write(d.join("sign.ext"), "keyUsage=critical,nonRepudiation,digitalSignature\n").unwrap();
        std::fs::write(d.join("tsa.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n").unwrap();
        for (name, key, ext) in [("signer", "ec", "sign.ext"), ("signer2", "ec", "sign.ext"), ("rsa", "rsa", "sign.ext"), ("tsa", "ec", "tsa.ext")] {
            let mut args: Vec<String> = vec!["req".into()];
            if key == "ec" {
                args.extend(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"].map(String::from));
            } else {
                args.extend(["-newkey", "rsa:2048"].map(String::from));
            }
            args.extend([
                "-nodes".into(),
                "-keyout".into(),
                format!("{name}.key"),
                "-subj".into(),
                format!("/CN={name}/O=mobile-id tests"),
                "-out".into(),
                format!("{name}.csr"),
            ]);
            assert!(openssl(d, &args.iter().map(String::as_str).collect::<Vec<_>>()));
            assert!(openssl(
                d,
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
                    "-sha256",
                    "-extfile",
                    ext,
                    "-out",
                    &format!("{name}.pem")
                ]
            ));
        }
        std::fs::write(d.join("data.txt"), b"The contract text, signed.\r\nLine two.\n").unwrap();
        pki
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(std::fs::read(self.p(name)).unwrap()).unwrap()
    }

    fn verifier(&self) -> ChainVerifier {
        ChainVerifier::new(vec![ParsedCertificate::from_certificate(&self.cert("ca.pem")).unwrap()])
    }

    fn verify(&self, sig: &[u8], content: Option<&[u8]>) -> cms::CmsReport {
        let mut reader = content;
        let detached: Option<&mut dyn std::io::Read> = reader.as_mut().map(|r| r as &mut dyn std::io::Read);
        cms::verify(sig, detached, &self.verifier(), &CmsVerifyOptions::new(now())).unwrap()
    }

    fn data(&self) -> Vec<u8> {
        std::fs::read(self.p("data.txt")).unwrap()
    }
}

fn software_signer(pki: &Pki, name: &str) -> mobile_id::signer::SoftwareSigner {
    let key_pem = std::fs::read_to_string(pki.p(&format!("{name}.key"))).unwrap();
    let (_, key_der) = pem_rfc7468::decode_vec(key_pem.as_bytes()).unwrap();
    mobile_id::signer::SoftwareSigner::from_pkcs8_der(&key_der, &pki.cert(&format!("{name}.pem")).to_der().unwrap()).unwrap()
}

#[test]
fn openssl_verifies_what_we_sign() {
    let pki = Pki::new();
    let data = pki.data();
    for attached in [false, true] {
        let mut signer = software_signer(&pki, "signer");
        let options = CmsSignOptions::new(attached, Some(now()));
        let sig = cms::sign(&mut data.as_slice(), &mut signer, &options).unwrap();
        std::fs::write(pki.p("ours.p7s"), &sig).unwrap();
        let mut args = vec!["cms", "-verify", "-binary", "-inform", "DER", "-in", "ours.p7s", "-CAfile", "ca.pem", "-out", "out.txt"];
        if !attached {
            args.extend(["-content", "data.txt"]);
        }
        assert!(openssl(pki.dir.path(), &args), "attached={attached}");
        assert_eq!(std::fs::read(pki.p("out.txt")).unwrap(), data);
        let report = pki.verify(&sig, if attached { None } else { Some(&data) });
        assert!(report.passed(), "{report:?}");
        assert!(report.signers[0].warnings.is_empty(), "CAdES: signingCertificateV2 present");
    }
}

#[test]
fn openssl_verifies_a_signature_made_on_the_virtual_sim() {
    let dir = tempfile::tempdir().unwrap();
    let mut sim = VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now())).unwrap();
    let ca = Certificate::from_der(&sim.ca_certificate_der().unwrap()).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
    let profile = sim.profile().clone();
    let mut signer = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, Pin::new("12345")).unwrap();
    let data = b"signed on the SIM".to_vec();
    // Two-phase, through the serialised state, as a wallet would across the PIN prompt.
    let (digest, prepared) =
        cms::prepare(&mut data.as_slice(), mobile_id::signer::DigestSigner::certificate(&signer), &[], &CmsSignOptions::detached(Some(now()))).unwrap();
    let resumed = cms::PreparedCms::from_bytes(&prepared.to_bytes().unwrap()).unwrap();
    assert_eq!(resumed.digest_to_sign().unwrap(), digest);
    let signature = mobile_id::signer::DigestSigner::sign_digest(&mut signer, &digest).unwrap();
    let sig = resumed.finish(&signature).unwrap();
    std::fs::write(dir.path().join("sim.p7s"), &sig).unwrap();
    std::fs::write(dir.path().join("data.bin"), &data).unwrap();
    assert!(openssl(
        dir.path(),
        &["cms", "-verify", "-binary", "-inform", "DER", "-in", "sim.p7s", "-content", "data.bin", "-CAfile", "ca.pem", "-out", "/dev/null"]
    ));
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(&ca).unwrap()]);
    let report = cms::verify(&sig, Some(&mut data.as_slice()), &verifier, &CmsVerifyOptions::new(now())).unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.signers[0].signer.as_ref().unwrap().given_name.as_deref(), Some("AYSEL"));
    // A signature from another key cannot be finished into this CMS.
    assert!(matches!(resumed.finish(&signature[..signature.len() - 1]), Err(cms::CmsError::SignatureMismatch)));
}

#[test]
fn we_verify_what_openssl_signs() {
    let pki = Pki::new();
    let data = pki.data();
    let cases: Vec<(&str, Vec<&str>, bool)> = vec![
        ("detached CAdES", vec!["-cades"], false),
        ("detached plain", vec![], false),
        ("attached", vec!["-nodetach"], true),
        ("attached streamed BER", vec!["-nodetach", "-stream", "-indef"], true),
        ("no signed attributes", vec!["-noattr"], false),
    ];
    for (name, extra, attached) in cases {
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-md",
            "sha256",
            "-in",
            "data.txt",
            "-signer",
            "signer.pem",
            "-inkey",
            "signer.key",
            "-outform",
            "DER",
            "-out",
            "theirs.p7s",
        ];
        args.extend(extra);
        assert!(openssl(pki.dir.path(), &args), "{name}");
        let sig = std::fs::read(pki.p("theirs.p7s")).unwrap();
        let report = pki.verify(&sig, if attached { None } else { Some(&data) });
        assert!(report.passed(), "{name}: {report:?}");
    }
    // RSA signer, and two signers at once.
    assert!(openssl(
        pki.dir.path(),
        &[
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-in",
            "data.txt",
            "-signer",
            "rsa.pem",
            "-inkey",
            "rsa.key",
            "-signer",
            "signer2.pem",
            "-inkey",
            "signer2.key",
            "-outform",
            "DER",
            "-out",
            "two.p7s"
        ]
    ));
    let report = pki.verify(&std::fs::read(pki.p("two.p7s")).unwrap(), Some(&data));
    assert_eq!(report.signers.len(), 2);
    assert!(report.passed(), "{report:?}");
}

#[test]
fn tampering_gives_the_right_sub_indication() {
    let pki = Pki::new();
    let data = pki.data();
    let mut signer = software_signer(&pki, "signer");
    // A fixed claimed time whose encoding the test can find; the certificate is checked now.
    let mut options = CmsSignOptions::detached(Some(1_700_000_000));
    options.validity_time = Some(now());
    let sig = cms::sign(&mut data.as_slice(), &mut signer, &options).unwrap();
    // Changed content.
    let mut changed = data.clone();
    changed[0] ^= 1;
    let r = pki.verify(&sig, Some(&changed));
    assert_eq!((r.signers[0].indication, r.signers[0].sub_indication), (Indication::TotalFailed, Some(SubIndication::HashFailure)));
    // A changed signed attribute: the signing time's encoding inside the CMS.
    let mut tampered = sig.clone();
    let at = tampered.windows(13).position(|w| w.starts_with(b"231114")).expect("the UTCTime of 1700000000");
    tampered[at + 5] ^= 1;
    let r = pki.verify(&tampered, Some(&data));
    assert_eq!((r.signers[0].indication, r.signers[0].sub_indication), (Indication::TotalFailed, Some(SubIndication::SigCryptoFailure)));
    // No content at all.
    let r = pki.verify(&sig, None);
    assert_eq!(r.signers[0].sub_indication, Some(SubIndication::SignedDataNotFound));
    // A wrong anchor.
    let other = ChainVerifier::new(vec![ParsedCertificate::from_certificate(&pki.cert("signer2.pem")).unwrap()]);
    let r = cms::verify(&sig, Some(&mut data.as_slice()), &other, &CmsVerifyOptions::new(now())).unwrap();
    assert_eq!((r.signers[0].indication, r.signers[0].sub_indication), (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound)));
    // The embedded certificate swapped for another one.
    let mut info = swap_certificates(&sig, &pki.cert("signer2.pem"));
    let r = pki.verify(&info, Some(&data));
    assert_eq!(r.signers[0].sub_indication, Some(SubIndication::NoSigningCertificateFound));
    info.truncate(info.len() / 2);
    assert!(cms::verify(&info, None, &pki.verifier(), &CmsVerifyOptions::new(now())).is_err());
}

/// The same CMS with its certificates replaced by `other`.
fn swap_certificates(sig: &[u8], other: &Certificate) -> Vec<u8> {
    use ::cms::cert::CertificateChoices;
    use ::cms::content_info::ContentInfo;
    use ::cms::signed_data::{CertificateSet, SignedData};
    let info = ContentInfo::from_der(sig).unwrap();
    let mut sd: SignedData = info.content.decode_as().unwrap();
    sd.certificates = Some(CertificateSet::try_from(vec![CertificateChoices::Certificate(other.clone())]).unwrap());
    ContentInfo { content_type: info.content_type, content: der::Any::encode_from(&sd).unwrap() }.to_der().unwrap()
}

#[test]
fn cades_b_t_with_an_openssl_tsa() {
    let pki = Pki::new();
    let d = pki.dir.path();
    std::fs::write(
        d.join("tsa.cnf"),
        "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = .\nserial = ./tsaserial\ncrypto_device = builtin\n\
        signer_cert = ./tsa.pem\ncerts = ./ca.pem\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.4146.2.3\n\
        digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    std::fs::write(d.join("tsaserial"), "01\n").unwrap();
    let data = pki.data();
    let mut signer = software_signer(&pki, "signer");
    let sig = cms::sign(&mut data.as_slice(), &mut signer, &CmsSignOptions::detached(Some(now()))).unwrap();
    let stamped = cms::add_signature_timestamps(&sig, &mut OpensslTsa { dir: d.to_path_buf() }).unwrap();
    let report = pki.verify(&stamped, Some(&data));
    assert!(report.passed(), "{report:?}");
    let ts = report.signers[0].timestamp_time.expect("a valid timestamp");
    assert!(ts.abs_diff(now()) < 300);
    assert_eq!(report.signers[0].validation_time, ts);
    // OpenSSL still accepts the CMS with the unsigned attribute added.
    std::fs::write(pki.p("stamped.p7s"), &stamped).unwrap();
    assert!(openssl(
        d,
        &["cms", "-verify", "-binary", "-inform", "DER", "-in", "stamped.p7s", "-content", "data.txt", "-CAfile", "ca.pem", "-out", "/dev/null"]
    ));
    // A TSA that is not trusted makes the timestamp, and so the signature, INDETERMINATE.
    let untrusted = ChainVerifier::new(vec![ParsedCertificate::from_certificate(&pki.cert("signer2.pem")).unwrap()]);
    let r = cms::verify(&stamped, Some(&mut data.as_slice()), &untrusted, &CmsVerifyOptions::new(now())).unwrap();
    assert_eq!(r.signers[0].indication, Indication::Indeterminate);
}
