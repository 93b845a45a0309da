//! NIST PKITS 1.0.1 (tests/fixtures/pkits): every one of the 249 entries through the library,
//! with the pool of intermediates unordered, revocation required (PKITS implies checking for
//! every test), at 2011-04-15. Each verdict must match; where PKITS gives the user-constrained
//! policy set of a valid path, it must match too. DSA entries may come back "unsupported"
//! instead; a wrong "valid" anywhere fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

use der::asn1::ObjectIdentifier;
use mobile_id::x509::{ChainVerifier, InitialPolicySet, ParsedCertificate, ParsedCrl, Purpose, RevocationData, RevocationMode, ValidationOptions};

/// 2011-04-15T00:00:00Z.
const VALIDATION_TIME: u64 = 1_302_825_600;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pkits"))
}

fn cert(path: &str) -> Result<ParsedCertificate, mobile_id::x509::ValidationError> {
    ParsedCertificate::from_der(&std::fs::read(dir().join(path)).unwrap())
}

fn oids(values: &serde_json::Value) -> BTreeSet<ObjectIdentifier> {
    values.as_array().unwrap().iter().map(|v| ObjectIdentifier::new_unwrap(v.as_str().unwrap())).collect()
}

#[test]
fn every_pkits_verdict_matches() {
    let expectations: serde_json::Value = serde_json::from_slice(&std::fs::read(dir().join("expectations.json")).unwrap()).unwrap();
    let tests = expectations["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 249);
    let mut failures = Vec::new();
    let mut unsupported = 0;
    for test in tests {
        let id = test["id"].as_str().unwrap();
        let name = test["name"].as_str().unwrap();
        let anchor = cert(test["trust_anchor"].as_str().unwrap()).unwrap();
        // A certificate that does not decode cannot be on a valid path.
        let pool: Vec<ParsedCertificate> = test["intermediates"].as_array().unwrap().iter().filter_map(|p| cert(p.as_str().unwrap()).ok()).collect();
        let leaf = match cert(test["leaf"].as_str().unwrap()) {
            Ok(leaf) => leaf,
            Err(e) => {
                if test["expected"] == "valid" {
                    failures.push(format!("{id} {name}: leaf does not decode ({e}), expected valid"));
                }
                continue;
            }
        };
        let crls = test["crls"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| ParsedCrl::from_der(&std::fs::read(dir().join(p.as_str().unwrap())).unwrap()).ok())
            .collect();
        let settings = &test["settings"];
        let initial = oids(&settings["initial_policy_set"]);
        let mut options = ValidationOptions::new(VALIDATION_TIME, Purpose::Any);
        options.revocation = RevocationMode::Required;
        options.policy.initial_policy_set = InitialPolicySet::from_oids(initial);
        options.policy.require_explicit_policy = settings["initial_explicit_policy"].as_bool().unwrap();
        options.policy.inhibit_policy_mapping = settings["initial_policy_mapping_inhibit"].as_bool().unwrap();
        options.policy.inhibit_any_policy = settings["initial_inhibit_any_policy"].as_bool().unwrap();
        let verifier = ChainVerifier::new(vec![anchor]);
        let result = verifier.verify(&leaf, &pool, &RevocationData { crls, ocsp: Vec::new(), fetcher: None }, &options);
        let expected_valid = test["expected"] == "valid";
        match (&result, expected_valid) {
            (Err(e), _) if e.is_unsupported() && name.contains("DSA") => unsupported += 1,
            (Ok(path), true) => {
                if let Some(expected) = test["expected_user_constrained_policy_set"].as_array() {
                    let want: BTreeSet<String> = expected.iter().map(|v| v.as_str().unwrap().to_string()).collect();
                    if path.policies != want {
                        failures.push(format!("{id} {name}: policies {:?}, expected {want:?}", path.policies));
                    }
                }
            }
            (Err(_), false) => {}
            (Ok(_), false) => failures.push(format!("{id} {name}: VALID, expected invalid")),
            (Err(e), true) => failures.push(format!("{id} {name}: {} ({e}), expected valid", e.code())),
        }
    }
    assert!(unsupported <= 3, "only the DSA entries may be unsupported");
    assert!(failures.is_empty(), "{} of 249 PKITS entries differ:\n{}", failures.len(), failures.join("\n"));
}
