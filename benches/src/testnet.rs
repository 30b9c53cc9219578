//! What the end-to-end tools (`cpc-loadgen`, `cpc-syncbench`) share: the chain spec of a
//! loopback testnet, starting real `cpchain` processes on 127.0.0.1, JSON-RPC over plain HTTP,
//! and reading a process's CPU time and resident memory from `/proc`.

use cpc_crypto::sr25519::Pair;
use cpc_primitives::AccountId;
use serde_json::{Value, json};
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// Funded senders in [`chain_spec`]: `//Sender0..`.
pub const SENDERS: usize = 64;

/// The parsed arguments, or their error printed and the process ended with status 2.
pub fn args_or_exit<T>(parsed: Result<T, String>) -> T {
    parsed.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    })
}

/// The key pair of a dev secret URI.
pub fn pair(suri: &str) -> Pair {
    Pair::from_suri(suri).expect("valid dev SURI").0
}

/// The account of `pair`.
pub fn account(pair: &Pair) -> AccountId {
    AccountId::new(pair.public().0)
}

/// A spec whose committee is `//V0..//V{n-1}` and whose senders `//Sender0..` are funded.
pub fn chain_spec(validators: usize, period_ms: u64) -> Value {
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

/// One HTTP POST of `body` to the JSON-RPC server on `port`; the decoded reply.
pub fn http(port: u16, body: &str) -> Result<Value, String> {
    http_to(
        SocketAddr::from(([127, 0, 0, 1], port)),
        body,
        Duration::from_secs(30),
    )
}

/// [`http`] to the server at `address`, giving up on connecting or on the reply after
/// `timeout` (a stopped process accepts connections and never answers).
pub fn http_to(address: SocketAddr, body: &str, timeout: Duration) -> Result<Value, String> {
    let mut stream = TcpStream::connect_timeout(&address, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
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

/// Calls `method` on the node whose RPC listens on `port`.
pub fn rpc(port: u16, method: &str, params: Value) -> Result<Value, String> {
    let reply = http(
        port,
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string(),
    )?;
    match reply.get("error") {
        Some(error) => Err(error.to_string()),
        None => Ok(reply["result"].clone()),
    }
}

/// The bytes of a `0x`-prefixed hex string value (empty if it is not one).
pub fn hex_bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap_or("").trim_start_matches("0x")).unwrap_or_default()
}

/// The finalized block's number and hash of the node whose RPC listens on `port`.
pub fn finalized(port: u16) -> Option<(u32, Value)> {
    let hash = rpc(port, "chain_getFinalizedHead", json!([])).ok()?;
    let header = rpc(port, "chain_getHeader", json!([hash.clone()])).ok()?;
    let number =
        u32::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()?;
    Some((number, hash))
}

/// Node processes, stopped (SIGTERM, then waited for) when dropped.
#[derive(Default)]
pub struct Nodes(pub Vec<Child>);

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

/// Writes a fresh libp2p node key to `file` with `cpchain key generate-node-key`; the peer id.
pub fn generate_node_key(cpchain: &Path, file: &Path) -> Result<String, String> {
    let out = Command::new(cpchain)
        .args(["key", "generate-node-key", "--file"])
        .arg(file)
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cpchain.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} key generate-node-key failed",
            cpchain.display()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// CPU time (user + system) process `pid` used so far, from `/proc`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1_000 / clock_ticks()))
}

/// Clock ticks per second of `/proc` times (`getconf CLK_TCK`; Linux's USER_HZ, 100, if that
/// cannot run).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t| *t > 0)
            .unwrap_or(100)
    })
}

/// Resident memory of process `pid` in KiB, from `/proc`.
pub fn resident_kib(pid: u32) -> Option<u64> {
    status_field(pid, "VmRSS:")
}

/// A number from `/proc/<pid>/status` (`field` with its colon; a "kB" unit dropped).
fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Percent of one core that `used` is of `window`.
pub fn percent(used: Duration, window: Duration) -> u128 {
    used.as_millis() * 100 / window.as_millis().max(1)
}

/// One scrape of a node's Prometheus endpoint: the values a sample needs are read from the
/// same text, with one request per node.
pub struct Scrape(String);

impl Scrape {
    /// The metrics of the node whose Prometheus endpoint is on `port`.
    pub fn of(port: u16) -> Option<Self> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut text = String::new();
        stream.read_to_string(&mut text).ok()?;
        Some(Self(text))
    }

    /// The samples whose line starts with `prefix` (a metric name, with `{` to take labelled
    /// samples or a space to take the unlabelled one), as (line, value).
    pub fn samples(&self, prefix: &str) -> Vec<(&str, u64)> {
        self.0
            .lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| Some((l, l.rsplit(' ').next()?.parse().ok()?)))
            .collect()
    }

    /// The sample of the family `name` whose label `label` is `value`.
    fn labelled(&self, name: &str, label: &str, value: &str) -> Option<u64> {
        let wanted = format!("{label}=\"{value}\"");
        self.samples(&format!("{name}{{"))
            .into_iter()
            .find(|(line, _)| line.contains(&wanted))
            .map(|(_, v)| v)
    }

    /// Transactions in the pool (ready and future).
    pub fn pool_size(&self) -> Option<u64> {
        let samples = self.samples("cpc_txpool_transactions{");
        (!samples.is_empty()).then(|| samples.iter().map(|(_, v)| v).sum())
    }

    /// What the database holds in memory.
    pub fn database_memory(&self) -> Option<DatabaseMemory> {
        let part = |value| self.labelled("cpc_database_memory_bytes", "part", value);
        Some(DatabaseMemory {
            memtables: part("memtables")?,
            block_cache: part("block_cache")?,
            trie_cache: part("trie_cache")?,
            table_readers: part("table_readers").unwrap_or(0),
        })
    }

    /// What the memory allocator holds, in bytes: in use, and resident but unused
    /// (`cpc_allocator_bytes`).
    pub fn allocator_bytes(&self) -> Option<(u64, u64)> {
        let kind = |value| self.labelled("cpc_allocator_bytes", "kind", value);
        Some((kind("in_use")?, kind("free")?))
    }

    /// What the runtime's idle instance slots keep resident, in bytes
    /// (`cpc_executor_idle_instance_bytes`: memory the allocator's counters do not see).
    pub fn idle_instance_bytes(&self) -> Option<u64> {
        let samples = self.samples("cpc_executor_idle_instance_bytes ");
        samples.first().map(|(_, v)| *v)
    }
}

/// Transactions in a node's pool (ready and future), from its Prometheus endpoint on `port`.
pub fn pool_size(port: u16) -> Option<u64> {
    Scrape::of(port)?.pool_size()
}

/// What a node's database holds in memory, in bytes ([`Scrape::database_memory`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct DatabaseMemory {
    /// RocksDB's write buffers, all columns.
    pub memtables: u64,
    /// RocksDB's block cache.
    pub block_cache: u64,
    /// The state trie's node cache.
    pub trie_cache: u64,
    /// RocksDB's table readers, outside the block cache (0 from a node that does not report
    /// them).
    pub table_readers: u64,
}

/// Threads of process `pid` (`Threads:` in `/proc/<pid>/status`).
pub fn threads(pid: u32) -> Option<u64> {
    status_field(pid, "Threads:")
}

/// The RPC port of validator `i` of a testnet whose p2p ports start at `port_base`.
pub fn rpc_port(port_base: u16, i: usize) -> u16 {
    port_base + i as u16 + 1000
}

/// The Prometheus port of validator `i`.
pub fn prometheus_port(port_base: u16, i: usize) -> u16 {
    port_base + i as u16 + 2000
}

/// Makes validator `i`'s base path `base`: a node key (`base/node-key`) and the session key
/// `//V<i>` in its keystore; its peer id.
pub fn prepare_validator(cpchain: &Path, base: &Path, i: usize) -> Result<String, String> {
    std::fs::create_dir_all(base).map_err(|e| e.to_string())?;
    let peer = generate_node_key(cpchain, &base.join("node-key"))?;
    let status = Command::new(cpchain)
        .args(["key", "insert", "--suri", &format!("//V{i}"), "--base-path"])
        .arg(base)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("key insert failed".into());
    }
    Ok(peer)
}

/// Starts `validators` `cpchain --validator` processes of [`chain_spec`] on 127.0.0.1 in
/// `dir` (`v<i>/` each, logging to `v<i>.log`), p2p on `port_base + i`, RPC on
/// [`rpc_port`], Prometheus on [`prometheus_port`], with `extra` arguments.
pub fn start_validators(
    cpchain: &Path,
    validators: usize,
    period_ms: u64,
    port_base: u16,
    dir: &Path,
    extra: &[String],
) -> Result<Nodes, String> {
    let spec = dir.join("spec.json");
    std::fs::write(&spec, chain_spec(validators, period_ms).to_string())
        .map_err(|e| e.to_string())?;
    let mut nodes = Nodes(Vec::new());
    let mut boot = String::new();
    for i in 0..validators {
        let base = dir.join(format!("v{i}"));
        let key = base.join("node-key");
        let peer = prepare_validator(cpchain, &base, i)?;
        let port = port_base + i as u16;
        let log =
            std::fs::File::create(dir.join(format!("v{i}.log"))).map_err(|e| e.to_string())?;
        let mut command = Command::new(cpchain);
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
            .args(["--rpc-port", &rpc_port(port_base, i).to_string()])
            .args([
                "--prometheus-port",
                &prometheus_port(port_base, i).to_string(),
            ])
            .args(extra);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_reads_every_family_from_one_text() {
        let scrape = Scrape(
            "# HELP cpc_txpool_transactions Transactions in the pool.\n\
             cpc_txpool_transactions{queue=\"ready\"} 7\n\
             cpc_txpool_transactions{queue=\"future\"} 2\n\
             cpc_database_memory_bytes{part=\"memtables\"} 10\n\
             cpc_database_memory_bytes{part=\"block_cache\"} 20\n\
             cpc_database_memory_bytes{part=\"trie_cache\"} 30\n\
             cpc_allocator_bytes{kind=\"in_use\"} 40\n\
             cpc_allocator_bytes{kind=\"free\"} 50\n\
             # TYPE cpc_executor_idle_instance_bytes gauge\n\
             cpc_executor_idle_instances 3\n\
             cpc_executor_idle_instance_bytes 60\n"
                .to_string(),
        );
        assert_eq!(scrape.pool_size(), Some(9));
        let memory = scrape.database_memory().unwrap();
        assert_eq!(
            (memory.memtables, memory.block_cache, memory.trie_cache),
            (10, 20, 30)
        );
        // A node without the table readers' figure reports 0 for them.
        assert_eq!(memory.table_readers, 0);
        assert_eq!(scrape.allocator_bytes(), Some((40, 50)));
        assert_eq!(scrape.idle_instance_bytes(), Some(60));
        // Families a node does not export are absent, not zero.
        let empty = Scrape(String::new());
        assert_eq!(empty.pool_size(), None);
        assert!(empty.database_memory().is_none());
        assert_eq!(empty.idle_instance_bytes(), None);
    }
}
