//! Verification reports shared by CMS, PDF and login: an indication in the style of ETSI EN
//! 319 102-1 §5.1.3 (TOTAL-PASSED, INDETERMINATE, TOTAL-FAILED) with a sub-indication, so a bank
//! can store and show why a signature is or is not acceptable.

use serde::Serialize;

use crate::x509::{Identity, QcStatements, ValidationError, VerifiedPath};

/// ETSI EN 319 102-1 §5.1.3 main indication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Indication {
    /// Every check passed.
    TotalPassed,
    /// Something could not be established (missing data, unsupported algorithm, chain).
    Indeterminate,
    /// The signature is proven bad (hash or maths failure, revoked, malformed).
    TotalFailed,
}

impl Indication {
    /// The ETSI spelling, e.g. `TOTAL-PASSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TotalPassed => "TOTAL-PASSED",
            Self::Indeterminate => "INDETERMINATE",
            Self::TotalFailed => "TOTAL-FAILED",
        }
    }
}

impl SubIndication {
    /// The ETSI spelling, e.g. `HASH_FAILURE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HashFailure => "HASH_FAILURE",
            Self::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Self::Revoked => "REVOKED",
            Self::FormatFailure => "FORMAT_FAILURE",
            Self::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            Self::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            Self::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            Self::NotYetValid => "NOT_YET_VALID",
            Self::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            Self::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            Self::CryptoConstraintsFailureNoPoe => "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
            Self::DisallowedModification => "DISALLOWED_MODIFICATION",
            Self::TryLater => "TRY_LATER",
            Self::SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
            Self::TimestampFailure => "TIMESTAMP_FAILURE",
        }
    }
}

/// ETSI EN 319 102-1 §5.1.3 sub-indications used by this library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// The signed data's digest does not match.
    HashFailure,
    /// The signature maths fails.
    SigCryptoFailure,
    /// The signer's certificate was revoked.
    Revoked,
    /// The structure is not a valid signature of this format.
    FormatFailure,
    /// No path to a trust anchor.
    NoCertificateChainFound,
    /// The signing certificate cannot be identified (missing, or signingCertificateV2 mismatch).
    NoSigningCertificateFound,
    /// A certificate was expired (or not yet valid) at the validation time and no proof of
    /// existence before that exists.
    OutOfBoundsNoPoe,
    /// A certificate was not yet valid at the validation time.
    NotYetValid,
    /// The chain breaks a constraint (key usage, policy, name constraints, path length…).
    ChainConstraintsFailure,
    /// An algorithm or key size the library does not accept or implement.
    CryptoConstraintsFailure,
    /// The maths holds, but the algorithm or key size was no longer acceptable under the
    /// algorithm policy at the validation time, and nothing proves the signature existed
    /// before it stopped being acceptable.
    CryptoConstraintsFailureNoPoe,
    /// The signature is intact, but the document was changed after it in a way its signer
    /// does not allow (a PDF revision that alters signed content). Not an ETSI EN 319 102-1
    /// sub-indication: this library's name for what PDF readers call "modified after signing".
    DisallowedModification,
    /// Revocation information could not be obtained or used.
    TryLater,
    /// The content the signature covers was not supplied.
    SignedDataNotFound,
    /// A signature timestamp is present but not valid.
    TimestampFailure,
}

/// One entry of a validated chain, for reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    /// Subject, RFC 4514.
    pub subject: String,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
    /// The certificate, DER (not in JSON reports, which name it by its hash).
    #[serde(skip)]
    pub der: std::sync::Arc<[u8]>,
}

/// The verdict on one signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignatureReport {
    /// Main indication.
    pub indication: Indication,
    /// Why, when not TOTAL-PASSED.
    pub sub_indication: Option<SubIndication>,
    /// A human explanation (no personal data).
    pub message: String,
    /// The signer certificate's subject, RFC 4514.
    pub signer_subject: Option<String>,
    /// The signer's identity from the certificate.
    pub signer: Option<Identity>,
    /// QC statements of the signer certificate.
    pub qc_statements: Option<QcStatements>,
    /// The claimed signing time, Unix seconds (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::serde_rfc3339_option::serialize")]
    pub signing_time: Option<u64>,
    /// The time of a valid signature timestamp, Unix seconds (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::serde_rfc3339_option::serialize")]
    pub timestamp_time: Option<u64>,
    /// The time the chain was validated at, Unix seconds (RFC 3339 in JSON).
    #[serde(with = "crate::time::serde_rfc3339")]
    pub validation_time: u64,
    /// The validated chain, leaf first.
    pub chain: Vec<ChainEntry>,
    /// Things worth knowing that do not change the indication.
    pub warnings: Vec<String>,
}

impl SignatureReport {
    /// A report with `indication` and nothing else filled in yet.
    pub fn new(indication: Indication, sub_indication: Option<SubIndication>, message: impl Into<String>, validation_time: u64) -> Self {
        Self {
            indication,
            sub_indication,
            message: message.into(),
            signer_subject: None,
            signer: None,
            qc_statements: None,
            signing_time: None,
            timestamp_time: None,
            validation_time,
            chain: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Whether the signature is TOTAL-PASSED.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed
    }

    /// Fills in the chain, identity and QC statements from a validated path.
    pub fn with_path(mut self, path: &VerifiedPath) -> Self {
        self.chain = path.chain.iter().map(|c| ChainEntry { subject: c.subject_text(), sha256: hex::encode(c.fingerprint()), der: c.shared_der() }).collect();
        self.signer = Some(path.identity.clone());
        self.qc_statements = path.qc_statements.clone();
        self
    }
}

/// How a chain-validation failure reads as an indication (ETSI EN 319 102-1 §5.2.6).
pub fn chain_failure(error: &ValidationError) -> (Indication, SubIndication) {
    use Indication::{Indeterminate, TotalFailed};
    match error {
        ValidationError::Revoked { .. } => (TotalFailed, SubIndication::Revoked),
        ValidationError::Expired { .. } => (Indeterminate, SubIndication::OutOfBoundsNoPoe),
        ValidationError::NotYetValid { .. } => (TotalFailed, SubIndication::NotYetValid),
        ValidationError::UnsupportedAlgorithm { .. } => (Indeterminate, SubIndication::CryptoConstraintsFailure),
        // The algorithm policy no longer accepts a certificate's signature at the validation
        // time, and nothing earlier proves the chain (ETSI EN 319 102-1 §5.2.8).
        ValidationError::WeakAlgorithm { .. } => (Indeterminate, SubIndication::CryptoConstraintsFailureNoPoe),
        ValidationError::RevocationUnavailable { .. } => (Indeterminate, SubIndication::TryLater),
        ValidationError::Malformed { .. } => (Indeterminate, SubIndication::FormatFailure),
        ValidationError::UnknownIssuer | ValidationError::BadSignature { .. } | ValidationError::BudgetExceeded => {
            (Indeterminate, SubIndication::NoCertificateChainFound)
        }
        _ => (Indeterminate, SubIndication::ChainConstraintsFailure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_matches_serialisation() {
        for i in [Indication::TotalPassed, Indication::Indeterminate, Indication::TotalFailed] {
            assert_eq!(serde_json::to_value(i).unwrap(), i.as_str());
        }
        for s in [
            SubIndication::HashFailure,
            SubIndication::NoSigningCertificateFound,
            SubIndication::OutOfBoundsNoPoe,
            SubIndication::TimestampFailure,
            SubIndication::CryptoConstraintsFailureNoPoe,
            SubIndication::DisallowedModification,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
