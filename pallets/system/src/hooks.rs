//! The block hooks: the system pallet has no per-block work of its own (the executive drives
//! the block), only the integrity checks of the runtime's limits.

use crate::{Config, MIN_BLOCK_PERIOD_MS, Pallet};
use cpc_support::{Hooks, weights::BlockWeights};

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
