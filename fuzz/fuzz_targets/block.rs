//! libFuzzer entry of the `block` target ([`cpc_fuzz::block`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::block(data));
