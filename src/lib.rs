//! # mobile-id
//!
//! One core for everyone around a mobile ID: the wallet that holds a SIM-bound key and talks to
//! the applet over APDUs, the bank that verifies signatures and chains, and the portal that runs
//! the login. See `README.md` for the capability table.
//!
//! Modules, lowest first (imports only point down this list's reverse):
//! - [`algorithms`]: digest algorithms and the dated algorithm policy (a leaf).
//! - [`apdu`]: APDUs, status words, transport seam, BER-TLV, record/replay.
//! - [`card`]: ISO 7816-4/-8 sequences over any transport, applet profiles, PINs, the virtual SIM.
//! - [`signer`]: the one signing seam ([`signer::DigestSigner`]) with card, software and host
//!   implementations.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod algorithms;
pub mod apdu;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod auth;
pub mod card;
pub mod cms;
pub mod pdf;
pub mod report;
pub mod signer;
pub mod time;
pub mod x509;
