//! The web app a `--dev` node serves, in a real browser: Debian's Chromium, headless, driven by
//! playwright-core (`tests/clients/browser/explorer.mjs`). The page shows the finalized height
//! advancing; a block holding a transfer this test submits shows the call decoded by name
//! with its arguments, its events, and the LBFT certificate's round and signer; the
//! receiver's account page shows the balance RPC reports; the consensus page lists the
//! committee; search finds the block and refuses a malformed address with a message. Every
//! page passes axe-core with no serious or critical violation, at desktop and 390 px width,
//! with no console or page error; screenshots go to the test's output folder.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

/// The block (number, hash) holding the extrinsic `hex`, once finalized.
fn finalized_block_with(node: &Node, hex: &str) -> (u32, String) {
    let mut found = None;
    wait_until("the transfer is finalized", Duration::from_secs(60), || {
        let finalized = finalized_number(node);
        for n in (1..=finalized).rev().take(30) {
            let hash = block_hash(node, n);
            let block = node.rpc("chain_getBlock", json!([hash]));
            let has = block["block"]["extrinsics"]
                .as_array()
                .is_some_and(|xs| xs.iter().any(|x| x.as_str() == Some(hex)));
            if has {
                found = Some((n, hash));
                return true;
            }
        }
        false
    });
    found.unwrap()
}

/// An amount as the page writes it: whole CPC grouped by thousands, the exact fraction
/// (12 decimals) without trailing zeros.
fn in_cpc(amount: u128) -> String {
    let whole = (amount / 1_000_000_000_000).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let fraction = format!("{:012}", amount % 1_000_000_000_000);
    match fraction.trim_end_matches('0') {
        "" => format!("{grouped} CPC"),
        fraction => format!("{grouped}.{fraction} CPC"),
    }
}

#[test]
fn the_explorer_shows_a_transfer_decoded_with_its_lbft_certificate_in_a_real_browser() {
    // Before anything starts: a machine without Chromium fails here, saying so.
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    let ui = node.ui_port.expect("a dev node serves the web app");
    node.wait_for_block(1, Duration::from_secs(30));

    // 1.2345 CPC (12 decimals) from Alice to Dave.
    let amount = 1_234_500_000_000u128;
    let dave = cpc_runtime_test_utils::account("Dave");
    let xt = signed_transfer(genesis_hash(&node), "Alice", 0, &dave, amount);
    node.rpc("author_submitExtrinsic", json!([xt]));
    let (number, hash) = finalized_block_with(&node, &xt);
    let (index, member) = committee_member(&node, "Alice");
    let certificate = commit_certificate(&node, number);

    let (seen, output) = browser_script(
        "explorer.mjs",
        ui,
        &[
            ("BLOCK_NUMBER", number.to_string()),
            ("BLOCK_HASH", hash.clone()),
            ("FROM", cpc_runtime_test_utils::account("Alice").to_ss58(42)),
            ("TO", dave.to_ss58(42)),
            ("AMOUNT", "1.2345 CPC".into()),
            ("ROUND", certificate.round.to_string()),
            ("SIGNER_INDEX", index.to_string()),
            ("SIGNER", member.account.to_ss58(42)),
        ],
        Duration::from_secs(150),
    );

    // What the page showed, checked against the node's own answers.
    let free = free_balance(&node, &dave, None);
    assert_eq!(seen["daveFree"], json!(in_cpc(free)), "{output}");
    assert_eq!(seen["blockHash"], json!(hash));
    assert!(
        seen["finalizedAdvancedTo"].as_u64().unwrap() > seen["finalizedFirst"].as_u64().unwrap()
    );
    let screenshots = screenshot_dir();
    for page in [
        "home",
        "block",
        "account",
        "consensus",
        "runtime",
        "home-390",
        "block-390",
    ] {
        assert!(
            screenshots.join(format!("{page}.png")).is_file(),
            "screenshot {page}.png"
        );
    }
}
