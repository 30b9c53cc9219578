//! The sidechain runtime: its presets build (a small committee, short terms, the tracker
//! inert), its metadata lists its pallets at their indices and describes every API it
//! declares, hybrid consensus's calls encode as on the main chain (validators' reports use one
//! type for both), API calls answer from state, and `IotDevicesApi_block_readings` finds the readings of
//! the accepted batches of a block, in order.

use codec::{Decode, Encode};
use cpc_api::{GenesisBuilder, Metadata};
use cpc_primitives::{
    AccountId, BlockNumber, H256, OpaqueExtrinsic,
    extrinsic::{AdditionalSigned, SignedExtra},
    sr25519::Pair,
};
use cpc_runtime_sidechain::{Runtime, RuntimeCall, UncheckedExtrinsic, VERSION, api};
use cpc_sidechain_primitives::iot::{IotDevicesApi, Reading, SignedReading};
use cpc_state_machine::TestExternalities;
use cpc_support::BoundedVec;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};

fn preset(name: &str) -> TestExternalities {
    let json = Runtime::get_preset(Some(name.into())).unwrap();
    let mut ext = TestExternalities::default();
    ext.execute_with(|| Runtime::build_state(json)).unwrap();
    ext.commit_all();
    ext
}

#[test]
fn the_presets_have_a_small_committee_short_terms_and_an_inert_tracker() {
    assert_eq!(
        Runtime::preset_names(),
        vec!["sidechain_development", "sidechain_local"]
    );
    for (name, validators) in [("sidechain_development", 1), ("sidechain_local", 4)] {
        let mut ext = preset(name);
        ext.execute_with(|| {
            let (_, members) =
                <Runtime as cpc_consensus_primitives::HybridConsensusApi>::validators();
            assert_eq!(members.len(), validators, "{name}");
            let (_, _, term_length) =
                <Runtime as cpc_consensus_primitives::HybridConsensusApi>::term();
            assert_eq!(term_length, 8, "4 proposers x 2 views");
            let candidates = cpc_pallet_hybrid_consensus::Candidates::iter().count();
            assert_eq!(
                candidates, validators,
                "{name}: only the validators propose"
            );
            assert_eq!(
                cpc_pallet_mainchain_tracker::Pallet::<Runtime>::tracked(),
                None
            );
        });
    }
    assert_eq!(VERSION.spec_name, "cpchain-sidechain");
}

#[test]
fn metadata_lists_the_pallets_and_every_declared_api() {
    let bytes = Runtime::metadata_at_version(15).unwrap();
    let RuntimeMetadata::V15(md) = RuntimeMetadataPrefixed::decode(&mut &bytes[..]).unwrap().1
    else {
        panic!("V15")
    };
    let pallets: Vec<(&str, u8)> = md
        .pallets
        .iter()
        .map(|p| (p.name.as_str(), p.index))
        .collect();
    assert_eq!(
        pallets,
        [
            ("System", 0),
            ("Timestamp", 1),
            ("Balances", 2),
            ("Governance", 3),
            ("HybridConsensus", 5),
            ("IotDevices", 8),
            ("MainchainTracker", 9),
            ("CrosschainTransfer", 10)
        ]
    );
    let mut declared: Vec<[u8; 8]> = VERSION.apis.iter().map(|(id, _)| *id).collect();
    let mut described: Vec<[u8; 8]> = md.apis.iter().map(|a| cpc_api::api_id(&a.name)).collect();
    declared.sort();
    described.sort();
    assert_eq!(declared, described);
    for method in api::API_METHODS {
        assert!(
            VERSION
                .apis
                .iter()
                .any(|(id, _)| *id == cpc_api::api_id(method.split('_').next().unwrap())),
            "{method} belongs to a declared API"
        );
    }
}

#[test]
fn hybrid_consensus_calls_encode_as_on_the_main_chain() {
    let call = cpc_pallet_hybrid_consensus::Call::note_impeachment_reason {
        block: 7,
        reason: cpc_pallet_hybrid_consensus::ImpeachReason::MissingProposal,
    };
    assert_eq!(
        RuntimeCall::HybridConsensus(call.clone()).encode(),
        cpc_runtime::RuntimeCall::HybridConsensus(call).encode()
    );
}

fn signed(call: RuntimeCall) -> OpaqueExtrinsic {
    let pair = Pair::from_seed(&[1; 32]);
    let extra = SignedExtra {
        era: cpc_primitives::Era::Immortal,
        nonce: 0,
        tip: 0,
    };
    let xt = UncheckedExtrinsic::sign(
        call,
        &pair,
        extra,
        &AdditionalSigned::immortal(&VERSION, H256::default()),
    );
    OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap()
}

#[test]
fn a_blocks_readings_are_those_of_its_accepted_batches_in_order() {
    let reading = |seq: u64| SignedReading {
        reading: Reading {
            device: 3,
            seq,
            timestamp: 1,
            payload: BoundedVec::try_from_vec(b"21.5C".to_vec()).unwrap(),
        },
        signature: cpc_primitives::sr25519::Signature([0; 64]),
    };
    let submit = |seqs: &[u64]| {
        signed(RuntimeCall::IotDevices(
            cpc_pallet_iot_devices::Call::submit_readings {
                readings: BoundedVec::try_from_vec(seqs.iter().map(|s| reading(*s)).collect())
                    .unwrap(),
            },
        ))
    };
    let transfer = signed(RuntimeCall::Balances(cpc_pallet_balances::Call::transfer {
        dest: cpc_primitives::MultiAddress::Id(AccountId::new([2; 32])),
        value: 5,
    }));
    // Extrinsic 0 is a transfer, 1 an accepted batch, 2 a refused one (no event), 3 accepted.
    let body = vec![transfer, submit(&[1, 2]), submit(&[2]), submit(&[3])];
    let accepted = |index: u32, first: u32, count: u32| cpc_pallet_system::EventRecord {
        phase: cpc_pallet_system::Phase::ApplyExtrinsic(index),
        event: cpc_runtime_sidechain::RuntimeEvent::IotDevices(
            cpc_pallet_iot_devices::Event::ReadingsAccepted {
                gateway: AccountId::new([1; 32]),
                first,
                count,
            },
        ),
        topics: vec![],
    };
    let mut ext = preset("sidechain_development");
    ext.execute_with(|| {
        cpc_pallet_system::Events::<Runtime>::put(&vec![accepted(1, 0, 2), accepted(3, 2, 1)]);
        assert_eq!(
            Runtime::block_readings(body.clone()),
            vec![reading(1), reading(2), reading(3)]
        );
        // A body that does not match the events yields what it can, never a panic.
        assert_eq!(Runtime::block_readings(vec![]), vec![]);
    });
}

#[test]
fn api_calls_answer_from_state_and_unknown_methods_are_none() {
    assert_eq!(api::dispatch("DataMarketApi_products", &[]), None);
    let mut ext = preset("sidechain_development");
    ext.execute_with(|| {
        let answer = api::dispatch("IotDevicesApi_readings_root", &(1 as BlockNumber).encode());
        let root: Option<cpc_sidechain_primitives::iot::ReadingsRoot> =
            Decode::decode(&mut &answer.unwrap()[..]).unwrap();
        assert_eq!(root, None, "no block has held readings");
        let answer = api::dispatch("IotDevicesApi_devices", &(0u32, 10u32).encode());
        let devices: Vec<(u32, cpc_sidechain_primitives::iot::Device)> =
            Decode::decode(&mut &answer.unwrap()[..]).unwrap();
        assert!(devices.is_empty());
    });
}
