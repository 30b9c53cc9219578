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

pub mod executive;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256, Nonce,
    dispatch::{DispatchClass, DispatchError, DispatchInfo, DispatchResultWithPostInfo, Pays},
    header::{Digest as HeaderDigest, DigestItem},
    storage::well_known_keys,
    weight::Weight,
};
use cpc_support::{
    Dispatchable, GetDispatchInfo, Hooks, PalletDef, PalletIndex, Parameter, RawOrigin,
    compose::CallInherents,
    ensure_root, ensure_signed,
    metadata::{StorageEntry, constant},
    storage::unhashed,
    traits::{OnAccountEvent, OnChargeTransaction},
    weights::{BlockLength, BlockWeights, PerDispatchClass, RuntimeDbWeight},
};
use cpc_version::RuntimeVersion;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

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
    fn of(version: &RuntimeVersion) -> Self {
        Self {
            spec_version: version.spec_version,
            spec_name: version.spec_name.as_ref().into(),
        }
    }
}

/// Runs every pallet's `on_runtime_upgrade` once, in the first block executed with new code.
pub(crate) fn run_runtime_upgrade_if_needed<T: Config>() -> cpc_primitives::Weight {
    let current = LastRuntimeUpgradeInfo::of(&T::VERSION);
    if LastRuntimeUpgrade::get().as_ref() == Some(&current) {
        return cpc_primitives::Weight::ZERO;
    }
    LastRuntimeUpgrade::put(&current);
    log::info!(
        target: "runtime::system",
        "running runtime upgrade hooks for {} v{}",
        current.spec_name,
        current.spec_version
    );
    T::AllPallets::on_runtime_upgrade()
}

/// The pallet's calls. Indices follow FRAME's system pallet; names are snake_case because
/// they are the call names clients see in metadata.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Makes some on-chain remark.
    #[codec(index = 0)]
    remark {
        /// The remark.
        remark: Vec<u8>,
    },
    /// Replaces the runtime code (root only). The new code must load, export every required
    /// function, keep `spec_name` and raise `spec_version`; it runs from the next block on.
    #[codec(index = 2)]
    set_code {
        /// The wasm code.
        code: Vec<u8>,
    },
    /// Sets some items of storage (root only).
    #[codec(index = 4)]
    set_storage {
        /// Key-value pairs.
        items: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// Kills some items from storage (root only).
    #[codec(index = 5)]
    kill_storage {
        /// The keys.
        keys: Vec<Vec<u8>>,
    },
    /// Kills all storage items with a key that starts with the given prefix (root only).
    /// `subkeys` bounds the work: at most that many keys are removed.
    #[codec(index = 6)]
    kill_prefix {
        /// The prefix.
        prefix: Vec<u8>,
        /// The most keys to remove.
        subkeys: u32,
    },
    /// Makes some on-chain remark and emits an event with its hash.
    #[codec(index = 7)]
    remark_with_event {
        /// The remark.
        remark: Vec<u8>,
    },
}

/// The pallet's events. Indices follow FRAME's system pallet.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An extrinsic completed successfully.
    #[codec(index = 0)]
    ExtrinsicSuccess {
        /// Its dispatch information.
        dispatch_info: DispatchInfo,
    },
    /// An extrinsic failed.
    #[codec(index = 1)]
    ExtrinsicFailed {
        /// Why.
        dispatch_error: DispatchError,
        /// Its dispatch information.
        dispatch_info: DispatchInfo,
    },
    /// `:code` was updated.
    #[codec(index = 2)]
    CodeUpdated,
    /// A new account was created.
    #[codec(index = 3)]
    NewAccount {
        /// The account.
        account: AccountId,
    },
    /// An account was reaped.
    #[codec(index = 4)]
    KilledAccount {
        /// The account.
        account: AccountId,
    },
    /// On-chain remark happened.
    #[codec(index = 5)]
    Remarked {
        /// Who made it.
        sender: AccountId,
        /// blake2-256 of the remark.
        hash: H256,
    },
}

/// The pallet's errors. Indices follow FRAME's system pallet.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The name of the new runtime differs from the current one.
    InvalidSpecName,
    /// The new runtime's `spec_version` is not higher than the current one.
    SpecVersionNeedsToIncrease,
    /// The runtime version of the new code could not be read.
    FailedToExtractRuntimeVersion,
    /// Suicide called when the account has non-default composite data.
    NonDefaultComposite,
    /// There is a non-zero reference count preventing the account from being purged.
    NonZeroRefCount,
    /// The origin filter prevents the call.
    CallFiltered,
    /// The remark is longer than a normal extrinsic may be.
    RemarkTooLong,
    /// The new code is larger than `MAX_CODE_SIZE`.
    CodeTooLarge,
    /// The new code is not usable wasm: it does not compile or imports unknown host functions.
    InvalidWasm,
    /// The new code lacks functions every runtime must export.
    MissingRuntimeExports,
}

cpc_support::pallet_error!(Error, PALLET);

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

impl<T: Config> Pallet<T> {
    /// The weight limits of blocks: those of the genesis block period if one is set, else the
    /// runtime's `BLOCK_WEIGHTS`.
    pub fn block_weights() -> BlockWeights {
        match BlockPeriod::get() {
            Some(period) => BlockWeights::for_period(
                period,
                T::BLOCK_WEIGHTS.base_block,
                T::BLOCK_WEIGHTS.base_extrinsic,
            ),
            None => T::BLOCK_WEIGHTS,
        }
    }

    /// The number of the block being built or executed.
    pub fn block_number() -> BlockNumber {
        Number::get_or_default()
    }

    /// Sets the block number (tests and benchmarks).
    pub fn set_block_number(n: BlockNumber) {
        Number::put(&n);
    }

    /// The hash of block `n`, if still known.
    pub fn block_hash(n: BlockNumber) -> Option<H256> {
        BlockHash::get(&n)
    }

    /// The account's information (default when it does not exist).
    pub fn account(who: &AccountId) -> AccountInfo {
        Account::get_or_default(who)
    }

    /// The account's nonce.
    pub fn account_nonce(who: &AccountId) -> Nonce {
        Account::get_or_default(who).nonce
    }

    /// Increments the account's nonce.
    pub fn inc_account_nonce(who: &AccountId) {
        Account::mutate_or_default(who, |a| a.nonce = a.nonce.wrapping_add(1));
    }

    /// Whether the account exists (has a provider or sufficient reference).
    pub fn account_exists(who: &AccountId) -> bool {
        let a = Account::get_or_default(who);
        a.providers > 0 || a.sufficients > 0
    }

    /// The events of the current block.
    pub fn events() -> Vec<EventRecord<T::RuntimeEvent, H256>> {
        Events::<T>::get().unwrap_or_default()
    }

    /// Records an event in the current phase.
    pub fn deposit_event(event: impl Into<T::RuntimeEvent>) {
        // Events are only recorded while a block is being executed; genesis builds have none.
        let Some(phase) = ExecutionPhase::get() else {
            return;
        };
        let record = EventRecord {
            phase,
            event: event.into(),
            topics: Vec::new(),
        };
        Events::<T>::append(&record);
        EventCount::mutate_or_default(|c| *c = c.saturating_add(1));
    }

    /// Removes all events (at the start of a block).
    pub fn reset_events() {
        Events::<T>::kill();
        EventCount::kill();
    }

    /// Adds a digest item to the current block's header.
    pub fn deposit_log(item: DigestItem) {
        Digest::mutate_or_default(|d| d.push(item));
    }

    /// Adds a provider reference: the account now exists for one more reason.
    pub fn inc_providers(who: &AccountId) -> IncRefStatus {
        let status = Account::mutate_or_default(who, |a| {
            let created = a.providers == 0 && a.sufficients == 0;
            a.providers = a.providers.saturating_add(1);
            if created {
                IncRefStatus::Created
            } else {
                IncRefStatus::Existed
            }
        });
        if status == IncRefStatus::Created {
            T::OnAccountEvent::on_created(who);
            Self::deposit_event(Event::NewAccount { account: *who });
        }
        status
    }

    /// Removes a provider reference; removes the account when it was the last one.
    ///
    /// Fails with `ConsumerRemaining` if the account would be removed while other modules
    /// still depend on it.
    pub fn dec_providers(who: &AccountId) -> Result<DecRefStatus, DispatchError> {
        let Some(mut account) = Account::get(who) else {
            log::error!(target: "runtime::system", "dec_providers on a missing account {who}");
            return Ok(DecRefStatus::Reaped);
        };
        if account.providers == 0 {
            log::error!(target: "runtime::system", "provider count of {who} underflows");
            return Ok(DecRefStatus::Exists);
        }
        if account.providers == 1 && account.sufficients == 0 {
            if account.consumers > 0 {
                return Err(DispatchError::ConsumerRemaining);
            }
            Account::remove(who);
            T::OnAccountEvent::on_killed(who);
            Self::deposit_event(Event::KilledAccount { account: *who });
            return Ok(DecRefStatus::Reaped);
        }
        account.providers -= 1;
        Account::insert(who, &account);
        Ok(DecRefStatus::Exists)
    }

    /// Adds a consumer reference: a module now depends on the account.
    pub fn inc_consumers(who: &AccountId) -> Result<(), DispatchError> {
        Account::try_mutate(who, |maybe| {
            let account = maybe.as_mut().ok_or(DispatchError::NoProviders)?;
            if account.providers == 0 {
                return Err(DispatchError::NoProviders);
            }
            if account.consumers >= MAX_CONSUMERS {
                return Err(DispatchError::TooManyConsumers);
            }
            account.consumers += 1;
            Ok(())
        })
    }

    /// Removes a consumer reference.
    pub fn dec_consumers(who: &AccountId) {
        Account::mutate(who, |maybe| match maybe {
            Some(a) if a.consumers > 0 => a.consumers -= 1,
            _ => log::error!(target: "runtime::system", "consumer count of {who} underflows"),
        });
    }

    /// Whether the account can lose its last provider.
    pub fn can_dec_provider(who: &AccountId) -> bool {
        let a = Account::get_or_default(who);
        a.consumers == 0 || a.providers > 1
    }

    /// Reads and changes the balance data of an account in place.
    pub fn mutate_account_data<R>(who: &AccountId, f: impl FnOnce(&mut AccountData) -> R) -> R {
        Account::mutate_or_default(who, |a| f(&mut a.data))
    }

    /// Starts a block: resets per-block state and records the header fields known in advance.
    pub fn initialize(number: BlockNumber, parent_hash: H256, digest: &HeaderDigest) {
        ExecutionPhase::put(&Phase::Initialization);
        unhashed::put(well_known_keys::EXTRINSIC_INDEX, &0u32);
        Number::put(&number);
        Digest::put(digest);
        ParentHash::put(&parent_hash);
        if let Some(previous) = number.checked_sub(1) {
            BlockHash::insert(&previous, &parent_hash);
        }
        BlockWeight::kill();
        AllExtrinsicsLen::kill();
        InherentsApplied::kill();
        Self::reset_events();
    }

    /// Records the raw bytes of the extrinsic about to be applied (for the extrinsics root).
    pub fn note_extrinsic(encoded: Vec<u8>) {
        let index = Self::extrinsic_index();
        ExtrinsicData::insert(&index, &encoded);
    }

    /// The index of the extrinsic being applied.
    pub fn extrinsic_index() -> u32 {
        unhashed::get(well_known_keys::EXTRINSIC_INDEX).unwrap_or(0)
    }

    /// Emits the event reporting an applied extrinsic's outcome and moves to the next index.
    pub fn note_applied_extrinsic(outcome: &Result<(), DispatchError>, info: DispatchInfo) {
        let event = match outcome {
            Ok(()) => Event::ExtrinsicSuccess {
                dispatch_info: info,
            },
            Err(error) => {
                log::debug!(target: "runtime::system", "extrinsic failed: {error}");
                Event::ExtrinsicFailed {
                    dispatch_error: T::PalletIndex::resolve(*error),
                    dispatch_info: info,
                }
            }
        };
        Self::deposit_event(event);
        let next = Self::extrinsic_index().saturating_add(1);
        unhashed::put(well_known_keys::EXTRINSIC_INDEX, &next);
        ExecutionPhase::put(&Phase::ApplyExtrinsic(next));
    }

    /// Enters the phase of applying extrinsics.
    pub fn note_finished_initialize() {
        ExecutionPhase::put(&Phase::ApplyExtrinsic(0));
    }

    /// Enters the finalization phase.
    pub fn note_finished_extrinsics() {
        let count = Self::extrinsic_index();
        ExtrinsicCount::put(&count);
        ExecutionPhase::put(&Phase::Finalization);
    }

    /// Ends the block and returns its header (without seals).
    pub fn finalize() -> cpc_primitives::Header {
        ExecutionPhase::kill();
        AllExtrinsicsLen::kill();
        unhashed::kill(well_known_keys::EXTRINSIC_INDEX);
        InherentsApplied::kill();

        let number = Self::block_number();
        let parent_hash = ParentHash::get_or_default();
        let digest = Digest::get_or_default();
        let count = ExtrinsicCount::take().unwrap_or(0);
        let extrinsics: Vec<Vec<u8>> = (0..count)
            .map(|i| ExtrinsicData::take(&i).unwrap_or_default())
            .collect();
        let extrinsics_root = cpc_io::trie::blake2_256_ordered_root(&extrinsics);

        // Keep the hashes mortal transactions may refer to, and genesis forever.
        let to_remove = number.saturating_sub(T::BLOCK_HASH_COUNT).saturating_sub(1);
        if to_remove > 0 {
            BlockHash::remove(&to_remove);
        }

        let state_root = cpc_io::storage::root();
        cpc_primitives::Header {
            parent_hash,
            number,
            state_root,
            extrinsics_root,
            digest,
        }
    }

    /// Records `weight` as used by `class` in this block.
    pub fn register_extra_weight(weight: cpc_primitives::Weight, class: DispatchClass) {
        BlockWeight::mutate_or_default(|w| {
            let used = w.get_mut(class);
            *used = used.saturating_add(weight);
        });
    }

    /// Checks that `code` may replace the current runtime: within the size limit, loadable,
    /// exporting every required function, same `spec_name`, higher `spec_version`.
    pub fn can_set_code(code: &[u8]) -> Result<RuntimeVersion, DispatchError> {
        use cpc_io::misc::RuntimeVersionError;
        cpc_support::ensure!(
            code.len() as u64 <= u64::from(T::MAX_CODE_SIZE),
            Error::CodeTooLarge
        );
        let encoded = cpc_io::misc::runtime_version(code).map_err(|e| match e {
            RuntimeVersionError::InvalidCode => Error::InvalidWasm,
            RuntimeVersionError::MissingExports => Error::MissingRuntimeExports,
            RuntimeVersionError::VersionCallFailed => Error::FailedToExtractRuntimeVersion,
        })?;
        let new = RuntimeVersion::decode(&mut &encoded[..])
            .map_err(|_| Error::FailedToExtractRuntimeVersion)?;
        let current = T::VERSION;
        cpc_support::ensure!(new.spec_name == current.spec_name, Error::InvalidSpecName);
        cpc_support::ensure!(
            new.spec_version > current.spec_version,
            Error::SpecVersionNeedsToIncrease
        );
        Ok(new)
    }

    /// Writes new runtime code, announcing it in the header and in an event.
    pub fn update_code(code: &[u8]) {
        unhashed::put_raw(well_known_keys::CODE, code);
        Self::deposit_log(DigestItem::RuntimeEnvironmentUpdated);
        Self::deposit_event(Event::CodeUpdated);
    }

    fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::remark { remark } => {
                ensure_signed(origin)?;
                cpc_support::ensure!(
                    remark.len() as u64
                        <= u64::from(T::BLOCK_LENGTH.max_total(DispatchClass::Normal)),
                    Error::RemarkTooLong
                );
            }
            Call::set_code { code } => {
                ensure_root(origin)?;
                Self::can_set_code(&code)?;
                Self::update_code(&code);
            }
            Call::remark_with_event { remark } => {
                let sender = ensure_signed(origin)?;
                let hash = H256(cpc_io::hashing::blake2_256(&remark));
                Self::deposit_event(Event::Remarked { sender, hash });
            }
            Call::set_storage { items } => {
                ensure_root(origin)?;
                for (key, value) in &items {
                    cpc_io::storage::set(key, value);
                }
            }
            Call::kill_storage { keys } => {
                ensure_root(origin)?;
                for key in &keys {
                    cpc_io::storage::clear(key);
                }
            }
            Call::kill_prefix { prefix, subkeys } => {
                ensure_root(origin)?;
                cpc_io::storage::clear_prefix(&prefix, Some(subkeys));
            }
        }
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn integrity_test() {
        let weights = T::BLOCK_WEIGHTS;
        assert!(
            BlockWeights::for_period(
                MIN_BLOCK_PERIOD_MS,
                weights.base_block,
                weights.base_extrinsic
            )
            .max_block
            .ref_time
                > 0,
            "the shortest block period must leave room for compute"
        );
        assert!(
            weights.base_block.ref_time < weights.max_block.ref_time,
            "the base block weight must leave room for extrinsics"
        );
        assert!(
            T::BLOCK_HASH_COUNT > 0,
            "at least one block hash must be kept"
        );
    }
}

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
