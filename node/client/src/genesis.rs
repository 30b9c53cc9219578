//! Genesis: the storage and the header of block 0 of a chain spec.

use crate::chain_spec::{ChainSpec, Genesis, RuntimeGenesis, merge_json};
use codec::EncodeLike;
use cpc_api::{Method, genesis_builder};
use cpc_executor::{CallApi, RuntimeCode, RuntimeExecutor};
use cpc_primitives::{Bytes, Digest, H256, Header, storage::well_known_keys};
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use std::collections::BTreeMap;

/// Genesis storage and its header.
#[derive(Clone, Debug)]
pub struct GenesisState {
    /// Every key and value.
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Block 0.
    pub header: Header,
}

impl GenesisState {
    /// Genesis of `storage`: the header commits to its trie root.
    pub fn from_storage(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        let header = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: cpc_trie::trie_root(&storage),
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        Self { storage, header }
    }

    /// The genesis hash.
    pub fn hash(&self) -> H256 {
        self.header.hash()
    }
}

fn call<M: Method>(
    executor: &dyn RuntimeExecutor,
    backend: &InMemoryBackend,
    overlay: &mut OverlayedChanges,
    code: &RuntimeCode<'_>,
    args: impl EncodeLike<M::Args>,
) -> Result<M::Output, String> {
    let mut ext = Ext::new(overlay, backend, None);
    executor
        .call_api::<M>(&mut ext, code, args)
        .map_err(|e| format!("{}: {e}", M::NAME))
}

/// Builds the genesis storage of `spec`, running its runtime's `GenesisBuilder` in `executor`.
/// `default_code` is used when the spec has no code.
pub fn build_genesis_storage(
    spec: &ChainSpec,
    executor: &dyn RuntimeExecutor,
    default_code: &[u8],
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, String> {
    let RuntimeGenesis {
        code,
        preset,
        config,
        patch,
    } = match &spec.genesis {
        Genesis::Raw(raw) => {
            let storage: BTreeMap<Vec<u8>, Vec<u8>> = raw
                .top
                .iter()
                .map(|(k, v)| (k.0.clone(), v.0.clone()))
                .collect();
            if !storage.contains_key(well_known_keys::CODE) {
                return Err("raw genesis has no `:code`".into());
            }
            return Ok(storage);
        }
        Genesis::RuntimeGenesis(genesis) => genesis.clone(),
    };
    let code = code.map(|c| c.0).unwrap_or_else(|| default_code.to_vec());
    let runtime = RuntimeCode::from_bytes(&code[..]);
    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::new();

    let mut json = match (config, &preset) {
        (Some(config), _) => config,
        (None, preset) => {
            let bytes = call::<genesis_builder::get_preset>(
                executor,
                &backend,
                &mut overlay,
                &runtime,
                (preset,),
            )?
            .ok_or_else(|| format!("the runtime has no genesis preset {preset:?}"))?;
            serde_json::from_slice(&bytes).map_err(|e| format!("bad preset JSON: {e}"))?
        }
    };
    if let Some(patch) = patch {
        merge_json(&mut json, patch);
    }
    // The runtime's block limits and minimum block time follow the chain's block period.
    merge_json(
        &mut json,
        serde_json::json!({ "system": { "blockPeriodMs": spec.block_period_ms() } }),
    );
    let json = serde_json::to_vec(&json).expect("JSON values serialize; qed");
    call::<genesis_builder::build_state>(executor, &backend, &mut overlay, &runtime, (json,))?
        .map_err(|e| format!("the runtime refused the genesis config: {e}"))?;

    let mut storage: BTreeMap<Vec<u8>, Vec<u8>> = overlay
        .drain_committed()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    drop(runtime);
    storage.insert(well_known_keys::CODE.to_vec(), code);
    Ok(storage)
}

/// The raw form of `spec`: genesis storage instead of a runtime genesis.
pub fn to_raw(spec: &ChainSpec, storage: &BTreeMap<Vec<u8>, Vec<u8>>) -> ChainSpec {
    let mut raw = spec.clone();
    raw.genesis = Genesis::Raw(crate::chain_spec::RawGenesis {
        top: storage
            .iter()
            .map(|(k, v)| (Bytes(k.clone()), Bytes(v.clone())))
            .collect(),
        children_default: BTreeMap::new(),
    });
    raw
}
