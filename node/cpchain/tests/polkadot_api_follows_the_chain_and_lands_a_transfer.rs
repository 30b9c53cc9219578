//! polkadot-api 1.23.3 (no generated descriptors) against a `cpchain --dev` process, over the
//! new JSON-RPC spec only (`chainHead_v1_*`, `chainSpec_v1_*`, `transaction_v1_*`): it reads
//! the chain's facts and an account, signs a transfer, sees it finalized with its events, and
//! finds Bob's balance up by exactly the amount. The script is
//! `tests/clients/polkadot-api/test.mjs`; it fails if the client fell back to a legacy method.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn polkadot_api_follows_the_chain_and_lands_a_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev"], &dir.path().join("node.log"));
    let (ok, output) = run_node_script(
        "polkadot-api",
        "test.mjs",
        &[("CPC_WS", format!("ws://127.0.0.1:{}", node.rpc_port))],
        Duration::from_secs(150),
    );
    assert!(
        ok,
        "polkadot-api failed:\n{output}\nnode log:\n{}",
        node.log_text()
    );
    assert!(
        output.contains("polkadot-api: all checks passed"),
        "{output}"
    );
}
