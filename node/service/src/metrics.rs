//! Prometheus metrics on `/metrics`, in the OpenMetrics text format.
//!
//! Each value is exported under our name (`cpc_*`) and, where Substrate has one, under
//! Substrate's name too (`substrate_block_height{status="best"}`,
//! `substrate_sub_libp2p_peers_count`, `substrate_ready_transactions_number`,
//! `substrate_block_verification_and_import_time`, ...), so stock Substrate dashboards and
//! alerts work unchanged.
//!
//! Events the node counts as they happen (imports, authored blocks, LBFT rounds) are
//! `prometheus-client` metrics updated in place; values another part of the node already owns
//! (heights, peers, the pool, RPC calls) are read at scrape time by a collector, so they are
//! never stale and never kept twice. Served by a small hyper server.

use crate::pool::PoolApi;
use cpc_client::Client;
use cpc_txpool::Pool;
use cpc_webapp::{Limits, WebHandle};
use http_body_util::Full;
use hyper::{Method, Response, StatusCode, body::Bytes};
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeMetric},
    metrics::{
        MetricType,
        counter::{ConstCounter, Counter},
        gauge::{ConstGauge, Gauge},
        histogram::Histogram,
    },
    registry::Registry,
};
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// Upper bounds of the import-time histogram, in seconds.
const IMPORT_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// The node's metrics.
pub struct Metrics {
    registry: Registry,
    import_seconds: Histogram,
    substrate_import_seconds: Histogram,
    authored: Counter,
    /// The LBFT round of the height being decided.
    pub lbft_round: Gauge,
    /// LBFT rounds entered beyond round 0 (each one a timed-out round).
    pub lbft_round_changes: Counter,
    /// Blocks this node's LBFT engine finalized.
    pub lbft_finalized: Counter,
    /// Failed writes of the validator's vote state (its votes were withheld meanwhile).
    pub lbft_state_write_failures: Counter,
    peers: Arc<dyn Fn() -> usize + Send + Sync>,
}

/// Facts about the node that label its `substrate_build_info` and `substrate_node_roles`.
#[derive(Clone, Debug)]
pub struct NodeFacts {
    /// The node's name.
    pub name: String,
    /// The node's version.
    pub version: String,
    /// The chain's name.
    pub chain: String,
    /// Whether it authors and votes.
    pub authority: bool,
}

/// What the node already keeps elsewhere, read when scraped.
struct NodeState {
    client: Arc<Client>,
    pool: Arc<Pool<PoolApi>>,
    rpc_calls: Arc<AtomicU64>,
    peers: Arc<dyn Fn() -> usize + Send + Sync>,
    facts: NodeFacts,
    started: u64,
}

impl NodeState {
    /// Substrate's names for what the collector reports (see the module docs).
    fn encode_substrate(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        info: &cpc_client::ChainInfo,
        status: &cpc_txpool::PoolStatus,
    ) -> Result<(), std::fmt::Error> {
        let gauge_type = ConstGauge::new(0i64).metric_type();
        let mut heights = encoder.encode_descriptor(
            "substrate_block_height",
            "Block height info of the chain",
            None,
            gauge_type,
        )?;
        // Blocks are final on import under LBFT: every height is the same, and this node's
        // sync target is its own best block once it has caught up.
        for (label, height) in [
            ("best", info.best_number),
            ("finalized", info.finalized_number),
            ("sync_target", info.best_number),
        ] {
            ConstGauge::new(i64::from(height))
                .encode(heights.encode_family(&[("status", label)])?)?;
        }
        for (name, help, value) in [
            (
                "substrate_sub_libp2p_peers_count",
                "Number of connected peers",
                (self.peers)() as i64,
            ),
            (
                "substrate_ready_transactions_number",
                "Number of transactions in the ready queue",
                status.ready as i64,
            ),
            (
                "substrate_number_leaves",
                "Number of known chain leaves (aka forks)",
                1,
            ),
            (
                "substrate_node_roles",
                "The roles the node is running as (1 full, 4 authority)",
                if self.facts.authority { 4 } else { 1 },
            ),
            (
                "substrate_process_start_time_seconds",
                "Number of seconds between the UNIX epoch and the moment the process started",
                self.started as i64,
            ),
        ] {
            let value = ConstGauge::new(value);
            value.encode(encoder.encode_descriptor(name, help, None, value.metric_type())?)?;
        }
        let mut build = encoder.encode_descriptor(
            "substrate_build_info",
            "A metric with a constant '1' value labeled by name, version",
            None,
            gauge_type,
        )?;
        ConstGauge::new(1i64).encode(build.encode_family(&[
            ("name", self.facts.name.as_str()),
            ("version", self.facts.version.as_str()),
            ("chain", self.facts.chain.as_str()),
        ])?)?;
        Ok(())
    }
}

impl std::fmt::Debug for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeState")
    }
}

impl Collector for NodeState {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let info = self.client.info();
        let status = self.pool.status();
        let gauge = ConstGauge::new(0i64);
        let mut heights = encoder.encode_descriptor(
            "cpc_block_height",
            "Block height of the chain.",
            None,
            gauge.metric_type(),
        )?;
        for (label, height) in [
            ("best", info.best_number),
            ("finalized", info.finalized_number),
        ] {
            ConstGauge::new(i64::from(height))
                .encode(heights.encode_family(&[("status", label)])?)?;
        }
        let mut transactions = encoder.encode_descriptor(
            "cpc_txpool_transactions",
            "Transactions in the pool.",
            None,
            gauge.metric_type(),
        )?;
        for (label, count) in [("ready", status.ready), ("future", status.future)] {
            ConstGauge::new(count as i64)
                .encode(transactions.encode_family(&[("queue", label)])?)?;
        }
        for (name, help, value) in [
            ("cpc_peers", "Connected peers.", (self.peers)()),
            (
                "cpc_txpool_bytes",
                "Bytes of transactions in the pool.",
                status.bytes,
            ),
        ] {
            let value = ConstGauge::new(value as i64);
            value.encode(encoder.encode_descriptor(name, help, None, value.metric_type())?)?;
        }
        let memory = self.client.db().memory();
        encode_bytes_by(
            &mut encoder,
            "cpc_database_memory_bytes",
            "Memory the database holds: memtables, block cache, trie node cache, table readers.",
            "part",
            &[
                ("memtables", memory.memtables),
                ("block_cache", memory.block_cache),
                ("trie_cache", memory.trie_cache),
                ("table_readers", memory.table_readers),
            ],
        )?;
        if let Some(heap) = crate::memory::allocator_stats() {
            encode_bytes_by(
                &mut encoder,
                "cpc_allocator_bytes",
                "What the memory allocator (jemalloc) holds: in use, resident but unused, and its \
                 own bookkeeping.",
                "kind",
                &[
                    ("in_use", heap.in_use),
                    ("free", heap.free),
                    ("metadata", heap.metadata),
                ],
            )?;
        }
        let idle = self.client.executor().idle_instances();
        for (name, help, value) in [
            (
                "cpc_executor_idle_instances",
                "Runtime instance slots used before and free now, which keep their pages mapped.",
                u64::from(idle.slots),
            ),
            (
                "cpc_executor_idle_instance_bytes",
                "Bytes the runtime's idle instance slots keep resident (wasmtime's count).",
                idle.resident_bytes,
            ),
        ] {
            let value = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            value.encode(encoder.encode_descriptor(name, help, None, value.metric_type())?)?;
        }
        let calls = ConstCounter::new(self.rpc_calls.load(Ordering::Relaxed));
        calls.encode(encoder.encode_descriptor(
            "cpc_rpc_calls",
            "JSON-RPC calls served.",
            None,
            calls.metric_type(),
        )?)?;
        self.encode_substrate(&mut encoder, &info, &status)
    }
}

/// One gauge family of byte counts, a sample per `(label value, bytes)` under `label`.
fn encode_bytes_by(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    label: &str,
    parts: &[(&str, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (value, bytes) in parts {
        ConstGauge::new(i64::try_from(*bytes).unwrap_or(i64::MAX))
            .encode(family.encode_family(&[(label, *value)])?)?;
    }
    Ok(())
}

impl Metrics {
    /// The node's metrics over its client, pool, RPC call counter and peer count.
    pub fn new(
        client: Arc<Client>,
        pool: Arc<Pool<PoolApi>>,
        rpc_calls: Arc<AtomicU64>,
        peers: Arc<dyn Fn() -> usize + Send + Sync>,
        facts: NodeFacts,
    ) -> Self {
        let mut registry = Registry::default();
        let import_seconds = Histogram::new(IMPORT_BUCKETS);
        registry.register(
            "cpc_import_seconds",
            "Time to import a block.",
            import_seconds.clone(),
        );
        let substrate_import_seconds = Histogram::new(IMPORT_BUCKETS);
        registry.register(
            "substrate_block_verification_and_import_time",
            "Time taken to verify and import blocks",
            substrate_import_seconds.clone(),
        );
        let authored = Counter::default();
        registry.register(
            "cpc_authored_blocks",
            "Blocks authored by this node.",
            authored.clone(),
        );
        let lbft_round = Gauge::default();
        registry.register(
            "cpc_lbft_round",
            "The LBFT round of the height being decided.",
            lbft_round.clone(),
        );
        let lbft_round_changes = Counter::default();
        registry.register(
            "cpc_lbft_round_changes",
            "LBFT rounds that timed out.",
            lbft_round_changes.clone(),
        );
        let lbft_finalized = Counter::default();
        registry.register(
            "cpc_lbft_finalized",
            "Blocks finalized by this node's LBFT engine.",
            lbft_finalized.clone(),
        );
        let lbft_state_write_failures = Counter::default();
        registry.register(
            "cpc_lbft_state_write_failures",
            "Failed writes of the validator's vote state; its votes are withheld until one succeeds.",
            lbft_state_write_failures.clone(),
        );
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        registry.register_collector(Box::new(NodeState {
            client,
            pool,
            rpc_calls,
            peers: peers.clone(),
            facts,
            started,
        }));
        Self {
            registry,
            import_seconds,
            substrate_import_seconds,
            authored,
            lbft_round,
            lbft_round_changes,
            lbft_finalized,
            lbft_state_write_failures,
            peers,
        }
    }

    /// Connected peers.
    pub fn peers(&self) -> usize {
        (self.peers)()
    }

    /// Records a block import of `micros`.
    pub fn observe_import(&self, micros: u64) {
        let seconds = Duration::from_micros(micros).as_secs_f64();
        self.import_seconds.observe(seconds);
        self.substrate_import_seconds.observe(seconds);
    }

    /// Records an authored block.
    pub fn observe_authored(&self) {
        self.authored.inc();
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String does not fail; qed");
        out
    }
}

fn respond(render: &dyn Fn() -> String, method: &Method, path: &str) -> Response<Full<Bytes>> {
    let builder = Response::builder();
    let response = if *method == Method::GET && path == "/metrics" {
        builder
            .header(
                hyper::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
            .body(Full::new(Bytes::from(render())))
    } else {
        builder
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new()))
    };
    response.expect("a status, a static header and a body make a response; qed")
}

/// Most connections to the metrics endpoint open at once. A scraper needs one; past the bound
/// a new connection is closed at once, so no caller can fill the node's file descriptors (or
/// tasks) through this port.
pub const MAX_CONNECTIONS: usize = 16;

/// Serves `/metrics` at `addr` until the handle is dropped (the web app's bounded server:
/// [`MAX_CONNECTIONS`], each for at most a minute, a request head within 5 s).
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> std::io::Result<WebHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, move || metrics.render())
}

/// [`serve`] with any exposition text.
fn serve_on(
    listener: tokio::net::TcpListener,
    render: impl Fn() -> String + Send + Sync + 'static,
) -> std::io::Result<WebHandle> {
    let limits = Limits {
        total: MAX_CONNECTIONS,
        per_ip: MAX_CONNECTIONS,
    };
    cpc_webapp::serve_bounded(listener, limits, move |method, path| {
        respond(&render, method, path)
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_CONNECTIONS, serve_on};
    use std::time::Duration;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
    };

    async fn scrape(addr: std::net::SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Connections held open up to the bound leave no room for another, which is closed
    /// unanswered; one let go makes room again.
    #[tokio::test]
    async fn idle_connections_cannot_hold_more_than_the_bound() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = serve_on(listener, || "up 1\n".into()).unwrap();
        let addr = server.local_addr();
        assert!(scrape(addr).await.ends_with("up 1\n"));
        let mut held = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            // An answered request proves the connection holds a slot.
            stream
                .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
                .await
                .unwrap();
            let mut first = [0u8; 12];
            stream.read_exact(&mut first).await.unwrap();
            assert_eq!(&first, b"HTTP/1.1 200");
            held.push(stream);
        }
        let answer = tokio::time::timeout(Duration::from_secs(10), scrape(addr))
            .await
            .expect("closed, not left hanging");
        assert!(answer.is_empty(), "no answer past the bound: {answer}");
        drop(held.pop());
        for attempt in 0.. {
            if scrape(addr).await.ends_with("up 1\n") {
                break;
            }
            assert!(attempt < 100, "a slot came back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
