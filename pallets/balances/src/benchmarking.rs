//! Benchmarks of the balances calls (`runtime-benchmarks`), run by `benches/benches/pallets.rs`;
//! `weights.rs` is derived from their medians.

use crate::Call;
use alloc::{vec, vec::Vec};
use cpc_primitives::AccountId;
use cpc_support::benchmarking::{Accounts, BenchOrigin::*, Benchmark};

/// The benchmarks, over the harness's funded `accounts`.
pub fn benchmarks(accounts: Accounts<'_>) -> Vec<Benchmark<Call>> {
    let (from, to) = (accounts(0), accounts(1));
    // A recipient without an account: the transfer creates it.
    let fresh = AccountId::new([0xee; 32]);
    let value = 1_000_000_000_000;
    vec![
        Benchmark::new(
            "transfer (new recipient)",
            Signed(0),
            Call::transfer {
                dest: fresh.into(),
                value,
            },
        ),
        Benchmark::new(
            "transfer_keep_alive",
            Signed(0),
            Call::transfer_keep_alive {
                dest: to.into(),
                value,
            },
        ),
        Benchmark::new(
            "transfer_all",
            Signed(0),
            Call::transfer_all {
                dest: to.into(),
                keep_alive: false,
            },
        ),
        Benchmark::new(
            "force_transfer",
            Root,
            Call::force_transfer {
                source: from.into(),
                dest: to.into(),
                value,
            },
        ),
        Benchmark::new(
            "force_set_balance",
            Root,
            Call::force_set_balance {
                who: to.into(),
                new_free: 5 * value,
            },
        ),
        Benchmark::new(
            "force_unreserve",
            Root,
            Call::force_unreserve {
                who: to.into(),
                amount: 1,
            },
        ),
    ]
}
