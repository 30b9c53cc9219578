//! Storage layout versions of pallets.
//!
//! Each pallet's version is stored at FRAME's key `twox128(pallet) ++
//! twox128(":__STORAGE_VERSION__:")`. Genesis writes the version of the code
//! ([`crate::PalletDef::storage_version`]); a migration in `on_runtime_upgrade` compares the
//! stored version with its own, migrates, and writes the new one, so it runs exactly once.

use super::{storage_prefix, unhashed};

/// The storage key of `pallet`'s version.
pub fn key(pallet: &str) -> [u8; 32] {
    storage_prefix(pallet, ":__STORAGE_VERSION__:")
}

/// The version stored for `pallet` (0 if none).
pub fn on_chain(pallet: &str) -> u16 {
    unhashed::get(&key(pallet)).unwrap_or(0)
}

/// Stores `version` for `pallet`.
pub fn put(pallet: &str, version: u16) {
    unhashed::put(&key(pallet), &version)
}
