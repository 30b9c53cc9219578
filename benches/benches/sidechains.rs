//! Sidechain hot paths, natively (`docs/benchmarks.md`, "Sidechains"):
//!
//! - `sidechain/anchor`: the main runtime's registry accepting one sidechain header with a
//!   commit certificate of 4 and of 10 signers (the batch verification dominates);
//! - `iot/submit_readings`: the sidechain runtime accepting a gateway's batch of 100 readings
//!   from distinct devices (per reading: its device's sequence entry, its share of the batch
//!   verification, its leaf);
//! - `iot/verify_reading_proof`: checking a reading against a sidechain state root, for states
//!   of 10^4 to 10^6 entries and a block of 10^4 readings.
//!
//! Each measured call runs on a fresh copy of the prepared state.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_consensus_primitives::testing::{SimChain, keys};
use cpc_primitives::{AccountId, H256};
use cpc_sidechain_primitives::iot::{
    Reading, ReadingProof, ReadingsRoot, SignedReading, readings_root_key, readings_trie_proof,
    verify_reading_proof,
};
use cpc_state_machine::TestExternalities;
use cpc_support::{BoundedVec, Dispatchable, RawOrigin};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeMap;

fn main_runtime_state() -> BTreeMap<Vec<u8>, Vec<u8>> {
    cpc_benches::genesis(4, 1_000_000_000_000_000_000)
}

fn anchor(c: &mut Criterion) {
    let mut group = c.benchmark_group("sidechain/anchor one header");
    for signers in [4u8, 10] {
        let committee = cpc_consensus_primitives::testing::pairs(50, signers);
        let mut chain = SimChain::new(1, committee.clone());
        chain.grow(1);
        let owner = AccountId::from(cpc_benches::pair(0).public());
        let mut ext = cpc_benches::block_ext(&main_runtime_state());
        ext.execute_with(|| {
            let register = cpc_runtime::RuntimeCall::SidechainRegistry(
                cpc_pallet_sidechain_registry::Call::register {
                    genesis: chain.headers[0].clone(),
                    committee: BoundedVec::try_from_vec(keys(&committee)).unwrap(),
                    bond: cpc_runtime::constants::SIDECHAIN_MIN_BOND,
                    metadata: BoundedVec::new(),
                },
            );
            register.dispatch(RawOrigin::Signed(owner)).unwrap();
        });
        ext.commit_all();
        let prepared = ext.storage();
        // All members sign, as a healthy committee does.
        let all: Vec<u16> = (0..u16::from(signers)).collect();
        let call = cpc_runtime::RuntimeCall::SidechainRegistry(
            cpc_pallet_sidechain_registry::Call::anchor {
                id: 0,
                headers: BoundedVec::try_from_vec(vec![chain.headers[1].clone()]).unwrap(),
                certificate: chain.certify_by(&committee, &all, &chain.headers[1]),
            },
        );
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("signers", signers), |b| {
            b.iter_batched(
                || TestExternalities::new(prepared.clone()),
                |mut ext| {
                    ext.execute_with(|| {
                        call.clone().dispatch(RawOrigin::Signed(owner)).unwrap();
                    });
                    ext
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn submit_readings(c: &mut Criterion) {
    const DEVICES: u32 = 100;
    let owner = cpc_benches::pair(0);
    let gateway = cpc_benches::pair(1);
    let json = format!(
        r#"{{"balances":{{"balances":[["{}",1000000000000000000],["{}",1000000000000000000]]}}}}"#,
        AccountId::from(owner.public()),
        AccountId::from(gateway.public())
    );
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        <cpc_runtime_sidechain::Runtime as cpc_api::GenesisBuilder>::build_state(json.into_bytes())
    })
    .unwrap();
    ext.commit_all();
    let devices: Vec<cpc_crypto::sr25519::Pair> =
        (0..DEVICES).map(|i| cpc_benches::pair(1000 + i)).collect();
    let chain = H256::zero();
    ext.execute_with(|| {
        for device in &devices {
            let call = cpc_runtime_sidechain::RuntimeCall::IotDevices(
                cpc_pallet_iot_devices::Call::register_device {
                    key: device.public(),
                    metadata: BoundedVec::new(),
                    proof: device.sign(&cpc_sidechain_primitives::iot::registration_payload(
                        &chain,
                        &AccountId::from(owner.public()),
                    )),
                },
            );
            call.dispatch(RawOrigin::Signed(AccountId::from(owner.public())))
                .unwrap();
        }
    });
    ext.commit_all();
    let prepared = ext.storage();
    // Signed ahead, as the simulator does.
    let readings: Vec<SignedReading> = devices
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let reading = Reading {
                device: i as u32,
                seq: 1,
                timestamp: 0,
                payload: BoundedVec::try_from_vec(b"{\"t\":21.5,\"h\":40}".to_vec()).unwrap(),
            };
            let signature = key.sign(&reading.signing_payload(&chain));
            SignedReading { reading, signature }
        })
        .collect();
    let call = cpc_runtime_sidechain::RuntimeCall::IotDevices(
        cpc_pallet_iot_devices::Call::submit_readings {
            readings: BoundedVec::try_from_vec(readings).unwrap(),
        },
    );
    let who = AccountId::from(gateway.public());
    let mut group = c.benchmark_group("iot/submit_readings");
    group.throughput(Throughput::Elements(u64::from(DEVICES)));
    group.bench_function("100 readings of distinct devices", |b| {
        b.iter_batched(
            || TestExternalities::new(prepared.clone()),
            |mut ext| {
                ext.execute_with(|| {
                    call.clone().dispatch(RawOrigin::Signed(who)).unwrap();
                });
                ext
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn verify_proof(c: &mut Criterion) {
    const READINGS: u32 = 10_000;
    let readings: Vec<SignedReading> = (0..READINGS)
        .map(|i| SignedReading {
            reading: Reading {
                device: i,
                seq: 1,
                timestamp: 0,
                payload: BoundedVec::try_from_vec(i.encode()).unwrap(),
            },
            signature: cpc_primitives::sr25519::Signature([7; 64]),
        })
        .collect();
    let leaves: Vec<H256> = readings.iter().map(SignedReading::leaf).collect();
    let root = ReadingsRoot {
        root: cpc_trie::ordered_trie_root(leaves.iter().map(|l| l.0.to_vec())),
        count: READINGS,
    };
    let index = READINGS / 2;
    let readings_proof = readings_trie_proof(&leaves, index).unwrap();
    let mut group = c.benchmark_group("iot/verify_reading_proof");
    for entries in [10_000u32, 100_000, 1_000_000] {
        // A state of `entries` other entries (device sequences, accounts) besides the root.
        let mut db = cpc_trie::MemoryDB::default();
        let mut state: Vec<(Vec<u8>, Vec<u8>)> = (0..entries)
            .map(|i| {
                let key = cpc_primitives::hashing::blake2_256(&i.encode()).to_vec();
                (key, (i, [0u8; 36]).encode())
            })
            .collect();
        state.push((readings_root_key(7), root.encode()));
        let state_root = cpc_trie::build_trie(&mut db, state);
        let key = readings_root_key(7);
        let state_proof =
            cpc_trie::generate_read_proof(&db, &state_root, [key.as_slice()]).unwrap();
        let proof = ReadingProof {
            reading: readings[index as usize].clone(),
            block: 7,
            index,
            at: 9,
            state_proof,
            readings_proof: readings_proof.clone(),
        };
        eprintln!(
            "state of {entries} entries: proof of {} bytes",
            proof.encode().len()
        );
        group.bench_function(BenchmarkId::new("state entries", entries), |b| {
            b.iter(|| verify_reading_proof(&state_root, &proof).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, anchor, submit_readings, verify_proof);
criterion_main!(benches);
