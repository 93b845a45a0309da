//! `mobile-id sign pdf` and `mobile-id verify pdf`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use mobile_id::cms::HttpTimestampClient;
use mobile_id::pdf::{self, DocMdp, DssMaterial, PdfSignOptions, PdfVerifyOptions};
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

use super::Failure;
use super::cms_cli::{NetworkArgs, SignGuardArgs, SignerArgs, certificates, now, read, with_signer};
use super::output::PendingOutput;

/// PAdES baseline levels (ETSI EN 319 142-1 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// Signature only.
    #[value(name = "b-b")]
    BB,
    /// With a signature timestamp (needs --tsa).
    #[value(name = "b-t")]
    BT,
    /// B-T plus a DSS with certificates and revocation data.
    #[value(name = "b-lt")]
    BLt,
    /// B-LT plus a document timestamp over everything.
    #[value(name = "b-lta")]
    BLta,
}

#[derive(Args)]
pub struct SignPdfArgs {
    /// The PDF to sign (left untouched).
    input: PathBuf,
    /// Where to write the signed PDF: the input plus an incremental update.
    output: PathBuf,
    #[command(flatten)]
    guard: SignGuardArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// The signature field's name (default: the first free SignatureN).
    #[arg(long, value_name = "NAME")]
    field: Option<String>,
    /// The page a new field's widget goes on, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    page: u32,
    #[command(flatten)]
    stamp: StampArgs,
    /// /Reason.
    #[arg(long, value_name = "R")]
    reason: Option<String>,
    /// /Location.
    #[arg(long, value_name = "L")]
    location: Option<String>,
    /// /ContactInfo.
    #[arg(long, value_name = "C")]
    contact_info: Option<String>,
    /// PAdES level.
    #[arg(long, value_enum, default_value = "b-b")]
    level: Level,
    /// RFC 3161 time-stamping authority (http://…), for b-t, b-lt and b-lta.
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Make a certification signature with DocMDP permissions 1, 2 or 3.
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u8).range(1..=3))]
    certify: Option<u8>,
    /// CRLs (DER or PEM) to put in the DSS for b-lt/b-lta.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// OCSP responses (DER) to put in the DSS for b-lt/b-lta.
    #[arg(long, value_name = "FILE")]
    ocsp: Vec<PathBuf>,
    /// Bytes reserved for the CMS (default: estimated from the certificates, and the timestamp
    /// at levels above b-b).
    #[arg(long, value_name = "BYTES")]
    capacity: Option<usize>,
}

/// A visible signature's stamp.
#[derive(Args)]
pub struct StampArgs {
    /// Draw a visible signature: who signed, when, the reason and location (and --image). A new
    /// field needs --rect; an existing visible field (--field) keeps its own rectangle and is
    /// stamped even without this flag.
    #[arg(long)]
    visible: bool,
    /// The stamp's rectangle on --page, in PDF user space (points from the lower-left corner).
    #[arg(long, value_name = "X1,Y1,X2,Y2", requires = "visible", allow_hyphen_values = true)]
    rect: Option<String>,
    /// A PNG or JPEG drawn in the stamp (aspect ratio kept).
    #[arg(long, value_name = "FILE", requires = "visible")]
    image: Option<PathBuf>,
    /// Put the image behind the text instead of to its left.
    #[arg(long, requires = "image")]
    image_behind: bool,
    /// The stamp's text lines, replacing the default ones; each may name {name}, {time},
    /// {reason} and {location} (a line whose value is not given is left out).
    #[arg(long = "stamp-line", value_name = "TEXT", requires = "visible")]
    lines: Vec<String>,
}

impl StampArgs {
    /// The stamp asked for, if any.
    fn stamp(&self) -> Result<Option<pdf::Stamp>, Failure> {
        if !self.visible {
            return Ok(None);
        }
        let mut stamp = pdf::Stamp::default();
        stamp.rect = self.rect.as_deref().map(pdf::Rect::parse).transpose().map_err(|e| Failure::Input(format!("--rect: {e}")))?;
        if let Some(path) = &self.image {
            stamp.image = Some(pdf::StampImage::from_bytes(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?);
        }
        if self.image_behind {
            stamp.template.image_placement = pdf::ImagePlacement::Background;
        }
        if !self.lines.is_empty() {
            stamp.template.lines.clone_from(&self.lines);
        }
        Ok(Some(stamp))
    }
}

#[derive(Args)]
pub struct VerifyPdfArgs {
    /// The signed PDF.
    file: PathBuf,
    #[command(flatten)]
    network: NetworkArgs,
    /// Trust anchors.
    #[arg(long, required = true, value_name = "ROOT")]
    trust: Vec<PathBuf>,
    /// Validation time when there is no timestamp (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    #[command(flatten)]
    revocation: super::chain::RevocationArgs,
    #[command(flatten)]
    redis_tls: super::RedisTls,
    /// A dated algorithm policy (JSON) in place of the built-in one.
    #[arg(long, value_name = "FILE")]
    algorithm_policy: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn pades_failure(e: pdf::PadesError) -> Failure {
    match e {
        pdf::PadesError::Cms(c) => super::cms_cli::cms_failure(c),
        other => Failure::Input(other.to_string()),
    }
}

fn open_error(path: &std::path::Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Input(format!("cannot open {}: {}", path.display(), e.kind()))
}

/// `sign pdf`.
pub fn sign(args: SignPdfArgs) -> Result<(), Failure> {
    let needs_tsa = args.level != Level::BB;
    let http = args.network.options()?;
    let mut tsa = match (&args.tsa, needs_tsa) {
        (Some(url), _) => Some(HttpTimestampClient::with_options(url.clone(), http.clone())),
        (None, true) => return Err(Failure::Input("levels b-t, b-lt and b-lta need --tsa URL".into())),
        (None, false) => None,
    };
    let mut options = PdfSignOptions::new(now());
    options.field = args.field.clone();
    options.page = args.page;
    options.stamp = args.stamp.stamp()?;
    options.reason = args.reason.clone();
    options.location = args.location.clone();
    options.contact_info = args.contact_info.clone();
    options.certify = args.certify.and_then(|p| DocMdp::from_p(i64::from(p)));
    options.capacity = args.capacity;
    options.expect_timestamp = needs_tsa;
    options.allow_non_signing_certificate = args.guard.allow_non_signing_certificate;
    if args.input == args.output || super::output::same_file(&args.input, &args.output) {
        return Err(Failure::Input("the output must be another file: the input stays untouched".into()));
    }
    let mut input = std::fs::File::open(&args.input).map_err(open_error(&args.input))?;
    // Written beside the output and renamed into place when complete: no half-signed file is
    // ever left at the output path, whatever stops the run.
    let mut output = PendingOutput::create(&args.output, args.guard.existing())?;
    sign_into(&args, &options, &http, &mut input, output.file(), &mut tsa)?;
    output.commit()?;
    let level = match args.level {
        Level::BB => "B-B",
        Level::BT => "B-T",
        Level::BLt => "B-LT",
        Level::BLta => "B-LTA",
    };
    say!(
        "wrote a PAdES-{level} {}{}signature to {}",
        if options.stamp.is_some() { "visible " } else { "" },
        if options.certify.is_some() { "certification " } else { "" },
        args.output.display()
    );
    Ok(())
}

fn sign_into(
    args: &SignPdfArgs,
    options: &PdfSignOptions,
    http: &mobile_id::net::HttpOptions,
    input: &mut std::fs::File,
    output: &mut std::fs::File,
    tsa: &mut Option<HttpTimestampClient>,
) -> Result<(), Failure> {
    with_signer(&args.signer, &mut |signer| {
        let tsa = tsa.as_mut().map(|t| t as &mut dyn mobile_id::cms::TimestampClient);
        pdf::sign(input, output, signer, options, tsa).map_err(pades_failure)
    })?;
    if matches!(args.level, Level::BLt | Level::BLta) {
        let mut material = DssMaterial { certificates: pdf::embedded_certificates(output).map_err(pades_failure)?, ..DssMaterial::default() };
        for path in &args.crl {
            material.crls.extend(mobile_id::x509::load::der_documents(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?);
        }
        for path in &args.ocsp {
            material.ocsp.push(read(path)?);
        }
        if material.crls.is_empty() && material.ocsp.is_empty() {
            let agent = http.agent();
            material.ocsp = fetch_ocsp(&agent, &material.certificates);
            material.crls = fetch_crls(&agent, &material.certificates);
        }
        if material.crls.is_empty() && material.ocsp.is_empty() {
            return Err(Failure::Input(
                "b-lt needs revocation data: give --crl or --ocsp, or certificates whose CRL distribution points answer over HTTP".into(),
            ));
        }
        pdf::add_dss(output, &material).map_err(pades_failure)?;
    }
    if args.level == Level::BLta
        && let Some(tsa) = tsa.as_mut()
    {
        pdf::add_document_timestamp(output, tsa, pdf::DEFAULT_TIMESTAMP_CAPACITY).map_err(pades_failure)?;
    }
    Ok(())
}

/// CRLs from the HTTP distribution points of `certificates` (RFC 5280 §4.2.1.13), each at
/// most 8 MiB; unreachable points are skipped.
fn fetch_crls(agent: &ureq::Agent, certificates: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut urls: Vec<String> = Vec::new();
    for cert in certificates.iter().filter_map(|der| ParsedCertificate::from_der(der).ok()) {
        for url in mobile_id::net::crl_urls(&cert) {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    let mut crls = Vec::new();
    for url in urls {
        let Ok(response) = agent.get(&url).call() else { continue };
        let mut body = Vec::new();
        if response.into_body().into_reader().take(8 * 1024 * 1024).read_to_end(&mut body).is_ok() && mobile_id::x509::ParsedCrl::from_der(&body).is_ok() {
            crls.push(body);
        }
    }
    crls
}

/// OCSP responses for every certificate whose issuer is among `certificates` and whose
/// authority information access names an HTTP OCSP responder (RFC 6960 §4.1, Appendix A.1:
/// POST `application/ocsp-request`). Each answer is at most 1 MiB; failures are skipped.
fn fetch_ocsp(agent: &ureq::Agent, certificates: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use der::Decode;
    let parsed: Vec<x509_cert::Certificate> = certificates.iter().filter_map(|c| x509_cert::Certificate::from_der(c).ok()).collect();
    let mut responses = Vec::new();
    for cert in &parsed {
        let tbs = cert.tbs_certificate();
        if tbs.issuer() == tbs.subject() {
            continue;
        }
        let Some(issuer) = parsed.iter().find(|c| c.tbs_certificate().subject() == tbs.issuer()) else { continue };
        let urls = ParsedCertificate::from_certificate(cert).map(|c| mobile_id::net::ocsp_urls(&c)).unwrap_or_default();
        let Ok(request) = mobile_id::x509::ocsp_request(cert, issuer, None) else { continue };
        for url in urls {
            let Ok(response) = agent.post(&url).header("Content-Type", "application/ocsp-request").send(&request[..]) else { continue };
            let mut body = Vec::new();
            if response.into_body().into_reader().take(1024 * 1024).read_to_end(&mut body).is_ok()
                && mobile_id::x509::ParsedOcspResponse::from_der(&body).is_ok()
            {
                responses.push(body);
                break;
            }
        }
    }
    responses
}

/// `verify pdf`: exit 0 when every signature is TOTAL-PASSED and nothing disallowed follows,
/// 1 otherwise, 2 for usage or input errors.
pub fn verify(args: VerifyPdfArgs) -> ExitCode {
    let run = || -> Result<pdf::PdfReport, Failure> {
        let time = match &args.at {
            Some(at) => super::chain::parse_rfc3339(at).ok_or_else(|| Failure::Input("--at must be RFC 3339".into()))?,
            None => now(),
        };
        let anchors: Vec<_> = certificates(&args.trust)?.iter().filter_map(|c| ParsedCertificate::from_certificate(c).ok()).collect();
        let verifier = ChainVerifier::new(anchors);
        let mut options = PdfVerifyOptions::new(time);
        args.redis_tls.used_by(&[args.revocation.cache()]).map_err(Failure::Input)?;
        options.revocation = args.revocation.data(&args.network, &args.redis_tls).map_err(Failure::Input)?;
        options.revocation_mode = args.revocation.mode();
        if let Some(policy) = super::cms_cli::algorithm_policy(args.algorithm_policy.as_ref())? {
            options.algorithm_policy = policy;
        }
        let file = std::fs::File::open(&args.file).map_err(open_error(&args.file))?;
        pdf::verify(std::io::BufReader::new(file), &verifier, &options).map_err(|e| Failure::Input(format!("{}: {e}", args.file.display())))
    };
    super::cms_cli::report_exit(run(), args.json, print_report, pdf::PdfReport::passed)
}

fn print_report(report: &pdf::PdfReport) {
    let flag = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    for s in &report.signatures {
        let sub = s.sub_indication.map(|x| format!("/{}", x.as_str())).unwrap_or_default();
        say!("{} ({}): {}{sub} — {}", s.field, s.kind, s.indication.as_str(), s.message);
        say!("  intact: {}, signature valid: {}, trusted: {}", flag(s.intact), flag(s.signature_valid), flag(s.trusted));
        if let Some(subject) = &s.signer_subject {
            say!("  signer: {subject}");
        }
        if let Some(t) = s.timestamp_time {
            say!("  timestamp: {}", mobile_id::time::format_rfc3339(t));
        }
        if let Some(p) = s.certification {
            say!("  certification signature, DocMDP P={p}");
        }
        let coverage = match s.coverage {
            pdf::Coverage::WholeFile => "the whole file",
            pdf::Coverage::Revision => "its revision; later revisions follow",
            pdf::Coverage::Unknown => "unknown",
        };
        say!("  covers: {coverage}");
        for revision in &s.changes {
            for change in &revision.changes {
                say!("    revision {}: {} {}", revision.revision, if change.allowed { "allowed:" } else { "NOT ALLOWED:" }, change.what);
            }
        }
    }
    if report.signatures.is_empty() {
        say!("no signatures");
    }
    if report.trailing_bytes > 0 {
        say!("{} bytes follow the last %%EOF", report.trailing_bytes);
    }
}
