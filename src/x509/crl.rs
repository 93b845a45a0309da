//! Certificate revocation lists, RFC 5280 §5 and the CRL processing of §6.3: scope (direct
//! and indirect CRLs, distribution points, onlySome… flags, reason partitions), validity at the
//! validation time, signature by the certificate's issuer or by a separately certified CRL
//! issuer, delta CRLs over their base, entry reasons including removeFromCRL, and unknown
//! critical extensions (which make a CRL unusable).

use std::collections::BTreeSet;
use std::sync::Arc;

use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber, CrlReason};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::ValidationError;
use super::cert::ParsedCertificate;
use super::name::NormalizedName;
use super::profile::ProfileRule;
use super::signature::verify_signature;

const CRL_NUMBER: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CRL_NUMBER;
const REASON_CODE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CRL_REASONS;
const INVALIDITY_DATE: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_INVALIDITY_DATE;
const DELTA_CRL_INDICATOR: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_DELTA_CRL_INDICATOR;
const ISSUING_DISTRIBUTION_POINT: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT;
const CERTIFICATE_ISSUER: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CERTIFICATE_ISSUER;
const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER;
const ISSUER_ALT_NAME: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_ISSUER_ALT_NAME;
const FRESHEST_CRL: ObjectIdentifier = const_oid::db::rfc5280::ID_CE_FRESHEST_CRL;
const AUTHORITY_INFO_ACCESS: ObjectIdentifier = const_oid::db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS;

/// Every reason of ReasonFlags except `unused` (RFC 5280 §4.2.1.13).
const ALL_REASONS: u16 = 0x01FE;

/// One revoked certificate entry.
#[derive(Clone, Debug)]
struct Entry {
    serial: Vec<u8>,
    issuer: NormalizedName,
    time: u64,
    reason: Option<CrlReason>,
}

/// A CRL decoded once for status checks. Clones share the signed bytes and the entries (a CRL
/// of a large CA is megabytes; a cache hands out clones).
#[derive(Clone, Debug)]
pub struct ParsedCrl {
    signature_algorithm: spki::AlgorithmIdentifierOwned,
    /// `None` when the BIT STRING is not whole bytes (refused when the signature is checked).
    signature: Option<Arc<[u8]>>,
    tbs_der: Arc<[u8]>,
    issuer: NormalizedName,
    this_update: u64,
    next_update: Option<u64>,
    number: Option<Vec<u8>>,
    number_critical: bool,
    delta_base: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    authority_key_id: Option<Vec<u8>>,
    unusable: bool,
    entries: Arc<[Entry]>,
    verified_by: super::signature::VerifiedBy,
}

fn malformed() -> ValidationError {
    ValidationError::Malformed { what: "CRL" }
}

/// Big-endian unsigned comparison of CRL numbers of any length.
fn number_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let trim = |x: &[u8]| x.iter().position(|b| *b != 0).map_or(0, |i| x.len() - i);
    let (a, b) = (a.get(a.len() - trim(a)..).unwrap_or_default(), b.get(b.len() - trim(b)..).unwrap_or_default());
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl ParsedCrl {
    /// The RFC 5280 §5.2.3 rule this CRL breaks, if any: cRLNumber is required and
    /// non-critical.
    pub fn profile_violation(&self) -> Option<ProfileRule> {
        match (&self.number, self.number_critical) {
            (None, _) => Some(ProfileRule::CrlNumberMissing),
            (Some(_), true) => Some(ProfileRule::CrlNumberCritical),
            (Some(_), false) => None,
        }
    }

    /// Decodes a DER CRL.
    ///
    /// # Errors
    /// [`ValidationError::Malformed`].
    pub fn from_der(der: &[u8]) -> Result<Self, ValidationError> {
        let list: CertificateList = CertificateList::from_der(der).map_err(|_| malformed())?;
        let tbs = &list.tbs_cert_list;
        let tbs_der = super::cert::raw_tbs(der, "CRL")?;
        let issuer = NormalizedName::new(&tbs.issuer);
        let mut entries = Vec::new();
        let mut crl = Self {
            signature_algorithm: list.signature_algorithm.clone(),
            signature: list.signature.as_bytes().map(Arc::from),
            tbs_der: tbs_der.into(),
            this_update: tbs.this_update.to_unix_duration().as_secs(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration().as_secs()),
            number: None,
            number_critical: false,
            delta_base: None,
            idp: None,
            authority_key_id: None,
            unusable: false,
            entries: Arc::new([]),
            issuer: issuer.clone(),
            verified_by: super::signature::VerifiedBy::default(),
        };
        let mut seen = BTreeSet::new();
        for ext in tbs.crl_extensions.iter().flatten() {
            if !seen.insert(ext.extn_id) {
                return Err(malformed());
            }
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                CRL_NUMBER => {
                    crl.number = Some(CrlNumber::from_der(value).map_err(|_| malformed())?.0.as_bytes().to_vec());
                    crl.number_critical = ext.critical;
                }
                DELTA_CRL_INDICATOR => crl.delta_base = Some(BaseCrlNumber::from_der(value).map_err(|_| malformed())?.0.as_bytes().to_vec()),
                ISSUING_DISTRIBUTION_POINT => crl.idp = Some(IssuingDistributionPoint::from_der(value).map_err(|_| malformed())?),
                AUTHORITY_KEY_IDENTIFIER => {
                    crl.authority_key_id = AuthorityKeyIdentifier::from_der(value).map_err(|_| malformed())?.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                ISSUER_ALT_NAME | FRESHEST_CRL | AUTHORITY_INFO_ACCESS => {}
                _ if ext.critical => crl.unusable = true,
                _ => {}
            }
        }
        let indirect = crl.idp.as_ref().is_some_and(|idp| idp.indirect_crl);
        let mut entry_issuer = issuer;
        for revoked in tbs.revoked_certificates.iter().flatten() {
            let mut reason = None;
            for ext in revoked.crl_entry_extensions.iter().flatten() {
                match ext.extn_id {
                    REASON_CODE => reason = Some(CrlReason::from_der(ext.extn_value.as_bytes()).map_err(|_| malformed())?),
                    CERTIFICATE_ISSUER if indirect => {
                        let names = Vec::<GeneralName>::from_der(ext.extn_value.as_bytes()).map_err(|_| malformed())?;
                        let dn = names.iter().find_map(|n| match n {
                            GeneralName::DirectoryName(d) => Some(NormalizedName::new(d)),
                            _ => None,
                        });
                        entry_issuer = dn.ok_or_else(malformed)?;
                    }
                    INVALIDITY_DATE => {}
                    // An entry extension the library cannot process, when critical, makes the
                    // whole CRL unusable (RFC 5280 §5.3).
                    _ if ext.critical => crl.unusable = true,
                    _ => {}
                }
            }
            entries.push(Entry {
                serial: revoked.serial_number.as_bytes().to_vec(),
                issuer: entry_issuer.clone(),
                time: revoked.revocation_date.to_unix_duration().as_secs(),
                reason,
            });
        }
        // One certificate listed twice (with perhaps different dates or reasons) leaves its
        // status to whichever entry a reader finds first.
        let mut listed = std::collections::HashSet::new();
        if !entries.iter().all(|e| listed.insert((&e.issuer, e.serial.as_slice()))) {
            return Err(ValidationError::Malformed { what: "CRL listing a certificate twice" });
        }
        // §5.1.1.2: the outer signatureAlgorithm is the one inside the signed part.
        if list.signature_algorithm != tbs.signature {
            return Err(ValidationError::Malformed { what: "CRL whose two signature algorithm fields differ" });
        }
        // By serial, so that a status is found by binary search (a national CA's CRL lists
        // hundreds of thousands).
        entries.sort_unstable_by(|a, b| a.serial.cmp(&b.serial));
        crl.entries = entries.into();
        Ok(crl)
    }

    /// The issuer, prepared.
    pub(crate) fn issuer(&self) -> &NormalizedName {
        &self.issuer
    }

    /// nextUpdate (Unix seconds): until when the issuer stands by this CRL.
    pub fn next_update(&self) -> Option<u64> {
        self.next_update
    }

    /// Whether this is a delta CRL.
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// authorityKeyIdentifier keyIdentifier, when present.
    pub(crate) fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }

    /// Whether `issuer` issued and signed this CRL (a direct CRL: its issuer's name and key) —
    /// what a cache checks before keeping a CRL that came over plain HTTP.
    pub fn signed_by(&self, issuer: &ParsedCertificate) -> bool {
        issuer.subject == self.issuer && self.verify_signature(issuer.certificate().tbs_certificate().subject_public_key_info()).is_ok()
    }

    /// Verifies the CRL's signature with `key`.
    ///
    /// # Errors
    /// As [`verify_signature`].
    pub fn verify_signature(&self, key: &SubjectPublicKeyInfoOwned) -> Result<(), ValidationError> {
        let signature = self.signature.as_deref().ok_or_else(malformed)?;
        self.verified_by.check(key, || verify_signature(key, &self.signature_algorithm, &self.tbs_der, signature, "CRL"))
    }

    /// thisUpdate ≤ time < nextUpdate; a CRL without nextUpdate is never current (strict).
    fn current_at(&self, time: u64) -> bool {
        self.this_update <= time && self.next_update.is_some_and(|next| time < next)
    }

    fn same_scope(&self, other: &ParsedCrl) -> bool {
        self.issuer == other.issuer && self.idp == other.idp
    }

    /// The entry for `serial` from `issuer`, if listed.
    fn entry(&self, issuer: &NormalizedName, serial: &[u8]) -> Option<&Entry> {
        let first = self.entries.partition_point(|e| e.serial.as_slice() < serial);
        self.entries.get(first..)?.iter().take_while(|e| e.serial == serial).find(|e| &e.issuer == issuer)
    }
}

/// The outcome of revocation checking for one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlStatus {
    /// Covered for every reason and not listed.
    Good,
    /// Listed.
    Revoked {
        /// The reason.
        reason: &'static str,
        /// When, Unix seconds.
        time: u64,
    },
    /// No CRL at hand concerns this certificate's issuer.
    NoData,
    /// CRLs concern it, but none could establish the status.
    Undetermined(&'static str),
}

/// The RFC 5280 name of a CRL reason.
pub(crate) fn reason_name(reason: CrlReason) -> &'static str {
    reason_name_opt(Some(reason))
}

pub(crate) fn reason_name_opt(reason: Option<CrlReason>) -> &'static str {
    match reason {
        None | Some(CrlReason::Unspecified) => "unspecified",
        Some(CrlReason::KeyCompromise) => "keyCompromise",
        Some(CrlReason::CaCompromise) => "cACompromise",
        Some(CrlReason::AffiliationChanged) => "affiliationChanged",
        Some(CrlReason::Superseded) => "superseded",
        Some(CrlReason::CessationOfOperation) => "cessationOfOperation",
        Some(CrlReason::CertificateHold) => "certificateHold",
        Some(CrlReason::RemoveFromCRL) => "removeFromCRL",
        Some(CrlReason::PrivilegeWithdrawn) => "privilegeWithdrawn",
        Some(CrlReason::AaCompromise) => "aACompromise",
    }
}

/// What [`crl_status`] needs about the certificate and the path.
pub struct CrlCheck<'a> {
    /// The certificate whose status is wanted.
    pub cert: &'a ParsedCertificate,
    /// Its issuer (the previous certificate of the path, or the trust anchor).
    pub issuer: &'a ParsedCertificate,
    /// The validation time, Unix seconds.
    pub time: u64,
}

/// A distribution point name in comparable form: directory names prepared, others as they are.
#[derive(PartialEq)]
enum PointName {
    Directory(NormalizedName),
    Other(GeneralName),
}

fn point_names(names: &[GeneralName]) -> Vec<PointName> {
    names
        .iter()
        .map(|n| match n {
            GeneralName::DirectoryName(d) => PointName::Directory(NormalizedName::new(d)),
            other => PointName::Other(other.clone()),
        })
        .collect()
}

/// Full names of a DistributionPointName; a relative name is appended to `crl_issuer`
/// (RFC 5280 §4.2.1.13).
fn dp_names(name: &DistributionPointName, crl_issuer: &NormalizedName) -> Vec<PointName> {
    match name {
        DistributionPointName::FullName(names) => point_names(names),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => vec![PointName::Directory(crl_issuer.with_rdn(rdn))],
    }
}

fn reason_bits(flags: Option<x509_cert::ext::pkix::crl::dp::ReasonFlags>) -> u16 {
    flags.map_or(ALL_REASONS, |f| f.bits() & ALL_REASONS)
}

/// RFC 5280 §6.3.3 for one certificate. `find_crl_signer` returns a key that verifies the CRL
/// from a separately certified, already validated CRL issuer, for CRLs that the certificate's
/// issuer key does not verify (indirect CRLs, separate CRL keys).
pub fn crl_status(check: &CrlCheck<'_>, crls: &[ParsedCrl], find_crl_signer: &mut dyn FnMut(&ParsedCrl) -> Option<SubjectPublicKeyInfoOwned>) -> CrlStatus {
    let cert = check.cert;
    let serial = cert.certificate().tbs_certificate().serial_number().as_bytes().to_vec();
    let is_ca = cert.is_ca();
    let synthetic = [DistributionPoint { distribution_point: None, reasons: None, crl_issuer: None }];
    let points: &[DistributionPoint] = cert.ext.crl_distribution_points.as_deref().unwrap_or(&synthetic);

    let mut reasons_mask: u16 = 0;
    let mut relevant = false;
    let mut last_problem = "no CRL covers the certificate";
    for dp in points {
        for crl in crls.iter().filter(|c| !c.is_delta()) {
            // (b)(1) issuer
            let indirect = crl.idp.as_ref().is_some_and(|idp| idp.indirect_crl);
            let issuer_ok = match &dp.crl_issuer {
                Some(names) => indirect && names.iter().any(|n| matches!(n, GeneralName::DirectoryName(d) if NormalizedName::new(d) == crl.issuer)),
                None => crl.issuer == cert.issuer,
            };
            if !issuer_ok {
                continue;
            }
            relevant = true;
            // (b)(2) scope
            if let Some(idp) = &crl.idp {
                if let Some(idp_name) = &idp.distribution_point {
                    let idp_names = dp_names(idp_name, &crl.issuer);
                    let cert_names: Vec<PointName> = match (&dp.distribution_point, &dp.crl_issuer) {
                        (Some(name), Some(issuers)) => {
                            let issuer = point_names(issuers).into_iter().find_map(|p| match p {
                                PointName::Directory(d) => Some(d),
                                PointName::Other(_) => None,
                            });
                            dp_names(name, &issuer.unwrap_or_else(|| cert.issuer.clone()))
                        }
                        (Some(name), None) => dp_names(name, &cert.issuer),
                        (None, Some(issuers)) => point_names(issuers),
                        (None, None) => Vec::new(),
                    };
                    if !idp_names.iter().any(|a| cert_names.contains(a)) {
                        last_problem = "the CRL's distribution point does not match the certificate's";
                        continue;
                    }
                }
                if (idp.only_contains_user_certs && is_ca) || (idp.only_contains_ca_certs && !is_ca) || idp.only_contains_attribute_certs {
                    last_problem = "the CRL's scope excludes the certificate";
                    continue;
                }
            }
            if crl.unusable {
                last_problem = "the CRL has an unknown critical extension";
                continue;
            }
            // (a) currency: only a current CRL can say "good"; any authentic CRL in scope can
            // say "revoked" (a stale one, or one issued after the validation time, listing a
            // revocation is evidence too). Every such CRL is searched, so the verdict does not
            // depend on the order of the input.
            let current = crl.current_at(check.time);
            // A CRL issued after a past validation time (a signature validated at its
            // timestamp, ETSI EN 319 102-1 §5.2.5) is fresh evidence for that time as long as
            // the certificate had not expired when it was issued: until then the CA keeps
            // revoked certificates listed.
            let later = !current && crl.this_update > check.time && crl.this_update <= cert.not_after;
            if !current && !later {
                last_problem = "the CRL is not current at the validation time";
            }
            // (c) reasons
            let interim = reason_bits(crl.idp.as_ref().and_then(|i| i.only_some_reasons)) & reason_bits(dp.reasons);
            // (e)-(f) signature, by the issuer's key or a certified CRL issuer.
            let issuer_key = check.issuer.certificate().tbs_certificate().subject_public_key_info();
            let issuer_may_sign_crls = check.issuer.ext.key_usage.as_ref().is_none_or(|ku| ku.crl_sign());
            let key = if crl.issuer == cert.issuer && issuer_may_sign_crls && crl.verify_signature(issuer_key).is_ok() {
                Some(issuer_key.clone())
            } else {
                find_crl_signer(crl)
            };
            let Some(key) = key else {
                last_problem = "no valid signer for the CRL";
                continue;
            };
            if !current {
                // A later CRL: only its revocations before the validation time (or for a
                // compromise) count.
                if let Some(entry) = crl.entry(&cert.issuer, &serial)
                    && entry.reason != Some(CrlReason::RemoveFromCRL)
                    && (entry.time <= check.time
                        || matches!(
                            entry.reason,
                            None | Some(CrlReason::KeyCompromise | CrlReason::CaCompromise | CrlReason::AaCompromise | CrlReason::Unspecified)
                        ))
                {
                    return CrlStatus::Revoked { reason: reason_name_opt(entry.reason), time: entry.time };
                }
                if later {
                    reasons_mask |= interim;
                }
                continue;
            }
            // (g) the newest current delta CRL over this base, signed by the same key.
            let delta = crls
                .iter()
                .filter(|d| d.is_delta() && d.same_scope(crl) && d.current_at(check.time) && !d.unusable)
                .filter(|d| d.delta_base.as_deref().zip(crl.number.as_deref()).is_some_and(|(base, number)| number_cmp(base, number).is_le()))
                .filter(|d| d.number.as_deref().zip(crl.number.as_deref()).is_none_or(|(dn, n)| number_cmp(dn, n).is_gt()))
                .filter(|d| d.verify_signature(&key).is_ok())
                .max_by(|a, b| number_cmp(a.number.as_deref().unwrap_or_default(), b.number.as_deref().unwrap_or_default()));
            // (h)-(i) status
            if let Some(entry) = delta.and_then(|d| d.entry(&cert.issuer, &serial)) {
                if entry.reason == Some(CrlReason::RemoveFromCRL) {
                    reasons_mask |= interim;
                    continue;
                }
                return CrlStatus::Revoked { reason: reason_name_opt(entry.reason), time: entry.time };
            }
            if let Some(entry) = crl.entry(&cert.issuer, &serial)
                && entry.reason != Some(CrlReason::RemoveFromCRL)
            {
                return CrlStatus::Revoked { reason: reason_name_opt(entry.reason), time: entry.time };
            }
            reasons_mask |= interim;
        }
    }
    if reasons_mask == ALL_REASONS {
        CrlStatus::Good
    } else if !relevant && !crls.iter().any(|c| c.issuer == cert.issuer) {
        CrlStatus::NoData
    } else {
        CrlStatus::Undetermined(last_problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crl_numbers_compare_as_integers() {
        use std::cmp::Ordering::*;
        assert_eq!(number_cmp(&[1], &[0, 1]), Equal);
        assert_eq!(number_cmp(&[2], &[1, 0]), Less);
        assert_eq!(number_cmp(&[0xFF], &[1]), Greater);
    }
}
