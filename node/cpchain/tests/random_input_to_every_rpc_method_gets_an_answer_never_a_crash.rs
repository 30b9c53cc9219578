//! Every JSON-RPC method the node lists (`rpc_methods`), called with random and malformed
//! parameters, and the server fed random bodies, answers each request with a result or an
//! error: never an HTTP 5xx, a dropped connection or a crash. The node keeps finalizing and its
//! memory stays bounded. Seeded, so a failure reproduces.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const CALLS_PER_METHOD: usize = 24;
const RAW_BODIES: usize = 200;
const SEED: u64 = 0x5eed_cafe;

/// splitmix64: a small deterministic generator, enough to vary inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A random JSON value: the kinds RPC parameters take (hex, accounts, hashes, numbers) and
/// everything they should not.
fn value(rng: &mut Rng, depth: u32, known: &[Value]) -> Value {
    match rng.below(if depth > 2 { 10 } else { 13 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.below(1000)),
        3 => json!(u64::MAX - rng.below(3)),
        4 => json!(-(rng.below(1 << 40) as i64)),
        // A fraction, written as JSON writes one.
        5 => serde_json::from_str(&format!("{}.{}", rng.below(1 << 20), rng.below(1000) + 1))
            .expect("a JSON number"),
        6 => {
            let len = rng.below(64) as usize;
            json!(format!("0x{}", hex::encode(rng.bytes(len))))
        }
        7 => json!(format!("0x{}", hex::encode(rng.bytes(32)))),
        8 => {
            let len = rng.below(40) as usize;
            json!(String::from_utf8_lossy(&rng.bytes(len)).to_string())
        }
        // Real values of this chain: its genesis and best hashes, an account, a key.
        9 => known[rng.below(known.len() as u64) as usize].clone(),
        10 => {
            let len = rng.below(4);
            Value::Array((0..len).map(|_| value(rng, depth + 1, known)).collect())
        }
        11 => json!({ "hash": value(rng, depth + 1, known), "x": value(rng, depth + 1, known) }),
        _ => json!(format!("0x{}", "ff".repeat(rng.below(5000) as usize))),
    }
}

#[test]
fn random_parameters_to_every_method_get_answers_and_the_node_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev", "--tmp"], &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(60));
    let methods: Vec<String> = node.rpc("rpc_methods", json!([]))["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    assert!(methods.len() > 80, "{methods:?}");
    let known = [
        json!(format!("{:?}", genesis_hash(&node))),
        json!(block_hash(&node, 1)),
        json!(cpc_runtime_test_utils::account("Alice").to_string()),
        json!("lbft"),
        json!("//Alice"),
        json!(0),
    ];

    let mut rng = Rng(SEED);
    let (mut results, mut errors) = (0, 0);
    for method in &methods {
        for call in 0..CALLS_PER_METHOD {
            let params = match rng.below(8) {
                0 => value(&mut rng, 0, &known),
                _ => Value::Array(
                    (0..rng.below(5))
                        .map(|_| value(&mut rng, 0, &known))
                        .collect(),
                ),
            };
            let body = json!({ "jsonrpc": "2.0", "id": call, "method": method, "params": params })
                .to_string();
            let (status, text) = http_post(node.rpc_port, "/", body.as_bytes())
                .unwrap_or_else(|e| panic!("{method} {params}: no answer: {e}"));
            assert!(status < 500, "{method} {params}: HTTP {status}: {text}");
            let answer: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {params}: not JSON ({e}): {text}"));
            match (answer.get("result"), answer.get("error")) {
                (Some(_), None) => results += 1,
                (None, Some(error)) => {
                    assert!(error["code"].is_i64(), "{method}: {error}");
                    errors += 1;
                }
                _ => panic!("{method} {params}: neither result nor error: {text}"),
            }
        }
    }

    // Bodies that are not JSON-RPC at all.
    for _ in 0..RAW_BODIES {
        let len = rng.below(2048) as usize;
        let mut body = rng.bytes(len);
        if rng.below(2) == 0 {
            // Almost JSON.
            body = format!(
                "[{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{}\"",
                "x".repeat(len)
            )
            .into_bytes();
        }
        let (status, text) = http_post(node.rpc_port, "/", &body).expect("an answer");
        assert!(status < 500, "HTTP {status}: {text}");
    }
    eprintln!(
        "{} methods x {CALLS_PER_METHOD} calls: {results} results, {errors} errors; \
         {RAW_BODIES} junk bodies; resident {} MiB",
        methods.len(),
        resident_kib(&node) / 1024
    );

    let resident = resident_kib(&node);
    assert!(resident < 1024 * 1024, "{resident} KiB resident");
    let finalized = finalized_number(&node);
    wait_until(
        "finality after the random calls",
        Duration::from_secs(30),
        || finalized_number(&node) > finalized,
    );
}
