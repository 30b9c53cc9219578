//! Weights of the sidechain-registry calls.
//!
//! `measured native time x WASM_FACTOR + reads x READ + writes x WRITE` (see
//! `cpc_pallet_system::weights`), plus signature checks, which run natively in the host and
//! are charged at a single verification each (45.2 µs measured, `cargo bench -p cpc-benches
//! --bench primitives -- sr25519`, docs/benchmarks.md; rounded up to 50 µs), batch
//! verification's gain (23.7 µs each in batches of 100) left as margin. The native times are
//! from `cargo bench -p cpc-benches --bench pallets -- sidechain`; storage accesses are
//! counted from the code.

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::{WEIGHT_REF_TIME_PER_NANOS, Weight};

/// One sr25519 verification in the host, in nanoseconds.
pub const SIGNATURE_NS: u64 = 50_000;

/// Weight functions of the sidechain-registry pallet.
pub trait WeightInfo {
    /// `register` with a committee of `members`: genesis index, id counter, sidechain, head,
    /// first anchored header, committee.
    fn register(members: u32) -> Weight;
    /// `anchor` of `headers` headers with `signatures` signatures: sidechain, head, committee
    /// read; per header an anchored entry written and an old one removed; a hand-off writes
    /// the committees.
    fn anchor(headers: u32, signatures: u32) -> Weight;
    /// `report_conflict` with `signatures` signatures in both certificates: sidechain,
    /// committees, two accounts credited.
    fn report_conflict(signatures: u32) -> Weight;
    /// `unfreeze` with a committee of `members`, clearing the kept headers.
    fn unfreeze(members: u32) -> Weight;
    /// `deregister`.
    fn deregister() -> Weight;
    /// `withdraw_bond`, removing `anchored` kept headers.
    fn withdraw_bond(anchored: u32) -> Weight;
}

fn signatures(n: u32) -> Weight {
    Weight::from_ref_time(u64::from(n) * SIGNATURE_NS * WEIGHT_REF_TIME_PER_NANOS)
}

/// The weights of the main runtime.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn register(members: u32) -> Weight {
        weight(4_000 + 100 * u64::from(members), 2, 6)
    }
    fn anchor(headers: u32, n: u32) -> Weight {
        let h = u64::from(headers);
        weight(6_000 + 2_000 * h, 3, 2 + 2 * h).saturating_add(signatures(n))
    }
    fn report_conflict(n: u32) -> Weight {
        weight(8_000, 4, 3).saturating_add(signatures(n))
    }
    fn unfreeze(members: u32) -> Weight {
        weight(4_000 + 100 * u64::from(members), 3, 5)
    }
    fn deregister() -> Weight {
        weight(2_000, 1, 1)
    }
    fn withdraw_bond(anchored: u32) -> Weight {
        weight(3_000, 2, 6 + u64::from(anchored))
    }
}

/// For tests: everything weighs nothing.
impl WeightInfo for () {
    fn register(_: u32) -> Weight {
        Weight::ZERO
    }
    fn anchor(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn report_conflict(_: u32) -> Weight {
        Weight::ZERO
    }
    fn unfreeze(_: u32) -> Weight {
        Weight::ZERO
    }
    fn deregister() -> Weight {
        Weight::ZERO
    }
    fn withdraw_bond(_: u32) -> Weight {
        Weight::ZERO
    }
}
