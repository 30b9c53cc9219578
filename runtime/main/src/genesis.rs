//! Genesis presets: ready-made genesis configurations for development and local testnets.

use crate::RuntimeGenesisConfig;
use alloc::{string::String, vec::Vec};
pub use cpc_runtime_common::{
    CANDIDATE_BOND, CANDIDATE_MIN_BOND, DEV_ACCOUNTS, DEV_ENDOWMENT, dev_accounts,
};

/// The preset for `--dev`.
pub const DEVELOPMENT: &str = "development";
/// The preset for a local multi-node testnet.
pub const LOCAL_TESTNET: &str = "local_testnet";

/// The genesis configuration of preset `name`.
pub fn preset(name: &str) -> Option<RuntimeGenesisConfig> {
    match name {
        DEVELOPMENT | LOCAL_TESTNET => {
            let mut config = RuntimeGenesisConfig::default();
            config.balances.balances = dev_accounts()
                .into_iter()
                .map(|who| (who, DEV_ENDOWMENT))
                .collect();
            let accounts = dev_accounts();
            // Alice holds the sudo key; Alice, Bob and Charlie form a council of threshold 2,
            // so both upgrade paths work on a dev chain.
            config.governance.sudo_key = Some(accounts[0]);
            config.governance.members = accounts[..3].to_vec();
            config.governance.threshold = 2;
            // Dev keys sign as session keys too. Development: Alice alone validates and
            // proposes. Local testnet: Alice, Bob, Charlie and Dave validate and are the
            // default proposers; all six accounts are proposer candidates.
            let validators = if name == DEVELOPMENT { 1 } else { 4 };
            let candidates = if name == DEVELOPMENT {
                1
            } else {
                accounts.len()
            };
            let consensus = &mut config.hybrid_consensus;
            consensus.params = Some(cpc_pallet_hybrid_consensus::Params {
                min_bond: CANDIDATE_MIN_BOND,
                ..Default::default()
            });
            consensus.candidates = accounts[..candidates]
                .iter()
                .map(|who| (*who, *who, CANDIDATE_BOND))
                .collect();
            consensus.default_proposers = accounts[..validators]
                .iter()
                .map(|who| (*who, *who))
                .collect();
            consensus.validators = accounts[..validators].to_vec();
            // The market's protocol fee goes to Alice, the sudo key holder, on dev chains.
            config.data_market.params = Some(cpc_pallet_data_market::Params {
                proxy_min_bond: 100 * crate::constants::UNITS,
                protocol_account: accounts[0],
                product_deposit_base: crate::constants::UNITS,
                product_deposit_per_byte: 10 * crate::constants::MICRO_UNITS,
                ..Default::default()
            });
            Some(config)
        }
        _ => None,
    }
}

/// The names of the presets.
pub fn preset_names() -> Vec<String> {
    alloc::vec![DEVELOPMENT.into(), LOCAL_TESTNET.into()]
}
