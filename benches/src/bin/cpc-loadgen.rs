//! The load generator: end-to-end figures of a loopback LBFT testnet.
//!
//! `cpc-loadgen --validators N[,N..] --tps R --seconds T [--period-ms P] [--cpchain PATH]`
//! writes a chain spec with `N` validators (session keys `//V0..`) and 64 funded senders,
//! starts `N` `cpchain --validator` processes on 127.0.0.1 in a temporary folder, submits `R`
//! signed transfers per second for `T` seconds over JSON-RPC (spread over the nodes), follows
//! the finalized chain, and reports, for each `N` in turn on a fresh testnet:
//!
//! - the finalized transfers per second and the finality latency from submission (p50, p99);
//! - the CPU each validator and the generator used over the run, in percent of one core;
//! - each validator's largest transaction pool (ready + future, from its Prometheus gauge)
//!   and its largest resident memory;
//! - whether every validator finalized the same chain up to the last transfer's block.
//!
//! The validators run with the node's default pool (`--pool-limit N` sets another). A
//! transaction refused because a pool is full is sent again a second later, before newer ones,
//! until 20 s after the load ends; the report counts submissions taken, refusals for a full
//! pool, other refusals and transactions never taken.
//!
//! `--logs DIR` keeps each validator's log (`DIR/<N>v-<i>.log`): every finalized block's line
//! says where that validator's time went at its height (building, checking, importing,
//! waiting). The nodes are release binaries by default (`target/release/cpchain`), as end-to-end
//! figures must be.

use codec::Encode;
use cpc_benches::testnet::{
    Nodes, SENDERS, account, args_or_exit, cpu_time, finalized, hex_bytes, http, pair, percent,
    pool_size, prometheus_port, resident_kib, rpc, rpc_port, start_validators,
};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    Era, H256, MultiAddress, SignedExtra, UncheckedExtrinsic, extrinsic::AdditionalSigned,
    hashing::blake2_256,
};
use cpc_runtime::{RuntimeCall, VERSION};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, VecDeque},
    path::{Path, PathBuf},
    process::Child,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Transactions per JSON-RPC batch request.
const BATCH: usize = 25;
/// How long a transaction refused for a full pool waits before it is sent again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What became of one worker's submissions.
#[derive(Default)]
struct Submissions {
    /// Taken into a pool (possibly after refusals).
    accepted: u64,
    /// Refusals because the pool was full (each sent again later).
    refused_full: u64,
    /// Refused for another reason (not sent again).
    failed: u64,
    /// Still refused when the generator gave up.
    abandoned: u64,
}

struct Args {
    validators: Vec<usize>,
    tps: u64,
    seconds: u64,
    period_ms: u64,
    cpchain: PathBuf,
    port_base: u16,
    /// Where to keep the validators' logs (`<N>v-<i>.log`), if anywhere.
    logs: Option<PathBuf>,
    /// The validators' `--pool-limit`, if not their default.
    pool_limit: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        validators: vec![4],
        tps: 500,
        seconds: 30,
        period_ms: 1000,
        cpchain: PathBuf::from("target/release/cpchain"),
        port_base: 42_000,
        logs: None,
        pool_limit: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--validators" => {
                args.validators = value()?
                    .split(',')
                    .map(|n| match n.trim().parse::<usize>() {
                        Ok(0) | Err(_) => Err(format!("--validators: bad count {n:?}")),
                        Ok(n) => Ok(n),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--tps" => args.tps = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => args.seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--period-ms" => args.period_ms = value()?.parse().map_err(|e| format!("{e}"))?,
            "--cpchain" => args.cpchain = PathBuf::from(value()?),
            "--port-base" => args.port_base = value()?.parse().map_err(|e| format!("{e}"))?,
            "--logs" => args.logs = Some(PathBuf::from(value()?)),
            "--pool-limit" => args.pool_limit = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--help" | "-h" => {
                return Err("cpc-loadgen --validators N[,N..] --tps R --seconds T [--period-ms P] [--cpchain PATH] [--port-base B] [--logs DIR] [--pool-limit N]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn start_nodes(
    args: &Args,
    validators: usize,
    port_base: u16,
    dir: &Path,
) -> Result<Nodes, String> {
    let extra: Vec<String> = match args.pool_limit {
        Some(limit) => vec!["--pool-limit".into(), limit.to_string()],
        None => Vec::new(),
    };
    start_validators(
        &args.cpchain,
        validators,
        args.period_ms,
        port_base,
        dir,
        &extra,
    )
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn main() {
    let args = args_or_exit(parse_args());
    for (run, &validators) in args.validators.iter().enumerate() {
        // Each testnet on ports of its own: the last one's may still be in TIME_WAIT.
        let port_base = args.port_base + 100 * run as u16;
        if let Err(e) = run_testnet(&args, validators, port_base) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// One testnet of `validators` nodes under the load; prints its report line.
fn run_testnet(args: &Args, validators: usize, port_base: u16) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let nodes = start_nodes(args, validators, port_base, dir.path())
        .map_err(|e| format!("cannot start the testnet: {e}"))?;
    let rpc_ports: Vec<u16> = (0..validators).map(|i| rpc_port(port_base, i)).collect();
    // Wait for the committee to finalize, so the network is up.
    let started = Instant::now();
    while finalized(rpc_ports[0]).is_none_or(|(n, _)| n < 2) {
        if started.elapsed() > Duration::from_secs(120) {
            let logs = dir.keep();
            return Err(format!(
                "the testnet does not finalize; logs in {}",
                logs.display()
            ));
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
        validators, args.tps, args.seconds, total, args.period_ms
    );
    let pids: Vec<u32> = nodes.0.iter().map(Child::id).collect();
    let cpu_before: Vec<Duration> = pids
        .iter()
        .map(|p| cpu_time(*p).unwrap_or_default())
        .collect();
    let own_before = cpu_time(std::process::id()).unwrap_or_default();
    let mut pool_max = vec![0u64; validators];
    let mut rss_max = vec![0u64; validators];
    let mut last_pool_sample = Instant::now();

    let submitted: Arc<Mutex<HashMap<H256, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let load_start = Instant::now();
    let threads = 8;
    let mut workers = Vec::new();
    let transactions = Arc::new(transactions);
    for t in 0..threads {
        let (submitted, transactions, ports) =
            (submitted.clone(), transactions.clone(), rpc_ports.clone());
        let tps = args.tps;
        let give_up = load_start + Duration::from_secs(args.seconds + 20);
        workers.push(std::thread::spawn(move || {
            let mut outcome = Submissions::default();
            // Refused for a full pool: sent again after a while, before newer ones of the
            // same worker, as a wallet told to retry would.
            let mut retries: VecDeque<(Instant, usize)> = VecDeque::new();
            // Batches of consecutive transactions in one JSON-RPC batch request: the generator
            // should not be what limits the rate.
            let chunks = transactions.len().div_ceil(BATCH);
            let mut next = (t..chunks).step_by(threads).peekable();
            loop {
                let mut batch: Vec<usize> = Vec::new();
                let port;
                if let Some(chunk) = next.next() {
                    let first = chunk * BATCH;
                    let last = (first + BATCH).min(transactions.len());
                    // Pace: transaction i leaves at i / tps seconds.
                    let due = load_start + Duration::from_micros(first as u64 * 1_000_000 / tps);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    batch.extend(first..last);
                    port = ports[chunk % ports.len()];
                } else if let Some(&(due, _)) = retries.front() {
                    if Instant::now() > give_up {
                        outcome.abandoned += retries.len() as u64;
                        break;
                    }
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    port = ports[retries.len() % ports.len()];
                } else {
                    break;
                }
                let now = Instant::now();
                while batch.len() < 2 * BATCH && retries.front().is_some_and(|(due, _)| *due <= now)
                {
                    batch.extend(retries.pop_front().map(|(_, i)| i));
                }
                // Nonce order within a sender.
                batch.sort_unstable();
                {
                    let mut map = submitted.lock().unwrap();
                    for i in &batch {
                        map.entry(transactions[*i].0).or_insert(now);
                    }
                }
                let request: Vec<Value> = batch
                    .iter()
                    .map(|i| {
                        json!({"jsonrpc": "2.0", "id": i, "method": "author_submitExtrinsic",
                            "params": [transactions[*i].1]})
                    })
                    .collect();
                let replies = match http(port, &Value::Array(request).to_string()) {
                    Ok(Value::Array(replies)) => replies,
                    _ => Vec::new(),
                };
                let retry_at = Instant::now() + RETRY_AFTER;
                for i in batch {
                    let reply = replies.iter().find(|r| r["id"].as_u64() == Some(i as u64));
                    match reply.map(|r| r.get("error").map(|e| e.to_string())) {
                        Some(None) => outcome.accepted += 1,
                        Some(Some(e)) if e.contains("already imported") => outcome.accepted += 1,
                        Some(Some(e)) if e.contains("pool is full") => {
                            outcome.refused_full += 1;
                            retries.push_back((retry_at, i));
                        }
                        // No answer (the connection failed): as a refusal.
                        None => retries.push_back((retry_at, i)),
                        Some(Some(_)) => outcome.failed += 1,
                    }
                }
            }
            outcome
        }));
    }
    // Follow finality on the first node.
    let mut latencies = Vec::new();
    let mut seen = 0u32;
    let mut first_final: Option<Instant> = None;
    let mut last_final = Instant::now();
    let deadline = load_start + Duration::from_secs(args.seconds + 30);
    let mut last_height = 0u32;
    while latencies.len() < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        if last_pool_sample.elapsed() >= Duration::from_secs(1) {
            last_pool_sample = Instant::now();
            for (i, max) in pool_max.iter_mut().enumerate() {
                if let Some(size) = pool_size(prometheus_port(port_base, i)) {
                    *max = (*max).max(size);
                }
            }
            for (pid, max) in pids.iter().zip(&mut rss_max) {
                *max = (*max).max(resident_kib(*pid).unwrap_or(0) / 1024);
            }
        }
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
                    last_height = height;
                }
            }
            seen = height;
        }
    }
    let window = load_start.elapsed();
    let cpu: Vec<u128> = pids
        .iter()
        .zip(&cpu_before)
        .map(|(p, before)| {
            percent(
                cpu_time(*p).unwrap_or_default().saturating_sub(*before),
                window,
            )
        })
        .collect();
    let own = percent(
        cpu_time(std::process::id())
            .unwrap_or_default()
            .saturating_sub(own_before),
        window,
    );
    // Every validator finalized the block of the last transfer, and the same one.
    let hash_at = |port: u16| rpc(port, "chain_getBlockHash", json!([last_height])).ok();
    let agree = rpc_ports.iter().all(|port| {
        finalized(*port).is_some_and(|(n, _)| n >= last_height)
            && hash_at(*port).is_some()
            && hash_at(*port) == hash_at(rpc_ports[0])
    });
    let outcome = workers
        .into_iter()
        .map(|w| w.join().unwrap_or_default())
        .fold(Submissions::default(), |a, b| Submissions {
            accepted: a.accepted + b.accepted,
            refused_full: a.refused_full + b.refused_full,
            failed: a.failed + b.failed,
            abandoned: a.abandoned + b.abandoned,
        });
    latencies.sort();
    let finalized_count = latencies.len();
    let span_ms = (last_final.duration_since(load_start).as_millis() as u64).max(1);
    let list = |v: &[u128]| v.iter().map(u128::to_string).collect::<Vec<_>>().join(",");
    println!(
        "validators={} offered_tps={} seconds={} submitted={} accepted={} refused_pool_full={} failed={} abandoned={} finalized={} finalized_tps={} latency_p50_ms={} latency_p99_ms={} cpu_pct={} generator_cpu_pct={} pool_max={} rss_max_mib={} all_validators_final={}",
        validators,
        args.tps,
        args.seconds,
        total,
        outcome.accepted,
        outcome.refused_full,
        outcome.failed,
        outcome.abandoned,
        finalized_count,
        finalized_count as u64 * 1000 / span_ms,
        percentile(&latencies, 50).as_millis(),
        percentile(&latencies, 99).as_millis(),
        list(&cpu),
        own,
        list(&pool_max.iter().map(|m| u128::from(*m)).collect::<Vec<_>>()),
        list(&rss_max.iter().map(|m| u128::from(*m)).collect::<Vec<_>>()),
        agree,
    );
    drop(nodes);
    if let Some(logs) = &args.logs {
        std::fs::create_dir_all(logs).map_err(|e| e.to_string())?;
        for i in 0..validators {
            std::fs::copy(
                dir.path().join(format!("v{i}.log")),
                logs.join(format!("{validators}v-{i}.log")),
            )
            .map_err(|e| format!("keeping the logs: {e}"))?;
        }
    }
    Ok(())
}
