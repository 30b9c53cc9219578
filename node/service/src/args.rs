//! The node's command-line options, in Substrate's conventions: what `cpchain` accepts when it
//! runs a node, and the options every command that opens a chain shares.

use clap::Args;
use std::path::PathBuf;

/// Options shared by the commands that open a chain.
#[derive(Debug, Args, Clone)]
pub struct SharedArgs {
    /// A development chain: `--chain dev`, authoring blocks, in a temporary directory unless
    /// `--base-path` is given.
    #[arg(long)]
    pub dev: bool,
    /// The chain: `dev`, `local`, or a chain spec file.
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<String>,
    /// Where the node keeps its data.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub base_path: Option<PathBuf>,
    /// Keep data in a temporary directory, removed when the node stops.
    #[arg(long)]
    pub tmp: bool,
    /// Log filter, like `info,runtime=debug` (also `RUST_LOG`).
    #[arg(long, short = 'l', value_name = "FILTER")]
    pub log: Option<String>,
}

/// Options of the running node.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Shared options.
    #[command(flatten)]
    pub shared: SharedArgs,
    /// The node's name, shown in logs.
    #[arg(long)]
    pub name: Option<String>,
    /// Author blocks (implied by `--dev`).
    #[arg(long)]
    pub validator: bool,
    /// The peer-to-peer port (listening on all interfaces unless `--listen-addr` is given).
    #[arg(long, default_value_t = 30333)]
    pub port: u16,
    /// Peer-to-peer addresses to listen on, instead of all interfaces at `--port`
    /// (e.g. `/ip4/127.0.0.1/tcp/30333`).
    #[arg(long = "listen-addr", value_name = "MULTIADDR")]
    pub listen_addr: Vec<String>,
    /// Peers to connect to at start: `/ip4/<ip>/tcp/<port>/p2p/<peer id>`.
    #[arg(long, value_name = "MULTIADDR", num_args = 1..)]
    pub bootnodes: Vec<String>,
    /// Do not look for peers on the local network (mDNS is on for development and local
    /// chains).
    #[arg(long)]
    pub no_mdns: bool,
    /// A trusted finalized block, `<number>=<hash>` (repeatable): blocks of another history at
    /// that number are refused (a weak-subjectivity checkpoint, added to the chain spec's).
    #[arg(long, value_name = "NUMBER=HASH")]
    pub checkpoint: Vec<String>,
    /// Most inbound peer connections (as Substrate's `--in-peers`).
    #[arg(long, default_value_t = 32)]
    pub in_peers: u32,
    /// Most outbound peer connections (as Substrate's `--out-peers`).
    #[arg(long, default_value_t = 8)]
    pub out_peers: u32,
    /// The file holding the node's ed25519 network key (32 bytes, hex); default
    /// `<base>/chains/<id>/network/secret_ed25519`, created on first start.
    #[arg(long, value_name = "PATH")]
    pub node_key_file: Option<PathBuf>,
    /// The JSON-RPC port (HTTP and WebSocket).
    #[arg(long, default_value_t = 9944)]
    pub rpc_port: u16,
    /// On a sidechain, how many blocks of IoT readings the node keeps indexed for
    /// `iot_readings` and `iot_readingProof` (their roots stay in state for ever).
    #[arg(long, value_name = "BLOCKS", default_value_t = cpc_client::readings_index::DEFAULT_RETENTION)]
    pub iot_retention: u32,
    /// Listen for RPC on all interfaces, not only loopback.
    #[arg(long)]
    pub rpc_external: bool,
    /// Which RPC methods to offer: `auto` (unsafe ones on loopback only), `safe` or `unsafe`.
    #[arg(long, default_value = "auto")]
    pub rpc_methods: String,
    /// Listen for RPC on all interfaces and offer unsafe methods there too under
    /// `--rpc-methods auto` (key rotation, dry runs, ...): only behind a firewall or proxy you
    /// control.
    #[arg(long)]
    pub unsafe_rpc_external: bool,
    /// Most RPC connections at once.
    #[arg(long, default_value_t = 100)]
    pub rpc_max_connections: u32,
    /// Browser origins allowed to call RPC: `all`, or a comma-separated list
    /// (`http://localhost:*` allows any port). Default: localhost and 127.0.0.1 on any port.
    #[arg(long, value_name = "ORIGINS")]
    pub rpc_cors: Option<String>,
    /// Largest RPC request, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 15)]
    pub rpc_max_request_size: u32,
    /// Largest RPC response, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 20)]
    pub rpc_max_response_size: u32,
    /// Most subscriptions one RPC connection may hold.
    #[arg(long, value_name = "COUNT", default_value_t = 1024)]
    pub rpc_max_subscriptions_per_connection: u32,
    /// Most calls in one RPC batch request.
    #[arg(long, value_name = "COUNT", default_value_t = 1000)]
    pub rpc_max_batch_request_len: u32,
    /// Calls per minute one RPC WebSocket connection may make (no limit by default).
    #[arg(long, value_name = "CALLS")]
    pub rpc_rate_limit: Option<std::num::NonZeroU32>,
    /// RPC calls (a batch counts as one) that run at once across every connection; the rest
    /// wait in line (default: twice the cores, at least 4).
    #[arg(long, value_name = "COUNT")]
    pub rpc_max_workers: Option<std::num::NonZeroUsize>,
    /// RPC calls one connection may have running or waiting for a worker; its further calls
    /// wait for its earlier ones.
    #[arg(long, value_name = "COUNT", default_value_t = 4)]
    pub rpc_max_calls_per_connection: usize,
    /// The Prometheus metrics port.
    #[arg(long, default_value_t = 9615)]
    pub prometheus_port: u16,
    /// Serve metrics on all interfaces.
    #[arg(long)]
    pub prometheus_external: bool,
    /// Do not serve metrics.
    #[arg(long)]
    pub no_prometheus: bool,
    /// State pruning: `archive`, or the number of finalized states to keep. Fixed when the
    /// database is created.
    #[arg(long, value_name = "MODE")]
    pub state_pruning: Option<String>,
    /// Size of the cache of state trie nodes in front of the database, in bytes (0 disables
    /// it).
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub trie_cache_size: usize,
    /// Size of the database's block cache, in bytes. With `--trie-cache-size` and
    /// `--signature-memory`, what bounds a node's memory beyond its code: smaller for a
    /// gateway on a small device, larger for a validator with a large state.
    #[arg(long, value_name = "BYTES", default_value_t = 128 * 1024 * 1024)]
    pub db_cache_size: usize,
    /// Memory the database's write buffers (memtables) of all columns may take together
    /// before the oldest is written to disk, in bytes; the write-ahead log is kept under twice
    /// this. Smaller on a small device, at the cost of more disk writes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024, value_parser = write_buffer_size)]
    pub db_write_buffer_size: usize,
    /// Skip reading every table file through its checksums at start. The check refuses a
    /// database damaged on disk before the node joins the network; it reads the whole database
    /// once, which a large one may not want at every restart (damage is still found when a
    /// damaged block is read: an error, never wrong data).
    #[arg(long)]
    pub skip_table_check: bool,
    /// How many valid signatures the node remembers, so that a transaction verified by the
    /// pool is not verified again when its block executes (about 100 bytes each; 0 disables).
    #[arg(long, value_name = "COUNT", default_value_t = 32_768)]
    pub signature_memory: usize,
    /// Threads a large batch of signatures is verified on (0: one per core, at most 8).
    #[arg(long, value_name = "COUNT", default_value_t = 0)]
    pub verify_threads: usize,
    /// Which runtime executes imported blocks: `wasm`, `native`, or `both` (compared).
    #[arg(long, default_value = "wasm")]
    pub execution: String,
    /// The longest a runtime call made for RPC (`state_call`, fee queries, ...) may run, and
    /// wait for a free slot, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 4_000)]
    pub rpc_call_timeout_ms: u64,
    /// Most runtime calls made for RPC that run at once; past it, calls wait (up to
    /// `--rpc-call-timeout-ms`) and then fail with "busy".
    #[arg(long, value_name = "COUNT", default_value_t = 8)]
    pub rpc_max_runtime_calls: u32,
    /// Most transactions in the pool (ready and future).
    #[arg(long, default_value_t = 8192)]
    pub pool_limit: usize,
    /// Most kilobytes of transactions in the pool.
    #[arg(long, default_value_t = 32 * 1024)]
    pub pool_kbytes: usize,
    /// Serve the web app (explorer) on this port; 0 picks a free one. `--dev` serves it on
    /// 9955 unless another port or `--no-ui` is given.
    #[arg(long, value_name = "PORT")]
    pub ui_port: Option<u16>,
    /// Serve the web app on all interfaces, not only loopback.
    #[arg(long)]
    pub ui_external: bool,
    /// A URL browsers reach the web app at other than 127.0.0.1 or localhost (with
    /// `--ui-external`, e.g. `http://node.example:9955`; repeat for several): its origin may
    /// call this node's RPC.
    #[arg(long, value_name = "URL")]
    pub ui_public_url: Vec<String>,
    /// Serve no web app, even with `--dev`.
    #[arg(long, conflicts_with = "ui_port")]
    pub no_ui: bool,
    /// Serve the data market's storage gateway (the proxy role) on this port; 0 picks a free
    /// one. `--dev` serves it on 8090 unless another port or `--no-gateway` is given.
    #[arg(long, value_name = "PORT")]
    pub gateway_port: Option<u16>,
    /// Serve no storage gateway, even with `--dev`.
    #[arg(long, conflicts_with = "gateway_port")]
    pub no_gateway: bool,
    /// Serve the gateway on all interfaces, not only loopback.
    #[arg(long)]
    pub gateway_external: bool,
    /// Where the gateway keeps blobs: `local`, `s3://BUCKET@ENDPOINT` (credentials from
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) or `ipfs://HOST:PORT`.
    #[arg(long, value_name = "STORE", default_value = "local")]
    pub gateway_store: String,
    /// A URL clients reach the gateway at, behind a proxy or a public name (repeat for
    /// several); logins signed for other addresses are refused. Loopback is always accepted.
    #[arg(long, value_name = "URL")]
    pub gateway_public_url: Vec<String>,
    /// An origin whose web pages may call the gateway from a browser (e.g.
    /// `https://market.example`; repeat for several; `all` for any). The node's own web app is
    /// always allowed.
    #[arg(long, value_name = "ORIGIN")]
    pub gateway_cors: Vec<String>,
    /// How long a gateway login lasts, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub gateway_token_ttl: u64,
    /// Largest blob the gateway accepts, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
    pub gateway_max_blob_size: u64,
    /// Most open gateway connections (default: 256, at most a quarter of the process's
    /// open-file limit).
    #[arg(long, value_name = "COUNT")]
    pub gateway_max_connections: Option<std::num::NonZeroUsize>,
    /// Most open gateway connections from one IP address.
    #[arg(long, value_name = "COUNT")]
    pub gateway_max_connections_per_ip: Option<std::num::NonZeroUsize>,
    /// Most bytes one seller's blobs may take on this gateway.
    #[arg(long, value_name = "BYTES", default_value_t = 32 << 30)]
    pub gateway_seller_quota: u64,
    /// Refuse uploads while the gateway's disk has less free space than this, in bytes (the
    /// node's database shares the disk).
    #[arg(long, value_name = "BYTES", default_value_t = 2 << 30)]
    pub gateway_min_free_space: u64,
}

/// The smallest `--db-write-buffer-size`: the store raises smaller budgets (RocksDB reads 0 as
/// none), so the option refuses them rather than silently changing them.
use cpc_db::MIN_WRITE_BUFFER_BYTES;

/// Parses `--db-write-buffer-size`, refusing budgets under [`MIN_WRITE_BUFFER_BYTES`].
fn write_buffer_size(value: &str) -> Result<usize, String> {
    let bytes: usize = value
        .parse()
        .map_err(|e| format!("not a number of bytes: {e}"))?;
    if bytes < MIN_WRITE_BUFFER_BYTES {
        return Err(format!(
            "{bytes} bytes is below the smallest write buffer, {MIN_WRITE_BUFFER_BYTES}"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_buffer_sizes_below_a_mebibyte_or_not_numbers_are_refused() {
        assert_eq!(write_buffer_size("1048576"), Ok(1024 * 1024));
        assert_eq!(write_buffer_size("67108864"), Ok(64 * 1024 * 1024));
        assert!(write_buffer_size("0").unwrap_err().contains("below"));
        assert!(write_buffer_size("1048575").unwrap_err().contains("below"));
        assert!(
            write_buffer_size("64MiB")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(write_buffer_size("-1").is_err());
    }
}
