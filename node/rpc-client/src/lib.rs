//! A CPChain wallet over JSON-RPC: connect to a node, sign calls for its current runtime,
//! submit them, follow them to finality and read their outcome; and the `cpchain` commands
//! built on it (`tx`, `upgrade`, `market`, `sidechain`, `relay`, `iot`, `xchain`).
//!
//! It talks to a node only through its RPC and links none of the node service (no database, no
//! executor, no network), so wallets, scripts and services embed it as a library. The commands'
//! clap arguments are in [`args`] for a binary to embed.

pub mod args;
pub mod iot;
pub mod market;
pub mod relay;
pub mod sidechain;
pub mod stream;
pub mod tx;
pub mod upgrade;
pub mod wallet;
pub mod xchain;

pub use iot::iot;
pub use market::market;
pub use sidechain::{run_relay, sidechain};
pub use tx::tx;
pub use upgrade::upgrade;
pub use wallet::Wallet;
pub use xchain::xchain;

/// Errors a command reports to its user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user (flags, files, keys).
    #[error("{0}")]
    Input(String),
    /// The node refused or failed the request.
    #[error("{0}")]
    Node(String),
    /// An I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
