//! libFuzzer entry of the `lbft` target ([`cpc_fuzz::lbft`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::lbft(data));
