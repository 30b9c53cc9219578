//! Time of each pallet call, dispatched natively over in-memory state, and of applying a signed
//! transfer through the executive (the call plus the per-extrinsic overhead: decoding,
//! signature, nonce, fee, events). `weights.rs` of each pallet derives its weights from these
//! figures plus the database cost of each storage access (see `docs/benchmarks.md`).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::*;
use cpc_pallet_balances::Call as BalancesCall;
use cpc_primitives::{AccountId, OpaqueExtrinsic};
use cpc_runtime::{RuntimeCall, api};
use cpc_support::{Dispatchable, RawOrigin};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn dispatch(c: &mut Criterion, name: &str, origin: impl Fn() -> RawOrigin, call: RuntimeCall) {
    let storage = genesis(4, 1_000_000_000_000_000);
    c.bench_function(name, |b| {
        b.iter_batched(
            || block_ext(&storage),
            |mut ext| {
                ext.execute_with(|| {
                    let result = call.clone().dispatch(origin());
                    assert!(result.is_ok(), "{name}: {result:?}");
                });
                ext
            },
            BatchSize::SmallInput,
        )
    });
}

fn calls(c: &mut Criterion) {
    let from = AccountId::from(pair(0).public());
    let to = AccountId::from(pair(1).public());
    let fresh = AccountId::new([0xee; 32]);
    let signed = move || RawOrigin::Signed(from);
    let root = || RawOrigin::Root;
    dispatch(
        c,
        "balances/transfer (new recipient)",
        signed,
        RuntimeCall::Balances(BalancesCall::transfer {
            dest: fresh.into(),
            value: 1_000_000_000_000,
        }),
    );
    dispatch(
        c,
        "balances/transfer_keep_alive",
        signed,
        RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
            dest: to.into(),
            value: 1_000_000_000_000,
        }),
    );
    dispatch(
        c,
        "balances/transfer_all",
        signed,
        RuntimeCall::Balances(BalancesCall::transfer_all {
            dest: to.into(),
            keep_alive: false,
        }),
    );
    dispatch(
        c,
        "balances/force_transfer",
        root,
        RuntimeCall::Balances(BalancesCall::force_transfer {
            source: from.into(),
            dest: to.into(),
            value: 1_000_000_000_000,
        }),
    );
    dispatch(
        c,
        "balances/force_set_balance",
        root,
        RuntimeCall::Balances(BalancesCall::force_set_balance {
            who: to.into(),
            new_free: 5_000_000_000_000,
        }),
    );
    dispatch(
        c,
        "balances/force_unreserve",
        root,
        RuntimeCall::Balances(BalancesCall::force_unreserve {
            who: to.into(),
            amount: 1,
        }),
    );
    dispatch(
        c,
        "system/remark (1 KiB)",
        signed,
        RuntimeCall::System(cpc_pallet_system::Call::remark {
            remark: vec![7; 1024],
        }),
    );
    dispatch(
        c,
        "system/remark_with_event (1 KiB)",
        signed,
        RuntimeCall::System(cpc_pallet_system::Call::remark_with_event {
            remark: vec![7; 1024],
        }),
    );
    dispatch(
        c,
        "system/set_storage (10 items)",
        root,
        RuntimeCall::System(cpc_pallet_system::Call::set_storage {
            items: (0u8..10).map(|i| (vec![i; 32], vec![i; 32])).collect(),
        }),
    );
    dispatch(
        c,
        "timestamp/set",
        || RawOrigin::None,
        RuntimeCall::Timestamp(cpc_pallet_timestamp::Call::set {
            now: 1_700_000_000_000,
        }),
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
                    let result = api::apply_extrinsic(opaque.clone());
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
