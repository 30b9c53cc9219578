//! The soak run: a 4-validator loopback testnet under a steady load for a long time, sampled
//! every minute, to show that memory, file descriptors and latency stay flat.
//!
//! `cpc-soak [--minutes M] [--tps R] [--warmup-minutes W] [--sample-secs S] [--period-ms P]
//! [--dir DIR] [--cpchain PATH] [--node-arg ARG]...` (`--node-arg` is given to every validator,
//! e.g. `--node-arg --db-cache-size=16777216`; defaults: 60 minutes at 500 transfers/s, half the measured
//! capacity of four validators on the reference machine, a 10-minute warm-up, a sample every
//! 60 s). Normally run through `scripts/soak.sh`, which draws the chart.
//!
//! Each sample, per validator: resident memory (`VmRSS`), open file descriptors (`/proc/<pid>/fd`,
//! and how many of them are the database's files), database size (bytes under its `db` folder), what the
//! database holds in memory (memtables, block cache, trie cache) and its thread count; and for
//! the network: transfers finalized in the
//! interval and their finality latency from submission (p50, p99). Written to `DIR/soak.csv`
//! as they come. At the end, over the samples after the warm-up: each validator's memory growth
//! per 10 minutes, measured on the floor of RocksDB's memtable sawtooth ([`floor_growth`]; the
//! least-squares trend is reported beside it; the goal is under 1 MB), and the spread of its
//! descriptor count other than the database's files (the goal is flat: a spread of a few, as
//! connections come and go; table files follow the database's size, up to 512, and a flush
//! holds a second log for a while); beside it, not
//! judged, the same floor measure of the memory outside the database's bounded caches, which
//! tells a cache still filling toward its bound from a leak;
//! `DIR/summary.txt` says whether each held. Exit status 0 only if both held for every node.

// A measuring tool, off the chain: floats for pacing and the memory slope, never in a runtime.
#![allow(clippy::float_arithmetic)]

use codec::Encode;
use cpc_benches::testnet::{
    DatabaseMemory, SENDERS, Scrape, account, args_or_exit, finalized, hex_bytes, http, pair,
    prometheus_port, resident_kib, rpc, rpc_port, start_validators, threads,
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
    io::Write as _,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const VALIDATORS: usize = 4;
/// Transactions per JSON-RPC batch request.
const BATCH: usize = 25;
/// Submitting threads (each owns `SENDERS / THREADS` senders and their nonces).
const THREADS: usize = 8;
/// The descriptor spread (max − min after the warm-up) still called flat.
const FD_SPREAD: u64 = 8;
/// The memory growth allowed per 10 minutes after the warm-up, in KiB.
const RSS_GROWTH_KIB: i64 = 1024;

struct Args {
    minutes: u64,
    tps: u64,
    warmup_minutes: u64,
    sample_secs: u64,
    period_ms: u64,
    dir: Option<PathBuf>,
    cpchain: PathBuf,
    port_base: u16,
    /// Passed to every validator (`--node-arg`, repeated).
    node_args: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        minutes: 60,
        tps: 500,
        warmup_minutes: 10,
        sample_secs: 60,
        period_ms: 1000,
        dir: None,
        cpchain: PathBuf::from("target/release/cpchain"),
        port_base: 43_000,
        node_args: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--minutes" => args.minutes = number(value()?)?,
            "--tps" => args.tps = number(value()?)?.max(1),
            "--warmup-minutes" => args.warmup_minutes = number(value()?)?,
            "--sample-secs" => args.sample_secs = number(value()?)?.max(1),
            "--period-ms" => args.period_ms = number(value()?)?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--cpchain" => args.cpchain = PathBuf::from(value()?),
            "--node-arg" => args.node_args.push(value()?),
            "--port-base" => {
                args.port_base = value()?.parse().map_err(|e| format!("--port-base: {e}"))?
            }
            "--help" | "-h" => {
                return Err("cpc-soak [--minutes M] [--tps R] [--warmup-minutes W] [--sample-secs S] [--period-ms P] [--dir DIR] [--cpchain PATH] [--port-base B] [--node-arg ARG]...".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Open file descriptors of process `pid`: all, and those of files under `database` (the
/// node's chain directory: RocksDB's table files, its write-ahead logs, manifest, lock and
/// log). The store keeps table files open up to `max_open_files` (512), so their count
/// follows the database's size, and a flush or compaction holds a new log or manifest beside
/// the old one for a while; the other descriptors (sockets, pipes, event and timer
/// descriptors, other files) are what must stay flat.
fn open_fds(pid: u32, database: &Path) -> Option<(u64, u64)> {
    let database = std::fs::canonicalize(database).ok()?;
    let mut all = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        all += 1;
        if std::fs::read_link(entry.path()).is_ok_and(|t| t.starts_with(&database)) {
            files += 1;
        }
    }
    Some((all, files))
}

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Least-squares slope of `points` (x, y).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den == 0.0 { 0.0 } else { num / den }
}

/// Memory growth per 10 minutes between the lowest samples of the first and of the last 10
/// minutes of `after` (at least 20 minutes of samples). RocksDB's memtables fill and flush in
/// cycles of minutes, a sawtooth of tens of MB on which a least-squares slope over an hour
/// moves by more than the goal; what a leak raises is the floor of the sawtooth. `after` holds
/// (minute, KiB) points.
fn floor_growth(after: &[(f64, i64)]) -> Option<i64> {
    let (start, end) = (after.first()?.0, after.last()?.0);
    if end - start < 20.0 {
        return None;
    }
    let floor = |from: f64, to: f64| {
        after
            .iter()
            .filter(|(m, _)| *m >= from && *m < to)
            .map(|(_, r)| *r)
            .min()
    };
    let (first, last) = (floor(start, start + 10.0)?, floor(end - 10.0, end + 1.0)?);
    let span_minutes = (end - 5.0) - (start + 5.0);
    Some(((last - first) as f64 * 10.0 / span_minutes).round() as i64)
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// What a submission's reply says about the transaction.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// In the pool, or already on chain (its hash is known, or its nonce is used).
    Accepted,
    /// Not answered, or refused for now (pool full, priority, validity unknown): send the same
    /// bytes again, to the next node.
    Retry,
    /// Refused for good.
    Refused,
}

/// Reads the reply to one `author_submitExtrinsic` (`None`: no reply for it). Substrate's
/// error codes: 1010 invalid (stale means its nonce is already used: it, or the same bytes
/// through another node, made it), 1011 unknown validity, 1012 banned, 1013 already imported,
/// 1014 too low priority, 1016 immediately dropped.
fn judge(reply: Option<&Value>) -> Outcome {
    let Some(reply) = reply else {
        return Outcome::Retry;
    };
    let Some(error) = reply.get("error") else {
        return Outcome::Accepted;
    };
    let data = error["data"].as_str().unwrap_or("").to_ascii_lowercase();
    match error["code"].as_i64() {
        Some(1013) => Outcome::Accepted,
        Some(1010) if data.contains("stale") || data.contains("outdated") => Outcome::Accepted,
        Some(1011 | 1014 | 1016) => Outcome::Retry,
        _ => Outcome::Refused,
    }
}

/// Sends at most this many times before a transaction counts as refused.
const ATTEMPTS: u32 = 8;

/// Sends `tps / THREADS` transfers a second from thread `t`'s senders, paced, until `stop`;
/// records each submission's time in `submitted` (the follower removes it when final).
///
/// A transaction whose submission is not answered (a node paused or restarting) or refused
/// for now is sent again, the same bytes, to the next node, before new ones: each sender's
/// nonces come in order, so one lost transaction would leave every later one of its sender
/// waiting in the pools' future queues, and the network idle, for the rest of the run.
fn submit_loop(
    t: usize,
    tps: u64,
    genesis: H256,
    ports: Vec<u16>,
    submitted: Arc<Mutex<HashMap<H256, Instant>>>,
    refused: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) {
    let senders: Vec<(usize, Pair)> = (t..SENDERS)
        .step_by(THREADS)
        .map(|i| (i, pair(&format!("//Sender{i}"))))
        .collect();
    let mut nonces = vec![0u32; senders.len()];
    let dest = MultiAddress::Id(account(&pair("//SoakDest")));
    let additional = AdditionalSigned::immortal(&VERSION, genesis);
    let rate = (tps as f64 / THREADS as f64).max(0.1);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut turn = 0usize;
    // (hash, encoded extrinsic, times sent)
    // At most BATCH: a batch takes its retries first and gives back at most as many.
    let mut again: VecDeque<(H256, Vec<u8>, u32)> = VecDeque::with_capacity(BATCH);
    while !stop.load(Ordering::Relaxed) {
        let due = started + Duration::from_secs_f64(sent as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let mut batch: Vec<(H256, Vec<u8>, u32)> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH
            && let Some(retry) = again.pop_front()
        {
            batch.push(retry);
        }
        while batch.len() < BATCH {
            let k = turn % senders.len();
            turn += 1;
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
                dest: dest.clone(),
                value: 1_000_000_000,
            });
            let extra = SignedExtra {
                era: Era::Immortal,
                nonce: nonces[k],
                tip: 0,
            };
            nonces[k] += 1;
            let xt = UncheckedExtrinsic::sign(call, &senders[k].1, extra, &additional).encode();
            batch.push((H256(blake2_256(&xt)), xt, 0));
        }
        let now = Instant::now();
        {
            // A retried transaction keeps its first submission time: its latency counts the wait.
            let mut map = submitted.lock().unwrap();
            for (hash, _, _) in &batch {
                map.entry(*hash).or_insert(now);
            }
        }
        let requests: Vec<Value> = batch
            .iter()
            .enumerate()
            .map(|(id, (_, xt, _))| {
                json!({"jsonrpc": "2.0", "id": id, "method": "author_submitExtrinsic",
                "params": [format!("0x{}", hex::encode(xt))]})
            })
            .collect();
        let port = ports[(sent as usize / BATCH) % ports.len()];
        let replies: HashMap<u64, Value> = match http(port, &Value::Array(requests).to_string()) {
            Ok(Value::Array(replies)) => replies
                .into_iter()
                .filter_map(|r| Some((r.get("id")?.as_u64()?, r)))
                .collect(),
            _ => HashMap::new(),
        };
        for (id, (hash, xt, times)) in batch.into_iter().enumerate() {
            match judge(replies.get(&(id as u64))) {
                Outcome::Accepted => {}
                Outcome::Retry if times + 1 < ATTEMPTS => again.push_back((hash, xt, times + 1)),
                Outcome::Retry | Outcome::Refused => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    submitted.lock().unwrap().remove(&hash);
                }
            }
        }
        sent += BATCH as u64;
    }
}

fn main() {
    let args = args_or_exit(parse_args());
    match run(&args) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join("cpc-soak"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let nodes = start_validators(
        &args.cpchain,
        VALIDATORS,
        args.period_ms,
        args.port_base,
        &dir,
        &args.node_args,
    )?;
    let ports: Vec<u16> = (0..VALIDATORS)
        .map(|i| rpc_port(args.port_base, i))
        .collect();
    let started = Instant::now();
    while finalized(ports[0]).is_none_or(|(n, _)| n < 2) {
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "the testnet does not finalize; logs in {}",
                dir.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let genesis = H256(
        hex_bytes(&rpc(ports[0], "chain_getBlockHash", json!([0]))?)
            .try_into()
            .map_err(|_| "the genesis hash is not 32 bytes")?,
    );
    let pids: Vec<u32> = nodes.0.iter().map(|c| c.id()).collect();
    let submitted: Arc<Mutex<HashMap<H256, Instant>>> = Arc::default();
    let refused = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (ports, submitted, refused, stop) = (
                ports.clone(),
                submitted.clone(),
                refused.clone(),
                stop.clone(),
            );
            let tps = args.tps;
            std::thread::spawn(move || {
                submit_loop(t, tps, genesis, ports, submitted, refused, stop)
            })
        })
        .collect();

    let mut csv = std::fs::File::create(dir.join("soak.csv")).map_err(|e| e.to_string())?;
    let mut header = "minute,finalized,tps,latency_p50_ms,latency_p99_ms,refused".to_string();
    for i in 0..VALIDATORS {
        header += &format!(",rss_kib_{i},fds_{i},db_bytes_{i},db_fds_{i}");
    }
    // After the four columns per validator, so a chart's column numbers stay as they were.
    for i in 0..VALIDATORS {
        header += &format!(",memtables_kib_{i},block_cache_kib_{i}");
    }
    for i in 0..VALIDATORS {
        header += &format!(",trie_cache_kib_{i},threads_{i}");
    }
    for i in 0..VALIDATORS {
        header += &format!(",table_readers_kib_{i}");
    }
    for i in 0..VALIDATORS {
        header += &format!(",alloc_in_use_kib_{i},alloc_free_kib_{i}");
    }
    for i in 0..VALIDATORS {
        header += &format!(",idle_instances_kib_{i}");
    }
    writeln!(csv, "{header}").map_err(|e| e.to_string())?;
    eprintln!(
        "soak: {} validators, {} transfers/s for {} minutes (warm-up {}), a sample every {} s; {}",
        VALIDATORS,
        args.tps,
        args.minutes,
        args.warmup_minutes,
        args.sample_secs,
        dir.display()
    );
    let load_start = Instant::now();
    let interval = Duration::from_secs(args.sample_secs);
    let end = load_start + Duration::from_secs(args.minutes * 60);
    let mut next_sample = load_start + interval;
    let mut seen = finalized(ports[0]).map_or(0, |(n, _)| n);
    let mut latencies: Vec<u64> = Vec::new();
    let mut finalized_total = 0u64;
    let mut finalized_interval = 0u64;
    // (minutes since the start, rss KiB, fds, rss outside the database's caches KiB) per
    // validator, per sample.
    let mut samples: Vec<Vec<(f64, i64, u64, i64)>> = vec![Vec::new(); VALIDATORS];
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
        if let Some((number, _)) = finalized(ports[0]) {
            for height in seen + 1..=number {
                let Ok(hash) = rpc(ports[0], "chain_getBlockHash", json!([height])) else {
                    break;
                };
                let Ok(block) = rpc(ports[0], "chain_getBlock", json!([hash])) else {
                    break;
                };
                let now = Instant::now();
                let mut map = submitted.lock().unwrap();
                for xt in block["block"]["extrinsics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let Some(at) = map.remove(&H256(blake2_256(&hex_bytes(xt)))) {
                        latencies.push(now.duration_since(at).as_millis() as u64);
                        finalized_interval += 1;
                    }
                }
                seen = height;
            }
        }
        if Instant::now() < next_sample {
            continue;
        }
        next_sample += interval;
        let minute = load_start.elapsed().as_secs_f64() / 60.0;
        latencies.sort_unstable();
        finalized_total += finalized_interval;
        let mut line = format!(
            "{minute:.2},{finalized_total},{},{},{},{}",
            finalized_interval / args.sample_secs,
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            refused.load(Ordering::Relaxed)
        );
        // One scrape per validator for this sample; a node that does not answer gives zeros.
        let scrapes: Vec<Option<Scrape>> = (0..VALIDATORS)
            .map(|i| Scrape::of(prometheus_port(args.port_base, i)))
            .collect();
        let memory: Vec<DatabaseMemory> = scrapes
            .iter()
            .map(|s| {
                s.as_ref()
                    .and_then(Scrape::database_memory)
                    .unwrap_or_default()
            })
            .collect();
        for (i, pid) in pids.iter().enumerate() {
            let rss = resident_kib(*pid).unwrap_or(0);
            let chains = dir.join(format!("v{i}")).join("chains");
            let (fds, tables) = open_fds(*pid, &chains).unwrap_or((0, 0));
            let db = dir_bytes(&chains);
            line += &format!(",{rss},{fds},{db},{tables}");
            let m = memory[i];
            let caches = (m.memtables + m.block_cache + m.trie_cache) / 1024;
            samples[i].push((minute, rss as i64, fds - tables, rss as i64 - caches as i64));
        }
        for m in &memory {
            line += &format!(",{},{}", m.memtables / 1024, m.block_cache / 1024);
        }
        for (m, pid) in memory.iter().zip(&pids) {
            line += &format!(",{},{}", m.trie_cache / 1024, threads(*pid).unwrap_or(0));
        }
        for m in &memory {
            line += &format!(",{}", m.table_readers / 1024);
        }
        for scrape in &scrapes {
            let (in_use, free) = scrape
                .as_ref()
                .and_then(Scrape::allocator_bytes)
                .unwrap_or_default();
            line += &format!(",{},{}", in_use / 1024, free / 1024);
        }
        for scrape in &scrapes {
            let idle = scrape.as_ref().and_then(Scrape::idle_instance_bytes);
            line += &format!(",{}", idle.unwrap_or(0) / 1024);
        }
        writeln!(csv, "{line}").map_err(|e| e.to_string())?;
        eprintln!("{line}");
        latencies.clear();
        finalized_interval = 0;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }

    let mut summary = String::new();
    let mut held = true;
    summary += &format!(
        "soak: {} validators, {} transfers/s offered for {} minutes, {} finalized ({} /s), {} submissions refused or unanswered\n",
        VALIDATORS,
        args.tps,
        args.minutes,
        finalized_total,
        finalized_total / (args.minutes * 60).max(1),
        refused.load(Ordering::Relaxed)
    );
    for (i, node) in samples.iter().enumerate() {
        let after: Vec<&(f64, i64, u64, i64)> = node
            .iter()
            .filter(|(m, ..)| *m >= args.warmup_minutes as f64)
            .collect();
        if after.len() < 2 {
            summary += &format!("v{i}: fewer than two samples after the warm-up\n");
            held = false;
            continue;
        }
        let rss: Vec<(f64, i64)> = after.iter().map(|(m, r, ..)| (*m, *r)).collect();
        let points: Vec<(f64, f64)> = rss.iter().map(|(m, r)| (*m, *r as f64)).collect();
        let trend = (slope(&points) * 10.0).round() as i64;
        let floor = floor_growth(&rss);
        // Not judged: the caches are bounded by the node's options, and one still filling
        // toward its bound raises the resident floor without any leak; this tells the two
        // apart.
        let outside: Vec<(f64, i64)> = after.iter().map(|(m, .., o)| (*m, *o)).collect();
        let outside_floor = floor_growth(&outside);
        let growth = floor.unwrap_or(trend);
        let fds: Vec<u64> = after.iter().map(|(_, _, f, _)| *f).collect();
        let (low, high) = (*fds.iter().min().unwrap(), *fds.iter().max().unwrap());
        let (rss_low, rss_high) = (
            rss.iter().map(|(_, r)| *r).min().unwrap(),
            rss.iter().map(|(_, r)| *r).max().unwrap(),
        );
        let ok = growth < RSS_GROWTH_KIB && high - low <= FD_SPREAD;
        held &= ok;
        summary += &format!(
            "v{i}: resident {rss_low}–{rss_high} KiB after the warm-up; its floor (lowest sample of the first and of the last 10 minutes) {} per 10 minutes, least-squares trend {trend:+} KiB per 10 minutes (goal: growth < {RSS_GROWTH_KIB} KiB); outside the database's caches (memtables, block cache, trie cache) its floor {} per 10 minutes; descriptors other than the database's files {low}–{high} (goal: spread ≤ {FD_SPREAD}); {}\n",
            floor.map_or("not measured (under 20 minutes)".to_string(), |g| format!(
                "{g:+} KiB"
            )),
            outside_floor.map_or("not measured".to_string(), |g| format!("{g:+} KiB")),
            if ok { "held" } else { "NOT HELD" }
        );
    }
    eprint!("{summary}");
    std::fs::write(dir.join("summary.txt"), &summary).map_err(|e| e.to_string())?;
    drop(nodes);
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::{Outcome, floor_growth, judge};
    use serde_json::json;

    fn error(code: i64, data: &str) -> serde_json::Value {
        json!({"jsonrpc": "2.0", "id": 0, "error": {"code": code, "message": "", "data": data}})
    }

    #[test]
    fn only_what_may_yet_be_accepted_is_sent_again() {
        assert_eq!(
            judge(Some(&json!({"id": 0, "result": "0x00"}))),
            Outcome::Accepted
        );
        assert_eq!(judge(Some(&error(1013, ""))), Outcome::Accepted);
        assert_eq!(
            judge(Some(&error(1010, "Transaction is outdated (Stale)"))),
            Outcome::Accepted
        );
        assert_eq!(judge(None), Outcome::Retry);
        assert_eq!(judge(Some(&error(1016, "pool is full"))), Outcome::Retry);
        assert_eq!(judge(Some(&error(1014, ""))), Outcome::Retry);
        assert_eq!(judge(Some(&error(1010, "bad signature"))), Outcome::Refused);
        assert_eq!(judge(Some(&error(1012, ""))), Outcome::Refused);
        assert_eq!(judge(Some(&error(-32700, ""))), Outcome::Refused);
    }

    #[test]
    fn the_floor_measure_follows_the_troughs_not_the_peaks() {
        // A sawtooth between 100 and 160 MiB (in KiB) over 40 minutes, its troughs rising
        // 2 MiB in the 30 minutes between the first and the last 10.
        let points: Vec<(f64, i64)> = (0..=40)
            .map(|m| {
                let trough = 100 * 1024 + (m as i64 * 2048) / 40;
                (m as f64, trough + (m as i64 % 7) * 10 * 1024)
            })
            .collect();
        let growth = floor_growth(&points).unwrap();
        assert!((500..=700).contains(&growth), "{growth} KiB per 10 minutes");
        assert_eq!(floor_growth(&points[..15]), None, "under 20 minutes");
    }
}
