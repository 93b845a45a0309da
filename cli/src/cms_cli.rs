//! `mobile-id sign cms` and `mobile-id verify cms`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use der::Encode;
use mobile_id::card::sim::VirtualSim;
use mobile_id::card::{CardSession, KeyRole, PinKind};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions, HttpTimestampClient};
use mobile_id::signer::{CardSigner, DigestSigner, SoftwareSigner};
use mobile_id::x509::{ChainVerifier, load};
use x509_cert::Certificate;

use super::{Failure, read_pin};

#[derive(Subcommand)]
pub enum SignCommand {
    /// Makes a CAdES-B-B (or, with --tsa, B-T) CMS signature of a file.
    Cms(SignCmsArgs),
    /// Signs a PDF (PAdES B-B, B-T, B-LT or B-LTA) as an incremental update.
    Pdf(Box<super::pdf_cli::SignPdfArgs>),
}

#[derive(Subcommand)]
pub enum VerifyCommand {
    /// Verifies a CMS signature and prints a report per signer.
    Cms(VerifyCmsArgs),
    /// Verifies every signature of a PDF and what changed after each.
    Pdf(super::pdf_cli::VerifyPdfArgs),
}

/// What both signing commands guard against.
#[derive(Args)]
pub struct SignGuardArgs {
    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub force: bool,
    /// Sign even with a certificate not meant for signatures (no nonRepudiation, or an
    /// extendedKeyUsage of other purposes only).
    #[arg(long)]
    pub allow_non_signing_certificate: bool,
}

impl SignGuardArgs {
    /// What to do about an existing output file.
    pub fn existing(&self) -> super::output::Existing {
        if self.force { super::output::Existing::Replace } else { super::output::Existing::Refuse }
    }
}

/// How the signing commands reach a TSA, OCSP responders and CRL distribution points.
#[derive(Args)]
pub struct NetworkArgs {
    /// Trust anchors (PEM or DER) for HTTPS servers, instead of Mozilla's roots.
    #[arg(long, value_name = "FILE")]
    pub tls_root: Vec<PathBuf>,
}

impl NetworkArgs {
    /// The HTTP options these arguments describe.
    pub fn options(&self) -> Result<mobile_id::net::HttpOptions, Failure> {
        let mut roots = Vec::new();
        for path in &self.tls_root {
            roots.extend(mobile_id::x509::load::der_documents(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?);
        }
        Ok(mobile_id::net::HttpOptions::with_tls_roots(roots))
    }
}

/// Who signs: the virtual SIM or a software key.
#[derive(Args)]
pub struct SignerArgs {
    /// Sign on the virtual SIM in this state directory (PIN2 from MOBILE_ID_PIN2 or a prompt).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["key", "cert"])]
    state: Option<PathBuf>,
    /// A PKCS#8 private key (PEM or DER) to sign with.
    #[arg(long, value_name = "KEY", requires = "cert")]
    key: Option<PathBuf>,
    /// The certificate of --key.
    #[arg(long, value_name = "CERT", requires = "key")]
    cert: Option<PathBuf>,
    /// Intermediate certificates to embed.
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
}

/// Runs `job` with the signer the arguments name (PIN2 read only for the SIM).
pub fn with_signer<T>(args: &SignerArgs, job: &mut dyn FnMut(&mut dyn DigestSigner) -> Result<T, Failure>) -> Result<T, Failure> {
    let chain = certificates(&args.chain)?;
    match (&args.state, &args.key, &args.cert) {
        (Some(state), None, None) => {
            let pin2 = read_pin(PinKind::Pin2)?;
            let mut sim = VirtualSim::open(state)?;
            let profile = sim.profile().clone();
            let mut signer = CardSigner::new(CardSession::new(&mut sim, profile), KeyRole::Signing, pin2)?;
            job(&mut signer)
        }
        (None, Some(key), Some(cert)) => {
            let key_der =
                load::der_documents(&read(key)?).map_err(|e| Failure::Input(format!("{}: {e}", key.display())))?.into_iter().next().unwrap_or_default();
            if key_der.is_empty() {
                return Err(Failure::Input(format!("{} is empty: --key takes a PKCS#8 private key (PEM or DER)", key.display())));
            }
            if <x509_cert::Certificate as der::Decode>::from_der(&key_der).is_ok() {
                return Err(Failure::Input(format!(
                    "{} holds a certificate, not a private key: --key takes the PKCS#8 private key, --cert the certificate",
                    key.display()
                )));
            }
            let cert = certificates(std::slice::from_ref(cert))?.into_iter().next().ok_or_else(|| Failure::Input("no certificate in --cert".into()))?;
            let mut signer = SoftwareSigner::from_pkcs8_der(&key_der, &cert.to_der().map_err(|_| Failure::Input("bad certificate".into()))?)?.with_chain(chain);
            job(&mut signer)
        }
        _ => Err(Failure::Input("give either --state DIR or --key KEY --cert CERT".into())),
    }
}

#[derive(Args)]
pub struct SignCmsArgs {
    /// The file to sign.
    input: PathBuf,
    /// Where to write the signature (DER).
    output: PathBuf,
    #[command(flatten)]
    guard: SignGuardArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// Put the content inside the signature.
    #[arg(long)]
    attached: bool,
    /// Add a signature timestamp from this RFC 3161 TSA (http://…).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Leave out the signingTime attribute.
    #[arg(long)]
    no_signing_time: bool,
}

#[derive(Args)]
pub struct VerifyCmsArgs {
    /// The signature (DER, BER or PEM).
    signature: PathBuf,
    /// The signed content, for a detached signature.
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    /// Trust anchors.
    #[arg(long, required = true, value_name = "ROOT")]
    trust: Vec<PathBuf>,
    /// Validation time when there is no signature timestamp (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    #[command(flatten)]
    revocation: super::chain::RevocationArgs,
    #[command(flatten)]
    redis_tls: super::RedisTls,
    #[command(flatten)]
    network: NetworkArgs,
    /// A dated algorithm policy (JSON) in place of the built-in one.
    #[arg(long, value_name = "FILE")]
    algorithm_policy: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The algorithm policy a `--algorithm-policy FILE` names, if any.
pub fn algorithm_policy(path: Option<&PathBuf>) -> Result<Option<mobile_id::algorithms::AlgorithmPolicy>, Failure> {
    let Some(path) = path else { return Ok(None) };
    let text = String::from_utf8(read(path)?).map_err(|_| Failure::Input(format!("{}: not UTF-8 text", path.display())))?;
    mobile_id::algorithms::AlgorithmPolicy::from_json(&text).map(Some).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))
}

pub fn read(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(format!("cannot read {}: {}", path.display(), e.kind())))
}

pub use mobile_id::time::now;

pub fn certificates(paths: &[PathBuf]) -> Result<Vec<Certificate>, Failure> {
    let mut out = Vec::new();
    for path in paths {
        for parsed in load::certificates(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))? {
            out.push(parsed.certificate().clone());
        }
    }
    Ok(out)
}

/// `sign cms`.
pub fn sign(args: SignCmsArgs) -> Result<(), Failure> {
    if !args.guard.force && args.output.exists() {
        return Err(Failure::Input(format!("{} exists; pass --force to replace it", args.output.display())));
    }
    let mut options = CmsSignOptions::new(args.attached, (!args.no_signing_time).then(now));
    options.validity_time = Some(now());
    options.allow_non_signing_certificate = args.guard.allow_non_signing_certificate;
    let mut input = std::fs::File::open(&args.input).map_err(|e| Failure::Input(format!("cannot open {}: {}", args.input.display(), e.kind())))?;
    let signature = with_signer(&args.signer, &mut |signer| cms::sign(&mut input, signer, &options).map_err(cms_failure))?;
    let signature = match &args.tsa {
        Some(url) => {
            cms::add_signature_timestamps(&signature, &mut HttpTimestampClient::with_options(url.clone(), args.network.options()?)).map_err(cms_failure)?
        }
        None => signature,
    };
    super::output::write_file(&args.output, &signature, args.guard.existing())?;
    say!("wrote a {}CAdES signature to {}", if args.tsa.is_some() { "timestamped " } else { "" }, args.output.display());
    Ok(())
}

pub fn cms_failure(e: cms::CmsError) -> Failure {
    match e {
        cms::CmsError::Signer(s) => s.into(),
        other => Failure::Input(other.to_string()),
    }
}

/// `verify cms`: exit 0 when every signer is TOTAL-PASSED, 1 otherwise, 2 on input errors.
pub fn verify(args: VerifyCmsArgs) -> ExitCode {
    let run = || -> Result<cms::CmsReport, Failure> {
        let time = match &args.at {
            Some(at) => super::chain::parse_rfc3339(at).ok_or_else(|| Failure::Input("--at must be RFC 3339".into()))?,
            None => now(),
        };
        let bytes = read(&args.signature)?;
        let documents = load::der_documents(&bytes).map_err(|e| Failure::Input(format!("{}: {e}", args.signature.display())))?;
        let signature = documents.into_iter().next().ok_or_else(|| Failure::Input(format!("{}: empty signature file", args.signature.display())))?;
        let anchors: Vec<_> = certificates(&args.trust)?.iter().filter_map(|c| mobile_id::x509::ParsedCertificate::from_certificate(c).ok()).collect();
        let verifier = ChainVerifier::new(anchors);
        let mut options = CmsVerifyOptions::new(time);
        args.redis_tls.used_by(&[args.revocation.cache()]).map_err(Failure::Input)?;
        options.revocation = args.revocation.data(&args.network, &args.redis_tls).map_err(Failure::Input)?;
        options.revocation_mode = args.revocation.mode();
        if let Some(policy) = algorithm_policy(args.algorithm_policy.as_ref())? {
            options.algorithm_policy = policy;
        }
        let mut content = match &args.content {
            Some(path) => Some(std::fs::File::open(path).map_err(|e| Failure::Input(format!("cannot open {}: {}", path.display(), e.kind())))?),
            None => None,
        };
        let detached = content.as_mut().map(|f| f as &mut dyn std::io::Read);
        cms::verify(&signature, detached, &verifier, &options).map_err(|e| Failure::Input(format!("{}: {e}", args.signature.display())))
    };
    report_exit(run(), args.json, print_cms_report, cms::CmsReport::passed)
}

/// Prints a verification report (JSON or text) and turns it into the exit code: 0 passed,
/// 1 not, 2 when the input could not be judged at all.
pub fn report_exit<R: serde::Serialize>(outcome: Result<R, Failure>, json: bool, print: fn(&R), passed: fn(&R) -> bool) -> ExitCode {
    match outcome {
        Err(Failure::Input(m)) | Err(Failure::Negative(m)) => {
            eprintln!("mobile-id: {m}");
            ExitCode::from(2)
        }
        Ok(report) => {
            if json {
                say!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                print(&report);
            }
            if passed(&report) { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
    }
}

fn print_cms_report(report: &cms::CmsReport) {
    for (i, signer) in report.signers.iter().enumerate() {
        let sub = signer.sub_indication.map(|s| format!("/{}", s.as_str())).unwrap_or_default();
        let indication = signer.indication.as_str();
        say!("signer {}: {indication}{sub} — {}", i + 1, signer.message);
        if let Some(subject) = &signer.signer_subject {
            say!("  signer: {subject}");
        }
        if let Some(ts) = signer.timestamp_time {
            say!("  timestamp: {}", mobile_id::time::format_rfc3339(ts));
        }
    }
    if report.signers.is_empty() {
        say!("no signers");
    }
}
