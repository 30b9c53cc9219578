//! libFuzzer entry of the `trie_proof` target ([`cpc_fuzz::trie_proof`]).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cpc_fuzz::trie_proof(data));
