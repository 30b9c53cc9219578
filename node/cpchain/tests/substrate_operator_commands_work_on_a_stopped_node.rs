//! The commands a Substrate operator reaches for, on the real binary and a stopped node's
//! data: `key sign`/`verify` (checked both ways against polkadot.js's keyring, which is what
//! Substrate's tools produce and accept), `key inspect-node-key`, `check-block`, `revert`,
//! `export-state`, and `export-blocks`/`import-blocks` in Substrate's binary and JSON formats.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

#[test]
fn keys_sign_and_verify_as_substrate_tools_do() {
    let (ok, sig, err) = run(&["key", "sign", "--suri", "//Alice", "--message", "hello iot"]);
    assert!(ok, "{err}");
    let sig = sig.trim().to_string();
    assert_eq!(sig.len(), 2 + 128, "{sig}");
    let (ok, out, _) = run(&["key", "verify", &sig, ALICE, "--message", "hello iot"]);
    assert!(ok && out.contains("verifies correctly"), "{out}");
    let (ok, _, err) = run(&["key", "verify", &sig, ALICE, "--message", "hello iou"]);
    assert!(!ok && err.contains("Signature invalid"), "{err}");
    let (ok, hex_sig, _) = run(&[
        "key",
        "sign",
        "--suri",
        "//Alice",
        "--hex",
        "--message",
        "0x68656c6c6f20696f74",
    ]);
    assert!(ok);
    let (ok, _, _) = run(&[
        "key",
        "verify",
        hex_sig.trim(),
        ALICE,
        "--message",
        "hello iot",
    ]);
    assert!(ok, "hex and text messages are the same bytes");

    // polkadot.js's keyring agrees on addresses and verifies our signatures; we verify its.
    let (ok, output) = run_node_script(
        "polkadot-js",
        "keys.mjs",
        &[("CPC_BIN", binary().to_string())],
        Duration::from_secs(60),
    );
    assert!(ok, "{output}");
    assert!(output.contains("keys: all checks passed"), "{output}");

    // Network keys: the peer id of a key file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node-key");
    let (ok, peer, err) = run(&["key", "generate-node-key", "--file", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (ok, inspected, err) = run(&["key", "inspect-node-key", "--file", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(inspected.trim(), peer.trim());
    let (ok, _, err) = run(&["key", "inspect-node-key", "--file", "/nonexistent"]);
    assert!(!ok && err.contains("cannot read"), "{err}");
}

#[test]
fn a_session_key_from_the_keystore_proves_itself_for_registration() {
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("keystore");
    let (ok, _, err) = run(&[
        "key",
        "insert",
        "--suri",
        "//Ferdie//session",
        "--keystore-path",
        keystore.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (_, inspected, _) = run(&[
        "key",
        "inspect",
        "//Ferdie//session",
        "--output-type",
        "json",
    ]);
    let public = serde_json::from_str::<Value>(&inspected).unwrap()["publicKey"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, proof, err) = run(&[
        "key",
        "sign",
        "--public",
        &public,
        "--keystore-path",
        keystore.to_str().unwrap(),
        "--session-key-proof",
        ALICE,
    ]);
    assert!(ok, "{err}");
    let payload = cpc_consensus_primitives::session_key_proof_payload(&ALICE.parse().unwrap());
    let (ok, out, _) = run(&[
        "key",
        "verify",
        proof.trim(),
        &public,
        "--hex",
        "--message",
        &hex::encode(payload),
    ]);
    assert!(ok, "{out}");
    let (ok, _, err) = run(&[
        "key",
        "sign",
        "--public",
        ALICE,
        "--keystore-path",
        keystore.to_str().unwrap(),
        "--message",
        "x",
    ]);
    assert!(!ok && err.contains("holds no key"), "{err}");
}

#[test]
fn check_block_revert_export_state_and_substrates_block_formats() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a");
    let base_arg = base.to_str().unwrap();
    let node = Node::start(
        &["--dev", "--base-path", base_arg],
        &dir.path().join("a.log"),
    );
    node.wait_for_block(4, Duration::from_secs(30));
    let bob = cpc_runtime_test_utils::account("Bob");
    node.rpc(
        "author_submitExtrinsic",
        json!([signed_transfer(
            genesis_hash(&node),
            "Alice",
            0,
            &bob,
            3_000_000_000_000
        )]),
    );
    let with_transfer = node.best_number() + 2;
    node.wait_for_block(with_transfer, Duration::from_secs(30));
    let best = node.best_number();
    let best_hash = node.rpc("chain_getBlockHash", json!([best]));
    let block_two = node.rpc("chain_getBlock", json!([block_hash(&node, 2)]));
    assert!(node.stop().success());

    // check-block: by number, by hash, and a block whose state root was tampered with.
    let (ok, out, err) = run(&["check-block", "--dev", "--base-path", base_arg, "2"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Block #2") && out.contains("is valid"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "check-block",
        "--dev",
        "--base-path",
        base_arg,
        best_hash.as_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("is valid"), "{out}");
    let mut block: cpc_primitives::Block =
        serde_json::from_value(block_two["block"].clone()).unwrap();
    block.header.state_root = cpc_primitives::H256([7; 32]);
    let tampered = format!("0x{}", hex::encode(codec::Encode::encode(&block)));
    let (ok, _, err) = run(&["check-block", "--dev", "--base-path", base_arg, &tampered]);
    assert!(!ok && err.contains("state root"), "{err}");
    let (ok, _, err) = run(&["check-block", "--dev", "--base-path", base_arg, "9999"]);
    assert!(!ok && err.contains("no block #9999"), "{err}");

    // revert: LBFT never leaves a block to revert.
    let (ok, out, err) = run(&["revert", "--dev", "--base-path", base_arg]);
    assert!(ok, "{err}");
    // The node may have authored a block or two after `best` was read, before it stopped:
    // what it stored is read back here, and every later check counts those blocks.
    let stored: u32 = out
        .split("all ")
        .nth(1)
        .and_then(|rest| rest.split(" blocks").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no block count: {out}"));
    assert!(out.contains("Nothing to revert") && stored >= best, "{out}");

    // export-state: a raw chain spec whose genesis is the state of the block.
    let (ok, spec, err) = run(&["export-state", "--dev", "--base-path", base_arg, "2"]);
    assert!(ok, "{err}");
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let top = spec["genesis"]["raw"]["top"].as_object().unwrap();
    assert!(top.contains_key("0x3a636f6465"), "`:code`");
    assert!(top.contains_key(&account_key(&cpc_runtime_test_utils::account("Alice"))));
    let (ok, later, _) = run(&["export-state", "--dev", "--base-path", base_arg]);
    assert!(ok);
    let later: Value = serde_json::from_str(&later).unwrap();
    assert!(
        later["genesis"]["raw"]["top"]
            .get(account_key(&bob))
            .is_some(),
        "the best block's state has Bob's account"
    );

    // Substrate's formats round-trip through import into fresh databases.
    for (flag, import_flags) in [("--binary", vec!["--binary"]), ("--json", vec![])] {
        let file = dir.path().join(format!("blocks{flag}"));
        let (ok, _, err) = run(&[
            "export-blocks",
            "--dev",
            "--base-path",
            base_arg,
            flag,
            file.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        if flag == "--json" {
            let text = std::fs::read_to_string(&file).unwrap();
            let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
            assert_eq!(first["block"]["header"]["number"], json!("0x1"));
            assert_eq!(
                first["justifications"][0][0],
                json!(b"lbft"),
                "the `lbft` engine"
            );
        }
        let target = dir.path().join(format!("import{flag}"));
        let mut args = vec![
            "import-blocks",
            "--dev",
            "--base-path",
            target.to_str().unwrap(),
        ];
        args.extend(import_flags);
        args.push(file.to_str().unwrap());
        let (ok, _, err) = run(&args);
        assert!(ok, "{flag}: {err}");
        assert!(
            err.contains(&format!("Imported {stored} blocks")),
            "{flag}: {err}"
        );
        let imported = Node::start(
            &["--chain", "dev", "--base-path", target.to_str().unwrap()],
            &dir.path().join(format!("import{flag}.log")),
        );
        assert_eq!(
            imported.rpc("chain_getBlockHash", json!([best])),
            best_hash,
            "{flag}"
        );
    }
    // Substrate's binary without `--binary` is not guessed at.
    let (ok, _, err) = run(&[
        "import-blocks",
        "--dev",
        "--base-path",
        dir.path().join("none").to_str().unwrap(),
        dir.path().join("blocks--binary").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("--binary"), "{err}");
}
