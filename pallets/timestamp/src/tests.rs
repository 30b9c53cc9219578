//! Unit tests of the timestamp pallet.

use crate::{self as timestamp, *};
use cpc_primitives::H256;
use cpc_state_machine::TestExternalities;
use cpc_support::{Dispatchable, assert_noop, assert_ok};

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Timestamp: timestamp = 2,
    }
}

cpc_pallet_system::test_config!(Test);

impl Config for Test {
    const MINIMUM_PERIOD: Moment = 500;
    const MAX_DRIFT: Moment = 30_000;
    type WeightInfo = ();
}

type T = Pallet<Test>;

fn ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        RuntimeGenesisConfig::default().build().unwrap();
        cpc_pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
    });
    ext
}

fn set(now: Moment) -> RuntimeCall {
    RuntimeCall::Timestamp(Call::set { now })
}

fn data(now: Moment) -> InherentData {
    let mut data = InherentData::new();
    data.put(INHERENT_IDENTIFIER, &now);
    data
}

#[test]
fn set_once_per_block_and_only_unsigned() {
    ext().execute_with(|| {
        assert_noop!(
            set(1_000).dispatch(RawOrigin::Root),
            cpc_primitives::dispatch::DispatchError::BadOrigin
        );
        assert_ok!(set(1_000).dispatch(RawOrigin::None));
        assert_eq!(T::now(), 1_000);
        assert_noop!(set(2_000).dispatch(RawOrigin::None), Error::AlreadyUpdated);
        T::on_finalize(1);
        assert_noop!(set(1_499).dispatch(RawOrigin::None), Error::TooEarly);
        assert_ok!(set(1_500).dispatch(RawOrigin::None));
    });
}

#[test]
#[should_panic(expected = "Timestamp must be updated once in the block")]
fn a_block_without_the_timestamp_is_invalid() {
    ext().execute_with(|| T::on_finalize(1));
}

#[test]
fn the_inherent_follows_the_clock_but_never_goes_back() {
    ext().execute_with(|| {
        assert_eq!(
            T::create_inherent(&data(5_000)),
            Some(Call::set { now: 5_000 })
        );
        assert_ok!(set(5_000).dispatch(RawOrigin::None));
        T::on_finalize(1);
        // A clock that lags still yields a valid time.
        assert_eq!(
            T::create_inherent(&data(4_000)),
            Some(Call::set { now: 5_500 })
        );
        assert_eq!(T::create_inherent(&InherentData::new()), None);
    });
}

#[test]
fn importers_refuse_times_too_far_ahead_of_their_clock() {
    ext().execute_with(|| {
        let call = Call::set { now: 100_000 };
        assert_eq!(T::check_inherent(&call, &data(70_000)), Ok(()));
        assert_eq!(
            T::check_inherent(&call, &data(69_999)),
            Err("block timestamp is too far in the future")
        );
        assert!(T::check_inherent(&call, &InherentData::new()).is_err());
        assert!(T::is_inherent(&call) && T::inherent_required());
    });
}

#[test]
fn the_minimum_period_is_half_the_genesis_block_period() {
    let mut ext = TestExternalities::default();
    let config = RuntimeGenesisConfig {
        system: cpc_pallet_system::GenesisConfig {
            block_period_ms: Some(200),
        },
        ..Default::default()
    };
    ext.execute_with(|| {
        config.build().unwrap();
        cpc_pallet_system::Pallet::<Test>::initialize(1, H256::zero(), &Default::default());
        assert_eq!(T::minimum_period(), 100);
        assert_ok!(set(1_000).dispatch(RawOrigin::None));
        T::on_finalize(1);
        assert_noop!(set(1_099).dispatch(RawOrigin::None), Error::TooEarly);
        assert_ok!(set(1_100).dispatch(RawOrigin::None));
    });
}
