//! The `cpchain` binary: parses the command line and hands it to the node service, a local
//! operator command or an RPC-client command.

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use cpc_service::{commands, init_logging};
use std::process::ExitCode;

// jemalloc, as for the node's C allocations (cpc_service::memory says why).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: cpc_service::memory::Allocator = cpc_service::memory::Allocator;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        None => {
            init_logging(cli.run.shared.log.as_deref());
            async_runtime()?.block_on(cpc_service::service::run(cli.run))?
        }
        Some(Command::BuildSpec {
            shared,
            raw,
            custom,
        }) => commands::build_spec(&shared, raw, &custom)?,
        Some(Command::PurgeChain { shared, yes }) => commands::purge_chain(&shared, yes)?,
        Some(Command::Key(key)) => commands::key(key)?,
        Some(Command::ExportBlocks {
            shared,
            from,
            to,
            output,
            binary,
            json,
        }) => {
            init_logging(shared.log.as_deref());
            let format = match (binary, json) {
                (true, _) => commands::BlockFormat::SubstrateBinary,
                (_, true) => commands::BlockFormat::SubstrateJson,
                _ => commands::BlockFormat::Ours,
            };
            commands::export_blocks(&shared, from, to, output, format)?
        }
        Some(Command::ImportBlocks {
            shared,
            execution,
            input,
            binary,
        }) => {
            init_logging(shared.log.as_deref());
            commands::import_blocks(&shared, &execution, input, binary)?
        }
        Some(Command::CheckBlock {
            shared,
            execution,
            input,
        }) => {
            init_logging(shared.log.as_deref());
            commands::check_block(&shared, &execution, &input)?
        }
        Some(Command::Revert { shared, num }) => {
            init_logging(shared.log.as_deref());
            commands::revert(&shared, num)?
        }
        Some(Command::ExportState { shared, input }) => {
            init_logging(shared.log.as_deref());
            commands::export_state(&shared, input.as_deref())?
        }
        Some(Command::Tx(tx)) => async_runtime()?.block_on(cpc_rpc_client::tx(tx))?,
        Some(Command::Upgrade(upgrade)) => {
            async_runtime()?.block_on(cpc_rpc_client::upgrade(upgrade))?
        }
        Some(Command::Market(market)) => {
            async_runtime()?.block_on(cpc_rpc_client::market(market))?
        }
        Some(Command::Iot(command)) => async_runtime()?.block_on(cpc_rpc_client::iot(command))?,
        Some(Command::Sidechain(command)) => {
            async_runtime()?.block_on(cpc_rpc_client::sidechain(command))?
        }
        Some(Command::Xchain(command)) => {
            async_runtime()?.block_on(cpc_rpc_client::xchain(command))?
        }
        Some(Command::Relay { args, log }) => {
            init_logging(log.as_deref());
            async_runtime()?.block_on(cpc_rpc_client::run_relay(args))?
        }
    }
    Ok(())
}

fn async_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
