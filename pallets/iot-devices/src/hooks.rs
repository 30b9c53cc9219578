//! The block hooks: `on_finalize` commits the block's readings root; `try_state` checks the
//! invariants the crate documentation states.

use crate::{
    BlockReadings, Config, DeviceByKey, Devices, Pallet, PendingLeaves, ReadingRoots, ReadingsRoot,
    Sequences, WeightInfo,
};
use alloc::{collections::BTreeMap, vec::Vec};
use cpc_primitives::{AccountId, Balance, BlockNumber, weight::Weight};
use cpc_support::{Hooks, traits::ReservableCurrency};

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(_n: BlockNumber) -> Weight {
        // What on_finalize does with the most readings a block may hold.
        <T as Config>::WeightInfo::commit_readings(T::MAX_READINGS_PER_BLOCK)
    }

    fn on_finalize(n: BlockNumber) {
        let leaves = PendingLeaves::take().unwrap_or_default();
        BlockReadings::kill();
        if leaves.is_empty() {
            return;
        }
        let items: Vec<Vec<u8>> = leaves.iter().map(|leaf| leaf.0.to_vec()).collect();
        ReadingRoots::insert(
            &n,
            &ReadingsRoot {
                root: cpc_io::trie::blake2_256_ordered_root(&items),
                count: leaves.len() as u32,
            },
        );
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }
}

impl<T: Config> Pallet<T> {
    /// Checks the pallet's invariants over its whole state.
    pub fn check_invariants() -> Result<(), &'static str> {
        let mut deposits: BTreeMap<AccountId, Balance> = BTreeMap::new();
        let mut devices = 0usize;
        for (id, device) in Devices::iter() {
            devices += 1;
            if DeviceByKey::get(&device.key) != Some(id) {
                return Err("a device's key does not map back to it");
            }
            if Sequences::get(&id).map(|s| s.key) != Some(device.key) {
                return Err("a device's sequence entry is missing or has another key");
            }
            *deposits.entry(device.owner).or_default() += device.deposit;
        }
        if DeviceByKey::iter().count() != devices || Sequences::iter().count() != devices {
            return Err("keys or sequence entries of unregistered devices");
        }
        for (owner, deposit) in deposits {
            if T::Currency::reserved_balance(&owner) < deposit {
                return Err("an owner's reserve does not cover its devices' deposits");
            }
        }
        Ok(())
    }
}
