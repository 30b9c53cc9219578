//! Genesis presets: ready-made genesis configurations for development and local testnets.

use crate::{RuntimeGenesisConfig, constants::UNITS};
use alloc::{string::String, vec::Vec};
use cpc_primitives::{AccountId, Balance};

/// The preset for `--dev`.
pub const DEVELOPMENT: &str = "development";
/// The preset for a local multi-node testnet.
pub const LOCAL_TESTNET: &str = "local_testnet";

/// The public keys of Substrate's well-known dev accounts (`//Alice` ... `//Ferdie`); a test
/// derives them from their secret URIs.
pub const DEV_ACCOUNTS: [(&str, [u8; 32]); 6] = [
    (
        "Alice",
        hex32("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
    ),
    (
        "Bob",
        hex32("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
    ),
    (
        "Charlie",
        hex32("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
    ),
    (
        "Dave",
        hex32("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
    ),
    (
        "Eve",
        hex32("e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"),
    ),
    (
        "Ferdie",
        hex32("1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"),
    ),
];

/// What each dev account holds at genesis: one million CPC.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * UNITS;
/// The bond of the presets' proposer candidates (reserved from their endowment).
pub const CANDIDATE_BOND: Balance = 10_000 * UNITS;
/// The least bond of a proposer candidate in the presets.
pub const CANDIDATE_MIN_BOND: Balance = 1_000 * UNITS;

const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// The dev accounts.
pub fn dev_accounts() -> Vec<AccountId> {
    DEV_ACCOUNTS
        .iter()
        .map(|(_, key)| AccountId::new(*key))
        .collect()
}

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
