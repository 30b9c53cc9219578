//! Unit tests of the balances pallet.

use crate::{mock::*, *};
use cpc_primitives::{dispatch::TokenError, transaction_validity::InvalidTransaction};
use cpc_support::{
    Dispatchable, assert_noop, assert_ok,
    traits::{OnChargeTransaction, ReservableCurrency},
};

type B = Pallet<Test>;

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

fn transfer(to: u8, value: Balance) -> RuntimeCall {
    RuntimeCall::Balances(Call::transfer {
        dest: account(to).into(),
        value,
    })
}

fn free(n: u8) -> Balance {
    B::free_balance(&account(n))
}

fn issuance_matches() {
    assert_eq!(B::try_state(0), Ok(()));
}

#[test]
fn transfer_moves_balance_and_creates_the_recipient() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_ok!(transfer(2, 30).dispatch(signed(1)));
        assert_eq!((free(1), free(2)), (70, 30));
        assert_eq!(B::total_issuance(), 100);
        assert_eq!(
            balance_events(),
            vec![
                Event::Endowed {
                    account: account(2),
                    free_balance: 30
                },
                Event::Transfer {
                    from: account(1),
                    to: account(2),
                    amount: 30
                },
            ]
        );
        assert!(
            system_events().contains(&cpc_pallet_system::Event::NewAccount {
                account: account(2)
            })
        );
        issuance_matches();
    });
}

#[test]
fn a_new_account_needs_the_existential_deposit() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_noop!(
            transfer(2, ED - 1).dispatch(signed(1)),
            Error::ExistentialDeposit
        );
        assert_ok!(transfer(2, ED).dispatch(signed(1)));
    });
}

#[test]
fn insufficient_balance_changes_nothing() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_noop!(
            transfer(2, 101).dispatch(signed(1)),
            Error::InsufficientBalance
        );
    });
}

#[test]
fn leaving_dust_removes_the_sender_and_burns_the_dust() {
    new_test_ext(&[(1, 100), (2, 50)]).execute_with(|| {
        assert_ok!(transfer(2, 95).dispatch(signed(1)));
        assert_eq!(free(1), 0);
        assert!(!cpc_pallet_system::Account::contains_key(&account(1)));
        assert_eq!(B::total_issuance(), 145, "5 of dust burned");
        assert!(balance_events().contains(&Event::DustLost {
            account: account(1),
            amount: 5
        }));
        assert!(
            system_events().contains(&cpc_pallet_system::Event::KilledAccount {
                account: account(1)
            })
        );
        issuance_matches();
    });
}

#[test]
fn keep_alive_refuses_to_remove_the_sender() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        let call = RuntimeCall::Balances(Call::transfer_keep_alive {
            dest: account(2).into(),
            value: 95,
        });
        assert_noop!(call.dispatch(signed(1)), Error::Expendability);
        let all = RuntimeCall::Balances(Call::transfer_keep_alive {
            dest: account(2).into(),
            value: 100,
        });
        assert_noop!(all.dispatch(signed(1)), Error::Expendability);
        let ok = RuntimeCall::Balances(Call::transfer_keep_alive {
            dest: account(2).into(),
            value: 90,
        });
        assert_ok!(ok.dispatch(signed(1)));
        assert_eq!(free(1), ED);
    });
}

#[test]
fn transfer_all_respects_keep_alive() {
    new_test_ext(&[(1, 100), (3, 100)]).execute_with(|| {
        let keep = RuntimeCall::Balances(Call::transfer_all {
            dest: account(2).into(),
            keep_alive: true,
        });
        assert_ok!(keep.dispatch(signed(1)));
        assert_eq!((free(1), free(2)), (ED, 100 - ED));
        let all = RuntimeCall::Balances(Call::transfer_all {
            dest: account(2).into(),
            keep_alive: false,
        });
        assert_ok!(all.dispatch(signed(3)));
        assert_eq!((free(3), free(2)), (0, 190));
        assert!(!cpc_pallet_system::Account::contains_key(&account(3)));
        issuance_matches();
    });
}

#[test]
fn locks_freeze_funds_and_keep_the_account_alive() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_ok!(B::set_lock(*b"staking ", &account(1), 60));
        assert_ok!(B::set_lock(*b"voting  ", &account(1), 30));
        assert_eq!(B::account(&account(1)).frozen, 60);
        assert_noop!(
            transfer(2, 41).dispatch(signed(1)),
            Error::LiquidityRestrictions
        );
        assert_ok!(transfer(2, 40).dispatch(signed(1)));
        // With a lock the account cannot be removed, even if the lock would allow it.
        B::set_lock(*b"staking ", &account(1), 0).unwrap();
        B::set_lock(*b"voting  ", &account(1), 0).unwrap();
        assert_noop!(
            transfer(2, 60).dispatch(signed(1)),
            DispatchError::ConsumerRemaining
        );
        B::remove_lock(*b"staking ", &account(1));
        B::remove_lock(*b"voting  ", &account(1));
        assert_eq!(
            cpc_pallet_system::Account::get(&account(1))
                .unwrap()
                .consumers,
            0
        );
        assert_ok!(transfer(2, 60).dispatch(signed(1)));
        issuance_matches();
    });
}

#[test]
fn too_many_locks_are_refused() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        for i in 0..MAX_LOCKS {
            let mut id = [0u8; 8];
            id[..4].copy_from_slice(&i.to_le_bytes());
            assert_ok!(B::set_lock(id, &account(1), 1));
        }
        assert_noop!(
            B::set_lock(*b"one more", &account(1), 1),
            Error::TooManyLocks
        );
    });
}

#[test]
fn locks_need_an_existing_account() {
    new_test_ext(&[]).execute_with(|| {
        assert_noop!(
            B::set_lock(*b"staking ", &account(9), 1),
            DispatchError::NoProviders
        );
    });
}

#[test]
fn reserves_hold_funds_and_can_be_repatriated_or_slashed() {
    new_test_ext(&[(1, 100), (2, 100)]).execute_with(|| {
        assert_ok!(B::reserve(&account(1), 40));
        assert_eq!((free(1), B::reserved_balance(&account(1))), (60, 40));
        assert_noop!(B::reserve(&account(1), 61), Error::InsufficientBalance);
        assert_eq!(B::repatriate_reserved(&account(1), &account(2), 15), Ok(15));
        assert_eq!((free(2), B::reserved_balance(&account(1))), (115, 25));
        assert_eq!(B::slash_reserved(&account(1), 5), 5);
        assert_eq!(B::total_issuance(), 195);
        assert_eq!(B::unreserve(&account(1), 100), 80, "only 20 was reserved");
        assert_eq!((free(1), B::reserved_balance(&account(1))), (80, 0));
        issuance_matches();
    });
}

#[test]
fn repatriating_to_a_new_account_needs_the_existential_deposit() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_ok!(B::reserve(&account(1), 40));
        assert_noop!(
            B::repatriate_reserved(&account(1), &account(7), ED - 1),
            Error::ExistentialDeposit
        );
        assert_eq!(B::repatriate_reserved(&account(1), &account(7), ED), Ok(ED));
        issuance_matches();
    });
}

#[test]
fn root_calls_refuse_other_origins() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        let set = RuntimeCall::Balances(Call::force_set_balance {
            who: account(1).into(),
            new_free: 1_000,
        });
        assert_noop!(set.clone().dispatch(signed(1)), DispatchError::BadOrigin);
        assert_ok!(set.dispatch(RawOrigin::Root));
        assert_eq!((free(1), B::total_issuance()), (1_000, 1_000));
        let force = RuntimeCall::Balances(Call::force_transfer {
            source: account(1).into(),
            dest: account(2).into(),
            value: 500,
        });
        assert_noop!(force.clone().dispatch(signed(1)), DispatchError::BadOrigin);
        assert_ok!(force.dispatch(RawOrigin::Root));
        // Setting a balance below the deposit removes the account.
        let shrink = RuntimeCall::Balances(Call::force_set_balance {
            who: account(2).into(),
            new_free: 3,
        });
        assert_ok!(shrink.dispatch(RawOrigin::Root));
        assert!(!cpc_pallet_system::Account::contains_key(&account(2)));
        assert_eq!(B::total_issuance(), 500);
        issuance_matches();
    });
}

#[test]
fn addresses_that_name_no_account_are_refused() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        let call = RuntimeCall::Balances(Call::transfer {
            dest: MultiAddress::Raw(vec![1, 2]),
            value: 20,
        });
        assert_noop!(call.dispatch(signed(1)), DispatchError::CannotLookup);
    });
}

#[test]
fn errors_carry_the_runtime_pallet_index() {
    let error: DispatchError = Error::InsufficientBalance.into();
    let resolved = <Test as cpc_support::PalletIndex>::resolve(error);
    let DispatchError::Module(m) = resolved else {
        panic!("a module error")
    };
    assert_eq!(
        (m.index, m.error[0], m.message),
        (5, 2, Some("InsufficientBalance"))
    );
}

#[test]
fn fees_follow_the_documented_formula() {
    let info = DispatchInfo {
        weight: Weight::from_ref_time(5_000),
        class: DispatchClass::Normal,
        pays_fee: Pays::Yes,
    };
    // base 2 + 100 bytes * 1 + 5_000 / 1_000.
    assert_eq!(B::compute_fee(100, &info), 2 + 100 + 5);
    assert_eq!(
        B::compute_fee(
            100,
            &DispatchInfo {
                pays_fee: Pays::No,
                ..info
            }
        ),
        0
    );
}

#[test]
fn fees_are_withdrawn_refunded_and_burned() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        assert_ok!(<B as OnChargeTransaction>::withdraw_fee(&account(1), 20, 5));
        assert_eq!((free(1), B::total_issuance()), (75, 75));
        <B as OnChargeTransaction>::correct_and_deposit_fee(&account(1), 20, 12, 5);
        assert_eq!((free(1), B::total_issuance()), (83, 83));
        assert!(balance_events().contains(&Event::TransactionFeePaid {
            who: account(1),
            actual_fee: 17,
            tip: 5
        }));
        issuance_matches();
    });
}

#[test]
fn fees_cannot_remove_the_payer_or_touch_frozen_funds() {
    new_test_ext(&[(1, 100)]).execute_with(|| {
        let payment = Err(TransactionValidityError::Invalid(
            InvalidTransaction::Payment,
        ));
        assert_eq!(
            <B as OnChargeTransaction>::withdraw_fee(&account(1), 91, 0),
            payment
        );
        assert_eq!(
            <B as OnChargeTransaction>::withdraw_fee(&account(2), 1, 0),
            payment
        );
        B::set_lock(*b"staking ", &account(1), 80).unwrap();
        assert_eq!(
            <B as OnChargeTransaction>::withdraw_fee(&account(1), 21, 0),
            payment
        );
        assert_eq!(free(1), 100);
    });
}

#[test]
fn genesis_refuses_bad_configurations() {
    let below = GenesisConfig {
        balances: vec![(account(1), ED - 1)],
    };
    let twice = GenesisConfig {
        balances: vec![(account(1), ED), (account(1), ED)],
    };
    let mut ext = cpc_state_machine::TestExternalities::default();
    ext.execute_with(|| {
        assert!(
            B::build_genesis(&below)
                .unwrap_err()
                .contains("existential deposit")
        );
        assert!(B::build_genesis(&twice).unwrap_err().contains("twice"));
    });
}

#[test]
fn token_errors_are_not_used_for_our_failures() {
    // Our errors are pallet errors (with names in metadata), not the generic token errors.
    let e: DispatchError = Error::InsufficientBalance.into();
    assert_ne!(e, DispatchError::Token(TokenError::FundsUnavailable));
}

use cpc_primitives::{transaction_validity::TransactionValidityError, weight::Weight};

#[test]
fn reserved_funds_are_never_dust() {
    // Account 1 holds only reserves (40 and 3, as two escrows would): paying out the first
    // leaves 3 reserved, below the existential deposit, and it must stay, not burn.
    new_test_ext(&[(1, 100), (2, 50)]).execute_with(|| {
        assert_ok!(B::reserve(&account(1), 43));
        assert_ok!(transfer(2, 57).dispatch(signed(1)));
        assert_eq!((free(1), B::reserved_balance(&account(1))), (0, 43));
        assert_eq!(B::repatriate_reserved(&account(1), &account(2), 40), Ok(40));
        assert_eq!(B::reserved_balance(&account(1)), 3);
        assert!(cpc_pallet_system::Account::contains_key(&account(1)));
        assert_eq!(B::total_issuance(), 150, "nothing burned");
        issuance_matches();
        // Paying out the rest empties and removes the account, burning nothing.
        assert_eq!(B::repatriate_reserved(&account(1), &account(2), 3), Ok(3));
        assert!(!cpc_pallet_system::Account::contains_key(&account(1)));
        assert_eq!(free(2), 50 + 57 + 43);
        assert_eq!(B::total_issuance(), 150);
        issuance_matches();
    });
}
