//! The load generator: end-to-end figures of a loopback LBFT testnet.
//!
//! `cpc-loadgen --validators N --tps R --seconds T [--period-ms P] [--cpchain PATH]` writes a
//! chain spec with `N` validators (session keys `//V0..`) and 64 funded senders, starts `N`
//! `cpchain --validator` processes on 127.0.0.1 in a temporary folder, submits `R` signed
//! transfers per second for `T` seconds over JSON-RPC (spread over the nodes), follows the
//! finalized chain, and reports the finality latency from submission (p50, p99) and the
//! finalized transfers per second, then stops the nodes.

use codec::Encode;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    AccountId, Era, H256, MultiAddress, SignedExtra, UncheckedExtrinsic,
    extrinsic::AdditionalSigned, hashing::blake2_256,
};
use cpc_runtime::{RuntimeCall, VERSION};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const SENDERS: usize = 64;
/// Transactions per JSON-RPC batch request.
const BATCH: usize = 25;

struct Args {
    validators: usize,
    tps: u64,
    seconds: u64,
    period_ms: u64,
    cpchain: PathBuf,
    port_base: u16,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        validators: 4,
        tps: 500,
        seconds: 30,
        period_ms: 1000,
        cpchain: PathBuf::from("target/debug/cpchain"),
        port_base: 42_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--validators" => args.validators = value()?.parse().map_err(|e| format!("{e}"))?,
            "--tps" => args.tps = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => args.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--period-ms" => args.period_ms = value()?.parse().map_err(|e| format!("{e}"))?,
            "--cpchain" => args.cpchain = PathBuf::from(value()?),
            "--port-base" => args.port_base = value()?.parse().map_err(|e| format!("{e}"))?,
            "--help" | "-h" => {
                return Err("cpc-loadgen --validators N --tps R --seconds T [--period-ms P] [--cpchain PATH] [--port-base B]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn pair(suri: &str) -> Pair {
    Pair::from_suri(suri).expect("valid dev SURI").0
}

fn account(pair: &Pair) -> AccountId {
    AccountId::new(pair.public().0)
}

/// A spec whose committee is `//V0..//V{n-1}` and whose senders `//Sender0..` are funded.
fn chain_spec(validators: usize, period_ms: u64) -> Value {
    let unit: u128 = 1_000_000_000_000;
    let keys: Vec<String> = (0..validators)
        .map(|i| account(&pair(&format!("//V{i}"))).to_string())
        .collect();
    let mut balances: Vec<Value> = keys.iter().map(|k| json!([k, 1_000_000 * unit])).collect();
    for i in 0..SENDERS {
        balances.push(json!([
            account(&pair(&format!("//Sender{i}"))).to_string(),
            1_000_000 * unit
        ]));
    }
    json!({
        "name": "Load", "id": format!("load{validators}"), "chainType": "Local",
        "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
        "consensus": {"engine": "lbft", "blockPeriodMs": period_ms},
        "genesis": {"runtimeGenesis": {"config": {
            "system": {"blockPeriodMs": period_ms},
            "balances": {"balances": balances},
            "hybridConsensus": {
                "params": {"minBond": unit},
                "candidates": keys.iter().map(|k| json!([k, k, 10 * unit])).collect::<Vec<_>>(),
                "defaultProposers": keys.iter().map(|k| json!([k, k])).collect::<Vec<_>>(),
                "validators": keys,
            }
        }}}
    })
}

fn http(port: u16, body: &str) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))
}

fn rpc(port: u16, method: &str, params: Value) -> Result<Value, String> {
    let reply = http(
        port,
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string(),
    )?;
    match reply.get("error") {
        Some(error) => Err(error.to_string()),
        None => Ok(reply["result"].clone()),
    }
}

fn hex_bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap_or("").trim_start_matches("0x")).unwrap_or_default()
}

struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        for child in &mut self.0 {
            let _ = child.wait();
        }
    }
}

fn start_nodes(args: &Args, dir: &Path) -> Result<Nodes, String> {
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        chain_spec(args.validators, args.period_ms).to_string(),
    )
    .map_err(|e| e.to_string())?;
    let mut nodes = Nodes(Vec::new());
    let mut boot = String::new();
    for i in 0..args.validators {
        let base = dir.join(format!("v{i}"));
        let key = base.join("node-key");
        std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
        let out = Command::new(&args.cpchain)
            .args(["key", "generate-node-key", "--file", key.to_str().unwrap()])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", args.cpchain.display()))?;
        let peer = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let status = Command::new(&args.cpchain)
            .args(["key", "insert", "--suri", &format!("//V{i}"), "--base-path"])
            .arg(&base)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("key insert failed".into());
        }
        let port = args.port_base + i as u16;
        let log =
            std::fs::File::create(dir.join(format!("v{i}.log"))).map_err(|e| e.to_string())?;
        let mut command = Command::new(&args.cpchain);
        command
            .args([
                "--chain",
                spec.to_str().unwrap(),
                "--validator",
                "--no-mdns",
            ])
            .arg("--base-path")
            .arg(&base)
            .args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{port}")])
            .args(["--node-key-file", key.to_str().unwrap()])
            .args(["--rpc-port", &(port + 1000).to_string(), "--no-prometheus"])
            .args(["--pool-limit", "65536", "--pool-kbytes", "131072"]);
        if !boot.is_empty() {
            command.args(["--bootnodes", &boot]);
        }
        nodes.0.push(
            command
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| e.to_string())?,
        );
        if boot.is_empty() {
            boot = format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}");
        }
    }
    Ok(nodes)
}

fn finalized(port: u16) -> Option<(u32, Value)> {
    let hash = rpc(port, "chain_getFinalizedHead", json!([])).ok()?;
    let header = rpc(port, "chain_getHeader", json!([hash.clone()])).ok()?;
    let number =
        u32::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()?;
    Some((number, hash))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let nodes = match start_nodes(&args, dir.path()) {
        Ok(nodes) => nodes,
        Err(e) => {
            eprintln!("cannot start the testnet: {e}");
            std::process::exit(1);
        }
    };
    let rpc_ports: Vec<u16> = (0..args.validators)
        .map(|i| args.port_base + i as u16 + 1000)
        .collect();
    // Wait for the committee to finalize, so the network is up.
    let started = Instant::now();
    while finalized(rpc_ports[0]).is_none_or(|(n, _)| n < 2) {
        if started.elapsed() > Duration::from_secs(120) {
            eprintln!(
                "the testnet does not finalize; logs in {}",
                dir.path().display()
            );
            std::mem::forget(dir);
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let genesis = H256(
        hex_bytes(&rpc(rpc_ports[0], "chain_getBlockHash", json!([0])).unwrap())
            .try_into()
            .unwrap(),
    );
    // Pre-sign everything: signing must not limit the rate.
    let total = (args.tps * args.seconds) as usize;
    let senders: Vec<Pair> = (0..SENDERS)
        .map(|i| pair(&format!("//Sender{i}")))
        .collect();
    let dest = MultiAddress::Id(account(&pair("//Dest")));
    let additional = AdditionalSigned::immortal(&VERSION, genesis);
    let transactions: Vec<(H256, String)> = (0..total)
        .map(|i| {
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
                dest: dest.clone(),
                value: 1_000_000_000,
            });
            let extra = SignedExtra {
                era: Era::Immortal,
                nonce: (i / SENDERS) as u32,
                tip: 0,
            };
            let xt =
                UncheckedExtrinsic::sign(call, &senders[i % SENDERS], extra, &additional).encode();
            (H256(blake2_256(&xt)), format!("0x{}", hex::encode(xt)))
        })
        .collect();
    eprintln!(
        "{} validators, {} tx/s for {} s ({} transfers), period {} ms",
        args.validators, args.tps, args.seconds, total, args.period_ms
    );

    let submitted: Arc<Mutex<HashMap<H256, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let load_start = Instant::now();
    let threads = 8;
    let mut workers = Vec::new();
    let transactions = Arc::new(transactions);
    for t in 0..threads {
        let (submitted, transactions, ports) =
            (submitted.clone(), transactions.clone(), rpc_ports.clone());
        let tps = args.tps;
        workers.push(std::thread::spawn(move || {
            let mut errors = 0u64;
            // Batches of consecutive transactions in one JSON-RPC batch request: the generator
            // should not be what limits the rate.
            let chunks = transactions.len().div_ceil(BATCH);
            for chunk in (t..chunks).step_by(threads) {
                let first = chunk * BATCH;
                let last = (first + BATCH).min(transactions.len());
                // Pace: transaction i leaves at i / tps seconds.
                let due = load_start + Duration::from_micros(first as u64 * 1_000_000 / tps);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let port = ports[chunk % ports.len()];
                let batch: Vec<Value> = (first..last)
                    .map(|i| {
                        json!({"jsonrpc": "2.0", "id": i, "method": "author_submitExtrinsic",
                            "params": [transactions[i].1]})
                    })
                    .collect();
                {
                    let mut map = submitted.lock().unwrap();
                    let now = Instant::now();
                    for (hash, _) in &transactions[first..last] {
                        map.insert(*hash, now);
                    }
                }
                match http(port, &Value::Array(batch).to_string()) {
                    Ok(Value::Array(replies)) => {
                        errors +=
                            replies.iter().filter(|r| r.get("error").is_some()).count() as u64;
                    }
                    _ => errors += (last - first) as u64,
                }
            }
            errors
        }));
    }
    // Follow finality on the first node.
    let mut latencies = Vec::new();
    let mut seen = 0u32;
    let mut first_final: Option<Instant> = None;
    let mut last_final = Instant::now();
    let deadline = load_start + Duration::from_secs(args.seconds + 30);
    while latencies.len() < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        let Some((number, _)) = finalized(rpc_ports[0]) else {
            continue;
        };
        if seen == 0 {
            seen = number;
            continue;
        }
        for height in seen + 1..=number {
            let now = Instant::now();
            let Ok(hash) = rpc(rpc_ports[0], "chain_getBlockHash", json!([height])) else {
                break;
            };
            let Ok(block) = rpc(rpc_ports[0], "chain_getBlock", json!([hash])) else {
                break;
            };
            let extrinsics = block["block"]["extrinsics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let map = submitted.lock().unwrap();
            for xt in extrinsics {
                let hash = H256(blake2_256(&hex_bytes(&xt)));
                if let Some(at) = map.get(&hash) {
                    latencies.push(now.duration_since(*at));
                    first_final.get_or_insert(now);
                    last_final = now;
                }
            }
            seen = height;
        }
    }
    let errors: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    latencies.sort();
    let finalized_count = latencies.len();
    let span_ms = (last_final.duration_since(load_start).as_millis() as u64).max(1);
    println!(
        "validators={} offered_tps={} seconds={} submitted={} rejected={} finalized={} finalized_tps={} latency_p50_ms={} latency_p99_ms={}",
        args.validators,
        args.tps,
        args.seconds,
        total,
        errors,
        finalized_count,
        finalized_count as u64 * 1000 / span_ms,
        percentile(&latencies, 50).as_millis(),
        percentile(&latencies, 99).as_millis(),
    );
    drop(nodes);
}
