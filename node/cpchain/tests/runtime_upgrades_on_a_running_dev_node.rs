//! Runtime upgrades on the real `cpchain` binary: `upgrade check` then `upgrade propose` through
//! the sudo key and through the council; the new version runs from the next block, its call
//! works, its migration ran once, and blocks keep being produced and finalized. `upgrade check`
//! reports a migration that would panic; a restarted node and a node importing the exported
//! chain re-execute both sides of the upgrade; `codeSubstitutes` revives a chain whose code
//! broke.

mod common;

use codec::{Decode, Encode};
use common::*;
use cpc_primitives::storage::{storage_prefix, well_known_keys};
use cpc_runtime::RuntimeCall;
use cpc_runtime_test_utils::account;
use serde_json::{Value, json};
use std::{path::Path, time::Duration};

/// This binary's runtime, and the next version `cpc-runtime-v2` builds.
const V1: u32 = cpc_runtime::VERSION.spec_version;
const V2: u32 = V1 + 1;
const LONG: Duration = Duration::from_secs(60);

/// Notes v2's `clear_note`, which this binary's runtime does not have.
const CLEAR_NOTE: [u8; 2] = [4, 1];

fn write_code(dir: &Path, name: &str, code: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, code).unwrap();
    path.display().to_string()
}

fn v2_file(dir: &Path) -> String {
    write_code(
        dir,
        "runtime-v2.wasm",
        cpc_runtime_v2::WASM_BINARY_V2.unwrap(),
    )
}

fn ws(node: &Node) -> String {
    format!("ws://127.0.0.1:{}", node.rpc_port)
}

fn spec_version(node: &Node, at: Option<&str>) -> u32 {
    node.rpc("state_getRuntimeVersion", json!([at]))["specVersion"]
        .as_u64()
        .unwrap() as u32
}

fn migration_runs(node: &Node, at: Option<&str>) -> u32 {
    storage(node, &storage_prefix("Notes", "MigrationRuns"), at)
        .map(|v| u32::decode(&mut &v[..]).unwrap())
        .unwrap_or(0)
}

fn alice_note(node: &Node) -> Option<Vec<u8>> {
    storage(
        node,
        &cpc_pallet_notes::Notes::hashed_key(&account("Alice")),
        None,
    )
}

fn nonce(node: &Node, who: &str) -> u32 {
    node.rpc("system_accountNextIndex", json!([account(who).to_string()]))
        .as_u64()
        .unwrap() as u32
}

/// Submits `call` signed by `who` for runtime `spec_version`.
fn submit(node: &Node, who: &str, call: Vec<u8>, spec_version: u32) {
    let xt = signed_call(
        genesis_hash(node),
        who,
        nonce(node, who),
        call,
        spec_version,
    );
    node.rpc("author_submitExtrinsic", json!([xt]));
}

fn set_note(text: &str) -> Vec<u8> {
    RuntimeCall::Notes(cpc_pallet_notes::Call::set_note {
        text: cpc_pallet_notes::Text::try_from_vec(text.as_bytes().to_vec()).unwrap(),
    })
    .encode()
}

fn sudo(call: RuntimeCall) -> Vec<u8> {
    RuntimeCall::Governance(cpc_pallet_governance::Call::sudo {
        call: Box::new(call),
    })
    .encode()
}

fn set_storage(key: &[u8], value: &[u8]) -> RuntimeCall {
    RuntimeCall::System(cpc_pallet_system::Call::set_storage {
        items: vec![(key.to_vec(), value.to_vec())],
    })
}

/// Runs `cpchain upgrade ...` with `--json`; (success, parsed stdout, stderr).
fn upgrade(args: &[&str]) -> (bool, Value, String) {
    let mut all = vec!["upgrade"];
    all.extend_from_slice(args);
    all.push("--json");
    let (ok, stdout, stderr) = run(&all);
    let value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    (ok, value, stderr)
}

/// Every block from 1 to the best is finalized, each exactly once: the finalized head moved
/// through all of them (the dev chain finalizes each block as it is authored).
fn assert_finality_kept_up(node: &Node, through: u32) {
    wait_until("finality", LONG, || finalized_number(node) >= through);
    for n in 1..=through {
        let hash = block_hash(node, n);
        let header = node.rpc("chain_getHeader", json!([hash]));
        assert_eq!(number(&header), n);
    }
}

#[test]
fn a_sudo_upgrade_takes_effect_at_the_next_block_and_survives_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("node");
    let base = base.to_str().unwrap();
    let v2 = v2_file(dir.path());
    let v1 = write_code(
        dir.path(),
        "runtime-v1.wasm",
        cpc_runtime::WASM_BINARY.unwrap(),
    );
    let mut node = Node::start(&["--dev", "--base-path", base], &dir.path().join("a.log"));

    submit(&node, "Alice", set_note("sensor 7 online"), V1);
    wait_until("the note", LONG, || alice_note(&node).is_some());

    // Checking the code the chain already runs fails: same spec_version.
    let (ok, report, _) = upgrade(&["check", &v1, "--rpc-url", &ws(&node)]);
    assert!(!ok);
    assert_eq!(report["ok"], json!(false));
    assert!(
        report["setCode"]["refused"]
            .as_str()
            .unwrap()
            .contains("SpecVersionNeedsToIncrease"),
        "{report}"
    );
    // The v2 code passes, and the dry run shows the notes migration.
    let (ok, report, stderr) = upgrade(&["check", &v2, "--rpc-url", &ws(&node)]);
    assert!(ok, "{report} {stderr}");
    assert_eq!(report["setCode"]["accepted"]["specVersion"], json!(V2));
    let notes = report["migrations"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["pallet"] == "Notes")
        .unwrap()
        .clone();
    assert_eq!(
        (&notes["before"], &notes["after"]),
        (&json!(0), &json!(1)),
        "{report}"
    );
    assert_eq!(report["migrations"]["tryState"], Value::Null);
    assert_eq!(spec_version(&node, None), V1, "a check changes nothing");

    let (ok, result, stderr) =
        upgrade(&["propose", &v2, "--from", "//Alice", "--rpc-url", &ws(&node)]);
    assert!(ok, "{result} {stderr}");
    let upgraded_in = result["blockNumber"].as_u64().unwrap() as u32;
    assert_eq!(result["specVersion"], json!(V2));
    assert_eq!(result["enactedFrom"], json!(upgraded_in + 1));
    let before = block_hash(&node, upgraded_in - 1);
    let at = block_hash(&node, upgraded_in);
    assert_eq!(spec_version(&node, Some(&before)), V1);
    assert_eq!(spec_version(&node, Some(&at)), V2);
    assert_eq!(migration_runs(&node, Some(&at)), 0);

    // The first block with the new code migrated the note; the new call works.
    node.wait_for_block(upgraded_in + 1, LONG);
    let first = block_hash(&node, upgraded_in + 1);
    assert_eq!(migration_runs(&node, Some(&first)), 1);
    submit(&node, "Alice", CLEAR_NOTE.to_vec(), V2);
    wait_until("clear_note", LONG, || alice_note(&node).is_none());
    // The wallet signs for whatever version the chain runs.
    let (ok, out, err) = run(&[
        "tx",
        "transfer",
        "--from",
        "//Bob",
        "--to",
        &account("Dave").to_string(),
        "--amount",
        "1000000000000",
        "--rpc-url",
        &ws(&node),
        "--json",
    ]);
    assert!(ok, "{out} {err}");
    let through = node.best_number() + 2;
    assert_finality_kept_up(&node, through);
    assert_eq!(migration_runs(&node, None), 1, "the migration ran once");
    assert!(
        node.log_text()
            .contains(&format!("Runtime upgraded in block #{upgraded_in}")),
        "the log tells the operator"
    );

    // Restarted, the node goes on with the new runtime.
    assert!(node.stop().success());
    node = Node::start(&["--dev", "--base-path", base], &dir.path().join("b.log"));
    let restarted_at = node.best_number();
    node.wait_for_block(restarted_at + 2, LONG);
    assert_eq!(spec_version(&node, None), V2);
    assert_eq!(migration_runs(&node, None), 1);
    let best_number = node.best_number();
    let best = node.rpc("chain_getBlockHash", json!([best_number]));
    let exported = dir.path().join("chain.blocks");
    assert!(node.stop().success());

    // Another node imports the whole chain up to `best` (the node may have authored another
    // block before it stopped), executing every block on both sides of the upgrade.
    let (ok, _, err) = run(&[
        "export-blocks",
        "--dev",
        "--base-path",
        base,
        "--to",
        &best_number.to_string(),
        exported.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let other = dir.path().join("other");
    let (ok, _, err) = run(&[
        "import-blocks",
        "--dev",
        "--base-path",
        other.to_str().unwrap(),
        "--execution",
        "both",
        exported.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let node = Node::start(
        &["--chain", "dev", "--base-path", other.to_str().unwrap()],
        &dir.path().join("c.log"),
    );
    assert_eq!(node.rpc("chain_getBlockHash", json!([])), best);
    assert_eq!(migration_runs(&node, None), 1);
}

#[test]
fn a_council_upgrade_is_enacted_after_approval_and_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = v2_file(dir.path());
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));

    let (ok, proposed, stderr) = upgrade(&[
        "propose",
        &v2,
        "--council",
        "--from",
        "//Bob",
        "--rpc-url",
        &ws(&node),
    ]);
    assert!(ok, "{proposed} {stderr}");
    assert_eq!(proposed["proposal"], json!(0));
    assert_eq!(proposed["approved"], Value::Null, "one aye of two needed");
    // A non-member cannot vote.
    let (ok, _, stderr) = upgrade(&["vote", "0", "--from", "//Eve", "--rpc-url", &ws(&node)]);
    assert!(!ok);
    assert!(stderr.contains("NotMember"), "{stderr}");

    let (ok, voted, stderr) =
        upgrade(&["vote", "0", "--from", "//Charlie", "--rpc-url", &ws(&node)]);
    assert!(ok, "{voted} {stderr}");
    assert_eq!(voted["approved"], json!(true));
    let enact_at = voted["enactAt"].as_u64().unwrap() as u32;
    assert_eq!(enact_at, voted["blockNumber"].as_u64().unwrap() as u32 + 2);

    node.wait_for_block(enact_at + 1, LONG);
    assert_eq!(
        spec_version(&node, Some(&block_hash(&node, enact_at - 1))),
        V1
    );
    // Enacted in `on_initialize` of block `enact_at`: the blocks after it run v2.
    assert_eq!(spec_version(&node, Some(&block_hash(&node, enact_at))), V2);
    assert_eq!(
        migration_runs(&node, Some(&block_hash(&node, enact_at + 1))),
        1
    );
    let through = enact_at + 3;
    assert_finality_kept_up(&node, through);
    assert_eq!(migration_runs(&node, None), 1);
}

#[test]
fn upgrade_check_reports_a_migration_that_would_panic() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = v2_file(dir.path());
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    // A note that is not v1 text: the v2 migration refuses to convert it.
    let key = cpc_pallet_notes::Notes::hashed_key(&account("Ferdie"));
    submit(
        &node,
        "Alice",
        sudo(set_storage(&key, &[0xff, 0xff, 0xff])),
        V1,
    );
    wait_until("the corrupt note", LONG, || {
        storage(&node, &key, None).is_some()
    });

    let (ok, report, stderr) = upgrade(&["check", &v2, "--rpc-url", &ws(&node)]);
    assert!(!ok, "{report}");
    assert!(stderr.contains("the migrations failed"), "{stderr}");
    let error = report["migrations"]["error"].as_str().unwrap();
    assert!(
        error.contains("notes migration: the note under key 0x")
            && error.contains(&hex::encode(&key)),
        "{error}"
    );
    // Proposing runs the same check and refuses.
    let (ok, _, stderr) = upgrade(&["propose", &v2, "--from", "//Alice", "--rpc-url", &ws(&node)]);
    assert!(!ok);
    assert!(stderr.contains("the migrations failed"), "{stderr}");
    let best = node.best_number();
    node.wait_for_block(best + 1, LONG);
    assert_eq!(spec_version(&node, None), V1, "nothing was enacted");
}

#[test]
fn code_substitutes_revive_a_chain_whose_code_broke() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("node");
    let base = base.to_str().unwrap();
    let spec = |substitutes: Value| {
        let path = dir.path().join("recover.json");
        let spec = json!({
            "name": "Recover", "id": "recover", "chainType": "Development",
            "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
            "consensus": {"engine": "dev", "blockPeriodMs": 500},
            "codeSubstitutes": substitutes,
            "genesis": {"runtimeGenesis": {"preset": "development"}}
        });
        std::fs::write(&path, spec.to_string()).unwrap();
        path.display().to_string()
    };
    let spec_path = spec(json!({}));
    let args = ["--chain", &spec_path, "--validator", "--base-path", base];
    let node = Node::start(&args, &dir.path().join("a.log"));
    // Root writes garbage as the code, bypassing set_code's checks.
    submit(
        &node,
        "Alice",
        sudo(set_storage(well_known_keys::CODE, b"not wasm")),
        V1,
    );
    wait_until("the broken code", LONG, || {
        storage(&node, well_known_keys::CODE, None).as_deref() == Some(b"not wasm")
    });
    let broken_at = node.best_number();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        node.best_number(),
        broken_at,
        "no block can be built on broken code"
    );
    assert!(node.log_text().contains("could not author a block"));
    assert!(node.stop().success());

    // The operator substitutes the last good code from the broken block on, and restarts.
    let code = format!("0x{}", hex::encode(cpc_runtime::WASM_BINARY.unwrap()));
    spec(json!({ broken_at.to_string(): code }));
    let node = Node::start(&args, &dir.path().join("b.log"));
    node.wait_for_block(broken_at + 3, LONG);
    assert_eq!(spec_version(&node, None), V1);
    // Governance can now repair the chain for good with a real upgrade.
    let v2 = v2_file(dir.path());
    let (ok, result, stderr) =
        upgrade(&["propose", &v2, "--from", "//Alice", "--rpc-url", &ws(&node)]);
    assert!(ok, "{result} {stderr}");
    let fixed_in = result["blockNumber"].as_u64().unwrap() as u32;
    node.wait_for_block(fixed_in + 2, LONG);
    assert_eq!(spec_version(&node, None), V2);
    assert_eq!(migration_runs(&node, None), 1);
}

#[test]
fn a_four_validator_testnet_upgrades_without_stopping_finality() {
    let dir = tempfile::tempdir().unwrap();
    let spec = lbft_spec(dir.path(), "upgrade_net", "Local", "local_testnet", 500);
    let (nodes, _) = start_validators(dir.path(), &spec, &["Alice", "Bob", "Charlie", "Dave"]);
    wait_until("four validators finalize", LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= 2)
    });
    let v2 = v2_file(dir.path());
    let (ok, result, stderr) = upgrade(&[
        "propose",
        &v2,
        "--from",
        "//Alice",
        "--rpc-url",
        &ws(&nodes[0]),
    ]);
    assert!(ok, "{result} {stderr}");
    let enacted = result["blockNumber"].as_u64().unwrap() as u32;
    // Every validator runs the new code from the next block on, and finality never stops.
    wait_until("all four run v2 and finalize past it", LONG, || {
        nodes
            .iter()
            .all(|n| finalized_number(n) >= enacted + 5 && spec_version(n, None) == V2)
    });
    for number in 1..=enacted + 5 {
        let hashes: Vec<String> = nodes.iter().map(|n| block_hash(n, number)).collect();
        assert!(hashes.iter().all(|h| *h == hashes[0]), "height {number}");
    }
    assert_eq!(migration_runs(&nodes[0], None), 1);
}
