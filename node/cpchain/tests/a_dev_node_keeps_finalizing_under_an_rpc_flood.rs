//! A dev node serving public (safe) RPC, flooded for 60 s by 100 WebSocket connections that
//! issue the most expensive safe calls without pause, plus junk batches over HTTP, keeps
//! finalizing blocks throughout and answers every health probe.

mod common;

use common::*;
use jsonrpsee::{core::client::ClientT, ws_client::WsClientBuilder};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const CONNECTIONS: usize = 100;
const FLOOD: Duration = Duration::from_secs(60);
/// Finality is sampled in windows of this length; each must see it advance.
const WINDOW: Duration = Duration::from_secs(15);

/// The heaviest things a public caller can ask, one per step of a connection's loop.
fn heavy_call(step: usize, genesis: &str, big_xt: &str, keys: &[String]) -> (&'static str, Value) {
    match step % 8 {
        // The whole metadata, encoded by the runtime.
        0 => (
            "state_call",
            json!(["Metadata_metadata_at_version", "0x0f000000"]),
        ),
        // A genesis state built from tens of thousands of accounts: seconds of runtime work
        // and hundreds of megabytes of memory per call.
        1 => ("state_call", json!(["GenesisBuilder_build_state", genesis])),
        // Fee queries decode and weigh the largest extrinsic the node accepts.
        2 => ("payment_queryInfo", json!([big_xt])),
        // Listings and proofs at their caps.
        3 => ("state_getKeysPaged", json!(["0x", 1000])),
        4 => ("state_getReadProof", json!([keys])),
        5 => ("state_queryStorageAt", json!([keys])),
        6 => ("state_getPairs", json!(["0x"])),
        _ => ("system_accountNextIndex", json!([format!("{step}")])),
    }
}

/// A batch of calls that mostly fail, with garbage in between.
fn junk_batch(round: usize) -> Vec<u8> {
    let mut body = String::from("[");
    for i in 0..500 {
        if i > 0 {
            body.push(',');
        }
        match (i + round) % 4 {
            0 => body.push_str(r#"{"jsonrpc":"2.0","id":1,"method":"state_getKeysPaged","params":["0x",1000]}"#),
            1 => body.push_str(r#"{"jsonrpc":"2.0","id":2,"method":"no_such_method","params":[]}"#),
            2 => body.push_str(r#"{"jsonrpc":"2.0","id":3,"method":"state_call","params":["Core_version","0xzz"]}"#),
            _ => body.push_str(r#"{"garbage":[1,2,{"x":null}]}"#),
        }
    }
    body.push(']');
    body.into_bytes()
}

#[test]
fn finality_and_health_probes_survive_a_flood_of_expensive_calls() {
    let dir = tempfile::tempdir().unwrap();
    // Public settings: safe methods only; room for the flood's connections plus the probes.
    let node = Node::start(
        &[
            "--dev",
            "--tmp",
            "--rpc-methods",
            "safe",
            "--rpc-max-connections",
            "200",
        ],
        &dir.path().join("node.log"),
    );
    node.wait_for_block(2, Duration::from_secs(60));

    // Inputs for the heavy calls: a genesis patch endowing 30,000 accounts, the largest
    // extrinsic, a thousand keys.
    let genesis = {
        let balances: Vec<Value> = (0..30_000u32)
            .map(|i| {
                let account = cpc_primitives::hashing::blake2_256(&i.to_le_bytes());
                json!([format!("0x{}", hex::encode(account)), 1_000_000_000_000u64])
            })
            .collect();
        let patch = json!({ "balances": { "balances": balances } }).to_string();
        format!(
            "0x{}",
            hex::encode(codec::Encode::encode(&patch.into_bytes()))
        )
    };
    let big_xt = format!("0x{}", "ab".repeat(4 * 1024 * 1024));
    let keys: Vec<String> = (0..1000u32)
        .map(|i| {
            format!(
                "0x{}",
                hex::encode(cpc_primitives::hashing::blake2_256(&i.to_le_bytes()))
            )
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = ws(&node);
    let answered = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + FLOOD;
    let flood: Vec<_> = (0..CONNECTIONS)
        .map(|connection| {
            let (url, genesis, big_xt, keys) =
                (url.clone(), genesis.clone(), big_xt.clone(), keys.clone());
            let (answered, refused) = (answered.clone(), refused.clone());
            runtime.spawn(async move {
                let client = WsClientBuilder::default()
                    .max_request_size(16 * 1024 * 1024)
                    .max_response_size(32 * 1024 * 1024)
                    .request_timeout(Duration::from_secs(120))
                    .build(&url)
                    .await
                    .expect("the flood connects");
                let mut step = connection;
                while Instant::now() < deadline {
                    let (method, params) = heavy_call(step, &genesis, &big_xt, &keys);
                    let params = params.as_array().unwrap().clone();
                    let mut builder = jsonrpsee::core::params::ArrayParams::new();
                    for param in params {
                        builder.insert(param).unwrap();
                    }
                    match client.request::<Value, _>(method, builder).await {
                        Ok(_) => answered.fetch_add(1, Ordering::Relaxed),
                        Err(jsonrpsee::core::client::Error::Call(_)) => {
                            refused.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(e) => panic!("connection {connection}: {method} failed: {e}"),
                    };
                    step += 1;
                }
            })
        })
        .collect();
    let junk = {
        let port = node.rpc_port;
        std::thread::spawn(move || {
            let mut rounds = 0;
            while Instant::now() < deadline {
                let (status, _) = http_post(port, "/", &junk_batch(rounds)).expect("junk posted");
                assert!(status < 500, "a junk batch got HTTP {status}");
                rounds += 1;
            }
            rounds
        })
    };

    // Probes: health every half second; finality per window, by the finalized head's hash
    // (`chain_getFinalizedHead` answers from memory, ahead of the flood's queue; headers are
    // read after it, so a slow header read cannot stretch a window).
    let finalized_head = || node.rpc("chain_getFinalizedHead", json!([]));
    let started = Instant::now();
    let (mut probes, mut slowest) = (0, Duration::ZERO);
    let mut window_start = (Instant::now(), finalized_head());
    let mut windows = Vec::new();
    while Instant::now() < deadline {
        let asked = Instant::now();
        let health = node
            .try_rpc("system_health", json!([]))
            .unwrap_or_else(|e| panic!("a health probe failed under the flood: {e}"));
        assert!(health["peers"].is_number(), "{health}");
        slowest = slowest.max(asked.elapsed());
        probes += 1;
        if window_start.0.elapsed() >= WINDOW {
            let now = finalized_head();
            windows.push((window_start.1.clone(), now.clone()));
            window_start = (Instant::now(), now);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    for task in flood {
        runtime.block_on(task).expect("a flood connection failed");
    }
    let rounds = junk.join().expect("the junk sender failed");
    let windows: Vec<(u32, u32)> = windows
        .iter()
        .map(|(from, to)| {
            let at = |hash: &Value| number(&node.rpc("chain_getHeader", json!([hash])));
            (at(from), at(to))
        })
        .collect();
    eprintln!(
        "flood of {:?}: {} calls answered, {} refused, {rounds} junk batches of 500; \
         {probes} health probes, slowest {slowest:?}; finalized per {WINDOW:?} window: {windows:?}",
        started.elapsed(),
        answered.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
    );
    assert!(
        answered.load(Ordering::Relaxed) > 0,
        "the flood's calls were served"
    );
    assert!(windows.len() >= 3, "{windows:?}");
    for (from, to) in &windows {
        assert!(to > from, "finality stalled during the flood: {windows:?}");
    }
    // And it goes on afterwards.
    let after = finalized_number(&node);
    wait_until("finality after the flood", Duration::from_secs(30), || {
        finalized_number(&node) > after
    });
}
