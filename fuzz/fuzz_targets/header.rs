//! libFuzzer entry of the `header` target ([`cpc_fuzz::header`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::header(data));
