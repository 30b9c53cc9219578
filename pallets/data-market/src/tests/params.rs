//! Parameters: validation, and orders made after a cap is lowered.

use super::*;
use cpc_primitives::dispatch::DispatchError;

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
        assert_ok!(call(Call::set_accepts_all { accepts_all: true }, 9));
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
