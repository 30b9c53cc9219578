//! Chain specifications: what a chain is (name, properties, consensus settings) and its genesis.
//!
//! The JSON format follows Substrate's: either a runtime genesis (a preset and/or a config or
//! patch for the runtime's `GenesisBuilder`, with optional code) or the raw genesis storage
//! (`build-spec --raw`), which fixes the genesis exactly, code included.

use cpc_primitives::{Bytes, H256};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest chain spec file accepted.
pub const MAX_SPEC_SIZE: usize = 64 * 1024 * 1024;

/// The kind of chain, as Substrate names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ChainType {
    /// A development chain (one node, dev keys).
    #[default]
    Development,
    /// A local testnet.
    Local,
    /// A live network.
    Live,
    /// Something else.
    Custom(String),
}

/// Consensus settings of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsensusSpec {
    /// The engine: `dev` (one authority, instant finality) or `lbft` (the validator committee of
    /// the runtime's hybrid-consensus pallet finalizes every block with a commit certificate).
    pub engine: String,
    /// Milliseconds between blocks.
    pub block_period_ms: u64,
}

impl Default for ConsensusSpec {
    fn default() -> Self {
        Self {
            engine: "dev".into(),
            block_period_ms: 1000,
        }
    }
}

/// The runtime genesis: built by the runtime from JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeGenesis {
    /// The runtime code; the node's own runtime when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Bytes>,
    /// A preset of the runtime to start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// A full genesis config (replaces the preset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    /// Changes merged into the preset (or the default config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Value>,
}

/// Raw genesis storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RawGenesis {
    /// Keys and values of the main trie.
    pub top: BTreeMap<Bytes, Bytes>,
    /// Child tries (unsupported; must be empty).
    #[serde(default)]
    pub children_default: BTreeMap<Bytes, Value>,
}

/// The genesis of a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Genesis {
    /// Built by the runtime.
    RuntimeGenesis(RuntimeGenesis),
    /// Exact storage.
    Raw(RawGenesis),
}

/// A chain specification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainSpec {
    /// Human-readable name.
    pub name: String,
    /// Short identifier (the database directory is named after it).
    pub id: String,
    /// The kind of chain.
    #[serde(default)]
    pub chain_type: ChainType,
    /// Addresses of nodes to connect to.
    #[serde(default)]
    pub boot_nodes: Vec<String>,
    /// Network protocol identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_id: Option<String>,
    /// Properties for clients: `tokenSymbol`, `tokenDecimals`, `ss58Format`.
    #[serde(default)]
    pub properties: serde_json::Map<String, Value>,
    /// Consensus settings.
    #[serde(default)]
    pub consensus: ConsensusSpec,
    /// Which runtime built into the node the chain runs (`main` when absent; `sidechain` for
    /// an IoT sidechain): its code when the genesis gives none, and its native dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Replacement runtime code by block number (decimal string keys, as Substrate writes
    /// them), to recover a chain whose runtime fails: calls on the state of that block and of
    /// later blocks run the replacement while the chain's code is still the one it had there.
    #[serde(default)]
    pub code_substitutes: BTreeMap<String, Bytes>,
    /// Trusted finalized blocks by number (decimal string keys, `0x` hashes): weak-subjectivity
    /// checkpoints. A block at one of these numbers with another hash is refused, so a node
    /// syncing from genesis cannot be led down a history certified by a committee whose keys
    /// were sold after it retired (a long-range attack).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checkpoints: BTreeMap<String, String>,
    /// The genesis.
    pub genesis: Genesis,
}

impl ChainSpec {
    /// Parses a spec from JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > MAX_SPEC_SIZE {
            return Err(format!(
                "chain spec of {} bytes is larger than {MAX_SPEC_SIZE}",
                bytes.len()
            ));
        }
        let spec: Self =
            serde_json::from_slice(bytes).map_err(|e| format!("invalid chain spec: {e}"))?;
        if let Genesis::Raw(raw) = &spec.genesis
            && !raw.children_default.is_empty()
        {
            return Err("child tries in genesis are not supported".into());
        }
        spec.code_substitutes_by_number()?;
        Ok(spec)
    }

    /// The code substitutes keyed by block number.
    pub fn code_substitutes_by_number(&self) -> Result<BTreeMap<u32, Vec<u8>>, String> {
        self.code_substitutes
            .iter()
            .map(|(number, code)| {
                let number = number
                    .parse::<u32>()
                    .map_err(|_| format!("codeSubstitutes: {number:?} is not a block number"))?;
                if code.0.is_empty() {
                    return Err(format!(
                        "codeSubstitutes: the code for block {number} is empty"
                    ));
                }
                Ok((number, code.0.clone()))
            })
            .collect()
    }

    /// The checkpoints, by block number.
    pub fn checkpoints_by_number(&self) -> Result<BTreeMap<u32, H256>, String> {
        self.checkpoints
            .iter()
            .map(|(number, hash)| parse_checkpoint(number, hash))
            .collect()
    }

    /// The spec as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("chain specs serialize; qed")
    }

    /// The block period, in milliseconds.
    pub fn block_period_ms(&self) -> u64 {
        self.consensus.block_period_ms
    }
}

/// Merges `patch` into `base`: objects merge key by key, everything else is replaced.
pub fn merge_json(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge_json(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch,
    }
}

/// A checkpoint from its block number and `0x`-prefixed hash, as the spec and `--checkpoint`
/// write them.
pub fn parse_checkpoint(number: &str, hash: &str) -> Result<(u32, H256), String> {
    let number = number
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("checkpoint: {number:?} is not a block number"))?;
    let bytes = hex::decode(hash.trim().trim_start_matches("0x"))
        .map_err(|_| format!("checkpoint #{number}: {hash:?} is not hex"))?;
    let hash: [u8; 32] = bytes
        .try_into()
        .map_err(|_| format!("checkpoint #{number}: a hash is 32 bytes"))?;
    Ok((number, H256(hash)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_merge_into_objects() {
        let mut base = serde_json::json!({"balances": {"balances": [1]}, "system": {}});
        merge_json(
            &mut base,
            serde_json::json!({"balances": {"balances": [2]}, "other": 1}),
        );
        assert_eq!(
            base,
            serde_json::json!({"balances": {"balances": [2]}, "system": {}, "other": 1})
        );
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        assert!(
            ChainSpec::from_json(b"{")
                .unwrap_err()
                .contains("invalid chain spec")
        );
        assert!(
            ChainSpec::from_json(br#"{"name": "x", "id": "x"}"#)
                .unwrap_err()
                .contains("genesis")
        );
        let children =
            br#"{"name":"x","id":"x","genesis":{"raw":{"top":{},"childrenDefault":{"0x00":{}}}}}"#;
        assert!(
            ChainSpec::from_json(children)
                .unwrap_err()
                .contains("child tries")
        );
        let substitute = |key: &str, code: &str| {
            format!(
                r#"{{"name":"x","id":"x","codeSubstitutes":{{"{key}":"{code}"}},"genesis":{{"raw":{{"top":{{}}}}}}}}"#
            )
        };
        assert!(
            ChainSpec::from_json(substitute("0xab", "0x00").as_bytes())
                .unwrap_err()
                .contains("not a block number")
        );
        assert!(
            ChainSpec::from_json(substitute("5", "0x").as_bytes())
                .unwrap_err()
                .contains("empty")
        );
        let spec = ChainSpec::from_json(substitute("5", "0x0102").as_bytes()).unwrap();
        assert_eq!(
            spec.code_substitutes_by_number(),
            Ok(BTreeMap::from([(5, vec![1, 2])]))
        );
    }

    #[test]
    fn checkpoints_parse_from_the_spec_and_refuse_junk() {
        let hash = format!("0x{}", "ab".repeat(32));
        assert_eq!(parse_checkpoint("100", &hash), Ok((100, H256([0xab; 32]))));
        assert!(parse_checkpoint("x", &hash).is_err());
        assert!(parse_checkpoint("1", "0x1234").is_err());
        assert!(parse_checkpoint("1", "zz").is_err());
    }
}
