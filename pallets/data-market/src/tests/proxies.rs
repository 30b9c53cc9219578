//! Proxies: bonds, fee caps, leaving, the proxies a seller approves for a product, and the
//! products each proxy agrees to serve.

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
        assert_noop!(through(10), Error::ProxyNotAccepted);
        assert_ok!(call(
            Call::accept_product {
                product: 0,
                accepted: true
            },
            10
        ));
        assert_ok!(through(10));
        assert_noop!(through(PROXY), Error::ProxyNotApproved);
        check();
    });
}

#[test]
fn a_proxy_serves_only_the_products_it_accepted() {
    new_test_ext().execute_with(|| {
        setup();
        // Account 9 is listed by the seller but has not agreed to serve the product: a seller
        // naming any registered proxy cannot send it orders (or bind its bond).
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 20,
                bond: 500
            },
            9
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
        assert_noop!(through(9), Error::ProxyNotAccepted);
        let accept = |accepted: bool, by: u8| {
            call(
                Call::accept_product {
                    product: 0,
                    accepted,
                },
                by,
            )
        };
        // Only a registered proxy the product lists may accept it.
        assert_noop!(accept(true, BUYER), Error::NotProxy);
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 20,
                bond: 500
            },
            10
        ));
        assert_noop!(accept(true, 10), Error::ProxyNotApproved);
        assert_noop!(
            call(
                Call::accept_product {
                    product: 7,
                    accepted: true
                },
                9
            ),
            Error::UnknownProduct
        );

        assert_ok!(accept(true, 9));
        assert!(Acceptances::contains_key(&0, &account(9)));
        assert_ok!(through(9));
        // Withdrawn: later orders refused, the open one stays.
        assert_ok!(accept(false, 9));
        assert_noop!(through(9), Error::ProxyNotAccepted);
        assert_eq!(Proxies::get(&account(9)).unwrap().open_orders, 1);

        // A proxy the seller drops loses its acceptance with it.
        assert_ok!(accept(true, 9));
        let proxies = |ids: Vec<u8>| {
            BoundedVec::try_from_vec(ids.into_iter().map(account).collect()).unwrap()
        };
        assert_ok!(call(
            Call::set_proxies {
                product: 0,
                proxies: proxies(vec![PROXY])
            },
            SELLER
        ));
        assert!(!Acceptances::contains_key(&0, &account(9)));

        // "Every product listing me" ends with the proxy's registration.
        assert!(AcceptsAll::contains_key(&account(PROXY)));
        assert_ok!(call(Call::set_accepts_all { accepts_all: false }, PROXY));
        assert_noop!(through(PROXY), Error::ProxyNotAccepted);
        assert_noop!(
            call(Call::set_accepts_all { accepts_all: true }, BUYER),
            Error::NotProxy
        );
        check();
    });
}

#[test]
fn a_seller_is_never_its_own_products_proxy() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 20,
                bond: 500
            },
            SELLER
        ));
        let mut own = info(PRICE);
        own.proxies = BoundedVec::try_from_vec(vec![account(SELLER)]).unwrap();
        assert_noop!(
            call(Call::publish { info: own.clone() }, SELLER),
            Error::SellerIsProxy
        );
        assert_noop!(
            call(
                Call::set_proxies {
                    product: 0,
                    proxies: own.proxies.clone()
                },
                SELLER
            ),
            Error::SellerIsProxy
        );
        // Another account may list it as a proxy: it is only never its own.
        assert_ok!(call(Call::publish { info: own }, 4));
        check();
    });
}

#[test]
fn removing_a_product_removes_its_acceptances() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(call(
            Call::register_proxy {
                fee_per_mille: 20,
                bond: 500
            },
            9
        ));
        assert_ok!(call(
            Call::accept_product {
                product: 0,
                accepted: true
            },
            9
        ));
        assert_ok!(call(
            Call::set_listed {
                product: 0,
                listed: false
            },
            SELLER
        ));
        assert_ok!(call(Call::remove_product { product: 0 }, SELLER));
        assert!(!Acceptances::contains_key(&0, &account(9)));
        // And deregistering clears "every product".
        assert_ok!(call(Call::deregister_proxy, PROXY));
        assert!(!AcceptsAll::contains_key(&account(PROXY)));
    });
}
