//! Logins across portal instances through a shared Redis (a real `redis-server` on loopback):
//! a challenge issued by one instance is answered at another, survives an instance's restart,
//! is taken once across all of them (a replay, or two instances racing, gets nothing), expires
//! with Redis's TTL; and a Redis that stops answering is a clear error, never an accepted
//! login.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, SystemTime};

use common::RedisServer;
use mobile_id::auth::{AuthError, AuthOptions, AuthenticationResponse, Challenge, ChallengeStore, HashType, RedisChallengeStore, validate_response};
use mobile_id::card::sim::{SimInit, VirtualSim};
use mobile_id::card::{CardSession, Curve, Pin};
use mobile_id::wallet::answer_challenge;
use mobile_id::x509::{ChainVerifier, ParsedCertificate};

fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

struct Phone {
    sim: VirtualSim,
}

impl Phone {
    fn new() -> Self {
        Self { sim: VirtualSim::in_memory(&SimInit::new(Curve::P256, SystemTime::now() - Duration::from_secs(60))).unwrap() }
    }

    fn verifier(&self) -> ChainVerifier {
        ChainVerifier::new(vec![ParsedCertificate::from_der(&self.sim.ca_certificate_der().unwrap()).unwrap()])
    }

    fn answer(&mut self, challenge: &Challenge) -> AuthenticationResponse {
        let profile = self.sim.profile().clone();
        let answer = answer_challenge(&mut CardSession::new(&mut self.sim, profile), &Pin::new("1234"), &challenge.hash).unwrap();
        AuthenticationResponse { challenge_id: challenge.id.clone(), signature: answer.signature, certificate: answer.certificate }
    }
}

#[test]
fn instances_share_logins_and_a_replay_is_refused_everywhere() {
    let redis = RedisServer::start();
    let mut phone = Phone::new();
    let verifier = phone.verifier();
    let instance_a = RedisChallengeStore::open(&redis.url()).unwrap();
    let instance_b = RedisChallengeStore::open(&redis.url()).unwrap();

    // Issued at A, answered at B.
    let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    instance_a.insert(challenge.clone(), now()).unwrap();
    let response = phone.answer(&challenge);
    let who = validate_response(&response, &instance_b, &verifier, &AuthOptions::new(now())).unwrap();
    assert_eq!(who.identity.surname.as_deref(), Some("MAMMADOVA"));
    // The same answer again, at either instance: the challenge is gone.
    for store in [&instance_a, &instance_b] {
        assert_eq!(validate_response(&response, store, &verifier, &AuthOptions::new(now())).unwrap_err(), AuthError::UnknownChallenge);
    }

    // A restarted instance (a new store on the same Redis) finds what another issued.
    let challenge = Challenge::new(HashType::Sha384, now(), 300).unwrap();
    instance_a.insert(challenge.clone(), now()).unwrap();
    drop(instance_b);
    let restarted = RedisChallengeStore::open(&redis.url()).unwrap();
    let response = phone.answer(&challenge);
    assert!(validate_response(&response, &restarted, &verifier, &AuthOptions::new(now())).is_ok());

    // Two instances racing for one challenge: exactly one gets it.
    for _ in 0..20 {
        let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
        instance_a.insert(challenge.clone(), now()).unwrap();
        let got: Vec<bool> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..4)
                .map(|_| {
                    let id = challenge.id.clone();
                    let url = redis.url();
                    scope.spawn(move || RedisChallengeStore::open(&url).unwrap().take(&id).unwrap().is_some())
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(got.iter().filter(|g| **g).count(), 1, "{got:?}");
    }

    // An id is never overwritten.
    let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    instance_a.insert(challenge.clone(), now()).unwrap();
    assert!(matches!(instance_a.insert(challenge, now()), Err(AuthError::Store(_))));
}

#[test]
fn challenges_expire_with_the_redis_ttl() {
    let redis = RedisServer::start();
    let store = RedisChallengeStore::open(&redis.url()).unwrap();
    let challenge = Challenge::new(HashType::Sha256, now(), 1).unwrap();
    store.insert(challenge.clone(), now()).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(store.take(&challenge.id).unwrap(), None);
}

#[test]
fn a_redis_that_stops_is_an_error_never_a_login() {
    let mut redis = RedisServer::start();
    let mut phone = Phone::new();
    let verifier = phone.verifier();
    let store = RedisChallengeStore::open(&redis.url()).unwrap();
    let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    store.insert(challenge.clone(), now()).unwrap();
    let response = phone.answer(&challenge);
    redis.stop();
    let started = std::time::Instant::now();
    let refused = validate_response(&response, &store, &verifier, &AuthOptions::new(now()));
    match refused {
        Err(AuthError::Store(message)) => assert!(message.contains("Redis") || message.contains("refused"), "{message}"),
        other => panic!("expected a store error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "the failure took {:?}", started.elapsed());
    assert!(matches!(store.insert(Challenge::new(HashType::Sha256, now(), 300).unwrap(), now()), Err(AuthError::Store(_))));
    // A URL that is not Redis's is refused when opened.
    assert!(matches!(RedisChallengeStore::open("http://example.invalid/"), Err(AuthError::Store(_))));
}

/// A signed CMS whose signer's certificate names a CRL distribution point on loopback, and the
/// count of that point's downloads.
struct DistributionPoint {
    pki: common::Pki,
    signature: Vec<u8>,
    served: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

const REVOCATION_CONTENT: &[u8] = b"shared revocation";

impl DistributionPoint {
    fn new(pki: common::Pki) -> Self {
        use mobile_id::cms::{self, CmsSignOptions};
        let point = common::FileServer::bind();
        let port = point.port;
        pki.issue("dp", &format!("keyUsage=critical,nonRepudiation,digitalSignature\ncrlDistributionPoints=URI:http://127.0.0.1:{port}/ca.crl\n"));
        let served = point.serve(pki.crl());
        let signature = cms::sign(&mut &REVOCATION_CONTENT[..], &mut pki.signer("dp"), &CmsSignOptions::detached(Some(now()))).unwrap();
        Self { pki, signature, served }
    }

    /// The signer's indication with revocation required, fetched by a new instance whose
    /// cache is `link` (none: no shared cache).
    fn verify(&self, link: Option<mobile_id::net::RedisLink>) -> mobile_id::report::Indication {
        use mobile_id::cms::{self, CmsVerifyOptions};
        use mobile_id::net::{HttpOptions, OnlineRevocation};
        use mobile_id::x509::{RevocationFetcher, RevocationMode};
        let fetcher = OnlineRevocation::new(&HttpOptions::new());
        let fetcher = match link {
            Some(link) => fetcher.with_redis_link(link),
            None => fetcher,
        };
        let mut options = CmsVerifyOptions::new(now());
        options.revocation_mode = RevocationMode::Required;
        options.revocation.fetcher = Some(std::sync::Arc::new(fetcher) as std::sync::Arc<dyn RevocationFetcher>);
        cms::verify(&self.signature, Some(&mut &REVOCATION_CONTENT[..]), &self.pki.verifier(), &options).unwrap().signers[0].indication
    }

    fn downloads(&self) -> usize {
        self.served.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The revocation cache shared through Redis: one instance fetches a CRL from the distribution
/// point, the others read it from Redis; with Redis gone, each fetches for itself and still
/// validates.
#[test]
fn instances_share_fetched_revocation_data() {
    use mobile_id::report::Indication;
    let mut redis = RedisServer::start();
    let point = DistributionPoint::new(common::Pki::new());
    let link = || Some(mobile_id::net::RedisLink::open(&redis.url()).unwrap());
    for _ in 0..3 {
        assert_eq!(point.verify(link()), Indication::TotalPassed);
    }
    assert_eq!(point.downloads(), 1, "the other instances fetched instead of reading Redis");
    let gone = link();
    redis.stop();
    assert_eq!(point.verify(gone), Indication::TotalPassed);
    assert_eq!(point.downloads(), 2);
}

/// The same through a Redis that speaks TLS only, reached with the test CA as its root: the
/// CRL is downloaded once for three instances.
#[test]
fn instances_share_fetched_revocation_data_over_tls() {
    use mobile_id::report::Indication;
    let point = DistributionPoint::new(common::Pki::new());
    let redis = RedisServer::start_tls(&point.pki);
    let roots = mobile_id::x509::load::der_documents(&std::fs::read(point.pki.p("ca.pem")).unwrap()).unwrap();
    for _ in 0..3 {
        assert_eq!(point.verify(Some(mobile_id::net::RedisLink::open_with_tls_roots(&redis.tls_url(), &roots).unwrap())), Indication::TotalPassed);
    }
    assert_eq!(point.downloads(), 1, "the instances did not share through the TLS Redis");
}

/// A Redis that speaks TLS only (`rediss://`): reached with the caller's roots, a challenge is
/// kept and taken once; with Mozilla's roots, which do not know its CA, and over plain
/// `redis://`, the store fails with an error and keeps nothing.
#[test]
fn a_redis_over_tls_trusts_the_callers_roots_only() {
    let pki = common::Pki::new();
    let redis = RedisServer::start_tls(&pki);
    let roots = mobile_id::x509::load::der_documents(&std::fs::read(pki.p("ca.pem")).unwrap()).unwrap();
    let store = RedisChallengeStore::new(mobile_id::net::RedisLink::open_with_tls_roots(&redis.tls_url(), &roots).unwrap());
    let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    store.insert(challenge.clone(), now()).unwrap();
    assert_eq!(store.take(&challenge.id).unwrap(), Some(challenge.clone()));
    assert_eq!(store.take(&challenge.id).unwrap(), None);

    let untrusting = RedisChallengeStore::open(&redis.tls_url()).unwrap();
    let unsent = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    match untrusting.insert(unsent.clone(), now()) {
        Err(AuthError::Store(reason)) => assert!(reason.contains("connecting to Redis") && reason.to_lowercase().contains("certificate"), "{reason}"),
        other => panic!("a Redis whose certificate no root vouches for was used: {other:?}"),
    }
    let plain_url = format!("redis://127.0.0.1:{}/", redis.port);
    let plain = RedisChallengeStore::open(&plain_url).unwrap();
    let refused = Challenge::new(HashType::Sha256, now(), 300).unwrap();
    assert!(matches!(plain.insert(refused.clone(), now()), Err(AuthError::Store(_))));
    // Roots with a URL without TLS: refused when the link is made, never used in the clear.
    assert!(mobile_id::net::RedisLink::open_with_tls_roots(&plain_url, &roots).is_err());
    // Nothing of the refused inserts reached the store.
    assert_eq!(store.take(&refused.id).unwrap(), None);
    assert_eq!(store.take(&unsent.id).unwrap(), None);
}

/// One store shared by the threads of a server: every challenge issued is taken exactly once
/// by its own thread, none is lost, and the link keeps a bounded number of connections open.
#[test]
fn threads_share_one_store_and_its_connections_stay_bounded() {
    let redis = RedisServer::start();
    let store = RedisChallengeStore::open(&redis.url()).unwrap();
    let taken: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    (0..100)
                        .filter(|_| {
                            let challenge = Challenge::new(HashType::Sha256, now(), 300).unwrap();
                            store.insert(challenge.clone(), now()).unwrap();
                            store.take(&challenge.id).unwrap() == Some(challenge.clone()) && store.take(&challenge.id).unwrap().is_none()
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(taken, 1600);
    // Sixteen threads may have opened sixteen connections; what stays open is this one and at
    // most the link's idle ones (the server notices closed sockets soon, not at once).
    let mut look = redis::Client::open(redis.url()).unwrap().get_connection().unwrap();
    let mut clients = usize::MAX;
    for _ in 0..100 {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut look).unwrap();
        clients = info.lines().find_map(|l| l.strip_prefix("connected_clients:")).unwrap().trim().parse().unwrap();
        if clients <= 1 + mobile_id::net::MAX_IDLE_CONNECTIONS {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!((2..=1 + mobile_id::net::MAX_IDLE_CONNECTIONS).contains(&clients), "{clients} connections");
}

/// More threads than the link may have connections: every exchange is done (some wait for a
/// free connection), the link never has more than its bound open, and afterwards only the
/// idle ones stay.
#[test]
fn a_burst_of_threads_waits_for_the_bounded_pool() {
    use mobile_id::net::{MAX_CONNECTIONS, MAX_IDLE_CONNECTIONS, RedisLink};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let redis = RedisServer::start();
    let link = RedisLink::open(&redis.url()).unwrap();
    let (most, done) = (AtomicUsize::new(0), AtomicBool::new(false));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                most.fetch_max(link.connections_open(), Ordering::SeqCst);
                std::thread::yield_now();
            }
        });
        let workers: Vec<_> = (0..2 * MAX_CONNECTIONS)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..50 {
                        let _: i64 = link.run("counting", redis::cmd("INCR").arg("burst")).unwrap();
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        done.store(true, Ordering::SeqCst);
    });
    let total: i64 = link.run("reading", redis::cmd("GET").arg("burst")).unwrap();
    assert_eq!(total, i64::try_from(2 * MAX_CONNECTIONS * 50).unwrap());
    let most = most.load(Ordering::SeqCst);
    assert!((2..=MAX_CONNECTIONS).contains(&most), "{most} connections open at once");
    assert!(link.connections_open() <= MAX_IDLE_CONNECTIONS, "{} left open", link.connections_open());
}
