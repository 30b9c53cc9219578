//! A test runtime with system, balances and the registry; reputation reports recorded. The
//! sidechains are `cpc_consensus_primitives::testing::SimChain`s.

use crate as registry;
pub use cpc_consensus_primitives::testing::{SimChain, keys, pairs};
use cpc_primitives::{AccountId, Balance, H256};
use cpc_state_machine::TestExternalities;
use std::cell::RefCell;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Balances: cpc_pallet_balances = 2,
        SidechainRegistry: registry = 7,
    }
}

cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

impl cpc_pallet_balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = ED;
    const TRANSACTION_BASE_FEE: Balance = 0;
    const TRANSACTION_BYTE_FEE: Balance = 0;
    const WEIGHT_FEE_NUMERATOR: Balance = 0;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1;
    type OnFee = ();
    type WeightInfo = ();
}

thread_local! {
    static CONTRIBUTIONS: RefCell<Vec<(AccountId, Balance)>> = const { RefCell::new(Vec::new()) };
}

/// Records the data contributions the registry reports.
pub struct RecordingReporter;

impl cpc_support::traits::ReputationReporter for RecordingReporter {
    fn note_fee_paid(_: &AccountId, _: Balance) {}
    fn note_data_contribution(who: &AccountId, value: Balance) {
        CONTRIBUTIONS.with(|c| c.borrow_mut().push((*who, value)));
    }
    fn note_proxy_rating(_: &AccountId, _: u8, _: Balance) {}
}

/// The contributions reported so far (and forgets them).
pub fn take_contributions() -> Vec<(AccountId, Balance)> {
    CONTRIBUTIONS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

impl registry::Config for Test {
    type Currency = cpc_pallet_balances::Pallet<Test>;
    type Reputation = RecordingReporter;
    type WeightInfo = ();
    const MIN_BOND: Balance = MIN_BOND;
    const ANCHOR_HISTORY: u32 = HISTORY;
    const ANCHORED_HEADER_VALUE: Balance = 1;
    const DEREGISTRATION_DELAY: u32 = DELAY;
    fn treasury() -> AccountId {
        account(TREASURY)
    }
}

/// Existential deposit.
pub const ED: Balance = 10;
/// Every test account's endowment.
pub const ENDOWMENT: Balance = 1_000_000;
/// The smallest bond.
pub const MIN_BOND: Balance = 1_000;
/// Anchored headers kept.
pub const HISTORY: u32 = 8;
/// Blocks from deregistration to the bond's release.
pub const DELAY: u32 = 5;
/// The treasury account (not endowed).
pub const TREASURY: u8 = 99;

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Accounts 1..=20 endowed; block 1 started.
pub fn new_test_ext() -> TestExternalities {
    take_contributions();
    let config = RuntimeGenesisConfig {
        balances: cpc_pallet_balances::GenesisConfig {
            balances: (1..=20).map(|n| (account(n), ENDOWMENT)).collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| run_to_block(1));
    ext
}

/// Starts blocks up to `n`.
pub fn run_to_block(n: u32) {
    let from = cpc_pallet_system::Pallet::<Test>::block_number() + 1;
    for b in from..=n {
        cpc_pallet_system::Pallet::<Test>::initialize(b, H256([b as u8; 32]), &Default::default());
        cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
    }
}

/// The registry's events of the current block, in order.
pub fn events() -> Vec<registry::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::SidechainRegistry(e) => Some(e),
            _ => None,
        })
        .collect()
}
