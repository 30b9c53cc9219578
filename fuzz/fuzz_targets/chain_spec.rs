//! libFuzzer entry of the `chain_spec` target ([`cpc_fuzz::chain_spec`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::chain_spec(data));
