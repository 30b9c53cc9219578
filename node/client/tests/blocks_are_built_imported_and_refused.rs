//! The client over RocksDB and the wasm runtime: genesis from a chain spec, blocks built by an
//! author imported without re-execution, the same blocks imported by another node with
//! execution, and refusals with their reasons.

use codec::Encode;
use cpc_client::{
    AcceptAll, BlockOrigin, BuildParams, Client, ClientConfig, ClientError, ExecutionMode,
    ImportError, ImportParams, chain_spec::ChainSpec, genesis,
};
use cpc_db::{ChainDb, DbConfig, PruningMode};
use cpc_executor::{NativeExecutor, WasmExecutor, WasmExecutorConfig};
use cpc_primitives::{
    AccountId, Block, Digest, H256, OpaqueExtrinsic,
    era::Era,
    extrinsic::{AdditionalSigned, SignedExtra},
    inherent::InherentData,
};
use cpc_runtime::{RuntimeCall, UncheckedExtrinsic, VERSION, WASM_BINARY};
use cpc_runtime_test_utils::{account, pair, transfer};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const SPEC: &str = r#"{
    "name": "Test", "id": "test", "chainType": "Development",
    "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
    "genesis": {"runtimeGenesis": {"preset": "development"}}
}"#;

struct Node {
    client: Client,
    clock: Arc<AtomicU64>,
    _dir: tempfile::TempDir,
}

fn node(execution: ExecutionMode, pruning: PruningMode) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let wasm = Arc::new(WasmExecutor::new(WasmExecutorConfig::default()).unwrap());
    let spec = ChainSpec::from_json(SPEC.as_bytes()).unwrap();
    let storage =
        genesis::build_genesis_storage(&spec, wasm.as_ref(), WASM_BINARY.unwrap()).unwrap();
    let genesis = genesis::GenesisState::from_storage(storage);
    let db = Arc::new(
        ChainDb::open(
            dir.path(),
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
    };
    let client = Client::new(db, wasm, Some(native), &genesis, config).unwrap();
    Node {
        client,
        clock,
        _dir: dir,
    }
}

fn inherent_data(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(cpc_pallet_timestamp::INHERENT_IDENTIFIER, &now);
    data
}

fn sign(client: &Client, signer: &str, call: RuntimeCall, nonce: u32) -> OpaqueExtrinsic {
    let genesis = client.info().genesis_hash;
    let additional = AdditionalSigned {
        spec_version: VERSION.spec_version,
        transaction_version: VERSION.transaction_version,
        genesis_hash: genesis,
        era_block_hash: genesis,
    };
    let xt = UncheckedExtrinsic::sign(
        call,
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

fn build(node: &Node, txs: Vec<OpaqueExtrinsic>) -> cpc_client::BuiltBlock {
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

fn free(client: &Client, who: &AccountId) -> u128 {
    let key = cpc_pallet_system::Account::hashed_key(who);
    let at = client.info().best_hash;
    let info: cpc_pallet_system::AccountInfo = client
        .storage(&at, &key)
        .unwrap()
        .map(|v| codec::Decode::decode(&mut &v[..]).unwrap())
        .unwrap_or_default();
    info.data.free
}

fn import(
    node: &Node,
    block: Block,
    precomputed: Option<std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
) -> Result<cpc_client::ImportedBlock, ImportError> {
    node.client.import_block(ImportParams {
        block,
        justification: None,
        origin: BlockOrigin::Network,
        finalized: true,
        precomputed,
    })
}

#[test]
fn authored_blocks_import_here_and_on_another_node() {
    let author = node(ExecutionMode::Wasm, PruningMode::Archive);
    let follower = node(ExecutionMode::Both, PruningMode::Archive);
    assert_eq!(
        author.client.info().genesis_hash,
        follower.client.info().genesis_hash
    );
    let bob = account("Bob");
    let bob_before = free(&author.client, &bob);
    for round in 0..3u32 {
        let txs = (0..20)
            .map(|i| {
                sign(
                    &author.client,
                    "Alice",
                    transfer(&bob, 1_000_000_000_000),
                    round * 20 + i,
                )
            })
            .collect();
        let built = build(&author, txs);
        assert_eq!(built.included.len(), 20, "{:?}", built.rejected);
        let block = built.block.clone();
        import(&author, built.block, Some(built.changes)).unwrap();
        follower
            .clock
            .store(author.clock.load(Ordering::Relaxed), Ordering::Relaxed);
        import(&follower, block, None).unwrap();
    }
    assert_eq!(
        author.client.info().best_hash,
        follower.client.info().best_hash
    );
    assert_eq!(author.client.info().finalized_number, 3);
    assert_eq!(
        free(&follower.client, &bob),
        bob_before + 60 * 1_000_000_000_000
    );
}

#[test]
fn invalid_transactions_are_rejected_by_the_builder() {
    let author = node(ExecutionMode::Wasm, PruningMode::Archive);
    let good = sign(
        &author.client,
        "Alice",
        transfer(&account("Bob"), 5_000_000_000),
        0,
    );
    let stale = sign(
        &author.client,
        "Alice",
        transfer(&account("Bob"), 6_000_000_000),
        0,
    );
    let garbage = OpaqueExtrinsic(vec![0x84, 1, 2, 3]);
    let built = build(&author, vec![good.clone(), stale.clone(), garbage.clone()]);
    assert_eq!(built.included, vec![good.hash()]);
    let rejected: Vec<H256> = built.rejected.iter().map(|(h, _)| *h).collect();
    assert_eq!(rejected, vec![stale.hash(), garbage.hash()]);
    assert!(
        built.rejected[0].1.contains("outdated"),
        "{}",
        built.rejected[0].1
    );
}

#[test]
fn bad_blocks_are_refused_with_their_reason() {
    let author = node(ExecutionMode::Wasm, PruningMode::Archive);
    let follower = node(ExecutionMode::Wasm, PruningMode::Archive);
    let built = build(
        &author,
        vec![sign(
            &author.client,
            "Alice",
            transfer(&account("Bob"), 5_000_000_000),
            0,
        )],
    );
    follower
        .clock
        .store(author.clock.load(Ordering::Relaxed), Ordering::Relaxed);

    let mut wrong_root = built.block.clone();
    wrong_root.header.state_root = H256([1; 32]);
    let err = import(&follower, wrong_root, None).unwrap_err();
    assert!(
        matches!(&err, ImportError::ExecutionFailed(why) if why.contains("state root mismatch")),
        "{err}"
    );

    let mut orphan = built.block.clone();
    orphan.header.parent_hash = H256([2; 32]);
    assert!(matches!(
        import(&follower, orphan, None),
        Err(ImportError::NotOnBestChain { .. })
    ));

    // A block from a clock an hour ahead of this node's.
    let early = node(ExecutionMode::Wasm, PruningMode::Archive);
    early.clock.store(
        author.clock.load(Ordering::Relaxed) - 3_600_000,
        Ordering::Relaxed,
    );
    let err = import(&early, built.block.clone(), None).unwrap_err();
    assert!(
        matches!(&err, ImportError::InherentsRejected(why) if why.contains("too far in the future")),
        "{err}"
    );
    early
        .clock
        .store(author.clock.load(Ordering::Relaxed), Ordering::Relaxed);
    import(&early, built.block.clone(), None).unwrap();
    assert!(matches!(
        import(&early, built.block, None),
        Err(ImportError::AlreadyImported(1, _))
    ));
}

#[test]
fn state_queries_answer_and_pruned_state_says_so() {
    let node = node(ExecutionMode::Wasm, PruningMode::KeepLast(2));
    let genesis = node.client.info().genesis_hash;
    for _ in 0..4 {
        let built = build(&node, vec![]);
        import(&node, built.block, Some(built.changes)).unwrap();
    }
    let best = node.client.info().best_hash;
    let version = node.client.runtime_version(&best).unwrap();
    assert_eq!(version, VERSION);
    let prefix = cpc_primitives::storage::storage_prefix("System", "Account");
    let keys = node
        .client
        .storage_keys_paged(&best, &prefix, 3, None)
        .unwrap();
    assert_eq!(keys.len(), 3);
    let next = node
        .client
        .storage_keys_paged(&best, &prefix, 100, Some(&keys[2]))
        .unwrap();
    assert_eq!(next.len(), 3, "6 dev accounts in all");
    let proof = node.client.read_proof(&best, &keys).unwrap();
    let root = node.client.header(&best).unwrap().unwrap().state_root;
    let values =
        cpc_trie::verify_read_proof(&root, &proof, keys.iter().map(Vec::as_slice)).unwrap();
    assert!(values.values().all(Option::is_some));
    assert!(matches!(
        node.client.state_at(&genesis),
        Err(ClientError::StatePruned(_))
    ));
    assert!(matches!(
        node.client.state_at(&H256([3; 32])),
        Err(ClientError::UnknownBlock(_))
    ));
}
