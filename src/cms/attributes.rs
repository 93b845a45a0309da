//! CMS and CAdES attribute types: contentType, messageDigest, signingTime (RFC 5652 §11),
//! ESS signingCertificate / signingCertificateV2 (RFC 2634 §5.4, RFC 5035 §3) and the
//! signature timestamp attribute (RFC 3161 Appendix A, ETSI EN 319 122-1 §5.3).

use der::Sequence;
use der::asn1::{ObjectIdentifier, OctetString};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralNames;
use x509_cert::serial_number::SerialNumber;

/// id-data.
pub const ID_DATA: ObjectIdentifier = const_oid::db::rfc5911::ID_DATA;
/// id-signedData.
pub const ID_SIGNED_DATA: ObjectIdentifier = const_oid::db::rfc5911::ID_SIGNED_DATA;
/// id-contentType.
pub const ID_CONTENT_TYPE: ObjectIdentifier = const_oid::db::rfc5911::ID_CONTENT_TYPE;
/// id-messageDigest.
pub const ID_MESSAGE_DIGEST: ObjectIdentifier = const_oid::db::rfc5911::ID_MESSAGE_DIGEST;
/// id-signingTime.
pub const ID_SIGNING_TIME: ObjectIdentifier = const_oid::db::rfc5911::ID_SIGNING_TIME;
/// id-aa-signingCertificate (ESS, SHA-1).
pub const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier = const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE;
/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier = const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2;
/// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier = const_oid::db::rfc3161::ID_AA_TIME_STAMP_TOKEN;
/// id-ct-TSTInfo.
pub const ID_CT_TST_INFO: ObjectIdentifier = const_oid::db::rfc3161::ID_CT_TST_INFO;
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = const_oid::db::rfc5912::ECDSA_WITH_SHA_256;
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = const_oid::db::rfc5912::ECDSA_WITH_SHA_384;

/// ```text
/// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash      Hash,
///     issuerSerial  IssuerSerial OPTIONAL }
/// ```
/// (`hashAlgorithm` absent means SHA-256.)
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///     certs    SEQUENCE OF ESSCertIDv2,
///     policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<der::Any>,
}

/// ```text
/// ESSCertID ::= SEQUENCE { certHash Hash (SHA-1), issuerSerial IssuerSerial OPTIONAL }
/// SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies … OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct EssCertId {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ESS SigningCertificate (version 1, SHA-1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
#[allow(missing_docs)]
pub struct SigningCertificate {
    pub certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    pub policies: Option<der::Any>,
}
