//! Weights of the system pallet's calls.
//!
//! Measured with `cargo bench -p cpc-benches --bench pallets` on the reference machine (see
//! `docs/benchmarks.md`): time per call natively over in-memory state, plus the database cost
//! of each storage access.

use cpc_primitives::weight::{WEIGHT_REF_TIME_PER_NANOS, Weight};

/// Weight functions of the system pallet.
pub trait WeightInfo {
    /// `remark` of `len` bytes.
    fn remark(len: u32) -> Weight;
    /// `remark_with_event` of `len` bytes.
    fn remark_with_event(len: u32) -> Weight;
    /// `set_storage` of `n` items.
    fn set_storage(n: u32) -> Weight;
    /// `kill_storage` of `n` keys.
    fn kill_storage(n: u32) -> Weight;
    /// `kill_prefix` removing up to `n` keys.
    fn kill_prefix(n: u32) -> Weight;
}

/// Storage access costs of the reference database, in picoseconds.
pub const READ: u64 = 25_000 * WEIGHT_REF_TIME_PER_NANOS / 1_000;
/// One write.
pub const WRITE: u64 = 100_000 * WEIGHT_REF_TIME_PER_NANOS / 1_000;

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn remark(len: u32) -> Weight {
        Weight::from_ref_time(1_000_000 + 200 * u64::from(len))
    }

    fn remark_with_event(len: u32) -> Weight {
        Weight::from_ref_time(5_000_000 + 1_300 * u64::from(len) + WRITE)
    }

    fn set_storage(n: u32) -> Weight {
        Weight::from_ref_time(1_000_000 + u64::from(n) * (1_000_000 + WRITE))
    }

    fn kill_storage(n: u32) -> Weight {
        Weight::from_ref_time(1_000_000 + u64::from(n) * (1_000_000 + WRITE))
    }

    fn kill_prefix(n: u32) -> Weight {
        Weight::from_ref_time(1_000_000 + u64::from(n) * (2_000_000 + READ + WRITE))
    }
}

/// No weight, for tests.
impl WeightInfo for () {
    fn remark(_: u32) -> Weight {
        Weight::ZERO
    }
    fn remark_with_event(_: u32) -> Weight {
        Weight::ZERO
    }
    fn set_storage(_: u32) -> Weight {
        Weight::ZERO
    }
    fn kill_storage(_: u32) -> Weight {
        Weight::ZERO
    }
    fn kill_prefix(_: u32) -> Weight {
        Weight::ZERO
    }
}
