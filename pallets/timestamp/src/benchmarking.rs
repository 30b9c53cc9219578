//! Benchmarks of the timestamp inherent (`runtime-benchmarks`), run by
//! `benches/benches/pallets.rs`; `weights.rs` is derived from their medians.

use crate::Call;
use alloc::{vec, vec::Vec};
use cpc_support::benchmarking::{Accounts, BenchOrigin, Benchmark};

/// The benchmarks (they name no account).
pub fn benchmarks(_accounts: Accounts<'_>) -> Vec<Benchmark<Call>> {
    vec![Benchmark::new(
        "set",
        BenchOrigin::None,
        Call::set {
            now: 1_700_000_000_000,
        },
    )]
}
