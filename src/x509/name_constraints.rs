//! Name constraints, RFC 5280 §4.2.1.10 and §6.1.3 (b)–(c), §6.1.4 (g): directory names,
//! RFC 822 mailboxes (including emailAddress in the subject), DNS names, URIs and IP
//! addresses. Each CA's permittedSubtrees is kept as its own group (a name must satisfy every
//! group that constrains its type, which is the intersection the RFC asks for); excluded
//! subtrees accumulate as a union.

use x509_cert::ext::pkix::constraints::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use super::ValidationError;
use super::cert::{ParsedCertificate, oid};
use super::name::NormalizedName;

/// The kinds of name constraints apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Directory,
    Rfc822,
    Dns,
    Uri,
    Ip,
    Other,
}

/// A name of the certificate being checked.
enum Subject<'a> {
    Directory(NormalizedName),
    Rfc822(String),
    Dns(&'a str),
    Uri(&'a str),
    Ip(&'a [u8]),
    Other,
}

impl Subject<'_> {
    fn kind(&self) -> Kind {
        match self {
            Self::Directory(_) => Kind::Directory,
            Self::Rfc822(_) => Kind::Rfc822,
            Self::Dns(_) => Kind::Dns,
            Self::Uri(_) => Kind::Uri,
            Self::Ip(_) => Kind::Ip,
            Self::Other => Kind::Other,
        }
    }
}

fn kind_of(name: &GeneralName) -> Kind {
    match name {
        GeneralName::DirectoryName(_) => Kind::Directory,
        GeneralName::Rfc822Name(_) => Kind::Rfc822,
        GeneralName::DnsName(_) => Kind::Dns,
        GeneralName::UniformResourceIdentifier(_) => Kind::Uri,
        GeneralName::IpAddress(_) => Kind::Ip,
        _ => Kind::Other,
    }
}

/// The constraints accumulated along a path.
#[derive(Clone, Debug, Default)]
pub struct NameConstraintsState {
    permitted: Vec<Vec<GeneralSubtree>>,
    excluded: Vec<GeneralSubtree>,
}

impl NameConstraintsState {
    /// Adds a CA's nameConstraints (§6.1.4 (g)).
    ///
    /// # Errors
    /// [`ValidationError::Malformed`] for subtrees with minimum ≠ 0 or a maximum, which RFC 5280
    /// forbids.
    pub fn add(&mut self, constraints: &NameConstraints) -> Result<(), ValidationError> {
        let check = |trees: &[GeneralSubtree]| {
            if trees.iter().any(|t| t.minimum != 0 || t.maximum.is_some()) {
                return Err(ValidationError::Malformed { what: "nameConstraints subtree with minimum or maximum" });
            }
            trees.iter().try_for_each(|t| constraint_syntax(&t.base))
        };
        if let Some(permitted) = &constraints.permitted_subtrees {
            check(permitted)?;
            self.permitted.push(permitted.clone());
        }
        if let Some(excluded) = &constraints.excluded_subtrees {
            check(excluded)?;
            self.excluded.extend(excluded.iter().cloned());
        }
        Ok(())
    }

    /// Checks the subject name and subjectAltNames of `cert` (§6.1.3 (b)–(c)), spending one
    /// unit of `budget` per name-against-constraint comparison.
    ///
    /// # Errors
    /// [`ValidationError::NameConstraints`] on any violation, [`ValidationError::Malformed`]
    /// for a name whose syntax is wrong (it could not be judged against a constraint), and
    /// [`ValidationError::BudgetExceeded`] when names × constraints exceed the budget.
    pub fn check(&self, cert: &ParsedCertificate, budget: &mut usize) -> Result<(), ValidationError> {
        if self.permitted.is_empty() && self.excluded.is_empty() {
            return Ok(());
        }
        let mut names: Vec<Subject<'_>> = Vec::new();
        if !cert.subject.is_empty() {
            names.push(Subject::Directory(cert.subject.clone()));
        }
        names.extend(cert.subject.text_values(oid::EMAIL_ADDRESS).map(|e| Subject::Rfc822(e.to_string())));
        for name in cert.ext.subject_alt_name.iter().flatten() {
            names.push(match name {
                GeneralName::DirectoryName(n) => Subject::Directory(NormalizedName::new(n)),
                GeneralName::Rfc822Name(s) => Subject::Rfc822(s.to_string()),
                GeneralName::DnsName(s) => Subject::Dns(s.as_str()),
                GeneralName::UniformResourceIdentifier(s) => Subject::Uri(s.as_str()),
                GeneralName::IpAddress(o) => Subject::Ip(o.as_bytes()),
                _ => Subject::Other,
            });
        }
        let constraints = self.excluded.len() + self.permitted.iter().map(Vec::len).sum::<usize>();
        *budget = budget.checked_sub(names.len().saturating_mul(constraints)).ok_or(ValidationError::BudgetExceeded)?;
        for name in &names {
            name_syntax(name)?;
            if self.excluded.iter().any(|t| kind_of(&t.base) == name.kind() && matches(&t.base, name) != Some(false)) {
                return Err(ValidationError::NameConstraints);
            }
            for group in &self.permitted {
                let relevant: Vec<_> = group.iter().filter(|t| kind_of(&t.base) == name.kind()).collect();
                if !relevant.is_empty() && !relevant.iter().any(|t| matches(&t.base, name) == Some(true)) {
                    return Err(ValidationError::NameConstraints);
                }
            }
        }
        Ok(())
    }
}

/// Whether `name` falls within `base`; `None` when the library cannot tell (a kind it does not
/// compare), which counts as a violation either way.
fn matches(base: &GeneralName, name: &Subject<'_>) -> Option<bool> {
    match (base, name) {
        // A name with values the library cannot compare as text is not judged "outside".
        (GeneralName::DirectoryName(b), Subject::Directory(n)) if n.has_opaque_values() => {
            if NormalizedName::new(b).is_prefix_of(n) {
                Some(true)
            } else {
                None
            }
        }
        (GeneralName::DirectoryName(b), Subject::Directory(n)) => Some(NormalizedName::new(b).is_prefix_of(n)),
        (GeneralName::Rfc822Name(b), Subject::Rfc822(n)) => Some(rfc822_matches(b.as_str(), n)),
        (GeneralName::DnsName(b), Subject::Dns(n)) => match n.strip_prefix("*.") {
            Some(parent) => wildcard_matches(b.as_str(), parent),
            None => Some(dns_matches(b.as_str(), n)),
        },
        (GeneralName::UniformResourceIdentifier(b), Subject::Uri(n)) => uri_host(n).map(|h| host_matches(b.as_str(), h)),
        (GeneralName::IpAddress(b), Subject::Ip(n)) => Some(ip_matches(b.as_bytes(), n)),
        _ => None,
    }
}

fn rfc822_matches(constraint: &str, address: &str) -> bool {
    let Some((_, host)) = address.rsplit_once('@') else { return false };
    if constraint.contains('@') {
        constraint.eq_ignore_ascii_case(address)
    } else if constraint.starts_with('.') {
        ends_with_ignore_case(host, constraint)
    } else {
        host.eq_ignore_ascii_case(constraint)
    }
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len() && text.get(text.len() - suffix.len()..).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

/// DNS: the name itself or any name with labels added on the left (§4.2.1.10).
fn dns_matches(constraint: &str, name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if constraint.is_empty() {
        return true;
    }
    if constraint.starts_with('.') {
        return ends_with_ignore_case(name, constraint);
    }
    name.eq_ignore_ascii_case(constraint) || ends_with_ignore_case(name, &format!(".{constraint}"))
}

/// A wildcard name `*.parent` stands for every `label.parent`: inside the subtree when
/// `parent` is (`Some(true)`), outside when none of them can be (`Some(false)`), and `None`
/// when some are and some are not (the constraint names one `label.parent` or a name below
/// it): then it is refused by an exclusion and not admitted by a permission.
fn wildcard_matches(constraint: &str, parent: &str) -> Option<bool> {
    if dns_matches(constraint, parent) {
        return Some(true);
    }
    let parent = parent.strip_suffix('.').unwrap_or(parent);
    let constraint = constraint.strip_prefix('.').unwrap_or(constraint);
    let under_parent = ends_with_ignore_case(constraint, &format!(".{parent}"));
    if under_parent { None } else { Some(false) }
}

/// A DNS name of letters, digits and hyphens (RFC 1034 §3.5, RFC 1123 §2.1), labels of 1 to 63
/// octets, at most 253 in all, one trailing dot allowed, whose last label is not all digits (a
/// dotted IP address is not a DNS name). With `wildcard`, the first label may be `*`.
fn dns_syntax(name: &str, wildcard: bool) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let name = if wildcard { name.strip_prefix("*.").unwrap_or(name) } else { name };
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') && !l.starts_with('-') && !l.ends_with('-')
        })
        && labels.last().is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()))
}

/// An addr-spec's local part as certificates carry it: printable ASCII, no space or `@`.
fn local_part_syntax(local: &str) -> bool {
    !local.is_empty() && local.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
}

fn malformed_name() -> ValidationError {
    ValidationError::Malformed { what: "subjectAltName value (not valid for its name form)" }
}

/// The syntax of a name checked against constraints: a name that is not what its form says
/// (an IP address written as a dNSName, a mailbox without a domain) could slip past a
/// constraint on its real form, so it is refused, not judged.
fn name_syntax(name: &Subject<'_>) -> Result<(), ValidationError> {
    let ok = match name {
        Subject::Dns(n) => dns_syntax(n, true),
        Subject::Rfc822(n) => n.rsplit_once('@').is_some_and(|(local, host)| local_part_syntax(local) && dns_syntax(host, false)),
        Subject::Ip(a) => matches!(a.len(), 4 | 16),
        Subject::Uri(_) | Subject::Directory(_) | Subject::Other => true,
    };
    if ok { Ok(()) } else { Err(malformed_name()) }
}

/// The syntax of a constraint (RFC 5280 §4.2.1.10): a dNSName is a name to which labels are
/// added on the left, so no wildcard and no leading period (which are the URI and mailbox
/// forms); an rfc822Name is a mailbox, a host, or `.domain`; an iPAddress is an address and a
/// contiguous mask of the same family (8 or 32 octets).
fn constraint_syntax(base: &GeneralName) -> Result<(), ValidationError> {
    let malformed = ValidationError::Malformed { what: "nameConstraints value (not valid for its name form)" };
    let domain = |d: &str| d.is_empty() || dns_syntax(d.strip_prefix('.').unwrap_or(d), false);
    let ok = match base {
        GeneralName::DnsName(d) => d.as_str().is_empty() || dns_syntax(d.as_str(), false),
        GeneralName::Rfc822Name(m) => match m.as_str().rsplit_once('@') {
            Some((local, host)) => local_part_syntax(local) && dns_syntax(host, false),
            None => !m.as_str().is_empty() && domain(m.as_str()),
        },
        GeneralName::UniformResourceIdentifier(u) => !u.as_str().is_empty() && domain(u.as_str()),
        GeneralName::IpAddress(o) => {
            let bytes = o.as_bytes();
            // The mask is ones then zeros: each byte is, and after a byte that is not all ones
            // the rest are zero.
            let mask = bytes.get(bytes.len() / 2..).unwrap_or_default();
            let end = mask.iter().position(|b| *b != 0xFF).unwrap_or(mask.len());
            matches!(bytes.len(), 8 | 32)
                && mask.get(end).is_none_or(|b| b.leading_ones() + b.trailing_zeros() >= 8)
                && mask.iter().skip(end + 1).all(|b| *b == 0)
        }
        _ => true,
    };
    if ok { Ok(()) } else { Err(malformed) }
}

/// URI hosts: `.example.com` admits subdomains, `host.example.com` only that host.
fn host_matches(constraint: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if constraint.starts_with('.') { ends_with_ignore_case(host, constraint) } else { host.eq_ignore_ascii_case(constraint) }
}

/// The host of a URI with an authority (`scheme://[userinfo@]host[:port]/…`).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') { host_port.split_once(']').map(|(h, _)| h.trim_start_matches('['))? } else { host_port.split(':').next()? };
    if host.is_empty() { None } else { Some(host) }
}

/// IP: base is address ‖ mask (8 or 32 bytes), the name 4 or 16 bytes.
fn ip_matches(base: &[u8], address: &[u8]) -> bool {
    if base.len() != 2 * address.len() {
        return false;
    }
    let (net, mask) = base.split_at(address.len());
    net.iter().zip(mask).zip(address).all(|((n, m), a)| n & m == a & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_forms() {
        assert!(dns_matches("example.com", "www.Example.com"));
        assert!(dns_matches("example.com", "example.com"));
        assert!(!dns_matches("example.com", "badexample.com"));
        assert!(rfc822_matches("example.com", "a@example.com"));
        assert!(!rfc822_matches("example.com", "a@mail.example.com"));
        assert!(rfc822_matches(".example.com", "a@mail.example.com"));
        assert!(rfc822_matches("a@example.com", "A@example.com"));
        assert_eq!(uri_host("http://user@host.example.com:80/x"), Some("host.example.com"));
        assert_eq!(uri_host("urn:isbn:1"), None);
        assert!(ip_matches(&[10, 0, 0, 0, 255, 0, 0, 0], &[10, 1, 2, 3]));
        assert!(!ip_matches(&[10, 0, 0, 0, 255, 0, 0, 0], &[11, 1, 2, 3]));
    }
}
