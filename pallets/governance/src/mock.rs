//! A test runtime with the system and governance pallets.

use crate as governance;
use cpc_primitives::AccountId;
use cpc_state_machine::TestExternalities;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Governance: governance<Test> = 3,
    }
}

cpc_pallet_system::test_config!(Test);

/// Blocks between approval and enactment in the test runtime.
pub const DELAY: u32 = 2;
/// Blocks of voting in the test runtime.
pub const PERIOD: u32 = 10;
/// The largest encoded proposal in the test runtime.
pub const MAX_SIZE: u32 = 1024;

impl governance::Config for Test {
    const ENACTMENT_DELAY: u32 = DELAY;
    const VOTING_PERIOD: u32 = PERIOD;
    const MAX_PROPOSAL_SIZE: u32 = MAX_SIZE;
    type WeightInfo = ();
}

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Genesis with sudo key `sudo`, council `members` (by account number) and `threshold`, in
/// block 1.
pub fn new_test_ext(sudo: Option<u8>, members: &[u8], threshold: u32) -> TestExternalities {
    let config = RuntimeGenesisConfig {
        governance: governance::GenesisConfig {
            sudo_key: sudo.map(account),
            members: members.iter().copied().map(account).collect(),
            threshold,
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| run_to_block(1));
    ext
}

/// Starts block `n` (running `on_initialize`, which enacts scheduled proposals).
pub fn run_to_block(n: u32) {
    use cpc_support::Hooks;
    cpc_pallet_system::Pallet::<Test>::initialize(
        n,
        cpc_primitives::H256([n as u8; 32]),
        &Default::default(),
    );
    governance::Pallet::<Test>::on_initialize(n);
    cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
}

/// The governance events of the current block, in order.
pub fn events() -> Vec<governance::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Governance(e) => Some(e),
            _ => None,
        })
        .collect()
}
