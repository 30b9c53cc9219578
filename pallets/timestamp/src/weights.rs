//! Weights of the timestamp pallet (see `docs/benchmarks.md`).

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Weight functions.
pub trait WeightInfo {
    /// `set`.
    fn set() -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    // 0.53 µs; reads and writes `Now` and `DidUpdate`.
    fn set() -> Weight {
        weight(530, 2, 2)
    }
}

impl WeightInfo for () {
    fn set() -> Weight {
        Weight::ZERO
    }
}
