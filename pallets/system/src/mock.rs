//! A test runtime with only the system pallet.

use crate as system;
use cpc_primitives::weight::Weight;
use cpc_state_machine::TestExternalities;
use cpc_support::weights::{BlockLength, BlockWeights, RuntimeDbWeight};
use cpc_version::RuntimeVersion;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: system = 0,
    }
}

impl system::Config for Test {
    type RuntimeCall = RuntimeCall;
    type RuntimeEvent = RuntimeEvent;
    type PalletIndex = Test;
    type AllPallets = AllPallets;
    type OnChargeTransaction = ();
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
    const BLOCK_WEIGHTS: BlockWeights =
        BlockWeights::for_period(1000, Weight::from_ref_time(1), Weight::from_ref_time(1));
    const BLOCK_LENGTH: BlockLength = BlockLength {
        max: 1024 * 1024,
        normal_percent: 75,
    };
    const BLOCK_HASH_COUNT: u32 = 10;
    const DB_WEIGHT: RuntimeDbWeight = RuntimeDbWeight { read: 1, write: 1 };
    const SS58_PREFIX: u16 = 42;
    const MAX_NONCE_LOOKAHEAD: u32 = 64;
}

/// Genesis state.
pub fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| RuntimeGenesisConfig::default().build().unwrap());
    ext.commit_all();
    ext
}
