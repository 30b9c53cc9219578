//! Weights of the hybrid-consensus calls and hooks.
//!
//! Estimated from their storage accesses with the system pallet's per-access costs and a
//! compute allowance; the `register` and `start_term` figures are to be replaced by benchmark
//! results (`docs/benchmarks.md`) once the pallet's benchmarks exist.

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Weight functions of the hybrid-consensus pallet.
pub trait WeightInfo {
    /// `register`: candidate, session key, count, stats, account (reserve).
    fn register() -> Weight;
    /// `bond_more`, `set_session_key`, `unbond`.
    fn bond_more() -> Weight;
    /// `withdraw_unbonded`.
    fn withdraw_unbonded() -> Weight;
    /// `set_validators` with `n` members.
    fn set_validators(n: u32) -> Weight;
    /// `set_params`.
    fn set_params() -> Weight;
    /// `report_equivocation`: two signature checks and a slash.
    fn report_equivocation() -> Weight;
    /// `note_impeachment_reason`.
    fn note_impeachment_reason() -> Weight;
    /// Accounting a block for its proposer, every block.
    fn account_block() -> Weight;
    /// A term change with `candidates` candidates (scores and election).
    fn start_term(candidates: u32) -> Weight;
}

/// The weights of the main runtime.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    // Charged for the worst case, a full list: every candidate read to find the lowest bond
    // that can leave, the seats and committees that protect candidates decoded into a set
    // (up to 32 committees of 100: 500 µs allowed), and the evicted one's records removed.
    fn register() -> Weight {
        weight(5_000, 5, 5).saturating_add(weight(
            500_000 + 500 * crate::MAX_CANDIDATES as u64,
            7 + crate::MAX_CANDIDATES as u64,
            6,
        ))
    }
    fn bond_more() -> Weight {
        weight(3_000, 3, 3)
    }
    fn withdraw_unbonded() -> Weight {
        weight(4_000, 3, 6)
    }
    fn set_validators(n: u32) -> Weight {
        weight(1_000, 3, 1).saturating_add(weight(500, 1, 0).saturating_mul(u64::from(n)))
    }
    fn set_params() -> Weight {
        weight(1_000, 0, 1)
    }
    // Two sr25519 verifications (45 µs each, native) dominate.
    fn report_equivocation() -> Weight {
        weight(100_000, 5, 3)
    }
    fn note_impeachment_reason() -> Weight {
        weight(2_000, 2, 1)
    }
    // The proposer's VRF check dominates (done natively by the host: 149 µs where one
    // signature took 59 µs, docs/benchmarks.md); reads include the randomness, writes its
    // accumulator.
    fn account_block() -> Weight {
        weight(152_000, 8, 4)
    }
    fn start_term(candidates: u32) -> Weight {
        weight(20_000, 8, 8)
            .saturating_add(weight(5_000, 5, 2).saturating_mul(u64::from(candidates)))
    }
}

impl WeightInfo for () {
    fn register() -> Weight {
        Weight::ZERO
    }
    fn bond_more() -> Weight {
        Weight::ZERO
    }
    fn withdraw_unbonded() -> Weight {
        Weight::ZERO
    }
    fn set_validators(_: u32) -> Weight {
        Weight::ZERO
    }
    fn set_params() -> Weight {
        Weight::ZERO
    }
    fn report_equivocation() -> Weight {
        Weight::ZERO
    }
    fn note_impeachment_reason() -> Weight {
        Weight::ZERO
    }
    fn account_block() -> Weight {
        Weight::ZERO
    }
    fn start_term(_: u32) -> Weight {
        Weight::ZERO
    }
}
