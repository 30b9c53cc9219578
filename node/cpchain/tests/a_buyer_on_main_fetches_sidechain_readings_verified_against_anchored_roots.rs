//! The data market meets the sidechains: a seller on main lists a sidechain's readings
//! (`cpchain market publish-stream`: the sidechain, two of its devices, a time range), a buyer
//! buys it, and `cpchain market fetch --sidechain-rpc` fetches the readings with their proofs
//! from a sidechain node and checks each against the sidechain state root anchored on main.
//! Every reading the sidechain finalized for those devices up to the anchored height comes
//! back, none of another device; the proofs in the output verify again with `cpchain iot
//! verify`. (A tampered or foreign reading is refused: `cpc_rpc_client::stream`'s unit test.)

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(120);

#[test]
fn a_buyer_on_main_fetches_sidechain_readings_verified_against_anchored_roots() {
    let dir = tempfile::tempdir().unwrap();
    let (main, side) = main_and_sidechain(dir.path(), |_| {});
    let _relay = start_relay(&main, &side, "//Ferdie", &dir.path().join("relay.log"), &[]);

    // Three devices report for a few seconds.
    let (ok, out, err) = run(&[
        "iot",
        "simulate",
        "--rpc-url",
        &ws(&side),
        "--devices",
        "3",
        "--batch",
        "3",
        "--rate",
        "30",
        "--duration",
        "4",
    ]);
    assert!(ok, "{out} {err}");
    let simulated = finalized_number(&side);
    wait_until("the readings anchored on main", LONG, || {
        main.rpc("sidechain_list", json!([]))[0]["anchored"]["number"]
            .as_u64()
            .is_some_and(|n| n >= u64::from(simulated))
    });

    // Charlie proxies; Dave lists devices 0 and 1; Eve buys.
    register_proxy(&ws(&main), "//Charlie");
    let charlie = cpc_runtime_test_utils::account("Charlie").to_string();
    let listed = cli_json(&[
        "market",
        "publish-stream",
        "--sidechain",
        "0",
        "--device",
        "0",
        "--device",
        "1",
        "--title",
        "Greenhouse, two sensors",
        "--price",
        &cpc_runtime::constants::UNITS.to_string(),
        "--proxy",
        &charlie,
        "--suri",
        "//Dave",
        "--rpc-url",
        &ws(&main),
        "--json",
    ]);
    let product = listed["productId"].as_u64().unwrap();
    let shown = main.rpc("market_product", json!([product]));
    assert_eq!(
        shown["location"]["sidechainStream"]["devices"],
        json!([0, 1]),
        "{shown}"
    );
    // Charlie serves every product that lists it.
    accept_all(&ws(&main), "//Charlie");
    let bought = cli_json(&[
        "market",
        "buy",
        &product.to_string(),
        "--proxy",
        &charlie,
        "--suri",
        "//Eve",
        "--rpc-url",
        &ws(&main),
        "--json",
    ]);
    let order = bought["orderId"].as_u64().unwrap().to_string();

    // Without a sidechain node, the fetch says what it needs.
    let out = dir.path().join("readings.jsonl");
    let (ok, _, err) = run(&[
        "market",
        "fetch",
        &order,
        "--out",
        out.to_str().unwrap(),
        "--suri",
        "//Eve",
        "--rpc-url",
        &ws(&main),
    ]);
    assert!(!ok && err.contains("--sidechain-rpc"), "{err}");
    let fetched = cli_json(&[
        "market",
        "fetch",
        &order,
        "--out",
        out.to_str().unwrap(),
        "--sidechain-rpc",
        &ws(&side),
        "--suri",
        "//Eve",
        "--rpc-url",
        &ws(&main),
        "--json",
    ]);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(fetched["readings"].as_u64(), Some(lines.len() as u64));
    let anchored = lines[0]["provenAt"].as_u64().unwrap();
    // Every reading of devices 0 and 1 the sidechain indexed up to the anchored height.
    for device in [0u32, 1] {
        let indexed = side.rpc("iot_readings", json!([device]));
        let expected = indexed
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["block"].as_u64().unwrap() <= anchored)
            .count();
        let got = lines
            .iter()
            .filter(|l| l["device"] == json!(device))
            .count();
        assert!(expected > 0, "device {device} reported");
        assert_eq!(got, expected, "device {device}");
    }
    assert!(lines.iter().all(|l| l["device"] != json!(2)));
    // Each proof in the output checks again against main, with the main chain's RPC only.
    let proof = lines[0]["proof"].as_str().unwrap();
    let (ok, out, err) = run(&[
        "iot",
        "verify",
        "--proof",
        proof,
        "--sidechain-id",
        "0",
        "--rpc-url",
        &ws(&main),
    ]);
    assert!(ok, "{out} {err}");
}
