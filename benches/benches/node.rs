//! The node's hot paths: a runtime call in wasm (instantiation included) and natively, and the
//! import of blocks of transfers into RocksDB with execution in wasm.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_benches::*;
use cpc_client::{
    AcceptAll, BlockOrigin, BuildParams, Client, ClientConfig, ExecutionMode, ImportParams,
};
use cpc_db::{ChainDb, DbConfig, PruningMode};
use cpc_executor::{
    NativeExecutor, RuntimeCode, RuntimeExecutor, WasmExecutor, WasmExecutorConfig,
};
use cpc_primitives::{AccountId, Digest, OpaqueExtrinsic, inherent::InherentData};
use cpc_runtime::{RuntimeCall, VERSION, WASM_BINARY, api};
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

fn runtime_calls(c: &mut Criterion) {
    let wasm = WasmExecutor::new(WasmExecutorConfig::default()).unwrap();
    let native = NativeExecutor::new(api::dispatch, VERSION, None);
    let code = RuntimeCode::from_bytes(WASM_BINARY.unwrap());
    wasm.prepare(&code).unwrap();
    let backend = InMemoryBackend::default();
    for (name, executor) in [("wasm", &wasm as &dyn RuntimeExecutor), ("native", &native)] {
        c.bench_function(&format!("runtime call Core_version ({name})"), |b| {
            b.iter(|| {
                let mut overlay = OverlayedChanges::new();
                let mut ext = Ext::new(&mut overlay, &backend, None);
                executor.call(&mut ext, &code, "Core_version", &[]).unwrap()
            })
        });
    }

    let storage = genesis(4, 1_000_000_000_000_000);
    let to = AccountId::from(pair(1).public());
    let xt = signed(
        &pair(0),
        RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
            dest: to.into(),
            value: 1_000_000_000_000,
        }),
        0,
    );
    let input = OpaqueExtrinsic::from_encoded(&xt.encode())
        .unwrap()
        .encode();
    for (name, executor) in [("wasm", &wasm as &dyn RuntimeExecutor), ("native", &native)] {
        c.bench_function(&format!("apply a signed transfer ({name})"), |b| {
            b.iter_batched(
                || {
                    let mut ext = block_ext(&storage);
                    ext.commit_all();
                    InMemoryBackend::new(ext.storage())
                },
                |backend| {
                    let mut overlay = OverlayedChanges::new();
                    let mut ext = Ext::new(&mut overlay, &backend, None);
                    executor
                        .call(&mut ext, &code, "BlockBuilder_apply_extrinsic", &input)
                        .unwrap()
                },
                BatchSize::SmallInput,
            )
        });
    }
}

/// `set_code`'s cost: reading the version of code the executor has not seen, which compiles it
/// (the weight of `set_code` is derived from this, per byte of code).
fn set_code(c: &mut Criterion) {
    use cpc_state_machine::ReadRuntimeVersion;
    let code = WASM_BINARY.unwrap();
    let mut group = c.benchmark_group("set_code");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(code.len() as u64));
    group.bench_function(
        format!(
            "read the version of new code ({} KiB, cold)",
            code.len() / 1024
        ),
        |b| {
            b.iter_batched(
                || WasmExecutor::new(WasmExecutorConfig::default()).unwrap(),
                |executor| executor.read_runtime_version(code).unwrap(),
                BatchSize::PerIteration,
            )
        },
    );
    group.finish();
}

/// A client over a fresh RocksDB with genesis `storage`, executing with `mode`; `wasm` is
/// shared so its compiled runtime is cached, as in a running node.
fn client(
    dir: &std::path::Path,
    storage: &BTreeMap<Vec<u8>, Vec<u8>>,
    wasm: &Arc<WasmExecutor>,
    mode: ExecutionMode,
) -> Client {
    let mut storage = storage.clone();
    storage.insert(b":code".to_vec(), WASM_BINARY.unwrap().to_vec());
    let genesis = cpc_client::genesis::GenesisState::from_storage(storage);
    let db = Arc::new(
        ChainDb::open(
            dir,
            &DbConfig {
                pruning: Some(PruningMode::KeepLast(256)),
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let native = Arc::new(NativeExecutor::new(
        api::dispatch,
        VERSION,
        Some(wasm.clone() as Arc<dyn RuntimeExecutor>),
    ));
    let config = ClientConfig {
        execution: mode,
        inherent_data: Arc::new(|| inherent(u64::MAX / 2)),
        verifier: Arc::new(AcceptAll),
        code_substitutes: Default::default(),
    };
    Client::new(db, wasm.clone(), Some(native), &genesis, config).unwrap()
}

fn inherent(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(cpc_pallet_timestamp::INHERENT_IDENTIFIER, &now);
    data
}

/// A block of `n` transfers, each from another funded account to another new account, built
/// by an author on genesis `storage`.
fn transfers_block(
    storage: &BTreeMap<Vec<u8>, Vec<u8>>,
    n: u32,
    wasm: &Arc<WasmExecutor>,
) -> cpc_primitives::Block {
    let dir = tempfile::tempdir().unwrap();
    let author = client(dir.path(), storage, wasm, ExecutionMode::Wasm);
    let genesis_hash = author.info().genesis_hash;
    let txs: Vec<(cpc_primitives::H256, OpaqueExtrinsic)> = (0..n)
        .map(|i| {
            let mut to = [0xee; 32];
            to[..4].copy_from_slice(&i.to_le_bytes());
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer {
                dest: AccountId::new(to).into(),
                value: 1_000_000_000_000,
            });
            let xt = signed_for(genesis_hash, &pair(i), call, 0);
            let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();
            (opaque.hash(), opaque)
        })
        .collect();
    let params = BuildParams {
        parent: genesis_hash,
        inherent_data: inherent(1_700_000_000_000),
        digest: Digest::default(),
        deadline: Instant::now() + Duration::from_secs(600),
    };
    let built = author.build_block(params, txs).unwrap();
    assert_eq!(
        built.included.len(),
        n as usize,
        "{:?} (full: {})",
        built.rejected.first(),
        built.full
    );
    built.block
}

/// Block import: execution (wasm or native), state root, RocksDB commit. The 5,000-transfer
/// block needs a chain whose block period lets it in under the current weights (8 s).
fn block_import(c: &mut Criterion) {
    let mut group = c.benchmark_group("block import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let wasm = Arc::new(WasmExecutor::new(WasmExecutorConfig::default()).unwrap());
    wasm.prepare(&RuntimeCode::from_bytes(WASM_BINARY.unwrap()))
        .unwrap();
    for (n, period) in [(100u32, None), (500, None), (5_000, Some(8_000))] {
        let storage = genesis_with_period(n, 1_000_000_000_000_000_000, period);
        let block = transfers_block(&storage, n, &wasm);
        group.throughput(Throughput::Elements(u64::from(n)));
        let modes = if n == 5_000 {
            vec![
                ("wasm", ExecutionMode::Wasm),
                ("native", ExecutionMode::Native),
            ]
        } else {
            vec![("wasm", ExecutionMode::Wasm)]
        };
        for (name, mode) in modes {
            group.bench_function(format!("{n} transfers ({name})"), |b| {
                b.iter_batched(
                    || {
                        let dir = tempfile::tempdir().unwrap();
                        let node = client(dir.path(), &storage, &wasm, mode);
                        (dir, node)
                    },
                    |(dir, node)| {
                        node.import_block(ImportParams {
                            block: block.clone(),
                            justification: None,
                            origin: BlockOrigin::Network,
                            finalized: true,
                            precomputed: None,
                        })
                        .unwrap();
                        (dir, node)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, runtime_calls, block_import, set_code);
criterion_main!(benches);
