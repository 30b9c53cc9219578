//! libFuzzer entry of the `rpc` target ([`cpc_fuzz::rpc`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::rpc(data));
