//! The data market end to end on a dev node with its storage gateway: Bob publishes a file
//! (encrypted, listed, uploaded, the key shared with proxy Charlie), Dave cannot buy through
//! Charlie until Charlie accepts the product, then buys; Charlie's `market serve` refuses to
//! fetch the key from a gateway on a private address until allowed to, then delivers the key;
//! Dave fetches a byte-identical file and confirms. Every balance moves by exactly the documented split, the deposit and bond, and
//! the fees each account paid (summed from the chain's fee events); the real gateway refuses
//! an account without an order. Then Eve buys and Bob's own daemon delivers from his key file;
//! Dave cannot fetch Eve's order; bad `market_*` parameters are refused.

mod common;

use common::*;
use cpc_primitives::AccountId;
use cpc_runtime::constants::UNITS;
use cpc_runtime_test_utils::account;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn a_data_sale_runs_end_to_end_through_the_cli_and_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let gateway_port = free_port();
    let node = Node::start(
        &[
            "--dev",
            "--tmp",
            "--gateway-port",
            &gateway_port.to_string(),
        ],
        &dir.path().join("node.log"),
    );
    node.wait_for_block(1, Duration::from_secs(30));
    let rpc = format!("ws://127.0.0.1:{}", node.rpc_port);
    let gateway = format!("http://127.0.0.1:{gateway_port}");
    let [alice, bob, charlie, dave] = ["Alice", "Bob", "Charlie", "Dave"].map(account);
    let parties = [alice, bob, charlie, dave];

    let start = finalized_number(&node);
    let start_hash = block_hash(&node, start);
    let before = free_balances(&node, &parties, &start_hash);

    // Charlie becomes a proxy (5%); its encryption key is registered on the way.
    let bond = 100 * UNITS;
    register_proxy(&rpc, "//Charlie");

    // Bob publishes 3 MiB of sensor data, shares the key with Charlie.
    let data: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.path().join("readings.csv");
    std::fs::write(&file, &data).unwrap();
    let price = 50 * UNITS;
    let published = cli_json(&[
        "market",
        "publish",
        file.to_str().unwrap(),
        "--title",
        "Soil moisture, field 7",
        "--price",
        &price.to_string(),
        "--gateway",
        &gateway,
        "--tag",
        "soil",
        "--tag",
        "iot",
        "--category",
        "agriculture",
        "--proxy",
        &charlie.to_string(),
        "--suri",
        "//Bob",
        "--key-dir",
        dir.path().join("bob-keys").to_str().unwrap(),
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    let product = published["productId"].as_u64().unwrap();
    assert_eq!(
        published["contentHash"],
        json!(format!(
            "0x{}",
            hex::encode(cpc_market::crypto::sha256(&data))
        ))
    );
    let found = cli_json(&[
        "market",
        "search",
        "SOIL",
        "moisture",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert_eq!(found.as_array().unwrap().len(), 1);

    // Dave cannot buy through Charlie before Charlie agrees to serve the product.
    let buy_args = [
        "market",
        "buy",
        &product.to_string(),
        "--proxy",
        &charlie.to_string(),
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
        "--json",
    ];
    let (ok, out, err) = run(&buy_args);
    assert!(
        !ok && format!("{out}{err}").contains("ProxyNotAccepted"),
        "{out}{err}"
    );
    cli_json(&[
        "market",
        "accept",
        "--product",
        &product.to_string(),
        "--suri",
        "//Charlie",
        "--rpc-url",
        &rpc,
        "--json",
    ]);

    // Charlie's delivery daemon, at first with the default policy: the seller's gateway is on
    // loopback, where a seller could point a proxy at the proxy's own services.
    let charlie_log = dir.path().join("serve-charlie.log");
    let serve_charlie = market_serve(
        "//Charlie",
        &dir.path().join("charlie-keys"),
        &rpc,
        &[],
        &charlie_log,
    );

    // Dave buys through Charlie.
    let order = market_buy(&rpc, product, &charlie.to_string(), "//Dave");
    wait_until(
        "the daemon to refuse the private gateway",
        Duration::from_secs(60),
        || {
            std::fs::read_to_string(&charlie_log)
                .unwrap_or_default()
                .contains("not a public address")
        },
    );
    assert_eq!(
        node.rpc("market_order", json!([order]))["status"],
        json!("created")
    );
    drop(serve_charlie);
    let serve_charlie = market_serve(
        "//Charlie",
        &dir.path().join("charlie-keys"),
        &rpc,
        &["--allow-private-gateways"],
        &charlie_log,
    );
    wait_until("Charlie's delivery", Duration::from_secs(90), || {
        node.rpc("market_order", json!([order]))["status"] == json!("delivered")
    });
    drop(serve_charlie);

    // The real gateway refuses Eve, even naming Dave's order, and anyone without a login.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let genesis = genesis_hash(&node);
    runtime.block_on(async {
        let mut client = cpc_market::client::GatewayClient::new(&gateway).unwrap();
        let eve_pair = cpc_runtime_test_utils::pair("Eve");
        client.login(&eve_pair, &genesis).await.unwrap();
        let refused = client
            .download(product, Some(order), &dir.path().join("eve"), None, None)
            .await;
        assert_eq!(refused.unwrap_err().status().map(|s| s.as_u16()), Some(403));
        let anonymous = cpc_market::client::GatewayClient::new(&gateway).unwrap();
        let refused = anonymous
            .download(product, Some(order), &dir.path().join("anon"), None, None)
            .await;
        assert_eq!(refused.unwrap_err().status().map(|s| s.as_u16()), Some(401));
    });

    // Dave fetches: byte-identical, hash checked; then confirms and rates.
    let out = dir.path().join("bought.csv");
    let fetched = cli_json(&[
        "market",
        "fetch",
        &order.to_string(),
        "--out",
        out.to_str().unwrap(),
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert_eq!(fetched["verified"], json!(true));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    cli_json(&[
        "market",
        "confirm",
        &order.to_string(),
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    cli_json(&[
        "market",
        "rate",
        &order.to_string(),
        "--rating",
        "5",
        "--proxy-rating",
        "4",
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    let settled = node.rpc("market_order", json!([order]));
    assert_eq!(settled["status"], json!("completed"));
    assert_eq!(settled["buyerRated"], json!(true));

    // A seller delivers from its own key file too: Eve buys, Bob's daemon delivers.
    let serve_bob = market_serve(
        "//Bob",
        &dir.path().join("bob-keys"),
        &rpc,
        &[],
        &dir.path().join("serve-bob.log"),
    );
    let bought = cli_json(&[
        "market",
        "buy",
        &product.to_string(),
        "--proxy",
        &charlie.to_string(),
        "--suri",
        "//Eve",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    let eve_order = bought["orderId"].as_u64().unwrap();
    wait_until("Bob's delivery", Duration::from_secs(90), || {
        node.rpc("market_order", json!([eve_order]))["status"] == json!("delivered")
    });
    drop(serve_bob);
    let eve_out = dir.path().join("eve.csv");
    cli_json(&[
        "market",
        "fetch",
        &eve_order.to_string(),
        "--out",
        eve_out.to_str().unwrap(),
        "--suri",
        "//Eve",
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert_eq!(std::fs::read(&eve_out).unwrap(), data);
    // Dave cannot fetch Eve's order.
    let (ok, _, stderr) = run(&[
        "market",
        "fetch",
        &eve_order.to_string(),
        "--out",
        dir.path().join("x").to_str().unwrap(),
        "--suri",
        "//Dave",
        "--rpc-url",
        &rpc,
    ]);
    assert!(!ok && stderr.contains("is not"), "{stderr}");

    // Eve's orders in pages of one, each naming the next until the last; the CLI reads
    // every page.
    let eve = cpc_runtime_test_utils::account("Eve").to_string();
    let (mut paged, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let page = node.rpc("market_ordersPage", json!([eve, after, 1]));
        paged.extend(
            page["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_u64().unwrap()),
        );
        pages += 1;
        assert!(pages <= 100, "paging ends");
        if page["next"].is_null() {
            break;
        }
        after = page["next"].clone();
    }
    assert!(paged.contains(&eve_order), "{paged:?}");
    let listed = cli_json(&["market", "orders", &eve, "--rpc-url", &rpc, "--json"]);
    let mut listed: Vec<u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    paged.sort_unstable();
    listed.sort_unstable();
    assert_eq!(listed, paged);

    // Bad RPC parameters are refused with a reason.
    assert!(
        node.try_rpc("market_orders", json!(["not an account"]))
            .is_err()
    );
    assert!(
        node.try_rpc("market_openOrdersPage", json!([eve, "not a cursor"]))
            .is_err()
    );
    assert!(node.try_rpc("market_products", json!([0, 5000])).is_err());
    assert_eq!(node.rpc("market_product", json!([999])), Value::Null);

    // Every balance moved by exactly the split, the deposit, the bond and its fees.
    let end = finalized_number(&node);
    let end_hash = block_hash(&node, end);
    let fees = fees(&node, start + 1, end);
    let fee = |who: &AccountId| fees.get(who).copied().unwrap_or(0);
    let deposit: u128 = node.rpc("market_product", json!([product]))["deposit"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // The dev chain's protocol fee is 1% (to Alice); Charlie's 5%; Bob the rest.
    let (protocol, proxy) = (price / 100, price * 5 / 100);
    let seller = price - protocol - proxy;
    let after = free_balances(&node, &parties, &end_hash);
    assert_eq!(
        after[0],
        before[0] + protocol - fee(&alice),
        "Alice (protocol)"
    );
    assert_eq!(
        after[1],
        before[1] + seller - deposit - fee(&bob),
        "Bob (seller)"
    );
    assert_eq!(
        after[2],
        before[2] + proxy - bond - fee(&charlie),
        "Charlie (proxy)"
    );
    assert_eq!(after[3], before[3] - price - fee(&dave), "Dave (buyer)");
    assert!(fee(&bob) > 0 && fee(&charlie) > 0 && fee(&dave) > 0);
}
