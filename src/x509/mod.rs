//! Certificate-chain validation, RFC 5280: path building with backtracking over an unordered
//! pool, the §6.1 validation algorithm (signatures, validity, name chaining, basic and name
//! constraints, key usage, the full policy tree, unknown critical extensions), revocation by
//! CRL (§6.3, with delta and indirect CRLs) and OCSP (RFC 6960), purposes, QC statements
//! (RFC 3739 / ETSI EN 319 412-5) and the holder's identity (ETSI EN 319 412-1).
//!
//! Pure: time is a parameter, revocation data comes in as bytes. Uses nothing else in the
//! crate but the [`crate::algorithms`] leaf.

mod backend;
mod cert;
mod crl;
mod error;
pub mod load;
mod name;
mod name_constraints;
mod ocsp;
mod path;
mod policy;
mod profile;
mod qc;
mod signature;
mod verifier;

pub use crate::algorithms::{AlgorithmPolicy, AlgorithmUse, HashAlgorithm};
pub use backend::{VerifyBackend, set_verify_backend, verify_backend};
pub use cert::{ParsedCertificate, ParsedExtensions};
pub use crl::{CrlStatus, ParsedCrl};
pub use error::ValidationError;
pub use name::NormalizedName;
pub use ocsp::{ParsedOcspResponse, build_request as ocsp_request};
pub use path::check_leaf_purpose;
pub use profile::{Conformance, ProfileRule};
pub use qc::{Identity, QcStatements, SemanticsIdentifier};
pub use signature::{Signed, verify_signature, verify_signature_maths, verify_signature_prehashed};
pub use verifier::{
    AnchorConstraints, Budget, ChainVerifier, InitialPolicySet, KeyUsageBit, PolicySettings, Purpose, RevocationData, RevocationFetcher, RevocationMode,
    RevocationSource, SIGNATURE_CACHE_LIMIT, ValidationOptions, VerifiedPath,
};
