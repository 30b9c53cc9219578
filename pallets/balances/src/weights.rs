//! Weights of the balances pallet's calls (see `docs/benchmarks.md`).

use cpc_primitives::weight::Weight;

/// Weight functions.
pub trait WeightInfo {
    /// `transfer`.
    fn transfer() -> Weight;
    /// `transfer_keep_alive`.
    fn transfer_keep_alive() -> Weight;
    /// `transfer_all`.
    fn transfer_all() -> Weight;
    /// `force_transfer`.
    fn force_transfer() -> Weight;
    /// `force_unreserve`.
    fn force_unreserve() -> Weight;
    /// `force_set_balance`.
    fn force_set_balance() -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn transfer() -> Weight {
        Weight::from_ref_time(60_000_000)
    }
    fn transfer_keep_alive() -> Weight {
        Weight::from_ref_time(50_000_000)
    }
    fn transfer_all() -> Weight {
        Weight::from_ref_time(60_000_000)
    }
    fn force_transfer() -> Weight {
        Weight::from_ref_time(60_000_000)
    }
    fn force_unreserve() -> Weight {
        Weight::from_ref_time(30_000_000)
    }
    fn force_set_balance() -> Weight {
        Weight::from_ref_time(30_000_000)
    }
}

impl WeightInfo for () {
    fn transfer() -> Weight {
        Weight::ZERO
    }
    fn transfer_keep_alive() -> Weight {
        Weight::ZERO
    }
    fn transfer_all() -> Weight {
        Weight::ZERO
    }
    fn force_transfer() -> Weight {
        Weight::ZERO
    }
    fn force_unreserve() -> Weight {
        Weight::ZERO
    }
    fn force_set_balance() -> Weight {
        Weight::ZERO
    }
}
