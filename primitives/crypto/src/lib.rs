//! Keys, signatures and addresses, byte-compatible with Substrate.
//!
//! - [`sr25519`]: public keys and signatures as plain byte types (usable inside the runtime),
//!   and, with `pair`, key pairs over schnorrkel with Substrate's signing context and HDKD.
//! - [`ss58`]: SS58 address encoding with checksum and network prefixes.
//! - [`suri`] (`pair`): secret URIs `phrase//hard/soft///password`, BIP39 mnemonics and
//!   Substrate's mini-secret derivation, so `//Alice` gives the same key as every Substrate tool.
//!
//! Features: `std` (the default) for the node and tools; `pair` alone for key pairs in a
//! `no_std` wasm with no access to randomness (the web app's wallet), where signing and
//! mnemonic generation take entropy from the caller.
//!
//! Verification inside the runtime goes through the host (`cpc-io`), which calls
//! [`sr25519::verify`] natively; the runtime itself links no curve arithmetic.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod account;
pub mod sr25519;
pub mod ss58;
#[cfg(feature = "pair")]
pub mod suri;

pub use account::AccountId32;

/// Blake2b with a 256-bit output: the chain's general-purpose hash, used here for long
/// derivation chain codes.
#[cfg(feature = "pair")]
pub(crate) fn blake2_256(data: &[u8]) -> [u8; 32] {
    let hash = blake2b_simd::Params::new().hash_length(32).hash(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}
