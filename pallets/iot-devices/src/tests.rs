//! Unit tests of the devices pallet: registration and revocation, batches and every refusal
//! (storage compared by state root), the per-block bound, the readings root against an
//! independent model, and reading proofs checked against a state root.

use crate::{mock::*, *};
use codec::{Decode, Encode};
use cpc_primitives::{dispatch::DispatchResultWithPostInfo, sr25519::Pair};
use cpc_sidechain_primitives::iot::{
    ReadingProof, ReadingProofError, readings_root_key, readings_trie_proof, verify_reading_proof,
};
use cpc_support::{BoundedVec, assert_noop, assert_ok};

type Iot = Pallet<Test>;
type Balances = cpc_pallet_balances::Pallet<Test>;

const OWNER: u8 = 1;
const GATEWAY: u8 = 2;

fn call(c: Call, who: u8) -> DispatchResultWithPostInfo {
    Iot::dispatch_call(c, RawOrigin::Signed(account(who)))
}

fn register_call(key: &Pair, owner: u8) -> Call {
    Call::register_device {
        key: key.public(),
        metadata: BoundedVec::try_from_vec(b"soil probe, field 7".to_vec()).unwrap(),
        proof: key.sign(&registration_payload(&CHAIN, &account(owner))),
    }
}

/// Registers devices 0..n for OWNER; device i has key `device_key(i)`.
fn register(n: u8) {
    for i in 0..n {
        assert_ok!(call(register_call(&device_key(i), OWNER), OWNER));
    }
}

fn submit(readings: Vec<SignedReading>) -> DispatchResultWithPostInfo {
    call(
        Call::submit_readings {
            readings: BoundedVec::try_from_vec(readings).unwrap(),
        },
        GATEWAY,
    )
}

#[test]
fn owners_register_devices_with_a_deposit_and_revoke_them() {
    new_test_ext().execute_with(|| {
        let key = device_key(0);
        // The key must agree: a proof for another owner, or by another key, is refused.
        let mut stolen = register_call(&key, OWNER);
        if let Call::register_device { proof, .. } = &mut stolen {
            *proof = key.sign(&registration_payload(&CHAIN, &account(3)));
        }
        assert_noop!(call(stolen, OWNER), Error::BadRegistrationProof);
        let mut forged = register_call(&key, OWNER);
        if let Call::register_device { proof, .. } = &mut forged {
            *proof = device_key(1).sign(&registration_payload(&CHAIN, &account(OWNER)));
        }
        assert_noop!(call(forged, OWNER), Error::BadRegistrationProof);
        assert_noop!(
            Iot::dispatch_call(register_call(&key, 20), RawOrigin::Signed(account(20))),
            Error::InsufficientBalance
        );

        assert_ok!(call(register_call(&key, OWNER), OWNER));
        assert_eq!(Balances::reserved_balance(&account(OWNER)), DEPOSIT);
        assert_eq!(Devices::get(&0).unwrap().key, key.public());
        assert_noop!(call(register_call(&key, OWNER), OWNER), Error::KeyInUse);
        assert_eq!(Iot::devices(0, 10).len(), 1);
        Iot::check_invariants().unwrap();

        assert_noop!(call(Call::revoke_device { device: 0 }, 3), Error::NotOwner);
        assert_noop!(
            call(Call::revoke_device { device: 9 }, OWNER),
            Error::UnknownDevice
        );
        assert_ok!(call(Call::revoke_device { device: 0 }, OWNER));
        assert_eq!(Balances::reserved_balance(&account(OWNER)), 0);
        // A revoked device's readings are refused; its key can be registered again, anew.
        assert_noop!(
            submit(vec![reading(0, &key, 1, time_of(1), b"x")]),
            Error::UnknownDevice
        );
        assert_ok!(call(register_call(&key, OWNER), OWNER));
        assert_eq!(DeviceByKey::get(&key.public()), Some(1));
        Iot::check_invariants().unwrap();
    });
}

#[test]
fn batches_are_checked_whole_and_sequence_numbers_refuse_replays() {
    new_test_ext().execute_with(|| {
        register(3);
        let (k0, k1, k2) = (device_key(0), device_key(1), device_key(2));
        let t = time_of(1);
        let good = vec![
            reading(0, &k0, 1, t, b"21.5C"),
            reading(1, &k1, 7, t, b"40%"),
            reading(0, &k0, 2, t, b"21.6C"),
        ];
        assert_ok!(submit(good.clone()));
        assert_eq!(Sequences::get(&0).unwrap().last, Some(2));
        assert_eq!(Sequences::get(&1).unwrap().last, Some(7));
        assert_eq!(BlockReadings::get(), Some(3));

        // Replays, whole or in part.
        assert_noop!(submit(good.clone()), Error::StaleSequence);
        assert_noop!(
            submit(vec![reading(2, &k2, 1, t, b"ok"), good[2].clone()]),
            Error::StaleSequence
        );
        // Out of order inside a batch.
        assert_noop!(
            submit(vec![
                reading(2, &k2, 5, t, b"a"),
                reading(2, &k2, 5, t, b"b")
            ]),
            Error::StaleSequence
        );
        // One bad signature refuses the batch: signed by another device's key, or tampered.
        assert_noop!(
            submit(vec![
                reading(2, &k2, 1, t, b"a"),
                reading(1, &k2, 8, t, b"b")
            ]),
            Error::BadSignature
        );
        let mut tampered = reading(2, &k2, 1, t, b"12.0");
        tampered.reading.payload = BoundedVec::try_from_vec(b"99.9".to_vec()).unwrap();
        assert_noop!(submit(vec![tampered]), Error::BadSignature);
        // A reading signed for another chain.
        let mut other = reading(2, &k2, 1, t, b"a");
        other.signature = k2.sign(&other.reading.signing_payload(&H256([1; 32])));
        assert_noop!(submit(vec![other]), Error::BadSignature);
        // Unknown devices, far-future readings, empty batches.
        assert_noop!(
            submit(vec![reading(9, &k2, 1, t, b"a")]),
            Error::UnknownDevice
        );
        assert_noop!(
            submit(vec![reading(2, &k2, 1, t + DRIFT + 1, b"a")]),
            Error::FutureReading
        );
        assert_noop!(submit(vec![]), Error::EmptyBatch);
        Iot::check_invariants().unwrap();
    });
}

#[test]
fn over_bound_payloads_and_batches_do_not_decode() {
    let key = device_key(0);
    let mut payload_too_long = reading(0, &key, 1, 0, b"").encode();
    // Replace the empty payload's length prefix and add MAX_PAYLOAD + 1 bytes: the reading is
    // device (4), seq (8), timestamp (8), then the payload's compact length.
    payload_too_long.truncate(20);
    payload_too_long.extend(codec::Compact(MAX_PAYLOAD + 1).encode());
    payload_too_long.extend(vec![0u8; MAX_PAYLOAD as usize + 1]);
    payload_too_long.extend([0u8; 64]);
    assert!(SignedReading::decode(&mut &payload_too_long[..]).is_err());

    let one = reading(0, &key, 1, 0, b"x");
    let mut batch = vec![2u8];
    batch.extend(codec::Compact(MAX_BATCH + 1).encode());
    for _ in 0..=MAX_BATCH {
        batch.extend(one.encode());
    }
    assert!(Call::decode(&mut &batch[..]).is_err());
}

#[test]
fn a_block_takes_a_bounded_number_of_readings() {
    new_test_ext().execute_with(|| {
        register(2);
        let batch = |device: u32, from: u64, n: u64| {
            let key = device_key(device as u8);
            (from..from + n)
                .map(|seq| reading(device, &key, seq, time_of(1), b"r"))
                .collect::<Vec<_>>()
        };
        assert_ok!(submit(batch(0, 0, 8)));
        assert_noop!(submit(batch(1, 0, 5)), Error::BlockFull);
        assert_ok!(submit(batch(1, 0, 4)));
        next_block();
        assert_eq!(ReadingRoots::get(&1).unwrap().count, PER_BLOCK);
        assert_eq!(BlockReadings::get(), None);
        assert_ok!(submit(batch(1, 4, 5)));
    });
}

/// The readings root as an independent model computes it: the ordered trie of the leaves.
fn model_root(readings: &[SignedReading]) -> H256 {
    cpc_trie::ordered_trie_root(
        readings
            .iter()
            .map(|r| cpc_primitives::hashing::blake2_256(&r.encode()).to_vec()),
    )
}

#[test]
fn readings_are_provable_against_a_later_state_root() {
    let mut ext = new_test_ext();
    let readings: Vec<SignedReading> = ext.execute_with(|| {
        register(3);
        let readings: Vec<_> = (0..3u32)
            .map(|d| reading(d, &device_key(d as u8), 1, time_of(1), &[d as u8; 40]))
            .collect();
        assert_ok!(submit(readings[..2].to_vec()));
        assert_ok!(submit(readings[2..].to_vec()));
        next_block();
        // Block 2 holds none: no root stored for it.
        next_block();
        assert_eq!(ReadingRoots::get(&2), None);
        readings
    });
    let committed = ext.execute_with(|| ReadingRoots::get(&1).unwrap());
    assert_eq!(committed.root, model_root(&readings));
    assert_eq!(committed.count, 3);

    // The state at "block 3": every storage entry in a trie; prove block 1's root in it.
    let storage = ext.storage();
    let mut db = cpc_trie::MemoryDB::default();
    let state_root = cpc_trie::build_trie(&mut db, storage.clone());
    let key = readings_root_key(1);
    assert!(
        storage.contains_key(&key),
        "the documented key is the pallet's"
    );
    let state_proof = cpc_trie::generate_read_proof(&db, &state_root, [key.as_slice()]).unwrap();
    let leaves: Vec<H256> = readings.iter().map(SignedReading::leaf).collect();
    let proof = |index: u32| ReadingProof {
        reading: readings[index as usize].clone(),
        block: 1,
        index,
        at: 3,
        state_proof: state_proof.clone(),
        readings_proof: readings_trie_proof(&leaves, index).unwrap(),
    };
    for i in 0..3 {
        assert_eq!(verify_reading_proof(&state_root, &proof(i)), Ok(committed));
    }
    // Tampered reading, wrong index, truncated or foreign proofs are refused.
    let mut tampered = proof(1);
    tampered.reading.reading.payload = BoundedVec::try_from_vec(vec![9; 40]).unwrap();
    assert_eq!(
        verify_reading_proof(&state_root, &tampered),
        Err(ReadingProofError::NotInBlock)
    );
    let mut moved = proof(1);
    moved.index = 2;
    assert!(verify_reading_proof(&state_root, &moved).is_err());
    let mut beyond = proof(1);
    beyond.index = 3;
    assert_eq!(
        verify_reading_proof(&state_root, &beyond),
        Err(ReadingProofError::OutOfRange)
    );
    let mut truncated = proof(0);
    let nodes: Vec<Vec<u8>> = truncated.state_proof.nodes().skip(1).cloned().collect();
    truncated.state_proof = cpc_trie::StorageProof::new(nodes);
    assert_eq!(
        verify_reading_proof(&state_root, &truncated),
        Err(ReadingProofError::NoRoot)
    );
    let mut other_block = proof(0);
    other_block.block = 2;
    assert_eq!(
        verify_reading_proof(&state_root, &other_block),
        Err(ReadingProofError::NoRoot)
    );
    assert_eq!(
        verify_reading_proof(&H256([1; 32]), &proof(0)),
        Err(ReadingProofError::NoRoot)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn readings_roots_match_an_independent_model(
            blocks in proptest::collection::vec(
                proptest::collection::vec((0u32..4, 0usize..48), 0..PER_BLOCK as usize),
                1..6,
            )
        ) {
            new_test_ext().execute_with(|| {
                register(4);
                let mut seqs = [0u64; 4];
                for (i, block) in blocks.iter().enumerate() {
                    let n = i as u32 + 1;
                    let mut accepted = Vec::new();
                    // One batch per reading: each is accepted in order.
                    for (device, len) in block {
                        seqs[*device as usize] += 1;
                        let r = reading(
                            *device,
                            &device_key(*device as u8),
                            seqs[*device as usize],
                            time_of(n),
                            &vec![*len as u8; *len],
                        );
                        assert_ok!(submit(vec![r.clone()]));
                        accepted.push(r);
                    }
                    next_block();
                    let stored = ReadingRoots::get(&n);
                    if accepted.is_empty() {
                        assert_eq!(stored, None);
                    } else {
                        assert_eq!(
                            stored,
                            Some(ReadingsRoot { root: model_root(&accepted), count: accepted.len() as u32 })
                        );
                    }
                }
                Iot::check_invariants().unwrap();
            });
        }
    }
}

#[test]
fn a_block_charges_storage_once_per_device_however_many_readings_it_sent() {
    new_test_ext().execute_with(|| {
        register(3);
        next_block();
        let keys = [device_key(0), device_key(1), device_key(2)];
        let t = time_of(2);
        let batch = |seq: u64, devices: &[u32]| -> Vec<SignedReading> {
            devices
                .iter()
                .map(|&d| reading(d, &keys[d as usize], seq, t, b"21.5C"))
                .collect()
        };
        let weight = |n, fresh| weights::CpcWeight::submit_readings(n, 5 * n, fresh);
        let declared = |readings: &Vec<SignedReading>| {
            Iot::call_info(&Call::submit_readings {
                readings: BoundedVec::try_from_vec(readings.clone()).unwrap(),
            })
            .weight
        };

        // Declared as if every device were new to the block; reported as it was.
        let first = batch(1, &[0, 1]);
        assert_eq!(declared(&first), weight(2, 2));
        let post = submit(first).unwrap();
        assert_eq!(post.actual_weight, Some(weight(2, 2)));
        // Devices 0 and 1 are in the block's overlay now; device 2 is not.
        let post = submit(batch(2, &[0, 1, 2])).unwrap();
        assert_eq!(post.actual_weight, Some(weight(3, 1)));
        assert!(weight(3, 1).ref_time < weight(3, 3).ref_time);
        let post = submit(batch(3, &[2, 1])).unwrap();
        assert_eq!(post.actual_weight, Some(weight(2, 0)));
        assert_eq!(Sequences::get(&2).unwrap().written_at, 2);

        // A new block reads and writes every device again.
        next_block();
        let post = submit(batch(4, &[0, 1, 2])).unwrap();
        assert_eq!(post.actual_weight, Some(weight(3, 3)));
        // A refused batch reports nothing: the declared weight stands.
        assert_eq!(
            submit(batch(4, &[0])).unwrap_err().post_info.actual_weight,
            None
        );
    });
}

#[test]
fn sequence_entries_of_the_layout_before_written_at_still_decode() {
    let key = device_key(0).public();
    for last in [None, Some(7u64)] {
        let old = (key, last).encode();
        assert_eq!(
            SequenceState::decode(&mut &old[..]).unwrap(),
            SequenceState {
                key,
                last,
                written_at: 0
            }
        );
        let new = SequenceState {
            key,
            last,
            written_at: 9,
        };
        assert_eq!(SequenceState::decode(&mut &new.encode()[..]).unwrap(), new);
        // Truncated or padded entries are refused, not misread.
        let encoded = new.encode();
        assert!(SequenceState::decode(&mut &encoded[..encoded.len() - 1]).is_err());
        assert!(SequenceState::decode(&mut &old[..old.len() - 1]).is_err());
    }
    new_test_ext().execute_with(|| {
        register(1);
        // An entry stored in the old layout is read, then rewritten in the new one.
        cpc_io::storage::set(
            &Sequences::hashed_key(&0),
            &(device_key(0).public(), Some(3u64)).encode(),
        );
        assert_eq!(Sequences::get(&0).unwrap().written_at, 0);
        assert_noop!(
            submit(vec![reading(0, &device_key(0), 3, time_of(1), b"x")]),
            Error::StaleSequence
        );
        assert_ok!(submit(vec![reading(
            0,
            &device_key(0),
            4,
            time_of(1),
            b"x"
        )]));
        let raw = cpc_io::storage::get(&Sequences::hashed_key(&0)).unwrap();
        assert_eq!(SequenceState::decode(&mut &raw[..]).unwrap().written_at, 1);
        assert_eq!(raw.len(), 32 + 9 + 4);
    });
}
