//! Cross-chain messages: what checking one proof costs against the size of the source's state,
//! and how many messages a sidechain block receives, proof verification included, beside the
//! weight the runtime charged and the time a node takes to import the block.
//!
//! The source is a synthetic main-chain state: `STATE` filler entries (32-byte keys, 40-byte
//! values, the shape of account entries) plus the records of the messages sent to sidechain
//! 0, under their real keys (`xchain::outbound_key`). Its root is the checkpoint the
//! sidechain's main-chain tracker starts from, so `receive` checks real proofs against it.
//! The sidechain is `sidechain-dev` (500 ms period) with channel 0 opened at genesis; its
//! block 1 is built from `receive` calls, each of a distinct message with its proof, until
//! the block is full by weight; its import (execution in wasm, state root, RocksDB commit) is
//! timed on a fresh database each run.
//!
//! `cargo bench -p cpc-benches --bench crosschain [-- STATE]` (default 100,000 entries;
//! prints a report; no criterion: the figures are ratios from the same run).

// The report prints from `main`.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::node::{
    block_weight, build, client, executor, genesis_storage, import, median, millis,
    signed_on_sidechain, weight_millis,
};
use cpc_client::BlockOrigin;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{AccountId, H256, hashing::blake2_256};
use cpc_runtime_sidechain::{RuntimeCall, WASM_BINARY};
use cpc_sidechain_primitives::xchain::{
    ChainRef, Direction, Message, OutboundRecord, OutboundStatus, outbound_key,
};
use cpc_trie::{MemoryDB, StorageProof, build_trie, generate_read_proof, verify_read_proof};
use serde_json::json;
use std::time::{Duration, Instant};

/// Timed imports; the median is reported.
const RUNS: usize = 5;
/// Messages offered: more than a block takes.
const MESSAGES: u64 = 3_000;
/// The sidechain's block period, for the messages-per-second figure.
const PERIOD_MS: u128 = 500;

fn message(nonce: u64) -> Message {
    Message {
        channel: 0,
        direction: Direction::ToSidechain,
        nonce,
        sender: AccountId::new(blake2_256(&nonce.to_le_bytes())),
        beneficiary: AccountId::new(blake2_256(&((nonce + 1) << 32).to_le_bytes())),
        asset: ChainRef::Main,
        amount: 1_000_000_000_000,
        relay_fee: 1_000_000_000,
        timeout: 1_000_000,
    }
}

/// A synthetic main-chain state of `filler` entries and the records of `messages` messages:
/// its node database and root.
fn main_state(filler: u64, messages: u64) -> (MemoryDB, H256) {
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = (0..filler)
        .map(|i| (blake2_256(&i.to_le_bytes()).to_vec(), vec![7u8; 40]))
        .collect();
    entries.extend((0..messages).map(|nonce| {
        let record = OutboundRecord {
            message: message(nonce),
            sent_at: 1,
            status: OutboundStatus::InFlight,
        };
        (outbound_key(0, nonce), record.encode())
    }));
    let mut db = MemoryDB::default();
    let root = build_trie(&mut db, entries);
    (db, root)
}

fn proof(db: &MemoryDB, root: &H256, nonce: u64) -> StorageProof {
    generate_read_proof(db, root, [outbound_key(0, nonce).as_slice()]).expect("the state's trie")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let state: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);

    // 1. One proof against states of growing size (native).
    println!("one proof of a message record, checked natively:");
    for filler in [1_000u64, 100_000, 1_000_000] {
        let (db, root) = main_state(filler, 16);
        let proof = proof(&db, &root, 3);
        let key = outbound_key(0, 3);
        let samples: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let values = verify_read_proof(&root, &proof, [key.as_slice()]).expect("valid");
                assert!(values[&key].is_some());
                started.elapsed()
            })
            .collect();
        println!(
            "  state of {filler} entries: proof of {} nodes, {} bytes, verified in {} µs (median)",
            proof.len(),
            proof.encoded_size(),
            median(samples).as_micros()
        );
    }

    // 2. A sidechain block of receives, proven against a main root its tracker holds.
    let (db, root) = main_state(state, MESSAGES);
    let (alice, _) = Pair::from_suri("//Alice").expect("dev key");
    let (bob, _) = Pair::from_suri("//Bob").expect("dev key");
    let mut spec: serde_json::Value =
        serde_json::from_slice(include_bytes!("../../chain-spec/sidechain-dev.json"))
            .expect("the spec parses");
    spec["genesis"]["runtimeGenesis"]["patch"] = json!({
        "mainchainTracker": {
            "mainGenesis": format!("{:#}", H256([1; 32])),
            "checkpoint": {
                "number": 0,
                "hash": format!("{:#}", H256([2; 32])),
                "stateRoot": format!("{root:#}"),
                "setId": 0,
                "committee": [AccountId::new(alice.public().0).to_string()],
            },
        },
        "crosschainTransfer": {
            "sidechainId": 0,
            "mintCap": 1_000_000_000_000_000_000u64,
            "mintWindow": 1,
        },
    });
    let author_wasm = executor(0, 0);
    let storage = genesis_storage(
        spec.to_string().as_bytes(),
        WASM_BINARY.expect("the sidechain runtime is built"),
        &author_wasm,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let author = client(dir.path(), storage.clone(), &author_wasm);
    let genesis = author.info().genesis_hash;
    let receives: Vec<_> = (0..MESSAGES)
        .map(|nonce| {
            let call =
                RuntimeCall::CrosschainTransfer(cpc_pallet_crosschain_transfer::Call::receive {
                    message: message(nonce),
                    proof: proof(&db, &root, nonce),
                    at: 0,
                });
            signed_on_sidechain(genesis, &bob, call, nonce as u32)
        })
        .collect();
    let proof_bytes = receives
        .iter()
        .map(|(_, xt)| xt.encode().len())
        .sum::<usize>()
        / receives.len();
    let (full, included) = build(&author, genesis, 1_700_000_000_000, receives);
    let hash = import(&author, full.clone(), BlockOrigin::Own);
    let used = block_weight(&author, &hash);
    let charged = used.normal.saturating_add(used.mandatory);
    println!(
        "a sidechain block of receives (main state of {state} entries, extrinsics of {proof_bytes} \
         bytes): {included} messages ({} messages/s at {PERIOD_MS} ms); weight charged {}",
        included as u128 * 1_000 / PERIOD_MS,
        weight_millis(charged),
    );
    let wasm = executor(0, 0);
    let samples = (0..RUNS)
        .map(|_| {
            let dir = tempfile::tempdir().expect("temp dir");
            let node = client(dir.path(), storage.clone(), &wasm);
            let block = full.clone();
            let started = Instant::now();
            import(&node, block, BlockOrigin::Network);
            started.elapsed()
        })
        .collect();
    let took = median(samples);
    println!(
        "  imported from the network: {} (median of {RUNS}), {} µs per message, {}% of the \
         charged weight",
        millis(took),
        took.as_micros() / (included as u128).max(1),
        took.as_nanos() * 100 / (u128::from(charged.ref_time) / 1_000).max(1),
    );
}
