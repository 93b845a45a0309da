//! `mobile-id speed`: verification throughput on this machine for the active backend, as
//! `openssl speed` reports it — the raw ECDSA P-256 verify beside the jobs built on it (a small
//! CMS with its chain cached, a cold three-certificate chain, a 1 MiB PDF), so that overhead
//! reads as a ratio.

use std::io::Cursor;
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use der::Encode;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::pdf::{self, PdfSignOptions, PdfVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate, Purpose, RevocationData, ValidationOptions, VerifyBackend, verify_backend};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::Failure;

#[derive(Args)]
pub struct SpeedArgs {
    /// Seconds spent on each job (in ten rounds that take turns with the other jobs).
    #[arg(long, default_value_t = 1.0, value_name = "S")]
    seconds: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Measure only this job (for profiling one of them); the others are left out.
    #[arg(long, value_enum)]
    only: Option<Job>,
}

/// The measured jobs.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Job {
    Ecdsa,
    Cms,
    Chain,
    Pdf,
}

/// One measured job: a call that does the work once and checks its result.
type Work<'a> = Box<dyn FnMut() -> Result<(), Failure> + 'a>;

/// How many rounds a measurement is cut into.
const ROUNDS: u32 = 10;

/// Calls per second of each job, measured over about `seconds` each in interleaved rounds
/// (every job runs `seconds / ROUNDS`, then the next, ten times over), so that the machine's
/// drift — clock frequency, neighbours on a shared host — weighs on every job alike and the
/// ratios between them hold.
fn rates(jobs: &mut [Work<'_>], seconds: f64) -> Result<Vec<f64>, Failure> {
    for job in jobs.iter_mut() {
        job()?; // warm-up: caches, lazy statics
    }
    let slice = Duration::from_secs_f64(seconds / f64::from(ROUNDS));
    let mut totals = vec![(0u64, Duration::ZERO); jobs.len()];
    for _ in 0..ROUNDS {
        for (job, (calls, spent)) in jobs.iter_mut().zip(totals.iter_mut()) {
            let started = Instant::now();
            let mut round = 0u64;
            while round == 0 || started.elapsed() < slice {
                job()?;
                round += 1;
            }
            *calls += round;
            *spent += started.elapsed();
        }
    }
    Ok(totals.iter().map(|(calls, spent)| *calls as f64 / spent.as_secs_f64()).collect())
}

fn failed(what: &str) -> impl Fn(String) -> Failure + '_ {
    move |e| Failure::Negative(format!("speed: {what}: {e}"))
}

/// The raw primitive: one P-256 ECDSA verification of a 32-byte message by the active backend.
fn raw_p256() -> Result<Work<'static>, Failure> {
    use p256::ecdsa::signature::{Signer, Verifier};
    let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).map_err(|e| failed("key")(e.to_string()))?;
    let message = [42u8; 32];
    let signature: p256::ecdsa::Signature = key.sign(&message);
    let verifying = *key.verifying_key();
    match verify_backend() {
        VerifyBackend::Ring => {
            let point = verifying.to_sec1_point(false);
            let ring_key = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point.as_bytes().to_vec());
            let bytes = signature.to_bytes();
            Ok(Box::new(move || ring_key.verify(&message, &bytes).map_err(|_| Failure::Negative("speed: ring rejected its own test signature".into()))))
        }
        _ => Ok(Box::new(move || verifying.verify(&message, &signature).map_err(|e| failed("p256")(e.to_string())))),
    }
}

pub fn run(args: &SpeedArgs) -> Result<(), Failure> {
    if !(args.seconds.is_finite() && (0.01..=60.0).contains(&args.seconds)) {
        return Err(Failure::Input("--seconds must be between 0.01 and 60".into()));
    }
    let chosen = |job: Job| args.only.is_none_or(|only| only == job);
    let backend = verify_backend();
    let now = SystemTime::now();
    let unix = mobile_id::time::now();
    let day = Duration::from_secs(86_400);
    let sim = |e: mobile_id::card::sim::SimError| failed("test PKI")(e.to_string());
    // A three-certificate chain: root → intermediate → signer (P-256).
    let root = DemoCa::root("CN=Speed Root,O=mobile-id speed", Curve::P256, now - day, now + 30 * day).map_err(sim)?;
    let intermediate = root.subordinate("CN=Speed Intermediate,O=mobile-id speed", Curve::P256, now - day, now + 30 * day, Some(0)).map_err(sim)?;
    let key = EcSigningKey::generate(Curve::P256).map_err(|e| failed("key")(e.to_string()))?;
    let usage = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation | KeyUsages::DigitalSignature)).map_err(sim)?;
    let spki = key.public_key_info().map_err(|e| failed("key")(e.to_string()))?;
    let leaf = intermediate.issue("CN=Speed Signer,O=mobile-id speed", spki, now - day, now + 30 * day, vec![usage]).map_err(sim)?;
    let der = |c: &x509_cert::Certificate| c.to_der().map_err(|e| failed("certificate")(e.to_string()));
    let (root_der, intermediate_der, leaf_der) = (der(root.certificate())?, der(intermediate.certificate())?, der(&leaf)?);
    let parse = |d: &[u8]| ParsedCertificate::from_der(d).map_err(|e| failed("certificate")(e.to_string()));
    let mut signer = SoftwareSigner::new(key, &leaf_der).map_err(|e| failed("signer")(e.to_string()))?.with_chain(vec![intermediate.certificate().clone()]);

    let ecdsa = raw_p256()?;

    // A small CMS (32 bytes of content, the chain embedded), one verifier shared by every call.
    let content = [1u8; 32];
    let signature = cms::sign(&mut &content[..], &mut signer, &CmsSignOptions::detached(Some(unix))).map_err(|e| failed("CMS")(e.to_string()))?;
    let shared = ChainVerifier::new(vec![parse(&root_der)?]);
    let cms_options = CmsVerifyOptions::new(unix);
    let cms = Box::new(|| {
        let report = cms::verify(&signature, Some(&mut &content[..]), &shared, &cms_options).map_err(|e| failed("CMS")(e.to_string()))?;
        if report.passed() { Ok(()) } else { Err(Failure::Negative("speed: the test CMS did not verify".into())) }
    });

    // A cold chain: certificates decoded and the path validated by a verifier that has seen
    // nothing.
    let chain_options = ValidationOptions::new(unix, Purpose::Signing);
    let chain = Box::new(|| {
        let verifier = ChainVerifier::new(vec![parse(&root_der)?]);
        verifier
            .verify(&parse(&leaf_der)?, &[parse(&intermediate_der)?], &RevocationData::default(), &chain_options)
            .map(|_| ())
            .map_err(|e| failed("chain")(e.to_string()))
    });

    // A 1 MiB PDF with one signature: the byte ranges hashed, the CMS and chain checked, the
    // revisions compared.
    let original = pdf::sample_document(&["mobile-id speed"], 1 << 20);
    let mut signed = Cursor::new(Vec::new());
    pdf::sign(&mut Cursor::new(&original), &mut signed, &mut signer, &PdfSignOptions::new(unix), None).map_err(|e| failed("PDF")(e.to_string()))?;
    let signed = signed.into_inner();
    let pdf_options = PdfVerifyOptions::new(unix);
    let pdf = Box::new(|| {
        let report = pdf::verify(Cursor::new(&signed), &shared, &pdf_options).map_err(|e| failed("PDF")(e.to_string()))?;
        if report.passed() { Ok(()) } else { Err(Failure::Negative("speed: the test PDF did not verify".into())) }
    });

    // A job left out by --only has no rate: null in JSON, no line in text.
    let all: [(Job, Work<'_>); 4] = [(Job::Ecdsa, ecdsa), (Job::Cms, cms), (Job::Chain, chain), (Job::Pdf, pdf)];
    let (kinds, mut jobs): (Vec<Job>, Vec<Work<'_>>) = all.into_iter().filter(|(job, _)| chosen(*job)).unzip();
    let measured = rates(&mut jobs, args.seconds)?;
    let ran = |job: Job| kinds.iter().position(|k| *k == job).and_then(|i| measured.get(i)).map(|r| r.round());
    let (ecdsa, cms_rate, chain_rate, pdf_rate) = (ran(Job::Ecdsa), ran(Job::Cms), ran(Job::Chain), ran(Job::Pdf));
    if args.json {
        say!(
            "{}",
            serde_json::json!({
                "backend": backend.name(),
                "ecdsa_p256_verify_per_s": ecdsa,
                "cms_verify_per_s": cms_rate,
                "chain_verify_per_s": chain_rate,
                "pdf_verify_per_s": pdf_rate,
                "pdf_bytes": signed.len(),
            })
        );
    } else {
        say!("backend: {}", backend.name());
        if let Some(ecdsa) = ecdsa {
            say!("{:<40} {:>10.0}/s", "ECDSA P-256 verify (raw)", ecdsa);
        }
        if let Some(cms_rate) = cms_rate {
            let ratio = ecdsa.filter(|e| *e > 0.0).map(|e| format!("  ({:.2}× the raw rate)", cms_rate / e)).unwrap_or_default();
            say!("{:<40} {:>10.0}/s{ratio}", "small CMS, chain cached", cms_rate);
        }
        if let Some(chain_rate) = chain_rate {
            say!("{:<40} {:>10.0}/s", "3-certificate chain, cold", chain_rate);
        }
        if let Some(pdf_rate) = pdf_rate {
            say!("{:<40} {:>10.0}/s  ({:.1} MiB/s)", "1 MiB PDF, one signature", pdf_rate, pdf_rate * signed.len() as f64 / f64::from(1u32 << 20));
        }
    }
    Ok(())
}
