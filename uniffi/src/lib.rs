//! `mobile-id-ffi`: the uniffi facade over the `mobile-id` core.
//!
//! The bindings issue fills this crate in; until then it only re-exports the core's version so
//! that the workspace builds and the crate boundary (the core keeps no uniffi dependency) exists.

/// The version of the core library this facade wraps.
pub fn core_version() -> &'static str {
    mobile_id::VERSION
}
