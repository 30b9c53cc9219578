//! libFuzzer entry of the `extrinsic` target ([`cpc_fuzz::extrinsic`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::extrinsic(data));
