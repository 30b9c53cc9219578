//! Unit tests of the governance pallet.

use crate::{mock::*, *};
use cpc_pallet_system::Call as SystemCall;
use cpc_support::{assert_noop, assert_ok};
use proptest::prelude::*;

type G = Pallet<Test>;

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

/// A root-only call that leaves a visible mark: storage `key` set to `b"v"`.
fn set_key(key: &[u8]) -> RuntimeCall {
    RuntimeCall::System(SystemCall::set_storage {
        items: vec![(key.to_vec(), b"v".to_vec())],
    })
}

fn governance(call: Call<Test>) -> RuntimeCall {
    RuntimeCall::Governance(call)
}

fn propose(call: RuntimeCall) -> RuntimeCall {
    governance(Call::propose {
        call: Box::new(call),
    })
}

fn vote(index: u32, approve: bool) -> RuntimeCall {
    governance(Call::vote { index, approve })
}

fn is_set(key: &[u8]) -> bool {
    cpc_io::storage::get(key).is_some()
}

fn consistent() {
    assert_eq!(G::try_state(0), Ok(()));
}

#[test]
fn sudo_dispatches_as_root() {
    new_test_ext(Some(1), &[], 0).execute_with(|| {
        assert_ok!(
            governance(Call::sudo {
                call: Box::new(set_key(b"k"))
            })
            .dispatch(signed(1))
        );
        assert!(is_set(b"k"));
        assert_eq!(events(), vec![Event::Sudid { result: Ok(()) }]);
    });
}

#[test]
fn only_the_sudo_key_may_sudo() {
    new_test_ext(Some(1), &[], 0).execute_with(|| {
        let sudo = governance(Call::sudo {
            call: Box::new(set_key(b"k")),
        });
        assert_noop!(sudo.clone().dispatch(signed(2)), Error::NotSudo);
        assert_noop!(
            sudo.clone().dispatch(RawOrigin::None),
            DispatchError::BadOrigin
        );
        // The inner call is root-only, so calling it directly is refused too.
        assert_noop!(set_key(b"k").dispatch(signed(1)), DispatchError::BadOrigin);
    });
    new_test_ext(None, &[], 0).execute_with(|| {
        assert_noop!(
            governance(Call::sudo {
                call: Box::new(set_key(b"k"))
            })
            .dispatch(signed(1)),
            Error::NoSudoKey
        );
    });
}

#[test]
fn a_failing_sudo_call_is_reported_and_rolled_back() {
    new_test_ext(Some(1), &[], 0).execute_with(|| {
        let inner = RuntimeCall::System(SystemCall::set_code {
            code: b"garbage".to_vec(),
        });
        assert_ok!(
            governance(Call::sudo {
                call: Box::new(inner)
            })
            .dispatch(signed(1))
        );
        assert_eq!(
            events(),
            vec![Event::Sudid {
                result: Err(<Test as cpc_support::PalletIndex>::resolve(
                    cpc_pallet_system::Error::InvalidWasm.into()
                ))
            }]
        );
        assert_eq!(
            cpc_io::storage::get(cpc_primitives::storage::well_known_keys::CODE),
            None
        );
    });
}

#[test]
fn the_sudo_key_can_be_handed_over_and_removed() {
    new_test_ext(Some(1), &[], 0).execute_with(|| {
        assert_ok!(
            governance(Call::set_sudo_key {
                new: account(2).into()
            })
            .dispatch(signed(1))
        );
        assert_eq!(SudoKey::get(), Some(account(2)));
        assert_noop!(
            governance(Call::remove_sudo_key).dispatch(signed(1)),
            Error::NotSudo
        );
        assert_ok!(governance(Call::remove_sudo_key).dispatch(signed(2)));
        assert_eq!(SudoKey::get(), None);
        assert_eq!(
            events(),
            vec![
                Event::KeyChanged {
                    old: Some(account(1)),
                    new: Some(account(2))
                },
                Event::KeyChanged {
                    old: Some(account(2)),
                    new: None
                },
            ]
        );
        assert_noop!(
            governance(Call::set_sudo_key {
                new: account(2).into()
            })
            .dispatch(signed(2)),
            Error::NoSudoKey
        );
    });
}

#[test]
fn an_approved_proposal_is_enacted_after_the_delay() {
    new_test_ext(None, &[1, 2, 3], 2).execute_with(|| {
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        let call_hash = H256(cpc_io::hashing::blake2_256(&set_key(b"k").encode()));
        assert_eq!(
            events(),
            vec![Event::Proposed {
                index: 0,
                proposer: account(1),
                call_hash,
                end: 1 + PERIOD
            }]
        );
        assert_noop!(vote(0, true).dispatch(signed(1)), Error::DuplicateVote);
        assert_ok!(vote(0, true).dispatch(signed(2)));
        assert_eq!(
            Proposals::get(&0).map(|p| p.status),
            Some(ProposalStatus::Approved(1 + DELAY))
        );
        assert!(events().contains(&Event::Approved {
            index: 0,
            enact_at: 1 + DELAY
        }));
        assert_noop!(vote(0, false).dispatch(signed(3)), Error::AlreadyApproved);
        consistent();

        run_to_block(2);
        assert!(!is_set(b"k"), "enacted before the delay");
        run_to_block(3);
        assert!(is_set(b"k"));
        assert_eq!(
            events(),
            vec![Event::Executed {
                index: 0,
                result: Ok(())
            }]
        );
        assert_eq!(Proposals::get(&0), None);
        assert_eq!(ProposalCalls::get(&0), None);
        assert_eq!(ActiveProposals::get_or_default(), 0);
        consistent();
    });
}

#[test]
fn a_threshold_of_one_approves_on_proposal() {
    new_test_ext(None, &[1], 1).execute_with(|| {
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        assert_eq!(
            Proposals::get(&0).map(|p| p.status),
            Some(ProposalStatus::Approved(1 + DELAY))
        );
        consistent();
        run_to_block(1 + DELAY);
        assert!(is_set(b"k"));
    });
}

#[test]
fn only_members_propose_and_vote() {
    new_test_ext(Some(9), &[1, 2, 3], 2).execute_with(|| {
        assert_noop!(propose(set_key(b"k")).dispatch(signed(9)), Error::NotMember);
        assert_noop!(
            propose(set_key(b"k")).dispatch(RawOrigin::Root),
            DispatchError::BadOrigin
        );
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        assert_noop!(vote(0, true).dispatch(signed(9)), Error::NotMember);
        assert_noop!(vote(7, true).dispatch(signed(2)), Error::ProposalMissing);
    });
}

#[test]
fn enough_nays_reject_a_proposal() {
    new_test_ext(None, &[1, 2, 3, 4], 3).execute_with(|| {
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        assert_ok!(vote(0, true).dispatch(signed(2)));
        // A member may change their vote; one nay of four with threshold three is not enough.
        assert_ok!(vote(0, false).dispatch(signed(2)));
        assert_eq!(
            Proposals::get(&0).map(|p| (p.ayes.len(), p.nays.len())),
            Some((1, 1))
        );
        assert!(events().contains(&Event::Voted {
            index: 0,
            who: account(2),
            approve: false,
            ayes: 1,
            nays: 1
        }));
        // Two nays leave too few members to reach three ayes.
        assert_ok!(vote(0, false).dispatch(signed(3)));
        assert!(events().contains(&Event::Rejected { index: 0 }));
        assert_eq!(Proposals::get(&0), None);
        consistent();
        run_to_block(1 + DELAY);
        assert!(!is_set(b"k"));
    });
}

#[test]
fn proposers_cancel_while_voting_and_root_until_enactment() {
    new_test_ext(None, &[1, 2, 3], 2).execute_with(|| {
        assert_ok!(propose(set_key(b"a")).dispatch(signed(1)));
        let cancel = |index| governance(Call::cancel { index });
        assert_noop!(cancel(0).dispatch(signed(2)), Error::NotProposer);
        assert_ok!(cancel(0).dispatch(signed(1)));
        assert_eq!(Proposals::get(&0), None);

        assert_ok!(propose(set_key(b"b")).dispatch(signed(1)));
        assert_ok!(vote(1, true).dispatch(signed(2)));
        assert_noop!(cancel(1).dispatch(signed(1)), Error::AlreadyApproved);
        assert_ok!(cancel(1).dispatch(RawOrigin::Root));
        assert!(events().contains(&Event::Cancelled { index: 1 }));
        assert_eq!(Agenda::get(&(1 + DELAY)).map(|a| a.len()), Some(0));
        consistent();
        run_to_block(1 + DELAY);
        assert!(!is_set(b"b"));
        assert_eq!(events(), vec![]);
        assert_noop!(cancel(1).dispatch(RawOrigin::Root), Error::ProposalMissing);
    });
}

#[test]
fn anyone_closes_a_proposal_after_its_voting_period() {
    new_test_ext(None, &[1, 2, 3], 3).execute_with(|| {
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        let close = governance(Call::close { index: 0 });
        assert_noop!(close.clone().dispatch(signed(9)), Error::VotingOpen);
        run_to_block(1 + PERIOD);
        assert_ok!(vote(0, true).dispatch(signed(2)));
        run_to_block(2 + PERIOD);
        assert_noop!(vote(0, true).dispatch(signed(3)), Error::VotingClosed);
        assert_ok!(close.dispatch(signed(9)));
        assert_eq!(events(), vec![Event::Closed { index: 0 }]);
        assert_eq!(ActiveProposals::get_or_default(), 0);
        consistent();
    });
}

#[test]
fn root_sets_the_council() {
    new_test_ext(None, &[1, 2, 3], 2).execute_with(|| {
        let set = |members: &[u8], threshold| {
            governance(Call::set_members {
                members: members.iter().copied().map(account).collect(),
                threshold,
            })
        };
        assert_noop!(
            set(&[4, 5], 1).dispatch(signed(1)),
            DispatchError::BadOrigin
        );
        assert_noop!(
            set(&[4, 4], 1).dispatch(RawOrigin::Root),
            Error::DuplicateMember
        );
        assert_noop!(
            set(&[4, 5], 3).dispatch(RawOrigin::Root),
            Error::InvalidThreshold
        );
        let too_many: Vec<u8> = (0..=MAX_MEMBERS as u8).collect();
        assert_noop!(
            set(&too_many, 1).dispatch(RawOrigin::Root),
            Error::TooManyMembers
        );
        // Zero means a simple majority.
        assert_ok!(set(&[4, 5, 6, 7], 0).dispatch(RawOrigin::Root));
        assert_eq!(Threshold::get(), Some(3));
        assert_eq!(Members::get_or_default().len(), 4);
        assert_noop!(propose(set_key(b"k")).dispatch(signed(1)), Error::NotMember);
        consistent();
    });
}

#[test]
fn council_changes_can_come_through_the_council() {
    new_test_ext(None, &[1, 2], 2).execute_with(|| {
        let add = governance(Call::set_members {
            members: vec![account(1), account(2), account(3)],
            threshold: 2,
        });
        assert_ok!(propose(add).dispatch(signed(1)));
        assert_ok!(vote(0, true).dispatch(signed(2)));
        run_to_block(1 + DELAY);
        assert_eq!(Members::get_or_default().len(), 3);
    });
}

#[test]
fn oversized_and_excess_proposals_are_refused() {
    new_test_ext(None, &[1, 2], 2).execute_with(|| {
        let big = RuntimeCall::System(SystemCall::set_storage {
            items: vec![(b"k".to_vec(), vec![0; MAX_SIZE as usize])],
        });
        assert_noop!(propose(big).dispatch(signed(1)), Error::ProposalTooLarge);
        for i in 0..MAX_PROPOSALS {
            assert_ok!(propose(set_key(&i.to_le_bytes())).dispatch(signed(1)));
        }
        assert_noop!(
            propose(set_key(b"k")).dispatch(signed(1)),
            Error::TooManyProposals
        );
        consistent();
    });
}

#[test]
fn a_call_that_no_longer_decodes_is_reported_not_dispatched() {
    new_test_ext(None, &[1, 2], 2).execute_with(|| {
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        assert_ok!(vote(0, true).dispatch(signed(2)));
        // As if an upgrade removed the call between approval and enactment.
        ProposalCalls::insert(&0, &vec![0xff, 0xff]);
        run_to_block(1 + DELAY);
        // The message is not part of the encoding (as in Substrate); the kind of error is.
        assert!(matches!(
            events().as_slice(),
            [Event::Executed {
                index: 0,
                result: Err(DispatchError::Other(_))
            }]
        ));
        assert!(!is_set(b"k"));
        consistent();
    });
}

#[test]
fn a_failing_enacted_call_is_reported_and_rolled_back() {
    new_test_ext(None, &[1], 1).execute_with(|| {
        let bad = RuntimeCall::System(SystemCall::set_code {
            code: b"garbage".to_vec(),
        });
        assert_ok!(propose(bad).dispatch(signed(1)));
        run_to_block(1 + DELAY);
        assert!(matches!(
            events().as_slice(),
            [Event::Executed {
                index: 0,
                result: Err(_)
            }]
        ));
        consistent();
    });
}

#[test]
fn genesis_refuses_an_invalid_council() {
    let config = RuntimeGenesisConfig {
        governance: GenesisConfig {
            sudo_key: None,
            members: vec![account(1)],
            threshold: 2,
        },
        ..Default::default()
    };
    let mut ext = cpc_state_machine::TestExternalities::default();
    let error = ext.execute_with(|| config.build()).unwrap_err();
    assert!(error.contains("council"), "{error}");
}

#[derive(Clone, Debug)]
enum Op {
    Propose(u8),
    Vote(u8, u32, bool),
    Cancel(u8, u32),
    Close(u8, u32),
    Next,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..5).prop_map(Op::Propose),
        (0u8..5, 0u32..8, any::<bool>()).prop_map(|(w, i, a)| Op::Vote(w, i, a)),
        (0u8..5, 0u32..8).prop_map(|(w, i)| Op::Cancel(w, i)),
        (0u8..5, 0u32..8).prop_map(|(w, i)| Op::Close(w, i)),
        Just(Op::Next),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever members do, the proposal count, the calls and the agenda agree, and every
    /// approved proposal is enacted exactly once.
    #[test]
    fn proposals_stay_consistent(ops in prop::collection::vec(op(), 1..60)) {
        new_test_ext(None, &[1, 2, 3], 2).execute_with(|| {
            let mut block = 1;
            for op in ops {
                let _ = match op {
                    Op::Propose(w) => propose(set_key(&ProposalCount::get_or_default().to_le_bytes())).dispatch(signed(w)),
                    Op::Vote(w, i, a) => vote(i, a).dispatch(signed(w)),
                    Op::Cancel(w, i) => governance(Call::cancel { index: i }).dispatch(signed(w)),
                    Op::Close(w, i) => governance(Call::close { index: i }).dispatch(signed(w)),
                    Op::Next => {
                        block += 1;
                        run_to_block(block);
                        for e in events() {
                            if let Event::Executed { index, result } = e {
                                prop_assert_eq!(result, Ok(()));
                                prop_assert!(is_set(&index.to_le_bytes()));
                            }
                        }
                        Ok(Default::default())
                    }
                };
                prop_assert_eq!(G::try_state(block), Ok(()));
            }
            Ok(())
        })?;
    }
}

#[test]
fn sudo_calls_are_paid_up_front_and_refunded_only_to_the_sudo_key() {
    use cpc_primitives::dispatch::Pays;
    use cpc_support::dispatch::GetDispatchInfo;
    new_test_ext(Some(1), &[], 0).execute_with(|| {
        let calls = [
            governance(Call::sudo {
                call: Box::new(set_key(b"k")),
            }),
            governance(Call::set_sudo_key {
                new: cpc_primitives::MultiAddress::Id(cpc_primitives::AccountId::new([1; 32])),
            }),
        ];
        for call in calls {
            // Declared paying: a signer without the key is charged for the block space its
            // refused call took.
            assert_eq!(call.get_dispatch_info().pays_fee, Pays::Yes);
            let refused = call.clone().dispatch(signed(2)).unwrap_err();
            assert_eq!(refused.post_info.pays_fee, Pays::Yes);
            // The sudo key's call is refunded.
            let done = call.dispatch(signed(1)).unwrap();
            assert_eq!(done.pays_fee, Pays::No);
        }
    });
}

#[test]
fn a_removed_members_votes_no_longer_count() {
    new_test_ext(None, &[1, 2, 3, 4], 3).execute_with(|| {
        // Member 2 (compromised, say) votes aye on a proposal of 1: two ayes of three.
        assert_ok!(propose(set_key(b"k")).dispatch(signed(1)));
        assert_ok!(vote(0, true).dispatch(signed(2)));
        // Root removes 2 and adds 5; 2's aye goes with it.
        assert_ok!(
            governance(Call::set_members {
                members: vec![account(1), account(3), account(4), account(5)],
                threshold: 3,
            })
            .dispatch(RawOrigin::Root)
        );
        assert_eq!(
            Proposals::get(&0).map(|p| p.ayes.into_inner()),
            Some(vec![account(1)])
        );
        assert_noop!(vote(0, true).dispatch(signed(2)), Error::NotMember);
        // One more aye is not enough any more: 3 ayes are needed from current members.
        assert_ok!(vote(0, true).dispatch(signed(3)));
        assert_eq!(
            Proposals::get(&0).map(|p| p.status),
            Some(ProposalStatus::Voting)
        );
        assert_ok!(vote(0, true).dispatch(signed(5)));
        assert_eq!(
            Proposals::get(&0).map(|p| p.status == ProposalStatus::Voting),
            Some(false),
            "approved by three current members"
        );
        consistent();
    });
}
