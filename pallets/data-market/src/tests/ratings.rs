//! Ratings: once per side after settlement, and never of oneself as proxy.

use super::*;

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
                // Each carries half the protocol's 500 of the sale.
                Report::ProxyRating(account(PROXY), 5, 250),
                Report::ProxyRating(account(PROXY), 2, 250)
            ]
        );
    });
}
