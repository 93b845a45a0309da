//! The long-lived verifier: trust anchors, a bounded cache of verified CA signatures shared
//! across threads, and the options and results of one validation.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use der::asn1::ObjectIdentifier;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ValidationError;
use super::cert::ParsedCertificate;
use super::crl::ParsedCrl;
use super::ocsp::ParsedOcspResponse;
use super::path::Search;
use super::profile::Conformance;
use super::qc::{Identity, QcStatements};
use crate::algorithms::{AlgorithmPolicy, AlgorithmUse};

/// What the leaf certificate is to be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Signatures with legal effect: keyUsage nonRepudiation.
    Signing,
    /// Login: keyUsage digitalSignature, and id-kp-clientAuth when an EKU is present.
    Authentication,
    /// A time-stamping authority: a critical EKU of exactly id-kp-timeStamping (RFC 3161 §2.3).
    Timestamping,
    /// A delegated OCSP responder: EKU id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
    OcspSigning,
    /// No purpose check.
    Any,
}

/// How revocation is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationMode {
    /// Not at all.
    Off,
    /// When CRLs or OCSP responses for a certificate's issuer are given, they must establish
    /// the status; when none are given, the status is reported as not checked.
    IfPresent,
    /// Every certificate needs a status from the data given.
    Required,
}

/// The user-initial-policy-set of RFC 5280 §6.1.1 (c): the policies the relying party accepts.
///
/// Either *any-policy* (the RFC's default) or a set of specific policies. A set that names
/// anyPolicy (`2.5.29.32.0`) is any-policy, whatever else it names, as §6.1.1 (c) and
/// §6.1.5 (g)(iii) define it; the constructors enforce that, so the two spellings of the
/// default cannot give different verdicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitialPolicySet(Option<BTreeSet<ObjectIdentifier>>);

impl InitialPolicySet {
    /// any-policy: every policy the path's authorities assert is acceptable.
    pub fn any() -> Self {
        Self(None)
    }

    /// The given policies; any-policy when they include anyPolicy or are empty (an empty
    /// list is how callers leave the setting out).
    pub fn from_oids(oids: impl IntoIterator<Item = ObjectIdentifier>) -> Self {
        let set: BTreeSet<ObjectIdentifier> = oids.into_iter().collect();
        if set.is_empty() || set.contains(&super::cert::oid::ANY_POLICY) { Self(None) } else { Self(Some(set)) }
    }

    /// Whether this is any-policy.
    pub fn is_any(&self) -> bool {
        self.0.is_none()
    }

    /// The specific policies, `None` for any-policy.
    pub fn policies(&self) -> Option<&BTreeSet<ObjectIdentifier>> {
        self.0.as_ref()
    }
}

/// The user-initial settings of RFC 5280 §6.1.1 (c), (e), (f), (g).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicySettings {
    /// user-initial-policy-set.
    pub initial_policy_set: InitialPolicySet,
    /// initial-explicit-policy.
    pub require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit.
    pub inhibit_any_policy: bool,
}

/// Key usage bits by name, for callers that require them of the leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum KeyUsageBit {
    DigitalSignature,
    #[serde(alias = "contentCommitment")]
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
}

/// Work limits for one validation. The defaults allow any sane PKI several times over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Signature verifications (edges tried while building).
    pub signatures: usize,
    /// Complete candidate paths validated.
    pub paths: usize,
    /// Edges walked while building, cached or not: bounds the search even when every
    /// signature is already in the cache.
    pub edges: usize,
    /// Name-against-name-constraint comparisons over all candidate paths: real PKIs need a
    /// few dozen; crafted ones (a thousand names under a thousand constraints) need millions.
    pub name_constraint_checks: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self { signatures: 100, paths: 32, edges: 1000, name_constraint_checks: 1 << 16 }
    }
}

/// What a trust anchor certificate constrains (RFC 5937).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorConstraints {
    /// The anchor certificate's basicConstraints (it must be a CA, marked critical, and its
    /// pathLenConstraint counts), keyUsage (keyCertSign), nameConstraints and critical
    /// extensions bind every path below it, as RFC 5937 §3 describes (the default).
    #[default]
    Enforced,
    /// Only the anchor's name and key are used, as for a bare-key trust anchor (RFC 5914's
    /// TrustAnchorInfo without constraints): for callers who deliberately trust a key whose
    /// certificate says otherwise.
    BareKey,
}

/// Options of one validation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidationOptions {
    /// The validation time, Unix seconds (a signing or timestamp time, or now).
    pub time: u64,
    /// The leaf's purpose.
    pub purpose: Purpose,
    /// Policy settings.
    pub policy: PolicySettings,
    /// Most intermediate certificates allowed between leaf and anchor; self-issued ones
    /// (key rollovers) are not counted, as with pathLenConstraint (RFC 5280 §4.2.1.9).
    pub max_depth: Option<usize>,
    /// Revocation mode.
    pub revocation: RevocationMode,
    /// The nonce an OCSP request carried; responses must echo it.
    pub ocsp_nonce: Option<Vec<u8>>,
    /// Key usage bits the leaf must assert, beyond the purpose.
    pub required_key_usage: Vec<KeyUsageBit>,
    /// EKU OIDs of which the leaf must carry one when it has the extension.
    pub required_eku: Vec<ObjectIdentifier>,
    /// Work limits.
    pub budget: Budget,
    /// Which digests and key sizes count, and until when: certificate signatures are held to
    /// it at the validation time.
    pub algorithm_policy: AlgorithmPolicy,
    /// Whether the trust anchor certificate's constraints bind the path.
    pub anchor_constraints: AnchorConstraints,
    /// Whether the RFC 5280 profile rules ([`super::ProfileRule`]) are enforced.
    pub conformance: Conformance,
}

impl ValidationOptions {
    /// Strict defaults at `time`: purpose `any`, any policy, revocation if present.
    pub fn new(time: u64, purpose: Purpose) -> Self {
        Self {
            time,
            purpose,
            policy: PolicySettings::default(),
            max_depth: None,
            revocation: RevocationMode::IfPresent,
            ocsp_nonce: None,
            required_key_usage: Vec::new(),
            required_eku: Vec::new(),
            budget: Budget::default(),
            algorithm_policy: AlgorithmPolicy::default(),
            anchor_constraints: AnchorConstraints::Enforced,
            conformance: Conformance::Strict,
        }
    }
}

/// CRLs and OCSP responses available for a validation.
#[derive(Clone, Debug, Default)]
pub struct RevocationData {
    /// CRLs (complete and delta).
    pub crls: Vec<ParsedCrl>,
    /// OCSP responses.
    pub ocsp: Vec<ParsedOcspResponse>,
    /// Where to fetch what these do not hold (online revocation, opt-in): when set and the
    /// revocation mode is not `Off`, the path is first built without revocation, then the
    /// fetcher is asked for each certificate of it, and the path validated again with what it
    /// brought beside these (a revocation from either wins).
    pub fetcher: Option<Arc<dyn RevocationFetcher>>,
}

/// Fetches revocation data a verification does not hold: OCSP from the responder a
/// certificate's authorityInfoAccess names (RFC 6960), CRLs from its distribution points (RFC
/// 5280 §4.2.1.13). The `net` module's `OnlineRevocation` (feature `http`) is one; a host may bring
/// its own (a shared cache, a proxy). What it returns is checked like any other data: signed
/// by the issuer or a delegated responder, current at the validation time.
pub trait RevocationFetcher: Send + Sync + std::fmt::Debug {
    /// CRLs and OCSP responses for `certificate`, issued by `issuer`, for a validation at
    /// `time`; empty when none can be had (the revocation mode then decides).
    fn fetch(&self, certificate: &ParsedCertificate, issuer: &ParsedCertificate, time: u64) -> RevocationData;
}

/// How one certificate's revocation status was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationSource {
    /// Revocation checking was off.
    NotChecked,
    /// No data was given for this certificate (mode if-present).
    NoData,
    /// A CRL said good.
    Crl,
    /// An OCSP response said good.
    Ocsp,
}

/// A validated path.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedPath {
    /// Leaf first, trust anchor last.
    pub chain: Vec<ParsedCertificate>,
    /// The user-constrained policy set (dotted OIDs); empty when no policy applies and none was
    /// required.
    pub policies: BTreeSet<String>,
    /// Revocation source for each certificate of `chain` except the anchor.
    pub revocation: Vec<RevocationSource>,
    /// The leaf's holder.
    pub identity: Identity,
    /// The leaf's QC statements, if any.
    pub qc_statements: Option<QcStatements>,
}

/// Most entries of the verified-signature cache before it is cleared.
pub const SIGNATURE_CACHE_LIMIT: usize = 16_384;

/// Trust anchors and a cache of verified issuer→subject signatures for CA certificates, so a
/// bank verifying thousands of signatures under one CA pays for the CA's signatures once.
/// `Send + Sync`: share one across threads.
#[derive(Debug)]
pub struct ChainVerifier {
    anchors: Vec<ParsedCertificate>,
    /// Verified certificate signatures, with what each was made with (the algorithm policy
    /// is applied at every use, as the validation time differs).
    cache: Mutex<HashMap<[u8; 32], AlgorithmUse>>,
}

impl ChainVerifier {
    /// A verifier trusting `anchors`.
    pub fn new(anchors: Vec<ParsedCertificate>) -> Self {
        Self { anchors, cache: Mutex::new(HashMap::new()) }
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[ParsedCertificate] {
        &self.anchors
    }

    /// Builds and validates a path from `leaf` to one of the anchors through `intermediates`
    /// (an unordered pool), per RFC 5280 §6.1 at `options.time`.
    ///
    /// # Errors
    /// The most specific [`ValidationError`] over all candidate paths.
    pub fn verify(
        &self,
        leaf: &ParsedCertificate,
        intermediates: &[ParsedCertificate],
        revocation: &RevocationData,
        options: &ValidationOptions,
    ) -> Result<VerifiedPath, ValidationError> {
        if let Some(fetcher) = revocation.fetcher.as_ref().filter(|_| options.revocation != RevocationMode::Off) {
            // Online revocation: find the path first, then fetch for the certificates on it.
            // What the data at hand says is weighed with what is fetched, never instead of it:
            // a document's own CRL or OCSP response (a DSS, the CMS's revocation data) is not
            // covered by its signature and may predate a revocation.
            let mut without = options.clone();
            without.revocation = RevocationMode::Off;
            let path = Search::new(self, intermediates, revocation, &without).run(leaf)?;
            let mut merged = RevocationData { crls: revocation.crls.clone(), ocsp: revocation.ocsp.clone(), fetcher: None };
            for pair in path.chain.windows(2) {
                let [certificate, issuer] = pair else { continue };
                let fetched = fetcher.fetch(certificate, issuer, options.time);
                merged.crls.extend(fetched.crls);
                merged.ocsp.extend(fetched.ocsp);
            }
            return Search::new(self, intermediates, &merged, options).run(leaf);
        }
        Search::new(self, intermediates, revocation, options).run(leaf)
    }

    fn cache_key(subject: &ParsedCertificate, issuer: &ParsedCertificate) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(subject.fingerprint());
        h.update(issuer.fingerprint());
        h.finalize().into()
    }

    /// Whether `issuer`'s key was already seen to verify `subject`.
    pub(crate) fn cached(&self, subject: &ParsedCertificate, issuer: &ParsedCertificate) -> Option<AlgorithmUse> {
        let key = Self::cache_key(subject, issuer);
        self.cache.lock().ok().and_then(|c| c.get(&key).copied())
    }

    /// Remembers a verified certificate signature (CA and end-entity alike: a bank sees the
    /// same signers again); the cache is cleared when full, so it stays bounded.
    pub(crate) fn remember(&self, subject: &ParsedCertificate, issuer: &ParsedCertificate, used: AlgorithmUse) {
        let key = Self::cache_key(subject, issuer);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= SIGNATURE_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, used);
        }
    }
}
