//! Weights of the governance pallet (see `docs/benchmarks.md`).

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Weight functions.
pub trait WeightInfo {
    /// `sudo`, without the inner call.
    fn sudo() -> Weight;
    /// `set_sudo_key` and `remove_sudo_key`.
    fn set_sudo_key() -> Weight;
    /// `propose` of a call of `len` bytes.
    fn propose(len: u32) -> Weight;
    /// `vote`, `cancel` and `close`.
    fn vote() -> Weight;
    /// `set_members` with `n` members.
    fn set_members(n: u32) -> Weight;
    /// Enacting `n` proposals in `on_initialize`, without their calls.
    fn enact(n: u32) -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn sudo() -> Weight {
        weight(2_000, 1, 1)
    }
    fn set_sudo_key() -> Weight {
        weight(2_000, 1, 1)
    }
    fn propose(len: u32) -> Weight {
        // Hashing and storing the call: about 1.5 ns per byte natively.
        weight(5_000, 3, 4).saturating_add(Weight::from_ref_time(u64::from(len) * 4_500))
    }
    fn vote() -> Weight {
        weight(4_000, 3, 2)
    }
    // Plus re-checking the votes of every open proposal against the new members.
    fn set_members(n: u32) -> Weight {
        weight(3_000 + 200 * u64::from(n), 0, 2).saturating_add(weight(
            500 * u64::from(crate::MAX_MEMBERS),
            u64::from(crate::MAX_PROPOSALS),
            u64::from(crate::MAX_PROPOSALS),
        ))
    }
    fn enact(n: u32) -> Weight {
        weight(5_000, 3, 4).saturating_mul(u64::from(n).max(1))
    }
}

impl WeightInfo for () {
    fn sudo() -> Weight {
        Weight::ZERO
    }
    fn set_sudo_key() -> Weight {
        Weight::ZERO
    }
    fn propose(_: u32) -> Weight {
        Weight::ZERO
    }
    fn vote() -> Weight {
        Weight::ZERO
    }
    fn set_members(_: u32) -> Weight {
        Weight::ZERO
    }
    fn enact(_: u32) -> Weight {
        Weight::ZERO
    }
}
