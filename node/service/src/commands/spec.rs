//! `build-spec` and `purge-chain`.

use crate::{Error, args::SharedArgs, chain_paths, chain_specs};
use cpc_executor::{WasmExecutor, WasmExecutorConfig};
use std::io::{BufRead, Write};

/// Prints the chain spec; with `raw`, its genesis storage (code included).
pub fn build_spec(shared: &SharedArgs, raw: bool) -> Result<(), Error> {
    let spec = chain_specs::load(shared)?;
    let spec = if raw {
        let executor = WasmExecutor::new(WasmExecutorConfig::default()).map_err(Error::node)?;
        let code = crate::runtimes::of(&spec)?.code()?;
        let storage = cpc_client::genesis::build_genesis_storage(&spec, &executor, code)
            .map_err(Error::Node)?;
        cpc_client::genesis::to_raw(&spec, &storage)
    } else {
        spec
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", spec.to_json())?;
    Ok(())
}

/// Removes the chain's database, after confirmation unless `yes`.
pub fn purge_chain(shared: &SharedArgs, yes: bool) -> Result<(), Error> {
    let spec = chain_specs::load(shared)?;
    let paths = chain_paths(shared, &spec.id)?;
    let db = paths.db();
    if !db.exists() {
        println!("{} does not exist", db.display());
        return Ok(());
    }
    if !yes {
        print!("Remove {}? [y/N]: ", db.display());
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Aborted");
            return Ok(());
        }
    }
    std::fs::remove_dir_all(&db)?;
    println!("{} removed", db.display());
    Ok(())
}
