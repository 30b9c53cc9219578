//! # System pallet
//!
//! The pallet every runtime starts with. It owns:
//! - accounts: `System.Account` in FRAME's `AccountInfo` layout (nonce, reference counts, and
//!   the balance data the balances pallet manages), with provider/consumer reference counting
//!   that decides when an account exists;
//! - the block being built: number, parent hash, digest, weight and length used, the
//!   extrinsics applied so far, and the hashes of recent blocks (for mortal transactions);
//! - events: every pallet's events land in `System.Events`, cleared at the next block;
//! - the runtime version, and calls for root to edit storage and for anyone to leave a remark.
//!
//! The [`executive`] module applies blocks and transactions: signature, nonce, era, weight and
//! fee checks, dispatch in a storage transaction, and the events that report the outcome.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod accounts;
#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod block;
mod calls;
mod events;
pub mod executive;
mod hooks;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
mod upgrade;
pub mod weights;

use alloc::vec::Vec;
use core::marker::PhantomData;
use cpc_primitives::{
    AccountId, BlockNumber, H256, Nonce,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
    header::Digest as HeaderDigest,
    weight::Weight,
};
use cpc_support::{
    Dispatchable, GetDispatchInfo, Hooks, PalletDef, PalletIndex, Parameter, RawOrigin,
    compose::CallInherents,
    metadata::{StorageEntry, constant},
    traits::{OnAccountEvent, OnChargeTransaction},
    weights::{BlockLength, BlockWeights, PerDispatchClass, RuntimeDbWeight},
};
use cpc_version::RuntimeVersion;
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use events::{Error, Event};
pub use types::{
    AccountData, AccountInfo, DecRefStatus, EventRecord, IncRefStatus, LastRuntimeUpgradeInfo,
    Phase,
};
pub use weights::WeightInfo;

/// The pallet's name: the prefix of its storage keys.
pub const PALLET: &str = "System";

/// How many modules may depend on one account at once.
pub const MAX_CONSUMERS: u32 = 16;

/// Configuration of the system pallet; the runtime's central settings.
pub trait Config: 'static + Sized + Clone + Eq + core::fmt::Debug {
    /// The runtime's call type.
    type RuntimeCall: Parameter + Dispatchable + GetDispatchInfo + CallInherents;
    /// The runtime's event type.
    type RuntimeEvent: Parameter + From<Event>;
    /// Resolves pallet names to indices (the runtime itself, from `compose_runtime!`).
    type PalletIndex: PalletIndex;
    /// All pallets, whose hooks the executive runs.
    type AllPallets: Hooks;
    /// How transaction fees are charged.
    type OnChargeTransaction: OnChargeTransaction;
    /// Told when accounts are created and removed.
    type OnAccountEvent: OnAccountEvent;
    /// Weights of this pallet's calls.
    type WeightInfo: WeightInfo;
    /// The runtime's version.
    const VERSION: RuntimeVersion;
    /// Weight limits of a block when genesis sets no block period; with one (`BlockPeriod`),
    /// the limits follow that period with these base weights (see [`Pallet::block_weights`]).
    const BLOCK_WEIGHTS: BlockWeights;
    /// Length limits of a block.
    const BLOCK_LENGTH: BlockLength;
    /// How many recent block hashes are kept (the longest useful mortal era).
    const BLOCK_HASH_COUNT: BlockNumber;
    /// The cost of storage reads and writes.
    const DB_WEIGHT: RuntimeDbWeight;
    /// The SS58 prefix of addresses on this chain.
    const SS58_PREFIX: u16;
    /// How far ahead of an account's nonce a transaction may be and still be queued.
    const MAX_NONCE_LOOKAHEAD: Nonce;
    /// The largest runtime code `set_code` accepts, in bytes. Its weight grows with the size
    /// (see `weights::SET_CODE_NS_PER_BYTE`), up to a whole block.
    const MAX_CODE_SIZE: u32;
}

cpc_support::storage! {
    pallet "System";
    /// The full account information for a particular account ID.
    pub Account: map Blake2_128Concat AccountId => AccountInfo = default;
    /// Total extrinsics count for the current block.
    pub ExtrinsicCount: value u32;
    /// Milliseconds between blocks, set at genesis from the chain spec; the block weight
    /// limits follow it. Absent: the runtime's `BLOCK_WEIGHTS` apply.
    pub BlockPeriod: value u64;
    /// The current weight for the block, per class.
    pub BlockWeight: value PerDispatchClass<cpc_primitives::Weight> = default;
    /// Total length (in bytes) of all extrinsics included so far in the current block.
    pub AllExtrinsicsLen: value u32;
    /// Map of block numbers to block hashes, for recent blocks and genesis.
    pub BlockHash: map Twox64Concat BlockNumber => H256 = default;
    /// Extrinsics data for the current block (maps an extrinsic's index to its data).
    pub ExtrinsicData: map Twox64Concat u32 => Vec<u8> = default;
    /// The current block number being processed.
    pub Number: value BlockNumber = default;
    /// Hash of the previous block.
    pub ParentHash: value H256 = default;
    /// Digest of the current block, also part of the block header.
    pub Digest: value HeaderDigest = default;
    /// Events deposited for the current block; cleared at the start of the next.
    pub Events<T>: value Vec<EventRecord<<T as Config>::RuntimeEvent, H256>> = empty;
    /// The number of events in `Events`.
    pub EventCount: value u32 = default;
    /// The execution phase of the block.
    pub ExecutionPhase: value Phase;
    /// Whether all inherents have been applied in this block.
    pub InherentsApplied: value bool = default;
    /// The runtime version that last ran, to detect upgrades.
    pub LastRuntimeUpgrade: value LastRuntimeUpgradeInfo;
}

/// Genesis configuration of the system pallet (the code is placed by the node, not through
/// this config).
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Milliseconds between blocks (the node passes the chain spec's): block weight limits
    /// are half of it for compute. `None`: the runtime's own limits.
    #[serde(default)]
    pub block_period_ms: Option<u64>,
}

/// The shortest block period genesis may set, in milliseconds.
pub const MIN_BLOCK_PERIOD_MS: u64 = 50;
/// The longest block period genesis may set, in milliseconds.
pub const MAX_BLOCK_PERIOD_MS: u64 = 600_000;

/// The system pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let (weight, class) = match call {
            Call::remark { remark } => (
                T::WeightInfo::remark(remark.len() as u32),
                DispatchClass::Normal,
            ),
            Call::remark_with_event { remark } => (
                T::WeightInfo::remark_with_event(remark.len() as u32),
                DispatchClass::Normal,
            ),
            Call::set_storage { items } => (
                T::WeightInfo::set_storage(items.len() as u32),
                DispatchClass::Operational,
            ),
            Call::kill_storage { keys } => (
                T::WeightInfo::kill_storage(keys.len() as u32),
                DispatchClass::Operational,
            ),
            Call::kill_prefix { subkeys, .. } => (
                T::WeightInfo::kill_prefix(*subkeys),
                DispatchClass::Operational,
            ),
            // Code over the limit is refused before it is compiled. On short block periods the
            // measured compile time can exceed a block's budget; the upgrade then takes the
            // whole block instead, as it must stay possible: it is a one-off cost, and the
            // compiled module is cached for the blocks after it.
            Call::set_code { code } => (
                Self::block_weights()
                    .max_extrinsic(DispatchClass::Operational)
                    .map_or(Weight::MAX, |max| {
                        T::WeightInfo::set_code((code.len() as u32).min(T::MAX_CODE_SIZE)).min(max)
                    }),
                DispatchClass::Operational,
            ),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), alloc::string::String> {
        if let Some(period) = config.block_period_ms {
            if !(MIN_BLOCK_PERIOD_MS..=MAX_BLOCK_PERIOD_MS).contains(&period) {
                return Err(alloc::format!(
                    "the block period of {period} ms is outside {MIN_BLOCK_PERIOD_MS}..={MAX_BLOCK_PERIOD_MS}"
                ));
            }
            BlockPeriod::put(&period);
        }
        // Block 0 has no parent; its own hash is recorded when block 1 starts.
        BlockHash::insert(&0, &H256([0x45; 32]));
        ParentHash::put(&H256([0x45; 32]));
        Number::put(&0);
        LastRuntimeUpgrade::put(&LastRuntimeUpgradeInfo::of(&T::VERSION));
        Ok(())
    }

    fn storage_metadata() -> Vec<frame_metadata_alias::StorageEntryMetadata> {
        alloc::vec![
            Account::entry_metadata(),
            ExtrinsicCount::entry_metadata(),
            BlockWeight::entry_metadata(),
            AllExtrinsicsLen::entry_metadata(),
            BlockHash::entry_metadata(),
            ExtrinsicData::entry_metadata(),
            Number::entry_metadata(),
            ParentHash::entry_metadata(),
            Digest::entry_metadata(),
            Events::<T>::entry_metadata(),
            EventCount::entry_metadata(),
            ExecutionPhase::entry_metadata(),
            InherentsApplied::entry_metadata(),
            LastRuntimeUpgrade::entry_metadata(),
            BlockPeriod::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<frame_metadata_alias::PalletConstantMetadata> {
        alloc::vec![
            constant("BlockWeights", &T::BLOCK_WEIGHTS, &["Block weight limits."]),
            constant("BlockLength", &T::BLOCK_LENGTH, &["Block length limits."]),
            constant(
                "BlockHashCount",
                &T::BLOCK_HASH_COUNT,
                &["Recent block hashes kept."]
            ),
            constant(
                "DbWeight",
                &T::DB_WEIGHT,
                &["The weight of storage reads and writes."]
            ),
            constant("Version", &T::VERSION, &["The runtime version."]),
            constant(
                "SS58Prefix",
                &T::SS58_PREFIX,
                &["The SS58 prefix of this chain."]
            ),
        ]
    }
}

use cpc_support::frame_metadata::v14 as frame_metadata_alias;

/// What [`test_config!`] expands to needs, whatever the calling crate imports.
#[doc(hidden)]
pub mod __test_config {
    pub use cpc_primitives::weight::Weight;
    pub use cpc_support::weights::{BlockLength, BlockWeights, RuntimeDbWeight};
    pub use cpc_version::RuntimeVersion;
}

/// Implements [`Config`] for a pallet's test runtime (composed by `compose_runtime!` in the
/// same module) with the values unit tests share: spec `test` version 1, a 1 s block, 1 MiB
/// blocks, unit storage weights, the last 10 block hashes kept, no fees unless a fee handler
/// is given.
///
/// ```ignore
/// cpc_pallet_system::test_config!(Test);                          // no fees
/// cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>); // fees
/// ```
#[macro_export]
macro_rules! test_config {
    ($runtime:ident) => {
        $crate::test_config!($runtime, ());
    };
    ($runtime:ident, $charge:ty) => {
        impl $crate::Config for $runtime {
            type RuntimeCall = RuntimeCall;
            type RuntimeEvent = RuntimeEvent;
            type PalletIndex = $runtime;
            type AllPallets = AllPallets;
            type OnChargeTransaction = $charge;
            type OnAccountEvent = ();
            type WeightInfo = ();
            const VERSION: $crate::__test_config::RuntimeVersion =
                $crate::__test_config::RuntimeVersion {
                    spec_name: ::alloc::borrow::Cow::Borrowed("test"),
                    impl_name: ::alloc::borrow::Cow::Borrowed("test"),
                    authoring_version: 1,
                    spec_version: 1,
                    impl_version: 0,
                    apis: ::alloc::borrow::Cow::Borrowed(&[]),
                    transaction_version: 1,
                    system_version: 1,
                };
            const BLOCK_WEIGHTS: $crate::__test_config::BlockWeights =
                $crate::__test_config::BlockWeights::for_period(
                    1000,
                    $crate::__test_config::Weight::from_ref_time(1),
                    $crate::__test_config::Weight::from_ref_time(1),
                );
            const BLOCK_LENGTH: $crate::__test_config::BlockLength =
                $crate::__test_config::BlockLength {
                    max: 1024 * 1024,
                    normal_percent: 75,
                };
            const BLOCK_HASH_COUNT: u32 = 10;
            const DB_WEIGHT: $crate::__test_config::RuntimeDbWeight =
                $crate::__test_config::RuntimeDbWeight { read: 1, write: 1 };
            const SS58_PREFIX: u16 = 42;
            const MAX_NONCE_LOOKAHEAD: u32 = 64;
            const MAX_CODE_SIZE: u32 = 4 * 1024 * 1024;
        }
    };
}
