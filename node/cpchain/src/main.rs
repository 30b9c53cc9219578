//! The `cpchain` binary.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cpc_node::cli::Cli::parse();
    match cpc_node::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
