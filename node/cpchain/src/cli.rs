//! The command line, in Substrate's conventions: the node's options and every subcommand.
//!
//! The options themselves belong to the crates that act on them (the node's to
//! `cpc_service::args`, the wallet commands' to `cpc_rpc_client::args`); this file only puts
//! them together.

use clap::{Parser, Subcommand};
use cpc_rpc_client::args::{
    IotCommand, MarketCommand, RelayArgs, SidechainCommand, TxCommand, UpgradeCommand,
    XchainCommand,
};
use cpc_service::{
    args::{RunArgs, SharedArgs},
    commands::KeyCommand,
};
use std::path::PathBuf;

/// CPChain node.
#[derive(Debug, Parser)]
#[command(
    name = "cpchain",
    version,
    about = "CPChain node: a blockchain for the Internet of Things"
)]
pub struct Cli {
    /// A command other than running the node.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the node.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints a chain spec as JSON.
    BuildSpec {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Print the raw genesis storage (code included) instead of the runtime genesis.
        #[arg(long)]
        raw: bool,
        /// Changes to the spec, for a new chain built from a built-in one (a sidechain with
        /// its own id, committee and parent checkpoint).
        #[command(flatten)]
        custom: cpc_service::commands::SpecCustomization,
    },
    /// Removes a chain's database.
    PurgeChain {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Do not ask for confirmation.
        #[arg(short = 'y', long = "yes")]
        yes: bool,
    },
    /// Key management.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Writes blocks to a file (or standard output).
    ExportBlocks {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// First block.
        #[arg(long, default_value_t = 1)]
        from: u32,
        /// Last block (default: the best).
        #[arg(long)]
        to: Option<u32>,
        /// The file; `-` or nothing for standard output.
        output: Option<PathBuf>,
        /// Substrate's binary format (SCALE `SignedBlock`s after a `u64` count) instead of ours.
        #[arg(long, conflicts_with = "json")]
        binary: bool,
        /// Substrate's JSON format (one `SignedBlock` per line) instead of ours.
        #[arg(long)]
        json: bool,
    },
    /// Imports blocks from a file written by `export-blocks` (or standard input).
    ImportBlocks {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Which runtime executes the blocks.
        #[arg(long, default_value = "wasm")]
        execution: String,
        /// The file; `-` or nothing for standard input.
        input: Option<PathBuf>,
        /// The input is in Substrate's binary format (ours and JSON are recognized by
        /// themselves).
        #[arg(long)]
        binary: bool,
    },
    /// Executes a block again on its parent's state and checks its state root, importing
    /// nothing.
    CheckBlock {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Which runtime executes the block.
        #[arg(long, default_value = "wasm")]
        execution: String,
        /// The block: a number, a `0x` hash, or the hex SCALE encoding of a block.
        input: String,
    },
    /// Reverts blocks that are not final. Under LBFT every block is final on import, so there
    /// is never one to revert; says so.
    Revert {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// How many blocks to revert.
        #[arg(default_value_t = 256)]
        num: u32,
    },
    /// Prints the chain spec with a block's state as its raw genesis (the best block's by
    /// default).
    ExportState {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// The block: a number or a `0x` hash.
        input: Option<String>,
    },
    /// Wallet transactions.
    #[command(subcommand)]
    Tx(TxCommand),
    /// Runtime upgrades: check new code against the chain, propose it, vote on it.
    #[command(subcommand)]
    Upgrade(UpgradeCommand),
    /// The data market: publish, browse, buy, deliver, fetch, confirm, rate, dispute.
    #[command(subcommand)]
    Market(MarketCommand),
    /// IoT sidechains on the main chain: register, status, the tracker's checkpoint.
    #[command(subcommand)]
    Sidechain(SidechainCommand),
    /// IoT devices on a sidechain: register, list readings, verify a reading against main,
    /// simulate a fleet.
    #[command(subcommand)]
    Iot(IotCommand),
    /// Cross-chain transfers between the main chain and a sidechain: send, follow, list
    /// channels, open one, exit a frozen sidechain.
    #[command(subcommand)]
    Xchain(XchainCommand),
    /// Carries finalized headers with their certificates, and cross-chain messages with their
    /// proofs, between the main chain and a sidechain, both ways.
    Relay {
        /// Relay options.
        #[command(flatten)]
        args: RelayArgs,
        /// Log filter, as `RUST_LOG` (default `info`).
        #[arg(long, short = 'l')]
        log: Option<String>,
    },
}
