//! The CPChain node service: everything a running `cpchain` node is made of, wired together.
//!
//! [`service::run`] assembles the chain store, the executor, the client, the transaction pool,
//! JSON-RPC, Prometheus [`metrics`], the [`informant`]'s log lines, the peer-to-peer
//! [`network`], LBFT finality ([`lbft`]) or, on a single-authority chain, the [`authoring`]
//! loop, and the data market's storage gateway. [`pool`] is the transaction pool's view of the
//! chain and this node's inherent data, which authoring, LBFT, metrics and the network share.
//! [`commands`] are the operator commands that work on local data without a running node.
//!
//! The command line's options are in [`args`]; the `cpchain` binary parses them and calls in.

pub mod args;
pub mod authoring;
pub mod chain_specs;
pub mod commands;
pub mod informant;
pub mod lbft;
pub mod memory;
pub mod metrics;
pub mod network;
pub mod os_limits;
pub mod pool;
pub mod runtimes;
pub mod service;
pub mod sync;

use args::SharedArgs;
pub use cpc_keystore::default_base_path;
use std::path::PathBuf;

/// Errors the node reports to the operator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the operator (flags, files).
    #[error("{0}")]
    Input(String),
    /// The node failed.
    #[error("{0}")]
    Node(String),
    /// An I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A node failure from anything displayable.
    pub fn node(e: impl std::fmt::Display) -> Self {
        Self::Node(e.to_string())
    }
}

/// Installs the log subscriber: `filter`, or `RUST_LOG`, or `info`.
pub fn init_logging(filter: Option<&str>) {
    let filter = filter
        .map(String::from)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(true)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Where a chain's data lives, and the temporary directory to remove at exit.
pub struct ChainPaths {
    /// `<base>/chains/<id>`.
    pub chain_dir: PathBuf,
    /// The temporary base directory, if any (removed when dropped).
    pub _tmp: Option<tempfile::TempDir>,
}

impl ChainPaths {
    /// The database directory.
    pub fn db(&self) -> PathBuf {
        self.chain_dir.join("db")
    }

    /// The keystore directory.
    pub fn keystore(&self) -> PathBuf {
        self.chain_dir.join("keystore")
    }
}

/// The chain's directories for `shared` and the chain spec id.
pub fn chain_paths(shared: &SharedArgs, chain_id: &str) -> Result<ChainPaths, Error> {
    let (base, tmp) = match (
        &shared.base_path,
        shared.tmp || (shared.dev && shared.base_path.is_none()),
    ) {
        (Some(base), _) => (base.clone(), None),
        (None, true) => {
            let tmp = tempfile::Builder::new().prefix("cpchain-").tempdir()?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
        (None, false) => (default_base_path(), None),
    };
    Ok(ChainPaths {
        chain_dir: base.join("chains").join(chain_id),
        _tmp: tmp,
    })
}
