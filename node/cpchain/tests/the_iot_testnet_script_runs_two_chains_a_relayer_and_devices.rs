//! `scripts/iot-testnet.sh`: one command starts a main chain (four validators), an IoT
//! sidechain following it (four validators), its registration on main, a relayer and a device
//! simulator, all in one folder; the sidechain is anchored on main, readings land and are
//! indexed; `status` shows both chains, the anchored height and the relay; one command stops
//! everything.

mod common;

use common::*;
use serde_json::Value;
use std::{path::Path, time::Duration};

/// The scripts take fixed ports: p2p from here, RPC and Prometheus lower by 20,389 and 20,718.
/// All below Linux's ephemeral range (32768-60999), where ports the kernel hands to other
/// tests' listeners and connections could take one first; the three script tests use
/// disjoint ranges.
const PORT_BASE: u16 = 24_000;
/// How far the scripts put a node's RPC port below its p2p port (9944 against 30333).
const RPC_BELOW: u16 = 30333 - 9944;
const PROCESSES: usize = 10;

fn script(command: &str, dir: &Path) -> (bool, String) {
    iot_testnet(command, dir, PORT_BASE)
}

#[test]
fn the_iot_testnet_script_runs_two_chains_a_relayer_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let _stop = StopTestnet(dir.path(), PORT_BASE);
    let (ok, text) = script("start", dir.path());
    assert!(ok, "{text}");
    let main_rpc = format!("ws://127.0.0.1:{}", PORT_BASE - RPC_BELOW);
    let side_rpc = format!("ws://127.0.0.1:{}", PORT_BASE - RPC_BELOW + 10);
    let mut anchored = 0;
    wait_until(
        "the sidechain anchored on main",
        Duration::from_secs(180),
        || {
            let (ok, out, _) = run(&[
                "sidechain",
                "status",
                "--rpc-url",
                &main_rpc,
                "--sidechain-rpc",
                &side_rpc,
                "--json",
            ]);
            let status: Value = serde_json::from_str(out.trim()).unwrap_or(Value::Null);
            anchored = status[0]["anchored"]["number"].as_u64().unwrap_or(0);
            ok && anchored >= 5
        },
    );
    wait_until("indexed readings", Duration::from_secs(120), || {
        let (ok, out, _) = run(&[
            "iot",
            "readings",
            "--rpc-url",
            &side_rpc,
            "--device",
            "0",
            "--json",
        ]);
        ok && serde_json::from_str::<Value>(out.trim())
            .ok()
            .and_then(|v| v.as_array().map(|a| !a.is_empty()))
            .unwrap_or(false)
    });
    let (ok, text) = script("status", dir.path());
    assert!(ok, "{text}");
    assert_eq!(text.matches(": running").count(), PROCESSES, "{text}");
    assert!(text.contains("main finalized: #"), "{text}");
    assert!(text.contains("sidechain 0: Active anchored #"), "{text}");
    assert!(text.contains("relay: "), "{text}");
    eprintln!("figure: iot-testnet status:\n{text}");

    let (ok, text) = script("stop", dir.path());
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("stopped {PROCESSES} processes")),
        "{text}"
    );
    let (_, text) = script("status", dir.path());
    assert_eq!(text.matches(": stopped").count(), PROCESSES, "{text}");
}
