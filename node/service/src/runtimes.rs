//! The runtimes built into this node, and which one a chain runs.
//!
//! A chain spec names its runtime (`"runtime": "main"`, the default, or `"sidechain"`): the
//! node uses that runtime's wasm blob as genesis code when the spec gives none, and its native
//! dispatch for `--execution native|both`. Which code a running chain executes is still its
//! `:code`, so an upgraded chain runs its new code whatever the node carries.

use crate::Error;
use cpc_client::chain_spec::ChainSpec;
use cpc_version::RuntimeVersion;

/// A runtime compiled into the node.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinRuntime {
    /// Its name in chain specs.
    pub name: &'static str,
    /// Its wasm blob (`None` in a node built with `CPC_SKIP_WASM_BUILD`).
    pub code: Option<&'static [u8]>,
    /// Its native API dispatch.
    pub dispatch: fn(&str, &[u8]) -> Option<Vec<u8>>,
    /// Its version.
    pub version: &'static RuntimeVersion,
}

impl BuiltinRuntime {
    /// The wasm blob, or why there is none.
    pub fn code(&self) -> Result<&'static [u8], Error> {
        self.code.ok_or_else(|| {
            Error::Node(format!(
                "this node was built without its {} runtime (CPC_SKIP_WASM_BUILD)",
                self.name
            ))
        })
    }
}

/// The main-chain runtime.
pub static MAIN: BuiltinRuntime = BuiltinRuntime {
    name: "main",
    code: cpc_runtime::WASM_BINARY,
    dispatch: cpc_runtime::api::dispatch,
    version: &cpc_runtime::VERSION,
};

/// The IoT sidechain runtime.
pub static SIDECHAIN: BuiltinRuntime = BuiltinRuntime {
    name: "sidechain",
    code: cpc_runtime_sidechain::WASM_BINARY,
    dispatch: cpc_runtime_sidechain::api::dispatch,
    version: &cpc_runtime_sidechain::VERSION,
};

/// Every built-in runtime.
pub static ALL: [&BuiltinRuntime; 2] = [&MAIN, &SIDECHAIN];

/// The runtime `spec` names (`main` when it names none).
pub fn of(spec: &ChainSpec) -> Result<&'static BuiltinRuntime, Error> {
    let name = spec.runtime.as_deref().unwrap_or(MAIN.name);
    ALL.iter().copied().find(|r| r.name == name).ok_or_else(|| {
        Error::Input(format!(
            "chain spec `{}`: unknown runtime `{name}` (this node has: main, sidechain)",
            spec.id
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_pick_their_runtime_and_unknown_names_are_refused() {
        let spec = |runtime: Option<&str>| {
            let mut json =
                serde_json::json!({"name": "x", "id": "x", "genesis": {"runtimeGenesis": {}}});
            if let Some(r) = runtime {
                json["runtime"] = r.into();
            }
            ChainSpec::from_json(json.to_string().as_bytes()).unwrap()
        };
        assert_eq!(of(&spec(None)).unwrap().name, "main");
        assert_eq!(of(&spec(Some("sidechain"))).unwrap().name, "sidechain");
        assert_eq!(
            of(&spec(Some("sidechain"))).unwrap().version.spec_name,
            "cpchain-sidechain"
        );
        let err = of(&spec(Some("parachain"))).unwrap_err().to_string();
        assert!(err.contains("unknown runtime `parachain`"), "{err}");
    }
}
