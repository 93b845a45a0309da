//! Qualified-certificate statements (RFC 3739 §3.2.6, ETSI EN 319 412-5 §4) and the holder's
//! identity from the subject (ETSI EN 319 412-1 §5.1.3 semantics identifiers).

use der::asn1::{Any, ObjectIdentifier};
use der::{Decode, Sequence, Tagged};
use serde::Serialize;
use x509_cert::name::Name;

use super::ValidationError;

/// esi4-qcStatement-1: QcCompliance.
pub const QC_COMPLIANCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.1");
/// esi4-qcStatement-4: QcSSCD.
pub const QC_SSCD: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.4");
/// esi4-qcStatement-6: QcType.
pub const QC_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.6");

/// ```text
/// QCStatement ::= SEQUENCE {
///     statementId   QC-STATEMENT.&id({SupportedStatements}),
///     statementInfo QC-STATEMENT.&Type({SupportedStatements}{@statementId}) OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct QcStatement {
    statement_id: ObjectIdentifier,
    #[asn1(optional = "true")]
    statement_info: Option<Any>,
}

/// The QC statements of a certificate, as reported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QcStatements {
    /// QcCompliance: an EU qualified certificate.
    pub compliance: bool,
    /// QcSSCD: the key is in a qualified signature creation device.
    pub sscd: bool,
    /// QcType values (esign, eseal, web) as dotted OIDs.
    pub types: Vec<String>,
    /// Every statement id, dotted.
    pub statement_ids: Vec<String>,
}

impl QcStatements {
    /// Decodes the value of an id-pe-qcStatements extension.
    ///
    /// # Errors
    /// [`ValidationError::Malformed`].
    pub fn from_der(bytes: &[u8]) -> Result<Self, ValidationError> {
        let malformed = ValidationError::Malformed { what: "qcStatements" };
        let statements = Vec::<QcStatement>::from_der(bytes).map_err(|_| malformed.clone())?;
        let mut out = Self::default();
        for statement in statements {
            out.statement_ids.push(statement.statement_id.to_string());
            match statement.statement_id {
                QC_COMPLIANCE => out.compliance = true,
                QC_SSCD => out.sscd = true,
                QC_TYPE => {
                    let info = statement.statement_info.ok_or(malformed.clone())?;
                    // EN 319 412-5 §4.2.3 defines `QcType ::= SEQUENCE OF OBJECT IDENTIFIER`; some
                    // qualified CAs in service (Certum's QCA 2017 among them) write one bare
                    // OID instead. Its meaning is the same one-element list and the statement
                    // only describes the certificate, so the bare form is read, not refused.
                    let types: Vec<ObjectIdentifier> = match info.decode_as::<Vec<ObjectIdentifier>>() {
                        Ok(types) => types,
                        Err(_) => vec![info.decode_as::<ObjectIdentifier>().map_err(|_| malformed.clone())?],
                    };
                    out.types.extend(types.iter().map(ToString::to_string));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// An ETSI EN 319 412-1 §5.1.3 semantics identifier: `PNOEE-38001085718` is type `PNO`,
/// country `EE`, value `38001085718`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SemanticsIdentifier {
    /// Three-letter type: PAS, IDC, PNO, TAX, TIN, or a national two-letter one (`XX:`).
    pub kind: String,
    /// ISO 3166 country.
    pub country: String,
    /// The identifier proper.
    pub value: String,
}

impl std::fmt::Display for SemanticsIdentifier {
    /// The form [`SemanticsIdentifier::parse`] reads: `PNOEE-38001085718`, or `XX:CC-value`
    /// for a national two-letter type.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.len() == 2 {
            write!(f, "{}:{}-{}", self.kind, self.country, self.value)
        } else {
            write!(f, "{}{}-{}", self.kind, self.country, self.value)
        }
    }
}

impl SemanticsIdentifier {
    /// Parses `XXXCC-value` (and the national `XX:CC-value`); `None` if it has another form.
    pub fn parse(text: &str) -> Option<Self> {
        let (prefix, value) = text.split_once('-')?;
        let (kind, country) = if let Some((national, country)) = prefix.split_once(':') { (national, country) } else { (prefix.get(..3)?, prefix.get(3..)?) };
        let upper = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
        if !(upper(kind, 3) || upper(kind, 2)) || !upper(country, 2) || value.is_empty() {
            return None;
        }
        Some(Self { kind: kind.into(), country: country.into(), value: value.into() })
    }
}

/// Who a certificate names, from its subject.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// givenName.
    pub given_name: Option<String>,
    /// surname.
    pub surname: Option<String>,
    /// commonName.
    pub common_name: Option<String>,
    /// countryName.
    pub country: Option<String>,
    /// serialNumber as written.
    pub serial_number: Option<String>,
    /// serialNumber parsed as a semantics identifier, when it has that form.
    pub semantics_identifier: Option<SemanticsIdentifier>,
}

const GIVEN_NAME: ObjectIdentifier = const_oid::db::rfc4519::GIVEN_NAME;
const SURNAME: ObjectIdentifier = const_oid::db::rfc4519::SURNAME;
const COMMON_NAME: ObjectIdentifier = const_oid::db::rfc4519::COMMON_NAME;
const COUNTRY: ObjectIdentifier = const_oid::db::rfc4519::COUNTRY_NAME;
const SERIAL_NUMBER: ObjectIdentifier = const_oid::db::rfc4519::SERIAL_NUMBER;

impl Identity {
    /// Reads the identity attributes of `subject`.
    pub fn from_name(subject: &Name) -> Self {
        let get = |oid| {
            subject.iter().find(|atv| atv.oid == oid).and_then(|atv| {
                let v = atv.value.value();
                match atv.value.tag() {
                    der::Tag::Utf8String | der::Tag::PrintableString | der::Tag::Ia5String => String::from_utf8(v.to_vec()).ok(),
                    der::Tag::TeletexString => Some(v.iter().map(|b| char::from(*b)).collect()),
                    _ => None,
                }
            })
        };
        let serial_number = get(SERIAL_NUMBER);
        Self {
            given_name: get(GIVEN_NAME),
            surname: get(SURNAME),
            common_name: get(COMMON_NAME),
            country: get(COUNTRY),
            semantics_identifier: serial_number.as_deref().and_then(SemanticsIdentifier::parse),
            serial_number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qc_type_as_a_list_or_a_bare_oid() {
        // QcCompliance, then QcType esign as EN 319 412-5 writes it (SEQUENCE OF OID) ...
        let listed = hex::decode("301f3008060604008e460101301306060400 8e4601063009060704008e46010601".replace(' ', "")).unwrap();
        // ... and as Certum QCA 2017 writes it: the OID without the SEQUENCE around it.
        let bare = hex::decode("301d3008060604008e4601013011060604008e460106060704008e46010601").unwrap();
        for bytes in [listed, bare] {
            let statements = QcStatements::from_der(&bytes).unwrap();
            assert!(statements.compliance);
            assert_eq!(statements.types, ["0.4.0.1862.1.6.1"]);
        }
        // Anything else there is still malformed.
        let other = hex::decode("301b3008060604008e460101300f060604008e4601060c05657369676e").unwrap();
        assert!(QcStatements::from_der(&other).is_err());
    }

    #[test]
    fn semantics_identifiers_print_as_they_parse() {
        for text in ["PNOEE-38001085718", "AZ:AZ-1234567"] {
            assert_eq!(SemanticsIdentifier::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn semantics_identifiers() {
        let id = SemanticsIdentifier::parse("PNOEE-38001085718").unwrap();
        assert_eq!((id.kind.as_str(), id.country.as_str(), id.value.as_str()), ("PNO", "EE", "38001085718"));
        let id = SemanticsIdentifier::parse("PNOAZ-7TEST01").unwrap();
        assert_eq!(id.country, "AZ");
        assert_eq!(SemanticsIdentifier::parse("IDCLV-123").unwrap().kind, "IDC");
        assert_eq!(SemanticsIdentifier::parse("LT:LT-123").unwrap().kind, "LT");
        for bad in ["38001085718", "PNO-123", "pnoee-1", "PNOEE-", "PNOEEX-1"] {
            assert_eq!(SemanticsIdentifier::parse(bad), None, "{bad}");
        }
    }
}
