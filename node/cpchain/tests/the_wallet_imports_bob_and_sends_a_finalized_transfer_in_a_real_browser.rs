//! The web app's wallet in a real browser (Debian's Chromium through playwright-core,
//! `tests/clients/browser/wallet.mjs`) against a `--dev` node: the page creates a fresh
//! account, imports `//Bob` (its keys derived and its transfer signed by the Rust crypto
//! compiled to wasm), refuses a malformed address, an amount above the balance, too many
//! decimals and a wrong password with a message each, then sends 12.5 CPC and follows it to
//! finalized. Checked here against the node's own answers: the fresh account holds exactly
//! the amount, Bob paid exactly the amount and the fee the page showed (estimated before and
//! paid after, the same), Bob's nonce moved by one (the refused attempts sent nothing), and
//! the balances the page showed are the node's. At 390 px, Alice pays Ferdie 1 CPC.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

#[test]
fn the_wallet_imports_bob_and_sends_a_finalized_transfer_in_a_real_browser() {
    // Before anything starts: a machine without Chromium fails here, saying so.
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    let ui = node.ui_port.expect("a dev node serves the web app");
    node.wait_for_block(1, Duration::from_secs(30));
    let bob = cpc_runtime_test_utils::account("Bob");
    let bob_before = free_balance(&node, &bob, None);
    let ferdie = cpc_runtime_test_utils::account("Ferdie");
    let ferdie_before = free_balance(&node, &ferdie, None);

    let (seen, output) = browser_script(
        "wallet.mjs",
        ui,
        &[("BOB", bob.to_ss58(42)), ("FERDIE", ferdie.to_ss58(42))],
        Duration::from_secs(240),
    );
    let text = |key: &str| {
        seen[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {seen}"))
            .to_string()
    };

    let amount = 12_500_000_000_000u128;
    let fresh: cpc_primitives::AccountId = text("fresh").parse().expect("an SS58 address");
    let fee = from_cpc(&text("feePaid"));
    assert_eq!(
        fee,
        from_cpc(&text("feeEstimated")),
        "the estimate is the fee paid"
    );
    assert!(fee > 0);

    // The node agrees with the page, at the block the page called finalized and now.
    let block = seen["finalizedBlock"].as_u64().unwrap() as u32;
    assert!(finalized_number(&node) >= block);
    let at = block_hash(&node, block);
    assert_eq!(free_balance(&node, &fresh, Some(at.as_str())), amount);
    assert_eq!(free_balance(&node, &fresh, None), amount);
    assert_eq!(from_cpc(&text("freshFree")), amount);
    let bob_after = free_balance(&node, &bob, Some(at.as_str()));
    assert_eq!(bob_before - bob_after, amount + fee, "{seen}");
    assert_eq!(from_cpc(&text("bobFreeBefore")), bob_before);
    assert_eq!(from_cpc(&text("bobFreeAfter")), bob_after);
    // One transaction from Bob: the refused attempts sent nothing.
    let nonce = node.rpc("system_accountNextIndex", json!([bob.to_ss58(42)]));
    assert_eq!(nonce, json!(1), "{output}");

    // Alice's transfer at phone width reached Ferdie.
    assert_eq!(
        free_balance(&node, &ferdie, None),
        ferdie_before + 1_000_000_000_000
    );

    let screenshots = screenshot_dir();
    for page in ["wallet", "wallet-transfer", "wallet-390"] {
        assert!(
            screenshots.join(format!("{page}.png")).is_file(),
            "screenshot {page}.png"
        );
    }
}
