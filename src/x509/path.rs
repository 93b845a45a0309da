//! Path building with backtracking and the path validation algorithm of RFC 5280 §6.1.
//!
//! The search walks from the leaf towards the anchors through every certificate whose subject
//! matches the current issuer (preferring an AKI/SKI match), checking each edge's signature
//! once, refusing loops, and validating each complete candidate with §6.1. A [`Budget`] caps
//! signature checks and candidate paths, so a pool of look-alike intermediates ends quickly
//! with [`ValidationError::BudgetExceeded`]. When every candidate fails, the most specific
//! reason is reported.

use std::collections::BTreeSet;

use der::asn1::ObjectIdentifier;

use super::ValidationError;
use super::cert::{ParsedCertificate, oid};
use super::crl::{CrlCheck, CrlStatus, ParsedCrl, crl_status};
use super::name_constraints::NameConstraintsState;
use super::ocsp::{OcspCheck, OcspStatus, ocsp_status};
use super::policy::PolicyTree;
use super::profile::{self, Conformance, Role};
use super::qc::Identity;
use super::signature::{Signed, verify_signature_maths, weak};
use super::verifier::{
    AnchorConstraints, Budget, ChainVerifier, KeyUsageBit, Purpose, RevocationData, RevocationMode, RevocationSource, ValidationOptions, VerifiedPath,
};
use crate::algorithms::AlgorithmUse;

/// Longest path tried, anchor excluded. Deeper PKIs do not exist in practice.
pub const MAX_PATH_LEN: usize = 12;
/// How deep CRL-issuer validations may nest inside one another.
const MAX_NESTING: usize = 2;

/// One validation in progress.
pub(crate) struct Search<'a> {
    verifier: &'a ChainVerifier,
    pool: &'a [ParsedCertificate],
    revocation: &'a RevocationData,
    options: &'a ValidationOptions,
    budget: Budget,
    best: Option<ValidationError>,
    nesting: usize,
    /// When set, only paths ending at this anchor count (CRL issuers, RFC 5280 §6.3.3 (f)).
    required_anchor: Option<[u8; 32]>,
    /// The CRL issuer whose own path is being validated: a CRL it signed may speak for its
    /// own certificate (an indirect CRL issuer listed in the CRL it issues).
    assumed_crl_signer: Option<&'a ParsedCertificate>,
}

impl<'a> Search<'a> {
    pub(crate) fn new(verifier: &'a ChainVerifier, pool: &'a [ParsedCertificate], revocation: &'a RevocationData, options: &'a ValidationOptions) -> Self {
        Self { verifier, pool, revocation, options, budget: options.budget, best: None, nesting: 0, required_anchor: None, assumed_crl_signer: None }
    }

    pub(crate) fn run(mut self, leaf: &'a ParsedCertificate) -> Result<VerifiedPath, ValidationError> {
        let mut path = vec![leaf];
        match self.extend(&mut path) {
            Ok(Some(found)) => Ok(found),
            Ok(None) => Err(self.best.unwrap_or(ValidationError::UnknownIssuer)),
            Err(fatal) => Err(fatal),
        }
    }

    fn record(&mut self, error: ValidationError) {
        if self.best.as_ref().is_none_or(|b| error.rank() > b.rank()) {
            self.best = Some(error);
        }
    }

    /// Checks that `issuer`'s key signed `subject`, through the verifier's cache, with an
    /// algorithm the policy accepts at the validation time.
    fn edge(&mut self, subject: &ParsedCertificate, issuer: &ParsedCertificate) -> Result<bool, ValidationError> {
        self.budget.edges = self.budget.edges.checked_sub(1).ok_or(ValidationError::BudgetExceeded)?;
        let used = match self.verifier.cached(subject, issuer) {
            Some(used) => used,
            None => match self.verify_edge(subject, issuer)? {
                Ok(used) => {
                    self.verifier.remember(subject, issuer, used);
                    used
                }
                Err(e) => {
                    self.record(e);
                    return Ok(false);
                }
            },
        };
        match self.options.algorithm_policy.check(&used, self.options.time) {
            Ok(()) => Ok(true),
            Err(e) => {
                self.record(weak(&e));
                Ok(false)
            }
        }
    }

    /// The maths of `issuer`'s signature on `subject`, from the signature budget: what it used,
    /// or why it does not hold (the outer error ends the search).
    fn verify_edge(&mut self, subject: &ParsedCertificate, issuer: &ParsedCertificate) -> Result<Result<AlgorithmUse, ValidationError>, ValidationError> {
        self.budget.signatures = self.budget.signatures.checked_sub(1).ok_or(ValidationError::BudgetExceeded)?;
        let cert = subject.certificate();
        let key = issuer.certificate().tbs_certificate().subject_public_key_info();
        let signature = cert.signature().as_bytes().ok_or(ValidationError::Malformed { what: "certificate signature" })?;
        Ok(match verify_signature_maths(key, cert.signature_algorithm(), None, Signed::Message(subject.tbs_der()), signature, "certificate") {
            // An issuer with the right name but another key: no chain through it.
            Err(ValidationError::BadSignature { .. }) => {
                Err(ValidationError::BadSignature { what: "no issuer certificate with this name holds the key that signed the certificate" })
            }
            other => other,
        })
    }

    /// Candidate issuers of `cert` from `certs`, AKI/SKI matches first.
    fn candidates<'c>(cert: &ParsedCertificate, certs: &'c [ParsedCertificate]) -> Vec<&'c ParsedCertificate> {
        let mut found: Vec<&ParsedCertificate> = certs.iter().filter(|c| c.subject == cert.issuer).collect();
        if let Some(aki) = cert.ext.authority_key_id.as_deref() {
            found.sort_by_key(|c| c.ext.subject_key_id.as_deref() != Some(aki));
        }
        found
    }

    fn extend(&mut self, path: &mut Vec<&'a ParsedCertificate>) -> Result<Option<VerifiedPath>, ValidationError> {
        let Some(&current) = path.last() else { return Ok(None) };
        let anchors = self.verifier.anchors();
        let mut any_issuer = false;
        for anchor in Self::candidates(current, anchors) {
            if self.required_anchor.is_some_and(|fp| fp != anchor.fingerprint()) {
                continue;
            }
            any_issuer = true;
            if !self.edge(current, anchor)? {
                continue;
            }
            if self.budget.paths == 0 {
                return Err(ValidationError::BudgetExceeded);
            }
            self.budget.paths -= 1;
            match self.validate(path, anchor) {
                Ok(found) => return Ok(Some(found)),
                Err(ValidationError::BudgetExceeded) => return Err(ValidationError::BudgetExceeded),
                Err(e) => self.record(e),
            }
        }
        if path.len() <= MAX_PATH_LEN {
            for candidate in Self::candidates(current, self.pool) {
                any_issuer = true;
                let repeats = path.iter().any(|p| {
                    p.fingerprint() == candidate.fingerprint()
                        || (p.subject == candidate.subject
                            && p.certificate().tbs_certificate().subject_public_key_info()
                                == candidate.certificate().tbs_certificate().subject_public_key_info())
                });
                if repeats || !self.edge(current, candidate)? {
                    continue;
                }
                path.push(candidate);
                let found = self.extend(path)?;
                path.pop();
                if found.is_some() {
                    return Ok(found);
                }
            }
        } else {
            self.record(ValidationError::PathLength);
        }
        if !any_issuer {
            self.record(ValidationError::UnknownIssuer);
        }
        Ok(None)
    }

    /// RFC 5280 §6.1 on one candidate: `path` is leaf first, `anchor` issued its last element.
    /// Edge signatures were verified while building.
    fn validate(&mut self, path: &[&ParsedCertificate], anchor: &ParsedCertificate) -> Result<VerifiedPath, ValidationError> {
        let options = self.options;
        let n = path.len();
        // The caller's depth counts intermediates as pathLenConstraint does (§4.2.1.9): a
        // self-issued one (a key rollover) is not a step away from the anchor.
        let depth = path.iter().skip(1).filter(|c| !c.is_self_issued()).count();
        if options.max_depth.is_some_and(|max| depth > max) {
            return Err(ValidationError::PathLength);
        }
        let time = options.time;
        check_validity(anchor, time)?;
        // §6.1.2 initialisation.
        let mut tree = Some(PolicyTree::default());
        let mut constraints = NameConstraintsState::default();
        let mut max_path_length = n;
        // A certificate trusted as itself (a self-signed signer the relying party chose to
        // trust) has nothing below its anchor to constrain, and was accepted as what it is.
        let directly_trusted = n == 1 && path.first().is_some_and(|leaf| leaf.fingerprint() == anchor.fingerprint());
        // RFC 5937 §3: the anchor certificate's own constraints start the path's.
        if options.anchor_constraints == AnchorConstraints::Enforced && !directly_trusted {
            check_anchor(anchor)?;
            profile::check_certificate(anchor, anchor.is_self_issued(), Role::Anchor, options.conformance).map_err(|rule| ValidationError::Profile { rule })?;
            if let Some(nc) = &anchor.ext.name_constraints {
                constraints.add(nc)?;
            }
            if let Some(len) = anchor.ext.basic_constraints.as_ref().and_then(|bc| bc.path_len_constraint) {
                max_path_length = max_path_length.min(usize::from(len));
            }
        }
        let start = |inhibit: bool| if inhibit { 0 } else { n + 1 };
        let mut explicit_policy = start(options.policy.require_explicit_policy);
        let mut inhibit_any = start(options.policy.inhibit_any_policy);
        let mut policy_mapping = start(options.policy.inhibit_policy_mapping);
        let mut revocation = Vec::with_capacity(n);
        let mut issuer = anchor;

        for (index, cert) in path.iter().rev().enumerate() {
            let i = index + 1;
            let is_leaf = i == n;
            let self_issued = cert.is_self_issued();
            // §6.1.3 (a)
            check_validity(cert, time)?;
            if cert.issuer != issuer.subject {
                return Err(ValidationError::UnknownIssuer);
            }
            let self_signed = self_issued
                && cert.certificate().tbs_certificate().subject_public_key_info() == issuer.certificate().tbs_certificate().subject_public_key_info();
            let role = match (is_leaf, directly_trusted) {
                (true, true) => Role::TrustedItself,
                (true, false) => Role::Leaf(options.purpose),
                (false, _) => Role::Intermediate,
            };
            profile::check_certificate(cert, self_signed, role, options.conformance).map_err(|rule| ValidationError::Profile { rule })?;
            revocation.push(self.revocation_status(cert, issuer, anchor)?);
            // (b), (c)
            if is_leaf || !self_issued {
                constraints.check(cert, &mut self.budget.name_constraint_checks)?;
            }
            // (d), (e)
            match (&cert.ext.policies, tree.as_mut()) {
                (Some(policies), Some(t)) => {
                    let any_allowed = inhibit_any > 0 || (!is_leaf && self_issued);
                    if !t.process_certificate(policies, any_allowed)? {
                        tree = None;
                    }
                }
                _ => tree = None,
            }
            // (f)
            if explicit_policy == 0 && tree.is_none() {
                return Err(ValidationError::Policy { what: "no valid policy where an explicit policy is required" });
            }
            if is_leaf {
                break;
            }
            // §6.1.4 (a), (b)
            if let Some(mappings) = &cert.ext.policy_mappings {
                let pairs: Vec<(ObjectIdentifier, ObjectIdentifier)> = mappings.0.iter().map(|m| (m.issuer_domain_policy, m.subject_domain_policy)).collect();
                if pairs.iter().any(|(a, b)| *a == oid::ANY_POLICY || *b == oid::ANY_POLICY) {
                    return Err(ValidationError::Policy { what: "a policy mapping involves anyPolicy" });
                }
                if let Some(t) = tree.as_mut()
                    && !t.apply_mappings(&pairs, policy_mapping > 0)?
                {
                    tree = None;
                }
            }
            // (c)-(f): the working issuer becomes this certificate.
            issuer = cert;
            // (g)
            if let Some(nc) = &cert.ext.name_constraints {
                constraints.add(nc)?;
            }
            // (h)
            if !self_issued {
                explicit_policy = explicit_policy.saturating_sub(1);
                policy_mapping = policy_mapping.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            // (i)
            if let Some(pc) = &cert.ext.policy_constraints {
                if let Some(r) = pc.require_explicit_policy {
                    explicit_policy = explicit_policy.min(r as usize);
                }
                if let Some(m) = pc.inhibit_policy_mapping {
                    policy_mapping = policy_mapping.min(m as usize);
                }
            }
            // (j)
            if let Some(skip) = cert.ext.inhibit_any_policy {
                inhibit_any = inhibit_any.min(skip as usize);
            }
            // (k)
            if cert.certificate().tbs_certificate().version() != x509_cert::certificate::Version::V3 || !cert.is_ca() {
                return Err(ValidationError::BasicConstraints);
            }
            // (l)
            if !self_issued {
                if max_path_length == 0 {
                    return Err(ValidationError::PathLength);
                }
                max_path_length -= 1;
            }
            // (m)
            if let Some(len) = cert.ext.basic_constraints.as_ref().and_then(|bc| bc.path_len_constraint) {
                max_path_length = max_path_length.min(usize::from(len));
            }
            // (n)
            if cert.ext.key_usage.as_ref().is_some_and(|ku| !ku.key_cert_sign()) {
                return Err(ValidationError::KeyUsage { required: "keyCertSign" });
            }
            // (o)
            if let Some(unknown) = cert.ext.unknown_critical.first() {
                return Err(ValidationError::UnknownCriticalExtension { oid: unknown.to_string() });
            }
        }
        let leaf = path.first().copied().ok_or(ValidationError::UnknownIssuer)?;
        // §6.1.5 (a), (b)
        explicit_policy = explicit_policy.saturating_sub(1);
        if leaf.ext.policy_constraints.as_ref().is_some_and(|pc| pc.require_explicit_policy == Some(0)) {
            explicit_policy = 0;
        }
        // (f)
        if let Some(unknown) = leaf.ext.unknown_critical.first() {
            return Err(ValidationError::UnknownCriticalExtension { oid: unknown.to_string() });
        }
        // (g)
        let user_set = match tree {
            Some(t) => t.intersect(options.policy.initial_policy_set.policies())?,
            None => None,
        };
        if explicit_policy == 0 && user_set.is_none() {
            return Err(ValidationError::Policy { what: "no policy acceptable to the user where one is required" });
        }
        check_purpose(leaf, options)?;
        revocation.reverse();
        let mut chain: Vec<ParsedCertificate> = path.iter().map(|c| (*c).clone()).collect();
        chain.push(anchor.clone());
        Ok(VerifiedPath {
            policies: user_set.unwrap_or_default().iter().map(ToString::to_string).collect::<BTreeSet<_>>(),
            revocation,
            identity: Identity::from_name(leaf.certificate().tbs_certificate().subject()),
            qc_statements: leaf.ext.qc_statements.clone(),
            chain,
        })
    }

    /// §6.1.3 (a)(3): the revocation status of `cert`, issued by `issuer`.
    fn revocation_status(
        &mut self,
        cert: &ParsedCertificate,
        issuer: &ParsedCertificate,
        anchor: &ParsedCertificate,
    ) -> Result<RevocationSource, ValidationError> {
        let options = self.options;
        if options.revocation == RevocationMode::Off {
            return Ok(RevocationSource::NotChecked);
        }
        let time = options.time;
        // RFC 5280 §5.2.3 on the CRLs of this certificate's issuer (strict profile).
        if options.conformance != Conformance::Lenient
            && let Some(rule) = self.revocation.crls.iter().filter(|c| c.issuer() == &cert.issuer).find_map(ParsedCrl::profile_violation)
        {
            return Err(ValidationError::Profile { rule });
        }
        let revoked_now = |reason: &'static str, when: u64| -> bool {
            // A revocation after the validation time for a reason that does not cast doubt on
            // earlier use leaves the certificate good at that time.
            when <= time || matches!(reason, "unspecified" | "keyCompromise" | "cACompromise" | "aACompromise")
        };
        let crls = &self.revocation.crls;
        let check = OcspCheck { cert, issuer, time, nonce: options.ocsp_nonce.as_deref() };
        let mut responder_ok = |responder: &ParsedCertificate| {
            let status = crl_status(&CrlCheck { cert: responder, issuer, time }, crls, &mut |_| None);
            status == CrlStatus::Good
        };
        let ocsp = ocsp_status(&check, &self.revocation.ocsp, &mut responder_ok);
        let anchor_fp = anchor.fingerprint();
        // Both sources are consulted: a revocation in either wins over "good" in the other.
        let status = {
            let mut find_signer = |crl: &ParsedCrl| self.crl_signer(crl, anchor_fp);
            crl_status(&CrlCheck { cert, issuer, time }, crls, &mut find_signer)
        };
        for revoked in [&ocsp_as_crl(&ocsp), &status] {
            if let CrlStatus::Revoked { reason, time: when } = revoked
                && revoked_now(reason, *when)
            {
                return Err(ValidationError::Revoked { reason, time: *when });
            }
        }
        match ocsp {
            OcspStatus::Good | OcspStatus::Revoked { .. } => return Ok(RevocationSource::Ocsp),
            OcspStatus::Unknown => return Err(ValidationError::RevocationUnavailable { what: "the OCSP responder does not know the certificate" }),
            OcspStatus::NoData | OcspStatus::Undetermined(_) => {}
        }
        match (status, ocsp) {
            (CrlStatus::Good, _) => Ok(RevocationSource::Crl),
            (CrlStatus::Revoked { reason, time: when }, _) if revoked_now(reason, when) => Err(ValidationError::Revoked { reason, time: when }),
            (CrlStatus::Revoked { .. }, _) => Ok(RevocationSource::Crl),
            (CrlStatus::Undetermined(what), _) | (CrlStatus::NoData, OcspStatus::Undetermined(what)) => Err(ValidationError::RevocationUnavailable { what }),
            (CrlStatus::NoData, _) if options.revocation == RevocationMode::Required => {
                Err(ValidationError::RevocationUnavailable { what: "no CRL or OCSP response for the certificate" })
            }
            (CrlStatus::NoData, _) => Ok(RevocationSource::NoData),
        }
    }

    /// A separately certified CRL issuer (RFC 5280 §6.3.3 (f)): a certificate named as the
    /// CRL's issuer, allowed to sign CRLs, whose key verifies the CRL, and which itself
    /// validates to the same anchor.
    fn crl_signer(&mut self, crl: &ParsedCrl, anchor: [u8; 32]) -> Option<spki::SubjectPublicKeyInfoOwned> {
        if let Some(assumed) = self.assumed_crl_signer {
            let key = assumed.certificate().tbs_certificate().subject_public_key_info();
            if &assumed.subject == crl.issuer() && crl.verify_signature(key).is_ok() {
                return Some(key.clone());
            }
        }
        if self.nesting >= MAX_NESTING {
            return None;
        }
        let pool: &'a [ParsedCertificate] = self.pool;
        let candidates: Vec<&'a ParsedCertificate> = pool
            .iter()
            .filter(|c| &c.subject == crl.issuer())
            .filter(|c| c.ext.key_usage.as_ref().is_none_or(|ku| ku.crl_sign()))
            .filter(|c| crl.authority_key_id().is_none_or(|aki| c.ext.subject_key_id.as_deref().is_none_or(|ski| ski == aki)))
            .collect();
        for candidate in candidates {
            let key = candidate.certificate().tbs_certificate().subject_public_key_info();
            if crl.verify_signature(key).is_err() {
                continue;
            }
            let mut options = self.options.clone();
            options.purpose = Purpose::Any;
            options.policy = Default::default();
            options.max_depth = None;
            options.required_key_usage.clear();
            options.required_eku.clear();
            options.budget = self.budget;
            let mut nested = Search {
                verifier: self.verifier,
                pool: self.pool,
                revocation: self.revocation,
                options: &options,
                budget: self.budget,
                best: None,
                nesting: self.nesting + 1,
                required_anchor: Some(anchor),
                assumed_crl_signer: Some(candidate),
            };
            let mut path = vec![candidate];
            let result = nested.extend(&mut path);
            self.budget = nested.budget;
            if let Ok(Some(_)) = result {
                return Some(key.clone());
            }
        }
        None
    }
}

fn ocsp_as_crl(status: &OcspStatus) -> CrlStatus {
    match status {
        OcspStatus::Revoked { reason, time } => CrlStatus::Revoked { reason, time: *time },
        _ => CrlStatus::NoData,
    }
}

/// RFC 5937 §3 on a trust anchor given as a certificate: it must be able to act as a CA, by
/// the same rules RFC 5280 §6.1.4 (k), (n), (o) apply to intermediates, with basicConstraints
/// critical as §4.2.1.9 requires of every CA certificate that signs certificates.
fn check_anchor(anchor: &ParsedCertificate) -> Result<(), ValidationError> {
    let what = if !anchor.is_ca() {
        "the anchor certificate is not a CA (no basicConstraints with cA TRUE)"
    } else if !anchor.ext.critical.contains(&oid::BASIC_CONSTRAINTS) {
        "the anchor certificate's basicConstraints is not marked critical"
    } else if anchor.ext.key_usage.as_ref().is_some_and(|ku| !ku.key_cert_sign()) {
        "the anchor certificate's keyUsage does not allow keyCertSign"
    } else if !anchor.ext.unknown_critical.is_empty() {
        "the anchor certificate has a critical extension this library does not process"
    } else {
        return Ok(());
    };
    Err(ValidationError::TrustAnchor { what })
}

fn check_validity(cert: &ParsedCertificate, time: u64) -> Result<(), ValidationError> {
    if time < cert.not_before {
        return Err(ValidationError::NotYetValid { not_before: cert.not_before });
    }
    if time > cert.not_after {
        return Err(ValidationError::Expired { not_after: cert.not_after });
    }
    Ok(())
}

fn has_usage(cert: &ParsedCertificate, bit: KeyUsageBit) -> bool {
    cert.ext.key_usage.as_ref().is_some_and(|ku| match bit {
        KeyUsageBit::DigitalSignature => ku.digital_signature(),
        KeyUsageBit::NonRepudiation => ku.non_repudiation(),
        KeyUsageBit::KeyEncipherment => ku.key_encipherment(),
        KeyUsageBit::DataEncipherment => ku.data_encipherment(),
        KeyUsageBit::KeyAgreement => ku.key_agreement(),
        KeyUsageBit::KeyCertSign => ku.key_cert_sign(),
        KeyUsageBit::CrlSign => ku.crl_sign(),
    })
}

fn eku(cert: &ParsedCertificate) -> Option<&[ObjectIdentifier]> {
    cert.ext.ext_key_usage.as_ref().map(|(e, _)| e.0.as_slice())
}

/// extendedKeyUsage purposes under which a key may sign documents: any purpose, S/MIME
/// (RFC 5280 §4.2.1.12), document signing (RFC 9336), Adobe's Authentic Documents Trust and
/// Microsoft's document signing.
const DOCUMENT_SIGNING_PURPOSES: [ObjectIdentifier; 5] = [
    const_oid::db::rfc5280::ANY_EXTENDED_KEY_USAGE,
    const_oid::db::rfc5280::ID_KP_EMAIL_PROTECTION,
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36"),
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.5"),
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.3.12"),
];

/// Whether `cert` may be used for `purpose` as the leaf of a path (key usage and EKU, as path
/// validation checks them), for callers that check before using a key, as signing does.
///
/// # Errors
/// [`ValidationError::KeyUsage`] or [`ValidationError::ExtendedKeyUsage`].
pub fn check_leaf_purpose(cert: &ParsedCertificate, purpose: Purpose, time: u64) -> Result<(), ValidationError> {
    check_validity(cert, time)?;
    check_purpose(cert, &ValidationOptions::new(time, purpose))
}

/// The leaf's key usage and EKU for the purpose and the caller's extra requirements.
fn check_purpose(leaf: &ParsedCertificate, options: &ValidationOptions) -> Result<(), ValidationError> {
    match options.purpose {
        Purpose::Signing => {
            if !has_usage(leaf, KeyUsageBit::NonRepudiation) {
                return Err(ValidationError::KeyUsage { required: "nonRepudiation" });
            }
            // An extendedKeyUsage, when present, must allow signing documents: one that names
            // only other purposes (the login key's clientAuth, a TLS server's serverAuth)
            // restricts the key to them (RFC 5280 §4.2.1.12).
            if eku(leaf).is_some_and(|e| !e.iter().any(|p| DOCUMENT_SIGNING_PURPOSES.contains(p))) {
                return Err(ValidationError::ExtendedKeyUsage { required: "a document-signing purpose" });
            }
        }
        Purpose::Authentication => {
            if !has_usage(leaf, KeyUsageBit::DigitalSignature) {
                return Err(ValidationError::KeyUsage { required: "digitalSignature" });
            }
            if eku(leaf).is_some_and(|e| !e.contains(&oid::KP_CLIENT_AUTH)) {
                return Err(ValidationError::ExtendedKeyUsage { required: "clientAuth" });
            }
        }
        Purpose::Timestamping => {
            let critical = leaf.ext.ext_key_usage.as_ref().is_some_and(|(_, critical)| *critical);
            if eku(leaf) != Some(&[oid::KP_TIME_STAMPING][..]) || !critical {
                return Err(ValidationError::ExtendedKeyUsage { required: "a critical extKeyUsage of only timeStamping" });
            }
            if leaf.ext.key_usage.is_some() && !has_usage(leaf, KeyUsageBit::DigitalSignature) && !has_usage(leaf, KeyUsageBit::NonRepudiation) {
                return Err(ValidationError::KeyUsage { required: "digitalSignature" });
            }
        }
        Purpose::OcspSigning => {
            if !eku(leaf).is_some_and(|e| e.contains(&oid::KP_OCSP_SIGNING)) {
                return Err(ValidationError::ExtendedKeyUsage { required: "OCSPSigning" });
            }
            if leaf.ext.key_usage.is_some() && !has_usage(leaf, KeyUsageBit::DigitalSignature) {
                return Err(ValidationError::KeyUsage { required: "digitalSignature" });
            }
        }
        Purpose::Any => {}
    }
    if options.required_key_usage.iter().any(|bit| !has_usage(leaf, *bit)) {
        return Err(ValidationError::Purpose { what: "a required key usage bit is missing" });
    }
    if !options.required_eku.is_empty() && eku(leaf).is_some_and(|e| !options.required_eku.iter().any(|r| e.contains(r))) {
        return Err(ValidationError::Purpose { what: "none of the required extended key usages is present" });
    }
    Ok(())
}
