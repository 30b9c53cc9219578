//! The client over RocksDB and the wasm runtime: genesis from a chain spec, blocks built by an
//! author imported without re-execution, the same blocks imported by another node with
//! execution, and refusals with their reasons.

mod common;

use common::*;
use cpc_client::{ClientError, ExecutionMode, ImportError};
use cpc_db::PruningMode;
use cpc_primitives::{H256, OpaqueExtrinsic};
use cpc_runtime::VERSION;
use cpc_runtime_test_utils::{account, transfer};
use std::sync::atomic::Ordering;

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
    assert_eq!(rejected, vec![garbage.hash()]);
    // A nonce already used is not invalid but late: told apart, so the pool drops it as the
    // chain's rather than demoting what waits on it.
    assert_eq!(built.stale, vec![stale.hash()]);
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
    assert_eq!(
        next.len(),
        4,
        "6 dev accounts and the cross-chain escrow account in all"
    );
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
