//! `scripts/iot-testnet.sh`: one command starts a main chain (four validators), an IoT
//! sidechain following it (four validators), its registration on main, a relayer and a device
//! simulator, all in one folder; the sidechain is anchored on main, readings land and are
//! indexed; `status` shows both chains, the anchored height and the relay; one command stops
//! everything.

mod common;

use common::*;
use serde_json::Value;
use std::{path::Path, process::Command, time::Duration};

const PORT_BASE: u16 = 43_000;
const PROCESSES: usize = 10;

fn script(command: &str, dir: &Path) -> (bool, String) {
    let script = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../scripts/iot-testnet.sh");
    let output = Command::new("bash")
        .arg(script)
        .args([command, dir.to_str().unwrap()])
        .env("CPCHAIN", binary())
        .env("PORT_BASE", PORT_BASE.to_string())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Stops the testnet when the test ends, failed or not: ten processes must not outlive it.
struct StopOnDrop<'a>(&'a Path);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = script("stop", self.0);
    }
}

#[test]
fn the_iot_testnet_script_runs_two_chains_a_relayer_and_devices() {
    let dir = tempfile::tempdir().unwrap();
    let _stop = StopOnDrop(dir.path());
    let (ok, text) = script("start", dir.path());
    assert!(ok, "{text}");
    let main_rpc = format!("ws://127.0.0.1:{}", 9944 + (PORT_BASE - 30333));
    let side_rpc = format!("ws://127.0.0.1:{}", 9944 + (PORT_BASE - 30333) + 10);
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
