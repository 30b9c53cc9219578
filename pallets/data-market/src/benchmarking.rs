//! Benchmarks of the data-market calls (`runtime-benchmarks`), run by
//! `benches/benches/pallets.rs`; `weights.rs` is derived from their medians.
//!
//! Account 0 sells, 1 is the proxy, 2 buys. Each benchmark starts from the state the calls
//! before it in the lifecycle leave: a product listed with about 1 KiB of metadata (every field
//! at a realistic size), a registered proxy, the buyer's key, an order, a delivery...

use crate::{Call, ProductInfo, Ruling, StorageLocation, Text};
use alloc::{vec, vec::Vec};
use cpc_support::{
    BoundedVec,
    benchmarking::{Accounts, BenchOrigin::*, Benchmark},
};

fn text<const N: u32>(len: usize) -> Text<N> {
    BoundedVec::try_from_vec(vec![b'x'; len]).expect("benchmark texts fit their bounds; qed")
}

/// The benchmarks, over the harness's funded `accounts`.
pub fn benchmarks(accounts: Accounts<'_>) -> Vec<Benchmark<Call>> {
    let proxy = accounts(1);
    let info = ProductInfo {
        title: text(64),
        description: text(512),
        tags: BoundedVec::try_from_vec(vec![text(16); 4]).expect("4 tags fit; qed"),
        category: text(16),
        price: 1_000_000_000_000,
        content_hash: [7; 32],
        size: 100 << 20,
        location: StorageLocation::Node(text(40)),
        license: text(256),
        proxies: BoundedVec::try_from_vec(vec![proxy]).expect("one proxy fits; qed"),
    };
    let publish = (Signed(0), Call::publish { info: info.clone() });
    let register = (
        Signed(1),
        Call::register_proxy {
            fee_per_mille: 50,
            bond: 1_000_000_000_000,
        },
    );
    let accept = (
        Signed(1),
        Call::accept_product {
            product: 0,
            accepted: true,
        },
    );
    let key = (Signed(2), Call::set_encryption_key { key: [2; 32] });
    let buy = (
        Signed(2),
        Call::buy {
            product: 0,
            proxy,
            max_price: u128::MAX,
        },
    );
    let deliver = (
        Signed(1),
        Call::deliver {
            order: 0,
            sealed_key: BoundedVec::try_from_vec(vec![9; 80]).expect("80 bytes fit; qed"),
        },
    );
    let confirm = (Signed(2), Call::confirm { order: 0 });
    let dispute = (
        Signed(2),
        Call::dispute {
            order: 0,
            reason: text(64),
        },
    );
    let ready = vec![
        publish.clone(),
        register.clone(),
        accept.clone(),
        key.clone(),
    ];
    let ordered = [ready.clone(), vec![buy.clone()]].concat();
    let delivered = [ordered.clone(), vec![deliver.clone()]].concat();
    let disputed = [delivered.clone(), vec![dispute.clone()]].concat();
    let completed = [delivered.clone(), vec![confirm.clone()]].concat();
    // The most proxies a product may name, all distinct: the check sorts and compares them.
    let most_proxies = BoundedVec::try_from_vec((0..8).map(&accounts).collect())
        .expect("MAX_PRODUCT_PROXIES fit; qed");

    vec![
        Benchmark::new("set_encryption_key", key.0, key.1),
        Benchmark::new("register_proxy", register.0, register.1.clone()),
        Benchmark::new(
            "set_proxy_fee",
            Signed(1),
            Call::set_proxy_fee { fee_per_mille: 20 },
        )
        .after(vec![register.clone()]),
        Benchmark::new("deregister_proxy", Signed(1), Call::deregister_proxy)
            .after(vec![register.clone()]),
        Benchmark::new("publish (1 KiB of metadata)", publish.0, publish.1.clone()),
        Benchmark::new("accept_product", accept.0, accept.1)
            .after(vec![publish.clone(), register.clone()]),
        Benchmark::new(
            "set_price",
            Signed(0),
            Call::set_price {
                product: 0,
                price: 2_000_000_000_000,
            },
        )
        .after(vec![publish.clone()]),
        Benchmark::new(
            "set_proxies (8 proxies)",
            Signed(0),
            Call::set_proxies {
                product: 0,
                proxies: most_proxies,
            },
        )
        .after(vec![publish.clone()]),
        Benchmark::new(
            "remove_product",
            Signed(0),
            Call::remove_product { product: 0 },
        )
        .after(vec![
            publish.clone(),
            (
                Signed(0),
                Call::set_listed {
                    product: 0,
                    listed: false,
                },
            ),
        ]),
        Benchmark::new("buy", buy.0, buy.1.clone()).after(ready),
        Benchmark::new("deliver", deliver.0, deliver.1.clone()).after(ordered),
        Benchmark::new("confirm", confirm.0, confirm.1.clone()).after(delivered.clone()),
        Benchmark::new("dispute", dispute.0, dispute.1.clone()).after(delivered),
        Benchmark::new(
            "resolve (split)",
            Signed(1),
            Call::resolve {
                order: 0,
                ruling: Ruling::Split {
                    buyer_per_mille: 300,
                },
            },
        )
        .after(disputed),
        Benchmark::new(
            "rate",
            Signed(2),
            Call::rate {
                order: 0,
                rating: 5,
                proxy_rating: Some(4),
            },
        )
        .after(completed),
    ]
}
