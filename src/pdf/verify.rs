//! PDF signature verification (ISO 32000-1 §12.8, ETSI EN 319 142-1, ETSI EN 319 102-1): for
//! every signature field, the byte range must be sane and exclude exactly the signature's own
//! `/Contents`, the signed revision must contain the field, the CMS (or RFC 3161 token) must
//! verify over the ranges with a chain to an anchor, and every later revision is judged
//! object by object (see [`super::changes`]). Bytes after the last `%%EOF` are reported and
//! count as a modification. DSS material (certificates, CRLs, OCSP responses) feeds the chain
//! checks, so B-LT and B-LTA signatures stay verifiable.

use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};

use serde::Serialize;

pub use super::changes::{Allowance, Change, ChangeKind, RevisionChanges};
use super::document::{DocMdp, catalog, parse_pdf_date, reference, signature_fields};
use super::object::{Object, Parser};
use super::reader::SharedView;
use super::{PdfError, PdfReader, XrefEntry};
use crate::algorithms::HashAlgorithm;
use crate::cms::{CmsVerifyOptions, TimestampVerifyError, verify_timestamp_token};
use crate::report::{Indication, SignatureReport, SubIndication, chain_failure};
use crate::x509::{ChainVerifier, Identity, ParsedCertificate, ParsedCrl, ParsedOcspResponse, RevocationData, RevocationMode};

/// Most signature fields judged in one file.
pub const MAX_SIGNATURES: usize = 64;
/// Largest signature dictionary read.
const MAX_SIG_DICT: u64 = 4 * 1024 * 1024;

/// How to verify.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PdfVerifyOptions {
    /// Validation time (Unix seconds) when no valid timestamp gives an earlier one.
    pub time: u64,
    /// Revocation data from the caller, added to what the document's DSS holds.
    pub revocation: RevocationData,
    /// Revocation mode for every chain.
    pub revocation_mode: RevocationMode,
    /// Which digests and key sizes count, and until when (see [`crate::algorithms`]).
    pub algorithm_policy: crate::algorithms::AlgorithmPolicy,
}

impl PdfVerifyOptions {
    /// Strict defaults at `time`, the default algorithm policy.
    pub fn new(time: u64) -> Self {
        Self {
            time,
            revocation: RevocationData::default(),
            revocation_mode: RevocationMode::IfPresent,
            algorithm_policy: crate::algorithms::AlgorithmPolicy::default(),
        }
    }
}

/// What a signature field holds (ISO 32000-2 §12.8.5: a document timestamp is known by its
/// `/SubFilter /ETSI.RFC3161`, whatever its `/Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureKind {
    /// A signature (CMS: `adbe.pkcs7.detached`, `ETSI.CAdES.detached`, `adbe.pkcs7.sha1`).
    Signature,
    /// A document timestamp (an RFC 3161 token over the byte ranges).
    DocumentTimestamp,
}

impl SignatureKind {
    /// `signature` or `document-timestamp`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signature => "signature",
            Self::DocumentTimestamp => "document-timestamp",
        }
    }
}

impl std::fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of the file a signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// Everything, to the last byte.
    WholeFile,
    /// The revision it signed; later revisions follow.
    Revision,
    /// Unknown: the byte range is unusable.
    Unknown,
}

impl Coverage {
    /// `whole-file`, `revision` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WholeFile => "whole-file",
            Self::Revision => "revision",
            Self::Unknown => "unknown",
        }
    }
}

/// What follows a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LaterChanges {
    /// Nothing.
    None,
    /// Only what the signer allows.
    Allowed,
    /// Modifications the signer does not allow.
    Disallowed,
}

impl LaterChanges {
    /// `none`, `allowed` or `disallowed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Allowed => "allowed",
            Self::Disallowed => "disallowed",
        }
    }
}

/// The verdict on one signature field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PdfSignatureReport {
    /// The field's fully qualified name.
    pub field: String,
    /// A signature or a document timestamp.
    pub kind: SignatureKind,
    /// Overall: TOTAL-PASSED only when the signature, its chain and everything after it hold.
    pub indication: Indication,
    /// Why not.
    pub sub_indication: Option<SubIndication>,
    /// In words.
    pub message: String,
    /// Whether the digest of the byte ranges matches (unknown when not reached).
    pub intact: Option<bool>,
    /// Whether the signature maths holds (unknown for algorithms not implemented).
    pub signature_valid: Option<bool>,
    /// Whether the signer chains to an anchor at the validation time.
    pub trusted: Option<bool>,
    /// What the byte range covers.
    pub coverage: Coverage,
    /// What the later revisions amount to.
    pub later_changes: LaterChanges,
    /// What each later revision did.
    pub changes: Vec<RevisionChanges>,
    /// `/ByteRange`.
    pub byte_range: Option<[u64; 4]>,
    /// DocMDP permissions when this is a certification signature.
    pub certification: Option<u8>,
    /// `/M`, Unix seconds (claimed by the signer; RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::serde_rfc3339_option::serialize")]
    pub claimed_signing_time: Option<u64>,
    /// The signer's subject.
    pub signer_subject: Option<String>,
    /// The signer's identity (ETSI semantics identifier).
    pub signer: Option<Identity>,
    /// genTime of the signature timestamp or of the document timestamp (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::serde_rfc3339_option::serialize")]
    pub timestamp_time: Option<u64>,
    /// The CMS-level report, when the CMS was judged.
    pub details: Option<SignatureReport>,
}

impl PdfSignatureReport {
    /// TOTAL-PASSED and nothing disallowed after it.
    pub fn passed(&self) -> bool {
        self.indication == Indication::TotalPassed && self.later_changes != LaterChanges::Disallowed
    }

    fn failed(field: &str, kind: SignatureKind, sub: SubIndication, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            kind,
            indication: if matches!(sub, SubIndication::CryptoConstraintsFailure | SubIndication::SignedDataNotFound) {
                Indication::Indeterminate
            } else {
                Indication::TotalFailed
            },
            sub_indication: Some(sub),
            message: message.into(),
            intact: None,
            signature_valid: None,
            trusted: None,
            coverage: Coverage::Unknown,
            later_changes: LaterChanges::None,
            changes: Vec::new(),
            byte_range: None,
            certification: None,
            claimed_signing_time: None,
            signer_subject: None,
            signer: None,
            timestamp_time: None,
            details: None,
        }
    }
}

/// The verdict on a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PdfReport {
    /// One entry per signature field with a value, in form order.
    pub signatures: Vec<PdfSignatureReport>,
    /// Bytes after the last `%%EOF` and its end-of-line.
    pub trailing_bytes: u64,
    /// Revisions in the file.
    pub revisions: usize,
}

impl PdfReport {
    /// At least one signature, and all passed (each signature's later changes include what
    /// follows the last `%%EOF`: whitespace is allowed, anything else is not).
    pub fn passed(&self) -> bool {
        !self.signatures.is_empty() && self.signatures.iter().all(PdfSignatureReport::passed)
    }
}

/// Reads `[0, a)` then `[b, b + c)` of a source: the signed bytes.
struct ByteRanges<'a, R> {
    source: SharedView<'a, R>,
    ranges: [(u64, u64); 2],
    index: usize,
    done: u64,
}

impl<R: Read + Seek> Read for ByteRanges<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(&(start, len)) = self.ranges.get(self.index) {
            if self.done == len {
                self.index += 1;
                self.done = 0;
                continue;
            }
            self.source.seek(SeekFrom::Start(start + self.done))?;
            let want = (buf.len() as u64).min(len - self.done) as usize;
            let n = self.source.read(buf.get_mut(..want).unwrap_or_default())?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.done += n as u64;
            return Ok(n);
        }
        Ok(0)
    }
}

/// The signature dictionary as written: its entries and where `/Contents`' value lies.
struct SigDict {
    dict: super::Dictionary,
    contents_span: Option<(u64, u64)>,
}

/// Parses `n g obj << … >>` at `offset`, recording the span of the `/Contents` value; a key
/// given twice is refused (a second `/Contents` could hide the first).
fn read_sig_dict<R: Read + Seek>(reader: &mut PdfReader<R>, offset: u64, number: u32) -> Result<SigDict, String> {
    let window = reader.bytes_at(offset, MAX_SIG_DICT).map_err(|e| e.to_string())?;
    let mut p = Parser::new(&window, offset);
    if p.unsigned("object number").map_err(|e| e.to_string())? != u64::from(number) {
        return Err("the cross-reference points at another object than the signature value".into());
    }
    p.unsigned("generation").map_err(|e| e.to_string())?;
    p.keyword(b"obj", "obj").map_err(|e| e.to_string())?;
    p.skip_space();
    if !p.rest().starts_with(b"<<") {
        return Err("the signature value is not a dictionary".into());
    }
    let start = p.offset() + 2;
    let body = p.rest().get(2..).unwrap_or_default();
    let mut p = Parser::new(body, start);
    let mut dict = super::Dictionary::default();
    let mut contents_span = None;
    loop {
        p.skip_space();
        if p.rest().starts_with(b">>") {
            break;
        }
        let Object::Name(key) = p.object(1).map_err(|e| e.to_string())? else { return Err("a signature dictionary key is not a name".into()) };
        p.skip_space();
        let value_start = p.offset();
        let value = p.object(1).map_err(|e| e.to_string())?;
        if let Some(earlier) = dict.get(&key) {
            // The same entry written twice says one thing; a second /Contents or /ByteRange,
            // or two values for one key, could show another reader another signature.
            if *earlier == value && !matches!(key.as_slice(), b"Contents" | b"ByteRange") {
                continue;
            }
            return Err(format!("the signature dictionary has /{} twice", String::from_utf8_lossy(&key)));
        }
        if key == b"Contents" {
            if p.rest().is_empty() || body.get((value_start - start) as usize) != Some(&b'<') {
                return Err("/Contents is not a hexadecimal string".into());
            }
            contents_span = Some((value_start, p.offset()));
        }
        dict.0.push((key, value));
    }
    Ok(SigDict { dict, contents_span })
}

/// The DocMDP level of the document's certification signature and its value's object number.
fn docmdp<R: Read + Seek>(reader: &mut PdfReader<R>, cat: &super::Dictionary) -> Result<Option<(u32, DocMdp)>, PdfError> {
    let perms = reader.resolve(cat.get(b"Perms").unwrap_or(&Object::Null))?;
    let Some(sig) = perms.as_dict().and_then(|d| reference(d.get(b"DocMDP"))) else { return Ok(None) };
    let sig_dict = reader.object(sig)?;
    let refs = reader.resolve(sig_dict.as_dict().and_then(|d| d.get(b"Reference")).unwrap_or(&Object::Null))?;
    let refs = refs.as_array().unwrap_or_default().to_vec();
    for r in refs {
        let r = reader.resolve(&r)?;
        let Some(d) = r.as_dict() else { continue };
        if d.name(b"TransformMethod") == Some(b"DocMDP") {
            let params = reader.resolve(d.get(b"TransformParams").unwrap_or(&Object::Null))?;
            let p = params.as_dict().and_then(|p| p.integer(b"P")).unwrap_or(2);
            return Ok(Some((sig, DocMdp::from_p(p).unwrap_or(DocMdp::NoChanges))));
        }
    }
    // /Perms naming a signature without a DocMDP reference certifies nothing.
    Ok(None)
}

/// The DSS's material, parsed (items that do not parse are skipped).
fn dss_material<R: Read + Seek>(reader: &mut PdfReader<R>, cat: &super::Dictionary) -> Result<(Vec<ParsedCertificate>, RevocationData), PdfError> {
    let mut certificates = Vec::new();
    let mut revocation = RevocationData::default();
    let dss = reader.resolve(cat.get(b"DSS").unwrap_or(&Object::Null))?;
    let Some(dss) = dss.as_dict() else { return Ok((certificates, revocation)) };
    for key in [&b"Certs"[..], b"CRLs", b"OCSPs"] {
        let list = reader.resolve(dss.get(key).unwrap_or(&Object::Null))?;
        for item in list.as_array().unwrap_or_default().iter().take(crate::cms::MAX_CERTIFICATES) {
            let Object::Stream(d, data) = reader.resolve(item)? else { continue };
            // Material that does not decode is skipped, like material that does not parse.
            let Ok(bytes) = reader.decode_stream(&d, &data) else { continue };
            match key {
                b"Certs" => certificates.extend(ParsedCertificate::from_der(&bytes).ok()),
                b"CRLs" => revocation.crls.extend(ParsedCrl::from_der(&bytes).ok()),
                _ => revocation.ocsp.extend(ParsedOcspResponse::from_der(&bytes).ok()),
            }
        }
    }
    Ok((certificates, revocation))
}

/// Verifies every signature of the PDF in `source`.
///
/// # Errors
/// [`PdfError`] when the file is not a readable PDF at all; bad signatures are reports.
pub fn verify<R: Read + Seek>(source: R, verifier: &ChainVerifier, options: &PdfVerifyOptions) -> Result<PdfReport, PdfError> {
    let cell = RefCell::new(source);
    let view = |len: Option<u64>| SharedView::new(&cell, len).map_err(PdfError::io);
    let mut now = PdfReader::open(view(None)?)?;
    // An encrypted document is read with the empty user password (the reader decrypts its
    // strings and streams); one that needs a password is an error, never a verdict.
    let len = now.len();
    // Where each revision ends, oldest first.
    let mut ends: Vec<(u64, Vec<u32>)> = Vec::new();
    for revision in now.revisions().to_vec().iter().rev() {
        let end = now.end_of_revision(revision.xref_offset)?;
        ends.push((end, revision.objects.clone()));
    }
    let last_end = ends.iter().map(|(e, _)| *e).max().unwrap_or(len);
    let trailing_bytes = len.saturating_sub(last_end);
    // Whitespace after the last %%EOF (some producers pad) is reported but harmless; anything
    // else is content no signature covers and no cross-reference explains.
    let trailing_whitespace =
        trailing_bytes > 0 && trailing_bytes <= 64 * 1024 && now.bytes_at(last_end, trailing_bytes)?.iter().all(|b| super::object::is_whitespace(*b));
    let (_, cat) = catalog(&mut now)?;
    let certification = docmdp(&mut now, &cat)?;
    let (extra_certificates, dss_revocation) = dss_material(&mut now, &cat)?;
    let mut cms_options = CmsVerifyOptions::new(options.time);
    cms_options.revocation = options.revocation.clone();
    cms_options.revocation.crls.extend(dss_revocation.crls);
    cms_options.revocation.ocsp.extend(dss_revocation.ocsp);
    cms_options.revocation_mode = options.revocation_mode;
    cms_options.algorithm_policy = options.algorithm_policy.clone();
    cms_options.extra_certificates = extra_certificates;

    let fields: Vec<_> = signature_fields(&mut now, &cat)?.into_iter().filter(|f| f.value.is_some()).collect();
    if fields.len() > MAX_SIGNATURES {
        return Err(PdfError::LimitExceeded("signature fields"));
    }
    // The revision each signature signed, to know what a certification governs.
    let mut reports = Vec::new();
    let mut judged = Vec::new();
    for field in &fields {
        let Some(value) = field.value else { continue };
        let outcome = judge_signature(&cell, &mut now, &field.name, value, len, &ends, verifier, &cms_options);
        judged.push((field.name.clone(), value, outcome));
    }
    // Valid document timestamps: proof that everything up to their revision existed at their
    // genTime (ETSI EN 319 102-1 §5.6.2.2, PAdES B-LTA).
    let proofs: Vec<(u64, u64)> = judged
        .iter()
        .filter_map(|(_, _, o)| o.as_ref().ok())
        .filter(|(r, _)| r.kind == SignatureKind::DocumentTimestamp && r.indication == Indication::TotalPassed)
        .filter_map(|(r, end)| r.timestamp_time.map(|t| (t, *end)))
        .collect();
    // A signature whose certificate has since expired, with no timestamp of its own, is judged
    // again at the earliest document timestamp that covers it.
    for (name, value, outcome) in &mut judged {
        let Ok((report, signed_end)) = outcome else { continue };
        if report.kind != SignatureKind::Signature || report.sub_indication != Some(SubIndication::OutOfBoundsNoPoe) {
            continue;
        }
        let Some(time) = proofs.iter().filter(|(_, end)| *end >= *signed_end).map(|(t, _)| *t).min() else { continue };
        let mut at_proof = cms_options.clone();
        at_proof.time = time;
        if let Ok((mut again, _)) = judge_signature(&cell, &mut now, name, *value, len, &ends, verifier, &at_proof)
            && again.indication == Indication::TotalPassed
        {
            again.message = format!("the signature was valid when a document timestamp proved it existed ({time})");
            *report = again;
        }
    }
    // The certification (DocMDP) governs what follows it when it is the first signature. Its
    // restrictions hold whatever its own verdict; what it permits beyond an approval
    // signature only when it verifies.
    let first_end = judged.iter().filter_map(|(_, _, o)| o.as_ref().ok().map(|(_, e)| *e)).min();
    let certification_rule = certification.and_then(|(cert_sig, level)| {
        let (report, end) = judged.iter().find(|(_, v, _)| *v == cert_sig).and_then(|(_, _, o)| o.as_ref().ok())?;
        let restrictions = Allowance::for_docmdp(level);
        let allowance = if report.indication == Indication::TotalPassed { restrictions } else { restrictions.and(Allowance::APPROVAL) };
        (first_end == Some(*end)).then_some((*end, allowance))
    });
    let mut final_graph: Option<Result<std::collections::HashSet<u32>, PdfError>> = None;
    for (_, value, outcome) in judged {
        let (mut report, signed_end) = match outcome {
            Ok(pair) => pair,
            Err(report) => {
                reports.push(*report);
                continue;
            }
        };
        if let Some((cert_sig, level)) = certification
            && cert_sig == value
        {
            report.certification = Some(level as u8);
        }
        let allowance = match certification_rule {
            Some((cert_end, allowance)) if cert_end <= signed_end => allowance,
            _ => Allowance::APPROVAL,
        };
        let later: Vec<(usize, &[u32])> =
            ends.iter().enumerate().filter(|(_, (e, _))| *e > signed_end).map(|(i, (_, objects))| (i + 1, objects.as_slice())).collect();
        report.coverage = if signed_end == len { Coverage::WholeFile } else { Coverage::Revision };
        if !later.is_empty() {
            let mut signed = PdfReader::open(view(Some(signed_end))?)?;
            // The revisions up to the signed one must be exactly those the signer saw: no
            // section hidden inside the signed bytes, none skipped.
            let signed_chain: Vec<u64> = signed.revisions().iter().map(|r| r.xref_offset).collect();
            let older_chain: Vec<u64> = now.revisions().iter().map(|r| r.xref_offset).filter(|o| *o < signed_end).collect();
            if signed_chain != older_chain {
                report.changes.push(RevisionChanges {
                    revision: later.first().map_or(0, |l| l.0),
                    allowed: false,
                    changes: vec![Change {
                        allowed: false,
                        kind: ChangeKind::Structure,
                        what: "the cross-reference chain no longer leads through the signed revision's sections".into(),
                    }],
                });
            }
            // What the final revision reaches is the same for every signature: walked once.
            let analysis = match final_graph.get_or_insert_with(|| super::changes::reachable(&mut now)) {
                Ok(graph) => super::changes::analyse(&mut now, &mut signed, &later, allowance, graph),
                Err(e) => Err(e.clone()),
            };
            match analysis {
                Ok(changes) => report.changes.extend(changes),
                Err(e) => report.changes.push(RevisionChanges {
                    revision: later.first().map_or(0, |l| l.0),
                    allowed: false,
                    changes: vec![Change { allowed: false, kind: ChangeKind::Structure, what: format!("the later revisions cannot be compared: {e}") }],
                }),
            }
        }
        if trailing_bytes > 0 {
            let what = if trailing_whitespace {
                format!("{trailing_bytes} bytes of whitespace after the last %%EOF")
            } else {
                format!("{trailing_bytes} bytes after the last %%EOF")
            };
            report.changes.push(RevisionChanges {
                revision: ends.len() + 1,
                allowed: trailing_whitespace,
                changes: vec![Change { allowed: trailing_whitespace, kind: ChangeKind::Structure, what }],
            });
        }
        report.later_changes = if report.changes.is_empty() {
            LaterChanges::None
        } else if report.changes.iter().all(|c| c.allowed) {
            LaterChanges::Allowed
        } else {
            LaterChanges::Disallowed
        };
        // A disallowed change fails the signature whatever its trust: the document shown is
        // not the one signed. A verdict that is already TOTAL-FAILED keeps its own reason.
        if report.later_changes == LaterChanges::Disallowed && report.indication != Indication::TotalFailed {
            let first = report.changes.iter().flat_map(|c| c.changes.iter()).find(|c| !c.allowed).map(|c| c.what.clone()).unwrap_or_default();
            report.message = format!("the document was modified after this signature: {first} (before that: {})", report.message);
            report.indication = Indication::TotalFailed;
            report.sub_indication = Some(SubIndication::DisallowedModification);
        }
        reports.push(report);
    }
    Ok(PdfReport { signatures: reports, trailing_bytes, revisions: ends.len() })
}

type Judged = Result<(PdfSignatureReport, u64), Box<PdfSignatureReport>>;

#[allow(clippy::too_many_arguments)]
fn judge_signature<R: Read + Seek>(
    cell: &RefCell<R>,
    now: &mut PdfReader<SharedView<'_, R>>,
    field: &str,
    value: u32,
    len: u64,
    ends: &[(u64, Vec<u32>)],
    verifier: &ChainVerifier,
    options: &CmsVerifyOptions,
) -> Judged {
    let format = |kind: SignatureKind, message: String| Box::new(PdfSignatureReport::failed(field, kind, SubIndication::FormatFailure, message));
    let (offset, generation) = match now.entry(value) {
        Some(XrefEntry::InFile { offset, generation }) => (offset, generation),
        Some(XrefEntry::Compressed { .. }) => return Err(format(SignatureKind::Signature, "the signature dictionary is inside an object stream".into())),
        _ => return Err(format(SignatureKind::Signature, "the signature value is missing".into())),
    };
    let sig = read_sig_dict(now, offset, value).map_err(|e| format(SignatureKind::Signature, e))?;
    // A document timestamp is known by its /SubFilter (ISO 32000-2 §12.8.5): producers write
    // /Type /DocTimeStamp, /Type /Sig or no /Type at all, and the token decides either way.
    let sub_filter = sig.dict.name(b"SubFilter").map(<[u8]>::to_vec).unwrap_or_default();
    let kind = if sub_filter == b"ETSI.RFC3161" { SignatureKind::DocumentTimestamp } else { SignatureKind::Signature };
    if kind == SignatureKind::Signature && sig.dict.name(b"Type") == Some(b"DocTimeStamp") {
        return Err(format(kind, "/Type /DocTimeStamp needs /SubFilter /ETSI.RFC3161".into()));
    }
    let Some(Object::Array(range)) = sig.dict.get(b"ByteRange") else { return Err(format(kind, "no /ByteRange".into())) };
    let numbers: Vec<u64> = range.iter().filter_map(|o| o.as_integer().and_then(|i| u64::try_from(i).ok())).collect();
    let [r0, a, b, c] = numbers.as_slice() else { return Err(format(kind, "/ByteRange is not four non-negative integers".into())) };
    let (r0, a, b, c) = (*r0, *a, *b, *c);
    let byte_range = [r0, a, b, c];
    let contents = match sig.dict.get(b"Contents") {
        Some(Object::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(format(kind, "no /Contents, or an empty one".into())),
    };
    let end = b.checked_add(c);
    if r0 != 0 || a == 0 || b <= a || end.is_none_or(|e| e > len) {
        return Err(format(kind, format!("/ByteRange {byte_range:?} is not two ranges from the start, in order, inside the file")));
    }
    let signed_end = end.unwrap_or(len);
    if sig.contents_span != Some((a, b)) {
        return Err(format(kind, "the gap in /ByteRange is not exactly this signature's /Contents".into()));
    }
    // The signed bytes end where a revision ends — or, as some signers write it, at its
    // %%EOF just before the end-of-line: the one or two EOL bytes left out carry nothing.
    let Some(signed_end) = ends.iter().map(|(e, _)| *e).filter(|e| *e >= signed_end && *e - signed_end <= 2).min() else {
        return Err(format(kind, "/ByteRange does not end where a revision ends".into()));
    };
    if signed_end > b + c {
        let gap = now.bytes_at(b + c, signed_end - (b + c)).map_err(|e| format(kind, e.to_string()))?;
        if !gap.iter().all(|x| matches!(x, b'\r' | b'\n')) {
            return Err(format(kind, "/ByteRange does not end where a revision ends".into()));
        }
    }
    // The revision the signature covers must itself hold the field and this value.
    let holds_field = (|| -> Result<bool, PdfError> {
        let mut signed = PdfReader::open(SharedView::new(cell, Some(signed_end)).map_err(PdfError::io)?)?;
        let (_, cat) = catalog(&mut signed)?;
        Ok(signed_end > offset && signature_fields(&mut signed, &cat)?.iter().any(|f| f.name == field && f.value == Some(value)))
    })();
    if !holds_field.unwrap_or(false) {
        return Err(format(kind, "the revision the signature covers does not contain this signature field".into()));
    }
    let ranges = || -> Result<ByteRanges<'_, R>, PdfError> {
        Ok(ByteRanges { source: SharedView::new(cell, None).map_err(PdfError::io)?, ranges: [(0, a), (b, c)], index: 0, done: 0 })
    };
    // Every reader takes the CMS from the start of /Contents; what the placeholder holds after
    // it is outside the signed bytes and read by nobody: noted, not refused.
    let Some(der) = crate::cms::leading_value(&contents) else { return Err(format(kind, "/Contents does not start with a readable CMS value".into())) };
    let trailing_garbage = contents.get(der.len()..).unwrap_or_default().iter().any(|x| *x != 0);
    let mut report = PdfSignatureReport::failed(field, kind, SubIndication::FormatFailure, "");
    report.byte_range = Some(byte_range);
    // The dictionary was parsed from its bytes: its strings are still encrypted, /Contents
    // aside (which ISO 32000-2 §7.6.2 leaves in the clear).
    report.claimed_signing_time = match sig.dict.get(b"M") {
        Some(Object::String(m)) => now.decrypt_string(value, generation, m).ok().and_then(|m| parse_pdf_date(&m)),
        _ => None,
    };
    match sub_filter.as_slice() {
        b"ETSI.RFC3161" => {
            let mut reader = ranges().map_err(|e| format(kind, e.to_string()))?;
            match verify_timestamp_token(der, &mut reader, verifier, options) {
                Ok(gen_time) => {
                    report.indication = Indication::TotalPassed;
                    report.sub_indication = None;
                    report.message = "the document timestamp is valid".into();
                    (report.intact, report.signature_valid, report.trusted) = (Some(true), Some(true), Some(true));
                    report.timestamp_time = Some(gen_time);
                }
                Err(why) => {
                    let (indication, sub, intact, valid, trusted) = match &why {
                        TimestampVerifyError::ImprintMismatch => (Indication::TotalFailed, SubIndication::HashFailure, Some(false), None, None),
                        TimestampVerifyError::Chain(e) => {
                            let (indication, sub) = chain_failure(e);
                            (indication, sub, Some(true), Some(true), Some(false))
                        }
                        TimestampVerifyError::Algorithm(_) => {
                            (Indication::Indeterminate, SubIndication::CryptoConstraintsFailureNoPoe, Some(true), Some(true), None)
                        }
                        TimestampVerifyError::Signature { indication, sub_indication, .. } => {
                            let (intact, valid, _) = facts(*indication, Some(*sub_indication));
                            (*indication, *sub_indication, intact, valid, None)
                        }
                        TimestampVerifyError::Unsupported(_) => (Indication::Indeterminate, SubIndication::CryptoConstraintsFailure, None, None, None),
                        TimestampVerifyError::FromTheFuture => (Indication::Indeterminate, SubIndication::TimestampFailure, None, None, None),
                        TimestampVerifyError::Malformed(_) | TimestampVerifyError::Io(_) => {
                            (Indication::TotalFailed, SubIndication::FormatFailure, None, None, None)
                        }
                    };
                    report.indication = indication;
                    report.sub_indication = Some(sub);
                    (report.intact, report.signature_valid, report.trusted) = (intact, valid, trusted);
                    report.message = format!("document timestamp: {why}");
                }
            }
        }
        b"ETSI.CAdES.detached" | b"adbe.pkcs7.detached" => {
            let mut reader = ranges().map_err(|e| format(kind, e.to_string()))?;
            let cms = crate::cms::verify(der, Some(&mut reader), verifier, options).map_err(|e| format(kind, format!("the signature's CMS: {e}")))?;
            take_signer(&mut report, &cms, sub_filter == b"ETSI.CAdES.detached", trailing_garbage).map_err(|e| format(kind, e.into()))?;
        }
        // ISO 32000-1 §12.8.3.3.1 (deprecated by ISO 32000-2): the SignedData encapsulates the
        // SHA-1 digest of the byte ranges and signs that. Both links are checked: the digest
        // against the bytes, the CMS over the digest; then SHA-1 as the document's binding is
        // judged by the algorithm policy like any other digest.
        b"adbe.pkcs7.sha1" => {
            let mut reader = ranges().map_err(|e| format(kind, e.to_string()))?;
            let digest = crate::cms::digest_of(&mut reader, HashAlgorithm::Sha1).map_err(|e| format(kind, e.to_string()))?;
            let Some(claimed) = crate::cms::encapsulated_content(der) else {
                return Err(format(kind, "an adbe.pkcs7.sha1 signature must encapsulate the document's SHA-1 digest".into()));
            };
            if claimed != digest {
                report.indication = Indication::TotalFailed;
                report.sub_indication = Some(SubIndication::HashFailure);
                report.message = "the SHA-1 digest the signature encapsulates does not match the signed bytes".into();
                report.intact = Some(false);
                return Ok((report, signed_end));
            }
            let cms = crate::cms::verify(der, None, verifier, options).map_err(|e| format(kind, format!("the signature's CMS: {e}")))?;
            take_signer(&mut report, &cms, false, trailing_garbage).map_err(|e| format(kind, e.into()))?;
            let proven_at = report.timestamp_time.or(report.details.as_ref().map(|d| d.validation_time)).unwrap_or(options.time);
            let judged = report.signature_valid == Some(true) && report.sub_indication != Some(SubIndication::CryptoConstraintsFailureNoPoe);
            if judged && let Err(problem) = options.algorithm_policy.check_digest(HashAlgorithm::Sha1, proven_at) {
                report.indication = Indication::Indeterminate;
                report.sub_indication = Some(SubIndication::CryptoConstraintsFailureNoPoe);
                report.message = format!(
                    "the signature verifies, but the document is bound by SHA-1 (adbe.pkcs7.sha1): {problem} and nothing proves it existed before then"
                );
                report.trusted = None;
            }
        }
        other => {
            report.indication = Indication::Indeterminate;
            report.sub_indication = Some(SubIndication::FormatFailure);
            report.message = format!("/SubFilter /{} is not supported", String::from_utf8_lossy(other));
        }
    }
    Ok((report, signed_end))
}

/// Fills a PDF signature's report from its CMS's one signer.
fn take_signer(report: &mut PdfSignatureReport, cms: &crate::cms::CmsReport, pades: bool, trailing_garbage: bool) -> Result<(), &'static str> {
    let [signer] = cms.signers.as_slice() else { return Err("the CMS must hold exactly one signer") };
    report.indication = signer.indication;
    report.sub_indication = signer.sub_indication;
    report.message = signer.message.clone();
    (report.intact, report.signature_valid, report.trusted) = facts(signer.indication, signer.sub_indication);
    report.signer_subject = signer.signer_subject.clone();
    report.signer = signer.signer.clone();
    report.timestamp_time = signer.timestamp_time;
    let mut details = signer.clone();
    // ETSI EN 319 142-1 §6.3 keeps the claimed time in /M, not in signingTime; many
    // producers write both. A claim changes no content: a warning, not a failure.
    if pades && signer.signing_time.is_some() {
        details.warnings.push("a PAdES signature carries a signingTime attribute (ETSI EN 319 142-1 §6.3 puts the claimed time in /M)".into());
    }
    if trailing_garbage {
        details.warnings.push("/Contents holds bytes after the CMS that are not zero padding".into());
    }
    report.details = Some(details);
    Ok(())
}

/// intact / signature maths / trusted, from a verdict's indication and sub-indication.
fn facts(indication: Indication, sub_indication: Option<SubIndication>) -> (Option<bool>, Option<bool>, Option<bool>) {
    match (indication, sub_indication) {
        (Indication::TotalPassed, _) => (Some(true), Some(true), Some(true)),
        (_, Some(SubIndication::HashFailure)) => (Some(false), None, None),
        (_, Some(SubIndication::SigCryptoFailure)) => (Some(true), Some(false), None),
        (
            _,
            Some(
                SubIndication::CryptoConstraintsFailure
                | SubIndication::FormatFailure
                | SubIndication::NoSigningCertificateFound
                | SubIndication::SignedDataNotFound,
            ),
        ) => (None, None, None),
        (_, Some(SubIndication::TimestampFailure | SubIndication::CryptoConstraintsFailureNoPoe)) => (Some(true), Some(true), None),
        _ => (Some(true), Some(true), Some(false)),
    }
}
