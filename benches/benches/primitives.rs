//! Hot primitives: sr25519 verification (single and batched), trie roots and read proofs,
//! extrinsic decoding.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::*;
use cpc_crypto::sr25519::{self, Signature};
use cpc_primitives::{Block, OpaqueExtrinsic};
use cpc_runtime::{RuntimeCall, UncheckedExtrinsic};
use cpc_trie::{MemoryDB, build_trie, generate_read_proof, trie_root, verify_read_proof};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn signatures(c: &mut Criterion) {
    let pairs: Vec<_> = (0..100).map(pair).collect();
    let messages: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_le_bytes().repeat(30)).collect();
    let signatures: Vec<Signature> = pairs
        .iter()
        .zip(&messages)
        .map(|(p, m)| p.sign(m))
        .collect();
    let publics: Vec<_> = pairs.iter().map(|p| p.public()).collect();
    c.bench_function("sr25519/verify one", |b| {
        b.iter(|| assert!(sr25519::verify(&signatures[0], &messages[0], &publics[0])))
    });
    let mut group = c.benchmark_group("sr25519/verify batch of 100");
    group.throughput(Throughput::Elements(100));
    group.bench_function("batch", |b| {
        b.iter(|| {
            let items = signatures
                .iter()
                .zip(&messages)
                .zip(&publics)
                .map(|((s, m), p)| (s, m.as_slice(), p));
            assert!(sr25519::verify_batch(items))
        })
    });
    group.finish();
    // Once a block: the proposer's VRF output (hybrid consensus's election randomness).
    let input = cpc_primitives::lbft::vrf_input(
        &cpc_primitives::H256([5; 32]),
        &cpc_primitives::H256([7; 32]),
        42,
    );
    let (vrf, output) = pairs[0].vrf_sign(cpc_primitives::lbft::VRF_CONTEXT, &input);
    c.bench_function("sr25519/vrf verify", |b| {
        b.iter(|| {
            assert_eq!(
                sr25519::vrf_verify(&publics[0], cpc_primitives::lbft::VRF_CONTEXT, &input, &vrf),
                Some(output)
            )
        })
    });
}

fn tries(c: &mut Criterion) {
    let mut group = c.benchmark_group("trie/root");
    for n in [1_000u32, 10_000] {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
            .map(|i| {
                (
                    cpc_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(),
                    vec![i as u8; 80],
                )
            })
            .collect();
        group.throughput(Throughput::Elements(u64::from(n)));
        group.bench_with_input(BenchmarkId::from_parameter(n), &entries, |b, entries| {
            b.iter(|| trie_root(entries.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))))
        });
    }
    group.finish();

    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..10_000u32)
        .map(|i| {
            (
                cpc_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(),
                vec![i as u8; 80],
            )
        })
        .collect();
    let mut db = MemoryDB::default();
    let root = build_trie(&mut db, entries.clone());
    let keys: Vec<&[u8]> = entries
        .iter()
        .step_by(1000)
        .map(|(k, _)| k.as_slice())
        .collect();
    c.bench_function("trie/read proof of 10 keys in 10k (generate)", |b| {
        b.iter(|| generate_read_proof(&db, &root, keys.iter().copied()).unwrap())
    });
    let proof = generate_read_proof(&db, &root, keys.iter().copied()).unwrap();
    c.bench_function("trie/read proof of 10 keys in 10k (verify)", |b| {
        b.iter(|| verify_read_proof(&root, &proof, keys.iter().copied()).unwrap())
    });
}

fn decoding(c: &mut Criterion) {
    let to = cpc_primitives::AccountId::from(pair(1).public());
    let xts: Vec<OpaqueExtrinsic> = (0..1000)
        .map(|i| {
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer {
                dest: to.into(),
                value: 1,
            });
            OpaqueExtrinsic::from_encoded(&signed(&pair(0), call, i).encode()).unwrap()
        })
        .collect();
    let block = Block {
        header: cpc_primitives::Header {
            parent_hash: Default::default(),
            number: 1,
            state_root: Default::default(),
            extrinsics_root: Default::default(),
            digest: Default::default(),
        },
        extrinsics: xts,
    };
    let bytes = block.encode();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("block of 1000 transfers (bounded)", |b| {
        b.iter(|| {
            let block = Block::decode_bounded(&bytes).unwrap();
            for xt in &block.extrinsics {
                UncheckedExtrinsic::decode_bounded(&xt.encode()).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, signatures, tries, decoding);
criterion_main!(benches);
