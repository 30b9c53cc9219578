//! The host functions of the runtime ABI (`docs/architecture.md` §4, `docs/runtime-abi.md`).
//!
//! Runtime code calls the functions of this crate (`storage::get`, `hashing::blake2_256`,
//! `crypto::sr25519_verify`, ...) and never knows where it runs:
//!
//! - compiled to wasm (no `std` feature), each function calls an import from module `env`
//!   named `ext_<area>_<name>_version_<n>`, which the node's executor provides;
//! - compiled natively (`std`), each function runs against the [`Externalities`] installed for
//!   the current thread by [`set_and_run_with_externalities`].
//!
//! So a pallet behaves the same in a native unit test and in the wasm runtime, and the node can
//! execute a block both ways and compare the results.
//!
//! Functions that return data of variable length take an output buffer from the runtime and
//! return the full length (or -1 for none): the host never allocates in guest memory.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "std")]
mod externalities;
#[cfg(feature = "std")]
pub use externalities::{
    ClearPrefixResult, Externalities, NoOpenTransaction, set_and_run_with_externalities,
    with_externalities,
};

#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
pub mod abi;
#[cfg(not(feature = "std"))]
mod wasm;

pub mod crypto;
pub mod hashing;
pub mod logging;
pub mod misc;
pub mod storage;
pub mod trie;

/// The result of `storage::clear_prefix`.
#[cfg(not(feature = "std"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClearPrefixResult {
    /// Keys removed.
    pub removed: u32,
    /// Whether no key with the prefix remains.
    pub complete: bool,
}

/// Why the version of a code blob could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeVersionError {
    /// The bytes are not usable wasm (they do not compile, or import unknown host functions).
    InvalidCode,
    /// The module lacks exports every runtime must have (`memory`, `cpc_alloc`, the Core,
    /// BlockBuilder and TaggedTransactionQueue functions).
    MissingExports,
    /// `Core_version` trapped or returned something that is not a version.
    VersionCallFailed,
}

impl RuntimeVersionError {
    /// The code the host function returns for this error.
    pub const fn code(self) -> i64 {
        match self {
            Self::InvalidCode => -1,
            Self::MissingExports => -2,
            Self::VersionCallFailed => -3,
        }
    }

    /// The error a host function's return code stands for.
    pub const fn from_code(code: i64) -> Self {
        match code {
            -2 => Self::MissingExports,
            -3 => Self::VersionCallFailed,
            _ => Self::InvalidCode,
        }
    }
}
