//! Deadlines: refunds and completions at their block, once, and overflow into the next
//! blocks when more fall due than a block settles.

use super::*;

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
