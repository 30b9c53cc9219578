//! The pallet framework.
//!
//! A pallet is a crate with a `Config` trait, typed storage items, a `Call` enum, an `Event`
//! enum and an `Error` enum, and a `Pallet<T>` type that implements [`PalletDef`] (dispatch,
//! metadata, genesis, inherents) and [`Hooks`] (block lifecycle). A runtime composes pallets
//! with [`compose_runtime!`], a thin declarative macro whose expansion is plain Rust (see
//! `docs/chain-builders-guide.md`). There are no procedural macros and no generated getters:
//! storage is read as `Account::get(&who)`, and everything a pallet does is greppable.
//!
//! Design choices, compared with FRAME:
//! - chain-wide types are fixed (`AccountId32`, `u128` balances, `u32` block numbers), so calls,
//!   events and errors are plain enums without a `T` parameter;
//! - storage items are declared with [`storage!`], which only emits a prefix type and a type
//!   alias per item;
//! - a pallet error records its pallet's *name*; the runtime resolves the pallet index from its
//!   composition when the error leaves the runtime ([`PalletIndex`]);
//! - every dispatch runs in a storage transaction ([`dispatch::with_transaction`]): an error
//!   leaves storage untouched.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod benchmarking;
pub mod bounded;
pub mod compose;
pub mod dispatch;
pub mod error;
pub mod metadata;
pub mod storage;
#[cfg(feature = "std")]
pub mod testing;
pub mod traits;
pub mod weights;

pub use bounded::{BoundedVec, ConstU32, ConstU64, ConstU128, Get};
pub use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256, Hash, Moment, Nonce,
    dispatch::{
        DispatchClass, DispatchError, DispatchErrorWithPostInfo, DispatchInfo, DispatchResult,
        DispatchResultWithPostInfo, Pays, PostDispatchInfo,
    },
    weight::Weight,
};
pub use dispatch::{
    Dispatchable, GetDispatchInfo, RawOrigin, ensure_none, ensure_root, ensure_signed,
    with_transaction,
};
pub use traits::{Hooks, PalletDef, PalletIndex};

// Re-exported so that macro expansions in pallet and runtime crates resolve without those
// crates depending on them directly.
#[doc(hidden)]
pub use alloc::vec as alloc_vec;
#[doc(hidden)]
pub use codec;
#[doc(hidden)]
pub use cpc_io as io;
#[doc(hidden)]
pub use frame_metadata;
#[doc(hidden)]
pub use paste;
#[doc(hidden)]
pub use scale_info;
#[doc(hidden)]
pub use serde;
#[doc(hidden)]
pub use serde_json;

/// Types that can be call arguments, events and storage values.
pub trait Parameter:
    codec::Codec + codec::EncodeLike + Clone + Eq + core::fmt::Debug + scale_info::TypeInfo + 'static
{
}

impl<T> Parameter for T where
    T: codec::Codec
        + codec::EncodeLike
        + Clone
        + Eq
        + core::fmt::Debug
        + scale_info::TypeInfo
        + 'static
{
}

/// Returns `Err($error.into())` from the enclosing function unless `$condition` holds.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $error:expr $(,)?) => {
        if !$condition {
            return Err($error.into());
        }
    };
}

/// Returns `Err($error.into())` from the enclosing function.
#[macro_export]
macro_rules! fail {
    ($error:expr $(,)?) => {
        return Err($error.into())
    };
}
