//! `cpchain tx transfer` from //Alice to //Bob is included and finalized, and both balances
//! change by the amount and the fee of the documented formula.

mod common;

use common::*;
use cpc_primitives::AccountId;
use cpc_runtime::constants::{
    TRANSACTION_BASE_FEE, TRANSACTION_BYTE_FEE, WEIGHT_FEE_DENOMINATOR, WEIGHT_FEE_NUMERATOR,
};
use cpc_runtime_test_utils::account;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn a_cli_transfer_moves_the_amount_and_the_fee() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(30));
    let (alice, bob): (AccountId, AccountId) = (account("Alice"), account("Bob"));
    let before = node.rpc("chain_getFinalizedHead", json!([]));
    let before = before.as_str().unwrap();
    let (alice_before, bob_before) = (
        free_balance(&node, &alice, Some(before)),
        free_balance(&node, &bob, Some(before)),
    );

    let amount: u128 = 12_345_678_900_000;
    let url = format!("ws://127.0.0.1:{}", node.rpc_port);
    let (ok, stdout, stderr) = run(&[
        "tx",
        "transfer",
        "--from",
        "//Alice",
        "--to",
        &bob.to_string(),
        "--amount",
        &amount.to_string(),
        "--rpc-url",
        &url,
        "--json",
    ]);
    assert!(ok, "the transfer failed: {stdout}\n{stderr}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["success"], true);
    let block = result["block"].as_str().unwrap();
    let length = result["length"].as_u64().unwrap() as u128;

    // The documented formula: base + per byte + per unit of the call's weight.
    let weight = <cpc_pallet_balances::weights::CpcWeight as cpc_pallet_balances::WeightInfo>::transfer_keep_alive();
    let expected_fee = TRANSACTION_BASE_FEE
        + TRANSACTION_BYTE_FEE * length
        + u128::from(weight.ref_time) * WEIGHT_FEE_NUMERATOR / WEIGHT_FEE_DENOMINATOR;
    let fee: u128 = result["fee"].as_str().unwrap().parse().unwrap();
    assert_eq!(fee, expected_fee);

    // Balances at the block that finalized the transfer.
    assert_eq!(
        free_balance(&node, &alice, Some(block)),
        alice_before - amount - fee
    );
    assert_eq!(free_balance(&node, &bob, Some(block)), bob_before + amount);
    // The transfer is final.
    let finalized = node.rpc("chain_getFinalizedHead", json!([]));
    let finalized_number = number(&node.rpc("chain_getHeader", json!([finalized])));
    assert!(finalized_number >= result["blockNumber"].as_u64().unwrap() as u32);

    // A transfer the payer cannot afford fails with a reason and changes nothing.
    let (ok, _, stderr) = run(&[
        "tx",
        "transfer",
        "--from",
        "//Nobody",
        "--to",
        &bob.to_string(),
        "--amount",
        "1",
        "--rpc-url",
        &url,
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("Invalid Transaction") || stderr.contains("fees"),
        "{stderr}"
    );
}
