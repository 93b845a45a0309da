//! # mobile-id
//!
//! One core for everyone around a mobile ID: the wallet that holds a SIM-bound key and talks to
//! the applet over APDUs, the bank that verifies signatures and chains, and the portal that runs
//! the login. See `README.md` for the capability table.
//!
//! Modules, lowest first (a module uses only modules above it; `ARCHITECTURE.md` has the table
//! and `tests/architecture.rs` checks it):
//! - [`time`]: RFC 3339 in and out (a leaf).
//! - [`algorithms`]: digest algorithms and the dated algorithm policy (a leaf).
//! - [`ec`]: the curves of mobile ID keys and software ECDSA keys (a leaf).
//! - [`apdu`]: APDUs, status words, transport seam, BER-TLV, record/replay.
//! - [`card`]: ISO 7816-4/-8 sequences over any transport, applet profiles, PINs, the virtual SIM.
//! - [`signer`]: the one signing seam ([`signer::DigestSigner`]) with card, software and host
//!   implementations.
//! - [`x509`]: certificate chains (RFC 5280), CRL, OCSP, QC statements, identity.
//! - [`report`]: ETSI EN 319 102-1 indications and per-signature reports.
//! - [`cms`]: CAdES signing and verification, RFC 3161 timestamps.
//! - [`pdf`]: PAdES signing and verification, the bounded PDF reader and change analysis.
//! - [`auth`]: Mobile-ID login for portals and wallets.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod algorithms;
pub mod apdu;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod auth;
pub mod card;
pub mod cms;
pub mod ec;
#[cfg(feature = "http")]
pub mod net;
pub mod pdf;
pub mod report;
pub mod signer;
pub mod time;
pub mod x509;
