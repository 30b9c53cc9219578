//! `market publish` lists the product and then uploads its content; when the gateway cannot
//! take it (here: nothing listens), it retries, then delists the product so nobody buys
//! content that is not there, and keeps the encrypted blob and the key for another try.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

#[test]
fn a_failed_upload_is_retried_then_the_listing_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(60));
    let file = dir.path().join("data.csv");
    std::fs::write(&file, b"t,value\n1,2\n").unwrap();
    let keys = dir.path().join("keys");
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let (ok, out, err) = run(&[
        "market",
        "publish",
        file.to_str().unwrap(),
        "--title",
        "Lost data",
        "--price",
        "1000000000000",
        "--gateway",
        &nowhere,
        "--proxy",
        &cpc_runtime_test_utils::account("Charlie").to_string(),
        "--suri",
        "//Bob",
        "--key-dir",
        keys.to_str().unwrap(),
        "--rpc-url",
        &ws(&node),
    ]);
    let text = format!("{out}{err}");
    assert!(!ok, "{text}");
    assert!(text.contains("attempt 2, retrying"), "{text}");
    assert!(text.contains("product 0 is delisted"), "{text}");
    let product = node.rpc("market_product", json!([0]));
    assert_eq!(product["listed"], json!(false), "{product}");
    // Blob and key stay for another try.
    let kept: Vec<String> = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.iter().any(|f| f.ends_with("0.blob")), "{kept:?}");
    assert!(kept.iter().any(|f| f.ends_with("0.key")), "{kept:?}");
}
