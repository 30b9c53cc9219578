//! Weights of the main-chain tracker's calls, on the same model as the sidechain registry's
//! (`cpc_pallet_sidechain_registry::weights`): native time x `WASM_FACTOR`, storage accesses
//! counted from the code, and one host signature verification (50 µs) per signature.

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::{WEIGHT_REF_TIME_PER_NANOS, Weight};

/// One sr25519 verification in the host, in nanoseconds.
pub const SIGNATURE_NS: u64 = 50_000;

/// Weight functions of the main-chain tracker.
pub trait WeightInfo {
    /// `track` of `headers` headers with `signatures` signatures: genesis, head, committee,
    /// halt flag read; per header a kept header written and an old one removed.
    fn track(headers: u32, signatures: u32) -> Weight;
    /// `report_conflict` with `signatures` signatures in both certificates.
    fn report_conflict(signatures: u32) -> Weight;
    /// `reset` with a committee of `members`, clearing up to `cleared` kept headers.
    fn reset(members: u32, cleared: u32) -> Weight;
}

fn signatures(n: u32) -> Weight {
    Weight::from_ref_time(u64::from(n) * SIGNATURE_NS * WEIGHT_REF_TIME_PER_NANOS)
}

/// The weights of the sidechain runtime.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn track(headers: u32, n: u32) -> Weight {
        let h = u64::from(headers);
        weight(6_000 + 2_000 * h, 4, 1 + 2 * h).saturating_add(signatures(n))
    }
    fn report_conflict(n: u32) -> Weight {
        weight(8_000, 3, 1).saturating_add(signatures(n))
    }
    fn reset(members: u32, cleared: u32) -> Weight {
        weight(4_000 + 100 * u64::from(members), 0, 5 + u64::from(cleared))
    }
}

/// For tests: everything weighs nothing.
impl WeightInfo for () {
    fn track(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn report_conflict(_: u32) -> Weight {
        Weight::ZERO
    }
    fn reset(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
}
