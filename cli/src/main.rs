//! `mobile-id`: the command line of the mobile-id library.
//!
//! Exit codes: 0 success, 1 a negative verdict (wrong PIN, blocked, invalid signature), 2 a
//! usage or input error. Errors are one line on stderr without secrets or personal data. PINs
//! never come from arguments: from `MOBILE_ID_PIN1`, `MOBILE_ID_PIN2`, `MOBILE_ID_PUK`,
//! `MOBILE_ID_NEW_PIN`, or a prompt without echo on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Parser, Subcommand, ValueEnum};

/// `println!` that ends the process quietly when stdout is gone (`mobile-id … | head`): exit
/// status 141 as a shell reports a SIGPIPE death, 2 for any other write error; never a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("mobile-id: cannot write the output: {}", e.kind());
                std::process::exit(2);
            }
            std::process::exit(141);
        }
    }};
}

mod auth_cli;
mod chain;
mod cms_cli;
mod output;
mod pdf_cli;
mod speed;

use der::{Decode, EncodePem};
use mobile_id::apdu::RecordingTransport;
use mobile_id::card::sim::{SimError, SimInit, VirtualSim};
use mobile_id::card::{CardError, CardSession, Curve, KeyRole, Pin, PinKind, PinStatus};
use mobile_id::signer::{CardSigner, DigestSigner, SignerError, check_signature};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

#[derive(Parser)]
#[command(name = "mobile-id", version, about = "Mobile ID on a SIM: keys behind PINs, signatures, verification")]
struct Cli {
    /// The signature-verification backend: p256 (pure Rust, the library's default) or ring
    /// (faster, for servers). Also MOBILE_ID_VERIFY_BACKEND.
    #[arg(long, global = true, value_enum)]
    backend: Option<BackendArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    P256,
    Ring,
}

#[derive(Subcommand)]
enum Command {
    /// The virtual SIM (for tests and demos only).
    #[command(subcommand)]
    Sim(SimCommand),
    /// Certificate chains (RFC 5280).
    #[command(subcommand)]
    Chain(chain::ChainCommand),
    /// Mobile-ID login: challenges, verification codes, answering and validating.
    #[command(subcommand)]
    Auth(auth_cli::AuthCommand),
    /// The mock mobile-ID service (tests and demos).
    #[command(subcommand)]
    Mssp(auth_cli::MsspCommand),
    /// Makes signatures.
    #[command(subcommand)]
    Sign(cms_cli::SignCommand),
    /// Verifies signatures.
    #[command(subcommand)]
    Verify(cms_cli::VerifyCommand),
    /// Runs the main job on a fresh virtual SIM and prints a short report.
    Demo(DemoArgs),
    /// Measures verification throughput on this machine for the active backend.
    Speed(speed::SpeedArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum CurveArg {
    P256,
    P384,
}

#[derive(Clone, Copy, ValueEnum)]
enum PinArg {
    Pin1,
    Pin2,
}

impl PinArg {
    fn kind(self) -> PinKind {
        match self {
            Self::Pin1 => PinKind::Pin1,
            Self::Pin2 => PinKind::Pin2,
        }
    }
}

#[derive(clap::Args)]
struct SimArgs {
    /// The virtual SIM's state directory.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// Record every command/response pair of this session to a replay script (JSON). The
    /// script holds the PINs sent: use it with test PINs only.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

#[derive(Subcommand)]
enum SimCommand {
    /// Creates a virtual SIM: two key pairs, a demo CA, two certificates.
    Init {
        /// The state directory to create.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Curve of the keys.
        #[arg(long, value_enum, default_value = "p256")]
        curve: CurveArg,
    },
    /// Shows retry counters and certificate subjects.
    Status {
        #[command(flatten)]
        sim: SimArgs,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Verifies a PIN (MOBILE_ID_PIN1 / MOBILE_ID_PIN2).
    VerifyPin {
        #[command(flatten)]
        sim: SimArgs,
        /// Which PIN.
        #[arg(long, value_enum)]
        pin: PinArg,
    },
    /// Changes a PIN (current from MOBILE_ID_PIN1 / MOBILE_ID_PIN2, new from MOBILE_ID_NEW_PIN).
    ChangePin {
        #[command(flatten)]
        sim: SimArgs,
        /// Which PIN.
        #[arg(long, value_enum)]
        pin: PinArg,
    },
    /// Unblocks a PIN with the PUK (MOBILE_ID_PUK) and sets a new one (MOBILE_ID_NEW_PIN).
    Unblock {
        #[command(flatten)]
        sim: SimArgs,
        /// Which PIN.
        #[arg(long, value_enum)]
        pin: PinArg,
    },
    /// Signs a SHA-256/384/512 digest (hex) with the signing key after PIN2; prints the DER
    /// signature in hex.
    Sign {
        #[command(flatten)]
        sim: SimArgs,
        /// The digest, hex.
        #[arg(long, value_name = "HEX")]
        digest: String,
    },
    /// Writes auth.pem, sign.pem and the demo root ca.pem.
    ExportCerts {
        #[command(flatten)]
        sim: SimArgs,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// A failure with its exit code.
enum Failure {
    /// Exit 1: a negative verdict.
    Negative(String),
    /// Exit 2: usage or input.
    Input(String),
}

impl From<SimError> for Failure {
    fn from(e: SimError) -> Self {
        Failure::Input(e.to_string())
    }
}

impl From<CardError> for Failure {
    fn from(e: CardError) -> Self {
        match e {
            CardError::PinIncorrect { .. } | CardError::PinBlocked { .. } | CardError::SecurityStatusNotSatisfied => Failure::Negative(e.to_string()),
            other => Failure::Input(other.to_string()),
        }
    }
}

impl From<SignerError> for Failure {
    fn from(e: SignerError) -> Self {
        match e {
            SignerError::Card(c) => c.into(),
            SignerError::SelfCheckFailed => Failure::Negative(e.to_string()),
            other => Failure::Input(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(backend) = cli.backend {
        let chosen = match backend {
            BackendArg::P256 => mobile_id::x509::VerifyBackend::RustCrypto,
            BackendArg::Ring => mobile_id::x509::VerifyBackend::Ring,
        };
        if let Err(name) = mobile_id::x509::set_verify_backend(chosen) {
            eprintln!("mobile-id: this build has no {name} backend");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Sim(cmd) => run_sim(cmd),
        Command::Chain(chain::ChainCommand::Verify(args)) => return chain::verify(*args),
        Command::Chain(chain::ChainCommand::VerifyBatch) => return chain::verify_batch(),
        Command::Sign(cms_cli::SignCommand::Cms(args)) => cms_cli::sign(args),
        Command::Sign(cms_cli::SignCommand::Pdf(args)) => pdf_cli::sign(*args),
        Command::Verify(cms_cli::VerifyCommand::Cms(args)) => return cms_cli::verify(args),
        Command::Verify(cms_cli::VerifyCommand::Pdf(args)) => return pdf_cli::verify(args),
        Command::Auth(auth_cli::AuthCommand::Verify(args)) => return auth_cli::verify(args),
        Command::Auth(auth_cli::AuthCommand::Login(args)) => return auth_cli::login(args),
        Command::Auth(cmd) => auth_cli::run(cmd),
        Command::Mssp(cmd) => auth_cli::serve(cmd),
        Command::Demo(args) => demo(&args),
        Command::Speed(args) => speed::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Negative(msg)) => {
            eprintln!("mobile-id: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Input(msg)) => {
            eprintln!("mobile-id: {msg}");
            ExitCode::from(2)
        }
    }
}

/// TLS for a `rediss://` URL: the roots its server's certificate must chain to.
#[derive(clap::Args)]
pub struct RedisTls {
    /// For a rediss:// URL: trust anchors (PEM or DER) for the Redis server's certificate,
    /// instead of Mozilla's roots.
    #[arg(long = "redis-tls-root", value_name = "FILE")]
    roots: Vec<std::path::PathBuf>,
}

impl RedisTls {
    /// An error when roots are given but none of `urls` (the command's Redis URLs) is set.
    pub fn used_by(&self, urls: &[Option<&str>]) -> Result<(), String> {
        if !self.roots.is_empty() && urls.iter().all(Option::is_none) {
            return Err("--redis-tls-root is for a rediss:// Redis URL, and none is given".into());
        }
        Ok(())
    }

    /// The link to the Redis at `url` given to `flag`: `redis://`, or `rediss://` (TLS).
    pub fn link(&self, flag: &str, url: &str) -> Result<mobile_id::net::RedisLink, String> {
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            // The URL is not echoed: it may hold a password.
            return Err(format!("{flag} takes a redis://HOST:PORT/ or rediss://HOST:PORT/ URL"));
        }
        let mut roots = Vec::new();
        for path in &self.roots {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            roots.extend(mobile_id::x509::load::der_documents(&bytes).map_err(|e| format!("{}: {e}", path.display()))?);
        }
        mobile_id::net::RedisLink::open_with_tls_roots(url, &roots).map_err(|e| format!("{flag}: {e}"))
    }
}

/// The variable a secret comes from.
fn variable(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Pin1 => "MOBILE_ID_PIN1",
        PinKind::Pin2 => "MOBILE_ID_PIN2",
        PinKind::Puk => "MOBILE_ID_PUK",
    }
}

/// Reads a secret from its variable, or from the terminal without echo.
fn read_secret(var: &str, prompt: &str) -> Result<Pin, Failure> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Pin::new(value));
    }
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(format!("{prompt}: ")).map_err(|_| Failure::Input(format!("could not read {prompt}")))?;
        return Ok(Pin::new(value));
    }
    Err(Failure::Input(format!("{prompt} is needed: set {var} (PINs are never taken as arguments)")))
}

fn read_pin(kind: PinKind) -> Result<Pin, Failure> {
    read_secret(variable(kind), &kind.to_string())
}

/// The new PIN (MOBILE_ID_NEW_PIN or a prompt), checked against the applet's format for
/// `kind` before anything is sent: a malformed new PIN is named as such, and costs no try.
fn read_new_pin(args: &SimArgs, kind: PinKind) -> Result<Pin, Failure> {
    let new = read_secret("MOBILE_ID_NEW_PIN", &format!("new {kind}"))?;
    let policy = VirtualSim::open(&args.state)?.profile().pin_policy(kind).clone();
    new.check(&policy).map_err(|reason| Failure::Input(format!("the new {kind} (MOBILE_ID_NEW_PIN) has the wrong format: {reason}")))?;
    Ok(new)
}

/// Opens the SIM, runs `job` on a session over it (recording if asked), writes the recording.
fn with_session<R>(args: &SimArgs, job: impl FnOnce(&mut CardSession<RecordingTransport<&mut VirtualSim>>) -> Result<R, Failure>) -> Result<R, Failure> {
    let mut sim = VirtualSim::open(&args.state)?;
    let profile = sim.profile().clone();
    let mut session = CardSession::new(RecordingTransport::new(&mut sim), profile);
    let result = job(&mut session);
    if let Some(path) = &args.record {
        let (script, _) = session.into_transport().finish(Some("mobile-id sim session".into()));
        let json = serde_json::to_string_pretty(&script).map_err(|e| Failure::Input(e.to_string()))?;
        output::write_file(path, json.as_bytes(), output::Existing::Replace)?;
    }
    result
}

fn run_sim(cmd: SimCommand) -> Result<(), Failure> {
    match cmd {
        SimCommand::Init { state, curve } => sim_init(&state, curve),
        SimCommand::Status { sim, json } => sim_status(&sim, json),
        SimCommand::VerifyPin { sim, pin } => {
            let value = read_pin(pin.kind())?;
            with_session(&sim, |s| Ok(s.verify_pin(pin.kind(), &value)?))?;
            say!("{} verified", pin.kind());
            Ok(())
        }
        SimCommand::ChangePin { sim, pin } => {
            let current = read_pin(pin.kind())?;
            let new = read_new_pin(&sim, pin.kind())?;
            with_session(&sim, |s| Ok(s.change_pin(pin.kind(), &current, &new)?))?;
            say!("{} changed", pin.kind());
            Ok(())
        }
        SimCommand::Unblock { sim, pin } => {
            let puk = read_pin(PinKind::Puk)?;
            let new = read_new_pin(&sim, pin.kind())?;
            with_session(&sim, |s| Ok(s.unblock_pin(pin.kind(), &puk, &new)?))?;
            say!("{} unblocked", pin.kind());
            Ok(())
        }
        SimCommand::Sign { sim, digest } => {
            let digest = hex::decode(digest.trim()).map_err(|_| Failure::Input("the digest is not hex".into()))?;
            if ![32, 48, 64].contains(&digest.len()) {
                return Err(Failure::Input("the digest must be 32, 48 or 64 bytes (SHA-256/384/512)".into()));
            }
            let pin2 = read_pin(PinKind::Pin2)?;
            let signature = with_session(&sim, |s| Ok(mobile_id::signer::sign_on_card(s, KeyRole::Signing, &pin2, &digest)?.1))?;
            say!("{}", hex::encode(signature));
            Ok(())
        }
        SimCommand::ExportCerts { sim, out } => {
            let ca = VirtualSim::open(&sim.state)?.ca_certificate_der()?;
            let (auth, sign) = with_session(&sim, |s| Ok((s.read_certificate(KeyRole::Authentication)?, s.read_certificate(KeyRole::Signing)?)))?;
            std::fs::create_dir_all(&out).map_err(|e| Failure::Input(format!("cannot create the output directory: {}", e.kind())))?;
            for (name, der) in [("auth.pem", auth), ("sign.pem", sign), ("ca.pem", ca)] {
                let pem = Certificate::from_der(&der)
                    .ok()
                    .and_then(|c| c.to_pem(der::pem::LineEnding::LF).ok())
                    .ok_or_else(|| Failure::Input("a certificate does not encode".into()))?;
                output::write_file(&out.join(name), pem.as_bytes(), output::Existing::Replace)?;
            }
            // The demo CA's current CRL (revoking nothing, valid a day): revocation data for
            // relying parties that require it.
            let now = SystemTime::now();
            let crl = VirtualSim::open(&sim.state)?.demo_ca()?.issue_crl(&[], now - Duration::from_secs(60), now + Duration::from_secs(86_400))?;
            output::write_file(&out.join("ca.crl"), &crl, output::Existing::Replace)?;
            say!("wrote auth.pem, sign.pem, ca.pem and ca.crl to {}", out.display());
            Ok(())
        }
    }
}

fn sim_init(state: &Path, curve: CurveArg) -> Result<(), Failure> {
    let curve = match curve {
        CurveArg::P256 => Curve::P256,
        CurveArg::P384 => Curve::P384,
    };
    let mut init = SimInit::new(curve, SystemTime::now());
    let mut defaults = Vec::new();
    for (kind, slot) in [(PinKind::Pin1, &mut init.pin1), (PinKind::Pin2, &mut init.pin2), (PinKind::Puk, &mut init.puk)] {
        match std::env::var(variable(kind)) {
            Ok(value) => *slot = Pin::new(value),
            Err(_) => defaults.push(format!("{kind} {}", slot.expose())),
        }
    }
    VirtualSim::init(state, &init)?;
    say!("virtual SIM ({curve}) created in {}", state.display());
    if !defaults.is_empty() {
        say!("initial secrets (shown once; change them): {}", defaults.join(", "));
    }
    say!("this SIM is for tests and demos only: its keys are files on this disk");
    Ok(())
}

#[derive(serde::Serialize)]
struct StatusReport {
    curve: Curve,
    pin1: PinStatus,
    pin2: PinStatus,
    puk: PinStatus,
    auth_certificate_subject: String,
    sign_certificate_subject: String,
}

fn subject_of(der: &[u8]) -> Result<String, Failure> {
    Certificate::from_der(der).map(|c| c.tbs_certificate().subject().to_string()).map_err(|_| Failure::Input("a certificate on the SIM does not decode".into()))
}

fn sim_status(args: &SimArgs, json: bool) -> Result<(), Failure> {
    let report = with_session(args, |s| {
        Ok(StatusReport {
            curve: s.profile().curve,
            pin1: s.pin_status(PinKind::Pin1)?,
            pin2: s.pin_status(PinKind::Pin2)?,
            puk: s.pin_status(PinKind::Puk)?,
            auth_certificate_subject: subject_of(&s.read_certificate(KeyRole::Authentication)?)?,
            sign_certificate_subject: subject_of(&s.read_certificate(KeyRole::Signing)?)?,
        })
    })?;
    if json {
        say!("{}", serde_json::to_string_pretty(&report).map_err(|e| Failure::Input(e.to_string()))?);
    } else {
        say!("curve: {}", report.curve);
        for (kind, status) in [(PinKind::Pin1, report.pin1), (PinKind::Pin2, report.pin2), (PinKind::Puk, report.puk)] {
            say!("{kind}: {}", describe(status));
        }
        say!("authentication certificate: {}", report.auth_certificate_subject);
        say!("signing certificate:        {}", report.sign_certificate_subject);
    }
    Ok(())
}

fn describe(status: PinStatus) -> String {
    if status.blocked {
        "blocked".into()
    } else {
        format!("{} of {} tries left", status.retries_left, status.max_retries.map_or("?".into(), |m| m.to_string()))
    }
}

/// `demo`.
#[derive(clap::Args)]
struct DemoArgs {
    /// Keep the visibly signed PDF and the demo CA's certificate in this directory (created if
    /// missing), to open or to verify again with `verify pdf … --trust DIR/demo-ca.pem`.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

fn demo(args: &DemoArgs) -> Result<(), Failure> {
    let dir = tempfile::tempdir().map_err(|e| Failure::Input(format!("no temporary directory: {}", e.kind())))?;
    let state = dir.path().join("sim");
    let init = SimInit::new(Curve::P256, SystemTime::now());
    let mut sim = VirtualSim::init(&state, &init)?;
    let sim_ca_der = sim.ca_certificate_der()?;
    say!("mobile-id demo: a virtual SIM (P-256) in a fresh directory, every step over APDUs\n");
    let profile = sim.profile().clone();
    let mut session = CardSession::new(&mut sim, profile.clone());
    let auth = session.read_certificate(KeyRole::Authentication)?;
    let sign = session.read_certificate(KeyRole::Signing)?;
    say!("1. certificates read from the SIM");
    say!("   authentication: {}", subject_of(&auth)?);
    say!("   signing:        {}", subject_of(&sign)?);
    say!("2. retry counters");
    for kind in [PinKind::Pin1, PinKind::Pin2, PinKind::Puk] {
        say!("   {kind}: {}", describe(session.pin_status(kind)?));
    }
    match session.verify_pin(PinKind::Pin1, &Pin::new("0000")) {
        Err(CardError::PinIncorrect { retries_left, .. }) => {
            say!("3. a wrong PIN1 costs one try: {retries_left} left");
        }
        other => return Err(Failure::Input(format!("the SIM accepted a wrong PIN: {other:?}"))),
    }
    session.verify_pin(PinKind::Pin1, &init.pin1)?;
    say!("   the right PIN1 resets it: {}", describe(session.pin_status(PinKind::Pin1)?));
    session.verify_pin(PinKind::Pin2, &init.pin2)?;
    say!("4. PIN2 verified");
    let document = b"mobile-id demo document";
    let digest = Sha256::digest(document);
    let mut signer = CardSigner::new(session, KeyRole::Signing, init.pin2.clone())?;
    let signature = signer.sign_digest(&digest)?;
    say!("5. SHA-256 of the document signed on the SIM (PIN2 verified again for this signature)");
    say!("   digest:    {}", hex::encode(digest));
    say!("   signature: {} bytes DER", signature.len());
    check_signature(signer.certificate(), &digest, &signature)?;
    say!("6. signature verified against the signing certificate: VALID");
    let mut tampered = digest.to_vec();
    if let Some(b) = tampered.first_mut() {
        *b ^= 1;
    }
    let rejected = check_signature(signer.certificate(), &tampered, &signature).is_err();
    say!("   the same signature over a changed digest: {}", if rejected { "REJECTED" } else { "ACCEPTED (bug)" });
    if !rejected {
        return Err(Failure::Negative("a changed digest verified".into()));
    }
    let mut signer = CardSigner::new(signer.into_session(), KeyRole::Signing, init.pin2.clone())?;
    let now = mobile_id::time::now();
    let cms_signature = mobile_id::cms::sign(&mut document.as_slice(), &mut signer, &mobile_id::cms::CmsSignOptions::detached(Some(now)))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let anchor = mobile_id::x509::ParsedCertificate::from_der(&sim_ca_der).map_err(|e| Failure::Input(e.to_string()))?;
    let verifier = mobile_id::x509::ChainVerifier::new(vec![anchor]);
    let report = mobile_id::cms::verify(&cms_signature, Some(&mut document.as_slice()), &verifier, &mobile_id::cms::CmsVerifyOptions::new(now))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let verdict = report.signers.first().map(|s| s.indication.as_str());
    say!(
        "7. a CAdES-B-B CMS signature of the document made on the SIM ({} bytes), verified against the demo CA: {}",
        cms_signature.len(),
        verdict.unwrap_or_default()
    );
    if !report.passed() {
        return Err(Failure::Negative("the CMS signature did not verify".into()));
    }
    // A PDF signed on the SIM (PAdES-B-B, incremental update), verified, then tampered with.
    let original = mobile_id::pdf::sample::sample_document(&["mobile-id demo contract", "Signed on a SIM."], 0);
    let pdf_path = dir.path().join("contract-signed.pdf");
    let mut output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&pdf_path)
        .map_err(|e| Failure::Input(format!("cannot write the demo PDF: {}", e.kind())))?;
    let mut options = mobile_id::pdf::PdfSignOptions::new(now);
    options.reason = Some("mobile-id demo".into());
    options.location = Some("Bakı".into());
    // A visible stamp in the lower right of the page (US Letter, points from the lower left).
    let rect = mobile_id::pdf::Rect::new(330.0, 60.0, 580.0, 140.0).map_err(|e| Failure::Input(e.to_string()))?;
    options.stamp = Some(mobile_id::pdf::Stamp::at(rect));
    let mut signer = CardSigner::new(signer.into_session(), KeyRole::Signing, init.pin2.clone())?;
    mobile_id::pdf::sign(&mut std::io::Cursor::new(&original), &mut output, &mut signer, &options, None).map_err(|e| Failure::Input(e.to_string()))?;
    drop(output);
    let signed_pdf = std::fs::read(&pdf_path).map_err(|e| Failure::Input(format!("cannot read the demo PDF: {}", e.kind())))?;
    let pdf_report = mobile_id::pdf::verify(std::io::Cursor::new(&signed_pdf), &verifier, &mobile_id::pdf::PdfVerifyOptions::new(now))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let first = pdf_report.signatures.first();
    say!(
        "8. a PDF signed on the SIM with a visible stamp (PAdES-B-B, {} bytes appended to {}): {}, covers {}",
        signed_pdf.len() - original.len(),
        original.len(),
        first.map(|s| s.indication.as_str()).unwrap_or("no signature"),
        if first.is_some_and(|s| s.coverage == mobile_id::pdf::Coverage::WholeFile) { "the whole file" } else { "part of the file" }
    );
    if !pdf_report.passed() {
        return Err(Failure::Negative("the PDF signature did not verify".into()));
    }
    let mut tampered_pdf = signed_pdf.clone();
    if let Some(at) = tampered_pdf.windows(8).position(|w| w == b"contract") {
        tampered_pdf.splice(at..at + 8, b"CONTRACT".iter().copied());
    }
    let tampered_report = mobile_id::pdf::verify(std::io::Cursor::new(&tampered_pdf), &verifier, &mobile_id::pdf::PdfVerifyOptions::new(now))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let tampered_verdict =
        tampered_report.signatures.first().map(|s| format!("{}/{}", s.indication.as_str(), s.sub_indication.map(|x| x.as_str()).unwrap_or("")));
    say!("   the same PDF with one word changed: {}", tampered_verdict.unwrap_or_default());
    if tampered_report.passed() {
        return Err(Failure::Negative("a tampered PDF verified".into()));
    }
    match &args.keep {
        Some(keep) => {
            std::fs::create_dir_all(keep).map_err(|e| Failure::Input(format!("cannot create {}: {}", keep.display(), e.kind())))?;
            let kept = keep.join("contract-signed.pdf");
            let ca = keep.join("demo-ca.pem");
            output::write_file(&kept, &signed_pdf, output::Existing::Replace)?;
            let pem = Certificate::from_der(&sim_ca_der).and_then(|c| c.to_pem(der::pem::LineEnding::LF)).map_err(|e| Failure::Input(e.to_string()))?;
            output::write_file(&ca, pem.as_bytes(), output::Existing::Replace)?;
            say!("   kept: {} (verify: mobile-id verify pdf {} --trust {})", kept.display(), kept.display(), ca.display());
        }
        None => say!("   (the signed PDF is removed with the demo's temporary directory; --keep DIR keeps it)"),
    }
    let store = mobile_id::auth::MemoryChallengeStore::default();
    let challenge = mobile_id::auth::Challenge::new(mobile_id::auth::HashType::Sha256, now, mobile_id::auth::DEFAULT_CHALLENGE_LIFETIME)
        .map_err(|e| Failure::Input(e.to_string()))?;
    mobile_id::auth::ChallengeStore::insert(&store, challenge.clone(), now).map_err(|e| Failure::Input(e.to_string()))?;
    say!("9. login: the portal's challenge has verification code {}", challenge.verification_code());
    let mut session = signer.into_session();
    let answer = mobile_id::wallet::answer_challenge(&mut session, &init.pin1, &challenge.hash).map_err(|e| Failure::Input(e.to_string()))?;
    say!("   the phone shows {} and answers after PIN1", answer.verification_code);
    let response = mobile_id::auth::AuthenticationResponse { challenge_id: challenge.id.clone(), signature: answer.signature, certificate: answer.certificate };
    let who = mobile_id::auth::validate_response(&response, &store, &verifier, &mobile_id::auth::AuthOptions::new(now))
        .map_err(|e| Failure::Negative(e.to_string()))?;
    let id = who.identity.semantics_identifier.as_ref().map(ToString::to_string).unwrap_or_default();
    say!("   the portal accepts: {} {} ({id})", who.identity.given_name.unwrap_or_default(), who.identity.surname.unwrap_or_default());
    let replay = mobile_id::auth::validate_response(&response, &store, &verifier, &mobile_id::auth::AuthOptions::new(now));
    say!("   the same answer replayed: {}", if replay.is_err() { "REJECTED" } else { "ACCEPTED (bug)" });
    if replay.is_ok() {
        return Err(Failure::Negative("a replayed login was accepted".into()));
    }
    say!("\nresult: the SIM-bound key signed and the signature verifies");
    Ok(())
}
