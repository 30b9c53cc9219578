//! A test runtime with the system and balances pallets.

use crate as balances;
use cpc_primitives::{AccountId, Balance, H256, weight::Weight};
use cpc_state_machine::TestExternalities;
use cpc_support::weights::{BlockLength, BlockWeights, RuntimeDbWeight};
use cpc_version::RuntimeVersion;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Balances: balances = 5,
    }
}

impl cpc_pallet_system::Config for Test {
    type RuntimeCall = RuntimeCall;
    type RuntimeEvent = RuntimeEvent;
    type PalletIndex = Test;
    type AllPallets = AllPallets;
    type OnChargeTransaction = balances::Pallet<Test>;
    type OnAccountEvent = ();
    type WeightInfo = ();
    const VERSION: RuntimeVersion = RuntimeVersion {
        spec_name: alloc::borrow::Cow::Borrowed("test"),
        impl_name: alloc::borrow::Cow::Borrowed("test"),
        authoring_version: 1,
        spec_version: 1,
        impl_version: 0,
        apis: alloc::borrow::Cow::Borrowed(&[]),
        transaction_version: 1,
        system_version: 1,
    };
    const BLOCK_WEIGHTS: BlockWeights = BlockWeights::for_period(
        1000,
        Weight::from_ref_time(1_000),
        Weight::from_ref_time(1_000),
    );
    const BLOCK_LENGTH: BlockLength = BlockLength {
        max: 5 * 1024 * 1024,
        normal_percent: 75,
    };
    const BLOCK_HASH_COUNT: u32 = 250;
    const DB_WEIGHT: RuntimeDbWeight = RuntimeDbWeight { read: 1, write: 1 };
    const SS58_PREFIX: u16 = 42;
    const MAX_NONCE_LOOKAHEAD: u32 = 64;
    const MAX_CODE_SIZE: u32 = 4 * 1024 * 1024;
}

/// Existential deposit of the test runtime.
pub const ED: Balance = 10;

impl balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = ED;
    const TRANSACTION_BASE_FEE: Balance = 2;
    const TRANSACTION_BYTE_FEE: Balance = 1;
    const WEIGHT_FEE_NUMERATOR: Balance = 1;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1_000;
    type OnFee = ();
    type WeightInfo = ();
}

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// State with `balances` endowed at genesis, in block 1 with events recorded.
pub fn new_test_ext(balances: &[(u8, Balance)]) -> TestExternalities {
    let config = RuntimeGenesisConfig {
        balances: balances::GenesisConfig {
            balances: balances.iter().map(|(n, b)| (account(*n), *b)).collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| {
        cpc_pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
        cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
    });
    ext
}

/// The balances events of the current block, in order.
pub fn balance_events() -> Vec<balances::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Balances(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The system events of the current block, in order.
pub fn system_events() -> Vec<cpc_pallet_system::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::System(e) => Some(e),
            _ => None,
        })
        .collect()
}

extern crate alloc;
