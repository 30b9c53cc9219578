//! The operator commands that work on a node's local data, without a running node:
//! `build-spec`, `purge-chain`, `export-blocks`, `import-blocks`, `check-block`, `revert`,
//! `export-state` and `key`.

mod blocks;
mod chain;
mod key;
mod spec;

pub use blocks::{BlockFormat, export_blocks, import_blocks};
pub use chain::{check_block, export_state, revert};
pub use key::{KeyCommand, key};
pub use spec::{SpecCustomization, build_spec, purge_chain};

use crate::{Error, args::SharedArgs, chain_paths, chain_specs, service::open_client};
use cpc_client::{Client, chain_spec::ChainSpec};
use std::{sync::Arc, time::Duration};

/// The client over the local database of the chain `shared` names, executing with
/// `execution` (the node must not be running: the database is locked).
fn open_local(shared: &SharedArgs, execution: &str) -> Result<(Arc<Client>, ChainSpec), Error> {
    let spec = chain_specs::load(shared)?;
    let paths = chain_paths(shared, &spec.id)?;
    let client = open_client(
        &spec,
        &paths.db(),
        Default::default(),
        execution,
        cpc_executor::WasmExecutorConfig {
            offchain_call_timeout: Duration::from_secs(60),
            ..Default::default()
        },
    )?;
    Ok((client, spec))
}
