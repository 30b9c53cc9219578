//! `build-spec` and `purge-chain`.

use crate::{Error, args::SharedArgs, chain_paths, chain_specs};
use cpc_client::chain_spec::{ChainSpec, Genesis};
use cpc_executor::{WasmExecutor, WasmExecutorConfig};
use std::io::{BufRead, Write};

/// Changes `build-spec` makes to the spec it starts from.
#[derive(Debug, Default, clap::Args)]
pub struct SpecCustomization {
    /// The new chain's id (its database directory is named after it).
    #[arg(long, value_name = "ID")]
    pub chain_id: Option<String>,
    /// The new chain's name.
    #[arg(long, value_name = "NAME")]
    pub chain_name: Option<String>,
    /// The LBFT committee (and default proposers) of the new chain: dev names (`alice`) or
    /// addresses, comma-separated; each must be a proposer candidate of the preset.
    #[arg(long, value_name = "ACCOUNTS", value_delimiter = ',')]
    pub validators: Vec<String>,
    /// A JSON file merged into the runtime genesis patch: for a sidechain, the main chain's
    /// checkpoint its tracker starts from (`cpchain sidechain checkpoint > parent.json`).
    #[arg(long, value_name = "FILE")]
    pub genesis_patch: Vec<std::path::PathBuf>,
}

impl SpecCustomization {
    /// Applies the changes to `spec`.
    pub fn apply(&self, spec: &mut ChainSpec) -> Result<(), Error> {
        if let Some(id) = &self.chain_id {
            spec.id = id.clone();
        }
        if let Some(name) = &self.chain_name {
            spec.name = name.clone();
        }
        let mut patches = Vec::new();
        if !self.validators.is_empty() {
            let accounts = self
                .validators
                .iter()
                .map(|v| dev_or_address(v))
                .collect::<Result<Vec<_>, _>>()?;
            let pairs: Vec<serde_json::Value> =
                accounts.iter().map(|a| serde_json::json!([a, a])).collect();
            patches.push(serde_json::json!({"hybridConsensus": {
                "validators": accounts,
                "defaultProposers": pairs,
            }}));
        }
        for path in &self.genesis_patch {
            let text = std::fs::read(path)
                .map_err(|e| Error::Input(format!("cannot read {}: {e}", path.display())))?;
            patches.push(
                serde_json::from_slice(&text)
                    .map_err(|e| Error::Input(format!("{} is not JSON: {e}", path.display())))?,
            );
        }
        if patches.is_empty() {
            return Ok(());
        }
        let Genesis::RuntimeGenesis(genesis) = &mut spec.genesis else {
            return Err(Error::Input(
                "genesis changes need a spec with a runtime genesis, not a raw one".into(),
            ));
        };
        let merged = genesis.patch.get_or_insert_with(|| serde_json::json!({}));
        for patch in patches {
            cpc_client::chain_spec::merge_json(merged, patch);
        }
        Ok(())
    }
}

/// The SS58 address of dev account `name` (`alice`, ...), or `name` itself if it is one.
fn dev_or_address(name: &str) -> Result<String, Error> {
    if name.parse::<cpc_crypto::AccountId32>().is_ok() {
        return Ok(name.to_string());
    }
    let mut chars = name.chars();
    let capitalized = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => return Err(Error::Input("an empty validator name".into())),
    };
    let (pair, _) = cpc_crypto::sr25519::Pair::from_suri(&format!("//{capitalized}"))
        .map_err(|e| Error::Input(e.to_string()))?;
    Ok(cpc_crypto::AccountId32::from(pair.public()).to_string())
}

/// Prints the chain spec, with `custom`'s changes; with `raw`, its genesis storage (code
/// included).
pub fn build_spec(shared: &SharedArgs, raw: bool, custom: &SpecCustomization) -> Result<(), Error> {
    let mut spec = chain_specs::load(shared)?;
    custom.apply(&mut spec)?;
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
