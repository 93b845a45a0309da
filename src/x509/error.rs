//! The closed set of reasons a certificate path is not accepted, each with a stable code.

/// Why validation failed. `Err` from the verifier always carries one of these; the codes are
/// stable strings for reports, logs and the command line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Bytes that do not decode as what they claim to be.
    #[error("malformed {what}")]
    Malformed {
        /// What failed to decode.
        what: &'static str,
    },
    /// An algorithm this library does not implement (DSA, P-521, unknown OIDs).
    #[error("unsupported algorithm: {what}")]
    UnsupportedAlgorithm {
        /// Which algorithm or parameter.
        what: String,
    },
    /// An algorithm the algorithm policy does not accept (at the validation time): SHA-1,
    /// MD5, RSA below 2048 bits today.
    #[error("weak algorithm: {what}")]
    WeakAlgorithm {
        /// Which algorithm, and since when it is not acceptable.
        what: String,
    },
    /// A signature (certificate, CRL or OCSP response) does not verify.
    #[error("a signature does not verify ({what})")]
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// The signature algorithm names another hash than the CMS digest algorithm it signs with
    /// (RFC 5652 §5.4): not a signature over that digest.
    #[error("the signature algorithm names another hash than the digest algorithm")]
    HashMismatch,
    /// No certificate in the anchors or intermediates names the issuer (RFC 5280 §6.1.3 (a)(4)).
    #[error("no issuer certificate found for a certificate in the path")]
    UnknownIssuer,
    /// The validation time is after a certificate's notAfter.
    #[error("a certificate has expired (notAfter {not_after} s)")]
    Expired {
        /// notAfter, Unix seconds.
        not_after: u64,
    },
    /// The validation time is before a certificate's notBefore.
    #[error("a certificate is not yet valid (notBefore {not_before} s)")]
    NotYetValid {
        /// notBefore, Unix seconds.
        not_before: u64,
    },
    /// An issuer certificate is not a CA (RFC 5280 §6.1.4 (k)).
    #[error("an issuer certificate is not a CA (basicConstraints)")]
    BasicConstraints,
    /// pathLenConstraint exceeded (RFC 5280 §6.1.4 (l)), or the caller's maximum depth.
    #[error("the path is longer than a pathLenConstraint or the maximum depth allows")]
    PathLength,
    /// A key usage bit is missing (issuer keyCertSign / cRLSign, leaf purpose bits).
    #[error("key usage does not allow {required}")]
    KeyUsage {
        /// The missing usage.
        required: &'static str,
    },
    /// The extended key usage does not allow the purpose.
    #[error("extended key usage does not allow {required}")]
    ExtendedKeyUsage {
        /// The purpose that is missing.
        required: &'static str,
    },
    /// A name violates a name constraint (RFC 5280 §6.1.3 (b), (c)).
    #[error("a name is outside the issuer's name constraints")]
    NameConstraints,
    /// Policy processing failed: no acceptable policy where one is required, or a bad mapping.
    #[error("certificate policy requirements are not met ({what})")]
    Policy {
        /// What went wrong.
        what: &'static str,
    },
    /// A critical extension this library does not process (RFC 5280 §6.1.4 (o)).
    #[error("unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Its OID.
        oid: String,
    },
    /// A certificate in the path is revoked.
    #[error("a certificate is revoked (reason: {reason})")]
    Revoked {
        /// The CRL reason code name.
        reason: &'static str,
        /// Revocation time, Unix seconds.
        time: u64,
    },
    /// Revocation data is required but none valid was found for a certificate.
    #[error("revocation status unavailable: {what}")]
    RevocationUnavailable {
        /// Why the data at hand did not serve.
        what: &'static str,
    },
    /// The path search or policy tree ran over its work budget (hostile or absurd input).
    #[error("validation exceeded its work budget")]
    BudgetExceeded,
    /// A certificate or CRL breaks an RFC 5280 MUST of the strict profile.
    #[error("{}", rule.describe())]
    Profile {
        /// Which rule.
        rule: super::ProfileRule,
    },
    /// The trust anchor's own constraints (RFC 5937) are not met, or the anchor cannot act as
    /// one: not a CA, no keyCertSign, an unknown critical extension.
    #[error("the trust anchor does not allow this path: {what}")]
    TrustAnchor {
        /// Which constraint.
        what: &'static str,
    },
    /// The caller's key usage / purpose requirements are not met by the leaf.
    #[error("the certificate is not for this purpose: {what}")]
    Purpose {
        /// What is missing.
        what: &'static str,
    },
}

impl ValidationError {
    /// The stable code string.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::UnsupportedAlgorithm { .. } => "unsupported-algorithm",
            Self::WeakAlgorithm { .. } => "weak-algorithm",
            Self::BadSignature { .. } | Self::HashMismatch => "signature",
            Self::UnknownIssuer => "unknown-issuer",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::BasicConstraints => "basic-constraints",
            Self::PathLength => "path-length",
            Self::KeyUsage { .. } => "key-usage",
            Self::ExtendedKeyUsage { .. } => "eku",
            Self::NameConstraints => "name-constraints",
            Self::Policy { .. } => "policy",
            Self::UnknownCriticalExtension { .. } => "unknown-critical-extension",
            Self::Revoked { .. } => "revoked",
            Self::RevocationUnavailable { .. } => "revocation-unavailable",
            Self::BudgetExceeded => "budget-exceeded",
            Self::Purpose { .. } => "purpose",
            Self::Profile { rule } => rule.code(),
            Self::TrustAnchor { .. } => "trust-anchor",
        }
    }

    /// Whether the failure is "we cannot judge this" (unsupported or weak algorithm) rather
    /// than "this is invalid".
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Self::UnsupportedAlgorithm { .. } | Self::WeakAlgorithm { .. })
    }

    /// How specific the reason is, for choosing what to report when every candidate path
    /// failed: a path that chained and then failed a real check says more than a look-alike
    /// issuer whose signature did not match, which says more than no issuer at all.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Self::UnknownIssuer => 0,
            Self::BadSignature { .. } => 1,
            Self::BudgetExceeded => 3,
            _ => 2,
        }
    }
}
