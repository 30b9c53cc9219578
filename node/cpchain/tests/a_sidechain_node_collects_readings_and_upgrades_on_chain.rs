//! The same `cpchain` binary runs an IoT sidechain when the chain spec says so: `--chain
//! sidechain-dev` starts the sidechain runtime with 500 ms blocks finalized by LBFT; an owner
//! registers a device, a gateway submits the device's signed readings, the block commits their
//! readings root, a replayed batch is refused; and the sidechain upgrades its runtime on chain
//! through the sudo key.

mod common;

use codec::{Decode, Encode};
use common::*;
use cpc_primitives::sr25519::Pair;
use cpc_sidechain_primitives::iot::{Reading, ReadingsRoot, SignedReading, registration_payload};
use cpc_support::BoundedVec;
use serde_json::{Value, json};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

fn runtime_version(node: &Node) -> Value {
    node.rpc("state_getRuntimeVersion", json!([]))
}

fn nonce(node: &Node, who: &str) -> u32 {
    node.rpc(
        "system_accountNextIndex",
        json!([cpc_runtime_test_utils::account(who).to_string()]),
    )
    .as_u64()
    .unwrap() as u32
}

fn submit(node: &Node, who: &str, call: cpc_runtime_sidechain::RuntimeCall) -> Value {
    let spec = runtime_version(node)["specVersion"].as_u64().unwrap() as u32;
    let xt = signed_call(
        genesis_hash(node),
        who,
        nonce(node, who),
        call.encode(),
        spec,
    );
    node.rpc("author_submitExtrinsic", json!([xt]))
}

fn state_call<T: Decode>(node: &Node, method: &str, args: impl Encode) -> T {
    let answer = node.rpc(
        "state_call",
        json!([method, format!("0x{}", hex::encode(args.encode()))]),
    );
    let bytes = hex::decode(answer.as_str().unwrap().trim_start_matches("0x")).unwrap();
    T::decode(&mut &bytes[..]).unwrap()
}

fn timestamp_of(node: &Node, number: u32) -> u64 {
    let key = cpc_primitives::storage::storage_prefix("Timestamp", "Now");
    let raw = storage(node, &key, Some(&block_hash(node, number))).unwrap();
    u64::decode(&mut &raw[..]).unwrap()
}

#[test]
fn a_sidechain_node_collects_readings_and_upgrades_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(
        &["--dev", "--chain", "sidechain-dev"],
        &dir.path().join("side.log"),
    );
    node.wait_for_block(4, LONG);
    let version = runtime_version(&node);
    assert_eq!(version["specName"], json!("cpchain-sidechain"));
    // Best read first: a block imported between the two reads is final too.
    let best = node.best_number();
    assert!(finalized_number(&node) >= best, "LBFT finalizes each block");
    let (t3, t4) = (timestamp_of(&node, 3), timestamp_of(&node, 4));
    assert!(t4 >= t3 + 500, "500 ms apart at least: {t3} {t4}");

    // Bob owns a device; Charlie runs the gateway.
    let chain = genesis_hash(&node);
    let device = Pair::from_seed(&[77; 32]);
    let bob = cpc_runtime_test_utils::account("Bob");
    submit(
        &node,
        "Bob",
        cpc_runtime_sidechain::RuntimeCall::IotDevices(
            cpc_pallet_iot_devices::Call::register_device {
                key: device.public(),
                metadata: BoundedVec::try_from_vec(b"greenhouse 3, humidity".to_vec()).unwrap(),
                proof: device.sign(&registration_payload(&chain, &bob)),
            },
        ),
    );
    wait_until("the device", LONG, || {
        state_call::<Option<cpc_sidechain_primitives::iot::Device>>(
            &node,
            "IotDevicesApi_device",
            0u32,
        )
        .is_some()
    });
    let readings: Vec<SignedReading> = (1..=3u64)
        .map(|seq| {
            let reading = Reading {
                device: 0,
                seq,
                timestamp: 1_700_000_000_000 + seq,
                payload: BoundedVec::try_from_vec(format!("{}%", 40 + seq).into_bytes()).unwrap(),
            };
            let signature = device.sign(&reading.signing_payload(&chain));
            SignedReading { reading, signature }
        })
        .collect();
    let batch = || {
        cpc_runtime_sidechain::RuntimeCall::IotDevices(
            cpc_pallet_iot_devices::Call::submit_readings {
                readings: BoundedVec::try_from_vec(readings.clone()).unwrap(),
            },
        )
    };
    let from = node.best_number();
    submit(&node, "Charlie", batch());
    let mut committed = None;
    wait_until("a readings root", LONG, || {
        let best = node.best_number();
        committed = (from..=best).find_map(|n| {
            state_call::<Option<ReadingsRoot>>(&node, "IotDevicesApi_readings_root", n)
                .map(|root| (n, root))
        });
        committed.is_some()
    });
    let (block, root) = committed.unwrap();
    assert_eq!(root.count, 3);
    let leaves: Vec<Vec<u8>> = readings.iter().map(|r| r.leaf().0.to_vec()).collect();
    assert_eq!(root.root, cpc_trie::ordered_trie_root(leaves));
    // The same batch again is a replay: included (the gateway pays) and refused, no new root.
    submit(&node, "Charlie", batch());
    node.wait_for_block(node.best_number() + 3, LONG);
    for n in block + 1..=node.best_number() {
        assert_eq!(
            state_call::<Option<ReadingsRoot>>(&node, "IotDevicesApi_readings_root", n),
            None
        );
    }

    // An on-chain upgrade of the sidechain's runtime through the sudo key.
    let code = dir.path().join("sidechain-v2.wasm");
    std::fs::write(&code, cpc_runtime_v2::SIDECHAIN_WASM_BINARY_V2.unwrap()).unwrap();
    let rpc = format!("ws://127.0.0.1:{}", node.rpc_port);
    let (ok, stdout, stderr) = run(&[
        "upgrade",
        "propose",
        code.to_str().unwrap(),
        "--from",
        "//Alice",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert!(ok, "{stdout} {stderr}");
    // The blob is the sidechain runtime built with its `v2` feature: the next spec version.
    let next = cpc_runtime_sidechain::VERSION.spec_version + 1;
    wait_until("the next spec version", LONG, || {
        runtime_version(&node)["specVersion"] == json!(next)
    });
    let after = node.best_number();
    node.wait_for_block(after + 3, LONG);
    let best = node.best_number();
    assert!(finalized_number(&node) >= best);
    node.stop();
}
