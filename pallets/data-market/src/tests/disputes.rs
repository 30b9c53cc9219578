//! Disputes: rulings by the proxy or root, and the refund of a dispute nobody rules.

use super::*;

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
        // The rulings are kept beside the orders (a gateway reads whether the buyer paid).
        assert_eq!(
            Rulings::get(&0),
            Some(Ruling::Split {
                buyer_per_mille: 400
            })
        );
        assert_eq!(Rulings::get(&1), Some(Ruling::RefundBuyer));
        // Only the split counted as a sale.
        assert_eq!(Products::get(&0).unwrap().sales, 1);
        assert_eq!(TotalEscrowed::get(), Some(0));
        // Only the split ruling counted as a sale, at the protocol's share of the 60% sold.
        assert_eq!(take_reports(), vec![Report::Sale(account(SELLER), 300)]);
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
