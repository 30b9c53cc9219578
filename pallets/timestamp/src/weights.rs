//! Weights of the timestamp pallet (see `docs/benchmarks.md`).

use cpc_primitives::weight::Weight;

/// Weight functions.
pub trait WeightInfo {
    /// `set`.
    fn set() -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn set() -> Weight {
        Weight::from_ref_time(5_000_000)
    }
}

impl WeightInfo for () {
    fn set() -> Weight {
        Weight::ZERO
    }
}
