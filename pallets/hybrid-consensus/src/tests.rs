//! Unit tests of the hybrid-consensus pallet.

use crate::{mock::*, *};
use codec::Decode;
use cpc_primitives::{
    dispatch::DispatchError,
    header::{Digest, DigestItem},
    lbft::{BlockDigest, ENGINE_ID, VRF_CONTEXT, ValidatorSetChange, Vote, VoteKind, vrf_input},
};
use cpc_state_machine::TestExternalities;
use cpc_support::{Hooks, assert_noop, assert_ok};

type HC = Pallet<Test>;
type Balances = cpc_pallet_balances::Pallet<Test>;

fn call(c: Call, who: u8) -> DispatchResultWithPostInfo {
    HC::dispatch_call(c, RawOrigin::Signed(account(who)))
}

fn root(c: Call) -> DispatchResultWithPostInfo {
    HC::dispatch_call(c, RawOrigin::Root)
}

fn proof(key_of: u8, account_of: u8) -> cpc_primitives::sr25519::Signature {
    session(key_of).sign(&session_key_proof_payload(&account(account_of)))
}

fn register(who: u8, bond: Balance) -> DispatchResultWithPostInfo {
    call(
        Call::register {
            session_key: session_key(who),
            proof: proof(who, who),
            bond,
        },
        who,
    )
}

fn check_state() {
    <HC as Hooks>::try_state(cpc_pallet_system::Pallet::<Test>::block_number()).unwrap();
}

#[test]
fn genesis_registers_candidates_and_the_committee() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        assert_eq!(CandidateCount::get(), Some(4));
        assert_eq!(Balances::reserved_balance(&account(1)), MIN_BOND);
        let committee: Vec<_> = HC::validators().iter().map(|m| m.account).collect();
        assert_eq!(committee, (1..=4).map(account).collect::<Vec<_>>());
        assert_eq!(HC::validators()[2].session_key, session_key(3));
        // Terms 0 and 1 belong to the default proposer.
        for n in 1..=2 * K * V {
            assert_eq!(
                HC::proposer_of(n).map(|m| m.account),
                Some(account(90)),
                "{n}"
            );
        }
        assert_eq!(GenesisHash::get(), Some(parent_of(1)));
        check_state();
    });
}

#[test]
fn bad_genesis_is_refused_with_a_reason() {
    let build = |candidates: Vec<(AccountId, AccountId, Balance)>,
                 defaults: Vec<(AccountId, AccountId)>,
                 validators: Vec<AccountId>,
                 params: Option<Params>| {
        let config = RuntimeGenesisConfig {
            balances: cpc_pallet_balances::GenesisConfig {
                balances: vec![(account(1), ENDOWMENT)],
            },
            hybrid_consensus: GenesisConfig {
                params,
                candidates,
                default_proposers: defaults,
                validators,
            },
            ..Default::default()
        };
        TestExternalities::default().execute_with(|| config.build())
    };
    let key = |n: u8| AccountId::new(session_key(n).0);
    let candidate = vec![(account(1), key(1), MIN_BOND)];
    let defaults = vec![(account(90), key(90))];
    assert_eq!(
        build(
            candidate.clone(),
            defaults.clone(),
            vec![account(1)],
            Some(params())
        ),
        Ok(())
    );
    assert_eq!(
        build(vec![], vec![], vec![], None),
        Ok(()),
        "a chain without hybrid consensus"
    );
    for (what, error) in [
        (
            "no default proposer",
            build(candidate.clone(), vec![], vec![account(1)], None),
        ),
        (
            "a validator that is not a candidate",
            build(candidate.clone(), defaults.clone(), vec![account(2)], None),
        ),
        (
            "no validators",
            build(candidate.clone(), defaults.clone(), vec![], None),
        ),
        (
            "a candidate that cannot pay its bond",
            build(
                vec![(account(2), key(2), MIN_BOND)],
                defaults.clone(),
                vec![account(2)],
                Some(params()),
            ),
        ),
        (
            "zero proposers per term",
            build(
                candidate.clone(),
                defaults.clone(),
                vec![account(1)],
                Some(Params {
                    term_proposers: 0,
                    ..params()
                }),
            ),
        ),
    ] {
        let error = error.unwrap_err();
        assert!(error.contains("hybrid consensus"), "{what}: {error}");
    }
}

#[test]
fn candidates_bond_change_keys_and_unbond_after_the_lock() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        assert_ok!(register(5, 300));
        assert_eq!(Balances::reserved_balance(&account(5)), 300);
        assert_ok!(call(Call::bond_more { amount: 50 }, 5));
        assert_eq!(HC::ensure_candidate(&account(5)).unwrap().bond, 350);
        let new_key = session_key(55);
        assert_noop!(
            call(
                Call::set_session_key {
                    session_key: new_key,
                    proof: proof(5, 5)
                },
                5
            ),
            Error::BadSessionKeyProof
        );
        assert_ok!(call(
            Call::set_session_key {
                session_key: new_key,
                proof: proof(55, 5)
            },
            5
        ));
        assert_eq!(SessionKeys::get(&new_key), Some(account(5)));
        assert!(!SessionKeys::contains_key(&session_key(5)));
        assert_ok!(call(Call::unbond, 5));
        assert!(events().contains(&Event::Unbonding {
            account: account(5),
            withdrawable_at: 2
        }));
        assert_noop!(call(Call::withdraw_unbonded, 5), Error::NotWithdrawable);
        run_to_block(2 * K * V + 1); // the first block of term 2
        assert_ok!(call(Call::withdraw_unbonded, 5));
        assert_eq!(Balances::reserved_balance(&account(5)), 0);
        assert_eq!(Balances::free_balance(&account(5)), ENDOWMENT);
        assert!(!Candidates::contains_key(&account(5)));
        assert!(!SessionKeys::contains_key(&new_key));
        check_state();
    });
}

#[test]
fn bad_candidate_calls_change_nothing() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        assert_noop!(register(1, MIN_BOND), Error::AlreadyCandidate);
        assert_noop!(register(5, MIN_BOND - 1), Error::BondTooLow);
        assert_noop!(register(5, ENDOWMENT + 1), Error::InsufficientBalance);
        assert_noop!(
            call(
                Call::register {
                    session_key: session_key(1),
                    proof: proof(1, 5),
                    bond: MIN_BOND
                },
                5
            ),
            Error::SessionKeyInUse
        );
        // The default proposer's key is taken too.
        assert_noop!(
            call(
                Call::register {
                    session_key: session_key(90),
                    proof: proof(90, 5),
                    bond: MIN_BOND
                },
                5
            ),
            Error::SessionKeyInUse
        );
        // A key whose holder did not sign for this account cannot be registered.
        assert_noop!(
            call(
                Call::register {
                    session_key: session_key(6),
                    proof: proof(6, 7),
                    bond: MIN_BOND
                },
                5
            ),
            Error::BadSessionKeyProof
        );
        assert_noop!(call(Call::bond_more { amount: 1 }, 5), Error::NotCandidate);
        assert_noop!(call(Call::unbond, 1), Error::StillValidator);
        assert_noop!(call(Call::withdraw_unbonded, 1), Error::NotWithdrawable);
        assert_noop!(
            call(
                Call::set_session_key {
                    session_key: session_key(2),
                    proof: proof(2, 1)
                },
                1
            ),
            Error::SessionKeyInUse
        );
        assert_ok!(register(5, MIN_BOND));
        assert_ok!(call(Call::unbond, 5));
        assert_noop!(call(Call::unbond, 5), Error::Unbonding);
        assert_noop!(call(Call::bond_more { amount: 1 }, 5), Error::Unbonding);
        assert_noop!(
            HC::dispatch_call(Call::unbond, RawOrigin::None),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn the_candidate_list_is_bounded() {
    new_test_ext(&[1], &[1]).execute_with(|| {
        CandidateCount::put(&MAX_CANDIDATES);
        assert_noop!(register(5, MIN_BOND), Error::TooManyCandidates);
    });
}

#[test]
fn elections_draw_distinct_candidates_seeded_by_the_randomness_of_the_term_before() {
    new_test_ext(&[1, 2, 3, 4, 5, 6], &[1, 2, 3, 4]).execute_with(|| {
        let term_length = K * V;
        run_to_block(term_length);
        // The seed is term 0's randomness and the outputs of its blocks, folded.
        let expected = H256(cpc_primitives::hashing::blake2_256(
            &(
                b"cpc/lbft/randomness",
                Randomness::get_or_default(),
                1u32,
                RandomnessAccumulator::get_or_default(),
            )
                .encode(),
        ));
        run_to_block(term_length + 1); // term 1 starts; term 2 is elected
        let elected = events()
            .into_iter()
            .find_map(|e| match e {
                Event::Elected {
                    term,
                    seed,
                    proposers,
                    defaults,
                } => Some((term, seed, proposers, defaults)),
                _ => None,
            })
            .expect("an election at the start of term 1");
        let (term, seed, proposers, defaults) = elected;
        assert_eq!((term, seed, defaults), (2, expected, 0));
        assert_eq!(Randomness::get_or_default(), expected);
        assert_eq!(proposers.len(), K as usize);
        let mut unique = proposers.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), K as usize, "sampling without replacement");
        assert!(proposers.iter().all(Candidates::contains_key));
        // Block n of term 2 belongs to seat (n - start) mod K, V times per term.
        let start = 2 * term_length + 1;
        for slot in 0..term_length {
            assert_eq!(
                HC::proposer_of(start + slot).unwrap().account,
                proposers[(slot % K) as usize]
            );
        }
        // Everything that decided it is in storage.
        assert_eq!(LastScores::get_or_default().len(), 6);
        assert!(
            LastScores::get_or_default()
                .iter()
                .all(|s| s.reputation > 0)
        );
        check_state();
    });
}

#[test]
fn the_same_state_and_seed_elect_the_same_proposers_whatever_the_registration_order() {
    let elect = |candidates: &[u8]| {
        let mut result = Vec::new();
        new_test_ext(candidates, &[1]).execute_with(|| {
            run_to_block(K * V + 1);
            result = Proposers::get(&2).unwrap().into_inner();
        });
        result
    };
    assert_eq!(
        elect(&[1, 2, 3, 4, 5, 6, 7, 8]),
        elect(&[8, 7, 6, 5, 4, 3, 2, 1])
    );
}

#[test]
fn empty_seats_go_to_the_default_proposers() {
    new_test_ext(&[1], &[1]).execute_with(|| {
        run_to_block(K * V + 1);
        let proposers: Vec<_> = Proposers::get(&2)
            .unwrap()
            .iter()
            .map(|m| m.account)
            .collect();
        assert_eq!(proposers, vec![account(1), account(90), account(90)]);
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Elected {
                term: 2,
                defaults: 2,
                ..
            }
        )));
    });
}

#[test]
fn unbonding_candidates_are_not_elected() {
    new_test_ext(&[1, 2], &[1]).execute_with(|| {
        assert_ok!(call(Call::unbond, 2));
        run_to_block(K * V + 1);
        let proposers = Proposers::get(&2).unwrap();
        assert!(proposers.iter().all(|m| m.account != account(2)));
    });
}

#[test]
fn an_impeach_block_records_the_impeachment_and_costs_reputation() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        let term_length = K * V;
        run_to_block(2 * term_length); // the last block of term 1; term 2 is elected
        let term2_start = 2 * term_length + 1;
        let victim = HC::proposer_of(term2_start + 1).unwrap().account;
        start_block(term2_start, normal());
        start_block(term2_start + 1, impeach(2));
        assert_eq!(
            events(),
            vec![Event::Impeached {
                block: term2_start + 1,
                proposer: victim,
                round: 2
            }]
        );
        let record = Impeachments::get(&(term2_start + 1)).unwrap();
        assert_eq!(
            (record.proposer, record.term, record.reason),
            (victim, 2, None)
        );
        let stats = Stats::get_or_default(&victim);
        assert_eq!((stats.assigned, stats.proposed), (1, 0));
        // A validator attaches what it saw; once.
        let reason = ImpeachReason::InvalidBlock {
            hash: H256([7; 32]),
            why: BoundedVec::truncate_from(b"bad state root".to_vec()),
        };
        assert_noop!(
            call(
                Call::note_impeachment_reason {
                    block: term2_start + 1,
                    reason: reason.clone()
                },
                9
            ),
            Error::NotValidator
        );
        assert_noop!(
            call(
                Call::note_impeachment_reason {
                    block: term2_start,
                    reason: reason.clone()
                },
                1
            ),
            Error::NoImpeachment
        );
        assert_ok!(call(
            Call::note_impeachment_reason {
                block: term2_start + 1,
                reason: reason.clone()
            },
            1
        ));
        assert_eq!(
            Impeachments::get(&(term2_start + 1)).unwrap().reason,
            Some((reason.clone(), account(1)))
        );
        assert_noop!(
            call(
                Call::note_impeachment_reason {
                    block: term2_start + 1,
                    reason
                },
                2
            ),
            Error::ReasonAlreadyNoted
        );
        // The next election sees one impeachment and blocks proposed below assigned.
        run_to_block(3 * term_length + 1);
        let score = LastScores::get_or_default()
            .into_inner()
            .into_iter()
            .find(|s| s.account == victim)
            .unwrap();
        assert_eq!(score.impeachments, 1);
        assert!(score.dimensions.blocks_per_mille < 1000);
        check_state();
    });
}

#[test]
fn nine_recent_impeachments_zero_a_candidates_reputation() {
    new_test_ext(&[1, 2], &[1]).execute_with(|| {
        RecentImpeachments::insert(&account(2), &BoundedVec::truncate_from(vec![0; 9]));
        run_to_block(K * V + 1);
        let scores = LastScores::get_or_default();
        let two = scores.iter().find(|s| s.account == account(2)).unwrap();
        assert_eq!((two.impeachments, two.reputation), (9, 0));
        // Those scores elect at the next boundary (term 3's proposers).
        run_to_block(2 * K * V + 1);
        let proposers = Proposers::get(&3).unwrap();
        assert!(proposers.iter().all(|m| m.account != account(2)));
    });
}

#[test]
fn a_new_committee_takes_over_at_the_next_term_and_is_announced_in_the_header() {
    new_test_ext(&[1, 2, 3, 4, 5], &[1, 2, 3, 4]).execute_with(|| {
        let new = vec![account(5), account(1), account(2), account(3)];
        assert_noop!(
            call(
                Call::set_validators {
                    validators: new.clone()
                },
                1
            ),
            DispatchError::BadOrigin
        );
        for bad in [
            vec![],
            vec![account(1), account(1)],
            vec![account(1), account(9)],
        ] {
            assert_noop!(
                root(Call::set_validators { validators: bad }),
                Error::InvalidValidators
            );
        }
        assert_ok!(root(Call::set_validators {
            validators: new.clone()
        }));
        assert_noop!(call(Call::unbond, 5), Error::StillValidator);
        run_to_block(K * V);
        assert_eq!(HC::validators().len(), 4);
        assert_eq!(
            HC::validators()[0].account,
            account(1),
            "not before the term ends"
        );
        run_to_block(K * V + 1);
        let committee: Vec<_> = HC::validators().iter().map(|m| m.account).collect();
        assert_eq!(committee, new);
        assert!(events().contains(&Event::ValidatorsChanged {
            set_id: 1,
            validators: new
        }));
        let header = cpc_pallet_system::Pallet::<Test>::finalize();
        let change = header
            .digest
            .logs()
            .find_map(|item| match item {
                DigestItem::Consensus(id, data) if *id == ENGINE_ID => {
                    ValidatorSetChange::decode(&mut &data[..]).ok()
                }
                _ => None,
            })
            .expect("a committee change digest");
        assert_eq!(change.set_id, 1);
        assert_eq!(change.validators[0], session_key(5));
    });
}

fn signed_vote(validator: u8, index: u16, height: u32, hash: u8) -> SignedVote {
    let vote = Vote {
        kind: VoteKind::Prepare,
        height,
        round: 0,
        hash: H256([hash; 32]),
    };
    SignedVote {
        vote,
        validator: index,
        signature: session(validator).sign(&vote.signing_payload(&parent_of(1))),
    }
}

#[test]
fn an_equivocation_report_slashes_the_bond_once() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        let issuance = Balances::total_issuance();
        let report = |first, second| call(Call::report_equivocation { first, second }, 9);
        assert_ok!(report(signed_vote(2, 1, 2, 1), signed_vote(2, 1, 2, 2)));
        let slashed = MIN_BOND / 2;
        assert!(events().contains(&Event::Slashed {
            validator: account(2),
            amount: slashed,
            height: 2,
            reporter: Some(account(9))
        }));
        assert_eq!(Balances::reserved_balance(&account(2)), MIN_BOND - slashed);
        assert_eq!(
            HC::ensure_candidate(&account(2)).unwrap().bond,
            MIN_BOND - slashed
        );
        assert_eq!(Balances::total_issuance(), issuance - slashed);
        assert_noop!(
            report(signed_vote(2, 1, 2, 1), signed_vote(2, 1, 2, 3)),
            Error::AlreadySlashed
        );
        check_state();
    });
}

#[test]
fn false_equivocation_reports_are_refused() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        let report = |first, second| call(Call::report_equivocation { first, second }, 9);
        assert_noop!(
            report(signed_vote(2, 1, 2, 1), signed_vote(2, 1, 2, 1)),
            Error::NotEquivocation
        );
        assert_noop!(
            report(signed_vote(2, 1, 2, 1), signed_vote(3, 2, 2, 2)),
            Error::NotEquivocation
        );
        assert_noop!(
            report(signed_vote(2, 1, 2, 1), signed_vote(2, 1, 1, 2)),
            Error::NotEquivocation
        );
        // Validator 2's index claimed for validator 3's signatures: framing fails.
        assert_noop!(
            report(signed_vote(3, 1, 2, 1), signed_vote(3, 1, 2, 2)),
            Error::BadSignature
        );
        assert_noop!(
            report(signed_vote(2, 7, 2, 1), signed_vote(2, 7, 2, 2)),
            Error::UnknownValidator
        );
        assert_noop!(
            report(signed_vote(2, 1, 9, 1), signed_vote(2, 1, 9, 2)),
            Error::OutsideReportWindow
        );
    });
}

#[test]
fn reputation_reports_count_only_for_candidates_and_valid_ratings() {
    new_test_ext(&[1, 2], &[1]).execute_with(|| {
        HC::note_proxy_rating(&account(1), 5, 100);
        HC::note_proxy_rating(&account(1), 3, 50);
        HC::note_proxy_rating(&account(1), 9, 1_000);
        HC::note_proxy_rating(&account(7), 5, 100);
        HC::note_data_contribution(&account(2), 40);
        HC::note_data_contribution(&account(7), 40);
        HC::note_fee_paid(&account(2), 7);
        HC::note_fee_paid(&account(2), 5);
        HC::note_fee_paid(&account(7), 5);
        assert_eq!(Stats::get_or_default(&account(1)).ratings, 2);
        assert!(!Stats::contains_key(&account(7)));
        run_to_block(K * V + 1);
        let scores = LastScores::get_or_default();
        let one = scores.iter().find(|s| s.account == account(1)).unwrap();
        let two = scores.iter().find(|s| s.account == account(2)).unwrap();
        assert_eq!(
            one.dimensions.proxy_rating,
            100 + 30,
            "each rating at its order's value x rating / 5"
        );
        assert_eq!(two.dimensions.data_contribution, 40);
        assert_eq!(two.dimensions.transactions, 12, "the fees it paid");
        // The window starts over.
        assert_eq!(Stats::get_or_default(&account(1)), WindowStats::default());
    });
}

/// The rank (position by reputation, 0 the best) of `who` in the last election.
fn rank_of(who: u8) -> usize {
    let mut scores = LastScores::get_or_default().into_inner();
    scores.sort_by_key(|s| core::cmp::Reverse(s.reputation));
    scores
        .iter()
        .position(|s| s.account == account(who))
        .unwrap()
}

#[test]
fn sybil_wash_trades_do_not_raise_a_candidates_rank() {
    // Candidate 1 proxies and sells for real customers: three orders that paid the protocol
    // 300 each, rated 4 and 5. Candidate 2 proxies and sells 60 orders between its own sybil
    // accounts, recycling the same funds, each rated 5 by both sybil parties, each paying
    // the protocol 10: 600 spent, as much as candidate 1's customers paid. Before, counts and
    // averages ruled: 2 had 60 sales to 3 and a perfect average. Now each figure is what was
    // paid, so the farm buys what it spent and no more.
    let honest = |candidate| {
        for rating in [4, 5, 5] {
            HC::note_data_contribution(&account(candidate), 300);
            HC::note_proxy_rating(&account(candidate), rating, 150);
            HC::note_proxy_rating(&account(candidate), rating, 150);
        }
    };
    let farm = |candidate| {
        for _ in 0..60 {
            HC::note_data_contribution(&account(candidate), 10);
            HC::note_proxy_rating(&account(candidate), 5, 5);
            HC::note_proxy_rating(&account(candidate), 5, 5);
        }
    };
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        honest(1);
        farm(2);
        run_to_block(K * V + 1);
        let one = LastScores::get_or_default()[..]
            .iter()
            .find(|s| s.account == account(1))
            .unwrap()
            .dimensions;
        let two = LastScores::get_or_default()[..]
            .iter()
            .find(|s| s.account == account(2))
            .unwrap()
            .dimensions;
        assert_eq!(
            two.data_contribution, 600,
            "what the farm paid, not 60 sales"
        );
        assert_eq!(
            two.proxy_rating, 600,
            "what its orders paid, not 120 perfect ratings"
        );
        assert_eq!((one.data_contribution, one.proxy_rating), (900, 840));
        assert!(
            rank_of(1) < rank_of(2),
            "real business must outrank a farm that paid less"
        );
    });
}

#[test]
fn self_transfers_count_for_the_fees_they_burn_not_for_their_number() {
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        // One candidate sends 1,000 cheapest transactions, another one transaction that
        // burned as much in fees: the same TX figure.
        for _ in 0..1_000 {
            HC::note_fee_paid(&account(1), 3);
        }
        HC::note_fee_paid(&account(2), 3_000);
        run_to_block(K * V + 1);
        let scores = LastScores::get_or_default();
        let tx = |who| {
            scores
                .iter()
                .find(|s| s.account == account(who))
                .unwrap()
                .dimensions
                .transactions
        };
        assert_eq!(tx(1), 3_000);
        assert_eq!(tx(1), tx(2));
        assert_eq!(tx(3), 0);
    });
}

/// Fills the candidate list: accounts 1..=3 from genesis, then `MAX_CANDIDATES - 3` more
/// added directly (registering through calls needs a session key proof each), bonded
/// `MIN_BOND + 10 + n`.
fn fill_candidates() {
    for n in 0..(MAX_CANDIDATES - 3) {
        let mut raw = [0u8; 32];
        raw[..4].copy_from_slice(&n.to_le_bytes());
        raw[31] = 0xee;
        let who = AccountId::new(raw);
        <Balances as cpc_support::traits::Currency>::deposit_creating(&who, ENDOWMENT).unwrap();
        let key = Public(raw);
        HC::add_candidate(who, key, MIN_BOND + Balance::from(n) + 10).unwrap();
    }
    assert_eq!(CandidateCount::get_or_default(), MAX_CANDIDATES);
}

#[test]
fn a_full_candidate_list_makes_room_for_a_higher_bond_by_evicting_the_lowest() {
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        fill_candidates();
        // Candidates 2 and 3 have the lowest bonds (MIN_BOND), and 1 is the validator:
        // protected, as it may still have to answer for its votes.
        assert_noop!(register(5, MIN_BOND), Error::TooManyCandidates);
        let free = Balances::free_balance(&account(3));
        assert_ok!(register(5, MIN_BOND + 1));
        let evicted = events().into_iter().find_map(|e| match e {
            Event::Evicted { account, bond, by } => Some((account, bond, by)),
            _ => None,
        });
        // Of the two lowest bonds, the higher account goes first (a fixed order).
        assert_eq!(evicted, Some((account(3), MIN_BOND, account(5))));
        assert!(!Candidates::contains_key(&account(3)));
        assert!(Candidates::contains_key(&account(5)));
        assert_eq!(CandidateCount::get_or_default(), MAX_CANDIDATES);
        assert_eq!(Balances::free_balance(&account(3)), free + MIN_BOND);
        assert_eq!(Balances::reserved_balance(&account(3)), 0);
        assert_eq!(SessionKeys::get(&session_key(3)), None);
        check_state();
        assert_ok!(register(6, MIN_BOND + 1));
        assert!(!Candidates::contains_key(&account(2)));
        // Now the lowest are 5 and 6 (MIN_BOND + 1), below the validator's MIN_BOND bond:
        // the validator is never evicted, whatever its bond.
        assert_noop!(register(7, MIN_BOND + 1), Error::TooManyCandidates);
        assert_ok!(register(7, MIN_BOND + 2));
        assert!(!Candidates::contains_key(&account(6)));
        assert!(Candidates::contains_key(&account(1)));
        check_state();
    });
}

#[test]
fn an_eviction_does_not_wipe_the_evicted_candidates_impeachments() {
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        RecentImpeachments::insert(&account(2), &BoundedVec::truncate_from(vec![0]));
        RecentImpeachments::insert(&account(3), &BoundedVec::truncate_from(vec![0]));
        fill_candidates();
        assert_ok!(register(5, MIN_BOND + 1));
        for who in [2, 3] {
            assert_eq!(RecentImpeachments::get_or_default(&account(who)).len(), 1);
        }
    });
}

#[test]
fn parameters_are_checked_and_set_by_root() {
    new_test_ext(&[1], &[1]).execute_with(|| {
        let bad = Params {
            slash_per_mille: 1001,
            ..params()
        };
        assert_noop!(root(Call::set_params { params: bad }), Error::InvalidParams);
        let new = Params {
            views: 1,
            ..params()
        };
        assert_noop!(
            call(
                Call::set_params {
                    params: new.clone()
                },
                1
            ),
            DispatchError::BadOrigin
        );
        assert_ok!(root(Call::set_params {
            params: new.clone()
        }));
        // The running term keeps its length and seats.
        assert_eq!(HC::params(), params());
        run_to_block(K * V);
        assert_eq!(HC::params(), params());
        run_to_block(K * V + 1);
        assert_eq!(HC::params(), new);
        assert_eq!(HC::term(), (1, K * V + 1));
        // Term 1 now lasts K x 1 blocks.
        run_to_block(K * V + 1 + K);
        assert_eq!(HC::term(), (2, K * V + 1 + K));
        let zero = Params {
            weights: reputation::Weights {
                balance: 0,
                transactions: 0,
                proxy_rating: 0,
                data_contribution: 0,
                blocks: 0,
            },
            ..params()
        };
        assert_noop!(
            root(Call::set_params { params: zero }),
            Error::InvalidParams
        );
    });
}

#[test]
fn the_committee_elects_through_the_term_with_every_proposer_known_ahead() {
    // Over many terms every block has a proposer, known at least one term ahead.
    new_test_ext(&[1, 2, 3, 4, 5], &[1, 2, 3, 4]).execute_with(|| {
        let term_length = K * V;
        let mut elected = std::collections::BTreeSet::new();
        for n in 2..=10 * term_length {
            start_block(n, normal());
            let proposer = HC::proposer_of(n).expect("every block has a proposer");
            assert!(
                HC::proposer_of(n + term_length).is_some(),
                "block {n} + a term"
            );
            if proposer.account != account(90) {
                elected.insert(proposer.account);
            }
        }
        assert!(elected.len() >= 3, "candidates take seats: {elected:?}");
        check_state();
    });
}

#[test]
fn evidence_is_judged_against_the_committee_that_signed_it() {
    new_test_ext(&[1, 2, 3, 4, 5], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        // Account 2 (index 1) equivocates at height 2, then leaves the committee.
        let (first, second) = (signed_vote(2, 1, 2, 1), signed_vote(2, 1, 2, 2));
        assert_ok!(root(Call::set_validators {
            validators: vec![account(5), account(1), account(3), account(4)]
        }));
        run_to_block(K * V + 2);
        assert_eq!(HC::validators()[1].account, account(1));
        assert_noop!(call(Call::unbond, 2), Error::StillValidator);
        assert_ok!(call(Call::report_equivocation { first, second }, 9));
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Slashed { validator, .. } if *validator == account(2)
        )));
        assert_eq!(
            Balances::reserved_balance(&account(1)),
            MIN_BOND,
            "not the new index 1"
        );
    });
}

#[test]
fn proposers_holding_seats_cannot_unbond() {
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        run_to_block(K * V + 1);
        let seated = Proposers::get(&2)
            .unwrap()
            .iter()
            .find(|m| m.account != account(90) && m.account != account(1))
            .map(|m| m.account)
            .expect("a candidate is elected");
        let who = seated.0[0];
        assert_noop!(call(Call::unbond, who), Error::StillProposer);
    });
}

#[test]
fn evidence_at_a_committee_change_block_is_judged_against_the_committee_that_certified_it() {
    new_test_ext(&[1, 2, 3, 4, 5], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        assert_ok!(root(Call::set_validators {
            validators: vec![account(5), account(1), account(3), account(4)]
        }));
        // Block `b` installs the new committee: it is certified by the old one (in its
        // parent's state), block b + 1 by the new one.
        let mut b = 0;
        for n in 4..=K * V + 3 {
            run_to_block(n);
            if HC::validators()[0].account == account(5) {
                b = n;
                break;
            }
        }
        assert!(b > 0, "the committee changed");
        run_to_block(b + 2);
        let report = |first, second| call(Call::report_equivocation { first, second }, 9);
        // At b, index 1 is still account 2.
        assert_ok!(report(signed_vote(2, 1, b, 1), signed_vote(2, 1, b, 2)));
        assert!(events().iter().any(|e| matches!(
            e,
            Event::Slashed { validator, height, .. } if *validator == account(2) && *height == b
        )));
        // At b + 1, index 1 is account 1: account 2's signatures frame nobody.
        assert_noop!(
            report(signed_vote(2, 1, b + 1, 1), signed_vote(2, 1, b + 1, 2)),
            Error::BadSignature
        );
        assert_ok!(report(
            signed_vote(1, 1, b + 1, 1),
            signed_vote(1, 1, b + 1, 2)
        ));
        check_state();
    });
}

#[test]
fn an_unsigned_report_needs_no_funds_and_the_first_of_an_offence_wins() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        let report = |hash_a, hash_b| Call::report_equivocation {
            first: signed_vote(2, 1, 2, hash_a),
            second: signed_vote(2, 1, 2, hash_b),
        };
        let source = TransactionSource::External;
        // Two different pieces of evidence of one offence provide the same tag: the pool
        // keeps one.
        let a = HC::validate_unsigned(&report(1, 2), source).expect("valid evidence");
        let b = HC::validate_unsigned(&report(1, 3), source).expect("valid evidence");
        assert_eq!(a.provides, b.provides);
        assert!(a.priority > 0 && a.longevity > 0 && a.propagate);
        // Forged evidence is refused before it reaches a block; so is any other unsigned call.
        assert!(
            HC::validate_unsigned(
                &Call::report_equivocation {
                    first: signed_vote(3, 1, 2, 1),
                    second: signed_vote(3, 1, 2, 2)
                },
                source
            )
            .is_err()
        );
        assert!(HC::validate_unsigned(&Call::unbond, source).is_err());
        // Dispatched unsigned: the validator is slashed, nobody is named as reporter.
        assert_ok!(HC::dispatch_call(report(1, 2), RawOrigin::None));
        assert!(events().contains(&Event::Slashed {
            validator: account(2),
            amount: MIN_BOND / 2,
            height: 2,
            reporter: None
        }));
        // The offence is spent: later reports of it are stale, signed or not.
        assert_eq!(
            HC::validate_unsigned(&report(1, 3), source),
            Err(InvalidTransaction::Stale.into())
        );
        assert_noop!(
            HC::dispatch_call(report(1, 3), RawOrigin::None),
            Error::AlreadySlashed
        );
        assert_noop!(
            HC::dispatch_call(report(1, 3), RawOrigin::Root),
            cpc_primitives::dispatch::DispatchError::BadOrigin
        );
        check_state();
    });
}

#[test]
fn a_candidate_slashed_below_the_minimum_bond_is_not_elected() {
    new_test_ext(&[1, 2, 3, 4], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(3);
        assert_ok!(call(
            Call::report_equivocation {
                first: signed_vote(2, 1, 2, 1),
                second: signed_vote(2, 1, 2, 2)
            },
            9
        ));
        assert!(HC::ensure_candidate(&account(2)).unwrap().bond < params().min_bond);
        run_to_block(K * V + 1);
        assert!(
            LastScores::get_or_default()
                .iter()
                .all(|s| s.account != account(2)),
            "not scored"
        );
        let proposers = Proposers::get(&2).unwrap();
        assert!(
            proposers.iter().all(|m| m.account != account(2)),
            "not elected"
        );
        check_state();
    });
}

#[test]
fn leaving_and_registering_again_keeps_the_impeachment_record() {
    new_test_ext(&[1, 2, 3], &[1]).execute_with(|| {
        // Account 2 was impeached this term.
        let term = CurrentTerm::get_or_default();
        RecentImpeachments::insert(&account(2), &BoundedVec::truncate_from(vec![term]));
        assert_ok!(call(Call::unbond, 2));
        run_to_block(2 * K * V + 1);
        assert_ok!(call(Call::withdraw_unbonded, 2));
        assert!(!Candidates::contains_key(&account(2)));
        // Back under the same account: the record is still there and still counts.
        assert_ok!(register(2, MIN_BOND));
        assert_eq!(RecentImpeachments::get_or_default(&account(2)).len(), 1);
        run_to_block(3 * K * V + 1);
        let scores = LastScores::get_or_default();
        let score = scores
            .iter()
            .find(|s| s.account == account(2))
            .expect("scored");
        assert_eq!(score.impeachments, 1);
        check_state();
    });
}

/// Term `t` starts at block `1 + t * K * V`.
fn term_start(t: u32) -> u32 {
    1 + t * K * V
}

/// The proposers elected for term 4 at block 19, when the last block of term 2 (whose
/// output is the last in that election's seed) is made with `digest` and `activity` (what its
/// transactions do), and its hash (block 19's parent) is `last_hash`. Also the weights the
/// draw used, and the scores the block's activity produced.
fn term_4_proposers(
    digest: Option<BlockDigest>,
    activity: &dyn Fn(),
    last_hash: H256,
) -> (Vec<AccountId>, Vec<u64>) {
    let mut ext = new_test_ext(&[1, 2, 3, 4, 5, 6, 7, 8], &[1, 2, 3, 4]);
    ext.execute_with(|| {
        run_to_block(term_start(3) - 2);
        let weights = LastScores::get_or_default()
            .iter()
            .map(|s| s.reputation)
            .collect();
        start_block(term_start(3) - 1, digest);
        activity();
        start_block_on(term_start(3), last_hash, normal());
        let proposers = Proposers::get(&4)
            .unwrap()
            .iter()
            .map(|m| m.account)
            .collect();
        (proposers, weights)
    })
}

#[test]
fn a_proposer_cannot_pick_the_next_terms_proposers_by_varying_its_block() {
    // The last proposer of term 2 knows the seed of the election in the next block (its own
    // VRF output is the last in it) and tries block after block to steer it: other hashes
    // (timestamps, transaction order) and other transactions, which move balances, fees
    // and market activity, hence reputation.
    let none = || {};
    let (honest, weights) = term_4_proposers(normal(), &none, parent_of(term_start(3)));
    let activities: [&dyn Fn(); 4] = [
        &|| {},
        &|| HC::note_fee_paid(&account(8), 1_000_000),
        &|| {
            for who in [5, 6, 7] {
                HC::note_data_contribution(&account(who), 1 << 40);
                HC::note_proxy_rating(&account(who), 5, 1 << 40);
            }
        },
        &|| {
            assert_ok!(<Balances as cpc_support::traits::Currency>::transfer(
                &account(20),
                &account(2),
                ENDOWMENT / 2,
                cpc_support::traits::ExistenceRequirement::KeepAlive,
            ));
            // Leaving changes the field too (refused if 7 holds a seat: then nothing).
            let _ = call(Call::unbond, 7);
        },
    ];
    let mut by_parent_hash = std::collections::BTreeSet::new();
    for variant in 0..16u8 {
        let block_hash = H256([variant; 32]);
        let activity = activities[usize::from(variant) % activities.len()];
        let (proposers, _) = term_4_proposers(normal(), activity, block_hash);
        assert_eq!(proposers, honest, "variant {variant} moved the election");
        // What the same variants would have chosen when the parent's hash was the seed.
        by_parent_hash.insert(reputation::weighted_sample(
            &weights,
            K as usize,
            &mut reputation::SeededRng::new(block_hash),
        ));
    }
    assert!(
        by_parent_hash.len() > 1,
        "the test cannot tell: every seed elects the same proposers"
    );
    // All it can do is withhold its block: one other seed, for an impeachment.
    new_test_ext(&[1, 2, 3, 4, 5, 6, 7, 8], &[1, 2, 3, 4]).execute_with(|| {
        run_to_block(term_start(3) - 2);
        let last = HC::proposer_of(term_start(3) - 1).unwrap().account;
        assert!(Candidates::contains_key(&last), "term 2 is elected");
        start_block(term_start(3) - 1, impeach(1));
        assert_eq!(RecentImpeachments::get_or_default(&last).len(), 1);
    });
}

#[test]
fn each_term_draws_new_randomness_from_its_proposers_outputs() {
    new_test_ext(&[1, 2, 3, 4, 5], &[1, 2, 3, 4]).execute_with(|| {
        let mut seen = std::collections::BTreeSet::new();
        for t in 1..6 {
            run_to_block(term_start(t) - 1);
            let before = Randomness::get_or_default();
            let accumulated = RandomnessAccumulator::get_or_default();
            assert_ne!(accumulated, H256::default(), "term {} had outputs", t - 1);
            run_to_block(term_start(t));
            let now = Randomness::get_or_default();
            assert_ne!(now, before);
            assert!(seen.insert(now));
            // The accumulated outputs of the term that ended are in it, not just the term.
            assert_eq!(
                now,
                H256(cpc_primitives::hashing::blake2_256(
                    &(b"cpc/lbft/randomness", before, t, accumulated).encode()
                )),
                "the term's outputs make the next randomness"
            );
            // The term's first block already counts towards the next seed.
            assert_ne!(RandomnessAccumulator::get_or_default(), H256::default());
        }
    });
}

/// Runs block 2 with `digest`; true if it executed, false if it failed (invalid).
fn block_2_executes(digest: Option<BlockDigest>) -> bool {
    let mut ext = new_test_ext(&[1, 2, 3], &[1, 2, 3]);
    ext.execute_with(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| start_block(2, digest))).is_ok()
    })
}

#[test]
fn a_block_without_its_proposers_vrf_output_is_invalid() {
    let (input, other_input) = new_test_ext(&[1, 2, 3], &[1, 2, 3]).execute_with(|| {
        let randomness = Randomness::get_or_default();
        let genesis = GenesisHash::get_or_default();
        (
            vrf_input(&genesis, &randomness, 2),
            vrf_input(&genesis, &randomness, 3),
        )
    });
    let proposer = session(90);
    let with = |vrf| {
        Some(BlockDigest {
            round: 0,
            impeach: false,
            vrf: Some(vrf),
        })
    };
    assert!(block_2_executes(with(
        proposer.vrf_sign(VRF_CONTEXT, &input).0
    )));
    // Another key's output, another block's, another context's, a tampered proof, none.
    assert!(!block_2_executes(with(
        session(1).vrf_sign(VRF_CONTEXT, &input).0
    )));
    assert!(!block_2_executes(with(
        proposer.vrf_sign(VRF_CONTEXT, &other_input).0
    )));
    assert!(!block_2_executes(with(
        proposer.vrf_sign(b"other", &input).0
    )));
    let mut tampered = proposer.vrf_sign(VRF_CONTEXT, &input).0;
    tampered.proof[0] ^= 1;
    assert!(!block_2_executes(with(tampered)));
    let without = Some(BlockDigest {
        round: 0,
        impeach: false,
        vrf: None,
    });
    let mut ext = new_test_ext(&[1, 2, 3], &[1, 2, 3]);
    let executed = ext.execute_with(|| {
        let mut digest = Digest::default();
        digest.push(DigestItem::PreRuntime(ENGINE_ID, without.encode()));
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cpc_pallet_system::Pallet::<Test>::initialize(2, parent_of(2), &digest);
            HC::on_initialize(2);
        }))
        .is_ok()
    });
    assert!(!executed, "a seat's block without a VRF output");
    // A proposer flagging its own round-0 block as an impeach block (to keep its slot and
    // skip its contribution), a normal block claiming a later round, a digest that does not
    // decode.
    assert!(!block_2_executes(impeach(0)));
    assert!(!block_2_executes(Some(BlockDigest {
        round: 1,
        impeach: false,
        vrf: Some(proposer.vrf_sign(VRF_CONTEXT, &input).0),
    })));
    let mut ext = new_test_ext(&[1, 2, 3], &[1, 2, 3]);
    let executed = ext.execute_with(|| {
        let mut digest = Digest::default();
        digest.push(DigestItem::PreRuntime(ENGINE_ID, vec![0, 0, 0, 0, 0, 7]));
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cpc_pallet_system::Pallet::<Test>::initialize(2, parent_of(2), &digest);
            HC::on_initialize(2);
        }))
        .is_ok()
    });
    assert!(!executed, "an LBFT digest that does not decode");
    // Impeach blocks (built alike by every validator) and blocks of a chain not run by LBFT
    // carry none.
    assert!(block_2_executes(impeach(1)));
    assert!(block_2_executes(None));
}
