//! The load test: 100,000 small-CMS verifications on 2 threads sharing one `ChainVerifier`
//! (`MOBILE_ID_LOAD_N` and `MOBILE_ID_LOAD_THREADS` change the counts). Prints the throughput and
//! the peak resident memory, and fails when memory grows between the first tenth of the run
//! and its end by more than 16 MiB: caches are bounded, nothing accumulates per verification.
//! `scripts/test.sh` runs it once (through `cargo test --benches`); `cargo bench --features
//! testing --bench load` runs it optimised.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use der::Encode;
use mobile_id::card::sim::{DemoCa, extension};
use mobile_id::card::{Curve, EcSigningKey};
use mobile_id::cms::{self, CmsSignOptions, CmsVerifyOptions};
use mobile_id::signer::SoftwareSigner;
use mobile_id::x509::{ChainVerifier, ParsedCertificate, verify_backend};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

/// (current, peak) resident memory of this process, KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0);
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let total: u64 = std::env::var("MOBILE_ID_LOAD_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let threads: u64 = std::env::var("MOBILE_ID_LOAD_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2).max(1);
    let now = SystemTime::now();
    let unix = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let day = Duration::from_secs(86_400);
    let root = DemoCa::root("CN=Load Root", Curve::P256, now - day, now + day).unwrap();
    let intermediate = root.subordinate("CN=Load CA", Curve::P256, now - day, now + day, Some(0)).unwrap();
    let key = EcSigningKey::generate(Curve::P256).unwrap();
    let usage = extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE, true, &KeyUsage(KeyUsages::NonRepudiation.into())).unwrap();
    let leaf = intermediate.issue("CN=Load Signer", key.public_key_info().unwrap(), now - day, now + day, vec![usage]).unwrap();
    let mut signer = SoftwareSigner::new(key, &leaf.to_der().unwrap()).unwrap().with_chain(vec![intermediate.certificate().clone()]);
    let content = b"a small document".to_vec();
    let signature = cms::sign(&mut content.as_slice(), &mut signer, &CmsSignOptions::detached(Some(unix))).unwrap();
    let verifier = ChainVerifier::new(vec![ParsedCertificate::from_certificate(root.certificate()).unwrap()]);
    let options = CmsVerifyOptions::new(unix);

    let done = AtomicU64::new(0);
    let early = std::sync::Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let n = done.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let report = cms::verify(&signature, Some(&mut content.as_slice()), &verifier, &options).unwrap();
                    assert!(report.passed(), "verification {n} failed: {report:?}");
                    if n == total / 10 {
                        *early.lock().unwrap() = Some(memory_kib().0);
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (rss, peak) = memory_kib();
    let early = early.into_inner().unwrap().unwrap_or(rss);
    println!(
        "load: {total} small-CMS verifications on {threads} threads, one shared verifier, {} backend: {:.1} s, {:.0}/s; resident memory {} KiB after a tenth, {} KiB at the end, peak {} KiB",
        verify_backend().name(),
        elapsed,
        total as f64 / elapsed,
        early,
        rss,
        peak
    );
    assert!(rss <= early + 16 * 1024, "memory grew from {early} KiB to {rss} KiB over the run");
}
