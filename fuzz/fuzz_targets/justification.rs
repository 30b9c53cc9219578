//! libFuzzer entry of the `justification` target ([`cpc_fuzz::justification`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::justification(data));
