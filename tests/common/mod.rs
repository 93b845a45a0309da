//! Shared by the PAdES integration tests: an OpenSSL-made PKI (root, two P-256 signers with
//! nonRepudiation, a TSA, CRLs), `openssl ts -reply` as TSA, and the external validators
//! (pyHanko, poppler's pdfsig, qpdf) as installed by scripts/test.sh.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use der::{DecodePem, Encode};
use mobile_id::cms::{TimestampClient, TimestampError};
use mobile_id::pdf::{self, PdfReport, PdfSignOptions, PdfVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};
use x509_cert::Certificate;

pub fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

pub fn run(dir: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let out =
        Command::new(program).current_dir(dir).args(args).output().unwrap_or_else(|e| panic!("{program} must be installed (scripts/test.sh installs it): {e}"));
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

pub fn openssl(dir: &Path, args: &[&str]) -> bool {
    let (ok, out) = run(dir, "openssl", args);
    if !ok {
        eprintln!("openssl {}: {out}", args.join(" "));
    }
    ok
}

/// Extensions of a signer's certificate.
const SIGN: &str = "keyUsage=critical,nonRepudiation,digitalSignature\n";
/// Extensions of a TSA's certificate (RFC 3161 §2.3).
const TSA: &str = "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n";

/// A root CA with an OpenSSL `ca` database (for CRLs), signers and a TSA.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Self {
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
                "/CN=PAdES Root/O=mobile-id tests",
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
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        std::fs::write(
            d.join("ca.cnf"),
            "[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = ./index.txt\ncrlnumber = ./crlnumber\ncertificate = ./ca.pem\n\
            private_key = ./ca.key\ndefault_md = sha256\ndefault_crl_days = 30\nnew_certs_dir = .\npolicy = p\n[ p ]\ncommonName = supplied\n",
        )
        .unwrap();
        for (name, extensions) in [("signer", SIGN), ("signer2", SIGN), ("tsa", TSA)] {
            pki.issue(name, extensions);
        }
        std::fs::write(
            d.join("tsa.cnf"),
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = .\nserial = ./tsaserial\ncrypto_device = builtin\n\
            signer_cert = ./tsa.pem\ncerts = ./ca.pem\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.4146.2.3\n\
            digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
        )
        .unwrap();
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        pki
    }

    /// A P-256 key `NAME.key` and certificate `NAME.pem` from the CA, valid for 30 days, with
    /// `extensions` (OpenSSL extension-file lines).
    pub fn issue(&self, name: &str, extensions: &str) {
        let d = self.dir.path();
        let ext = format!("{name}.ext");
        std::fs::write(d.join(&ext), extensions).unwrap();
        assert!(openssl(
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
                &format!("{name}.csr")
            ]
        ));
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
                &ext,
                "-out",
                &format!("{name}.pem")
            ]
        ));
    }

    pub fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(std::fs::read(self.p(name)).unwrap()).unwrap()
    }

    pub fn verifier(&self) -> ChainVerifier {
        ChainVerifier::new(vec![ParsedCertificate::from_certificate(&self.cert("ca.pem")).unwrap()])
    }

    pub fn signer(&self, name: &str) -> SoftwareSigner {
        let key_pem = std::fs::read_to_string(self.p(&format!("{name}.key"))).unwrap();
        let (_, key_der) = pem_rfc7468::decode_vec(key_pem.as_bytes()).unwrap();
        SoftwareSigner::from_pkcs8_der(&key_der, &self.cert(&format!("{name}.pem")).to_der().unwrap()).unwrap()
    }

    pub fn tsa(&self) -> OpensslTsa {
        OpensslTsa { dir: self.dir.path().to_path_buf() }
    }

    /// A CRL (DER) from the root, revoking nothing.
    pub fn crl(&self) -> Vec<u8> {
        assert!(openssl(self.dir.path(), &["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl.pem"]));
        assert!(openssl(self.dir.path(), &["crl", "-in", "ca.crl.pem", "-outform", "DER", "-out", "ca.crl"]));
        std::fs::read(self.p("ca.crl")).unwrap()
    }

    /// Signs `input` into a new file with a software signer and returns the bytes.
    pub fn sign(&self, input: &[u8], signer: &str, options: &PdfSignOptions) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        pdf::sign(&mut std::io::Cursor::new(input), &mut out, &mut self.signer(signer), options, None).unwrap();
        out.into_inner()
    }

    pub fn verify(&self, bytes: &[u8]) -> PdfReport {
        pdf::verify(std::io::Cursor::new(bytes), &self.verifier(), &PdfVerifyOptions::new(now())).unwrap()
    }
}

/// `openssl ts -reply` as the time-stamping authority.
pub struct OpensslTsa {
    pub dir: PathBuf,
}

impl TimestampClient for OpensslTsa {
    fn timestamp(&mut self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        std::fs::write(self.dir.join("req.tsq"), request).unwrap();
        if !openssl(&self.dir, &["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-out", "resp.tsr"]) {
            return Err(TimestampError::Unreachable("openssl ts failed".into()));
        }
        Ok(std::fs::read(self.dir.join("resp.tsr")).unwrap())
    }
}

/// The repository root (these helpers serve the library's and the command line's tests).
pub fn repository() -> &'static Path {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if manifest.join("Cargo.lock").exists() { manifest } else { manifest.parent().unwrap() }
}

/// The venv's `pyhanko` command (scripts/test.sh installs it).
pub fn pyhanko() -> PathBuf {
    let path = repository().join(".venv/bin/pyhanko");
    assert!(path.exists(), "pyHanko is missing: run scripts/test.sh, which installs pyHanko==0.38.0 and pyhanko-cli into .venv");
    path
}

/// `pyhanko sign validate` with only `root` trusted, offline. Returns (exit ok, output).
pub fn pyhanko_validate(file: &Path, root: &Path) -> (bool, String) {
    let out = Command::new(pyhanko())
        .args(["sign", "validate", "--trust", root.to_str().unwrap(), "--trust-replace", "--no-revocation-check", file.to_str().unwrap()])
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// poppler's `pdfsig` with an NSS database that trusts `root`. It exits 0 even on failures,
/// so callers read the text.
pub fn pdfsig(file: &Path, root: &Path) -> String {
    let nss = tempfile::tempdir().unwrap();
    let db = format!("sql:{}", nss.path().display());
    let (ok, out) = run(nss.path(), "certutil", &["-N", "-d", &db, "--empty-password"]);
    assert!(ok, "certutil -N: {out}");
    let (ok, out) = run(nss.path(), "certutil", &["-A", "-d", &db, "-n", "root", "-t", "C,C,C", "-a", "-i", root.to_str().unwrap()]);
    assert!(ok, "certutil -A: {out}");
    run(nss.path(), "pdfsig", &["-nssdir", &db, file.to_str().unwrap()]).1
}

/// `qpdf --check`: true when the structure is clean (exit 0).
pub fn qpdf_check(file: &Path) -> (bool, String) {
    run(file.parent().unwrap(), "qpdf", &["--check", file.to_str().unwrap()])
}

/// The sample document in the variants other producers make: classic xref, xref streams with
/// object streams (qpdf), linearised (qpdf).
pub fn producer_variants(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let classic = mobile_id::pdf::sample::sample_document(&["A contract", "Page two"], 0);
    std::fs::write(dir.join("classic.pdf"), &classic).unwrap();
    let mut out = vec![("classic", classic)];
    for (name, flags) in [("objstm", &["--object-streams=generate"][..]), ("linearized", &["--linearize"][..])] {
        let target = dir.join(format!("{name}.pdf"));
        let mut args: Vec<&str> = flags.to_vec();
        args.push("classic.pdf");
        args.push(target.to_str().unwrap());
        let (ok, msg) = run(dir, "qpdf", &args);
        assert!(ok, "qpdf {name}: {msg}");
        out.push((name, std::fs::read(&target).unwrap()));
    }
    out
}

/// Serves `count` RFC 3161 requests over HTTP/1.1 on loopback, answering each with
/// `openssl ts -reply` run in `dir` (which holds tsa.cnf).
pub fn tsa_server(dir: &Path, count: usize) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    let dir = dir.to_path_buf();
    let handle = std::thread::spawn(move || {
        for _ in 0..count {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let reply = OpensslTsa { dir: dir.clone() }.timestamp(&body).unwrap();
            let mut stream = stream;
            write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", reply.len())
                .unwrap();
            stream.write_all(&reply).unwrap();
        }
    });
    (url, handle)
}

/// The process's peak resident memory so far (VmHWM), KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A `redis-server` of its own on a free loopback port, without persistence; stopped (killed)
/// when dropped or by [`RedisServer::stop`]. `scripts/test.sh` installs Debian's redis-server.
pub struct RedisServer {
    child: Option<std::process::Child>,
    pub port: u16,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = free_port();
        Self::spawn(port, &["--port", &port.to_string()])
    }

    /// A Redis that speaks TLS only, presenting the test CA's `server` certificate (issued for
    /// 127.0.0.1 if missing); no client certificate asked. Its URL is [`Self::tls_url`].
    pub fn start_tls(pki: &Pki) -> Self {
        server_certificate(pki);
        let port = free_port();
        let (cert, key) = (pki.p("server.pem"), pki.p("server.key"));
        Self::spawn(port, &["--port", "0", "--tls-port", &port.to_string(), "--tls-cert-file", &cert, "--tls-key-file", &key, "--tls-auth-clients", "no"])
    }

    fn spawn(port: u16, listen: &[&str]) -> Self {
        let mut child = Command::new("redis-server")
            .args(listen)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is missing: run scripts/test.sh, which installs Debian's redis-server");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Self { child: Some(child), port };
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on port {port}");
    }

    pub fn tls_url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free loopback port (free when asked).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The test CA's TLS `server` certificate for 127.0.0.1 (`server.pem`, `server.key`), issued
/// on first use.
pub fn server_certificate(pki: &Pki) {
    if !pki.dir.path().join("server.pem").exists() {
        pki.issue("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
    }
}

/// A TLS front (Python's `ssl`, `tests/fixtures/https/tls_proxy.py`) for the plain HTTP server
/// on `backend_port`, presenting the test CA's `server` certificate (issued here for 127.0.0.1
/// if missing) for `connections` connections. Returns the process and its port.
pub fn tls_front(pki: &Pki, backend_port: u16, connections: usize) -> (std::process::Child, u16) {
    use std::io::BufRead;
    server_certificate(pki);
    let script = repository().join("tests/fixtures/https/tls_proxy.py");
    let mut proxy = Command::new("python3")
        .args([script.to_str().unwrap(), &pki.p("server.pem"), &pki.p("server.key"), &backend_port.to_string(), &connections.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufReader::new(proxy.stdout.take().unwrap()).read_line(&mut port).unwrap();
    (proxy, port.trim().parse().unwrap())
}

/// A loopback HTTP server answering every request with the same body (a CRL at a distribution
/// point): bound first, so that a certificate can name its port, then served.
pub struct FileServer {
    listener: std::net::TcpListener,
    pub port: u16,
}

impl FileServer {
    pub fn bind() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        Self { listener, port }
    }

    /// Serves `body` from a thread until the process ends; the count is of requests answered.
    pub fn serve(self, body: Vec<u8>) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
        use std::io::{Read, Write};
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = served.clone();
        std::thread::spawn(move || {
            for stream in self.listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(&body);
            }
        });
        served
    }
}
