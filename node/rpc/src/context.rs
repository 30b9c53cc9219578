//! What every RPC method needs: the chain, the pool, facts about the node, the unsafe-method
//! switch and the call counter. Its own module, so the method groups (`methods`, `market`)
//! share it without importing each other.

use cpc_client::Client;
use cpc_primitives::H256;
use cpc_txpool::TransactionPool;
use serde_json::Value;
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

/// Facts about the node for `system_*`.
#[derive(Clone, Debug)]
pub struct SystemInfo {
    /// Implementation name.
    pub name: String,
    /// Implementation version.
    pub version: String,
    /// The chain's name.
    pub chain: String,
    /// The chain's type, as JSON (`"Development"`, ...).
    pub chain_type: Value,
    /// The chain's properties.
    pub properties: serde_json::Map<String, Value>,
}

/// What the methods need.
pub struct RpcContext {
    /// The chain.
    pub client: Arc<Client>,
    /// The transaction pool.
    pub pool: Arc<dyn TransactionPool>,
    /// Facts for `system_*`.
    pub system: SystemInfo,
    /// Whether unsafe methods are refused.
    pub deny_unsafe: bool,
    /// Connected peers, for `system_health`.
    pub peers: Arc<dyn Fn() -> usize + Send + Sync>,
    /// Whether the node is catching up.
    pub syncing: Arc<dyn Fn() -> bool + Send + Sync>,
    /// Counts method calls (a metric).
    pub calls: Arc<AtomicU64>,
}

impl RpcContext {
    /// Block `at`, or the best block.
    pub(crate) fn at(&self, at: Option<H256>) -> H256 {
        at.unwrap_or_else(|| self.client.info().best_hash)
    }

    /// Counts a method call.
    pub(crate) fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}
