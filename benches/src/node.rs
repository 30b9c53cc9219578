//! Node-level set-up for the benches that build and import whole blocks: a wasm executor with
//! a chosen signature memory, genesis storage from a chain spec, a client over a fresh RocksDB
//! database, and the import of a block as a validator receives it.

use cpc_client::{
    AcceptAll, BlockOrigin, BuildParams, Client, ClientConfig, ExecutionMode, ImportParams,
    chain_spec::ChainSpec,
};
use cpc_db::{ChainDb, DbConfig, PruningMode};
use cpc_executor::{WasmExecutor, WasmExecutorConfig};
use cpc_primitives::{
    Block, Digest, H256, OpaqueExtrinsic, inherent::InherentData, weight::Weight,
};
use cpc_support::weights::PerDispatchClass;
use std::{
    collections::BTreeMap,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

/// A wasm executor remembering up to `remembered` verified signatures (0: none, as a node
/// that sees a block's transactions for the first time) and splitting batch verifications
/// over `threads` threads (0: the machine's cores).
pub fn executor(remembered: usize, threads: usize) -> Arc<WasmExecutor> {
    Arc::new(
        WasmExecutor::new(WasmExecutorConfig {
            verified_signatures: remembered,
            verify_threads: threads,
            ..Default::default()
        })
        .expect("wasmtime starts"),
    )
}

/// The genesis storage of chain spec `spec_json` running `code`, with the code in it.
pub fn genesis_storage(
    spec_json: &[u8],
    code: &[u8],
    wasm: &WasmExecutor,
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let spec = ChainSpec::from_json(spec_json).expect("a valid chain spec");
    let mut storage =
        cpc_client::genesis::build_genesis_storage(&spec, wasm, code).expect("genesis builds");
    storage.insert(b":code".to_vec(), code.to_vec());
    storage
}

/// A client over a fresh RocksDB database in `dir` with genesis `storage`, executing in wasm.
pub fn client(dir: &Path, storage: BTreeMap<Vec<u8>, Vec<u8>>, wasm: &Arc<WasmExecutor>) -> Client {
    let genesis = cpc_client::genesis::GenesisState::from_storage(storage);
    let db = Arc::new(
        ChainDb::open(
            dir,
            &DbConfig {
                pruning: Some(PruningMode::KeepLast(256)),
                ..Default::default()
            },
        )
        .expect("database opens"),
    );
    let config = ClientConfig {
        execution: ExecutionMode::Wasm,
        inherent_data: Arc::new(|| inherent(u64::MAX / 2)),
        verifier: Arc::new(AcceptAll),
        code_substitutes: Default::default(),
    };
    Client::new(db, wasm.clone(), None, &genesis, config).expect("client starts")
}

/// Inherent data with the timestamp `now`.
pub fn inherent(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(cpc_pallet_timestamp::INHERENT_IDENTIFIER, &now);
    data
}

/// Builds a block on `parent` at time `now` from `txs`, in order, as far as they fit; returns
/// it with the number of transactions included. Every transaction must be valid.
pub fn build(
    node: &Client,
    parent: H256,
    now: u64,
    txs: Vec<(H256, OpaqueExtrinsic)>,
) -> (Block, usize) {
    let built = node
        .build_block(
            BuildParams {
                parent,
                inherent_data: inherent(now),
                digest: Digest::default(),
                deadline: Instant::now() + Duration::from_secs(600),
            },
            txs,
        )
        .expect("block builds");
    assert!(built.rejected.is_empty(), "{:?}", built.rejected.first());
    let included = built.included.len();
    (built.block, included)
}

/// Imports `block` as final; returns its hash. Takes the block by value so that a timed
/// import does not include copying it.
pub fn import(node: &Client, block: Block, origin: BlockOrigin) -> H256 {
    node.import_block(ImportParams {
        block,
        justification: None,
        origin,
        finalized: true,
        precomputed: None,
    })
    .expect("the block imports")
    .hash
}

/// The weight block `hash` used, by class, as its state records it.
pub fn block_weight(node: &Client, hash: &H256) -> PerDispatchClass<Weight> {
    use codec::Decode;
    node.storage(hash, &cpc_pallet_system::BlockWeight::hashed_key())
        .expect("state of the block")
        .and_then(|raw| PerDispatchClass::<Weight>::decode(&mut &raw[..]).ok())
        .expect("the block's weight")
}

/// `d` as milliseconds with one decimal.
pub fn millis(d: Duration) -> String {
    let micros = d.as_micros();
    format!("{}.{} ms", micros / 1_000, (micros % 1_000) / 100)
}

/// A weight as milliseconds with one decimal.
pub fn weight_millis(w: Weight) -> String {
    millis(Duration::from_nanos(w.ref_time / 1_000))
}

/// A `System.Account` entry (key, value) for `who`, holding `free` and alive on its own.
pub fn funded_account(who: &cpc_primitives::AccountId, free: u128) -> (Vec<u8>, Vec<u8>) {
    use codec::Encode;
    let info = cpc_pallet_system::AccountInfo {
        providers: 1,
        data: cpc_pallet_system::AccountData {
            free,
            ..Default::default()
        },
        ..Default::default()
    };
    (cpc_pallet_system::Account::hashed_key(who), info.encode())
}

/// The median of `samples`.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// `call` of the sidechain runtime signed immortally by `signer` for the sidechain with
/// genesis `genesis`, with its hash, as a block builder takes it.
pub fn signed_on_sidechain(
    genesis: H256,
    signer: &cpc_crypto::sr25519::Pair,
    call: cpc_runtime_sidechain::RuntimeCall,
    nonce: u32,
) -> (H256, OpaqueExtrinsic) {
    use codec::Encode;
    let extra = cpc_primitives::SignedExtra {
        era: cpc_primitives::Era::Immortal,
        nonce,
        tip: 0,
    };
    let additional = cpc_primitives::extrinsic::AdditionalSigned::immortal(
        &cpc_runtime_sidechain::VERSION,
        genesis,
    );
    let xt = cpc_primitives::UncheckedExtrinsic::sign(call, signer, extra, &additional);
    let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).expect("valid extrinsic");
    (opaque.hash(), opaque)
}
