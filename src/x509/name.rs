//! Distinguished-name comparison, RFC 5280 §7.1: names match when they have the same RDNs,
//! each RDN the same set of attributes, and each attribute value the same after the RFC 4518
//! preparation this library applies to directory strings — case folding, leading and trailing
//! space removed, inner runs of white space collapsed to one — whatever string type
//! (PrintableString, UTF8String, BMPString, …) encodes it. Values of other types compare as
//! DER.

use der::asn1::ObjectIdentifier;
use der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

/// One attribute value, prepared for comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum PreparedValue {
    /// A string value after case folding and white-space normalisation.
    Text(String),
    /// Anything else, as its DER.
    Der(Vec<u8>),
}

/// A name prepared for RFC 5280 §7.1 comparison: equality and hashing follow the RFC's
/// matching rules, so it can key a map from subject to certificates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct NormalizedName(Vec<Vec<(ObjectIdentifier, PreparedValue)>>);

impl NormalizedName {
    /// Prepares `name`.
    pub fn new(name: &Name) -> Self {
        let rdns = name
            .iter_rdn()
            .map(|rdn| {
                let mut atvs: Vec<_> = rdn.iter().map(|atv| (atv.oid, prepare(&atv.value))).collect();
                atvs.sort();
                atvs
            })
            .collect();
        Self(rdns)
    }

    /// This name with one more RDN appended (for nameRelativeToCRLIssuer).
    pub fn with_rdn(&self, rdn: &x509_cert::name::RelativeDistinguishedName) -> Self {
        let mut atvs: Vec<_> = rdn.iter().map(|atv| (atv.oid, prepare(&atv.value))).collect();
        atvs.sort();
        let mut rdns = self.0.clone();
        rdns.push(atvs);
        Self(rdns)
    }

    /// Whether the name has no RDNs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `self` is an RDN-wise prefix of `other` (directoryName subtrees, RFC 5280
    /// §4.2.1.10).
    pub fn is_prefix_of(&self, other: &NormalizedName) -> bool {
        self.0.len() <= other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }

    /// Whether some value is not a string this library compares as text (so name constraints
    /// cannot judge it and must assume the worst).
    pub fn has_opaque_values(&self) -> bool {
        self.0.iter().flatten().any(|(_, v)| matches!(v, PreparedValue::Der(_)))
    }

    /// The values of attribute `oid` that are text (e.g. emailAddress for name constraints).
    pub fn text_values(&self, oid: ObjectIdentifier) -> impl Iterator<Item = &str> {
        self.0.iter().flatten().filter(move |(o, _)| *o == oid).filter_map(|(_, v)| match v {
            PreparedValue::Text(t) => Some(t.as_str()),
            PreparedValue::Der(_) => None,
        })
    }
}

fn prepare(value: &der::Any) -> PreparedValue {
    match decode_string(value) {
        Some(text) => PreparedValue::Text(fold(&text)),
        None => PreparedValue::Der(value.to_der().unwrap_or_default()),
    }
}

/// Decodes the string types of DirectoryString (RFC 5280 §4.1.2.4) and IA5String.
fn decode_string(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => String::from_utf8(bytes.to_vec()).ok(),
        // T.61 in practice carries Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c.first().copied()?, c.get(1).copied()?]).into()).collect::<Option<_>>()?;
            String::from_utf16(&units).ok()
        }
        // UniversalString (tag 28) is not a `der` Tag variant: read it from the encoding.
        _ => {
            let der_bytes = value.to_der().ok()?;
            if der_bytes.first() != Some(&0x1C) {
                return None;
            }
            bytes
                .chunks(4)
                .map(|c| {
                    let arr: [u8; 4] = c.try_into().ok()?;
                    char::from_u32(u32::from_be_bytes(arr))
                })
                .collect()
        }
    }
}

/// Case folding and white-space normalisation (the parts of RFC 4518 §2 that matter for
/// matching names in practice).
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn n(s: &str) -> NormalizedName {
        NormalizedName::new(&Name::from_str(s).unwrap())
    }

    #[test]
    fn matching_rules() {
        assert_eq!(n("CN=Good  CA,O=Test,C=US"), n("CN=good ca,O=TEST,C=us"));
        assert_ne!(n("CN=Good CA,O=Test,C=US"), n("CN=Good CA,O=Test"));
        assert_ne!(n("CN=Good CA,O=Test,C=US"), n("CN=Good CB,O=Test,C=US"));
        assert!(n("O=Test,C=US").is_prefix_of(&n("CN=x,O=Test,C=US")));
        assert!(!n("O=Other,C=US").is_prefix_of(&n("CN=x,O=Test,C=US")));
    }
}
