//! `mobile-id chain verify` and `mobile-id chain verify-batch`.
//!
//! Exit codes of `verify`: 0 valid, 1 invalid, 3 unsupported (weak or unknown algorithm),
//! 2 usage or input error.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use der::asn1::ObjectIdentifier;
use mobile_id::x509::{
    AnchorConstraints, ChainVerifier, Conformance, InitialPolicySet, KeyUsageBit, ParsedCertificate, ParsedCrl, ParsedOcspResponse, Purpose, RevocationData,
    RevocationMode, ValidationError, ValidationOptions, VerifiedPath, load,
};
use serde::{Deserialize, Serialize};

#[derive(Subcommand)]
pub enum ChainCommand {
    /// Validates one certificate chain (RFC 5280) and prints the verdict.
    Verify(Box<VerifyArgs>),
    /// Validates JSON Lines requests from stdin, one verdict line per request on stdout.
    VerifyBatch,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PurposeArg {
    Signing,
    Authentication,
    Timestamping,
    OcspSigning,
    Any,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RevocationArg {
    Off,
    IfPresent,
    Required,
    /// Required, fetching what is missing: OCSP from each certificate's responder, else its
    /// CRLs (HTTP(S), retried, cached until nextUpdate).
    Online,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The certificate to validate (PEM or DER).
    leaf: PathBuf,
    #[command(flatten)]
    network: super::cms_cli::NetworkArgs,
    /// Trust anchor files (PEM with one or many certificates, or DER).
    #[arg(long, required = true, value_name = "FILE")]
    anchor: Vec<PathBuf>,
    /// Intermediate certificate files, in any order.
    #[arg(long, value_name = "FILE")]
    intermediate: Vec<PathBuf>,
    /// CRL files.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// OCSP response files.
    #[arg(long, value_name = "FILE")]
    ocsp: Vec<PathBuf>,
    /// Validation time, RFC 3339 (e.g. 2026-11-27T12:00:00Z), or `now`.
    #[arg(long, value_name = "RFC3339", default_value = "now")]
    at: String,
    /// What the leaf is for.
    #[arg(long, value_enum, default_value = "any")]
    purpose: PurposeArg,
    /// Acceptable policy OIDs (the user-initial-policy-set; default any policy).
    #[arg(long, value_name = "OID")]
    policy: Vec<String>,
    /// Require a valid policy (initial-explicit-policy).
    #[arg(long)]
    require_explicit_policy: bool,
    /// Forbid policy mapping.
    #[arg(long)]
    inhibit_policy_mapping: bool,
    /// Do not let anyPolicy match.
    #[arg(long)]
    inhibit_any_policy: bool,
    /// Most intermediates between leaf and anchor.
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    /// Revocation checking.
    #[arg(long, value_enum, default_value = "if-present")]
    revocation: RevocationArg,
    /// With --revocation online: share fetched OCSP responses and CRLs through this Redis
    /// (redis://HOST:PORT/, rediss:// for TLS) with other processes, until their nextUpdate.
    #[arg(long, value_name = "URL")]
    revocation_cache: Option<String>,
    #[command(flatten)]
    redis_tls: super::RedisTls,
    /// How much of RFC 5280's profile the certificates and CRLs must meet.
    #[arg(long, value_enum, default_value = "strict")]
    conformance: ConformanceArg,
    /// Use the anchors as bare keys: their certificates' own constraints (RFC 5937) do not apply.
    #[arg(long)]
    bare_key_anchors: bool,
    /// Print a JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ConformanceArg {
    Strict,
    Pedantic,
    Lenient,
}

fn conformance(c: ConformanceArg) -> Conformance {
    match c {
        ConformanceArg::Strict => Conformance::Strict,
        ConformanceArg::Pedantic => Conformance::Pedantic,
        ConformanceArg::Lenient => Conformance::Lenient,
    }
}

/// An RFC 3339 date-time, or `now`, to Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    if text == "now" {
        return Some(mobile_id::time::now());
    }
    mobile_id::time::parse_rfc3339(text)
}

fn purpose(p: PurposeArg) -> Purpose {
    match p {
        PurposeArg::Signing => Purpose::Signing,
        PurposeArg::Authentication => Purpose::Authentication,
        PurposeArg::Timestamping => Purpose::Timestamping,
        PurposeArg::OcspSigning => Purpose::OcspSigning,
        PurposeArg::Any => Purpose::Any,
    }
}

pub fn revocation(r: RevocationArg) -> RevocationMode {
    match r {
        RevocationArg::Off => RevocationMode::Off,
        RevocationArg::IfPresent => RevocationMode::IfPresent,
        RevocationArg::Required | RevocationArg::Online => RevocationMode::Required,
    }
}

/// How `verify cms`, `verify pdf` and the logins check revocation: files beside what the signature
/// carries, the mode, and online fetching with its shared cache.
#[derive(Args)]
pub struct RevocationArgs {
    /// CRLs (DER or PEM) beside those the signature carries.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// OCSP responses (DER) beside those the signature carries.
    #[arg(long, value_name = "FILE")]
    ocsp: Vec<PathBuf>,
    /// Revocation checking for every chain.
    #[arg(long, value_enum, default_value = "if-present")]
    revocation: RevocationArg,
    /// With --revocation online: share fetched OCSP responses and CRLs through this Redis
    /// (redis://HOST:PORT/, rediss:// for TLS) with other processes, until their nextUpdate.
    #[arg(long, value_name = "URL")]
    revocation_cache: Option<String>,
}

impl RevocationArgs {
    /// The Redis URL of the shared cache, if given.
    pub fn cache(&self) -> Option<&str> {
        self.revocation_cache.as_deref()
    }

    /// The revocation mode asked for.
    pub fn mode(&self) -> RevocationMode {
        revocation(self.revocation)
    }

    /// The CRLs and OCSP responses given, and the online fetcher (over `network`, its cache
    /// reached as `redis_tls` says) when `--revocation online` asks for one.
    pub fn data(&self, network: &super::cms_cli::NetworkArgs, redis_tls: &super::RedisTls) -> Result<RevocationData, String> {
        Ok(RevocationData {
            crls: load_all(&self.crl, mobile_id::x509::load::crls)?,
            ocsp: load_all(&self.ocsp, mobile_id::x509::load::ocsp_responses)?,
            fetcher: revocation_fetcher(self.revocation, network, self.revocation_cache.as_deref(), redis_tls)?,
        })
    }
}

/// The online fetcher `--revocation online` asks for, connecting as `network` says
/// (`--tls-root` for HTTPS responders), sharing what it fetches through the Redis at `cache`
/// (reached as `redis_tls` says).
pub fn revocation_fetcher(
    r: RevocationArg,
    network: &super::cms_cli::NetworkArgs,
    cache: Option<&str>,
    redis_tls: &super::RedisTls,
) -> Result<Option<Arc<dyn mobile_id::x509::RevocationFetcher>>, String> {
    if !matches!(r, RevocationArg::Online) {
        return match cache {
            Some(_) => Err("--revocation-cache is for --revocation online".into()),
            None => Ok(None),
        };
    }
    let options = network.options().map_err(|e| match e {
        super::Failure::Input(m) | super::Failure::Negative(m) => m,
    })?;
    let fetcher = mobile_id::net::OnlineRevocation::new(&options);
    let fetcher = match cache {
        Some(url) => fetcher.with_redis_link(redis_tls.link("--revocation-cache", url)?),
        None => fetcher,
    };
    Ok(Some(Arc::new(fetcher)))
}

/// The user's policy OIDs as given, into the library's set (which reads anyPolicy, or none
/// given, as any-policy).
fn oids(texts: &[String]) -> Result<InitialPolicySet, String> {
    let oids: Vec<ObjectIdentifier> = texts.iter().map(|t| ObjectIdentifier::new(t).map_err(|_| format!("not an OID: {t}"))).collect::<Result<_, _>>()?;
    Ok(InitialPolicySet::from_oids(oids))
}

#[derive(Serialize)]
struct ChainEntry {
    subject: String,
    sha256: String,
}

#[derive(Serialize)]
struct Verdict {
    result: &'static str,
    code: &'static str,
    message: String,
    chain: Vec<ChainEntry>,
    policies: Vec<String>,
    identity: Option<mobile_id::x509::Identity>,
}

/// Why a request yields no path: validation failed, or a certificate, CRL or OCSP response in
/// it does not decode (a verdict too: `invalid`, code `malformed`, naming the item).
enum NoPath {
    Invalid(ValidationError),
    Malformed { what: String, error: ValidationError },
}

/// What stops a request: the request itself is broken (an error line, exit 2), or an item
/// inside a well-formed request does not decode (a verdict).
enum Problem {
    Request(String),
    Content(NoPath),
}

impl From<String> for Problem {
    fn from(message: String) -> Self {
        Self::Request(message)
    }
}

/// Decodes every document, naming the one that fails by where it came from.
fn decode_all<T>(documents: &[(String, Vec<u8>)], decode: fn(&[u8]) -> Result<T, ValidationError>) -> Result<Vec<T>, Problem> {
    documents.iter().map(|(what, der)| decode(der).map_err(|error| Problem::Content(NoPath::Malformed { what: what.clone(), error }))).collect()
}

fn verdict(result: &Result<VerifiedPath, NoPath>) -> Verdict {
    match result {
        Ok(path) => Verdict {
            result: "valid",
            code: "ok",
            message: "the chain is valid".into(),
            chain: path.chain.iter().map(|c| ChainEntry { subject: c.subject_text(), sha256: hex::encode(c.fingerprint()) }).collect(),
            policies: path.policies.iter().cloned().collect(),
            identity: Some(path.identity.clone()),
        },
        Err(NoPath::Invalid(e)) => Verdict {
            result: if e.is_unsupported() { "unsupported" } else { "invalid" },
            code: e.code(),
            message: e.to_string(),
            chain: Vec::new(),
            policies: Vec::new(),
            identity: None,
        },
        Err(NoPath::Malformed { what, error }) => {
            Verdict { result: "invalid", code: "malformed", message: format!("{what}: {error}"), chain: Vec::new(), policies: Vec::new(), identity: None }
        }
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))
}

pub fn load_all<T>(paths: &[PathBuf], parse: fn(&[u8]) -> Result<Vec<T>, ValidationError>) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for path in paths {
        out.extend(parse(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    Ok(out)
}

/// `chain verify`.
pub fn verify(args: VerifyArgs) -> ExitCode {
    let run = || -> Result<Result<VerifiedPath, NoPath>, String> {
        let time = parse_rfc3339(&args.at).ok_or("--at must be an RFC 3339 date-time such as 2026-11-27T12:00:00Z")?;
        let documents = |paths: &[PathBuf]| -> Result<Vec<(String, Vec<u8>)>, String> {
            let mut out = Vec::new();
            for path in paths {
                let docs = load::der_documents(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
                out.extend(docs.into_iter().map(|d| (path.display().to_string(), d)));
            }
            Ok(out)
        };
        let leaf_docs = documents(std::slice::from_ref(&args.leaf))?;
        if leaf_docs.len() != 1 {
            return Err("the leaf file must hold exactly one certificate".into());
        }
        let parsed = (|| {
            let leaf = decode_all(&leaf_docs, ParsedCertificate::from_der)?.remove(0);
            let anchors = decode_all(&documents(&args.anchor)?, ParsedCertificate::from_der)?;
            let pool = decode_all(&documents(&args.intermediate)?, ParsedCertificate::from_der)?;
            let data = RevocationData {
                crls: decode_all(&documents(&args.crl)?, ParsedCrl::from_der)?,
                ocsp: decode_all(&documents(&args.ocsp)?, ParsedOcspResponse::from_der)?,
                fetcher: None,
            };
            Ok::<_, Problem>((leaf, anchors, pool, data))
        })();
        let (leaf, anchors, pool, mut data) = match parsed {
            Ok(p) => p,
            Err(Problem::Request(message)) => return Err(message),
            Err(Problem::Content(malformed)) => return Ok(Err(malformed)),
        };
        let mut options = ValidationOptions::new(time, purpose(args.purpose));
        options.policy.initial_policy_set = oids(&args.policy)?;
        options.policy.require_explicit_policy = args.require_explicit_policy;
        options.policy.inhibit_policy_mapping = args.inhibit_policy_mapping;
        options.policy.inhibit_any_policy = args.inhibit_any_policy;
        options.max_depth = args.max_depth;
        options.revocation = revocation(args.revocation);
        args.redis_tls.used_by(&[args.revocation_cache.as_deref()])?;
        data.fetcher = revocation_fetcher(args.revocation, &args.network, args.revocation_cache.as_deref(), &args.redis_tls)?;
        options.conformance = conformance(args.conformance);
        if args.bare_key_anchors {
            options.anchor_constraints = AnchorConstraints::BareKey;
        }
        Ok(ChainVerifier::new(anchors).verify(&leaf, &pool, &data, &options).map_err(NoPath::Invalid))
    };
    match run() {
        Err(message) => {
            eprintln!("mobile-id: {message}");
            ExitCode::from(2)
        }
        Ok(result) => {
            let v = verdict(&result);
            if args.json {
                say!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                say!("{}: {}", v.result, v.message);
                for entry in &v.chain {
                    say!("  {} (sha256 {})", entry.subject, entry.sha256);
                }
                if !v.policies.is_empty() {
                    say!("  policies: {}", v.policies.join(", "));
                }
            }
            ExitCode::from(match v.result {
                "valid" => 0,
                "unsupported" => 3,
                _ => 1,
            })
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyRequest {
    #[serde(default)]
    initial_set: Vec<String>,
    #[serde(default)]
    require_explicit: bool,
    #[serde(default)]
    inhibit_mapping: bool,
    #[serde(default)]
    inhibit_any: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    id: serde_json::Value,
    anchors: Vec<String>,
    #[serde(default)]
    intermediates: Vec<String>,
    leaf: String,
    #[serde(default)]
    crls: Vec<String>,
    #[serde(default)]
    ocsp: Vec<String>,
    time: String,
    #[serde(default = "any_purpose")]
    purpose: Purpose,
    #[serde(default)]
    key_usage: Vec<KeyUsageBit>,
    #[serde(default)]
    eku: Vec<String>,
    #[serde(default)]
    policy: PolicyRequest,
    #[serde(default)]
    max_depth: Option<usize>,
    #[serde(default = "if_present")]
    revocation: RevocationMode,
    #[serde(default)]
    conformance: Conformance,
    #[serde(default)]
    anchor_constraints: AnchorConstraints,
}

fn any_purpose() -> Purpose {
    Purpose::Any
}

fn if_present() -> RevocationMode {
    RevocationMode::IfPresent
}

#[derive(Serialize)]
struct BatchVerdict {
    id: serde_json::Value,
    result: &'static str,
    code: &'static str,
    message: String,
    policies: Vec<String>,
}

/// Longest request line read; longer lines get an error line and are skipped.
const MAX_LINE: u64 = 16 * 1024 * 1024;
/// Verifiers (one per distinct anchor set) kept for their signature caches.
const MAX_VERIFIERS: usize = 64;

/// A batch request decoded: anchors, leaf, pool, revocation data, options.
type Prepared = (Vec<ParsedCertificate>, ParsedCertificate, Vec<ParsedCertificate>, RevocationData, ValidationOptions);

/// The DER documents of a request field (a list of PEM or base64 strings), each named by the
/// field and its index: broken PEM or base64 is a broken request.
fn documents(field: &str, items: &[String]) -> Result<Vec<(String, Vec<u8>)>, Problem> {
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let text = item.trim();
        let base64 = !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\n' | b'\r'));
        if !(base64 || text.contains("-----BEGIN ")) {
            return Err(Problem::Request(format!("{field}[{index}]: neither PEM nor base64")));
        }
        let docs = load::der_documents(item.as_bytes()).map_err(|e| Problem::Request(format!("{field}[{index}]: {e}")))?;
        out.extend(docs.into_iter().map(|d| (format!("{field}[{index}]"), d)));
    }
    Ok(out)
}

fn batch_one(line: &[u8], verifiers: &mut HashMap<Vec<[u8; 32]>, ChainVerifier>) -> BatchVerdict {
    let error = |id: serde_json::Value, message: String| BatchVerdict { id, result: "error", code: "malformed-request", message, policies: Vec::new() };
    let request: BatchRequest = match serde_json::from_slice(line) {
        Ok(r) => r,
        Err(e) => {
            let id = serde_json::from_slice::<serde_json::Value>(line).ok().and_then(|v| v.get("id").cloned()).unwrap_or(serde_json::Value::Null);
            return error(id, format!("the request does not parse: {e}"));
        }
    };
    let id = request.id.clone();
    let prepare = || -> Result<Prepared, Problem> {
        let leaf_docs: Vec<(String, Vec<u8>)> =
            documents("leaf", std::slice::from_ref(&request.leaf))?.into_iter().map(|(_, der)| ("leaf".to_string(), der)).collect();
        if leaf_docs.len() != 1 {
            return Err(Problem::Request("leaf must be exactly one certificate".into()));
        }
        let time = parse_rfc3339(&request.time).ok_or_else(|| "time must be RFC 3339".to_string())?;
        let anchors = decode_all(&documents("anchors", &request.anchors)?, ParsedCertificate::from_der)?;
        let mut leaf = decode_all(&leaf_docs, ParsedCertificate::from_der)?;
        let pool = decode_all(&documents("intermediates", &request.intermediates)?, ParsedCertificate::from_der)?;
        let data = RevocationData {
            crls: decode_all(&documents("crls", &request.crls)?, ParsedCrl::from_der)?,
            ocsp: decode_all(&documents("ocsp", &request.ocsp)?, ParsedOcspResponse::from_der)?,
            fetcher: None,
        };
        let mut options = ValidationOptions::new(time, request.purpose);
        options.required_key_usage = request.key_usage.clone();
        options.required_eku = request.eku.iter().map(|t| ObjectIdentifier::new(t).map_err(|_| format!("not an OID: {t}"))).collect::<Result<_, _>>()?;
        options.policy.initial_policy_set = oids(&request.policy.initial_set)?;
        options.policy.require_explicit_policy = request.policy.require_explicit;
        options.policy.inhibit_policy_mapping = request.policy.inhibit_mapping;
        options.policy.inhibit_any_policy = request.policy.inhibit_any;
        options.max_depth = request.max_depth;
        options.revocation = request.revocation;
        options.conformance = request.conformance;
        options.anchor_constraints = request.anchor_constraints;
        Ok((anchors, leaf.remove(0), pool, data, options))
    };
    let (anchors, leaf, pool, data, options) = match prepare() {
        Ok(p) => p,
        Err(Problem::Request(message)) => return error(id, message),
        Err(Problem::Content(malformed)) => {
            let v = verdict(&Err(malformed));
            return BatchVerdict { id, result: v.result, code: v.code, message: v.message, policies: v.policies };
        }
    };
    let key: Vec<[u8; 32]> = anchors.iter().map(ParsedCertificate::fingerprint).collect();
    if verifiers.len() >= MAX_VERIFIERS && !verifiers.contains_key(&key) {
        verifiers.clear();
    }
    let verifier = verifiers.entry(key).or_insert_with(|| ChainVerifier::new(anchors));
    let v = verdict(&verifier.verify(&leaf, &pool, &data, &options).map_err(NoPath::Invalid));
    BatchVerdict { id, result: v.result, code: v.code, message: v.message, policies: v.policies }
}

/// `chain verify-batch`.
pub fn verify_batch() -> ExitCode {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut verifiers = HashMap::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = match (&mut input).take(MAX_LINE).read_until(b'\n', &mut line) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("mobile-id: cannot read stdin: {}", e.kind());
                return ExitCode::from(2);
            }
        };
        if read == 0 {
            break;
        }
        let verdict = if line.last() != Some(&b'\n') && read as u64 == MAX_LINE {
            // Skip the rest of an oversized line.
            let mut sink = Vec::new();
            while matches!((&mut input).take(MAX_LINE).read_until(b'\n', &mut sink), Ok(n) if n > 0 && sink.last() != Some(&b'\n')) {
                sink.clear();
            }
            BatchVerdict {
                id: serde_json::Value::Null,
                result: "error",
                code: "malformed-request",
                message: "the request line is too long".into(),
                policies: Vec::new(),
            }
        } else if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        } else {
            batch_one(&line, &mut verifiers)
        };
        let text = serde_json::to_string(&verdict).unwrap_or_default();
        if writeln!(out, "{text}").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn now_is_a_time() {
        let now = mobile_id::time::now();
        assert!(parse_rfc3339("now").is_some_and(|t| t.abs_diff(now) < 5));
        assert_eq!(parse_rfc3339("2011-04-15T00:00:00Z"), Some(1_302_825_600));
    }
}
