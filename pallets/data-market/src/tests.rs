//! Unit tests of the data-market pallet.

use crate::{mock::*, *};
use codec::Decode;
use cpc_primitives::dispatch::DispatchError;
use cpc_support::{assert_noop, assert_ok};
use proptest::prelude::*;

type Market = Pallet<Test>;
type Balances = cpc_pallet_balances::Pallet<Test>;

const SELLER: u8 = 1;
const BUYER: u8 = 2;
const PROXY: u8 = 3;
const PRICE: Balance = 10_000;
const PROXY_FEE: u32 = 100;

fn call(c: Call, who: u8) -> DispatchResultWithPostInfo {
    Market::dispatch_call(c, RawOrigin::Signed(account(who)))
}

fn text<const N: u32>(s: &str) -> Text<N> {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn info(price: Balance) -> ProductInfo {
    ProductInfo {
        title: text("Air quality, Berlin, 2026"),
        description: text("PM2.5 and PM10 every minute from 40 sensors."),
        tags: BoundedVec::try_from_vec(vec![text("air"), text("berlin")]).unwrap(),
        category: text("environment"),
        price,
        content_hash: [7; 32],
        size: 1 << 20,
        location: StorageLocation::Node(text("http://127.0.0.1:8090")),
        license: text("CC-BY-4.0"),
        proxies: BoundedVec::try_from_vec(vec![account(PROXY), account(9)]).unwrap(),
    }
}

fn free(n: u8) -> Balance {
    Balances::free_balance(&account(n))
}

fn reserved(n: u8) -> Balance {
    Balances::reserved_balance(&account(n))
}

fn check() {
    Market::check_invariants().unwrap();
}

/// A seller with product 0, a proxy with a 10% fee, a buyer with a key.
fn setup() {
    assert_ok!(call(Call::publish { info: info(PRICE) }, SELLER));
    assert_ok!(call(
        Call::register_proxy {
            fee_per_mille: PROXY_FEE,
            bond: 500
        },
        PROXY
    ));
    assert_ok!(call(Call::set_encryption_key { key: [2; 32] }, BUYER));
}

fn buy(product: ProductId) -> DispatchResultWithPostInfo {
    call(
        Call::buy {
            product,
            proxy: account(PROXY),
            max_price: PRICE,
        },
        BUYER,
    )
}

fn deliver(order: OrderId, by: u8) -> DispatchResultWithPostInfo {
    call(
        Call::deliver {
            order,
            sealed_key: text("sealed content key"),
        },
        by,
    )
}

fn status(order: OrderId) -> OrderStatus {
    Orders::get(&order).unwrap().status
}

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
            b"sealed content key".to_vec()
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
        assert_eq!(take_reports(), vec![Report::Sale(account(SELLER), 1)]);
        check();
    });
}

#[test]
fn an_undelivered_order_is_refunded_once_at_its_deadline() {
    new_test_ext().execute_with(|| {
        setup();
        let buyer = free(BUYER);
        assert_ok!(buy(0));
        run_to_block(DELIVERY);
        assert_eq!(status(0), OrderStatus::Created);
        run_to_block(1 + DELIVERY);
        assert_eq!(status(0), OrderStatus::Refunded);
        assert_eq!(free(BUYER), buyer);
        assert_eq!(reserved(BUYER), 0);
        assert!(events().contains(&Event::Refunded {
            order: 0,
            amount: PRICE
        }));
        // Too late to deliver, and nothing more happens in later blocks.
        assert_noop!(deliver(0, PROXY), Error::WrongStatus);
        run_to_block(1 + DELIVERY + CONFIRMATION + 5);
        assert_eq!(free(BUYER), buyer);
        assert_eq!(Products::get(&0).unwrap().open_orders, 0);
        assert!(take_reports().is_empty());
        check();
    });
}

#[test]
fn an_unconfirmed_delivery_pays_the_seller_once_at_its_deadline() {
    new_test_ext().execute_with(|| {
        setup();
        let seller = free(SELLER);
        assert_ok!(buy(0));
        run_to_block(3);
        assert_ok!(deliver(0, SELLER));
        // The delivery deadline no longer waits in the queue; the confirmation one does.
        assert!(!DeadlineQueue::contains_key(&(1 + DELIVERY), &0));
        let deadline = 3 + CONFIRMATION;
        assert!(DeadlineQueue::contains_key(&deadline, &0));
        assert_eq!(
            Orders::get(&0).unwrap().confirmation_deadline,
            Some(deadline)
        );
        // The delivery deadline passing does not refund a delivered order.
        run_to_block(deadline - 1);
        assert_eq!(status(0), OrderStatus::Delivered);
        run_to_block(deadline);
        assert_eq!(status(0), OrderStatus::Completed);
        assert_eq!(free(SELLER), seller + 8_500);
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Completed {
                by_deadline: true,
                ..
            }
        )));
        assert_noop!(call(Call::confirm { order: 0 }, BUYER), Error::WrongStatus);
        run_to_block(deadline + 3);
        assert_eq!(free(SELLER), seller + 8_500);
        check();
    });
}

#[test]
fn disputes_are_ruled_once_by_the_proxy_or_root_with_defined_payouts() {
    new_test_ext().execute_with(|| {
        setup();
        let (seller, buyer, proxy) = (free(SELLER), free(BUYER), free(PROXY));
        assert_ok!(buy(0));
        assert_ok!(buy(0));
        for order in [0, 1] {
            assert_ok!(deliver(order, PROXY));
            assert_ok!(call(
                Call::dispute {
                    order,
                    reason: text("the data ends in March")
                },
                BUYER
            ));
            assert_eq!(status(order), OrderStatus::Disputed);
        }
        // A disputed order does not complete at its confirmation deadline.
        run_to_block(2 + CONFIRMATION);
        assert_eq!(status(0), OrderStatus::Disputed);
        assert_eq!(TotalEscrowed::get(), Some(2 * PRICE));

        let split_ruling = Call::resolve {
            order: 0,
            ruling: Ruling::Split {
                buyer_per_mille: 400,
            },
        };
        assert_noop!(call(split_ruling.clone(), SELLER), Error::NotArbiter);
        assert_noop!(call(split_ruling.clone(), BUYER), Error::NotArbiter);
        assert_ok!(call(split_ruling.clone(), PROXY));
        // 40% back to the buyer (4,000); 6,000 split: 300 protocol, 600 proxy, 5,100 seller.
        assert_eq!(free(BUYER), buyer - 2 * PRICE + 4_000);
        assert_eq!(free(SELLER), seller + 5_100);
        assert_eq!(free(PROXY), proxy + 600);
        assert_eq!(free(PROTOCOL), 300);
        assert_noop!(call(split_ruling, PROXY), Error::WrongStatus);

        assert_ok!(Market::dispatch_call(
            Call::resolve {
                order: 1,
                ruling: Ruling::RefundBuyer
            },
            RawOrigin::Root
        ));
        assert_eq!(free(BUYER), buyer - PRICE + 4_000);
        assert_eq!(free(SELLER), seller + 5_100);
        assert_eq!(status(1), OrderStatus::Resolved);
        // Only the split counted as a sale.
        assert_eq!(Products::get(&0).unwrap().sales, 1);
        assert_eq!(TotalEscrowed::get(), Some(0));
        // Only the split ruling counted as a sale.
        assert_eq!(take_reports(), vec![Report::Sale(account(SELLER), 1)]);
        assert_noop!(
            Market::dispatch_call(
                Call::resolve {
                    order: 1,
                    ruling: Ruling::PaySeller
                },
                RawOrigin::Root
            ),
            Error::WrongStatus
        );
        check();
    });
}

#[test]
fn ratings_are_one_to_five_once_per_side_after_settlement() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(buy(0));
        let rate = |who, rating, proxy_rating| {
            call(
                Call::rate {
                    order: 0,
                    rating,
                    proxy_rating,
                },
                who,
            )
        };
        assert_noop!(rate(BUYER, 5, None), Error::WrongStatus);
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        take_reports();
        assert_noop!(rate(BUYER, 0, None), Error::InvalidRating);
        assert_noop!(rate(BUYER, 6, None), Error::InvalidRating);
        assert_noop!(rate(BUYER, 4, Some(9)), Error::InvalidRating);
        assert_noop!(rate(PROXY, 4, None), Error::NotParty);
        assert_noop!(rate(7, 4, None), Error::NotParty);
        assert_ok!(rate(BUYER, 4, Some(5)));
        assert_noop!(rate(BUYER, 4, None), Error::AlreadyRated);
        assert_ok!(rate(SELLER, 3, Some(2)));
        assert_noop!(rate(SELLER, 3, None), Error::AlreadyRated);
        let product = Products::get(&0).unwrap();
        assert_eq!((product.rating_sum, product.ratings), (4, 1));
        let proxy = Proxies::get(&account(PROXY)).unwrap();
        assert_eq!((proxy.rating_sum, proxy.ratings), (7, 2));
        assert_eq!(
            take_reports(),
            vec![
                Report::ProxyRating(account(PROXY), 5),
                Report::ProxyRating(account(PROXY), 2)
            ]
        );
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
fn only_the_proxy_or_seller_delivers_a_nonempty_key_in_time() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(buy(0));
        assert_noop!(deliver(0, BUYER), Error::NotDeliverer);
        assert_noop!(deliver(0, 9), Error::NotDeliverer);
        assert_noop!(deliver(5, PROXY), Error::UnknownOrder);
        assert_noop!(
            call(
                Call::deliver {
                    order: 0,
                    sealed_key: BoundedVec::new()
                },
                PROXY
            ),
            Error::EmptyKey
        );
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
fn product_metadata_is_bounded_and_checked() {
    new_test_ext().execute_with(|| {
        // Oversized fields do not even decode: a call carrying them is rejected before
        // dispatch.
        let mut encoded = Call::publish { info: info(PRICE) }.encode();
        let long_title = vec![b'a'; MAX_TITLE_LEN as usize + 1];
        let at = 2; // call index, then the title's compact length
        encoded.splice(at.., {
            let mut rest = long_title.encode();
            rest.extend_from_slice(&info(PRICE).encode()[info(PRICE).title.encoded_size()..]);
            rest
        });
        assert!(Call::decode(&mut &encoded[1..]).is_err());

        let mut bad = info(PRICE);
        bad.title = BoundedVec::new();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.description = BoundedVec::try_from_vec(vec![0xff, 0xfe]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.tags = BoundedVec::try_from_vec(vec![BoundedVec::new()]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.location = StorageLocation::S3(BoundedVec::new());
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        // Prices below the existential deposit (10).
        assert_noop!(
            call(Call::publish { info: info(0) }, SELLER),
            Error::PriceTooLow
        );
        assert_noop!(
            call(Call::publish { info: info(ED - 1) }, SELLER),
            Error::PriceTooLow
        );

        let mut bad = info(PRICE);
        bad.size = 0;
        assert_noop!(call(Call::publish { info: bad }, SELLER), Error::ZeroSize);
        let mut bad = info(PRICE);
        bad.proxies = BoundedVec::new();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidProxies
        );
        let mut bad = info(PRICE);
        bad.proxies = BoundedVec::try_from_vec(vec![account(PROXY), account(PROXY)]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidProxies
        );
        // Account 50 has nothing to reserve a deposit from.
        assert_noop!(
            call(Call::publish { info: info(PRICE) }, 50),
            Error::InsufficientBalance
        );
    });
}

#[test]
fn listing_reserves_a_deposit_released_only_by_removing_a_settled_product() {
    new_test_ext().execute_with(|| {
        setup();
        let deposit = DEPOSIT_BASE + info(PRICE).encoded_size() as Balance * DEPOSIT_PER_BYTE;
        assert_eq!(Products::get(&0).unwrap().deposit, deposit);
        assert_eq!(reserved(SELLER), deposit);
        assert_ok!(buy(0));
        assert_noop!(
            call(Call::remove_product { product: 0 }, SELLER),
            Error::StillListed
        );
        assert_ok!(call(
            Call::set_listed {
                product: 0,
                listed: false
            },
            SELLER
        ));
        assert_noop!(
            call(Call::remove_product { product: 0 }, BUYER),
            Error::NotSeller
        );
        assert_noop!(
            call(Call::remove_product { product: 0 }, SELLER),
            Error::OpenOrders
        );
        // The open order still completes on a delisted product.
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        assert_ok!(call(Call::remove_product { product: 0 }, SELLER));
        assert_eq!(reserved(SELLER), 0);
        assert!(Products::get(&0).is_none());
        check();
    });
}

#[test]
fn proxies_bond_cap_their_fee_and_leave_only_without_open_orders() {
    new_test_ext().execute_with(|| {
        let register = |who, fee_per_mille, bond| {
            call(
                Call::register_proxy {
                    fee_per_mille,
                    bond,
                },
                who,
            )
        };
        assert_noop!(register(PROXY, 10, 499), Error::BondTooLow);
        assert_noop!(register(PROXY, 201, 500), Error::FeeTooHigh);
        assert_noop!(register(50, 10, 500), Error::InsufficientBalance);
        setup();
        assert_noop!(register(PROXY, 10, 500), Error::AlreadyProxy);
        assert_noop!(
            call(Call::set_proxy_fee { fee_per_mille: 300 }, PROXY),
            Error::FeeTooHigh
        );
        assert_ok!(buy(0));
        // A new fee applies to later orders only.
        assert_ok!(call(Call::set_proxy_fee { fee_per_mille: 0 }, PROXY));
        assert_eq!(Orders::get(&0).unwrap().proxy_fee_per_mille, PROXY_FEE);
        assert_noop!(call(Call::deregister_proxy, PROXY), Error::OpenOrders);
        run_to_block(1 + DELIVERY);
        assert_eq!(status(0), OrderStatus::Refunded);
        let free_before = free(PROXY);
        assert_ok!(call(Call::deregister_proxy, PROXY));
        assert_eq!(free(PROXY), free_before + 500);
        assert_noop!(call(Call::deregister_proxy, PROXY), Error::NotProxy);
        check();
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
        check();
    });
}

#[test]
fn deadlines_beyond_a_blocks_capacity_settle_in_the_next_blocks() {
    new_test_ext().execute_with(|| {
        setup();
        let buyer = free(BUYER);
        let n = MAX_SETTLEMENTS_PER_BLOCK + 6;
        for _ in 0..n {
            assert_ok!(buy(0));
        }
        run_to_block(1 + DELIVERY);
        let refunded = |count: u32| {
            (0..u64::from(n))
                .filter(|o| status(*o) == OrderStatus::Refunded)
                .count() as u32
                == count
        };
        assert!(refunded(MAX_SETTLEMENTS_PER_BLOCK));
        check();
        run_to_block(2 + DELIVERY);
        assert!(refunded(n));
        assert_eq!(free(BUYER), buyer);
        assert_eq!(TotalEscrowed::get(), Some(0));
        // Nothing left queued; the cursor follows the chain.
        assert_eq!(DeadlineQueue::iter_prefix(&(1 + DELIVERY)).count(), 0);
        assert_eq!(SettleCursor::get(), Some(3 + DELIVERY));
        check();
    });
}

#[test]
fn buyers_choose_among_the_proxies_the_seller_approved() {
    new_test_ext().execute_with(|| {
        setup();
        // Account 9 registers as a proxy; the seller approved 3 and 9. Account 10 is a proxy
        // the seller never approved: a buyer's sock puppet, say.
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 200,
                bond: 500
            },
            10
        ));
        let through = |proxy: u8| {
            call(
                Call::buy {
                    product: 0,
                    proxy: account(proxy),
                    max_price: PRICE,
                },
                BUYER,
            )
        };
        assert_noop!(through(10), Error::ProxyNotApproved);
        let proxies = |ids: Vec<u8>| {
            BoundedVec::try_from_vec(ids.into_iter().map(account).collect()).unwrap()
        };
        assert_noop!(
            call(
                Call::set_proxies {
                    product: 0,
                    proxies: proxies(vec![10])
                },
                BUYER
            ),
            Error::NotSeller
        );
        assert_noop!(
            call(
                Call::set_proxies {
                    product: 0,
                    proxies: proxies(vec![])
                },
                SELLER
            ),
            Error::InvalidProxies
        );
        assert_noop!(
            call(
                Call::set_proxies {
                    product: 0,
                    proxies: proxies(vec![10, 10])
                },
                SELLER
            ),
            Error::InvalidProxies
        );
        assert_ok!(call(
            Call::set_proxies {
                product: 0,
                proxies: proxies(vec![10])
            },
            SELLER
        ));
        assert_ok!(through(10));
        assert_noop!(through(PROXY), Error::ProxyNotApproved);
        check();
    });
}

#[test]
fn an_unruled_dispute_refunds_the_buyer_once_at_its_deadline() {
    new_test_ext().execute_with(|| {
        setup();
        let (seller, buyer) = (free(SELLER), free(BUYER));
        assert_ok!(buy(0));
        assert_ok!(deliver(0, PROXY));
        run_to_block(5);
        assert_ok!(call(
            Call::dispute {
                order: 0,
                reason: text("empty file")
            },
            BUYER
        ));
        assert_eq!(Orders::get(&0).unwrap().dispute_deadline, Some(5 + DISPUTE));
        // The confirmation deadline passes without paying the seller.
        run_to_block(5 + DISPUTE - 1);
        assert_eq!(status(0), OrderStatus::Disputed);
        run_to_block(5 + DISPUTE);
        assert_eq!(status(0), OrderStatus::Resolved);
        assert_eq!((free(SELLER), free(BUYER)), (seller, buyer));
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Resolved {
                ruling: Ruling::RefundBuyer,
                by: None,
                by_deadline: true,
                ..
            }
        )));
        run_to_block(5 + DISPUTE + 3);
        assert_eq!(free(BUYER), buyer);
        assert_eq!(Products::get(&0).unwrap().sales, 0);
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
fn fees_over_a_lowered_cap_are_capped_and_never_exceed_the_price() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 200,
                bond: 500
            },
            9
        ));
        let mut lowered = params();
        lowered.max_proxy_fee_per_mille = 50;
        lowered.protocol_fee_per_mille = 950;
        assert_ok!(Market::dispatch_call(
            Call::set_params { params: lowered },
            RawOrigin::Root
        ));
        assert_ok!(call(
            Call::buy {
                product: 0,
                proxy: account(9),
                max_price: PRICE
            },
            BUYER
        ));
        let order = Orders::get(&0).unwrap();
        assert_eq!(
            (order.proxy_fee_per_mille, order.protocol_fee_per_mille),
            (50, 950)
        );
        let (seller, proxy) = (free(SELLER), free(9));
        assert_ok!(deliver(0, 9));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        assert_eq!(free(9), proxy + 500);
        assert_eq!(free(PROTOCOL), 9_500);
        assert_eq!(free(SELLER), seller);
        check();
    });
}

#[test]
fn a_seller_acting_as_its_own_proxy_cannot_rate_itself() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 0,
                bond: 500
            },
            SELLER
        ));
        let me = BoundedVec::try_from_vec(vec![account(SELLER)]).unwrap();
        assert_ok!(call(
            Call::set_proxies {
                product: 0,
                proxies: me
            },
            SELLER
        ));
        assert_ok!(call(
            Call::buy {
                product: 0,
                proxy: account(SELLER),
                max_price: PRICE
            },
            BUYER
        ));
        assert_ok!(deliver(0, SELLER));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        take_reports();
        assert_noop!(
            call(
                Call::rate {
                    order: 0,
                    rating: 5,
                    proxy_rating: Some(5)
                },
                SELLER
            ),
            Error::SelfRating
        );
        assert_ok!(call(
            Call::rate {
                order: 0,
                rating: 5,
                proxy_rating: None
            },
            SELLER
        ));
        assert!(take_reports().is_empty());
    });
}

#[test]
fn parameters_are_validated() {
    new_test_ext().execute_with(|| {
        let set =
            |params: Params| Market::dispatch_call(Call::set_params { params }, RawOrigin::Root);
        let mut bad = params();
        bad.protocol_fee_per_mille = 900;
        assert_noop!(set(bad), Error::InvalidParams);
        let mut bad = params();
        bad.proxy_min_bond = 0;
        assert_noop!(set(bad), Error::InvalidParams);
        let mut bad = params();
        bad.delivery_period = 0;
        assert_noop!(set(bad), Error::InvalidParams);
        // Bonds and deposits below the existential deposit (10).
        let mut bad = params();
        bad.proxy_min_bond = ED - 1;
        assert_noop!(set(bad), Error::InvalidParams);
        let mut bad = params();
        bad.product_deposit_base = ED - 1;
        assert_noop!(set(bad), Error::InvalidParams);
        assert_noop!(
            call(Call::set_params { params: params() }, SELLER),
            DispatchError::BadOrigin
        );
        assert_ok!(set(params()));
    });
}

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
            for (seller, price) in [SELLER, PROXY, 8].into_iter().zip(prices) {
                assert_ok!(call(Call::publish { info: info(price) }, seller));
            }
            assert_ok!(call(Call::register_proxy { fee_per_mille: 37, bond: 500 }, PROXY));
            assert_ok!(call(Call::register_proxy { fee_per_mille: 200, bond: 500 }, 9));
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
                        Market::dispatch_call(Call::deliver { order: order(o), sealed_key: text("k") }, RawOrigin::Signed(by))
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

#[test]
fn content_cids_match_ipfs() {
    // `echo -n hello | ipfs add --cid-version 1 --raw-leaves`: the sha2-256 of "hello".
    let digest: [u8; 32] =
        hex_literal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_eq!(
        content_cid(&digest),
        "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
    );
}

fn hex_literal(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}
