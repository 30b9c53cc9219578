//! JSON-RPC.
//!
//! One jsonrpsee server answers HTTP and WebSocket on the same port, with Substrate's method
//! names, parameters, encodings and error codes, so Substrate's clients work unmodified: the
//! legacy methods (`system_*`, `chain_*`, `state_*`, `author_*`, `payment_*`, `rpc_methods`)
//! that polkadot.js and subxt's legacy backend use, and the new spec's `chainHead_v1_*`,
//! `transaction_v1_*`, `transactionWatch_v1_*` and `chainSpec_v1_*` that polkadot-api and
//! subxt's chainHead backend use. Ours beside them: `market_*` and `dev_callWithCode` (unsafe,
//! dry runs of new runtime code). `docs/rpc.md` lists every method.
//!
//! Requests, responses, batches, connections, subscriptions and (optionally) calls per minute
//! are bounded ([`RpcConfig`]); browser origins are checked ([`middleware`]); every error
//! carries a reason. Unsafe methods answer only when [`RpcMethods`] allows them: `auto` allows
//! them when the server listens on loopback only.

mod author;
pub mod chain_head;
mod context;
pub mod errors;
pub mod market;
mod methods;
pub mod middleware;
mod payment;
pub mod sidechain;
pub mod state;
mod system;
pub mod transaction;
pub mod xchain;

pub use context::{NetworkStatus, PeerInfo, RpcContext, SystemInfo};
pub use methods::build_module;

use jsonrpsee::server::{Server, ServerConfig, ServerHandle};
use std::{net::SocketAddr, str::FromStr, sync::Arc};

/// Which methods the server offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RpcMethods {
    /// Unsafe methods only when listening on loopback.
    #[default]
    Auto,
    /// Safe methods only.
    Safe,
    /// All methods.
    Unsafe,
}

impl FromStr for RpcMethods {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "safe" => Ok(Self::Safe),
            "unsafe" => Ok(Self::Unsafe),
            other => Err(format!(
                "unknown RPC methods setting `{other}` (auto, safe or unsafe)"
            )),
        }
    }
}

impl RpcMethods {
    /// Whether unsafe methods are refused for a server at `listen`; `unsafe_external`
    /// (`--unsafe-rpc-external`) lifts `auto`'s loopback-only rule, never `safe`.
    pub fn deny_unsafe(self, listen: &SocketAddr, unsafe_external: bool) -> bool {
        match self {
            Self::Auto => !listen.ip().is_loopback() && !unsafe_external,
            Self::Safe => true,
            Self::Unsafe => false,
        }
    }
}

/// Server limits.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Largest request body (an extrinsic of 5 MiB is 10 MiB of hex).
    pub max_request_bytes: u32,
    /// Largest response body.
    pub max_response_bytes: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Most subscriptions per WebSocket connection.
    pub max_subscriptions_per_connection: u32,
    /// Most calls in one batch request.
    pub max_batch_len: u32,
    /// Calls per minute per connection, if limited.
    pub rate_limit: Option<u32>,
    /// Calls (a batch counts as one) that run at once across every connection; the rest wait
    /// in line ([`middleware::WorkLimit`]).
    pub max_workers: usize,
    /// Calls one connection may have running or waiting for a worker.
    pub max_calls_per_connection: usize,
    /// Browser origins that may call.
    pub cors: middleware::AllowedOrigins,
}

impl RpcConfig {
    /// Limits for a server at `listen`.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            max_request_bytes: 15 * 1024 * 1024,
            max_response_bytes: 20 * 1024 * 1024,
            max_connections: 100,
            max_subscriptions_per_connection: 1024,
            max_batch_len: 1000,
            rate_limit: None,
            max_workers: default_workers(),
            max_calls_per_connection: 4,
            cors: middleware::AllowedOrigins::default(),
        }
    }
}

/// Twice the machine's cores, at least 4: enough to keep the cores busy while some calls wait
/// on the disk, few enough that block import keeps a fair share of the CPU under a flood.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .max(4)
}

/// Starts the server; returns its handle and the address it listens on.
pub async fn start(
    config: &RpcConfig,
    context: RpcContext,
) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let module = build_module(context).map_err(|e| std::io::Error::other(e.to_string()))?;
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(
            config.max_batch_len,
        ))
        // String subscription ids, as Substrate uses (the new spec's ids are strings).
        .set_id_provider(jsonrpsee::server::RandomStringIdProvider::new(16))
        .build();
    let http = tower::ServiceBuilder::new()
        .layer(middleware::OriginGuardLayer(Arc::new(config.cors.clone())));
    let rpc = jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new()
        .option_layer(
            config
                .rate_limit
                .map(|per_minute| middleware::RateLimitLayer { per_minute }),
        )
        .layer(middleware::WorkLimitLayer::new(
            config.max_workers,
            config.max_calls_per_connection,
        ));
    let server = Server::builder()
        .set_config(server_config)
        .set_http_middleware(http)
        .set_rpc_middleware(rpc)
        .build(config.listen)
        .await?;
    let addr = server.local_addr()?;
    Ok((server.start(module), addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_methods_are_local_only_under_auto() {
        let local: SocketAddr = "127.0.0.1:9944".parse().unwrap();
        let external: SocketAddr = "0.0.0.0:9944".parse().unwrap();
        assert!(!RpcMethods::Auto.deny_unsafe(&local, false));
        assert!(RpcMethods::Auto.deny_unsafe(&external, false));
        assert!(!RpcMethods::Auto.deny_unsafe(&external, true));
        assert!(RpcMethods::Safe.deny_unsafe(&local, false));
        assert!(
            RpcMethods::Safe.deny_unsafe(&external, true),
            "safe stays safe"
        );
        assert!(!RpcMethods::Unsafe.deny_unsafe(&external, false));
        assert_eq!("unsafe".parse(), Ok(RpcMethods::Unsafe));
        assert!("some".parse::<RpcMethods>().is_err());
    }
}
