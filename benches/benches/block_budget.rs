//! Maximum-weight blocks of each call kind, imported as a validator receives them: the import
//! time against the block's execution budget (half the period) and against the weight the
//! runtime charged. Throughput must not come from weights that under-price work: for every
//! kind the import must stay within the budget (ratio ≤ 1).
//!
//! The state is the dev chain (1 s period, 500 ms of block weight) plus a million funded
//! accounts, bigger than the node's caches. Every transaction has its own sender, never used
//! before, so each one pays for its sender's account cold; recipients are random existing
//! accounts, or new ones. The author builds each block, offered more transactions than fit,
//! until the weight limit stops it; a second node with no signature memory imports it from
//! the network (execution in wasm with the batch verification on both cores, state root,
//! RocksDB commit). Three blocks of each kind, one after another; the median is reported.
//!
//! `cargo bench -p cpc-benches --bench block_budget` (prints a report; no criterion: the
//! result is a ratio of figures from the same run).

// The report prints from `main`.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::node::{
    block_weight, build, client, executor, funded_account, genesis_storage, import, median, millis,
    weight_millis,
};
use cpc_client::BlockOrigin;
use cpc_crypto::sr25519::Pair;
use cpc_executor::WasmExecutorConfig;
use cpc_primitives::{AccountId, H256, OpaqueExtrinsic, hashing::blake2_256};
use cpc_runtime::{RuntimeCall, WASM_BINARY};
use std::time::{Duration, Instant};

/// Accounts in the state besides the senders.
const ACCOUNTS: u32 = 1_000_000;
/// Blocks imported per call kind.
const BLOCKS: u32 = 3;
/// Transactions offered per block: more than any kind fits.
const OFFERED: u32 = 8_000;

/// The id of filler account `i`.
fn filler(i: u32) -> AccountId {
    AccountId::new(blake2_256(&i.to_le_bytes()))
}

/// One call kind: its name and the call sender `i` makes in it.
struct Kind {
    name: &'static str,
    call: fn(u32) -> RuntimeCall,
}

const KINDS: [Kind; 3] = [
    Kind {
        name: "transfer_keep_alive to an existing account",
        call: |i| {
            RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
                dest: filler(i.wrapping_mul(2_654_435_761) % ACCOUNTS).into(),
                value: 1_000_000_000_000,
            })
        },
    },
    Kind {
        name: "transfer to a new account",
        call: |i| {
            RuntimeCall::Balances(cpc_pallet_balances::Call::transfer {
                dest: AccountId::new(blake2_256(&(u64::from(i) << 32).to_le_bytes())).into(),
                value: 1_000_000_000_000,
            })
        },
    },
    Kind {
        name: "remark_with_event of 256 bytes",
        call: |i| {
            RuntimeCall::System(cpc_pallet_system::Call::remark_with_event {
                remark: [i.to_le_bytes().as_slice(), &[7u8; 252]].concat(),
            })
        },
    },
];

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let senders = KINDS.len() as u32 * BLOCKS * OFFERED;
    eprintln!("Deriving {senders} sender keys…");
    let keys: Vec<Pair> = (0..senders)
        .map(|i| cpc_benches::pair(1_000_000 + i))
        .collect();

    let author_wasm = executor(WasmExecutorConfig::default().verified_signatures, 0);
    let importer_wasm = executor(0, 0);
    let code = WASM_BINARY.expect("the runtime is built");
    let mut storage = genesis_storage(
        include_bytes!("../../chain-spec/dev.json"),
        code,
        &author_wasm,
    );
    for i in 0..ACCOUNTS {
        let (k, v) = funded_account(&filler(i), 1_000_000_000_000);
        storage.insert(k, v);
    }
    for key in &keys {
        let (k, v) = funded_account(&AccountId::from(key.public()), 1_000_000_000_000_000_000);
        storage.insert(k, v);
    }
    eprintln!(
        "Writing the genesis state of {} entries twice…",
        storage.len()
    );
    let (author_dir, importer_dir) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let author = client(author_dir.path(), storage.clone(), &author_wasm);
    let importer = client(importer_dir.path(), storage, &importer_wasm);
    drop(author_wasm);
    let genesis = author.info().genesis_hash;
    let limits = <cpc_runtime::Runtime as cpc_pallet_system::Config>::BLOCK_WEIGHTS;
    let budget = Duration::from_nanos(limits.max_block.ref_time / 1_000);

    // An empty block first: both nodes compile the runtime and warm their caches on it.
    let mut time = 1_700_000_000_000u64;
    let (empty, _) = build(&author, genesis, time, Vec::new());
    import(&author, empty.clone(), BlockOrigin::Own);
    import(&importer, empty, BlockOrigin::Network);
    let mut next_sender = 0u32;
    println!(
        "Budget: {} of block execution (half the 1 s period); {ACCOUNTS} accounts in the state",
        millis(budget)
    );
    for kind in &KINDS {
        let (mut imports, mut sizes, mut charged) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..BLOCKS {
            let txs: Vec<(H256, OpaqueExtrinsic)> = (next_sender..next_sender + OFFERED)
                .map(|i| {
                    let xt = cpc_benches::signed_for(genesis, &keys[i as usize], (kind.call)(i), 0);
                    let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).expect("valid");
                    (opaque.hash(), opaque)
                })
                .collect();
            next_sender += OFFERED;
            time += 1_000;
            let (block, included) = build(&author, author.info().best_hash, time, txs);
            let hash = import(&author, block.clone(), BlockOrigin::Own);
            let used = block_weight(&author, &hash);
            let start = Instant::now();
            import(&importer, block, BlockOrigin::Network);
            imports.push(start.elapsed());
            sizes.push(included);
            charged.push(used.normal.saturating_add(used.mandatory));
        }
        let took = median(imports.clone());
        let weight = charged[BLOCKS as usize / 2];
        println!(
            "{}: {} transactions a block (weight {}); import {} (median; {}), {} µs a \
             transaction; {}% of the budget, {}% of the charged weight",
            kind.name,
            sizes[BLOCKS as usize / 2],
            weight_millis(weight),
            millis(took),
            imports
                .iter()
                .map(|d| millis(*d))
                .collect::<Vec<_>>()
                .join(", "),
            took.as_micros() / sizes[BLOCKS as usize / 2].max(1) as u128,
            took.as_nanos() * 100 / budget.as_nanos().max(1),
            took.as_nanos() * 100 / u128::from(weight.ref_time / 1_000).max(1),
        );
    }
}
