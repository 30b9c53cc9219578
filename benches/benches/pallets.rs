//! Time of each pallet call, dispatched natively over in-memory state, and of applying a signed
//! transfer through the executive (the call plus the per-extrinsic overhead: decoding,
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
                    let result = Runtime::apply_extrinsic(opaque.clone());
                    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
                });
                ext
            },
            BatchSize::SmallInput,
        )
    });
}

/// A market call measured on a state prepared by `setup` (calls dispatched in block 1 and
/// committed): accounts 0 (seller), 1 (proxy), 2 (buyer).
fn market(
    c: &mut Criterion,
    name: &str,
    setup: &[(u32, cpc_pallet_data_market::Call)],
    who: Option<u32>,
    call: cpc_pallet_data_market::Call,
) {
    let storage = genesis(4, 1_000_000_000_000_000_000);
    let mut ext = block_ext(&storage);
    ext.execute_with(|| {
        for (signer, step) in setup {
            let result = RuntimeCall::DataMarket(step.clone())
                .dispatch(RawOrigin::Signed(AccountId::from(pair(*signer).public())));
            assert!(result.is_ok(), "{name} setup: {result:?}");
        }
    });
    ext.commit_all();
    let prepared = ext.storage();
    let call = RuntimeCall::DataMarket(call);
    // Derived once: deriving a key pair costs more than most calls.
    let origin = match who {
        Some(n) => RawOrigin::Signed(AccountId::from(pair(n).public())),
        None => RawOrigin::Root,
    };
    c.bench_function(&format!("data_market/{name}"), |b| {
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

fn market_calls(c: &mut Criterion) {
    use cpc_pallet_data_market::{Call, ProductInfo, Ruling, StorageLocation};
    use cpc_support::BoundedVec;
    fn text<const N: u32>(len: usize) -> BoundedVec<u8, cpc_support::ConstU32<N>> {
        BoundedVec::try_from_vec(vec![b'x'; len]).unwrap()
    }
    // A product with every field at a realistic size (about 1 KiB of metadata).
    let info = ProductInfo {
        title: text(64),
        description: text(512),
        tags: BoundedVec::try_from_vec(vec![text(16); 4]).unwrap(),
        category: text(16),
        price: 1_000_000_000_000,
        content_hash: [7; 32],
        size: 100 << 20,
        location: StorageLocation::Node(text(40)),
        license: text(256),
        proxies: BoundedVec::try_from_vec(vec![AccountId::from(pair(1).public())]).unwrap(),
    };
    let proxy = AccountId::from(pair(1).public());
    let publish = (0, Call::publish { info: info.clone() });
    let register = (
        1,
        Call::register_proxy {
            fee_per_mille: 50,
            bond: 1_000_000_000_000,
        },
    );
    let key = (2, Call::set_encryption_key { key: [2; 32] });
    let buy = (
        2,
        Call::buy {
            product: 0,
            proxy,
            max_price: u128::MAX,
        },
    );
    let sealed = BoundedVec::try_from_vec(vec![9; 80]).unwrap();
    let deliver = (
        1,
        Call::deliver {
            order: 0,
            sealed_key: sealed.clone(),
        },
    );
    let confirm = (2, Call::confirm { order: 0 });
    let dispute = (
        2,
        Call::dispute {
            order: 0,
            reason: text(64),
        },
    );
    let ready = [publish.clone(), register.clone(), key.clone()];
    let ordered = [publish.clone(), register.clone(), key.clone(), buy.clone()];
    let delivered = [
        publish.clone(),
        register.clone(),
        key.clone(),
        buy.clone(),
        deliver.clone(),
    ];

    market(
        c,
        "set_encryption_key",
        &[],
        Some(2),
        Call::set_encryption_key { key: [2; 32] },
    );
    market(c, "register_proxy", &[], Some(1), register.1.clone());
    market(
        c,
        "set_proxy_fee",
        std::slice::from_ref(&register),
        Some(1),
        Call::set_proxy_fee { fee_per_mille: 20 },
    );
    market(
        c,
        "deregister_proxy",
        std::slice::from_ref(&register),
        Some(1),
        Call::deregister_proxy,
    );
    market(
        c,
        "publish (1 KiB of metadata)",
        &[],
        Some(0),
        publish.1.clone(),
    );
    market(
        c,
        "set_price",
        std::slice::from_ref(&publish),
        Some(0),
        Call::set_price {
            product: 0,
            price: 5,
        },
    );
    market(
        c,
        "remove_product",
        &[
            publish.clone(),
            (
                0,
                Call::set_listed {
                    product: 0,
                    listed: false,
                },
            ),
        ],
        Some(0),
        Call::remove_product { product: 0 },
    );
    market(c, "buy", &ready, Some(2), buy.1.clone());
    market(c, "deliver", &ordered, Some(1), deliver.1.clone());
    market(c, "confirm", &delivered, Some(2), confirm.1.clone());
    market(c, "dispute", &delivered, Some(2), dispute.1.clone());
    let disputed = [
        publish.clone(),
        register.clone(),
        key.clone(),
        buy.clone(),
        deliver.clone(),
        dispute.clone(),
    ];
    market(
        c,
        "resolve (split)",
        &disputed,
        Some(1),
        Call::resolve {
            order: 0,
            ruling: Ruling::Split {
                buyer_per_mille: 300,
            },
        },
    );
    let completed = [publish, register, key, buy, deliver, confirm];
    market(
        c,
        "rate",
        &completed,
        Some(2),
        Call::rate {
            order: 0,
            rating: 5,
            proxy_rating: Some(4),
        },
    );
}

criterion_group!(benches, calls, apply_signed_transfer, market_calls);
criterion_main!(benches);
