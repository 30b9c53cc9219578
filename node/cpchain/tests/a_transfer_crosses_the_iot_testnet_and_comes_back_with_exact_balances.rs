//! `scripts/iot-testnet.sh` (four main validators, four sidechain validators, the channel
//! opened on both chains, the relayer, the device simulator): CPC goes from main to the
//! sidechain and part of it comes back with `cpchain xchain transfer`, carried by the
//! script's relayer. Every balance involved is exact to the unit (fees read from the CLI),
//! both chains' total issuance moves by exactly what their blocks' events say (fees burned,
//! nothing minted or lost by the transfers), `cpchain xchain status` reports each step with
//! its blocks, and at every pair of finalized heights sampled on the way, the main channel's
//! escrow equals the sidechain's wrapped supply plus what is in flight.

mod common;

use codec::Decode;
use common::*;
use cpc_primitives::{AccountId, H256};
use serde_json::{Value, json};
use std::time::Duration;

/// The scripts take fixed ports: p2p from here, RPC and Prometheus lower by 20,389 and 20,718.
/// All below Linux's ephemeral range (32768-60999), where ports the kernel hands to other
/// tests' listeners and connections could take one first; the three script tests use
/// disjoint ranges.
const PORT_BASE: u16 = 26_000;
/// How far the scripts put a node's RPC port below its p2p port (9944 against 30333).
const RPC_BELOW: u16 = 30333 - 9944;
const LONG: Duration = Duration::from_secs(180);
const CPC: u128 = 1_000_000_000_000;

/// A node of the testnet, by its RPC port.
struct Rpc(u16);

impl Rpc {
    fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let (_, text) = http_post(self.0, "/", body.to_string().as_bytes()).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(value.get("error").is_none(), "{method}: {value}");
        value["result"].clone()
    }

    fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}", self.0)
    }

    fn finalized(&self) -> (u32, String) {
        let hash = self.call("chain_getFinalizedHead", json!([]));
        let header = self.call("chain_getHeader", json!([hash]));
        (number(&header), hash.as_str().unwrap().to_string())
    }

    fn hash(&self, n: u32) -> String {
        self.call("chain_getBlockHash", json!([n]))
            .as_str()
            .unwrap()
            .to_string()
    }

    fn storage(&self, key: &[u8], at: &str) -> Option<Vec<u8>> {
        self.call(
            "state_getStorage",
            json!([format!("0x{}", hex::encode(key)), at]),
        )
        .as_str()
        .map(|h| hex::decode(h.trim_start_matches("0x")).unwrap())
    }

    fn free(&self, who: &AccountId, at: &str) -> u128 {
        let key = cpc_pallet_system::Account::hashed_key(who);
        self.storage(&key, at).map_or(0, |bytes| {
            cpc_pallet_system::AccountInfo::decode(&mut &bytes[..])
                .unwrap()
                .data
                .free
        })
    }

    fn issuance(&self, at: &str) -> u128 {
        let key = cpc_pallet_balances::TotalIssuance::hashed_key();
        u128::decode(&mut &self.storage(&key, at).unwrap()[..]).unwrap()
    }

    /// `(balance, supply)` of wrapped CPC here.
    fn wrapped_cpc(&self, who: &AccountId, at: &str) -> (u128, u128) {
        let v = self.call("xchain_wrapped", json!(["main", who.to_string(), at]));
        (
            v["balance"].as_str().unwrap().parse().unwrap(),
            v["supply"].as_str().unwrap().parse().unwrap(),
        )
    }

    fn channel(&self, at: &str) -> Value {
        self.call("xchain_channels", json!([at]))["channels"][0].clone()
    }

    fn message(&self, nonce: u64, at: &str) -> Value {
        self.call("xchain_message", json!([0, nonce, at]))
    }
}

/// What a block's balance events say its total issuance moved by.
fn issuance_change(records: Vec<cpc_pallet_balances::Event>) -> i128 {
    use cpc_pallet_balances::Event as E;
    records
        .into_iter()
        .map(|e| match e {
            E::Deposit { amount, .. } => amount as i128,
            E::Withdraw { amount, .. } | E::DustLost { amount, .. } => -(amount as i128),
            E::Slashed { amount, .. } => -(amount as i128),
            E::TransactionFeePaid { actual_fee, .. } => -(actual_fee as i128),
            _ => 0,
        })
        .sum()
}

/// The balance events of blocks `from + 1 ..= to` of `chain`, read with the runtime's types.
fn balance_events(chain: &Rpc, from: u32, to: u32, main: bool) -> Vec<cpc_pallet_balances::Event> {
    let key = cpc_pallet_system::Events::<cpc_runtime::Runtime>::hashed_key();
    let mut events = Vec::new();
    for n in from + 1..=to {
        let raw = chain.storage(&key, &chain.hash(n)).unwrap_or_default();
        if main {
            let records: Vec<cpc_pallet_system::EventRecord<cpc_runtime::RuntimeEvent, H256>> =
                Decode::decode(&mut &raw[..]).unwrap();
            events.extend(records.into_iter().filter_map(|r| match r.event {
                cpc_runtime::RuntimeEvent::Balances(e) => Some(e),
                _ => None,
            }));
        } else {
            let records: Vec<
                cpc_pallet_system::EventRecord<cpc_runtime_sidechain::RuntimeEvent, H256>,
            > = Decode::decode(&mut &raw[..]).unwrap();
            events.extend(records.into_iter().filter_map(|r| match r.event {
                cpc_runtime_sidechain::RuntimeEvent::Balances(e) => Some(e),
                _ => None,
            }));
        }
    }
    events
}

/// Checks the escrow on main against the wrapped supply on the sidechain plus what is in
/// flight, at the sidechain's finalized head and then main's (so the sidechain cannot have
/// received anything main had not finalized). Only main → side messages are in flight here.
fn check_escrow(main: &Rpc, side: &Rpc, sent_on_main: &[(u64, u128)]) {
    let (_, side_at) = side.finalized();
    let (_, main_at) = main.finalized();
    let escrowed: u128 = main.channel(&main_at)["escrowed"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let supply = side.wrapped_cpc(&AccountId::new([0; 32]), &side_at).1;
    let in_flight: u128 = sent_on_main
        .iter()
        .filter(|(nonce, _)| {
            !main.message(*nonce, &main_at)["sent"].is_null()
                && side.message(*nonce, &side_at)["received"].is_null()
        })
        .map(|(_, total)| total)
        .sum();
    assert_eq!(
        escrowed,
        supply + in_flight,
        "escrow on main (at {main_at}) = wrapped supply on the sidechain (at {side_at}) + in flight"
    );
}

fn transfer(rpc: &Rpc, args: &[&str]) -> (u64, u128, u32) {
    let url = rpc.ws();
    let mut all = vec!["xchain", "transfer", "--rpc-url", &url, "--json"];
    all.extend_from_slice(args);
    let (ok, out, err) = run(&all);
    assert!(ok, "{out} {err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    (
        v["nonce"].as_u64().unwrap(),
        v["fee"].as_str().unwrap().parse().unwrap(),
        v["block"].as_u64().unwrap() as u32,
    )
}

fn status(main: &Rpc, side: &Rpc, nonce: u64, source: &str) -> Value {
    let (ok, out, err) = run(&[
        "xchain",
        "status",
        "0",
        &nonce.to_string(),
        "--source",
        source,
        "--main-rpc",
        &main.ws(),
        "--side-rpc",
        &side.ws(),
        "--json",
    ]);
    assert!(ok, "{err}");
    serde_json::from_str(out.trim()).unwrap()
}

#[test]
fn a_transfer_crosses_the_iot_testnet_and_comes_back_with_exact_balances() {
    let dir = tempfile::tempdir().unwrap();
    let _stop = StopTestnet(dir.path(), PORT_BASE);
    let (ok, text) = iot_testnet("start", dir.path(), PORT_BASE);
    assert!(ok, "{text}");
    assert!(
        text.contains("opened cross-chain channel 0 on both chains"),
        "{text}"
    );
    let main = Rpc(PORT_BASE - RPC_BELOW);
    let side = Rpc(PORT_BASE - RPC_BELOW + 10);
    wait_until(
        "main tracked on the sidechain and the sidechain anchored",
        LONG,
        || {
            let (_, m) = main.finalized();
            let (_, s) = side.finalized();
            !main.channel(&m)["counterpartHeight"].is_null()
                && !side.channel(&s)["counterpartHeight"].is_null()
        },
    );

    let eve = cpc_runtime_test_utils::account("Eve");
    let ferdie = cpc_runtime_test_utils::account("Ferdie");
    let dest: AccountId = cpc_runtime_test_utils::pair("xchain-dest").public().into();
    let (main_from, main_before) = main.finalized();
    let (side_from, side_before) = side.finalized();

    // Eve sends 5 CPC to herself on the sidechain, 0.01 CPC for the relayer.
    let (out_nonce, out_fee, sent_in) = transfer(
        &main,
        &[
            "--to-chain",
            "0",
            "--beneficiary",
            &eve.to_string(),
            "--amount",
            &(5 * CPC).to_string(),
            "--relay-fee",
            &(CPC / 100).to_string(),
            "--from",
            "//Eve",
        ],
    );
    let out_total = 5 * CPC + CPC / 100;
    let mut samples = 0;
    wait_until("the transfer delivered and acknowledged", LONG, || {
        check_escrow(&main, &side, &[(out_nonce, out_total)]);
        samples += 1;
        status(&main, &side, out_nonce, "main")["acknowledgedAt"].is_u64()
    });
    let out_status = status(&main, &side, out_nonce, "main");
    assert_eq!(out_status["state"], "delivered", "{out_status}");
    assert_eq!(out_status["sentAt"], sent_in, "{out_status}");
    assert!(out_status["receivedAt"].is_u64(), "{out_status}");

    // Eve sends 2 CPC of it back to a new account on main, 0.001 CPC for the relayer.
    let (back_nonce, back_fee, _) = transfer(
        &side,
        &[
            "--to-chain",
            "main",
            "--wrapped",
            "--beneficiary",
            &dest.to_string(),
            "--amount",
            &(2 * CPC).to_string(),
            "--relay-fee",
            &(CPC / 1000).to_string(),
            "--from",
            "//Eve",
        ],
    );
    assert!(
        back_fee > 0,
        "the sidechain's fee is read from its own events"
    );
    wait_until("the return delivered and acknowledged", LONG, || {
        status(&main, &side, back_nonce, "side")["acknowledgedAt"].is_u64()
    });
    let (main_to, main_after) = main.finalized();
    let (side_to, side_after) = side.finalized();

    // Balances, to the unit.
    assert_eq!(
        main.free(&eve, &main_after),
        main.free(&eve, &main_before) - out_total - out_fee
    );
    assert_eq!(main.free(&dest, &main_after), 2 * CPC);
    assert_eq!(
        side.free(&eve, &side_after),
        side.free(&eve, &side_before) - back_fee
    );
    let back_total = 2 * CPC + CPC / 1000;
    assert_eq!(
        side.wrapped_cpc(&eve, &side_after),
        (5 * CPC - back_total, out_total - back_total)
    );
    assert_eq!(side.wrapped_cpc(&ferdie, &side_after).0, CPC / 100);
    let escrowed: u128 = main.channel(&main_after)["escrowed"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(escrowed, out_total - back_total, "escrow = wrapped supply");
    check_escrow(&main, &side, &[(out_nonce, out_total)]);

    // Total issuance on both chains moved by exactly what the blocks' events say: the fees.
    for (chain, from, to, before, after, is_main) in [
        (&main, main_from, main_to, &main_before, &main_after, true),
        (&side, side_from, side_to, &side_before, &side_after, false),
    ] {
        let change = issuance_change(balance_events(chain, from, to, is_main));
        assert_eq!(
            chain.issuance(after) as i128 - chain.issuance(before) as i128,
            change,
            "issuance of the {} chain",
            if is_main { "main" } else { "side" }
        );
    }
    eprintln!(
        "figure: escrow sampled {samples} times; main #{main_from}..#{main_to}, side #{side_from}..#{side_to}"
    );
}
