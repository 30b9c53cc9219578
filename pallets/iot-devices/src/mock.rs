//! A test runtime with system, timestamp, balances and the devices pallet; devices with their
//! keys, and signed readings.

use crate as iot;
use cpc_primitives::{AccountId, Balance, H256, Moment, sr25519::Pair};
use cpc_state_machine::TestExternalities;
use cpc_support::{BoundedVec, Hooks};

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Timestamp: cpc_pallet_timestamp = 1,
        Balances: cpc_pallet_balances = 2,
        IotDevices: iot = 8,
    }
}

cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

impl cpc_pallet_timestamp::Config for Test {
    const MINIMUM_PERIOD: Moment = 250;
    const MAX_DRIFT: Moment = 30_000;
    type WeightInfo = ();
}

impl cpc_pallet_balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = 10;
    const TRANSACTION_BASE_FEE: Balance = 0;
    const TRANSACTION_BYTE_FEE: Balance = 0;
    const WEIGHT_FEE_NUMERATOR: Balance = 0;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1;
    type OnFee = ();
    type WeightInfo = ();
}

impl iot::Config for Test {
    type Currency = cpc_pallet_balances::Pallet<Test>;
    // The runtime's weights: `submit_readings` reports a weight that depends on the block.
    type WeightInfo = iot::weights::CpcWeight;
    const DEVICE_DEPOSIT: Balance = DEPOSIT;
    const MAX_READINGS_PER_BLOCK: u32 = PER_BLOCK;
    const MAX_FUTURE_DRIFT: Moment = DRIFT;
    fn chain_id() -> H256 {
        CHAIN
    }
}

/// The chain id devices sign for.
pub const CHAIN: H256 = H256([42; 32]);
/// The deposit per device.
pub const DEPOSIT: Balance = 500;
/// Most readings per block.
pub const PER_BLOCK: u32 = 12;
/// How far ahead a reading may be, in ms.
pub const DRIFT: Moment = 60_000;
/// Every test account's endowment.
pub const ENDOWMENT: Balance = 100_000;
/// The block time of block `n` in the tests.
pub fn time_of(n: u32) -> Moment {
    1_700_000_000_000 + u64::from(n) * 500
}

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Device key `n`.
pub fn device_key(n: u8) -> Pair {
    Pair::from_seed(&[100 + n; 32])
}

/// A reading of `device` (id) signed by `key`.
pub fn reading(
    device: u32,
    key: &Pair,
    seq: u64,
    timestamp: Moment,
    payload: &[u8],
) -> iot::SignedReading {
    let reading = iot::Reading {
        device,
        seq,
        timestamp,
        payload: BoundedVec::try_from_vec(payload.to_vec()).unwrap(),
    };
    let signature = key.sign(&reading.signing_payload(&CHAIN));
    iot::SignedReading { reading, signature }
}

/// Accounts 1..=10 endowed; block 1 started.
pub fn new_test_ext() -> TestExternalities {
    let config = RuntimeGenesisConfig {
        balances: cpc_pallet_balances::GenesisConfig {
            balances: (1..=10).map(|n| (account(n), ENDOWMENT)).collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| start_block(1));
    ext
}

/// Starts block `n` with its time set.
pub fn start_block(n: u32) {
    cpc_pallet_system::Pallet::<Test>::initialize(n, H256([n as u8; 32]), &Default::default());
    cpc_pallet_timestamp::Now::put(&time_of(n));
    iot::Pallet::<Test>::on_initialize(n);
}

/// Ends the current block (commits its readings root) and starts the next.
pub fn next_block() {
    let n = cpc_pallet_system::Pallet::<Test>::block_number();
    iot::Pallet::<Test>::on_finalize(n);
    start_block(n + 1);
}
