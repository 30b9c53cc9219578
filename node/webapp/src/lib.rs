//! The web app a node serves (`cpchain --dev` on 127.0.0.1:9955, others with `--ui-port`):
//! the explorer's page, stylesheet and ES modules from `app/`, built into the binary by
//! `build.rs`, plus `/config.json`, which tells the page where this node's JSON-RPC is. The
//! page then talks to the node's RPC over WebSocket like any other client; this server only
//! hands out files, so it holds no state and takes no input beyond a path.
//!
//! Hostile callers: only `GET` and `HEAD` of known paths are answered; connections are
//! bounded in number (in all and per address) and in lifetime, and a request's head must
//! arrive within [`HEADER_TIMEOUT`]. Responses carry a content security policy that lets the
//! page run only its own scripts and connect only to nodes, so that anything a node or an
//! account writes on chain, shown by the page, can never run as code.

use http_body_util::Full;
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header::{self, HeaderValue},
    service::service_fn,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{net::TcpListener, task::JoinHandle};

/// One file of the app.
#[derive(Debug)]
pub struct Asset {
    /// The path it is served at, e.g. `/js/app.js`.
    pub path: &'static str,
    /// Its `content-type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));
include!(concat!(env!("OUT_DIR"), "/crypto_wasm.rs"));

/// Where the page loads its cryptography ([`CRYPTO_WASM`], the `cpc-webapp-crypto` crate).
pub const CRYPTO_WASM_PATH: &str = "/crypto.wasm";

/// How long a client may take to send a request's head.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one connection may stay open; a browser opens another when it needs one.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

/// The page may run its own scripts only (and compile its own wasm), and connect to any node
/// (the RPC URL field).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss: http: https:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What the server needs to know.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The port of this node's JSON-RPC, which the page connects to on the host it was
    /// loaded from (`/config.json`).
    pub rpc_port: u16,
    /// The chain's name, for the page's first paint.
    pub chain: String,
    /// The port of this node's storage gateway, if it serves one (the market pages upload
    /// and download through it, on the host the page was loaded from).
    pub gateway_port: Option<u16>,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most connections open at once from one address (an IPv6 /64 counts as one).
    pub max_connections_per_ip: usize,
}

impl WebConfig {
    /// Defaults for a node whose RPC listens on `rpc_port`.
    pub fn new(rpc_port: u16, chain: impl Into<String>) -> Self {
        Self {
            rpc_port,
            chain: chain.into(),
            gateway_port: None,
            max_connections: 64,
            max_connections_per_ip: 16,
        }
    }
}

/// How many connections a server built on [`serve_bounded`] keeps open at once.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// In all.
    pub total: usize,
    /// From one address (an IPv6 /64 counts as one).
    pub per_ip: usize,
}

/// The file at `path`, `/` being `/index.html`.
pub fn asset(path: &str) -> Option<&'static Asset> {
    // `None` only in a build that skipped the wasm (`CPC_SKIP_WASM_BUILD`): then the wallet
    // says it is unavailable, and the explorer still works.
    static CRYPTO: Option<Asset> = match CRYPTO_WASM {
        Some(body) => Some(Asset {
            path: CRYPTO_WASM_PATH,
            content_type: "application/wasm",
            body,
        }),
        None => None,
    };
    let path = if path == "/" { "/index.html" } else { path };
    if path == CRYPTO_WASM_PATH {
        return CRYPTO.as_ref();
    }
    ASSETS.iter().find(|a| a.path == path)
}

/// The answer to `method path`: pure, so every route is tested without sockets.
pub fn respond(method: &Method, path: &str, config: &WebConfig) -> Response<Full<Bytes>> {
    let (status, content_type, body) = if *method != Method::GET && *method != Method::HEAD {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"only GET and HEAD\n"),
        )
    } else if path == "/config.json" {
        let config = serde_json::json!({
            "rpcPort": config.rpc_port,
            "chain": config.chain,
            "gatewayPort": config.gateway_port,
        });
        (
            StatusCode::OK,
            "application/json",
            Bytes::from(config.to_string()),
        )
    } else if let Some(asset) = asset(path) {
        (
            StatusCode::OK,
            asset.content_type,
            Bytes::from_static(asset.body),
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"not found\n"),
        )
    };
    let length = body.len();
    let body = if *method == Method::HEAD {
        Bytes::new()
    } else {
        body
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // A node upgraded in place serves new files at the same paths: always revalidate.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    response
}

/// The server, running until dropped.
#[derive(Debug)]
pub struct WebHandle {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl WebHandle {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for WebHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Open connections, in all and per address.
#[derive(Debug, Default)]
struct Connections {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
}

/// An address as far as limits go: an IPv6 /64 is one party.
fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A connection's place in [`Connections`], given back when it ends.
struct Slot {
    table: Arc<Mutex<Connections>>,
    key: IpAddr,
}

impl Slot {
    fn take(table: &Arc<Mutex<Connections>>, ip: IpAddr, limits: Limits) -> Option<Self> {
        let key = limit_key(ip);
        let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
        let here = t.by_ip.get(&key).copied().unwrap_or(0);
        if t.total >= limits.total || here >= limits.per_ip {
            return None;
        }
        t.total += 1;
        t.by_ip.insert(key, here + 1);
        Some(Self {
            table: table.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        t.total -= 1;
        if let Some(n) = t.by_ip.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                t.by_ip.remove(&self.key);
            }
        }
    }
}

/// Serves the app on `listener` until the handle is dropped.
pub fn serve(listener: TcpListener, config: WebConfig) -> std::io::Result<WebHandle> {
    let limits = Limits {
        total: config.max_connections,
        per_ip: config.max_connections_per_ip,
    };
    serve_bounded(listener, limits, move |method, path| {
        respond(method, path, &config)
    })
}

/// Serves `handler`'s answer to each request's method and path on `listener`, over HTTP/1,
/// until the handle is dropped: connections within `limits` (past them a new one is closed at
/// once), each for at most [`CONNECTION_LIFETIME`], a request head within [`HEADER_TIMEOUT`].
/// The node's other small HTTP endpoints (metrics) use it too.
pub fn serve_bounded<H>(
    listener: TcpListener,
    limits: Limits,
    handler: H,
) -> std::io::Result<WebHandle>
where
    H: Fn(&Method, &str) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    let addr = listener.local_addr()?;
    let handler = Arc::new(handler);
    let table = Arc::new(Mutex::new(Connections::default()));
    let task = tokio::spawn(async move {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    log::debug!(target: "webapp", "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Over a limit: the connection is closed at once, costing nothing more.
            let Some(slot) = Slot::take(&table, peer.ip(), limits) else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let service = service_fn(move |request: Request<Incoming>| {
                    let response = handler(request.method(), request.uri().path());
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service);
                let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            });
        }
    });
    Ok(WebHandle { addr, task })
}

#[cfg(test)]
mod tests;
