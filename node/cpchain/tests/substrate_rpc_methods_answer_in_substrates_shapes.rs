//! The RPC methods Substrate clients call, on a real `cpchain --dev` process: storage queries
//! over keys and blocks, hashes, sizes and listings, storage and runtime-version
//! subscriptions, the `system_*` facts, fee details, dry runs, session keys through the
//! keystore, the new spec's `chainHead_v1`/`transactionWatch_v1` with their limits and error
//! codes, and the server's conventions: Substrate's error codes for bad parameters, unsafe
//! methods refused on a public interface, disallowed browser origins refused, batches and
//! subscriptions bounded, calls rate-limited. Prometheus serves Substrate's metric names.

mod common;

use codec::Decode;
use common::*;
use cpc_primitives::{H256, storage::storage_prefix};
use jsonrpsee::{
    core::client::{ClientT, Subscription, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::{Value, json};
use std::time::Duration;

const STEP: Duration = Duration::from_secs(20);

fn hex_bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn error_code(result: Result<Value, Value>) -> i64 {
    result.expect_err("an error")["code"].as_i64().unwrap()
}

#[test]
fn storage_queries_system_facts_payment_and_keys_answer_as_substrate_does() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev"], &dir.path().join("node.log"));
    node.wait_for_block(3, STEP);
    let alice = cpc_runtime_test_utils::account("Alice");
    let alice_key = account_key(&alice);
    let first = block_hash(&node, 1);

    // queryStorageAt: one change set at the block, every key with its value.
    let sets = node.rpc("state_queryStorageAt", json!([[alice_key], null]));
    let set = &sets.as_array().unwrap()[0];
    assert_eq!(set["changes"][0][0], json!(alice_key));
    assert!(set["changes"][0][1].is_string(), "{sets}");

    // queryStorage: Timestamp.Now changes in every block of the range, the first one included.
    let now_key = format!("0x{}", hex::encode(storage_prefix("Timestamp", "Now")));
    let best = node.rpc("chain_getBlockHash", json!([3]));
    let sets = node.rpc("state_queryStorage", json!([[now_key], first, best]));
    assert_eq!(sets.as_array().unwrap().len(), 3, "{sets}");
    assert_eq!(sets[0]["block"], json!(first));
    // A range past the bound is refused, not walked.
    let too_many: Vec<String> = (0..1001).map(|i| format!("0x{i:04x}")).collect();
    assert_eq!(
        error_code(node.try_rpc("state_queryStorageAt", json!([too_many]))),
        -32602
    );

    // Hash and size of a value; none for an absent key.
    let code_key = "0x3a636f6465"; // ":code"
    let code = hex_bytes(&node.rpc("state_getStorage", json!([code_key])));
    let size = node.rpc("state_getStorageSize", json!([code_key]));
    assert_eq!(size.as_u64().unwrap(), code.len() as u64);
    let hash: H256 =
        serde_json::from_value(node.rpc("state_getStorageHash", json!([code_key]))).unwrap();
    assert_eq!(hash.0, cpc_primitives::hashing::blake2_256(&code));
    assert_eq!(
        node.rpc("state_getStorageSize", json!(["0x00ff"])),
        Value::Null
    );

    // Key and pair listings.
    let prefix = format!("0x{}", hex::encode(storage_prefix("System", "Account")));
    let keys = node.rpc("state_getKeys", json!([prefix]));
    assert!(
        keys.as_array().unwrap().contains(&json!(alice_key)),
        "{keys}"
    );
    let pairs = node.rpc("state_getPairs", json!([prefix]));
    assert_eq!(
        pairs.as_array().unwrap().len(),
        keys.as_array().unwrap().len()
    );
    assert_eq!(
        node.rpc("state_getKeysPagedAt", json!([prefix, 1]))
            .as_array()
            .unwrap()
            .len(),
        1,
        "Substrate's alias"
    );

    // system_*.
    let peer_id = node.rpc("system_localPeerId", json!([]));
    let addresses = node.rpc("system_localListenAddresses", json!([]));
    assert!(
        addresses
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().unwrap().ends_with(peer_id.as_str().unwrap())),
        "{addresses}"
    );
    assert_eq!(
        node.rpc("system_nodeRoles", json!([])),
        json!(["Authority"])
    );
    let sync = node.rpc("system_syncState", json!([]));
    assert!(
        sync["currentBlock"].as_u64().unwrap() >= 3 && sync["highestBlock"].as_u64().is_some(),
        "{sync}"
    );
    assert_eq!(node.rpc("system_peers", json!([])), json!([]));

    // Fee details and a dry run of a signed transfer.
    let bob = cpc_runtime_test_utils::account("Bob");
    let xt = signed_transfer(genesis_hash(&node), "Alice", 0, &bob, 1_000_000_000_000);
    let details = node.rpc("payment_queryFeeDetails", json!([xt]));
    let fee = &details["inclusionFee"];
    assert!(
        fee["baseFee"].as_u64().unwrap() > 0 && fee["lenFee"].as_u64().unwrap() > 0,
        "{details}"
    );
    let info = node.rpc("payment_queryInfo", json!([xt]));
    let total = fee["baseFee"].as_u64().unwrap()
        + fee["lenFee"].as_u64().unwrap()
        + fee["adjustedWeightFee"].as_u64().unwrap();
    assert_eq!(
        info["partialFee"],
        json!(total.to_string()),
        "the parts add up to the fee"
    );
    let dry = hex_bytes(&node.rpc("system_dryRun", json!([xt])));
    let outcome = cpc_primitives::dispatch::ApplyExtrinsicResult::decode(&mut &dry[..]).unwrap();
    assert!(matches!(outcome, Ok(Ok(()))), "{outcome:?}");
    assert_eq!(
        error_code(node.try_rpc("system_dryRun", json!(["0x"]))),
        1,
        "Substrate's code"
    );

    // Session keys: rotate, then the node has them; insert and find a key; other types refused.
    let keys = node.rpc("author_rotateKeys", json!([]));
    let keys = hex_bytes(&keys);
    assert_eq!(keys.len(), 32);
    assert_eq!(
        node.rpc(
            "author_hasSessionKeys",
            json!([format!("0x{}", hex::encode(&keys))])
        ),
        json!(true)
    );
    assert_eq!(
        node.rpc(
            "author_hasKey",
            json!([format!("0x{}", hex::encode(&keys)), "lbft"])
        ),
        json!(true)
    );
    assert_eq!(
        node.rpc(
            "author_hasSessionKeys",
            json!([format!("0x{}", hex::encode([7u8; 32]))])
        ),
        json!(false)
    );
    let dave = cpc_crypto::sr25519::Pair::from_suri("//Dave")
        .unwrap()
        .0
        .public();
    let dave_hex = format!("0x{}", hex::encode(dave.0));
    assert_eq!(
        node.rpc("author_hasKey", json!([dave_hex, "lbft"])),
        json!(false)
    );
    node.rpc("author_insertKey", json!(["lbft", "//Dave", dave_hex]));
    assert_eq!(
        node.rpc("author_hasKey", json!([dave_hex, "lbft"])),
        json!(true)
    );
    assert_eq!(
        error_code(node.try_rpc("author_insertKey", json!(["aura", "//Dave", dave_hex]))),
        1017
    );
    assert_eq!(
        error_code(node.try_rpc("author_insertKey", json!(["lbft", "//Eve", dave_hex]))),
        -32602,
        "a public key that is not the secret's"
    );

    // Removing a pooled extrinsic by hash.
    let removed = node.rpc(
        "author_removeExtrinsic",
        json!([[{ "hash": H256::zero() }]]),
    );
    assert_eq!(removed, json!([]));

    // Malformed parameters to every method this chain added get Substrate's codes.
    for (method, params) in [
        ("state_queryStorageAt", json!(["not a list"])),
        ("state_queryStorage", json!([[], "0x12"])),
        ("state_queryStorage", json!([["0x00"]])),
        ("state_getStorageHash", json!([42])),
        ("state_getStorageSize", json!(["0xzz"])),
        ("state_getKeys", json!([])),
        ("state_getPairs", json!([{"prefix": 1}])),
        ("system_dryRun", json!([7])),
        ("author_insertKey", json!(["lbft", "//Dave"])),
        ("author_hasKey", json!(["0x00", "lbft"])),
        ("author_hasSessionKeys", json!([[1, 2]])),
        ("author_removeExtrinsic", json!(["0x00"])),
        ("payment_queryFeeDetails", json!(["0x"])),
        ("chainHead_v1_header", json!(["sub", "zz"])),
        ("chainHead_v1_body", json!(["sub"])),
        (
            "chainHead_v1_call",
            json!(["sub", H256::zero(), "Core_version"]),
        ),
        (
            "chainHead_v1_storage",
            json!(["sub", H256::zero(), [{"key": "0x00", "type": "everything"}]]),
        ),
        ("chainHead_v1_unpin", json!(["sub", "0x12"])),
        ("chainHead_v1_continue", json!(["sub"])),
        ("chainHead_v1_stopOperation", json!([])),
        ("transaction_v1_broadcast", json!(["not hex"])),
        ("transaction_v1_stop", json!(["no such operation"])),
    ] {
        let code = error_code(node.try_rpc(method, params.clone()));
        // Bytes that are no extrinsic get Substrate's 1001, as for author_submitExtrinsic.
        let expected = if method == "payment_queryFeeDetails" {
            1001
        } else {
            -32602
        };
        assert_eq!(code, expected, "{method} {params}");
    }

    // Substrate's metric names beside ours.
    let (status, metrics) = http_get(node.prometheus_port, "/metrics").unwrap();
    assert_eq!(status, 200);
    for name in [
        "substrate_block_height{status=\"best\"}",
        "substrate_block_height{status=\"finalized\"}",
        "substrate_sub_libp2p_peers_count",
        "substrate_ready_transactions_number",
        "substrate_block_verification_and_import_time_bucket",
        "substrate_build_info{",
    ] {
        assert!(metrics.contains(name), "{name} missing from\n{metrics}");
    }
}

#[test]
fn subscriptions_follow_storage_versions_and_the_new_spec_with_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev"], &dir.path().join("node.log"));
    node.wait_for_block(2, STEP);
    let url = format!("ws://127.0.0.1:{}", node.rpc_port);
    let bob = cpc_runtime_test_utils::account("Bob");
    let bob_key = account_key(&bob);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = WsClientBuilder::default().build(&url).await.unwrap();

        // Storage: the current value first, then the change a transfer makes.
        let mut storage: Subscription<Value> = client
            .subscribe(
                "state_subscribeStorage",
                rpc_params![[bob_key.clone()]],
                "state_unsubscribeStorage",
            )
            .await
            .unwrap();
        let initial = next(&mut storage).await;
        assert_eq!(initial["changes"][0][0], json!(bob_key));
        // Without keys (unsafe, allowed on loopback): every change of every block.
        let mut everything: Subscription<Value> = client
            .subscribe(
                "state_subscribeStorage",
                rpc_params![],
                "state_unsubscribeStorage",
            )
            .await
            .unwrap();
        // The runtime version, under its `chain_` alias too.
        let mut versions: Subscription<Value> = client
            .subscribe(
                "chain_subscribeRuntimeVersion",
                rpc_params![],
                "chain_unsubscribeRuntimeVersion",
            )
            .await
            .unwrap();
        assert_eq!(next(&mut versions).await["specName"], json!("cpchain"));

        let xt = signed_transfer(genesis_hash(&node), "Alice", 0, &bob, 5_000_000_000_000);
        let mut watch: Subscription<Value> = client
            .subscribe(
                "transactionWatch_v1_submitAndWatch",
                rpc_params![xt],
                "transactionWatch_v1_unwatch",
            )
            .await
            .unwrap();
        let mut events = Vec::new();
        loop {
            let event = next(&mut watch).await;
            let kind = event["event"].as_str().unwrap().to_string();
            events.push(event);
            if kind == "finalized" || kind == "invalid" || kind == "dropped" || kind == "error" {
                break;
            }
        }
        let last = events.last().unwrap();
        assert_eq!(last["event"], json!("finalized"), "{events:?}");
        assert_eq!(
            last["block"]["index"],
            json!(1),
            "after the timestamp inherent"
        );
        let changed = next(&mut storage).await;
        assert_eq!(
            changed["block"], last["block"]["hash"],
            "the change set names its block"
        );
        // The firehose carries the same change, among the block's others (it may first
        // deliver blocks imported before the transfer's).
        let mut seen = Vec::new();
        let all = loop {
            let set = next(&mut everything).await;
            if set["block"] == last["block"]["hash"] {
                break set;
            }
            seen.push(set["block"].clone());
            assert!(seen.len() < 10, "the transfer's block never came: {seen:?}");
        };
        let keys: Vec<&Value> = all["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c[0])
            .collect();
        assert!(keys.contains(&&json!(bob_key)), "{keys:?}");
        assert!(
            keys.len() > 2,
            "the block's other changes too (timestamp, events, fees)"
        );
        assert_eq!(changed["changes"][0][0], json!(bob_key));

        // chainHead_v1: initialized with the runtime, then each block announced and finalized.
        let mut follow: Subscription<Value> = client
            .subscribe(
                "chainHead_v1_follow",
                rpc_params![true],
                "chainHead_v1_unfollow",
            )
            .await
            .unwrap();
        let initialized = next(&mut follow).await;
        assert_eq!(initialized["event"], json!("initialized"));
        assert_eq!(initialized["finalizedBlockRuntime"]["type"], json!("valid"));
        assert_eq!(
            initialized["finalizedBlockRuntime"]["spec"]["apis"]["0xdf6acb689907609b"],
            json!(4)
        );
        let finalized: H256 =
            serde_json::from_value(initialized["finalizedBlockHashes"][0].clone()).unwrap();
        let new_block = next(&mut follow).await;
        assert_eq!(new_block["event"], json!("newBlock"));
        assert_eq!(new_block["parentBlockHash"], json!(finalized));
        assert_eq!(new_block["newRuntime"], Value::Null);
        assert_eq!(next(&mut follow).await["event"], json!("bestBlockChanged"));
        let fin = next(&mut follow).await;
        assert_eq!(fin["event"], json!("finalized"));
        assert_eq!(fin["finalizedBlockHashes"][0], new_block["blockHash"]);
        assert_eq!(fin["prunedBlockHashes"], json!([]));

        // The follow id is what the operations take; the header of a pinned block decodes.
        let id = follow_id(&follow);
        let header: String = client
            .request("chainHead_v1_header", rpc_params![id.clone(), finalized])
            .await
            .unwrap();
        let header =
            cpc_primitives::Header::decode(&mut &hex::decode(&header[2..]).unwrap()[..]).unwrap();
        assert_eq!(header.hash(), finalized);
        // A call: the operation's result arrives as an event on the follow subscription.
        let started: Value = client
            .request(
                "chainHead_v1_call",
                rpc_params![id.clone(), finalized, "Core_version", "0x"],
            )
            .await
            .unwrap();
        assert_eq!(started["result"], json!("started"));
        let done = loop {
            let event = next(&mut follow).await;
            if event["operationId"] == started["operationId"] {
                break event;
            }
        };
        assert_eq!(done["event"], json!("operationCallDone"));
        let version = cpc_version::RuntimeVersion::decode(
            &mut &hex::decode(&done["output"].as_str().unwrap()[2..]).unwrap()[..],
        )
        .unwrap();
        assert_eq!(version.spec_name, "cpchain");
        // Storage: a value, a hash, and descendants.
        let account_prefix = format!("0x{}", hex::encode(storage_prefix("System", "Account")));
        let started: Value = client
            .request(
                "chainHead_v1_storage",
                rpc_params![
                    id.clone(),
                    finalized,
                    json!([
                        { "key": bob_key, "type": "value" },
                        { "key": bob_key, "type": "hash" },
                        { "key": account_prefix, "type": "descendantsHashes" },
                        { "key": account_prefix, "type": "closestDescendantMerkleValue" }
                    ]),
                    Value::Null
                ],
            )
            .await
            .unwrap();
        assert_eq!(started["discardedItems"], json!(0));
        let mut items = Vec::new();
        loop {
            let event = next(&mut follow).await;
            if event["operationId"] != started["operationId"] {
                continue;
            }
            match event["event"].as_str().unwrap() {
                "operationStorageItems" => items.extend(event["items"].as_array().unwrap().clone()),
                "operationStorageDone" => break,
                other => panic!("unexpected {other}: {event}"),
            }
        }
        assert!(
            items
                .iter()
                .any(|i| i["key"] == json!(bob_key) && i["value"].is_string())
        );
        assert!(
            items
                .iter()
                .any(|i| i["key"] == json!(bob_key) && i["hash"].is_string())
        );
        assert!(
            items.iter().filter(|i| i["hash"].is_string()).count() >= 3,
            "Alice, Bob and more: {items:?}"
        );
        assert!(
            items
                .iter()
                .any(|i| i["closestDescendantMerkleValue"].is_string())
        );

        // Errors: an unpinned block, duplicate hashes, `continue` with nothing waiting.
        let unknown = H256([9; 32]);
        let code = |e: jsonrpsee::core::ClientError| match e {
            jsonrpsee::core::ClientError::Call(e) => e.code(),
            other => panic!("{other}"),
        };
        let e = client
            .request::<Value, _>("chainHead_v1_header", rpc_params![id.clone(), unknown])
            .await
            .unwrap_err();
        assert_eq!(code(e), -32801);
        let e = client
            .request::<Value, _>(
                "chainHead_v1_unpin",
                rpc_params![id.clone(), json!([finalized, finalized])],
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), -32804);
        let e = client
            .request::<Value, _>("chainHead_v1_continue", rpc_params![id.clone(), "1"])
            .await
            .unwrap_err();
        assert_eq!(code(e), -32803);
        let _: Value = client
            .request("chainHead_v1_unpin", rpc_params![id.clone(), finalized])
            .await
            .unwrap();
        let e = client
            .request::<Value, _>("chainHead_v1_header", rpc_params![id.clone(), finalized])
            .await
            .unwrap_err();
        assert_eq!(code(e), -32801, "unpinned");
        // A stale subscription: null and limitReached, not errors.
        let header: Value = client
            .request("chainHead_v1_header", rpc_params!["nope", finalized])
            .await
            .unwrap();
        assert_eq!(header, Value::Null);
        let body: Value = client
            .request("chainHead_v1_body", rpc_params!["nope", finalized])
            .await
            .unwrap();
        assert_eq!(body["result"], json!("limitReached"));

        // At most four follow subscriptions per connection: the fifth is refused with -32800.
        let mut more = Vec::new();
        for _ in 0..3 {
            more.push(
                client
                    .subscribe::<Value, _>(
                        "chainHead_v1_follow",
                        rpc_params![false],
                        "chainHead_v1_unfollow",
                    )
                    .await
                    .unwrap(),
            );
        }
        let e = client
            .subscribe::<Value, _>(
                "chainHead_v1_follow",
                rpc_params![false],
                "chainHead_v1_unfollow",
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), -32800);
        // A call on a subscription without the runtime is -32802.
        let without = follow_id(&more[0]);
        let e = client
            .request::<Value, _>(
                "chainHead_v1_call",
                rpc_params![without, finalized, "Core_version", "0x"],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(code(e), -32802 | -32801),
            "not pinned yet or no runtime"
        );

        // chainSpec_v1.
        let name: String = client
            .request("chainSpec_v1_chainName", rpc_params![])
            .await
            .unwrap();
        assert_eq!(name, "Development");
        let genesis: H256 = client
            .request("chainSpec_v1_genesisHash", rpc_params![])
            .await
            .unwrap();
        assert_eq!(genesis, genesis_hash(&node));
        let _: Value = client
            .request("chainSpec_v1_properties", rpc_params![])
            .await
            .unwrap();
    });
}

/// The next item of `subscription`, within [`STEP`].
async fn next(subscription: &mut Subscription<Value>) -> Value {
    tokio::time::timeout(STEP, subscription.next())
        .await
        .expect("an item in time")
        .expect("the subscription is open")
        .expect("the item decodes")
}

fn follow_id(subscription: &Subscription<Value>) -> String {
    match subscription.kind() {
        jsonrpsee::core::client::SubscriptionKind::Subscription(id) => match id {
            jsonrpsee::types::SubscriptionId::Str(s) => s.to_string(),
            jsonrpsee::types::SubscriptionId::Num(n) => n.to_string(),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_server_refuses_foreign_origins_oversized_batches_excess_subscriptions_and_floods() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &[
            "--dev",
            "--rpc-cors",
            "http://localhost:*,https://polkadot.js.org",
            "--rpc-max-batch-request-len",
            "5",
            "--rpc-max-subscriptions-per-connection",
            "3",
            "--rpc-rate-limit",
            "60",
        ],
        &dir.path().join("node.log"),
    );
    let call = br#"{"jsonrpc":"2.0","id":1,"method":"system_name","params":[]}"#;
    let port = node.rpc_port;

    // Origins: none (not a browser) and allowed ones answer, with CORS headers for the latter;
    // a foreign one is refused before any method runs.
    let (status, _, body) = http_post_with(port, "/", &[], call).unwrap();
    assert_eq!(status, 200, "{body}");
    let (status, head, _) =
        http_post_with(port, "/", &[("Origin", "https://polkadot.js.org")], call).unwrap();
    assert_eq!(status, 200);
    assert!(
        head.contains("access-control-allow-origin: https://polkadot.js.org"),
        "{head}"
    );
    let (status, _, _) =
        http_post_with(port, "/", &[("Origin", "http://localhost:3000")], call).unwrap();
    assert_eq!(status, 200);
    let (status, _, body) =
        http_post_with(port, "/", &[("Origin", "https://evil.example")], call).unwrap();
    assert_eq!(status, 403, "{body}");

    // A batch longer than the bound is refused as a whole.
    let batch = |n: usize| {
        let calls: Vec<Value> = (0..n)
            .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "system_name", "params": []}))
            .collect();
        serde_json::to_vec(&calls).unwrap()
    };
    let (_, _, body) = http_post_with(port, "/", &[], &batch(5)).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let (_, _, body) = http_post_with(port, "/", &[], &batch(6)).unwrap();
    let refused: Value = serde_json::from_str(&body).unwrap();
    assert!(refused["error"]["code"].as_i64().is_some(), "{refused}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Subscriptions per connection are bounded.
        let client = WsClientBuilder::default()
            .build(format!("ws://127.0.0.1:{port}"))
            .await
            .unwrap();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(
                client
                    .subscribe::<Value, _>(
                        "chain_subscribeNewHeads",
                        rpc_params![],
                        "chain_unsubscribeNewHeads",
                    )
                    .await
                    .unwrap(),
            );
        }
        assert!(
            client
                .subscribe::<Value, _>(
                    "chain_subscribeNewHeads",
                    rpc_params![],
                    "chain_unsubscribeNewHeads"
                )
                .await
                .is_err(),
            "a fourth subscription on one connection"
        );
        // 60 calls a minute: this connection spent 4 on subscriptions; the next 56 pass, then
        // calls are refused with the rate-limit code while other connections still answer.
        let mut refused = 0;
        let started = std::time::Instant::now();
        for _ in 0..70 {
            match client
                .request::<String, _>("system_name", rpc_params![])
                .await
            {
                Ok(_) => {}
                Err(jsonrpsee::core::ClientError::Call(e)) => {
                    assert_eq!(e.code(), -32999);
                    refused += 1;
                }
                Err(other) => panic!("{other}"),
            }
        }
        // The bucket refills a call a second: a slow machine sees fewer refused.
        let refills = started.elapsed().as_secs() as usize + 1;
        assert!(
            refused <= 14 && refused + refills >= 14,
            "{refused} of 70 refused in {:?}",
            started.elapsed()
        );
        let other = WsClientBuilder::default()
            .build(format!("ws://127.0.0.1:{port}"))
            .await
            .unwrap();
        let name: String = other.request("system_name", rpc_params![]).await.unwrap();
        assert_eq!(name, "cpchain");
    });
}

#[test]
fn unsafe_methods_need_the_explicit_flag_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    // Refused at start: unsafe methods on every interface without `--unsafe-rpc-external`
    // (the node stops before it listens on anything).
    let (ok, _, err) = run(&[
        "--dev",
        "--rpc-external",
        "--rpc-methods",
        "unsafe",
        "--base-path",
        dir.path().join("refused").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("--unsafe-rpc-external"), "{err}");

    // Where unsafe methods are not offered (as on a public interface under `auto`, which a
    // test must not open), they and the upgrade dry runs are refused; safe methods answer.
    let node = Node::start(
        &["--dev", "--rpc-methods", "safe"],
        &dir.path().join("node.log"),
    );
    assert_eq!(
        error_code(node.try_rpc("author_rotateKeys", json!([]))),
        -32601
    );
    assert_eq!(
        error_code(node.try_rpc("state_getPairs", json!(["0x"]))),
        -32601
    );
    assert_eq!(
        error_code(node.try_rpc("state_queryStorage", json!([["0x00"], H256::zero()]))),
        -32601
    );
    assert_eq!(
        error_code(node.try_rpc("system_dryRun", json!(["0x"]))),
        -32601
    );
    assert_eq!(
        error_code(node.try_rpc(
            "state_call",
            json!(["UpgradeDryRunApi_on_runtime_upgrade", "0x00"])
        )),
        -32601
    );
    assert_eq!(node.rpc("system_name", json!([])), json!("cpchain"));
}
