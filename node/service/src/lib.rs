//! The CPChain node.
//!
//! [`run`] dispatches the command line: without a subcommand it runs the node
//! ([`service`]), otherwise one of the [`commands`]. The node assembles the chain store, the
//! executor, the client, the transaction pool, JSON-RPC, Prometheus metrics, the informant's log
//! lines and, on a dev chain, the block authoring loop ([`authoring`]).

pub mod authoring;
pub mod chain_specs;
pub mod cli;
pub mod commands;
pub mod informant;
pub mod keystore;
pub mod lbft;
pub mod metrics;
pub mod network;
pub mod service;

use cli::{Cli, Command, SharedArgs};
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
    pub(crate) fn node(e: impl std::fmt::Display) -> Self {
        Self::Node(e.to_string())
    }
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        None => {
            init_logging(cli.run.shared.log.as_deref());
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(service::run(cli.run))
        }
        Some(Command::BuildSpec { shared, raw }) => commands::build_spec(&shared, raw),
        Some(Command::PurgeChain { shared, yes }) => commands::purge_chain(&shared, yes),
        Some(Command::Key(key)) => commands::key(key),
        Some(Command::ExportBlocks {
            shared,
            from,
            to,
            output,
        }) => {
            init_logging(shared.log.as_deref());
            commands::export_blocks(&shared, from, to, output)
        }
        Some(Command::ImportBlocks {
            shared,
            execution,
            input,
        }) => {
            init_logging(shared.log.as_deref());
            commands::import_blocks(&shared, &execution, input)
        }
        Some(Command::Tx(tx)) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(commands::tx(tx))
        }
        Some(Command::Upgrade(upgrade)) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(commands::upgrade(upgrade))
        }
        Some(Command::Market(market)) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(commands::market(market))
        }
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

/// The default base path: `$XDG_DATA_HOME/cpchain` or `~/.local/share/cpchain`.
pub fn default_base_path() -> PathBuf {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(data).join("cpchain");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/cpchain")
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
