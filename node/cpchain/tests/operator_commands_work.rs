//! The operator's commands: chain specs, keys, the keystore, export and import of blocks,
//! purging, and the refusals an operator may meet (a database of another chain or pruning
//! mode).

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn build_spec_prints_the_spec_and_its_raw_genesis() {
    let (ok, stdout, stderr) = run(&["build-spec", "--chain", "dev"]);
    assert!(ok, "{stderr}");
    let spec: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(spec["id"], "dev");
    assert_eq!(spec["properties"]["tokenSymbol"], "CPC");
    assert_eq!(spec["genesis"]["runtimeGenesis"]["preset"], "development");

    let (ok, stdout, stderr) = run(&["build-spec", "--chain", "dev", "--raw"]);
    assert!(ok, "{stderr}");
    let raw: Value = serde_json::from_str(&stdout).unwrap();
    let top = raw["genesis"]["raw"]["top"].as_object().unwrap();
    let code = top
        .get("0x3a636f6465")
        .expect("`:code` is in the raw genesis");
    assert!(
        code.as_str().unwrap().starts_with("0x0061736d"),
        "the wasm magic"
    );
    assert!(top.len() > 6);

    // A node started from the raw spec has the same genesis as one from the plain spec.
    let dir = tempfile::tempdir().unwrap();
    let raw_path = dir.path().join("raw.json");
    std::fs::write(&raw_path, &stdout).unwrap();
    let from_raw = Node::start(
        &["--chain", raw_path.to_str().unwrap(), "--tmp"],
        &dir.path().join("raw.log"),
    );
    let from_plain = Node::start(&["--chain", "dev", "--tmp"], &dir.path().join("plain.log"));
    assert_eq!(
        from_raw.rpc("chain_getBlockHash", json!([0])),
        from_plain.rpc("chain_getBlockHash", json!([0]))
    );

    // A raw spec whose period was edited after its genesis was fixed: the block fuel would
    // follow the edit, the weights the genesis; the node refuses it.
    let mut edited: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(edited["consensus"]["blockPeriodMs"], json!(1000));
    edited["consensus"]["blockPeriodMs"] = json!(2000);
    let edited_path = dir.path().join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let mut node = std::process::Command::new(binary())
        .args([
            "--chain",
            edited_path.to_str().unwrap(),
            "--tmp",
            "--rpc-port",
            "0",
        ])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = node.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = node.kill();
            panic!("a node started from a spec whose period disagrees with its genesis");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut node.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains("differs from the 1000 ms its genesis state fixes"),
        "{stderr}"
    );

    let (ok, _, stderr) = run(&["build-spec", "--chain", "/nonexistent/spec.json"]);
    assert!(!ok && stderr.contains("cannot read chain spec"), "{stderr}");
}

#[test]
fn keys_are_generated_inspected_and_kept() {
    let (ok, stdout, _) = run(&["key", "inspect", "//Alice"]);
    assert!(ok);
    assert!(
        stdout.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
        "{stdout}"
    );
    assert!(stdout.contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"));

    let (ok, stdout, _) = run(&["key", "generate", "--output-type", "json"]);
    assert!(ok);
    let key: Value = serde_json::from_str(&stdout).unwrap();
    let phrase = key["secretPhrase"].as_str().unwrap();
    assert_eq!(phrase.split(' ').count(), 12);
    let (ok, stdout, _) = run(&["key", "inspect", phrase, "--output-type", "json"]);
    assert!(ok);
    let inspected: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(inspected["ss58Address"], key["ss58Address"]);

    let (ok, _, stderr) = run(&["key", "inspect", "not a valid phrase"]);
    assert!(!ok && stderr.contains("invalid BIP39 phrase"), "{stderr}");

    // A key in the keystore signs a transfer named by its address.
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("keystore");
    let (ok, _, stderr) = run(&[
        "key",
        "insert",
        "--suri",
        "//Charlie",
        "--keystore-path",
        keystore.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(30));
    let charlie = cpc_runtime_test_utils::account("Charlie").to_string();
    let bob = cpc_runtime_test_utils::account("Bob").to_string();
    let url = format!("ws://127.0.0.1:{}", node.rpc_port);
    let (ok, stdout, stderr) = run(&[
        "tx",
        "transfer",
        "--from",
        &charlie,
        "--to",
        &bob,
        "--amount",
        "1000000000000",
        "--keystore-path",
        keystore.to_str().unwrap(),
        "--rpc-url",
        &url,
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("finalized in block"), "{stdout}");
}

#[test]
fn blocks_export_import_and_purge() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a");
    let node = Node::start(
        &["--dev", "--base-path", base.to_str().unwrap()],
        &dir.path().join("a.log"),
    );
    node.wait_for_block(4, Duration::from_secs(30));
    let best = node.best_number();
    let best_hash = node.rpc("chain_getBlockHash", json!([best]));
    assert!(node.stop().success());

    let file = dir.path().join("blocks.bin");
    // Up to `best`: the node may have authored another block before it stopped.
    let (ok, _, stderr) = run(&[
        "export-blocks",
        "--dev",
        "--base-path",
        base.to_str().unwrap(),
        "--to",
        &best.to_string(),
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let target = dir.path().join("c");
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--dev",
        "--base-path",
        target.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(&format!("Imported {best} blocks")),
        "{stderr}"
    );
    let imported = Node::start(
        &["--chain", "dev", "--base-path", target.to_str().unwrap()],
        &dir.path().join("c.log"),
    );
    assert_eq!(imported.rpc("chain_getBlockHash", json!([best])), best_hash);
    drop(imported);

    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"CPCBLKS1\xff\xff\xff\xff").unwrap();
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--dev",
        "--base-path",
        target.to_str().unwrap(),
        garbage.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("larger than any block"), "{stderr}");

    let (ok, stdout, _) = run(&[
        "purge-chain",
        "--dev",
        "--base-path",
        target.to_str().unwrap(),
        "-y",
    ]);
    assert!(ok, "{stdout}");
    assert!(!target.join("chains/dev/db").exists());
}

#[test]
fn a_database_refuses_another_pruning_mode() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("pruned");
    let node = Node::start(
        &[
            "--chain",
            "dev",
            "--base-path",
            base.to_str().unwrap(),
            "--state-pruning",
            "16",
        ],
        &dir.path().join("1.log"),
    );
    assert!(node.stop().success());
    let output = std::process::Command::new(binary())
        .args([
            "--chain",
            "dev",
            "--base-path",
            base.to_str().unwrap(),
            "--state-pruning",
            "archive",
            "--no-prometheus",
        ])
        .args(["--rpc-port", "0", "--port", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("created with state pruning `16`"),
        "{stderr}"
    );
}
