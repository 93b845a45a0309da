//! Algorithms, the leaf every other module builds on: digest algorithms with their OIDs
//! ([`HashAlgorithm`], [`Hasher`]) and the dated policy that says until when an algorithm or
//! key size is acceptable ([`AlgorithmPolicy`], in the style of ETSI TS 119 312).
//!
//! Uses nothing else in the crate.

mod hash;
mod policy;

pub(crate) use hash::with_digest;
pub use hash::{HashAlgorithm, Hasher};
pub use policy::{AlgorithmPolicy, AlgorithmUse, PolicyError, PublicKeyKind};
