//! Buying, delivering and confirming: what each party is paid, and the purchases and
//! deliveries that are refused.

use super::*;
use cpc_primitives::dispatch::DispatchError;

#[test]
fn a_sale_pays_seller_proxy_and_protocol_exactly_the_price() {
    new_test_ext().execute_with(|| {
        setup();
        let issuance = Balances::total_issuance();
        let (seller, buyer, proxy) = (free(SELLER), free(BUYER), free(PROXY));
        assert_ok!(buy(0));
        assert_eq!(free(BUYER), buyer - PRICE);
        assert_eq!(reserved(BUYER), PRICE);
        assert_eq!(TotalEscrowed::get(), Some(PRICE));
        let order = Orders::get(&0).unwrap();
        assert_eq!(order.buyer_key, [2; 32]);
        assert_eq!(order.delivery_deadline, 1 + DELIVERY);
        check();

        assert_ok!(deliver(0, PROXY));
        assert_eq!(status(0), OrderStatus::Delivered);
        assert_eq!(
            Orders::get(&0).unwrap().sealed_key.unwrap().into_inner(),
            vec![0x5e; SEALED_KEY_LEN as usize]
        );
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        // 5% protocol (500), 10% proxy (1,000), the seller the rest (8,500).
        assert_eq!(free(SELLER), seller + 8_500);
        assert_eq!(free(PROXY), proxy + 1_000);
        assert_eq!(free(PROTOCOL), 500);
        assert_eq!(free(BUYER), buyer - PRICE);
        assert_eq!(reserved(BUYER), 0);
        assert_eq!(TotalEscrowed::get(), Some(0));
        assert_eq!(Balances::total_issuance(), issuance);
        assert_eq!(status(0), OrderStatus::Completed);
        assert!(events().contains(&Event::Completed {
            order: 0,
            split: Split {
                seller: 8_500,
                proxy: 1_000,
                protocol: 500
            },
            by_deadline: false
        }));
        assert_eq!(Products::get(&0).unwrap().sales, 1);
        assert_eq!(take_reports(), vec![Report::Sale(account(SELLER), 500)]);
        check();
    });
}

#[test]
fn bad_purchases_are_refused_and_change_nothing() {
    new_test_ext().execute_with(|| {
        setup();
        let buy_as = |who, product, proxy, max_price| {
            call(
                Call::buy {
                    product,
                    proxy: account(proxy),
                    max_price,
                },
                who,
            )
        };
        assert_noop!(buy_as(BUYER, 9, PROXY, PRICE), Error::UnknownProduct);
        assert_noop!(buy_as(SELLER, 0, PROXY, PRICE), Error::SelfPurchase);
        assert_noop!(buy_as(PROXY, 0, PROXY, PRICE), Error::BuyerIsProxy);
        // Account 8 is not approved for the product; 9 is approved but not (yet) a proxy.
        assert_noop!(buy_as(BUYER, 0, 8, PRICE), Error::ProxyNotApproved);
        assert_noop!(buy_as(BUYER, 0, 9, PRICE), Error::NotProxy);
        assert_noop!(buy_as(BUYER, 0, PROXY, PRICE - 1), Error::PriceAboveMax);
        // No encryption key: nothing to seal the content key to.
        assert_noop!(buy_as(4, 0, PROXY, PRICE), Error::NoEncryptionKey);
        assert_noop!(
            call(
                Call::set_price {
                    product: 0,
                    price: ED - 1
                },
                SELLER
            ),
            Error::PriceTooLow
        );
        // A price above the buyer's balance.
        assert_ok!(call(
            Call::set_price {
                product: 0,
                price: ENDOWMENT * 2
            },
            SELLER
        ));
        assert_noop!(
            buy_as(BUYER, 0, PROXY, ENDOWMENT * 2),
            Error::InsufficientBalance
        );
        assert_ok!(call(
            Call::set_listed {
                product: 0,
                listed: false
            },
            SELLER
        ));
        assert_noop!(buy_as(BUYER, 0, PROXY, ENDOWMENT * 2), Error::NotListed);
        assert_noop!(
            Market::dispatch_call(
                Call::buy {
                    product: 0,
                    proxy: account(PROXY),
                    max_price: PRICE
                },
                RawOrigin::Root
            ),
            DispatchError::BadOrigin
        );
        check();
    });
}

#[test]
fn only_the_proxy_or_seller_delivers_a_key_of_the_sealed_length_in_time() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(buy(0));
        assert_noop!(deliver(0, BUYER), Error::NotDeliverer);
        assert_noop!(deliver(0, 9), Error::NotDeliverer);
        assert_noop!(deliver(5, PROXY), Error::UnknownOrder);
        for len in [
            0,
            1,
            SEALED_KEY_LEN as usize - 1,
            SEALED_KEY_LEN as usize + 1,
            256,
        ] {
            assert_noop!(
                call(
                    Call::deliver {
                        order: 0,
                        sealed_key: BoundedVec::try_from_vec(vec![1; len]).unwrap()
                    },
                    PROXY
                ),
                Error::WrongKeyLength
            );
        }
        assert_noop!(call(Call::confirm { order: 0 }, BUYER), Error::WrongStatus);
        assert_noop!(
            call(
                Call::dispute {
                    order: 0,
                    reason: text("no key")
                },
                BUYER
            ),
            Error::WrongStatus
        );
        assert_ok!(deliver(0, PROXY));
        assert_noop!(deliver(0, PROXY), Error::WrongStatus);
        assert_noop!(call(Call::confirm { order: 0 }, SELLER), Error::NotBuyer);
    });
}

#[test]
fn a_protocol_share_the_protocol_account_cannot_take_goes_to_the_seller() {
    new_test_ext().execute_with(|| {
        // A price whose 5% share (5) is below the existential deposit (10) of a protocol
        // account that does not exist yet.
        assert_ok!(call(Call::publish { info: info(100) }, SELLER));
        setup();
        let seller = free(SELLER);
        assert_ok!(call(
            Call::buy {
                product: 0,
                proxy: account(PROXY),
                max_price: 100
            },
            BUYER
        ));
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        // Proxy 10 (10%), the protocol's 5 to the seller with its 85.
        assert_eq!(free(SELLER), seller + 90);
        assert_eq!(free(PROTOCOL), 0);
        assert!(events().contains(&Event::Completed {
            order: 0,
            split: Split {
                seller: 90,
                proxy: 10,
                protocol: 0
            },
            by_deadline: false
        }));
        // Nothing left the parties' hands: the sale and its ratings count for nothing in
        // anyone's reputation.
        assert_eq!(ProtocolPaid::get(&0), None);
        take_reports();
        assert_ok!(call(
            Call::rate {
                order: 0,
                rating: 5,
                proxy_rating: Some(5)
            },
            BUYER
        ));
        assert_eq!(
            take_reports(),
            vec![Report::ProxyRating(account(PROXY), 5, 0)]
        );
        check();
    });
}

#[test]
fn paying_out_one_escrow_never_burns_another() {
    new_test_ext().execute_with(|| {
        // Two products; the buyer buys both, then empties its free balance: only its
        // reserves (10,000 and 10) remain. Paying out the second leaves 9 reserved after the
        // proxy's 1: below the existential deposit, and it must not burn.
        assert_ok!(call(Call::publish { info: info(ED) }, SELLER));
        setup();
        assert_ok!(buy(1));
        assert_ok!(call(
            Call::buy {
                product: 0,
                proxy: account(PROXY),
                max_price: ED
            },
            BUYER
        ));
        let rest = free(BUYER);
        assert_ok!(<Balances as cpc_support::traits::Currency>::transfer(
            &account(BUYER),
            &account(11),
            rest,
            cpc_support::traits::ExistenceRequirement::AllowDeath,
        ));
        assert_eq!((free(BUYER), reserved(BUYER)), (0, PRICE + ED));
        let issuance = Balances::total_issuance();
        let seller = free(SELLER);
        for order in [0, 1] {
            assert_ok!(deliver(order, PROXY));
            assert_ok!(call(Call::confirm { order }, BUYER));
            check();
        }
        // 8,500 of the first (as in the plain sale); of 10, the protocol's share is 0, the
        // proxy's 1, the seller's 9.
        assert_eq!(free(SELLER), seller + 8_500 + 9);
        assert_eq!(Balances::total_issuance(), issuance);
        assert_eq!(reserved(BUYER), 0);
    });
}

#[test]
fn small_order_encryption_keys_are_refused() {
    new_test_ext().execute_with(|| {
        // 1 and the non-canonical 0 (p) with the ignored top bit set: both of small order.
        let mut one = [0; 32];
        one[0] = 1;
        let mut p_high = [0xff; 32];
        p_high[0] = 0xed;
        for key in [one, p_high] {
            assert_noop!(
                call(Call::set_encryption_key { key }, BUYER),
                Error::WeakKey
            );
        }
        assert_noop!(
            call(Call::set_encryption_key { key: [0; 32] }, BUYER),
            Error::WeakKey
        );
        assert!(EncryptionKeys::get(&account(BUYER)).is_none());
        // One stored before the check (an older runtime) cannot buy with it.
        setup();
        EncryptionKeys::insert(&account(BUYER), &[0; 32]);
        assert_noop!(buy(0), Error::WeakKey);
        assert_ok!(call(Call::set_encryption_key { key: [2; 32] }, BUYER));
        assert_ok!(buy(0));
    });
}

#[test]
fn an_accounts_orders_are_read_in_bounded_pages_that_cover_each_once() {
    new_test_ext().execute_with(|| {
        setup();
        for _ in 0..12 {
            assert_ok!(buy(0));
        }
        // Close orders 0 to 4: delivered and confirmed.
        for order in 0..5 {
            assert_ok!(deliver(order, PROXY));
            assert_ok!(call(Call::confirm { order }, BUYER));
        }

        for (open_only, expected) in [(false, 0..12_u64), (true, 5..12)] {
            for who in [BUYER, SELLER, PROXY] {
                let mut seen = Vec::new();
                let mut after = None;
                let mut pages = 0_u64;
                loop {
                    let (page, next) = Market::orders_page(&account(who), open_only, after, 5);
                    assert!(page.len() <= 5);
                    seen.extend(page.iter().map(|(id, order)| {
                        assert_eq!(Orders::get(id).as_ref(), Some(order));
                        *id
                    }));
                    pages += 1;
                    match next {
                        Some(cursor) => after = Some(cursor),
                        None => break,
                    }
                }
                assert_eq!(pages, (expected.end - expected.start).div_ceil(5));
                seen.sort_unstable();
                assert_eq!(seen, expected.clone().collect::<Vec<_>>(), "each once");
            }
        }

        // A limit of 0 or beyond the cap still returns a bounded, usable page.
        let (page, next) = Market::orders_page(&account(BUYER), false, None, 0);
        assert_eq!((page.len(), next.is_some()), (1, true));
        let (page, next) = Market::orders_page(&account(BUYER), false, None, u32::MAX);
        assert_eq!((page.len(), next), (12, None));
        // A cursor that is not in the index continues after where it would be.
        let (page, _) = Market::orders_page(&account(BUYER), false, Some(999), 100);
        assert!(page.len() <= 12);
        // The first page, by id, is what the version-1 queries return.
        let open: Vec<_> = Market::open_orders_of(&account(PROXY))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(open, (5..12).collect::<Vec<_>>());
        assert_eq!(Market::orders_of(&account(SELLER)).len(), 12);
        // Nobody's orders: an empty last page.
        assert_eq!(
            Market::orders_page(&account(9), false, None, 10),
            (vec![], None)
        );
    });
}
