//! The node's hot paths: a runtime call in wasm (instantiation included) and natively, the
//! import of blocks of transfers into RocksDB with execution in wasm, and the per-key storage
//! costs (`READ`, `WRITE` of the weights) on a large state in RocksDB.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use codec::Encode;
use cpc_api::{Method, block_builder, core};
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
                executor
                    .call(&mut ext, &code, <core::version as Method>::NAME, &[])
                    .unwrap()
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
                        .call(
                            &mut ext,
                            &code,
                            <block_builder::apply_extrinsic as Method>::NAME,
                            &input,
                        )
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

/// Accounts in the state of the storage benchmark: a chain with a million accounts.
const STATE_ACCOUNTS: u32 = 1_000_000;
/// Keys written per block in the write benchmark, about what a full block of transfers writes.
const WRITES_PER_BLOCK: u32 = 2_000;

/// The `System.Account` key of account number `i`, and an `AccountInfo`-sized value.
fn account_entry(i: u32, version: u32) -> (Vec<u8>, Vec<u8>) {
    let id = cpc_primitives::hashing::blake2_256(&i.to_le_bytes());
    let mut key =
        hex::decode("26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9").unwrap();
    key.extend_from_slice(&cpc_primitives::hashing::blake2_128(&id));
    key.extend_from_slice(&id);
    let mut value = vec![0u8; 80];
    value[..4].copy_from_slice(&version.to_le_bytes());
    value[16..20].copy_from_slice(&i.to_le_bytes());
    (key, value)
}

/// A deterministic sequence of account numbers below `STATE_ACCOUNTS` (a 64-bit LCG), so reads
/// and writes land all over the trie like a real block's do.
struct Picker(u64);

impl Picker {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(STATE_ACCOUNTS)) as u32
    }
}

/// What `READ` and `WRITE` in the weights stand for, measured on a state of a million accounts
/// in RocksDB (the node's store and settings, 128 MiB block cache, the state bigger than it):
/// - read: one key read through the trie from the state root (every node from the store);
/// - write: per key of a block that changes `WRITES_PER_BLOCK` keys: the new state root, its
///   nodes and the reference counts committed in one RocksDB batch with pruning of old state.
///   The overlay's share of a write is in the pallets' measurements.
fn storage(c: &mut Criterion) {
    use cpc_primitives::{H256, Header};
    use cpc_state_machine::Backend;
    let dir = tempfile::tempdir().unwrap();
    let db = ChainDb::open(
        dir.path(),
        &DbConfig {
            pruning: Some(PruningMode::KeepLast(256)),
            ..Default::default()
        },
    )
    .unwrap();
    let mut nodes = cpc_trie::MemoryDB::default();
    let mut root =
        cpc_trie::build_trie(&mut nodes, (0..STATE_ACCOUNTS).map(|i| account_entry(i, 0)));
    let genesis = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: root,
        extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
        digest: Digest::default(),
    };
    let mut parent = genesis.hash();
    db.commit_genesis(genesis, nodes).unwrap();
    db.flush().unwrap();

    let mut group = c.benchmark_group("storage");
    group.throughput(Throughput::Elements(1));
    let mut picker = Picker(7);
    group.bench_function(format!("read one key, {STATE_ACCOUNTS} accounts"), |b| {
        let state = db.state_at(root).unwrap().unwrap();
        b.iter(|| {
            state
                .storage(&account_entry(picker.next(), 0).0)
                .unwrap()
                .unwrap()
        })
    });

    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(u64::from(WRITES_PER_BLOCK)));
    let mut number = 0u32;
    // Cold: keys nobody read (the path to each comes from the store during the root
    // computation). Read first: what a block does, whose calls read an account before writing
    // it (weights charge that read as `READ`), so the path is in the node cache.
    for (name, read_first) in [("", false), (" read first", true)] {
        group.bench_function(
            format!(
                "write {WRITES_PER_BLOCK} keys{name}: root and commit, {STATE_ACCOUNTS} accounts"
            ),
            |b| {
                b.iter_custom(|blocks| {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..blocks {
                        number += 1;
                        let changes: BTreeMap<Vec<u8>, Vec<u8>> = (0..WRITES_PER_BLOCK)
                            .map(|_| account_entry(picker.next(), number))
                            .collect();
                        let state = db.state_at(root).unwrap().unwrap();
                        if read_first {
                            for key in changes.keys() {
                                state.storage(key).unwrap();
                            }
                        }
                        let start = Instant::now();
                        let (new_root, state_changes) = state
                            .apply_changes(
                                changes
                                    .iter()
                                    .map(|(k, v)| (k.as_slice(), Some(v.as_slice()))),
                            )
                            .unwrap();
                        let header = Header {
                            parent_hash: parent,
                            number,
                            state_root: new_root,
                            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
                            digest: Digest::default(),
                        };
                        let hash = header.hash();
                        db.commit(cpc_db::BlockCommit {
                            header,
                            body: Vec::new(),
                            justification: None,
                            state_changes,
                            finalized: true,
                        })
                        .unwrap();
                        elapsed += start.elapsed();
                        root = new_root;
                        parent = hash;
                    }
                    elapsed
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, runtime_calls, block_import, set_code, storage);
criterion_main!(benches);
