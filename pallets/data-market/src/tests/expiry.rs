//! Expiry: a closed order is removed with its index entries and ruling `ORDER_RETENTION`
//! blocks after it closed, never while open, and at most `MAX_EXPIRIES_PER_BLOCK` a block.

use super::*;

fn indexed(order: OrderId) -> usize {
    [BUYER, SELLER, PROXY]
        .iter()
        .filter(|who| OrdersOf::contains_key(&account(**who), &order))
        .count()
}

#[test]
fn a_closed_order_expires_after_the_retention_and_an_open_one_never() {
    new_test_ext().execute_with(|| {
        setup();
        assert_ok!(buy(0));
        assert_ok!(buy(0));
        // Order 0 completes at block 1; order 1 is disputed and ruled at block 3.
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        assert_ok!(deliver(1, PROXY));
        assert_ok!(call(
            Call::dispute {
                order: 1,
                reason: text("wrong")
            },
            BUYER
        ));
        run_to_block(3);
        assert_ok!(call(
            Call::resolve {
                order: 1,
                ruling: Ruling::PaySeller
            },
            PROXY
        ));
        assert_eq!((indexed(0), indexed(1)), (3, 3));

        run_to_block(RETENTION);
        // Order 2 is bought now and stays open (undelivered) past the others' expiry.
        assert_ok!(buy(0));
        let reserved_before = reserved(BUYER);
        assert!(Orders::get(&0).is_some(), "kept through its retention");
        assert!(ProtocolPaid::get(&0).is_some());
        run_to_block(1 + RETENTION);
        assert_eq!(Orders::get(&0), None);
        assert_eq!(ProtocolPaid::get(&0), None);
        assert_eq!(indexed(0), 0);
        assert!(events().contains(&Event::OrderExpired { order: 0 }));
        assert!(Orders::get(&1).is_some());

        run_to_block(3 + RETENTION);
        assert_eq!(Orders::get(&1), None);
        assert_eq!((indexed(1), Rulings::get(&1)), (0, None));
        // The open order stays, with its escrow, however long it takes.
        assert_eq!(status(2), OrderStatus::Created);
        assert_eq!(indexed(2), 3);
        assert_eq!(reserved(BUYER), reserved_before);
        // Nothing of an expired order is left to act on.
        assert_noop!(call(Call::confirm { order: 0 }, BUYER), Error::UnknownOrder);
        check();
    });
}

#[test]
fn expiries_past_the_per_block_cap_wait_for_the_next_block() {
    new_test_ext().execute_with(|| {
        setup();
        let count = MAX_EXPIRIES_PER_BLOCK + 6;
        for order in 0..u64::from(count) {
            assert_ok!(buy(0));
            assert_ok!(deliver(order, PROXY));
            assert_ok!(call(Call::confirm { order }, BUYER));
        }
        run_to_block(1 + RETENTION);
        let left = Orders::iter().count();
        assert_eq!(
            left, 6,
            "{MAX_EXPIRIES_PER_BLOCK} expired, the rest next block"
        );
        run_to_block(2 + RETENTION);
        assert_eq!(Orders::iter().count(), 0);
        assert_eq!(
            Market::orders_page(&account(BUYER), false, None, 100),
            (vec![], None)
        );
        check();
    });
}
