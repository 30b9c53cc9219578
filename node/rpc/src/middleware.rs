//! The server's guards, in front of every method: which browser origins may call
//! ([`OriginGuard`], an HTTP layer that covers HTTP requests and WebSocket upgrades alike),
//! how many calls a connection may make per minute ([`RateLimit`], an RPC layer that also
//! charges each call of a batch), and how much work runs at once ([`WorkLimit`]: a few calls
//! across all connections, first come first served, and a few per connection, so one client
//! cannot take every worker or queue ahead of everyone).

use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT},
    server::{HttpBody, HttpRequest, HttpResponse},
    types::{ErrorObject, Request},
};
use parking_lot::Mutex;
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

/// The code of a call refused by the rate limit.
pub const RATE_LIMITED: i32 = -32999;

/// The service the RPC layers here wrap: jsonrpsee's, answering with `MethodResponse`.
pub trait Inner:
    RpcServiceT<
        MethodResponse = MethodResponse,
        BatchResponse = MethodResponse,
        NotificationResponse = MethodResponse,
    > + Send
    + Sync
    + Clone
    + 'static
{
}

impl<S> Inner for S where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static
{
}

/// Which `Origin`s may call: every one, or a list (`http://localhost:*` allows any port).
/// Requests without an `Origin` (anything but a browser) are never refused: the header guards
/// a user's browser against pages that would use their local node, not the node against
/// clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `--rpc-cors all`.
    All,
    /// These origins.
    List(Vec<String>),
}

impl Default for AllowedOrigins {
    /// Localhost on any port, over HTTP or HTTPS.
    fn default() -> Self {
        Self::List(
            [
                "http://localhost:*",
                "http://127.0.0.1:*",
                "https://localhost:*",
                "https://127.0.0.1:*",
            ]
            .map(String::from)
            .to_vec(),
        )
    }
}

impl std::str::FromStr for AllowedOrigins {
    type Err = String;

    /// `all`, or a comma-separated list of origins.
    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim() == "all" {
            return Ok(Self::All);
        }
        let list: Vec<String> = s
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if list.is_empty() {
            return Err("`--rpc-cors` needs `all` or at least one origin".into());
        }
        if let Some(bad) = list
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(format!(
                "`{bad}` is not an origin (`http://host[:port]` or `https://host[:port]`)"
            ));
        }
        Ok(Self::List(list))
    }
}

impl AllowedOrigins {
    /// Lets `origin` call too (the node's own web app), unless it already may.
    pub fn allow(&mut self, origin: String) {
        if let Self::List(list) = self
            && !list.iter().any(|allowed| origin_matches(allowed, &origin))
        {
            list.push(origin);
        }
    }

    /// Whether `origin` may call.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::All => true,
            Self::List(list) => list.iter().any(|allowed| origin_matches(allowed, origin)),
        }
    }
}

/// `pattern` is an origin whose port may be `*`.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(base) => {
            origin == base
                || origin
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| {
                        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                    })
        }
        None => pattern == origin,
    }
}

/// The HTTP layer applying [`AllowedOrigins`].
#[derive(Clone, Debug)]
pub struct OriginGuardLayer(pub Arc<AllowedOrigins>);

impl<S> tower::Layer<S> for OriginGuardLayer {
    type Service = OriginGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OriginGuard {
            inner,
            allowed: self.0.clone(),
        }
    }
}

/// Refuses requests from disallowed origins with 403, answers preflights, and adds the CORS
/// headers to allowed cross-origin responses.
#[derive(Clone, Debug)]
pub struct OriginGuard<S> {
    inner: S,
    allowed: Arc<AllowedOrigins>,
}

fn plain(status: u16, body: &'static str) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(HttpBody::from(body))
        .expect("a valid response; qed")
}

fn add_cors_headers(headers: &mut http::HeaderMap, origin: &http::HeaderValue) {
    headers.insert("access-control-allow-origin", origin.clone());
    headers.insert("vary", http::HeaderValue::from_static("origin"));
    headers.insert(
        "access-control-allow-methods",
        http::HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    headers.insert(
        "access-control-allow-headers",
        http::HeaderValue::from_static("content-type"),
    );
}

impl<S> tower::Service<HttpRequest> for OriginGuard<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let Some(origin) = request.headers().get("origin").cloned() else {
            return Box::pin(self.inner.call(request));
        };
        let allowed = origin.to_str().is_ok_and(|o| self.allowed.allows(o));
        if !allowed {
            log::debug!(target: "rpc", "refused a request from origin {origin:?}");
            return Box::pin(async { Ok(plain(403, "origin not allowed\n")) });
        }
        if request.method() == http::Method::OPTIONS {
            let mut response = plain(200, "");
            add_cors_headers(response.headers_mut(), &origin);
            return Box::pin(async { Ok(response) });
        }
        let call = self.inner.call(request);
        Box::pin(async move {
            let mut response = call.await?;
            add_cors_headers(response.headers_mut(), &origin);
            Ok(response)
        })
    }
}

/// A token bucket of `per_minute` calls, refilled continuously. Counted in call-milliseconds
/// (a call costs [`CALL_COST`], a millisecond refills `per_minute` of them), so the arithmetic
/// stays in integers.
#[derive(Debug)]
struct Bucket {
    units: u64,
    updated: Instant,
}

/// What one call costs in the bucket: a minute, in milliseconds.
const CALL_COST: u64 = 60_000;

/// The RPC layer limiting each connection to `per_minute` calls (`--rpc-rate-limit`). The
/// server builds the RPC layers once per WebSocket connection and once per HTTP request, so
/// the budget is a WebSocket connection's; an HTTP request starts with a full one.
#[derive(Clone, Copy, Debug)]
pub struct RateLimitLayer {
    /// Calls per minute per connection.
    pub per_minute: u32,
}

impl<S> tower::Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    /// One per connection: the bucket is the connection's.
    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            per_minute: self.per_minute,
            bucket: Arc::new(Mutex::new(Bucket {
                units: u64::from(self.per_minute) * CALL_COST,
                updated: Instant::now(),
            })),
        }
    }
}

/// See [`RateLimitLayer`]; a call past the limit is answered with [`RATE_LIMITED`].
#[derive(Clone, Debug)]
pub struct RateLimit<S> {
    inner: S,
    per_minute: u32,
    bucket: Arc<Mutex<Bucket>>,
}

impl<S> RateLimit<S> {
    /// Takes up to `wanted` calls from the bucket; returns how many were granted.
    fn take(&self, wanted: usize) -> usize {
        let mut bucket = self.bucket.lock();
        let now = Instant::now();
        let elapsed =
            u64::try_from(now.duration_since(bucket.updated).as_millis()).unwrap_or(u64::MAX);
        let capacity = u64::from(self.per_minute) * CALL_COST;
        bucket.units = bucket
            .units
            .saturating_add(elapsed.saturating_mul(u64::from(self.per_minute)))
            .min(capacity);
        bucket.updated = now;
        let granted = usize::try_from(bucket.units / CALL_COST)
            .unwrap_or(usize::MAX)
            .min(wanted);
        bucket.units -= granted as u64 * CALL_COST;
        granted
    }
}

fn rate_limited() -> ErrorObject<'static> {
    ErrorObject::owned(RATE_LIMITED, "RPC rate limit exceeded", None::<()>)
}

impl<S: Inner> RpcServiceT for RateLimit<S> {
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let allowed = self.take(1) == 1;
        let inner = self.inner.clone();
        async move {
            if allowed {
                inner.call(request).await
            } else {
                MethodResponse::error(request.id, rate_limited())
            }
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        // Each call of a batch costs what it would cost alone; the ones past the budget are
        // answered with the rate-limit error, in place.
        let calls = batch
            .iter()
            .filter(|entry| matches!(entry, Ok(BatchEntry::Call(_))))
            .count();
        let mut granted = self.take(calls);
        for entry in batch.iter_mut() {
            if let Ok(BatchEntry::Call(call)) = entry {
                if granted > 0 {
                    granted -= 1;
                } else {
                    let id = call.id.clone().into_owned();
                    *entry = Err(BatchEntryErr::new(id, rate_limited()));
                }
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}

/// Methods that answer from memory in microseconds: never queued behind heavy work, so a
/// node under a flood of queries still answers its health probes.
pub const LIGHT_METHODS: &[&str] = &[
    "system_health",
    "system_name",
    "system_version",
    "system_chain",
    "system_chainType",
    "system_properties",
    "system_localPeerId",
    "system_nodeRoles",
    "rpc_methods",
    "chain_getFinalizedHead",
    "chain_getFinalisedHead",
];

/// Bounds the work the server does at once. `workers` calls (a batch counts as one: its calls
/// run one after another) run at a time across every connection; the rest wait in line, first
/// come first served. A connection has at most `per_connection` calls running or waiting
/// for a worker: past that, its further calls wait for its own earlier ones, so one client's
/// flood queues behind itself, not in front of everyone else. [`LIGHT_METHODS`] skip the
/// line. The layer is built once per connection (an HTTP request is its own connection).
#[derive(Clone, Debug)]
pub struct WorkLimitLayer {
    /// Shared by every connection.
    pub workers: Arc<tokio::sync::Semaphore>,
    /// Calls one connection may have running or waiting for a worker.
    pub per_connection: usize,
}

impl WorkLimitLayer {
    /// `workers` workers, `per_connection` calls per connection.
    pub fn new(workers: usize, per_connection: usize) -> Self {
        Self {
            workers: Arc::new(tokio::sync::Semaphore::new(workers.max(1))),
            per_connection: per_connection.max(1),
        }
    }
}

impl<S> tower::Layer<S> for WorkLimitLayer {
    type Service = WorkLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WorkLimit {
            inner,
            workers: self.workers.clone(),
            connection: Arc::new(tokio::sync::Semaphore::new(self.per_connection)),
        }
    }
}

/// See [`WorkLimitLayer`].
#[derive(Clone, Debug)]
pub struct WorkLimit<S> {
    inner: S,
    workers: Arc<tokio::sync::Semaphore>,
    connection: Arc<tokio::sync::Semaphore>,
}

impl<S> WorkLimit<S> {
    /// Waits for this connection's turn, then a worker; both are held until the call ends.
    async fn admit(
        connection: Arc<tokio::sync::Semaphore>,
        workers: Arc<tokio::sync::Semaphore>,
    ) -> Option<(
        tokio::sync::OwnedSemaphorePermit,
        tokio::sync::OwnedSemaphorePermit,
    )> {
        let own = connection.acquire_owned().await.ok()?;
        let worker = workers.acquire_owned().await.ok()?;
        Some((own, worker))
    }
}

impl<S: Inner> RpcServiceT for WorkLimit<S> {
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let light = LIGHT_METHODS.contains(&request.method_name());
        let (connection, workers) = (self.connection.clone(), self.workers.clone());
        async move {
            if light {
                return inner.call(request).await;
            }
            // The semaphores are never closed: `None` cannot happen, and would only skip the
            // limit.
            let _permits = Self::admit(connection, workers).await;
            inner.call(request).await
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let (connection, workers) = (self.connection.clone(), self.workers.clone());
        async move {
            let _permits = Self::admit(connection, workers).await;
            inner.batch(batch).await
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_with_port_wildcards_and_nothing_else() {
        let default = AllowedOrigins::default();
        assert!(default.allows("http://localhost:3000"));
        assert!(default.allows("http://localhost"));
        assert!(default.allows("https://127.0.0.1:8080"));
        assert!(!default.allows("http://localhost.evil.com"));
        assert!(!default.allows("http://localhost:80abc"));
        assert!(!default.allows("https://polkadot.js.org"));
        assert!(!default.allows("null"));
        assert!(AllowedOrigins::All.allows("https://anything.example"));

        let list: AllowedOrigins = "https://polkadot.js.org, http://localhost:9955/"
            .parse()
            .unwrap();
        assert!(list.allows("https://polkadot.js.org"));
        assert!(list.allows("http://localhost:9955"));
        assert!(!list.allows("http://localhost:9956"));
        assert_eq!("all".parse::<AllowedOrigins>(), Ok(AllowedOrigins::All));
        assert!("".parse::<AllowedOrigins>().is_err());
        assert!("localhost".parse::<AllowedOrigins>().is_err());
    }

    #[test]
    fn the_web_apps_origin_is_added_to_a_list_once_and_all_stays_all() {
        let mut list: AllowedOrigins = "https://polkadot.js.org".parse().unwrap();
        list.allow("http://node.example:9955".into());
        list.allow("http://node.example:9955".into());
        assert_eq!(
            list,
            AllowedOrigins::List(vec![
                "https://polkadot.js.org".into(),
                "http://node.example:9955".into()
            ])
        );
        assert!(list.allows("http://node.example:9955"));
        assert!(!list.allows("http://node.example:9956"));
        // Already covered by the default's port wildcard: nothing added.
        let mut default = AllowedOrigins::default();
        default.allow("http://127.0.0.1:9955".into());
        assert_eq!(default, AllowedOrigins::default());
        let mut all = AllowedOrigins::All;
        all.allow("http://node.example:9955".into());
        assert_eq!(all, AllowedOrigins::All);
    }

    #[test]
    fn the_bucket_grants_its_budget_then_refills_with_time() {
        let limit = RateLimitLayer { per_minute: 3 };
        let service = tower::Layer::layer(&limit, ());
        assert_eq!(service.take(2), 2);
        assert_eq!(service.take(5), 1);
        assert_eq!(service.take(1), 0);
        // Twenty seconds later one call's worth is back.
        service.bucket.lock().updated -= std::time::Duration::from_secs(20);
        assert_eq!(service.take(5), 1);
    }
}
