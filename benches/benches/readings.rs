//! A sidechain block full of device readings: the weight the runtime charged for it beside the
//! time a node takes to import it, and the readings per second that block size allows.
//!
//! The weights decide how many readings a block takes; this checks that they do not promise
//! more than the machine does. A node that imports the block from a peer has verified none of
//! its device signatures, so the importer here runs with signature memory off
//! ([`cpc_executor::signatures`]): every reading's verification is paid, in the host's batch
//! verification on both cores, as in a running node.
//!
//! The chain is `sidechain-dev` (500 ms period, one validator); block 1 registers the fleet,
//! block 2 is built from gateway batches of 100 readings of distinct devices, offered until
//! the block is full by weight (or by the runtime's per-block bound). The import of block 2
//! (execution in wasm, state root, RocksDB commit) is timed on a fresh database each run.
//!
//! `cargo bench -p cpc-benches --bench readings [-- DEVICES]` (default 200 devices; prints a
//! report; no criterion: the result is a ratio of two figures from the same run).

// The report prints from `main`.
#![allow(missing_docs)]

use cpc_benches::node::{
    block_weight, build, client, executor, genesis_storage, import, median, millis,
    signed_on_sidechain, weight_millis,
};
use cpc_client::BlockOrigin;
use cpc_crypto::sr25519::Pair;
use cpc_executor::{WasmExecutor, WasmExecutorConfig};
use cpc_primitives::{AccountId, Block};
use cpc_runtime_sidechain::{RuntimeCall, WASM_BINARY};
use cpc_sidechain_primitives::iot::{Reading, SignedReading, registration_payload};
use cpc_support::BoundedVec;
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

/// Timed imports; the median is reported.
const RUNS: usize = 7;
/// Readings per gateway batch, as in the measurement.
const BATCH: u32 = 100;
/// The sidechain's block period, for the readings-per-second figure.
const PERIOD_MS: u128 = 500;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let devices: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200)
        .max(1);
    let author_wasm = executor(WasmExecutorConfig::default().verified_signatures, 0);
    let storage = genesis_storage(
        include_bytes!("../../chain-spec/sidechain-dev.json"),
        WASM_BINARY.expect("the sidechain runtime is built"),
        &author_wasm,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let author = client(dir.path(), storage.clone(), &author_wasm);
    let genesis = author.info().genesis_hash;
    let (alice, _) = Pair::from_suri("//Alice").expect("dev key");
    let (bob, _) = Pair::from_suri("//Bob").expect("dev key");
    let owner = AccountId::new(alice.public().0);

    // The fleet, registered by Alice over as many blocks as it takes.
    let keys: Vec<Pair> = (0..devices)
        .map(|i| {
            Pair::from_suri(&format!("//bench//device//{i}"))
                .expect("device key")
                .0
        })
        .collect();
    let mut registrations: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(nonce, key)| {
            let call = RuntimeCall::IotDevices(cpc_pallet_iot_devices::Call::register_device {
                key: key.public(),
                metadata: BoundedVec::new(),
                proof: key.sign(&registration_payload(&genesis, &owner)),
            });
            signed_on_sidechain(genesis, &alice, call, nonce as u32)
        })
        .collect();
    let mut time = 1_700_000_000_000u64;
    let mut parent = genesis;
    let mut setup = Vec::new();
    while !registrations.is_empty() {
        let (block, included) = build(&author, parent, time, registrations.clone());
        registrations.drain(..included);
        parent = import(&author, block.clone(), BlockOrigin::Own);
        setup.push(block);
        time += 500;
    }

    // Gateway batches of distinct devices, round robin, signed ahead; more than a block takes.
    let offered = 10_000 / BATCH;
    let mut next = 0u32;
    let batches: Vec<_> = (0..offered)
        .map(|nonce| {
            let readings = (0..BATCH)
                .map(|_| {
                    let device = next % devices;
                    next += 1;
                    let reading = Reading {
                        device,
                        seq: u64::from(next),
                        timestamp: time,
                        payload: BoundedVec::try_from_vec(b"{\"t\":21.5,\"h\":40}".to_vec())
                            .expect("small payload"),
                    };
                    let signature = keys[device as usize].sign(&reading.signing_payload(&genesis));
                    SignedReading { reading, signature }
                })
                .collect();
            let call = RuntimeCall::IotDevices(cpc_pallet_iot_devices::Call::submit_readings {
                readings: BoundedVec::try_from_vec(readings).expect("one batch"),
            });
            signed_on_sidechain(genesis, &bob, call, nonce)
        })
        .collect();
    let (full, included) = build(&author, parent, time, batches);
    let readings = included as u32 * BATCH;
    let hash = import(&author, full.clone(), BlockOrigin::Own);
    let used = block_weight(&author, &hash);
    let limits = <cpc_runtime_sidechain::Runtime as cpc_pallet_system::Config>::BLOCK_WEIGHTS;
    let normal_limit = limits
        .max_total(cpc_primitives::dispatch::DispatchClass::Normal)
        .expect("normal calls are limited");

    let charged = used.normal.saturating_add(used.mandatory);
    println!(
        "{devices} devices, batches of {BATCH}: a full block holds {readings} readings \
         ({} readings/s at {PERIOD_MS} ms); weight charged {} (normal {} of its {} limit, \
         mandatory {})",
        u128::from(readings) * 1_000 / PERIOD_MS,
        weight_millis(charged),
        weight_millis(used.normal),
        weight_millis(normal_limit),
        weight_millis(used.mandatory),
    );
    // The import a validator does for a block from the network, nothing verified before: the
    // figure the weight must cover. The other two lines split it: the verification on one
    // core, and everything but the verification (signatures remembered from a first import).
    for (name, remembered, threads, warm) in [
        ("from the network (both cores for the batch)", 0, 0, false),
        ("from the network, one core", 0, 1, false),
        ("signatures already verified", 1_000_000, 0, true),
    ] {
        let wasm = executor(remembered, threads);
        if warm {
            let dir = tempfile::tempdir().expect("temp dir");
            let node = client(dir.path(), storage.clone(), &wasm);
            for block in setup.iter().chain([&full]) {
                import(&node, block.clone(), BlockOrigin::Network);
            }
        }
        let took = time_import(&storage, &wasm, &setup, &full);
        println!(
            "  imported {name}: {} (median of {RUNS}), {} µs per reading, {}% of the charged \
             weight",
            millis(took),
            took.as_micros() / u128::from(readings.max(1)),
            took.as_nanos() * 100 / (u128::from(charged.ref_time) / 1_000).max(1),
        );
    }
}

/// Median time of importing `full` on a fresh database holding `setup`.
fn time_import(
    storage: &BTreeMap<Vec<u8>, Vec<u8>>,
    wasm: &Arc<WasmExecutor>,
    setup: &[Block],
    full: &Block,
) -> Duration {
    let samples = (0..RUNS)
        .map(|_| {
            let dir = tempfile::tempdir().expect("temp dir");
            let node = client(dir.path(), storage.clone(), wasm);
            for block in setup {
                import(&node, block.clone(), BlockOrigin::Network);
            }
            let block = full.clone();
            let start = Instant::now();
            import(&node, block, BlockOrigin::Network);
            start.elapsed()
        })
        .collect();
    median(samples)
}
