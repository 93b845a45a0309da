//! PAdES for the host languages: sign a PDF with any signer (in memory or file to file,
//! streaming), a resumable signing session that survives the PIN prompt, and verification
//! with the per-signature report (integrity, maths, trust, coverage, later changes).

use std::io::Cursor;
use std::sync::Arc;

use der::Decode;
use mobile_id::pdf::{self, DocMdp, PadesError, PdfError, PdfSignOptions, PreparedPdf};
use x509_cert::Certificate;

use std::time::SystemTime;

use crate::MobileIdError;
use crate::report::{ChangeKind, Coverage, Indication, LaterChanges, PdfChange, SignatureKind, SubIndication, secs_of, time_of};
use crate::signing::{FetcherBridge, Signer, TimestampFetcher, now};
use crate::verify::Verifier;

impl From<PadesError> for MobileIdError {
    fn from(e: PadesError) -> Self {
        match e {
            PadesError::Cms(c) => c.into(),
            other => Self::InvalidInput { reason: other.to_string() },
        }
    }
}

impl From<PdfError> for MobileIdError {
    fn from(e: PdfError) -> Self {
        Self::InvalidInput { reason: e.to_string() }
    }
}

/// How to sign a PDF.
#[derive(Clone, Debug, uniffi::Record)]
pub struct PdfSigningOptions {
    /// The signature field (default: the first free SignatureN).
    #[uniffi(default = None)]
    pub field: Option<String>,
    /// The page a new field's widget goes on, from 1.
    #[uniffi(default = 1)]
    pub page: u32,
    /// A visible signature: the stamp drawn in the widget's rectangle. An existing visible
    /// field is stamped even without it (then with the default text).
    #[uniffi(default = None)]
    pub stamp: Option<VisibleStamp>,
    /// /Reason.
    #[uniffi(default = None)]
    pub reason: Option<String>,
    /// /Location.
    #[uniffi(default = None)]
    pub location: Option<String>,
    /// DocMDP permissions 1, 2 or 3 for a certification signature.
    #[uniffi(default = None)]
    pub certify: Option<u8>,
    /// For two-phase signing: a signature timestamp will be added at finish, so reserve room
    /// for it (one-call signing knows from the timestamper).
    #[uniffi(default = false)]
    pub expect_timestamp: bool,
    /// Sign even with a certificate not meant for signatures (no nonRepudiation, or an
    /// extendedKeyUsage of other purposes only).
    #[uniffi(default = false)]
    pub allow_non_signing_certificate: bool,
}

/// A visible signature's stamp: where, which lines, which image.
#[derive(Clone, Debug, uniffi::Record)]
pub struct VisibleStamp {
    /// `[x1, y1, x2, y2]` in PDF user space on `page`; required for a new field, left out for
    /// an existing visible field (it keeps its own).
    #[uniffi(default = None)]
    pub rect: Option<Vec<f64>>,
    /// Text lines replacing the default ones; `{name}`, `{time}`, `{reason}` and `{location}`
    /// are filled in, and a line whose value is not given is left out.
    #[uniffi(default = None)]
    pub lines: Option<Vec<String>>,
    /// A PNG or JPEG file's bytes, drawn left of the text (aspect ratio kept).
    #[uniffi(default = None)]
    pub image: Option<Vec<u8>>,
    /// Put the image behind the text instead.
    #[uniffi(default = false)]
    pub image_behind: bool,
}

fn core_stamp(stamp: &VisibleStamp) -> Result<pdf::Stamp, MobileIdError> {
    let mut core = pdf::Stamp::default();
    core.rect = match stamp.rect.as_deref() {
        None => None,
        Some(&[x1, y1, x2, y2]) => Some(pdf::Rect::new(x1, y1, x2, y2)?),
        Some(_) => return Err(MobileIdError::InvalidInput { reason: "a stamp's rect is four numbers: x1, y1, x2, y2".into() }),
    };
    if let Some(lines) = &stamp.lines {
        core.template.lines.clone_from(lines);
    }
    if stamp.image_behind {
        core.template.image_placement = pdf::ImagePlacement::Background;
    }
    core.image = stamp.image.as_deref().map(pdf::StampImage::from_bytes).transpose()?;
    Ok(core)
}

fn core_options(options: &PdfSigningOptions) -> Result<PdfSignOptions, MobileIdError> {
    let mut core = PdfSignOptions::new(now());
    core.stamp = options.stamp.as_ref().map(core_stamp).transpose()?;
    core.field = options.field.clone();
    core.page = options.page;
    core.reason = options.reason.clone();
    core.location = options.location.clone();
    core.expect_timestamp = options.expect_timestamp;
    core.allow_non_signing_certificate = options.allow_non_signing_certificate;
    core.certify = match options.certify {
        None => None,
        Some(p) => Some(DocMdp::from_p(i64::from(p)).ok_or(MobileIdError::InvalidInput { reason: "certify must be 1, 2 or 3".into() })?),
    };
    Ok(core)
}

fn io(e: std::io::Error) -> MobileIdError {
    MobileIdError::InvalidInput { reason: format!("file: {}", e.kind()) }
}

fn open_output(path: &str) -> Result<std::fs::File, MobileIdError> {
    std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path).map_err(io)
}

#[uniffi::export]
impl Signer {
    /// Signs `pdf` (PAdES-B-B, or B-T with a timestamper) and returns the signed file: the
    /// original bytes followed by the incremental update.
    pub fn sign_pdf(&self, pdf: Vec<u8>, options: PdfSigningOptions, timestamper: Option<Arc<dyn TimestampFetcher>>) -> Result<Vec<u8>, MobileIdError> {
        let mut core = core_options(&options)?;
        core.expect_timestamp |= timestamper.is_some();
        let mut out = Cursor::new(Vec::with_capacity(pdf.len() + 2 * core.capacity.unwrap_or(pdf::DEFAULT_CAPACITY) + 8192));
        self.with_core(|signer| {
            let mut bridge = timestamper.clone().map(FetcherBridge);
            pdf::sign(&mut Cursor::new(&pdf), &mut out, signer, &core, bridge.as_mut().map(|b| b as &mut dyn mobile_id::cms::TimestampClient))?;
            Ok(())
        })?;
        Ok(out.into_inner())
    }

    /// Signs the file at `input_path` into `output_path`, streaming (large files never sit in
    /// memory).
    pub fn sign_pdf_file(
        &self,
        input_path: String,
        output_path: String,
        options: PdfSigningOptions,
        timestamper: Option<Arc<dyn TimestampFetcher>>,
    ) -> Result<(), MobileIdError> {
        if input_path == output_path || same_file(input_path.as_ref(), output_path.as_ref()) {
            return Err(MobileIdError::InvalidInput { reason: "the output must be another file".into() });
        }
        let mut core = core_options(&options)?;
        core.expect_timestamp |= timestamper.is_some();
        let mut input = std::fs::File::open(&input_path).map_err(io)?;
        let mut output = open_output(&output_path)?;
        self.with_core(|signer| {
            let mut bridge = timestamper.clone().map(FetcherBridge);
            pdf::sign(&mut input, &mut output, signer, &core, bridge.as_mut().map(|b| b as &mut dyn mobile_id::cms::TimestampClient))?;
            Ok(())
        })
    }
}

/// A PDF signature in two phases: prepare writes the output with an empty placeholder and
/// yields the digest; after the PIN prompt (the app may be suspended and the session kept as
/// bytes) finish embeds the signature made anywhere.
#[derive(uniffi::Object)]
pub struct PdfSigningSession {
    prepared: PreparedPdf,
    digest: Vec<u8>,
    output_path: String,
}

#[uniffi::export]
impl PdfSigningSession {
    /// Writes `input_path` plus the signature update to `output_path` and prepares the
    /// signature by `certificate`'s key (DER), with `chain` embedded.
    #[uniffi::constructor]
    pub fn prepare(
        input_path: String,
        output_path: String,
        certificate: Vec<u8>,
        chain: Vec<Vec<u8>>,
        options: PdfSigningOptions,
    ) -> Result<Arc<Self>, MobileIdError> {
        let cert = Certificate::from_der(&certificate).map_err(|_| MobileIdError::InvalidInput { reason: "certificate does not decode".into() })?;
        let chain: Vec<Certificate> = chain.iter().filter_map(|c| Certificate::from_der(c).ok()).collect();
        if input_path == output_path || same_file(input_path.as_ref(), output_path.as_ref()) {
            return Err(MobileIdError::InvalidInput { reason: "the output must be another file".into() });
        }
        let mut input = std::fs::File::open(&input_path).map_err(io)?;
        let mut output = open_output(&output_path)?;
        let (digest, prepared) = pdf::prepare(&mut input, &mut output, &cert, &chain, &core_options(&options)?)?;
        Ok(Arc::new(Self { prepared, digest, output_path }))
    }

    /// A session from [`Self::to_bytes`], finishing into the same output file.
    #[uniffi::constructor]
    pub fn resume(state: Vec<u8>, output_path: String) -> Result<Arc<Self>, MobileIdError> {
        let prepared = PreparedPdf::from_bytes(&state)?;
        let digest = prepared.digest_to_sign()?;
        Ok(Arc::new(Self { prepared, digest, output_path }))
    }

    /// The digest to be signed.
    pub fn digest(&self) -> Vec<u8> {
        self.digest.clone()
    }

    /// The session as bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, MobileIdError> {
        Ok(self.prepared.to_bytes()?)
    }

    /// Embeds a DER signature over [`Self::digest`] (checked against the certificate), after
    /// a signature timestamp when a timestamper is given.
    pub fn finish(&self, signature: Vec<u8>, timestamper: Option<Arc<dyn TimestampFetcher>>) -> Result<(), MobileIdError> {
        let mut cms = self.prepared.finish_cms(&signature)?;
        if let Some(t) = timestamper {
            cms = mobile_id::cms::add_signature_timestamps(&cms, &mut FetcherBridge(t))?;
        }
        // The placeholder must still be empty: a second finish is refused.
        let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&self.output_path).map_err(io)?;
        self.prepared.embed(&mut file, &cms)?;
        Ok(())
    }
}

/// The verdict on one PDF signature.
#[derive(Clone, Debug, uniffi::Record)]
pub struct PdfSignatureVerdict {
    /// The field name.
    pub field: String,
    /// A signature or a document timestamp.
    pub kind: SignatureKind,
    /// TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED (failed too when disallowed changes follow).
    pub indication: Indication,
    /// Why, when not TOTAL-PASSED.
    pub sub_indication: Option<SubIndication>,
    /// A human message.
    pub message: String,
    /// The byte-range digest matches (null when not reached).
    pub intact: Option<bool>,
    /// The signature maths holds (null for algorithms not implemented).
    pub signature_valid: Option<bool>,
    /// The signer chains to an anchor.
    pub trusted: Option<bool>,
    /// How much of the file it covers.
    pub coverage: Coverage,
    /// The verdict on what later revisions did.
    pub later_changes: LaterChanges,
    /// What later revisions did, each judged.
    pub changes: Vec<PdfChange>,
    /// The signer's subject.
    pub signer_subject: Option<String>,
    /// The signer's given name.
    pub given_name: Option<String>,
    /// The signer's surname.
    pub surname: Option<String>,
    /// The semantics identifier, e.g. PNOAZ-7TEST01.
    pub semantics_identifier: Option<String>,
    /// The signer's certificate, DER, when the chain validated.
    pub signer_certificate: Option<Vec<u8>>,
    /// The claimed signing time (`/M`), not proven by anything.
    pub claimed_signing_time: Option<SystemTime>,
    /// The time a valid timestamp proves.
    pub timestamp_time: Option<SystemTime>,
    /// DocMDP level of a certification signature.
    pub certification: Option<u8>,
}

/// The verdict on a PDF.
#[derive(Clone, Debug, uniffi::Record)]
pub struct PdfVerdict {
    /// Every signature passed, nothing disallowed follows, nothing after %%EOF.
    pub passed: bool,
    /// One per signature field.
    pub signatures: Vec<PdfSignatureVerdict>,
    /// Bytes after the last %%EOF.
    pub trailing_bytes: u64,
}

fn pdf_verdict(report: &pdf::PdfReport) -> PdfVerdict {
    PdfVerdict {
        passed: report.passed(),
        trailing_bytes: report.trailing_bytes,
        signatures: report
            .signatures
            .iter()
            .map(|s| PdfSignatureVerdict {
                field: s.field.clone(),
                kind: s.kind.into(),
                indication: s.indication.into(),
                sub_indication: s.sub_indication.map(Into::into),
                message: s.message.clone(),
                intact: s.intact,
                signature_valid: s.signature_valid,
                trusted: s.trusted,
                coverage: s.coverage.into(),
                later_changes: s.later_changes.into(),
                changes: s
                    .changes
                    .iter()
                    .flat_map(|r| {
                        r.changes.iter().map(|c| PdfChange {
                            revision: u32::try_from(r.revision).unwrap_or(u32::MAX),
                            allowed: c.allowed,
                            kind: ChangeKind::from(c.kind),
                            what: c.what.clone(),
                        })
                    })
                    .collect(),
                signer_subject: s.signer_subject.clone(),
                given_name: s.signer.as_ref().and_then(|i| i.given_name.clone()),
                surname: s.signer.as_ref().and_then(|i| i.surname.clone()),
                semantics_identifier: s.signer.as_ref().and_then(|i| i.semantics_identifier.as_ref()).map(ToString::to_string),
                signer_certificate: s.details.as_ref().and_then(|d| d.chain.first()).map(|c| c.der.to_vec()),
                claimed_signing_time: s.claimed_signing_time.map(time_of),
                timestamp_time: s.timestamp_time.map(time_of),
                certification: s.certification,
            })
            .collect(),
    }
}

impl Verifier {
    /// PDF options at `time` (now when absent) with this verifier's algorithm policy.
    fn pdf_options(&self, time: Option<SystemTime>) -> Result<pdf::PdfVerifyOptions, MobileIdError> {
        let mut options = pdf::PdfVerifyOptions::new(time.map(secs_of).transpose()?.unwrap_or_else(now));
        options.algorithm_policy = self.algorithm_policy().clone();
        Ok(options)
    }
}

#[uniffi::export]
impl Verifier {
    /// Verifies every signature of a PDF held in memory.
    pub fn verify_pdf(&self, pdf: Vec<u8>, time: Option<SystemTime>) -> Result<PdfVerdict, MobileIdError> {
        let report = pdf::verify(Cursor::new(pdf), self.chain_verifier(), &self.pdf_options(time)?)?;
        Ok(pdf_verdict(&report))
    }

    /// Verifies a PDF held in memory with revocation data the host fetched (CRLs and OCSP
    /// responses, DER) beside the document's DSS; `required` makes every certificate need a
    /// status.
    pub fn verify_pdf_with_revocation(
        &self,
        pdf: Vec<u8>,
        crls: Vec<Vec<u8>>,
        ocsp_responses: Vec<Vec<u8>>,
        required: bool,
        time: Option<SystemTime>,
    ) -> Result<PdfVerdict, MobileIdError> {
        let mut options = self.pdf_options(time)?;
        for crl in &crls {
            options.revocation.crls.push(mobile_id::x509::ParsedCrl::from_der(crl)?);
        }
        for response in &ocsp_responses {
            options.revocation.ocsp.push(mobile_id::x509::ParsedOcspResponse::from_der(response)?);
        }
        if required {
            options.revocation_mode = mobile_id::x509::RevocationMode::Required;
        }
        let report = pdf::verify(Cursor::new(pdf), self.chain_verifier(), &options)?;
        Ok(pdf_verdict(&report))
    }

    /// Verifies a PDF held in memory with online revocation: every certificate of every
    /// signer's and timestamp's path needs a status, and what the document and `crls` /
    /// `ocsp_responses` do not give, `fetcher` is asked for (the host's HTTP stack, its
    /// cache). What it returns is validated like any other revocation data.
    pub fn verify_pdf_online(&self, pdf: Vec<u8>, fetcher: Arc<dyn RevocationFetcher>, time: Option<SystemTime>) -> Result<PdfVerdict, MobileIdError> {
        let mut options = self.pdf_options(time)?;
        options.revocation_mode = mobile_id::x509::RevocationMode::Required;
        options.revocation.fetcher = Some(Arc::new(HostRevocation(fetcher)));
        let report = pdf::verify(Cursor::new(pdf), self.chain_verifier(), &options)?;
        Ok(pdf_verdict(&report))
    }

    /// Verifies every signature of the PDF at `path`, streaming.
    pub fn verify_pdf_file(&self, path: String, time: Option<SystemTime>) -> Result<PdfVerdict, MobileIdError> {
        let file = std::io::BufReader::new(std::fs::File::open(&path).map_err(io)?);
        let report = pdf::verify(file, self.chain_verifier(), &self.pdf_options(time)?)?;
        Ok(pdf_verdict(&report))
    }
}

/// A small valid one-page-per-line PDF, for demos and tests.
#[uniffi::export]
pub fn sample_pdf(lines: Vec<String>) -> Vec<u8> {
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    pdf::sample_document(&lines, 0)
}

/// Appends a DSS to the signed PDF at `path` (PAdES B-LT): the certificates its signatures
/// carry, plus `certificates`, `crls` and `ocsp_responses` (DER) the host fetched.
#[uniffi::export]
pub fn pdf_add_validation_data(path: String, certificates: Vec<Vec<u8>>, crls: Vec<Vec<u8>>, ocsp_responses: Vec<Vec<u8>>) -> Result<(), MobileIdError> {
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&path).map_err(io)?;
    let mut material = pdf::DssMaterial { certificates: pdf::embedded_certificates(&mut file)?, crls, ocsp: ocsp_responses };
    for c in certificates {
        if !material.certificates.contains(&c) {
            material.certificates.push(c);
        }
    }
    pdf::add_dss(&mut file, &material)?;
    Ok(())
}

/// Appends a document timestamp from `timestamper`'s TSA to the PDF at `path` (PAdES B-LTA):
/// it covers everything before it, DSS included.
#[uniffi::export]
pub fn pdf_add_document_timestamp(path: String, timestamper: Arc<dyn TimestampFetcher>) -> Result<(), MobileIdError> {
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&path).map_err(io)?;
    pdf::add_document_timestamp(&mut file, &mut FetcherBridge(timestamper), pdf::DEFAULT_TIMESTAMP_CAPACITY)?;
    Ok(())
}

/// Whether two paths name the same file (same device and inode on Unix, the same canonical
/// path elsewhere): signing a file onto itself would truncate the original before it is read.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Revocation data fetched by the host for verification (its HTTP stack, proxy and cache):
/// the OCSP responses or CRLs, DER, that it has for `certificate` (issued by `issuer`, both
/// DER) — typically from the OCSP responder the certificate's authorityInfoAccess names, or
/// its CRL distribution points. An empty list when it has none.
#[uniffi::export(with_foreign)]
pub trait RevocationFetcher: Send + Sync {
    /// OCSP responses and CRLs (DER, in any order) for `certificate`.
    fn fetch(&self, certificate: Vec<u8>, issuer: Vec<u8>) -> Vec<Vec<u8>>;
}

/// The host's fetcher as the core's: each item is read as an OCSP response, else as a CRL;
/// items that are neither are dropped (and so prove nothing).
struct HostRevocation(Arc<dyn RevocationFetcher>);

impl std::fmt::Debug for HostRevocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostRevocation")
    }
}

impl mobile_id::x509::RevocationFetcher for HostRevocation {
    fn fetch(
        &self,
        certificate: &mobile_id::x509::ParsedCertificate,
        issuer: &mobile_id::x509::ParsedCertificate,
        _time: u64,
    ) -> mobile_id::x509::RevocationData {
        let mut data = mobile_id::x509::RevocationData::default();
        for item in self.0.fetch(certificate.der().to_vec(), issuer.der().to_vec()) {
            if let Ok(response) = mobile_id::x509::ParsedOcspResponse::from_der(&item) {
                data.ocsp.push(response);
            } else if let Ok(crl) = mobile_id::x509::ParsedCrl::from_der(&item) {
                data.crls.push(crl);
            }
        }
        data
    }
}
