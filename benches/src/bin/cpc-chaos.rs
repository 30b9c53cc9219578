//! The chaos testnet: four LBFT validators, each in a network namespace and on a disk (tmpfs)
//! of its own, under a seeded sequence of perturbations while a load generator sends
//! transfers; the invariants are checked after every perturbation and at the end.
//!
//! `cpc-chaos [--perturbations N] [--seed S] [--tps R] [--period-ms P] [--dir DIR]
//! [--kinds kill,pause,isolate,split,lossy,skew,disk] [--cpchain PATH]`, as root (namespaces,
//! routes, iptables, tmpfs mounts), normally through `scripts/chaos.sh`.
//!
//! Perturbations, one at a time, on a node (or the network) drawn from the seed:
//! - `kill`: SIGKILL, down for up to 5 s, restart;
//! - `pause`: SIGSTOP for 2–15 s, SIGCONT;
//! - `isolate`: blackhole routes between the node and every other for 3–20 s;
//! - `split`: the committee cut 2 | 2 for 3–15 s (no side has a quorum: finality halts);
//! - `lossy`: the node's link drops 5–30 % of its packets (iptables) and is throttled to
//!   256–2048 kbit/s (tc tbf, which delays what queues) for 5–20 s; this kernel has no netem;
//! - `skew`: the node restarted with its clock 2–120 s ahead or behind (libfaketime) for
//!   10–30 s, then restarted on true time;
//! - `disk`: the node's disk filled; it must stop with an error (never a signal); freed and
//!   restarted.
//!
//! After each perturbation is healed: the network finalizes a new block (the time is the
//! liveness figure; the goal is 10 s), every node catches up with the height finalized at the
//! heal (within 90 s), and every node's finalized chain is a prefix of one chain (checked
//! block by block, hash by hash). At the end: every transfer a node accepted is finalized
//! exactly once (the load resends what a killed node lost, as a wallet would), the recipient's
//! balance is their sum, and every node restarted serves its whole chain. The report
//! (`DIR/report.txt`) lists each perturbation with its figures; the exit status is 0 only if
//! every invariant held.

use codec::Encode;
use cpc_benches::testnet::{
    SENDERS, account, args_or_exit, chain_spec, hex_bytes, http_to, pair, prepare_validator,
};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    Era, H256, MultiAddress, SignedExtra, UncheckedExtrinsic, extrinsic::AdditionalSigned,
    hashing::blake2_256,
};
use cpc_runtime::{RuntimeCall, VERSION};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashMap},
    fmt::Write as _,
    io::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// Validators (n = 4 tolerates f = 1).
const NODES: usize = 4;
/// Amount of each transfer's base; transfer `k` sends `BASE + k`, so the recipient's balance
/// tells which landed.
const BASE: u128 = 1_000_000_000;
/// Transfers a sender has in flight at most.
const WINDOW: u64 = 4;
/// A transfer not finalized this long after it was last sent is sent again (to another node).
const RESEND_AFTER: Duration = Duration::from_secs(20);
/// RPC calls give up after this long (a paused node accepts connections and never answers).
const RPC_TIMEOUT: Duration = Duration::from_secs(3);
/// The liveness goal after a heal.
const LIVENESS_GOAL: Duration = Duration::from_secs(10);
/// How long a node may take to catch up after a heal before it is a violation.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(90);
const KINDS: [&str; 7] = ["kill", "pause", "isolate", "split", "lossy", "skew", "disk"];

struct Args {
    perturbations: usize,
    seed: u64,
    tps: u64,
    period_ms: u64,
    dir: Option<PathBuf>,
    kinds: Vec<&'static str>,
    cpchain: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        perturbations: 100,
        seed: 1,
        tps: 20,
        period_ms: 1000,
        dir: None,
        kinds: KINDS.to_vec(),
        cpchain: PathBuf::from("target/release/cpchain"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--perturbations" => {
                args.perturbations = value()?.parse().map_err(|e| format!("{e}"))?
            }
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("{e}"))?,
            "--tps" => args.tps = value()?.parse().map_err(|e| format!("{e}"))?,
            "--period-ms" => args.period_ms = value()?.parse().map_err(|e| format!("{e}"))?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--cpchain" => args.cpchain = PathBuf::from(value()?),
            "--kinds" => {
                args.kinds = value()?
                    .split(',')
                    .map(|k| {
                        KINDS
                            .iter()
                            .find(|known| **known == k.trim())
                            .copied()
                            .ok_or(format!("--kinds: unknown kind {k:?} (known: {KINDS:?})"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--help" | "-h" => {
                return Err("cpc-chaos [--perturbations N] [--seed S] [--tps R] [--period-ms P] [--dir DIR] [--kinds kill,pause,isolate,split,lossy,skew,disk] [--cpchain PATH]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.kinds.is_empty() || args.tps == 0 {
        return Err("--kinds and --tps must not be empty or zero".into());
    }
    Ok(args)
}

/// SplitMix64: the whole run follows from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// Runs a command to completion; its stderr as the error if it fails.
fn sh(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `sh` inside node `i`'s namespace.
fn in_ns(i: usize, program: &str, args: &[&str]) -> Result<(), String> {
    let mut all = vec!["netns", "exec", NS[i], program];
    all.extend_from_slice(args);
    sh("ip", &all)
}

/// libfaketime (Debian's `faketime` package).
const FAKETIME_LIBRARY: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

const NS: [&str; NODES] = ["cpcx-v0", "cpcx-v1", "cpcx-v2", "cpcx-v3"];
const BRIDGE: &str = "cpcx0";

fn ip_of(i: usize) -> String {
    format!("10.77.0.{}", i + 1)
}

fn rpc_address(i: usize) -> SocketAddr {
    SocketAddr::from(([10, 77, 0, i as u8 + 1], 9944))
}

/// The namespaces, the bridge between them and each node's tmpfs; removed when dropped.
struct Network {
    mounts: Vec<PathBuf>,
}

impl Network {
    fn remove_leftovers() {
        for ns in NS {
            // Whatever still runs in it first: a deleted namespace's processes live on.
            if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = sh("kill", &["-KILL", pid]);
                }
            }
            let _ = sh("ip", &["netns", "del", ns]);
        }
        for i in 0..NODES {
            let _ = sh("ip", &["link", "del", &format!("cpcx{i}h")]);
        }
        let _ = sh("ip", &["link", "del", BRIDGE]);
    }

    fn create(dir: &Path) -> Result<Self, String> {
        Self::remove_leftovers();
        sh("ip", &["link", "add", BRIDGE, "type", "bridge"])?;
        sh("ip", &["addr", "add", "10.77.0.254/24", "dev", BRIDGE])?;
        sh("ip", &["link", "set", BRIDGE, "up"])?;
        let mut network = Network { mounts: Vec::new() };
        for (i, ns) in NS.iter().enumerate() {
            let (host, inner) = (format!("cpcx{i}h"), format!("cpcx{i}n"));
            sh("ip", &["netns", "add", ns])?;
            sh(
                "ip",
                &["link", "add", &host, "type", "veth", "peer", "name", &inner],
            )?;
            sh("ip", &["link", "set", &inner, "netns", ns])?;
            sh("ip", &["link", "set", &host, "master", BRIDGE])?;
            sh("ip", &["link", "set", &host, "up"])?;
            in_ns(i, "ip", &["link", "set", "lo", "up"])?;
            in_ns(
                i,
                "ip",
                &["addr", "add", &format!("{}/24", ip_of(i)), "dev", &inner],
            )?;
            in_ns(i, "ip", &["link", "set", &inner, "up"])?;
            let disk = dir.join(format!("v{i}"));
            std::fs::create_dir_all(&disk).map_err(|e| e.to_string())?;
            sh(
                "mount",
                &[
                    "-t",
                    "tmpfs",
                    "-o",
                    "size=768m",
                    "tmpfs",
                    disk.to_str().unwrap(),
                ],
            )?;
            network.mounts.push(disk);
        }
        Ok(network)
    }

    /// Cuts (or, `cut == false`, restores) the links between nodes `a` and `b`, both ways.
    fn set_cut(a: usize, b: usize, cut: bool) -> Result<(), String> {
        let verb = if cut { "add" } else { "del" };
        in_ns(
            a,
            "ip",
            &["route", verb, "blackhole", &format!("{}/32", ip_of(b))],
        )?;
        in_ns(
            b,
            "ip",
            &["route", verb, "blackhole", &format!("{}/32", ip_of(a))],
        )
    }

    fn set_lossy(i: usize, loss_pct: u64, kbit: u64, on: bool) -> Result<(), String> {
        let dev = format!("cpcx{i}n");
        let probability = format!("0.{:02}", loss_pct.min(99));
        // Only the links to other validators: the driver's RPC keeps its own path.
        let rule = [
            "OUTPUT",
            "-d",
            "10.77.0.0/29",
            "-m",
            "statistic",
            "--mode",
            "random",
            "--probability",
            &probability,
            "-j",
            "DROP",
        ];
        let (iptables_verb, tc_verb) = if on { ("-A", "add") } else { ("-D", "del") };
        let mut args = vec![iptables_verb];
        args.extend_from_slice(&rule);
        in_ns(i, "iptables", &args)?;
        if on {
            in_ns(
                i,
                "tc",
                &[
                    "qdisc",
                    tc_verb,
                    "dev",
                    &dev,
                    "root",
                    "tbf",
                    "rate",
                    &format!("{kbit}kbit"),
                    "burst",
                    "16kb",
                    "latency",
                    "400ms",
                ],
            )
        } else {
            in_ns(i, "tc", &["qdisc", tc_verb, "dev", &dev, "root"])
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for mount in &self.mounts {
            let _ = sh("umount", &["-l", mount.to_str().unwrap()]);
        }
        Self::remove_leftovers();
    }
}

/// One validator process and how to start it again.
struct Node {
    i: usize,
    child: Option<Child>,
    base: PathBuf,
    log: PathBuf,
    spec: PathBuf,
    bootnodes: Vec<String>,
}

impl Node {
    fn start(&mut self, cpchain: &Path, skew_secs: Option<i64>) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| e.to_string())?;
        let mut command = Command::new("ip");
        command.args(["netns", "exec", NS[self.i]]);
        if let Some(secs) = skew_secs {
            // libfaketime preloaded into the node itself (the `faketime` wrapper forks, and a
            // signal to it would not reach the node); the wall clock only: timers and
            // `Instant` keep true time.
            command
                .env("LD_PRELOAD", FAKETIME_LIBRARY)
                .env("FAKETIME", format!("{secs:+}s"))
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
                .env("FAKETIME_NO_CACHE", "1");
        }
        command
            .arg(cpchain)
            .args(["--chain", self.spec.to_str().unwrap(), "--validator"])
            .arg("--base-path")
            .arg(&self.base)
            .args([
                "--listen-addr",
                &format!("/ip4/{}/tcp/30333", ip_of(self.i)),
            ])
            .args([
                "--node-key-file",
                self.base.join("node-key").to_str().unwrap(),
            ])
            .args([
                "--rpc-external",
                "--rpc-port",
                "9944",
                "--no-prometheus",
                "--no-mdns",
            ])
            .args(["--name", &format!("v{}", self.i)]);
        for boot in &self.bootnodes {
            command.args(["--bootnodes", boot]);
        }
        writeln!(&log, "=== cpc-chaos: start (clock skew {skew_secs:?} s)").ok();
        self.child = Some(
            command
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| format!("starting v{}: {e}", self.i))?,
        );
        Ok(())
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = sh("kill", &[&format!("-{signal}"), &child.id().to_string()]);
        }
    }

    /// SIGKILLs the process and reaps it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits (SIGKILL after 20 s); the exit status.
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = sh("kill", &["-CONT", &child.id().to_string()]);
        let _ = sh("kill", &["-TERM", &child.id().to_string()]);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }

    /// Whether the process has exited by itself; its status if so.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn rpc(i: usize, method: &str, params: Value) -> Result<Value, String> {
    let reply = http_to(
        rpc_address(i),
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string(),
        RPC_TIMEOUT,
    )?;
    match reply.get("error") {
        Some(error) => Err(error.to_string()),
        None => Ok(reply["result"].clone()),
    }
}

fn parse_hash(value: &Value) -> Option<H256> {
    hex_bytes(value).try_into().ok().map(H256)
}

/// Node `i`'s finalized block number, if it answers.
fn finalized_number(i: usize) -> Option<u32> {
    let hash = rpc(i, "chain_getFinalizedHead", json!([])).ok()?;
    let header = rpc(i, "chain_getHeader", json!([hash])).ok()?;
    u32::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()
}

/// What the checks found; a violation ends the run.
#[derive(Default)]
struct Checks {
    /// The one finalized chain every node must hold a prefix of: hash by height.
    canonical: BTreeMap<u32, H256>,
    /// Per node, the highest finalized block already compared with `canonical`.
    checked: [u32; NODES],
    violations: Vec<String>,
}

impl Checks {
    /// Compares node `i`'s finalized blocks above the last checked one with the canonical
    /// chain (recording those it is the first to reach).
    fn check_node(&mut self, i: usize) {
        let Some(top) = finalized_number(i) else {
            return;
        };
        if top < self.checked[i] {
            self.violations.push(format!(
                "v{i}: finalized #{} before, #{top} now: a finalized block vanished",
                self.checked[i]
            ));
        }
        for height in self.checked[i] + 1..=top {
            let Some(hash) = rpc(i, "chain_getBlockHash", json!([height]))
                .ok()
                .as_ref()
                .and_then(parse_hash)
            else {
                return;
            };
            match self.canonical.get(&height) {
                Some(known) if *known != hash => {
                    self.violations.push(format!(
                        "v{i}: finalized {hash:?} at #{height}, another node finalized {known:?}"
                    ));
                    return;
                }
                Some(_) => {}
                None => {
                    self.canonical.insert(height, hash);
                }
            }
            self.checked[i] = height;
        }
    }
}

/// The load: transfers from the 64 funded senders, each with a window of nonces in flight,
/// resent until they are seen final.
struct Load {
    genesis: H256,
    senders: Vec<Pair>,
    dest: MultiAddress,
    /// Per sender: the next nonce to sign.
    next_nonce: Vec<u64>,
    /// Transfers accepted by a node and not yet seen final: hash → (sender, nonce, bytes,
    /// last sent).
    in_flight: HashMap<H256, (usize, u64, String, Instant)>,
    /// Every transfer a node accepted: hash → amount.
    accepted: HashMap<H256, u128>,
    /// How many times each of our transfers appears in the finalized chain.
    finalized: HashMap<H256, u32>,
    /// The highest block whose extrinsics were counted.
    scanned: u32,
    counter: u128,
    resent: u64,
    refused: u64,
}

impl Load {
    fn new(genesis: H256) -> Self {
        Load {
            genesis,
            senders: (0..SENDERS)
                .map(|i| pair(&format!("//Sender{i}")))
                .collect(),
            dest: MultiAddress::Id(account(&pair("//ChaosDest"))),
            next_nonce: vec![0; SENDERS],
            in_flight: HashMap::new(),
            accepted: HashMap::new(),
            finalized: HashMap::new(),
            scanned: 0,
            counter: 0,
            resent: 0,
            refused: 0,
        }
    }

    fn in_flight_of(&self, sender: usize) -> u64 {
        self.in_flight
            .values()
            .filter(|(s, ..)| *s == sender)
            .count() as u64
    }

    /// Sends up to `count` new transfers to the nodes in `targets`.
    fn send_new(&mut self, count: u64, targets: &[usize], rng: &mut Rng) {
        let additional = AdditionalSigned::immortal(&VERSION, self.genesis);
        for _ in 0..count {
            let Some(sender) = (0..SENDERS)
                .map(|k| (k + rng.next() as usize) % SENDERS)
                .find(|s| self.in_flight_of(*s) < WINDOW)
            else {
                return;
            };
            let amount = BASE + self.counter;
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
                dest: self.dest.clone(),
                value: amount,
            });
            let nonce = self.next_nonce[sender];
            let extra = SignedExtra {
                era: Era::Immortal,
                nonce: nonce as u32,
                tip: 0,
            };
            let xt =
                UncheckedExtrinsic::sign(call, &self.senders[sender], extra, &additional).encode();
            let hash = H256(blake2_256(&xt));
            let hex = format!("0x{}", hex::encode(&xt));
            if self.submit(&hex, targets, rng) {
                self.counter += 1;
                self.next_nonce[sender] += 1;
                self.accepted.insert(hash, amount);
                self.in_flight
                    .insert(hash, (sender, nonce, hex, Instant::now()));
            } else {
                self.refused += 1;
                return;
            }
        }
    }

    /// Submits to one node of `targets` (another if it fails); whether one accepted.
    fn submit(&self, hex: &str, targets: &[usize], rng: &mut Rng) -> bool {
        if targets.is_empty() {
            return false;
        }
        let first = rng.next() as usize;
        for k in 0..targets.len().min(2) {
            let i = targets[(first + k) % targets.len()];
            match rpc(i, "author_submitExtrinsic", json!([hex])) {
                Ok(_) => return true,
                Err(e) if e.contains("already imported") => return true,
                Err(_) => {}
            }
        }
        false
    }

    /// Sends again what has waited too long.
    fn resend(&mut self, targets: &[usize], rng: &mut Rng) {
        let now = Instant::now();
        let mut due: Vec<(u64, H256)> = self
            .in_flight
            .iter()
            .filter(|(_, (.., sent))| now.duration_since(*sent) > RESEND_AFTER)
            .map(|(hash, (_, nonce, ..))| (*nonce, *hash))
            .collect();
        // Lower nonces first: a later one waits in the pool's future queue for them.
        due.sort();
        for (_, hash) in due {
            let hex = self.in_flight[&hash].2.clone();
            // Whatever the answer ("stale": it is in a block not yet scanned), try later.
            self.submit(&hex, targets, rng);
            self.resent += 1;
            if let Some(entry) = self.in_flight.get_mut(&hash) {
                entry.3 = Instant::now();
            }
        }
    }

    /// Counts our transfers in the finalized blocks of node `i` above the last scanned.
    fn scan(&mut self, i: usize, upto: u32) {
        for height in self.scanned + 1..=upto {
            let Ok(hash) = rpc(i, "chain_getBlockHash", json!([height])) else {
                return;
            };
            let Ok(block) = rpc(i, "chain_getBlock", json!([hash])) else {
                return;
            };
            let Some(extrinsics) = block["block"]["extrinsics"].as_array() else {
                return;
            };
            for xt in extrinsics {
                let hash = H256(blake2_256(&hex_bytes(xt)));
                if self.accepted.contains_key(&hash) {
                    *self.finalized.entry(hash).or_default() += 1;
                    self.in_flight.remove(&hash);
                }
            }
            self.scanned = height;
        }
    }
}

/// What the driver shares with the load thread: which nodes to send to.
struct Shared {
    targets: Mutex<Vec<usize>>,
    stop: AtomicBool,
}

fn run_load(shared: Arc<Shared>, load: Arc<Mutex<Load>>, tps: u64, seed: u64) {
    let mut rng = Rng(seed ^ 0x5eed);
    let tick = Duration::from_millis(100);
    let per_tick = (tps / 10).max(1);
    while !shared.stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let targets = shared.targets.lock().unwrap().clone();
        {
            let mut load = load.lock().unwrap();
            load.send_new(per_tick, &targets, &mut rng);
            load.resend(&targets, &mut rng);
            if let Some((i, top)) = targets
                .first()
                .and_then(|&i| Some((i, finalized_number(i)?)))
            {
                load.scan(i, top);
            }
        }
        if let Some(rest) = tick.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

/// The run: the testnet, the perturbations and the report.
struct Chaos {
    args: Args,
    dir: PathBuf,
    nodes: Vec<Node>,
    checks: Checks,
    rng: Rng,
    shared: Arc<Shared>,
    report: std::fs::File,
    liveness: Vec<Duration>,
    counts: BTreeMap<&'static str, usize>,
}

impl Chaos {
    fn say(&mut self, line: &str) {
        eprintln!("{line}");
        let _ = writeln!(self.report, "{line}");
    }

    fn live(&self, except: &[usize]) -> Vec<usize> {
        (0..NODES).filter(|i| !except.contains(i)).collect()
    }

    fn set_targets(&self, targets: Vec<usize>) {
        *self.shared.targets.lock().unwrap() = targets;
    }

    fn highest_finalized(&self) -> u32 {
        (0..NODES).filter_map(finalized_number).max().unwrap_or(0)
    }

    fn wait_for_rpc(&self, i: usize, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if rpc(i, "system_health", json!([])).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    fn restart(&mut self, i: usize, skew: Option<i64>) -> Result<(), String> {
        self.nodes[i].start(&self.args.cpchain, skew)?;
        let answered = self.wait_for_rpc(i, Duration::from_secs(60));
        // An answer from a process that is not the one just started would hide a failed start.
        if let Some(status) = self.nodes[i].exited() {
            return Err(format!(
                "v{i} exited ({status:?}) right after its restart; log: {}",
                self.nodes[i].log.display()
            ));
        }
        if !answered {
            let status = self.nodes[i].exited();
            return Err(format!(
                "v{i} does not answer RPC 60 s after its restart (exit: {status:?}); log: {}",
                self.nodes[i].log.display()
            ));
        }
        Ok(())
    }

    /// After a heal: how long until the network finalizes past `at_heal`, and until every node
    /// has reached `at_heal`; safety compared on every node.
    fn recover(&mut self, at_heal: u32) -> Result<(Duration, Duration), String> {
        let healed = Instant::now();
        let mut live = None;
        let mut all = None;
        while healed.elapsed() < CATCH_UP_LIMIT {
            let heights: Vec<Option<u32>> = (0..NODES).map(finalized_number).collect();
            if live.is_none() && heights.iter().flatten().any(|h| *h > at_heal) {
                live = Some(healed.elapsed());
            }
            if live.is_some() && heights.iter().all(|h| h.is_some_and(|h| h >= at_heal)) {
                all = Some(healed.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for i in 0..NODES {
            self.checks.check_node(i);
        }
        match (live, all) {
            (Some(live), Some(all)) => Ok((live, all)),
            (None, _) => Err(format!(
                "no block finalized within {CATCH_UP_LIMIT:?} of the heal (finalized #{at_heal})"
            )),
            (Some(_), None) => Err(format!(
                "a node did not reach #{at_heal} within {CATCH_UP_LIMIT:?} of the heal: {:?}",
                (0..NODES).map(finalized_number).collect::<Vec<_>>()
            )),
        }
    }

    /// One perturbation: applied, held, healed; a description of what was done.
    fn perturb(&mut self, kind: &'static str) -> Result<String, String> {
        let i = self.rng.range(0, NODES as u64 - 1) as usize;
        match kind {
            "kill" => {
                let down = self.rng.range(0, 5_000);
                self.set_targets(self.live(&[i]));
                self.nodes[i].kill();
                std::thread::sleep(Duration::from_millis(down));
                self.restart(i, None)?;
                Ok(format!("SIGKILL v{i}, down {down} ms"))
            }
            "pause" => {
                let held = self.rng.range(2_000, 15_000);
                self.set_targets(self.live(&[i]));
                self.nodes[i].signal("STOP");
                std::thread::sleep(Duration::from_millis(held));
                self.nodes[i].signal("CONT");
                Ok(format!("SIGSTOP v{i} for {held} ms"))
            }
            "isolate" => {
                let held = self.rng.range(3_000, 20_000);
                for j in self.live(&[i]) {
                    Network::set_cut(i, j, true)?;
                }
                std::thread::sleep(Duration::from_millis(held));
                for j in self.live(&[i]) {
                    Network::set_cut(i, j, false)?;
                }
                Ok(format!("v{i} cut off from the others for {held} ms"))
            }
            "split" => {
                let held = self.rng.range(3_000, 15_000);
                let partner = self.live(&[i])[self.rng.range(0, 2) as usize];
                let side: Vec<usize> = vec![i, partner];
                let other = self.live(&side);
                for a in &side {
                    for b in &other {
                        Network::set_cut(*a, *b, true)?;
                    }
                }
                std::thread::sleep(Duration::from_millis(held));
                for a in &side {
                    for b in &other {
                        Network::set_cut(*a, *b, false)?;
                    }
                }
                Ok(format!("split {side:?} | {other:?} for {held} ms"))
            }
            "lossy" => {
                let held = self.rng.range(5_000, 20_000);
                let loss = self.rng.range(5, 30);
                let kbit = 256 << self.rng.range(0, 3);
                Network::set_lossy(i, loss, kbit, true)?;
                std::thread::sleep(Duration::from_millis(held));
                Network::set_lossy(i, loss, kbit, false)?;
                Ok(format!(
                    "v{i}'s links drop {loss} % and carry {kbit} kbit/s for {held} ms"
                ))
            }
            "skew" => {
                let held = self.rng.range(10_000, 30_000);
                let secs = self.rng.range(2, 120) as i64;
                let secs = if self.rng.next().is_multiple_of(2) {
                    secs
                } else {
                    -secs
                };
                self.set_targets(self.live(&[i]));
                self.nodes[i].stop();
                self.restart(i, Some(secs))?;
                std::thread::sleep(Duration::from_millis(held));
                self.nodes[i].stop();
                self.restart(i, None)?;
                Ok(format!("v{i} ran {secs:+} s off true time for {held} ms"))
            }
            "disk" => {
                // A node whose disk is full may stop (a database write failed: exit status 1)
                // or run on while its writes still fit (RocksDB preallocates its log; LBFT
                // stops voting when it cannot record a vote). Ending by a signal, or not
                // coming back once there is room, is a failure.
                let held = self.rng.range(5_000, 30_000);
                self.set_targets(self.live(&[i]));
                let filler = self.dir.join(format!("v{i}")).join("filler");
                fill(&filler);
                let started = Instant::now();
                let mut status = None;
                while started.elapsed() < Duration::from_millis(held) && status.is_none() {
                    status = self.nodes[i].exited();
                    std::thread::sleep(Duration::from_millis(100));
                }
                let stopped_after = started.elapsed();
                while started.elapsed() < Duration::from_millis(held) {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = std::fs::remove_file(&filler);
                match status {
                    Some(status) if status.code() == Some(1) => {
                        self.restart(i, None)?;
                        Ok(format!(
                            "v{i}'s disk full for {held} ms: it stopped with an error after {} ms, restarted",
                            stopped_after.as_millis()
                        ))
                    }
                    Some(status) => Err(format!(
                        "v{i}'s disk filled and it ended with {status:?}, not an error; log: {}",
                        self.nodes[i].log.display()
                    )),
                    None => Ok(format!(
                        "v{i}'s disk full for {held} ms: it ran on, and goes on with room"
                    )),
                }
            }
            other => Err(format!("unknown perturbation {other}")),
        }
    }

    fn run(&mut self, load: &Arc<Mutex<Load>>) -> Result<(), String> {
        for round in 1..=self.args.perturbations {
            let kind =
                self.args.kinds[self.rng.range(0, self.args.kinds.len() as u64 - 1) as usize];
            let started = Instant::now();
            let before = self.highest_finalized();
            let done = self.perturb(kind)?;
            let at_heal = self.highest_finalized();
            self.set_targets(self.live(&[]));
            let (live, all) = self.recover(at_heal)?;
            if !self.checks.violations.is_empty() {
                return Err(self.checks.violations.join("; "));
            }
            self.liveness.push(live);
            *self.counts.entry(kind).or_default() += 1;
            let (accepted, final_count) = {
                let load = load.lock().unwrap();
                (load.accepted.len(), load.finalized.len())
            };
            self.say(&format!(
                "#{round:>3} {kind:<7} {done}; {} blocks finalized meanwhile; finalizing again {} ms after the heal, all nodes at #{at_heal} after {} ms; {} s; transfers {accepted} accepted, {final_count} final",
                at_heal.saturating_sub(before),
                live.as_millis(),
                all.as_millis(),
                started.elapsed().as_secs()
            ));
        }
        Ok(())
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Writes zeros to `file` until the disk is full.
fn fill(file: &Path) {
    let Ok(mut f) = std::fs::File::create(file) else {
        return;
    };
    let block = vec![0u8; 1 << 20];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
}

fn main() {
    let args = args_or_exit(parse_args());
    if !is_root() {
        eprintln!("cpc-chaos needs root: it makes network namespaces, routes and tmpfs mounts");
        std::process::exit(2);
    }
    let code = match run(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("VIOLATION: {e}");
            1
        }
    };
    std::process::exit(code);
}

fn run(args: Args) -> Result<(), String> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("cpc-chaos-{}", args.seed)),
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let dir = dir.canonicalize().map_err(|e| e.to_string())?;
    let network = Network::create(&dir)?;
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        chain_spec(NODES, args.period_ms)
            .to_string()
            .replace("load4", "chaos4"),
    )
    .map_err(|e| e.to_string())?;
    let mut peers = Vec::new();
    for i in 0..NODES {
        let base = dir.join(format!("v{i}")).join("base");
        peers.push(prepare_validator(&args.cpchain, &base, i)?);
    }
    let mut nodes = Vec::new();
    for i in 0..NODES {
        let mut node = Node {
            i,
            child: None,
            base: dir.join(format!("v{i}")).join("base"),
            log: dir.join(format!("v{i}.log")),
            spec: spec.clone(),
            bootnodes: (0..NODES)
                .filter(|j| *j != i)
                .map(|j| format!("/ip4/{}/tcp/30333/p2p/{}", ip_of(j), peers[j]))
                .collect(),
        };
        node.start(&args.cpchain, None)?;
        nodes.push(node);
    }
    let report = std::fs::File::create(dir.join("report.txt")).map_err(|e| e.to_string())?;
    let shared = Arc::new(Shared {
        targets: Mutex::new((0..NODES).collect()),
        stop: AtomicBool::new(false),
    });
    let mut chaos = Chaos {
        rng: Rng(args.seed),
        args,
        dir: dir.clone(),
        nodes,
        checks: Checks::default(),
        shared: shared.clone(),
        report,
        liveness: Vec::new(),
        counts: BTreeMap::new(),
    };
    for i in 0..NODES {
        if !chaos.wait_for_rpc(i, Duration::from_secs(60)) {
            return Err(format!(
                "v{i} does not answer RPC; log in {}",
                dir.display()
            ));
        }
    }
    let started = Instant::now();
    while chaos.highest_finalized() < 2 {
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "the testnet does not finalize; logs in {}",
                dir.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let genesis = rpc(0, "chain_getBlockHash", json!([0]))
        .ok()
        .as_ref()
        .and_then(parse_hash)
        .ok_or("no genesis hash")?;
    let header = format!(
        "cpc-chaos: seed {}, {} perturbations of {:?}, {} transfers/s, {} ms blocks, {} validators; dir {}",
        chaos.args.seed,
        chaos.args.perturbations,
        chaos.args.kinds,
        chaos.args.tps,
        chaos.args.period_ms,
        NODES,
        dir.display()
    );
    chaos.say(&header);
    let load = Arc::new(Mutex::new(Load::new(genesis)));
    let load_thread = {
        let (shared, load, tps, seed) = (
            shared.clone(),
            load.clone(),
            chaos.args.tps,
            chaos.args.seed,
        );
        std::thread::spawn(move || run_load(shared, load, tps, seed))
    };
    // Some load before the first perturbation.
    std::thread::sleep(Duration::from_secs(5));
    let outcome = chaos.run(&load);
    shared.stop.store(true, Ordering::Relaxed);
    let _ = load_thread.join();
    outcome?;

    // The end: every accepted transfer final exactly once.
    let mut rng = Rng(chaos.args.seed ^ 0xe0d);
    let settle = Instant::now();
    loop {
        let mut load = load.lock().unwrap();
        if let Some(top) = finalized_number(0) {
            load.scan(0, top);
        }
        if load.in_flight.is_empty() || settle.elapsed() > Duration::from_secs(180) {
            break;
        }
        load.resend(&(0..NODES).collect::<Vec<_>>(), &mut rng);
        drop(load);
        std::thread::sleep(Duration::from_millis(500));
    }
    let load = load.lock().unwrap();
    let never: Vec<_> = load
        .accepted
        .keys()
        .filter(|h| !load.finalized.contains_key(h))
        .collect();
    let twice: Vec<_> = load.finalized.iter().filter(|(_, n)| **n > 1).collect();
    let expected: u128 = load.finalized.keys().map(|h| load.accepted[h]).sum();
    let balance = {
        let key = cpc_pallet_system::Account::hashed_key(&account(&pair("//ChaosDest")));
        let value = rpc(
            0,
            "state_getStorage",
            json!([format!("0x{}", hex::encode(key))]),
        )?;
        let bytes = hex_bytes(&value);
        let info: cpc_pallet_system::AccountInfo =
            codec::Decode::decode(&mut &bytes[..]).map_err(|e| e.to_string())?;
        info.data.free
    };
    let mut summary = String::new();
    let _ = write!(
        summary,
        "transfers: {} accepted, {} final once, {} never final, {} final more than once; resent {}, refused {}; recipient holds {balance} (expected {expected})",
        load.accepted.len(),
        load.finalized.len() - twice.len(),
        never.len(),
        twice.len(),
        load.resent,
        load.refused
    );
    chaos.say(&summary);
    if !never.is_empty() || !twice.is_empty() || balance != expected {
        return Err(format!("transfers: {summary}"));
    }

    // Every node, stopped and restarted, serves its chain.
    for i in 0..NODES {
        let status = chaos.nodes[i].stop();
        if !status.is_some_and(|s| s.success()) {
            return Err(format!("v{i} did not stop cleanly: {status:?}"));
        }
    }
    for i in 0..NODES {
        chaos.restart(i, None)?;
    }
    let at = chaos.highest_finalized();
    chaos.recover(at)?;
    if !chaos.checks.violations.is_empty() {
        return Err(chaos.checks.violations.join("; "));
    }
    let mut liveness = chaos.liveness.clone();
    liveness.sort();
    let over_goal = liveness.iter().filter(|l| **l > LIVENESS_GOAL).count();
    let line = format!(
        "done: {} perturbations ({}), 0 safety violations, {} finalized blocks compared on {} nodes, every node restarted and served its chain; finalizing again after a heal: median {} ms, max {} ms, {over_goal} over {} s; {} s in all",
        chaos.liveness.len(),
        chaos
            .counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        chaos.checks.canonical.len(),
        NODES,
        liveness
            .get(liveness.len() / 2)
            .map_or(0, Duration::as_millis),
        liveness.last().map_or(0, Duration::as_millis),
        LIVENESS_GOAL.as_secs(),
        started.elapsed().as_secs()
    );
    chaos.say(&line);
    for node in &mut chaos.nodes {
        node.stop();
    }
    drop(chaos);
    drop(network);
    Ok(())
}
