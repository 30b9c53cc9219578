//! Benchmarks of the system calls (`runtime-benchmarks`), run by `benches/benches/pallets.rs`;
//! `weights.rs` is derived from their medians.

use crate::Call;
use alloc::{vec, vec::Vec};
use cpc_support::benchmarking::{Accounts, BenchOrigin::*, Benchmark};

/// The benchmarks (they name no account).
pub fn benchmarks(_accounts: Accounts<'_>) -> Vec<Benchmark<Call>> {
    vec![
        Benchmark::new(
            "remark (1 KiB)",
            Signed(0),
            Call::remark {
                remark: vec![7; 1024],
            },
        ),
        Benchmark::new(
            "remark_with_event (1 KiB)",
            Signed(0),
            Call::remark_with_event {
                remark: vec![7; 1024],
            },
        ),
        Benchmark::new(
            "set_storage (10 items)",
            Root,
            Call::set_storage {
                items: (0u8..10).map(|i| (vec![i; 32], vec![i; 32])).collect(),
            },
        ),
    ]
}
