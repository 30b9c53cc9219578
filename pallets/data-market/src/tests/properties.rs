//! Property tests: the split of a price, and the escrow invariants over random market
//! histories.

use super::*;
use proptest::prelude::*;

proptest! {
    /// The split sums to the amount and follows the per-mille shares, for any amount.
    #[test]
    fn the_split_sums_exactly(amount in any::<u128>(), proxy in 0u32..=500, protocol in 0u32..=500) {
        let s = split(amount, proxy, protocol);
        prop_assert_eq!(s.seller + s.proxy + s.protocol, amount);
        prop_assert_eq!(s.protocol, per_mille_of(amount, protocol));
        // Exact floor, checked where the product fits in u128.
        if let Some(product) = amount.checked_mul(u128::from(proxy)) {
            prop_assert_eq!(s.proxy, product / 1000);
        }
    }
}

/// One step of a random market history.
#[derive(Clone, Debug)]
enum Step {
    Buy {
        buyer: u8,
        product: u8,
    },
    Deliver {
        order: u8,
    },
    Confirm {
        order: u8,
    },
    Dispute {
        order: u8,
    },
    Resolve {
        order: u8,
        ruling: u8,
        per_mille: u16,
    },
    Advance {
        blocks: u8,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (4u8..8, 0u8..3).prop_map(|(buyer, product)| Step::Buy { buyer, product }),
        (0u8..20).prop_map(|order| Step::Deliver { order }),
        (0u8..20).prop_map(|order| Step::Confirm { order }),
        (0u8..20).prop_map(|order| Step::Dispute { order }),
        (0u8..20, 0u8..3, 0u16..1200).prop_map(|(order, ruling, per_mille)| Step::Resolve {
            order,
            ruling,
            per_mille
        }),
        (1u8..15).prop_map(|blocks| Step::Advance { blocks }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever happens, the escrow equals the open orders' prices, every counter matches,
    /// and no balance is created or destroyed.
    #[test]
    fn escrow_matches_open_orders_and_issuance_is_conserved(steps in proptest::collection::vec(step(), 1..60)) {
        new_test_ext().execute_with(|| {
            let prices = [1_000, 333, 77_777];
            for (seller, price) in [SELLER, 10, 8].into_iter().zip(prices) {
                assert_ok!(call(Call::publish { info: info(price) }, seller));
            }
            assert_ok!(call(Call::register_proxy { fee_per_mille: 37, bond: 500 }, PROXY));
            assert_ok!(call(Call::register_proxy { fee_per_mille: 200, bond: 500 }, 9));
            // One proxy serves every product listing it, the other each product it accepted.
            assert_ok!(call(Call::set_accepts_all { accepts_all: true }, PROXY));
            for product in 0..3 {
                assert_ok!(call(Call::accept_product { product, accepted: true }, 9));
            }
            for buyer in 4..8 {
                assert_ok!(call(Call::set_encryption_key { key: [buyer; 32] }, buyer));
            }
            let issuance = Balances::total_issuance();
            for step in steps {
                let order = |o: u8| OrderId::from(o);
                let buyer_of = |o: u8| Orders::get(&order(o)).map(|x| x.buyer);
                let _ = match step {
                    Step::Buy { buyer, product } => {
                        let proxy = if buyer % 2 == 0 { PROXY } else { 9 };
                        call(Call::buy { product: product.into(), proxy: account(proxy), max_price: u128::MAX }, buyer)
                    }
                    Step::Deliver { order: o } => {
                        let by = Orders::get(&order(o)).map(|x| x.proxy).unwrap_or(account(PROXY));
                        Market::dispatch_call(Call::deliver { order: order(o), sealed_key: sealed(0x5e) }, RawOrigin::Signed(by))
                    }
                    Step::Confirm { order: o } => match buyer_of(o) {
                        Some(b) => Market::dispatch_call(Call::confirm { order: order(o) }, RawOrigin::Signed(b)),
                        None => Ok(Default::default()),
                    },
                    Step::Dispute { order: o } => match buyer_of(o) {
                        Some(b) => Market::dispatch_call(Call::dispute { order: order(o), reason: text("bad") }, RawOrigin::Signed(b)),
                        None => Ok(Default::default()),
                    },
                    Step::Resolve { order: o, ruling, per_mille } => {
                        let ruling = match ruling {
                            0 => Ruling::RefundBuyer,
                            1 => Ruling::PaySeller,
                            _ => Ruling::Split { buyer_per_mille: per_mille.into() },
                        };
                        Market::dispatch_call(Call::resolve { order: order(o), ruling }, RawOrigin::Root)
                    }
                    Step::Advance { blocks } => {
                        run_to_block(cpc_pallet_system::Pallet::<Test>::block_number() + u32::from(blocks));
                        Ok(Default::default())
                    }
                };
                check();
                assert_eq!(Balances::total_issuance(), issuance);
                let open: Balance = Orders::iter().filter(|(_, o)| o.status.is_open()).map(|(_, o)| o.price).sum();
                assert_eq!(TotalEscrowed::get_or_default(), open);
            }
        });
    }
}
