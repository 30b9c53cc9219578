//! `@polkadot/api` 16.5.6, unmodified and without custom types, against a `cpchain --dev`
//! process: it reads accounts by SS58 address, quotes a fee, signs a `transferKeepAlive` and
//! follows it to finalization, decodes events by name, publishes on the data market, reads
//! hybrid-consensus storage and runtime APIs, subscribes to heads and to an account, sets up a
//! validator candidate the Substrate way (`author_rotateKeys`, the proof from `cpchain key
//! sign`, then `hybridConsensus.register`), and keeps working across a runtime upgrade by
//! sudo. The script is `tests/clients/polkadot-js/test.mjs`. Then the web app's hand-written
//! decoder (`node/webapp/app/js/metadata.js`) reads every block of that chain and must agree
//! with polkadot.js on each extrinsic and event (`decoder.mjs`); the node's upgrade index
//! (`runtime_upgrades`) lists both runtimes.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn polkadot_js_signs_transfers_and_follows_a_runtime_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let node = Node::start(&["--dev"], &log);
    // Node::start puts the base path beside the log.
    let keystore = log.with_extension("base").join("chains/dev/keystore");
    let wasm = dir.path().join("runtime-v2.wasm");
    std::fs::write(&wasm, cpc_runtime_v2::WASM_BINARY_V2.unwrap()).unwrap();
    let (ok, output) = run_node_script(
        "polkadot-js",
        "test.mjs",
        &[
            ("CPC_WS", format!("ws://127.0.0.1:{}", node.rpc_port)),
            ("CPC_V2_WASM", wasm.display().to_string()),
            ("CPC_BIN", binary().to_string()),
            ("CPC_KEYSTORE", keystore.display().to_string()),
        ],
        Duration::from_secs(180),
    );
    assert!(
        ok,
        "polkadot.js failed:\n{output}\nnode log:\n{}",
        node.log_text()
    );
    assert!(
        output.contains("polkadot.js: all checks passed"),
        "{output}"
    );
    assert_eq!(
        spec_version(&node),
        u64::from(cpc_runtime::VERSION.spec_version) + 1,
        "the upgrade landed"
    );

    // The node's upgrade index lists the genesis runtime and the upgrade.
    let v1 = u64::from(cpc_runtime::VERSION.spec_version);
    wait_until("the upgrade is indexed", Duration::from_secs(30), || {
        let history = node.rpc("runtime_upgrades", serde_json::json!([]));
        let specs: Vec<_> = history["upgrades"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["version"]["specVersion"].as_u64())
            .collect();
        specs == [Some(v1), Some(v1 + 1)]
    });

    // The web app's own decoder reads every one of those blocks as polkadot.js does.
    let (ok, output) = run_node_script(
        "polkadot-js",
        "decoder.mjs",
        &[("CPC_WS", format!("ws://127.0.0.1:{}", node.rpc_port))],
        Duration::from_secs(120),
    );
    assert!(
        ok && output.contains("decoder: matches polkadot.js"),
        "{output}"
    );
    eprintln!("{}", output.lines().next().unwrap_or_default());
}

fn spec_version(node: &Node) -> u64 {
    node.rpc("state_getRuntimeVersion", serde_json::json!([]))["specVersion"]
        .as_u64()
        .unwrap()
}
