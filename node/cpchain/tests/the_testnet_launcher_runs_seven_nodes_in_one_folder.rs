//! `scripts/testnet.sh`: one command starts the local chain's four validators, two proposer
//! candidates and a full node on loopback, all data and logs in one folder; they finalize the
//! same blocks; one command stops them all cleanly.

mod common;

use common::*;
use serde_json::{Value, json};
use std::{path::Path, process::Command, time::Duration};

const NODES: [&str; 7] = ["alice", "bob", "charlie", "dave", "eve", "ferdie", "full"];
/// The scripts take fixed ports: p2p from here, RPC and Prometheus lower by 20,389 and 20,718.
/// All below Linux's ephemeral range (32768-60999), where ports the kernel hands to other
/// tests' listeners and connections could take one first; the three script tests use
/// disjoint ranges.
const PORT_BASE: u16 = 22_000;
/// How far the scripts put a node's RPC port below its p2p port (9944 against 30333).
const RPC_BELOW: u16 = 30333 - 9944;

fn script(command: &str, dir: &Path) -> (bool, String) {
    testnet_script("testnet.sh", command, dir, PORT_BASE)
}

fn rpc(port: u16, method: &str, params: Value) -> Option<Value> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let (_, text) = http_post(port, "/", body.as_bytes()).ok()?;
    serde_json::from_str::<Value>(&text)
        .ok()?
        .get("result")
        .cloned()
}

fn finalized(port: u16) -> Option<u32> {
    let hash = rpc(port, "chain_getFinalizedHead", json!([]))?;
    Some(number(&rpc(port, "chain_getHeader", json!([hash]))?))
}

#[test]
fn one_command_starts_the_testnet_and_one_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = script("start", dir.path());
    assert!(ok, "{text}");
    let rpc_port = |i: usize| PORT_BASE - RPC_BELOW + i as u16;
    let pids: Vec<String> = NODES
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join(format!("{n}.pid"))).unwrap())
        .collect();
    wait_until(
        "all seven nodes finalize block 3",
        Duration::from_secs(90),
        || (0..NODES.len()).all(|i| finalized(rpc_port(i)).is_some_and(|f| f >= 3)),
    );
    let hashes: Vec<Value> = (0..NODES.len())
        .map(|i| rpc(rpc_port(i), "chain_getBlockHash", json!([3])).unwrap())
        .collect();
    assert!(hashes.iter().all(|h| *h == hashes[0]), "{hashes:?}");
    let (ok, text) = script("status", dir.path());
    assert!(ok, "{text}");
    assert_eq!(text.matches(": running").count(), 7, "{text}");

    let (ok, text) = script("stop", dir.path());
    assert!(ok, "{text}");
    assert!(text.contains("stopped 7 nodes"), "{text}");
    for (name, pid) in NODES.iter().zip(&pids) {
        let alive = Command::new("kill")
            .args(["-0", pid.trim()])
            .status()
            .unwrap()
            .success();
        assert!(!alive, "{name} still runs");
        let log = std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap();
        assert!(
            log.contains("Shutting down"),
            "{name} stopped cleanly:\n{log}"
        );
    }
}
