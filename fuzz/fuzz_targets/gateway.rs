//! libFuzzer entry of the `gateway` target ([`cpc_fuzz::gateway`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::gateway(data));
