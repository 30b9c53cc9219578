//! A seller lists a product whose gateway is a tarpit (it accepts connections and never
//! answers) and a sock puppet buys it through a proxy that serves every product listing it.
//! The proxy's `market serve` gives up on that order after its delivery timeout and keeps
//! delivering everyone else's: an honest buyer's order, placed after the tarpit's, is
//! delivered while the tarpit order waits.

mod common;

use codec::Encode;
use common::*;
use cpc_pallet_data_market::{Call as MarketCall, ProductInfo, StorageLocation};
use cpc_runtime::constants::UNITS;
use cpc_runtime_test_utils::account;
use cpc_support::BoundedVec;
use serde_json::json;
use std::{
    net::TcpListener,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// A listener that accepts connections and holds them without a byte, for `limit`.
fn tarpit(limit: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let until = Instant::now() + limit;
        let mut held = Vec::new();
        while Instant::now() < until {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    port
}

fn text<const N: u32>(s: &str) -> BoundedVec<u8, cpc_support::ConstU32<N>> {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

#[test]
fn a_tarpit_gateway_stalls_one_order_and_never_the_daemon() {
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
    node.wait_for_block(1, Duration::from_secs(60));
    let rpc = ws(&node);
    let gateway = format!("http://127.0.0.1:{gateway_port}");
    let charlie = account("Charlie").to_string();
    let tarpit = tarpit(Duration::from_secs(240));

    // Charlie proxies every product that lists it.
    for args in [
        vec!["register-proxy", "--fee-per-mille", "50", "--bond"],
        vec!["accept", "--all"],
    ] {
        let bond = (100 * UNITS).to_string();
        let mut full = vec!["market"];
        full.extend(args.iter().copied());
        if args[0] == "register-proxy" {
            full.push(&bond);
        }
        full.extend(["--suri", "//Charlie", "--rpc-url", &rpc, "--json"]);
        cli_json(&full);
    }

    // Ferdie lists a product at the tarpit (product 0), signed by hand: the CLI would upload
    // to it first.
    let info = ProductInfo {
        title: text("Free data"),
        description: text(""),
        tags: BoundedVec::new(),
        category: text("bait"),
        price: UNITS,
        content_hash: [1; 32],
        size: 1,
        location: StorageLocation::Node(text(&format!("http://127.0.0.1:{tarpit}"))),
        license: text(""),
        proxies: BoundedVec::try_from_vec(vec![account("Charlie")]).unwrap(),
    };
    let call = cpc_runtime::RuntimeCall::DataMarket(MarketCall::publish { info }).encode();
    let xt = signed_call(
        genesis_hash(&node),
        "Ferdie",
        0,
        call,
        cpc_runtime::VERSION.spec_version,
    );
    node.rpc("author_submitExtrinsic", json!([xt]));
    wait_until("the tarpit product", Duration::from_secs(30), || {
        node.try_rpc("market_product", json!([0]))
            .is_ok_and(|p| !p.is_null())
    });

    // Bob lists real data on the node's gateway (product 1).
    let file = dir.path().join("data.bin");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let published = cli_json(&[
        "market",
        "publish",
        file.to_str().unwrap(),
        "--title",
        "Real data",
        "--price",
        &UNITS.to_string(),
        "--gateway",
        &gateway,
        "--proxy",
        &charlie,
        "--suri",
        "//Bob",
        "--key-dir",
        dir.path().join("bob-keys").to_str().unwrap(),
        "--rpc-url",
        &rpc,
        "--json",
    ]);
    assert_eq!(published["productId"], json!(1));

    // Ferdie's sock puppet Dave buys the bait first, then Eve buys Bob's data.
    let buy = |product: &str, who: &str| -> u64 {
        cli_json(&[
            "market",
            "buy",
            product,
            "--proxy",
            &charlie,
            "--suri",
            who,
            "--rpc-url",
            &rpc,
            "--json",
        ])["orderId"]
            .as_u64()
            .unwrap()
    };
    let bait = buy("0", "//Dave");
    let honest = buy("1", "//Eve");

    let log = dir.path().join("serve.log");
    let _daemon = Daemon(
        Command::new(binary())
            .args(["market", "serve", "--suri", "//Charlie", "--poll-ms", "300"])
            .args(["--delivery-timeout-secs", "3", "--allow-private-gateways"])
            .args([
                "--key-dir",
                dir.path().join("charlie-keys").to_str().unwrap(),
            ])
            .args(["--rpc-url", &rpc])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_until(
        "the honest order's delivery",
        Duration::from_secs(90),
        || node.rpc("market_order", json!([honest]))["status"] == json!("delivered"),
    );
    let status = |order: u64| node.rpc("market_order", json!([order]))["status"].clone();
    assert_eq!(status(bait), json!("created"));
    wait_until(
        "the timeout to be reported",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("took longer than")
        },
    );
    assert_eq!(
        status(bait),
        json!("created"),
        "nothing to deliver from a tarpit"
    );
}
