//! `cpchain --dev --tmp` produces and finalizes blocks, and serves them over HTTP JSON-RPC, a
//! WebSocket subscription and Prometheus metrics.

mod common;

use common::*;
use jsonrpsee::{
    core::client::{Subscription, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn a_dev_node_produces_finalizes_and_serves_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(3, Duration::from_secs(30));

    // HTTP: headers, finality, health, method list.
    // Finalized read first: a block authored between the reads only raises best.
    let finalized_hash = node.rpc("chain_getFinalizedHead", json!([]));
    let finalized = node.rpc("chain_getHeader", json!([finalized_hash]));
    let best = node.rpc("chain_getHeader", json!([]));
    assert!(number(&finalized) >= 3, "dev blocks are final at once");
    assert!(number(&best) >= number(&finalized));
    let genesis = node.rpc("chain_getBlockHash", json!([0]));
    let block_one = node.rpc("chain_getBlockHash", json!(["0x1"]));
    assert_eq!(
        node.rpc("chain_getHeader", json!([block_one]))["parentHash"],
        genesis
    );
    let block = node.rpc("chain_getBlock", json!([block_one]));
    assert_eq!(
        block["block"]["extrinsics"].as_array().unwrap().len(),
        1,
        "the timestamp inherent"
    );
    assert_eq!(node.rpc("system_chain", json!([])), "Development");
    assert_eq!(node.rpc("system_chainType", json!([])), "Development");
    assert_eq!(
        node.rpc("system_properties", json!([]))["tokenSymbol"],
        "CPC"
    );
    assert_eq!(node.rpc("system_health", json!([]))["isSyncing"], false);
    let version = node.rpc("state_getRuntimeVersion", json!([]));
    assert_eq!(version["specName"], "cpchain");
    let methods = node.rpc("rpc_methods", json!([]));
    for method in [
        "author_submitExtrinsic",
        "chain_subscribeNewHeads",
        "state_getReadProof",
        "system_accountNextIndex",
    ] {
        assert!(
            methods["methods"]
                .as_array()
                .unwrap()
                .contains(&json!(method)),
            "{method}"
        );
    }
    let metadata = node.rpc("state_getMetadata", json!([]));
    assert!(
        metadata.as_str().unwrap().starts_with("0x6d657461"),
        "the `meta` magic"
    );

    // WebSocket: new heads and finalized heads, on the same port.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = WsClientBuilder::default()
            .build(format!("ws://127.0.0.1:{}", node.rpc_port))
            .await
            .unwrap();
        let mut heads: Subscription<Value> = client
            .subscribe(
                "chain_subscribeNewHeads",
                rpc_params![],
                "chain_unsubscribeNewHeads",
            )
            .await
            .unwrap();
        let mut numbers = Vec::new();
        while numbers.len() < 3 {
            let header = tokio::time::timeout(Duration::from_secs(10), heads.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            numbers.push(number(&header));
        }
        assert!(
            numbers.windows(2).all(|w| w[1] == w[0] + 1),
            "consecutive heads: {numbers:?}"
        );
        let mut finalized: Subscription<Value> = client
            .subscribe(
                "chain_subscribeFinalizedHeads",
                rpc_params![],
                "chain_unsubscribeFinalizedHeads",
            )
            .await
            .unwrap();
        let first = tokio::time::timeout(Duration::from_secs(10), finalized.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let second = tokio::time::timeout(Duration::from_secs(10), finalized.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(number(&second) > number(&first));
    });

    // Prometheus.
    let (status, metrics) = http_get(node.prometheus_port, "/metrics").unwrap();
    assert_eq!(status, 200);
    let best_line = metrics
        .lines()
        .find(|l| l.starts_with("cpc_block_height{status=\"best\"}"))
        .unwrap();
    let height: u32 = best_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(height >= 3, "{best_line}");
    assert!(metrics.contains("cpc_import_seconds_count"));
    assert!(metrics.contains("cpc_rpc_calls_total"));
    // The database's memory, by part; a running chain has written to its memtables.
    let database = |part: &str| -> u64 {
        let line = format!("cpc_database_memory_bytes{{part=\"{part}\"}}");
        let found = metrics.lines().find(|l| l.starts_with(&line));
        found.unwrap().rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(database("memtables") > 0);
    // Present, whatever their size (a young chain may have no table file to cache yet).
    let _ = (
        database("block_cache"),
        database("trie_cache"),
        database("table_readers"),
    );
    // The allocator's counters (jemalloc): a running node has memory in use, more than the
    // allocator's bookkeeping.
    let allocator = |kind: &str| -> u64 {
        let line = format!("cpc_allocator_bytes{{kind=\"{kind}\"}}");
        let found = metrics.lines().find(|l| l.starts_with(&line));
        found.unwrap().rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(allocator("in_use") > allocator("metadata"));
    let _ = allocator("free");
    // The runtime's idle instance slots: present (how many are idle depends on the calls
    // running at the moment of the scrape; cpc-executor's tests check the counts).
    let gauge = |name: &str| -> u64 {
        let found = metrics.lines().find(|l| l.split(' ').next() == Some(name));
        found.unwrap().rsplit(' ').next().unwrap().parse().unwrap()
    };
    let _ = (
        gauge("cpc_executor_idle_instances"),
        gauge("cpc_executor_idle_instance_bytes"),
    );
    assert_eq!(http_get(node.prometheus_port, "/other").unwrap().0, 404);

    // A clean stop.
    let status = node.stop();
    assert!(status.success(), "{status:?}");
}
