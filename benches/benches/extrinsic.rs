//! Block execution per transfer, by Substrate's definition (`benchmark extrinsic`), beside the
//! sr25519 verification rate measured in the same run, so that the two can be compared on a
//! machine whose speed varies from run to run.
//!
//! Substrate's `benchmark extrinsic --pallet balances --extrinsic transfer_keep_alive` fills a
//! block with `transfer_keep_alive` from a dev account on the dev genesis state, executes it in
//! wasm on the parent state (state root included, nothing committed), subtracts the time of an
//! empty block and divides by the number of transfers. This does the same through the node's
//! client (`Core_execute_block` on the RocksDB state, as `cpchain check-block` runs it), then
//! imports the same kind of block on a state of a million accounts with the commit included.
//!
//! Signature memory ([`cpc_executor::signatures`]) is off unless a line says otherwise: a node
//! that sees a block's transactions for the first time pays every verification, and that is
//! the figure to compare.
//!
//! `cargo bench -p cpc-benches --bench extrinsic` (prints a report; no criterion: the result
//! is a ratio of figures from the same run).

// The report prints from `main`.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::{
    node::{build, client, executor, funded_account, genesis_storage, import, median},
    signed_for,
};
use cpc_client::{BlockOrigin, Client};
use cpc_crypto::sr25519::{self, Pair};
use cpc_primitives::{AccountId, Block, H256, OpaqueExtrinsic};
use cpc_runtime::{RuntimeCall, WASM_BINARY};
use std::time::{Duration, Instant};

/// Timed runs of each block; the median is reported.
const RUNS: usize = 15;
/// Accounts added to the dev genesis for the large-state import.
const LARGE_STATE_ACCOUNTS: u32 = 1_000_000;

fn micros(d: Duration) -> String {
    let nanos = d.as_nanos();
    format!("{}.{} µs", nanos / 1_000, (nanos % 1_000) / 100)
}

fn dev_storage(wasm: &cpc_executor::WasmExecutor) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    genesis_storage(
        include_bytes!("../../chain-spec/dev.json"),
        WASM_BINARY.expect("the runtime is built"),
        wasm,
    )
}

/// A block on genesis holding as many `transfer_keep_alive` from Alice to Bob as its weight
/// limit admits (`count` caps it; 0 builds an empty block).
fn block_of_transfers(node: &Client, count: u32) -> Block {
    build_on(node, node.info().genesis_hash, 0, count)
}

/// Like [`block_of_transfers`], on block `parent`, Alice's nonces from `first_nonce`.
fn build_on(node: &Client, parent: H256, first_nonce: u32, count: u32) -> Block {
    let (alice, _) = Pair::from_suri("//Alice").expect("dev key");
    let (bob, _) = Pair::from_suri("//Bob").expect("dev key");
    let genesis = node.info().genesis_hash;
    let txs = (first_nonce..first_nonce + count).map(|nonce| {
        let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
            dest: AccountId::new(bob.public().0).into(),
            value: 1_000_000_000,
        });
        let xt = signed_for(genesis, &alice, call, nonce);
        let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).expect("valid extrinsic");
        (opaque.hash(), opaque)
    });
    let now = 1_700_000_000_000 + u64::from(first_nonce) * 10_000;
    build(node, parent, now, txs.collect()).0
}

/// Signed messages for the verification samples.
struct Signed(Vec<(sr25519::Signature, Vec<u8>, sr25519::Public)>);

impl Signed {
    fn new() -> Self {
        Self(
            (0..100u8)
                .map(|i| {
                    let pair = Pair::from_seed(&[i; 32]);
                    let message = vec![i; 120];
                    (pair.sign(&message), message, pair.public())
                })
                .collect(),
        )
    }

    /// Time of one single verification, averaged over the set.
    fn single(&self) -> Duration {
        let start = Instant::now();
        for (s, m, p) in &self.0 {
            assert!(sr25519::verify(s, m, p));
        }
        start.elapsed() / self.0.len() as u32
    }

    /// Time per signature of verifying the set as one batch.
    fn batched(&self) -> Duration {
        let start = Instant::now();
        assert!(sr25519::verify_batch(self.0.iter().map(|(s, m, p)| (
            s,
            m.as_slice(),
            p
        ))));
        start.elapsed() / self.0.len() as u32
    }
}

/// Medians of executing `block` on its parent's state (root checked, nothing stored) and of a
/// single sr25519 verification, sampled in turn so that both see the same machine: speed here
/// drifts by tens of percent within minutes.
fn execute(node: &Client, block: &Block, signed: &Signed) -> (Duration, Duration) {
    node.reexecute_block(block).expect("the block executes"); // warm-up
    let (mut blocks, mut singles) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        singles.push(signed.single());
        let start = Instant::now();
        node.reexecute_block(block).expect("the block executes");
        blocks.push(start.elapsed());
    }
    (median(blocks), median(singles))
}

fn transfers(block: &Block) -> u32 {
    // Every extrinsic but the timestamp inherent.
    block.extrinsics.len().saturating_sub(1) as u32
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let signed = Signed::new();
    for (name, remembered, threads) in [
        ("one core, no signature memory", 0, 1),
        ("both cores for the batch, no signature memory", 0, 0),
        (
            "signatures already verified by this node's pool",
            100_000,
            0,
        ),
    ] {
        let wasm = executor(remembered, threads);
        let storage = dev_storage(&wasm);
        let dir = tempfile::tempdir().expect("temp dir");
        let node = client(dir.path(), storage, &wasm);
        let empty = block_of_transfers(&node, 0);
        let full = block_of_transfers(&node, 20_000);
        let n = transfers(&full);
        let (base, _) = execute(&node, &empty, &signed);
        let (total, single) = execute(&node, &full, &signed);
        let each = total.saturating_sub(base) / n;
        // Transfers per second as a share of single verifications per second, in per mille.
        let share = single.as_nanos() * 1_000 / each.as_nanos().max(1);
        let worth = each.as_nanos() * 100 / single.as_nanos().max(1);
        println!(
            "{name}: block of {n} transfer_keep_alive {}, empty block {}, per transfer {}; \
             one sr25519 verification meanwhile {} (batched {}): {}.{}% of the verification \
             rate, {}.{:02} verifications' worth per transfer",
            micros(total),
            micros(base),
            micros(each),
            micros(single),
            micros(signed.batched()),
            share / 10,
            share % 10,
            worth / 100,
            worth % 100,
        );
    }

    large_state_import();
}

/// The same kind of full block imported (executed, root, RocksDB commit) on the dev genesis
/// plus a million accounts, the state bigger than the caches.
fn large_state_import() {
    let wasm = executor(0, 1);
    let mut storage = dev_storage(&wasm);
    for i in 0..LARGE_STATE_ACCOUNTS {
        let id = AccountId::new(cpc_primitives::hashing::blake2_256(&i.to_le_bytes()));
        let (key, value) = funded_account(&id, 1_000_000_000_000);
        storage.insert(key, value);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let node = client(dir.path(), storage, &wasm);
    let genesis_time = started.elapsed();
    // Blocks one after another on the chain (Alice's nonce goes on), each built by the node
    // and then imported as if received: executed again, its root computed, committed.
    let (mut samples, mut n, mut nonce) = (Vec::new(), 0, 0);
    for _ in 0..5 {
        let block = build_on(&node, node.info().best_hash, nonce, 20_000);
        n = transfers(&block);
        nonce += n;
        let start = Instant::now();
        import(&node, block, BlockOrigin::Network);
        samples.push(start.elapsed());
    }
    let total = median(samples);
    println!(
        "import with commit, dev genesis + {LARGE_STATE_ACCOUNTS} accounts (genesis written in {:?}): block of {n} transfers {}, per transfer {}",
        genesis_time,
        micros(total),
        micros(total / n)
    );
}
