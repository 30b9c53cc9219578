//! Storage migrations of the crosschain-transfer pallet.
//!
//! A running chain gets the pallet by a runtime upgrade that adds it at a new pallet index: its
//! storage is empty then, and [`initialise`] does what genesis would have done (endow the
//! escrow account, record the storage version), once. Channels are opened afterwards by root.

use crate::{Config, PALLET, Pallet, STORAGE_VERSION};
use cpc_primitives::weight::Weight;

/// Initialises the pallet's storage on a chain that did not have it; returns the weight used.
/// Does nothing where the stored version is current (a chain that had the pallet at genesis,
/// or a second run).
pub fn initialise<T: Config>() -> Weight {
    let stored = cpc_support::storage::version::on_chain(PALLET);
    if stored >= STORAGE_VERSION {
        return cpc_pallet_system::weights::weight(1_000, 1, 0);
    }
    Pallet::<T>::endow_escrow();
    cpc_support::storage::version::put(PALLET, STORAGE_VERSION);
    cpc_pallet_system::weights::weight(4_000, 3, 3)
}
