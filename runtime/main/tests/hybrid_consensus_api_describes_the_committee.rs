//! The node learns from the runtime who proposes each block, who validates and which term it
//! is: `HybridConsensusApi` over the presets' genesis.

use cpc_api::GenesisBuilder;
use cpc_consensus_primitives::HybridConsensusApi;
use cpc_primitives::{AccountId, sr25519::Public};
use cpc_runtime::Runtime;
use cpc_runtime::genesis::DEV_ACCOUNTS;
use cpc_state_machine::TestExternalities;

fn preset(name: &str) -> TestExternalities {
    let json = Runtime::get_preset(Some(name.into())).unwrap();
    let mut ext = TestExternalities::default();
    ext.execute_with(|| Runtime::build_state(json)).unwrap();
    ext.commit_all();
    ext
}

fn dev(i: usize) -> AccountId {
    AccountId::new(DEV_ACCOUNTS[i].1)
}

#[test]
fn the_development_chain_has_alice_alone() {
    preset("development").execute_with(|| {
        let (set_id, validators) = Runtime::validators();
        assert_eq!(set_id, 0);
        assert_eq!(validators.len(), 1);
        assert_eq!(validators[0].account, dev(0));
        assert_eq!(validators[0].session_key, Public(DEV_ACCOUNTS[0].1));
        assert_eq!(Runtime::proposer(1).unwrap().account, dev(0));
        assert_eq!(Runtime::term(), (0, 1, 36));
    });
}

#[test]
fn the_local_testnet_has_four_validators_taking_turns() {
    preset("local_testnet").execute_with(|| {
        let (_, validators) = Runtime::validators();
        let accounts: Vec<_> = validators.iter().map(|m| m.account).collect();
        assert_eq!(accounts, (0..4).map(dev).collect::<Vec<_>>());
        // Before block 1 the term has not started: the API answers for the next term.
        let proposers: Vec<_> = (1..=8)
            .map(|n| Runtime::proposer(n).map(|m| m.account))
            .collect();
        assert!(proposers.iter().all(Option::is_some), "{proposers:?}");
    });
}
