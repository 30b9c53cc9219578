//! A main dev chain, an IoT sidechain following it from a checkpoint (`cpchain sidechain
//! checkpoint`), the sidechain registered on main (`cpchain sidechain register`), and `cpchain
//! relay` between them: every sidechain header up to a height is anchored on main with the
//! sidechain's block hashes, main's headers are tracked on the sidechain, the relayer killed
//! with SIGKILL and restarted resumes with no gap and no header carried twice (with a second
//! relayer running beside it), the sidechain's
//! committee hand-off at a term boundary is followed, a simulated device fleet's readings are
//! indexed and one verifies with `cpchain iot verify` against the root anchored on main (a
//! tampered one does not), `sidechain status` and the relayer's metrics report progress, and
//! main's web app shows the sidechain and its anchors in a browser. The lag and the fleet's
//! rate are printed as figures, not asserted.

mod common;

use codec::{Decode, Encode};
use common::*;
use cpc_sidechain_primitives::{FinalizedHeader, SidechainState};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(120);

fn state_call<T: Decode>(node: &Node, method: &str, args: impl Encode) -> T {
    let answer = node.rpc(
        "state_call",
        json!([method, format!("0x{}", hex::encode(args.encode()))]),
    );
    let bytes = hex::decode(answer.as_str().unwrap().trim_start_matches("0x")).unwrap();
    T::decode(&mut &bytes[..]).unwrap()
}

fn sidechain_on_main(main: &Node) -> SidechainState {
    state_call::<Option<SidechainState>>(main, "SidechainRegistryApi_sidechain", 0u32).unwrap()
}

fn tracked_on_side(side: &Node) -> Option<FinalizedHeader> {
    state_call::<
        Option<(
            cpc_primitives::H256,
            FinalizedHeader,
            cpc_sidechain_primitives::CommitteeRecord,
        )>,
    >(side, "MainchainTrackerApi_tracked", ())
    .map(|(_, head, _)| head)
}

/// The `(from, to)` ranges a relayer log says it anchored on main.
fn anchored_ranges(log: &str) -> Vec<(u32, u32)> {
    log.lines()
        .filter_map(|l| l.split("anchored sidechain #").nth(1))
        .map(|rest| {
            let (from, rest) = rest.split_once("..#").unwrap();
            let to = rest.split_whitespace().next().unwrap();
            (from.parse().unwrap(), to.parse().unwrap())
        })
        .collect()
}

/// The explorer's sidechain page, in Chromium (`tests/clients/browser/sidechains.mjs`), shows
/// sidechain 0 with its name and `head` as its anchored head and newest anchor.
fn sidechain_page_shows(main: &Node, head: u32) {
    let ui = main.ui_port.expect("a dev node serves the web app");
    let (ok, output) = run_node_script(
        "browser",
        "sidechains.mjs",
        &[
            ("APP_URL", format!("http://127.0.0.1:{ui}/")),
            ("CHROMIUM", chromium()),
            ("SCREENSHOTS", screenshot_dir().display().to_string()),
            ("NAME", "greenhouse fleet".into()),
            ("ANCHORED_HEAD", head.to_string()),
        ],
        Duration::from_secs(90),
    );
    assert!(ok, "the sidechain page:\n{output}");
}

#[test]
fn a_relayer_anchors_a_sidechain_on_main_and_main_on_the_sidechain() {
    let dir = tempfile::tempdir().unwrap();
    let (main, side) = main_and_sidechain(dir.path(), |_| {});
    assert_eq!(sidechain_on_main(&main).head.number, 0);

    // The relayer carries both ways.
    let relay_log = dir.path().join("relay.log");
    let mut relay = start_relay(
        &main,
        &side,
        "//Ferdie",
        &relay_log,
        &["--prometheus-port", "0"],
    );
    let target = side.best_number() + 6;
    wait_until("anchoring on main", LONG, || {
        sidechain_on_main(&main).head.number >= target
    });
    wait_until("tracking on the sidechain", LONG, || {
        tracked_on_side(&side).is_some_and(|h| h.number >= 3)
    });
    let log = std::fs::read_to_string(&relay_log).unwrap();
    let metrics_port: u16 = log
        .split("Prometheus metrics on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("the relayer logs its metrics port");
    let (status, metrics) = http_get(metrics_port, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("cpc_relay_height{chain=\"side\",kind=\"anchored_on_main\"}"),
        "{metrics}"
    );

    // SIGKILL mid-run; the sidechain moves on; a restarted relayer resumes.
    relay.0.kill().unwrap();
    relay.0.wait().unwrap();
    // A submission the relayer made just before it was killed may still land from the pool:
    // where main stands is known once its head has not moved for three main blocks.
    let mut killed_at = sidechain_on_main(&main).head.number;
    loop {
        main.wait_for_block(main.best_number() + 3, LONG);
        let now = sidechain_on_main(&main).head.number;
        if now == killed_at {
            break;
        }
        killed_at = now;
    }
    // Nothing anchors now: main's web app shows the sidechain with that head, in a browser.
    sidechain_page_shows(&main, killed_at);
    side.wait_for_block(side.best_number() + 6, LONG);
    let relay_log_2 = dir.path().join("relay-2.log");
    let mut relay = start_relay(
        &main,
        &side,
        "//Ferdie",
        &relay_log_2,
        &["--prometheus-port", "0"],
    );
    // A second relayer at the same time, paying from another account: at worst one of them
    // submits a run the other already anchored, and the registry refuses it.
    let relay_log_3 = dir.path().join("relay-3.log");
    let mut other_relay = start_relay(
        &main,
        &side,
        "//Eve",
        &relay_log_3,
        &["--prometheus-port", "0"],
    );

    // The sidechain's committee is handed off at its next term boundary (the same member, a
    // new set id): the registry follows.
    let sudo = cpc_runtime_sidechain::RuntimeCall::Governance(cpc_pallet_governance::Call::sudo {
        call: Box::new(cpc_runtime_sidechain::RuntimeCall::HybridConsensus(
            cpc_pallet_hybrid_consensus::Call::set_validators {
                validators: vec![cpc_runtime_test_utils::account("Alice")],
            },
        )),
    });
    let nonce = side
        .rpc(
            "system_accountNextIndex",
            json!([cpc_runtime_test_utils::account("Alice").to_string()]),
        )
        .as_u64()
        .unwrap() as u32;
    let xt = signed_call(
        genesis_hash(&side),
        "Alice",
        nonce,
        sudo.encode(),
        cpc_runtime_sidechain::VERSION.spec_version,
    );
    side.rpc("author_submitExtrinsic", json!([xt]));
    wait_until("the hand-off anchored on main", LONG, || {
        sidechain_on_main(&main).committee.set_id == 1
    });
    let hand_off_from = sidechain_on_main(&main).committee.from;
    let target = hand_off_from + 4;
    wait_until("anchoring past the hand-off", LONG, || {
        sidechain_on_main(&main).head.number >= target
    });
    // The lag, sampled for two seconds: a figure for the log, not a check.
    let mut lags = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        let anchored = sidechain_on_main(&main).head.number;
        lags.push(side.best_number().saturating_sub(anchored));
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "figure: anchoring lag behind the sidechain's tip, in blocks: min {}, max {}, over {} samples",
        lags.iter().min().unwrap(),
        lags.iter().max().unwrap(),
        lags.len()
    );
    let head = sidechain_on_main(&main).head.number;

    // Every header up to the head is anchored as the sidechain has it (the registry keeps them
    // all at this length), and the two relayer runs carried each header exactly once.
    for n in 1..=head {
        let anchored = state_call::<Option<FinalizedHeader>>(
            &main,
            "SidechainRegistryApi_anchored",
            (0u32, n),
        )
        .unwrap();
        assert_eq!(format!("{:#}", anchored.hash), block_hash(&side, n), "#{n}");
    }
    // Devices on the sidechain: a simulated fleet's readings land, the node indexes them, and a
    // reading verifies against the state root main anchored, with main's RPC only.
    let (ok, out, stderr) = run(&[
        "iot",
        "simulate",
        "--rpc-url",
        &ws(&side),
        "--devices",
        "4",
        "--rate",
        "40",
        "--batch",
        "4",
        "--duration",
        "3",
    ]);
    assert!(ok, "{out} {stderr}");
    let report: Value = serde_json::from_str(out.trim()).unwrap();
    eprintln!("figure: simulated fleet on sidechain-dev (debug build): {report}");
    assert!(report["finalized"].as_u64().unwrap() > 0, "{report}");
    let mut readings = Value::Null;
    wait_until("indexed readings", LONG, || {
        let (ok, out, _) = run(&[
            "iot",
            "readings",
            "--rpc-url",
            &ws(&side),
            "--device",
            "0",
            "--json",
        ]);
        readings = serde_json::from_str(out.trim()).unwrap_or(Value::Null);
        ok && readings.as_array().is_some_and(|r| !r.is_empty())
    });
    let first = &readings[0];
    let block = first["block"].as_u64().unwrap() as u32;
    let index = first["index"].as_u64().unwrap() as u32;
    wait_until("the reading's block anchored", LONG, || {
        sidechain_on_main(&main).head.number >= block
    });
    let at = sidechain_on_main(&main).head.number;
    let proof = side.rpc("iot_readingProof", json!([block, index, at]));
    let proof_hex = proof["proof"].as_str().unwrap().to_string();
    let verify = |proof: &str| {
        run(&[
            "iot",
            "verify",
            "--proof",
            proof,
            "--sidechain-id",
            "0",
            "--rpc-url",
            &ws(&main),
            "--json",
        ])
    };
    let (ok, out, stderr) = verify(&proof_hex);
    assert!(ok, "{out} {stderr}");
    let verdict: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(verdict["verified"], json!(true));
    assert_eq!(verdict["payload"], first["payload"]);
    // A tampered payload does not verify.
    let mut tampered = cpc_sidechain_primitives::iot::ReadingProof::decode(
        &mut &hex::decode(proof_hex.trim_start_matches("0x")).unwrap()[..],
    )
    .unwrap();
    tampered.reading.reading.payload =
        cpc_support::BoundedVec::try_from_vec(b"{\"t\":999}".to_vec()).unwrap();
    let (ok, out, stderr) = verify(&format!("0x{}", hex::encode(tampered.encode())));
    assert!(!ok, "{out}");
    assert!(stderr.contains("does not verify"), "{stderr}");

    relay.0.kill().unwrap();
    relay.0.wait().unwrap();
    other_relay.0.kill().unwrap();
    other_relay.0.wait().unwrap();
    // Each run's submissions are contiguous; the restarted one starts right after what main
    // had anchored once the first was killed (which may include a submission the first made
    // but was killed before logging), so no header was carried twice.
    let contiguous = |ranges: &[(u32, u32)], from: u32| {
        let mut next = from;
        for (a, b) in ranges {
            assert_eq!(*a, next, "no gap and no overlap: {ranges:?}");
            next = b + 1;
        }
        next
    };
    let first = anchored_ranges(&std::fs::read_to_string(&relay_log).unwrap());
    let first_end = contiguous(&first, 1);
    assert!(
        first_end <= killed_at + 1,
        "the first run anchored what main has"
    );
    // The two relayers after the restart, together: every header carried once.
    let mut second = anchored_ranges(&std::fs::read_to_string(&relay_log_2).unwrap());
    second.extend(anchored_ranges(
        &std::fs::read_to_string(&relay_log_3).unwrap(),
    ));
    second.sort();
    let next = contiguous(&second, killed_at + 1);
    assert!(next > head, "{second:?} covers #{head}");

    let (ok, out, stderr) = run(&[
        "sidechain",
        "status",
        "--rpc-url",
        &ws(&main),
        "--sidechain-rpc",
        &ws(&side),
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let status: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(status[0]["status"], json!("Active"));
    assert!(status[0]["anchored"]["number"].as_u64().unwrap() >= u64::from(head));
    assert!(status[0]["lag"].is_number());
    main.stop();
    side.stop();
}
