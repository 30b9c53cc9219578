//! The runtime-level harness of the pallets' benchmarks: each pallet declares its calls'
//! benchmarks beside it (`pallets/*/src/benchmarking.rs`, behind `runtime-benchmarks`); this
//! runs them in the main runtime, dispatched natively over in-memory state, and measures applying
//! a signed transfer through the executive (the call plus the per-extrinsic overhead: decoding,
//! signature, nonce, fee, events). `weights.rs` of each pallet derives its weights from these
//! figures plus the database cost of each storage access (see `docs/benchmarks.md`).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_api::BlockBuilder;
use cpc_benches::*;
use cpc_pallet_balances::Call as BalancesCall;
use cpc_primitives::{AccountId, OpaqueExtrinsic};
use cpc_runtime::{Runtime, RuntimeCall};
use cpc_support::{
    Dispatchable, RawOrigin,
    benchmarking::{BenchOrigin, Benchmark},
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn account(n: u32) -> AccountId {
    AccountId::from(pair(n).public())
}

fn origin(who: BenchOrigin) -> RawOrigin {
    match who {
        BenchOrigin::Signed(n) => RawOrigin::Signed(account(n)),
        BenchOrigin::Root => RawOrigin::Root,
        BenchOrigin::None => RawOrigin::None,
    }
}

/// Runs a pallet's benchmarks: for each, the setup calls are dispatched in block 1 and
/// committed, then the call is measured on a fresh copy of that state every iteration.
fn run<Call: Clone>(
    c: &mut Criterion,
    pallet: &str,
    benchmarks: Vec<Benchmark<Call>>,
    wrap: fn(Call) -> RuntimeCall,
) {
    let storage = genesis(4, 1_000_000_000_000_000_000);
    for benchmark in benchmarks {
        let name = format!("{pallet}/{}", benchmark.name);
        let mut ext = block_ext(&storage);
        ext.execute_with(|| {
            for (who, step) in &benchmark.setup {
                let result = wrap(step.clone()).dispatch(origin(*who));
                assert!(result.is_ok(), "{name} setup: {result:?}");
            }
        });
        ext.commit_all();
        let prepared = ext.storage();
        let call = wrap(benchmark.call);
        // Derived once: deriving a key pair costs more than most calls.
        let origin = origin(benchmark.origin);
        c.bench_function(&name, |b| {
            b.iter_batched(
                || cpc_state_machine::TestExternalities::new(prepared.clone()),
                |mut ext| {
                    ext.execute_with(|| {
                        let result = call.clone().dispatch(origin.clone());
                        assert!(result.is_ok(), "{name}: {result:?}");
                    });
                    ext
                },
                BatchSize::SmallInput,
            )
        });
    }
}

fn calls(c: &mut Criterion) {
    run(
        c,
        "balances",
        cpc_pallet_balances::benchmarking::benchmarks(&account),
        RuntimeCall::Balances,
    );
    run(
        c,
        "system",
        cpc_pallet_system::benchmarking::benchmarks(&account),
        RuntimeCall::System,
    );
    run(
        c,
        "timestamp",
        cpc_pallet_timestamp::benchmarking::benchmarks(&account),
        RuntimeCall::Timestamp,
    );
    run(
        c,
        "data_market",
        cpc_pallet_data_market::benchmarking::benchmarks(&account),
        RuntimeCall::DataMarket,
    );
}

fn apply_signed_transfer(c: &mut Criterion) {
    let storage = genesis(4, 1_000_000_000_000_000);
    let to = AccountId::from(pair(1).public());
    let xt = signed(
        &pair(0),
        RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
            dest: to.into(),
            value: 1_000_000_000_000,
        }),
        0,
    );
    let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();
    c.bench_function("executive/apply signed transfer_keep_alive", |b| {
        b.iter_batched(
            || block_ext(&storage),
            |mut ext| {
                ext.execute_with(|| {
                    let result = Runtime::apply_extrinsic(opaque.clone());
                    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
                });
                ext
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, calls, apply_signed_transfer);
criterion_main!(benches);
