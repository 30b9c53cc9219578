//! The web app's data market in a real browser (Debian's Chromium through playwright-core,
//! `tests/clients/browser/market.mjs`) against a `--dev` node and its storage gateway: Bob's
//! first publish names a gateway that cannot take the file, so the page delists the product
//! after three attempts; then he publishes a 2.5 MiB file from the page (encrypted by the Rust crypto compiled to wasm,
//! listed, uploaded after the gateway's challenge-response login, its key shared with proxy
//! Charlie); Dave, in another browser profile, buys it through Charlie; Charlie's
//! `cpchain market serve` delivers; Dave's page refuses a download changed on the way, then
//! saves the original bytes, confirms and rates. Eve buys with the CLI, Bob's page delivers from
//! the key it kept, and `cpchain market fetch` gets the same bytes; Eve disputes in the page and
//! Charlie rules a split from his proxy dashboard. Checked here against the
//! node: the product's hash is the file's, the orders' states and ratings, every balance moved
//! by exactly the split, the deposit, the escrow and the fees each account paid (summed from
//! the chain's fee events), and the amounts the pages showed are the chain's.

mod common;

use common::*;
use cpc_runtime::constants::UNITS;
use cpc_runtime_test_utils::account;
use serde_json::json;
use std::time::Duration;

#[test]
fn a_file_sold_in_the_browser_is_delivered_decrypted_confirmed_and_rated() {
    // Before anything starts: a machine without Chromium fails here, saying so.
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    let ui = node.ui_port.expect("a dev node serves the web app");
    assert!(node.gateway_port.is_some(), "a dev node serves the gateway");
    node.wait_for_block(1, Duration::from_secs(30));
    let rpc = ws(&node);
    let [alice, bob, charlie, dave, eve] = ["Alice", "Bob", "Charlie", "Dave", "Eve"].map(account);

    // Charlie is a proxy (5%) that serves every product listing it.
    register_proxy(&rpc, "//Charlie");
    accept_all(&rpc, "//Charlie");
    let start = finalized_number(&node);
    let start_hash = block_hash(&node, start);
    let parties = [alice, bob, charlie, dave, eve];
    let before = free_balances(&node, &parties, &start_hash);

    let (seen, output) = browser_script(
        "market.mjs",
        ui,
        &[
            ("CPCHAIN", binary().to_string()),
            ("RPC_URL", rpc.clone()),
            ("CHARLIE", charlie.to_ss58(42)),
            ("DAVE", dave.to_ss58(42)),
            // Nothing listens there: the gateway of the publish that must fail.
            ("CLOSED_PORT", free_port().to_string()),
        ],
        Duration::from_secs(400),
    );
    let product = seen["product"].as_u64().expect("a product id");
    // The first attempt's gateway could not take the file: listed, then delisted.
    let failed = node.rpc("market_product", json!([seen["failedProduct"]]));
    assert_eq!(failed["listed"], json!(false), "{failed}");
    assert_eq!(failed["sales"], json!(0));
    let failed_deposit: u128 = failed["deposit"].as_str().unwrap().parse().unwrap();
    let order = seen["order"].as_u64().expect("an order id");
    let eve_order = seen["eveOrder"].as_u64().expect("Eve's order id");

    // What the page listed is the file it was given.
    let listed = node.rpc("market_product", json!([product]));
    assert_eq!(listed["contentHash"], seen["contentHash"], "{output}");
    assert_eq!(listed["size"], seen["downloaded"]);
    assert_eq!(listed["seller"], json!(bob.to_ss58(42)));
    assert_eq!(listed["proxies"], json!([charlie.to_ss58(42)]));
    assert_eq!(
        listed["location"]["node"],
        json!(format!("http://127.0.0.1:{}", node.gateway_port.unwrap()))
    );
    assert_eq!(
        (listed["ratingSum"].clone(), listed["ratings"].clone()),
        (json!(5), json!(1))
    );
    let price = 50 * UNITS;
    assert_eq!(listed["price"], json!(price.to_string()));

    let settled = node.rpc("market_order", json!([order]));
    assert_eq!(settled["status"], json!("completed"));
    assert_eq!(settled["buyer"], json!(dave.to_ss58(42)));
    assert_eq!(settled["buyerRated"], json!(true));
    let ruled = node.rpc("market_order", json!([eve_order]));
    assert_eq!(
        ruled["status"],
        json!("resolved"),
        "Bob's page delivered, Charlie's ruled"
    );
    assert_eq!(ruled["ruling"], json!("split(500‰ to the buyer)"));

    // Every balance moved by exactly the split, the deposit, the escrow and its fees.
    let end = finalized_number(&node);
    let end_hash = block_hash(&node, end);
    let fees = fees(&node, start + 1, end);
    let fee = |who: &cpc_primitives::AccountId| fees.get(who).copied().unwrap_or(0);
    let deposit: u128 = listed["deposit"].as_str().unwrap().parse().unwrap();
    // The dev chain's protocol fee is 1% (to Alice); Charlie's 5%; Bob the rest. Eve's order
    // was ruled half back to her, the other half split as a sale.
    let (protocol, proxy) = (price / 100, price * 5 / 100);
    let seller = price - protocol - proxy;
    let (refund, ruled_price) = (price / 2, price - price / 2);
    let (ruled_protocol, ruled_proxy) = (ruled_price / 100, ruled_price * 5 / 100);
    let ruled_seller = ruled_price - ruled_protocol - ruled_proxy;
    let after = free_balances(&node, &parties, &end_hash);
    assert_eq!(
        after[0],
        before[0] + protocol + ruled_protocol - fee(&alice),
        "Alice (protocol)"
    );
    assert_eq!(
        after[1],
        before[1] + seller + ruled_seller - deposit - failed_deposit - fee(&bob),
        "Bob (seller)"
    );
    assert_eq!(
        after[2],
        before[2] + proxy + ruled_proxy - fee(&charlie),
        "Charlie (proxy)"
    );
    assert_eq!(after[3], before[3] - price - fee(&dave), "Dave (buyer)");
    assert_eq!(
        after[4],
        before[4] - price + refund - fee(&eve),
        "Eve (half back)"
    );
    assert!(
        fee(&bob) > 0 && fee(&dave) > 0 && fee(&charlie) > 0 && fee(&eve) > 0,
        "{fees:?}"
    );

    // The pages showed the chain's amounts: Dave's balance (he sent nothing after) and the
    // fees Charlie earned on both orders.
    assert_eq!(
        from_cpc(seen["daveFree"].as_str().unwrap()),
        free_balance(&node, &dave, None)
    );
    assert_eq!(
        from_cpc(seen["proxyEarned"].as_str().unwrap()),
        proxy + ruled_proxy
    );

    let screenshots = screenshot_dir();
    for page in [
        "market-publish",
        "market-list",
        "product",
        "order",
        "market-proxy",
        "market-390",
    ] {
        assert!(
            screenshots.join(format!("{page}.png")).is_file(),
            "screenshot {page}.png"
        );
    }
}
