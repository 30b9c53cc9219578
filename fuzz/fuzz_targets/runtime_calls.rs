//! libFuzzer entry of the `runtime_calls` target ([`cpc_fuzz::runtime_calls`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::runtime_calls(data));
