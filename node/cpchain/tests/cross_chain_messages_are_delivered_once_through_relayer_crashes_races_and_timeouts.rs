//! Cross-chain transfers between a main dev chain and an IoT sidechain (its channel configured
//! in the sidechain's genesis, opened on main with `cpchain xchain open-channel`), carried by
//! `cpchain relay`:
//!
//! - the relayer is killed with SIGKILL right after it submitted receives, before it saw them
//!   finalized, and restarted: every message is credited exactly once;
//! - two relayers run at once: every message is credited once, and its relay fee paid once;
//! - with no relayer, the sidechain passes a message's timeout: a restarted relayer refunds the
//!   sender on main exactly once (to the unit, fees accounted), and a later delivery of the
//!   message on the sidechain, with a valid proof, is refused.
//!
//! Throughout, the main channel's escrow equals the wrapped supply on the sidechain once
//! nothing is in flight.

mod common;

use codec::Encode;
use common::*;
use cpc_primitives::AccountId;
use serde_json::{Value, json};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);
/// One CPC.
const CPC: u128 = 1_000_000_000_000;
/// The relay fee each transfer pays.
const FEE: u128 = CPC / 100;

/// Sends `amount` from Eve on main to Eve on the sidechain; returns (nonce, fee paid).
fn send(main: &Node, amount: u128, timeout: Option<u32>) -> (u64, u128) {
    let beneficiary = cpc_runtime_test_utils::account("Eve").to_string();
    let amount = amount.to_string();
    let fee = FEE.to_string();
    let timeout = timeout.map(|t| t.to_string());
    let url = ws(main);
    let mut args = vec![
        "xchain",
        "transfer",
        "--rpc-url",
        &url,
        "--to-chain",
        "0",
        "--beneficiary",
        &beneficiary,
        "--amount",
        &amount,
        "--relay-fee",
        &fee,
        "--from",
        "//Eve",
        "--json",
    ];
    if let Some(t) = &timeout {
        args.extend(["--timeout", t]);
    }
    let (ok, out, err) = run(&args);
    assert!(ok, "{out} {err}");
    let result: Value = serde_json::from_str(out.trim()).unwrap();
    (
        result["nonce"].as_u64().unwrap(),
        result["fee"].as_str().unwrap().parse().unwrap(),
    )
}

/// `(balance, supply)` of the wrapped token native to `asset` on `node`.
fn wrapped(node: &Node, asset: Value, who: &AccountId) -> (u128, u128) {
    let v = node.rpc("xchain_wrapped", json!([asset, who.to_string()]));
    (
        v["balance"].as_str().unwrap().parse().unwrap(),
        v["supply"].as_str().unwrap().parse().unwrap(),
    )
}

fn received(side: &Node, nonce: u64) -> bool {
    !side.rpc("xchain_message", json!([0, nonce]))["received"].is_null()
}

fn main_channel(main: &Node) -> Value {
    main.rpc("xchain_channels", json!([]))["channels"][0].clone()
}

fn escrowed(main: &Node) -> u128 {
    main_channel(main)["escrowed"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits until every message main sent is settled (delivered and acknowledged, or refunded).
fn wait_settled(main: &Node) {
    wait_until("every message settled on main", LONG, || {
        let c = main_channel(main);
        c["oldestInFlight"] == c["nextNonce"]
    });
}

#[test]
fn cross_chain_messages_are_delivered_once_through_relayer_crashes_races_and_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    // The sidechain's channel (id 0, the id its registration gets) is opened at genesis.
    let (main, side) = main_and_sidechain(dir.path(), |patch| {
        patch["crosschainTransfer"] =
            json!({ "sidechainId": 0, "mintCap": 1_000_000 * CPC, "mintWindow": 1200 });
    });
    let (ok, out, stderr) = run(&[
        "xchain",
        "open-channel",
        "--rpc-url",
        &ws(&main),
        "--channel",
        "0",
        "--mint-cap",
        &(1_000_000 * CPC).to_string(),
        "--mint-window",
        "600",
        "--from",
        "//Alice",
        "--json",
    ]);
    assert!(ok, "{out} {stderr}");
    assert_eq!(side.rpc("xchain_channels", json!([]))["home"], json!(0));

    let eve = cpc_runtime_test_utils::account("Eve");
    let ferdie = cpc_runtime_test_utils::account("Ferdie");
    let bob = cpc_runtime_test_utils::account("Bob");

    // 1. A relayer killed after submitting receives, before seeing them finalized: the three
    // messages wait for it, so it submits them together and follows them to finality.
    for _ in 0..3 {
        send(&main, CPC, None);
    }
    let mut relay = start_relay(
        &main,
        &side,
        "//Ferdie",
        &dir.path().join("relay-1.log"),
        &[],
    );
    wait_until("the relayer submits receives", LONG, || {
        std::fs::read_to_string(dir.path().join("relay-1.log"))
            .unwrap_or_default()
            .contains("submitting")
    });
    relay.0.kill().unwrap();
    relay.0.wait().unwrap();
    let relay_log = std::fs::read_to_string(dir.path().join("relay-1.log")).unwrap();
    let mut relay = start_relay(
        &main,
        &side,
        "//Ferdie",
        &dir.path().join("relay-2.log"),
        &[],
    );
    wait_until("three messages received", LONG, || {
        (0..3).all(|n| received(&side, n))
    });
    wait_settled(&main);
    let messages = |log: &str| -> String {
        log.lines()
            .filter(|l| l.contains("message") || l.contains("receive"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    eprintln!(
        "killed relayer:\n{}\nrestarted relayer:\n{}",
        messages(&relay_log),
        messages(&std::fs::read_to_string(dir.path().join("relay-2.log")).unwrap())
    );
    assert_eq!(
        wrapped(&side, json!("main"), &eve),
        (3 * CPC, 3 * (CPC + FEE)),
        "each message credited once; relayer log before the kill:\n{relay_log}"
    );
    assert_eq!(wrapped(&side, json!("main"), &ferdie).0, 3 * FEE);
    assert_eq!(escrowed(&main), 3 * (CPC + FEE));

    // 2. Two relayers at once.
    let other_log = dir.path().join("relay-other.log");
    let _other = start_relay(&main, &side, "//Bob", &other_log, &[]);
    for _ in 0..3 {
        send(&main, CPC, None);
    }
    wait_until("six messages received", LONG, || {
        (0..6).all(|n| received(&side, n))
    });
    wait_settled(&main);
    assert_eq!(
        wrapped(&side, json!("main"), &eve),
        (6 * CPC, 6 * (CPC + FEE))
    );
    assert_eq!(
        wrapped(&side, json!("main"), &ferdie).0 + wrapped(&side, json!("main"), &bob).0,
        6 * FEE,
        "each relay fee paid once"
    );
    assert_eq!(escrowed(&main), 6 * (CPC + FEE));
    drop(_other);
    relay.0.kill().unwrap();
    relay.0.wait().unwrap();

    // 3. No relayer: the sidechain passes the timeout; a restarted relayer refunds on main.
    let anchored = main_channel(&main)["counterpartHeight"].as_u64().unwrap() as u32;
    let timeout = anchored + 12;
    let before = free_balance(&main, &eve, None);
    let (nonce, tx_fee) = send(&main, 5 * CPC, Some(timeout));
    assert_eq!(nonce, 6);
    assert_eq!(
        free_balance(&main, &eve, None),
        before - 5 * CPC - FEE - tx_fee
    );
    wait_until("the sidechain passes the timeout", LONG, || {
        finalized_number(&side) > timeout + 2
    });
    let mut relay = start_relay(
        &main,
        &side,
        "//Ferdie",
        &dir.path().join("relay-3.log"),
        &[],
    );
    wait_settled(&main);
    let message = main.rpc("xchain_message", json!([0, nonce]))["sent"].clone();
    assert_eq!(message["status"]["state"], "refunded", "{message}");
    assert_eq!(
        free_balance(&main, &eve, None),
        before - tx_fee,
        "refunded once"
    );
    assert!(!received(&side, nonce));
    assert_eq!(escrowed(&main), 6 * (CPC + FEE));
    let (ok, out, err) = run(&[
        "xchain",
        "status",
        "0",
        &nonce.to_string(),
        "--main-rpc",
        &ws(&main),
        "--side-rpc",
        &ws(&side),
        "--json",
    ]);
    assert!(ok, "{err}");
    let status: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(status["state"], "refunded", "{status}");
    assert!(status["receivedAt"].is_null());
    relay.0.kill().unwrap();
    relay.0.wait().unwrap();

    // A delivery of the refunded message, with a valid proof against a main root the sidechain
    // tracks, is refused: the sidechain is past the timeout.
    wait_until(
        "the transfer's block tracked on the sidechain",
        LONG,
        || {
            side.rpc("xchain_channels", json!([]))["channels"][0]["counterpartHeight"]
                .as_u64()
                .is_some_and(|h| h >= message["sentAt"].as_u64().unwrap())
        },
    );
    let at = side.rpc("xchain_channels", json!([]))["channels"][0]["counterpartHeight"]
        .as_u64()
        .unwrap() as u32;
    let key = cpc_sidechain_primitives::xchain::outbound_key(0, nonce);
    let proof = main.rpc(
        "state_getReadProof",
        json!([[format!("0x{}", hex::encode(&key))], block_hash(&main, at)]),
    );
    let nodes: Vec<Vec<u8>> = proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| hex::decode(n.as_str().unwrap().trim_start_matches("0x")).unwrap())
        .collect();
    let encoded = hex::decode(
        message["message"]["encoded"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let message: cpc_sidechain_primitives::xchain::Message =
        codec::Decode::decode(&mut &encoded[..]).unwrap();
    let call = cpc_runtime_sidechain::RuntimeCall::CrosschainTransfer(
        cpc_pallet_crosschain_transfer::Call::receive {
            message,
            proof: cpc_trie::StorageProof::new(nodes),
            at,
        },
    );
    let side_nonce: u32 =
        serde_json::from_value(side.rpc("system_accountNextIndex", json!([ferdie.to_string()])))
            .unwrap();
    let xt = signed_call(
        genesis_hash(&side),
        "Ferdie",
        side_nonce,
        call.encode(),
        cpc_runtime_sidechain::VERSION.spec_version,
    );
    side.rpc("author_submitExtrinsic", json!([xt]));
    wait_until("the late delivery finalized", LONG, || {
        let finalized = side.rpc("chain_getFinalizedHead", json!([]));
        let nonce_key = account_key(&ferdie);
        let info = side.rpc("state_getStorage", json!([nonce_key, finalized]));
        let bytes = hex::decode(info.as_str().unwrap().trim_start_matches("0x")).unwrap();
        let info: cpc_pallet_system::AccountInfo = codec::Decode::decode(&mut &bytes[..]).unwrap();
        info.nonce > side_nonce
    });
    assert!(!received(&side, nonce), "the late delivery was refused");
    assert_eq!(
        wrapped(&side, json!("main"), &eve),
        (6 * CPC, 6 * (CPC + FEE))
    );
    assert_eq!(
        wrapped(&side, json!("main"), &eve).1,
        escrowed(&main),
        "escrow on main = wrapped supply on the sidechain"
    );
}
