//! What every RPC method needs: the chain, the pool, the network's status, the keystore,
//! facts about the node, the unsafe-method switch and the call counter. Its own module, so the
//! method groups share it without importing each other.

use cpc_client::Client;
use cpc_primitives::H256;
use cpc_txpool::TransactionPool;
use serde_json::Value;
use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

/// A connected peer, as `system_peers` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its peer id.
    pub peer_id: String,
    /// The best (finalized: blocks are final on import) block it announced, if any.
    pub best: Option<(u32, H256)>,
}

/// What the RPC reads from the network, implemented by the node service over its network
/// handle (and by tests with fixed answers).
pub trait NetworkStatus: Send + Sync {
    /// This node's peer id.
    fn local_peer_id(&self) -> String;
    /// The addresses it listens on, each ending with `/p2p/<peer id>`.
    fn listen_addresses(&self) -> Vec<String>;
    /// Connected peers.
    fn peers(&self) -> Vec<PeerInfo>;
    /// How many peers are connected.
    fn peer_count(&self) -> usize;
    /// Whether the node is catching up with its peers.
    fn is_syncing(&self) -> bool;
    /// The highest block a peer announced, if any.
    fn highest_seen(&self) -> Option<u32>;
}

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
    /// The network, for `system_health`, `system_peers`, ...
    pub network: Arc<dyn NetworkStatus>,
    /// Whether this node authors and votes (`system_nodeRoles`).
    pub authority: bool,
    /// The keystore `author_insertKey` and `author_rotateKeys` write to, if the node has one.
    pub keystore: Option<PathBuf>,
    /// The block number the node started at (`system_syncState`).
    pub starting_block: u32,
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

    /// Refuses an unsafe method where unsafe methods are not allowed.
    pub(crate) fn check_unsafe(&self) -> Result<(), jsonrpsee::types::ErrorObjectOwned> {
        if self.deny_unsafe {
            Err(crate::errors::unsafe_call())
        } else {
            Ok(())
        }
    }
}
