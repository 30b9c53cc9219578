//! The main chain gets the sidechain registry by an on-chain runtime upgrade: a four-validator
//! local testnet started with the runtime as released before the registry (spec 100) is
//! upgraded through the sudo key to this binary's runtime (spec 102); the registry's pallet
//! index appears, its migration initialises its storage, every validator finalizes the same
//! blocks across the upgrade, and a sidechain registers through a signed extrinsic.

mod common;

use codec::{Decode, Encode};
use common::*;
use cpc_primitives::{Digest, H256, Header, storage::storage_prefix};
use cpc_runtime::RuntimeCall;
use cpc_support::{BoundedVec, storage::version};
use serde_json::{Value, json};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);
const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

fn spec_version(node: &Node) -> u64 {
    node.rpc("state_getRuntimeVersion", json!([]))["specVersion"]
        .as_u64()
        .unwrap()
}

fn has_registry_pallet(node: &Node) -> bool {
    // The registry's runtime API, which only a runtime with the pallet exports.
    let api = node.try_rpc(
        "state_call",
        json!(["SidechainRegistryApi_sidechains", "0x0000000064000000"]),
    );
    api.is_ok()
}

#[test]
fn a_running_local_testnet_upgrades_to_the_sidechain_registry() {
    let dir = tempfile::tempdir().unwrap();
    let before = cpc_runtime_before_sidechains::WASM_BINARY_BEFORE_SIDECHAINS.unwrap();
    let spec = json!({
        "name": "Before sidechains", "id": "before_sidechains", "chainType": "Local",
        "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
        "consensus": {"engine": "lbft", "blockPeriodMs": 1000},
        "genesis": {"runtimeGenesis": {
            "preset": "local_testnet",
            "code": format!("0x{}", hex::encode(before)),
        }}
    });
    let spec_path = dir.path().join("before-sidechains.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let (nodes, _) = start_validators(dir.path(), spec_path.to_str().unwrap(), &NAMES);
    for node in &nodes {
        node.wait_for_block(2, LONG);
    }
    let alice = &nodes[0];
    assert_eq!(spec_version(alice), 100);
    assert!(
        !has_registry_pallet(alice),
        "no registry before the upgrade"
    );
    let version_key = version::key("SidechainRegistry");
    assert_eq!(storage(alice, &version_key, None), None);

    let code = dir.path().join("runtime.wasm");
    std::fs::write(&code, cpc_runtime::WASM_BINARY.unwrap()).unwrap();
    let rpc = format!("ws://127.0.0.1:{}", alice.rpc_port);
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
    let result: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap();
    assert_eq!(
        result["specVersion"],
        json!(cpc_runtime::VERSION.spec_version)
    );
    let enacted = result["enactedFrom"].as_u64().unwrap() as u32;

    // Every validator runs the new code and finalizes past the upgrade.
    for node in &nodes {
        node.wait_for_block(enacted + 2, LONG);
        assert_eq!(
            spec_version(node),
            u64::from(cpc_runtime::VERSION.spec_version)
        );
    }
    assert!(has_registry_pallet(alice));
    // The migration initialised the registry's storage in the first block of the new code.
    let at = block_hash(alice, enacted);
    assert_eq!(
        storage(alice, &version_key, Some(&at)).map(|v| u16::decode(&mut &v[..]).unwrap()),
        Some(1)
    );
    assert_eq!(
        storage(
            alice,
            &storage_prefix("SidechainRegistry", "NextSidechainId"),
            Some(&at)
        ),
        Some(0u32.encode())
    );
    let heights = enacted + 2;
    let hashes: Vec<String> = nodes.iter().map(|n| block_hash(n, heights)).collect();
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");

    // A sidechain registers through a signed extrinsic on the upgraded chain.
    let genesis = Header {
        parent_hash: H256::default(),
        number: 0,
        state_root: H256([3; 32]),
        extrinsics_root: H256::default(),
        digest: Digest::default(),
    };
    let committee = vec![cpc_runtime_test_utils::pair("Ferdie").public()];
    let call = RuntimeCall::SidechainRegistry(cpc_pallet_sidechain_registry::Call::register {
        genesis: genesis.clone(),
        committee: BoundedVec::try_from_vec(committee).unwrap(),
        bond: cpc_runtime::constants::SIDECHAIN_MIN_BOND,
        metadata: BoundedVec::new(),
    });
    let nonce = alice
        .rpc(
            "system_accountNextIndex",
            json!([cpc_runtime_test_utils::account("Bob").to_string()]),
        )
        .as_u64()
        .unwrap() as u32;
    let xt = signed_call(
        genesis_hash(alice),
        "Bob",
        nonce,
        call.encode(),
        cpc_runtime::VERSION.spec_version,
    );
    alice.rpc("author_submitExtrinsic", json!([xt]));
    let mut state = None;
    wait_until("the registration", LONG, || {
        let answer = alice.rpc(
            "state_call",
            json!(["SidechainRegistryApi_sidechain", "0x00000000"]),
        );
        let bytes = hex::decode(answer.as_str().unwrap().trim_start_matches("0x")).unwrap();
        state =
            Option::<cpc_sidechain_primitives::SidechainState>::decode(&mut &bytes[..]).unwrap();
        state.is_some()
    });
    let state = state.unwrap();
    assert_eq!(state.sidechain.genesis, genesis.hash());
    assert_eq!(
        state.sidechain.registrant,
        cpc_runtime_test_utils::account("Bob")
    );
    for node in nodes {
        node.stop();
    }
}
