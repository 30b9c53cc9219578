//! Bad input over JSON-RPC gets an error with a reason, never a crash; a flood of valid and
//! invalid transactions leaves the pool within its bound and the node producing.

mod common;

use common::*;
use cpc_runtime_test_utils::account;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn bad_input_gets_reasons_and_the_node_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(30));
    let genesis = genesis_hash(&node);

    // Malformed hex.
    let error = node
        .try_rpc("state_getStorage", json!(["0xzz"]))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = node
        .try_rpc("author_submitExtrinsic", json!(["not hex"]))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");

    // Bytes that are not an extrinsic.
    let error = node
        .try_rpc("author_submitExtrinsic", json!(["0x0102030405"]))
        .unwrap_err();
    assert_eq!(error["code"], 1001, "{error}");
    let error = node
        .try_rpc("author_submitExtrinsic", json!(["0x1084010203"]))
        .unwrap_err();
    assert_eq!(
        error["code"], 1010,
        "an extrinsic whose call does not decode: {error}"
    );
    assert!(
        error["data"].as_str().unwrap().contains("invalid call"),
        "{error}"
    );

    // A bad signature.
    let good = signed_transfer(genesis, "Alice", 0, &account("Bob"), 1_000_000_000);
    let mut bytes = hex::decode(&good[2..]).unwrap();
    bytes[2 + 33 + 1 + 5] ^= 1;
    let error = node
        .try_rpc(
            "author_submitExtrinsic",
            json!([format!("0x{}", hex::encode(&bytes))]),
        )
        .unwrap_err();
    assert_eq!(error["code"], 1010, "{error}");
    assert!(
        error["data"].as_str().unwrap().contains("bad signature"),
        "{error}"
    );
    // Resubmitted, it is banned without another validation.
    let error = node
        .try_rpc(
            "author_submitExtrinsic",
            json!([format!("0x{}", hex::encode(&bytes))]),
        )
        .unwrap_err();
    assert_eq!(error["code"], 1012, "{error}");

    // An unknown block.
    let unknown = format!("0x{}", "ab".repeat(32));
    let error = node
        .try_rpc("state_getStorage", json!(["0x00", unknown]))
        .unwrap_err();
    assert_eq!(error["code"], 4003, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("unknown block"),
        "{error}"
    );
    assert_eq!(node.rpc("chain_getHeader", json!([unknown])), json!(null));
    let error = node
        .try_rpc("state_getKeysPaged", json!(["0x", 100000]))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");

    // An oversized request, and garbage that is not JSON.
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["0x{}"]}}"#,
        "00".repeat(8 * 1024 * 1024)
    );
    let (status, _) =
        http_post(node.rpc_port, "/", huge.as_bytes()).unwrap_or((413, String::new()));
    assert_eq!(status, 413, "an oversized request is refused");
    let (status, body) = http_post(node.rpc_port, "/", b"{not json").unwrap();
    assert!(status == 200 || status == 400, "{status}");
    assert!(body.contains("-32700"), "a parse error: {body}");

    // Still alive and producing; the good transaction goes through.
    node.rpc("author_submitExtrinsic", json!([good]));
    let before = node.best_number();
    node.wait_for_block(before + 2, Duration::from_secs(15));
}

#[test]
fn a_flood_of_transactions_leaves_the_pool_within_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    // A long block period, so the flood arrives while the pool fills.
    let spec = spec_with_period(dir.path(), "flood", 3000);
    let node = Node::start(
        &[
            "--chain",
            spec.to_str().unwrap(),
            "--validator",
            "--tmp",
            "--pool-limit",
            "64",
        ],
        &dir.path().join("node.log"),
    );
    let genesis = genesis_hash(&node);
    let senders = ["Alice", "Bob", "Charlie", "Dave", "Eve"];
    // Two hundred valid transfers in one batch, so the pool fills within one block period
    // however slowly this machine sends requests one by one.
    let batch: Vec<Value> = (0..40u32)
        .flat_map(|nonce| senders.map(|sender| (nonce, sender)))
        .enumerate()
        .map(|(id, (nonce, sender))| {
            let valid = signed_transfer(
                genesis,
                sender,
                nonce,
                &account("Ferdie"),
                1_000_000_000 + u128::from(nonce),
            );
            json!({ "jsonrpc": "2.0", "id": id, "method": "author_submitExtrinsic", "params": [valid] })
        })
        .collect();
    let (status, body) =
        http_post(node.rpc_port, "/", json!(batch).to_string().as_bytes()).unwrap();
    assert_eq!(status, 200, "{body}");
    let answers: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(answers.len(), batch.len());
    let accepted = answers.iter().filter(|a| a.get("result").is_some()).count();
    let refused = answers.iter().filter(|a| a.get("error").is_some()).count();
    assert_eq!(accepted + refused, batch.len());
    for (nonce, sender) in (0..8u32).flat_map(|nonce| senders.map(|sender| (nonce, sender))) {
        // Garbage and forgeries are refused, full pool or not.
        let mut forged = hex::decode(
            &signed_transfer(genesis, sender, nonce + 1000, &account("Ferdie"), 1)[2..],
        )
        .unwrap();
        forged[40] ^= 0xff;
        assert!(
            node.try_rpc(
                "author_submitExtrinsic",
                json!([format!("0x{}", hex::encode(forged))])
            )
            .is_err()
        );
        assert!(
            node.try_rpc(
                "author_submitExtrinsic",
                json!([format!("0x{:08x}", nonce)])
            )
            .is_err()
        );
        let pending = node
            .rpc("author_pendingExtrinsics", json!([]))
            .as_array()
            .unwrap()
            .len();
        assert!(
            pending <= 64 + 64 / 8,
            "{pending} transactions pending, over the bound"
        );
    }
    assert!(accepted >= 64, "the pool filled up ({accepted} accepted)");
    assert!(refused > 0, "once full, further transactions were refused");
    let (status, metrics) = http_get(node.prometheus_port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(metrics.contains("cpc_txpool_transactions{queue=\"ready\"}"));
    // The node still produces blocks and drains the pool.
    let before = node.best_number();
    node.wait_for_block(before + 1, Duration::from_secs(20));
}
