//! Content-addressed publishing against a real IPFS node (js-ipfs) and a dev node: `market
//! publish --ipfs-api` adds the encrypted content first and lists the product under the CID
//! the node answered (checked on chain); a publish whose IPFS node is unreachable lists
//! nothing. Dave buys through proxy Charlie, Bob's own `market serve` delivers the key (an IPFS
//! product has no gateway to share it through), and `market fetch` gets the content from IPFS,
//! decrypts it and checks it against the product's hash.

mod common;

use common::*;
use cpc_runtime::constants::UNITS;
use cpc_runtime_test_utils::account;
use serde_json::json;
use std::time::Duration;

#[test]
fn a_product_on_ipfs_is_added_before_it_is_listed_and_fetched_from_ipfs() {
    let dir = tempfile::tempdir().unwrap();
    let ipfs = cpc_market::testing::start_ipfs(&dir.path().join("ipfs"));
    let node = Node::start(&["--dev"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(30));
    let rpc = format!("ws://127.0.0.1:{}", node.rpc_port);
    let charlie = account("Charlie");

    register_proxy(&rpc, "//Charlie");
    let data: Vec<u8> = (0..700_000u32)
        .map(|i| (i.wrapping_mul(40_503) >> 7) as u8)
        .collect();
    let file = dir.path().join("readings.csv");
    std::fs::write(&file, &data).unwrap();
    let bob_keys = dir.path().join("bob-keys");
    let publish = |api: &str| {
        run(&[
            "market",
            "publish",
            file.to_str().unwrap(),
            "--title",
            "Air quality, station 3",
            "--price",
            &(20 * UNITS).to_string(),
            "--ipfs-api",
            api,
            "--proxy",
            &charlie.to_string(),
            "--suri",
            "//Bob",
            "--key-dir",
            bob_keys.to_str().unwrap(),
            "--rpc-url",
            &rpc,
            "--json",
        ])
    };

    // Nothing is listed while the content cannot be stored.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let (ok, _, stderr) = publish(&nowhere);
    assert!(!ok && stderr.contains("IPFS"), "{stderr}");
    assert_eq!(node.rpc("market_products", json!([0, 10])), json!([]));

    let (ok, stdout, stderr) = publish(&ipfs.api);
    assert!(ok, "{stdout}\n{stderr}");
    let published: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap()).unwrap();
    let product = published["productId"].as_u64().unwrap();
    let cid = published["ipfsCid"].as_str().unwrap().to_string();
    let listed = node.rpc("market_product", json!([product]));
    assert_eq!(listed["location"], json!({ "ipfs": cid }));
    assert!(
        cid.starts_with("bafy"),
        "a file of many blocks is a dag-pb CID: {cid}"
    );

    accept_all(&rpc, "//Charlie");
    let order = market_buy(&rpc, product, &charlie.to_string(), "//Dave");
    let serve_bob = market_serve("//Bob", &bob_keys, &rpc, &[], &dir.path().join("serve.log"));
    wait_until("Bob's delivery", Duration::from_secs(90), || {
        node.rpc("market_order", json!([order]))["status"] == json!("delivered")
    });
    drop(serve_bob);

    let out = dir.path().join("fetched.csv");
    let fetched = cli_json(&[
        "market",
        "fetch",
        &order.to_string(),
        "--out",
        out.to_str().unwrap(),
        "--ipfs-api",
        &ipfs.api,
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert_eq!(fetched["verified"], json!(true));
    assert_eq!(std::fs::read(&out).unwrap(), data);
}
