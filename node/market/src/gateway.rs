//! The storage gateway: HTTP on its own port, served by a node in the proxy role.
//!
//! ```text
//! POST /auth/challenge          {"account"}                    -> {"nonce", "expiresInMs"}
//! POST /auth/login              {"account","nonce","signature"} -> {"token", "expiresInMs"}
//! PUT  /products/{id}/blob      the encrypted blob (the product's seller)    -> {"hash","size"}
//! GET  /products/{id}/blob      the encrypted blob (a buyer whose order is Delivered,
//!                               Completed, or Resolved with the buyer paying; or the seller)
//! PUT  /products/{id}/keys/{a}  the content key sealed to account a (the seller)
//! GET  /products/{id}/keys/{a}  that sealed key (account a only)
//! GET  /health
//! ```
//!
//! Login is challenge-response: the gateway hands out a random single-use nonce for an
//! account, valid for a minute; the account signs [`login_payload`] (the chain's genesis hash,
//! the gateway's address as the client dialled it, and the nonce) with its sr25519 key and gets
//! a bearer token that expires. The address binds the signature to this gateway: the gateway
//! accepts only its own configured addresses ([`GatewayConfig::audiences`]), never one taken
//! from the request, so a gateway that relays another's challenge to its own visitors gets
//! signatures over its own address, which the other refuses. Buyers name the order they download with (`?order=ID`). Every request
//! after login is checked against chain state through [`MarketView`] (the node reads its
//! finalized state): who sells a product, who holds which order. Refusals are 401 (no, bad or
//! expired token; failed login) or 403 (a valid account without the right), and carry no data.
//!
//! Blobs are streamed to a staging file while hashed, checked to start with an encrypted-blob
//! header, bounded in size, then handed to the [`BlobStore`] under their sha2-256.
//!
//! Web pages (the node's own web app) call the gateway from another origin: a request from an
//! origin in [`GatewayConfig::cors_origins`] gets CORS headers, and its preflight (`OPTIONS`)
//! an answer; any other origin's preflight is refused, so a browser never sends its request.
//! CORS only governs browsers: every request is still authenticated as above.

use crate::{
    crypto,
    http::{self, Body},
    store::{BlobHash, BlobStore},
};
use cpc_crypto::sr25519::Pair;
use cpc_data_market_primitives::{Order, OrderId, OrderStatus, Product, ProductId, Ruling};
use cpc_primitives::{
    AccountId, H256,
    sr25519::{Public, Signature},
};
use http_body_util::BodyExt;
use hyper::{Method, Request, Response, StatusCode, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde_json::{Value, json};
use sha2::Digest;
use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::io::AsyncWriteExt;

/// How long a login challenge is valid.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(60);
/// Most outstanding challenges (the oldest expired ones are dropped first).
pub const MAX_CHALLENGES: usize = 4096;
/// Most live tokens of one account: a new login past it ends the account's oldest session, so
/// no account can fill the token table.
pub const MAX_TOKENS_PER_ACCOUNT: usize = 8;
/// Most live tokens.
pub const MAX_TOKENS: usize = 65_536;
/// Largest JSON request body.
pub const MAX_JSON_BYTES: usize = 4096;
/// Largest sealed key stored for a product.
pub const MAX_SEALED_KEY_BYTES: usize = 256;

/// What the gateway reads from the chain (blocking calls: the gateway runs them off the
/// async threads).
pub trait MarketView: Send + Sync + 'static {
    /// The chain's genesis hash (logins are bound to it).
    fn genesis_hash(&self) -> H256;
    /// Product `id`.
    fn product(&self, id: ProductId) -> Result<Option<Product>, String>;
    /// Order `id`.
    fn order(&self, id: OrderId) -> Result<Option<Order>, String>;
    /// How order `id`'s dispute was ruled, if it was.
    fn ruling(&self, id: OrderId) -> Result<Option<Ruling>, String>;
}

/// What the account signs to log in: the genesis hash, the gateway's address
/// (`scheme://host[:port]` as the client dialled it) and the nonce, SCALE-encoded with a
/// domain tag, so a login signature is useless on another chain, at another gateway (or the
/// same host under another scheme), or as a transaction.
pub fn login_payload(genesis: &H256, audience: &str, nonce: &[u8; 32]) -> Vec<u8> {
    cpc_market_crypto::login_payload(&genesis.0, audience, nonce)
}

/// The address a login signs for the gateway at `url`: the scheme (`http` or `https`), the
/// lowercase host, and `:port` unless it is the scheme's default; `None` if `url` has no host
/// or another scheme. A login made over plain HTTP is thus never valid at the same host's
/// HTTPS address, nor the reverse.
pub fn audience_of(url: &str) -> Option<String> {
    let uri: hyper::Uri = url.trim_end_matches('/').parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let host = uri.host()?.to_ascii_lowercase();
    Some(match uri.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// The addresses a gateway bound to `addr` accepts logins for, and those a product's location
/// must name for it to store the product's content: the configured public addresses, and its
/// loopback addresses only when `loopback` (a local gateway) and it listens on loopback alone.
/// A public gateway accepting `http://localhost:PORT` would take logins signed for any other
/// gateway on that port that a user reached through localhost (a tunnel, a local proxy), and
/// store for every product naming `localhost`; a gateway behind a reverse proxy on the same
/// host listens on loopback, so only its operator can say it is public.
pub fn own_audiences(configured: &[String], addr: SocketAddr, loopback: bool) -> Vec<String> {
    let mut audiences = configured.to_vec();
    if loopback && addr.ip().is_loopback() {
        for local in ["127.0.0.1", "localhost"] {
            audiences.push(format!("http://{local}:{}", addr.port()));
        }
    }
    audiences
}

/// Signs a login challenge for the gateway at `audience`.
pub fn sign_login(pair: &Pair, genesis: &H256, audience: &str, nonce: &[u8; 32]) -> Signature {
    pair.sign(&login_payload(genesis, audience, nonce))
}

/// Settings.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where the gateway keeps its index, sealed keys and staging files.
    pub data_dir: PathBuf,
    /// How long a token is valid.
    pub token_ttl: Duration,
    /// Largest blob accepted.
    pub max_blob_bytes: u64,
    /// The addresses clients reach this gateway at (`host[:port]`, see [`audience_of`]);
    /// logins must sign one of them.
    pub audiences: Vec<String>,
    /// Whether the loopback addresses of the bound port count too (while it listens on
    /// loopback alone): a local gateway. The node sets it when no public URL is configured.
    pub loopback_audiences: bool,
    /// Bounds on connections.
    pub connections: ConnectionLimits,
    /// Bounds on disk use.
    pub disk: DiskLimits,
    /// Origins of web pages allowed to call the gateway from a browser (`scheme://host[:port]`
    /// as browsers send them, or `*` for any); the node adds its web app's own.
    pub cors_origins: Vec<String>,
}

/// How long a browser may cache a preflight answer, in seconds.
const CORS_MAX_AGE: &str = "600";

/// Whether `origin` (a request's `Origin` header) may call the gateway from a browser.
pub fn cors_allows(allowed: &[String], origin: &str) -> bool {
    allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
}

/// The answer to a preflight request from `origin`: allowed, it names what the gateway's
/// routes use (the bearer token, JSON bodies, blob uploads); refused, 403.
fn preflight(origin: Option<&str>) -> Response<Body> {
    let Some(origin) = origin else {
        return json_reply(
            StatusCode::FORBIDDEN,
            json!({ "error": "this origin may not call the gateway from a browser" }),
        );
    };
    let mut response = Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("access-control-allow-methods", "GET, POST, PUT")
        .header(
            "access-control-allow-headers",
            "authorization, content-type",
        )
        .header("access-control-max-age", CORS_MAX_AGE)
        .body(http::full(Vec::new()))
        .expect("static headers are valid; qed");
    add_cors_headers(&mut response, origin);
    response
}

/// The headers that let a page at the allowed `origin` read a response, including the blob
/// hash a download carries.
fn add_cors_headers(response: &mut Response<Body>, origin: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = hyper::header::HeaderValue::from_str(origin) {
        headers.insert("access-control-allow-origin", value);
    }
    headers.append(
        hyper::header::VARY,
        hyper::header::HeaderValue::from_static("origin"),
    );
    headers.insert(
        "access-control-expose-headers",
        hyper::header::HeaderValue::from_static("x-cpc-blob-hash, content-length"),
    );
}

/// Bounds on the gateway's disk, which RocksDB shares.
#[derive(Clone, Copy, Debug)]
pub struct DiskLimits {
    /// Most bytes one seller's blobs may take on this gateway; a blob replaced by a new
    /// upload stops counting (and is deleted once no product refers to it).
    pub per_seller: u64,
    /// Uploads are refused (503) while the disk holding the gateway's data has less free space
    /// than this.
    pub min_free: u64,
}

impl Default for DiskLimits {
    fn default() -> Self {
        Self {
            per_seller: 32 << 30,
            min_free: 2 << 30,
        }
    }
}

/// How often (in bytes received) an upload checks the free-space floor again.
const FREE_SPACE_CHECK_EVERY: u64 = 64 << 20;

/// Bytes stored per seller, and how many products refer to each blob, from the index.
#[derive(Default)]
struct Ledger {
    used: HashMap<AccountId, u64>,
    refs: HashMap<BlobHash, u32>,
}

/// Bytes an upload in progress has charged to its seller; given back on drop unless kept.
struct Charge<'a> {
    state: &'a State,
    seller: AccountId,
    allowance: u64,
    bytes: u64,
}

impl Charge<'_> {
    fn add(&mut self, bytes: u64) -> Result<(), Refusal> {
        let mut ledger = self.state.ledger.lock();
        let used = ledger.used.entry(self.seller).or_default();
        if used.saturating_add(bytes) > self.allowance {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "this seller's blobs on this gateway are limited to {} bytes",
                    self.state.config.disk.per_seller
                ),
            ));
        }
        *used += bytes;
        self.bytes += bytes;
        Ok(())
    }

    /// Keeps the charge: the blob is stored.
    fn keep(mut self) {
        self.bytes = 0;
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        if self.bytes > 0
            && let Some(used) = self.state.ledger.lock().used.get_mut(&self.seller)
        {
            *used = used.saturating_sub(self.bytes);
        }
    }
}

/// Free bytes on the file system holding `path`, for an unprivileged writer.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: `statvfs` writes only the struct it is given, which outlives the call, and
        // reads a NUL-terminated path.
        let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
            return None;
        }
        // Both are narrower than u64 on some targets.
        #[allow(clippy::unnecessary_cast)]
        Some((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Refuses with 503 while the data directory's disk has less than the floor plus `needed`.
fn check_free_space(state: &State, needed: u64) -> Result<(), Refusal> {
    match free_bytes(&state.config.data_dir) {
        Some(free) if free < state.config.disk.min_free.saturating_add(needed) => {
            Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the gateway is low on disk space; try again later",
            ))
        }
        _ => Ok(()),
    }
}

/// An index record: the blob's hash and length, and the seller it is charged to (absent in
/// records written before quotas).
fn parse_record(record: &str) -> Option<(BlobHash, u64, Option<AccountId>)> {
    let mut fields = record.split(' ');
    let hash = parse_hex32(fields.next()?)?;
    let len = fields.next()?.trim().parse().ok()?;
    let seller = fields
        .next()
        .and_then(|s| parse_hex32(s.trim()))
        .map(AccountId::new);
    Some((hash, len, seller))
}

/// The ledger of the index in `dir`.
async fn read_ledger(dir: &std::path::Path) -> std::io::Result<Ledger> {
    let mut ledger = Ledger::default();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        if entry.path().extension().is_some() {
            continue; // a `.partial` record being written
        }
        let Ok(record) = tokio::fs::read_to_string(entry.path()).await else {
            continue;
        };
        if let Some((hash, len, seller)) = parse_record(&record) {
            *ledger.refs.entry(hash).or_default() += 1;
            if let Some(seller) = seller {
                *ledger.used.entry(seller).or_default() += len;
            }
        }
    }
    Ok(ledger)
}

/// Bounds on the gateway's connections: file descriptors are shared with RocksDB, RPC and
/// p2p, so no client may hold many, and none may hold one without using it.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Most open connections; past it the gateway stops accepting until one closes.
    pub max: usize,
    /// Most open connections from one IP address (an IPv6 /64 counts as one); past it new
    /// ones are closed at once.
    pub per_ip: usize,
    /// A request's headers must arrive within this time.
    pub header_timeout: Duration,
    /// A connection on which no byte moves for this long is closed (idle keep-alive, a
    /// stalled upload or download).
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max: 256,
            per_ip: 16,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

impl ConnectionLimits {
    /// The defaults, with `max` at most a quarter of `fd_limit` (the process's open-file
    /// limit), so the gateway alone can never exhaust the descriptors.
    pub fn for_fd_limit(fd_limit: u64) -> Self {
        let default = Self::default();
        let quarter = usize::try_from(fd_limit / 4).unwrap_or(usize::MAX).max(8);
        Self {
            max: default.max.min(quarter),
            per_ip: default.per_ip.min(quarter),
            ..default
        }
    }
}

struct State {
    view: Arc<dyn MarketView>,
    store: Box<dyn BlobStore>,
    config: GatewayConfig,
    challenges: Mutex<HashMap<[u8; 32], (AccountId, Instant)>>,
    tokens: Mutex<HashMap<[u8; 32], (AccountId, Instant)>>,
    ledger: Mutex<Ledger>,
    /// The audiences a product's location must name for this gateway to store it.
    stores_for: Vec<String>,
    /// Products with an upload in progress: one at a time each, so the blob an upload
    /// replaces is the one it read.
    uploading: Mutex<std::collections::HashSet<ProductId>>,
}

/// A product's upload in progress, ended on drop.
struct Uploading<'a>(&'a State, ProductId);

impl Drop for Uploading<'_> {
    fn drop(&mut self) {
        self.0.uploading.lock().remove(&self.1);
    }
}

/// A running gateway; dropping it stops it.
pub struct GatewayHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GatewayHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A gateway error as an HTTP status and a message.
struct Refusal(StatusCode, String);

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(status, message.into())
    }
}

type Reply = Result<Response<Body>, Refusal>;

fn json_reply(status: StatusCode, value: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(http::full(value.to_string()))
        .expect("static headers are valid; qed")
}

fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()?;
    bytes.try_into().ok()
}

/// Starts the gateway.
pub async fn serve(
    config: GatewayConfig,
    view: Arc<dyn MarketView>,
    store: Box<dyn BlobStore>,
) -> Result<GatewayHandle, std::io::Error> {
    for dir in ["index", "keys", "staging"] {
        tokio::fs::create_dir_all(config.data_dir.join(dir)).await?;
    }
    // Uploads a crash cut short.
    let mut staged = tokio::fs::read_dir(config.data_dir.join("staging")).await?;
    while let Some(entry) = staged.next_entry().await? {
        let _ = tokio::fs::remove_file(entry.path()).await;
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let mut config = config;
    config.audiences = own_audiences(&config.audiences, addr, config.loopback_audiences);
    let stores_for = config.audiences.clone();
    let ledger = read_ledger(&config.data_dir.join("index")).await?;
    log::info!(target: "market", "Storage gateway on http://{addr} ({})", store.describe());
    let state = Arc::new(State {
        view,
        store,
        config,
        challenges: Mutex::new(HashMap::new()),
        tokens: Mutex::new(HashMap::new()),
        ledger: Mutex::new(ledger),
        stores_for,
        uploading: Mutex::new(std::collections::HashSet::new()),
    });
    let task = tokio::spawn(accept_loop(listener, state));
    Ok(GatewayHandle { addr, task })
}

/// Accepts connections within [`ConnectionLimits`]: waits for a free slot before accepting
/// (the kernel's backlog holds the rest), closes a connection from an address that already
/// holds its share, and backs off when accepting fails (out of file descriptors) instead of
/// spinning.
async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>) {
    let limits = state.config.connections;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max.max(1)));
    let per_ip: Arc<Mutex<HashMap<std::net::IpAddr, usize>>> = Arc::default();
    let mut backoff = Duration::from_millis(10);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => {
                backoff = Duration::from_millis(10);
                accepted
            }
            Err(e) => {
                log::warn!(target: "market", "gateway: cannot accept a connection ({e}); retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        // One IPv6 client usually holds a whole /64: count it as one address.
        let ip = match peer.ip() {
            std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            ip => ip,
        };
        {
            let mut counts = per_ip.lock();
            let count = counts.entry(ip).or_default();
            if *count >= limits.per_ip {
                log::debug!(target: "market", "gateway: {ip} holds {count} connections; closing a new one");
                continue;
            }
            *count += 1;
        }
        let (state, per_ip) = (state.clone(), per_ip.clone());
        tokio::spawn(async move {
            serve_connection(state, stream, limits).await;
            let mut counts = per_ip.lock();
            if let Some(count) = counts.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(&ip);
                }
            }
            drop(slot);
        });
    }
}

async fn serve_connection(
    state: Arc<State>,
    stream: tokio::net::TcpStream,
    limits: ConnectionLimits,
) {
    let stream = http::IdleTimeout::new(stream, limits.idle_timeout);
    let pause = stream.pause_handle();
    let service = service_fn(move |mut request: Request<Incoming>| {
        let state = state.clone();
        request.extensions_mut().insert(pause.clone());
        // Only an origin the configuration names is echoed back.
        let origin = request
            .headers()
            .get(hyper::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|o| cors_allows(&state.config.cors_origins, o))
            .map(str::to_owned);
        async move {
            if request.method() == Method::OPTIONS {
                return Ok::<_, std::convert::Infallible>(preflight(origin.as_deref()));
            }
            let mut response = match handle(&state, request).await {
                Ok(response) => response,
                Err(Refusal(status, message)) => json_reply(status, json!({ "error": message })),
            };
            if let Some(origin) = &origin {
                add_cors_headers(&mut response, origin);
            }
            Ok(response)
        }
    });
    // HTTP/1 only: HTTP/2 would multiplex many transfers over one connection, past the
    // connection bounds, and its pings would keep an idle connection alive.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(state: &State, request: Request<Incoming>) -> Reply {
    let path: Vec<String> = request
        .uri()
        .path()
        .trim_matches('/')
        .split('/')
        .map(String::from)
        .collect();
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (request.method().clone(), path.as_slice()) {
        (Method::GET, ["health"]) => Ok(json_reply(StatusCode::OK, json!({ "ok": true }))),
        (Method::POST, ["auth", "challenge"]) => challenge(state, request).await,
        (Method::POST, ["auth", "login"]) => login(state, request).await,
        (Method::PUT, ["products", id, "blob"]) => {
            let id = product_id(id)?;
            upload(state, id, request).await
        }
        (Method::GET, ["products", id, "blob"]) => {
            let id = product_id(id)?;
            let order = request
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("order=")))
                .map(|o| {
                    o.parse::<OrderId>()
                        .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "invalid order id"))
                })
                .transpose()?;
            download(state, id, order, &request).await
        }
        (Method::PUT, ["products", id, "keys", account]) => {
            let (id, account) = (product_id(id)?, parse_account(account)?);
            put_key(state, id, account, request).await
        }
        (Method::GET, ["products", id, "keys", account]) => {
            let (id, account) = (product_id(id)?, parse_account(account)?);
            get_key(state, id, account, &request).await
        }
        _ => Err(Refusal::new(StatusCode::NOT_FOUND, "no such endpoint")),
    }
}

fn product_id(s: &str) -> Result<ProductId, Refusal> {
    s.parse()
        .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "invalid product id"))
}

fn parse_account(s: &str) -> Result<AccountId, Refusal> {
    s.parse()
        .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "invalid account"))
}

async fn json_body(request: Request<Incoming>) -> Result<Value, Refusal> {
    let body = http::read_limited(request.into_body(), MAX_JSON_BYTES)
        .await
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    serde_json::from_slice(&body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")))
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a str, Refusal> {
    value[name]
        .as_str()
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, format!("missing field {name}")))
}

async fn challenge(state: &State, request: Request<Incoming>) -> Reply {
    let body = json_body(request).await?;
    let account = parse_account(field(&body, "account")?)?;
    let nonce = random32();
    let now = Instant::now();
    {
        let mut challenges = state.challenges.lock();
        if challenges.len() >= MAX_CHALLENGES {
            challenges.retain(|_, (_, expires)| *expires > now);
        }
        if challenges.len() >= MAX_CHALLENGES {
            return Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many pending logins; try again shortly",
            ));
        }
        challenges.insert(nonce, (account, now + CHALLENGE_TTL));
    }
    Ok(json_reply(
        StatusCode::OK,
        json!({ "nonce": hex::encode(nonce), "expiresInMs": CHALLENGE_TTL.as_millis() as u64 }),
    ))
}

async fn login(state: &State, request: Request<Incoming>) -> Reply {
    let unauthorized = |m: &str| Refusal::new(StatusCode::UNAUTHORIZED, m);
    let body = json_body(request).await?;
    // The address the client signed for, checked against this gateway's own.
    let audience = field(&body, "audience")?.to_ascii_lowercase();
    if !state.config.audiences.contains(&audience) {
        return Err(unauthorized("the login was signed for another gateway"));
    }
    let account = parse_account(field(&body, "account")?)?;
    let nonce = parse_hex32(field(&body, "nonce")?)
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "invalid nonce"))?;
    let signature = hex::decode(field(&body, "signature")?.trim_start_matches("0x"))
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "invalid signature encoding"))?;
    // A nonce is spent by any attempt, so a failed signature cannot be retried against it.
    let challenge = state.challenges.lock().remove(&nonce);
    let now = Instant::now();
    match challenge {
        Some((owner, expires)) if owner == account && expires > now => {}
        Some((owner, _)) if owner != account => {
            return Err(unauthorized("the challenge was issued to another account"));
        }
        Some(_) => return Err(unauthorized("the challenge expired")),
        None => return Err(unauthorized("unknown or used challenge")),
    }
    let public = Public(account.0);
    let payload = login_payload(&state.view.genesis_hash(), &audience, &nonce);
    if !cpc_crypto::sr25519::verify(&Signature(signature), &payload, &public) {
        return Err(unauthorized("the signature does not verify"));
    }
    let token = random32();
    let ttl = state.config.token_ttl;
    {
        let mut tokens = state.tokens.lock();
        if tokens.len() >= MAX_TOKENS {
            tokens.retain(|_, (_, expires)| *expires > now);
        }
        // The account's own sessions, oldest first (tokens expire in the order they were
        // issued: one TTL for all).
        let mut own: Vec<([u8; 32], Instant)> = tokens
            .iter()
            .filter(|(_, (holder, _))| *holder == account)
            .map(|(token, (_, expires))| (*token, *expires))
            .collect();
        if own.len() >= MAX_TOKENS_PER_ACCOUNT {
            own.sort_by_key(|(_, expires)| *expires);
            for (token, _) in &own[..=own.len() - MAX_TOKENS_PER_ACCOUNT] {
                tokens.remove(token);
            }
        }
        if tokens.len() >= MAX_TOKENS {
            return Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many sessions; try again later",
            ));
        }
        tokens.insert(token, (account, now + ttl));
    }
    Ok(json_reply(
        StatusCode::OK,
        json!({ "token": hex::encode(token), "expiresInMs": ttl.as_millis() as u64 }),
    ))
}

/// The account of the request's bearer token.
fn authenticate<B>(state: &State, request: &Request<B>) -> Result<AccountId, Refusal> {
    let unauthorized = |m: &str| Refusal::new(StatusCode::UNAUTHORIZED, m);
    let header = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("log in first: no bearer token"))?;
    let token = header
        .strip_prefix("Bearer ")
        .and_then(parse_hex32)
        .ok_or_else(|| unauthorized("malformed bearer token"))?;
    let mut tokens = state.tokens.lock();
    match tokens.get(&token) {
        Some((account, expires)) if *expires > Instant::now() => Ok(*account),
        Some(_) => {
            tokens.remove(&token);
            Err(unauthorized("the token expired; log in again"))
        }
        None => Err(unauthorized("unknown token")),
    }
}

fn chain_error(e: String) -> Refusal {
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, format!("chain state: {e}"))
}

/// Runs a chain read off the async threads (it executes the runtime).
async fn read_chain<R: Send + 'static>(
    state: &State,
    read: impl FnOnce(&dyn MarketView) -> Result<R, String> + Send + 'static,
) -> Result<R, Refusal> {
    let view = state.view.clone();
    tokio::task::spawn_blocking(move || read(view.as_ref()))
        .await
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(chain_error)
}

async fn product_of(state: &State, id: ProductId) -> Result<Product, Refusal> {
    read_chain(state, move |view| view.product(id))
        .await?
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "no such product"))
}

fn index_path(state: &State, id: ProductId) -> PathBuf {
    state.config.data_dir.join("index").join(id.to_string())
}

async fn upload(state: &State, id: ProductId, request: Request<Incoming>) -> Reply {
    let who = authenticate(state, &request)?;
    let product = product_of(state, id).await?;
    if product.seller != who {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "only the product's seller may upload its content",
        ));
    }
    // Only what buyers will fetch here: a seller cannot park data on any gateway it likes.
    let names_this_gateway = match &product.info.location {
        cpc_data_market_primitives::StorageLocation::Node(url) => core::str::from_utf8(url)
            .ok()
            .and_then(audience_of)
            .is_some_and(|audience| state.stores_for.contains(&audience)),
        _ => false,
    };
    if !names_this_gateway {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "the product's location names another gateway",
        ));
    }
    let staging = Staging(
        state
            .config
            .data_dir
            .join("staging")
            .join(hex::encode(random32())),
    );
    if !state.uploading.lock().insert(id) {
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            "an upload of this product is in progress",
        ));
    }
    let _uploading = Uploading(state, id);
    // The blob this upload replaces stops counting against its seller once this one is in.
    let previous = tokio::fs::read_to_string(index_path(state, id))
        .await
        .ok()
        .and_then(|record| parse_record(&record));
    let freed = match previous {
        Some((_, len, Some(seller))) if seller == who => len,
        _ => 0,
    };
    let announced = request
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    check_free_space(state, announced)?;
    let mut charge = Charge {
        state,
        seller: who,
        allowance: state.config.disk.per_seller.saturating_add(freed),
        bytes: 0,
    };
    let pause = request.extensions().get::<http::IdlePause>().cloned();
    let (hash, len) = receive(state, request.into_body(), &staging.0, &mut charge).await?;
    // Storing (a copy to S3 or IPFS) moves no byte on the client's connection: not idleness.
    let _busy = pause.as_ref().map(http::IdlePause::hold);
    let stored = state.store.put_file(&hash, &staging.0, len).await;
    drop(staging);
    stored.map_err(|e| Refusal::new(StatusCode::BAD_GATEWAY, format!("store: {e}")))?;
    // Written aside and renamed, so a concurrent download never reads half a record.
    let record = format!("{} {len} {}", hex::encode(hash), hex::encode(who.0));
    let index = index_path(state, id);
    let partial = index.with_extension(format!("{}.partial", hex::encode(&random32()[..8])));
    let written = async {
        tokio::fs::write(&partial, record).await?;
        tokio::fs::rename(&partial, &index).await
    };
    written
        .await
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    charge.keep();
    let orphan = {
        let mut ledger = state.ledger.lock();
        *ledger.refs.entry(hash).or_default() += 1;
        match previous {
            Some((old, old_len, old_seller)) => {
                if let Some(seller) = old_seller
                    && let Some(used) = ledger.used.get_mut(&seller)
                {
                    *used = used.saturating_sub(old_len);
                }
                let refs = ledger.refs.entry(old).or_default();
                *refs = refs.saturating_sub(1);
                (*refs == 0).then(|| {
                    ledger.refs.remove(&old);
                    old
                })
            }
            None => None,
        }
    };
    // The replaced blob, if no other product refers to it: the disk is the gateway's, not
    // the sellers' to fill by re-uploading.
    if let Some(old) = orphan
        && let Err(e) = state.store.delete(&old).await
    {
        log::warn!(target: "market", "Product {id}: cannot delete the replaced blob {}: {e}", hex::encode(old));
    }
    log::info!(target: "market", "Product {id}: stored blob {} ({len} bytes)", hex::encode(hash));
    Ok(json_reply(
        StatusCode::CREATED,
        json!({ "hash": hex::encode(hash), "size": len }),
    ))
}

/// A staging file, removed when the upload ends however it ends: refused, done, or dropped
/// mid-way because its connection stalled or closed.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        // Gone already when the store moved it.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Streams `body` into `path`, hashing it; checks the header, the size limit, the seller's
/// quota (charging `charge` as bytes arrive) and the free-space floor.
async fn receive(
    state: &State,
    mut body: Incoming,
    path: &std::path::Path,
    charge: &mut Charge<'_>,
) -> Result<(BlobHash, u64), Refusal> {
    let io = |e: std::io::Error| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    let mut hasher = sha2::Sha256::new();
    let mut len = 0u64;
    let mut head = Vec::with_capacity(crypto::HEADER_LEN);
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, format!("upload: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let before = len;
        len += data.len() as u64;
        if len > state.config.max_blob_bytes {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("blobs are limited to {} bytes", state.config.max_blob_bytes),
            ));
        }
        charge.add(data.len() as u64)?;
        if before / FREE_SPACE_CHECK_EVERY != len / FREE_SPACE_CHECK_EVERY {
            check_free_space(state, 0)?;
        }
        if head.len() < crypto::HEADER_LEN {
            let take = (crypto::HEADER_LEN - head.len()).min(data.len());
            head.extend_from_slice(&data[..take]);
            if head.len() == crypto::HEADER_LEN && !valid_header(&head) {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "not an encrypted blob: upload the output of content encryption",
                ));
            }
        }
        hasher.update(&data);
        file.write_all(&data).await.map_err(io)?;
    }
    if head.len() < crypto::HEADER_LEN {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "empty or truncated blob",
        ));
    }
    file.flush().await.map_err(io)?;
    file.sync_all().await.map_err(io)?;
    Ok((hasher.finalize().into(), len))
}

fn valid_header(head: &[u8]) -> bool {
    crypto::Decryptor::new(&crypto::ContentKey([0; 32]), head).is_ok()
}

/// Whether `who` may read product `id`'s content: its seller, or the buyer of `order`, an
/// order of this product that is delivered or completed, or whose dispute was ruled with the
/// buyer paying at least part of the price (a full refund takes the right back).
async fn may_download(
    state: &State,
    id: ProductId,
    product: &Product,
    order: Option<OrderId>,
    who: &AccountId,
) -> Result<bool, Refusal> {
    if product.seller == *who {
        return Ok(true);
    }
    let Some(order) = order else {
        return Ok(false);
    };
    let order_id = order;
    let Some(order) = read_chain(state, move |view| view.order(order_id)).await? else {
        return Ok(false);
    };
    if order.product != id || order.buyer != *who {
        return Ok(false);
    }
    Ok(match order.status {
        OrderStatus::Delivered | OrderStatus::Completed => true,
        OrderStatus::Resolved => matches!(
            read_chain(state, move |view| view.ruling(order_id)).await?,
            Some(Ruling::PaySeller)
                | Some(Ruling::Split {
                    buyer_per_mille: 0..=999
                })
        ),
        _ => false,
    })
}

async fn download(
    state: &State,
    id: ProductId,
    order: Option<OrderId>,
    request: &Request<Incoming>,
) -> Reply {
    let who = authenticate(state, request)?;
    let product = product_of(state, id).await?;
    if !may_download(state, id, &product, order, &who).await? {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "no delivered, completed or paid-for order of this product for this account (name it with ?order=ID)",
        ));
    }
    let record = tokio::fs::read_to_string(index_path(state, id))
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::NOT_FOUND,
                "this gateway holds no content for the product",
            )
        })?;
    let hash = record
        .split(' ')
        .next()
        .and_then(parse_hex32)
        .ok_or_else(|| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "corrupt index"))?;
    let (len, reader) = state
        .store
        .get(&hash)
        .await
        .map_err(|e| Refusal::new(StatusCode::BAD_GATEWAY, format!("store: {e}")))?
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "the blob is missing from the store"))?;
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/octet-stream")
        .header("content-length", len)
        .header("x-cpc-blob-hash", hex::encode(hash))
        .body(http::reader_body(reader, None))
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn key_path(state: &State, id: ProductId, account: &AccountId) -> PathBuf {
    state
        .config
        .data_dir
        .join("keys")
        .join(format!("{id}-{}", hex::encode(account.0)))
}

async fn put_key(
    state: &State,
    id: ProductId,
    recipient: AccountId,
    request: Request<Incoming>,
) -> Reply {
    let who = authenticate(state, &request)?;
    let product = product_of(state, id).await?;
    if product.seller != who {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "only the product's seller may share its key",
        ));
    }
    let sealed = http::read_limited(request.into_body(), MAX_SEALED_KEY_BYTES)
        .await
        .map_err(|e| Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))?;
    if sealed.len() != crypto::SEALED_KEY_LEN {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("a sealed key is {} bytes", crypto::SEALED_KEY_LEN),
        ));
    }
    tokio::fs::write(key_path(state, id, &recipient), &sealed)
        .await
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(json_reply(StatusCode::CREATED, json!({ "stored": true })))
}

async fn get_key(
    state: &State,
    id: ProductId,
    recipient: AccountId,
    request: &Request<Incoming>,
) -> Reply {
    let who = authenticate(state, request)?;
    if who != recipient {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "a shared key is readable by its recipient only",
        ));
    }
    let sealed = tokio::fs::read(key_path(state, id, &recipient))
        .await
        .map_err(|_| Refusal::new(StatusCode::NOT_FOUND, "no key shared with this account"))?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/octet-stream")
        .body(http::full(sealed))
        .expect("static headers are valid; qed"))
}

#[cfg(test)]
mod tests {
    use super::{audience_of, own_audiences};

    #[test]
    fn audiences_are_the_scheme_and_what_a_client_sends_as_host() {
        assert_eq!(
            audience_of("http://127.0.0.1:8090/").as_deref(),
            Some("http://127.0.0.1:8090")
        );
        assert_eq!(
            audience_of("HTTP://Gateway.Example:80").as_deref(),
            Some("http://gateway.example")
        );
        assert_eq!(
            audience_of("https://gw.example:443").as_deref(),
            Some("https://gw.example")
        );
        assert_eq!(
            audience_of("https://gw.example:8443").as_deref(),
            Some("https://gw.example:8443")
        );
        assert_eq!(
            audience_of("http://user@gw.example:81").as_deref(),
            Some("http://gw.example:81")
        );
        assert_eq!(
            audience_of("http://[::1]:9000").as_deref(),
            Some("http://[::1]:9000")
        );
        assert_ne!(
            audience_of("http://gw.example"),
            audience_of("https://gw.example")
        );
        assert_eq!(audience_of("not a url"), None);
        assert_eq!(audience_of("ftp://gw.example"), None);
        assert_eq!(audience_of("gw.example:8090"), None);
    }

    #[test]
    fn only_a_gateway_on_loopback_answers_to_localhost() {
        let configured = vec!["https://gw.example".to_string()];
        let public = own_audiences(&configured, "203.0.113.7:8090".parse().unwrap(), true);
        assert_eq!(public, configured);
        let wildcard = own_audiences(&configured, "0.0.0.0:8090".parse().unwrap(), true);
        assert_eq!(wildcard, configured, "listening everywhere is public");
        let proxied = own_audiences(&configured, "127.0.0.1:8090".parse().unwrap(), false);
        assert_eq!(proxied, configured, "behind a reverse proxy: public");
        let local = own_audiences(&configured, "127.0.0.1:8090".parse().unwrap(), true);
        assert_eq!(
            local,
            [
                "https://gw.example",
                "http://127.0.0.1:8090",
                "http://localhost:8090"
            ]
        );
    }
}
