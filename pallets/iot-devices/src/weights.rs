//! Weights of the IoT-devices calls.
//!
//! `measured native time x WASM_FACTOR + reads x READ + writes x WRITE` (see
//! `cpc_pallet_system::weights`), plus signature checks, which run natively in the host: a
//! reading's share of a batch verification is charged at 25 µs (23.7 µs each measured in
//! batches of 100, `cargo bench -p cpc-benches --bench primitives -- sr25519`,
//! docs/benchmarks.md), a registration's single verification at 50 µs (45.2 µs measured).

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::{WEIGHT_REF_TIME_PER_NANOS, Weight};

/// One reading's share of a host batch verification, in nanoseconds.
pub const BATCHED_SIGNATURE_NS: u64 = 25_000;
/// One host signature verification, in nanoseconds.
pub const SIGNATURE_NS: u64 = 50_000;

/// Weight functions of the IoT-devices pallet.
pub trait WeightInfo {
    /// `register_device` with `len` bytes of metadata: key index, id counter, device,
    /// sequence entry; one signature.
    fn register_device(len: u32) -> Weight;
    /// `revoke_device`: device, key index, sequence entry.
    fn revoke_device() -> Weight;
    /// `submit_readings` of `n` readings with `bytes` of payload in all, from devices of which
    /// `fresh` had no entry written yet in the block: per reading a signature share and a leaf
    /// appended, per fresh device its sequence entry read and written. The call is declared
    /// with `fresh = n` (distinct devices, none written yet) and reports the real `fresh`.
    fn submit_readings(n: u32, bytes: u32, fresh: u32) -> Weight;
    /// `on_finalize` committing `n` readings: the ordered trie root of their leaves.
    fn commit_readings(n: u32) -> Weight;
}

fn ns(n: u64) -> Weight {
    Weight::from_ref_time(n * WEIGHT_REF_TIME_PER_NANOS)
}

/// The weights of the sidechain runtime.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn register_device(len: u32) -> Weight {
        weight(5_000 + u64::from(len), 2, 4).saturating_add(ns(SIGNATURE_NS))
    }
    fn revoke_device() -> Weight {
        weight(3_000, 1, 3)
    }
    fn submit_readings(n: u32, bytes: u32, fresh: u32) -> Weight {
        let (n, fresh) = (u64::from(n), u64::from(fresh.min(n)));
        weight(3_000 + 2_000 * n + u64::from(bytes), 1 + fresh, 1 + fresh)
            .saturating_add(ns(BATCHED_SIGNATURE_NS * n))
    }
    fn commit_readings(n: u32) -> Weight {
        // Hashing the leaves into the trie: about 1 µs each in the host.
        ns(1_000 * u64::from(n)).saturating_add(weight(1_000, 1, 3))
    }
}

/// For tests: everything weighs nothing.
impl WeightInfo for () {
    fn register_device(_: u32) -> Weight {
        Weight::ZERO
    }
    fn revoke_device() -> Weight {
        Weight::ZERO
    }
    fn submit_readings(_: u32, _: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn commit_readings(_: u32) -> Weight {
        Weight::ZERO
    }
}
