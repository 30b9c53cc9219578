//! Proxies: bonds, fee caps, leaving, and the proxies a seller approves for a product.

use super::*;

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
