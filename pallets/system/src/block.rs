//! The block being built or executed: its number, phase, weight, extrinsics, events and
//! digest, from `initialize` to `finalize`.

use crate::{
    AllExtrinsicsLen, BlockHash, BlockPeriod, BlockWeight, Config, Digest, Event, EventCount,
    EventRecord, Events, ExecutionPhase, ExtrinsicCount, ExtrinsicData, InherentsApplied, Number,
    Pallet, ParentHash, Phase,
};
use alloc::vec::Vec;
use cpc_primitives::{
    BlockNumber, H256,
    dispatch::{DispatchClass, DispatchError, DispatchInfo},
    header::{Digest as HeaderDigest, DigestItem},
    storage::well_known_keys,
};
use cpc_support::{PalletIndex, storage::unhashed, weights::BlockWeights};

impl<T: Config> Pallet<T> {
    /// The weight limits of blocks: the runtime's `BLOCK_WEIGHTS`, with `max_block` sized for
    /// the genesis block period if one is set.
    pub fn block_weights() -> BlockWeights {
        match BlockPeriod::get() {
            Some(period) => T::BLOCK_WEIGHTS.with_period(period),
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
}
