//! Unit tests of the registry: registration, anchoring and every refusal (storage compared by
//! state root), hand-offs, the kept window, conflicts, retirement, and a property test over
//! random sequences.

use crate::{mock::*, *};
use cpc_consensus_primitives::Certificate;
use cpc_primitives::{
    DigestItem, Header,
    dispatch::{DispatchError, DispatchResultWithPostInfo},
    sr25519::Pair,
};
use cpc_support::{Hooks, assert_noop, assert_ok};

type Registry = Pallet<Test>;
type Balances = cpc_pallet_balances::Pallet<Test>;

const OPERATOR: u8 = 1;
const RELAYER: u8 = 2;
const REPORTER: u8 = 3;
const BOND: Balance = 10_000;

fn call(c: Call, who: u8) -> DispatchResultWithPostInfo {
    Registry::dispatch_call(c, RawOrigin::Signed(account(who)))
}

fn root(c: Call) -> DispatchResultWithPostInfo {
    Registry::dispatch_call(c, RawOrigin::Root)
}

fn committee(pairs: &[Pair]) -> CommitteeKeys {
    BoundedVec::try_from_vec(keys(pairs)).unwrap()
}

fn register_call(chain: &SimChain) -> Call {
    Call::register {
        genesis: chain.headers[0].clone(),
        committee: committee(chain.committee_of(1)),
        bond: BOND,
        metadata: BoundedVec::try_from_vec(b"air quality, Berlin".to_vec()).unwrap(),
    }
}

/// A sidechain of four validators registered as id 0.
fn registered() -> SimChain {
    let chain = SimChain::new(1, pairs(10, 4));
    assert_ok!(call(register_call(&chain), OPERATOR));
    chain
}

fn anchor_call(headers: Vec<Header>, certificate: Certificate) -> Call {
    Call::anchor {
        id: 0,
        headers: BoundedVec::try_from_vec(headers).unwrap(),
        certificate,
    }
}

/// Anchors headers `from..=to` of `chain`, certified by their committee's quorum.
fn anchor(chain: &SimChain, from: u32, to: u32) -> DispatchResultWithPostInfo {
    let headers = chain.range(from, to);
    let certificate = chain.certify(headers.last().unwrap());
    call(anchor_call(headers, certificate), RELAYER)
}

fn head() -> FinalizedHeader {
    Heads::get(&0).unwrap()
}

#[test]
fn registration_reserves_a_bond_and_checks_genesis_and_committee() {
    new_test_ext().execute_with(|| {
        let chain = SimChain::new(1, pairs(10, 4));
        let with = |f: &dyn Fn(&mut Call)| {
            let mut c = register_call(&chain);
            f(&mut c);
            c
        };
        let low = with(&|c| {
            if let Call::register { bond, .. } = c {
                *bond = MIN_BOND - 1
            }
        });
        assert_noop!(call(low, OPERATOR), Error::BondTooLow);
        let rich = with(&|c| {
            if let Call::register { bond, .. } = c {
                *bond = ENDOWMENT * 2
            }
        });
        assert_noop!(call(rich, OPERATOR), Error::InsufficientBalance);
        for members in [vec![], vec![keys(&pairs(10, 1))[0]; 2]] {
            let bad = with(&|c| {
                if let Call::register { committee, .. } = c {
                    *committee = BoundedVec::try_from_vec(members.clone()).unwrap()
                }
            });
            assert_noop!(call(bad, OPERATOR), Error::BadCommittee);
        }
        let not_genesis = with(&|c| {
            if let Call::register { genesis, .. } = c {
                genesis.number = 1
            }
        });
        assert_noop!(call(not_genesis, OPERATOR), Error::NotGenesis);

        assert_ok!(call(register_call(&chain), OPERATOR));
        assert_eq!(Balances::reserved_balance(&account(OPERATOR)), BOND);
        assert_eq!(
            events(),
            vec![Event::Registered {
                id: 0,
                registrant: account(OPERATOR),
                genesis: chain.genesis(),
                bond: BOND
            }]
        );
        assert_eq!(head(), FinalizedHeader::of(&chain.headers[0]));
        assert_eq!(Registry::anchored_state_root(0, 0), Some(H256([1; 32])));
        assert!(Registry::is_active(0));
        // One registration per genesis, whoever asks.
        assert_noop!(call(register_call(&chain), 4), Error::AlreadyRegistered);
        let state = Registry::sidechain_state(0).unwrap();
        assert_eq!(state.committee.set_id, 0);
        assert_eq!(Registry::sidechains(0, 10).len(), 1);
        assert_eq!(Registry::sidechains(1, 10).len(), 0);
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn certified_runs_are_anchored_and_credit_the_registrant() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(5);
        take_contributions();
        assert_ok!(anchor(&chain, 1, 3));
        assert_eq!(head(), FinalizedHeader::of(&chain.headers[3]));
        for n in 0..=3 {
            assert_eq!(
                Registry::anchored(0, n),
                Some(FinalizedHeader::of(&chain.headers[n as usize]))
            );
        }
        assert_eq!(take_contributions(), vec![(account(OPERATOR), 3)]);
        let hash = chain.headers[3].hash();
        assert!(events().contains(&Event::Anchored {
            id: 0,
            number: 3,
            hash,
            state_root: chain.headers[3].state_root,
            headers: 3,
            relayer: account(RELAYER),
        }));
        // One header at a time works too; the same header twice does not.
        assert_ok!(anchor(&chain, 4, 4));
        assert_noop!(anchor(&chain, 4, 4), Error::NotExtending);
        assert_ok!(anchor(&chain, 5, 5));
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn bad_anchors_are_refused_and_change_nothing() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(3);
        let members = chain.committee_of(1).to_vec();
        let header = chain.headers[1].clone();
        let try_anchor =
            |headers: Vec<Header>, certificate| call(anchor_call(headers, certificate), RELAYER);
        // n - f - 1 signers.
        let short = chain.certify_by(&members, &[0, 1], &header);
        assert_noop!(
            try_anchor(vec![header.clone()], short),
            Error::NotEnoughSignatures
        );
        // A signer twice.
        let duplicate = chain.certify_by(&members, &[0, 1, 1], &header);
        assert_noop!(
            try_anchor(vec![header.clone()], duplicate),
            Error::DuplicateSigners
        );
        // A signer outside the committee: index 4 of a committee of 4.
        let mut outsider = chain.certify_by(&members, &[0, 1, 2], &header);
        outsider.signatures[2].0 = 4;
        assert_noop!(
            try_anchor(vec![header.clone()], outsider),
            Error::SignerNotInCommittee
        );
        // Keys nobody registered, in the right places.
        let strangers = chain.certify_by(&pairs(60, 4), &[0, 1, 2], &header);
        assert_noop!(
            try_anchor(vec![header.clone()], strangers),
            Error::BadSignature
        );
        // The committee's votes for the same header on another chain (a foreign genesis).
        let foreign = SimChain::new(2, members.clone()).certify_by(&members, &[0, 1, 2], &header);
        assert_noop!(
            try_anchor(vec![header.clone()], foreign),
            Error::BadSignature
        );
        // A certificate of another header.
        let other = chain.certify(&chain.headers[2]);
        assert_noop!(
            try_anchor(vec![header.clone()], other),
            Error::CertificateMismatch
        );
        // A header that does not extend the head (skips 1), and an unlinked run.
        let skip = chain.certify(&chain.headers[2]);
        assert_noop!(
            try_anchor(vec![chain.headers[2].clone()], skip.clone()),
            Error::NotExtending
        );
        assert_noop!(
            try_anchor(vec![header.clone(), chain.headers[3].clone()], skip),
            Error::NotExtending
        );
        assert_noop!(try_anchor(vec![], chain.certify(&header)), Error::NoHeaders);
        // A header with a garbled LBFT digest item.
        let mut garbled = SimChain::new(1, members.clone());
        let bad = garbled.next_with(vec![DigestItem::Consensus(
            cpc_primitives::lbft::ENGINE_ID,
            vec![9, 9],
        )]);
        assert_noop!(
            try_anchor(vec![bad.clone()], garbled.certify(&bad)),
            Error::MalformedDigest
        );
        // An unknown sidechain.
        assert_noop!(
            call(
                Call::anchor {
                    id: 7,
                    headers: BoundedVec::try_from_vec(vec![header.clone()]).unwrap(),
                    certificate: chain.certify(&header),
                },
                RELAYER
            ),
            Error::UnknownSidechain
        );
        assert_eq!(head().number, 0);
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn hand_offs_are_followed_and_stale_committees_refused() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        let old = chain.committee_of(1).to_vec();
        let new = pairs(40, 4);
        chain.grow(2);
        let handing = chain.hand_off(new.clone());
        chain.grow(3);
        assert_ok!(anchor(&chain, 1, 2));
        // The hand-off cannot ride inside a run: it must be the certified header.
        let run = chain.range(3, 5);
        let by_old = chain.certify_by(&old, &[0, 1, 2], &run[2]);
        assert_noop!(
            call(anchor_call(run.clone(), by_old), RELAYER),
            Error::HandOffNotCertified
        );
        let by_new = chain.certify(&run[2]);
        assert_noop!(
            call(anchor_call(run, by_new), RELAYER),
            Error::HandOffNotCertified
        );
        // The incoming committee cannot certify its own hand-off.
        let self_certified = chain.certify_by(&new, &[0, 1, 2], &handing);
        assert_noop!(
            call(anchor_call(vec![handing.clone()], self_certified), RELAYER),
            Error::BadSignature
        );
        assert_ok!(anchor(&chain, 3, 3));
        let state = Registry::sidechain_state(0).unwrap();
        assert_eq!(
            (state.committee.set_id, state.committee.from),
            (1, 4),
            "set 1 certifies from height 4"
        );
        assert_eq!(state.committee.members.to_vec(), keys(&new));
        assert!(events().contains(&Event::CommitteeHandedOff {
            id: 0,
            set_id: 1,
            from: 4,
            members: 4
        }));
        // The stale committee's certificate of a later header is refused...
        let stale = chain.certify_by(&old, &[0, 1, 2], &chain.headers[5]);
        assert_noop!(
            call(anchor_call(chain.range(4, 5), stale), RELAYER),
            Error::BadSignature
        );
        // ... and the new one's accepted.
        assert_ok!(anchor(&chain, 4, 5));
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn only_the_last_anchored_headers_are_kept() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(30);
        for (from, to) in [(1, 5), (6, 6), (7, 20), (21, 30)] {
            assert_ok!(anchor(&chain, from, to));
            Registry::check_invariants().unwrap();
        }
        let kept: Vec<u32> = (0..=30)
            .filter(|n| Registry::anchored(0, *n).is_some())
            .collect();
        assert_eq!(kept, (31 - HISTORY..=30).collect::<Vec<_>>());
    });
}

#[test]
fn conflicting_certificates_freeze_the_sidechain_and_slash_the_bond_once() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(4);
        assert_ok!(anchor(&chain, 1, 2));
        // The byzantine committee certifies a second header 3.
        let honest = chain.headers[3].clone();
        let mut forged = honest.clone();
        forged.state_root = H256([0xee; 32]);
        let members = chain.committee_of(3).to_vec();
        let first = (honest.clone(), chain.certify(&honest));
        let second = (
            forged.clone(),
            chain.certify_by(&members, &[1, 2, 3], &forged),
        );
        let report = |first: (Header, Certificate), second: (Header, Certificate)| {
            call(
                Call::report_conflict {
                    id: 0,
                    first: Box::new(first),
                    second: Box::new(second),
                },
                REPORTER,
            )
        };
        // Not conflicts: the same header twice, a weak certificate, headers of two heights.
        assert_noop!(report(first.clone(), first.clone()), Error::NotAConflict);
        let weak = (forged.clone(), chain.certify_by(&members, &[1, 2], &forged));
        assert_noop!(report(first.clone(), weak), Error::NotEnoughSignatures);
        let four = (chain.headers[4].clone(), chain.certify(&chain.headers[4]));
        assert_noop!(report(first.clone(), four), Error::NotAConflict);

        let reporter_before = Balances::free_balance(&account(REPORTER));
        let issuance = Balances::total_issuance();
        assert_ok!(report(first.clone(), second.clone()));
        assert_eq!(
            Balances::free_balance(&account(REPORTER)),
            reporter_before + BOND / 2
        );
        assert_eq!(Balances::free_balance(&account(TREASURY)), BOND / 2);
        assert_eq!(Balances::reserved_balance(&account(OPERATOR)), 0);
        assert_eq!(Balances::total_issuance(), issuance);
        assert!(events().contains(&Event::Frozen {
            id: 0,
            height: 3,
            reporter: account(REPORTER),
            slashed: BOND
        }));
        assert!(!Registry::is_active(0));
        // Exactly once.
        assert_noop!(report(first, second), Error::AlreadyFrozen);
        // Frozen: nothing is anchored, and it cannot retire (its conflict height is where
        // cross-chain exits are proven below).
        assert_noop!(anchor(&chain, 3, 3), Error::NotActive);
        assert_noop!(
            call(Call::deregister { id: 0 }, OPERATOR),
            Error::FrozenCannotRetire
        );
        // Only root unfreezes, with a new committee and a head of its choosing.
        let next = pairs(70, 4);
        let unfreeze = Call::unfreeze {
            id: 0,
            committee: committee(&next),
            set_id: 5,
            head: FinalizedHeader::of(&honest),
        };
        assert_noop!(call(unfreeze.clone(), OPERATOR), DispatchError::BadOrigin);
        assert_ok!(root(unfreeze.clone()));
        assert_noop!(root(unfreeze), Error::NotFrozen);
        assert_eq!(head(), FinalizedHeader::of(&honest));
        assert_eq!(Committees::get(&0).unwrap().set_id, 5);
        Registry::check_invariants().unwrap();
        // Anchoring resumes on the chosen head, certified by the new committee.
        let header = chain.headers[4].clone();
        let certificate = chain.certify_by(&next, &[0, 1, 2], &header);
        assert_ok!(call(anchor_call(vec![header], certificate), RELAYER));
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn conflicts_at_heights_of_a_past_committee_are_judged_by_that_committee() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        let old = chain.committee_of(1).to_vec();
        chain.grow(1);
        chain.hand_off(pairs(40, 4));
        chain.grow(1);
        assert_ok!(anchor(&chain, 1, 1));
        assert_ok!(anchor(&chain, 2, 2));
        assert_ok!(anchor(&chain, 3, 3));
        let honest = chain.headers[1].clone();
        let mut forged = honest.clone();
        forged.state_root = H256([0xee; 32]);
        assert_ok!(call(
            Call::report_conflict {
                id: 0,
                first: Box::new((honest.clone(), chain.certify_by(&old, &[0, 1, 2], &honest))),
                second: Box::new((forged.clone(), chain.certify_by(&old, &[0, 1, 3], &forged))),
            },
            REPORTER
        ));
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn a_retired_sidechain_returns_its_bond_after_the_delay() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(3);
        assert_ok!(anchor(&chain, 1, 2));
        assert_noop!(
            call(Call::deregister { id: 0 }, RELAYER),
            Error::NotRegistrant
        );
        assert_noop!(
            call(Call::withdraw_bond { id: 0 }, OPERATOR),
            Error::NotRetiring
        );
        assert_ok!(call(Call::deregister { id: 0 }, OPERATOR));
        assert_noop!(call(Call::deregister { id: 0 }, OPERATOR), Error::NotActive);
        assert_noop!(anchor(&chain, 3, 3), Error::NotActive);
        assert_noop!(
            call(Call::withdraw_bond { id: 0 }, OPERATOR),
            Error::BondLocked
        );
        run_to_block(1 + DELAY);
        let free = Balances::free_balance(&account(OPERATOR));
        assert_ok!(call(Call::withdraw_bond { id: 0 }, RELAYER));
        assert_eq!(Balances::free_balance(&account(OPERATOR)), free + BOND);
        assert_eq!(Registry::sidechain_state(0), None);
        assert_eq!(Registry::anchored(0, 2), None);
        assert_eq!(Anchored::iter_prefix(&0).count(), 0);
        // The chain can be registered again, under a new id.
        assert_ok!(call(register_call(&chain), OPERATOR));
        assert!(Registry::is_active(1));
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn root_deregisters_and_a_retiring_sidechain_can_still_be_reported() {
    new_test_ext().execute_with(|| {
        let mut chain = registered();
        chain.grow(1);
        assert_ok!(root(Call::deregister { id: 0 }));
        let honest = chain.headers[1].clone();
        let mut forged = honest.clone();
        forged.state_root = H256([0xee; 32]);
        let members = chain.committee_of(1).to_vec();
        assert_ok!(call(
            Call::report_conflict {
                id: 0,
                first: Box::new((honest.clone(), chain.certify(&honest))),
                second: Box::new((
                    forged.clone(),
                    chain.certify_by(&members, &[1, 2, 3], &forged)
                )),
            },
            REPORTER
        ));
        assert_eq!(Balances::reserved_balance(&account(OPERATOR)), 0);
        Registry::check_invariants().unwrap();
    });
}

#[test]
fn the_upgrade_that_adds_the_registry_initialises_its_storage_once() {
    let mut ext = cpc_state_machine::TestExternalities::default();
    ext.execute_with(|| {
        // A chain without the registry: nothing stored under its prefix.
        assert_eq!(cpc_support::storage::version::on_chain(PALLET), 0);
        assert!(!NextSidechainId::exists());
        Registry::on_runtime_upgrade();
        assert_eq!(cpc_support::storage::version::on_chain(PALLET), 1);
        assert_eq!(NextSidechainId::get(), Some(0));
        let root = cpc_support::testing::state_root();
        Registry::on_runtime_upgrade();
        assert_eq!(cpc_support::testing::state_root(), root, "only once");
    });
    new_test_ext().execute_with(|| {
        assert_eq!(
            Test::storage_versions()
                .into_iter()
                .find(|(name, ..)| *name == PALLET),
            Some((PALLET, 1, 1)),
            "genesis writes the current version"
        );
    });
}

mod properties {
    use super::*;
    use cpc_consensus_primitives::light_client::validator_set_change;
    use proptest::prelude::*;

    /// What a random step does.
    #[derive(Clone, Debug)]
    enum Step {
        /// Grow the sidechain by `n` headers and anchor `k` of the unanchored ones.
        Anchor { grow: u8, take: u8 },
        /// Hand the committee off to a fresh one of `size`.
        HandOff { size: u8 },
        /// Try an anchor certified by a committee that is not (or no longer) the current one.
        StaleAnchor,
        /// Report a forged conflict at the next height.
        Conflict,
        /// Root unfreezes (refused unless frozen).
        Unfreeze,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..6, 1u8..8).prop_map(|(grow, take)| Step::Anchor { grow, take }),
            1 => (1u8..8).prop_map(|size| Step::HandOff { size }),
            1 => Just(Step::StaleAnchor),
            1 => Just(Step::Conflict),
            1 => Just(Step::Unfreeze),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn random_anchor_hand_off_and_report_sequences_keep_the_registry_consistent(
            steps in proptest::collection::vec(step(), 1..24)
        ) {
            new_test_ext().execute_with(|| {
                let mut chain = registered();
                let mut seed = 100u8;
                let mut frozen = false;
                let mut last_head = 0u32;
                for step in steps {
                    let tip = chain.tip();
                    let anchored = head().number;
                    match step {
                        Step::Anchor { grow, take } => {
                            chain.grow(grow as usize);
                            let tip = chain.tip();
                            if anchored < tip {
                                // A run may not carry a hand-off before its end: stop at the
                                // first one.
                                let mut to = (anchored + u32::from(take)).min(tip);
                                if let Some(n) = (anchored + 1..to).find(|n| {
                                    validator_set_change(&chain.headers[*n as usize])
                                        .unwrap()
                                        .is_some()
                                }) {
                                    to = n;
                                }
                                let result = anchor(&chain, anchored + 1, to);
                                assert_eq!(result.is_ok(), !frozen, "{result:?}");
                            }
                        }
                        Step::HandOff { size } => {
                            seed = seed.wrapping_add(size);
                            chain.hand_off(pairs(seed, size));
                        }
                        Step::StaleAnchor => {
                            if anchored < tip {
                                let header = chain.headers[anchored as usize + 1].clone();
                                let strangers = pairs(200, 4);
                                let c = chain.certify_by(&strangers, &[0, 1, 2], &header);
                                assert!(call(anchor_call(vec![header], c), RELAYER).is_err());
                            }
                        }
                        Step::Conflict => {
                            if anchored < tip {
                                let honest = chain.headers[anchored as usize + 1].clone();
                                let mut forged = honest.clone();
                                forged.state_root = H256([0xee; 32]);
                                let result = call(
                                    Call::report_conflict {
                                        id: 0,
                                        first: Box::new((honest.clone(), chain.certify(&honest))),
                                        second: Box::new((forged.clone(), chain.certify(&forged))),
                                    },
                                    REPORTER,
                                );
                                assert_eq!(result.is_ok(), !frozen, "{result:?}");
                                frozen = true;
                            }
                        }
                        Step::Unfreeze => {
                            // Root resumes from the honest header at the head, with the
                            // committee the chain uses after it.
                            let at = head().number;
                            let next = chain.committee_of(at + 1).to_vec();
                            let result = root(Call::unfreeze {
                                id: 0,
                                committee: committee(&next),
                                set_id: chain.set_id_of(at + 1),
                                head: FinalizedHeader::of(&chain.headers[at as usize]),
                            });
                            assert_eq!(result.is_ok(), frozen);
                            frozen = false;
                        }
                    }
                    // Anchored heights never go back; frozen stays frozen without root.
                    let now = head();
                    assert!(now.number >= last_head);
                    last_head = now.number;
                    assert_eq!(Registry::is_active(0), !frozen);
                    assert_eq!(now, FinalizedHeader::of(&chain.headers[now.number as usize]));
                    Registry::check_invariants().unwrap();
                }
            });
        }
    }
}
