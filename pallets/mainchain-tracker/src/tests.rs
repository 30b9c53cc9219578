//! Unit tests of the tracker: tracking from a checkpoint, hand-offs, every refusal (storage
//! compared by state root), the kept window, halting and resetting.

use crate::{mock::*, *};
use cpc_consensus_primitives::Certificate;
use cpc_primitives::{Header, dispatch::DispatchError};
use cpc_support::{assert_noop, assert_ok};

type Tracker = Pallet<Test>;

fn signed(c: Call) -> DispatchResultWithPostInfo {
    Tracker::dispatch_call(c, RawOrigin::Signed(account(1)))
}

fn track_call(headers: Vec<Header>, certificate: Certificate) -> Call {
    Call::track {
        headers: BoundedVec::try_from_vec(headers).unwrap(),
        certificate,
    }
}

fn track(main: &SimChain, from: u32, to: u32) -> DispatchResultWithPostInfo {
    let headers = main.range(from, to);
    let certificate = main.certify(headers.last().unwrap());
    signed(track_call(headers, certificate))
}

fn main_chain() -> SimChain {
    SimChain::new(7, pairs(20, 4))
}

#[test]
fn the_tracker_follows_certified_headers_and_hand_offs() {
    let mut main = main_chain();
    new_test_ext(&main).execute_with(|| {
        main.grow(3);
        main.hand_off(pairs(80, 7));
        main.grow(4);
        assert_ok!(track(&main, 1, 3));
        assert_eq!(Tracker::state_root_at(2), Some(main.headers[2].state_root));
        // The hand-off must be the certified header.
        assert_noop!(track(&main, 4, 6), Error::HandOffNotCertified);
        assert_ok!(track(&main, 4, 4));
        let (_, _, committee) = Tracker::tracked().unwrap();
        assert_eq!((committee.set_id, committee.from), (1, 5));
        // The old committee is stale now.
        let stale = main.certify_by(main.committee_of(1), &[0, 1, 2], &main.headers[5]);
        assert_noop!(
            signed(track_call(main.range(5, 5), stale)),
            Error::NotEnoughSignatures
        );
        assert_ok!(track(&main, 5, 8));
        assert_eq!(Head::get().unwrap(), FinalizedHeader::of(&main.headers[8]));
        Tracker::check_invariants().unwrap();
        let kept: Vec<u32> = (0..=8).filter(|n| Headers::get(n).is_some()).collect();
        assert_eq!(kept, (9 - HISTORY..=8).collect::<Vec<_>>());
    });
}

#[test]
fn bad_updates_are_refused_and_change_nothing() {
    let mut main = main_chain();
    new_test_ext(&main).execute_with(|| {
        main.grow(2);
        let members = main.committee_of(1).to_vec();
        let header = main.headers[1].clone();
        let try_track = |c: Certificate| signed(track_call(vec![header.clone()], c));
        assert_noop!(
            try_track(main.certify_by(&members, &[0, 1], &header)),
            Error::NotEnoughSignatures
        );
        assert_noop!(
            try_track(main.certify_by(&members, &[0, 0, 1], &header)),
            Error::DuplicateSigners
        );
        let mut outsider = main.certify(&header);
        outsider.signatures[2].0 = 9;
        assert_noop!(try_track(outsider), Error::SignerNotInCommittee);
        let foreign = SimChain::new(8, members.clone()).certify_by(&members, &[0, 1, 2], &header);
        assert_noop!(try_track(foreign), Error::BadSignature);
        assert_noop!(
            signed(track_call(main.range(2, 2), main.certify(&main.headers[2]))),
            Error::NotExtending
        );
        assert_noop!(
            Tracker::dispatch_call(
                track_call(vec![header.clone()], main.certify(&header)),
                RawOrigin::None
            ),
            DispatchError::BadOrigin
        );
        Tracker::check_invariants().unwrap();
    });
}

#[test]
fn conflicting_main_chain_certificates_halt_tracking_until_root_resets_it() {
    let mut main = main_chain();
    new_test_ext(&main).execute_with(|| {
        main.grow(3);
        assert_ok!(track(&main, 1, 1));
        let honest = main.headers[2].clone();
        let mut forged = honest.clone();
        forged.state_root = H256([0xee; 32]);
        let members = main.committee_of(2).to_vec();
        let report = |a: (Header, Certificate), b: (Header, Certificate)| {
            signed(Call::report_conflict {
                first: Box::new(a),
                second: Box::new(b),
            })
        };
        let first = (honest.clone(), main.certify(&honest));
        let second = (
            forged.clone(),
            main.certify_by(&members, &[1, 2, 3], &forged),
        );
        assert_noop!(report(first.clone(), first.clone()), Error::NotAConflict);
        assert_ok!(report(first.clone(), second.clone()));
        assert_eq!(Halted::get(), Some(2));
        assert_eq!(
            Tracker::state_root_at(1),
            None,
            "no proofs against a broken chain"
        );
        assert_noop!(track(&main, 2, 2), Error::Halted);
        assert_noop!(report(first, second), Error::Halted);
        let checkpoint = Checkpoint {
            number: 2,
            hash: honest.hash(),
            state_root: honest.state_root,
            set_id: 0,
            committee: keys(&members)
                .into_iter()
                .map(|k| AccountId::new(k.0))
                .collect(),
        };
        let reset = Call::reset {
            main_genesis: main.genesis(),
            checkpoint,
        };
        assert_noop!(signed(reset.clone()), DispatchError::BadOrigin);
        assert_ok!(Tracker::dispatch_call(reset, RawOrigin::Root));
        assert_ok!(track(&main, 3, 3));
        Tracker::check_invariants().unwrap();
    });
}

#[test]
fn without_a_checkpoint_the_tracker_is_inert_and_genesis_checks_its_config() {
    let mut ext = cpc_state_machine::TestExternalities::default();
    ext.execute_with(|| {
        RuntimeGenesisConfig::default().build().unwrap();
        let mut main = main_chain();
        main.grow(1);
        let header = main.headers[1].clone();
        assert_noop!(
            signed(track_call(vec![header.clone()], main.certify(&header))),
            Error::NotStarted
        );
        Tracker::check_invariants().unwrap();
        let half = RuntimeGenesisConfig {
            mainchain_tracker: GenesisConfig {
                main_genesis: Some(H256::default()),
                checkpoint: None,
            },
            ..Default::default()
        };
        assert!(half.build().is_err());
    });
}
