//! Storage migrations of the registry.
//!
//! A running chain gets the registry by a runtime upgrade that adds it at a new pallet index:
//! its storage is empty then, and [`initialise`] writes what genesis would have written (the
//! id counter and the storage version), once.

use crate::{NextSidechainId, PALLET, STORAGE_VERSION};
use cpc_primitives::weight::Weight;

/// Initialises the registry's storage on a chain that did not have it; returns the weight
/// used. Does nothing where the stored version is current (a chain that had the registry at
/// genesis, or a second run).
pub fn initialise() -> Weight {
    let stored = cpc_support::storage::version::on_chain(PALLET);
    if stored >= STORAGE_VERSION {
        return cpc_pallet_system::weights::weight(1_000, 1, 0);
    }
    if !NextSidechainId::exists() {
        NextSidechainId::put(&0);
    }
    cpc_support::storage::version::put(PALLET, STORAGE_VERSION);
    cpc_pallet_system::weights::weight(2_000, 2, 2)
}
