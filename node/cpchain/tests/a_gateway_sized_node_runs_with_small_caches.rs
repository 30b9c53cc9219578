//! The memory a node may use beyond its code is set from the command line, for a gateway on a
//! small device: a `--dev` node with a 4 MiB database cache, a 1 MiB trie cache, no signature
//! memory and one verification thread produces, finalizes and includes a transfer; a bad value
//! is refused before the node starts.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

#[test]
fn a_gateway_sized_node_runs_with_small_caches() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &[
            "--dev",
            "--tmp",
            "--db-cache-size",
            "4194304",
            "--trie-cache-size",
            "1048576",
            "--signature-memory",
            "0",
            "--verify-threads",
            "1",
        ],
        &dir.path().join("node.log"),
    );
    node.wait_for_block(2, Duration::from_secs(30));

    // A transfer goes through the pool and a block, its signature checked each time.
    let bob = cpc_runtime_test_utils::account("Bob");
    let before = free_balance(&node, &bob, None);
    let xt = signed_transfer(genesis_hash(&node), "Alice", 0, &bob, 1_000_000_000_000);
    node.rpc("author_submitExtrinsic", json!([xt]));
    wait_until("the transfer is final", Duration::from_secs(30), || {
        let finalized = node.rpc("chain_getFinalizedHead", json!([]));
        free_balance(&node, &bob, finalized.as_str()) == before + 1_000_000_000_000
    });
    node.stop();

    let (ok, _, stderr) = run(&["--dev", "--tmp", "--signature-memory", "lots"]);
    assert!(!ok);
    assert!(stderr.contains("--signature-memory"), "{stderr}");
}
