//! A test runtime with system and the tracker; the main chain is a
//! `cpc_consensus_primitives::testing::SimChain`.

use crate as tracker;
pub use cpc_consensus_primitives::testing::{SimChain, keys, pairs};
use cpc_primitives::AccountId;
use cpc_state_machine::TestExternalities;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        MainchainTracker: tracker = 9,
    }
}

cpc_pallet_system::test_config!(Test);

impl tracker::Config for Test {
    type WeightInfo = ();
    const HEADER_HISTORY: u32 = HISTORY;
}

/// Tracked headers kept.
pub const HISTORY: u32 = 6;

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// A tracker following `main` from its genesis; block 1 started.
pub fn new_test_ext(main: &SimChain) -> TestExternalities {
    let genesis = &main.headers[0];
    let config = RuntimeGenesisConfig {
        mainchain_tracker: tracker::GenesisConfig {
            main_genesis: Some(main.genesis()),
            checkpoint: Some(tracker::Checkpoint {
                number: 0,
                hash: genesis.hash(),
                state_root: genesis.state_root,
                set_id: 0,
                committee: keys(main.committee_of(1))
                    .into_iter()
                    .map(|k| AccountId::new(k.0))
                    .collect(),
            }),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| {
        cpc_pallet_system::Pallet::<Test>::initialize(1, Default::default(), &Default::default());
    });
    ext
}
