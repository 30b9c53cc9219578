//! Genesis presets of the sidechain runtime.
//!
//! The main-chain tracker starts inert in both: which main chain a sidechain follows, and from
//! which checkpoint, is the sidechain operator's choice (`cpchain build-spec --chain
//! sidechain-dev --parent-rpc ...` writes it into the spec, or root sets it later).

use crate::RuntimeGenesisConfig;
use alloc::{string::String, vec::Vec};
use cpc_runtime_common::{CANDIDATE_BOND, CANDIDATE_MIN_BOND, DEV_ENDOWMENT, dev_accounts};

/// The preset for `--chain sidechain-dev`: Alice alone validates.
pub const DEVELOPMENT: &str = "sidechain_development";
/// The preset for a local sidechain testnet: Alice, Bob, Charlie and Dave validate.
pub const LOCAL_TESTNET: &str = "sidechain_local";

/// The genesis configuration of preset `name`.
pub fn preset(name: &str) -> Option<RuntimeGenesisConfig> {
    let validators = match name {
        DEVELOPMENT => 1,
        LOCAL_TESTNET => 4,
        _ => return None,
    };
    let accounts = dev_accounts();
    let mut config = RuntimeGenesisConfig::default();
    config.balances.balances = accounts.iter().map(|who| (*who, DEV_ENDOWMENT)).collect();
    config.governance.sudo_key = Some(accounts[0]);
    config.governance.members = accounts[..3].to_vec();
    config.governance.threshold = 2;
    // A small committee and short terms: 4 proposers x 2 views.
    let consensus = &mut config.hybrid_consensus;
    consensus.params = Some(cpc_pallet_hybrid_consensus::Params {
        min_bond: CANDIDATE_MIN_BOND,
        term_proposers: 4,
        views: 2,
        ..Default::default()
    });
    // Only the validators are proposer candidates: a sidechain's presets run no other node,
    // and an elected candidate without a node would leave its slots to impeach blocks.
    consensus.candidates = accounts[..validators]
        .iter()
        .map(|who| (*who, *who, CANDIDATE_BOND))
        .collect();
    consensus.default_proposers = accounts[..validators]
        .iter()
        .map(|who| (*who, *who))
        .collect();
    consensus.validators = accounts[..validators].to_vec();
    Some(config)
}

/// The names of the presets.
pub fn preset_names() -> Vec<String> {
    alloc::vec![DEVELOPMENT.into(), LOCAL_TESTNET.into()]
}
