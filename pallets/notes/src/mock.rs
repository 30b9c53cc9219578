//! A test runtime with the system and notes pallets.

use crate as notes;
use cpc_primitives::AccountId;
use cpc_state_machine::TestExternalities;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Notes: notes = 4,
    }
}

cpc_pallet_system::test_config!(Test);

impl notes::Config for Test {}

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Genesis with `notes`, in block 1.
pub fn new_test_ext(notes: &[(u8, &str)]) -> TestExternalities {
    let config = RuntimeGenesisConfig {
        notes: notes::GenesisConfig {
            notes: notes
                .iter()
                .map(|(n, t)| (account(*n), t.to_string()))
                .collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| {
        cpc_pallet_system::Pallet::<Test>::initialize(
            1,
            cpc_primitives::H256::zero(),
            &Default::default(),
        );
        cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
    });
    ext
}
