//! `mobile-id auth …` (login) and `mobile-id mssp serve` (the mock mobile-ID service).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use der::{Decode, EncodePem};
use mobile_id::auth::{self, AuthError, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, MemoryChallengeStore};
use mobile_id::card::sim::VirtualSim;
use mobile_id::card::{CardSession, PinKind};
use mobile_id::wallet::mock_mssp::{Behaviour, MockMssp, MockUser};
use mobile_id::x509::{ChainVerifier, load};

use super::{Failure, read_pin};

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Issues a login challenge and prints it with its verification code.
    Challenge {
        /// Hash size.
        #[arg(long, value_enum, default_value = "sha256")]
        hash: HashArg,
        /// Keep the challenge in this Redis (redis://HOST:PORT/, rediss:// for TLS), where
        /// `auth verify --store` of any portal instance takes it, once.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        #[command(flatten)]
        redis_tls: super::RedisTls,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prints the 4-digit verification code of a hash.
    Code {
        /// The hash, hex.
        #[arg(long, value_name = "HEX")]
        hash: String,
        /// Which algorithm.
        #[arg(long, value_enum, default_value = "mobile-id")]
        scheme: Scheme,
    },
    /// Answers a challenge on the virtual SIM (PIN1 from MOBILE_ID_PIN1 or a prompt); writes
    /// signature.der and cert.pem.
    Respond {
        /// The virtual SIM.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The challenge hash, hex.
        #[arg(long, value_name = "HEX")]
        challenge: String,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Validates a login answer (portal side): exit 0 accepted, 1 rejected, 2 usage.
    Verify(VerifyArgs),
    /// Runs a whole login through a Mobile-ID service (portal side): issues a challenge,
    /// prints its verification code, starts the session, waits for the phone, validates the
    /// answer. Exit 0 accepted, 1 rejected or refused by the user, 2 usage or unreachable.
    Login(LoginArgs),
}

#[derive(Args)]
pub struct LoginArgs {
    /// The service's base URL (https://…/mid-api; plain http:// only to this machine).
    #[arg(long, value_name = "URL")]
    mssp: String,
    /// The person's phone number (+ and 8 to 15 digits).
    #[arg(long)]
    phone: String,
    /// The person's national identity number.
    #[arg(long)]
    national_id: String,
    /// The relying party's UUID, as registered with the service.
    #[arg(long, default_value = "00000000-0000-0000-0000-000000000000")]
    relying_party_uuid: String,
    /// The relying party's name, as registered with the service.
    #[arg(long, default_value = "DEMO")]
    relying_party_name: String,
    /// Text the phone shows (GSM-7 up to 40 characters, otherwise up to 20).
    #[arg(long)]
    display_text: Option<String>,
    /// Trust anchors for the authentication certificate.
    #[arg(long, required = true, value_name = "ROOT")]
    trust: Vec<PathBuf>,
    #[command(flatten)]
    network: super::cms_cli::NetworkArgs,
    #[command(flatten)]
    revocation: super::chain::RevocationArgs,
    #[command(flatten)]
    redis_tls: super::RedisTls,
    /// Accept the service only with this public key (as curl's --pinnedpubkey:
    /// sha256//BASE64 of the SHA-256 of its certificate's SubjectPublicKeyInfo); repeatable.
    #[arg(long, value_name = "sha256//BASE64")]
    tls_pin: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum HashArg {
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Scheme {
    MobileId,
    SmartId,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The challenge hash that was issued, hex (a portal of one process).
    #[arg(long, value_name = "HEX", required_unless_present = "store", conflicts_with = "store")]
    challenge: Option<String>,
    /// Take the challenge from this Redis (redis://HOST:PORT/, rediss:// for TLS), where
    /// `auth challenge --store` put it: it is consumed, so a replay from any process is refused.
    #[arg(long, value_name = "URL", requires = "challenge_id")]
    store: Option<String>,
    #[command(flatten)]
    redis_tls: super::RedisTls,
    /// The id `auth challenge` printed (with --store).
    #[arg(long, value_name = "ID", requires = "store")]
    challenge_id: Option<String>,
    /// The signature file (DER, or raw r‖s).
    #[arg(long, value_name = "FILE")]
    signature: PathBuf,
    /// The authentication certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// Trust anchors.
    #[arg(long, required = true, value_name = "ROOT")]
    trust: Vec<PathBuf>,
    #[command(flatten)]
    revocation: super::chain::RevocationArgs,
    #[command(flatten)]
    network: super::cms_cli::NetworkArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum MsspCommand {
    /// Serves the Mobile-ID REST protocol on loopback, answering with a virtual SIM whose owner
    /// enters MOBILE_ID_PIN1 / MOBILE_ID_PIN2 (for tests and demos).
    Serve {
        /// The virtual SIM.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The owner's phone number.
        #[arg(long)]
        phone: String,
        /// The owner's national identity number.
        #[arg(long)]
        national_id: String,
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:8099")]
        listen: String,
    },
}

use mobile_id::time::now;

fn hash_type(arg: HashArg) -> HashType {
    match arg {
        HashArg::Sha256 => HashType::Sha256,
        HashArg::Sha384 => HashType::Sha384,
        HashArg::Sha512 => HashType::Sha512,
    }
}

/// A non-empty hex argument, named in the errors.
fn hex_arg(name: &str, text: &str) -> Result<Vec<u8>, Failure> {
    let bytes = hex::decode(text.trim()).map_err(|_| Failure::Input(format!("{name} is not hex (two digits 0-9a-f per byte)")))?;
    if bytes.is_empty() {
        return Err(Failure::Input(format!("{name} is empty")));
    }
    Ok(bytes)
}

/// A login challenge: a SHA-256, SHA-384 or SHA-512 hash in hex, checked before any PIN is asked.
fn challenge_arg(name: &str, text: &str) -> Result<Vec<u8>, Failure> {
    let bytes = hex_arg(name, text)?;
    if HashType::for_len(bytes.len()).is_none() {
        return Err(Failure::Input(format!("{name} must be a SHA-256, SHA-384 or SHA-512 hash: 64, 96 or 128 hex digits, not {}", text.trim().len())));
    }
    Ok(bytes)
}

pub fn run(command: AuthCommand) -> Result<(), Failure> {
    match command {
        AuthCommand::Challenge { hash, store, redis_tls, json } => {
            let now = now();
            let challenge = Challenge::new(hash_type(hash), now, auth::DEFAULT_CHALLENGE_LIFETIME).map_err(|e| Failure::Input(e.to_string()))?;
            redis_tls.used_by(&[store.as_deref()]).map_err(Failure::Input)?;
            if let Some(url) = &store {
                redis_store(url, &redis_tls)?.insert(challenge.clone(), now).map_err(|e| Failure::Input(e.to_string()))?;
            }
            let code = challenge.verification_code();
            if json {
                let value = serde_json::json!({
                    "id": challenge.id,
                    "hash": hex::encode(&challenge.hash),
                    "hash_type": challenge.hash_type,
                    "expires_at": mobile_id::time::format_rfc3339(challenge.expires_at),
                    "verification_code": code,
                });
                say!("{value}");
            } else {
                say!(
                    "challenge: {}\nverification code: {code}\nid: {}\nexpires at: {}",
                    hex::encode(&challenge.hash),
                    challenge.id,
                    mobile_id::time::format_rfc3339(challenge.expires_at)
                );
            }
            Ok(())
        }
        AuthCommand::Code { hash, scheme } => {
            let hash = hex_arg("--hash", &hash)?;
            let code = match scheme {
                Scheme::MobileId => auth::mobile_id_code(&hash).ok_or_else(|| Failure::Input("the hash is empty".into()))?,
                Scheme::SmartId => auth::smart_id_code(&hash),
            };
            say!("{code}");
            Ok(())
        }
        AuthCommand::Respond { state, challenge, out } => {
            let challenge = challenge_arg("--challenge", &challenge)?;
            let pin1 = read_pin(PinKind::Pin1)?;
            let mut sim = VirtualSim::open(&state)?;
            let profile = sim.profile().clone();
            let answer = mobile_id::wallet::answer_challenge(&mut CardSession::new(&mut sim, profile), &pin1, &challenge).map_err(auth_failure)?;
            std::fs::create_dir_all(&out).map_err(|e| Failure::Input(format!("cannot create {}: {}", out.display(), e.kind())))?;
            super::output::write_file(&out.join("signature.der"), &answer.signature, super::output::Existing::Replace)?;
            let pem = x509_cert::Certificate::from_der(&answer.certificate)
                .ok()
                .and_then(|c| c.to_pem(der::pem::LineEnding::LF).ok())
                .ok_or_else(|| Failure::Input("the certificate does not encode".into()))?;
            super::output::write_file(&out.join("cert.pem"), pem.as_bytes(), super::output::Existing::Replace)?;
            say!("verification code: {}\nwrote signature.der and cert.pem to {}", answer.verification_code, out.display());
            Ok(())
        }
        AuthCommand::Verify(_) | AuthCommand::Login(_) => Err(Failure::Input("internal: verify and login are dispatched separately".into())),
    }
}

/// The Redis challenge store at `url`.
fn redis_store(url: &str, tls: &super::RedisTls) -> Result<auth::RedisChallengeStore, Failure> {
    Ok(auth::RedisChallengeStore::new(tls.link("--store", url).map_err(Failure::Input)?))
}

fn auth_failure(e: AuthError) -> Failure {
    match e {
        AuthError::Signer(s) => s.into(),
        AuthError::InvalidInput(_) => Failure::Input(e.to_string()),
        other => Failure::Negative(other.to_string()),
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(format!("cannot read {}: {}", path.display(), e.kind())))
}

/// `auth verify`.
pub fn verify(args: VerifyArgs) -> ExitCode {
    let run = || -> Result<Result<auth::AuthenticatedIdentity, AuthError>, Failure> {
        let now = now();
        // One process: the challenge given on the command line. Several: the shared store.
        let (store, challenge_id): (Box<dyn ChallengeStore>, String) = match (&args.challenge, &args.store, &args.challenge_id) {
            (Some(hex), None, _) => {
                let hash = challenge_arg("--challenge", hex)?;
                let hash_type = HashType::for_len(hash.len()).ok_or_else(|| Failure::Input("--challenge must be 32, 48 or 64 bytes".into()))?;
                let store = MemoryChallengeStore::new(1);
                let challenge = Challenge { id: "cli".into(), hash, hash_type, expires_at: now + auth::DEFAULT_CHALLENGE_LIFETIME };
                store.insert(challenge, now).map_err(|e| Failure::Input(e.to_string()))?;
                (Box::new(store), "cli".into())
            }
            (None, Some(url), Some(id)) => (Box::new(redis_store(url, &args.redis_tls)?), id.clone()),
            _ => return Err(Failure::Input("give --challenge HEX, or --store URL with --challenge-id ID".into())),
        };
        let certificate = load::der_documents(&read(&args.cert)?).map_err(|e| Failure::Input(e.to_string()))?.into_iter().next().unwrap_or_default();
        let mut anchors = Vec::new();
        for path in &args.trust {
            anchors.extend(load::certificates(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?);
        }
        let mut options = AuthOptions::new(now);
        args.redis_tls.used_by(&[args.store.as_deref(), args.revocation.cache()]).map_err(Failure::Input)?;
        options.revocation = args.revocation.data(&args.network, &args.redis_tls).map_err(Failure::Input)?;
        options.revocation_mode = args.revocation.mode();
        let response = AuthenticationResponse { challenge_id, signature: read(&args.signature)?, certificate };
        Ok(auth::validate_response(&response, store.as_ref(), &ChainVerifier::new(anchors), &options))
    };
    verdict(run(), args.json)
}

/// Prints a login's verdict: exit 0 accepted, 1 rejected, 2 when there is no verdict (usage, a
/// store or service that cannot answer).
fn verdict(outcome: Result<Result<auth::AuthenticatedIdentity, AuthError>, Failure>, json: bool) -> ExitCode {
    match outcome {
        Err(Failure::Input(m) | Failure::Negative(m)) => {
            eprintln!("mobile-id: {m}");
            ExitCode::from(2)
        }
        Ok(Ok(who)) => {
            if json {
                say!(
                    "{}",
                    serde_json::json!({"result": "accepted", "identity": who.identity, "not_before": who.not_before, "not_after": who.not_after, "chain": who.chain})
                );
            } else {
                let id = &who.identity;
                say!(
                    "accepted: {} {} ({})",
                    id.given_name.as_deref().unwrap_or("?"),
                    id.surname.as_deref().unwrap_or("?"),
                    id.serial_number.as_deref().unwrap_or("?")
                );
            }
            ExitCode::SUCCESS
        }
        Ok(Err(e @ (AuthError::Store(_) | AuthError::Unreachable(_)))) => {
            // Not a verdict on the login: the shared store or the service could not answer
            // (nothing accepted).
            eprintln!("mobile-id: {e}");
            ExitCode::from(2)
        }
        Ok(Err(e)) => {
            if json {
                say!("{}", serde_json::json!({"result": "rejected", "message": e.to_string()}));
            } else {
                say!("rejected: {e}");
            }
            ExitCode::from(1)
        }
    }
}

/// A `--tls-pin` value: `sha256//` and the base64 of 32 bytes.
fn tls_pin(text: &str) -> Result<[u8; 32], Failure> {
    use base64ct::Encoding;
    let bad = || Failure::Input(format!("--tls-pin takes sha256//BASE64 (the SHA-256 of a SubjectPublicKeyInfo), not {text:?}"));
    let encoded = text.trim().strip_prefix("sha256//").ok_or_else(bad)?;
    base64ct::Base64::decode_vec(encoded).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).ok_or_else(bad)
}

/// `auth login`.
pub fn login(args: LoginArgs) -> ExitCode {
    use mobile_id::auth::mssp::{DEFAULT_LONG_POLL_MS, DEFAULT_MAX_POLLS, HttpMsspTransport};
    use mobile_id::auth::{MsspClient, MsspTransport, SessionKind};
    let run = || -> Result<Result<auth::AuthenticatedIdentity, AuthError>, Failure> {
        let pins = args.tls_pin.iter().map(|p| tls_pin(p)).collect::<Result<Vec<_>, _>>()?;
        if !pins.is_empty() && !mobile_id::net::is_https(&args.mssp) {
            return Err(Failure::Input("--tls-pin needs an https:// service URL".into()));
        }
        let options = args.network.options()?.with_pinned_keys(pins);
        // Read before the phone is asked: a bad file stops the login before anyone enters a PIN.
        args.redis_tls.used_by(&[args.revocation.cache()]).map_err(Failure::Input)?;
        let revocation = args.revocation.data(&args.network, &args.redis_tls).map_err(Failure::Input)?;
        let mut anchors = Vec::new();
        for path in &args.trust {
            anchors.extend(load::certificates(&read(path)?).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?);
        }
        let now = now();
        let challenge = Challenge::new(HashType::Sha256, now, auth::DEFAULT_CHALLENGE_LIFETIME).map_err(|e| Failure::Input(e.to_string()))?;
        let client = MsspClient::new(args.relying_party_uuid.as_str(), args.relying_party_name.as_str());
        let request = client
            .session_request(SessionKind::Authentication, &args.phone, &args.national_id, &challenge.hash, challenge.hash_type, args.display_text.as_deref())
            .map_err(|e| Failure::Input(e.to_string()))?;
        // The person compares this code with the one on the phone before entering PIN1.
        eprintln!("verification code: {}", challenge.verification_code());
        let transport = HttpMsspTransport::with_options(args.mssp.as_str(), options);
        let answer = transport
            .execute(&request)
            .and_then(|(status, body)| client.read_session_start(SessionKind::Authentication, status, &body, DEFAULT_LONG_POLL_MS, DEFAULT_MAX_POLLS))
            .and_then(|mut poller| poller.run(&transport))
            .and_then(|outcome| outcome.into_response(challenge.id.clone()));
        let response = match answer {
            Ok(response) => response,
            Err(e) => return Ok(Err(e)),
        };
        let store = MemoryChallengeStore::new(1);
        store.insert(challenge, now).map_err(|e| Failure::Input(e.to_string()))?;
        // Judged when the answer came: the session may have run for minutes.
        let mut validation = AuthOptions::new(mobile_id::time::now());
        validation.revocation = revocation;
        validation.revocation_mode = args.revocation.mode();
        Ok(auth::validate_response(&response, &store, &ChainVerifier::new(anchors), &validation))
    };
    verdict(run(), args.json)
}

/// `mssp serve`.
pub fn serve(command: MsspCommand) -> Result<(), Failure> {
    let MsspCommand::Serve { state, phone, national_id, listen } = command;
    let addr: std::net::SocketAddr = listen.parse().map_err(|_| Failure::Input("--listen must be an address such as 127.0.0.1:8099".into()))?;
    if !addr.ip().is_loopback() {
        return Err(Failure::Input("the mock service listens on loopback only".into()));
    }
    let pin1 = read_pin(PinKind::Pin1)?;
    let pin2 = read_pin(PinKind::Pin2)?;
    let sim = VirtualSim::open(&state)?;
    let listener = std::net::TcpListener::bind(addr).map_err(|e| Failure::Input(format!("cannot listen on {addr}: {}", e.kind())))?;
    let local = listener.local_addr().map_err(|e| Failure::Input(e.kind().to_string()))?;
    say!("mock mobile-ID service (tests and demos only) at http://{local}/mid-api");
    let service = MockMssp::new(vec![MockUser { phone, national_id, sim, behaviour: Behaviour::Answers { pin1, pin2 } }], 1);
    service.serve(&listener, None);
    Ok(())
}
