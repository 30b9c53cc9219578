//! A chain run by LBFT (`"engine": "lbft"`): the validator whose session key is in the keystore
//! finalizes every block with a commit certificate signed by the committee of the parent
//! state; the certificate is the block's justification over RPC and in exports, and
//! importing checks it, so a tampered certificate is refused.

mod common;

use codec::Decode;
use common::*;
use cpc_consensus::{Certificate, ValidatorSet, VoteKind};
use cpc_crypto::sr25519::Pair;
use serde_json::json;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

fn certificate_of(node: &Node, number: u32) -> (cpc_primitives::H256, Certificate) {
    let hash = block_hash(node, number);
    let block = node.rpc("chain_getBlock", json!([hash]));
    let justifications = block["justifications"].as_array().expect("a justification");
    // Substrate's shape: the engine id and the bytes as arrays of numbers.
    assert_eq!(justifications[0][0], json!(b"lbft"), "engine id `lbft`");
    let bytes: Vec<u8> = serde_json::from_value(justifications[0][1].clone()).unwrap();
    let hash = cpc_primitives::H256(
        hex::decode(hash.trim_start_matches("0x"))
            .unwrap()
            .try_into()
            .unwrap(),
    );
    (hash, Certificate::decode(&mut &bytes[..]).unwrap())
}

#[test]
fn the_validator_finalizes_blocks_whose_certificates_verify_and_survive_export() {
    let dir = tempfile::tempdir().unwrap();
    let spec = lbft_spec(dir.path(), "lbft_test", "Development", "development", 400);
    let base = dir.path().join("validator");
    let base = base.to_str().unwrap();

    // Without its key in the keystore a validator cannot vote, and says so.
    let (ok, _, stderr) = run(&[
        "--chain",
        &spec,
        "--validator",
        "--base-path",
        base,
        "--rpc-port",
        "0",
        "--prometheus-port",
        "0",
        "--listen-addr",
        "/ip4/127.0.0.1/tcp/0",
        "--no-mdns",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("no key of the validator committee"),
        "{stderr}"
    );

    let (ok, _, stderr) = run(&["key", "insert", "--suri", "//Alice", "--base-path", base]);
    assert!(ok, "{stderr}");
    let node = Node::start(
        &["--chain", &spec, "--validator", "--base-path", base],
        &dir.path().join("validator.log"),
    );
    node.wait_for_block(4, LONG);
    assert!(finalized_number(&node) >= 4);
    let genesis = genesis_hash(&node);
    let alice = Pair::from_suri("//Alice").unwrap().0.public();
    let committee = ValidatorSet::new(vec![alice]).unwrap();
    for number in 1..=4 {
        let (hash, certificate) = certificate_of(&node, number);
        assert_eq!(
            certificate.round, 0,
            "block {number} was decided in round 0"
        );
        certificate
            .verify(VoteKind::Commit, number, &hash, &committee, &genesis)
            .unwrap_or_else(|e| panic!("block {number}: {e:?}"));
    }
    assert!(node.log_text().contains("Finalized #4"));
    let second = block_hash(&node, 2);
    assert!(node.stop().success());

    // The export carries the certificates; a fresh node imports them, checking each.
    let file = dir.path().join("blocks.bin");
    let (ok, _, stderr) = run(&[
        "export-blocks",
        "--chain",
        &spec,
        "--base-path",
        base,
        "--to",
        "4",
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let fresh = dir.path().join("fresh");
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        &spec,
        "--base-path",
        fresh.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");

    // One flipped bit in block 1's certificate (the last byte of its record is the last byte
    // of its signature), and the import stops there.
    let mut bytes = std::fs::read(&file).unwrap();
    let first_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    bytes[12 + first_len - 1] ^= 1;
    let tampered = dir.path().join("tampered.bin");
    std::fs::write(&tampered, &bytes).unwrap();
    let other = dir.path().join("other");
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        &spec,
        "--base-path",
        other.to_str().unwrap(),
        tampered.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("block #1 was refused"), "{stderr}");
    assert!(stderr.contains("commit certificate"), "{stderr}");

    // Weak-subjectivity checkpoints: a spec that trusts another block at #2 refuses the
    // exported history there, however well certified...
    let with_checkpoint = |hash: &str, name: &str| {
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
        json["checkpoints"] = json!({ "2": hash });
        let path = dir.path().join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        path.display().to_string()
    };
    let elsewhere = with_checkpoint(&format!("0x{}", "11".repeat(32)), "elsewhere.json");
    let pinned = dir.path().join("pinned");
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        &elsewhere,
        "--base-path",
        pinned.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("block #2 was refused"), "{stderr}");
    assert!(stderr.contains("not the checkpoint"), "{stderr}");
    // ...one that trusts the real block takes it...
    let real = with_checkpoint(&second, "real.json");
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        &real,
        "--base-path",
        fresh.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    // ...and a database that followed another history than its checkpoint's refuses to open.
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        &elsewhere,
        "--base-path",
        fresh.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("not the checkpoint"), "{stderr}");
}
