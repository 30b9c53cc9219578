//! Prometheus metrics on `/metrics`, in the text exposition format, from a small HTTP server.

use crate::service::PoolApi;
use cpc_client::Client;
use cpc_txpool::Pool;
use std::{
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Upper bounds of the import-time histogram, in seconds.
const BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
/// Bounds in microseconds (integers: no floating point in the counters).
const BUCKETS_MICROS: [u64; 8] = [
    1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000,
];

/// The node's counters.
pub struct Metrics {
    rpc_calls: Arc<AtomicU64>,
    imported: AtomicU64,
    import_micros_sum: AtomicU64,
    import_buckets: [AtomicU64; 8],
    authored: AtomicU64,
    authoring_micros_sum: AtomicU64,
    /// Connected peers, read from the network.
    peers: Arc<dyn Fn() -> usize + Send + Sync>,
    /// The LBFT round this node is in.
    pub lbft_round: AtomicU64,
    /// LBFT rounds entered beyond round 0 (each one a timed-out round).
    pub lbft_round_changes: AtomicU64,
    /// Blocks this node's LBFT engine finalized.
    pub lbft_finalized: AtomicU64,
}

impl Metrics {
    /// Counters, sharing the RPC call counter.
    pub fn new(rpc_calls: Arc<AtomicU64>, peers: Arc<dyn Fn() -> usize + Send + Sync>) -> Self {
        Self {
            peers,
            lbft_round: AtomicU64::new(0),
            lbft_round_changes: AtomicU64::new(0),
            lbft_finalized: AtomicU64::new(0),
            rpc_calls,
            imported: AtomicU64::new(0),
            import_micros_sum: AtomicU64::new(0),
            import_buckets: Default::default(),
            authored: AtomicU64::new(0),
            authoring_micros_sum: AtomicU64::new(0),
        }
    }

    /// Connected peers.
    pub fn peers(&self) -> usize {
        (self.peers)()
    }

    /// Records a block import of `micros`.
    pub fn observe_import(&self, micros: u64) {
        self.imported.fetch_add(1, Ordering::Relaxed);
        self.import_micros_sum.fetch_add(micros, Ordering::Relaxed);
        for (bucket, bound) in self.import_buckets.iter().zip(BUCKETS_MICROS) {
            if micros <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records an authored block.
    pub fn observe_authored(&self, took: Duration) {
        self.authored.fetch_add(1, Ordering::Relaxed);
        self.authoring_micros_sum
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, client: &Client, pool: &Pool<PoolApi>) -> String {
        let info = client.info();
        let status = pool.status();
        let mut out = String::new();
        let _ = writeln!(out, "# HELP cpc_block_height Block height of the chain.");
        let _ = writeln!(out, "# TYPE cpc_block_height gauge");
        let _ = writeln!(
            out,
            "cpc_block_height{{status=\"best\"}} {}",
            info.best_number
        );
        let _ = writeln!(
            out,
            "cpc_block_height{{status=\"finalized\"}} {}",
            info.finalized_number
        );
        let _ = writeln!(out, "# HELP cpc_peers Connected peers.");
        let _ = writeln!(out, "# TYPE cpc_peers gauge");
        let _ = writeln!(out, "cpc_peers {}", self.peers());
        for (name, help, kind, value) in [
            (
                "cpc_lbft_round",
                "The LBFT round of the height being decided.",
                "gauge",
                &self.lbft_round,
            ),
            (
                "cpc_lbft_round_changes_total",
                "LBFT rounds that timed out.",
                "counter",
                &self.lbft_round_changes,
            ),
            (
                "cpc_lbft_finalized_total",
                "Blocks finalized by this node's LBFT engine.",
                "counter",
                &self.lbft_finalized,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        let _ = writeln!(out, "# HELP cpc_import_seconds Time to import a block.");
        let _ = writeln!(out, "# TYPE cpc_import_seconds histogram");
        for (bucket, bound) in self.import_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "cpc_import_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.imported.load(Ordering::Relaxed);
        let _ = writeln!(out, "cpc_import_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.import_micros_sum.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "cpc_import_seconds_sum {}.{:06}",
            sum / 1_000_000,
            sum % 1_000_000
        );
        let _ = writeln!(out, "cpc_import_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP cpc_authored_blocks_total Blocks authored by this node."
        );
        let _ = writeln!(out, "# TYPE cpc_authored_blocks_total counter");
        let _ = writeln!(
            out,
            "cpc_authored_blocks_total {}",
            self.authored.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP cpc_txpool_transactions Transactions in the pool."
        );
        let _ = writeln!(out, "# TYPE cpc_txpool_transactions gauge");
        let _ = writeln!(
            out,
            "cpc_txpool_transactions{{queue=\"ready\"}} {}",
            status.ready
        );
        let _ = writeln!(
            out,
            "cpc_txpool_transactions{{queue=\"future\"}} {}",
            status.future
        );
        let _ = writeln!(
            out,
            "# HELP cpc_txpool_bytes Bytes of transactions in the pool."
        );
        let _ = writeln!(out, "# TYPE cpc_txpool_bytes gauge");
        let _ = writeln!(out, "cpc_txpool_bytes {}", status.bytes);
        let _ = writeln!(out, "# HELP cpc_rpc_calls_total JSON-RPC calls served.");
        let _ = writeln!(out, "# TYPE cpc_rpc_calls_total counter");
        let _ = writeln!(
            out,
            "cpc_rpc_calls_total {}",
            self.rpc_calls.load(Ordering::Relaxed)
        );
        out
    }
}

/// Serves `/metrics` at `addr`; returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    client: Arc<Client>,
    pool: Arc<Pool<PoolApi>>,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let (metrics, client, pool) = (metrics.clone(), client.clone(), pool.clone());
            tokio::spawn(async move {
                // A request may arrive in pieces: read up to the end of its head (bounded in
                // size and time), or a partial first line would be answered with a 404.
                let mut request = vec![0u8; 8 * 1024];
                let mut n = 0;
                let read_head = async {
                    while n < request.len() && !request[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut request[n..]).await {
                            Ok(0) | Err(_) => break,
                            Ok(read) => n += read,
                        }
                    }
                };
                if tokio::time::timeout(Duration::from_secs(5), read_head)
                    .await
                    .is_err()
                    || n == 0
                {
                    return;
                }
                let line = String::from_utf8_lossy(&request[..n]);
                let response = if line.starts_with("GET /metrics ")
                    || line.starts_with("GET /metrics?")
                {
                    let body = metrics.render(&client, &pool);
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                };
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(bound)
}
