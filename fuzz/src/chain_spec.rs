//! Chain specs: JSON an operator downloads and starts a node with. Parsing must refuse bad
//! specs with an error, never a panic; a spec that parses and has the runtime build its
//! genesis runs the real runtime's genesis builder (in wasm, as the node does) on the
//! fuzzed preset, config and patch.

use cpc_client::{
    chain_spec::{ChainSpec, Genesis},
    genesis::build_genesis_storage,
};
use cpc_executor::{WasmExecutor, WasmExecutorConfig};
use std::sync::OnceLock;

fn executor() -> &'static WasmExecutor {
    static EXECUTOR: OnceLock<WasmExecutor> = OnceLock::new();
    EXECUTOR.get_or_init(|| WasmExecutor::new(WasmExecutorConfig::default()).expect("an executor"))
}

/// See the module documentation.
pub fn chain_spec(data: &[u8]) {
    let Ok(spec) = ChainSpec::from_json(data) else {
        return;
    };
    let _ = spec.checkpoints_by_number();
    let _ = spec.block_period_ms();
    // Code the spec brings is the operator's to vouch for: compiling fuzzed bytes as a
    // runtime would measure wasmtime, not the node.
    if let Genesis::RuntimeGenesis(genesis) = &spec.genesis
        && genesis.code.is_some()
    {
        return;
    }
    let _ = build_genesis_storage(&spec, executor(), crate::runtime_wasm());
}
