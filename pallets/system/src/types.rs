//! The types the pallet stores: accounts in FRAME's layout, event records and the last
//! runtime version, plus the outcomes of reference counting.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{Balance, Nonce};
use cpc_version::RuntimeVersion;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Balance data of an account, FRAME's `pallet_balances::AccountData` layout; managed by the
/// balances pallet.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Debug,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
    Serialize,
    Deserialize,
)]
pub struct AccountData {
    /// Spendable balance (less what is frozen).
    pub free: Balance,
    /// Balance held by pallets (bonds, escrow, deposits).
    pub reserved: Balance,
    /// The part of `free` that cannot be transferred (the largest lock).
    pub frozen: Balance,
    /// Reserved for flags; zero.
    pub flags: u128,
}

impl AccountData {
    /// Free plus reserved.
    pub fn total(&self) -> Balance {
        self.free.saturating_add(self.reserved)
    }
}

/// Everything the chain knows of an account, FRAME's `AccountInfo` layout.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Debug,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
    Serialize,
    Deserialize,
)]
pub struct AccountInfo {
    /// Transactions sent.
    pub nonce: Nonce,
    /// Modules that depend on this account existing.
    pub consumers: u32,
    /// Reasons this account exists (a balance above the existential deposit).
    pub providers: u32,
    /// Self-sufficient references (unused; kept for the layout).
    pub sufficients: u32,
    /// Balance data.
    pub data: AccountData,
}

/// Which part of a block an event belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Phase {
    /// Applying the extrinsic with this index.
    ApplyExtrinsic(u32),
    /// `on_finalize` hooks.
    Finalization,
    /// `on_initialize` hooks.
    Initialization,
}

/// An event with where it happened.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EventRecord<E, T> {
    /// When in the block.
    pub phase: Phase,
    /// The event.
    pub event: E,
    /// Topics for filtering (unused so far).
    pub topics: Vec<T>,
}

/// The version of the runtime that last ran; FRAME's layout.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct LastRuntimeUpgradeInfo {
    /// Its `spec_version`.
    #[codec(compact)]
    pub spec_version: u32,
    /// Its `spec_name`.
    pub spec_name: alloc::string::String,
}

impl LastRuntimeUpgradeInfo {
    pub(crate) fn of(version: &RuntimeVersion) -> Self {
        Self {
            spec_version: version.spec_version,
            spec_name: version.spec_name.as_ref().into(),
        }
    }
}

/// Whether an account was created or already existed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IncRefStatus {
    /// The account was created.
    Created,
    /// The account already existed.
    Existed,
}

/// Whether an account was removed or still exists.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DecRefStatus {
    /// The account was removed.
    Reaped,
    /// The account still exists.
    Exists,
}
