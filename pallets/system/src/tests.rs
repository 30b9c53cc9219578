//! Unit tests of the system pallet.

use crate::{mock::*, upgrade::run_runtime_upgrade_if_needed, *};
use cpc_primitives::{dispatch::DispatchError, header::DigestItem, storage::well_known_keys};
use cpc_state_machine::TestExternalities;
use cpc_support::{Dispatchable, assert_noop, assert_ok};

type S = Pallet<Test>;

fn who(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

fn start_block(n: BlockNumber) {
    S::initialize(n, H256([n as u8; 32]), &Default::default());
    S::note_finished_initialize();
}

#[test]
fn providers_create_and_remove_accounts() {
    new_test_ext().execute_with(|| {
        start_block(1);
        assert_eq!(S::inc_providers(&who(1)), IncRefStatus::Created);
        assert_eq!(S::inc_providers(&who(1)), IncRefStatus::Existed);
        assert!(S::account_exists(&who(1)));
        assert_eq!(S::dec_providers(&who(1)), Ok(DecRefStatus::Exists));
        assert_eq!(S::dec_providers(&who(1)), Ok(DecRefStatus::Reaped));
        assert!(!Account::contains_key(&who(1)));
        let events: Vec<_> = S::events().into_iter().map(|r| r.event).collect();
        assert_eq!(
            events,
            vec![
                RuntimeEvent::System(Event::NewAccount { account: who(1) }),
                RuntimeEvent::System(Event::KilledAccount { account: who(1) }),
            ]
        );
    });
}

#[test]
fn consumers_keep_an_account_alive() {
    new_test_ext().execute_with(|| {
        assert_eq!(S::inc_consumers(&who(2)), Err(DispatchError::NoProviders));
        S::inc_providers(&who(2));
        assert_ok!(S::inc_consumers(&who(2)));
        assert!(!S::can_dec_provider(&who(2)));
        assert_eq!(
            S::dec_providers(&who(2)),
            Err(DispatchError::ConsumerRemaining)
        );
        S::dec_consumers(&who(2));
        assert_eq!(S::dec_providers(&who(2)), Ok(DecRefStatus::Reaped));
        for _ in 0..MAX_CONSUMERS {
            S::inc_providers(&who(3));
        }
        for _ in 0..MAX_CONSUMERS {
            assert_ok!(S::inc_consumers(&who(3)));
        }
        assert_eq!(
            S::inc_consumers(&who(3)),
            Err(DispatchError::TooManyConsumers)
        );
    });
}

#[test]
fn finalize_builds_the_header_and_prunes_old_hashes() {
    new_test_ext().execute_with(|| {
        for n in 1..=15u32 {
            start_block(n);
            let b = n as u8;
            S::note_extrinsic(vec![b, 1]);
            S::note_applied_extrinsic(&Ok(()), Default::default());
            S::note_extrinsic(vec![b, 2]);
            S::note_applied_extrinsic(&Err(DispatchError::BadOrigin), Default::default());
            S::note_finished_extrinsics();
            let header = S::finalize();
            assert_eq!(header.number, n);
            assert_eq!(header.parent_hash, H256([b; 32]));
            assert_eq!(
                header.extrinsics_root,
                cpc_io::trie::blake2_256_ordered_root(&[vec![b, 1], vec![b, 2]])
            );
            assert_eq!(header.state_root, cpc_io::storage::root());
            assert!(
                ExtrinsicData::iter().next().is_none(),
                "extrinsic data is cleared"
            );
        }
        // Hashes older than BLOCK_HASH_COUNT (10) are gone; genesis stays.
        assert!(BlockHash::contains_key(&0));
        assert!(!BlockHash::contains_key(&3));
        assert!(BlockHash::contains_key(&5));
        assert_eq!(BlockHash::get(&14), Some(H256([15; 32])));
    });
}

#[test]
fn events_record_their_phase_and_reset_each_block() {
    new_test_ext().execute_with(|| {
        start_block(1);
        S::deposit_event(Event::CodeUpdated);
        S::note_extrinsic(vec![]);
        S::note_applied_extrinsic(&Ok(()), Default::default());
        let phases: Vec<_> = S::events().into_iter().map(|r| r.phase).collect();
        assert_eq!(
            phases,
            vec![Phase::ApplyExtrinsic(0), Phase::ApplyExtrinsic(0)]
        );
        assert_eq!(EventCount::get(), Some(2));
        start_block(2);
        assert!(S::events().is_empty());
    });
}

#[test]
fn failed_extrinsics_report_a_resolved_error() {
    new_test_ext().execute_with(|| {
        start_block(1);
        S::note_extrinsic(vec![]);
        S::note_applied_extrinsic(&Err(Error::RemarkTooLong.into()), Default::default());
        let Some(RuntimeEvent::System(Event::ExtrinsicFailed { dispatch_error, .. })) =
            S::events().into_iter().map(|r| r.event).next()
        else {
            panic!("an ExtrinsicFailed event")
        };
        let DispatchError::Module(module) = dispatch_error else {
            panic!("a module error")
        };
        assert_eq!((module.index, module.error[0]), (0, 6));
    });
}

#[test]
fn root_calls_need_root_and_remarks_need_a_signer() {
    new_test_ext().execute_with(|| {
        start_block(1);
        let set = RuntimeCall::System(Call::set_storage {
            items: vec![(b"k".to_vec(), b"v".to_vec())],
        });
        assert_noop!(
            set.clone().dispatch(RawOrigin::Signed(who(1))),
            DispatchError::BadOrigin
        );
        assert_ok!(set.dispatch(RawOrigin::Root));
        assert_eq!(cpc_io::storage::get(b"k"), Some(b"v".to_vec()));
        let kill = RuntimeCall::System(Call::kill_prefix {
            prefix: b"k".to_vec(),
            subkeys: 10,
        });
        assert_ok!(kill.dispatch(RawOrigin::Root));
        assert_eq!(cpc_io::storage::get(b"k"), None);
        let remark = RuntimeCall::System(Call::remark_with_event {
            remark: b"hello".to_vec(),
        });
        assert_noop!(
            remark.clone().dispatch(RawOrigin::None),
            DispatchError::BadOrigin
        );
        assert_ok!(remark.dispatch(RawOrigin::Signed(who(1))));
        assert!(
            S::events()
                .iter()
                .any(|r| matches!(r.event, RuntimeEvent::System(Event::Remarked { .. })))
        );
    });
}

#[test]
fn the_runtime_upgrade_hook_runs_once_per_version() {
    new_test_ext().execute_with(|| {
        assert_eq!(LastRuntimeUpgrade::get().map(|v| v.spec_version), Some(1));
        LastRuntimeUpgrade::kill();
        run_runtime_upgrade_if_needed::<Test>();
        assert_eq!(LastRuntimeUpgrade::get().map(|v| v.spec_version), Some(1));
    });
}

#[test]
fn storage_metadata_lists_every_item() {
    let names: Vec<_> = S::storage_metadata().into_iter().map(|e| e.name).collect();
    assert!(
        names.contains(&"Account") && names.contains(&"Events") && names.contains(&"BlockHash")
    );
    Test::pallets_metadata();
}

fn set_code(code: Vec<u8>) -> RuntimeCall {
    RuntimeCall::System(Call::set_code { code })
}

#[test]
fn set_code_replaces_the_code_and_announces_it() {
    new_test_ext_with_code_reader().execute_with(|| {
        start_block(1);
        let code = fake_code("test", 2);
        assert_ok!(set_code(code.clone()).dispatch(RawOrigin::Root));
        assert_eq!(cpc_io::storage::get(well_known_keys::CODE), Some(code));
        assert!(
            S::events()
                .iter()
                .any(|r| r.event == RuntimeEvent::System(Event::CodeUpdated))
        );
        let header = S::finalize();
        assert!(
            header
                .digest
                .logs
                .contains(&DigestItem::RuntimeEnvironmentUpdated)
        );
    });
}

#[test]
fn set_code_refuses_bad_code_and_changes_nothing() {
    new_test_ext_with_code_reader().execute_with(|| {
        start_block(1);
        let refused: Vec<(Vec<u8>, Error)> = vec![
            (fake_code("test", 1), Error::SpecVersionNeedsToIncrease),
            (fake_code("test", 0), Error::SpecVersionNeedsToIncrease),
            (fake_code("other", 2), Error::InvalidSpecName),
            (b"\0asm garbage".to_vec(), Error::InvalidWasm),
            (b"no-exports".to_vec(), Error::MissingRuntimeExports),
            (b"trap".to_vec(), Error::FailedToExtractRuntimeVersion),
            (
                b"version:not a version".to_vec(),
                Error::FailedToExtractRuntimeVersion,
            ),
            (
                vec![0; <Test as Config>::MAX_CODE_SIZE as usize + 1],
                Error::CodeTooLarge,
            ),
        ];
        for (code, error) in refused {
            assert_noop!(set_code(code).dispatch(RawOrigin::Root), error);
        }
        assert_noop!(
            set_code(fake_code("test", 2)).dispatch(RawOrigin::Signed(who(1))),
            DispatchError::BadOrigin
        );
        assert_noop!(
            set_code(fake_code("test", 2)).dispatch(RawOrigin::None),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn without_an_executor_no_code_loads() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            set_code(fake_code("test", 2)).dispatch(RawOrigin::Root),
            Error::InvalidWasm
        );
    });
}

#[test]
fn block_limits_follow_the_genesis_block_period() {
    new_test_ext().execute_with(|| {
        assert_eq!(S::block_weights(), <Test as Config>::BLOCK_WEIGHTS);
    });
    let mut ext = TestExternalities::default();
    let config = RuntimeGenesisConfig {
        system: GenesisConfig {
            block_period_ms: Some(4_000),
        },
    };
    ext.execute_with(|| config.build().unwrap());
    ext.execute_with(|| {
        let weights = S::block_weights();
        assert_eq!(weights.max_block.ref_time, 2_000 * 1_000_000_000);
        assert_eq!(
            weights.base_extrinsic,
            <Test as Config>::BLOCK_WEIGHTS.base_extrinsic
        );
        // Only the size follows the period: the runtime's split between classes stays.
        assert_eq!(
            weights,
            BlockWeights {
                max_block: weights.max_block,
                ..<Test as Config>::BLOCK_WEIGHTS
            }
        );
    });
    for period in [0, MIN_BLOCK_PERIOD_MS - 1, MAX_BLOCK_PERIOD_MS + 1] {
        let config = RuntimeGenesisConfig {
            system: GenesisConfig {
                block_period_ms: Some(period),
            },
        };
        let error = TestExternalities::default()
            .execute_with(|| config.build())
            .unwrap_err();
        assert!(error.contains("block period"), "{error}");
    }
}
