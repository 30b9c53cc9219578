//! A data sale on the dev runtime through signed extrinsics in blocks: the seller lists, a
//! proxy registers, the buyer registers its key and buys, the proxy delivers, the buyer
//! confirms. Every balance moves by exactly the split plus the fees each signer paid, the
//! proposer reputation learns of the sale, and the runtime API answers the queries.

use cpc_api::GenesisBuilder;
use cpc_data_market_primitives::DataMarketApi;
use cpc_pallet_data_market::{self as market, OrderStatus, ProductInfo, StorageLocation};
use cpc_primitives::{AccountId, Balance};
use cpc_runtime::{Runtime, RuntimeCall, RuntimeEvent, constants::UNITS};
use cpc_runtime_test_utils::{Chain, account, free, pair};
use cpc_support::BoundedVec;
use std::collections::BTreeMap;

fn market_call(call: market::Call) -> RuntimeCall {
    RuntimeCall::DataMarket(call)
}

/// Fees paid in the best block, by payer.
fn fees_paid(chain: &mut Chain) -> BTreeMap<AccountId, Balance> {
    let mut fees = BTreeMap::new();
    chain.ext.execute_with(|| {
        for record in cpc_pallet_system::Pallet::<Runtime>::events() {
            if let RuntimeEvent::Balances(cpc_pallet_balances::Event::TransactionFeePaid {
                who,
                actual_fee,
                ..
            }) = record.event
            {
                *fees.entry(who).or_default() += actual_fee;
            }
        }
    });
    fees
}

/// Builds a block of `calls` (signer, call), each must succeed; returns the fees paid.
fn block(chain: &mut Chain, calls: Vec<(&str, RuntimeCall)>) -> BTreeMap<AccountId, Balance> {
    let xts = calls
        .into_iter()
        .map(|(who, call)| {
            let nonce = chain.nonce(&account(who));
            chain.sign(&pair(who), call, nonce)
        })
        .collect();
    let (_, results) = chain.build_block(xts);
    for result in &results {
        assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    }
    fees_paid(chain)
}

#[test]
fn a_data_sale_settles_through_signed_extrinsics() {
    // The local testnet: all dev accounts are proposer candidates, so the market's reports
    // reach their reputation stats.
    let mut chain = Chain::from_json(&Runtime::get_preset(Some("local_testnet".into())).unwrap());
    let [alice, bob, charlie, dave] = ["Alice", "Bob", "Charlie", "Dave"].map(account);
    let price = 50 * UNITS;
    let info = ProductInfo {
        title: BoundedVec::try_from_vec(b"Soil moisture, field 7".to_vec()).unwrap(),
        description: BoundedVec::new(),
        tags: BoundedVec::new(),
        category: BoundedVec::try_from_vec(b"agriculture".to_vec()).unwrap(),
        price,
        content_hash: [9; 32],
        size: 4096,
        location: StorageLocation::Node(
            BoundedVec::try_from_vec(b"http://127.0.0.1:8090".to_vec()).unwrap(),
        ),
        license: BoundedVec::new(),
        proxies: BoundedVec::try_from_vec(vec![charlie]).unwrap(),
    };
    let before: Vec<Balance> = [alice, bob, charlie, dave]
        .iter()
        .map(|who| free(&mut chain.ext, who))
        .collect();
    let mut fees: BTreeMap<AccountId, Balance> = BTreeMap::new();
    let mut add = |paid: BTreeMap<AccountId, Balance>| {
        for (who, fee) in paid {
            *fees.entry(who).or_default() += fee;
        }
    };
    add(block(
        &mut chain,
        vec![
            (
                "Bob",
                market_call(market::Call::publish { info: info.clone() }),
            ),
            (
                "Charlie",
                market_call(market::Call::register_proxy {
                    fee_per_mille: 50,
                    bond: 100 * UNITS,
                }),
            ),
            (
                "Dave",
                market_call(market::Call::set_encryption_key { key: [4; 32] }),
            ),
        ],
    ));
    // Charlie agrees to serve the product.
    add(block(
        &mut chain,
        vec![(
            "Charlie",
            market_call(market::Call::accept_product {
                product: 0,
                accepted: true,
            }),
        )],
    ));
    add(block(
        &mut chain,
        vec![(
            "Dave",
            market_call(market::Call::buy {
                product: 0,
                proxy: charlie,
                max_price: price,
            }),
        )],
    ));
    let order = chain.ext.execute_with(|| Runtime::order(0)).unwrap();
    assert_eq!(order.status, OrderStatus::Created);
    assert_eq!(order.buyer_key, [4; 32]);
    add(block(
        &mut chain,
        vec![(
            "Charlie",
            market_call(market::Call::deliver {
                order: 0,
                sealed_key: BoundedVec::try_from_vec(vec![7; market::SEALED_KEY_LEN as usize])
                    .unwrap(),
            }),
        )],
    ));
    add(block(
        &mut chain,
        vec![("Dave", market_call(market::Call::confirm { order: 0 }))],
    ));

    // Default protocol fee 1% (to Alice on dev chains), proxy 5%, seller 94%.
    let (protocol, proxy) = (price / 100, price * 5 / 100);
    let seller = price - protocol - proxy;
    let deposit = chain
        .ext
        .execute_with(|| Runtime::product(0))
        .unwrap()
        .deposit;
    let fee = |who: &AccountId| fees.get(who).copied().unwrap_or(0);
    let after: Vec<Balance> = [alice, bob, charlie, dave]
        .iter()
        .map(|who| free(&mut chain.ext, who))
        .collect();
    // Blocks carry no rewards; Alice gets the protocol share.
    assert_eq!(after[0], before[0] + protocol - fee(&alice));
    assert_eq!(after[1], before[1] + seller - deposit - fee(&bob));
    assert_eq!(after[2], before[2] + proxy - 100 * UNITS - fee(&charlie));
    assert_eq!(after[3], before[3] - price - fee(&dave));
    assert!(fee(&dave) > 0 && fee(&bob) > 0 && fee(&charlie) > 0);

    chain.ext.execute_with(|| {
        assert_eq!(Runtime::order(0).unwrap().status, OrderStatus::Completed);
        let orders: Vec<u64> = Runtime::orders(dave)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(orders, vec![0]);
        assert_eq!(Runtime::orders(charlie).len(), 1);
        assert_eq!(Runtime::products(0, 10).len(), 1);
        assert_eq!(Runtime::encryption_key(dave), Some([4; 32]));
        assert_eq!(Runtime::proxy(charlie).unwrap().open_orders, 0);
        assert_eq!(market::TotalEscrowed::get(), Some(0));
        let stats = cpc_pallet_hybrid_consensus::Stats::get_or_default(&bob);
        assert_eq!(
            stats.data_contribution, protocol,
            "the sale counts for the seller at what it paid the protocol"
        );
        assert!(stats.fees_paid > 0, "the seller's fees count too");
        market::Pallet::<Runtime>::check_invariants().unwrap();
    });
    block(
        &mut chain,
        vec![(
            "Dave",
            market_call(market::Call::rate {
                order: 0,
                rating: 5,
                proxy_rating: Some(4),
            }),
        )],
    );
    chain.ext.execute_with(|| {
        let stats = cpc_pallet_hybrid_consensus::Stats::get_or_default(&charlie);
        assert_eq!(
            (stats.rated_service, stats.ratings),
            (protocol / 2 * 4 / 5, 1),
            "the proxy's rating counts, at its share of what the order paid"
        );
    });
}
