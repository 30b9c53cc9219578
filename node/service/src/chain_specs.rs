//! Built-in chain specs and loading specs from files.

use crate::{Error, args::SharedArgs};
use cpc_client::chain_spec::ChainSpec;

/// The dev chain: one authority (Alice), instant finality, dev accounts endowed.
pub const DEV: &str = include_str!("../../../chain-spec/dev.json");
/// The local testnet.
pub const LOCAL: &str = include_str!("../../../chain-spec/local.json");
/// An IoT sidechain for development: the sidechain runtime, Alice alone, 500 ms blocks.
pub const SIDECHAIN_DEV: &str = include_str!("../../../chain-spec/sidechain-dev.json");
/// A local IoT sidechain testnet: the sidechain runtime, four validators, 500 ms blocks.
pub const SIDECHAIN_LOCAL: &str = include_str!("../../../chain-spec/sidechain-local.json");

/// The spec named by `--dev`/`--chain`: `dev`, `local`, `sidechain-dev`, `sidechain-local`, or
/// a file.
pub fn load(shared: &SharedArgs) -> Result<ChainSpec, Error> {
    let name = match (&shared.chain, shared.dev) {
        (Some(chain), _) => chain.as_str(),
        (None, true) => "dev",
        (None, false) => {
            return Err(Error::Input(
                "no chain given: use `--dev` or `--chain dev|local|sidechain-dev|sidechain-local|<file>`"
                    .into(),
            ));
        }
    };
    let json = match name {
        "dev" => DEV.as_bytes().to_vec(),
        "local" | "local_testnet" => LOCAL.as_bytes().to_vec(),
        "sidechain-dev" | "sidechain_dev" => SIDECHAIN_DEV.as_bytes().to_vec(),
        "sidechain-local" | "sidechain_local" => SIDECHAIN_LOCAL.as_bytes().to_vec(),
        path => std::fs::read(path)
            .map_err(|e| Error::Input(format!("cannot read chain spec `{path}`: {e}")))?,
    };
    ChainSpec::from_json(&json).map_err(Error::Input)
}
