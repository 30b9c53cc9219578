//! `set_code` stays includable whatever the chain's block period: on long periods its weight is
//! the measured cost of compiling the code, on short ones it takes the block to itself, and a
//! block holding it never exceeds the block's weight limit.

use cpc_api::GenesisBuilder;
use cpc_pallet_system::weights::{CpcWeight, WeightInfo};
use cpc_pallet_system::{
    Call as SystemCall, Config as _, MAX_BLOCK_PERIOD_MS, MIN_BLOCK_PERIOD_MS,
};
use cpc_primitives::dispatch::DispatchClass;
use cpc_runtime::{Runtime, RuntimeCall};
use cpc_state_machine::TestExternalities;
use cpc_support::GetDispatchInfo;

fn with_period<R>(period_ms: u64, f: impl FnOnce() -> R) -> R {
    let mut ext = TestExternalities::default();
    let json = format!(r#"{{"system":{{"blockPeriodMs":{period_ms}}}}}"#);
    ext.execute_with(|| Runtime::build_state(json.into_bytes()))
        .unwrap();
    ext.commit_all();
    ext.execute_with(f)
}

#[test]
fn set_code_of_the_largest_size_fits_an_empty_block_at_every_period() {
    let code = RuntimeCall::System(SystemCall::set_code {
        code: vec![0; <Runtime as cpc_pallet_system::Config>::MAX_CODE_SIZE as usize],
    });
    for period in [MIN_BLOCK_PERIOD_MS, 500, 1_000, 6_000, MAX_BLOCK_PERIOD_MS] {
        with_period(period, || {
            let limits = cpc_pallet_system::Pallet::<Runtime>::block_weights();
            let info = code.get_dispatch_info();
            assert_eq!(info.class, DispatchClass::Operational);
            let in_block = limits
                .base_block
                .saturating_add(limits.base_extrinsic)
                .saturating_add(info.weight);
            assert!(
                !in_block.any_gt(limits.max_block),
                "period {period} ms: {in_block:?} > {:?}",
                limits.max_block
            );
            let measured = CpcWeight::set_code(Runtime::MAX_CODE_SIZE);
            if measured.any_gt(limits.max_extrinsic(DispatchClass::Operational).unwrap()) {
                let whole_block = limits.max_extrinsic(DispatchClass::Operational).unwrap();
                assert_eq!(
                    info.weight.ref_time, whole_block.ref_time,
                    "period {period} ms: capped at a whole block"
                );
            } else {
                assert_eq!(
                    info.weight, measured,
                    "period {period} ms: the measured cost"
                );
            }
        });
    }
}

#[test]
fn small_code_is_charged_by_its_size_on_a_long_period() {
    with_period(6_000, || {
        let small = RuntimeCall::System(SystemCall::set_code {
            code: vec![0; 1024],
        });
        let large = RuntimeCall::System(SystemCall::set_code {
            code: vec![0; 100 * 1024],
        });
        assert!(
            large
                .get_dispatch_info()
                .weight
                .any_gt(small.get_dispatch_info().weight)
        );
    });
}
