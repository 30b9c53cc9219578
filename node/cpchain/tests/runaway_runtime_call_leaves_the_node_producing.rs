//! A runtime call that loops forever or recurses without end, sent to a dev node, returns an
//! error within the configured bound, and the node keeps producing blocks.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

const RUNAWAY: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "Test_loop") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0))
  (func $recurse (export "Test_recurse") (param i32 i32) (result i64)
    (call $recurse (local.get 0) (local.get 1)))
)
"#;

#[test]
fn runaway_calls_are_stopped_and_blocks_keep_coming() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &["--dev", "--tmp", "--rpc-call-timeout-ms", "500"],
        &dir.path().join("node.log"),
    );
    node.wait_for_block(1, Duration::from_secs(30));
    let code = format!("0x{}", hex::encode(wat::parse_str(RUNAWAY).unwrap()));

    let started = Instant::now();
    let looped = node
        .try_rpc("dev_callWithCode", json!([code, "Test_loop", "0x"]))
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(looped["code"], 4002, "{looped}");
    assert!(
        looped["message"].as_str().unwrap().contains("time limit"),
        "{looped}"
    );
    eprintln!("the endless loop was stopped after {took:?} (limit 500 ms)");
    assert!(
        took < Duration::from_secs(10),
        "stopped within a bound: {took:?}"
    );

    let recursed = node
        .try_rpc("dev_callWithCode", json!([code, "Test_recurse", "0x"]))
        .unwrap_err();
    assert!(
        recursed["message"]
            .as_str()
            .unwrap()
            .contains("exhausted its stack"),
        "{recursed}"
    );

    // The node carries on.
    let before = node.best_number();
    node.wait_for_block(before + 2, Duration::from_secs(15));
    assert_eq!(node.rpc("system_name", json!([])), "cpchain");
}

#[test]
fn unsafe_methods_are_refused_on_an_external_interface() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &["--dev", "--tmp", "--rpc-methods", "safe"],
        &dir.path().join("node.log"),
    );
    let refused = node
        .try_rpc("dev_callWithCode", json!(["0x00", "Core_version", "0x"]))
        .unwrap_err();
    assert_eq!(refused["code"], -32601);
    assert!(refused["message"].as_str().unwrap().contains("unsafe"));
}
