//! Verification of CMS SignedData (RFC 5652 §5.6) with CAdES checks (ETSI EN 319 122-1):
//! DER or BER input, attached or detached content (streamed), signed attributes or none,
//! signer by issuerAndSerialNumber or subjectKeyIdentifier, several signers, signature
//! timestamps (RFC 3161), and the signer's chain through [`ChainVerifier`] at the right time.
//! Each signer gets a [`SignatureReport`]; `Err` means the input could not be read at all.

use std::borrow::Cow;
use std::io::Read;

use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use sha1::Digest as _;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use super::CmsError;
use super::attributes::{
    EssCertIdV2, ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE, ID_CT_TST_INFO, ID_MESSAGE_DIGEST,
    ID_SIGNED_DATA, ID_SIGNING_TIME, SigningCertificate, SigningCertificateV2,
};
use super::tsp::TstInfo;
use crate::algorithms::{AlgorithmPolicy, AlgorithmUse, HashAlgorithm, Hasher};
use crate::report::{Indication, SignatureReport, SubIndication, chain_failure};
use crate::x509::{
    ChainVerifier, NormalizedName, ParsedCertificate, ParsedCrl, ParsedOcspResponse, Purpose, RevocationData, RevocationMode, Signed, ValidationError,
    ValidationOptions, VerifiedPath, verify_signature_maths,
};

/// How far a timestamp's genTime may lie after the caller's time (clock skew).
pub const TIMESTAMP_CLOCK_SKEW: u64 = 300;
/// Most signers judged in one SignedData.
pub const MAX_SIGNERS: usize = 64;
/// Most certificates read from one SignedData.
pub const MAX_CERTIFICATES: usize = 256;

/// How to verify.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CmsVerifyOptions {
    /// The time the caller validates at (Unix seconds) when no valid signature timestamp gives
    /// a better one.
    pub time: u64,
    /// Use the signer's claimed signingTime instead of `time` when there is no timestamp. Off
    /// by default: the claim is not authenticated by anyone but the signer.
    pub trust_claimed_signing_time: bool,
    /// CRLs and OCSP responses for the chains.
    pub revocation: RevocationData,
    /// Revocation mode for the chains.
    pub revocation_mode: RevocationMode,
    /// The signer certificate's purpose (default: signing).
    pub purpose: Purpose,
    /// Certificates from elsewhere (a PDF's DSS, say) that may complete chains beside the
    /// ones the SignedData carries. They are candidates, never anchors.
    pub extra_certificates: Vec<ParsedCertificate>,
    /// Which digests and key sizes count, and until when: a signer's algorithm is judged at
    /// its proof of existence (its timestamp's genTime), else at `time`; certificates at the
    /// chain's validation time.
    pub algorithm_policy: AlgorithmPolicy,
}

impl CmsVerifyOptions {
    /// Strict defaults at `time`: purpose signing, revocation if present, the default
    /// algorithm policy.
    pub fn new(time: u64) -> Self {
        Self {
            time,
            trust_claimed_signing_time: false,
            revocation: RevocationData::default(),
            revocation_mode: RevocationMode::IfPresent,
            purpose: Purpose::Signing,
            extra_certificates: Vec::new(),
            algorithm_policy: AlgorithmPolicy::default(),
        }
    }

    /// Chain options at `time` for `purpose`, with this verification's revocation mode and
    /// algorithm policy.
    fn chain_options(&self, time: u64, purpose: Purpose) -> ValidationOptions {
        let mut options = ValidationOptions::new(time, purpose);
        options.revocation = self.revocation_mode;
        options.algorithm_policy = self.algorithm_policy.clone();
        options
    }
}

/// The verdict on a CMS SignedData.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CmsReport {
    /// eContentType, dotted.
    pub content_type: String,
    /// Whether the content was inside the SignedData.
    pub attached: bool,
    /// One report per SignerInfo, in the order they appear.
    pub signers: Vec<SignatureReport>,
}

impl CmsReport {
    /// Whether there is at least one signer and every signer is TOTAL-PASSED.
    pub fn passed(&self) -> bool {
        !self.signers.is_empty() && self.signers.iter().all(SignatureReport::passed)
    }
}

/// A SignedData read once: the decoded structure, each SignerInfo's original encoding, the
/// embedded certificates and the revocation data in its `crls` field.
pub(crate) struct ParsedSignedData {
    pub(crate) signed_data: SignedData,
    /// The content octets when attached, read with the input's own encoding rules.
    pub(crate) content: Option<Vec<u8>>,
    /// Each SignerInfo in its original order and encoding, decoded once.
    pub(crate) signer_infos: Vec<RawSignerInfo>,
    pub(crate) certificates: Vec<ParsedCertificate>,
    /// Certificates that decode as X.509 but that this library refuses, with the reason: kept
    /// so that a signer whose certificate is one of them is told why, not "not found".
    pub(crate) unreadable_certificates: Vec<Refused>,
    /// CRLs and OCSP responses the SignedData carries (RFC 5652 §10.2.1, RFC 5940).
    pub(crate) revocation: RevocationData,
}

/// One SignerInfo as sent, and as decoded (`None` when it is not DER: that signer fails).
pub(crate) struct RawSignerInfo {
    pub(crate) der: Vec<u8>,
    pub(crate) info: Option<SignerInfo>,
}

impl RawSignerInfo {
    fn new(der: Vec<u8>) -> Self {
        let info = SignerInfo::from_der(&der).ok();
        Self { der, info }
    }
}

fn malformed(what: &'static str) -> CmsError {
    CmsError::Malformed(what)
}

/// The TLVs inside a constructed value.
fn elements(value: &[u8]) -> Result<Vec<Vec<u8>>, CmsError> {
    let mut reader = SliceReader::new(value).map_err(|_| malformed("SignedData"))?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        let any = AnyRef::decode(&mut reader).map_err(|_| malformed("SignedData"))?;
        out.push(any.to_der().map_err(|_| malformed("SignedData"))?);
        if out.len() > MAX_SIGNERS + 8 {
            return Err(malformed("SignedData with too many elements"));
        }
    }
    Ok(out)
}

/// One BER or DER element: its whole encoding and its contents (without an indefinite
/// length's end-of-contents octets).
struct Element<'a> {
    encoding: &'a [u8],
    contents: &'a [u8],
}

/// The element at the start of `bytes`, read with BER's rules (X.690 §8.1: definite or
/// indefinite lengths; der bounds the nesting of indefinite lengths).
fn element(bytes: &[u8]) -> Option<Element<'_>> {
    let mut reader = SliceReader::new_with_encoding_rules(bytes, der::EncodingRules::Ber).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    let header_len = usize::try_from(u32::from(reader.position())).ok()?;
    let length = usize::try_from(u32::from(header.length())).ok()?;
    let encoding = bytes.get(..header_len.checked_add(length)?)?;
    // A single-octet tag is followed by 0x80 exactly when the length is indefinite; the
    // contents then end before the two end-of-contents octets.
    let indefinite = bytes.first().is_some_and(|t| t & 0x1f != 0x1f) && bytes.get(1) == Some(&0x80);
    let contents_end = if indefinite { encoding.len().checked_sub(2)? } else { encoding.len() };
    Some(Element { encoding, contents: encoding.get(header_len..contents_end)? })
}

/// The elements of a constructed BER or DER value's contents, at most `limit`.
fn ber_elements(mut contents: &[u8], limit: usize) -> Result<Vec<Element<'_>>, CmsError> {
    let mut out = Vec::new();
    while !contents.is_empty() {
        let next = element(contents).ok_or(malformed("SignedData"))?;
        contents = contents.get(next.encoding.len()..).unwrap_or_default();
        out.push(next);
        if out.len() > limit {
            return Err(malformed("SignedData with too many elements"));
        }
    }
    Ok(out)
}

/// The BER or DER value at the start of `bytes`, without what follows it.
pub fn leading_value(bytes: &[u8]) -> Option<&[u8]> {
    element(bytes).map(|e| e.encoding)
}

/// A certificate that decodes as X.509 but that the certificate parser refuses, and why.
pub(crate) type Refused = (x509_cert::Certificate, ValidationError);

/// The certificates of a CertificateSet's contents that this library reads, and those that
/// decode as X.509 but are refused (with the reason). Attribute certificates and values that
/// are not certificates at all are left out: they cannot be the signer's. A set of more than
/// [`MAX_CERTIFICATES`] values is malformed.
fn read_certificates(set: &[u8]) -> Result<(Vec<ParsedCertificate>, Vec<Refused>), CmsError> {
    let mut read = Vec::new();
    let mut unreadable = Vec::new();
    for item in ber_elements(set, MAX_CERTIFICATES)? {
        if item.encoding.first() != Some(&0x30) {
            continue;
        }
        if let Ok(parsed) = ParsedCertificate::from_der(item.encoding) {
            read.push(parsed);
            continue;
        }
        let Ok(cert) = x509_cert::Certificate::from_ber(item.encoding) else { continue };
        match ParsedCertificate::from_certificate(&cert) {
            Ok(parsed) => read.push(parsed),
            Err(e) => unreadable.push((cert, e)),
        }
    }
    Ok((read, unreadable))
}

/// id-ri-ocsp-response (RFC 5940 §2.2.1): an OCSPResponse.
const ID_RI_OCSP_RESPONSE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.16.2");
/// id-pkix-ocsp-basic: a BasicOCSPResponse, as ETSI EN 319 122-1 producers write it.
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;

/// The revocation data of a RevocationInfoChoices' contents (RFC 5652 §10.2.1): CRLs, and
/// OCSP responses in the "other" choice (RFC 5940 §2.2). Items that do not decode, and other
/// formats (SCVP), are left out.
fn read_revocation(set: &[u8]) -> Result<RevocationData, CmsError> {
    let mut out = RevocationData::default();
    for item in ber_elements(set, MAX_CERTIFICATES)? {
        match item.encoding.first() {
            Some(0x30) => out.crls.extend(ParsedCrl::from_der(item.encoding).ok()),
            // [1] IMPLICIT OtherRevocationInfoFormat ::= SEQUENCE { OID, ANY DEFINED BY }
            Some(0xA1) => {
                let Ok(parts) = ber_elements(item.contents, 2) else { continue };
                let [format, info] = parts.as_slice() else { continue };
                let Ok(format) = ObjectIdentifier::from_der(format.encoding) else { continue };
                let parsed = match format {
                    ID_RI_OCSP_RESPONSE => ParsedOcspResponse::from_der(info.encoding),
                    ID_PKIX_OCSP_BASIC => ParsedOcspResponse::from_basic_der(info.encoding),
                    _ => continue,
                };
                out.ocsp.extend(parsed.ok());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Reads a ContentInfo holding SignedData, in DER or in BER (indefinite lengths, constructed
/// strings), normalised to DER. Certificates and revocation data are read item by item on
/// the side, so that one the decoder cannot take (an RFC 5940 OCSP response, an odd
/// certificate) does not make the whole signature unreadable; the signature never covers them.
pub(crate) fn parse_signed_data(bytes: &[u8]) -> Result<ParsedSignedData, CmsError> {
    parse_signed_data_for(bytes, Use::Reencode)
}

/// What the decoded SignedData is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Re-encoding it (adding a timestamp): the decoder keeps its certificates.
    Reencode,
    /// Verification only, which reads the certificates and revocation data itself: the typed
    /// decode skips them (decoding every embedded certificate again was most of the cost of
    /// verifying a small CMS whose certificates are already parsed).
    Verify,
}

fn parse_signed_data_for(bytes: &[u8], purpose: Use) -> Result<ParsedSignedData, CmsError> {
    // The end of the value is found by reading its encoding, not a DER length: signatures
    // embedded in PDFs are padded with zeros up to their placeholder's size, and BER producers
    // end their value with indefinite lengths. Anything after the value that is not zero
    // padding is refused: another reader could take it for something.
    let outer = element(bytes).ok_or(malformed("ContentInfo"))?;
    if bytes.get(outer.encoding.len()..).unwrap_or_default().iter().any(|b| *b != 0) {
        return Err(malformed("ContentInfo (followed by data that is not zero padding)"));
    }
    let outer_parts = ber_elements(outer.contents, 2)?;
    let [content_type, explicit] = outer_parts.as_slice() else { return Err(malformed("ContentInfo")) };
    if ObjectIdentifier::from_der(content_type.encoding).map_err(|_| malformed("ContentInfo"))? != ID_SIGNED_DATA {
        return Err(CmsError::NotSignedData);
    }
    if explicit.encoding.first() != Some(&0xA0) {
        return Err(malformed("ContentInfo"));
    }
    let inner = element(explicit.contents).ok_or(malformed("SignedData"))?;
    let parts = ber_elements(inner.contents, 8)?;
    let mut certificates = Vec::new();
    let mut unreadable_certificates = Vec::new();
    let mut revocation = RevocationData::default();
    for part in &parts {
        match part.encoding.first() {
            Some(0xA0) => (certificates, unreadable_certificates) = read_certificates(part.contents)?,
            Some(0xA1) => revocation = read_revocation(part.contents)?,
            _ => {}
        }
    }
    // The whole SignedData when the decoder takes it (so that re-encoding it, as adding a
    // timestamp does, keeps its certificates); else without its certificates and revocation
    // data, which were read above. DER input keeps its own encoding for the SignerInfos; BER
    // input is normalised first.
    let content = encapsulated_content_of(&parts)?;
    if purpose == Use::Verify
        && let Some((signed_data, signer_infos)) = decode_for_verification(&parts)?
    {
        return Ok(ParsedSignedData { signed_data, content, signer_infos, certificates, unreadable_certificates, revocation });
    }
    let without_side_data = || without_certificates_and_revocation(&parts, &[]).map_err(|_| malformed("SignedData"));
    let (signed_data, der_bytes) = match SignedData::from_der(inner.encoding).map(|sd| (sd, inner.encoding.to_vec())) {
        Ok(found) => found,
        Err(_) => {
            let stripped = without_side_data()?;
            match SignedData::from_der(&stripped) {
                Ok(sd) => (sd, stripped),
                Err(_) => {
                    let sd = SignedData::from_ber(inner.encoding).or_else(|_| SignedData::from_ber(&stripped)).map_err(|_| malformed("SignedData"))?;
                    let der_bytes = sd.to_der().map_err(|_| malformed("SignedData"))?;
                    (sd, der_bytes)
                }
            }
        }
    };
    // Each SignerInfo in its original order and encoding: the last element of SignedData.
    let sequence = AnyRef::from_der(&der_bytes).map_err(|_| malformed("SignedData"))?;
    let fields = elements(sequence.value())?;
    let set = fields.last().ok_or(malformed("SignedData without signerInfos"))?;
    let set = AnyRef::from_der(set).map_err(|_| malformed("signerInfos"))?;
    let signer_infos = elements(set.value())?;
    if signer_infos.len() > MAX_SIGNERS {
        return Err(malformed("too many signers"));
    }
    let signer_infos = signer_infos.into_iter().map(RawSignerInfo::new).collect();
    Ok(ParsedSignedData { signed_data, content, signer_infos, certificates, unreadable_certificates, revocation })
}

/// The common case for verification, decoding each part once: DER SignerInfos, each of which
/// decodes, and the rest of the SignedData decoded without them (its certificates and
/// revocation data are read on the side). `None` sends anything else down the general path,
/// which normalises BER; too many signers are refused here.
fn decode_for_verification(parts: &[Element<'_>]) -> Result<Option<(SignedData, Vec<RawSignerInfo>)>, CmsError> {
    let Some(raw) = parts
        .last()
        .filter(|p| p.encoding.first() == Some(&0x31))
        .and_then(|set| AnyRef::from_der(set.encoding).ok())
        .and_then(|set| elements(set.value()).ok())
    else {
        return Ok(None);
    };
    if raw.len() > MAX_SIGNERS {
        return Err(malformed("too many signers"));
    }
    let mut signer_infos = Vec::with_capacity(raw.len());
    for der in raw {
        let Ok(info) = SignerInfo::from_der(&der) else { return Ok(None) };
        signer_infos.push(RawSignerInfo { der, info: Some(info) });
    }
    // The SignedData with an empty signerInfos SET in place of the real one.
    let Some((_, rest)) = parts.split_last() else { return Ok(None) };
    let decoded = without_certificates_and_revocation(rest, &[0x31, 0x00]).and_then(|head| SignedData::from_der(&head));
    Ok(decoded.ok().map(|signed_data| (signed_data, signer_infos)))
}

/// A SignedData SEQUENCE of `parts` without the certificates ([0]) and revocation data ([1]),
/// followed by `tail`.
fn without_certificates_and_revocation(parts: &[Element<'_>], tail: &[u8]) -> der::Result<Vec<u8>> {
    let mut kept = Vec::with_capacity(parts.iter().map(|p| p.encoding.len()).sum::<usize>() + tail.len());
    for part in parts.iter().filter(|p| !matches!(p.encoding.first(), Some(0xA0 | 0xA1))) {
        kept.extend_from_slice(part.encoding);
    }
    kept.extend_from_slice(tail);
    der::asn1::Any::new(der::Tag::Sequence, kept)?.to_der()
}

/// The eContent read with BER's rules, which DER input also follows: producers that stream
/// send it as a constructed OCTET STRING of chunks, which the decoder reassembles.
fn encapsulated_content_of(parts: &[Element<'_>]) -> Result<Option<Vec<u8>>, CmsError> {
    Ok(EncapsulatedContentBer::from_ber(parts.get(2).ok_or(malformed("eContent"))?.encoding)
        .map_err(|_| malformed("eContent"))?
        .econtent
        .map(|o| o.as_bytes().to_vec()))
}

/// EncapsulatedContentInfo as RFC 5652 §5.2 gives it, with eContent typed as the OCTET STRING
/// it is for id-data, so that BER's constructed, indefinite-length strings are reassembled.
#[derive(der::Sequence)]
struct EncapsulatedContentBer {
    econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    econtent: Option<OctetString>,
}

/// The `hash` of everything `content` yields, read in 64 KiB blocks.
pub(crate) fn digest_of(content: &mut dyn Read, hash: HashAlgorithm) -> Result<Vec<u8>, CmsError> {
    ContentDigests::from_reader(content, &[hash])?.into_first().ok_or(CmsError::Malformed("digest"))
}

/// The encapsulated content of a SignedData, if it holds one: for the legacy
/// `adbe.pkcs7.sha1` PDF signatures (ISO 32000-1 §12.8.3.3.1), the SHA-1 digest of the
/// signed byte ranges.
pub(crate) fn encapsulated_content(cms: &[u8]) -> Option<Vec<u8>> {
    parse_signed_data_for(cms, Use::Verify).ok()?.content
}

/// The encapsulated content octets, if attached.
pub(crate) fn attached_content(parsed: &ParsedSignedData) -> Result<Option<Vec<u8>>, CmsError> {
    Ok(parsed.content.clone())
}

/// The content digests a signer needs, computed once.
pub(crate) struct ContentDigests(Vec<(HashAlgorithm, Vec<u8>)>);

impl ContentDigests {
    /// Hashes `content` with every algorithm in `hashes`, reading it once in 64 KiB blocks.
    pub(crate) fn from_reader(content: &mut dyn Read, hashes: &[HashAlgorithm]) -> Result<Self, CmsError> {
        let mut wanted = hashes.to_vec();
        wanted.sort();
        wanted.dedup();
        let mut hashers: Vec<Hasher> = wanted.into_iter().map(Hasher::new).collect();
        // 64 KiB reads: PDF byte ranges come through a reader that seeks between ranges, which
        // empties any buffering below it. The buffer starts at 4 KiB and grows once a read fills
        // it, so that a small content (a login, a CMS over a few bytes) zeroes no 64 KiB.
        let mut buffer = vec![0u8; 4 * 1024];
        loop {
            let n = content.read(&mut buffer).map_err(|e| CmsError::Io(e.kind()))?;
            let Some(chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else { break };
            hashers.iter_mut().for_each(|h| h.update(chunk));
            if n == buffer.len() && n < 64 * 1024 {
                buffer.resize(64 * 1024, 0);
            }
        }
        Ok(Self(hashers.into_iter().map(|h| (h.algorithm(), h.finish())).collect()))
    }

    /// The first digest computed (for single-hash callers).
    pub(crate) fn into_first(self) -> Option<Vec<u8>> {
        self.0.into_iter().next().map(|(_, d)| d)
    }

    fn get(&self, hash: HashAlgorithm) -> Option<&[u8]> {
        self.0.iter().find(|(h, _)| *h == hash).map(|(_, d)| d.as_slice())
    }
}

/// A failure of one signer, as a report.
pub(crate) struct Failure(Indication, SubIndication, String);

fn fail(indication: Indication, sub: SubIndication, message: impl Into<String>) -> Failure {
    Failure(indication, sub, message.into())
}

fn format_failure(message: &str) -> Failure {
    fail(Indication::TotalFailed, SubIndication::FormatFailure, message)
}

/// What the cryptographic checks of one SignerInfo established.
pub(crate) struct CheckedSigner<'a> {
    pub(crate) certificate: ParsedCertificate,
    pub(crate) signing_time: Option<u64>,
    pub(crate) signature: Vec<u8>,
    pub(crate) info: &'a SignerInfo,
    pub(crate) warnings: Vec<String>,
    /// The digest and key the signature was made with, for the algorithm policy.
    pub(crate) algorithm: AlgorithmUse,
}

fn single_value(attrs: &[Attribute], oid: ObjectIdentifier) -> Result<Option<&der::Any>, Failure> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else { return Ok(None) };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(format_failure("a signed attribute is repeated or has several values"));
    }
    Ok(attr.values.iter().next())
}

/// The signer's certificate among the SignedData's own and `extra` ones (a PDF's DSS: RFC 5652
/// §5.1 lets the SignedData leave it out).
fn find_signer(parsed: &ParsedSignedData, extra: &[ParsedCertificate], sid: &SignerIdentifier) -> Option<ParsedCertificate> {
    parsed
        .certificates
        .iter()
        .chain(extra)
        .find(|c| names(sid, &c.issuer, c.certificate().tbs_certificate().serial_number(), c.extensions().subject_key_id.as_deref()))
        .cloned()
}

/// Whether a SignerIdentifier (RFC 5652 §5.3) names the certificate with this issuer, serial
/// number and subject key identifier.
fn names(sid: &SignerIdentifier, issuer: &NormalizedName, serial: &x509_cert::serial_number::SerialNumber, ski: Option<&[u8]>) -> bool {
    match sid {
        // The serial first: it rules out the other certificates without normalising a name.
        SignerIdentifier::IssuerAndSerialNumber(isn) => isn.serial_number == *serial && NormalizedName::new(&isn.issuer) == *issuer,
        SignerIdentifier::SubjectKeyIdentifier(id) => ski == Some(id.0.as_bytes()),
    }
}

/// Why the signer's certificate, present in the SignedData but refused by the certificate
/// parser, was refused.
fn unreadable_signer<'a>(parsed: &'a ParsedSignedData, sid: &SignerIdentifier) -> Option<&'a ValidationError> {
    parsed.unreadable_certificates.iter().find_map(|(cert, error)| {
        let tbs = cert.tbs_certificate();
        let ski = tbs
            .extensions()
            .into_iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok());
        names(sid, &NormalizedName::new(tbs.issuer()), tbs.serial_number(), ski.as_ref().map(OctetString::as_bytes)).then_some(error)
    })
}

fn unsupported(e: &ValidationError) -> Failure {
    fail(Indication::Indeterminate, SubIndication::CryptoConstraintsFailure, e.to_string())
}

/// The checks of RFC 5652 §5.6 and ETSI EN 319 122-1 §5.2 on one SignerInfo: signer
/// certificate, contentType, messageDigest, signingCertificate(V2), the signature over the
/// signed attributes (or the content) — everything but the chain.
pub(crate) fn check_signer<'a>(
    parsed: &ParsedSignedData,
    extra: &[ParsedCertificate],
    raw: &'a RawSignerInfo,
    digests: Option<&ContentDigests>,
) -> Result<CheckedSigner<'a>, Failure> {
    let info = raw.info.as_ref().ok_or_else(|| format_failure("a SignerInfo does not decode"))?;
    let certificate = find_signer(parsed, extra, &info.sid).ok_or_else(|| match unreadable_signer(parsed, &info.sid) {
        Some(e) => fail(Indication::Indeterminate, SubIndication::NoSigningCertificateFound, format!("the signer's certificate is refused: {e}")),
        None => fail(Indication::Indeterminate, SubIndication::NoSigningCertificateFound, "the signer's certificate is not in the SignedData"),
    })?;
    let hash = HashAlgorithm::from_oid(&info.digest_alg.oid).ok_or_else(|| {
        fail(Indication::Indeterminate, SubIndication::CryptoConstraintsFailure, format!("unsupported digest algorithm {}", info.digest_alg.oid))
    })?;
    let digests = digests.ok_or_else(|| fail(Indication::Indeterminate, SubIndication::SignedDataNotFound, "the signed content was not supplied"))?;
    let content_digest = digests.get(hash).ok_or_else(|| format_failure("the content digest was not computed"))?;
    let spki = certificate.certificate().tbs_certificate().subject_public_key_info().clone();
    let signature = info.signature.as_bytes().to_vec();
    let mut warnings = Vec::new();
    let mut signing_time = None;
    let raw_attrs;
    let signed = match &info.signed_attrs {
        // RFC 5652 §5.3: only id-data may be signed without signed attributes.
        None if parsed.signed_data.encap_content_info.econtent_type != super::attributes::ID_DATA => {
            return Err(format_failure("content other than id-data signed without signed attributes"));
        }
        None => {
            warnings.push("no signed attributes: neither the signing time nor the signer certificate is bound".into());
            Signed::Digest(content_digest)
        }
        Some(attrs) => {
            let attrs = attrs.as_slice();
            // contentType must equal eContentType (RFC 5652 §11.1).
            let content_type = single_value(attrs, ID_CONTENT_TYPE)?.ok_or_else(|| format_failure("no contentType attribute"))?;
            let content_type: ObjectIdentifier = content_type.decode_as().map_err(|_| format_failure("contentType attribute does not decode"))?;
            if content_type != parsed.signed_data.encap_content_info.econtent_type {
                return Err(format_failure("the contentType attribute differs from eContentType"));
            }
            // messageDigest (RFC 5652 §11.2).
            let digest = single_value(attrs, ID_MESSAGE_DIGEST)?.ok_or_else(|| format_failure("no messageDigest attribute"))?;
            let digest: OctetString = digest.decode_as().map_err(|_| format_failure("messageDigest attribute does not decode"))?;
            if digest.as_bytes() != content_digest {
                return Err(fail(Indication::TotalFailed, SubIndication::HashFailure, "the content does not match the signed message digest"));
            }
            if let Some(time) = single_value(attrs, ID_SIGNING_TIME)? {
                let time: x509_cert::time::Time = time.decode_as().map_err(|_| format_failure("signingTime does not decode"))?;
                signing_time = Some(time.to_unix_duration().as_secs());
            }
            check_signing_certificate(attrs, &certificate, &mut warnings)?;
            // The signature is over the DER of the SET OF attributes as sent (RFC 5652 §5.4):
            // the [0] IMPLICIT tag of the SignerInfo replaced by the SET tag.
            raw_attrs = raw_signed_attributes(&raw.der).ok_or_else(|| format_failure("signed attributes do not decode"))?;
            Signed::Message(&raw_attrs)
        }
    };
    let algorithm = verify_signature_maths(&spki, &info.signature_algorithm, Some(hash), signed, &signature, "CMS signature").map_err(|e| match e {
        ValidationError::BadSignature { .. } => fail(Indication::TotalFailed, SubIndication::SigCryptoFailure, "the signature does not verify"),
        ValidationError::HashMismatch => {
            fail(Indication::TotalFailed, SubIndication::SigCryptoFailure, format!("the signature does not verify: {}", ValidationError::HashMismatch))
        }
        other if other.is_unsupported() => unsupported(&other),
        other => fail(Indication::TotalFailed, SubIndication::SigCryptoFailure, other.to_string()),
    })?;
    Ok(CheckedSigner { certificate, signing_time, signature, info, warnings, algorithm })
}

/// The signedAttrs of an encoded SignerInfo, retagged as the SET OF they are signed as.
fn raw_signed_attributes(signer_info: &[u8]) -> Option<Vec<u8>> {
    let sequence = element(signer_info)?;
    let fields = ber_elements(sequence.contents, 8).ok()?;
    let mut out = fields.iter().find(|f| f.encoding.first() == Some(&0xA0))?.encoding.to_vec();
    *out.first_mut()? = 0x31;
    Some(out)
}

/// Whether `name` is `certificate`'s issuer: as encoded, else as RFC 5280 §7.1 compares names.
fn same_name(name: &x509_cert::name::Name, certificate: &ParsedCertificate) -> bool {
    name == certificate.certificate().tbs_certificate().issuer() || NormalizedName::new(name) == certificate.issuer
}

/// ESS signingCertificateV2 (or v1): the first certificate hash must be the signer's
/// (RFC 5035 §3, ETSI EN 319 122-1 §5.2.2.3).
fn check_signing_certificate(attrs: &[Attribute], certificate: &ParsedCertificate, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let mismatch = || fail(Indication::Indeterminate, SubIndication::NoSigningCertificateFound, "signingCertificateV2 does not name the signer's certificate");
    let issuer_serial_ok = |issuer_serial: &Option<super::attributes::IssuerSerial>| {
        issuer_serial.as_ref().is_none_or(|is| {
            is.serial_number == *certificate.certificate().tbs_certificate().serial_number()
                && is.issuer.iter().any(|n| matches!(n, GeneralName::DirectoryName(d) if same_name(d, certificate)))
        })
    };
    if let Some(v2) = single_value(attrs, ID_AA_SIGNING_CERTIFICATE_V2)? {
        let v2: SigningCertificateV2 = v2.decode_as().map_err(|_| format_failure("signingCertificateV2 does not decode"))?;
        let first: &EssCertIdV2 = v2.certs.first().ok_or_else(mismatch)?;
        let hash = match &first.hash_algorithm {
            None => HashAlgorithm::Sha256,
            Some(alg) => HashAlgorithm::from_oid(&alg.oid).ok_or_else(|| {
                fail(
                    Indication::Indeterminate,
                    SubIndication::CryptoConstraintsFailure,
                    format!("unsupported digest algorithm {} in signingCertificateV2", alg.oid),
                )
            })?,
        };
        // The certificate's SHA-256 is computed once, when it is parsed.
        let cert_hash = if hash == HashAlgorithm::Sha256 { certificate.fingerprint().to_vec() } else { hash.digest(certificate.der()) };
        if first.cert_hash.as_bytes() != cert_hash || !issuer_serial_ok(&first.issuer_serial) {
            return Err(mismatch());
        }
    } else if let Some(v1) = single_value(attrs, ID_AA_SIGNING_CERTIFICATE)? {
        let v1: SigningCertificate = v1.decode_as().map_err(|_| format_failure("signingCertificate does not decode"))?;
        let first = v1.certs.first().ok_or_else(mismatch)?;
        if first.cert_hash.as_bytes() != sha1::Sha1::digest(certificate.der()).as_slice() || !issuer_serial_ok(&first.issuer_serial) {
            return Err(mismatch());
        }
        warnings.push("the signer certificate is bound with ESS signingCertificate (SHA-1), not signingCertificateV2".into());
    } else {
        warnings.push("no signingCertificateV2 attribute: not a CAdES signature, the signer certificate is not bound".into());
    }
    Ok(())
}

/// A validated RFC 3161 token: its genTime.
pub(crate) struct ValidToken {
    pub(crate) gen_time: u64,
}

/// Why an RFC 3161 timestamp token does not count, by what a caller does with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampVerifyError {
    /// The token does not decode as a SignedData holding a TSTInfo with one signer.
    #[error("the timestamp token is malformed: {0}")]
    Malformed(String),
    /// The message imprint is not the digest of the data the token claims to cover.
    #[error("the timestamp's message imprint does not match the data it claims to cover")]
    ImprintMismatch,
    /// genTime lies after the validation time.
    #[error("the timestamp's genTime is later than the validation time")]
    FromTheFuture,
    /// The token's own signature fails (indication and sub-indication as for a signer).
    #[error("timestamp: {message}")]
    Signature {
        /// The token signer's indication.
        indication: Indication,
        /// Why.
        sub_indication: SubIndication,
        /// In words.
        message: String,
    },
    /// The token names a digest this library does not implement: nothing is established.
    #[error("timestamp: unsupported digest algorithm {0}")]
    Unsupported(String),
    /// The token verifies, but its algorithm is not acceptable at the validation time.
    #[error("timestamp: {0}")]
    Algorithm(String),
    /// The token verifies, but the TSA's certificate does not chain to an anchor.
    #[error("the timestamping authority's certificate: {0}")]
    Chain(ValidationError),
    /// Reading the covered data failed.
    #[error("reading the timestamped data failed: {0}")]
    Io(String),
}

/// Validates a TimestampToken over `imprint_source` (the bytes that were timestamped): the
/// token's own CMS signature, the TSA certificate (critical EKU timeStamping) chained to an
/// anchor at genTime, and the message imprint.
pub(crate) fn validate_token(
    token: &[u8],
    imprint_source: &[u8],
    verifier: &ChainVerifier,
    options: &CmsVerifyOptions,
) -> Result<ValidToken, TimestampVerifyError> {
    validate_token_over(token, &mut |hash| Ok(hash.digest(imprint_source)), verifier, options)
}

/// Verifies an RFC 3161 document timestamp (PAdES, ETSI EN 319 142-1 §5.4) over `content`,
/// streamed once through the token's imprint hash: the imprint, the token's signature and the
/// TSA certificate chained to an anchor at genTime. Returns genTime (Unix seconds).
///
/// # Errors
/// [`TimestampVerifyError`] saying why the token does not count.
pub fn verify_timestamp_token(token: &[u8], content: &mut dyn Read, verifier: &ChainVerifier, options: &CmsVerifyOptions) -> Result<u64, TimestampVerifyError> {
    let mut imprint_of = |hash: HashAlgorithm| digest_of(content, hash).map_err(|e| TimestampVerifyError::Io(e.to_string()));
    validate_token_over(token, &mut imprint_of, verifier, options).map(|v| v.gen_time)
}

fn validate_token_over(
    token: &[u8],
    imprint_of: &mut dyn FnMut(HashAlgorithm) -> Result<Vec<u8>, TimestampVerifyError>,
    verifier: &ChainVerifier,
    options: &CmsVerifyOptions,
) -> Result<ValidToken, TimestampVerifyError> {
    let bad = |why: &str| TimestampVerifyError::Malformed(why.to_string());
    let parsed = parse_signed_data_for(token, Use::Verify).map_err(|e| TimestampVerifyError::Malformed(e.to_string()))?;
    if parsed.signed_data.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(bad("it does not hold a TSTInfo"));
    }
    let tst_der = attached_content(&parsed).map_err(|e| TimestampVerifyError::Malformed(e.to_string()))?.ok_or_else(|| bad("it has no TSTInfo"))?;
    let tst_info = TstInfo::from_der(&tst_der).map_err(|_| bad("the TSTInfo does not decode"))?;
    let imprint_oid = &tst_info.message_imprint.hash_algorithm.oid;
    let imprint_hash = HashAlgorithm::from_oid(imprint_oid).ok_or_else(|| TimestampVerifyError::Unsupported(imprint_oid.to_string()))?;
    if tst_info.message_imprint.hashed_message.as_bytes() != imprint_of(imprint_hash)? {
        return Err(TimestampVerifyError::ImprintMismatch);
    }
    let gen_time = tst_info.gen_time().map_err(|e| TimestampVerifyError::Malformed(e.to_string()))?;
    // A timestamp from the future cannot move validation past the caller's time.
    if gen_time > options.time.saturating_add(TIMESTAMP_CLOCK_SKEW) {
        return Err(TimestampVerifyError::FromTheFuture);
    }
    let raw = match parsed.signer_infos.as_slice() {
        [one] => one,
        _ => return Err(bad("a timestamp token has exactly one signer")),
    };
    let info = raw.info.as_ref().ok_or_else(|| bad("the timestamp SignerInfo does not decode"))?;
    let hash = HashAlgorithm::from_oid(&info.digest_alg.oid).ok_or_else(|| TimestampVerifyError::Unsupported(info.digest_alg.oid.to_string()))?;
    let digests = ContentDigests::from_reader(&mut tst_der.as_slice(), &[hash]).map_err(|e| TimestampVerifyError::Io(e.to_string()))?;
    let checked = check_signer(&parsed, &options.extra_certificates, raw, Some(&digests))
        .map_err(|Failure(indication, sub_indication, message)| TimestampVerifyError::Signature { indication, sub_indication, message })?;
    // The token's own algorithms must be acceptable when it is relied on, at the validation
    // time: its signature, and its imprint's digest with the same key.
    let imprint = AlgorithmUse { hash: Some(imprint_hash), key: checked.algorithm.key };
    for used in [checked.algorithm, imprint] {
        options.algorithm_policy.check(&used, options.time).map_err(|e| TimestampVerifyError::Algorithm(e.to_string()))?;
    }
    let chain_options = options.chain_options(gen_time, Purpose::Timestamping);
    verifier
        .verify(&checked.certificate, &with_extra(&parsed.certificates, options), &revocation_with(&parsed, options), &chain_options)
        .map_err(TimestampVerifyError::Chain)?;
    Ok(ValidToken { gen_time })
}

/// The caller's revocation data and the SignedData's own (borrowed when it carries none).
fn revocation_with<'a>(parsed: &ParsedSignedData, options: &'a CmsVerifyOptions) -> Cow<'a, RevocationData> {
    if parsed.revocation.crls.is_empty() && parsed.revocation.ocsp.is_empty() {
        return Cow::Borrowed(&options.revocation);
    }
    let mut all = options.revocation.clone();
    all.crls.extend(parsed.revocation.crls.iter().cloned());
    all.ocsp.extend(parsed.revocation.ocsp.iter().cloned());
    Cow::Owned(all)
}

/// Verifies every signer of a CMS SignedData. `detached` supplies the content when it is not
/// inside; it is read once, streamed through the hashes.
///
/// # Errors
/// [`CmsError`] when the input is not a readable SignedData at all; a bad signature is a
/// report, not an error.
pub fn verify(cms: &[u8], detached: Option<&mut dyn Read>, verifier: &ChainVerifier, options: &CmsVerifyOptions) -> Result<CmsReport, CmsError> {
    let parsed = parse_signed_data_for(cms, Use::Verify)?;
    let attached = attached_content(&parsed)?;
    let hashes: Vec<HashAlgorithm> =
        parsed.signer_infos.iter().filter_map(|raw| raw.info.as_ref()).filter_map(|info| HashAlgorithm::from_oid(&info.digest_alg.oid)).collect();
    let digests = match (&attached, detached) {
        (Some(_), Some(_)) => return Err(CmsError::InvalidInput("content was supplied for a signature that holds its own")),
        (Some(content), None) => Some(ContentDigests::from_reader(&mut content.as_slice(), &hashes)?),
        (None, Some(reader)) => Some(ContentDigests::from_reader(reader, &hashes)?),
        (None, None) => None,
    };
    let signers = parsed.signer_infos.iter().map(|raw| judge_signer(&parsed, raw, digests.as_ref(), verifier, options)).collect();
    Ok(CmsReport { content_type: parsed.signed_data.encap_content_info.econtent_type.to_string(), attached: attached.is_some(), signers })
}

fn judge_signer(
    parsed: &ParsedSignedData,
    raw: &RawSignerInfo,
    digests: Option<&ContentDigests>,
    verifier: &ChainVerifier,
    options: &CmsVerifyOptions,
) -> SignatureReport {
    let checked = match check_signer(parsed, &options.extra_certificates, raw, digests) {
        Ok(c) => c,
        Err(Failure(indication, sub, message)) => {
            let mut report = SignatureReport::new(indication, Some(sub), message, options.time);
            if let Some(info) = &raw.info {
                report.signer_subject = find_signer(parsed, &options.extra_certificates, &info.sid).map(|c| c.subject_text());
            }
            return report;
        }
    };
    let mut validation_time = if options.trust_claimed_signing_time { checked.signing_time.unwrap_or(options.time) } else { options.time };
    let mut timestamp_time = None;
    let token = checked
        .info
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .map(|v| v.to_der());
    let mut timestamp_problem = None;
    if let Some(token) = token {
        match token
            .map_err(|_| TimestampVerifyError::Malformed("the attribute does not encode".into()))
            .and_then(|t| validate_token(&t, &checked.signature, verifier, options))
        {
            Ok(valid) => {
                timestamp_time = Some(valid.gen_time);
                validation_time = valid.gen_time;
            }
            Err(problem) => timestamp_problem = Some(problem),
        }
    }
    // The signature's own algorithm, at its proof of existence (ETSI EN 319 102-1 §5.2.8).
    let algorithm_problem = options.algorithm_policy.check(&checked.algorithm, timestamp_time.unwrap_or(validation_time)).err();
    let chain_options = options.chain_options(validation_time, options.purpose);
    let result: Result<VerifiedPath, ValidationError> =
        verifier.verify(&checked.certificate, &with_extra(&parsed.certificates, options), &revocation_with(parsed, options), &chain_options);
    let mut report = match (&result, timestamp_problem, algorithm_problem) {
        (_, _, Some(problem)) => SignatureReport::new(
            Indication::Indeterminate,
            Some(SubIndication::CryptoConstraintsFailureNoPoe),
            format!("the signature verifies, but {problem} and nothing proves it existed before then ({})", checked.algorithm.describe()),
            validation_time,
        ),
        (_, Some(problem), None) => {
            SignatureReport::new(Indication::Indeterminate, Some(SubIndication::TimestampFailure), problem.to_string(), validation_time)
        }
        (Ok(_), None, None) => SignatureReport::new(Indication::TotalPassed, None, "the signature is valid", validation_time),
        (Err(e), None, None) => {
            let (indication, sub) = chain_failure(e);
            SignatureReport::new(indication, Some(sub), format!("signer certificate: {e}"), validation_time)
        }
    };
    if let Ok(path) = &result {
        report = report.with_path(path);
    }
    report.signer_subject = Some(checked.certificate.subject_text());
    report.signing_time = checked.signing_time;
    report.timestamp_time = timestamp_time;
    report.warnings = checked.warnings;
    report
}

/// Every certificate a CMS SignedData carries, with those inside its signers' timestamp
/// tokens, DER; empty for anything that does not parse.
pub fn certificates_in(cms: &[u8]) -> Vec<Vec<u8>> {
    let Ok(parsed) = parse_signed_data_for(cms, Use::Verify) else { return Vec::new() };
    let mut out: Vec<Vec<u8>> = parsed.certificates.iter().map(|c| c.der().to_vec()).collect();
    for info in parsed.signer_infos.iter().filter_map(|raw| raw.info.as_ref()) {
        for attr in info.unsigned_attrs.iter().flat_map(|a| a.iter()).filter(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN) {
            for value in attr.values.iter() {
                let Ok(token) = value.to_der() else { continue };
                if let Ok(inner) = parse_signed_data_for(&token, Use::Verify) {
                    out.extend(inner.certificates.iter().map(|c| c.der().to_vec()));
                }
            }
        }
    }
    out
}

/// The SignedData's certificates followed by the caller's extra candidates.
fn with_extra(certificates: &[ParsedCertificate], options: &CmsVerifyOptions) -> Vec<ParsedCertificate> {
    certificates.iter().chain(options.extra_certificates.iter().take(MAX_CERTIFICATES)).cloned().collect()
}
