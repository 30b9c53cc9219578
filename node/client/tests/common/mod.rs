//! A node for client tests: a client over RocksDB in a temporary directory, a controllable
//! clock, and helpers to sign, build and import blocks.

#![allow(dead_code)] // Each test file uses a part.

use codec::Encode;
use cpc_client::{
    AcceptAll, BlockOrigin, BuildParams, Client, ClientConfig, ExecutionMode, ImportError,
    ImportParams, chain_spec::ChainSpec, genesis,
};
use cpc_db::{ChainDb, DbConfig, PruningMode};
use cpc_executor::{NativeExecutor, WasmExecutor, WasmExecutorConfig};
use cpc_primitives::{
    AccountId, Block, Digest, OpaqueExtrinsic, UncheckedExtrinsic,
    era::Era,
    extrinsic::{AdditionalSigned, RawCall, SignedExtra},
    inherent::InherentData,
};
use cpc_runtime::{RuntimeCall, VERSION, WASM_BINARY};
use cpc_runtime_test_utils::pair;
use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The development chain, under another id.
pub const SPEC: &str = r#"{
    "name": "Test", "id": "test", "chainType": "Development",
    "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
    "genesis": {"runtimeGenesis": {"preset": "development"}}
}"#;

/// A client with its clock.
pub struct Node {
    pub client: Client,
    pub clock: Arc<AtomicU64>,
    pub _dir: Option<tempfile::TempDir>,
}

/// A node with a fresh database.
pub fn node(execution: ExecutionMode, pruning: PruningMode) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut node = open(dir.path(), execution, pruning, BTreeMap::new());
    node._dir = Some(dir);
    node
}

/// A node over the database in `path` (created if absent), with `code_substitutes`.
pub fn open(
    path: &Path,
    execution: ExecutionMode,
    pruning: PruningMode,
    code_substitutes: BTreeMap<u32, Vec<u8>>,
) -> Node {
    open_with(
        path,
        execution,
        pruning,
        code_substitutes,
        WasmExecutorConfig::default(),
    )
}

/// A node with a fresh database whose blocks have `block_fuel`.
pub fn node_with_fuel(block_fuel: u64) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut node = open_with(
        dir.path(),
        ExecutionMode::Wasm,
        PruningMode::Archive,
        BTreeMap::new(),
        WasmExecutorConfig {
            block_fuel,
            ..Default::default()
        },
    );
    node._dir = Some(dir);
    node
}

/// [`open`] with an executor of `wasm_config` (genesis is built with the default one).
pub fn open_with(
    path: &Path,
    execution: ExecutionMode,
    pruning: PruningMode,
    code_substitutes: BTreeMap<u32, Vec<u8>>,
    wasm_config: WasmExecutorConfig,
) -> Node {
    let wasm = Arc::new(WasmExecutor::new(wasm_config).unwrap());
    let spec = ChainSpec::from_json(SPEC.as_bytes()).unwrap();
    let storage = genesis::build_genesis_storage(
        &spec,
        &WasmExecutor::new(WasmExecutorConfig::default()).unwrap(),
        WASM_BINARY.unwrap(),
    )
    .unwrap();
    let genesis = genesis::GenesisState::from_storage(storage);
    let db = Arc::new(
        ChainDb::open(
            path,
            &DbConfig {
                pruning: Some(pruning),
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let clock = Arc::new(AtomicU64::new(1_700_000_000_000));
    let data_clock = clock.clone();
    let native = Arc::new(NativeExecutor::new(
        cpc_runtime::api::dispatch,
        VERSION,
        Some(wasm.clone()),
    ));
    let config = ClientConfig {
        execution,
        inherent_data: Arc::new(move || inherent_data(data_clock.load(Ordering::Relaxed))),
        verifier: Arc::new(AcceptAll),
        code_substitutes,
    };
    let client = Client::new(db, wasm, Some(native), &genesis, config).unwrap();
    Node {
        client,
        clock,
        _dir: None,
    }
}

/// Inherent data with timestamp `now`.
pub fn inherent_data(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(cpc_pallet_timestamp::INHERENT_IDENTIFIER, &now);
    data
}

/// `call` signed by `signer` for the runtime of this binary.
pub fn sign(client: &Client, signer: &str, call: RuntimeCall, nonce: u32) -> OpaqueExtrinsic {
    sign_raw(client, signer, call.encode(), VERSION.spec_version, nonce)
}

/// The encoded `call` signed by `signer` for a runtime of `spec_version`.
pub fn sign_raw(
    client: &Client,
    signer: &str,
    call: Vec<u8>,
    spec_version: u32,
    nonce: u32,
) -> OpaqueExtrinsic {
    let genesis = client.info().genesis_hash;
    let version = cpc_version::RuntimeVersion {
        spec_version,
        ..VERSION
    };
    let additional = AdditionalSigned::immortal(&version, genesis);
    let xt = UncheckedExtrinsic::sign(
        RawCall(call),
        &pair(signer),
        SignedExtra {
            era: Era::Immortal,
            nonce,
            tip: 0,
        },
        &additional,
    );
    OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap()
}

/// Builds a block on the best block, one second after the last.
pub fn build(node: &Node, txs: Vec<OpaqueExtrinsic>) -> cpc_client::BuiltBlock {
    let now = node.clock.fetch_add(1000, Ordering::Relaxed) + 1000;
    let params = BuildParams {
        parent: node.client.info().best_hash,
        inherent_data: inherent_data(now),
        digest: Digest::default(),
        deadline: Instant::now() + Duration::from_secs(10),
    };
    node.client
        .build_block(params, txs.into_iter().map(|x| (x.hash(), x)))
        .unwrap()
}

/// Builds a block and imports it on the same node.
pub fn author(node: &Node, txs: Vec<OpaqueExtrinsic>) -> cpc_client::BuiltBlock {
    let built = build(node, txs);
    import(node, built.block.clone(), Some(built.changes.clone())).unwrap();
    built
}

/// The free balance of `who` at the best block.
pub fn free(client: &Client, who: &AccountId) -> u128 {
    let key = cpc_pallet_system::Account::hashed_key(who);
    let at = client.info().best_hash;
    let info: cpc_pallet_system::AccountInfo = client
        .storage(&at, &key)
        .unwrap()
        .map(|v| codec::Decode::decode(&mut &v[..]).unwrap())
        .unwrap_or_default();
    info.data.free
}

/// Imports `block` as received from the network (executed unless `precomputed`).
pub fn import(
    node: &Node,
    block: Block,
    precomputed: Option<cpc_client::StateChanges>,
) -> Result<cpc_client::ImportedBlock, ImportError> {
    node.client.import_block(ImportParams {
        block,
        justification: None,
        origin: BlockOrigin::Network,
        finalized: true,
        precomputed,
    })
}
